/* float32 <-> f16 / bf16, round to nearest, ties to even (half.h).  Bit
 * manipulation rather than _Float16 or F16C, so every compiler and CPU
 * rounds alike; this runs once per weight at model creation. */
#include <math.h>
#include <string.h>

#include "half.h"

static uint32_t bits_of(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static float float_of(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* q + 1 when the dropped bits `rem` (of `shift` bits) are above half an ulp,
 * or exactly half and q is odd. */
static uint32_t round_even(uint32_t q, uint32_t rem, unsigned shift)
{
    const uint32_t half = 1u << (shift - 1);
    return q + (rem > half || (rem == half && (q & 1u)));
}

uint16_t rnnscan_f32_to_f16(float f)
{
    const uint32_t x = bits_of(f), ax = x & 0x7fffffffu;
    const uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
    if (ax > 0x7f800000u) /* NaN: quiet, top payload bits kept */
        return (uint16_t)(sign | 0x7e00u | ((ax >> 13) & 0x3ffu));
    if (ax >= 0x477ff000u) /* >= 65520 (the tie above 65504) rounds to infinity */
        return (uint16_t)(sign | 0x7c00u);
    if (ax >= 0x38800000u) { /* >= 2^-14: a normal f16 (a carry may reach the next exponent) */
        const uint32_t h = ((ax >> 23) - 112u) << 10 | ((ax >> 13) & 0x3ffu);
        return (uint16_t)(sign | round_even(h, ax & 0x1fffu, 13));
    }
    /* subnormal f16: units of 2^-24; the implicit bit joins the significand */
    const unsigned shift = 126u - (ax >> 23); /* 14 for 2^-15 .. */
    if (shift > 24)                           /* below 2^-25: rounds to zero */
        return sign;
    const uint32_t m = (ax & 0x7fffffu) | 0x800000u;
    return (uint16_t)(sign | round_even(m >> shift, m & ((1u << shift) - 1u), shift));
}

float rnnscan_f16_to_f32(uint16_t h)
{
    const uint32_t sign = (uint32_t)(h & 0x8000u) << 16, e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
    if (e == 0) { /* zero or subnormal: m * 2^-24, exact in float */
        const float v = (float)m * 0x1p-24f;
        return sign ? -v : v;
    }
    if (e == 31)
        return float_of(sign | 0x7f800000u | m << 13);
    return float_of(sign | (e + 112u) << 23 | m << 13);
}

uint16_t rnnscan_f32_to_bf16(float f)
{
    const uint32_t x = bits_of(f);
    if ((x & 0x7fffffffu) > 0x7f800000u) /* NaN: keep it a (quiet) NaN */
        return (uint16_t)((x >> 16) | 0x40u);
    return (uint16_t)(round_even(x >> 16, x & 0xffffu, 16));
}

float rnnscan_bf16_to_f32(uint16_t h) { return float_of((uint32_t)h << 16); }

uint16_t rnnscan_to_half(rnnscan_weight_type type, float f)
{
    return type == RNNSCAN_BF16 ? rnnscan_f32_to_bf16(f) : rnnscan_f32_to_f16(f);
}

size_t rnnscan_round_weights(rnnscan_weight_type type, float *w, size_t n)
{
    if (type == RNNSCAN_F32)
        return n;
    size_t bad = n;
    for (size_t i = 0; i < n; i++) {
        const float r = type == RNNSCAN_BF16 ? rnnscan_bf16_to_f32(rnnscan_f32_to_bf16(w[i]))
                                             : rnnscan_f16_to_f32(rnnscan_f32_to_f16(w[i]));
        if (bad == n && isinf(r) && isfinite(w[i]))
            bad = i;
        w[i] = r;
    }
    return bad;
}
