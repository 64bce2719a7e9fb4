/* Model groups (rnnscan_group_*): one scan split across several models of the
 * same network, one per device.  The batch is cut into contiguous ranges of
 * sequences, in proportion to each model's rate measured on the group's
 * previous scans (equal ranges on the first two), and each range runs on its own
 * thread: its inputs copied out of the caller's arrays where the layout
 * interleaves sequences (time-major x and y, every state array), scanned by
 * its model, its outputs copied back.  Batch-first x and y are passed to the
 * models in place (a range of sequences is contiguous there).  Each model
 * computes its sequences exactly as it would alone: a sequence's result does
 * not depend on which others run beside it on the reference and OpenCL
 * backends (the cpu backend rounds by batch size: see README). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define FAIL_ARG(...) rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT, __VA_ARGS__)

/* One model's range of one scan. */
typedef struct group_part {
    rnnscan_model *model;
    size_t b0, n;          /* sequences [b0, b0 + n) of the batch */
    rnnscan_run run;       /* the model's own run over them */
    float *own[6];         /* copies this part allocated (x, y, h0, c0, h_n, c_n) */
    rnnscan_status status;
    double ms;             /* its wall time, copies included */
    char error[RNNSCAN_ERROR_CAP];
} group_part;

struct rnnscan_group {
    int count;
    rnnscan_model *models[RNNSCAN_GROUP_MAX];
    double rate[RNNSCAN_GROUP_MAX]; /* sequence-steps per ms, averaged over scans; 0 unknown */
    int scans;                      /* completed */
    size_t last_batch;              /* B of the last cut (0: none yet) */
    int shares[RNNSCAN_GROUP_MAX];  /* sequences per model on the last scan */
    group_part parts[RNNSCAN_GROUP_MAX];
    const rnnscan_run *run;         /* the caller's, during a scan */
};

/* The description fields that fix every array's shape. */
static int same_shapes(const rnnscan_model *a, const rnnscan_model *b)
{
    return a->desc.cell == b->desc.cell && a->dims.input == b->dims.input &&
           a->dims.hidden == b->dims.hidden && a->dims.state == b->dims.state &&
           a->dims.layers == b->dims.layers && a->dims.directions == b->dims.directions &&
           !a->desc.batch_first == !b->desc.batch_first;
}

rnnscan_status rnnscan_group_create(rnnscan_model *const *models, int count,
                                    rnnscan_group **out)
{
    rnnscan_clear_error(NULL);
    if (!out)
        return FAIL_ARG("group_create: out is NULL");
    *out = NULL;
    if (!models)
        return FAIL_ARG("group_create: models is NULL");
    if (count < 1 || count > RNNSCAN_GROUP_MAX)
        return FAIL_ARG("group_create: count must be in 1..%d, got %d", RNNSCAN_GROUP_MAX, count);
    for (int k = 0; k < count; k++) {
        if (!models[k])
            return FAIL_ARG("group_create: models[%d] is NULL", k);
        if (!same_shapes(models[0], models[k]))
            return FAIL_ARG("group_create: models[%d] is not the network models[0] is (cell, "
                            "input, hidden and projection sizes, layers, directions and "
                            "batch_first must agree)",
                            k);
        for (int j = 0; j < k; j++)
            if (models[j]->context == models[k]->context)
                return FAIL_ARG("group_create: models[%d] and models[%d] share a context, which "
                                "one thread at a time may use: give each its own",
                                j, k);
    }
    rnnscan_group *g = calloc(1, sizeof *g);
    if (!g)
        return rnnscan_fail(NULL, RNNSCAN_OUT_OF_MEMORY, "group_create: no memory");
    g->count = count;
    memcpy(g->models, models, (size_t)count * sizeof *models);
    *out = g;
    return RNNSCAN_OK;
}

void rnnscan_group_free(rnnscan_group *group)
{
    free(group);
}

int rnnscan_group_shares(const rnnscan_group *group, int *shares, int capacity)
{
    if (!group)
        return 0;
    for (int k = 0; k < group->count && k < capacity && shares; k++)
        shares[k] = group->shares[k];
    return group->count;
}

/* Cuts the batch in proportion to the measured rates (equal ranges until
 * every model has one).  A cut that moves no range by more than a tenth
 * (or one sequence) keeps the last scan's for the same batch: each model
 * then keeps its batch size, which AUTO's schedule choice and kernel
 * caches are keyed on, instead of following every noisy scan. */
static void cut_batch(rnnscan_group *g, size_t B)
{
    int measured = 1;
    double total = 0;
    for (int k = 0; k < g->count; k++) {
        measured &= g->rate[k] > 0;
        total += g->rate[k];
    }
    size_t ends[RNNSCAN_GROUP_MAX];
    double sum = 0;
    int moved = g->last_batch != B;
    size_t prev = 0;
    for (int k = 0; k < g->count; k++) {
        sum += measured ? g->rate[k] : 1.0;
        size_t end = k == g->count - 1
                         ? B
                         : (size_t)((double)B * sum / (measured ? total : g->count) + 0.5);
        end = end < prev ? prev : end > B ? B : end;
        const size_t n = end - prev, was = g->parts[k].n;
        const size_t slack = was / 10 > 1 ? was / 10 : 1;
        moved |= n > was + slack || n + slack < was;
        ends[k] = end;
        prev = end;
    }
    g->last_batch = B;
    if (!moved)
        return;
    for (int k = 0; k < g->count; k++) {
        g->parts[k].b0 = k ? ends[k - 1] : 0;
        g->parts[k].n = ends[k] - g->parts[k].b0;
    }
}

/* rows [rows][B][width] of src, sequences [b0, b0 + n), into dst [rows][n][width]
 * (to_part), or back. */
static void copy_rows(float *part, const float *whole, size_t rows, size_t B, size_t b0, size_t n,
                      size_t width, int to_part)
{
    for (size_t r = 0; r < rows; r++) {
        float *p = part + r * n * width;
        float *w = (float *)whole + (r * B + b0) * width;
        memcpy(to_part ? p : w, to_part ? w : p, n * width * sizeof(float));
    }
}

/* Sets up part k's run: pointers into the caller's arrays where its range
 * is contiguous, else its own copies (inputs filled here). */
static rnnscan_status prepare_part(rnnscan_group *g, group_part *p)
{
    const rnnscan_run *r = g->run;
    const rnnscan_dims *d = &p->model->dims;
    const size_t T = (size_t)r->seq_len, B = (size_t)r->batch, n = p->n, b0 = p->b0;
    const size_t X = (size_t)d->input, DS = (size_t)d->directions * (size_t)d->state;
    const size_t LD = (size_t)d->layers * (size_t)d->directions, S = (size_t)d->state,
                 H = (size_t)d->hidden;
    const int bf = p->model->desc.batch_first;
    memset(p->own, 0, sizeof p->own);
    p->run = *r;
    if (n == B)
        return RNNSCAN_OK; /* the whole batch: the caller's arrays as they are */
    p->run.batch = (int)n;
    p->run.lengths = r->lengths ? r->lengths + b0 : NULL;
    const size_t sizes[6] = {bf ? 0 : T * n * X, bf ? 0 : T * n * DS, r->h0 ? LD * n * S : 0,
                             r->c0 ? LD * n * H : 0, r->h_n ? LD * n * S : 0,
                             r->c_n ? LD * n * H : 0};
    for (int i = 0; i < 6; i++)
        if (sizes[i] && !(p->own[i] = malloc(sizes[i] * sizeof(float))))
            return rnnscan_fail(NULL, RNNSCAN_OUT_OF_MEMORY,
                                "group_scan: no memory for %zu floats of a device's share",
                                sizes[i]);
    if (bf) {
        p->run.x = r->x + b0 * T * X;
        p->run.y = r->y + b0 * T * DS;
    } else {
        copy_rows(p->own[0], r->x, T, B, b0, n, X, 1);
        p->run.x = p->own[0];
        p->run.y = p->own[1];
    }
    if (r->h0)
        copy_rows(p->own[2], r->h0, LD, B, b0, n, S, 1);
    if (r->c0)
        copy_rows(p->own[3], r->c0, LD, B, b0, n, H, 1);
    p->run.h0 = p->own[2];
    p->run.c0 = p->own[3];
    p->run.h_n = p->own[4];
    p->run.c_n = p->own[5];
    return RNNSCAN_OK;
}

/* Part k's outputs into the caller's arrays. */
static void finish_part(rnnscan_group *g, group_part *p)
{
    const rnnscan_run *r = g->run;
    const rnnscan_dims *d = &p->model->dims;
    const size_t T = (size_t)r->seq_len, B = (size_t)r->batch;
    const size_t DS = (size_t)d->directions * (size_t)d->state;
    const size_t LD = (size_t)d->layers * (size_t)d->directions;
    if (p->n == B)
        return;
    if (!p->model->desc.batch_first)
        copy_rows(p->own[1], r->y, T, B, p->b0, p->n, DS, 0);
    if (r->h_n)
        copy_rows(p->own[4], r->h_n, LD, B, p->b0, p->n, (size_t)d->state, 0);
    if (r->c_n)
        copy_rows(p->own[5], r->c_n, LD, B, p->b0, p->n, (size_t)d->hidden, 0);
}

typedef struct part_job {
    rnnscan_group *g;
    group_part *p;
} part_job;

static void *run_part(void *arg)
{
    part_job *job = arg;
    group_part *p = job->p;
    const double start = rnnscan_now_ms();
    p->status = prepare_part(job->g, p);
    if (p->status == RNNSCAN_OK)
        p->status = rnnscan_model_scan(p->model, &p->run);
    if (p->status == RNNSCAN_OK)
        finish_part(job->g, p);
    else
        snprintf(p->error, sizeof p->error, "%s", rnnscan_last_error());
    for (int i = 0; i < 6; i++)
        free(p->own[i]);
    p->ms = rnnscan_now_ms() - start;
    return NULL;
}

rnnscan_status rnnscan_group_scan(rnnscan_group *group, const rnnscan_run *run)
{
    rnnscan_clear_error(NULL);
    if (!group)
        return FAIL_ARG("group_scan: group is NULL");
    rnnscan_run_dims dims;
    /* the whole run checked once, so messages name the caller's indices */
    rnnscan_status st = rnnscan_check_run(group->models[0], run, &dims);
    if (st != RNNSCAN_OK)
        return st;
    group->run = run;
    cut_batch(group, (size_t)run->batch);
    pthread_t threads[RNNSCAN_GROUP_MAX];
    int started[RNNSCAN_GROUP_MAX] = {0};
    part_job jobs[RNNSCAN_GROUP_MAX];
    int last = -1; /* the last part with sequences runs on this thread */
    for (int k = 0; k < group->count; k++) {
        group->parts[k].model = group->models[k];
        group->parts[k].status = RNNSCAN_OK;
        group->shares[k] = (int)group->parts[k].n;
        jobs[k] = (part_job){group, &group->parts[k]};
        if (group->parts[k].n)
            last = k;
    }
    for (int k = 0; k < last; k++)
        if (group->parts[k].n && pthread_create(&threads[k], NULL, run_part, &jobs[k]) == 0)
            started[k] = 1;
        else if (group->parts[k].n)
            run_part(&jobs[k]); /* no thread to be had: in turn on this one */
    run_part(&jobs[last]);
    for (int k = 0; k < last; k++)
        if (started[k])
            pthread_join(threads[k], NULL);
    group->run = NULL;
    for (int k = 0; k < group->count; k++) {
        const group_part *p = &group->parts[k];
        if (p->status != RNNSCAN_OK)
            return rnnscan_fail(NULL, p->status, "group_scan: model %d (%s, sequences %zu..%zu): %s",
                                k, rnnscan_context_device_name(p->model->context), p->b0,
                                p->b0 + p->n - 1, p->error);
    }
    /* The first scan warms the models up (PoCL compiles kernels on their
     * first launch, AUTO probes a new shape): its times would starve a
     * device for good, so rates come from the scans after it, each averaged
     * with the one before to damp a noisy scan. */
    for (int k = 0; k < group->count && group->scans > 0; k++) {
        const group_part *p = &group->parts[k];
        if (p->n && p->ms > 0) {
            const double rate = (double)p->n * (double)run->seq_len / p->ms;
            group->rate[k] = group->rate[k] > 0 ? 0.5 * (group->rate[k] + rate) : rate;
        }
    }
    group->scans++;
    return RNNSCAN_OK;
}
