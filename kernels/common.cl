/* Shared by every rnnscan kernel file; the host prepends it to the others
 * and builds one program per variant (src/opencl/cl_variant.c), each with one
 * entry point.
 *
 * Compile-time parameters (the host passes -D options rendered from a
 * variant key; the defaults let each file compile on its own):
 *   RNNSCAN_ENTRY       which entry point the program holds: 0 input_projection,
 *                       1 rnnscan_step (host-loop schedule), 2 rnnscan_persistent,
 *                       3 rnnscan_state_projection, 4 rnnscan_reset_gate (step.cl)
 *   RNNSCAN_CELL        the cell, as enum rnnscan_cell in include/rnnscan.h (cell.cl),
 *                       and its ONNX variant options (RNNSCAN_ACT_*, RNNSCAN_CLIP,
 *                       RNNSCAN_RESET_BEFORE, RNNSCAN_PEEPHOLES, RNNSCAN_INPUT_FORGET:
 *                       cell.cl lists them; absent = PyTorch's cell)
 *   RNNSCAN_WEIGHT_TYPE storage type of the weights (enum rnnscan_weight_type):
 *                       0 float, 1 f16 (half), 2 bf16; accumulation is float
 *                       always, the loads below convert
 *   RNNSCAN_VEC_WIDTH   hidden units per work-item as one rnnscan_vec: 8 (step
 *                       kernel; persistent on CPU devices) or 1 (persistent on GPUs)
 *   RNNSCAN_TILE_ROWS   input projection: rows of x per work-item
 *   RNNSCAN_STEP_ROWS   step kernel: sequences per work-item
 *   RNNSCAN_W_PANELS    layout of W_hh and W_ih (below): 1 on CPU devices, 0 on GPUs
 * The projection and step kernels give each work-item 8 consecutive hidden
 * units or gate columns as one float8 (16 columns as two in the projection),
 * so a CPU device (PoCL) computes them with SIMD registers and a GPU with 8
 * independent accumulators.  Gate blocks are padded to Hp, a
 * multiple of 8, with zero weights, so vector loads never leave a block.
 * Per-row accumulators are separate named variables, unrolled by the
 * RNNSCAN_TILE_EACH / RNNSCAN_STEP_EACH macros: PoCL keeps private arrays of
 * vectors in memory, which measured 2x slower than named registers.  Macros
 * a file defines for its own use are prefixed with the file's subject and
 * #undef'd at its end: all files share one preprocessor.
 *
 * Math is IEEE single precision with the accurate built-ins (no
 * -cl-fast-relaxed-math): an RNN feeds rounding error through every step. */
#define RNNSCAN_ENTRY_PROJECTION 0
#define RNNSCAN_ENTRY_STEP 1
#define RNNSCAN_ENTRY_PERSISTENT 2
#define RNNSCAN_ENTRY_STATE_PROJECTION 3
#define RNNSCAN_ENTRY_RESET_GATE 4
#ifndef RNNSCAN_ENTRY
#define RNNSCAN_ENTRY RNNSCAN_ENTRY_STEP
#endif
#ifndef RNNSCAN_TILE_ROWS
#define RNNSCAN_TILE_ROWS 6
#endif
#ifndef RNNSCAN_STEP_ROWS
#define RNNSCAN_STEP_ROWS 3
#endif
#ifndef RNNSCAN_STEP_LOCAL
#define RNNSCAN_STEP_LOCAL 0
#endif
#ifndef RNNSCAN_PROJ
#define RNNSCAN_PROJ 0 /* 1: an LSTM with proj_size; the step writes m_t, not h_t */
#endif
#ifndef RNNSCAN_VEC_WIDTH
#define RNNSCAN_VEC_WIDTH 8
#endif
#ifndef RNNSCAN_WEIGHT_TYPE
#define RNNSCAN_WEIGHT_TYPE 0
#endif

#if RNNSCAN_TILE_ROWS == 1
#define RNNSCAN_TILE_EACH(X) X(0)
#elif RNNSCAN_TILE_ROWS == 2
#define RNNSCAN_TILE_EACH(X) X(0) X(1)
#elif RNNSCAN_TILE_ROWS == 4
#define RNNSCAN_TILE_EACH(X) X(0) X(1) X(2) X(3)
#elif RNNSCAN_TILE_ROWS == 6
#define RNNSCAN_TILE_EACH(X) X(0) X(1) X(2) X(3) X(4) X(5)
#elif RNNSCAN_TILE_ROWS == 8
#define RNNSCAN_TILE_EACH(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
#else
#error "RNNSCAN_TILE_ROWS must be 1, 2, 4, 6 or 8"
#endif

#if RNNSCAN_STEP_ROWS == 1
#define RNNSCAN_STEP_EACH(X) X(0)
#elif RNNSCAN_STEP_ROWS == 2
#define RNNSCAN_STEP_EACH(X) X(0) X(1)
#elif RNNSCAN_STEP_ROWS == 3
#define RNNSCAN_STEP_EACH(X) X(0) X(1) X(2)
#elif RNNSCAN_STEP_ROWS == 4
#define RNNSCAN_STEP_EACH(X) X(0) X(1) X(2) X(3)
#else
#error "RNNSCAN_STEP_ROWS must be 1, 2, 3 or 4"
#endif

#ifndef RNNSCAN_W_PANELS
#define RNNSCAN_W_PANELS 1
#endif

/* W_hh, transposed at model creation, one buffer per direction: element
 * (k, gate g, unit j) of the [S][G*Hp] matrix W_hh^T (S: the width of h, H
 * or an LSTM's proj_size) is at
 *   RNNSCAN_W_PANELS 0: k*G*Hp + g*Hp + j      (rows of G*Hp)
 *   RNNSCAN_W_PANELS 1: (j/8)*S*G*8 + k*G*8 + g*8 + j%8
 * and GRU's b_hn [Hp] (or LSTM's peepholes [3][Hp]) follows at S*G*Hp.  A
 * GRU with reset_before stores each gate as such a matrix of its own (G = 1)
 * at g*S*Hp (RNNSCAN_W_GATES in cell.cl).
 * Rows suit a GPU: neighbouring work-items read neighbouring units, so
 * loads coalesce.  Panels suit a CPU: the work-item that owns units
 * 8u..8u+7 reads one contiguous block of H*G*32 bytes from start to end, a
 * stream the hardware prefetcher follows, where rows jump G*Hp*4 bytes
 * (a new page for H >= 256) every k.  W_BLOCK is the work-item's first
 * element for units from j0 (K: the k extent, S), W_KSTRIDE the step from
 * k to k+1, W_GSTRIDE from one gate to the next.  src/opencl/cl_model.c
 * packs both. */
#if RNNSCAN_W_PANELS
#define W_BLOCK(w_hh, G, K, Hp, j0) ((w_hh) + (size_t)((j0) / 8) * (K) * (G) * 8 + (j0) % 8)
#define W_KSTRIDE(G, Hp) ((size_t)(G) * 8)
#define W_GSTRIDE(Hp) 8
#else
#define W_BLOCK(w_hh, G, K, Hp, j0) ((w_hh) + (j0))
#define W_KSTRIDE(G, Hp) ((size_t)(G) * (Hp))
#define W_GSTRIDE(Hp) (Hp)
#endif

/* The first n (1..8) floats at p, as a float8 (the rest 0). */
inline float8 rnnscan_load8(const __global float *p, int n)
{
    if (n >= 8)
        return vload8(0, p);
    float v[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int i = 0; i < n; i++)
        v[i] = p[i];
    return vload8(0, v);
}

/* Stores the first n (1..8) lanes of x at p. */
inline void rnnscan_store8(__global float *p, float8 x, int n)
{
    if (n >= 8) {
        vstore8(x, 0, p);
        return;
    }
    float v[8];
    vstore8(x, 0, v);
    for (int i = 0; i < n; i++)
        p[i] = v[i];
}

/* rnnscan_vec: the hidden units a work-item owns, RNNSCAN_VEC_WIDTH of them.
 * _N forms move only the first n units (the last block of a row). */
#if RNNSCAN_VEC_WIDTH == 8
typedef float8 rnnscan_vec;
#define RNNSCAN_VLOAD(p) vload8(0, (p))
#define RNNSCAN_VSTORE(v, p) vstore8((v), 0, (p))
#define RNNSCAN_VLOAD_N(p, n) rnnscan_load8((p), (n))
#define RNNSCAN_VSTORE_N(p, v, n) rnnscan_store8((p), (v), (n))
#elif RNNSCAN_VEC_WIDTH == 1
typedef float rnnscan_vec;
#define RNNSCAN_VLOAD(p) (*(p))
#define RNNSCAN_VSTORE(v, p) (*(p) = (v))
#define RNNSCAN_VLOAD_N(p, n) (*(p)) /* n is 1 wherever it is called */
#define RNNSCAN_VSTORE_N(p, v, n) (*(p) = (v))
#else
#error "RNNSCAN_VEC_WIDTH must be 1 or 8"
#endif
#define RNNSCAN_VSPLAT(x) ((rnnscan_vec)(x))

/* Weights as stored (RNNSCAN_WEIGHT_TYPE), loaded into float vectors: every
 * weight read goes through these, so a storage type changes only here.
 * f16 uses vload_half, core OpenCL 1.2 (no cl_khr_fp16: half is only ever a
 * pointer target); bf16 is float's top 16 bits, so a shift restores it. */
#if RNNSCAN_WEIGHT_TYPE == 0
typedef float rnnscan_weight;
#define RNNSCAN_WLOAD8(p) vload8(0, (p))
#define RNNSCAN_WLOAD1(p) (*(p))
#elif RNNSCAN_WEIGHT_TYPE == 1
typedef half rnnscan_weight;
#define RNNSCAN_WLOAD8(p) vload_half8(0, (p))
#define RNNSCAN_WLOAD1(p) vload_half(0, (p))
#elif RNNSCAN_WEIGHT_TYPE == 2
typedef ushort rnnscan_weight;
#define RNNSCAN_WLOAD8(p) as_float8(convert_uint8(vload8(0, (p))) << 16)
#define RNNSCAN_WLOAD1(p) as_float((uint)(*(p)) << 16)
#else
#error "RNNSCAN_WEIGHT_TYPE must be 0 (float), 1 (f16) or 2 (bf16)"
#endif
#if RNNSCAN_VEC_WIDTH == 8
#define RNNSCAN_WLOAD(p) RNNSCAN_WLOAD8(p)
#else
#define RNNSCAN_WLOAD(p) RNNSCAN_WLOAD1(p)
#endif

/* Activations for float and for float8 alike (the built-ins are overloaded). */
inline rnnscan_vec rnnscan_sigmoid(rnnscan_vec v) { return 1.0f / (1.0f + exp(-v)); }

/* tanh that saturates exactly: for |v| > 9, 1 - tanh(v) < 2^-25, so the
 * correctly rounded float is +-1; some built-in tanh (PoCL's) return
 * 0.99999994 there, one ulp short. */
inline rnnscan_vec rnnscan_tanh(rnnscan_vec v)
{
    return select(tanh(v), copysign(RNNSCAN_VSPLAT(1.0f), v), isgreater(fabs(v), RNNSCAN_VSPLAT(9.0f)));
}

/* Everything a step or persistent kernel needs besides its buffers, passed
 * by value as one argument: PoCL's cost per launch grows with the number of
 * buffer arguments (measured 3-5 us for 2 arguments against 5-9 us for the
 * 21 separate ones this replaced), and the host loop pays it every step.
 * Mirrored by cl_step_params in src/opencl/cl_scan.h: nine ulongs then
 * twelve ints, so both sides lay it out alike.
 *
 * `state` holds, at these float offsets: h0 [L*D][B][S], the LSTM cell
 * state c [L*D][B][H] (updated in place), h_n [L*D][B][S], with a
 * projection m [D][B][H] (the current layer's o * tanh(c), before W_hr) or,
 * for a GRU with reset_before on the host loop, r * h_{t-1} [D][B][H] in
 * the same place (rnnscan_reset_gate writes it, rnnscan_step reads it), and
 * two int arrays of B: the sequence order (longest first) and the lengths.
 * S, the width of h, is H except for an LSTM with proj_size.
 *
 * Two ways to address y and gx (by_step):
 *   0, whole run: y and gx hold every timestep; step s of sequence b is at
 *      its time t (s forward, len-1-s reverse) and reads h_{t-1} (h_{t+1}
 *      reverse) from y at the neighbouring time.
 *   1, chunk of steps [s0, s_end): the host gathered the chunk's inputs in
 *      step order, so gx row s-s0 and y slot s-s0+1 hold step s for both
 *      directions alike; y slot 0 holds step s0-1 (the previous chunk's last
 *      slot, copied there by the host) and the host scatters y back to times.
 * Either way step 0 reads h0 and a sequence's last step writes h_n.  "Reverse
 * direction" below means dir = 1, or any dir of a model with `reverse`. */
typedef struct rnnscan_step_params {
    ulong h0_off, c_off, hn_off;    /* this layer's first state element        */
    ulong order_off, lengths_off;   /* int arrays [B]                          */
    ulong y_off, y_ts, y_bs;        /* y element (i,b,dir,j): y_off + i*y_ts + b*y_bs + dir*S + j */
    ulong m_off;                    /* m [D][B][H]: projection, or GRU's r*h   */
    int gx_ld, gx_dir;              /* gx row length; first column of direction 1 */
    int s, B, B_active;             /* s, B_active: host loop only             */
    int H, Hp;
    int s0, s_end, by_step;         /* the steps this launch covers, addressing */
    int S;                          /* the width of h (H, or proj_size)        */
    int reverse;                    /* a one-direction model running backwards */
} rnnscan_step_params;

/* The arguments of every step and persistent kernel, then the names their
 * bodies use.  W_hh comes as one buffer per direction (each must fit one
 * allocation); a one-direction model passes the same buffer twice. */
#define PARAMS_ARGS                                                                       \
    __global const float *gx, __global const rnnscan_weight *w_hh0,                         \
        __global const rnnscan_weight *w_hh1,                                             \
        __global float *y, __global float *state, const rnnscan_step_params p

#define PARAMS_UNPACK                                                                     \
    const int gx_ld = p.gx_ld, s = p.s, B = p.B, B_active = p.B_active;                   \
    const int H = p.H, Hp = p.Hp, S = p.S, s0 = p.s0, by_step = p.by_step;                \
    const int reverse = p.reverse;                                                        \
    const ulong h0_off = p.h0_off, c_off = p.c_off, hn_off = p.hn_off;                    \
    const ulong y_off = p.y_off, y_ts = p.y_ts, y_bs = p.y_bs;                            \
    const __global float *h0 = state;                                                     \
    __global float *c = state, *h_n = state;                                              \
    const __global int *order = (const __global int *)(state + p.order_off);              \
    const __global int *lengths = (const __global int *)(state + p.lengths_off);          \
    (void)s, (void)B_active, (void)order, (void)c, (void)s0, (void)by_step, (void)S,       \
        (void)reverse
