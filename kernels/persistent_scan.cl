/* Persistent schedule, for small H: the whole time loop of a layer in one
 * launch, so the host enqueues one kernel per layer instead of one per step.
 *
 * Work split: one work-group per (sequence b, direction dir): global size
 * (Lp, B, D), local size (Lp, 1, 1) with Lp >= H; work-item j owns hidden
 * unit j.  The group's hidden state stays in local memory (h_loc) across the
 * loop and the LSTM cell state in a register; two barriers per step separate
 * reading h_{t-1} from writing h_t.  Each sequence runs its own length, so
 * finished sequences cost nothing.  Inputs and outputs are laid out as in
 * cell_step.cl (gx from input_projection.cl, w_hh [D][H][G*Hp], y addressed
 * y[y_off + t*y_ts + b*y_bs + dir*H + j]).
 *
 * CPU reference: cell_step() and run_layer() in src/reference/reference.c. */

#define CELL_RNN_TANH 0
#define CELL_RNN_RELU 1
#define CELL_LSTM 2
#define CELL_GRU 3

__kernel void persistent_scan(__global const float *gx, int gx_ld,
                              __global const float *w_hh, __global const float *b_hn,
                              __global const float *h0, ulong h0_off,
                              __global float *c, ulong c_off,
                              __global float *y, ulong y_off, ulong y_ts, ulong y_bs,
                              __global float *h_n, ulong hn_off,
                              __global const int *lengths, int B, int H, int Hp, int cell,
                              __local float *h_loc)
{
    const int j = get_local_id(0), b = get_global_id(1), dir = get_global_id(2);
    const int G = cell == CELL_LSTM ? 4 : cell == CELL_GRU ? 3 : 1;
    const int len = lengths[b], on = j < H;
    const size_t state = ((size_t)dir * B + b) * H;
    for (int k = j; k < H; k += get_local_size(0))
        h_loc[k] = h0[h0_off + state + k];
    float c_j = cell == CELL_LSTM && on ? c[c_off + state + j] : 0.0f;
    barrier(CLK_LOCAL_MEM_FENCE);

    const __global float *w = w_hh + (size_t)dir * H * G * Hp + j;
    const size_t w_ld = (size_t)G * Hp;
    for (int s = 0; s < len; s++) {
        const int t = dir ? len - 1 - s : s;
        float h = 0.0f;
        if (on) {
            const __global float *g = gx + ((size_t)t * B + b) * gx_ld + (size_t)dir * G * Hp + j;
            float a0 = g[0];
            if (G == 1) {
                for (int k = 0; k < H; k++)
                    a0 = fma(h_loc[k], w[k * w_ld], a0);
                h = cell == CELL_RNN_RELU ? fmax(a0, 0.0f) : rnnscan_tanh(a0);
            } else if (G == 4) {
                float a1 = g[Hp], a2 = g[2 * Hp], a3 = g[3 * Hp];
                for (int k = 0; k < H; k++) {
                    const float hk = h_loc[k];
                    const __global float *wk = w + k * w_ld;
                    a0 = fma(hk, wk[0], a0);
                    a1 = fma(hk, wk[Hp], a1);
                    a2 = fma(hk, wk[2 * Hp], a2);
                    a3 = fma(hk, wk[3 * Hp], a3);
                }
                c_j = rnnscan_sigmoid(a1) * c_j + rnnscan_sigmoid(a0) * rnnscan_tanh(a2);
                h = rnnscan_sigmoid(a3) * rnnscan_tanh(c_j);
            } else {
                float a1 = g[Hp], hn = b_hn[(size_t)dir * Hp + j];
                for (int k = 0; k < H; k++) {
                    const float hk = h_loc[k];
                    const __global float *wk = w + k * w_ld;
                    a0 = fma(hk, wk[0], a0);
                    a1 = fma(hk, wk[Hp], a1);
                    hn = fma(hk, wk[2 * Hp], hn);
                }
                const float r = rnnscan_sigmoid(a0), z = rnnscan_sigmoid(a1);
                const float n = rnnscan_tanh(g[2 * Hp] + r * hn);
                h = (1.0f - z) * n + z * h_loc[j];
            }
        }
        barrier(CLK_LOCAL_MEM_FENCE); /* everyone has read h_{t-1} */
        if (on) {
            h_loc[j] = h;
            y[y_off + (size_t)t * y_ts + (size_t)b * y_bs + (size_t)dir * H + j] = h;
        }
        barrier(CLK_LOCAL_MEM_FENCE); /* h_t complete before the next step reads it */
    }
    if (on) {
        h_n[hn_off + state + j] = h_loc[j];
        if (cell == CELL_LSTM)
            c[c_off + state + j] = c_j;
    }
}
