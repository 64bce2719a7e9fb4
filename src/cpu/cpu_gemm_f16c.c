/* The small kernel on f16 panels, decoded by F16C's vcvtph2ps (one
 * instruction per 8 weights).  Built with -mavx2 -mfma -mf16c (meson.build)
 * and called only when the CPU has all three (cpu_has_f16c): decoding f16
 * without them, in plain vector code, measured slower than reading float32
 * (bench/RESULTS.md), so other CPUs keep f16 weights as float32 panels. */
#include <immintrin.h>

#define CPU_LOAD_F16(p) ((v8f)_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(p))))
#include "cpu_tile.h"

void cpu_gemm_small_f16c(int M, const float *A, size_t lda, const cpu_packed *w, float *C,
                         size_t ldc, int accumulate)
{
    gemm_small(M, A, lda, w, RNNSCAN_F16, C, ldc, accumulate);
}
