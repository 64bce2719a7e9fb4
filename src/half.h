/* 16-bit weight storage (rnnscan_weight_type): conversions between float32
 * and IEEE binary16 (f16) or bfloat16 (bf16), round to nearest even, in
 * portable C (the cpu backend and the OpenCL kernels read the same bits). */
#ifndef RNNSCAN_HALF_H
#define RNNSCAN_HALF_H

#include <stddef.h>
#include <stdint.h>

#include "rnnscan.h"

uint16_t rnnscan_f32_to_f16(float f);
float rnnscan_f16_to_f32(uint16_t h);
uint16_t rnnscan_f32_to_bf16(float f);
float rnnscan_bf16_to_f32(uint16_t h);

/* Bytes one stored weight of `type` takes: 4 for F32, 2 for F16 and BF16. */
static inline size_t rnnscan_weight_bytes(rnnscan_weight_type type)
{
    return type == RNNSCAN_F32 ? sizeof(float) : sizeof(uint16_t);
}

/* The 16 bits of f in `type` (F16 or BF16). */
uint16_t rnnscan_to_half(rnnscan_weight_type type, float f);

/* Rounds w[0..n) in place to the nearest value of `type` (F32: unchanged).
 * Returns the index of the first finite value that `type` cannot hold (it
 * would become infinite), or n when all fit; values are then all rounded. */
size_t rnnscan_round_weights(rnnscan_weight_type type, float *w, size_t n);

#endif /* RNNSCAN_HALF_H */
