/* `rnnscan demo`: the notebook "RNN a pie" replayed, on the reference backend
 * and on the default OpenCL device, with timings and the largest difference. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "rnnscan.h"
#include "support.h"

#define TIMED_RUNS 21

typedef struct demo {
    rnnscan_context *ref;
    rnnscan_context *cl; /* NULL when no OpenCL device could be opened */
} demo;

/* One network and one batch, with a buffer set per backend. */
typedef struct problem {
    const char *title;
    rnnscan_model_desc desc;
    rnnscan_weights weights;
    int T, B;
    const float *x, *h0, *c0;
} problem;

static void print_column(const char *label, const float *v, int n)
{
    printf("%s [", label);
    for (int i = 0; i < n; i++)
        printf("%s[%.8g]", i ? ", " : "", v[i]);
    printf("]\n");
}

/* Runs `p` on `ctx`; fills y [T][B][H], h_n, c_n.  With timing, reports the
 * median over TIMED_RUNS after one warm-up run (which also uploads nothing
 * new: weights went up at model creation, and AUTO chooses its schedule
 * there) and the schedule the scans ran. */
static int run_on(rnnscan_context *ctx, const problem *p, float *y, float *h_n, float *c_n,
                  double *median_ms, rnnscan_schedule *ran)
{
    rnnscan_model *model = NULL;
    if (rnnscan_model_create(ctx, &p->desc, &p->weights, &model) != RNNSCAN_OK) {
        fprintf(stderr, "demo: model_create on %s: %s\n", rnnscan_context_device_name(ctx),
                rnnscan_last_error());
        return 0;
    }
    size_t state = (size_t)p->B * p->desc.hidden_size;
    fill_nan(y, (size_t)p->T * state);
    fill_nan(h_n, state);
    if (c_n)
        fill_nan(c_n, state);
    rnnscan_run run = {.seq_len = p->T, .batch = p->B, .x = p->x, .h0 = p->h0, .c0 = p->c0,
                       .y = y, .h_n = h_n, .c_n = c_n};
    int ok = rnnscan_model_scan(model, &run) == RNNSCAN_OK;
    if (ok && median_ms) {
        double times[TIMED_RUNS];
        for (int i = 0; ok && i < TIMED_RUNS; i++) {
            double t0 = now_ms();
            ok = rnnscan_model_scan(model, &run) == RNNSCAN_OK;
            times[i] = now_ms() - t0;
        }
        *median_ms = median(times, TIMED_RUNS);
        *ran = rnnscan_model_last_schedule(model);
    }
    if (!ok)
        fprintf(stderr, "demo: scan on %s: %s\n", rnnscan_context_device_name(ctx),
                rnnscan_last_error());
    rnnscan_model_free(model);
    return ok;
}

/* Runs on both backends, prints the last state of each and the difference. */
static int compare(const demo *d, const problem *p, int timed, int print_states)
{
    const int H = p->desc.hidden_size, is_lstm = p->desc.cell == RNNSCAN_CELL_LSTM;
    const size_t state = (size_t)p->B * H, all = (size_t)p->T * state;
    float *mem = malloc((2 * all + 4 * state) * sizeof *mem);
    if (!mem)
        return 0;
    float *y_ref = mem, *y_cl = y_ref + all, *h_ref = y_cl + all, *h_cl = h_ref + state;
    float *c_ref = h_cl + state, *c_cl = c_ref + state;
    double ms_ref = 0, ms_cl = 0;
    rnnscan_schedule ran = RNNSCAN_SCHEDULE_AUTO;
    printf("\n== %s: %s, T=%d, B=%d, X=%d, H=%d\n", p->title, rnnscan_cell_name(p->desc.cell),
           p->T, p->B, p->desc.input_size, H);
    int ok = run_on(d->ref, p, y_ref, h_ref, is_lstm ? c_ref : NULL, timed ? &ms_ref : NULL, &ran);
    if (ok && print_states) {
        print_column("reference h_t:", h_ref, H);
        if (is_lstm)
            print_column("reference C_t:", c_ref, H);
    }
    if (ok && d->cl) {
        ok = run_on(d->cl, p, y_cl, h_cl, is_lstm ? c_cl : NULL, timed ? &ms_cl : NULL, &ran);
        if (ok && print_states) {
            print_column("opencl    h_t:", h_cl, H);
            if (is_lstm)
                print_column("opencl    C_t:", c_cl, H);
        }
        if (ok) {
            double diff = max_abs_diff(y_cl, y_ref, all);
            if (is_lstm)
                diff = fmax(diff, max_abs_diff(c_cl, c_ref, state));
            printf("max |opencl - reference| = %.3g (over all %zu outputs%s)\n", diff, all,
                   is_lstm ? " and C_T" : "");
        }
    }
    if (ok && timed) {
        printf("scan time, median of %d warm runs: reference %.3f ms", TIMED_RUNS, ms_ref);
        if (d->cl)
            printf(", opencl %.3f ms (the %s schedule, AUTO's choice; reference/opencl = %.2fx)",
                   ms_cl, ran == RNNSCAN_SCHEDULE_PERSISTENT ? "persistent" : "host",
                   ms_ref / ms_cl);
        printf("\n");
    }
    free(mem);
    return ok;
}

static int vanilla_step(const demo *d)
{
    /* nh = 2, nx = 3, w_hh = 1, w_hx = 9, h = 1, x = 9, b = 0: tanh(245) = 1 */
    float w_hh[2 * 2], w_hx[2 * 3], h[2], x[3];
    for (int i = 0; i < 4; i++)
        w_hh[i] = 1.0f;
    for (int i = 0; i < 6; i++)
        w_hx[i] = 9.0f;
    h[0] = h[1] = 1.0f;
    x[0] = x[1] = x[2] = 9.0f;
    problem p = {"vanilla RNN, one step (notebook: h_t = [[1.],[1.]])",
                 {.cell = RNNSCAN_CELL_RNN_TANH, .input_size = 3, .hidden_size = 2,
                  .num_layers = 1},
                 {.w_ih = w_hx, .w_hh = w_hh}, 1, 1, x, h, NULL};
    return compare(d, &p, 0, 1);
}

static int lstm_step(const demo *d, rng *r)
{
    /* The notebook's Ui, Wi, Uf, Wf, Uo, Wo, U, W ~ N(0,1), no bias, stacked
     * as PyTorch's gate order: W_ih = [Ui; Uf; U; Uo], W_hh = [Wi; Wf; W; Wo]. */
    enum { NH = 2, NX = 3 };
    float U[4][NH * NX], W[4][NH * NH]; /* blocks in gate order i, f, g, o */
    float h[NH], c[NH], x[NX];
    for (int g = 0; g < 4; g++) {
        fill_normal(r, U[g], NH * NX, 1.0f);
        fill_normal(r, W[g], NH * NH, 1.0f);
    }
    for (int i = 0; i < NH; i++)
        h[i] = (float)(2 * rng_normal(r) - 1), c[i] = (float)rng_normal(r);
    for (int i = 0; i < NX; i++)
        x[i] = (float)(2 * rng_normal(r) - 1);
    problem p = {"LSTM, one step (notebook weights, W_ih = [Ui;Uf;U;Uo], W_hh = [Wi;Wf;W;Wo])",
                 {.cell = RNNSCAN_CELL_LSTM, .input_size = NX, .hidden_size = NH, .num_layers = 1},
                 {.w_ih = &U[0][0], .w_hh = &W[0][0]}, 1, 1, x, h, c};
    return compare(d, &p, 0, 1);
}

/* The notebook's scans: standard-normal weights as it draws them. */
static int scan_case(const demo *d, rng *r, const char *title, rnnscan_cell cell, int T, int X,
                     int H, int with_bias, int timed)
{
    size_t rows = (size_t)rnnscan_cell_gates(cell) * H;
    size_t n = rows * X + rows * H + rows + (size_t)T * X;
    float *mem = malloc(n * sizeof *mem);
    if (!mem)
        return 0;
    float *w_ih = mem, *w_hh = w_ih + rows * X, *b = w_hh + rows * H, *x = b + rows;
    fill_normal(r, mem, n, 1.0f);
    problem p = {title, {.cell = cell, .input_size = X, .hidden_size = H, .num_layers = 1},
                 {.w_ih = w_ih, .w_hh = w_hh, .b_ih = with_bias ? b : NULL}, T, 1, x, NULL, NULL};
    int ok = compare(d, &p, timed, 1);
    free(mem);
    return ok;
}

int cli_demo(int argc, char **argv)
{
    (void)argc, (void)argv;
    demo d = {NULL, NULL};
    if (rnnscan_context_create(NULL, &d.ref) != RNNSCAN_OK) {
        fprintf(stderr, "demo: %s\n", rnnscan_last_error());
        return 1;
    }
    rnnscan_context_options cl_opts = {.backend = RNNSCAN_BACKEND_OPENCL};
    rnnscan_status st = rnnscan_context_create(&cl_opts, &d.cl);
    printf("rnnscan %s demo: the notebook 'RNN a pie', batched and on OpenCL\n",
           rnnscan_version_string());
    if (st == RNNSCAN_OK)
        printf("OpenCL device: %s\n", rnnscan_context_device_name(d.cl));
    else
        printf("OpenCL unavailable (%s): %s\nshowing the reference backend only\n",
               rnnscan_status_name(st), rnnscan_last_error());

    rng r = rng_seeded(10); /* the notebook seeds numpy with 10 */
    int ok = vanilla_step(&d) && lstm_step(&d, &r) &&
             scan_case(&d, &r, "vanilla RNN scan (notebook: emb=128, T=256, h_dim=16)",
                       RNNSCAN_CELL_RNN_TANH, 256, 128, 16, 1, 1) &&
             scan_case(&d, &r, "LSTM scan (notebook: input 10, hidden 20, 5 steps)",
                       RNNSCAN_CELL_LSTM, 5, 10, 20, 0, 0);
    if (d.cl)
        printf("OpenCL program builds: %.1f ms in all (each kernel variant once per context, "
               "when its first model is created; not in the times)\n",
               rnnscan_context_build_ms(d.cl));
    rnnscan_context_free(d.cl);
    rnnscan_context_free(d.ref);
    return ok ? 0 : 1;
}
