/* Persistent schedule, for small H: the whole time loop of a layer in one
 * launch, so the host enqueues one kernel per layer instead of one per step.
 *
 * Work split: one work-group per (sequence b, direction dir): global size
 * (Hp / U, B, D), local size (Hp / U, 1, 1), U = RNNSCAN_SCAN_UNITS (the
 * host may split dimension 1 over launches with a global offset).
 * Work-item i owns hidden units U*i .. U*i+U-1 as one vector ("unitv") per
 * gate: U = 8 on a CPU device (PoCL), where one work-item's float8 is one
 * SIMD register and a work-group of 2 work-items (H = 16) has little barrier
 * cost; U = 1 on a GPU, one unit per work-item.  The group's hidden state
 * h_loc[Hp] stays in local memory across the loop and the LSTM cell state in
 * registers; two barriers per step separate reading h_{t-1} from writing h_t.
 * Padding units (H <= j < Hp) compute on zero weights and are never stored.
 * Each sequence runs its own length, so finished sequences cost nothing.
 * A launch covers steps [s0, s_end): the whole run, or one chunk of steps
 * (by_step addressing, see rnnscan_step_params in common.cl), starting from
 * h0 at step 0 or from y slot 0 (the previous chunk's last state) and from
 * the cell state c kept in the state buffer between chunks.
 * The cell is fixed per kernel (one entry point per cell), so the loop has no
 * branches on it.  Inputs and outputs are laid out as in cell_step.cl (gx
 * from input_projection.cl, W_hh per direction as W_BLOCK in common.cl says,
 * then b_hn [Hp], y addressed y[y_off + i*y_ts + b*y_bs + dir*H + j]).
 *
 * CPU reference: cell_step() and run_layer() in src/reference/reference.c. */

#ifndef RNNSCAN_SCAN_UNITS
#define RNNSCAN_SCAN_UNITS 8
#endif

#if RNNSCAN_SCAN_UNITS == 8
typedef float8 unitv;
#define UV_LOAD(p) vload8(0, (p))
#define UV_STORE(v, p) vstore8((v), 0, (p))
#define UV_SPLAT(x) ((float8)(x))
#define UV_LOAD_N(p, n) rnnscan_load((p), (n))
#define UV_STORE_N(p, v, n) rnnscan_store((p), (v), (n))
#define UV_SIGMOID rnnscan_sigmoid8
#define UV_TANH rnnscan_tanh8
#elif RNNSCAN_SCAN_UNITS == 1
typedef float unitv;
#define UV_LOAD(p) (*(p))
#define UV_STORE(v, p) (*(p) = (v))
#define UV_SPLAT(x) (x)
#define UV_LOAD_N(p, n) (*(p)) /* only called with n == 1 */
#define UV_STORE_N(p, v, n) (*(p) = (v))
#define UV_SIGMOID rnnscan_sigmoid
#define UV_TANH rnnscan_tanh
#else
#error "RNNSCAN_SCAN_UNITS must be 1 or 8"
#endif

/* What every work-item knows before the loop; loads the state before step
 * s0 (h0, or y slot 0 in a later chunk) into h_loc.  A sequence that ended
 * before s0 has nothing to do: the whole work-group returns (b is the same
 * for all its work-items, so no barrier is left waiting). */
#define SCAN_BEGIN(G)                                                                     \
    PARAMS_UNPACK;                                                                        \
    const int j0 = get_local_id(0) * RNNSCAN_SCAN_UNITS;                                  \
    const int b = get_global_id(1), dir = get_global_id(2);                               \
    const int n = min(RNNSCAN_SCAN_UNITS, H - j0); /* units to store; <= 0: padding */    \
    const int len = lengths[b];                                                           \
    if (len <= s0)                                                                        \
        return;                                                                           \
    const size_t seq_state = ((size_t)dir * B + b) * H;                                   \
    const __global float *h_start =                                                       \
        s0 == 0 ? h0 + h0_off + seq_state : y + y_off + (size_t)b * y_bs + (size_t)dir * H; \
    for (int k = get_local_id(0); k < Hp; k += get_local_size(0))                         \
        h_loc[k] = k < H ? h_start[k] : 0.0f;                                             \
    barrier(CLK_LOCAL_MEM_FENCE);                                                         \
    const __global float *w_hh = dir ? w_hh1 : w_hh0;                                     \
    const __global float *w = W_BLOCK(w_hh, G, H, Hp, j0);                                \
    const __global float *gx_b = gx + (size_t)b * gx_ld + (size_t)dir * p.gx_dir + j0;    \
    const size_t gx_ts = (size_t)B * gx_ld;                                               \
    const int s_stop = min(len, p.s_end);                                                 \
    const size_t w_ld = W_KSTRIDE(G, Hp), w_gs = W_GSTRIDE(Hp)

/* The loop over this sequence's steps; the body (the macro's arguments, so
 * that its commas pass through) computes unitv h from g (this step's gate
 * inputs) and h_loc (h_{t-1}). */
#define SCAN_LOOP(...)                                                                    \
    for (int s = s0; s < s_stop; s++) {                                                   \
        const int t = dir ? len - 1 - s : s;                                              \
        const int yi = by_step ? s - s0 + 1 : t;                                          \
        const __global float *g = gx_b + (size_t)(by_step ? s - s0 : t) * gx_ts;          \
        unitv h;                                                                          \
        __VA_ARGS__                                                                       \
        barrier(CLK_LOCAL_MEM_FENCE); /* every work-item has read h_{t-1} */              \
        UV_STORE(h, h_loc + j0);                                                          \
        if (n > 0)                                                                        \
            UV_STORE_N(y + y_off + (size_t)yi * y_ts + (size_t)b * y_bs + (size_t)dir * H + j0, \
                       h, n);                                                             \
        barrier(CLK_LOCAL_MEM_FENCE); /* h_t complete before the next step reads it */    \
    }                                                                                     \
    if (n > 0 && s_stop == len) /* the sequence ended in this launch */                  \
        UV_STORE_N(h_n + hn_off + seq_state + j0, UV_LOAD(h_loc + j0), n)

#define RNN_BODY(ACTIVATION)                                                              \
    {                                                                                     \
        unitv a = UV_LOAD(g);                                                             \
        for (int k = 0; k < H; k++)                                                       \
            a = fma(UV_SPLAT(h_loc[k]), UV_LOAD(w + k * w_ld), a);                        \
        h = ACTIVATION(a);                                                                \
    }

#define RELU(a) fmax((a), UV_SPLAT(0.0f))

__kernel void persistent_rnn_tanh(PARAMS_ARGS, __local float *h_loc)
{
    SCAN_BEGIN(1);
    SCAN_LOOP(RNN_BODY(UV_TANH));
}

__kernel void persistent_rnn_relu(PARAMS_ARGS, __local float *h_loc)
{
    SCAN_BEGIN(1);
    SCAN_LOOP(RNN_BODY(RELU));
}

/* LSTM: gates i, f, g, o; the cell state c_j stays in registers. */
__kernel void persistent_lstm(PARAMS_ARGS, __local float *h_loc)
{
    SCAN_BEGIN(4);
    __global float *c_b = c + c_off + seq_state + j0;
    unitv c_j = n > 0 ? UV_LOAD_N(c_b, n) : UV_SPLAT(0.0f);
    SCAN_LOOP({
        unitv ai = UV_LOAD(g), af = UV_LOAD(g + Hp);
        unitv ag = UV_LOAD(g + 2 * Hp), ao = UV_LOAD(g + 3 * Hp);
        for (int k = 0; k < H; k++) {
            const unitv hk = UV_SPLAT(h_loc[k]);
            const __global float *wk = w + k * w_ld;
            ai = fma(hk, UV_LOAD(wk), ai);
            af = fma(hk, UV_LOAD(wk + w_gs), af);
            ag = fma(hk, UV_LOAD(wk + 2 * w_gs), ag);
            ao = fma(hk, UV_LOAD(wk + 3 * w_gs), ao);
        }
        c_j = UV_SIGMOID(af) * c_j + UV_SIGMOID(ai) * UV_TANH(ag);
        h = UV_SIGMOID(ao) * UV_TANH(c_j);
    });
    if (n > 0)
        UV_STORE_N(c_b, c_j, n);
}

/* GRU: gates r, z, n; W_hn h + b_hn kept apart because r multiplies it. */
__kernel void persistent_gru(PARAMS_ARGS, __local float *h_loc)
{
    SCAN_BEGIN(3);
    /* b_hn [Hp] follows the direction's W_hh [H][3*Hp] in the same buffer */
    const unitv bn = UV_LOAD(w_hh + (size_t)H * 3 * Hp + j0);
    SCAN_LOOP({
        unitv ar = UV_LOAD(g), az = UV_LOAD(g + Hp), an = bn;
        for (int k = 0; k < H; k++) {
            const unitv hk = UV_SPLAT(h_loc[k]);
            const __global float *wk = w + k * w_ld;
            ar = fma(hk, UV_LOAD(wk), ar);
            az = fma(hk, UV_LOAD(wk + w_gs), az);
            an = fma(hk, UV_LOAD(wk + 2 * w_gs), an);
        }
        const unitv r = UV_SIGMOID(ar), z = UV_SIGMOID(az);
        const unitv nn = UV_TANH(UV_LOAD(g + 2 * Hp) + r * an);
        h = (1.0f - z) * nn + z * UV_LOAD(h_loc + j0);
    });
}
