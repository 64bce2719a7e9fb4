/* OpenCL kernel variants: a context builds only the variants its models use,
 * each once; the kernel shapes can be overridden (results unchanged); the
 * variant key names every build input (src/opencl/cl_variant.c).
 *
 * Tolerance of the comparisons: |got - ref| <= 2e-5 + 2e-5 |ref|, the
 * sweep's (tests/test_backend_vs_reference.c says why). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "cl_variant.h"
#include "device.h"
#include "expect.h"

#define ATOL 2e-5
#define RTOL 2e-5

static rnnscan_model *make_model(rnnscan_context *ctx, rnnscan_cell cell)
{
    static float w[4 * 8 * 8];
    rnnscan_weights weights = {w, w, NULL, NULL, NULL};
    rnnscan_model_desc desc = {.cell = cell, .input_size = 8, .hidden_size = 8};
    rnnscan_model *m = NULL;
    cr_assert_eq(rnnscan_model_create(ctx, &desc, &weights, &m), RNNSCAN_OK, "%s",
                 rnnscan_last_error());
    return m;
}

Test(variants, built_when_a_model_needs_them_and_once)
{
    rnnscan_context *ctx = open_backend_or_skip(RNNSCAN_BACKEND_OPENCL);
    cr_expect_eq(rnnscan_context_build_ms(ctx), 0.0, "a new context has built nothing");
    rnnscan_model *lstm = make_model(ctx, RNNSCAN_CELL_LSTM);
    const double first = rnnscan_model_build_ms(lstm);
    cr_expect_gt(first, 0.0, "the first LSTM model builds its variants");
    rnnscan_model *lstm2 = make_model(ctx, RNNSCAN_CELL_LSTM);
    cr_expect_eq(rnnscan_model_build_ms(lstm2), 0.0, "a second LSTM model reuses them");
    rnnscan_model *gru = make_model(ctx, RNNSCAN_CELL_GRU);
    cr_expect_gt(rnnscan_model_build_ms(gru), 0.0, "a GRU model builds its own cell's");
    cr_expect_float_eq(rnnscan_context_build_ms(ctx), first + rnnscan_model_build_ms(gru), 1e-9);
    rnnscan_model_free(lstm);
    rnnscan_model_free(lstm2);
    rnnscan_model_free(gru);
    rnnscan_context_free(ctx);
}

/* Every override row on a case with every feature, both schedules, against
 * the reference: shapes change the work split, never the results. */
Test(variants, tuning_override, .timeout = 300)
{
    rnnscan_context_free(open_backend_or_skip(RNNSCAN_BACKEND_OPENCL));
    rnnscan_context *ref = NULL;
    cr_assert_eq(rnnscan_context_create(NULL, &ref), RNNSCAN_OK);
    static const rnnscan_opencl_tuning rows[] = {
        {.tile_rows = 1, .step_rows = 2, .scan_units = 1, .w_layout = 2},
        {.tile_rows = 8, .step_rows = 4, .scan_units = 8, .w_layout = 1},
        {.tile_rows = 2, .step_rows = 1, .w_layout = 0},
        /* h_{t-1} through local memory with several rows per work-item */
        {.step_rows = 3, .w_layout = 2, .step_layout = 2},
        {.step_rows = 4, .w_layout = 1, .step_layout = 2, .proj_layout = 2},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        rnnscan_context_options opts = {.backend = RNNSCAN_BACKEND_OPENCL, .tuning = &rows[i]};
        rnnscan_context *ctx = NULL;
        cr_assert_eq(rnnscan_context_create(&opts, &ctx), RNNSCAN_OK, "%s", rnnscan_last_error());
        for (int cell = 0; cell < 4; cell++)
            for (int sched = 0; sched < 2; sched++) {
                test_case tc = {.cell = (rnnscan_cell)cell, .T = 7, .B = 11, .X = 13, .H = 19,
                                .bias = 1, .state = 1, .layers = 2, .bidir = 1, .lengths = 1,
                                .batch_first = (int)i % 2,
                                .schedule = sched ? RNNSCAN_SCHEDULE_PERSISTENT
                                                  : RNNSCAN_SCHEDULE_HOST};
                char suffix[64];
                snprintf(suffix, sizeof suffix, " tuning row %zu", i);
                expect_case(ctx, ref, &tc, 300u + (unsigned)cell, suffix, ATOL, RTOL);
            }
        rnnscan_context_free(ctx);
    }
    rnnscan_context_free(ref);
}

/* The step's local-memory staging where its edges are: H = 536 is 67 blocks
 * of 8 units (two work-groups of 34, one item past the end) and five k tiles
 * of 128 with a partial last one; H = 131 one group of 17 and a partial
 * tile.  Every cell, both weight layouts, several rows per work-item. */
Test(variants, step_local_memory_edges, .timeout = 300)
{
    rnnscan_context_free(open_backend_or_skip(RNNSCAN_BACKEND_OPENCL));
    rnnscan_context *ref = NULL;
    cr_assert_eq(rnnscan_context_create(NULL, &ref), RNNSCAN_OK);
    static const rnnscan_opencl_tuning rows[] = {
        {.step_rows = 1, .w_layout = 1, .step_layout = 2},
        {.step_rows = 2, .w_layout = 2, .step_layout = 2},
    };
    static const int hidden[] = {536, 131};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        rnnscan_context_options opts = {.backend = RNNSCAN_BACKEND_OPENCL, .tuning = &rows[i]};
        rnnscan_context *ctx = NULL;
        cr_assert_eq(rnnscan_context_create(&opts, &ctx), RNNSCAN_OK, "%s", rnnscan_last_error());
        for (int cell = 0; cell < 4; cell++) {
            test_case tc = {.cell = (rnnscan_cell)cell, .T = 3, .B = 5, .X = 6,
                            .H = hidden[(size_t)cell % 2], .bias = 1, .state = 1, .bidir = 1,
                            .lengths = 1, .schedule = RNNSCAN_SCHEDULE_HOST};
            char suffix[64];
            snprintf(suffix, sizeof suffix, " step_layout 2 row %zu H %d", i, tc.H);
            expect_case(ctx, ref, &tc, 400u + (unsigned)cell, suffix, ATOL, RTOL);
        }
        /* an LSTM projection: the k loop runs over P = 300 (three tiles, the
         * last partial), the state projection over 38 blocks of 8 outputs */
        test_case tc = {.cell = RNNSCAN_CELL_LSTM, .T = 3, .B = 5, .X = 6, .H = 536, .bias = 1,
                        .state = 1, .bidir = 1, .lengths = 1, .schedule = RNNSCAN_SCHEDULE_HOST,
                        .proj = 300};
        expect_case(ctx, ref, &tc, 410u, " step_layout 2 projection", ATOL, RTOL);
        rnnscan_context_free(ctx);
    }
    rnnscan_context_free(ref);
}

/* An LSTM projection runs on the host schedule: AUTO picks it without a
 * probe, and asking for the persistent one is refused, naming why. */
Test(variants, projection_schedules)
{
    rnnscan_context *ctx = open_backend_or_skip(RNNSCAN_BACKEND_OPENCL);
    test_case tc = {.cell = RNNSCAN_CELL_LSTM, .T = 4, .B = 3, .X = 5, .H = 9, .bias = 1,
                    .proj = 4, .schedule = RNNSCAN_SCHEDULE_AUTO};
    problem p;
    outputs o;
    cr_assert(problem_make(&p, &tc, 5) && outputs_alloc(&o, &p), "out of memory");
    rnnscan_model *m = NULL;
    cr_assert_eq(rnnscan_model_create(ctx, &p.desc, p.views, &m), RNNSCAN_OK, "%s",
                 rnnscan_last_error());
    cr_expect_eq(problem_scan(m, &p, &o), RNNSCAN_OK, "%s", rnnscan_last_error());
    cr_expect_eq(rnnscan_model_last_schedule(m), RNNSCAN_SCHEDULE_HOST);
    p.tc.schedule = RNNSCAN_SCHEDULE_PERSISTENT;
    cr_expect_eq(problem_scan(m, &p, &o), RNNSCAN_NOT_SUPPORTED);
    cr_expect(strstr(rnnscan_model_error(m), "does not run LSTM projections") != NULL, "%s",
              rnnscan_model_error(m));
    rnnscan_model_free(m);
    outputs_free(&o);
    problem_free(&p);
    rnnscan_context_free(ctx);
}

Test(variants, bad_tuning_is_refused)
{
    rnnscan_context_free(open_backend_or_skip(RNNSCAN_BACKEND_OPENCL));
    static const rnnscan_opencl_tuning bad[] = {
        {.tile_rows = 3}, {.step_rows = 5}, {.scan_units = 4}, {.w_layout = 3}, {.tile_rows = -1},
        {.proj_layout = 3}, {.step_layout = 3}, {.step_layout = -1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rnnscan_context_options opts = {.backend = RNNSCAN_BACKEND_OPENCL, .tuning = &bad[i]};
        rnnscan_context *ctx = (rnnscan_context *)&ctx;
        cr_expect_eq(rnnscan_context_create(&opts, &ctx), RNNSCAN_INVALID_ARGUMENT, "row %zu",
                     i);
        cr_expect_null(ctx);
        cr_expect(strstr(rnnscan_last_error(), "tuning") != NULL, "%s", rnnscan_last_error());
    }
}

/* Equal keys exactly when the options are equal: the key names everything
 * the build depends on, and the projection does not depend on the cell. */
Test(variants, keys_name_every_build_input)
{
    enum { PER_CELL = 2 * 2 * 8 * 3, N = 4 * 4 * PER_CELL };
    static char keys[N][256], options[N][256];
    int n = 0;
    const cl_tuning shapes[2] = {{6, 3, 8, 1, 0, 0}, {4, 1, 1, 0, 1, 1}};
    for (int entry = 0; entry < 4; entry++)
        for (int cell = 0; cell < 4; cell++)
            for (int s = 0; s < 2; s++)
                for (int w = 0; w < 2; w++)
                    for (int flags = 0; flags < 8; flags++)
                        for (int type = 0; type < 3; type++, n++) {
                            cl_variant v = {.entry = (cl_entry)entry,
                                            .cell = (rnnscan_cell)cell,
                                            .weight_type = (rnnscan_weight_type)type,
                                            .proj = flags >> 2,
                                            .tuning = shapes[s]};
                            v.tuning.w_panels = w;
                            v.tuning.proj_local = flags & 1;
                            v.tuning.step_local = flags >> 1 & 1;
                            cl_variant_render(&v, options[n], sizeof options[n], keys[n],
                                              sizeof keys[n]);
                            cr_expect(strstr(options[n], "-DRNNSCAN_ENTRY=") != NULL, "%s",
                                      options[n]);
                        }
    for (int i = 0; i < N; i++)
        for (int j = i + 1; j < N; j++) {
            const int same_key = strcmp(keys[i], keys[j]) == 0;
            const int same_options = strcmp(options[i], options[j]) == 0;
            cr_expect_eq(same_key, same_options, "'%s' / '%s' against '%s' / '%s'", keys[i],
                         options[i], keys[j], options[j]);
        }
    /* the input projection and the state projection: one key for every cell */
    cr_expect_str_eq(keys[0], keys[PER_CELL]);
    cr_expect_str_eq(keys[3 * 4 * PER_CELL], keys[3 * 4 * PER_CELL + PER_CELL]);
}
