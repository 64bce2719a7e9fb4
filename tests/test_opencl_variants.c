/* OpenCL kernel variants: a context builds only the variants its models use,
 * each once; the kernel shapes can be overridden (results unchanged); the
 * variant key names every build input (src/opencl/cl_variant.c).
 *
 * Tolerance of the comparisons: |got - ref| <= 2e-5 + 2e-5 |ref|, the
 * sweep's (tests/test_backend_vs_reference.c says why). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cl_variant.h"
#include "device.h"
#include "expect.h"

#define ATOL 2e-5
#define RTOL 2e-5

static rnnscan_model *make_model(rnnscan_context *ctx, rnnscan_cell cell)
{
    static float w[4 * 8 * 8];
    rnnscan_weights weights = {.w_ih = w, .w_hh = w};
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
        {.tile_rows = 2, .step_rows = 1},
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

/* ---- ONNX cell variants (cell.cl's options) ---- */

static int variant_named(const char *name)
{
    for (int i = 1; i < test_variant_count; i++)
        if (strcmp(test_variants[i].name, name) == 0)
            return i;
    cr_assert_fail("no test variant named '%s'", name);
    return 0;
}

/* Renders entry `entry` of `cell` with the options of desc (resolved as the
 * core resolves them). */
static void render_desc(cl_entry entry, const rnnscan_model_desc *desc, char *options,
                        char *key)
{
    rnnscan_variant cv;
    cr_assert_eq(rnnscan_variant_resolve(desc, &cv), RNNSCAN_OK, "%s", rnnscan_last_error());
    const cl_variant v = {.entry = entry, .cell = desc->cell, .weight_type = RNNSCAN_F32,
                          .cell_variant = cv, .tuning = {6, 3, 8, 1, 0, 0}};
    cl_variant_render(&v, options, 1024, key, CL_VARIANT_KEY_MAX);
}

/* PyTorch's cells render exactly as before variants existed (no variant
 * term, so their builds and PoCL's cached binaries are unchanged); each
 * option and each parameter a function reads makes its own key, parameters
 * a function ignores do not; floats go as exact hex literals. */
Test(variants, cell_variant_keys)
{
    static char options[16][1024], keys[16][CL_VARIANT_KEY_MAX];
    const rnnscan_activation hs = {RNNSCAN_ACT_HARD_SIGMOID, 0.2f, 0.5f};
    rnnscan_model_desc d[16];
    int n = 0;
    /* 0: plain GRU, 1: its own activations named, 2: a zeroed variant field */
    d[n++] = (rnnscan_model_desc){.cell = RNNSCAN_CELL_GRU};
    d[n++] = (rnnscan_model_desc){.cell = RNNSCAN_CELL_GRU,
                                  .activations = {{RNNSCAN_ACT_SIGMOID, 3.0f, 0}, {RNNSCAN_ACT_TANH, 0, 0}}};
    render_desc(CL_ENTRY_STEP, &d[0], options[0], keys[0]);
    render_desc(CL_ENTRY_STEP, &d[1], options[1], keys[1]);
    const cl_variant zeroed = {.entry = CL_ENTRY_STEP, .cell = RNNSCAN_CELL_GRU,
                               .tuning = {6, 3, 8, 1, 0, 0}};
    cl_variant_render(&zeroed, options[2], 1024, keys[2], CL_VARIANT_KEY_MAX);
    cr_expect_str_eq(options[0],
                     "-DRNNSCAN_ENTRY=1 -DRNNSCAN_CELL=3 -DRNNSCAN_WEIGHT_TYPE=0 "
                     "-DRNNSCAN_VEC_WIDTH=8 -DRNNSCAN_STEP_ROWS=3 -DRNNSCAN_W_PANELS=1 "
                     "-DRNNSCAN_STEP_LOCAL=0 -DRNNSCAN_PROJ=0");
    cr_expect_str_eq(keys[0], "step cell=gru gates=3 w=f32 units=8 rows=3 panels=1 local=0 proj=0");
    for (int i = 1; i < 3; i++) {
        cr_expect_str_eq(options[i], options[0]);
        cr_expect_str_eq(keys[i], keys[0]);
    }
    n = 0;
    d[n++] = (rnnscan_model_desc){.cell = RNNSCAN_CELL_GRU, .gru_reset_before = 1};
    d[n++] = (rnnscan_model_desc){.cell = RNNSCAN_CELL_GRU, .clip = 0.5f};
    d[n++] = (rnnscan_model_desc){.cell = RNNSCAN_CELL_GRU, .clip = 0.25f};
    d[n++] = (rnnscan_model_desc){.cell = RNNSCAN_CELL_GRU, .activations = {hs}};
    d[n++] = (rnnscan_model_desc){.cell = RNNSCAN_CELL_GRU,
                                  .activations = {{RNNSCAN_ACT_HARD_SIGMOID, 0.2f, 0.25f}}};
    d[n++] = (rnnscan_model_desc){.cell = RNNSCAN_CELL_GRU, .activations = {{0}, hs}};
    d[n++] = (rnnscan_model_desc){.cell = RNNSCAN_CELL_LSTM, .peepholes = 1};
    d[n++] = (rnnscan_model_desc){.cell = RNNSCAN_CELL_LSTM, .input_forget = 1};
    d[n++] = (rnnscan_model_desc){.cell = RNNSCAN_CELL_LSTM, .activations = {{0}, {0}, hs}};
    d[n++] = (rnnscan_model_desc){.cell = RNNSCAN_CELL_LSTM};
    d[n++] = (rnnscan_model_desc){.cell = RNNSCAN_CELL_RNN_TANH,
                                  .activations = {{RNNSCAN_ACT_LEAKY_RELU, 0.1f, 0}}};
    /* LeakyRelu reads alpha only: another beta is the same build */
    d[n++] = (rnnscan_model_desc){.cell = RNNSCAN_CELL_RNN_TANH,
                                  .activations = {{RNNSCAN_ACT_LEAKY_RELU, 0.1f, 7.0f}}};
    for (int i = 0; i < n; i++)
        render_desc(CL_ENTRY_PERSISTENT, &d[i], options[i], keys[i]);
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            const int same_key = strcmp(keys[i], keys[j]) == 0;
            cr_expect_eq(same_key, strcmp(options[i], options[j]) == 0, "'%s' / '%s'", keys[i],
                         keys[j]);
            cr_expect_eq(same_key, i == n - 2 && j == n - 1, "'%s' / '%s'", keys[i], keys[j]);
        }
    cr_expect(strstr(options[1], " -DRNNSCAN_CLIP=0x1p-1f") != NULL, "%s", options[1]);
    cr_expect(strstr(options[3], " -DRNNSCAN_ACT_F=4 -DRNNSCAN_ACT_F_ALPHA=0x1.99999ap-3f "
                                 "-DRNNSCAN_ACT_F_BETA=0x1p-1f") != NULL, "%s", options[3]);
    cr_expect(strstr(keys[0], " reset_before") != NULL, "%s", keys[0]);
    cr_expect(strstr(keys[3], " f=HardSigmoid(0x1.99999ap-3,0x1p-1) g=Tanh") != NULL, "%s",
              keys[3]);
    /* the reset gate is its own entry point; the projections ignore the cell */
    char reset_options[1024], reset_key[CL_VARIANT_KEY_MAX];
    render_desc(CL_ENTRY_RESET_GATE, &d[0], reset_options, reset_key);
    cr_expect(strstr(reset_options, "-DRNNSCAN_ENTRY=4 ") != NULL, "%s", reset_options);
    cr_expect_str_neq(reset_key, keys[0]);
    render_desc(CL_ENTRY_PROJECTION, &d[0], options[0], keys[0]);
    render_desc(CL_ENTRY_PROJECTION, &d[9], options[1], keys[1]);
    cr_expect_str_eq(keys[0], keys[1]);
    cr_expect_str_eq(options[0], options[1]);
}

static int programs_of(rnnscan_context *ctx) { return ((cl_backend *)ctx->impl)->n_programs; }

/* A GRU with reset_before builds the reset gate beside its step and
 * persistent kernels; another variant builds its own, the input projection
 * is shared, and an equal one builds nothing. */
Test(variants, variant_programs_built_once)
{
    rnnscan_context *ctx = open_backend_or_skip(RNNSCAN_BACKEND_OPENCL);
    static float w[3 * 8 * 8];
    rnnscan_weights weights = {.w_ih = w, .w_hh = w};
    const rnnscan_model_desc descs[] = {
        {.cell = RNNSCAN_CELL_GRU, .input_size = 8, .hidden_size = 8, .gru_reset_before = 1},
        {.cell = RNNSCAN_CELL_GRU, .input_size = 8, .hidden_size = 8, .gru_reset_before = 1},
        {.cell = RNNSCAN_CELL_GRU, .input_size = 8, .hidden_size = 8, .gru_reset_before = 1,
         .clip = 2.0f},
        {.cell = RNNSCAN_CELL_GRU, .input_size = 8, .hidden_size = 8},
    };
    const int added[] = {4, 0, 3, 2}; /* projection, step, persistent, reset gate */
    rnnscan_model *m[4];
    for (int i = 0; i < 4; i++) {
        const int before = programs_of(ctx);
        cr_assert_eq(rnnscan_model_create(ctx, &descs[i], &weights, &m[i]), RNNSCAN_OK, "%s",
                     rnnscan_last_error());
        cr_expect_eq(programs_of(ctx) - before, added[i], "model %d", i);
    }
    for (int i = 0; i < 4; i++)
        rnnscan_model_free(m[i]);
    rnnscan_context_free(ctx);
}

/* GRU reset_before's host loop where its two launches per step have edges:
 * H = 536 is 67 blocks of 8 units (past a 64-item work-group of the GPU
 * shapes' step, whose r * h_{t-1} is staged through local memory in tiles
 * of 128, the last partial), H = 131 one group of 17; both weight layouts,
 * several rows per work-item, the persistent schedule at H = 131 too. */
Test(variants, reset_before_edges, .timeout = 300)
{
    rnnscan_context_free(open_backend_or_skip(RNNSCAN_BACKEND_OPENCL));
    rnnscan_context *ref = NULL;
    cr_assert_eq(rnnscan_context_create(NULL, &ref), RNNSCAN_OK);
    static const rnnscan_opencl_tuning rows[] = {
        {.step_rows = 1, .w_layout = 1, .step_layout = 2},
        {.step_rows = 3, .w_layout = 2, .step_layout = 2},
        {.step_rows = 2, .w_layout = 2, .step_layout = 1},
    };
    const int variants[] = {variant_named("gru reset_before"),
                            variant_named("gru HardSigmoid Elu")};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        rnnscan_context_options opts = {.backend = RNNSCAN_BACKEND_OPENCL, .tuning = &rows[i]};
        rnnscan_context *ctx = NULL;
        cr_assert_eq(rnnscan_context_create(&opts, &ctx), RNNSCAN_OK, "%s", rnnscan_last_error());
        for (int k = 0; k < 3; k++) {
            const int v = variants[k % 2];
            test_case tc = {.cell = RNNSCAN_CELL_GRU, .T = 3, .B = 5, .X = 6,
                            .H = k == 0 ? 536 : 131, .bias = 1, .state = 1, .bidir = 1,
                            .lengths = 1, .variant = v,
                            .schedule = k == 2 ? RNNSCAN_SCHEDULE_PERSISTENT
                                               : RNNSCAN_SCHEDULE_HOST};
            char suffix[96];
            snprintf(suffix, sizeof suffix, " [%s] tuning row %zu", test_variants[v].name, i);
            expect_case(ctx, ref, &tc, 500u + (unsigned)k, suffix, ATOL, RTOL);
        }
        rnnscan_context_free(ctx);
    }
    rnnscan_context_free(ref);
}

/* The smallest allocation cap the model's weights fit: the harness's size of
 * the largest packed weight buffer, with an LSTM's peepholes (three blocks
 * of Hp after W_hh where other cells keep one; src/opencl/cl_model.c). */
static size_t weights_cap(const test_case *tc)
{
    size_t cap = opencl_largest_weights(tc);
    if (tc->variant && test_variants[tc->variant].desc.peepholes) {
        const size_t Hp = ((size_t)tc->H + 7) / 8 * 8;
        const size_t elem = tc->weight_type == RNNSCAN_F32 ? 4 : 2;
        const size_t w_hh = ((size_t)tc->H * 4 * Hp + 3 * Hp) * elem;
        cap = w_hh > cap ? w_hh : cap;
    }
    return cap;
}

/* Every variant chunked: the allocation limit lowered to the weights' size,
 * so sequences run in groups and steps in chunks (by_step addressing, the
 * reset gate's r * h in each chunk's state buffer), both schedules. */
Test(variants, variants_chunked, .timeout = 300)
{
    rnnscan_context_free(open_backend_or_skip(RNNSCAN_BACKEND_OPENCL));
    rnnscan_context *ref = NULL;
    cr_assert_eq(rnnscan_context_create(NULL, &ref), RNNSCAN_OK);
    for (int v = 1; v < test_variant_count; v++)
        for (int sched = 0; sched < 2; sched++) {
            test_case tc = {.cell = test_variants[v].cell, .T = 9, .B = 7, .X = 5, .H = 13,
                            .bias = 1, .state = 1, .layers = 2, .bidir = sched == 0,
                            .reverse = sched == 1, .lengths = 1, .variant = v,
                            .schedule = sched ? RNNSCAN_SCHEDULE_PERSISTENT
                                              : RNNSCAN_SCHEDULE_HOST};
            rnnscan_context_options opts = {.backend = RNNSCAN_BACKEND_OPENCL,
                                            .max_alloc_bytes = weights_cap(&tc)};
            cr_assert_gt(opencl_whole_projection(&tc), opts.max_alloc_bytes,
                         "the cap must force chunks");
            rnnscan_context *ctx = NULL;
            cr_assert_eq(rnnscan_context_create(&opts, &ctx), RNNSCAN_OK, "%s",
                         rnnscan_last_error());
            char suffix[96];
            snprintf(suffix, sizeof suffix, " [%s] capped at %zu", test_variants[v].name,
                     opts.max_alloc_bytes);
            expect_case(ctx, ref, &tc, 600u + (unsigned)(2 * v + sched), suffix, ATOL, RTOL);
            rnnscan_context_free(ctx);
        }
    rnnscan_context_free(ref);
}

/* AUTO on a variant: its probe and cached costs are its own (a GRU with
 * reset_before runs a second launch per host-loop step and a third barrier
 * per persistent step), under a key that names the variant's structure, and
 * a plain GRU of the same shape keeps the plain key; results match. */
Test(variants, auto_keeps_variant_costs_apart, .timeout = 300)
{
    char dir[64];
    snprintf(dir, sizeof dir, "/tmp/rnnscan-variants-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    cr_assert_eq(setenv("RNNSCAN_CACHE_DIR", dir, 1), 0);
    rnnscan_context *ctx = open_backend_or_skip(RNNSCAN_BACKEND_OPENCL);
    rnnscan_context *ref = NULL;
    cr_assert_eq(rnnscan_context_create(NULL, &ref), RNNSCAN_OK);
    const int variants[2] = {variant_named("gru reset_before clip"), 0};
    for (int i = 0; i < 2; i++) {
        test_case tc = {.cell = RNNSCAN_CELL_GRU, .T = 12, .B = 3, .X = 6, .H = 24, .bias = 1,
                        .lengths = 1, .variant = variants[i],
                        .schedule = RNNSCAN_SCHEDULE_AUTO};
        expect_case(ctx, ref, &tc, 700u + (unsigned)i, i ? " plain, AUTO" : " variant, AUTO",
                    ATOL, RTOL);
    }
    char path[128], line[1024];
    snprintf(path, sizeof path, "%s/schedules-v1.tsv", dir);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "no schedule cache at %s", path);
    int entries = 0, variant_entries = 0;
    while (fgets(line, sizeof line, f))
        if (line[0] != '#') {
            entries++;
            variant_entries += strstr(line, " variant f=Sigmoid g=Tanh reset_before clip\t") != NULL;
        }
    fclose(f);
    cr_expect_eq(entries, 2, "one entry per model");
    cr_expect_eq(variant_entries, 1, "the variant's key names it");
    remove(path);
    rmdir(dir);
    rnnscan_context_free(ctx);
    rnnscan_context_free(ref);
}
