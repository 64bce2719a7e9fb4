/* The backend under test (BACKEND, set by meson: opencl or cpu) against the
 * reference, on random non-saturating data, as a table of cases (`rows`
 * below, after ggml's test-backend-ops): each row names the cells, the shape
 * set, the values every feature takes (layers, bidirectional, per-sequence
 * lengths, batch_first, h0/c0, biases, schedule), how the case is run, its
 * seeds, and its tolerance with the reason for it.  A row expands to the
 * product of its features; `supported` says which of those cases the backend
 * under test runs (the rest are counted, not run).  A new variant (another
 * weight type, a cell option) is one more row with its own tolerance and one
 * more answer in `supported`, not another loop.
 *
 * Shapes break tiling: 1, primes, widths around the kernels' vectors and
 * tiles (8, 16, 64 +- 1), H >= 1000, B >= 300.  Each Criterion test is
 * parameterized by shape (a failure names it) and prints max|diff|/tol per
 * case; a failing element names the case, the row and its tolerance. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "expect.h"
#include "harness.h"

#ifndef BACKEND
#define BACKEND RNNSCAN_BACKEND_OPENCL
#endif

/* ---- Tolerances: |got - ref| <= atol + rtol * |ref| per element ---------- */

typedef struct tolerance {
    double atol, rtol;
    const char *why; /* short; the long form beside the definition */
} tolerance;

/* float32 weights, inputs and outputs.  Why 2e-5: the device sums
 * K = X + H float products with fma in float32 (relative error up to about
 * K * 2^-24 of the sum of |terms|, typically sqrt(K) * 2^-24) and evaluates
 * exp/tanh to a few ulp; the reference sums in double.  With PyTorch's init
 * the pre-activations are O(1) and the cells are contractive, so rounding
 * does not grow with T.  Measured on PoCL (the sweep prints max|diff|/tol per
 * case): the worst case used 0.1 of this tolerance (rnn_tanh, X = 1031,
 * H = 1024, about 4e-6).  2e-5 leaves a factor 10 for other devices'
 * exp/tanh (OpenCL allows 3-5 ulp) while catching any indexing or gate-order
 * error (dropping GRU's b_hn alone fails it). */
#define F32_VS_DOUBLE                                                                          \
    {2e-5, 2e-5,                                                                               \
     "f32 fma sums + few-ulp exp/tanh vs double; worst seen 0.1 of it (PoCL), x10 for devices"}

/* ---- Shape sets ----------------------------------------------------------- */

typedef struct shape {
    int T, B, X, H;
} shape;

/* Every cell's plain scan: 1, primes, 64 +- 1, H >= 1000, B >= 300. */
static shape sweep_shapes[] = {
    {1, 1, 1, 1},     {7, 3, 5, 11},    {3, 2, 13, 63},     {3, 2, 65, 64}, {2, 5, 64, 65},
    {5, 301, 17, 7},  {2, 2, 31, 1000}, {2, 1, 1031, 1024}, {17, 4, 3, 29}, {1, 67, 61, 2},
};

/* The features: 1, H = 1, primes, B >= 300 (with lengths: a long tail of
 * ending sequences), B = 1, sizes around the vector width (8) and the
 * kernels' panel width (16), one with products large enough that a
 * backend hands them to a BLAS library, and small batches with enough
 * recurrent work that the cpu backend shares each step's product among a
 * team of threads (cpu_team.c: B < 16, CPU_TEAM_MIN_SCAN_MACS). */
static shape feature_shapes[] = {
    {1, 1, 1, 1},    {7, 3, 5, 11},   {9, 2, 13, 1},  {5, 307, 17, 7}, {13, 5, 3, 31},
    {11, 1, 29, 17}, {6, 37, 19, 23}, {3, 2, 65, 64}, {4, 9, 8, 16},   {8, 4, 33, 130},
    {3, 64, 65, 257}, /* large enough for the cpu backend's OpenBLAS sgemm path */
    {48, 5, 37, 137}, {44, 1, 29, 257}, /* a cpu team: LSTM and GRU always, others with 2 layers */
};

#define COUNT(a) (sizeof(a) / sizeof(a)[0])

/* ---- The case table -------------------------------------------------------- */

/* The values a feature takes in a row: every integer in [lo, hi]. */
typedef struct span {
    int lo, hi;
} span;
#define OFF {0, 0} /* also what a row leaves unsaid */
#define ON {1, 1}
#define BOTH {0, 1}
#define ALL_CELLS {RNNSCAN_CELL_RNN_TANH, RNNSCAN_CELL_GRU}
#define BOTH_SCHEDULES {RNNSCAN_SCHEDULE_HOST, RNNSCAN_SCHEDULE_PERSISTENT}
#define HALF_TYPES {RNNSCAN_F16, RNNSCAN_BF16}
#define LSTM_ONLY {RNNSCAN_CELL_LSTM, RNNSCAN_CELL_LSTM}

/* The features, in the order a row expands them (the last varies fastest).
 * F_PROJ: 1 = an LSTM projection of P = H / 2 (H >= 2). */
enum {
    F_CELL, F_LAYERS, F_BIDIR, F_LENGTHS, F_BATCH_FIRST, F_BIAS, F_STATE, F_SCHEDULE,
    F_WEIGHT_TYPE, F_PROJ, F_REVERSE, F_VARIANT, FEATURES
};

typedef enum shape_set {
    SWEEP_SHAPES,   /* sweep/all_cells, one test per shape */
    FEATURE_SHAPES, /* features/all_cells, one test per shape */
    ROW_SHAPE,      /* the row's own .shape */
} shape_set;

typedef enum run_kind {
    SCAN,          /* a fresh model per case, one scan, every output compared */
    STEP_IN_PLACE, /* rnnscan_model_step with h_next = h_prev, c_next = c_prev, 3 steps */
    MANY_RUNS,     /* one model, many_runs[] below through it (sizes, lengths, h0 vary) */
} run_kind;

typedef struct row {
    const char *name;
    run_kind how;
    shape_set shapes;
    shape shape; /* for ROW_SHAPE */
    union {
        struct {
            span cell, layers, bidir, lengths, batch_first, bias, state, schedule, weight_type,
                proj, reverse, variant;
        };
        span feature[FEATURES];
    };
    /* > 0: biases are not enumerated but absent in every n-th combination */
    int bias_off_every;
    /* Seed of a case: seed_of(row, case, index), or row.seed + index, where
     * index counts the combinations in expansion order, the schedule, the
     * weight type and a derived bias not counted (the schedules and weight
     * types run the same problem). */
    uint64_t seed;
    uint64_t (*seed_of)(const struct row *r, const test_case *tc, unsigned index);
    tolerance tol;
} row;

/* Seeds the loops over cell, bias and state gave the all-cells sweep. */
static uint64_t seed_cell_bias_state(const row *r, const test_case *tc, unsigned index)
{
    (void)r, (void)index;
    return 1000u * (unsigned)tc->cell + 10u * (unsigned)tc->bias + (unsigned)tc->state;
}

/* One seed for every case of the row. */
static uint64_t seed_fixed(const row *r, const test_case *tc, unsigned index)
{
    (void)tc, (void)index;
    return r->seed;
}

static const row rows[] = {
    /* every cell, with and without biases, with and without h0/c0 */
    {.name = "cells",
     .how = SCAN,
     .shapes = SWEEP_SHAPES,
     .cell = ALL_CELLS,
     .bias = BOTH,
     .state = BOTH,
     .seed_of = seed_cell_bias_state,
     .tol = F32_VS_DOUBLE},
    /* every cell x layers 1..3 x bidirectional x lengths (random, unsorted) x
     * batch_first x h0/c0 given or not x schedule; biases on, except in every
     * third combination */
    {.name = "features",
     .how = SCAN,
     .shapes = FEATURE_SHAPES,
     .cell = ALL_CELLS,
     .layers = {1, 3},
     .bidir = BOTH,
     .lengths = BOTH,
     .batch_first = BOTH,
     .state = BOTH,
     .schedule = BOTH_SCHEDULES,
     .bias_off_every = 3,
     .seed = 7000,
     .tol = F32_VS_DOUBLE},
    /* f16 and bf16 weights: the reference computes with the same rounded
     * weights (src/model.c rounds them once for every backend), so the float32
     * tolerance holds unchanged; every cell and shape, both schedules */
    {.name = "weight types",
     .how = SCAN,
     .shapes = SWEEP_SHAPES,
     .cell = ALL_CELLS,
     .bias = ON,
     .state = ON,
     .schedule = BOTH_SCHEDULES,
     .weight_type = HALF_TYPES,
     .seed = 9000,
     .tol = F32_VS_DOUBLE},
    /* ... and with every sequence feature at once */
    {.name = "weight types features",
     .how = SCAN,
     .shapes = FEATURE_SHAPES,
     .cell = ALL_CELLS,
     .layers = {2, 2},
     .bidir = ON,
     .lengths = ON,
     .batch_first = ON,
     .bias = ON,
     .state = ON,
     .schedule = BOTH_SCHEDULES,
     .weight_type = HALF_TYPES,
     .seed = 9100,
     .tol = F32_VS_DOUBLE},
    /* LSTM projections (proj_size, P = H / 2): h, y, h0, h_n P wide, c H wide;
     * the projection is one more product of H terms per output, as the
     * recurrent one, so the float32 tolerance holds; every feature at once */
    {.name = "projections",
     .how = SCAN,
     .shapes = FEATURE_SHAPES,
     .cell = LSTM_ONLY,
     .layers = {1, 2},
     .bidir = BOTH,
     .lengths = BOTH,
     .batch_first = BOTH,
     .state = BOTH,
     .schedule = BOTH_SCHEDULES,
     .proj = ON,
     .bias_off_every = 3,
     .seed = 12000,
     .tol = F32_VS_DOUBLE},
    /* one direction running backwards (desc.reverse, ONNX's "reverse"): every
     * cell with every feature; the same arithmetic as a bidirectional
     * model's second direction, so the same tolerance */
    {.name = "reverse",
     .how = SCAN,
     .shapes = FEATURE_SHAPES,
     .cell = ALL_CELLS,
     .layers = {1, 2},
     .lengths = BOTH,
     .batch_first = BOTH,
     .state = BOTH,
     .schedule = BOTH_SCHEDULES,
     .reverse = ON,
     .bias_off_every = 3,
     .seed = 13000,
     .tol = F32_VS_DOUBLE},
    /* ONNX's cell variants (test_variants in harness.c: GRU reset_before,
     * LSTM peepholes and input_forget, clip, activations): the same sums and
     * the same kinds of functions as the plain cells' (HardSigmoid, clip and
     * the ReLUs are continuous, so rounding moves them no further than the
     * plain ones), so the same tolerance; every variant with every feature */
    {.name = "variants",
     .how = SCAN,
     .shapes = FEATURE_SHAPES,
     .cell = ALL_CELLS,
     .bidir = BOTH,
     .lengths = BOTH,
     .state = BOTH,
     .schedule = BOTH_SCHEDULES,
     .variant = {1, 17},
     .bias_off_every = 3,
     .seed = 14000,
     .tol = F32_VS_DOUBLE},
    {.name = "variants layers",
     .how = SCAN,
     .shapes = SWEEP_SHAPES,
     .cell = ALL_CELLS,
     .layers = {2, 2},
     .batch_first = ON,
     .bias = ON,
     .state = ON,
     .schedule = BOTH_SCHEDULES,
     .weight_type = {RNNSCAN_F32, RNNSCAN_BF16},
     .variant = {1, 17},
     .seed = 14100,
     .tol = F32_VS_DOUBLE},
    {.name = "variants step in place",
     .how = STEP_IN_PLACE,
     .shapes = ROW_SHAPE,
     .shape = {1, 5, 7, 19},
     .cell = ALL_CELLS,
     .bias = ON,
     .state = ON,
     .variant = {1, 17},
     .seed = 79,
     .seed_of = seed_fixed,
     .tol = F32_VS_DOUBLE},
    /* ... with f16 and bf16 weights (W_hr rounded too) */
    {.name = "projections weight types",
     .how = SCAN,
     .shapes = SWEEP_SHAPES,
     .cell = LSTM_ONLY,
     .bias = ON,
     .state = ON,
     .weight_type = HALF_TYPES,
     .proj = ON,
     .seed = 12100,
     .tol = F32_VS_DOUBLE},
    /* rnnscan_model_step in place, as the header allows, chained over steps */
    {.name = "step in place",
     .how = STEP_IN_PLACE,
     .shapes = ROW_SHAPE,
     .shape = {1, 5, 7, 19},
     .cell = ALL_CELLS,
     .bias = ON,
     .state = ON,
     .seed = 77,
     .seed_of = seed_fixed,
     .tol = F32_VS_DOUBLE},
    {.name = "projections step in place",
     .how = STEP_IN_PLACE,
     .shapes = ROW_SHAPE,
     .shape = {1, 5, 7, 19},
     .cell = LSTM_ONLY,
     .bias = ON,
     .state = ON,
     .proj = ON,
     .seed = 78,
     .seed_of = seed_fixed,
     .tol = F32_VS_DOUBLE},
    /* one model reused: any state the backend keeps between calls is redone;
     * one seed, so every run has the model's weights */
    {.name = "one model many runs",
     .how = MANY_RUNS,
     .shapes = ROW_SHAPE,
     .shape = {1, 1, 6, 10},
     .cell = ALL_CELLS,
     .layers = {2, 2},
     .bidir = ON,
     .batch_first = ON,
     .bias = ON,
     .seed = 31,
     .seed_of = seed_fixed,
     .tol = F32_VS_DOUBLE},
    {.name = "projections many runs",
     .how = MANY_RUNS,
     .shapes = ROW_SHAPE,
     .shape = {1, 1, 6, 10},
     .cell = LSTM_ONLY,
     .layers = {2, 2},
     .bidir = ON,
     .batch_first = ON,
     .bias = ON,
     .proj = ON,
     .seed = 32,
     .seed_of = seed_fixed,
     .tol = F32_VS_DOUBLE},
};

/* ---- What the backend under test runs -------------------------------------- */

typedef struct backend_caps {
    rnnscan_backend backend;
    int features; /* layers > 1, bidirectional, lengths, batch_first */
} backend_caps;

static const backend_caps under_test = {BACKEND,
#ifdef BACKEND_HAS_FEATURES
                                        1
#else
                                        0
#endif
};

/* Whether backend b runs case tc (of row r); the reason where it does not. */
static int supported(const backend_caps *b, const row *r, const test_case *tc, const char **why)
{
    (void)r;
    if (tc->schedule == RNNSCAN_SCHEDULE_PERSISTENT && b->backend != RNNSCAN_BACKEND_OPENCL) {
        *why = "the persistent schedule is OpenCL's";
        return 0;
    }
    if (tc->proj < 0) {
        *why = "a projection needs H >= 2 (P < H)";
        return 0;
    }
    if (tc->variant && test_variants[tc->variant].cell != tc->cell) {
        *why = "the variant is for another cell";
        return 0;
    }
    if (tc->proj && tc->schedule == RNNSCAN_SCHEDULE_PERSISTENT) {
        *why = "the persistent schedule does not run LSTM projections";
        return 0;
    }
    if (!b->features && (tc->layers > 1 || tc->bidir || tc->lengths || tc->batch_first)) {
        *why = "no layers, bidirectional, lengths or batch_first here";
        return 0;
    }
    *why = NULL;
    return 1;
}

/* ---- Expanding a row ------------------------------------------------------- */

static void set_feature(test_case *tc, int f, int v)
{
    switch (f) {
    case F_CELL: tc->cell = (rnnscan_cell)v; break;
    case F_LAYERS: tc->layers = v; break;
    case F_BIDIR: tc->bidir = v; break;
    case F_LENGTHS: tc->lengths = v; break;
    case F_BATCH_FIRST: tc->batch_first = v; break;
    case F_BIAS: tc->bias = v; break;
    case F_STATE: tc->state = v; break;
    case F_SCHEDULE: tc->schedule = (rnnscan_schedule)v; break;
    case F_WEIGHT_TYPE: tc->weight_type = (rnnscan_weight_type)v; break;
    case F_PROJ: tc->proj = !v ? 0 : tc->H >= 2 ? tc->H / 2 : -1; break; /* -1: unsupported */
    case F_REVERSE: tc->reverse = v; break;
    case F_VARIANT: tc->variant = v; break;
    }
}

/* Whether feature f counts in a row's combination index. */
static int indexed(const row *r, int f)
{
    return f != F_SCHEDULE && f != F_WEIGHT_TYPE && f != F_PROJ &&
           !(f == F_BIAS && r->bias_off_every > 0);
}

typedef void case_fn(const row *r, const test_case *tc, uint64_t seed, void *arg);

typedef struct counts {
    unsigned run, unsupported;
} counts;

/* Calls fn (NULL: none) for every case of row r on shape s that the backend
 * under test supports, in expansion order; counts them and the others. */
static counts expand(const row *r, shape s, case_fn *fn, void *arg)
{
    counts n = {0, 0};
    int v[FEATURES];
    for (int f = 0; f < FEATURES; f++)
        v[f] = r->feature[f].lo;
    for (;;) {
        test_case tc = {.T = s.T, .B = s.B, .X = s.X, .H = s.H};
        unsigned index = 0;
        for (int f = 0; f < FEATURES; f++) {
            set_feature(&tc, f, v[f]);
            if (indexed(r, f))
                index = index * (unsigned)(r->feature[f].hi - r->feature[f].lo + 1) +
                        (unsigned)(v[f] - r->feature[f].lo);
        }
        if (r->bias_off_every > 0)
            tc.bias = index % (unsigned)r->bias_off_every != 0;
        const char *why;
        if (supported(&under_test, r, &tc, &why)) {
            n.run++;
            if (fn)
                fn(r, &tc, r->seed_of ? r->seed_of(r, &tc, index) : r->seed + index, arg);
        } else {
            n.unsupported++;
        }
        int f = FEATURES - 1; /* the next combination, the last feature fastest */
        while (f >= 0 && ++v[f] > r->feature[f].hi)
            v[f] = r->feature[f].lo, f--;
        if (f < 0)
            return n;
    }
}

/* " [row NAME: tol ATOL + RTOL|ref|, WHY]", appended to every message. */
static const char *row_label(const row *r, char *buf, size_t size)
{
    snprintf(buf, size, " [row %s: tol %g + %g|ref|, %s]", r->name, r->tol.atol, r->tol.rtol,
             r->tol.why);
    return buf;
}

/* ---- Running cases --------------------------------------------------------- */

static rnnscan_context *ctx, *ref;

static void open_both(void)
{
    ctx = open_backend_or_skip(BACKEND);
    cr_assert_eq(rnnscan_context_create(NULL, &ref), RNNSCAN_OK);
}

static void close_both(void)
{
    rnnscan_context_free(ctx);
    rnnscan_context_free(ref);
}

static void report(const test_case *tc, double worst, const char *what)
{
    char name[160];
    fprintf(stderr, "%-60s max|diff|/tol = %.3f%s\n", case_name(tc, name, sizeof name), worst,
            what);
}

/* SCAN: runs the case on both backends and compares every output. */
static void run_scan(const row *r, const test_case *tc, uint64_t seed, void *arg)
{
    (void)arg;
    char label[200];
    double worst = expect_case(ctx, ref, tc, seed, row_label(r, label, sizeof label), r->tol.atol,
                               r->tol.rtol);
    report(tc, worst, "");
}

/* STEP_IN_PLACE: rnnscan_model_step with h_next = h_prev (and c), 3 steps. */
static void run_step_in_place(const row *r, const test_case *tc, uint64_t seed, void *arg)
{
    (void)arg;
    problem p;
    cr_assert(problem_make(&p, tc, seed), "out of memory");
    const int lstm = tc->cell == RNNSCAN_CELL_LSTM;
    const size_t n = (size_t)tc->B * tc->H, nh = (size_t)tc->B * (tc->proj ? tc->proj : tc->H);
    float *h[2], *c[2];
    rnnscan_context *ctxs[2] = {ctx, ref};
    for (int k = 0; k < 2; k++) {
        h[k] = malloc(nh * sizeof *h[k]);
        c[k] = malloc(n * sizeof *c[k]);
        cr_assert(h[k] && c[k], "out of memory");
        rnnscan_model *m;
        cr_assert_eq(rnnscan_model_create(ctxs[k], &p.desc, p.views, &m), RNNSCAN_OK, "%s",
                     rnnscan_last_error());
        memcpy(h[k], p.h0, nh * sizeof *h[k]);
        if (lstm)
            memcpy(c[k], p.c0, n * sizeof *c[k]);
        for (int step = 0; step < 3; step++)
            cr_assert_eq(rnnscan_model_step(m, tc->B, p.x, h[k], lstm ? c[k] : NULL, h[k],
                                            lstm ? c[k] : NULL),
                         RNNSCAN_OK, "%s", rnnscan_last_error());
        rnnscan_model_free(m);
    }
    char name[160], label[200], full[360];
    snprintf(full, sizeof full, "%s%s", case_name(tc, name, sizeof name),
             row_label(r, label, sizeof label));
    double worst = expect_close(full, "h (step in place)", h[0], h[1], nh, r->tol.atol, r->tol.rtol);
    if (lstm) {
        double wc =
            expect_close(full, "c (step in place)", c[0], c[1], n, r->tol.atol, r->tol.rtol);
        worst = wc > worst ? wc : worst;
    }
    report(tc, worst, " (step in place)");
    for (int k = 0; k < 2; k++)
        free(h[k]), free(c[k]);
    problem_free(&p);
}

/* MANY_RUNS: one model of the row's case, then these runs through it: sizes
 * grow and shrink, lengths come and go.  `cap`: every length below T, so the
 * last steps have no sequence at all. */
static const struct {
    int T, B, lengths, state, cap;
} many_runs[] = {{3, 2, 0, 0, 0},    {9, 40, 1, 1, 0}, {2, 1, 0, 1, 0},
                 {17, 301, 1, 0, 0}, {5, 7, 0, 0, 0},  {17, 301, 0, 1, 0},
                 {1, 3, 1, 1, 0},    {6, 5, 1, 0, 1},  {8, 1, 1, 1, 1}};

static void run_many_runs(const row *r, const test_case *base, uint64_t seed, void *arg)
{
    (void)arg;
    problem first;
    cr_assert(problem_make(&first, base, seed), "out of memory");
    rnnscan_model *model = NULL;
    cr_assert_eq(rnnscan_model_create(ctx, &first.desc, first.views, &model), RNNSCAN_OK, "%s",
                 rnnscan_last_error());
    for (size_t i = 0; i < COUNT(many_runs); i++) {
        test_case tc = *base;
        tc.T = many_runs[i].T, tc.B = many_runs[i].B, tc.lengths = many_runs[i].lengths;
        tc.state = many_runs[i].state;
        const char *why;
        if (!supported(&under_test, r, &tc, &why))
            continue;
        problem p; /* same seed and model shape: the same weights as `first` */
        outputs got, want;
        cr_assert(problem_make(&p, &tc, seed), "out of memory");
        for (int b = 0; many_runs[i].cap && b < tc.B; b++)
            p.lengths[b] = p.lengths[b] < tc.T - 1 ? p.lengths[b] : tc.T - 1;
        cr_assert(outputs_alloc(&got, &p) && outputs_alloc(&want, &p), "out of memory");
        cr_assert_eq(problem_run(ref, &p, &want), RNNSCAN_OK, "%s", rnnscan_last_error());
        cr_assert_eq(problem_scan(model, &p, &got), RNNSCAN_OK, "%s", rnnscan_last_error());
        char name[160], label[200], full[360];
        snprintf(full, sizeof full, "%s%s", case_name(&tc, name, sizeof name),
                 row_label(r, label, sizeof label));
        report(&tc, expect_outputs(full, &p, &got, &want, r->tol.atol, r->tol.rtol),
               " (one model, many runs)");
        outputs_free(&got);
        outputs_free(&want);
        problem_free(&p);
    }
    rnnscan_model_free(model);
    problem_free(&first);
}

/* Runs every row of `how` on shape set `set` (shape *s; NULL for ROW_SHAPE);
 * skips the test where the backend supports none of them.  For work on one
 * row, RNNSCAN_TEST_ROWS=TEXT runs only the rows whose name contains TEXT
 * (unset in CI: every row runs). */
static void run_rows(run_kind how, shape_set set, const shape *s)
{
    case_fn *fn = how == SCAN ? run_scan : how == STEP_IN_PLACE ? run_step_in_place
                                                                : run_many_runs;
    const char *only = getenv("RNNSCAN_TEST_ROWS");
    counts total = {0, 0};
    for (size_t i = 0; i < COUNT(rows); i++) {
        if (rows[i].how != how || rows[i].shapes != set ||
            (only && *only && !strstr(rows[i].name, only)))
            continue;
        counts n = expand(&rows[i], s ? *s : rows[i].shape, fn, NULL);
        total.run += n.run, total.unsupported += n.unsupported;
    }
    if (!total.run)
        cr_skip_test("backend %s supports none of these %u cases", rnnscan_backend_name(BACKEND),
                     total.unsupported);
}

/* ---- The tests ------------------------------------------------------------- */

/* The variant rows span test_variants[1 ..]: all of it. */
Test(variants, rows_cover_the_table)
{
    for (size_t i = 0; i < COUNT(rows); i++)
        if (rows[i].variant.hi)
            cr_expect_eq(rows[i].variant.hi, test_variant_count - 1, "row %s", rows[i].name);
}

ParameterizedTestParameters(sweep, all_cells)
{
    return cr_make_param_array(shape, sweep_shapes, COUNT(sweep_shapes));
}

ParameterizedTest(shape *s, sweep, all_cells, .init = open_both, .fini = close_both,
                  .timeout = 300)
{
    run_rows(SCAN, SWEEP_SHAPES, s);
}

ParameterizedTestParameters(features, all_cells)
{
    return cr_make_param_array(shape, feature_shapes, COUNT(feature_shapes));
}

ParameterizedTest(shape *s, features, all_cells, .init = open_both, .fini = close_both,
                  .timeout = 600)
{
    run_rows(SCAN, FEATURE_SHAPES, s);
}

Test(sweep, step_in_place, .init = open_both, .fini = close_both)
{
    run_rows(STEP_IN_PLACE, ROW_SHAPE, NULL);
}

Test(features, one_model_many_runs, .init = open_both, .fini = close_both, .timeout = 300)
{
    run_rows(MANY_RUNS, ROW_SHAPE, NULL);
}

/* A result that differs is caught: the sweep's check is able to fail. */
Test(sweep, comparison_catches_a_wrong_element)
{
    static const tolerance f32 = F32_VS_DOUBLE;
    float want[3] = {0.5f, -0.25f, 0.125f}, got[3] = {0.5f, -0.25f, 0.125f + 1e-3f};
    size_t at;
    cr_expect_gt(worst_ratio(got, want, 3, f32.atol, f32.rtol, &at), 1.0);
    cr_expect_eq(at, 2);
    got[2] = NAN;
    cr_expect(isinf(worst_ratio(got, want, 3, f32.atol, f32.rtol, &at)));
}

/* The table itself: every row is run by one of the tests above, has a
 * tolerance with its reason and features in order; prints how many cases
 * each row makes and how many of them this backend runs. */
Test(sweep, case_table)
{
    counts total = {0, 0};
    for (size_t i = 0; i < COUNT(rows); i++) {
        const row *r = &rows[i];
        cr_expect(r->how == SCAN ? r->shapes != ROW_SHAPE : r->shapes == ROW_SHAPE,
                  "row %s: no test runs it", r->name);
        cr_expect(r->tol.atol > 0 && r->tol.rtol >= 0 && r->tol.why && *r->tol.why,
                  "row %s: a tolerance needs its reason", r->name);
        for (int f = 0; f < FEATURES; f++)
            cr_expect(r->feature[f].lo <= r->feature[f].hi, "row %s: feature %d empty", r->name,
                      f);
        const shape *set = r->shapes == SWEEP_SHAPES     ? sweep_shapes
                           : r->shapes == FEATURE_SHAPES ? feature_shapes
                                                         : &r->shape;
        const size_t shapes = r->shapes == SWEEP_SHAPES     ? COUNT(sweep_shapes)
                              : r->shapes == FEATURE_SHAPES ? COUNT(feature_shapes)
                                                            : 1;
        counts n = {0, 0};
        for (size_t k = 0; k < shapes; k++) {
            counts c = expand(r, set[k], NULL, NULL);
            n.run += c.run, n.unsupported += c.unsupported;
        }
        /* MANY_RUNS: each case is a model put through every run */
        const unsigned per = r->how == MANY_RUNS ? (unsigned)COUNT(many_runs) : 1;
        fprintf(stderr, "case table: %-20s %5u cases run, %5u not supported by %s\n", r->name,
                n.run * per, n.unsupported * per, rnnscan_backend_name(BACKEND));
        total.run += n.run * per, total.unsupported += n.unsupported * per;
    }
    fprintf(stderr, "case table: %-20s %5u cases run, %5u not supported by %s\n", "all",
            total.run, total.unsupported, rnnscan_backend_name(BACKEND));
}
