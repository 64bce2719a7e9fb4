#include "support.h"

#include <math.h>
#include <stdlib.h>
#include <time.h>

rng rng_seeded(uint64_t seed)
{
    rng r = {seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull};
    return r;
}

/* splitmix64: small, fast, and the same on every platform */
static uint64_t next_u64(rng *r)
{
    uint64_t z = (r->state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

double rng_uniform(rng *r) { return (double)(next_u64(r) >> 11) * 0x1.0p-53; }

double rng_normal(rng *r)
{
    double u1 = rng_uniform(r), u2 = rng_uniform(r);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

void fill_uniform(rng *r, float *dst, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = (float)(lo + (hi - lo) * rng_uniform(r));
}

void fill_normal(rng *r, float *dst, size_t n, float scale)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = (float)(scale * rng_normal(r));
}

void fill_nan(float *dst, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = NAN;
}

int weights_alloc_pytorch_init(weights_buf *w, rng *r, rnnscan_cell cell, int X, int H, int P,
                               int with_bias)
{
    size_t rows = (size_t)rnnscan_cell_gates(cell) * (size_t)H;
    const int S = P ? P : H;
    float k = (float)(1.0 / sqrt((double)H));
    w->w_ih = malloc(rows * (size_t)X * sizeof(float));
    w->w_hh = malloc(rows * (size_t)S * sizeof(float));
    w->b_ih = with_bias ? malloc(rows * sizeof(float)) : NULL;
    w->b_hh = with_bias ? malloc(rows * sizeof(float)) : NULL;
    w->w_hr = P ? malloc((size_t)P * (size_t)H * sizeof(float)) : NULL;
    if (!w->w_ih || !w->w_hh || (with_bias && (!w->b_ih || !w->b_hh)) || (P && !w->w_hr)) {
        weights_free(w);
        return 0;
    }
    fill_uniform(r, w->w_ih, rows * (size_t)X, -k, k);
    fill_uniform(r, w->w_hh, rows * (size_t)S, -k, k);
    if (with_bias) {
        fill_uniform(r, w->b_ih, rows, -k, k);
        fill_uniform(r, w->b_hh, rows, -k, k);
    }
    if (P)
        fill_uniform(r, w->w_hr, (size_t)P * (size_t)H, -k, k);
    return 1;
}

void weights_free(weights_buf *w)
{
    free(w->w_ih);
    free(w->w_hh);
    free(w->b_ih);
    free(w->b_hh);
    free(w->w_hr);
    w->w_ih = w->w_hh = w->b_ih = w->b_hh = w->w_hr = NULL;
}

rnnscan_weights weights_view(const weights_buf *w)
{
    rnnscan_weights v = {.w_ih = w->w_ih, .w_hh = w->w_hh, .b_ih = w->b_ih, .b_hh = w->b_hh,
                         .w_hr = w->w_hr};
    return v;
}

double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double median(double *values, int n)
{
    qsort(values, (size_t)n, sizeof *values, cmp_double);
    return n % 2 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

double max_abs_diff(const float *a, const float *b, size_t n)
{
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        if (isnan(d))
            return NAN;
        if (d > worst)
            worst = d;
    }
    return worst;
}
