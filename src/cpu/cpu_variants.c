/* ONNX's cell variants on the cpu backend: the rows and fused step kernels
 * of models whose rnnscan_variant is not plain (activations other than the
 * cell's own, clip, LSTM peepholes and input_forget, GRU reset_before).
 * The semantics are the reference's cell_step() (src/reference/reference.c):
 * every gate pre-activation (products, biases, a peephole term) is clamped
 * to [-clip, clip], then goes through the variant's activation for its
 * position: f for the gates, g for the candidate, h for an LSTM's c.
 *
 * The kernels follow cpu_cells.c's (one pass over the running sequences,
 * eight hidden units at a time, an AVX2 + FMA clone), with one difference:
 * the activations are a run-time parameter, not compile-time constants, as
 * eleven functions at three positions would make hundreds of kernels.  Each
 * kernel copies the variant into locals on entry (kinds, and alpha, beta and
 * the clip range broadcast to vectors once), so the switch on an
 * activation's kind (v_act_of) reads a loop-invariant value: one
 * well-predicted branch per eight units and gate, no indirect call.  GRU's
 * reset_before is a compile-time constant of its family (two kernels), as
 * it changes which terms there are.  Measured on a 2-core AMD EPYC (Zen 3),
 * n = 64 sequences, H = 256: with the cells' own activations the variant
 * kernels take 1.3x to 1.7x the time of the plain ones (which also merge
 * their divisions), a few percent of a step that the products dominate. */
#include <math.h>

#include "cpu.h"
#include "cpu_math.h"

/* An activation as a kernel reads it: alpha and beta broadcast once per
 * call (building a vector from a float that is not a constant takes a dozen
 * instructions, too many for every eight units). */
typedef struct var_act {
    rnnscan_act_kind kind;
    v8f alpha, beta;
} var_act;

/* The variant as a kernel reads it, copied out of the model so that no store
 * of the kernel's loops can change it in the compiler's eyes. */
typedef struct var_consts {
    var_act f, g, h;   /* gates, candidate, LSTM's c (ONNX's positions) */
    v8f lo, hi;        /* the clip range; -inf, +inf for none */
    int input_forget;  /* LSTM: f = 1 - i */
    const float *peep; /* LSTM: [3H] p_i, p_f, p_o, or NULL */
} var_consts;

CPU_INLINE var_act act_of(const rnnscan_activation *a)
{
    return (var_act){a->kind, v_set1(a->alpha), v_set1(a->beta)};
}

CPU_INLINE var_consts consts_of(const cpu_step_variant *sv)
{
    const rnnscan_variant *v = sv->variant;
    const float clip = v->clip > 0.0f ? v->clip : INFINITY;
    return (var_consts){act_of(&v->act[0]), act_of(&v->act[1]), act_of(&v->act[2]),
                        v_set1(-clip), v_set1(clip), v->input_forget, sv->peep};
}

/* a's function on x, ONNX's definitions (include/rnnscan.h) */
CPU_INLINE v8f v_act_of(const var_act *a, v8f x)
{
    const v8f zero = v_set1(0.0f);
    switch (a->kind) {
    case RNNSCAN_ACT_SIGMOID: return v_sigmoid(x);
    case RNNSCAN_ACT_TANH: return v_tanh(x);
    case RNNSCAN_ACT_RELU: return v_relu(x);
    case RNNSCAN_ACT_HARD_SIGMOID: return v_max(v_min(a->alpha * x + a->beta, v_set1(1.0f)), zero);
    case RNNSCAN_ACT_AFFINE: return a->alpha * x + a->beta;
    case RNNSCAN_ACT_LEAKY_RELU: return v_select(x >= 0.0f, x, a->alpha * x);
    case RNNSCAN_ACT_THRESHOLDED_RELU: return (v8f)((v8i)x & (x > a->alpha));
    case RNNSCAN_ACT_SCALED_TANH: return a->alpha * v_tanh(a->beta * x);
    case RNNSCAN_ACT_ELU: return v_select(x >= 0.0f, x, a->alpha * v_expm1(v_min(x, zero)));
    case RNNSCAN_ACT_SOFTSIGN: return x / (1.0f + v_abs(x));
    case RNNSCAN_ACT_SOFTPLUS: return v_softplus(x);
    case RNNSCAN_ACT_DEFAULT:
    case RNNSCAN_ACT_COUNT_: break; /* never: the variant holds resolved kinds */
    }
    return x;
}

/* a gate: a's function on the clipped pre-activation */
CPU_INLINE v8f v_gate(const var_consts *k, const var_act *a, v8f pre)
{
    return v_act_of(a, v_min(v_max(pre, k->lo), k->hi));
}

/* w (1..8) values of v from j on */
#define LOAD(v, j) v_load_n((v) + (j), w)

/* ---- the families: one block of w <= 8 hidden units j.. of one sequence,
 * and the loop over the n running sequences ----------------------------- */

/* h = f(clip(x W_i^T + h W_h^T + b)) */
CPU_INLINE void rnn_var_block(const var_consts *k, int w, int j, const float *g,
                              const float *bias, float *h, float *out)
{
    v8f hn = v_gate(k, &k->f, LOAD(g, j) + LOAD(bias, j));
    v_store_n(h + j, hn, w);
    v_store_n(out + j, hn, w);
}

CPU_INLINE void rnn_var_rows(const var_consts *k, int n, int H, const float *g, const float *bias,
                             float *h, float *out, size_t ldout)
{
    const int tail = H % 8, body = H - tail;
    for (int b = 0; b < n; b++) {
        const float *gb = g + (size_t)b * H;
        float *hb = h + (size_t)b * H, *ob = out + (size_t)b * ldout;
        for (int j = 0; j < body; j += 8)
            rnn_var_block(k, 8, j, gb, bias, hb, ob);
        if (tail)
            rnn_var_block(k, tail, body, gb, bias, hb, ob);
    }
}

/* Gates i, f, g, o.  Peepholes: i and f see p * c_{t-1}, o sees p * c_t,
 * inside the clip; input_forget: f = 1 - i (W_f, b_f, p_f unused). */
CPU_INLINE void lstm_var_block(const var_consts *k, int H, int w, int j, const float *g,
                               const float *bias, float *h, float *c, float *out)
{
    const v8f c_prev = LOAD(c, j);
    v8f pre_i = LOAD(g, j) + LOAD(bias, j);
    v8f pre_f = LOAD(g, H + j) + LOAD(bias, H + j);
    v8f pre_o = LOAD(g, 3 * H + j) + LOAD(bias, 3 * H + j);
    if (k->peep) {
        pre_i += LOAD(k->peep, j) * c_prev;
        pre_f += LOAD(k->peep, H + j) * c_prev;
    }
    v8f i = v_gate(k, &k->f, pre_i);
    v8f f = k->input_forget ? 1.0f - i : v_gate(k, &k->f, pre_f);
    v8f cand = v_gate(k, &k->g, LOAD(g, 2 * H + j) + LOAD(bias, 2 * H + j));
    v8f cn = f * c_prev + i * cand;
    if (k->peep)
        pre_o += LOAD(k->peep, 2 * H + j) * cn;
    v8f hn = v_gate(k, &k->f, pre_o) * v_act_of(&k->h, cn); /* c is not clipped */
    v_store_n(c + j, cn, w);
    v_store_n(h + j, hn, w);
    v_store_n(out + j, hn, w);
}

CPU_INLINE void lstm_var_rows(const var_consts *k, int n, int H, const float *g,
                              const float *bias, float *h, float *c, float *out, size_t ldout)
{
    const size_t ldg = 4 * (size_t)H;
    const int tail = H % 8, body = H - tail;
    for (int b = 0; b < n; b++) {
        const float *gb = g + (size_t)b * ldg;
        float *hb = h + (size_t)b * H, *cb = c + (size_t)b * H, *ob = out + (size_t)b * ldout;
        for (int j = 0; j < body; j += 8)
            lstm_var_block(k, H, 8, j, gb, bias, hb, cb, ob);
        if (tail)
            lstm_var_block(k, H, tail, body, gb, bias, hb, cb, ob);
    }
}

/* Gates r, z, n; h = (1 - z) n + z h.  Without reset_before (a constant
 * after inlining) the recurrent terms are in gh and n's pre-activation is
 * x W_in^T + b_in + r (h W_hn^T + b_hn).  With it, g already holds all of
 * them (n's as (r * h) W_hn^T), bias every b_hh, and r was used before the
 * product (reset_var_gru): only z and n are left. */
CPU_INLINE void gru_var_block(const var_consts *k, int reset_before, int H, int w, int j,
                              const float *g, const float *gh, const float *bias,
                              const float *b_hn, float *h, float *out)
{
    v8f pre_z = LOAD(g, H + j) + LOAD(bias, H + j);
    v8f pre_n = LOAD(g, 2 * H + j) + LOAD(bias, 2 * H + j);
    if (!reset_before) {
        v8f r = v_gate(k, &k->f, LOAD(g, j) + LOAD(gh, j) + LOAD(bias, j));
        pre_z += LOAD(gh, H + j);
        pre_n += r * (LOAD(gh, 2 * H + j) + LOAD(b_hn, j));
    }
    v8f z = v_gate(k, &k->f, pre_z);
    v8f n = v_gate(k, &k->g, pre_n);
    v8f hn = (1.0f - z) * n + z * LOAD(h, j);
    v_store_n(h + j, hn, w);
    v_store_n(out + j, hn, w);
}

CPU_INLINE void gru_var_rows(const var_consts *k, int reset_before, int n, int H, const float *g,
                             const float *gh, const float *bias, const float *b_hn, float *h,
                             float *out, size_t ldout)
{
    const size_t ldg = 3 * (size_t)H;
    const int tail = H % 8, body = H - tail;
    for (int b = 0; b < n; b++) {
        const float *gb = g + (size_t)b * ldg;
        const float *ghb = reset_before ? NULL : gh + (size_t)b * ldg;
        float *hb = h + (size_t)b * H, *ob = out + (size_t)b * ldout;
        for (int j = 0; j < body; j += 8)
            gru_var_block(k, reset_before, H, 8, j, gb, ghb, bias, b_hn, hb, ob);
        if (tail)
            gru_var_block(k, reset_before, H, tail, body, gb, ghb, bias, b_hn, hb, ob);
    }
}

/* ---- the kernels ---------------------------------------------------------- */

#define CPU_VARIANT_KERNEL(name, call)                                                           \
    CPU_TARGET_CLONES static void name(int n, int H, const float *g, const float *gh,           \
                                       const float *bias, const float *b_apart, float *h,        \
                                       float *c, float *out, size_t ldout,                       \
                                       const cpu_step_variant *v)                                \
    {                                                                                            \
        const var_consts k = consts_of(v);                                                       \
        (void)gh, (void)b_apart, (void)c;                                                        \
        call;                                                                                    \
    }

CPU_VARIANT_KERNEL(step_var_rnn, rnn_var_rows(&k, n, H, g, bias, h, out, ldout))
CPU_VARIANT_KERNEL(step_var_lstm, lstm_var_rows(&k, n, H, g, bias, h, c, out, ldout))
CPU_VARIANT_KERNEL(step_var_gru, gru_var_rows(&k, 0, n, H, g, gh, bias, b_apart, h, out, ldout))
CPU_VARIANT_KERNEL(step_var_gru_reset_before,
                   gru_var_rows(&k, 1, n, H, g, gh, bias, b_apart, h, out, ldout))

/* GRU reset_before, between the two recurrent products: rh = r * h */
CPU_INLINE void reset_var_block(const var_consts *k, int w, int j, const float *g,
                                const float *bias, const float *h, float *rh)
{
    v_store_n(rh + j, v_gate(k, &k->f, LOAD(g, j) + LOAD(bias, j)) * LOAD(h, j), w);
}

CPU_TARGET_CLONES static void reset_var_gru(int n, int H, const float *g, const float *bias,
                                            const float *h, float *rh, const cpu_step_variant *v)
{
    const var_consts k = consts_of(v);
    const size_t ldg = 3 * (size_t)H;
    const int tail = H % 8, body = H - tail;
    for (int b = 0; b < n; b++) {
        const float *gb = g + (size_t)b * ldg, *hb = h + (size_t)b * H;
        float *rb = rh + (size_t)b * H;
        for (int j = 0; j < body; j += 8)
            reset_var_block(&k, 8, j, gb, bias, hb, rb);
        if (tail)
            reset_var_block(&k, tail, body, gb, bias, hb, rb);
    }
}

#undef LOAD

#define NONE CPU_ACT_NONE

/* ---- the rows -------------------------------------------------------------
 * As cpu_cells.c's, with the activations NONE: they are the model's
 * variant's, read by the kernels at run time.  A GRU with reset_before keeps
 * no recurrent term apart (b_hn folds into bias: n's is W_hn (r h) + b_hn)
 * and needs its reset kernel. */
static const struct variant_row {
    cpu_cell_desc desc;
    cpu_step_fn *step;
    cpu_reset_fn *reset;
} variant_rows[] = {
    {{RNNSCAN_CELL_RNN_TANH, 1, {NONE}, NONE, CPU_UPDATE_RNN, 0, 0, 0}, step_var_rnn, NULL},
    {{RNNSCAN_CELL_RNN_RELU, 1, {NONE}, NONE, CPU_UPDATE_RNN, 0, 0, 0}, step_var_rnn, NULL},
    {{RNNSCAN_CELL_LSTM, 4, {NONE}, NONE, CPU_UPDATE_LSTM, 1, 0, 0}, step_var_lstm, NULL},
    {{RNNSCAN_CELL_GRU, 3, {NONE}, NONE, CPU_UPDATE_GRU, 0, 1u << 2, 0}, step_var_gru, NULL},
    {{RNNSCAN_CELL_GRU, 3, {NONE}, NONE, CPU_UPDATE_GRU, 0, 0, 1}, step_var_gru_reset_before,
     reset_var_gru},
};

int cpu_variant_find(rnnscan_cell cell, const rnnscan_variant *v, cpu_cell *out)
{
    for (size_t i = 0; i < sizeof variant_rows / sizeof *variant_rows; i++) {
        const struct variant_row *row = &variant_rows[i];
        if (row->desc.cell == cell && row->desc.reset_before == v->reset_before) {
            out->desc = &row->desc;
            out->step = row->step;
            out->reset = row->reset;
            return 1;
        }
    }
    return 0;
}
