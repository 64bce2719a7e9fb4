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
    v8f i = v_sigmoid(v_load_n(g + j, w) + v_load_n(bias + j, w));
    v8f f = v_sigmoid(v_load_n(g + H + j, w) + v_load_n(bias + H + j, w));
    v8f gg = v_tanh(v_load_n(g + 2 * H + j, w) + v_load_n(bias + 2 * H + j, w));
    v8f o = v_sigmoid(v_load_n(g + 3 * H + j, w) + v_load_n(bias + 3 * H + j, w));
    v8f cn = f * v_load_n(c + j, w) + i * gg;
    v8f hn = o * v_tanh(cn);
    v_store_n(c + j, cn, w);
    v_store_n(h + j, hn, w);
    v_store_n(out + j, hn, w);
}

CPU_INLINE void gru_block(int H, int w, int j, const float *g, const float *gh, const float *bias,
                          const float *b_hn, float *h, float *out)
{
    v8f r = v_sigmoid(v_load_n(g + j, w) + v_load_n(gh + j, w) + v_load_n(bias + j, w));
    v8f z = v_sigmoid(v_load_n(g + H + j, w) + v_load_n(gh + H + j, w) +
                      v_load_n(bias + H + j, w));
    v8f n = v_tanh(v_load_n(g + 2 * H + j, w) + v_load_n(bias + 2 * H + j, w) +
                   r * (v_load_n(gh + 2 * H + j, w) + v_load_n(b_hn + j, w)));
    v8f hn = n + z * (v_load_n(h + j, w) - n); /* (1 - z) n + z h */
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
