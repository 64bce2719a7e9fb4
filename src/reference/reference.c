/* The reference backend: the oracle every other backend is checked against.
 *
 * Written to be obviously right rather than fast: one layer, direction and
 * sequence at a time, one gate row at a time, every sum accumulated in double,
 * states and layer outputs kept in double, the equations exactly as PyTorch
 * documents them (an LSTM's projection: h = W_hr (o * tanh(c))), and ONNX's
 * cell variants as its operators define them.  Per-sequence lengths: a
 * sequence of length n reads steps
 * 0..n-1 (the reverse direction n-1..0), its outputs past n stay 0 and its
 * h_n / c_n are the state after its own last step. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"

/* sum_k w[k] * v[k] */
static double dot(const float *w, const double *v, int n)
{
    double s = 0.0;
    for (int k = 0; k < n; k++)
        s += (double)w[k] * v[k];
    return s;
}

/* One step of one sequence in one layer-direction: reads x (layer->input
 * values), h (S = P or H) and c (H), writes the new state in place.  gi, gh:
 * G*H scratch; m: H scratch, the LSTM's unprojected output with a projection,
 * or GRU's r * h_{t-1} with reset_before.  v: the cell variant (PyTorch's
 * cell when plain); every pre-activation goes through clip, then v's
 * activation for its position (f the gates, g the candidate, h LSTM's c). */
static void cell_step(rnnscan_cell cell, const rnnscan_variant *v, const rnnscan_layer *layer,
                      int H, int P, const double *x, double *h, double *c, double *gi,
                      double *gh, double *m)
{
    const size_t rows = (size_t)rnnscan_cell_gates(cell) * H;
    const int S = P ? P : H;
    const double clip = v->clip;
    const rnnscan_activation *f = &v->act[0], *g = &v->act[1], *hc = &v->act[2];
    for (size_t r = 0; r < rows; r++) {
        gi[r] = dot(layer->w_ih + r * (size_t)layer->input, x, layer->input) + layer->b_ih[r];
        gh[r] = dot(layer->w_hh + r * (size_t)S, h, S) + layer->b_hh[r];
    }
    if (cell == RNNSCAN_CELL_GRU && v->reset_before) {
        /* n's recurrent term reads r * h_{t-1}: W_hn (r * h) + b_hn */
        for (int j = 0; j < H; j++)
            m[j] = rnnscan_act_apply(f, rnnscan_clip(clip, gi[j] + gh[j])) * h[j];
        for (int j = 0; j < H; j++)
            gh[2 * H + j] = dot(layer->w_hh + (size_t)(2 * H + j) * S, m, S) +
                            layer->b_hh[2 * H + j];
    }
    const float *p = layer->w_peep; /* p_i, p_f, p_o, or NULL */
    for (int j = 0; j < H; j++) {
        switch (cell) {
        case RNNSCAN_CELL_RNN_TANH:
        case RNNSCAN_CELL_RNN_RELU:
            h[j] = rnnscan_act_apply(f, rnnscan_clip(clip, gi[j] + gh[j]));
            break;
        case RNNSCAN_CELL_LSTM: {
            const double c_prev = c[j];
            double pre_i = gi[j] + gh[j] + (p ? p[j] * c_prev : 0.0);
            double i = rnnscan_act_apply(f, rnnscan_clip(clip, pre_i));
            double pre_f = gi[H + j] + gh[H + j] + (p ? p[H + j] * c_prev : 0.0);
            double fg = v->input_forget ? 1.0 - i : rnnscan_act_apply(f, rnnscan_clip(clip, pre_f));
            double cand = rnnscan_act_apply(g, rnnscan_clip(clip, gi[2 * H + j] + gh[2 * H + j]));
            c[j] = fg * c_prev + i * cand;
            double pre_o = gi[3 * H + j] + gh[3 * H + j] + (p ? p[2 * H + j] * c[j] : 0.0);
            double o = rnnscan_act_apply(f, rnnscan_clip(clip, pre_o));
            (P ? m : h)[j] = o * rnnscan_act_apply(hc, c[j]);
            break;
        }
        case RNNSCAN_CELL_GRU: {
            /* every gate reads the old h, so h[j] may be overwritten: h[j] is
             * read only for its own j */
            double r = rnnscan_act_apply(f, rnnscan_clip(clip, gi[j] + gh[j]));
            double z = rnnscan_act_apply(f, rnnscan_clip(clip, gi[H + j] + gh[H + j]));
            double pre_n = v->reset_before ? gi[2 * H + j] + gh[2 * H + j]
                                           : gi[2 * H + j] + r * gh[2 * H + j];
            double n = rnnscan_act_apply(g, rnnscan_clip(clip, pre_n));
            h[j] = (1.0 - z) * n + z * h[j];
            break;
        }
        }
    }
    for (int q = 0; q < P; q++) /* every h[j] was read above: safe to overwrite */
        h[q] = dot(layer->w_hr + (size_t)q * H, m, H);
}

/* Index of element (t, b) of a [T][B] or, batch-first, [B][T] array. */
static size_t row_of(int batch_first, int t, int b, int T, int B)
{
    return batch_first ? (size_t)b * T + t : (size_t)t * B + b;
}

typedef struct scratch {
    double *in, *out;     /* [T][B][width] layer input and output       */
    double *h, *c, *m;    /* [H] the running state of one sequence, m the
                             unprojected LSTM output (h uses S <= H)     */
    double *gi, *gh;      /* [G*H]                                       */
} scratch;

/* Runs layer-direction (l, dir) over every sequence: in -> out columns dir*S.. */
static void run_layer(const rnnscan_model *m, const rnnscan_run *run, int l, int dir,
                      const scratch *s)
{
    const int T = run->seq_len, B = run->batch, H = m->dims.hidden, D = m->dims.directions;
    const int P = m->dims.proj, S = m->dims.state;
    const int index = l * D + dir;
    const rnnscan_layer *layer = &m->layers[index];
    const size_t out_width = (size_t)D * S;
    for (int b = 0; b < B; b++) {
        const int len = run->lengths ? run->lengths[b] : T;
        const size_t h_at = ((size_t)index * B + b) * S, c_at = ((size_t)index * B + b) * H;
        for (int j = 0; j < S; j++)
            s->h[j] = run->h0 ? run->h0[h_at + j] : 0.0;
        for (int j = 0; j < H; j++)
            s->c[j] = run->c0 ? run->c0[c_at + j] : 0.0;
        for (int step = 0; step < len; step++) {
            const int t = dir || m->desc.reverse ? len - 1 - step : step;
            const size_t row = (size_t)t * B + b;
            cell_step(m->desc.cell, &m->variant, layer, H, P, s->in + row * layer->input, s->h,
                      s->c, s->gi, s->gh, s->m);
            memcpy(s->out + row * out_width + (size_t)dir * S, s->h, (size_t)S * sizeof(double));
        }
        for (int j = 0; run->h_n && j < S; j++)
            run->h_n[h_at + j] = (float)s->h[j];
        for (int j = 0; run->c_n && j < H; j++)
            run->c_n[c_at + j] = (float)s->c[j];
    }
}

static rnnscan_status reference_scan(rnnscan_model *m, const rnnscan_run *run,
                                     const rnnscan_run_dims *d)
{
    const int T = d->T, B = d->B, X = m->dims.input, H = m->dims.hidden;
    const int bf = m->desc.batch_first;
    const size_t DH = (size_t)m->dims.directions * m->dims.state, rows = (size_t)T * B;
    const size_t width = (size_t)X > DH ? (size_t)X : DH; /* widest layer input */
    scratch s;
    double *mem = calloc(2 * rows * width + 3 * (size_t)H + 2 * m->dims.rows, sizeof *mem);
    if (!mem)
        return rnnscan_fail(&m->err, RNNSCAN_OUT_OF_MEMORY,
                            "reference: no memory for T=%d, B=%d activations", T, B);
    s.in = mem;
    s.out = s.in + rows * width;
    s.h = s.out + rows * width;
    s.c = s.h + H;
    s.m = s.c + H;
    s.gi = s.m + H;
    s.gh = s.gi + m->dims.rows;

    for (int t = 0; t < T; t++) /* the layer-0 input, time-major */
        for (int b = 0; b < B; b++)
            for (int k = 0; k < X; k++)
                s.in[((size_t)t * B + b) * X + k] = run->x[row_of(bf, t, b, T, B) * X + k];
    for (int l = 0; l < m->dims.layers; l++) {
        memset(s.out, 0, rows * DH * sizeof *s.out); /* steps past a length stay 0 */
        for (int dir = 0; dir < m->dims.directions; dir++)
            run_layer(m, run, l, dir, &s);
        double *swap = s.in; /* this layer's output is the next one's input */
        s.in = s.out, s.out = swap;
    }
    for (int t = 0; t < T; t++)
        for (int b = 0; b < B; b++)
            for (size_t k = 0; k < DH; k++)
                run->y[row_of(bf, t, b, T, B) * DH + k] = (float)s.in[((size_t)t * B + b) * DH + k];
    free(mem);
    return RNNSCAN_OK;
}

const rnnscan_backend_ops rnnscan_reference_ops = {
    .features = RNNSCAN_FEATURE_ALL,
    .model_init = NULL,
    .model_release = NULL,
    .scan = reference_scan,
    .context_release = NULL,
};
