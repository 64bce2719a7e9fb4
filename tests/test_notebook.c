/* The notebook's worked examples ("RNN a pie"), on the reference backend,
 * plus steps small enough to check by hand. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "harness.h"

static rnnscan_context *ref;
static void open_reference(void) { cr_assert_eq(rnnscan_context_create(NULL, &ref), RNNSCAN_OK); }
static void close_reference(void) { rnnscan_context_free(ref); }
TestSuite(notebook, .init = open_reference, .fini = close_reference);

static rnnscan_model *model_of(rnnscan_cell cell, int X, int H, rnnscan_weights w)
{
    rnnscan_model_desc desc = {.cell = cell, .input_size = X, .hidden_size = H, .num_layers = 1};
    rnnscan_model *m = NULL;
    rnnscan_status st = rnnscan_model_create(ref, &desc, &w, &m);
    cr_assert_eq(st, RNNSCAN_OK, "model_create: %s", rnnscan_last_error());
    return m;
}

/* nh = 2, nx = 3, w_hh = 1, w_hx = 9, h = 1, x = 9, b = 0: h_t = [[1.], [1.]] */
Test(notebook, vanilla_step_gives_ones)
{
    float w_hh[4] = {1, 1, 1, 1}, w_hx[6] = {9, 9, 9, 9, 9, 9}, h[2] = {1, 1}, x[3] = {9, 9, 9};
    float out[2] = {NAN, NAN};
    rnnscan_model *m = model_of(RNNSCAN_CELL_RNN_TANH, 3, 2, (rnnscan_weights){.w_ih = w_hx,
                                                                               .w_hh = w_hh});
    cr_assert_eq(rnnscan_model_step(m, 1, x, h, NULL, out, NULL), RNNSCAN_OK);
    cr_expect_eq(out[0], 1.0f); /* tanh(245) rounds to exactly 1 */
    cr_expect_eq(out[1], 1.0f);
    rnnscan_model_free(m);
}

/* H = X = 1, gate order i, f, g, o.  By hand (double, printed with repr):
 *   pre-activations i 0.5*1 + 0.1*0.5 = 0.55, f -0.15, g 0.6, o 1.2
 *   i = 0.6341355910108007, f = 0.46257015465625045,
 *   g = 0.5370495669980353, o = 0.7685247834990175
 *   c = f*(-1) + i*g = -0.12200791008585671, h = o*tanh(c) = -0.09330359123654607
 * Tolerance 1e-7: one rounding of a value below 1 to float (half an ulp of 1
 * is 6e-8). */
Test(notebook, lstm_step_by_hand)
{
    float w_ih[4] = {0.5f, -0.25f, 0.75f, 1.0f}, w_hh[4] = {0.1f, 0.2f, -0.3f, 0.4f};
    float x = 1.0f, h = 0.5f, c = -1.0f, h_out = NAN, c_out = NAN;
    rnnscan_model *m = model_of(RNNSCAN_CELL_LSTM, 1, 1, (rnnscan_weights){.w_ih = w_ih,
                                                                           .w_hh = w_hh});
    cr_assert_eq(rnnscan_model_step(m, 1, &x, &h, &c, &h_out, &c_out), RNNSCAN_OK);
    cr_expect(fabs(c_out - -0.12200791008585671) < 1e-7, "c = %.9g", c_out);
    cr_expect(fabs(h_out - -0.09330359123654607) < 1e-7, "h = %.9g", h_out);
    rnnscan_model_free(m);
}

/* GRU, gate order r, z, n, with b_hn = 0.2 inside r * (W_hn h + b_hn):
 *   r = sigmoid(0.5 + 0.05) = 0.6341355910108007, z = sigmoid(-0.15) = 0.46257015465625045
 *   n = tanh(0.75 + r * (-0.15 + 0.2)) = 0.6536852618852216
 *   h = (1 - z) n + z 0.5 = 0.5825950465265883 */
Test(notebook, gru_step_by_hand)
{
    float w_ih[3] = {0.5f, -0.25f, 0.75f}, w_hh[3] = {0.1f, 0.2f, -0.3f};
    float b_hh[3] = {0, 0, 0.2f}, x = 1.0f, h = 0.5f, out = NAN;
    rnnscan_model *m = model_of(RNNSCAN_CELL_GRU, 1, 1, (rnnscan_weights){.w_ih = w_ih,
                                                                          .w_hh = w_hh,
                                                                          .b_hh = b_hh});
    cr_assert_eq(rnnscan_model_step(m, 1, &x, &h, NULL, &out, NULL), RNNSCAN_OK);
    cr_expect(fabs(out - 0.5825950465265883) < 1e-7, "h = %.9g", out);
    rnnscan_model_free(m);
}

Test(notebook, relu_step_by_hand)
{
    float w_ih[2] = {1.0f, -1.0f}, w_hh[4] = {0.5f, 0, 0, 0.5f}, b[2] = {0.25f, 0};
    float x = 2.0f, h[2] = {1.0f, 1.0f}, out[2] = {NAN, NAN};
    rnnscan_model *m = model_of(RNNSCAN_CELL_RNN_RELU, 1, 2, (rnnscan_weights){.w_ih = w_ih,
                                                                               .w_hh = w_hh,
                                                                               .b_ih = b});
    cr_assert_eq(rnnscan_model_step(m, 1, &x, h, NULL, out, NULL), RNNSCAN_OK);
    cr_expect_eq(out[0], 2.75f); /* 2 + 0.5 + 0.25 */
    cr_expect_eq(out[1], 0.0f);  /* relu(-2 + 0.5) */
    rnnscan_model_free(m);
}

/* The notebook's forward_LSTM with separate matrices, in double. */
static double sig(double v) { return 1.0 / (1.0 + exp(-v)); }
static double affine(const float *U, const float *W, const float *x, const float *h, int r, int X,
                     int H)
{
    double s = 0;
    for (int k = 0; k < X; k++)
        s += (double)U[r * X + k] * x[k];
    for (int k = 0; k < H; k++)
        s += (double)W[r * H + k] * h[k];
    return s;
}

/* The documented mapping: W_ih = [Ui; Uf; U; Uo], W_hh = [Wi; Wf; W; Wo]. */
Test(notebook, lstm_weight_mapping)
{
    enum { X = 3, H = 2 };
    float Ui[H * X], Uf[H * X], Uo[H * X], U[H * X], Wi[H * H], Wf[H * H], Wo[H * H], W[H * H];
    float x[X], h[H], c[H];
    rng r = rng_seeded(7);
    float *all[] = {Ui, Uf, Uo, U};
    for (int i = 0; i < 4; i++)
        fill_uniform(&r, all[i], H * X, -0.7f, 0.7f);
    float *allw[] = {Wi, Wf, Wo, W};
    for (int i = 0; i < 4; i++)
        fill_uniform(&r, allw[i], H * H, -0.7f, 0.7f);
    fill_normal(&r, x, X, 1.0f);
    fill_normal(&r, h, H, 1.0f);
    fill_normal(&r, c, H, 1.0f);
    float w_ih[4 * H * X], w_hh[4 * H * H];
    const float *blocks_ih[4] = {Ui, Uf, U, Uo}, *blocks_hh[4] = {Wi, Wf, W, Wo};
    for (int g = 0; g < 4; g++) {
        memcpy(w_ih + g * H * X, blocks_ih[g], sizeof Ui);
        memcpy(w_hh + g * H * H, blocks_hh[g], sizeof Wi);
    }
    float h_out[H], c_out[H];
    rnnscan_model *m = model_of(RNNSCAN_CELL_LSTM, X, H, (rnnscan_weights){.w_ih = w_ih,
                                                                           .w_hh = w_hh});
    cr_assert_eq(rnnscan_model_step(m, 1, x, h, c, h_out, c_out), RNNSCAN_OK);
    for (int j = 0; j < H; j++) {
        double i = sig(affine(Ui, Wi, x, h, j, X, H)), f = sig(affine(Uf, Wf, x, h, j, X, H));
        double o = sig(affine(Uo, Wo, x, h, j, X, H)), g = tanh(affine(U, W, x, h, j, X, H));
        double c_t = f * c[j] + i * g, h_t = o * tanh(c_t);
        cr_expect(fabs(c_out[j] - c_t) < 1e-6, "C_t[%d] %.9g vs notebook %.9g", j, c_out[j], c_t);
        cr_expect(fabs(h_out[j] - h_t) < 1e-6, "h_t[%d] %.9g vs notebook %.9g", j, h_out[j], h_t);
    }
    rnnscan_model_free(m);
}

/* scan = the step repeated, feeding h (and c) back.  Tolerance 1e-6: the scan
 * keeps its state in double between steps, the repeated step rounds it to
 * float each time (half an ulp, 6e-8, per step over 9 contractive steps). */
static void check_scan_is_repeated_step(rnnscan_cell cell)
{
    enum { T = 9, B = 3, X = 5, H = 4 };
    problem p;
    test_case tc = {.cell = cell, .T = T, .B = B, .X = X, .H = H, .bias = 1, .state = 1};
    cr_assert(problem_make(&p, &tc, 42));
    outputs o;
    cr_assert(outputs_alloc(&o, &p));
    cr_assert_eq(problem_run(ref, &p, &o), RNNSCAN_OK, "%s", rnnscan_last_error());

    rnnscan_model *m = NULL;
    cr_assert_eq(rnnscan_model_create(ref, &p.desc, p.views, &m), RNNSCAN_OK);
    float h[B * H], c[B * H];
    memcpy(h, p.h0, sizeof h);
    if (p.c0)
        memcpy(c, p.c0, sizeof c);
    int lstm = cell == RNNSCAN_CELL_LSTM;
    for (int t = 0; t < T; t++) {
        cr_assert_eq(rnnscan_model_step(m, B, p.x + t * B * X, h, lstm ? c : NULL, h,
                                        lstm ? c : NULL),
                     RNNSCAN_OK);
        for (int i = 0; i < B * H; i++)
            cr_expect(fabs(h[i] - o.y[t * B * H + i]) < 1e-6, "%s t=%d i=%d: step %.9g scan %.9g",
                      rnnscan_cell_name(cell), t, i, h[i], o.y[t * B * H + i]);
    }
    for (int i = 0; i < B * H; i++) {
        cr_expect(fabs(h[i] - o.h_n[i]) < 1e-6);
        if (lstm)
            cr_expect(fabs(c[i] - o.c_n[i]) < 1e-6);
    }
    rnnscan_model_free(m);
    outputs_free(&o);
    problem_free(&p);
}

Test(notebook, scan_is_repeated_step)
{
    for (int cell = 0; cell < 4; cell++)
        check_scan_is_repeated_step((rnnscan_cell)cell);
}
