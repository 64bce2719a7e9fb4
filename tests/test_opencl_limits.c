/* OpenCL scans larger than the allocation limit run in chunks, and launches
 * are split to stay within the work-group limit; both give the reference's
 * results.  The limits are lowered through rnnscan_context_options and the
 * environment (RNNSCAN_MAX_ALLOC, RNNSCAN_MAX_GROUPS) so small problems
 * exercise what large ones meet on a GPU.  That no buffer above the cap is
 * ever created, and no launch above the group limit, is checked from
 * outside the library by the audit shim (tests/fault/).
 *
 * Tolerance: |got - ref| <= 2e-5 + 2e-5 |ref| per element, the sweep's
 * (tests/test_backend_vs_reference.c says why): chunked scans run the same
 * kernels on the same values, only gathered differently. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "expect.h"
#include "harness.h"

#define ATOL 2e-5
#define RTOL 2e-5

static rnnscan_context *ref;

static void open_ref(void) { cr_assert_eq(rnnscan_context_create(NULL, &ref), RNNSCAN_OK); }
static void close_ref(void) { rnnscan_context_free(ref); }

/* An OpenCL context whose buffers stay within `cap` bytes. */
static rnnscan_context *open_capped(size_t cap)
{
    rnnscan_context_free(open_backend_or_skip(RNNSCAN_BACKEND_OPENCL)); /* skips or fails */
    rnnscan_context_options opts = {.backend = RNNSCAN_BACKEND_OPENCL, .max_alloc_bytes = cap};
    rnnscan_context *ctx = NULL;
    cr_assert_eq(rnnscan_context_create(&opts, &ctx), RNNSCAN_OK, "%s", rnnscan_last_error());
    return ctx;
}

/* Runs tc on a context capped at `cap` and on the reference. */
static void check_capped(rnnscan_context *ctx, const test_case *tc, uint64_t seed, size_t cap)
{
    char suffix[40];
    snprintf(suffix, sizeof suffix, " cap %zu", cap);
    expect_case(ctx, ref, tc, seed, suffix, ATOL, RTOL);
}

typedef struct shape {
    int T, B, X, H;
} shape;

ParameterizedTestParameters(chunked, every_feature)
{
    static shape shapes[] = {{13, 37, 9, 19}, {6, 5, 3, 8}, {9, 70, 17, 1}};
    return cr_make_param_array(shape, shapes, sizeof shapes / sizeof shapes[0]);
}

/* Every cell x layers 1, 2 x bidirectional x lengths x batch_first x
 * h0/c0 x both schedules, under two caps: the largest weight buffer (the
 * smallest cap a model fits: groups of a few sequences, one or two steps
 * per chunk) and a quarter of the whole-run projection (all sequences,
 * chunks of a few steps).  Launches are split too: at most 2 work-groups per
 * dimension. */
ParameterizedTest(shape *s, chunked, every_feature, .init = open_ref, .fini = close_ref,
                  .timeout = 600)
{
    setenv("RNNSCAN_MAX_GROUPS", "2", 1);
    unsigned index = 0;
    for (int cell = 0; cell < 4; cell++)
        for (int layers = 1; layers <= 2; layers++)
            for (int bidir = 0; bidir < 2; bidir++) {
                test_case base = {.cell = (rnnscan_cell)cell, .T = s->T, .B = s->B, .X = s->X,
                                  .H = s->H, .layers = layers, .bidir = bidir};
                size_t caps[2] = {opencl_largest_weights(&base), opencl_whole_projection(&base) / 4};
                for (int c = 0; c < 2; c++) {
                    if (caps[c] < caps[0])
                        caps[c] = caps[0];
                    cr_assert_gt(opencl_whole_projection(&base), caps[c], "the cap must force chunks");
                    rnnscan_context *ctx = open_capped(caps[c]);
                    for (int lengths = 0; lengths < 2; lengths++)
                        for (int batch_first = 0; batch_first < 2; batch_first++)
                            for (int state = 0; state < 2; state++, index++)
                                for (int sched = 0; sched < 2; sched++) {
                                    test_case tc = base;
                                    tc.bias = index % 3 != 0, tc.state = state;
                                    tc.lengths = lengths, tc.batch_first = batch_first;
                                    tc.schedule = sched ? RNNSCAN_SCHEDULE_PERSISTENT
                                                        : RNNSCAN_SCHEDULE_HOST;
                                    check_capped(ctx, &tc, 9000u + index, caps[c]);
                                }
                    rnnscan_context_free(ctx);
                }
            }
    unsetenv("RNNSCAN_MAX_GROUPS");
}

/* The environment lowers the cap like the option does; the smaller wins. */
Test(chunked, environment_cap, .init = open_ref, .fini = close_ref, .timeout = 120)
{
    test_case tc = {.cell = RNNSCAN_CELL_GRU, .T = 11, .B = 6, .X = 5, .H = 7, .bias = 1,
                    .state = 1, .layers = 2, .bidir = 1, .lengths = 1};
    char cap[32];
    snprintf(cap, sizeof cap, "%zu", opencl_largest_weights(&tc));
    setenv("RNNSCAN_MAX_ALLOC", cap, 1);
    rnnscan_context *ctx = open_capped(0); /* 0: the device's limit, lowered by the variable */
    check_capped(ctx, &tc, 5, opencl_largest_weights(&tc));
    rnnscan_context_free(ctx);
    unsetenv("RNNSCAN_MAX_ALLOC");
}

/* Weights that do not fit one allocation are refused at model creation,
 * naming the layer-direction and the limit's source; bad variables are
 * refused at context creation. */
Test(chunked, refusals)
{
    rnnscan_context *ctx = open_capped(4096);
    enum { X = 64, H = 8 }; /* w_ih of direction 0: 64 x 32 floats = 8192 bytes */
    static float w_ih[4 * H * X], w_hh[4 * H * H];
    rnnscan_weights weights[1] = {{.w_ih = w_ih, .w_hh = w_hh}};
    rnnscan_model_desc desc = {.cell = RNNSCAN_CELL_LSTM, .input_size = X, .hidden_size = H};
    rnnscan_model *m = (rnnscan_model *)&m;
    cr_expect_eq(rnnscan_model_create(ctx, &desc, weights, &m), RNNSCAN_TOO_LARGE);
    cr_expect_null(m);
    const char *msg = rnnscan_last_error();
    cr_expect(strstr(msg, "w_ih of layer 0 direction 0") && strstr(msg, "max_alloc_bytes"), "%s",
              msg);
    rnnscan_context_free(ctx);

    const char *vars[] = {"RNNSCAN_MAX_ALLOC", "RNNSCAN_MAX_GROUPS"};
    const char *bad[] = {"0", "-5", "12k", "lots"};
    for (int v = 0; v < 2; v++)
        for (int b = 0; b < 4; b++) {
            setenv(vars[v], bad[b], 1);
            rnnscan_context_options opts = {.backend = RNNSCAN_BACKEND_OPENCL};
            rnnscan_context *c = (rnnscan_context *)&c;
            cr_expect_eq(rnnscan_context_create(&opts, &c), RNNSCAN_INVALID_ARGUMENT, "%s=%s",
                         vars[v], bad[b]);
            cr_expect_null(c);
            cr_expect(strstr(rnnscan_last_error(), vars[v]) != NULL, "%s", rnnscan_last_error());
            unsetenv(vars[v]);
        }
}
