/* The cells' math, written once for both schedules (step.cl, persistent.cl):
 * start the gate pre-activations of one rnnscan_vec of hidden units from the
 * hoisted input projection, accumulate W_hh^T h_{t-1} one k at a time, then
 * apply the activations and the state update.  The cell is a compile-time
 * choice (RNNSCAN_CELL); #if inside the function bodies picks its math, so
 * both kernels call the same functions whatever the cell, and a new variant
 * (an option such as peepholes or clip) is a few lines here plus its -D
 * in the variant key (src/opencl/cl_variant.c).
 *
 * Work split: whatever the calling kernel gives a work-item (8 units as a
 * float8, or 1); these functions hold no state of their own.
 *
 * CPU reference: cell_step() in src/reference/reference.c. */

/* enum rnnscan_cell, include/rnnscan.h */
#define RNNSCAN_CELL_RNN_TANH 0
#define RNNSCAN_CELL_RNN_RELU 1
#define RNNSCAN_CELL_LSTM 2
#define RNNSCAN_CELL_GRU 3
#ifndef RNNSCAN_CELL
#define RNNSCAN_CELL RNNSCAN_CELL_LSTM
#endif

#if RNNSCAN_CELL == RNNSCAN_CELL_RNN_TANH || RNNSCAN_CELL == RNNSCAN_CELL_RNN_RELU
#define RNNSCAN_GATES 1
#elif RNNSCAN_CELL == RNNSCAN_CELL_LSTM
#define RNNSCAN_GATES 4
#elif RNNSCAN_CELL == RNNSCAN_CELL_GRU
#define RNNSCAN_GATES 3
#else
#error "RNNSCAN_CELL must be 0..3 (enum rnnscan_cell)"
#endif
/* The cell keeps a second state c (the kernels load and store it). */
#define RNNSCAN_CELL_STATE (RNNSCAN_CELL == RNNSCAN_CELL_LSTM)
/* The state update reads h_{t-1} itself (the kernels load it only then). */
#define RNNSCAN_CELL_READS_H_PREV (RNNSCAN_CELL == RNNSCAN_CELL_GRU)

/* One value per gate, in PyTorch's order (LSTM i, f, g, o; GRU r, z, n):
 * pre-activations, or W_hh^T's row k.  Named fields rather than an array
 * (PoCL keeps private arrays of vectors in memory); a cell with fewer gates
 * leaves the rest zero and never reads them.  The functions below fill them
 * through pointers: a struct returned by value comes back through an sret
 * pointer, and inlining that leaves llvm.experimental.noalias.scope.decl
 * calls that Oclgrind 21.10 cannot run (tests/oclgrind). */
typedef struct rnnscan_gates {
    rnnscan_vec g0, g1, g2, g3;
} rnnscan_gates;

/* b_hn for these units: GRU keeps W_hn h + b_hn apart because r multiplies
 * it; the host stores b_hn [Hp] right after the direction's W_hh [H][3*Hp]. */
inline rnnscan_vec rnnscan_b_hn(const __global rnnscan_weight *w_hh, int H, int Hp, int j0)
{
#if RNNSCAN_CELL == RNNSCAN_CELL_GRU
    return RNNSCAN_WLOAD(w_hh + (size_t)H * 3 * Hp + j0);
#else
    return RNNSCAN_VSPLAT(0.0f);
#endif
}

/* The accumulation's start: each gate's input projection at gx (gate g at
 * gx + g*Hp); GRU's n gate starts from b_hn, its input part is added in
 * rnnscan_cell_update. */
inline void rnnscan_gates_start(rnnscan_gates *a, const __global float *gx, int Hp,
                                rnnscan_vec b_hn)
{
    a->g1 = a->g2 = a->g3 = RNNSCAN_VSPLAT(0.0f);
    a->g0 = RNNSCAN_VLOAD(gx);
#if RNNSCAN_GATES > 1
    a->g1 = RNNSCAN_VLOAD(gx + Hp);
#endif
#if RNNSCAN_CELL == RNNSCAN_CELL_GRU
    a->g2 = b_hn;
#elif RNNSCAN_GATES > 2
    a->g2 = RNNSCAN_VLOAD(gx + 2 * Hp);
#endif
#if RNNSCAN_GATES > 3
    a->g3 = RNNSCAN_VLOAD(gx + 3 * Hp);
#endif
}

/* W_hh^T's row k for every gate: w_k points at gate 0, w_gs apart (W_GSTRIDE). */
inline void rnnscan_gate_weights(rnnscan_gates *w, const __global rnnscan_weight *w_k, size_t w_gs)
{
    w->g1 = w->g2 = w->g3 = RNNSCAN_VSPLAT(0.0f);
    w->g0 = RNNSCAN_WLOAD(w_k);
#if RNNSCAN_GATES > 1
    w->g1 = RNNSCAN_WLOAD(w_k + w_gs);
    w->g2 = RNNSCAN_WLOAD(w_k + 2 * w_gs);
#endif
#if RNNSCAN_GATES > 3
    w->g3 = RNNSCAN_WLOAD(w_k + 3 * w_gs);
#endif
}

/* a += h_{t-1}[k] * W_hh^T[k] for every gate (h_k: that value on every lane). */
inline void rnnscan_gates_fma(rnnscan_gates *a, rnnscan_vec h_k, const rnnscan_gates *w)
{
    a->g0 = fma(h_k, w->g0, a->g0);
#if RNNSCAN_GATES > 1
    a->g1 = fma(h_k, w->g1, a->g1);
    a->g2 = fma(h_k, w->g2, a->g2);
#endif
#if RNNSCAN_GATES > 3
    a->g3 = fma(h_k, w->g3, a->g3);
#endif
}

/* GRU's n-gate input projection, read after the accumulation (0 for others). */
inline rnnscan_vec rnnscan_gx_n(const __global float *gx, int Hp)
{
#if RNNSCAN_CELL == RNNSCAN_CELL_GRU
    return RNNSCAN_VLOAD(gx + 2 * Hp);
#else
    return RNNSCAN_VSPLAT(0.0f);
#endif
}

/* The activations and the state update: returns h_t.  c is the cell state,
 * updated in place (LSTM); h_prev is h_{t-1} (read by GRU only). */
inline rnnscan_vec rnnscan_cell_update(const rnnscan_gates *g, rnnscan_vec gx_n,
                                       rnnscan_vec h_prev, rnnscan_vec *c)
{
#if RNNSCAN_CELL == RNNSCAN_CELL_RNN_TANH
    return rnnscan_tanh(g->g0);
#elif RNNSCAN_CELL == RNNSCAN_CELL_RNN_RELU
    return fmax(g->g0, RNNSCAN_VSPLAT(0.0f));
#elif RNNSCAN_CELL == RNNSCAN_CELL_LSTM
    *c = rnnscan_sigmoid(g->g1) * *c + rnnscan_sigmoid(g->g0) * rnnscan_tanh(g->g2);
    return rnnscan_sigmoid(g->g3) * rnnscan_tanh(*c);
#else /* GRU */
    const rnnscan_vec r = rnnscan_sigmoid(g->g0), z = rnnscan_sigmoid(g->g1);
    const rnnscan_vec n = rnnscan_tanh(gx_n + r * g->g2);
    return (1.0f - z) * n + z * h_prev;
#endif
}
