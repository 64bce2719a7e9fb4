/* Helpers shared by the command-line tool, the tests and the benchmark (not
 * part of the library): a seeded random generator, PyTorch-like weights, a
 * clock, and comparisons. */
#ifndef RNNSCAN_SUPPORT_H
#define RNNSCAN_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include "rnnscan.h"

typedef struct rng {
    uint64_t state;
} rng;

rng rng_seeded(uint64_t seed);
double rng_uniform(rng *r);                 /* [0, 1) */
double rng_normal(rng *r);                  /* N(0, 1) */
void fill_uniform(rng *r, float *dst, size_t n, float lo, float hi);
void fill_normal(rng *r, float *dst, size_t n, float scale);
void fill_nan(float *dst, size_t n);        /* poison outputs before a run */

/* A model's weights owned by the caller, PyTorch layout; biases optional. */
typedef struct weights_buf {
    float *w_ih, *w_hh, *b_ih, *b_hh, *w_hr; /* w_hr: [P][H] with a projection */
} weights_buf;

/* PyTorch's default init: every parameter U(-1/sqrt(H), 1/sqrt(H)).  P: an
 * LSTM's proj_size (0: none; W_hh is then [G*H][P] and w_hr [P][H], drawn
 * last so P = 0 draws what it always drew). */
int weights_alloc_pytorch_init(weights_buf *w, rng *r, rnnscan_cell cell, int X, int H, int P,
                               int with_bias);
void weights_free(weights_buf *w);
rnnscan_weights weights_view(const weights_buf *w);

double now_ms(void);
double median(double *values, int n); /* sorts values */

/* Largest |a - b| over n floats; NaN anywhere makes it NaN (never hidden). */
double max_abs_diff(const float *a, const float *b, size_t n);

#endif
