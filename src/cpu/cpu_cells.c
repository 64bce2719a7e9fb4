/* The cell descriptors and the fused kernels that run them.
 *
 * cpu_cells[] describes each cell (gates, activations, state update, bias
 * folding) in one const row; cpu_kernels[] lists the fused step kernels, each
 * with the description it implements.  cpu_cell_find() pairs a cell's row
 * with its kernel once, at model creation: the scan then calls that kernel
 * once per step, and no code tests the cell again.
 *
 * A kernel makes one pass over the gate pre-activations of the running
 * sequences, eight hidden units at a time; the hidden row's last H mod 8
 * units go through the same code on partial vectors.  Activations are
 * compile-time constants in each kernel (no per-element branch or indirect
 * call); each kernel has an AVX2 + FMA clone (CPU_TARGET_CLONES). */
#include "cpu.h"
#include "cpu_math.h"

/* act (a constant after inlining) on x */
CPU_INLINE v8f v_act(cpu_act act, v8f x)
{
    switch (act) {
    case CPU_ACT_SIGMOID: return v_sigmoid(x);
    case CPU_ACT_TANH: return v_tanh(x);
    case CPU_ACT_RELU: return v_relu(x);
    case CPU_ACT_NONE: break;
    }
    return x;
}

/* ---- the kernel families: one block of w <= 8 hidden units j.. of one
 * sequence, and the loop over the n running sequences ------------------- */

CPU_INLINE void rnn_block(cpu_act act, int w, int j, const float *g, const float *bias, float *h,
                          float *out)
{
    v8f v = v_act(act, v_load_n(g + j, w) + v_load_n(bias + j, w));
    v_store_n(h + j, v, w);
    v_store_n(out + j, v, w);
}

CPU_INLINE void rnn_rows(cpu_act act, int n, int H, const float *g, const float *bias, float *h,
                         float *out, size_t ldout)
{
    const int tail = H % 8, body = H - tail;
    for (int b = 0; b < n; b++) {
        const float *gb = g + (size_t)b * H;
        float *hb = h + (size_t)b * H, *ob = out + (size_t)b * ldout;
        for (int j = 0; j < body; j += 8)
            rnn_block(act, 8, j, gb, bias, hb, ob);
        if (tail)
            rnn_block(act, tail, body, gb, bias, hb, ob);
    }
}

/* i, f, o sigmoid, g and the cell output tanh */
CPU_INLINE void lstm_block(int H, int w, int j, const float *g, const float *bias, float *h,
                           float *c, float *out)
{
    /* i, f, o = 1 / d_i, 1 / d_f, 1 / d_o; tanh = num / den: three divisions
     * instead of five (division is the slowest vector operation) */
    v8f d_i = v_sigmoid_den(v_load_n(g + j, w) + v_load_n(bias + j, w));
    v8f d_f = v_sigmoid_den(v_load_n(g + H + j, w) + v_load_n(bias + H + j, w));
    v8f den_g, num_g = v_tanh_parts(v_load_n(g + 2 * H + j, w) + v_load_n(bias + 2 * H + j, w),
                                    &den_g);
    v8f d_o = v_sigmoid_den(v_load_n(g + 3 * H + j, w) + v_load_n(bias + 3 * H + j, w));
    v8f cn = v_load_n(c + j, w) / d_f + num_g / (den_g * d_i);
    v8f den_c, num_c = v_tanh_parts(cn, &den_c);
    v8f hn = num_c / (den_c * d_o);
    v_store_n(c + j, cn, w);
    v_store_n(h + j, hn, w);
    v_store_n(out + j, hn, w);
}

CPU_INLINE void lstm_rows(int n, int H, const float *g, const float *bias, float *h, float *c,
                          float *out, size_t ldout)
{
    const size_t ldg = 4 * (size_t)H;
    const int tail = H % 8, body = H - tail;
    for (int b = 0; b < n; b++) {
        const float *gb = g + (size_t)b * ldg;
        float *hb = h + (size_t)b * H, *cb = c + (size_t)b * H, *ob = out + (size_t)b * ldout;
        for (int j = 0; j < body; j += 8)
            lstm_block(H, 8, j, gb, bias, hb, cb, ob);
        if (tail)
            lstm_block(H, tail, body, gb, bias, hb, cb, ob);
    }
}

/* r, z sigmoid, n tanh; n's recurrent term apart (b_hn) */
CPU_INLINE void gru_block(int H, int w, int j, const float *g, const float *gh, const float *bias,
                          const float *b_hn, float *h, float *out)
{
    v8f d_r = v_sigmoid_den(v_load_n(g + j, w) + v_load_n(gh + j, w) + v_load_n(bias + j, w));
    /* z = 1 / (1 + e_z) */
    v8f e_z = v_exp(-(v_load_n(g + H + j, w) + v_load_n(gh + H + j, w) +
                      v_load_n(bias + H + j, w)));
    v8f den_n, num_n = v_tanh_parts(v_load_n(g + 2 * H + j, w) + v_load_n(bias + 2 * H + j, w) +
                                        (v_load_n(gh + 2 * H + j, w) + v_load_n(b_hn + j, w)) / d_r,
                                    &den_n);
    /* (1 - z) n + z h = (e_z n + h) / (1 + e_z), n = num_n / den_n: one
     * division (e_z <= e^88 and den_n <= 2 keep the terms finite) */
    v8f hn = (e_z * num_n + v_load_n(h + j, w) * den_n) / (den_n * (1.0f + e_z));
    v_store_n(h + j, hn, w);
    v_store_n(out + j, hn, w);
}

CPU_INLINE void gru_rows(int n, int H, const float *g, const float *gh, const float *bias,
                         const float *b_hn, float *h, float *out, size_t ldout)
{
    const size_t ldg = 3 * (size_t)H;
    const int tail = H % 8, body = H - tail;
    for (int b = 0; b < n; b++) {
        const float *gb = g + (size_t)b * ldg, *ghb = gh + (size_t)b * ldg;
        float *hb = h + (size_t)b * H, *ob = out + (size_t)b * ldout;
        for (int j = 0; j < body; j += 8)
            gru_block(H, 8, j, gb, ghb, bias, b_hn, hb, ob);
        if (tail)
            gru_block(H, tail, body, gb, ghb, bias, b_hn, hb, ob);
    }
}

/* ---- the kernels: a family with its constants, as a cpu_step_fn -------- */

#define CPU_STEP_KERNEL(name, call)                                                              \
    CPU_TARGET_CLONES static void name(int n, int H, const float *g, const float *gh,           \
                                       const float *bias, const float *b_apart, float *h,        \
                                       float *c, float *out, size_t ldout,                       \
                                       const cpu_step_variant *v)                                \
    {                                                                                            \
        (void)gh, (void)b_apart, (void)c, (void)v;                                               \
        call;                                                                                    \
    }

CPU_STEP_KERNEL(step_rnn_tanh, rnn_rows(CPU_ACT_TANH, n, H, g, bias, h, out, ldout))
CPU_STEP_KERNEL(step_rnn_relu, rnn_rows(CPU_ACT_RELU, n, H, g, bias, h, out, ldout))
CPU_STEP_KERNEL(step_lstm, lstm_rows(n, H, g, bias, h, c, out, ldout))
CPU_STEP_KERNEL(step_gru, gru_rows(n, H, g, gh, bias, b_apart, h, out, ldout))

#define SIG CPU_ACT_SIGMOID
#define TANH CPU_ACT_TANH
#define RELU CPU_ACT_RELU
#define NONE CPU_ACT_NONE

/* ---- the cells ------------------------------------------------------------
 * To add a variant, add a row: its rnnscan_cell; G; each gate's activation
 * in the weights' gate order (PyTorch's: LSTM i, f, g, o; GRU r, z, n);
 * state_act (the activation on c for h, LSTM) or NONE; the update kind;
 * has_c (a cell state besides h); hh_apart (a bit per gate whose W_hh h +
 * b_hh is kept apart from W_ih x + b_ih: those gates' b_hh is not folded into
 * bias but kept in b_apart, and h W_hh^T goes to its own buffer);
 * reset_before (0 here: see cpu_cell_desc).  The row
 * also needs a kernel in cpu_kernels[] whose key equals it (all but .cell):
 * reuse one, or instantiate a family with other constants (CPU_STEP_KERNEL);
 * a new update kind needs a new family.  A row without a kernel makes model
 * creation fail with NOT_SUPPORTED, never runs the wrong kernel.  These are
 * PyTorch's cells (a plain rnnscan_variant); ONNX's variants, whose
 * activations are chosen at run time, have their rows in cpu_variants.c. */
static const cpu_cell_desc cpu_cells[] = {
    {RNNSCAN_CELL_RNN_TANH, 1, {TANH}, NONE, CPU_UPDATE_RNN, 0, 0, 0},
    {RNNSCAN_CELL_RNN_RELU, 1, {RELU}, NONE, CPU_UPDATE_RNN, 0, 0, 0},
    {RNNSCAN_CELL_LSTM, 4, {SIG, SIG, TANH, SIG}, TANH, CPU_UPDATE_LSTM, 1, 0, 0},
    {RNNSCAN_CELL_GRU, 3, {SIG, SIG, TANH}, NONE, CPU_UPDATE_GRU, 0, 1u << 2, 0},
};

/* The kernels, each with the description it implements (.cell unused). */
static const struct cpu_kernel {
    cpu_cell_desc key;
    cpu_step_fn *step;
} cpu_kernels[] = {
    {{0, 1, {TANH}, NONE, CPU_UPDATE_RNN, 0, 0, 0}, step_rnn_tanh},
    {{0, 1, {RELU}, NONE, CPU_UPDATE_RNN, 0, 0, 0}, step_rnn_relu},
    {{0, 4, {SIG, SIG, TANH, SIG}, TANH, CPU_UPDATE_LSTM, 1, 0, 0}, step_lstm},
    {{0, 3, {SIG, SIG, TANH}, NONE, CPU_UPDATE_GRU, 0, 1u << 2, 0}, step_gru},
};

#define COUNT(a) (sizeof(a) / sizeof *(a))

static int same_shape(const cpu_cell_desc *a, const cpu_cell_desc *b)
{
    if (a->gates != b->gates || a->state_act != b->state_act || a->update != b->update ||
        a->has_c != b->has_c || a->hh_apart != b->hh_apart || a->reset_before != b->reset_before)
        return 0;
    for (int k = 0; k < CPU_MAX_GATES; k++)
        if (a->act[k] != b->act[k])
            return 0;
    return 1;
}

int cpu_cell_find(rnnscan_cell cell, cpu_cell *out)
{
    for (size_t i = 0; i < COUNT(cpu_cells); i++) {
        if (cpu_cells[i].cell != cell)
            continue;
        for (size_t k = 0; k < COUNT(cpu_kernels); k++)
            if (same_shape(&cpu_cells[i], &cpu_kernels[k].key)) {
                out->desc = &cpu_cells[i];
                out->step = cpu_kernels[k].step;
                out->reset = NULL;
                return 1;
            }
        return 0;
    }
    return 0;
}
