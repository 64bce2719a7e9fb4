/* The small kernel's body (cpu_gemm.c), shared by the translation units
 * that compile it for different instruction sets: cpu_gemm.c (float32, and
 * bf16 on CPUs without AVX2, target_clones) and cpu_gemm_avx2.c (16-bit
 * panels decoded by AVX2 / F16C instructions, called only where the CPU has
 * them).  An includer that decodes f16 defines CPU_LOAD_F16(p): 8 halves at
 * p as a v8f; one may define CPU_LOAD_BF16(p) likewise for bf16. */
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
#ifdef CPU_LOAD_BF16
        *lo = CPU_LOAD_BF16(p), *hi = CPU_LOAD_BF16(p + 8);
#else
        *lo = v_load_bf16(p), *hi = v_load_bf16(p + 8);
#endif
    } else {
#ifdef CPU_LOAD_F16
        const uint16_t *p = (const uint16_t *)P + k * CPU_PANEL;
        *lo = CPU_LOAD_F16(p), *hi = CPU_LOAD_F16(p + 8);
#else
        *lo = *hi = v_set1(0.0f); /* unreachable: f16 panels go to cpu_gemm_avx2.c */
#endif
    }
}

/* Rows 0..mr-1 (mr <= 6) of C against one 16-column panel; `cols` (1..16)
 * of them are real.  mr and type are constants after inlining, so the sums
 * stay in registers and the loads are one kind: 6 rows x 16 columns is 12
 * of AVX2's 16 vector registers, the other 3 for a panel row and a row of A
 * broadcast (measured against 4 rows: 58 -> 83 GFLOP/s on one core, 100 x
 * 2048 x 512, Zen 3).  One row alone (a mat-vec) keeps
 * four sets of sums, one per k mod 4, so that its additions do not wait on
 * each other. */
CPU_INLINE void tile(int mr, int K, const float *A, size_t lda, const void *P,
                     rnnscan_weight_type type, float *C, size_t ldc, int cols, int accumulate)
{
    v8f s0[6], s1[6];
    for (int r = 0; r < 6; r++)
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

/* Columns [16 p0, 16 p1) of the product (panels p0..p1-1; a team's thread
 * takes a range of them, cpu_team.c).  Rows go in blocks of about 64 KB of
 * A, kept in cache while the range's panels of W^T stream past them once: a
 * large W is read once per block, not once per six rows.  One copy per
 * weight type, the type a constant inside it. */
CPU_INLINE void gemm_small(int M, const float *A, size_t lda, const cpu_packed *w,
                           rnnscan_weight_type type, int p0, int p1, float *C, size_t ldc,
                           int accumulate)
{
    const int N = w->n < p1 * CPU_PANEL ? w->n : p1 * CPU_PANEL, K = w->k;
    const size_t elem = rnnscan_weight_bytes(type);
    const int block = K >= 2731 ? 6 : 16384 / K / 6 * 6;
    for (int m0 = 0; m0 < M; m0 += block) {
        const int m1 = M - m0 < block ? M : m0 + block;
        for (int n = p0 * CPU_PANEL; n < N; n += CPU_PANEL) {
            const void *p = (const char *)w->data + (size_t)(n / CPU_PANEL) * (size_t)K * CPU_PANEL * elem;
            const int cols = N - n < CPU_PANEL ? N - n : CPU_PANEL;
            for (int m = m0; m < m1; m += 6) {
                const float *a = A + (size_t)m * lda;
                float *c = C + (size_t)m * ldc + n;
                switch (m1 - m < 6 ? m1 - m : 6) {
                case 6: tile(6, K, a, lda, p, type, c, ldc, cols, accumulate); break;
                case 5: tile(5, K, a, lda, p, type, c, ldc, cols, accumulate); break;
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
