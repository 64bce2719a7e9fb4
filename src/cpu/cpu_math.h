/* Eight-float vectors (GCC / Clang vector extensions) and the activations on
 * them.  The same source compiles to SSE2 pairs or to AVX2 + FMA registers,
 * whichever clone of the calling function runs (cpu_cells.c, cpu_gemm.c).
 *
 * exp: x = n ln2 + r with n = round(x / ln2), |r| <= ln2 / 2, so
 * e^x = 2^n e^r; e^r - 1 by its Taylor series to r^7 (truncation below
 * 6e-9 relative), 2^n built in the exponent bits.  Inputs are clamped to
 * [-87, 88], where 2^n stays a normal float: sigmoid and tanh saturate
 * correctly beyond.  A few ulp in all.  e^x - 1 (tanh, ELU) keeps its
 * relative accuracy near 0 by never forming 1 + (e^r - 1); log(1 + u)
 * (softplus) is 2 atanh of a small argument, by its series. */
#ifndef RNNSCAN_CPU_MATH_H
#define RNNSCAN_CPU_MATH_H

#include <stdint.h>
#include <string.h>

/* Hot functions get a second, AVX2 + FMA clone picked at load time (GCC
 * ifunc); a * b + c may fuse into one FMA there (ISO C mode would forbid it). */
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11 && defined(__x86_64__) && \
    defined(__linux__)
#pragma GCC optimize("fp-contract=fast")
#define CPU_TARGET_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define CPU_TARGET_CLONES
#endif

/* Every function taking or returning a v8f is inlined: no ABI to change. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

typedef float v8f __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));

#define CPU_INLINE static inline __attribute__((always_inline))

CPU_INLINE v8f v_set1(float a) { return (v8f){a, a, a, a, a, a, a, a}; }
CPU_INLINE v8f v_load(const float *p)
{
    v8f v;
    memcpy(&v, p, sizeof v);
    return v;
}
CPU_INLINE void v_store(float *p, v8f v) { memcpy(p, &v, sizeof v); }
/* The first w (1..8) floats of p; the rest of the vector zero. */
CPU_INLINE v8f v_load_n(const float *p, int w)
{
    if (w == 8)
        return v_load(p);
    float tmp[8] = {0};
    for (int i = 0; i < w; i++)
        tmp[i] = p[i];
    return v_load(tmp);
}
CPU_INLINE void v_store_n(float *p, v8f v, int w)
{
    if (w == 8) {
        v_store(p, v);
        return;
    }
    float tmp[8];
    v_store(tmp, v);
    for (int i = 0; i < w; i++)
        p[i] = tmp[i];
}
/* m ? a : b per lane (m all ones or all zeros, as comparisons give) */
CPU_INLINE v8f v_select(v8i m, v8f a, v8f b) { return (v8f)((m & (v8i)a) | (~m & (v8i)b)); }
/* a NaN in a comes through (as in a NaN in, NaN out activation) */
CPU_INLINE v8f v_min(v8f a, v8f b) { return v_select(a > b, b, a); }
CPU_INLINE v8f v_max(v8f a, v8f b) { return v_select(a < b, b, a); }

/* x (already clamped to [-87, 88]) = n ln2 + r: returns 2^n and sets *q to
 * e^r - 1. */
CPU_INLINE v8f v_exp_parts(v8f x, v8f *q)
{
    const v8f shifter = v_set1(12582912.0f); /* 1.5 * 2^23: adding it rounds to an integer */
    v8f t = x * 1.44269504088896341f + shifter;
    v8f n = t - shifter;
    /* ln2 = 0.693359375 - 2.12194440054690583e-4; the first product is exact */
    v8f r = (x - n * 0.693359375f) + n * 2.12194440054690583e-4f;
    /* Estrin's scheme: three dependent steps instead of Horner's seven, as
     * the time loop waits on this latency when the batch is small */
    v8f r2 = r * r, r4 = r2 * r2;
    v8f lo = r + r2 * (0.5f + r * (1.0f / 6.0f));
    v8f hi = (1.0f / 24.0f + r * (1.0f / 120.0f)) + r2 * (1.0f / 720.0f + r * (1.0f / 5040.0f));
    *q = lo + r4 * hi;
    v8i e = ((v8i)t - 0x4B400000 + 127) << 23; /* n sits in t's low mantissa bits */
    return (v8f)e;
}

CPU_INLINE v8f v_exp(v8f x)
{
    v8f q, s = v_exp_parts(v_min(v_max(x, v_set1(-87.0f)), v_set1(88.0f)), &q);
    return s * q + s;
}

/* sigmoid x = 1 / v_sigmoid_den(x); the denominator is at most 1 + e^88,
 * so a product with v_tanh_parts' den (<= 2) stays finite: callers merge the
 * divisions of products like sigmoid(a) * tanh(b) into one. */
CPU_INLINE v8f v_sigmoid_den(v8f x) { return 1.0f + v_exp(-x); }
CPU_INLINE v8f v_sigmoid(v8f x) { return 1.0f / v_sigmoid_den(x); }

/* tanh x = returned numerator / *den, den in [1, 2]:
 * tanh |x| = (1 - e) / (1 + e) = -m / (2 + m) with e = exp(-2|x|) and
 * m = e - 1 = 2^n (e^r - 1) + (2^n - 1), which keeps its relative accuracy
 * as x -> 0 (no 1 - e cancellation).  The sign is x's. */
CPU_INLINE v8f v_tanh_parts(v8f x, v8f *den)
{
    const v8i sign = (v8i)v_set1(-0.0f);
    v8f a = (v8f)((v8i)x & ~sign);
    v8f q, s = v_exp_parts(v_max(-2.0f * a, v_set1(-87.0f)), &q);
    v8f m = s * q + (s - 1.0f);
    *den = 2.0f + m;
    v8f num = -m; /* >= 0, but -0 at 0 */
    return (v8f)(((v8i)num & ~sign) | ((v8i)x & sign));
}

CPU_INLINE v8f v_tanh(v8f x)
{
    v8f den, num = v_tanh_parts(x, &den);
    return num / den;
}

CPU_INLINE v8f v_relu(v8f x) { return (v8f)((v8i)x & (x > 0.0f)); }

CPU_INLINE v8f v_abs(v8f x) { return (v8f)((v8i)x & ~(v8i)v_set1(-0.0f)); }

/* e^x - 1 = 2^n (e^r - 1) + (2^n - 1): exact in its relative accuracy as
 * x -> 0 (n = 0 leaves e^r - 1 alone) */
CPU_INLINE v8f v_expm1(v8f x)
{
    v8f q, s = v_exp_parts(v_min(v_max(x, v_set1(-87.0f)), v_set1(88.0f)), &q);
    return s * q + (s - 1.0f);
}

/* log(1 + u) for u in [0, 1] (softplus' e^-|x|).  1 + u = 2^e m with e = 0
 * (u < 1/2) or 1, and log m = 2 atanh s, s = (m - 1) / (m + 1): u / (2 + u)
 * or (u - 1) / (u + 3), numerators exact (no 1 + u is rounded), |s| <= 1/5;
 * atanh s = s (1 + s^2/3 + ... + s^10/11), truncation below 3e-10
 * relative. */
CPU_INLINE v8f v_log1p_unit(v8f u)
{
    const v8i upper = u >= 0.5f;
    v8f s = v_select(upper, u - 1.0f, u) / v_select(upper, u + 3.0f, u + 2.0f);
    v8f s2 = s * s;
    v8f series = 1.0f / 3.0f +
                 s2 * (1.0f / 5.0f + s2 * (1.0f / 7.0f + s2 * (1.0f / 9.0f + s2 * (1.0f / 11.0f))));
    v8f log_m = 2.0f * s + 2.0f * s * s2 * series;
    return v_select(upper, v_set1(0.693147180559945309f), v_set1(0.0f)) + log_m;
}

/* log(1 + e^x) = max(x, 0) + log(1 + e^-|x|): no overflow, and for x -> -inf
 * the log of 1 + tiny keeps its relative accuracy */
CPU_INLINE v8f v_softplus(v8f x)
{
    return v_max(x, v_set1(0.0f)) + v_log1p_unit(v_exp(-v_abs(x)));
}

/* 8 bf16 weights at p as floats: float32's top 16 bits, so a widening and
 * a shift (plain vector code: every compiler and clone runs it). */
typedef uint16_t v8u16 __attribute__((vector_size(16)));

CPU_INLINE v8f v_load_bf16(const uint16_t *p)
{
    v8u16 u;
    memcpy(&u, p, sizeof u);
    return (v8f)(__builtin_convertvector(u, v8i) << 16);
}

#endif /* RNNSCAN_CPU_MATH_H */
