/* The small kernel on 16-bit panels, decoded by AVX2 instructions: f16 by
 * F16C's vcvtph2ps (one instruction per 8 weights), bf16 by a zero-extending
 * load and a shift (vpmovzxwd + vpslld; cpu_math.h's portable vector code
 * for it compiles to twice as many, which measured 1.3-1.7x slower on a
 * mat-vec, bench/RESULTS.md).  Built with -mavx2 -mfma -mf16c (meson.build)
 * and called only where the CPU has all three (cpu_packed.avx2): decoding f16
 * without them, in plain vector code, measured slower than reading float32,
 * so other CPUs keep f16 weights as float32 panels. */
#include <immintrin.h>

#define CPU_LOAD_F16(p) ((v8f)_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(p))))
#define CPU_LOAD_BF16(p)                                                                         \
    ((v8f)_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(p))), 16))
#include "cpu_tile.h"

void cpu_gemm_half_avx2(int M, const float *A, size_t lda, const cpu_packed *w, int p0, int p1,
                        float *C, size_t ldc, int accumulate)
{
    if (w->type == RNNSCAN_F16)
        gemm_small(M, A, lda, w, RNNSCAN_F16, p0, p1, C, ldc, accumulate);
    else
        gemm_small(M, A, lda, w, RNNSCAN_BF16, p0, p1, C, ldc, accumulate);
}
