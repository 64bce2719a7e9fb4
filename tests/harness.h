/* Test harness: builds a random, non-saturating problem, runs it on a context
 * with NaN-poisoned outputs, and compares two runs element by element. */
#ifndef RNNSCAN_TEST_HARNESS_H
#define RNNSCAN_TEST_HARNESS_H

#include "rnnscan.h"
#include "support.h"

/* One test case: network shape, batch, and which optional parts are present. */
typedef struct test_case {
    rnnscan_cell cell;
    int T, B, X, H;
    int bias;    /* biases present */
    int state;   /* h0 (and c0 for LSTM) given */
    int layers;  /* 0/1 = one layer */
    int bidir;
    int batch_first;
    int lengths; /* random per-sequence lengths in [1, T] */
    rnnscan_schedule schedule;
    rnnscan_weight_type weight_type; /* 0 = F32 */
    int proj;    /* LSTM proj_size P (0: none): h, y, h0, h_n are P wide */
    int reverse; /* one direction, running backwards (desc.reverse) */
    int variant; /* an ONNX cell variant: index into test_variants (0: PyTorch's cell) */
} test_case;

/* ONNX cell variants for the tests: the description fields each sets
 * (gru_reset_before, peepholes, input_forget, clip, activations) and the cell
 * it is for; entry 0 is PyTorch's plain cell.  Peephole weights are drawn
 * like the others, U(-1/sqrt(H), 1/sqrt(H)). */
typedef struct test_variant {
    const char *name;
    rnnscan_cell cell;
    rnnscan_model_desc desc; /* only the variant fields are read */
} test_variant;
extern const test_variant test_variants[];
extern const int test_variant_count;

/* Inputs (owned) for a case: weights U(-1/sqrt(H), 1/sqrt(H)) like PyTorch's
 * init, x and h0/c0 ~ N(0, 1). */
typedef struct problem {
    test_case tc;
    rnnscan_model_desc desc;
    weights_buf *weights; /* L*D */
    rnnscan_weights *views;
    float *x, *h0, *c0;
    float *peep; /* [L*D][3H] peephole weights, with a variant that has them */
    int *lengths;
    size_t x_elems, y_elems, state_elems; /* state: c of all L*D layer-directions */
    size_t h_elems;                       /* h of all L*D: state_elems, or P wide */
} problem;

/* Outputs (owned) of one run. */
typedef struct outputs {
    float *y, *h_n, *c_n;
} outputs;

int problem_make(problem *p, const test_case *tc, uint64_t seed);
void problem_free(problem *p);
int outputs_alloc(outputs *o, const problem *p);
void outputs_free(outputs *o);

/* Runs p on ctx into o (poisoned with NaN first).  Returns the status; on
 * failure writes the detail to stderr through the test. */
rnnscan_status problem_run(rnnscan_context *ctx, const problem *p, outputs *o);
/* The run of p into o, its outputs poisoned with NaN. */
rnnscan_run problem_poisoned_run(const problem *p, outputs *o);
/* The same on an existing model (its description must be p's). */
rnnscan_status problem_scan(rnnscan_model *model, const problem *p, outputs *o);

/* Largest |got - want| / (atol + rtol * |want|) over n values: <= 1 passes.
 * A NaN or Inf in either array gives +Inf (never a pass). */
double worst_ratio(const float *got, const float *want, size_t n, double atol, double rtol,
                   size_t *where);

const char *case_name(const test_case *tc, char *buf, size_t size);

/* Sizes as the OpenCL backend packs a case (src/opencl/cl_model.c): its
 * largest weight buffer of one layer-direction (the smallest allocation cap
 * a model fits), and the whole-run input projection [T][B][D*Gd] in bytes. */
size_t opencl_largest_weights(const test_case *tc);
size_t opencl_whole_projection(const test_case *tc);

#endif
