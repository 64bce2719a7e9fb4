/* RNNSCAN_SCHEDULE_AUTO (cl_schedule.h): a cost model per schedule,
 * time(T) = a + b*T, whose constants are measured on the device for the
 * model's shape (cuDNN's cudnnFind and CLBlast's tuner measure likewise
 * rather than guess): a is what a scan costs whatever its length (uploads,
 * the projection's launch, the persistent kernel's start), b what each step
 * adds (the host loop's launch per step, or one step of the persistent
 * kernel's loop).  On PoCL the host loop costs a launch per step (tens of us)
 * and wins on wide layers, where the step kernel shares each weight load
 * among several sequences; the persistent schedule wins on narrow ones. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cl_schedule.h"
#include "cl_scan.h"
#include "cl_schedule_cache.h"

/* The probe: lengths PROBE_T1 and PROBE_T2, each timed several times (the
 * fastest kept) after one untimed scan: PROBE_REPS_SMALL times when a scan
 * of PROBE_T2 steps is under PROBE_SMALL_FLOP (launch jitter is then as
 * long as the scan), else PROBE_REPS (3 let one slow spell of this shared
 * 2-core machine invert a 25% difference between the schedules).  The count depends on the shape only,
 * so a probe makes the same OpenCL calls every time (tests/fault counts
 * them).  At most PROBE_BYTES of synthetic input and output per scan (fewer
 * sequences when wider). */
#define PROBE_T1 4
#define PROBE_T2 32
#define PROBE_REPS 5
#define PROBE_REPS_SMALL 9
#define PROBE_SMALL_FLOP 1e8
#define PROBE_BYTES ((size_t)16 << 20)

typedef struct cl_schedule_memo {
    char key[CL_SCHEDULE_KEY_MAX];
    cl_schedule_cost cost;
} cl_schedule_memo;

void cl_schedule_memo_release(cl_backend *cl)
{
    free(cl->memo);
    cl->memo = NULL;
    cl->n_memo = cl->cap_memo = 0;
}

static const cl_schedule_memo *memo_find(const cl_backend *cl, const char *key)
{
    for (int i = 0; i < cl->n_memo; i++)
        if (strcmp(cl->memo[i].key, key) == 0)
            return &cl->memo[i];
    return NULL;
}

/* Best effort, like the disk cache: without memory the next scan probes again. */
static void memo_add(cl_backend *cl, const char *key, const cl_schedule_cost *cost)
{
    if (cl->n_memo == cl->cap_memo) {
        const int cap = cl->cap_memo ? 2 * cl->cap_memo : 8;
        cl_schedule_memo *grown = realloc(cl->memo, (size_t)cap * sizeof *grown);
        if (!grown)
            return;
        cl->memo = grown;
        cl->cap_memo = cap;
    }
    cl_schedule_memo *e = &cl->memo[cl->n_memo++];
    snprintf(e->key, sizeof e->key, "%s", key);
    e->cost = *cost;
}

static int pow2_at_least(int n)
{
    int p = 1;
    while (p < n && p < (1 << 30))
        p *= 2;
    return p;
}

/* A cell variant's part of the key: what changes the kernels' work (GRU
 * reset_before: a second launch per host-loop step, a third barrier per
 * persistent step; peepholes, input_forget, clip, the activation functions),
 * not alpha, beta or the clip's value, which cost nothing; "" for PyTorch's
 * cell, so its keys and cached costs stay as they were. */
static void variant_words(const rnnscan_variant *v, int positions, char *out, size_t size)
{
    out[0] = '\0';
    if (v->plain)
        return;
    int n = snprintf(out, size, " variant");
    for (int i = 0; i < positions && n > 0 && (size_t)n < size; i++) {
        const char *name = rnnscan_act_name(v->act[i].kind);
        n += snprintf(out + n, size - (size_t)n, " %c=%s", "fgh"[i], name ? name : "?");
    }
    const char *flags[4] = {v->reset_before ? " reset_before" : "",
                            v->peepholes ? " peepholes" : "",
                            v->input_forget ? " input_forget" : "", v->clip > 0 ? " clip" : ""};
    for (int i = 0; i < 4 && n > 0 && (size_t)n < size; i++)
        n += snprintf(out + n, size - (size_t)n, "%s", flags[i]);
}

/* Device, driver, kernel shapes and model shape: everything the costs depend
 * on, as one line without tabs. */
static void make_key(const rnnscan_model *m, int B, char *key, size_t size)
{
    const cl_backend *cl = m->context->impl;
    const int cell = m->desc.cell;
    char variant[160];
    variant_words(&m->variant,
                  cell == RNNSCAN_CELL_LSTM ? 3 : cell == RNNSCAN_CELL_GRU ? 2 : 1, variant,
                  sizeof variant);
    snprintf(key, size, "%s | %s | tiles %d %d %d %d %d %d | %s %s L=%d D=%d X=%d H=%d B<=%d%s",
             m->context->device_name, cl->driver_version, cl->tuning.tile_rows,
             cl->tuning.step_rows, cl->tuning.scan_units, cl->tuning.w_panels,
             cl->tuning.proj_local, cl->tuning.step_local,
             rnnscan_cell_name(m->desc.cell), rnnscan_weight_type_name(m->desc.weight_type),
             m->dims.layers, m->dims.directions, m->dims.input,
             m->dims.hidden, pow2_at_least(B), variant);
    for (char *p = key; *p; p++)
        if (*p == '\t' || *p == '\n' || *p == '\r')
            *p = ' ';
}

typedef struct probe {
    rnnscan_model *m;
    int B;
    float *x, *y;
} probe;

/* Milliseconds of one scan of T steps on schedule s. */
static rnnscan_status time_scan(const probe *pr, rnnscan_schedule s, int T, double *ms)
{
    const rnnscan_model *m = pr->m;
    const size_t TB = (size_t)T * pr->B;
    const rnnscan_run run = {.seq_len = T, .batch = pr->B, .x = pr->x, .y = pr->y, .schedule = s};
    const rnnscan_run_dims d = {.T = T,
                                .B = pr->B,
                                .x_elems = TB * m->dims.input,
                                .y_elems = TB * m->dims.directions * m->dims.hidden,
                                .state_elems = (size_t)pr->B * m->dims.hidden,
                                .gates_elems = TB * m->dims.rows};
    const double t0 = rnnscan_now_ms();
    RNNSCAN_TRY(cl_run_scan(pr->m, &run, &d));
    *ms = rnnscan_now_ms() - t0;
    return RNNSCAN_OK;
}

/* a and b of time(T) = a + b*T, from the fastest scans of T1 and T2 steps
 * (both >= 0: a noisy pair must not predict negative times). */
static void fit(const double t1, const double t2, double *a, double *b)
{
    *b = fmax(0.0, (t2 - t1) / (PROBE_T2 - PROBE_T1));
    *a = fmax(0.0, t1 - *b * PROBE_T1);
}

/* Both schedules at T1 and T2, each timed `reps` times, the four kinds of
 * scan taking turns: a busy spell of a shared machine then slows both
 * schedules alike instead of deciding between them. */
static rnnscan_status measure(const probe *pr, cl_schedule_cost *cost)
{
    const rnnscan_dims *dm = &pr->m->dims;
    const double flop = 2.0 * PROBE_T2 * pr->B * dm->layers * dm->directions * (double)dm->rows *
                        (dm->input + dm->hidden); /* layers above the first: about as much */
    const int reps = flop < PROBE_SMALL_FLOP ? PROBE_REPS_SMALL : PROBE_REPS;
    const rnnscan_schedule schedules[2] = {RNNSCAN_SCHEDULE_HOST, RNNSCAN_SCHEDULE_PERSISTENT};
    const int lengths[2] = {PROBE_T1, PROBE_T2};
    double best[2][2] = {{INFINITY, INFINITY}, {INFINITY, INFINITY}}, ms;
    for (int s = 0; s < 2; s++) /* first-use costs stay out */
        RNNSCAN_TRY(time_scan(pr, schedules[s], PROBE_T2, &ms));
    for (int r = 0; r < reps; r++)
        for (int s = 0; s < 2; s++)
            for (int t = 0; t < 2; t++) {
                RNNSCAN_TRY(time_scan(pr, schedules[s], lengths[t], &ms));
                best[s][t] = fmin(best[s][t], ms);
            }
    fit(best[0][0], best[0][1], &cost->host_a, &cost->host_b);
    fit(best[1][0], best[1][1], &cost->persistent_a, &cost->persistent_b);
    return RNNSCAN_OK;
}

static rnnscan_status run_probe(rnnscan_model *m, int B, cl_schedule_cost *cost)
{
    const size_t width = (size_t)m->dims.input + (size_t)m->dims.directions * m->dims.hidden;
    const size_t per_sequence = (size_t)PROBE_T2 * width * sizeof(float);
    const size_t fit_b = PROBE_BYTES / per_sequence;
    probe pr = {m, fit_b < 1 ? 1 : fit_b < (size_t)B ? (int)fit_b : B, NULL, NULL};
    const size_t TB = (size_t)PROBE_T2 * pr.B;
    /* zeros: the arithmetic costs the same whatever the values (and zero
     * states stay clear of denormals) */
    pr.x = calloc(TB * m->dims.input, sizeof(float));
    pr.y = malloc(TB * m->dims.directions * m->dims.hidden * sizeof(float));
    rnnscan_status st = RNNSCAN_OUT_OF_MEMORY;
    if (!pr.x || !pr.y)
        rnnscan_fail(&m->err, st, "opencl: choosing the schedule: no memory for the probe");
    else
        st = measure(&pr, cost);
    free(pr.x);
    free(pr.y);
    return st;
}

rnnscan_status cl_schedule_choose(rnnscan_model *m, int T, int B, int persistent_ok,
                                  rnnscan_schedule *out)
{
    *out = RNNSCAN_SCHEDULE_HOST;
    if (!persistent_ok)
        return RNNSCAN_OK;
    cl_backend *cl = m->context->impl;
    char key[CL_SCHEDULE_KEY_MAX];
    make_key(m, B, key, sizeof key);
    cl_schedule_cost cost;
    const cl_schedule_memo *known = memo_find(cl, key);
    if (known) {
        cost = known->cost;
    } else {
        if (!cl_schedule_cache_load(cl->cache_dir, key, &cost)) {
            RNNSCAN_TRY(run_probe(m, B, &cost));
            cl_schedule_cache_store(cl->cache_dir, key, &cost);
        }
        memo_add(cl, key, &cost);
    }
    if (cost.persistent_a + cost.persistent_b * T < cost.host_a + cost.host_b * T)
        *out = RNNSCAN_SCHEDULE_PERSISTENT;
    return RNNSCAN_OK;
}
