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
 * RNNSCAN_PROJ_LOCAL 1 (the GPU tuning) splits the work as GPU GEMMs do
 * (CLBlast's xgemm, cuBLAS): a work-group of 16 x 16 work-items computes a
 * tile of 64 rows x 64 columns; for each slice of 16 k it stages the slice
 * of x [64][16] and of w [16][64] in local memory, every work-item loading
 * 4 + 4 values (neighbouring work-items neighbouring addresses), then each
 * work-item accumulates a 4 x 4 register block from local memory: every
 * x and w value read from global memory once per tile instead of once per
 * work-item.  Work-item (lx, ly) owns rows ly + 16 i and columns lx + 16 j
 * (i, j < 4), so a warp's local reads fall in different banks.  Values past
 * rows, ncols or K are staged as 0 and nothing past rows or ncols is stored.
 *
 * CPU reference: the W_ih x_t + b_ih term of cell_step() in
 * src/reference/reference.c. */
#ifndef RNNSCAN_PROJ_LOCAL
#define RNNSCAN_PROJ_LOCAL 0
#endif

/* Row r's element k of x and w's element (k, n) in either layout. */
#define PROJ_X(r, k) x[x_off + (size_t)(r) * x_ld + (k)]
#if RNNSCAN_W_PANELS
#define PROJ_W(k, n) (w + ((size_t)((n) / 16) * K + (k)) * 16 + (n) % 16)
#else
#define PROJ_W(k, n) (w + (size_t)(k) * ncols + (n))
#endif

/* Where result row src (x's order) goes: time-major t*B + b.  src - q * T,
 * not src % T: clang turns a / and % pair into a `freeze`, which Oclgrind's
 * --uninitialized cannot run (tests/oclgrind). */
inline int rnnscan_proj_dst(int src, int batch_first, int T, int B)
{
    const int q = src / T;
    return batch_first ? (src - q * T) * B + q : src;
}

#if RNNSCAN_ENTRY == RNNSCAN_ENTRY_PROJECTION && RNNSCAN_PROJ_LOCAL
#define PROJ_TILE 64 /* rows and columns of a work-group's tile */
#define PROJ_SIDE 16 /* work-items per dimension of a work-group, and k per slice */
#define PROJ_EACH 4  /* PROJ_TILE / PROJ_SIDE: rows (columns) per work-item */
__kernel __attribute__((reqd_work_group_size(PROJ_SIDE, PROJ_SIDE, 1)))
void input_projection(__global const float *x, ulong x_off, int x_ld, int batch_first, int T,
                      int B, __global const rnnscan_weight *w, __global const float *bias,
                      __global float *gx, int gx_ld, int col0, int rows, int ncols, int K)
{
    /* [k][row] and [k][column]: a work-item's 4 rows (columns) 16 apart */
    __local float xs[PROJ_SIDE][PROJ_TILE], ws[PROJ_SIDE][PROJ_TILE];
    const int lx = get_local_id(0), ly = get_local_id(1);
    /* tile corners from global ids, which carry the host's launch offsets */
    const int n_tile = (int)(get_global_id(0) - lx) / PROJ_SIDE * PROJ_TILE;
    const int r_tile = (int)(get_global_id(1) - ly) / PROJ_SIDE * PROJ_TILE;
    float acc[PROJ_EACH][PROJ_EACH];
    for (int i = 0; i < PROJ_EACH; i++)
        for (int j = 0; j < PROJ_EACH; j++)
            acc[i][j] = 0.0f;
    for (int k0 = 0; k0 < K; k0 += PROJ_SIDE) {
        /* x slice: row r_tile + ly + 16 i, k0 + lx; w slice: k0 + ly, column
         * n_tile + lx + 16 j (consecutive lx: consecutive addresses) */
        for (int i = 0; i < PROJ_EACH; i++) {
            const int r = r_tile + ly + PROJ_SIDE * i, k = k0 + lx;
            xs[lx][ly + PROJ_SIDE * i] = r < rows && k < K ? PROJ_X(r, k) : 0.0f;
            const int n = n_tile + lx + PROJ_SIDE * i, kw = k0 + ly;
            ws[ly][lx + PROJ_SIDE * i] = n < ncols && kw < K ? RNNSCAN_WLOAD1(PROJ_W(kw, n)) : 0.0f;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        for (int k = 0; k < PROJ_SIDE; k++) {
            float a[PROJ_EACH], b[PROJ_EACH];
            for (int i = 0; i < PROJ_EACH; i++) {
                a[i] = xs[k][ly + PROJ_SIDE * i];
                b[i] = ws[k][lx + PROJ_SIDE * i];
            }
            for (int i = 0; i < PROJ_EACH; i++)
                for (int j = 0; j < PROJ_EACH; j++)
                    acc[i][j] = fma(a[i], b[j], acc[i][j]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    for (int i = 0; i < PROJ_EACH; i++) {
        const int r = r_tile + ly + PROJ_SIDE * i;
        if (r >= rows)
            continue;
        __global float *out = gx + (size_t)rnnscan_proj_dst(r, batch_first, T, B) * gx_ld + col0;
        for (int j = 0; j < PROJ_EACH; j++) {
            const int n = n_tile + lx + PROJ_SIDE * j;
            if (n < ncols)
                out[n] = acc[i][j] + bias[col0 + n];
        }
    }
}
#undef PROJ_TILE
#undef PROJ_SIDE
#undef PROJ_EACH
#elif RNNSCAN_ENTRY == RNNSCAN_ENTRY_PROJECTION
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
        const int dst = rnnscan_proj_dst(r0 + i, batch_first, T, B);                     \
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
#undef PROJ_X
#undef PROJ_W
