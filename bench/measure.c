/* One case on one backend: the inputs, the timed runs, the comparison with
 * the reference. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "support.h"

static int directions(const bench_options *o) { return o->bidirectional ? 2 : 1; }

double bench_flops(const bench_options *o, const bench_case *c, double active_steps)
{
    double G = rnnscan_cell_gates(c->cell), H = c->H, D = directions(o), per_step = 0;
    for (int l = 0; l < o->layers; l++) {
        double in = l == 0 ? c->X : D * c->H;
        per_step += D * 2.0 * G * H * (in + H);
    }
    return per_step * active_steps;
}

int bench_outputs_alloc(bench_outputs *out, const bench_options *o, const bench_case *c)
{
    size_t D = (size_t)directions(o);
    out->y_elems = (size_t)c->T * c->B * D * c->H;
    out->state_elems = (size_t)o->layers * D * c->B * c->H;
    out->y = malloc(out->y_elems * sizeof(float));
    out->h_n = malloc(out->state_elems * sizeof(float));
    out->c_n = c->cell == RNNSCAN_CELL_LSTM ? malloc(out->state_elems * sizeof(float)) : NULL;
    if (!out->y || !out->h_n || (c->cell == RNNSCAN_CELL_LSTM && !out->c_n)) {
        bench_outputs_free(out);
        return 0;
    }
    return 1;
}

void bench_outputs_free(bench_outputs *out)
{
    free(out->y);
    free(out->h_n);
    free(out->c_n);
    out->y = out->h_n = out->c_n = NULL;
}

int bench_inputs_make(bench_inputs *in, const bench_options *o, const bench_case *c,
                      unsigned long long seed)
{
    memset(in, 0, sizeof *in);
    int D = directions(o), n = o->layers * D;
    in->desc = (rnnscan_model_desc){.cell = c->cell, .input_size = c->X, .hidden_size = c->H,
                                    .num_layers = o->layers, .bidirectional = o->bidirectional,
                                    .weight_type = c->weight_type};
    in->weights = calloc((size_t)n, sizeof *in->weights);
    in->bufs = calloc((size_t)n, sizeof *in->bufs);
    size_t x_elems = (size_t)c->T * c->B * c->X;
    in->x = malloc(x_elems * sizeof(float));
    if (o->lengths == BENCH_LENGTHS_UNIFORM)
        in->lengths = malloc((size_t)c->B * sizeof(int));
    if (!in->weights || !in->bufs || !in->x || (o->lengths == BENCH_LENGTHS_UNIFORM && !in->lengths))
        goto fail;
    rng r = rng_seeded(seed);
    for (int k = 0; k < n; k++) {
        int input = k < D ? c->X : D * c->H; /* layer 0 reads x, the others D*H */
        if (!weights_alloc_pytorch_init(&in->bufs[k], &r, c->cell, input, c->H, 0, 1))
            goto fail;
        in->weights[k] = weights_view(&in->bufs[k]);
    }
    fill_normal(&r, in->x, x_elems, 1.0f);
    in->active_steps = (double)c->T * c->B;
    if (in->lengths) {
        int lo = c->T / 4 > 1 ? c->T / 4 : 1; /* uniform in [T/4, T] */
        in->active_steps = 0;
        for (int b = 0; b < c->B; b++) {
            int len = lo + (int)(rng_uniform(&r) * (c->T - lo + 1));
            in->lengths[b] = len > c->T ? c->T : len;
            in->active_steps += in->lengths[b];
        }
    }
    return 1;
fail:
    bench_inputs_free(in, o);
    return 0;
}

void bench_inputs_free(bench_inputs *in, const bench_options *o)
{
    if (in->bufs)
        for (int k = 0; k < o->layers * directions(o); k++)
            weights_free(&in->bufs[k]);
    free(in->bufs);
    free(in->weights);
    free(in->x);
    free(in->lengths);
    memset(in, 0, sizeof *in);
}

#ifdef __GNUC__
__attribute__((format(printf, 3, 4)))
#endif
static void set_outcome(bench_result *r, bench_outcome outcome, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    r->outcome = outcome;
    vsnprintf(r->note, sizeof r->note, fmt, ap);
    va_end(ap);
}

/* A failed call: NOT_SUPPORTED is n/a (the backend cannot run this), anything
 * else is an error. */
static void call_failed(bench_result *r, const char *call, rnnscan_status st)
{
    set_outcome(r, st == RNNSCAN_NOT_SUPPORTED ? BENCH_NA : BENCH_FAILED, "%s: %s: %s", call,
                rnnscan_status_name(st), rnnscan_last_error());
}

static double min_of(const double *v, int n)
{
    double m = v[0];
    for (int i = 1; i < n; i++)
        m = v[i] < m ? v[i] : m;
    return m;
}

static double max_of(const double *v, int n)
{
    double m = v[0];
    for (int i = 1; i < n; i++)
        m = v[i] > m ? v[i] : m;
    return m;
}

/* Largest difference over y, h_n and c_n; NaN anywhere stays NaN. */
static double outputs_diff(const bench_outputs *a, const bench_outputs *b)
{
    double d = max_abs_diff(a->y, b->y, a->y_elems);
    double dh = max_abs_diff(a->h_n, b->h_n, a->state_elems);
    d = isnan(d) || isnan(dh) ? NAN : fmax(d, dh);
    if (a->c_n && b->c_n) {
        double dc = max_abs_diff(a->c_n, b->c_n, a->state_elems);
        d = isnan(d) || isnan(dc) ? NAN : fmax(d, dc);
    }
    return d;
}

/* The model, or the group of models (one per device), a case is timed on. */
typedef struct scanner {
    rnnscan_model *models[BENCH_MAX_DEVICES];
    int n_models;
    rnnscan_group *group;
    rnnscan_run run;
} scanner;

static void scanner_free(scanner *s, bench_result *r)
{
    int shares[BENCH_MAX_DEVICES] = {0}, first = 0;
    if (s->group) { /* what the first device given sequences ran */
        rnnscan_group_shares(s->group, shares, BENCH_MAX_DEVICES);
        while (first < s->n_models - 1 && shares[first] == 0)
            first++;
    }
    r->ran = s->n_models ? rnnscan_model_last_schedule(s->models[first]) : RNNSCAN_SCHEDULE_AUTO;
    rnnscan_group_free(s->group);
    for (int k = 0; k < s->n_models; k++)
        rnnscan_model_free(s->models[k]);
}

static int scanner_create(const bench_case *c, const bench_inputs *in, const bench_backend *be,
                          bench_outputs *out, scanner *s, bench_result *r)
{
    memset(s, 0, sizeof *s);
    rnnscan_context *const *contexts = be->group_size ? be->group : &be->ctx;
    const int n = be->group_size ? be->group_size : 1;
    double t0 = now_ms(), build_ms = 0;
    for (; s->n_models < n; s->n_models++) {
        rnnscan_model **m = &s->models[s->n_models];
        rnnscan_status st = rnnscan_model_create(contexts[s->n_models], &in->desc, in->weights, m);
        if (st != RNNSCAN_OK) {
            call_failed(r, "model_create", st);
            scanner_free(s, r);
            return 0;
        }
        build_ms += rnnscan_model_build_ms(*m);
    }
    /* kernel builds (the first model of each variant) are reported apart */
    r->model_ms = now_ms() - t0 - build_ms;
    if (be->group_size) {
        rnnscan_status st = rnnscan_group_create(s->models, n, &s->group);
        if (st != RNNSCAN_OK) {
            call_failed(r, "group_create", st);
            scanner_free(s, r);
            return 0;
        }
    }
    s->run = (rnnscan_run){.seq_len = c->T, .batch = c->B, .x = in->x, .lengths = in->lengths,
                           .y = out->y, .h_n = out->h_n, .c_n = out->c_n,
                           .schedule = be->schedule};
    return 1;
}

static int scanner_scan(scanner *s, bench_result *r)
{
    rnnscan_status st = s->group ? rnnscan_group_scan(s->group, &s->run)
                                 : rnnscan_model_scan(s->models[0], &s->run);
    if (st != RNNSCAN_OK)
        call_failed(r, s->group ? "group_scan" : "scan", st);
    return st == RNNSCAN_OK;
}

/* A group's last split, as a note: "sequences per device 352+348". */
static void note_shares(const scanner *s, bench_result *r)
{
    int shares[BENCH_MAX_DEVICES] = {0};
    if (!s->group)
        return;
    rnnscan_group_shares(s->group, shares, BENCH_MAX_DEVICES);
    size_t used = (size_t)snprintf(r->note, sizeof r->note, "sequences per device ");
    for (int k = 0; k < s->n_models && used < sizeof r->note; k++)
        used += (size_t)snprintf(r->note + used, sizeof r->note - used, "%s%d", k ? "+" : "",
                                 shares[k]);
}

void bench_measure(const bench_options *o, const bench_case *c, const bench_inputs *in,
                   const bench_backend *be, bench_outputs *out, const bench_outputs *ref,
                   bench_result *r)
{
    r->outcome = BENCH_RAN;
    r->note[0] = '\0';
    r->median_ms = r->min_ms = r->max_ms = r->model_ms = r->gflops = r->speedup = 0;
    r->runs = 0;
    r->speedup_base = -1;
    r->max_abs_diff = NAN;
    r->compared = 0;
    r->active_steps = in->active_steps;
    double flops = bench_flops(o, c, in->active_steps);
    if (!be->ctx) {
        set_outcome(r, BENCH_NA, "%s", be->reason);
        return;
    }
    if (be->id == RNNSCAN_BACKEND_REFERENCE && o->ref_limit_gflop > 0 &&
        flops > o->ref_limit_gflop * 1e9) {
        set_outcome(r, BENCH_SKIPPED,
                    "reference skipped: %.2f GFLOP per pass > --ref-limit %g (--ref-limit 0 runs it)",
                    flops / 1e9, o->ref_limit_gflop);
        return;
    }
    scanner s;
    if (!scanner_create(c, in, be, out, &s, r))
        return;
    double *times = malloc((size_t)o->runs * sizeof *times);
    if (!times) {
        set_outcome(r, BENCH_FAILED, "out of memory");
        scanner_free(&s, r);
        return;
    }
    fill_nan(out->y, out->y_elems); /* an output the backend never writes shows as NaN */
    fill_nan(out->h_n, out->state_elems);
    if (out->c_n)
        fill_nan(out->c_n, out->state_elems);
    int ok = 1;
    for (int i = 0; ok && i < o->warmup + o->runs; i++) {
        double start = now_ms();
        ok = scanner_scan(&s, r);
        double ms = now_ms() - start;
        if (i == 0)
            r->first_ms = ms;
        if (ok && i >= o->warmup)
            times[i - o->warmup] = ms;
    }
    if (ok)
        note_shares(&s, r);
    scanner_free(&s, r);
    if (ok) {
        r->runs = o->runs;
        r->min_ms = min_of(times, o->runs);
        r->max_ms = max_of(times, o->runs);
        r->median_ms = median(times, o->runs);
        r->gflops = flops / (r->median_ms * 1e6);
        if (ref && be->id != RNNSCAN_BACKEND_REFERENCE) {
            r->max_abs_diff = outputs_diff(out, ref);
            r->compared = 1;
        }
    }
    free(times);
}
