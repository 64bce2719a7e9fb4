/* Fused activations and state updates: one pass over the gate pre-activations
 * of the running sequences, eight hidden units at a time.  The hidden row's
 * last H mod 8 units go through the same code on partial vectors. */
#include "cpu.h"
#include "cpu_math.h"

/* One block of w <= 8 hidden units j.. of one sequence. */
CPU_INLINE void rnn_block(int relu, int w, int j, const float *g, const float *bias, float *h,
                          float *out)
{
    v8f v = v_load_n(g + j, w) + v_load_n(bias + j, w);
    v = relu ? v_relu(v) : v_tanh(v);
    v_store_n(h + j, v, w);
    v_store_n(out + j, v, w);
}

CPU_INLINE void lstm_block(int H, int w, int j, const float *g, const float *bias, float *h,
                           float *c, float *out)
{
    /* i, f, o = 1 / d_i, 1 / d_f, 1 / d_o; tanh = num / den: three divisions
     * instead of five (division is the slowest vector operation) */
    v8f d_i = v_sigmoid_den(v_load_n(g + j, w) + v_load_n(bias + j, w));
    v8f d_f = v_sigmoid_den(v_load_n(g + H + j, w) + v_load_n(bias + H + j, w));
    v8f den_g, num_g = v_tanh_parts(v_load_n(g + 2 * H + j, w) + v_load_n(bias + 2 * H + j, w),
                                    &den_g);
    v8f d_o = v_sigmoid_den(v_load_n(g + 3 * H + j, w) + v_load_n(bias + 3 * H + j, w));
    v8f cn = v_load_n(c + j, w) / d_f + num_g / (den_g * d_i);
    v8f den_c, num_c = v_tanh_parts(cn, &den_c);
    v8f hn = num_c / (den_c * d_o);
    v_store_n(c + j, cn, w);
    v_store_n(h + j, hn, w);
    v_store_n(out + j, hn, w);
}

CPU_INLINE void gru_block(int H, int w, int j, const float *g, const float *gh, const float *bias,
                          const float *b_hn, float *h, float *out)
{
    v8f d_r = v_sigmoid_den(v_load_n(g + j, w) + v_load_n(gh + j, w) + v_load_n(bias + j, w));
    /* z = 1 / (1 + e_z) */
    v8f e_z = v_exp(-(v_load_n(g + H + j, w) + v_load_n(gh + H + j, w) +
                      v_load_n(bias + H + j, w)));
    v8f den_n, num_n = v_tanh_parts(v_load_n(g + 2 * H + j, w) + v_load_n(bias + 2 * H + j, w) +
                                        (v_load_n(gh + 2 * H + j, w) + v_load_n(b_hn + j, w)) / d_r,
                                    &den_n);
    /* (1 - z) n + z h = (e_z n + h) / (1 + e_z), n = num_n / den_n: one
     * division (e_z <= e^88 and den_n <= 2 keep the terms finite) */
    v8f hn = (e_z * num_n + v_load_n(h + j, w) * den_n) / (den_n * (1.0f + e_z));
    v_store_n(h + j, hn, w);
    v_store_n(out + j, hn, w);
}

CPU_TARGET_CLONES
void cpu_cell_step(rnnscan_cell cell, int n, int H, const float *g, const float *gh,
                   const float *bias, const float *b_hn, float *h, float *c, float *out,
                   size_t ldout)
{
    const int G = cell == RNNSCAN_CELL_LSTM ? 4 : cell == RNNSCAN_CELL_GRU ? 3 : 1;
    const size_t ldg = (size_t)G * (size_t)H;
    const int tail = H % 8, body = H - tail;
    for (int b = 0; b < n; b++) {
        const float *gb = g + (size_t)b * ldg;
        float *hb = h + (size_t)b * H, *ob = out + (size_t)b * ldout;
        switch (cell) {
        case RNNSCAN_CELL_RNN_TANH:
        case RNNSCAN_CELL_RNN_RELU: {
            const int relu = cell == RNNSCAN_CELL_RNN_RELU;
            for (int j = 0; j < body; j += 8)
                rnn_block(relu, 8, j, gb, bias, hb, ob);
            if (tail)
                rnn_block(relu, tail, body, gb, bias, hb, ob);
            break;
        }
        case RNNSCAN_CELL_LSTM: {
            float *cb = c + (size_t)b * H;
            for (int j = 0; j < body; j += 8)
                lstm_block(H, 8, j, gb, bias, hb, cb, ob);
            if (tail)
                lstm_block(H, tail, body, gb, bias, hb, cb, ob);
            break;
        }
        case RNNSCAN_CELL_GRU: {
            const float *ghb = gh + (size_t)b * ldg;
            for (int j = 0; j < body; j += 8)
                gru_block(H, 8, j, gb, ghb, bias, b_hn, hb, ob);
            if (tail)
                gru_block(H, tail, body, gb, ghb, bias, b_hn, hb, ob);
            break;
        }
        }
    }
}
