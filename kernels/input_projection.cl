/* The hoisted input projection: one GEMM per direction over all rows of a
 * layer (every timestep, or one chunk of steps), launched before the time loop:
 *     gx[r][col0 + n] = sum_k x[r][k] * w[k][n] + bias[col0 + n],
 *     r < rows, n < ncols
 * w holds one direction's Gd = ncols columns (G*Hp rounded up to 16):
 * column g*Hp + j is gate g of unit j; that direction's block of gx starts
 * at column col0 = dir*Gd of rows gx_ld = D*Gd long.  bias [gx_ld] holds b_ih,
 * plus b_hh wherever the cell adds it straight in (all but GRU's n gate,
 * where r multiplies b_hn).  gx rows are time-major (t*B + b); a
 * batch-first x is read in its own order (row b*T + t) and each result row
 * is stored at its time-major place.  (A chunk's rows come gathered by the
 * host in step order, time-major.)
 *
 * Work split: one work-item per RNNSCAN_TILE_ROWS rows x 16 columns, held in
 * 2*RNNSCAN_TILE_ROWS float8 registers; each k step loads two float8 of w
 * (transposed from PyTorch's [N][K] once at model creation, so 16 columns
 * are contiguous) and one scalar of x per row.  w is stored as rows [K][N]
 * (RNNSCAN_W_PANELS 0, GPUs: neighbouring work-items read neighbouring
 * columns) or as panels [N/16][K][16] (1, CPU devices: each work-item
 * streams one contiguous K*64-byte block, where rows would jump N*4 bytes
 * every k; 1.9x faster on PoCL for T*B = 25, N = 8192, K = 2048).  N is a multiple of 16 (padding columns are
 * zero); rows past the end are computed from the last row and not stored.
 * The host may split dimension 1 over launches with a global offset.
 *
 * CPU reference: the W_ih x_t + b_ih term of cell_step() in
 * src/reference/reference.c. */
#if RNNSCAN_ENTRY == RNNSCAN_ENTRY_PROJECTION
__kernel void input_projection(__global const float *x, ulong x_off, int x_ld,
                               int batch_first, int T, int B,
                               __global const rnnscan_weight *w, /* [K][ncols] or [ncols/16][K][16] */
                               __global const float *bias, /* [gx_ld] */
                               __global float *gx,         /* [rows][gx_ld] */
                               int gx_ld, int col0, int rows, int ncols, int K)
{
    const int n0 = get_global_id(0) * 16;
    const int r0 = get_global_id(1) * RNNSCAN_TILE_ROWS;
    if (n0 >= ncols || r0 >= rows)
        return;
    const float8 bias_lo = vload8(0, bias + col0 + n0), bias_hi = vload8(0, bias + col0 + n0 + 8);
#define PROJ_DECLARE(i)                                                                       \
    const __global float *x##i = x + x_off + (size_t)min(r0 + i, rows - 1) * x_ld;        \
    float8 lo##i = bias_lo, hi##i = bias_hi;
    RNNSCAN_TILE_EACH(PROJ_DECLARE)
#if RNNSCAN_W_PANELS
    const __global rnnscan_weight *wk = w + (size_t)n0 * K;
    const int w_ks = 16;
#else
    const __global rnnscan_weight *wk = w + n0;
    const int w_ks = ncols;
#endif
    for (int k = 0; k < K; k++, wk += w_ks) {
        const float8 w_lo = RNNSCAN_WLOAD8(wk), w_hi = RNNSCAN_WLOAD8(wk + 8);
#define PROJ_ACCUMULATE(i)                                                                    \
    {                                                                                    \
        const float8 a = (float8)(x##i[k]);                                             \
        lo##i = fma(a, w_lo, lo##i);                                                     \
        hi##i = fma(a, w_hi, hi##i);                                                     \
    }
        RNNSCAN_TILE_EACH(PROJ_ACCUMULATE)
    }
#define PROJ_STORE(i)                                                                         \
    if (r0 + i < rows) {                                                                 \
        /* src - q * T, not src % T: clang turns a / and % pair into a `freeze`,         \
         * which Oclgrind's --uninitialized cannot run (tests/oclgrind) */               \
        const int src = r0 + i, q = src / T, dst = batch_first ? (src - q * T) * B + q : src; \
        __global float *out = gx + (size_t)dst * gx_ld + col0 + n0;                      \
        vstore8(lo##i, 0, out);                                                          \
        vstore8(hi##i, 0, out + 8);                                                      \
    }
    RNNSCAN_TILE_EACH(PROJ_STORE)
}
#undef PROJ_DECLARE
#undef PROJ_ACCUMULATE
#undef PROJ_STORE
#endif /* RNNSCAN_ENTRY == RNNSCAN_ENTRY_PROJECTION */
