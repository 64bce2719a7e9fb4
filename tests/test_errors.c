/* Every rejected input returns its status and a message that names the
 * problem; run under AddressSanitizer, these tests also prove nothing leaks. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "harness.h"

static rnnscan_context *ref;
static void open_reference(void) { cr_assert_eq(rnnscan_context_create(NULL, &ref), RNNSCAN_OK); }
static void close_reference(void) { rnnscan_context_free(ref); }
TestSuite(errors, .init = open_reference, .fini = close_reference);

/* Asserts `got` is `want` and the thread's detail mentions `needle`. */
#define expect_status(got, want, needle)                                                     \
    do {                                                                                     \
        rnnscan_status got_ = (got);                                                         \
        cr_expect_eq(got_, want, "%s: got %s, want %s (%s)", #got, rnnscan_status_name(got_), \
                     rnnscan_status_name(want), rnnscan_last_error());                       \
        cr_expect(strstr(rnnscan_last_error(), needle) != NULL,                              \
                  "%s: message \"%s\" does not mention \"%s\"", #got, rnnscan_last_error(),   \
                  needle);                                                                   \
    } while (0)

static float w_ih[4 * 8 * 3], w_hh[4 * 8 * 8];
static const rnnscan_weights weights = {.w_ih = w_ih, .w_hh = w_hh};

static rnnscan_model *lstm_model(void)
{
    rnnscan_model_desc desc = {.cell = RNNSCAN_CELL_LSTM, .input_size = 3, .hidden_size = 8,
                               .num_layers = 1};
    rnnscan_model *m = NULL;
    cr_assert_eq(rnnscan_model_create(ref, &desc, &weights, &m), RNNSCAN_OK);
    return m;
}

/* proj_size: LSTM only, 0 < P < H, w_hr given exactly when P is set. */
Test(errors, projection_arguments)
{
    static float w_hr[2 * 8];
    rnnscan_model *m = (rnnscan_model *)&m;
    rnnscan_model_desc d = {.cell = RNNSCAN_CELL_LSTM, .input_size = 3, .hidden_size = 8,
                            .num_layers = 1, .proj_size = 2};
    const rnnscan_weights with_hr = {.w_ih = w_ih, .w_hh = w_hh, .w_hr = w_hr};
    cr_assert_eq(rnnscan_model_create(ref, &d, &with_hr, &m), RNNSCAN_OK, "%s",
                 rnnscan_last_error());
    rnnscan_model_free(m);
    expect_status(rnnscan_model_create(ref, &d, &weights, &m), RNNSCAN_INVALID_ARGUMENT,
                  "weights[0].w_hr is NULL (required with proj_size)");
    cr_expect_null(m);
    d.proj_size = 0;
    expect_status(rnnscan_model_create(ref, &d, &with_hr, &m), RNNSCAN_INVALID_ARGUMENT,
                  "w_hr is given but proj_size is 0");
    d.proj_size = 8;
    expect_status(rnnscan_model_create(ref, &d, &with_hr, &m), RNNSCAN_INVALID_ARGUMENT,
                  "proj_size = 8 is out of range");
    d.proj_size = -1;
    expect_status(rnnscan_model_create(ref, &d, &with_hr, &m), RNNSCAN_INVALID_ARGUMENT,
                  "proj_size = -1");
    d.proj_size = 2, d.cell = RNNSCAN_CELL_GRU;
    expect_status(rnnscan_model_create(ref, &d, &with_hr, &m), RNNSCAN_INVALID_ARGUMENT,
                  "for lstm only");
    /* f16 rounds w_hr too, and names it when it cannot hold a value */
    d.cell = RNNSCAN_CELL_LSTM, d.weight_type = RNNSCAN_F16;
    w_hr[5] = 1e6f;
    expect_status(rnnscan_model_create(ref, &d, &with_hr, &m), RNNSCAN_INVALID_ARGUMENT,
                  "weights[0].w_hr[5]");
    w_hr[5] = 0.0f;
}

Test(errors, status_strings)
{
    cr_expect_str_eq(rnnscan_status_name(RNNSCAN_OK), "RNNSCAN_OK");
    cr_expect_str_eq(rnnscan_status_name(RNNSCAN_TOO_LARGE), "RNNSCAN_TOO_LARGE");
    cr_expect_str_eq(rnnscan_status_name((rnnscan_status)999), "RNNSCAN_UNKNOWN_STATUS");
    for (int s = 0; s < RNNSCAN_STATUS_COUNT_; s++)
        cr_expect(strlen(rnnscan_status_string((rnnscan_status)s)) > 0);
}

Test(errors, context_create)
{
    expect_status(rnnscan_context_create(NULL, NULL), RNNSCAN_INVALID_ARGUMENT, "out is NULL");
    rnnscan_context *ctx = (rnnscan_context *)&ctx;
    rnnscan_context_options bad = {.backend = (rnnscan_backend)42};
    expect_status(rnnscan_context_create(&bad, &ctx), RNNSCAN_INVALID_ARGUMENT, "backend 42");
    cr_expect_null(ctx);
    rnnscan_context_free(NULL); /* accepted */
}

Test(errors, names_parse)
{
    rnnscan_cell cell;
    rnnscan_backend backend;
    expect_status(rnnscan_cell_parse("lstmm", &cell), RNNSCAN_INVALID_ARGUMENT, "'lstmm'");
    expect_status(rnnscan_backend_parse(NULL, &backend), RNNSCAN_INVALID_ARGUMENT, "(null)");
    cr_expect_eq(rnnscan_cell_parse("GRU", &cell), RNNSCAN_OK);
    cr_expect_eq(cell, RNNSCAN_CELL_GRU);
}

Test(errors, model_create_arguments)
{
    rnnscan_model *m = (rnnscan_model *)&m;
    rnnscan_model_desc desc = {.cell = RNNSCAN_CELL_LSTM, .input_size = 3, .hidden_size = 8,
                               .num_layers = 1};
    expect_status(rnnscan_model_create(NULL, &desc, &weights, &m), RNNSCAN_INVALID_ARGUMENT,
                  "context is NULL");
    cr_expect_null(m);
    expect_status(rnnscan_model_create(ref, NULL, &weights, &m), RNNSCAN_INVALID_ARGUMENT,
                  "desc is NULL");
    cr_expect_str_eq(rnnscan_context_error(ref), rnnscan_last_error()); /* kept by the handle */
    expect_status(rnnscan_model_create(ref, &desc, NULL, &m), RNNSCAN_INVALID_ARGUMENT,
                  "weights is NULL");
    expect_status(rnnscan_model_create(ref, &desc, &weights, NULL), RNNSCAN_INVALID_ARGUMENT,
                  "out is NULL");

    rnnscan_model_desc d = desc;
    d.cell = (rnnscan_cell)7;
    expect_status(rnnscan_model_create(ref, &d, &weights, &m), RNNSCAN_INVALID_ARGUMENT,
                  "unknown cell 7");
    d = desc, d.input_size = 0;
    expect_status(rnnscan_model_create(ref, &d, &weights, &m), RNNSCAN_INVALID_ARGUMENT,
                  "input_size must be > 0, got 0");
    d = desc, d.hidden_size = -3;
    expect_status(rnnscan_model_create(ref, &d, &weights, &m), RNNSCAN_INVALID_ARGUMENT,
                  "hidden_size must be > 0, got -3");
    d = desc, d.num_layers = -1;
    expect_status(rnnscan_model_create(ref, &d, &weights, &m), RNNSCAN_INVALID_ARGUMENT,
                  "num_layers");
    rnnscan_weights no_hh = {.w_ih = w_ih};
    expect_status(rnnscan_model_create(ref, &desc, &no_hh, &m), RNNSCAN_INVALID_ARGUMENT,
                  "weights[0].w_hh is NULL");
    /* a two-layer bidirectional model reads weights[0..3]; weights[2] lacks w_ih */
    rnnscan_weights four[4] = {weights, weights, {.w_hh = w_hh}, weights};
    d = desc, d.num_layers = 2, d.bidirectional = 1, d.input_size = 3, d.hidden_size = 1;
    expect_status(rnnscan_model_create(ref, &d, four, &m), RNNSCAN_INVALID_ARGUMENT,
                  "weights[2].w_ih is NULL");
    cr_expect_null(m);
}

Test(errors, model_create_overflow)
{
    /* G*H*X*4 bytes overflows size_t: rejected before any allocation */
    rnnscan_model_desc d = {.cell = RNNSCAN_CELL_LSTM, .input_size = INT32_MAX,
                            .hidden_size = INT32_MAX, .num_layers = 1};
    rnnscan_model *m = NULL;
    expect_status(rnnscan_model_create(ref, &d, &weights, &m), RNNSCAN_INVALID_ARGUMENT,
                  "overflows");
    cr_expect_null(m);
}

Test(errors, model_create_layers_overflow)
{
    /* num_layers * directions (an int count of weights[] entries) and
     * hidden_size * directions (the output width) must fit an int: refused
     * before any allocation or read of weights[1...] */
    rnnscan_model *m = (rnnscan_model *)&m;
    rnnscan_model_desc d = {.cell = RNNSCAN_CELL_LSTM, .input_size = 3, .hidden_size = 8,
                            .num_layers = INT32_MAX, .bidirectional = 1};
    expect_status(rnnscan_model_create(ref, &d, &weights, &m), RNNSCAN_INVALID_ARGUMENT,
                  "num_layers = 2147483647 with 2 directions is too large");
    cr_expect_null(m);
    d.num_layers = INT32_MAX / 2 + 1;
    expect_status(rnnscan_model_create(ref, &d, &weights, &m), RNNSCAN_INVALID_ARGUMENT,
                  "num_layers = 1073741824 with 2 directions is too large");
    d.num_layers = 1, d.hidden_size = INT32_MAX / 2 + 1;
    expect_status(rnnscan_model_create(ref, &d, &weights, &m), RNNSCAN_INVALID_ARGUMENT,
                  "hidden_size = 1073741824 with 2 directions is too large");
    cr_expect_null(m);
}

Test(errors, status_values_are_abi)
{
    /* The numbers are part of the ABI: a program compiled against an older
     * header must read the same status.  Never renumber; append. */
    static const struct {
        rnnscan_status status;
        int value;
        const char *name;
    } abi[] = {
        {RNNSCAN_OK, 0, "RNNSCAN_OK"},
        {RNNSCAN_INVALID_ARGUMENT, 1, "RNNSCAN_INVALID_ARGUMENT"},
        {RNNSCAN_NOT_SUPPORTED, 2, "RNNSCAN_NOT_SUPPORTED"},
        {RNNSCAN_OUT_OF_MEMORY, 3, "RNNSCAN_OUT_OF_MEMORY"},
        {RNNSCAN_TOO_LARGE, 4, "RNNSCAN_TOO_LARGE"},
        {RNNSCAN_NO_DEVICE, 5, "RNNSCAN_NO_DEVICE"},
        {RNNSCAN_DEVICE_NOT_FOUND, 6, "RNNSCAN_DEVICE_NOT_FOUND"},
        {RNNSCAN_OPENCL_ERROR, 7, "RNNSCAN_OPENCL_ERROR"},
        {RNNSCAN_BUILD_FAILED, 8, "RNNSCAN_BUILD_FAILED"},
        {RNNSCAN_IO_ERROR, 9, "RNNSCAN_IO_ERROR"},
        {RNNSCAN_FORMAT_ERROR, 10, "RNNSCAN_FORMAT_ERROR"},
    };
    cr_expect_eq((int)RNNSCAN_STATUS_COUNT_, (int)(sizeof abi / sizeof abi[0]));
    for (size_t i = 0; i < sizeof abi / sizeof abi[0]; i++) {
        cr_expect_eq((int)abi[i].status, abi[i].value, "%s = %d, want %d", abi[i].name,
                     (int)abi[i].status, abi[i].value);
        cr_expect_str_eq(rnnscan_status_name((rnnscan_status)abi[i].value), abi[i].name);
    }
}

Test(errors, scan_arguments)
{
    rnnscan_model *m = lstm_model();
    float x[2 * 3 * 3] = {0}, y[2 * 3 * 8], h[3 * 8];
    rnnscan_run ok = {.seq_len = 2, .batch = 3, .x = x, .y = y};
    rnnscan_run r;
    expect_status(rnnscan_model_scan(NULL, &ok), RNNSCAN_INVALID_ARGUMENT, "model is NULL");
    expect_status(rnnscan_model_scan(m, NULL), RNNSCAN_INVALID_ARGUMENT, "run is NULL");
    r = ok, r.seq_len = 0;
    expect_status(rnnscan_model_scan(m, &r), RNNSCAN_INVALID_ARGUMENT, "seq_len must be > 0");
    cr_expect_str_eq(rnnscan_model_error(m), rnnscan_last_error()); /* kept by the model */
    r = ok, r.batch = -1;
    expect_status(rnnscan_model_scan(m, &r), RNNSCAN_INVALID_ARGUMENT, "batch must be > 0, got -1");
    r = ok, r.x = NULL;
    expect_status(rnnscan_model_scan(m, &r), RNNSCAN_INVALID_ARGUMENT, "x is NULL");
    r = ok, r.y = NULL;
    expect_status(rnnscan_model_scan(m, &r), RNNSCAN_INVALID_ARGUMENT, "y is NULL");
    r = ok, r.schedule = (rnnscan_schedule)9;
    expect_status(rnnscan_model_scan(m, &r), RNNSCAN_INVALID_ARGUMENT, "unknown schedule 9");
    int lengths[3] = {2, 0, 1};
    r = ok, r.lengths = lengths;
    expect_status(rnnscan_model_scan(m, &r), RNNSCAN_INVALID_ARGUMENT, "lengths[1] = 0");
    lengths[1] = 3;
    expect_status(rnnscan_model_scan(m, &r), RNNSCAN_INVALID_ARGUMENT, "lengths[1] = 3");
    lengths[1] = -5;
    expect_status(rnnscan_model_scan(m, &r), RNNSCAN_INVALID_ARGUMENT, "lengths[1] = -5");
    r = ok, r.seq_len = INT32_MAX, r.batch = INT32_MAX;
    expect_status(rnnscan_model_scan(m, &r), RNNSCAN_INVALID_ARGUMENT, "overflow");
    r = ok;
    cr_expect_eq(rnnscan_model_scan(m, &r), RNNSCAN_OK);
    cr_expect_str_eq(rnnscan_last_error(), ""); /* success clears the detail */
    expect_status(rnnscan_model_step(m, 3, x, h, NULL, h, NULL), RNNSCAN_INVALID_ARGUMENT,
                  "c_next is NULL");
    rnnscan_model_free(m);
    rnnscan_model_free(NULL); /* accepted */
}

Test(errors, cell_state_only_for_lstm)
{
    rnnscan_model_desc desc = {.cell = RNNSCAN_CELL_GRU, .input_size = 3, .hidden_size = 8,
                               .num_layers = 1};
    rnnscan_model *m = NULL;
    cr_assert_eq(rnnscan_model_create(ref, &desc, &weights, &m), RNNSCAN_OK);
    float x[3] = {0}, y[8], c[8] = {0};
    rnnscan_run r = {.seq_len = 1, .batch = 1, .x = x, .y = y, .c0 = c};
    expect_status(rnnscan_model_scan(m, &r), RNNSCAN_INVALID_ARGUMENT, "c0 given but the cell is gru");
    rnnscan_model_free(m);
}

Test(errors, not_supported)
{
    rnnscan_context *ctx = (rnnscan_context *)&ctx;
    rnnscan_context_options cpu = {.backend = RNNSCAN_BACKEND_CPU};
    rnnscan_status st = rnnscan_context_create(&cpu, &ctx);
    if (st != RNNSCAN_OK) {
        expect_status(st, RNNSCAN_NOT_SUPPORTED, "cpu");
        cr_expect_null(ctx);
    }
    rnnscan_context_free(ctx == (rnnscan_context *)&ctx ? NULL : ctx);

    rnnscan_model *m = lstm_model();
    float x[3] = {0}, y[8];
    rnnscan_run r = {.seq_len = 1, .batch = 1, .x = x, .y = y,
                     .schedule = RNNSCAN_SCHEDULE_PERSISTENT};
    st = rnnscan_model_scan(m, &r);
    cr_expect(st == RNNSCAN_OK || st == RNNSCAN_NOT_SUPPORTED);
    if (st != RNNSCAN_OK)
        cr_expect(strstr(rnnscan_last_error(), "persistent") != NULL);
    rnnscan_model_free(m);

    rnnscan_model_desc desc = {.cell = RNNSCAN_CELL_LSTM, .input_size = 3, .hidden_size = 8,
                               .num_layers = 2, .bidirectional = 1};
    rnnscan_weights four[4] = {weights, weights, weights, weights};
    float w_ih_wide[4 * 8 * 16];
    four[2].w_ih = four[3].w_ih = w_ih_wide;
    cr_assert_eq(rnnscan_model_create(ref, &desc, four, &m), RNNSCAN_OK); /* reference runs all */
    float h[4 * 8];
    expect_status(rnnscan_model_step(m, 1, x, NULL, NULL, h, h), RNNSCAN_NOT_SUPPORTED,
                  "one-layer, one-direction");
    rnnscan_model_free(m);
}

/* ONNX cell variants: each option on its own cell, known activation kinds
 * at the positions the cell has, finite alpha / beta and clip, w_peep given
 * exactly with peepholes; variants with proj_size are not run. */
Test(errors, variant_arguments)
{
    static float w_peep[3 * 8], w_hr[2 * 8];
    const rnnscan_weights with_peep = {.w_ih = w_ih, .w_hh = w_hh, .w_peep = w_peep};
    rnnscan_model *m = (rnnscan_model *)&m;
    rnnscan_model_desc d = {.cell = RNNSCAN_CELL_LSTM, .input_size = 3, .hidden_size = 8,
                            .peepholes = 1};
    cr_assert_eq(rnnscan_model_create(ref, &d, &with_peep, &m), RNNSCAN_OK, "%s",
                 rnnscan_last_error());
    cr_expect(rnnscan_model_describe(m).peepholes);
    rnnscan_model_free(m);
    expect_status(rnnscan_model_create(ref, &d, &weights, &m), RNNSCAN_INVALID_ARGUMENT,
                  "weights[0].w_peep is NULL (required with peepholes");
    cr_expect_null(m);
    d.peepholes = 0;
    expect_status(rnnscan_model_create(ref, &d, &with_peep, &m), RNNSCAN_INVALID_ARGUMENT,
                  "w_peep is given but peepholes is 0");
    d.clip = -1.0f;
    expect_status(rnnscan_model_create(ref, &d, &weights, &m), RNNSCAN_INVALID_ARGUMENT,
                  "clip = -1");
    d.clip = NAN;
    expect_status(rnnscan_model_create(ref, &d, &weights, &m), RNNSCAN_INVALID_ARGUMENT,
                  "clip = nan");
    d.clip = INFINITY;
    expect_status(rnnscan_model_create(ref, &d, &weights, &m), RNNSCAN_INVALID_ARGUMENT,
                  "clip = inf");
    d.clip = 0.0f;
    d.activations[0].kind = RNNSCAN_ACT_COUNT_;
    expect_status(rnnscan_model_create(ref, &d, &weights, &m), RNNSCAN_INVALID_ARGUMENT,
                  "activations[0] (f): unknown kind 12");
    d.activations[0] = (rnnscan_activation){RNNSCAN_ACT_HARD_SIGMOID, NAN, 0.5f};
    expect_status(rnnscan_model_create(ref, &d, &weights, &m), RNNSCAN_INVALID_ARGUMENT,
                  "alpha and beta must be finite");
    d.activations[0] = (rnnscan_activation){RNNSCAN_ACT_DEFAULT, 0.0f, 0.0f};
    d.gru_reset_before = 1;
    expect_status(rnnscan_model_create(ref, &d, &weights, &m), RNNSCAN_INVALID_ARGUMENT,
                  "gru_reset_before is for gru, and the cell is lstm");
    d.gru_reset_before = 0;
    d.cell = RNNSCAN_CELL_GRU;
    d.input_forget = 1;
    expect_status(rnnscan_model_create(ref, &d, &weights, &m), RNNSCAN_INVALID_ARGUMENT,
                  "input_forget is for lstm, and the cell is gru");
    d.input_forget = 0;
    d.activations[2].kind = RNNSCAN_ACT_TANH;
    expect_status(rnnscan_model_create(ref, &d, &weights, &m), RNNSCAN_INVALID_ARGUMENT,
                  "activations[2] (h) is set, but gru uses f and g only");
    d.activations[2].kind = RNNSCAN_ACT_DEFAULT;
    d.cell = RNNSCAN_CELL_RNN_TANH;
    d.activations[1].kind = RNNSCAN_ACT_RELU;
    expect_status(rnnscan_model_create(ref, &d, &weights, &m), RNNSCAN_INVALID_ARGUMENT,
                  "activations[1] (g) is set, but rnn_tanh uses f only");
    /* an LSTM with proj_size and a variant: refused, not misrun */
    rnnscan_model_desc proj = {.cell = RNNSCAN_CELL_LSTM, .input_size = 3, .hidden_size = 8,
                               .proj_size = 2, .clip = 1.0f};
    const rnnscan_weights with_hr = {.w_ih = w_ih, .w_hh = w_hh, .w_hr = w_hr};
    expect_status(rnnscan_model_create(ref, &proj, &with_hr, &m), RNNSCAN_NOT_SUPPORTED,
                  "with proj_size");
    cr_expect_null(m);
}

/* The activations' names, as ONNX spells them, both ways. */
Test(errors, activation_names)
{
    rnnscan_act_kind kind = RNNSCAN_ACT_DEFAULT;
    cr_expect_str_eq(rnnscan_act_name(RNNSCAN_ACT_HARD_SIGMOID), "HardSigmoid");
    cr_expect_str_eq(rnnscan_act_name(RNNSCAN_ACT_DEFAULT), "default");
    cr_expect_null(rnnscan_act_name(RNNSCAN_ACT_COUNT_));
    cr_expect_null(rnnscan_act_name((rnnscan_act_kind)-1));
    for (int k = 1; k < RNNSCAN_ACT_COUNT_; k++) {
        cr_expect_eq(rnnscan_act_parse(rnnscan_act_name((rnnscan_act_kind)k), &kind), RNNSCAN_OK);
        cr_expect_eq((int)kind, k);
    }
    cr_expect_eq(rnnscan_act_parse("thresholdedrelu", &kind), RNNSCAN_OK);
    cr_expect_eq(kind, RNNSCAN_ACT_THRESHOLDED_RELU);
    expect_status(rnnscan_act_parse("Gelu", &kind), RNNSCAN_INVALID_ARGUMENT, "'Gelu'");
    expect_status(rnnscan_act_parse("default", &kind), RNNSCAN_INVALID_ARGUMENT, "'default'");
    expect_status(rnnscan_act_parse(NULL, &kind), RNNSCAN_INVALID_ARGUMENT, "(null)");
    expect_status(rnnscan_act_parse("Tanh", NULL), RNNSCAN_INVALID_ARGUMENT, "'Tanh'");
}
