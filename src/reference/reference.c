/* The reference backend: the oracle every other backend is checked against.
 *
 * Written to be obviously right rather than fast: one sequence and one gate
 * row at a time, every sum accumulated in double, the recurrent state kept in
 * double between steps, the equations exactly as PyTorch documents them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../internal.h"

static double sigmoid(double v) { return 1.0 / (1.0 + exp(-v)); }

/* sum_k w[k] * v[k] with w float, v double */
static double dot_fd(const float *w, const double *v, int n)
{
    double s = 0.0;
    for (int k = 0; k < n; k++)
        s += (double)w[k] * v[k];
    return s;
}

static double dot_ff(const float *w, const float *v, int n)
{
    double s = 0.0;
    for (int k = 0; k < n; k++)
        s += (double)w[k] * (double)v[k];
    return s;
}

/* One step of one sequence: reads x (X), h and c (H, double), writes the new
 * state into h_new / c_new.  gi / gh are scratch of G*H doubles. */
static void cell_step(const rnnscan_model *m, const float *x, const double *h, const double *c,
                      double *h_new, double *c_new, double *gi, double *gh)
{
    const int X = m->dims.input, H = m->dims.hidden;
    const size_t rows = m->dims.rows;
    for (size_t r = 0; r < rows; r++) {
        gi[r] = dot_ff(m->w_ih + r * (size_t)X, x, X) + m->b_ih[r];
        gh[r] = dot_fd(m->w_hh + r * (size_t)H, h, H) + m->b_hh[r];
    }
    for (int j = 0; j < H; j++) {
        switch (m->desc.cell) {
        case RNNSCAN_CELL_RNN_TANH:
            h_new[j] = tanh(gi[j] + gh[j]);
            break;
        case RNNSCAN_CELL_RNN_RELU:
            h_new[j] = fmax(0.0, gi[j] + gh[j]);
            break;
        case RNNSCAN_CELL_LSTM: {
            double i = sigmoid(gi[j] + gh[j]);
            double f = sigmoid(gi[H + j] + gh[H + j]);
            double g = tanh(gi[2 * H + j] + gh[2 * H + j]);
            double o = sigmoid(gi[3 * H + j] + gh[3 * H + j]);
            c_new[j] = f * c[j] + i * g;
            h_new[j] = o * tanh(c_new[j]);
            break;
        }
        case RNNSCAN_CELL_GRU: {
            double r = sigmoid(gi[j] + gh[j]);
            double z = sigmoid(gi[H + j] + gh[H + j]);
            double n = tanh(gi[2 * H + j] + r * gh[2 * H + j]);
            h_new[j] = (1.0 - z) * n + z * h[j];
            break;
        }
        }
    }
}

static void load_state(double *dst, const float *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = src ? (double)src[i] : 0.0;
}

static rnnscan_status reference_scan(rnnscan_model *m, const rnnscan_run *run,
                                     const rnnscan_run_dims *d)
{
    const int X = m->dims.input, H = m->dims.hidden, B = d->B;
    const size_t state = d->state_elems;
    /* h, c, h_new, c_new (B*H each) then gi, gh (G*H each) */
    double *mem = malloc((4 * state + 2 * m->dims.rows) * sizeof *mem);
    if (!mem)
        return rnnscan_fail(&m->err, RNNSCAN_OUT_OF_MEMORY,
                            "reference: no memory for the state of B=%d, H=%d", B, H);
    double *h = mem, *c = h + state, *h_new = c + state, *c_new = h_new + state;
    double *gi = c_new + state, *gh = gi + m->dims.rows;
    load_state(h, run->h0, state);
    load_state(c, run->c0, state);

    for (int t = 0; t < d->T; t++) {
        for (int b = 0; b < B; b++) {
            size_t s = (size_t)b * H;
            const float *x = run->x + ((size_t)t * B + b) * X;
            cell_step(m, x, h + s, c + s, h_new + s, c_new + s, gi, gh);
        }
        float *y = run->y + (size_t)t * state;
        for (size_t i = 0; i < state; i++)
            y[i] = (float)h_new[i];
        double *swap = h;
        h = h_new, h_new = swap;
        swap = c, c = c_new, c_new = swap;
    }
    for (size_t i = 0; i < state; i++) {
        if (run->h_n)
            run->h_n[i] = (float)h[i];
        if (run->c_n)
            run->c_n[i] = (float)c[i];
    }
    free(mem);
    return RNNSCAN_OK;
}

const rnnscan_backend_ops rnnscan_reference_ops = {
    .model_init = NULL,
    .model_release = NULL,
    .scan = reference_scan,
    .context_release = NULL,
};
