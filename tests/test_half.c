/* f16 / bf16 rounding (src/half.c) against an oracle that shares none of its
 * code: the two representable neighbours of x, found by decoding every
 * 16-bit pattern once, and the nearer one (ties to the even pattern),
 * compared in double.  Over 2^24 float bit patterns spread across the whole
 * range (every exponent, both signs) plus every exact tie and every value
 * each type holds. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/cpu/cpu_math.h"
#include "../src/half.h"

static float float_of(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

typedef uint16_t to_half_fn(float);
typedef float from_half_fn(uint16_t);

/* The finite non-negative values of a 16-bit type in increasing order, with
 * their patterns: patterns 0x0000..(+inf - 1) increase with value for both
 * types. */
typedef struct ladder {
    double value[0x8000];
    uint16_t pattern[0x8000];
    int n;
    double max_finite, inf_tie; /* the largest value, and the tie above it */
} ladder;

static void make_ladder(ladder *l, from_half_fn *from, uint16_t inf_pattern)
{
    l->n = 0;
    for (uint32_t p = 0; p < inf_pattern; p++) {
        l->value[l->n] = from((uint16_t)p);
        l->pattern[l->n++] = (uint16_t)p;
    }
    l->max_finite = l->value[l->n - 1];
    /* one ulp above the largest finite is where infinity would sit */
    l->inf_tie = l->max_finite + (l->max_finite - l->value[l->n - 2]) / 2.0;
}

/* The oracle's pattern for float x (finite). */
static uint16_t nearest(const ladder *l, float x)
{
    const double a = fabs((double)x);
    const uint16_t sign = signbit(x) ? 0x8000 : 0;
    if (a >= l->inf_tie) /* at or past the tie with infinity: even (infinity's pattern) */
        return (uint16_t)(sign | (l->pattern[l->n - 1] + 1));
    int lo = 0, hi = l->n - 1; /* the last value <= a */
    while (lo < hi) {
        const int mid = (lo + hi + 1) / 2;
        if (l->value[mid] <= a)
            lo = mid;
        else
            hi = mid - 1;
    }
    if (l->value[lo] == a || lo == l->n - 1)
        return (uint16_t)(sign | l->pattern[lo]);
    const double below = a - l->value[lo], above = l->value[lo + 1] - a;
    int pick = below < above ? lo : below > above ? lo + 1 : (l->pattern[lo] & 1) ? lo + 1 : lo;
    return (uint16_t)(sign | l->pattern[pick]);
}

static void check_type(to_half_fn *to, from_half_fn *from, uint16_t inf_pattern, const char *name)
{
    ladder *l = malloc(sizeof *l);
    cr_assert_not_null(l);
    make_ladder(l, from, inf_pattern);
    long checked = 0;
    /* 2^24 patterns: the top 8 bits (sign, exponent's top 7) in full, the
     * rest strided by an odd step so every low bit pattern varies */
    for (uint32_t i = 0; i < (1u << 24); i++) {
        const uint32_t u = (i & 0xff0000u) << 8 | (((i & 0xffffu) * 0x9e37u + i) & 0xffffffu);
        const float x = float_of(u);
        if (!isfinite(x))
            continue;
        const uint16_t got = to(x), want = nearest(l, x);
        if (got != want)
            cr_assert_fail("%s(%a) = 0x%04x, nearest is 0x%04x", name, (double)x, got, want);
        checked++;
    }
    /* every value round-trips; every midpoint between neighbours is a tie */
    for (int k = 0; k + 1 < l->n; k++) {
        const float v = (float)l->value[k];
        cr_assert_eq(to(v), l->pattern[k], "%s: %a does not round-trip", name, (double)v);
        cr_assert_eq(to(-v), (uint16_t)(0x8000 | l->pattern[k]));
        const double mid = (l->value[k] + l->value[k + 1]) / 2.0;
        if ((double)(float)mid == mid) { /* a float can hold the tie */
            const uint16_t even = (l->pattern[k] & 1) ? l->pattern[k + 1] : l->pattern[k];
            cr_assert_eq(to((float)mid), even, "%s: tie %a", name, mid);
        }
    }
    cr_assert_eq(to(INFINITY), inf_pattern);
    cr_assert_eq(to(-INFINITY), (uint16_t)(0x8000 | inf_pattern));
    cr_assert(isnan(from(to(NAN))), "%s: NaN must stay NaN", name);
    cr_assert_gt(checked, 16000000L);
    free(l);
}

Test(half, f16_rounds_to_nearest_even)
{
    check_type(rnnscan_f32_to_f16, rnnscan_f16_to_f32, 0x7c00, "f16");
    cr_assert_eq(rnnscan_f16_to_f32(0x7bff), 65504.0f);
    cr_assert_eq(rnnscan_f16_to_f32(0x0001), 0x1p-24f);
    cr_assert_eq(rnnscan_f32_to_f16(65519.99f), 0x7bff);
    cr_assert_eq(rnnscan_f32_to_f16(65520.0f), 0x7c00);
}

Test(half, bf16_rounds_to_nearest_even)
{
    check_type(rnnscan_f32_to_bf16, rnnscan_bf16_to_f32, 0x7f80, "bf16");
    cr_assert_eq(rnnscan_bf16_to_f32(0x3f80), 1.0f);
    cr_assert_eq(rnnscan_f32_to_bf16(float_of(0x3f808000u)), 0x3f80); /* tie, even below */
    cr_assert_eq(rnnscan_f32_to_bf16(float_of(0x3f818000u)), 0x3f82); /* tie, even above */
}

Test(half, round_weights_reports_the_first_value_out_of_range)
{
    float w[5] = {0.1f, -70000.0f, 1.0f / 3.0f, 1e5f, INFINITY};
    cr_assert_eq(rnnscan_round_weights(RNNSCAN_F16, w, 5), 1u);
    cr_assert_eq(w[0], rnnscan_f16_to_f32(rnnscan_f32_to_f16(0.1f)));
    cr_assert_neq(w[0], 0.1f, "0.1 is not an f16 value, it must have been rounded");
    cr_assert(isinf(w[1]) && isinf(w[3]) && isinf(w[4]));
    float v[3] = {0.1f, 3e38f, -1e-40f};
    cr_assert_eq(rnnscan_round_weights(RNNSCAN_BF16, v, 3), 3u, "bf16 holds float's range");
    cr_assert_eq(v[0], rnnscan_bf16_to_f32(rnnscan_f32_to_bf16(0.1f)));
    float u[2] = {0.1f, 1e30f};
    cr_assert_eq(rnnscan_round_weights(RNNSCAN_F32, u, 2), 2u);
    cr_assert_eq(u[0], 0.1f, "F32 leaves values alone");
}

/* The cpu backend's vector load (src/cpu/cpu_math.h) decodes every one of
 * the 65536 bf16 patterns as the scalar conversion does, bit for bit (NaN as
 * NaN). */
static void check_vector_load(v8f (*load)(const uint16_t *), from_half_fn *from, const char *name)
{
    uint16_t p[8];
    for (uint32_t base = 0; base < 0x10000u; base += 8) {
        for (int i = 0; i < 8; i++)
            p[i] = (uint16_t)(base + (uint32_t)i);
        float got[8];
        const v8f v = load(p);
        memcpy(got, &v, sizeof got);
        for (int i = 0; i < 8; i++) {
            const float want = from(p[i]);
            if (isnan(want))
                cr_assert(isnan(got[i]), "%s 0x%04x: NaN expected", name, p[i]);
            else
                cr_assert(memcmp(&got[i], &want, sizeof want) == 0, "%s 0x%04x: %a, want %a",
                          name, p[i], (double)got[i], (double)want);
        }
    }
}

static v8f load_bf16(const uint16_t *p) { return v_load_bf16(p); }

Test(half, cpu_vector_load_decodes_every_bf16_pattern)
{
    check_vector_load(load_bf16, rnnscan_bf16_to_f32, "bf16");
}
