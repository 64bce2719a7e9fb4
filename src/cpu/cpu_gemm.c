/* The products C (+)= A W^T, W in PyTorch's [n][k] layout: OpenBLAS sgemm
 * (threaded by OpenBLAS) for the large ones; for few rows (a mat-vec per step
 * when the batch is 1) or small products, a register-tiled kernel on W^T
 * packed once per model, which has none of sgemm's per-call packing and
 * threading cost, split among a scan's team of threads where it has one;
 * without one, OpenBLAS sgemv for one row against a large W. */
#include <cblas.h>
#include <stdint.h>
#include <stdlib.h>
#if defined(RNNSCAN_HAVE_F16C)
#include <cpuid.h>
#endif

#include "../half.h"
#include "cpu_tile.h"

int cpu_pack(const float *w, int n, int k, rnnscan_weight_type type, cpu_packed *out)
{
    /* f16 stays float32 without F16C: decoding it in plain vector code (bit
     * moves and a scale) cost more than the bytes it saves, measured slower
     * than float32 at every batch (bench/RESULTS.md) */
    if (type == RNNSCAN_F16 && !cpu_has_f16c())
        type = RNNSCAN_F32;
    const size_t panels = ((size_t)n + CPU_PANEL - 1) / CPU_PANEL;
    const size_t elem = rnnscan_weight_bytes(type);
    const size_t bytes = panels * (size_t)k * CPU_PANEL * elem;
    out->n = n;
    out->k = k;
    out->type = type;
    out->avx2 = type != RNNSCAN_F32 && cpu_has_f16c();
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

CPU_TARGET_CLONES
void cpu_gemm_panels(int M, const float *A, size_t lda, const cpu_packed *w, int p0, int p1,
                     float *C, size_t ldc, int accumulate)
{
#if defined(RNNSCAN_HAVE_F16C) /* else f16 is packed as float32 (cpu_has_f16c) */
    if (w->avx2) {
        cpu_gemm_half_avx2(M, A, lda, w, p0, p1, C, ldc, accumulate);
        return;
    }
#endif
    if (w->type == RNNSCAN_BF16)
        gemm_small(M, A, lda, w, RNNSCAN_BF16, p0, p1, C, ldc, accumulate);
    else
        gemm_small(M, A, lda, w, RNNSCAN_F32, p0, p1, C, ldc, accumulate);
}

/* Without a team (a batch of 16 or more, little work, or one thread).
 * Measured on a 2-core Zen machine (OpenBLAS 0.3.21, 2 threads; the small
 * kernel, 4-row tiles then, ran at about sgemm's one-core rate, 36 GFLOP/s,
 * while its panels stay in cache):
 * - below 16 rows, sgemm's per-call packing and thread hand-off cost more
 *   than the product (8 x 1024 x 256: 19 vs 37 GFLOP/s); so they do for
 *   products under about 2M multiply-adds at any shape, and for narrow ones
 *   (N <= 128: 16384 x 64 x 128, 22 vs 30 GFLOP/s);
 * - one row against a W of 2 MB or more is a memory-bound mat-vec, which
 *   sgemv splits over both cores (2048 x 512: 113 vs 157 us). */
#define CPU_SMALL_MAX_MACS (1 << 21)
#define CPU_GEMV_MIN_ELEMS (1 << 19)

void cpu_product(cpu_team *team, int M, int N, int K, const float *A, size_t lda, const float *W,
                 const cpu_packed *Wp, float *C, size_t ldc, int accumulate)
{
    const float beta = accumulate ? 1.0f : 0.0f;
    const int panels = (N + CPU_PANEL - 1) / CPU_PANEL;
    if (team) /* every product of the scan, so no OpenBLAS thread spins beside the team */
        cpu_team_gemm(team, M, A, lda, Wp, C, ldc, accumulate);
    else if (M == 1 && (double)N * K >= CPU_GEMV_MIN_ELEMS) /* also 16-bit: both cores */
        cblas_sgemv(CblasRowMajor, CblasNoTrans, N, K, 1.0f, W, K, A, 1, beta, C, 1);
    else if (M < CPU_SMALL_MIN_ROWS || N <= 128 || (double)M * N * K <= CPU_SMALL_MAX_MACS)
        cpu_gemm_panels(M, A, lda, Wp, 0, panels, C, ldc, accumulate);
    else
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1.0f, A, (int)lda, W, K,
                    beta, C, (int)ldc);
}

int cpu_blas_threads(void) { return openblas_get_num_threads(); }

int cpu_has_f16c(void)
{
#if defined(RNNSCAN_HAVE_F16C)
    /* F16C from CPUID leaf 1 (ECX bit 29): clang 14's __builtin_cpu_supports
     * has no "f16c"; AVX2's check includes the OS saving YMM registers */
    unsigned eax, ebx, ecx, edx;
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
           __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx >> 29 & 1u);
#else
    return 0;
#endif
}
