/* The cells' math, written once for both schedules (step.cl, persistent.cl):
 * start the gate pre-activations of one rnnscan_vec of hidden units from the
 * hoisted input projection, accumulate W_hh^T h_{t-1} one k at a time, then
 * apply the activations and the state update.  The cell is a compile-time
 * choice (RNNSCAN_CELL); #if inside the function bodies picks its math, so
 * both kernels call the same functions whatever the cell, and a new variant
 * (an option such as peepholes or clip) is a few lines here plus its -D
 * in the variant key (src/opencl/cl_variant.c).
 *
 * ONNX's cell variants, each a -D the host passes only when it is set (a
 * PyTorch cell's build has none of them):
 *   RNNSCAN_ACT_F, _G, _H  the activation at ONNX's positions f (gates), g
 *                          (candidate), h (LSTM's activation of c), as enum
 *                          rnnscan_act_kind; RNNSCAN_ACT_F_ALPHA / _BETA etc.
 *                          their parameters as exact float literals
 *   RNNSCAN_CLIP           a float literal: every pre-activation clamped to
 *                          [-clip, clip] before its activation
 *   RNNSCAN_RESET_BEFORE   GRU: n's recurrent product reads r * h_{t-1}
 *   RNNSCAN_PEEPHOLES      LSTM: i, f add p * c_{t-1}, o adds p * c_t
 *   RNNSCAN_INPUT_FORGET   LSTM: f = 1 - i
 * The variant's extra weights (b_hn, peepholes) follow W_hh in its buffer
 * (rnnscan_cell_weights_load).
 *
 * Work split: whatever the calling kernel gives a work-item (8 units as a
 * float8, or 1); these functions hold no state of their own.
 *
 * CPU reference: cell_step() in src/reference/reference.c, the scalar
 * activations rnnscan_act_apply() in src/variant.c. */

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

#ifndef RNNSCAN_RESET_BEFORE
#define RNNSCAN_RESET_BEFORE 0
#endif
#ifndef RNNSCAN_PEEPHOLES
#define RNNSCAN_PEEPHOLES 0
#endif
#ifndef RNNSCAN_INPUT_FORGET
#define RNNSCAN_INPUT_FORGET 0
#endif
/* GRU with reset_before: r must be known for every unit before n's
 * recurrent product, so the work of a step comes in two phases (the host
 * loop's rnnscan_reset_gate then rnnscan_step; the persistent kernel's two k
 * loops with a barrier between). */
#define RNNSCAN_GRU_RESET_BEFORE (RNNSCAN_CELL == RNNSCAN_CELL_GRU && RNNSCAN_RESET_BEFORE)
#define RNNSCAN_LSTM_PEEPHOLES (RNNSCAN_CELL == RNNSCAN_CELL_LSTM && RNNSCAN_PEEPHOLES)
#define RNNSCAN_LSTM_INPUT_FORGET (RNNSCAN_CELL == RNNSCAN_CELL_LSTM && RNNSCAN_INPUT_FORGET)

/* ---- activations ---- */

/* enum rnnscan_act_kind, include/rnnscan.h */
#define RNNSCAN_ACT_SIGMOID 1
#define RNNSCAN_ACT_TANH 2
#define RNNSCAN_ACT_RELU 3
#define RNNSCAN_ACT_HARD_SIGMOID 4
#define RNNSCAN_ACT_AFFINE 5
#define RNNSCAN_ACT_LEAKY_RELU 6
#define RNNSCAN_ACT_THRESHOLDED_RELU 7
#define RNNSCAN_ACT_SCALED_TANH 8
#define RNNSCAN_ACT_ELU 9
#define RNNSCAN_ACT_SOFTSIGN 10
#define RNNSCAN_ACT_SOFTPLUS 11

/* Each position's default is the cell's own function (PyTorch's cells). */
#ifndef RNNSCAN_ACT_F
#if RNNSCAN_CELL == RNNSCAN_CELL_RNN_TANH
#define RNNSCAN_ACT_F RNNSCAN_ACT_TANH
#elif RNNSCAN_CELL == RNNSCAN_CELL_RNN_RELU
#define RNNSCAN_ACT_F RNNSCAN_ACT_RELU
#else
#define RNNSCAN_ACT_F RNNSCAN_ACT_SIGMOID
#endif
#endif
#ifndef RNNSCAN_ACT_G
#define RNNSCAN_ACT_G RNNSCAN_ACT_TANH
#endif
#ifndef RNNSCAN_ACT_H
#define RNNSCAN_ACT_H RNNSCAN_ACT_TANH
#endif
#ifndef RNNSCAN_ACT_F_ALPHA
#define RNNSCAN_ACT_F_ALPHA 0.0f
#define RNNSCAN_ACT_F_BETA 0.0f
#endif
#ifndef RNNSCAN_ACT_G_ALPHA
#define RNNSCAN_ACT_G_ALPHA 0.0f
#define RNNSCAN_ACT_G_BETA 0.0f
#endif
#ifndef RNNSCAN_ACT_H_ALPHA
#define RNNSCAN_ACT_H_ALPHA 0.0f
#define RNNSCAN_ACT_H_BETA 0.0f
#endif

/* ONNX's activation `kind` with its alpha and beta.  kind is a compile-time
 * constant at every call, so inlining leaves one case.  Each is accurate to
 * a few ulps of float: the sums fma (one rounding), Elu expm1 and Softplus
 * log1p (no cancellation near 0), tanh through rnnscan_tanh (exact
 * saturation, common.cl). */
inline rnnscan_vec rnnscan_activation(int kind, float alpha, float beta, rnnscan_vec x)
{
    const rnnscan_vec zero = RNNSCAN_VSPLAT(0.0f), a = RNNSCAN_VSPLAT(alpha);
    switch (kind) {
    case RNNSCAN_ACT_SIGMOID: return rnnscan_sigmoid(x);
    case RNNSCAN_ACT_TANH: return rnnscan_tanh(x);
    case RNNSCAN_ACT_RELU: return fmax(x, zero);
    case RNNSCAN_ACT_HARD_SIGMOID:
        return fmax(fmin(fma(a, x, RNNSCAN_VSPLAT(beta)), RNNSCAN_VSPLAT(1.0f)), zero);
    case RNNSCAN_ACT_AFFINE: return fma(a, x, RNNSCAN_VSPLAT(beta));
    case RNNSCAN_ACT_LEAKY_RELU: return select(a * x, x, isgreaterequal(x, zero));
    case RNNSCAN_ACT_THRESHOLDED_RELU: return select(zero, x, isgreater(x, a));
    case RNNSCAN_ACT_SCALED_TANH: return a * rnnscan_tanh(beta * x);
    case RNNSCAN_ACT_ELU: return select(a * expm1(x), x, isgreaterequal(x, zero));
    case RNNSCAN_ACT_SOFTSIGN: return x / (1.0f + fabs(x));
    case RNNSCAN_ACT_SOFTPLUS:
        return select(log1p(exp(x)), x + log1p(exp(-x)), isgreater(x, zero));
    }
    return x; /* unreachable: the host passes a valid kind */
}

inline rnnscan_vec rnnscan_act_f(rnnscan_vec x)
{
    return rnnscan_activation(RNNSCAN_ACT_F, RNNSCAN_ACT_F_ALPHA, RNNSCAN_ACT_F_BETA, x);
}
inline rnnscan_vec rnnscan_act_g(rnnscan_vec x)
{
    return rnnscan_activation(RNNSCAN_ACT_G, RNNSCAN_ACT_G_ALPHA, RNNSCAN_ACT_G_BETA, x);
}
inline rnnscan_vec rnnscan_act_h(rnnscan_vec x)
{
    return rnnscan_activation(RNNSCAN_ACT_H, RNNSCAN_ACT_H_ALPHA, RNNSCAN_ACT_H_BETA, x);
}

/* A whole pre-activation clamped to [-RNNSCAN_CLIP, RNNSCAN_CLIP]. */
inline rnnscan_vec rnnscan_clip(rnnscan_vec x)
{
#ifdef RNNSCAN_CLIP
    return fmin(fmax(x, RNNSCAN_VSPLAT(-(RNNSCAN_CLIP))), RNNSCAN_VSPLAT(RNNSCAN_CLIP));
#else
    return x;
#endif
}

/* ---- the gates ---- */

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

/* Which gates this build's k loops accumulate: CELL_H_Gn over h_{t-1},
 * CELL_RH_G2 (GRU reset_before's n) over r * h_{t-1}.  A gate in neither
 * keeps its start value, unread: LSTM's f with input_forget, and with
 * reset_before whatever the other phase computes (rnnscan_reset_gate: r
 * alone; rnnscan_step: z, and n over r * h; persistent: r and z in its
 * first loop, n in its second). */
#if RNNSCAN_GRU_RESET_BEFORE && RNNSCAN_ENTRY == RNNSCAN_ENTRY_RESET_GATE
#define CELL_H_G0 1
#define CELL_H_G1 0
#define CELL_RH_G2 0
#elif RNNSCAN_GRU_RESET_BEFORE && RNNSCAN_ENTRY == RNNSCAN_ENTRY_STEP
#define CELL_H_G0 0
#define CELL_H_G1 1
#define CELL_RH_G2 1
#elif RNNSCAN_GRU_RESET_BEFORE
#define CELL_H_G0 1
#define CELL_H_G1 1
#define CELL_RH_G2 1
#else
#define CELL_H_G0 1
#define CELL_H_G1 (RNNSCAN_GATES > 1 && !RNNSCAN_LSTM_INPUT_FORGET)
#define CELL_RH_G2 0
#endif
#define CELL_H_G2 (RNNSCAN_GATES > 1 && !RNNSCAN_GRU_RESET_BEFORE)
#define CELL_H_G3 (RNNSCAN_GATES > 3)

/* W_hh's gates as packed (src/opencl/cl_model.c): one block of all G gates
 * in W_BLOCK's layout (common.cl), gate g W_GSTRIDE after gate 0; a GRU
 * with reset_before keeps each gate in a block of its own, S*Hp apart, so
 * each phase of its step streams only the weights it reads (host loop: r,
 * then z and n; persistent: r and z, then n).  The kernels address W_hh
 * with W_BLOCK(w_hh, RNNSCAN_W_GATES, ...) and these strides. */
#if RNNSCAN_GRU_RESET_BEFORE
#define RNNSCAN_W_GATES 1
#define RNNSCAN_W_GATE_STRIDE(S, Hp) ((size_t)(S) * (Hp))
#else
#define RNNSCAN_W_GATES RNNSCAN_GATES
#define RNNSCAN_W_GATE_STRIDE(S, Hp) W_GSTRIDE(Hp)
#endif

/* What the variant adds to W_hh, per unit: GRU's b_hn (kept apart from the
 * input bias because r multiplies it) and LSTM's peepholes p_i, p_f, p_o;
 * zero where the cell has none. */
typedef struct rnnscan_cell_weights {
    rnnscan_vec b_hn, p_i, p_f, p_o;
} rnnscan_cell_weights;

/* Loads them for the units from j0: the host stores b_hn [Hp] (GRU) or
 * p_i, p_f, p_o [3][Hp] (LSTM peepholes) right after the direction's W_hh
 * [S][G*Hp] (src/opencl/cl_model.c). */
inline void rnnscan_cell_weights_load(rnnscan_cell_weights *cw,
                                      const __global rnnscan_weight *w_hh, int S, int Hp, int j0)
{
    const __global rnnscan_weight *tail = w_hh + (size_t)S * RNNSCAN_GATES * Hp + j0;
    cw->b_hn = cw->p_i = cw->p_f = cw->p_o = RNNSCAN_VSPLAT(0.0f);
#if RNNSCAN_CELL == RNNSCAN_CELL_GRU
    cw->b_hn = RNNSCAN_WLOAD(tail);
#elif RNNSCAN_LSTM_PEEPHOLES
    cw->p_i = RNNSCAN_WLOAD(tail);
    cw->p_f = RNNSCAN_WLOAD(tail + Hp);
    cw->p_o = RNNSCAN_WLOAD(tail + 2 * Hp);
#endif
    (void)tail;
}

/* The accumulation's start: each gate's input projection at gx (gate g at
 * gx + g*Hp); GRU's n gate starts from b_hn, its input part is added in
 * rnnscan_cell_update. */
inline void rnnscan_gates_start(rnnscan_gates *a, const __global float *gx, int Hp,
                                const rnnscan_cell_weights *cw)
{
    a->g1 = a->g2 = a->g3 = RNNSCAN_VSPLAT(0.0f);
    a->g0 = RNNSCAN_VLOAD(gx);
#if RNNSCAN_GATES > 1
    a->g1 = RNNSCAN_VLOAD(gx + Hp);
#endif
#if RNNSCAN_CELL == RNNSCAN_CELL_GRU
    a->g2 = cw->b_hn;
#elif RNNSCAN_GATES > 2
    a->g2 = RNNSCAN_VLOAD(gx + 2 * Hp);
#endif
#if RNNSCAN_GATES > 3
    a->g3 = RNNSCAN_VLOAD(gx + 3 * Hp);
#endif
}

/* W_hh^T's row k for the gates accumulated over h_{t-1} (CELL_H_Gn): w_k
 * points at gate 0, w_gs apart (RNNSCAN_W_GATE_STRIDE); the others are left
 * zero. */
inline void rnnscan_gate_weights(rnnscan_gates *w, const __global rnnscan_weight *w_k, size_t w_gs)
{
    w->g0 = w->g1 = w->g2 = w->g3 = RNNSCAN_VSPLAT(0.0f);
#if CELL_H_G0
    w->g0 = RNNSCAN_WLOAD(w_k);
#endif
#if CELL_H_G1
    w->g1 = RNNSCAN_WLOAD(w_k + w_gs);
#endif
#if CELL_H_G2
    w->g2 = RNNSCAN_WLOAD(w_k + 2 * w_gs);
#endif
#if CELL_H_G3
    w->g3 = RNNSCAN_WLOAD(w_k + 3 * w_gs);
#endif
}

/* a += h_{t-1}[k] * W_hh^T[k] for those gates (h_k: that value on every lane). */
inline void rnnscan_gates_fma(rnnscan_gates *a, rnnscan_vec h_k, const rnnscan_gates *w)
{
#if CELL_H_G0
    a->g0 = fma(h_k, w->g0, a->g0);
#endif
#if CELL_H_G1
    a->g1 = fma(h_k, w->g1, a->g1);
#endif
#if CELL_H_G2
    a->g2 = fma(h_k, w->g2, a->g2);
#endif
#if CELL_H_G3
    a->g3 = fma(h_k, w->g3, a->g3);
#endif
}

/* GRU reset_before: W_hn^T's row k into w->g2 (nothing otherwise), and
 * n += (r * h_{t-1})[k] * W_hn^T[k]. */
inline void rnnscan_gate_weights_rh(rnnscan_gates *w, const __global rnnscan_weight *w_k,
                                    size_t w_gs)
{
#if CELL_RH_G2
    w->g2 = RNNSCAN_WLOAD(w_k + 2 * w_gs);
#endif
}
inline void rnnscan_gates_fma_rh(rnnscan_gates *a, rnnscan_vec rh_k, const rnnscan_gates *w)
{
#if CELL_RH_G2
    a->g2 = fma(rh_k, w->g2, a->g2);
#endif
}

/* GRU reset_before's first phase: r * h_{t-1} for these units, from r's
 * accumulated pre-activation in a->g0. */
inline rnnscan_vec rnnscan_reset_times_h(const rnnscan_gates *a, rnnscan_vec h_prev)
{
    return rnnscan_act_f(rnnscan_clip(a->g0)) * h_prev;
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

/* A pre-activation with its peephole term p * c added (LSTM peepholes). */
inline rnnscan_vec rnnscan_peephole(rnnscan_vec pre, rnnscan_vec p, rnnscan_vec c)
{
#if RNNSCAN_LSTM_PEEPHOLES
    return fma(p, c, pre);
#else
    return pre;
#endif
}

/* The activations and the state update: returns h_t.  c is the cell state,
 * updated in place (LSTM); h_prev is h_{t-1} (read by GRU only); cw the
 * variant's per-unit weights (peepholes). */
inline rnnscan_vec rnnscan_cell_update(const rnnscan_gates *g, rnnscan_vec gx_n,
                                       rnnscan_vec h_prev, rnnscan_vec *c,
                                       const rnnscan_cell_weights *cw)
{
#if RNNSCAN_CELL == RNNSCAN_CELL_RNN_TANH || RNNSCAN_CELL == RNNSCAN_CELL_RNN_RELU
    return rnnscan_act_f(rnnscan_clip(g->g0));
#elif RNNSCAN_CELL == RNNSCAN_CELL_LSTM
    const rnnscan_vec c_prev = *c;
    const rnnscan_vec i = rnnscan_act_f(rnnscan_clip(rnnscan_peephole(g->g0, cw->p_i, c_prev)));
#if RNNSCAN_INPUT_FORGET
    const rnnscan_vec f = 1.0f - i;
#else
    const rnnscan_vec f = rnnscan_act_f(rnnscan_clip(rnnscan_peephole(g->g1, cw->p_f, c_prev)));
#endif
    *c = f * c_prev + i * rnnscan_act_g(rnnscan_clip(g->g2));
    return rnnscan_act_f(rnnscan_clip(rnnscan_peephole(g->g3, cw->p_o, *c))) * rnnscan_act_h(*c);
#else /* GRU */
    const rnnscan_vec z = rnnscan_act_f(rnnscan_clip(g->g1));
#if RNNSCAN_RESET_BEFORE /* g2 is W_hn (r * h_{t-1}) + b_hn already */
    const rnnscan_vec n = rnnscan_act_g(rnnscan_clip(gx_n + g->g2));
#else
    const rnnscan_vec r = rnnscan_act_f(rnnscan_clip(g->g0));
    const rnnscan_vec n = rnnscan_act_g(rnnscan_clip(gx_n + r * g->g2));
#endif
    return (1.0f - z) * n + z * h_prev;
#endif
}

#undef CELL_H_G0
#undef CELL_H_G1
#undef CELL_H_G2
#undef CELL_H_G3
#undef CELL_RH_G2
