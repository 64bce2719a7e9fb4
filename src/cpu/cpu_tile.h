/* The small kernel's body (cpu_gemm.c), shared by the translation units
 * that compile it for different instruction sets: cpu_gemm.c (float32 and
 * bf16, target_clones) and cpu_gemm_f16c.c (f16 with F16C's conversion,
 * built with -mf16c and called only where the CPU has it).  An includer that
 * decodes f16 defines CPU_LOAD_F16(p): 8 halves at p as a v8f. */
#ifndef RNNSCAN_CPU_TILE_H
#define RNNSCAN_CPU_TILE_H

#include <stdint.h>

#include "../half.h"
#include "cpu.h"
#include "cpu_math.h"

/* Row k of a panel (16 values of type `type`) as two vectors of floats. */
CPU_INLINE void panel_row(const void *P, rnnscan_weight_type type, size_t k, v8f *lo, v8f *hi)
{
    if (type == RNNSCAN_F32) {
        const float *p = (const float *)P + k * CPU_PANEL;
        *lo = v_load(p), *hi = v_load(p + 8);
    } else if (type == RNNSCAN_BF16) {
        const uint16_t *p = (const uint16_t *)P + k * CPU_PANEL;
        *lo = v_load_bf16(p), *hi = v_load_bf16(p + 8);
    } else {
#ifdef CPU_LOAD_F16
        const uint16_t *p = (const uint16_t *)P + k * CPU_PANEL;
        *lo = CPU_LOAD_F16(p), *hi = CPU_LOAD_F16(p + 8);
#else
        *lo = *hi = v_set1(0.0f); /* unreachable: f16 panels go to cpu_gemm_f16c.c */
#endif
    }
}

/* Rows 0..mr-1 of C against one 16-column panel; `cols` (1..16) of them are
 * real.  mr and type are constants after inlining, so the sums stay in
 * registers and the loads are one kind.  One row alone (a mat-vec) keeps
 * four sets of sums, one per k mod 4, so that its additions do not wait on
 * each other. */
CPU_INLINE void tile(int mr, int K, const float *A, size_t lda, const void *P,
                     rnnscan_weight_type type, float *C, size_t ldc, int cols, int accumulate)
{
    v8f s0[4], s1[4];
    for (int r = 0; r < 4; r++)
        s0[r] = s1[r] = v_set1(0.0f);
    int k = 0;
    if (mr == 1)
        for (; k + 3 < K; k += 4)
            for (int q = 0; q < 4; q++) {
                v8f b0, b1;
                panel_row(P, type, (size_t)(k + q), &b0, &b1);
                s0[q] += A[k + q] * b0;
                s1[q] += A[k + q] * b1;
            }
    for (; k < K; k++) {
        v8f b0, b1;
        panel_row(P, type, (size_t)k, &b0, &b1);
        for (int r = 0; r < mr; r++) {
            const float a = A[(size_t)r * lda + (size_t)k];
            s0[r] += a * b0;
            s1[r] += a * b1;
        }
    }
    if (mr == 1) {
        s0[0] = (s0[0] + s0[1]) + (s0[2] + s0[3]);
        s1[0] = (s1[0] + s1[1]) + (s1[2] + s1[3]);
    }
    const int w0 = cols < 8 ? cols : 8, w1 = cols - w0;
    for (int r = 0; r < mr; r++) {
        float *c = C + (size_t)r * ldc;
        v8f lo = s0[r], hi = s1[r];
        if (accumulate)
            lo += v_load_n(c, w0);
        v_store_n(c, lo, w0);
        if (w1 > 0) {
            if (accumulate)
                hi += v_load_n(c + 8, w1);
            v_store_n(c + 8, hi, w1);
        }
    }
}

/* Rows go in blocks of about 64 KB of A, kept in cache while every panel of
 * W^T streams past them once: a large W is read once per block, not once per
 * four rows.  One copy per weight type, the type a constant inside it. */
CPU_INLINE void gemm_small(int M, const float *A, size_t lda, const cpu_packed *w,
                           rnnscan_weight_type type, float *C, size_t ldc, int accumulate)
{
    const int N = w->n, K = w->k;
    const size_t elem = rnnscan_weight_bytes(type);
    const int block = K >= 4096 ? 4 : 16384 / K / 4 * 4;
    for (int m0 = 0; m0 < M; m0 += block) {
        const int m1 = M - m0 < block ? M : m0 + block;
        for (int n = 0; n < N; n += CPU_PANEL) {
            const void *p = (const char *)w->data + (size_t)(n / CPU_PANEL) * (size_t)K * CPU_PANEL * elem;
            const int cols = N - n < CPU_PANEL ? N - n : CPU_PANEL;
            for (int m = m0; m < m1; m += 4) {
                const float *a = A + (size_t)m * lda;
                float *c = C + (size_t)m * ldc + n;
                switch (m1 - m < 4 ? m1 - m : 4) {
                case 4: tile(4, K, a, lda, p, type, c, ldc, cols, accumulate); break;
                case 3: tile(3, K, a, lda, p, type, c, ldc, cols, accumulate); break;
                case 2: tile(2, K, a, lda, p, type, c, ldc, cols, accumulate); break;
                default: tile(1, K, a, lda, p, type, c, ldc, cols, accumulate); break;
                }
            }
        }
    }
}

#endif /* RNNSCAN_CPU_TILE_H */
