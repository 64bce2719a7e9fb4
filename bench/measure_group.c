/* One case on several devices at once (`rnnscan bench --device all`): one
 * model per device's context, the batch cut into contiguous ranges of
 * sequences in proportion to each device's speed measured on the same case
 * (equal ranges until measured), one thread per device.  A scan is what a
 * program splitting its batch pays: each thread gathers its sequences'
 * inputs from the time-major x, scans them and scatters its outputs back. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

typedef struct part {
    rnnscan_model *model;
    const char *device;
    size_t b0, n;          /* sequences [b0, b0 + n) */
    float *x, *y, *h, *c;  /* this part's own (T, n, .) and (L*D, n, H) arrays */
    rnnscan_status status;
    char err[BENCH_MSG];
    const struct bench_group *g;
} part;

struct bench_group {
    const bench_inputs *in;
    bench_outputs *out;
    rnnscan_schedule schedule;
    size_t T, B, X, DH, LD, H;
    int n_parts;
    part parts[BENCH_MAX_DEVICES];
};

static void *scan_part(void *arg)
{
    part *p = arg;
    const bench_group *g = p->g;
    const size_t n = p->n, B = g->B;
    for (size_t t = 0; t < g->T; t++)
        memcpy(p->x + t * n * g->X, g->in->x + (t * B + p->b0) * g->X, n * g->X * sizeof(float));
    rnnscan_run run = {.seq_len = (int)g->T, .batch = (int)n, .x = p->x,
                       .lengths = g->in->lengths ? g->in->lengths + p->b0 : NULL, .y = p->y,
                       .h_n = p->h, .c_n = p->c, .schedule = g->schedule};
    p->status = rnnscan_model_scan(p->model, &run);
    if (p->status != RNNSCAN_OK) {
        snprintf(p->err, sizeof p->err, "device %s: %s: %s", p->device,
                 rnnscan_status_name(p->status), rnnscan_last_error());
        return NULL;
    }
    for (size_t t = 0; t < g->T; t++)
        memcpy(g->out->y + (t * B + p->b0) * g->DH, p->y + t * n * g->DH,
               n * g->DH * sizeof(float));
    for (size_t l = 0; l < g->LD; l++) {
        memcpy(g->out->h_n + (l * B + p->b0) * g->H, p->h + l * n * g->H, n * g->H * sizeof(float));
        if (p->c)
            memcpy(g->out->c_n + (l * B + p->b0) * g->H, p->c + l * n * g->H,
                   n * g->H * sizeof(float));
    }
    return NULL;
}

void bench_group_free(bench_group *g)
{
    if (!g)
        return;
    for (int k = 0; k < g->n_parts; k++) {
        part *p = &g->parts[k];
        rnnscan_model_free(p->model);
        free(p->x);
        free(p->y);
        free(p->h);
        free(p->c);
    }
    free(g);
}

/* Cuts B into ranges proportional to speeds (equal ones without a speed
 * for every device). */
static void cut_batch(bench_group *g, int n, const double *speeds)
{
    int equal = !speeds;
    double total = 0;
    for (int k = 0; k < n && !equal; k++) {
        equal = !(speeds[k] > 0);
        total += speeds[k];
    }
    double sum = 0;
    size_t prev = 0;
    for (int k = 0; k < n; k++) {
        sum += equal ? 1.0 : speeds[k];
        size_t end = k == n - 1 ? g->B
                                : (size_t)((double)g->B * sum / (equal ? n : total) + 0.5);
        end = end < prev ? prev : end > g->B ? g->B : end;
        g->parts[k].b0 = prev;
        g->parts[k].n = end - prev;
        prev = end;
    }
}

bench_group *bench_group_create(const bench_options *o, const bench_case *c,
                                const bench_inputs *in, const bench_backend *be,
                                const double *speeds, bench_outputs *out, char *err,
                                size_t errlen, int *not_supported)
{
    *not_supported = 0;
    bench_group *g = calloc(1, sizeof *g);
    if (!g) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    const size_t D = o->bidirectional ? 2 : 1;
    g->in = in, g->out = out, g->schedule = be->schedule;
    g->T = (size_t)c->T, g->B = (size_t)c->B, g->X = (size_t)c->X, g->H = (size_t)c->H;
    g->DH = D * g->H, g->LD = (size_t)o->layers * D;
    g->n_parts = be->group_size;
    cut_batch(g, g->n_parts, speeds);
    for (int k = 0; k < g->n_parts; k++) {
        part *p = &g->parts[k];
        p->g = g;
        p->device = o->device_specs[k];
        const size_t n = p->n ? p->n : 1;
        p->x = malloc(g->T * n * g->X * sizeof(float));
        p->y = malloc(g->T * n * g->DH * sizeof(float));
        p->h = malloc(g->LD * n * g->H * sizeof(float));
        p->c = c->cell == RNNSCAN_CELL_LSTM ? malloc(g->LD * n * g->H * sizeof(float)) : NULL;
        if (!p->x || !p->y || !p->h || (c->cell == RNNSCAN_CELL_LSTM && !p->c)) {
            snprintf(err, errlen, "out of memory for device %s's part", p->device);
            bench_group_free(g);
            return NULL;
        }
        rnnscan_status st = rnnscan_model_create(be->group[k], &in->desc, in->weights, &p->model);
        if (st != RNNSCAN_OK) {
            *not_supported = st == RNNSCAN_NOT_SUPPORTED;
            snprintf(err, errlen, "model_create on device %s: %s: %s", p->device,
                     rnnscan_status_name(st), rnnscan_last_error());
            bench_group_free(g);
            return NULL;
        }
    }
    return g;
}

int bench_group_scan(bench_group *g, char *err, size_t errlen)
{
    pthread_t threads[BENCH_MAX_DEVICES];
    int started[BENCH_MAX_DEVICES] = {0};
    for (int k = 0; k < g->n_parts; k++) {
        part *p = &g->parts[k];
        p->status = RNNSCAN_OK;
        if (p->n == 0)
            continue;
        if (pthread_create(&threads[k], NULL, scan_part, p) == 0)
            started[k] = 1;
        else
            scan_part(p); /* no thread to be had: run it here */
    }
    for (int k = 0; k < g->n_parts; k++)
        if (started[k])
            pthread_join(threads[k], NULL);
    for (int k = 0; k < g->n_parts; k++)
        if (g->parts[k].status != RNNSCAN_OK) {
            snprintf(err, errlen, "scan on %s", g->parts[k].err);
            return 0;
        }
    return 1;
}

double bench_group_build_ms(const bench_group *g)
{
    double ms = 0;
    for (int k = 0; k < g->n_parts; k++)
        ms += rnnscan_model_build_ms(g->parts[k].model);
    return ms;
}

rnnscan_schedule bench_group_last_schedule(const bench_group *g)
{
    for (int k = 0; k < g->n_parts; k++) /* the first device that had sequences */
        if (g->parts[k].n)
            return rnnscan_model_last_schedule(g->parts[k].model);
    return RNNSCAN_SCHEDULE_AUTO;
}

void bench_group_shares(const bench_group *g, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int k = 0; k < g->n_parts && used < len; k++)
        used += (size_t)snprintf(buf + used, len - used, "%s%zu", k ? "+" : "", g->parts[k].n);
}
