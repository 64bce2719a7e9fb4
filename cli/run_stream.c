/* The chunk loop of `rnnscan run` (see run_stream.h). */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "run_stream.h"

/* --verify's tolerance: the test suite's, |d| <= 2e-5 + 2e-5 |ref| (see
 * tests/test_backend_vs_reference.c for why). */
#define VERIFY_ATOL 2e-5
#define VERIFY_RTOL 2e-5

/* What the workers share. */
typedef struct shared {
    const stream_job *job;
    pthread_mutex_t lock;
    size_t next;       /* first sequence of the next chunk */
    size_t finished;   /* sequences done, for progress */
    int failed;        /* stop taking chunks */
    char error[1024];  /* the first failure */
    double start, last_report;
    int reported;      /* a progress line is on stderr */
    stream_result *result;
} shared;

/* One worker's chunk buffers. */
typedef struct buffers {
    float *x, *h0, *c0, *y, *h_n, *c_n, *ry, *rh, *rc, *tmp;
    int *lengths;
} buffers;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void fail_once(shared *sh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail_once(shared *sh, const char *fmt, ...)
{
    pthread_mutex_lock(&sh->lock);
    if (!sh->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(sh->error, sizeof sh->error, fmt, ap);
        va_end(ap);
        sh->failed = 1;
    }
    pthread_mutex_unlock(&sh->lock);
}

static void free_buffers(buffers *b)
{
    float *f[] = {b->x, b->h0, b->c0, b->y, b->h_n, b->c_n, b->ry, b->rh, b->rc, b->tmp};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        free(f[i]);
    free(b->lengths);
}

static int alloc_buffers(const stream_job *j, buffers *b)
{
    const out_layout *l = &j->out;
    const size_t n = j->chunk, DS = l->D * l->S;
    memset(b, 0, sizeof *b);
    b->x = malloc(l->T * n * j->X * sizeof(float) + 1);
    b->h0 = j->h0 ? malloc(l->LD * n * l->S * sizeof(float)) : NULL;
    b->c0 = j->c0 ? malloc(l->LD * n * l->H * sizeof(float)) : NULL;
    b->y = malloc(l->T * n * DS * sizeof(float));
    b->h_n = malloc(l->LD * n * l->S * sizeof(float));
    b->c_n = l->lstm ? malloc(l->LD * n * l->H * sizeof(float)) : NULL;
    b->tmp = malloc(out_scratch_floats(l, n) * sizeof(float));
    b->lengths = j->lengths ? malloc(n * sizeof(int)) : NULL;
    if (j->verify) {
        b->ry = malloc(l->T * n * DS * sizeof(float));
        b->rh = malloc(l->LD * n * l->S * sizeof(float));
        b->rc = l->lstm ? malloc(l->LD * n * l->H * sizeof(float)) : NULL;
    }
    return b->x && (!j->h0 || b->h0) && (!j->c0 || b->c0) && b->y && b->h_n &&
           (!l->lstm || b->c_n) && b->tmp && (!j->lengths || b->lengths) &&
           (!j->verify || (b->ry && b->rh && (!l->lstm || b->rc)));
}

/* x of sequences b0 .. b0+n-1, as a [T][n][X] (or [n][T][X]) batch. */
static rnnscan_status read_x(const stream_job *j, size_t b0, size_t n, float *x)
{
    const out_layout *l = &j->out;
    const size_t X = j->X;
    if (l->batch_first) {
        if (j->x_whole) {
            memcpy(x, j->x_whole + b0 * l->T * X, n * l->T * X * sizeof *x);
            return RNNSCAN_OK;
        }
        return rnnscan_npy_reader_read(j->x_reader, b0 * l->T * X, n * l->T * X, x);
    }
    for (size_t t = 0; t < l->T; t++) {
        const size_t first = (t * l->B + b0) * X;
        if (j->x_whole)
            memcpy(x + t * n * X, j->x_whole + first, n * X * sizeof *x);
        else
            RNNSCAN_TRY_CLI(rnnscan_npy_reader_read(j->x_reader, first, n * X, x + t * n * X));
    }
    return RNNSCAN_OK;
}

/* A whole [LD][B][w] state's sequences b0.. into [LD][n][w]. */
static void slice_state(const float *whole, size_t LD, size_t B, size_t w, size_t b0, size_t n,
                        float *dst)
{
    for (size_t d = 0; d < LD; d++)
        memcpy(dst + d * n * w, whole + (d * B + b0) * w, n * w * sizeof *dst);
}

/* Largest differences of got against want; 0 when one is out of tolerance. */
static int compare(const float *got, const float *want, size_t n, double *abs_d, double *rel_d)
{
    int ok = 1;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)got[i] - want[i]), w = fabs((double)want[i]);
        if (!(d <= VERIFY_ATOL + VERIFY_RTOL * w)) /* NaN fails too */
            ok = 0;
        if (!(d <= *abs_d))
            *abs_d = d;
        if (w > 0 && !(d / w <= *rel_d))
            *rel_d = d / w;
    }
    return ok;
}

/* Progress on stderr: sequences done, rate, time left (see stream_job.progress). */
static void report(shared *sh, int final)
{
    const stream_job *j = sh->job;
    const double t = now_s(), elapsed = t - sh->start;
    const int tty = j->progress == 1;
    const size_t total = j->end - j->begin;
    if (!j->progress || (!final && (elapsed < 2.0 || t - sh->last_report < (tty ? 0.5 : 5.0) ||
                                    sh->finished == total)) ||
        (final && !sh->reported))
        return; /* the last chunk's line is the final one */
    const double rate = elapsed > 0 ? (double)sh->finished / elapsed : 0.0;
    const double left = rate > 0 ? (double)(total - sh->finished) / rate : 0.0;
    fprintf(stderr, "%srnnscan run: %s%zu / %zu sequences (%.1f%%), %.0f sequences/s, %.0f s %s%s",
            tty ? "\r" : "", j->who, sh->finished, total,
            100.0 * (double)sh->finished / (double)total, rate, final ? elapsed : left,
            final ? "in all" : "left", tty && !final ? "" : "\n");
    fflush(stderr);
    sh->last_report = t;
    sh->reported = 1;
}

/* Runs chunks until none is left or one fails. */
static void work(shared *sh, int w)
{
    const stream_job *j = sh->job;
    const out_layout *l = &j->out;
    const char *dev = j->names[w];
    buffers b;
    if (!alloc_buffers(j, &b)) {
        fail_once(sh, "%s: out of memory for a chunk of %zu sequences (T = %zu); a lower "
                  "--memory-limit makes smaller chunks", dev, j->chunk, j->out.T);
        free_buffers(&b);
        return;
    }
    double max_abs = 0, max_rel = 0;
    int all_ok = 1;
    for (;;) {
        pthread_mutex_lock(&sh->lock);
        const size_t b0 = sh->next;
        const size_t n = b0 < j->end ? (j->end - b0 < j->chunk ? j->end - b0 : j->chunk) : 0;
        sh->next += n;
        const int stop = sh->failed || n == 0;
        pthread_mutex_unlock(&sh->lock);
        if (stop)
            break;
        rnnscan_status st = read_x(j, b0, n, b.x);
        if (st != RNNSCAN_OK) {
            fail_once(sh, "%s", rnnscan_last_error());
            break;
        }
        if (j->h0)
            slice_state(j->h0, l->LD, l->B, l->S, b0, n, b.h0);
        if (j->c0)
            slice_state(j->c0, l->LD, l->B, l->H, b0, n, b.c0);
        if (j->lengths)
            memcpy(b.lengths, j->lengths + b0, n * sizeof *b.lengths);
        rnnscan_run run = {.seq_len = (int)l->T, .batch = (int)n, .x = b.x, .h0 = b.h0,
                           .c0 = b.c0, .lengths = b.lengths, .y = b.y, .h_n = b.h_n,
                           .c_n = b.c_n, .schedule = j->schedule};
        if (rnnscan_model_scan(j->models[w], &run) != RNNSCAN_OK) {
            fail_once(sh, "%s: sequences %zu..%zu: %s", dev, b0, b0 + n - 1,
                      rnnscan_model_error(j->models[w]));
            break;
        }
        if (j->verify) {
            rnnscan_run r = run;
            r.y = b.ry, r.h_n = b.rh, r.c_n = b.rc;
            if (rnnscan_model_scan(j->ref_models[w], &r) != RNNSCAN_OK) {
                fail_once(sh, "reference: %s", rnnscan_model_error(j->ref_models[w]));
                break;
            }
            all_ok &= compare(b.y, b.ry, l->T * n * l->D * l->S, &max_abs, &max_rel);
            all_ok &= compare(b.h_n, b.rh, l->LD * n * l->S, &max_abs, &max_rel);
            if (l->lstm)
                all_ok &= compare(b.c_n, b.rc, l->LD * n * l->H, &max_abs, &max_rel);
        }
        if (out_put_chunk(j->writer, l, b0, n, b.y, b.h_n, b.c_n, b.tmp) != RNNSCAN_OK) {
            fail_once(sh, "%s", rnnscan_last_error());
            break;
        }
        pthread_mutex_lock(&sh->lock);
        sh->finished += n;
        sh->result->done[w] += n;
        report(sh, 0);
        pthread_mutex_unlock(&sh->lock);
    }
    pthread_mutex_lock(&sh->lock);
    if (max_abs > sh->result->max_abs)
        sh->result->max_abs = max_abs;
    if (max_rel > sh->result->max_rel)
        sh->result->max_rel = max_rel;
    sh->result->verified_ok &= all_ok;
    pthread_mutex_unlock(&sh->lock);
    free_buffers(&b);
}

typedef struct worker_arg {
    shared *sh;
    int index;
} worker_arg;

static void *worker_main(void *p)
{
    worker_arg *a = p;
    work(a->sh, a->index);
    return NULL;
}

int stream_run(const stream_job *job, stream_result *result)
{
    memset(result, 0, sizeof *result);
    result->verified_ok = 1;
    shared sh;
    memset(&sh, 0, sizeof sh);
    sh.job = job;
    sh.result = result;
    sh.start = sh.last_report = now_s();
    sh.next = job->begin;
    pthread_mutex_init(&sh.lock, NULL);
    if (job->workers == 1) {
        work(&sh, 0);
    } else {
        pthread_t threads[STREAM_MAX_WORKERS];
        worker_arg args[STREAM_MAX_WORKERS];
        int started = 0;
        for (int w = 0; w < job->workers; w++) {
            args[w] = (worker_arg){&sh, w};
            if (pthread_create(&threads[w], NULL, worker_main, &args[w]) != 0) {
                fail_once(&sh, "cannot start a host thread for %s", job->names[w]);
                break;
            }
            started++;
        }
        for (int w = 0; w < started; w++)
            pthread_join(threads[w], NULL);
    }
    if (!sh.failed)
        report(&sh, 1);
    else if (sh.reported && job->progress == 1)
        fputc('\n', stderr);
    pthread_mutex_destroy(&sh.lock);
    if (sh.failed) {
        fprintf(stderr, "rnnscan run: %s%s\n", job->who ? job->who : "", sh.error);
        return 1;
    }
    return 0;
}
