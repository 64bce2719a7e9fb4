/* rnnscan_group_*: one scan split across several models gives every sequence
 * what one model gives it alone, in every layout (time-major and batch-first,
 * layers, directions, lengths, initial states, proj_size, a batch smaller
 * than the group), on its first two scans (equal shares) and on the third
 * (shares from measured rates); the shares cover the batch; misuse is refused with a
 * message naming it.  Built twice: the host backends (reference bit for bit,
 * cpu to rounding), and with GROUP_OPENCL on two PoCL devices
 * (POCL_DEVICES="pthread pthread", set by tests/meson.build), bit for bit. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

static const test_case cases[] = {
    {.cell = RNNSCAN_CELL_LSTM, .T = 7, .B = 11, .X = 5, .H = 6, .bias = 1, .state = 1,
     .layers = 2, .bidir = 1, .lengths = 1},
    {.cell = RNNSCAN_CELL_GRU, .T = 6, .B = 9, .X = 4, .H = 8, .bias = 1, .state = 1,
     .batch_first = 1, .lengths = 1},
    {.cell = RNNSCAN_CELL_LSTM, .T = 6, .B = 10, .X = 4, .H = 8, .bias = 1, .state = 1,
     .bidir = 1, .lengths = 1, .proj = 3},
    {.cell = RNNSCAN_CELL_RNN_TANH, .T = 5, .B = 2, .X = 3, .H = 4, .bias = 1, .layers = 2},
    {.cell = RNNSCAN_CELL_RNN_RELU, .T = 4, .B = 1, .X = 3, .H = 5, .state = 1},
};

/* Two outputs agree: bit for bit (tol 0), or within tol relative and absolute. */
static void expect_same(const problem *p, const outputs *got, const outputs *want, double tol,
                        const char *what)
{
    char name[160];
    case_name(&p->tc, name, sizeof name);
    const struct {
        const float *g, *w;
        size_t n;
        const char *array;
    } arrays[] = {{got->y, want->y, p->y_elems, "y"},
                  {got->h_n, want->h_n, p->h_elems, "h_n"},
                  {got->c_n, want->c_n, got->c_n ? p->state_elems : 0, "c_n"}};
    for (int i = 0; i < 3; i++) {
        size_t at = 0;
        if (tol == 0)
            cr_expect(arrays[i].n == 0 || !memcmp(arrays[i].g, arrays[i].w, arrays[i].n * 4),
                      "%s, %s: %s differs from one model's", name, what, arrays[i].array);
        else
            cr_expect_leq(worst_ratio(arrays[i].g, arrays[i].w, arrays[i].n, tol, tol, &at), 1.0,
                          "%s, %s: %s[%zu] %g, one model %g", name, what, arrays[i].array, at,
                          arrays[i].n ? arrays[i].g[at] : 0.0, arrays[i].n ? arrays[i].w[at] : 0.0);
    }
}

/* Every case on a group over contexts[0..n) against a model on contexts[0]. */
static void expect_group_matches_one(rnnscan_context **contexts, int n, double tol)
{
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        problem p;
        outputs want, got;
        cr_assert(problem_make(&p, &cases[c], 77 + c) && outputs_alloc(&want, &p) &&
                  outputs_alloc(&got, &p));
        rnnscan_model *models[4] = {0};
        for (int k = 0; k < n; k++)
            cr_assert_eq(rnnscan_model_create(contexts[k], &p.desc, p.views, &models[k]),
                         RNNSCAN_OK, "model_create: %s", rnnscan_last_error());
        cr_assert_eq(problem_scan(models[0], &p, &want), RNNSCAN_OK, "%s", rnnscan_last_error());
        rnnscan_group *g = NULL;
        cr_assert_eq(rnnscan_group_create(models, n, &g), RNNSCAN_OK, "%s", rnnscan_last_error());
        for (int scan = 0; scan < 3; scan++) {
            const rnnscan_run run = problem_poisoned_run(&p, &got);
            cr_assert_eq(rnnscan_group_scan(g, &run), RNNSCAN_OK, "%s", rnnscan_last_error());
            static const char *const nth[] = {"first scan", "second scan", "third scan"};
            expect_same(&p, &got, &want, tol, nth[scan]);
            int shares[4] = {0}, sum = 0;
            cr_assert_eq(rnnscan_group_shares(g, shares, 4), n);
            for (int k = 0; k < n; k++)
                sum += shares[k];
            cr_expect_eq(sum, p.tc.B, "shares add up to %d, not B = %d", sum, p.tc.B);
            if (scan < 2 && p.tc.B >= n) /* the first two cuts are even */
                for (int k = 0; k < n; k++)
                    cr_expect(shares[k] >= p.tc.B / n && shares[k] <= p.tc.B / n + 1,
                              "first scan: model %d ran %d of %d", k, shares[k], p.tc.B);
        }
        rnnscan_group_free(g);
        for (int k = 0; k < n; k++)
            rnnscan_model_free(models[k]);
        outputs_free(&want);
        outputs_free(&got);
        problem_free(&p);
    }
}

static void open_contexts(const rnnscan_context_options *opts, int n, rnnscan_context **out)
{
    for (int k = 0; k < n; k++)
        cr_assert_eq(rnnscan_context_create(&opts[k], &out[k]), RNNSCAN_OK, "context %d: %s", k,
                     rnnscan_last_error());
}

static void close_contexts(int n, rnnscan_context **ctx)
{
    for (int k = 0; k < n; k++)
        rnnscan_context_free(ctx[k]);
}

#ifdef GROUP_OPENCL
Test(group, two_pocl_devices_match_one_device)
{
    int count = 0;
    cr_assert_eq(rnnscan_list_devices(NULL, 0, &count), RNNSCAN_OK);
    cr_assert_geq(count, 2, "POCL_DEVICES=\"pthread pthread\" should list two devices, found %d",
                  count);
    const rnnscan_context_options opts[2] = {{.backend = RNNSCAN_BACKEND_OPENCL, .device = "0"},
                                             {.backend = RNNSCAN_BACKEND_OPENCL, .device = "1"}};
    rnnscan_context *ctx[2];
    open_contexts(opts, 2, ctx);
    expect_group_matches_one(ctx, 2, 0.0);
    close_contexts(2, ctx);
}
#else
Test(group, reference_matches_one_model)
{
    const rnnscan_context_options opts[3] = {{0}, {0}, {0}};
    rnnscan_context *ctx[3];
    open_contexts(opts, 3, ctx);
    expect_group_matches_one(ctx, 2, 0.0);
    expect_group_matches_one(ctx, 3, 0.0);
    close_contexts(3, ctx);
}

#ifdef GROUP_CPU
/* The cpu backend picks its products' kernels by the number of sequences,
 * and they round differently (README): 1.8e-7 measured between batch sizes
 * on values of O(1), so 1e-6. */
Test(group, cpu_matches_one_model_to_rounding)
{
    const rnnscan_context_options opts[2] = {{.backend = RNNSCAN_BACKEND_CPU},
                                             {.backend = RNNSCAN_BACKEND_CPU}};
    rnnscan_context *ctx[2];
    open_contexts(opts, 2, ctx);
    expect_group_matches_one(ctx, 2, 1e-6);
    close_contexts(2, ctx);
}
#endif

static void expect_fails(rnnscan_status got, rnnscan_status want, const char *needle)
{
    cr_expect_eq(got, want, "status %s, want %s (%s)", rnnscan_status_name(got),
                 rnnscan_status_name(want), rnnscan_last_error());
    cr_expect(strstr(rnnscan_last_error(), needle) != NULL, "'%s' lacks '%s'",
              rnnscan_last_error(), needle);
}

Test(group, misuse_is_refused_with_a_message)
{
    rnnscan_context *ctx[2];
    const rnnscan_context_options opts[2] = {{0}, {0}};
    open_contexts(opts, 2, ctx);
    const test_case tc = {.cell = RNNSCAN_CELL_LSTM, .T = 4, .B = 6, .X = 3, .H = 5, .bias = 1,
                          .lengths = 1};
    test_case other = tc;
    other.H = 7;
    problem p, q;
    outputs o;
    cr_assert(problem_make(&p, &tc, 5) && problem_make(&q, &other, 5) && outputs_alloc(&o, &p));
    rnnscan_model *a, *b, *same_ctx, *wider;
    cr_assert_eq(rnnscan_model_create(ctx[0], &p.desc, p.views, &a), RNNSCAN_OK);
    cr_assert_eq(rnnscan_model_create(ctx[1], &p.desc, p.views, &b), RNNSCAN_OK);
    cr_assert_eq(rnnscan_model_create(ctx[0], &p.desc, p.views, &same_ctx), RNNSCAN_OK);
    cr_assert_eq(rnnscan_model_create(ctx[1], &q.desc, q.views, &wider), RNNSCAN_OK);
    rnnscan_group *g = (rnnscan_group *)&g;
    rnnscan_model *pair[2] = {a, b};
    expect_fails(rnnscan_group_create(pair, 2, NULL), RNNSCAN_INVALID_ARGUMENT, "out is NULL");
    expect_fails(rnnscan_group_create(NULL, 2, &g), RNNSCAN_INVALID_ARGUMENT, "models is NULL");
    cr_expect_null(g);
    expect_fails(rnnscan_group_create(pair, 0, &g), RNNSCAN_INVALID_ARGUMENT,
                 "count must be in 1..64, got 0");
    expect_fails(rnnscan_group_create(pair, RNNSCAN_GROUP_MAX + 1, &g), RNNSCAN_INVALID_ARGUMENT,
                 "got 65");
    rnnscan_model *with_null[2] = {a, NULL};
    expect_fails(rnnscan_group_create(with_null, 2, &g), RNNSCAN_INVALID_ARGUMENT,
                 "models[1] is NULL");
    rnnscan_model *mixed[2] = {a, wider};
    expect_fails(rnnscan_group_create(mixed, 2, &g), RNNSCAN_INVALID_ARGUMENT,
                 "models[1] is not the network models[0] is");
    rnnscan_model *shared[2] = {a, same_ctx};
    expect_fails(rnnscan_group_create(shared, 2, &g), RNNSCAN_INVALID_ARGUMENT,
                 "models[0] and models[1] share a context");
    cr_expect_null(g);
    cr_assert_eq(rnnscan_group_create(pair, 2, &g), RNNSCAN_OK);
    rnnscan_run run = problem_poisoned_run(&p, &o);
    expect_fails(rnnscan_group_scan(NULL, &run), RNNSCAN_INVALID_ARGUMENT, "group is NULL");
    expect_fails(rnnscan_group_scan(g, NULL), RNNSCAN_INVALID_ARGUMENT, "run is NULL");
    p.lengths[4] = 0; /* named by its index in the caller's batch, not in a share */
    expect_fails(rnnscan_group_scan(g, &run), RNNSCAN_INVALID_ARGUMENT, "lengths[4] = 0");
    p.lengths[4] = 1;
    run.c0 = NULL, run.y = NULL;
    expect_fails(rnnscan_group_scan(g, &run), RNNSCAN_INVALID_ARGUMENT, "y is NULL");
    cr_expect_eq(rnnscan_group_shares(NULL, NULL, 0), 0);
    rnnscan_group_free(g);
    rnnscan_group_free(NULL);
    rnnscan_model *models[4] = {a, b, same_ctx, wider};
    for (int k = 0; k < 4; k++)
        rnnscan_model_free(models[k]);
    outputs_free(&o);
    problem_free(&p);
    problem_free(&q);
    close_contexts(2, ctx);
}
#endif
