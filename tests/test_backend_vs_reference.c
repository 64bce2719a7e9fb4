/* The backend under test (BACKEND, set by meson: opencl or cpu) against the
 * reference, on random non-saturating data, over shapes that break tiling:
 * 1, primes, widths around the kernels' vectors and tiles (8, 16, 64 +- 1),
 * H >= 1000, B >= 300; and rnnscan_model_step in place.  With
 * BACKEND_HAS_FEATURES (set by meson for backends that run them), also every
 * combination of stacked layers, bidirectional, per-sequence lengths
 * and batch_first, and one model reused over runs of different sizes.
 *
 * Tolerance: |got - ref| <= ATOL + RTOL * |ref| per element, ATOL = RTOL = 2e-5
 * (see TOLERANCE_WHY below). */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "device.h"
#include "expect.h"
#include "harness.h"

#ifndef BACKEND
#define BACKEND RNNSCAN_BACKEND_OPENCL
#endif

/* Why 2e-5: the device sums K = X + H float products with fma in float32
 * (relative error up to about K * 2^-24 of the sum of |terms|, typically
 * sqrt(K) * 2^-24) and evaluates exp/tanh to a few ulp; the reference sums in
 * double.  With PyTorch's init the pre-activations are O(1) and the cells are
 * contractive, so rounding does not grow with T.  Measured on PoCL (the
 * sweep prints max|diff|/tol per case): the worst case used 0.1 of this
 * tolerance (rnn_tanh, X = 1031, H = 1024, about 4e-6).  2e-5 leaves a factor
 * 10 for other devices' exp/tanh (OpenCL allows 3-5 ulp) while catching any
 * indexing or gate-order error (dropping GRU's b_hn alone fails it). */
#define ATOL 2e-5
#define RTOL 2e-5

static rnnscan_context *ctx, *ref;

static void open_both(void)
{
    ctx = open_backend_or_skip(BACKEND);
    cr_assert_eq(rnnscan_context_create(NULL, &ref), RNNSCAN_OK);
}

static void close_both(void)
{
    rnnscan_context_free(ctx);
    rnnscan_context_free(ref);
}

static void compare(const char *what, const float *got, const float *want, size_t n,
                    const test_case *tc)
{
    char name[160];
    expect_close(case_name(tc, name, sizeof name), what, got, want, n, ATOL, RTOL);
}

/* Runs one case on both backends and compares every output. */
static void check_case(const test_case *tc, uint64_t seed)
{
    char name[160];
    double worst = expect_case(ctx, ref, tc, seed, "", ATOL, RTOL);
    fprintf(stderr, "%-60s max|diff|/tol = %.3f\n", case_name(tc, name, sizeof name), worst);
}

typedef struct shape {
    int T, B, X, H;
} shape;

ParameterizedTestParameters(sweep, all_cells)
{
    static shape shapes[] = {
        {1, 1, 1, 1},     {7, 3, 5, 11},   {3, 2, 13, 63},  {3, 2, 65, 64},  {2, 5, 64, 65},
        {5, 301, 17, 7},  {2, 2, 31, 1000}, {2, 1, 1031, 1024}, {17, 4, 3, 29}, {1, 67, 61, 2},
    };
    return cr_make_param_array(shape, shapes, sizeof shapes / sizeof shapes[0]);
}

/* Every cell, with and without biases, with and without h0/c0. */
ParameterizedTest(shape *s, sweep, all_cells, .init = open_both, .fini = close_both,
                  .timeout = 300)
{
    for (int cell = 0; cell < 4; cell++)
        for (int bias = 0; bias < 2; bias++)
            for (int state = 0; state < 2; state++) {
                test_case tc = {.cell = (rnnscan_cell)cell, .T = s->T, .B = s->B, .X = s->X,
                                .H = s->H, .bias = bias, .state = state};
                check_case(&tc, 1000u * (unsigned)cell + 10u * bias + state);
            }
}

/* A result that differs is caught: the sweep's check is able to fail. */
Test(sweep, comparison_catches_a_wrong_element)
{
    float want[3] = {0.5f, -0.25f, 0.125f}, got[3] = {0.5f, -0.25f, 0.125f + 1e-3f};
    size_t at;
    cr_expect_gt(worst_ratio(got, want, 3, ATOL, RTOL, &at), 1.0);
    cr_expect_eq(at, 2);
    got[2] = NAN;
    cr_expect(isinf(worst_ratio(got, want, 3, ATOL, RTOL, &at)));
}

/* rnnscan_model_step in place (h_next = h_prev, c_next = c_prev), as the
 * header allows, chained over a few steps: the same as the reference. */
Test(sweep, step_in_place, .init = open_both, .fini = close_both)
{
    for (int cell = 0; cell < 4; cell++) {
        test_case tc = {.cell = (rnnscan_cell)cell, .T = 1, .B = 5, .X = 7, .H = 19, .bias = 1,
                        .state = 1};
        problem p;
        cr_assert(problem_make(&p, &tc, 77), "out of memory");
        const int lstm = cell == RNNSCAN_CELL_LSTM, n = tc.B * tc.H;
        float h[2][5 * 19], c[2][5 * 19];
        rnnscan_model *m[2];
        rnnscan_context *ctxs[2] = {ctx, ref};
        for (int k = 0; k < 2; k++) {
            cr_assert_eq(rnnscan_model_create(ctxs[k], &p.desc, p.views, &m[k]), RNNSCAN_OK,
                         "%s", rnnscan_last_error());
            memcpy(h[k], p.h0, sizeof h[k]);
            if (lstm)
                memcpy(c[k], p.c0, sizeof c[k]);
            for (int step = 0; step < 3; step++)
                cr_assert_eq(rnnscan_model_step(m[k], tc.B, p.x, h[k], lstm ? c[k] : NULL, h[k],
                                                lstm ? c[k] : NULL),
                             RNNSCAN_OK, "%s", rnnscan_last_error());
            rnnscan_model_free(m[k]);
        }
        compare("h (step in place)", h[0], h[1], (size_t)n, &tc);
        if (lstm)
            compare("c (step in place)", c[0], c[1], (size_t)n, &tc);
        problem_free(&p);
    }
}

#ifdef BACKEND_HAS_FEATURES
/* Shapes for the feature sweep: 1, H = 1, primes, B >= 300 (with lengths:
 * a long tail of ending sequences), B = 1, sizes around the vector width (8)
 * and the kernels' panel width (16), and one with products large enough that
 * a backend hands them to a BLAS library. */
ParameterizedTestParameters(features, all_cells)
{
    static shape shapes[] = {
        {1, 1, 1, 1},  {7, 3, 5, 11},  {9, 2, 13, 1},  {5, 307, 17, 7}, {13, 5, 3, 31},
        {11, 1, 29, 17}, {6, 37, 19, 23}, {3, 2, 65, 64}, {4, 9, 8, 16},  {8, 4, 33, 130},
        {3, 64, 65, 257}, /* large enough for the cpu backend's OpenBLAS sgemm path */
    };
    return cr_make_param_array(shape, shapes, sizeof shapes / sizeof shapes[0]);
}

/* Every cell x layers 1..3 x bidirectional x lengths (random, unsorted) x
 * batch_first x h0/c0 given or not; biases on, except where the case index
 * says otherwise (a third of the cases run without). */
ParameterizedTest(shape *s, features, all_cells, .init = open_both, .fini = close_both,
                  .timeout = 600)
{
    /* OpenCL has two schedules (host loop, persistent kernel); both must match */
    const int schedules = BACKEND == RNNSCAN_BACKEND_OPENCL ? 2 : 1;
    unsigned index = 0;
    for (int cell = 0; cell < 4; cell++)
        for (int layers = 1; layers <= 3; layers++)
            for (int bidir = 0; bidir < 2; bidir++)
                for (int lengths = 0; lengths < 2; lengths++)
                    for (int batch_first = 0; batch_first < 2; batch_first++)
                        for (int state = 0; state < 2; state++, index++)
                            for (int sched = 0; sched < schedules; sched++) {
                                test_case tc = {.cell = (rnnscan_cell)cell, .T = s->T,
                                                .B = s->B, .X = s->X, .H = s->H,
                                                .bias = index % 3 != 0, .state = state,
                                                .layers = layers, .bidir = bidir,
                                                .batch_first = batch_first,
                                                .lengths = lengths,
                                                .schedule = sched ? RNNSCAN_SCHEDULE_PERSISTENT
                                                                  : RNNSCAN_SCHEDULE_HOST};
                                check_case(&tc, 7000u + index);
                            }
}

/* One model, many runs: sizes grow and shrink, lengths come and go, so any
 * state the backend keeps between calls (scratch, orders) must be redone.
 * `cap`: every length below T, so the last steps have no sequence at all. */
Test(features, one_model_many_runs, .init = open_both, .fini = close_both, .timeout = 300)
{
    static const struct {
        int T, B, lengths, state, cap;
    } runs[] = {{3, 2, 0, 0, 0},     {9, 40, 1, 1, 0},    {2, 1, 0, 1, 0}, {17, 301, 1, 0, 0},
                {5, 7, 0, 0, 0},     {17, 301, 0, 1, 0},  {1, 3, 1, 1, 0}, {6, 5, 1, 0, 1},
                {8, 1, 1, 1, 1}};
    for (int cell = 0; cell < 4; cell++) {
        test_case base = {.cell = (rnnscan_cell)cell, .T = 1, .B = 1, .X = 6, .H = 10,
                          .bias = 1, .layers = 2, .bidir = 1, .batch_first = 1};
        problem first;
        cr_assert(problem_make(&first, &base, 31), "out of memory");
        rnnscan_model *model = NULL;
        cr_assert_eq(rnnscan_model_create(ctx, &first.desc, first.views, &model), RNNSCAN_OK,
                     "%s", rnnscan_last_error());
        for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
            test_case tc = base;
            tc.T = runs[i].T, tc.B = runs[i].B, tc.lengths = runs[i].lengths;
            tc.state = runs[i].state;
            problem p; /* same seed and model shape: the same weights as `first` */
            outputs got, want;
            cr_assert(problem_make(&p, &tc, 31), "out of memory");
            for (int b = 0; runs[i].cap && b < tc.B; b++)
                p.lengths[b] = p.lengths[b] < tc.T - 1 ? p.lengths[b] : tc.T - 1;
            cr_assert(outputs_alloc(&got, &p) && outputs_alloc(&want, &p), "out of memory");
            cr_assert_eq(problem_run(ref, &p, &want), RNNSCAN_OK, "%s", rnnscan_last_error());
            cr_assert_eq(problem_scan(model, &p, &got), RNNSCAN_OK, "%s", rnnscan_last_error());
            char name[160];
            expect_outputs(case_name(&tc, name, sizeof name), &p, &got, &want, ATOL, RTOL);
            outputs_free(&got);
            outputs_free(&want);
            problem_free(&p);
        }
        rnnscan_model_free(model);
        problem_free(&first);
    }
}
#endif /* BACKEND_HAS_FEATURES */
