/* The compact OpenCL sweep run under Oclgrind (tests/oclgrind/run.sh), a
 * second OpenCL implementation that executes work-groups with strict OpenCL
 * semantics and reports data races, out-of-bounds accesses, API misuse and
 * uninitialised values that PoCL hides.
 *
 * Every cell x layers (1, 2) x bidirectional x per-sequence lengths x
 * batch-first x h0/c0 given x schedule (host loop, persistent), with the
 * weight types (f32, f16, bf16) rotating over the model shapes so every
 * cell runs each of them on both schedules, then an LSTM with a projection
 * (proj_size P = 5) over the same features on the host schedule, then each
 * ONNX cell variant of tests/harness.c's test_variants (GRU reset_before,
 * peepholes, input_forget, clip, activations) on both schedules, twice each
 * (two layers, bidirectional, lengths; one reversed layer, h0/c0,
 * batch-first, bf16 weights; case names end "variant=NAME"): 356 runs on
 * tiny shapes (Oclgrind simulates every work-item), each against the
 * reference backend with NaN-poisoned outputs, tolerance
 * |d| <= 2e-5 + 2e-5 |ref| as in test_backend_vs_reference.c.  The shapes
 * break the tiles: H = 11 is not a multiple of 8 (two 8-unit blocks, the
 * second with 3 live units and 5 padding units), B = 4 leaves a partial
 * group of step rows (3 per work-item on CPU shapes), T = 5, X = 5; biases
 * alternate.  run.sh runs this with RNNSCAN_TUNING=cpu and =gpu, each whole and
 * chunked, and fails on any report; with the GPU shapes the projection runs
 * as register tiles (SWEEP_PROJ_LAYOUT=1) except in run.sh's gpu-local
 * configs (=2: the local-memory GEMM, whose 256-item work-groups Oclgrind
 * simulates far slower, on 16 cases whole and 4 chunked), and the step
 * stages h_{t-1} through local memory (the GPU default) except in the
 * gpu-local configs (SWEEP_STEP_LAYOUT=1: each work-item reads it).  Chunked (SWEEP_CAP_TO_WEIGHTS=1): each
 * model shape gets a context capped at its largest weight buffer
 * (rnnscan_context_options.max_alloc_bytes), the smallest cap it fits, so
 * every case runs in chunks (its whole-run projection is larger, checked);
 * run.sh also sets RNNSCAN_MAX_GROUPS so launches are split.
 *
 * Oclgrind's --uninitialized check loses the host's writes at an offset and
 * its fills, and hands a released buffer's shadow to the next buffer:
 * host_writes.c, linked in, works around exactly those two false positives
 * (the reproductions are there).
 *
 * Exit status: 0 when every run matched, 1 otherwise; one line per run on
 * stdout.  Arguments: none, or a case-name substring to run only those
 * ("=NAME": only the case named exactly NAME). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

void host_writes_release_all(void); /* host_writes.c */

#define ATOL 2e-5
#define RTOL 2e-5

/* Everything the cases share: the two contexts, the OpenCL context's
 * options (its cap changes per model shape when chunked), the filter and
 * the tallies. */
typedef struct sweep {
    rnnscan_context *cl, *ref;
    rnnscan_context_options opts;
    int cap_to_weights;
    const char *only;
    int runs, failed;
    double worst;
} sweep;

static double compare(const char *what, const float *got, const float *want, size_t n,
                      const char *name)
{
    size_t at;
    double ratio = worst_ratio(got, want, n, ATOL, RTOL, &at);
    if (ratio > 1.0)
        printf("FAIL %s %s: element %zu: opencl %.9g, reference %.9g (ratio %.3g)\n", name, what,
               at, got[at], want[at], ratio);
    return ratio;
}

/* The smallest allocation cap the model's weights fit: the harness's
 * size of the largest packed weight buffer, with an LSTM's peepholes (three
 * blocks of Hp after W_hh, where other cells keep one; src/opencl/cl_model.c). */
static size_t weights_cap(const test_case *tc)
{
    size_t cap = opencl_largest_weights(tc);
    if (tc->variant && test_variants[tc->variant].desc.peepholes) {
        const size_t Hp = ((size_t)tc->H + 7) / 8 * 8, G = 4;
        const size_t elem = tc->weight_type == RNNSCAN_F32 ? 4 : 2;
        const size_t w_hh = ((size_t)tc->H * G * Hp + 3 * Hp) * elem;
        cap = w_hh > cap ? w_hh : cap;
    }
    return cap;
}

/* Runs one case on both backends and compares; 0 when the sweep must stop. */
static int run_case(sweep *sw, const test_case *tc, uint64_t seed)
{
    char name[240];
    case_name(tc, name, sizeof name);
    if (tc->variant) {
        const size_t used = strlen(name);
        snprintf(name + used, sizeof name - used, " variant=%s", test_variants[tc->variant].name);
    }
    const char *only = sw->only;
    if (only && (only[0] == '=' ? strcmp(name, only + 1) != 0 : !strstr(name, only)))
        return 1;
    const size_t cap = weights_cap(tc);
    if (sw->cap_to_weights && sw->opts.max_alloc_bytes != cap) {
        sw->opts.max_alloc_bytes = cap;
        if (opencl_whole_projection(tc) <= cap) {
            printf("FAIL %s: the cap %zu would not force chunks\n", name, cap);
            return 0;
        }
        rnnscan_context_free(sw->cl);
        if (rnnscan_context_create(&sw->opts, &sw->cl) != RNNSCAN_OK) {
            printf("FAIL %s: capped context: %s\n", name, rnnscan_last_error());
            return 0;
        }
    }
    problem p;
    outputs got, want;
    if (!problem_make(&p, tc, seed) || !outputs_alloc(&got, &p) || !outputs_alloc(&want, &p)) {
        printf("FAIL %s: out of memory\n", name);
        return 0;
    }
    sw->runs++;
    rnnscan_status st = problem_run(sw->ref, &p, &want);
    if (st == RNNSCAN_OK)
        st = problem_run(sw->cl, &p, &got);
    double ratio = INFINITY;
    if (st != RNNSCAN_OK) {
        printf("FAIL %s: %s: %s\n", name, rnnscan_status_name(st), rnnscan_last_error());
    } else {
        ratio = compare("y", got.y, want.y, p.y_elems, name);
        double r = compare("h_n", got.h_n, want.h_n, p.h_elems, name);
        ratio = r > ratio ? r : ratio;
        if (tc->cell == RNNSCAN_CELL_LSTM) {
            r = compare("c_n", got.c_n, want.c_n, p.state_elems, name);
            ratio = r > ratio ? r : ratio;
        }
        if (ratio <= 1.0)
            printf("ok   %s (worst %.3g of the tolerance)\n", name, ratio);
    }
    sw->failed += !(ratio <= 1.0);
    sw->worst = ratio > sw->worst ? ratio : sw->worst;
    outputs_free(&got);
    outputs_free(&want);
    problem_free(&p);
    return 1;
}

int main(int argc, char **argv)
{
    sweep sw = {.only = argc > 1 ? argv[1] : NULL,
                .opts = {.backend = RNNSCAN_BACKEND_OPENCL, .device = NULL}};
    const char *proj_env = getenv("SWEEP_PROJ_LAYOUT"); /* run.sh: 1 or 2 for the GPU shapes */
    const char *step_env = getenv("SWEEP_STEP_LAYOUT"); /* run.sh: 1 in the gpu-local configs */
    rnnscan_opencl_tuning tuning = {.proj_layout = proj_env && *proj_env ? atoi(proj_env) : 0,
                                    .step_layout = step_env && *step_env ? atoi(step_env) : 0};
    sw.opts.tuning = &tuning;
    const char *cap_env = getenv("SWEEP_CAP_TO_WEIGHTS");
    sw.cap_to_weights = cap_env && *cap_env == '1';
    if (rnnscan_context_create(&sw.opts, &sw.cl) != RNNSCAN_OK ||
        rnnscan_context_create(NULL, &sw.ref) != RNNSCAN_OK) {
        printf("FAIL opening the backends: %s\n", rnnscan_last_error());
        return 1;
    }
    const char *device = rnnscan_context_device_name(sw.cl);
    const char *want_device = getenv("SWEEP_DEVICE_MATCH"); /* run.sh: "Oclgrind" */
    printf("device: %s\n", device);
    if (want_device && *want_device && !strstr(device, want_device)) {
        printf("FAIL the device is not %s\n", want_device);
        return 1;
    }

    static const rnnscan_cell cells[] = {RNNSCAN_CELL_RNN_TANH, RNNSCAN_CELL_RNN_RELU,
                                         RNNSCAN_CELL_LSTM, RNNSCAN_CELL_GRU};
    int going = 1;
    /* ci = 4: an LSTM with a projection (P = 5), on the host schedule only */
    for (int ci = 0; going && ci < 5; ci++)
        for (int k = 0; going && k < 64; k++) {
            /* layers and bidir (the model's shape, so its cap) change every
             * 16 runs: a capped context is made per shape */
            const int combo = (k & 3) << 4 | k >> 2;
            if (ci == 4 && (combo >> 1) & 1)
                continue; /* the persistent schedule does not run projections */
            test_case tc = {
                .cell = ci < 4 ? cells[ci] : RNNSCAN_CELL_LSTM, .T = 5, .B = 4, .X = 5, .H = 11,
                .proj = ci == 4 ? 5 : 0,
                .bias = combo % 2 == 0,
                .layers = (combo >> 4) & 1 ? 2 : 1,
                .bidir = (combo >> 5) & 1,
                .lengths = (combo >> 2) & 1,
                .batch_first = (combo >> 3) & 1,
                .state = combo & 1,
                .schedule = (combo >> 1) & 1 ? RNNSCAN_SCHEDULE_PERSISTENT
                                             : RNNSCAN_SCHEDULE_HOST,
                /* per block of 16 runs (one model shape, so one capped context) */
                .weight_type = (rnnscan_weight_type)(((k >> 4) + ci) % 3),
            };
            going = run_case(&sw, &tc, 1000 + 64 * (uint64_t)ci + combo);
        }
    /* the cell variants: each on both schedules, in two feature sets */
    for (int v = 1; going && v < test_variant_count; v++)
        for (int k = 0; going && k < 4; k++) {
            const int stacked = k < 2;
            test_case tc = {
                .cell = test_variants[v].cell, .T = 5, .B = 4, .X = 5, .H = 11,
                .variant = v, .bias = stacked,
                .layers = stacked ? 2 : 1, .bidir = stacked, .lengths = stacked,
                .reverse = !stacked, .state = !stacked, .batch_first = !stacked,
                .weight_type = stacked ? RNNSCAN_F32 : RNNSCAN_BF16,
                .schedule = k % 2 ? RNNSCAN_SCHEDULE_PERSISTENT : RNNSCAN_SCHEDULE_HOST,
            };
            going = run_case(&sw, &tc, 2000 + 4 * (uint64_t)v + k);
        }
    rnnscan_context_free(sw.cl);
    rnnscan_context_free(sw.ref);
    host_writes_release_all();
    printf("sweep: %d runs, %d failed, worst %.3g of the tolerance\n", sw.runs, sw.failed,
           sw.worst);
    return !going || sw.failed || sw.runs == 0 ? 1 : 0;
}
