/* What the header's "Threads:" paragraph promises, tested: several threads,
 * released together by a barrier, each create their own context at the same
 * instant (OpenCL: the platform's first query included), make models and
 * scan several times side by side, round after round (host-side backends:
 * also through a group of two models, whose own threads then run beside
 * the workers'); every result is checked against the reference computed
 * beforehand on the main thread.
 *
 * Built three ways by meson: without THREADS_OPENCL for the host-side
 * backends (reference, and cpu with THREADS_CPU); with THREADS_OPENCL for the
 * OpenCL backend, where each repeat is a fresh process (Criterion forks one
 * per test), because the crash this guards against needs a process whose
 * first platform query is made by several threads at once; and with
 * THREADS_MAIN, the host-side backends under a plain main() for the
 * ThreadSanitizer build of tools/run-tests.sh, since Criterion's runner does
 * not start under ThreadSanitizer (its arena cannot be mapped:
 * Snaipe/Criterion#274). */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* As in test_backend_vs_reference.c (TOLERANCE_WHY there). */
#define ATOL 2e-5
#define RTOL 2e-5

enum { MAX_THREADS = 8, MAX_CASES = 4 };

/* The work, the same for every thread; want[] holds the reference results. */
typedef struct workload {
    rnnscan_backend backend;
    int threads, rounds, scans, ncases;
    problem p[MAX_CASES];
    outputs want[MAX_CASES];
    pthread_barrier_t barrier;
} workload;

/* One thread's tally.  Criterion's assertions belong to the test's own
 * thread, so workers only record and the test asserts on the sums. */
typedef struct worker {
    workload *w;
    int id;
    int failures, no_device, checked;
    char first[1024];
} worker;

static void record(worker *k, const char *fmt, ...)
{
    if (k->failures++ == 0) {
        int n = snprintf(k->first, sizeof k->first, "thread %d: ", k->id);
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(k->first + n, sizeof k->first - (size_t)n, fmt, ap);
        va_end(ap);
    }
}

static void check(worker *k, const char *what, const problem *p, const float *got,
                  const float *want, size_t n, int round)
{
    size_t at;
    double ratio = worst_ratio(got, want, n, ATOL, RTOL, &at);
    char name[160];
    if (ratio > 1.0)
        record(k, "round %d, %s %s: element %zu: %.9g, reference %.9g (ratio %.3g)", round,
               case_name(&p->tc, name, sizeof name), what, at, got[at], want[at], ratio);
}

/* Creates the context, one model per case, scans each `scans` times and
 * checks every output; then frees it all.  Also makes one failing call, whose
 * detail must land in this thread's rnnscan_last_error() only. */
/* Each case again through a group of two models (ours and one on a second
 * context): the group's own threads scan beside the other workers'. */
static void group_scans(worker *k, rnnscan_model **models, outputs *got, int round)
{
    workload *w = k->w;
    rnnscan_context_options opts = {.backend = w->backend};
    rnnscan_context *ctx2 = NULL;
    rnnscan_status st = rnnscan_context_create(&opts, &ctx2);
    for (int c = 0; st == RNNSCAN_OK && c < w->ncases; c++) {
        const problem *p = &w->p[c];
        rnnscan_model *pair[2] = {models[c], NULL};
        rnnscan_group *g = NULL;
        st = rnnscan_model_create(ctx2, &p->desc, p->views, &pair[1]);
        if (st == RNNSCAN_OK)
            st = rnnscan_group_create(pair, 2, &g);
        if (st == RNNSCAN_OK) {
            const rnnscan_run run = problem_poisoned_run(p, &got[c]);
            st = rnnscan_group_scan(g, &run);
        }
        if (st == RNNSCAN_OK) {
            check(k, "group y", p, got[c].y, w->want[c].y, p->y_elems, round);
            check(k, "group h_n", p, got[c].h_n, w->want[c].h_n, p->h_elems, round);
            if (got[c].c_n)
                check(k, "group c_n", p, got[c].c_n, w->want[c].c_n, p->state_elems, round);
        }
        rnnscan_group_free(g);
        rnnscan_model_free(pair[1]);
    }
    if (st != RNNSCAN_OK)
        record(k, "round %d: group: %s: %s", round, rnnscan_status_name(st), rnnscan_last_error());
    rnnscan_context_free(ctx2);
}

static void one_round(worker *k, int round)
{
    workload *w = k->w;
    if (w->backend == RNNSCAN_BACKEND_OPENCL && k->id % 2) {
        /* listing devices while the others create contexts is allowed too */
        int count = -1;
        rnnscan_status st = rnnscan_list_devices(NULL, 0, &count);
        if (st != RNNSCAN_OK || count < 0)
            record(k, "round %d: list_devices: %s: %s", round, rnnscan_status_name(st),
                   rnnscan_last_error());
    }
    rnnscan_context_options opts = {.backend = w->backend};
    rnnscan_context *ctx = NULL;
    rnnscan_status st = rnnscan_context_create(&opts, &ctx);
    if (st != RNNSCAN_OK) {
        if (st == RNNSCAN_NO_DEVICE)
            k->no_device++;
        else
            record(k, "round %d: context_create: %s: %s", round, rnnscan_status_name(st),
                   rnnscan_last_error());
        return;
    }
    rnnscan_model *models[MAX_CASES] = {NULL};
    outputs got[MAX_CASES];
    memset(got, 0, sizeof got);
    for (int c = 0; c < w->ncases; c++) {
        const problem *p = &w->p[c];
        if (!outputs_alloc(&got[c], p)) {
            record(k, "out of memory");
            goto done;
        }
        st = rnnscan_model_create(ctx, &p->desc, p->views, &models[c]);
        if (st != RNNSCAN_OK) {
            record(k, "round %d: model_create: %s: %s", round, rnnscan_status_name(st),
                   rnnscan_last_error());
            goto done;
        }
    }
    for (int s = 0; s < w->scans; s++)
        for (int c = 0; c < w->ncases; c++) {
            const problem *p = &w->p[c];
            outputs *o = &got[c];
            st = problem_scan(models[c], p, o);
            if (st != RNNSCAN_OK) {
                record(k, "round %d: scan: %s: %s", round, rnnscan_status_name(st),
                       rnnscan_last_error());
                continue;
            }
            if (rnnscan_last_error()[0])
                record(k, "round %d: a successful scan left last_error \"%s\"", round,
                       rnnscan_last_error());
            check(k, "y", p, o->y, w->want[c].y, p->y_elems, round);
            check(k, "h_n", p, o->h_n, w->want[c].h_n, p->h_elems, round);
            if (o->c_n)
                check(k, "c_n", p, o->c_n, w->want[c].c_n, p->state_elems, round);
            k->checked++;
        }
    if (w->backend != RNNSCAN_BACKEND_OPENCL)
        group_scans(k, models, got, round);
    /* a failure's detail is per thread: ours names our call, whatever the
     * others are doing */
    rnnscan_model *bad = NULL;
    rnnscan_model_desc none = {.cell = RNNSCAN_CELL_GRU, .input_size = 3, .hidden_size = 0};
    st = rnnscan_model_create(ctx, &none, w->p[0].views, &bad);
    if (st != RNNSCAN_INVALID_ARGUMENT || bad || !strstr(rnnscan_last_error(), "hidden"))
        record(k, "round %d: model_create with H = 0 gave %s, \"%s\"", round,
               rnnscan_status_name(st), rnnscan_last_error());
done:
    for (int c = 0; c < w->ncases; c++) {
        rnnscan_model_free(models[c]);
        outputs_free(&got[c]);
    }
    rnnscan_context_free(ctx);
}

static void *work(void *arg)
{
    worker *k = arg;
    for (int round = 0; round < k->w->rounds; round++) {
        /* every thread creates its context at the same instant */
        pthread_barrier_wait(&k->w->barrier);
        one_round(k, round);
    }
    return NULL;
}

/* What all the workers found, summed. */
typedef struct outcome {
    int threads, rounds, expected; /* expected: scans to check */
    int failures, no_device, checked;
    char first[1024];              /* the first failure's detail */
} outcome;

/* Makes the cases, computes their reference results on this thread, runs the
 * workers and sums what they found.  Returns 0 (detail in o->first) when the
 * test could not be set up. */
static int run_threads(rnnscan_backend backend, int threads, int rounds, int scans,
                       const test_case *cases, int ncases, uint64_t seed, outcome *o)
{
    *o = (outcome){.threads = threads, .rounds = rounds,
                   .expected = threads * rounds * scans * ncases};
    workload *w = calloc(1, sizeof *w);
    rnnscan_context *ref = NULL;
    int ok = w && threads <= MAX_THREADS && ncases <= MAX_CASES &&
             rnnscan_context_create(NULL, &ref) == RNNSCAN_OK;
    if (w)
        *w = (workload){.backend = backend, .threads = threads, .rounds = rounds,
                        .scans = scans, .ncases = ncases};
    for (int c = 0; ok && c < ncases; c++)
        ok = problem_make(&w->p[c], &cases[c], seed + (uint64_t)c) &&
             outputs_alloc(&w->want[c], &w->p[c]) &&
             problem_run(ref, &w->p[c], &w->want[c]) == RNNSCAN_OK;
    rnnscan_context_free(ref);
    ok = ok && pthread_barrier_init(&w->barrier, NULL, (unsigned)threads) == 0;
    if (!ok) {
        snprintf(o->first, sizeof o->first, "set-up failed (reference run or memory): %s",
                 rnnscan_last_error());
        for (int c = 0; w && c < ncases && c < MAX_CASES; c++) {
            problem_free(&w->p[c]);
            outputs_free(&w->want[c]);
        }
        free(w);
        return 0;
    }

    worker workers[MAX_THREADS];
    pthread_t ids[MAX_THREADS];
    int started = 0;
    for (; started < threads; started++) {
        workers[started] = (worker){.w = w, .id = started};
        if (pthread_create(&ids[started], NULL, work, &workers[started]) != 0)
            break;
    }
    if (started < threads) /* the barrier would never open: nothing can run */
        abort();
    for (int i = 0; i < threads; i++) {
        pthread_join(ids[i], NULL);
        o->failures += workers[i].failures;
        o->no_device += workers[i].no_device;
        o->checked += workers[i].checked;
        if (workers[i].failures && !o->first[0])
            memcpy(o->first, workers[i].first, sizeof o->first);
    }
    pthread_barrier_destroy(&w->barrier);
    for (int c = 0; c < ncases; c++) {
        problem_free(&w->p[c]);
        outputs_free(&w->want[c]);
    }
    free(w);
    return 1;
}

#ifndef THREADS_MAIN
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

static void run_and_check(rnnscan_backend backend, int threads, int rounds, int scans,
                          const test_case *cases, int ncases, uint64_t seed)
{
    outcome o;
    cr_assert(run_threads(backend, threads, rounds, scans, cases, ncases, seed, &o), "%s",
              o.first);
    /* No device: absent (skip, unless CI requires OpenCL), but only when
     * every thread saw none and the list, made now, agrees; a device some
     * threads found and others did not is the start-up race itself. */
    if (o.no_device) {
        int count = 0;
        rnnscan_list_devices(NULL, 0, &count);
        const char *required = getenv("RNNSCAN_REQUIRE_OPENCL");
        if (o.no_device == threads * rounds && count == 0 && !(required && *required))
            cr_skip_test("no OpenCL device here");
        cr_assert_fail("%d of %d context creations found no device (%d listed now)",
                       o.no_device, threads * rounds, count);
    }
    cr_expect_eq(o.failures, 0, "%d failures over %d threads x %d rounds; the first: %s",
                 o.failures, threads, rounds, o.first);
    cr_expect_eq(o.checked, o.expected, "%d of %d scans checked", o.checked, o.expected);
    if (o.failures == 0)
        cr_log_info("%s: %d threads x %d rounds x %d scans x %d cases, all checked",
                    rnnscan_backend_name(backend), threads, rounds, scans, ncases);
}
#endif

#ifndef THREADS_OPENCL
/* Small shapes for the host-side loops, one with products big enough for
 * the cpu backend's OpenBLAS sgemm (cpu_gemm.c's thresholds), so several
 * threads call into OpenBLAS's own thread pool at once, and one with a small
 * batch and enough recurrent work (CPU_TEAM_MIN_SCAN_MACS) that every cpu
 * scan starts its own team of threads (cpu_team.c). */
static const test_case host_cases[] = {
    {.cell = RNNSCAN_CELL_LSTM, .T = 9, .B = 5, .X = 7, .H = 11, .bias = 1, .state = 1},
    {.cell = RNNSCAN_CELL_GRU, .T = 6, .B = 7, .X = 5, .H = 9, .bias = 1, .layers = 2,
     .bidir = 1, .lengths = 1},
    {.cell = RNNSCAN_CELL_RNN_TANH, .T = 2, .B = 64, .X = 65, .H = 257, .bias = 1, .state = 1},
    {.cell = RNNSCAN_CELL_LSTM, .T = 48, .B = 3, .X = 9, .H = 137, .bias = 1, .state = 1},
};
#define HOST_CASES (int)(sizeof host_cases / sizeof host_cases[0])

/* threads, rounds, scans per model: the same under ThreadSanitizer */
#define REFERENCE_RUN RNNSCAN_BACKEND_REFERENCE, 6, 10, 2, host_cases, HOST_CASES, 100
#define CPU_RUN RNNSCAN_BACKEND_CPU, 6, 20, 3, host_cases, HOST_CASES, 200

#ifndef THREADS_MAIN
Test(threads, reference, .timeout = 300) { run_and_check(REFERENCE_RUN); }

#ifdef THREADS_CPU
Test(threads, cpu, .timeout = 300) { run_and_check(CPU_RUN); }
#endif

#else
static int report(const char *backend, int set_up, const outcome *o)
{
    int bad = !set_up || o->failures || o->no_device || o->checked != o->expected;
    fprintf(stderr, "%s: %s: %d threads x %d rounds, %d of %d scans checked, %d failures%s%s\n",
            backend, bad ? "FAIL" : "ok", o->threads, o->rounds, o->checked, o->expected,
            o->failures, o->first[0] ? "; the first: " : "", o->first);
    return bad;
}

int main(void)
{
    outcome o;
    int bad = report("reference", run_threads(REFERENCE_RUN, &o), &o);
#ifdef THREADS_CPU
    bad |= report("cpu", run_threads(CPU_RUN, &o), &o);
#endif
    return bad;
}
#endif

#else
/* Small shapes (PoCL on two cores shares them among all threads), both
 * schedules, stacked bidirectional layers with lengths. */
static const test_case opencl_cases[] = {
    {.cell = RNNSCAN_CELL_LSTM, .T = 9, .B = 5, .X = 7, .H = 11, .bias = 1, .state = 1},
    {.cell = RNNSCAN_CELL_GRU, .T = 6, .B = 7, .X = 5, .H = 9, .bias = 1, .layers = 2,
     .bidir = 1, .lengths = 1},
    {.cell = RNNSCAN_CELL_RNN_RELU, .T = 5, .B = 3, .X = 4, .H = 16, .bias = 1,
     .schedule = RNNSCAN_SCHEDULE_PERSISTENT},
};
#define OPENCL_CASES (int)(sizeof opencl_cases / sizeof opencl_cases[0])

/* Each repeat is a fresh process, so its first platform query is raced. */
ParameterizedTestParameters(threads, opencl)
{
    static int repeats[] = {0, 1, 2, 3, 4, 5, 6, 7};
    return cr_make_param_array(int, repeats, sizeof repeats / sizeof repeats[0]);
}

ParameterizedTest(int *repeat, threads, opencl, .timeout = 300)
{
    run_and_check(RNNSCAN_BACKEND_OPENCL, 4, 3, 2, opencl_cases, OPENCL_CASES,
                300 + 10 * (uint64_t)*repeat);
}
#endif
