/* The hoisted input projection: one GEMM for all T*B rows before the time loop,
 *     gx[r][n] = sum_k x[r][k] * w_ih[n][k] + bias[n],   r < T*B, n < G*H
 * where bias already holds b_ih (+ b_hh wherever the cell adds it straight in;
 * GRU keeps b_hn apart because r multiplies it).
 *
 * Work split: one work-item per (column n, row r); dimension 0 runs over
 * columns so neighbouring work-items read neighbouring columns of
 * w_ih_t [X][G*H] (the host stores W_ih transposed, once, at model creation).
 * Every work-item runs the same k loop, so PoCL can vectorise across them.
 *
 * CPU reference: the W_ih x_t + b_ih term of cell_step() in
 * src/reference/reference.c. */
__kernel void input_projection(__global const float *x,      /* [rows][X]     */
                               __global const float *w_ih_t, /* [X][cols]     */
                               __global const float *bias,   /* [cols]        */
                               __global float *gx,           /* [rows][cols]  */
                               int rows, int cols, int X)
{
    const int n = get_global_id(0);
    const int r = get_global_id(1);
    if (n >= cols || r >= rows)
        return;
    const __global float *xr = x + (size_t)r * X;
    float acc = 0.0f;
    for (int k = 0; k < X; k++)
        acc = fma(xr[k], w_ih_t[(size_t)k * cols + n], acc);
    gx[(size_t)r * cols + n] = acc + bias[n];
}
