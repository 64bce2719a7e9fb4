/* The reference's sequence features against their definitions, built from
 * simpler reference runs: bidirectional = a forward model plus a reverse one
 * over the reversed sequence; stacked layers = chained one-layer models;
 * lengths = each sequence run alone over its own length; batch_first = the
 * transposed layout.  PyTorch golden files (tests/golden) check the same
 * semantics against PyTorch itself. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "harness.h"

static rnnscan_context *ref;
static void open_reference(void) { cr_assert_eq(rnnscan_context_create(NULL, &ref), RNNSCAN_OK); }
static void close_reference(void) { rnnscan_context_free(ref); }
TestSuite(features, .init = open_reference, .fini = close_reference);

enum { T = 6, B = 4, X = 5, H = 3 };

/* Runs a one-layer, one-direction model with the given weights. */
static void run_single(rnnscan_cell cell, int in, const rnnscan_weights *w, int T_, int B_,
                       const float *x, const float *h0, const float *c0, float *y, float *h_n,
                       float *c_n)
{
    rnnscan_model_desc desc = {.cell = cell, .input_size = in, .hidden_size = H, .num_layers = 1};
    rnnscan_model *m = NULL;
    cr_assert_eq(rnnscan_model_create(ref, &desc, w, &m), RNNSCAN_OK, "%s", rnnscan_last_error());
    rnnscan_run r = {.seq_len = T_, .batch = B_, .x = x, .h0 = h0, .c0 = c0, .y = y, .h_n = h_n,
                     .c_n = c_n};
    cr_assert_eq(rnnscan_model_scan(m, &r), RNNSCAN_OK, "%s", rnnscan_last_error());
    rnnscan_model_free(m);
}

Test(features, bidirectional_is_forward_plus_reversed)
{
    for (int cell = 0; cell < 4; cell++) {
        test_case tc = {.cell = (rnnscan_cell)cell, .T = T, .B = B, .X = X, .H = H,
                .bias = 1, .state = 1, .layers = 1, .bidir = 1};
        problem p;
        outputs o;
        cr_assert(problem_make(&p, &tc, 5) && outputs_alloc(&o, &p));
        cr_assert_eq(problem_run(ref, &p, &o), RNNSCAN_OK, "%s", rnnscan_last_error());
        int lstm = cell == RNNSCAN_CELL_LSTM;
        float xr[T * B * X], y[T * B * H], h_n[B * H], c_n[B * H];
        for (int t = 0; t < T; t++) /* reversed in time */
            memcpy(xr + t * B * X, p.x + (T - 1 - t) * B * X, sizeof(float) * B * X);
        for (int dir = 0; dir < 2; dir++) {
            const float *xin = dir ? xr : p.x;
            run_single(tc.cell, X, &p.views[dir], T, B, xin, p.h0 + dir * B * H,
                       lstm ? p.c0 + dir * B * H : NULL, y, h_n, lstm ? c_n : NULL);
            for (int t = 0; t < T; t++)
                for (int i = 0; i < B * H; i++) {
                    int ts = dir ? T - 1 - t : t, b = i / H, j = i % H;
                    cr_expect_eq(o.y[(ts * B + b) * 2 * H + dir * H + j], y[t * B * H + i],
                                 "cell %d dir %d t %d i %d", cell, dir, t, i);
                }
            cr_expect(memcmp(o.h_n + dir * B * H, h_n, sizeof h_n) == 0, "h_n dir %d", dir);
            if (lstm)
                cr_expect(memcmp(o.c_n + dir * B * H, c_n, sizeof c_n) == 0, "c_n dir %d", dir);
        }
        outputs_free(&o);
        problem_free(&p);
    }
}

/* Tolerance 1e-6: the stacked model passes layer 0's output on in double,
 * the chained runs round it to float (half an ulp of values below 1). */
Test(features, layers_chain)
{
    for (int cell = 0; cell < 4; cell++) {
        test_case tc = {.cell = (rnnscan_cell)cell, .T = T, .B = B, .X = X, .H = H,
                .bias = 1, .state = 1, .layers = 3};
        problem p;
        outputs o;
        cr_assert(problem_make(&p, &tc, 9) && outputs_alloc(&o, &p));
        cr_assert_eq(problem_run(ref, &p, &o), RNNSCAN_OK, "%s", rnnscan_last_error());
        int lstm = cell == RNNSCAN_CELL_LSTM;
        float in[T * B * X], y[T * B * H], h_n[B * H], c_n[B * H];
        memcpy(in, p.x, sizeof in);
        int width = X;
        for (int l = 0; l < 3; l++) {
            run_single(tc.cell, width, &p.views[l], T, B, in, p.h0 + l * B * H,
                       lstm ? p.c0 + l * B * H : NULL, y, h_n, lstm ? c_n : NULL);
            for (int i = 0; i < B * H; i++) {
                cr_expect(fabsf(o.h_n[l * B * H + i] - h_n[i]) < 1e-6, "cell %d layer %d", cell, l);
                if (lstm)
                    cr_expect(fabsf(o.c_n[l * B * H + i] - c_n[i]) < 1e-6);
            }
            memcpy(in, y, sizeof y);
            width = H;
        }
        for (int i = 0; i < T * B * H; i++)
            cr_expect(fabsf(o.y[i] - y[i]) < 1e-6, "cell %d y[%d] %.9g vs %.9g", cell, i, o.y[i],
                      y[i]);
        outputs_free(&o);
        problem_free(&p);
    }
}

Test(features, lengths_run_each_sequence_alone)
{
    for (int cell = 0; cell < 4; cell++) {
        test_case tc = {.cell = (rnnscan_cell)cell, .T = T, .B = B, .X = X, .H = H,
                .bias = 1, .state = 1, .layers = 1, .bidir = 1, .lengths = 1};
        problem p;
        outputs o;
        cr_assert(problem_make(&p, &tc, 13) && outputs_alloc(&o, &p));
        p.lengths[0] = 2, p.lengths[1] = T, p.lengths[2] = 1, p.lengths[3] = 4; /* unsorted */
        cr_assert_eq(problem_run(ref, &p, &o), RNNSCAN_OK, "%s", rnnscan_last_error());
        int lstm = cell == RNNSCAN_CELL_LSTM;
        for (int b = 0; b < B; b++) {
            int len = p.lengths[b];
            for (int dir = 0; dir < 2; dir++) {
                float x1[T * X], y1[T * H], h1[H], c1[H];
                for (int s = 0; s < len; s++) /* sequence b alone, reversed for dir 1 */
                    memcpy(x1 + s * X, p.x + ((dir ? len - 1 - s : s) * B + b) * X,
                           sizeof(float) * X);
                const float *h0 = p.h0 + (dir * B + b) * H;
                const float *c0 = lstm ? p.c0 + (dir * B + b) * H : NULL;
                run_single(tc.cell, X, &p.views[dir], len, 1, x1, h0, c0, y1, h1,
                           lstm ? c1 : NULL);
                for (int t = 0; t < T; t++)
                    for (int j = 0; j < H; j++) {
                        float want = t < len ? y1[(dir ? len - 1 - t : t) * H + j] : 0.0f;
                        cr_expect_eq(o.y[(t * B + b) * 2 * H + dir * H + j], want,
                                     "cell %d b %d dir %d t %d", cell, b, dir, t);
                    }
                cr_expect(memcmp(o.h_n + (dir * B + b) * H, h1, sizeof h1) == 0);
                if (lstm)
                    cr_expect(memcmp(o.c_n + (dir * B + b) * H, c1, sizeof c1) == 0);
            }
        }
        outputs_free(&o);
        problem_free(&p);
    }
}

Test(features, batch_first_is_transposed)
{
    test_case tm = {.cell = RNNSCAN_CELL_GRU, .T = T, .B = B, .X = X, .H = H,
            .bias = 1, .state = 1, .layers = 2, .bidir = 1, .lengths = 1};
    test_case bf = tm;
    bf.batch_first = 1;
    problem p, q;
    outputs o, ob;
    cr_assert(problem_make(&p, &tm, 21) && problem_make(&q, &bf, 21));
    cr_assert(outputs_alloc(&o, &p) && outputs_alloc(&ob, &q));
    for (int t = 0; t < T; t++) /* q.x [B][T][X] = p.x [T][B][X] transposed */
        for (int b = 0; b < B; b++)
            memcpy(q.x + (b * T + t) * X, p.x + (t * B + b) * X, sizeof(float) * X);
    cr_assert_eq(problem_run(ref, &p, &o), RNNSCAN_OK, "%s", rnnscan_last_error());
    cr_assert_eq(problem_run(ref, &q, &ob), RNNSCAN_OK, "%s", rnnscan_last_error());
    for (int t = 0; t < T; t++)
        for (int b = 0; b < B; b++)
            cr_expect(memcmp(ob.y + (b * T + t) * 2 * H, o.y + (t * B + b) * 2 * H,
                             sizeof(float) * 2 * H) == 0, "t %d b %d", t, b);
    cr_expect(memcmp(ob.h_n, o.h_n, sizeof(float) * p.h_elems) == 0, "states stay [L*D][B][H]");
    outputs_free(&o);
    outputs_free(&ob);
    problem_free(&p);
    problem_free(&q);
}
