/* Models from PyTorch-named .npz state_dicts: the same outputs as
 * rnnscan_model_create with the same weights, and every name and shape
 * error named. */
#include <stdio.h>
#include <stdlib.h>

#include "io_test.h"
#include "support.h"

enum { MAX_LD = 8, MAX_ARRAYS = 5 * MAX_LD + 1 };

/* What to write: a whole state_dict, optionally spoilt in one way. */
typedef struct spec {
    rnnscan_cell cell;
    int X, H, layers, dirs, bias;
    int proj;            /* an LSTM's proj_size: weight_hr_l<k> [P][H], weight_hh [4H][P] */
    const char *drop;    /* leave this array out */
    const char *extra;   /* add this array, shape (4,) */
    const char *reshape; /* give this array `shape` instead */
    int ndim;
    size_t shape[2];
} spec;

/* The file, and the same weights for rnnscan_model_create (index l*D + d). */
typedef struct state_dict {
    char *path;
    float *pool; /* every array's values, each in its own stretch */
    rnnscan_weights w[MAX_LD];
} state_dict;

static const char *const bases[5] = {"weight_ih", "weight_hh", "bias_ih", "bias_hh",
                                     "weight_hr"};

static void write_state_dict(const char *dir, const spec *s, state_dict *out)
{
    static char names[MAX_ARRAYS][40];
    const char *name_ptrs[MAX_ARRAYS];
    rnnscan_array arrays[MAX_ARRAYS];
    cr_assert(s->layers * s->dirs <= MAX_LD);
    size_t G = (size_t)rnnscan_cell_gates(s->cell), H = (size_t)s->H, rows = G * H;
    size_t cols = (size_t)(s->X > s->dirs * s->H ? s->X : s->dirs * s->H);
    size_t stretch = rows * cols, pool_n = MAX_ARRAYS * stretch + 100 * 100;
    out->pool = malloc(pool_n * sizeof *out->pool);
    rng r = rng_seeded(7);
    fill_uniform(&r, out->pool, pool_n, -0.5f, 0.5f);
    memset(out->w, 0, sizeof out->w);
    int n = 0;
    for (int l = 0; l < s->layers; l++) {
        for (int d = 0; d < s->dirs; d++) {
            for (int p = 0; p < 5; p++) {
                if ((p == 2 || p == 3) ? !s->bias : p == 4 ? !s->proj : 0)
                    continue;
                float *data = out->pool + (size_t)((l * s->dirs + d) * 5 + p) * stretch;
                const float **slot[5] = {&out->w[l * s->dirs + d].w_ih,
                                         &out->w[l * s->dirs + d].w_hh,
                                         &out->w[l * s->dirs + d].b_ih,
                                         &out->w[l * s->dirs + d].b_hh,
                                         &out->w[l * s->dirs + d].w_hr};
                *slot[p] = data;
                snprintf(names[n], sizeof names[n], "%s_l%d%s", bases[p], l,
                         d ? "_reverse" : "");
                if (s->drop && strcmp(s->drop, names[n]) == 0)
                    continue;
                rnnscan_array *a = &arrays[n];
                const size_t S = s->proj ? (size_t)s->proj : H; /* the state width */
                a->ndim = p < 2 || p == 4 ? 2 : 1;
                a->shape[0] = p == 4 ? S : rows;
                a->shape[1] = p == 4 ? H : p == 1 ? S : l == 0 ? (size_t)s->X : (size_t)s->dirs * S;
                a->data = data;
                if (s->reshape && strcmp(s->reshape, names[n]) == 0) {
                    a->ndim = s->ndim;
                    a->shape[0] = s->shape[0];
                    a->shape[1] = s->shape[1];
                    a->data = out->pool;
                }
                name_ptrs[n] = names[n];
                n++;
            }
        }
    }
    if (s->extra) {
        snprintf(names[n], sizeof names[n], "%s", s->extra);
        arrays[n] = (rnnscan_array){.ndim = 1, .shape = {4}, .data = out->pool};
        name_ptrs[n] = names[n];
        n++;
    }
    out->path = write_npz(dir, "model.npz", n, name_ptrs, arrays);
}

static void free_state_dict(state_dict *sd)
{
    free(sd->path);
    free(sd->pool);
}

/* Runs both models on the same inputs (initial states included); every
 * output must be identical. */
static void assert_same_outputs(rnnscan_model *a, rnnscan_model *b)
{
    enum { T = 5, B = 3 };
    rnnscan_model_desc desc = rnnscan_model_describe(a);
    int lstm = desc.cell == RNNSCAN_CELL_LSTM;
    size_t LD = (size_t)(desc.num_layers > 1 ? desc.num_layers : 1) * (desc.bidirectional ? 2 : 1);
    size_t D = desc.bidirectional ? 2 : 1, H = (size_t)desc.hidden_size;
    size_t S = desc.proj_size ? (size_t)desc.proj_size : H; /* h: S wide, c: H */
    size_t nx = (size_t)T * B * (size_t)desc.input_size, ny = (size_t)T * B * D * S;
    size_t ns = LD * B * H, nout = ny + 2 * ns; /* h_n takes LD*B*S of its ns */
    float *buf = malloc((nx + 2 * ns + 2 * nout) * sizeof *buf);
    float *x = buf, *h0 = x + nx, *c0 = h0 + ns, *out[2] = {c0 + ns, c0 + ns + nout};
    rng r = rng_seeded(11);
    fill_uniform(&r, x, nx + 2 * ns, -1, 1);
    rnnscan_model *models[2] = {a, b};
    for (int m = 0; m < 2; m++) {
        rnnscan_run run = {.seq_len = T, .batch = B, .x = x, .h0 = h0, .c0 = lstm ? c0 : NULL,
                           .y = out[m], .h_n = out[m] + ny, .c_n = lstm ? out[m] + ny + ns : NULL};
        fill_nan(out[m], nout);
        if (!lstm)
            memset(out[m] + ny + ns, 0, ns * sizeof(float));
        assert_ok(rnnscan_model_scan(models[m], &run));
    }
    cr_assert_eq(memcmp(out[0], out[1], nout * sizeof(float)), 0,
                 "outputs differ (max |diff| %g)", max_abs_diff(out[0], out[1], nout));
    free(buf);
}

/* The loaded model must equal rnnscan_model_create with the same weights;
 * when model_create cannot run the description (NOT_SUPPORTED), the loader
 * must give the same answer: it got through every name and shape check. */
static void check_model_proj(rnnscan_cell cell, int layers, int dirs, int bias, int proj)
{
    enum { X = 6, H = 5 };
    rnnscan_context *ctx;
    assert_ok(rnnscan_context_create(NULL, &ctx));
    char *dir = temp_dir();
    spec s = {.cell = cell, .X = X, .H = H, .layers = layers, .dirs = dirs, .bias = bias,
              .proj = proj};
    state_dict sd;
    write_state_dict(dir, &s, &sd);

    rnnscan_model_desc desc = {.cell = cell, .input_size = X, .hidden_size = H,
                               .num_layers = layers, .bidirectional = dirs == 2,
                               .proj_size = proj};
    rnnscan_model *direct = NULL, *loaded = NULL, *inferred = NULL;
    rnnscan_status want = rnnscan_model_create(ctx, &desc, sd.w, &direct);
    cr_assert(want == RNNSCAN_OK || want == RNNSCAN_NOT_SUPPORTED, "model_create: %s",
              rnnscan_last_error());
    rnnscan_status st = rnnscan_model_load_npz(ctx, sd.path, &desc, &loaded);
    cr_assert_eq(st, want, "load_npz: %s, model_create: %s; %s", rnnscan_status_name(st),
                 rnnscan_status_name(want), rnnscan_last_error());
    /* sizes left 0 come from the arrays */
    rnnscan_model_desc bare = desc;
    bare.input_size = bare.hidden_size = bare.proj_size = 0;
    st = rnnscan_model_load_npz(ctx, sd.path, &bare, &inferred);
    cr_assert_eq(st, want, "load_npz (sizes 0): %s", rnnscan_last_error());
    if (want == RNNSCAN_OK) {
        rnnscan_model_desc got = rnnscan_model_describe(inferred);
        cr_assert(got.input_size == X && got.hidden_size == H && got.proj_size == proj,
                  "inferred X=%d H=%d P=%d", got.input_size, got.hidden_size, got.proj_size);
        assert_same_outputs(direct, loaded);
        assert_same_outputs(direct, inferred);
    }
    rnnscan_model_free(direct);
    rnnscan_model_free(loaded);
    rnnscan_model_free(inferred);
    free_state_dict(&sd);
    remove_dir(dir);
    rnnscan_context_free(ctx);
}

static void check_model(rnnscan_cell cell, int layers, int dirs, int bias)
{
    check_model_proj(cell, layers, dirs, bias, 0);
}

static void check_cell(rnnscan_cell cell, int bias) { check_model(cell, 1, 1, bias); }

/* PyTorch's nn.LSTM(proj_size=P): weight_hr_l<k>, P and H read from it. */
Test(model_npz, lstm_with_projections)
{
    check_model_proj(RNNSCAN_CELL_LSTM, 1, 1, 1, 3);
    check_model_proj(RNNSCAN_CELL_LSTM, 2, 2, 0, 1);
    check_model_proj(RNNSCAN_CELL_LSTM, 2, 1, 1, 4);
}


Test(model_npz, lstm_with_and_without_biases)
{
    check_cell(RNNSCAN_CELL_LSTM, 1);
    check_cell(RNNSCAN_CELL_LSTM, 0);
}

Test(model_npz, gru_with_and_without_biases)
{
    check_cell(RNNSCAN_CELL_GRU, 1);
    check_cell(RNNSCAN_CELL_GRU, 0);
}

Test(model_npz, rnn_with_and_without_biases)
{
    check_cell(RNNSCAN_CELL_RNN_TANH, 1);
    check_cell(RNNSCAN_CELL_RNN_TANH, 0);
    check_cell(RNNSCAN_CELL_RNN_RELU, 1);
}

Test(model_npz, numpy_written_state_dict)
{
    /* fixture: savez_compressed, X = 3, H = 2, one bias stored as '<f8' */
    rnnscan_context *ctx;
    assert_ok(rnnscan_context_create(NULL, &ctx));
    rnnscan_npz *npz;
    assert_ok(rnnscan_npz_open(FIXTURE("lstm_state_dict.npz"), &npz));
    rnnscan_array a[4];
    for (int p = 0; p < 4; p++) {
        char name[32];
        snprintf(name, sizeof name, "%s_l0", bases[p]);
        assert_ok(rnnscan_npz_get(npz, name, &a[p]));
    }
    cr_assert_eq(a[0].data[0], -12.0f / 16); /* the fixture's ramp */
    cr_assert_eq(a[3].data[7], 2.0f / 16);
    rnnscan_weights w = {.w_ih = a[0].data, .w_hh = a[1].data, .b_ih = a[2].data,
                         .b_hh = a[3].data};
    rnnscan_model_desc desc = {.cell = RNNSCAN_CELL_LSTM, .input_size = 3, .hidden_size = 2};
    rnnscan_model *direct, *loaded;
    assert_ok(rnnscan_model_create(ctx, &desc, &w, &direct));
    rnnscan_model_desc bare = {.cell = RNNSCAN_CELL_LSTM};
    assert_ok(rnnscan_model_from_npz(ctx, npz, &bare, &loaded));
    assert_same_outputs(direct, loaded);
    /* the wrong cell: G*H rows do not match */
    rnnscan_model *m;
    rnnscan_model_desc gru = {.cell = RNNSCAN_CELL_GRU, .hidden_size = 2};
    assert_fails(rnnscan_model_from_npz(ctx, npz, &gru, &m), RNNSCAN_FORMAT_ERROR,
                 "weight_hh_l0: expected shape (6, 2), found (8, 2)");
    cr_assert_eq(m, NULL);
    for (int p = 0; p < 4; p++)
        rnnscan_array_free(&a[p]);
    rnnscan_model_free(direct);
    rnnscan_model_free(loaded);
    rnnscan_npz_close(npz);
    rnnscan_context_free(ctx);
}

/* Writes the spoilt state_dict and expects FORMAT_ERROR naming `part`. */
static void assert_load_fails(const spec *s, const rnnscan_model_desc *desc, const char *part)
{
    rnnscan_context *ctx;
    assert_ok(rnnscan_context_create(NULL, &ctx));
    char *dir = temp_dir();
    state_dict sd;
    write_state_dict(dir, s, &sd);
    rnnscan_model *m = (rnnscan_model *)1;
    assert_fails(rnnscan_model_load_npz(ctx, sd.path, desc, &m), RNNSCAN_FORMAT_ERROR, part);
    cr_assert_eq(m, NULL);
    cr_assert(strstr(rnnscan_context_error(ctx), part) != NULL, "context error: %s",
              rnnscan_context_error(ctx));
    cr_assert(strstr(rnnscan_last_error(), sd.path) != NULL, "the path is named");
    free_state_dict(&sd);
    remove_dir(dir);
    rnnscan_context_free(ctx);
}

Test(model_npz, missing_arrays)
{
    spec s = {.cell = RNNSCAN_CELL_LSTM, .X = 10, .H = 20, .layers = 1, .dirs = 1, .bias = 1};
    rnnscan_model_desc desc = {.cell = RNNSCAN_CELL_LSTM};
    s.drop = "weight_hh_l0";
    assert_load_fails(&s, &desc, "missing array 'weight_hh_l0'");
    s.drop = "weight_ih_l0";
    assert_load_fails(&s, &desc, "missing array 'weight_ih_l0'");
    s.drop = "bias_hh_l0";
    assert_load_fails(&s, &desc,
                      "missing array 'bias_hh_l0': 'bias_ih_l0' is present, and PyTorch saves "
                      "both biases or neither");
    s.drop = "bias_ih_l0";
    assert_load_fails(&s, &desc, "missing array 'bias_ih_l0'");
    /* asking for more layers than the file has */
    s.drop = NULL;
    desc.num_layers = 3;
    assert_load_fails(&s, &desc, "missing array 'weight_ih_l1'");
    desc.num_layers = 1;
    desc.bidirectional = 1;
    assert_load_fails(&s, &desc, "missing array 'weight_ih_l0_reverse'");
}

Test(model_npz, unexpected_arrays)
{
    spec s = {.cell = RNNSCAN_CELL_GRU, .X = 4, .H = 3, .layers = 2, .dirs = 1, .bias = 1};
    rnnscan_model_desc desc = {.cell = RNNSCAN_CELL_GRU};
    /* a 2-layer file for a 1-layer model */
    assert_load_fails(&s, &desc, "unexpected array 'weight_ih_l1': the model has 1 layer");
    s.layers = 1;
    s.extra = "weight_ih_l3";
    desc.num_layers = 2;
    assert_load_fails(&s, &desc, "unexpected array 'weight_ih_l3': the model has 2 layers");
    desc.num_layers = 0;
    s.extra = "running_mean";
    assert_load_fails(&s, &desc, "unexpected array 'running_mean': not a parameter name");
    s.extra = "weight_hr_l0"; /* projections are LSTM only */
    assert_load_fails(&s, &desc, "unexpected array 'weight_hr_l0': projections (weight_hr, "
                                 "PyTorch's proj_size) are lstm only");
    s.extra = "weight_ih_l00";
    assert_load_fails(&s, &desc, "unexpected array 'weight_ih_l00'");
    s.extra = "bias_hh_l0_reversed";
    assert_load_fails(&s, &desc, "unexpected array 'bias_hh_l0_reversed'");
    s.extra = "bias_hh_l99999999999999999999";
    assert_load_fails(&s, &desc, "the model has 1 layer");
    s.extra = "weight_ih_l0_reverse";
    assert_load_fails(&s, &desc,
                      "unexpected array 'weight_ih_l0_reverse': the model is not bidirectional");
}

Test(model_npz, misshapen_arrays)
{
    spec s = {.cell = RNNSCAN_CELL_LSTM, .X = 10, .H = 20, .layers = 1, .dirs = 1, .bias = 1};
    rnnscan_model_desc desc = {.cell = RNNSCAN_CELL_LSTM, .input_size = 10, .hidden_size = 20};
    s.reshape = "weight_hh_l0", s.ndim = 2, s.shape[0] = 80, s.shape[1] = 21;
    assert_load_fails(&s, &desc, "weight_hh_l0: expected shape (80, 20), found (80, 21)");
    s.reshape = "weight_ih_l0", s.shape[0] = 80, s.shape[1] = 12;
    assert_load_fails(&s, &desc, "weight_ih_l0: expected shape (80, 10), found (80, 12)");
    s.reshape = "bias_hh_l0", s.ndim = 1, s.shape[0] = 81;
    assert_load_fails(&s, &desc, "bias_hh_l0: expected shape (80,), found (81,)");
    s.reshape = "bias_ih_l0", s.ndim = 2, s.shape[0] = 80, s.shape[1] = 1;
    assert_load_fails(&s, &desc, "bias_ih_l0: expected shape (80,), found (80, 1)");
    /* sizes inferred: H from weight_hh_l0, then its rows must be 4*H */
    rnnscan_model_desc bare = {.cell = RNNSCAN_CELL_LSTM};
    s.reshape = "weight_hh_l0", s.ndim = 2, s.shape[0] = 80, s.shape[1] = 21;
    assert_load_fails(&s, &bare, "weight_hh_l0: expected shape (84, 21), found (80, 21)");
    s.reshape = "weight_hh_l0", s.ndim = 1, s.shape[0] = 80;
    assert_load_fails(&s, &bare,
                      "weight_hh_l0: expected shape (4*H, H) with 0 < H <= INT_MAX, found (80,)");
    s.reshape = "weight_ih_l0", s.ndim = 2, s.shape[0] = 80, s.shape[1] = 0;
    assert_load_fails(&s, &bare,
                      "weight_ih_l0: expected shape (80, X) with 0 < X <= INT_MAX, found (80, 0)");
    /* the 2nd layer's input is D*H wide */
    s.layers = 2, s.dirs = 2, s.H = 3, s.X = 4;
    s.reshape = "weight_ih_l1_reverse", s.ndim = 2, s.shape[0] = 12, s.shape[1] = 3;
    rnnscan_model_desc deep = {.cell = RNNSCAN_CELL_LSTM, .num_layers = 2, .bidirectional = 1};
    assert_load_fails(&s, &deep, "weight_ih_l1_reverse: expected shape (12, 6), found (12, 3)");
}

Test(model_npz, foreign_archive_is_refused)
{
    /* an archive of other arrays: the first foreign name is reported */
    rnnscan_context *ctx;
    assert_ok(rnnscan_context_create(NULL, &ctx));
    rnnscan_npz *npz;
    assert_ok(rnnscan_npz_open(FIXTURE("savez.npz"), &npz));
    rnnscan_model *m;
    rnnscan_model_desc desc = {.cell = RNNSCAN_CELL_LSTM};
    assert_fails(rnnscan_model_from_npz(ctx, npz, &desc, &m), RNNSCAN_FORMAT_ERROR,
                 "unexpected array 'm23'");
    rnnscan_npz_close(npz);
    rnnscan_context_free(ctx);
}

/* Stacked and bidirectional files: every layer-direction's arrays land at
 * index layer*D + direction (check_model compares the outputs).  Were the
 * model core to answer NOT_SUPPORTED for them, check_model demands the same
 * answer from the loader, never FORMAT_ERROR. */
Test(model_npz, stacked_and_bidirectional)
{
    check_model(RNNSCAN_CELL_LSTM, 2, 1, 1);
    check_model(RNNSCAN_CELL_GRU, 1, 2, 1);
    check_model(RNNSCAN_CELL_RNN_TANH, 3, 2, 0);
    check_model(RNNSCAN_CELL_LSTM, 2, 2, 1);
}

Test(model_npz, numpy_written_deep_state_dict)
{
    /* fixture: 2-layer bidirectional GRU, no biases, X = 2, H = 1 */
    rnnscan_context *ctx;
    assert_ok(rnnscan_context_create(NULL, &ctx));
    rnnscan_npz *npz;
    assert_ok(rnnscan_npz_open(FIXTURE("gru_2layer_bidir_nobias.npz"), &npz));
    cr_assert_eq(rnnscan_npz_count(npz), 8);
    rnnscan_model *m = NULL;
    rnnscan_model_desc desc = {.cell = RNNSCAN_CELL_GRU, .num_layers = 2, .bidirectional = 1};
    /* NOT_SUPPORTED today, OK once stacked bidirectional models exist */
    rnnscan_status st = rnnscan_model_from_npz(ctx, npz, &desc, &m);
    cr_assert(st == RNNSCAN_OK || st == RNNSCAN_NOT_SUPPORTED, "%s: %s",
              rnnscan_status_name(st), rnnscan_last_error());
    rnnscan_model_free(m);
    desc.num_layers = 1;
    assert_fails(rnnscan_model_from_npz(ctx, npz, &desc, &m), RNNSCAN_FORMAT_ERROR,
                 "unexpected array 'weight_ih_l1'");
    desc.num_layers = 2;
    desc.bidirectional = 0;
    assert_fails(rnnscan_model_from_npz(ctx, npz, &desc, &m), RNNSCAN_FORMAT_ERROR,
                 "unexpected array 'weight_ih_l0_reverse': the model is not bidirectional");
    desc.bidirectional = 1;
    desc.input_size = 3;
    assert_fails(rnnscan_model_from_npz(ctx, npz, &desc, &m), RNNSCAN_FORMAT_ERROR,
                 "weight_ih_l0: expected shape (3, 3), found (3, 2)");
    rnnscan_npz_close(npz);
    rnnscan_context_free(ctx);
}

Test(model_npz, bad_arguments)
{
    rnnscan_context *ctx;
    assert_ok(rnnscan_context_create(NULL, &ctx));
    rnnscan_npz *npz;
    assert_ok(rnnscan_npz_open(FIXTURE("lstm_state_dict.npz"), &npz));
    rnnscan_model *m;
    rnnscan_model_desc desc = {.cell = RNNSCAN_CELL_LSTM};
    assert_fails(rnnscan_model_from_npz(NULL, npz, &desc, &m), RNNSCAN_INVALID_ARGUMENT,
                 "context is NULL");
    assert_fails(rnnscan_model_from_npz(ctx, NULL, &desc, &m), RNNSCAN_INVALID_ARGUMENT,
                 "npz is NULL");
    assert_fails(rnnscan_model_from_npz(ctx, npz, NULL, &m), RNNSCAN_INVALID_ARGUMENT,
                 "desc is NULL");
    assert_fails(rnnscan_model_from_npz(ctx, npz, &desc, NULL), RNNSCAN_INVALID_ARGUMENT,
                 "out is NULL");
    rnnscan_model_desc bad = {.cell = (rnnscan_cell)9};
    assert_fails(rnnscan_model_from_npz(ctx, npz, &bad, &m), RNNSCAN_INVALID_ARGUMENT,
                 "unknown cell 9");
    bad = (rnnscan_model_desc){.cell = RNNSCAN_CELL_LSTM, .num_layers = -1};
    assert_fails(rnnscan_model_from_npz(ctx, npz, &bad, &m), RNNSCAN_INVALID_ARGUMENT,
                 "num_layers = -1");
    /* a huge num_layers costs nothing: the first missing layer is reported */
    bad = (rnnscan_model_desc){.cell = RNNSCAN_CELL_LSTM, .num_layers = 2147483647,
                               .bidirectional = 1};
    assert_fails(rnnscan_model_from_npz(ctx, npz, &bad, &m), RNNSCAN_FORMAT_ERROR,
                 "missing array 'weight_ih_l0_reverse'");
    /* batch_first: the loader passes model_create's answer through */
    bad = (rnnscan_model_desc){.cell = RNNSCAN_CELL_LSTM, .batch_first = 1};
    rnnscan_status st = rnnscan_model_from_npz(ctx, npz, &bad, &m);
    cr_assert(st == RNNSCAN_OK || st == RNNSCAN_NOT_SUPPORTED, "%s", rnnscan_last_error());
    rnnscan_model_free(st == RNNSCAN_OK ? m : NULL);
    assert_fails(rnnscan_model_load_npz(ctx, FIXTURE("no-such.npz"), &desc, &m),
                 RNNSCAN_IO_ERROR, "no-such.npz");
    rnnscan_npz_close(npz);
    rnnscan_context_free(ctx);
}

Test(model_npz, projection_errors)
{
    spec s = {.cell = RNNSCAN_CELL_LSTM, .X = 6, .H = 5, .layers = 2, .dirs = 2, .bias = 1,
              .proj = 3};
    rnnscan_model_desc desc = {.cell = RNNSCAN_CELL_LSTM, .num_layers = 2, .bidirectional = 1};
    s.drop = "weight_hr_l1_reverse";
    assert_load_fails(&s, &desc,
                      "missing array 'weight_hr_l1_reverse' (weight_hr_l0 is present");
    s.drop = NULL;
    s.reshape = "weight_hr_l1", s.ndim = 2, s.shape[0] = 3, s.shape[1] = 4;
    assert_load_fails(&s, &desc, "weight_hr_l1: expected shape (3, 5), found (3, 4)");
    s.reshape = "weight_hr_l0", s.ndim = 1, s.shape[0] = 3;
    assert_load_fails(&s, &desc, "weight_hr_l0: expected shape (proj_size, H)");
    s.reshape = NULL;
    desc.proj_size = 2; /* the caller's P must match the file's */
    assert_load_fails(&s, &desc, "weight_hr_l0: expected shape (2, 5), found (3, 5)");
    /* asking for a projection the file does not have */
    spec plain = {.cell = RNNSCAN_CELL_LSTM, .X = 6, .H = 5, .layers = 1, .dirs = 1, .bias = 1};
    rnnscan_model_desc one = {.cell = RNNSCAN_CELL_LSTM, .proj_size = 2};
    assert_load_fails(&plain, &one, "proj_size = 2 but there is no weight_hr_l0");
}
