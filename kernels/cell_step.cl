/* One timestep of every sequence of the batch, fused: the recurrent mat-vec
 * for all gates of a hidden unit, the activations and the state update.
 *
 * Work split: global size (H rounded up to RNNSCAN_WG, B); work-item (j, b)
 * owns hidden unit j of sequence b: it reads the whole previous state
 * h_prev[b][0..H) and column j of every gate block of w_hh_t [H][G*H] (W_hh
 * transposed once at model creation, so neighbouring work-items read
 * neighbouring floats), and writes y[b][j] (= h_t) and, for LSTM, c[b][j] in
 * place (no other work-item reads c[b][j]).  The recurrent state lives in the
 * output buffer: step t reads y[t-1] and writes y[t], so no copies are made.
 *
 * Inputs per step: gx = the hoisted input projection for step t ([B][G*H],
 * biases folded in, see input_projection.cl).
 *
 * CPU reference: cell_step() in src/reference/reference.c. */

__kernel __attribute__((reqd_work_group_size(RNNSCAN_WG, 1, 1)))
void rnn_step(__global const float *gx, ulong gx_off,   /* [B][H]   */
                       __global const float *h_prev, ulong h_off, /* [B][H]   */
                       __global const float *w_hh_t,            /* [H][H]   */
                       __global float *y, ulong y_off,            /* [B][H]   */
                       int H, int B, int relu)
{
    const int j = get_global_id(0), b = get_global_id(1);
    if (j >= H || b >= B)
        return;
    const int rows = H;
    const __global float *h = h_prev + h_off + (size_t)b * H;
    float a = gx[gx_off + (size_t)b * rows + j];
    for (int k = 0; k < H; k++)
        a = fma(h[k], w_hh_t[(size_t)k * rows + j], a);
    y[y_off + (size_t)b * H + j] = relu ? fmax(a, 0.0f) : rnnscan_tanh(a);
}

__kernel __attribute__((reqd_work_group_size(RNNSCAN_WG, 1, 1)))
void lstm_step(__global const float *gx, ulong gx_off,   /* [B][4H]  */
                        __global const float *h_prev, ulong h_off, /* [B][H]   */
                        __global const float *w_hh_t,            /* [H][4H]  */
                        __global float *c,                       /* [B][H]   */
                        __global float *y, ulong y_off,            /* [B][H]   */
                        int H, int B)
{
    const int j = get_global_id(0), b = get_global_id(1);
    if (j >= H || b >= B)
        return;
    const int rows = 4 * H;
    const __global float *h = h_prev + h_off + (size_t)b * H;
    const __global float *g = gx + gx_off + (size_t)b * rows;
    float ai = g[j], af = g[H + j], ag = g[2 * H + j], ao = g[3 * H + j];
    for (int k = 0; k < H; k++) {
        const __global float *w = w_hh_t + (size_t)k * rows + j;
        const float hk = h[k];
        ai = fma(hk, w[0], ai);
        af = fma(hk, w[H], af);
        ag = fma(hk, w[2 * H], ag);
        ao = fma(hk, w[3 * H], ao);
    }
    const size_t s = (size_t)b * H + j;
    const float c_new = rnnscan_sigmoid(af) * c[s] + rnnscan_sigmoid(ai) * rnnscan_tanh(ag);
    c[s] = c_new;
    y[y_off + s] = rnnscan_sigmoid(ao) * rnnscan_tanh(c_new);
}

__kernel __attribute__((reqd_work_group_size(RNNSCAN_WG, 1, 1)))
void gru_step(__global const float *gx, ulong gx_off,   /* [B][3H]  */
                       __global const float *h_prev, ulong h_off, /* [B][H]   */
                       __global const float *w_hh_t,            /* [H][3H]  */
                       __global const float *b_hn,              /* [H]      */
                       __global float *y, ulong y_off,            /* [B][H]   */
                       int H, int B)
{
    const int j = get_global_id(0), b = get_global_id(1);
    if (j >= H || b >= B)
        return;
    const int rows = 3 * H;
    const __global float *h = h_prev + h_off + (size_t)b * H;
    const __global float *g = gx + gx_off + (size_t)b * rows;
    float ar = g[j], az = g[H + j], hn = b_hn[j];
    for (int k = 0; k < H; k++) {
        const __global float *w = w_hh_t + (size_t)k * rows + j;
        const float hk = h[k];
        ar = fma(hk, w[0], ar);
        az = fma(hk, w[H], az);
        hn = fma(hk, w[2 * H], hn);
    }
    const float r = rnnscan_sigmoid(ar), z = rnnscan_sigmoid(az);
    const float n = rnnscan_tanh(g[2 * H + j] + r * hn);
    y[y_off + (size_t)b * H + j] = (1.0f - z) * n + z * h[j];
}
