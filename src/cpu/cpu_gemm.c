/* The products C (+)= A W^T, W in PyTorch's [n][k] layout: OpenBLAS sgemm
 * (threaded by OpenBLAS) for the large ones; for few rows (a mat-vec per step
 * when the batch is 1) or small products, a register-tiled kernel on W^T
 * packed once per model, which has none of sgemm's per-call packing and
 * threading cost; OpenBLAS sgemv for one row against a large W. */
#include <cblas.h>
#include <stdint.h>
#include <stdlib.h>

#include "../half.h"
#include "cpu.h"
#include "cpu_math.h"

int cpu_pack(const float *w, int n, int k, rnnscan_weight_type type, cpu_packed *out)
{
    /* f16 stays float32 here: decoding it without F16C instructions (plain
     * vector code, bit moves and a scale) cost more than the bytes it saves,
     * measured slower than float32 at every batch (bench/RESULTS.md) */
    if (type == RNNSCAN_F16)
        type = RNNSCAN_F32;
    const size_t panels = ((size_t)n + CPU_PANEL - 1) / CPU_PANEL;
    const size_t elem = type == RNNSCAN_F32 ? sizeof(float) : sizeof(uint16_t);
    const size_t bytes = panels * (size_t)k * CPU_PANEL * elem;
    out->n = n;
    out->k = k;
    out->type = type;
    out->data = aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (!out->data)
        return 0;
    float *f32 = out->data;
    uint16_t *u16 = out->data;
    for (size_t p = 0; p < panels; p++)
        for (int kk = 0; kk < k; kk++) {
            const size_t at = (p * (size_t)k + (size_t)kk) * CPU_PANEL;
            for (int c = 0; c < CPU_PANEL; c++) {
                size_t row = p * CPU_PANEL + (size_t)c;
                const float v = row < (size_t)n ? w[row * (size_t)k + (size_t)kk] : 0.0f;
                if (type == RNNSCAN_F32)
                    f32[at + c] = v;
                else /* exact: the core rounded w to the type */
                    u16[at + c] = rnnscan_to_half(type, v);
            }
        }
    return 1;
}

void cpu_packed_free(cpu_packed *p)
{
    free(p->data);
    p->data = NULL;
}

/* Row k of a panel (16 values of type `type`) as two vectors of floats. */
CPU_INLINE void panel_row(const void *P, rnnscan_weight_type type, size_t k, v8f *lo, v8f *hi)
{
    if (type == RNNSCAN_F32) {
        const float *p = (const float *)P + k * CPU_PANEL;
        *lo = v_load(p), *hi = v_load(p + 8);
    } else { /* BF16 (cpu_pack keeps f16 as float32) */
        const uint16_t *p = (const uint16_t *)P + k * CPU_PANEL;
        *lo = v_load_bf16(p), *hi = v_load_bf16(p + 8);
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
    const size_t elem = type == RNNSCAN_F32 ? sizeof(float) : sizeof(uint16_t);
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

CPU_TARGET_CLONES
void cpu_gemm_small(int M, const float *A, size_t lda, const cpu_packed *w, float *C, size_t ldc,
                    int accumulate)
{
    switch (w->type) {
    case RNNSCAN_BF16: gemm_small(M, A, lda, w, RNNSCAN_BF16, C, ldc, accumulate); break;
    default: gemm_small(M, A, lda, w, RNNSCAN_F32, C, ldc, accumulate); break;
    }
}

/* Measured on a 2-core Zen machine (OpenBLAS 0.3.21, 2 threads; the small
 * kernel runs at about sgemm's one-core rate, 36 GFLOP/s, while its panels
 * stay in cache):
 * - below 16 rows, sgemm's per-call packing and thread hand-off cost more
 *   than the product (8 x 1024 x 256: 19 vs 37 GFLOP/s); so they do for
 *   products under about 2M multiply-adds at any shape, and for narrow ones
 *   (N <= 128: 16384 x 64 x 128, 22 vs 30 GFLOP/s);
 * - one row against a W of 2 MB or more is a memory-bound mat-vec, which
 *   sgemv splits over both cores (2048 x 512: 113 vs 157 us). */
#define CPU_SMALL_MIN_ROWS 16
#define CPU_SMALL_MAX_MACS (1 << 21)
#define CPU_GEMV_MIN_ELEMS (1 << 19)

void cpu_product(int M, int N, int K, const float *A, size_t lda, const float *W,
                 const cpu_packed *Wp, float *C, size_t ldc, int accumulate)
{
    const float beta = accumulate ? 1.0f : 0.0f;
    if (Wp->type == RNNSCAN_BF16 && M == 1) /* sgemv on both cores beat one decoding bf16 */
        cblas_sgemv(CblasRowMajor, CblasNoTrans, N, K, 1.0f, W, K, A, 1, beta, C, 1);
    else if (Wp->type == RNNSCAN_BF16 && M < CPU_SMALL_MIN_ROWS) /* half the bytes of W to read */
        cpu_gemm_small(M, A, lda, Wp, C, ldc, accumulate);
    else if (M == 1 && (double)N * K >= CPU_GEMV_MIN_ELEMS)
        cblas_sgemv(CblasRowMajor, CblasNoTrans, N, K, 1.0f, W, K, A, 1, beta, C, 1);
    else if (M < CPU_SMALL_MIN_ROWS || N <= 128 || (double)M * N * K <= CPU_SMALL_MAX_MACS)
        cpu_gemm_small(M, A, lda, Wp, C, ldc, accumulate);
    else
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1.0f, A, (int)lda, W, K,
                    beta, C, (int)ldc);
}

int cpu_blas_threads(void) { return openblas_get_num_threads(); }
