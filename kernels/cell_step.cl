/* One timestep of a layer, for every active sequence and both directions,
 * fused: the recurrent product for all gates of a hidden unit, the
 * activations and the state update (host-loop schedule: one launch per step).
 *
 * Work split: global size (Hp / 8, ceil(B_active / RNNSCAN_STEP_ROWS), D).
 * Work-item (u, v, dir) owns hidden units 8u .. 8u+7 of direction dir for
 * RNNSCAN_STEP_ROWS sequence slots, with one float8 accumulator per gate and
 * slot.  Each k step loads G float8 of w_hh (stored [D][H][G*Hp], W_hh
 * transposed once at model creation, so the 8 units are contiguous) and one
 * scalar of each slot's previous state.
 *
 * Sequences: slot -> sequence b through `order` (sorted by length, longest
 * first), so the sequences still running at step s are the first B_active
 * slots and finished ones cost nothing.  Sequence b of length len is at time
 * t = s (forward) or len-1-s (reverse direction).  Its state lives in the
 * output: step s reads y at the previous time (h0 at s = 0) and writes y at
 * t; the LSTM cell state is updated in place in c (one owner per element);
 * h_n is written at the sequence's last step.  y is addressed as
 * y[y_off + t*y_ts + b*y_bs + dir*H + j], which covers time-major and
 * batch-first outputs.
 *
 * CPU reference: cell_step() and run_layer() in src/reference/reference.c. */

#define ROWS RNNSCAN_STEP_ROWS

/* The arguments every step kernel takes, in this order. */
#define STEP_ARGS                                                                         \
    __global const float *gx, int gx_ld, __global const float *w_hh,                      \
        __global const float *b_hn, __global const float *h0, ulong h0_off,               \
        __global float *c, ulong c_off, __global float *y, ulong y_off, ulong y_ts,       \
        ulong y_bs, __global float *h_n, ulong hn_off, __global const int *order,         \
        __global const int *lengths, int s, int B, int B_active, int H, int Hp

/* Per slot: the sequence, its time, where its previous state is, and whether
 * the slot is real (padding slots repeat the last one and store nothing). */
#define STEP_SETUP(G)                                                                      \
    const int j0 = get_global_id(0) * 8, dir = get_global_id(2);                          \
    const int n = min(8, H - j0);                                                         \
    int b[ROWS], t[ROWS], last[ROWS], live[ROWS];                                         \
    const __global float *hp[ROWS];                                                       \
    for (int r = 0; r < ROWS; r++) {                                                      \
        int slot = get_global_id(1) * ROWS + r;                                           \
        live[r] = slot < B_active;                                                        \
        b[r] = order[min(slot, B_active - 1)];                                            \
        const int len = lengths[b[r]];                                                    \
        t[r] = dir ? len - 1 - s : s;                                                     \
        last[r] = s == len - 1;                                                           \
        hp[r] = s == 0 ? h0 + h0_off + ((size_t)dir * B + b[r]) * H                       \
                       : y + y_off + (size_t)(dir ? t[r] + 1 : t[r] - 1) * y_ts +         \
                             (size_t)b[r] * y_bs + (size_t)dir * H;                       \
    }                                                                                     \
    const __global float *gxr[ROWS];                                                      \
    for (int r = 0; r < ROWS; r++)                                                        \
        gxr[r] = gx + ((size_t)t[r] * B + b[r]) * gx_ld + (size_t)dir * (G) * Hp + j0;    \
    const __global float *w = w_hh + (size_t)dir * H * (G) * Hp + j0

/* acc[g][r] += sum_k h_r[k] * w[k][g*Hp + j0 .. j0+7] */
#define STEP_ACCUMULATE(G)                                                                \
    for (int k = 0; k < H; k++) {                                                         \
        const __global float *wk = w + (size_t)k * (G) * Hp;                              \
        float8 wv[G];                                                                     \
        for (int g = 0; g < (G); g++)                                                     \
            wv[g] = vload8(0, wk + g * Hp);                                               \
        for (int r = 0; r < ROWS; r++) {                                                  \
            const float8 hk = (float8)(hp[r][k]);                                         \
            for (int g = 0; g < (G); g++)                                                 \
                acc[g][r] = fma(hk, wv[g], acc[g][r]);                                    \
        }                                                                                 \
    }

/* Writes the new state of slot r: y at its time, h_n at its last step. */
#define STEP_STORE(h)                                                                     \
    do {                                                                                  \
        rnnscan_store(y + y_off + (size_t)t[r] * y_ts + (size_t)b[r] * y_bs +             \
                          (size_t)dir * H + j0, h, n);                                    \
        if (last[r])                                                                      \
            rnnscan_store(h_n + hn_off + ((size_t)dir * B + b[r]) * H + j0, h, n);        \
    } while (0)

__kernel void rnn_tanh_step(STEP_ARGS)
{
    STEP_SETUP(1);
    float8 acc[1][ROWS];
    for (int r = 0; r < ROWS; r++)
        acc[0][r] = vload8(0, gxr[r]);
    STEP_ACCUMULATE(1)
    for (int r = 0; r < ROWS; r++)
        if (live[r])
            STEP_STORE(rnnscan_tanh8(acc[0][r]));
}

__kernel void rnn_relu_step(STEP_ARGS)
{
    STEP_SETUP(1);
    float8 acc[1][ROWS];
    for (int r = 0; r < ROWS; r++)
        acc[0][r] = vload8(0, gxr[r]);
    STEP_ACCUMULATE(1)
    for (int r = 0; r < ROWS; r++)
        if (live[r])
            STEP_STORE(fmax(acc[0][r], (float8)(0.0f)));
}

__kernel void lstm_step(STEP_ARGS)
{
    STEP_SETUP(4);
    float8 acc[4][ROWS];
    for (int g = 0; g < 4; g++)
        for (int r = 0; r < ROWS; r++)
            acc[g][r] = vload8(0, gxr[r] + g * Hp);
    STEP_ACCUMULATE(4)
    for (int r = 0; r < ROWS; r++) {
        if (!live[r])
            continue;
        __global float *cs = c + c_off + ((size_t)dir * B + b[r]) * H + j0;
        const float8 c_new = rnnscan_sigmoid8(acc[1][r]) * rnnscan_load(cs, n) +
                             rnnscan_sigmoid8(acc[0][r]) * rnnscan_tanh8(acc[2][r]);
        rnnscan_store(cs, c_new, n);
        STEP_STORE(rnnscan_sigmoid8(acc[3][r]) * rnnscan_tanh8(c_new));
    }
}

__kernel void gru_step(STEP_ARGS)
{
    STEP_SETUP(3);
    float8 acc[3][ROWS];
    const float8 bn = vload8(0, b_hn + (size_t)dir * Hp + j0);
    for (int r = 0; r < ROWS; r++) {
        acc[0][r] = vload8(0, gxr[r]);
        acc[1][r] = vload8(0, gxr[r] + Hp);
        acc[2][r] = bn; /* W_hn h + b_hn, kept apart: r multiplies it */
    }
    STEP_ACCUMULATE(3)
    for (int r = 0; r < ROWS; r++) {
        if (!live[r])
            continue;
        const float8 rg = rnnscan_sigmoid8(acc[0][r]), z = rnnscan_sigmoid8(acc[1][r]);
        const float8 nn = rnnscan_tanh8(vload8(0, gxr[r] + 2 * Hp) + rg * acc[2][r]);
        STEP_STORE((1.0f - z) * nn + z * rnnscan_load(hp[r] + j0, n));
    }
}
