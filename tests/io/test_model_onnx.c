/* ONNX models (src/io/model_onnx.c) on the reference backend: the golden
 * models (tests/golden/onnx_cases, generated with ONNX Runtime) load into the
 * model their case.json describes; the refused ones (onnx_refused) answer
 * with the status and the words that name why; malformed bytes and bad
 * arguments are errors, never crashes.  Outputs against ONNX Runtime's are
 * checked by tests/golden/check.py on every backend. */
#include <stdio.h>
#include <stdlib.h>

#include "io_test.h"

#define CASE(name) GOLDEN_DIR "/onnx_cases/" name "/model.onnx"
#define REFUSED(name) GOLDEN_DIR "/onnx_refused/" name "/model.onnx"

static rnnscan_context *reference(void)
{
    rnnscan_context *ctx = NULL;
    assert_ok(rnnscan_context_create(NULL, &ctx));
    return ctx;
}

/* Loads `path` (node `node`) and expects the description. */
static void expect_model(const char *path, const char *node, rnnscan_cell cell, int X, int H,
                         int bidir, int reverse, int batch_first)
{
    rnnscan_context *ctx = reference();
    rnnscan_model *m = NULL;
    assert_ok(rnnscan_model_load_onnx(ctx, path, node, &m));
    const rnnscan_model_desc d = rnnscan_model_describe(m);
    cr_expect_eq(d.cell, cell, "%s: cell %d", path, (int)d.cell);
    cr_expect(d.input_size == X && d.hidden_size == H, "%s: X=%d H=%d", path, d.input_size,
              d.hidden_size);
    cr_expect(d.bidirectional == bidir && d.reverse == reverse && d.batch_first == batch_first,
              "%s: bidirectional %d reverse %d batch_first %d", path, d.bidirectional, d.reverse,
              d.batch_first);
    cr_expect_eq(d.num_layers, 1);
    rnnscan_model_free(m);
    rnnscan_context_free(ctx);
}

Test(model_onnx, golden_models_load_as_described)
{
    expect_model(CASE("onnx_lstm_fwd_T5_B3_X4_H6_bias_h0_c0"), NULL, RNNSCAN_CELL_LSTM, 4, 6, 0,
                 0, 0);
    expect_model(CASE("onnx_lstm_rev_T6_B3_X4_H5_len32_bias_h0_c0"), NULL, RNNSCAN_CELL_LSTM, 4,
                 5, 0, 1, 0);
    expect_model(CASE("onnx_lstm_bidir_layout1_T5_B3_X4_H3_len64_bias_h0_c0"), NULL,
                 RNNSCAN_CELL_LSTM, 4, 3, 1, 0, 1);
    expect_model(CASE("onnx_lstm_fwd_T4_B2_X3_H5_nobias_floatdata"), NULL, RNNSCAN_CELL_LSTM, 3,
                 5, 0, 0, 0);
    expect_model(CASE("onnx_lstm_fwd_T5_B2_X3_H4_bias_h0_c0_f64init"), NULL, RNNSCAN_CELL_LSTM,
                 3, 4, 0, 0, 0);
    expect_model(CASE("onnx_lstm_fwd_T4_B2_X3_H3_bias_h0_node"), "lstm_second",
                 RNNSCAN_CELL_LSTM, 3, 3, 0, 0, 0);
    expect_model(CASE("onnx_gru_bidir_T6_B4_X3_H5_len32_bias_h0"), NULL, RNNSCAN_CELL_GRU, 3, 5,
                 1, 0, 0);
    expect_model(CASE("onnx_rnn_relu_bidir_T5_B2_X3_H4_bias_h0"), NULL, RNNSCAN_CELL_RNN_RELU, 3,
                 4, 1, 0, 0);
    expect_model(CASE("onnx_rnn_tanh_rev_T4_B2_X9_H9_nobias_h0"), NULL, RNNSCAN_CELL_RNN_TANH, 9,
                 9, 0, 1, 0);
}

/* Loads `path` and expects its cell variant: reset_before, peepholes,
 * input_forget, clip, and the activations (kind, alpha, beta) at f, g, h. */
static void expect_variant(const char *path, int reset_before, int peepholes, int input_forget,
                           float clip, const rnnscan_activation acts[3])
{
    rnnscan_context *ctx = reference();
    rnnscan_model *m = NULL;
    assert_ok(rnnscan_model_load_onnx(ctx, path, NULL, &m));
    const rnnscan_model_desc d = rnnscan_model_describe(m);
    cr_expect(d.gru_reset_before == reset_before && d.peepholes == peepholes &&
                  d.input_forget == input_forget && d.clip == clip,
              "%s: reset_before %d peepholes %d input_forget %d clip %g", path,
              d.gru_reset_before, d.peepholes, d.input_forget, (double)d.clip);
    for (int i = 0; i < 3; i++)
        cr_expect(d.activations[i].kind == acts[i].kind && d.activations[i].alpha == acts[i].alpha &&
                      d.activations[i].beta == acts[i].beta,
                  "%s: activation %d is %s %g %g, expected %s %g %g", path, i,
                  rnnscan_act_name(d.activations[i].kind), (double)d.activations[i].alpha,
                  (double)d.activations[i].beta, rnnscan_act_name(acts[i].kind),
                  (double)acts[i].alpha, (double)acts[i].beta);
    rnnscan_model_free(m);
    rnnscan_context_free(ctx);
}

#define ACT(kind, alpha, beta) {RNNSCAN_ACT_##kind, alpha, beta}

/* The attributes become the description: linear_before_reset absent means
 * 0; P converted; alpha / beta consumed in order by the functions that take
 * them, the operator's default past the list's end (Elu's 1.0 below). */
Test(model_onnx, variants_load_as_described)
{
    const rnnscan_activation none[3] = {{0}};
    expect_variant(CASE("onnx_gru_lbr0_fwd_T6_B3_X4_H5_bias_h0"), 1, 0, 0, 0.0f, none);
    expect_variant(CASE("onnx_gru_fwd_T6_B3_X5_H4_bias_h0"), 0, 0, 0, 0.0f, none);
    expect_variant(CASE("onnx_lstm_peephole_inputforget_bidir_T5_B2_X4_H4_len32_bias_h0_c0"), 0,
                   1, 1, 0.0f, none);
    expect_variant(CASE("onnx_lstm_clip0p6_fwd_T5_B3_X4_H6_bias_h0_c0"), 0, 0, 0, 0.6f, none);
    const rnnscan_activation all[3] = {ACT(HARD_SIGMOID, 0.25f, 0.5f), ACT(SOFTSIGN, 0, 0),
                                       ACT(SCALED_TANH, 1.2f, 0.7f)};
    expect_variant(CASE("onnx_lstm_allvariants_bidir_layout1_T5_B3_X4_H4_len64_bias_h0_c0"), 0, 1,
                   0, 0.8f, all);
    const rnnscan_activation leaky_elu[3] = {ACT(SIGMOID, 0, 0), ACT(LEAKY_RELU, 0.3f, 0),
                                             ACT(ELU, 1.0f, 0)};
    expect_variant(CASE("onnx_lstm_sigmoid_leakyrelu_elu_ab_fwd_T4_B3_X3_H4_bias_h0_c0"), 0, 0, 0,
                   0.0f, leaky_elu);
    /* an RNN's Tanh or Relu is the plain cell; others are its f */
    const rnnscan_activation hard[3] = {ACT(HARD_SIGMOID, 0.5f, 0.6f)};
    expect_variant(CASE("onnx_rnn_hardsigmoid_ab_fwd_T5_B3_X4_H4_bias_h0"), 0, 0, 0, 0.0f, hard);
    expect_model(CASE("onnx_rnn_hardsigmoid_ab_fwd_T5_B3_X4_H4_bias_h0"), NULL,
                 RNNSCAN_CELL_RNN_TANH, 4, 4, 0, 0, 0);
}

static void expect_refused(const char *path, const char *node, rnnscan_status want,
                           const char *part)
{
    rnnscan_context *ctx = reference();
    rnnscan_model *m = (rnnscan_model *)&m;
    assert_fails(rnnscan_model_load_onnx(ctx, path, node, &m), want, part);
    cr_assert_null(m, "*out is NULL on failure");
    cr_expect(strstr(rnnscan_context_error(ctx), part) != NULL, "context error: %s",
              rnnscan_context_error(ctx));
    rnnscan_context_free(ctx);
}

Test(model_onnx, refused_models_name_why)
{
    expect_refused(REFUSED("rnn_bidir_activations_differ"), NULL, RNNSCAN_NOT_SUPPORTED,
                   "different activations per direction (Tanh and Relu at position 0)");
    expect_refused(REFUSED("lstm_bidir_activations_differ"), NULL, RNNSCAN_NOT_SUPPORTED,
                   "different activations per direction (Tanh and Softsign at position 2)");
    expect_refused(REFUSED("lstm_w_graph_input"), NULL, RNNSCAN_NOT_SUPPORTED,
                   "not an initializer");
    expect_refused(REFUSED("two_lstm_nodes"), NULL, RNNSCAN_INVALID_ARGUMENT,
                   "2 RNN, GRU or LSTM nodes ('lstm0' (LSTM), 'lstm1' (LSTM))");
    expect_refused(REFUSED("two_lstm_nodes"), "lstm9", RNNSCAN_INVALID_ARGUMENT,
                   "no RNN, GRU or LSTM node named 'lstm9'");
    expect_refused(GOLDEN_DIR "/onnx_refused/no_such_model.onnx", NULL, RNNSCAN_IO_ERROR,
                   "no_such_model.onnx");
}

Test(model_onnx, malformed_bytes_and_arguments)
{
    rnnscan_context *ctx = reference();
    rnnscan_model *m = (rnnscan_model *)&m;
    static const unsigned char junk[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x08};
    assert_fails(rnnscan_model_from_onnx(ctx, junk, sizeof junk, NULL, NULL, &m),
                 RNNSCAN_FORMAT_ERROR, "not an ONNX model");
    cr_assert_null(m);
    assert_fails(rnnscan_model_from_onnx(ctx, "", 0, NULL, NULL, &m), RNNSCAN_FORMAT_ERROR,
                 "no graph");
    assert_fails(rnnscan_model_from_onnx(NULL, junk, sizeof junk, NULL, NULL, &m),
                 RNNSCAN_INVALID_ARGUMENT, "context is NULL");
    assert_fails(rnnscan_model_from_onnx(ctx, junk, sizeof junk, NULL, NULL, NULL),
                 RNNSCAN_INVALID_ARGUMENT, "out is NULL");
    assert_fails(rnnscan_model_load_onnx(ctx, NULL, NULL, &m), RNNSCAN_INVALID_ARGUMENT,
                 "path is NULL");
    rnnscan_context_free(ctx);
}
