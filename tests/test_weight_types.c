/* rnnscan_model_desc.weight_type on the reference backend: an F16 / BF16
 * model computes exactly what an F32 model computes on weights rounded
 * beforehand (so every backend can be checked against the reference at the
 * float32 tolerance, tests/test_backend_vs_reference.c), rounding really
 * happens, the caller's arrays are left alone, and what cannot be stored is
 * refused with a message.  The rounding itself: tests/test_half.c. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../src/half.h"
#include "harness.h"

static rnnscan_context *ref;

static void open_ref(void) { cr_assert_eq(rnnscan_context_create(NULL, &ref), RNNSCAN_OK); }
static void close_ref(void) { rnnscan_context_free(ref); }

static void round_array(rnnscan_weight_type type, float *w, size_t n)
{
    for (size_t i = 0; w && i < n; i++)
        w[i] = type == RNNSCAN_F16 ? rnnscan_f16_to_f32(rnnscan_f32_to_f16(w[i]))
                                   : rnnscan_bf16_to_f32(rnnscan_f32_to_bf16(w[i]));
}

/* Every cell, 2 layers, bidirectional, lengths, h0/c0: type T on the caller's
 * weights gives bit for bit what F32 gives on weights the test rounded. */
static void same_as_rounded_f32(rnnscan_weight_type type)
{
    for (int cell = 0; cell < 4; cell++) {
        test_case tc = {.cell = (rnnscan_cell)cell, .T = 7, .B = 5, .X = 9, .H = 13, .bias = 1,
                        .state = 1, .layers = 2, .bidir = 1, .lengths = 1};
        problem as_given, pre_rounded;
        cr_assert(problem_make(&as_given, &tc, 42) && problem_make(&pre_rounded, &tc, 42));
        as_given.desc.weight_type = type;
        const float first = as_given.weights[0].w_hh[0];
        const size_t G = (size_t)rnnscan_cell_gates(tc.cell), H = (size_t)tc.H;
        for (int i = 0; i < 4; i++) {
            const size_t in = i < 2 ? (size_t)tc.X : 2 * H;
            weights_buf *w = &pre_rounded.weights[i];
            round_array(type, w->w_ih, G * H * in);
            round_array(type, w->w_hh, G * H * H);
            round_array(type, w->b_ih, G * H);
            round_array(type, w->b_hh, G * H);
        }
        outputs got, want, plain;
        cr_assert(outputs_alloc(&got, &as_given) && outputs_alloc(&want, &as_given) &&
                  outputs_alloc(&plain, &as_given));
        cr_assert_eq(problem_run(ref, &as_given, &got), RNNSCAN_OK, "%s", rnnscan_last_error());
        cr_assert_eq(problem_run(ref, &pre_rounded, &want), RNNSCAN_OK);
        as_given.desc.weight_type = RNNSCAN_F32;
        cr_assert_eq(problem_run(ref, &as_given, &plain), RNNSCAN_OK);
        cr_assert_eq(as_given.weights[0].w_hh[0], first, "the caller's weights must not change");
        cr_assert_eq(memcmp(got.y, want.y, as_given.y_elems * sizeof(float)), 0,
                     "%s %s: y differs from F32 on pre-rounded weights",
                     rnnscan_cell_name(tc.cell), rnnscan_weight_type_name(type));
        cr_assert_eq(memcmp(got.h_n, want.h_n, as_given.h_elems * sizeof(float)), 0);
        if (got.c_n)
            cr_assert_eq(memcmp(got.c_n, want.c_n, as_given.state_elems * sizeof(float)), 0);
        /* rounding happened: the result moved away from float32 weights' */
        const double moved = max_abs_diff(got.y, plain.y, as_given.y_elems);
        fprintf(stderr, "%-8s %-4s: max |y - y(f32 weights)| = %.3g\n", rnnscan_cell_name(tc.cell),
                rnnscan_weight_type_name(type), moved);
        cr_assert_gt(moved, 0.0, "%s weights gave float32's result: not rounded",
                     rnnscan_weight_type_name(type));
        outputs_free(&got), outputs_free(&want), outputs_free(&plain);
        problem_free(&as_given), problem_free(&pre_rounded);
    }
}

Test(weight_types, f16_is_f32_on_rounded_weights, .init = open_ref, .fini = close_ref)
{
    same_as_rounded_f32(RNNSCAN_F16);
}

Test(weight_types, bf16_is_f32_on_rounded_weights, .init = open_ref, .fini = close_ref)
{
    same_as_rounded_f32(RNNSCAN_BF16);
}

Test(weight_types, refused_when_not_storable, .init = open_ref, .fini = close_ref)
{
    float w_ih[4 * 3] = {0}, w_hh[4 * 3 * 3] = {0};
    w_hh[5] = 70000.0f; /* above f16's largest, 65504 */
    rnnscan_weights weights = {.w_ih = w_ih, .w_hh = w_hh};
    rnnscan_model_desc desc = {.cell = RNNSCAN_CELL_LSTM, .input_size = 1, .hidden_size = 3,
                               .weight_type = RNNSCAN_F16};
    rnnscan_model *m = (rnnscan_model *)&m;
    cr_assert_eq(rnnscan_model_create(ref, &desc, &weights, &m), RNNSCAN_INVALID_ARGUMENT);
    cr_assert_null(m);
    cr_assert(strstr(rnnscan_last_error(), "weights[0].w_hh[5] = 70000") &&
                  strstr(rnnscan_last_error(), "f16"),
              "message: %s", rnnscan_last_error());
    desc.weight_type = RNNSCAN_BF16; /* float32's range */
    cr_assert_eq(rnnscan_model_create(ref, &desc, &weights, &m), RNNSCAN_OK, "%s",
                 rnnscan_last_error());
    cr_assert_eq(rnnscan_model_describe(m).weight_type, RNNSCAN_BF16);
    rnnscan_model_free(m);
    desc.weight_type = (rnnscan_weight_type)7;
    cr_assert_eq(rnnscan_model_create(ref, &desc, &weights, &m), RNNSCAN_INVALID_ARGUMENT);
    cr_assert(strstr(rnnscan_last_error(), "weight_type 7"), "message: %s", rnnscan_last_error());
}

Test(weight_types, names)
{
    rnnscan_weight_type t;
    for (int i = 0; i < 3; i++) {
        const char *name = rnnscan_weight_type_name((rnnscan_weight_type)i);
        cr_assert_not_null(name);
        cr_assert_eq(rnnscan_weight_type_parse(name, &t), RNNSCAN_OK);
        cr_assert_eq((int)t, i);
    }
    cr_assert_eq(rnnscan_weight_type_parse("BF16", &t), RNNSCAN_OK);
    cr_assert_eq(t, RNNSCAN_BF16);
    cr_assert_eq(rnnscan_weight_type_parse("fp16", &t), RNNSCAN_INVALID_ARGUMENT);
    cr_assert(strstr(rnnscan_last_error(), "'fp16'"));
    cr_assert_null(rnnscan_weight_type_name((rnnscan_weight_type)3));
}
