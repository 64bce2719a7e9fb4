/* One timestep of a layer, for every active sequence and both directions,
 * fused: the recurrent product for all gates of a hidden unit, the
 * activations and the state update (host-loop schedule: one launch per step).
 *
 * Work split: global size (Hp / 8, ceil(B_active / RNNSCAN_STEP_ROWS), D).
 * Work-item (u, v, dir) owns hidden units 8u .. 8u+7 of direction dir for
 * RNNSCAN_STEP_ROWS sequence slots ("rows"), with one float8 register per
 * gate and row.  Each k step loads G float8 of w_hh (W_hh transposed once
 * at model creation, so the 8 units are contiguous; rows or panels, see
 * W_BLOCK in common.cl) and one scalar of each row's previous state.
 *
 * Sequences: slot -> sequence b through `order` (sorted by length, longest
 * first), so the sequences still running at step s are the first B_active
 * slots and finished ones cost nothing.  Sequence b of length len is at time
 * t = s (forward) or len-1-s (reverse direction).  Its state lives in the
 * output: step s reads y at the previous time (h0 at s = 0) and writes y at
 * t, or at step slots in a chunk (by_step, see rnnscan_step_params in
 * common.cl); the LSTM cell state is updated in place in c (one owner per
 * element); h_n is written at the sequence's last step.  y is addressed as
 * y[y_off + i*y_ts + b*y_bs + dir*H + j], which covers time-major and
 * batch-first outputs.  Rows past B_active repeat the last slot and store
 * nothing.  Arguments: PARAMS_ARGS in common.cl (gx, W_hh of each direction,
 * y, the state buffer with h0, c, h_n, order, lengths, and the by-value
 * parameters, of which s and B_active change per step).  Launches may be
 * split along dimension 1 with a global offset (the host keeps every
 * launch within the device's work-group limits).
 *
 * CPU reference: cell_step() and run_layer() in src/reference/reference.c. */

/* What every step kernel knows about its units and direction. */
#define STEP_BEGIN(G)                                                                     \
    PARAMS_UNPACK;                                                                        \
    const int j0 = get_global_id(0) * 8, dir = get_global_id(2);                          \
    const int n = min(8, H - j0);                                                         \
    const size_t gate_base = (size_t)dir * p.gx_dir + j0;                                 \
    const __global float *w_hh = dir ? w_hh1 : w_hh0;                                     \
    const __global float *w = W_BLOCK(w_hh, G, H, Hp, j0);                                \
    const size_t w_ks = W_KSTRIDE(G, Hp), w_gs = W_GSTRIDE(Hp)

/* Row r: its sequence b, time t, where its output goes in y (yi), where its
 * previous state is (hp), and its gate inputs gxr. */
#define ROW_SETUP(r)                                                                      \
    const int slot##r = get_global_id(1) * RNNSCAN_STEP_ROWS + r;                         \
    const int live##r = slot##r < B_active;                                               \
    const int b##r = order[min(slot##r, B_active - 1)];                                   \
    const int len##r = lengths[b##r];                                                     \
    const int t##r = dir ? len##r - 1 - s : s;                                            \
    const int yi##r = by_step ? s - s0 + 1 : t##r;                                        \
    const int yp##r = by_step ? s - s0 : (dir ? t##r + 1 : t##r - 1);                     \
    const __global float *hp##r =                                                         \
        s == 0 ? h0 + h0_off + ((size_t)dir * B + b##r) * H                               \
               : y + y_off + (size_t)yp##r * y_ts + (size_t)b##r * y_bs + (size_t)dir * H; \
    const __global float *gxr##r =                                                        \
        gx + ((size_t)(by_step ? s - s0 : t##r) * B + b##r) * gx_ld + gate_base;

/* Writes row r's new state h: y at its time, h_n at its last step. */
#define ROW_STORE(r, h)                                                                   \
    {                                                                                     \
        rnnscan_store(y + y_off + (size_t)yi##r * y_ts + (size_t)b##r * y_bs +            \
                          (size_t)dir * H + j0, h, n);                                    \
        if (s == len##r - 1)                                                              \
            rnnscan_store(h_n + hn_off + ((size_t)dir * B + b##r) * H + j0, h, n);        \
    }

/* The k loop over the rows in EACH: every row, or row 0 alone when it is the
 * only live one (B_active = 1, or the last work-item of an odd batch), so
 * dead rows cost no arithmetic; with B = 1 that is 3x fewer FMAs per step. */
#define ROW0_ONLY(X) X(0)
#define K_LOOP(LOOP)                                                                      \
    if (RNNSCAN_STEP_ROWS == 1 || get_global_id(1) * RNNSCAN_STEP_ROWS + 1 < B_active) {  \
        LOOP(STEP_EACH)                                                                   \
    } else {                                                                              \
        LOOP(ROW0_ONLY)                                                                   \
    }

/* ---- vanilla RNN: one gate ---- */
#define RNN_INIT(r) float8 a##r = vload8(0, gxr##r);
#define RNN_FMA(r) a##r = fma((float8)(hp##r[k]), wa, a##r);
#define RNN_K(EACH)                                                                       \
    for (int k = 0; k < H; k++) {                                                         \
        const float8 wa = vload8(0, w + k * w_ks);                                        \
        EACH(RNN_FMA)                                                                     \
    }
#define RNN_LOOP                                                                          \
    STEP_EACH(ROW_SETUP)                                                                  \
    STEP_EACH(RNN_INIT)                                                                   \
    K_LOOP(RNN_K)

__kernel void rnn_tanh_step(PARAMS_ARGS)
{
    STEP_BEGIN(1);
    RNN_LOOP
#define TANH_OUT(r) if (live##r) ROW_STORE(r, rnnscan_tanh8(a##r))
    STEP_EACH(TANH_OUT)
}

__kernel void rnn_relu_step(PARAMS_ARGS)
{
    STEP_BEGIN(1);
    RNN_LOOP
#define RELU_OUT(r) if (live##r) ROW_STORE(r, fmax(a##r, (float8)(0.0f)))
    STEP_EACH(RELU_OUT)
}

/* ---- LSTM: gates i, f, g, o ---- */
__kernel void lstm_step(PARAMS_ARGS)
{
    STEP_BEGIN(4);
    STEP_EACH(ROW_SETUP)
#define LSTM_INIT(r)                                                                      \
    float8 ai##r = vload8(0, gxr##r), af##r = vload8(0, gxr##r + Hp);                     \
    float8 ag##r = vload8(0, gxr##r + 2 * Hp), ao##r = vload8(0, gxr##r + 3 * Hp);
    STEP_EACH(LSTM_INIT)
#define LSTM_FMA(r)                                                                       \
    {                                                                                     \
        const float8 hk = (float8)(hp##r[k]);                                             \
        ai##r = fma(hk, wi, ai##r);                                                       \
        af##r = fma(hk, wf, af##r);                                                       \
        ag##r = fma(hk, wg, ag##r);                                                       \
        ao##r = fma(hk, wo, ao##r);                                                       \
    }
#define LSTM_K(EACH)                                                                      \
    for (int k = 0; k < H; k++) {                                                         \
        const __global float *wk = w + k * w_ks;                                          \
        const float8 wi = vload8(0, wk), wf = vload8(0, wk + w_gs);                       \
        const float8 wg = vload8(0, wk + 2 * w_gs), wo = vload8(0, wk + 3 * w_gs);        \
        EACH(LSTM_FMA)                                                                    \
    }
    K_LOOP(LSTM_K)
#define LSTM_OUT(r)                                                                       \
    if (live##r) {                                                                        \
        __global float *cs = c + c_off + ((size_t)dir * B + b##r) * H + j0;               \
        const float8 c_new = rnnscan_sigmoid8(af##r) * rnnscan_load(cs, n) +              \
                             rnnscan_sigmoid8(ai##r) * rnnscan_tanh8(ag##r);              \
        rnnscan_store(cs, c_new, n);                                                      \
        ROW_STORE(r, rnnscan_sigmoid8(ao##r) * rnnscan_tanh8(c_new))                      \
    }
    STEP_EACH(LSTM_OUT)
}

/* ---- GRU: gates r, z, n; W_hn h + b_hn kept apart because r multiplies it ---- */
__kernel void gru_step(PARAMS_ARGS)
{
    STEP_BEGIN(3);
    STEP_EACH(ROW_SETUP)
    /* b_hn [Hp] follows the direction's W_hh [H][3*Hp] in the same buffer */
    const float8 bn = vload8(0, w_hh + (size_t)H * 3 * Hp + j0);
#define GRU_INIT(r) float8 ar##r = vload8(0, gxr##r), az##r = vload8(0, gxr##r + Hp), an##r = bn;
    STEP_EACH(GRU_INIT)
#define GRU_FMA(r)                                                                        \
    {                                                                                     \
        const float8 hk = (float8)(hp##r[k]);                                             \
        ar##r = fma(hk, wr, ar##r);                                                       \
        az##r = fma(hk, wz, az##r);                                                       \
        an##r = fma(hk, wn, an##r);                                                       \
    }
#define GRU_K(EACH)                                                                       \
    for (int k = 0; k < H; k++) {                                                         \
        const __global float *wk = w + k * w_ks;                                          \
        const float8 wr = vload8(0, wk), wz = vload8(0, wk + w_gs);                       \
        const float8 wn = vload8(0, wk + 2 * w_gs);                                       \
        EACH(GRU_FMA)                                                                     \
    }
    K_LOOP(GRU_K)
#define GRU_OUT(r)                                                                        \
    if (live##r) {                                                                        \
        const float8 rg = rnnscan_sigmoid8(ar##r), z = rnnscan_sigmoid8(az##r);           \
        const float8 nn = rnnscan_tanh8(vload8(0, gxr##r + 2 * Hp) + rg * an##r);         \
        ROW_STORE(r, (1.0f - z) * nn + z * rnnscan_load(hp##r + j0, n))                   \
    }
    STEP_EACH(GRU_OUT)
}
