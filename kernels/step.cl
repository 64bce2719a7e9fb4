/* rnnscan_step: one timestep of a layer, for every active sequence and both
 * directions, fused: the recurrent product for all gates of a hidden unit,
 * the activations and the state update (host-loop schedule: one launch per
 * step).  The cell's math is cell.cl's, chosen by RNNSCAN_CELL.
 *
 * Work split: global size (Hp / 8, ceil(B_active / RNNSCAN_STEP_ROWS), D).
 * Work-item (u, v, dir) owns hidden units 8u .. 8u+7 of direction dir for
 * RNNSCAN_STEP_ROWS sequence slots ("rows"), with one float8 register per
 * gate and row.  Each k step loads G float8 of w_hh (W_hh transposed once
 * at model creation, so the 8 units are contiguous; rows or panels, see
 * W_BLOCK in common.cl) and one scalar of each row's previous state.
 *
 * With RNNSCAN_PROJ (an LSTM with proj_size P): h is P wide (the recurrent
 * product runs over S = P values of h_{t-1}) and the step writes m_t = o *
 * tanh(c_t) to the state buffer; rnnscan_state_projection then makes h_t
 * (state_projection.cl).
 *
 * rnnscan_reset_gate, the same body built as entry RNNSCAN_ENTRY_RESET_GATE:
 * the first phase of a step of a GRU with reset_before, launched right
 * before rnnscan_step with the same grid and parameters.  It accumulates
 * only r's recurrent product and writes r * h_{t-1} for its units to the
 * state buffer at m_off ([D][B][H], by sequence); rnnscan_step then
 * accumulates z over h_{t-1} and n over r * h_{t-1} (every unit of it, so
 * it needs the whole vector first: one launch per phase).
 *
 * Sequences: slot -> sequence b through `order` (sorted by length, longest
 * first), so the sequences still running at step s are the first B_active
 * slots and finished ones cost nothing.  Sequence b of length len is at time
 * t = s (forward) or len-1-s (reverse direction).  Its state lives in the
 * output: step s reads y at the previous time (h0 at s = 0) and writes y at
 * t, or at step slots in a chunk (by_step, see rnnscan_step_params in
 * common.cl); the LSTM cell state is updated in place in c (one owner per
 * element); h_n is written at the sequence's last step.  y is addressed as
 * y[y_off + i*y_ts + b*y_bs + dir*S + j], which covers time-major and
 * batch-first outputs.  Rows past B_active repeat the last slot and store
 * nothing.  Arguments: PARAMS_ARGS in common.cl (gx, W_hh of each direction,
 * y, the state buffer with h0, c, h_n, order, lengths, and the by-value
 * parameters, of which s and B_active change per step).  Launches may be
 * split along dimension 1 with a global offset (the host keeps every
 * launch within the device's work-group limits).
 *
 * CPU reference: cell_step() and run_layer() in src/reference/reference.c. */
#if RNNSCAN_ENTRY == RNNSCAN_ENTRY_STEP || RNNSCAN_ENTRY == RNNSCAN_ENTRY_RESET_GATE
#if RNNSCAN_VEC_WIDTH != 8
#error "rnnscan_step computes 8 units per work-item (RNNSCAN_VEC_WIDTH 8)"
#endif
/* rnnscan_step of a GRU with reset_before: its n gate reads r * h_{t-1} */
#define STEP_READS_RH (RNNSCAN_GRU_RESET_BEFORE && RNNSCAN_ENTRY == RNNSCAN_ENTRY_STEP)
#if RNNSCAN_GRU_RESET_BEFORE
#define STEP_ROW_RH(r) __global float *rh##r = state + p.m_off + ((size_t)dir * B + b##r) * H;
#else
#define STEP_ROW_RH(r)
#endif

/* Row r: its sequence b, time t, where its output goes in y (yi), where its
 * previous state is (hp), its gate inputs gxr, its accumulators a, and
 * (GRU reset_before) its r * h_{t-1} in the state buffer (rh). */
#define STEP_ROW_START(r)                                                                 \
    const int slot##r = get_global_id(1) * RNNSCAN_STEP_ROWS + r;                         \
    const int live##r = slot##r < B_active;                                               \
    const int b##r = order[min(slot##r, B_active - 1)];                                   \
    const int len##r = lengths[b##r];                                                     \
    const int t##r = back ? len##r - 1 - s : s;                                           \
    const int yi##r = by_step ? s - s0 + 1 : t##r;                                        \
    const int yp##r = by_step ? s - s0 : (back ? t##r + 1 : t##r - 1);                    \
    const __global float *hp##r =                                                         \
        s == 0 ? h0 + h0_off + ((size_t)dir * B + b##r) * S                               \
               : y + y_off + (size_t)yp##r * y_ts + (size_t)b##r * y_bs + (size_t)dir * S; \
    const __global float *gxr##r =                                                        \
        gx + ((size_t)(by_step ? s - s0 : t##r) * B + b##r) * gx_ld + gate_base;          \
    STEP_ROW_RH(r)                                                                        \
    rnnscan_gates a##r;                                                                   \
    rnnscan_gates_start(&a##r, gxr##r, Hp, &cw);

/* The k loop over the rows in EACH: every row, or row 0 alone when it is the
 * only live one (B_active = 1, or the last work-item of an odd batch), so
 * dead rows cost no arithmetic; with B = 1 that is 3x fewer FMAs per step. */
#define STEP_ROW0_ONLY(X) X(0)
/* Row r's n += (r * h_{t-1})[k] W_hn^T[k], from the value v (STEP_READS_RH). */
#if STEP_READS_RH
#define STEP_ROW_FMA_RH(r, v) rnnscan_gates_fma_rh(&a##r, RNNSCAN_VSPLAT(v), &w_k);
#else
#define STEP_ROW_FMA_RH(r, v)
#endif
#if RNNSCAN_STEP_LOCAL
#define STEP_KTILE 128
/* Row r's h_{t-1}[k0 .. k0+kn) into its slice of h_tile, the work-group's
 * items taking every get_local_size(0)-th value; then the FMAs read it from
 * there (r * h_{t-1} likewise through rh_tile).  The loop bounds depend on S
 * alone and a work-group shares get_global_id(1), so every item of a group
 * meets the same barriers. */
#if STEP_READS_RH
#define STEP_ROW_STAGE_RH(r) rh_tile[r * STEP_KTILE + i] = rh##r[k0 + i];
#else
#define STEP_ROW_STAGE_RH(r)
#endif
#define STEP_ROW_STAGE(r) h_tile[r * STEP_KTILE + i] = hp##r[k0 + i]; STEP_ROW_STAGE_RH(r)
#define STEP_ROW_FMA(r)                                                                   \
    rnnscan_gates_fma(&a##r, RNNSCAN_VSPLAT(h_tile[r * STEP_KTILE + k]), &w_k);            \
    STEP_ROW_FMA_RH(r, rh_tile[r * STEP_KTILE + k])
#define STEP_K_LOOP(EACH)                                                                 \
    for (int k0 = 0; k0 < S; k0 += STEP_KTILE) {                                          \
        const int kn = min(STEP_KTILE, S - k0);                                           \
        for (int i = get_local_id(0); i < kn; i += get_local_size(0)) {                   \
            EACH(STEP_ROW_STAGE)                                                          \
        }                                                                                 \
        barrier(CLK_LOCAL_MEM_FENCE);                                                     \
        for (int k = 0; k < kn; k++) {                                                    \
            rnnscan_gates w_k;                                                            \
            rnnscan_gate_weights(&w_k, w + (k0 + k) * w_ks, w_gs);                        \
            rnnscan_gate_weights_rh(&w_k, w + (k0 + k) * w_ks, w_gs);                     \
            EACH(STEP_ROW_FMA)                                                            \
        }                                                                                 \
        barrier(CLK_LOCAL_MEM_FENCE); /* the tile is read before the next overwrites */   \
    }
#else
#define STEP_ROW_FMA(r)                                                                   \
    rnnscan_gates_fma(&a##r, RNNSCAN_VSPLAT(hp##r[k]), &w_k);                             \
    STEP_ROW_FMA_RH(r, rh##r[k])
#define STEP_K_LOOP(EACH)                                                                 \
    for (int k = 0; k < S; k++) {                                                         \
        rnnscan_gates w_k;                                                                \
        rnnscan_gate_weights(&w_k, w + k * w_ks, w_gs);                                   \
        rnnscan_gate_weights_rh(&w_k, w + k * w_ks, w_gs);                                \
        EACH(STEP_ROW_FMA)                                                                \
    }
#endif

/* Row r's new state: c in place, y at its time, h_n at its last step; with
 * a projection, o * tanh(c) to m instead (rnnscan_state_projection makes h
 * from it and stores y and h_n). */
#if RNNSCAN_PROJ
#define STEP_ROW_STORE_H(r)                                                               \
    RNNSCAN_VSTORE_N(state + p.m_off + ((size_t)dir * B + b##r) * H + j0, h##r, n);
#else
#define STEP_ROW_STORE_H(r)                                                               \
    RNNSCAN_VSTORE_N(y + y_off + (size_t)yi##r * y_ts + (size_t)b##r * y_bs +             \
                         (size_t)dir * S + j0, h##r, n);                                  \
    if (s == len##r - 1)                                                                  \
        RNNSCAN_VSTORE_N(h_n + hn_off + ((size_t)dir * B + b##r) * S + j0, h##r, n);
#endif
#define STEP_ROW_FINISH(r)                                                                \
    if (live##r && unit_live) {                                                           \
        __global float *cs##r = c + c_off + ((size_t)dir * B + b##r) * H + j0;            \
        rnnscan_vec c##r = RNNSCAN_CELL_STATE ? RNNSCAN_VLOAD_N(cs##r, n) : RNNSCAN_VSPLAT(0.0f);      \
        const rnnscan_vec h##r = rnnscan_cell_update(                                     \
            &a##r, rnnscan_gx_n(gxr##r, Hp),                                              \
            RNNSCAN_CELL_READS_H_PREV ? RNNSCAN_VLOAD_N(hp##r + j0, n) : RNNSCAN_VSPLAT(0.0f), \
            &c##r, &cw);                                                                  \
        if (RNNSCAN_CELL_STATE)                                                           \
            RNNSCAN_VSTORE_N(cs##r, c##r, n);                                             \
        STEP_ROW_STORE_H(r)                                                               \
    }
/* rnnscan_reset_gate's end: row r's r * h_{t-1} for these units. */
#define STEP_ROW_RESET(r)                                                                 \
    if (live##r && unit_live)                                                             \
        RNNSCAN_VSTORE_N(rh##r + j0, rnnscan_reset_times_h(&a##r, RNNSCAN_VLOAD_N(hp##r + j0, n)), n);

#if RNNSCAN_ENTRY == RNNSCAN_ENTRY_RESET_GATE
#define STEP_KERNEL rnnscan_reset_gate
#define STEP_ROW_END STEP_ROW_RESET
#else
#define STEP_KERNEL rnnscan_step
#define STEP_ROW_END STEP_ROW_FINISH
#endif

__kernel void STEP_KERNEL(PARAMS_ARGS)
{
    PARAMS_UNPACK;
    const int dir = get_global_id(2), back = dir || reverse; /* back: runs backwards */
    /* past the last block only with RNNSCAN_STEP_LOCAL's rounded groups */
    const int unit_live = (int)get_global_id(0) * 8 < H;
    const int j0 = unit_live ? get_global_id(0) * 8 : 0, n = min(8, H - j0);
#if RNNSCAN_STEP_LOCAL
    __local float h_tile[RNNSCAN_STEP_ROWS * STEP_KTILE * (1 + STEP_READS_RH)];
#if STEP_READS_RH
    __local float *rh_tile = h_tile + RNNSCAN_STEP_ROWS * STEP_KTILE;
#endif
#endif
    const size_t gate_base = (size_t)dir * p.gx_dir + j0;
    const __global rnnscan_weight *w_hh = dir ? w_hh1 : w_hh0;
    const __global rnnscan_weight *w = W_BLOCK(w_hh, RNNSCAN_W_GATES, S, Hp, j0);
    const size_t w_ks = W_KSTRIDE(RNNSCAN_W_GATES, Hp), w_gs = RNNSCAN_W_GATE_STRIDE(S, Hp);
    rnnscan_cell_weights cw;
    rnnscan_cell_weights_load(&cw, w_hh, S, Hp, j0);
    RNNSCAN_STEP_EACH(STEP_ROW_START)
    if (RNNSCAN_STEP_ROWS == 1 || get_global_id(1) * RNNSCAN_STEP_ROWS + 1 < B_active) {
        STEP_K_LOOP(RNNSCAN_STEP_EACH)
    } else {
        STEP_K_LOOP(STEP_ROW0_ONLY)
    }
    RNNSCAN_STEP_EACH(STEP_ROW_END)
}

#undef STEP_ROW_START
#undef STEP_ROW_FMA
#undef STEP_ROW_STAGE
#undef STEP_KTILE
#undef STEP_ROW0_ONLY
#undef STEP_K_LOOP
#undef STEP_ROW_FINISH
#undef STEP_ROW_STORE_H
#undef STEP_ROW_RESET
#undef STEP_ROW_END
#undef STEP_KERNEL
#undef STEP_ROW_FMA_RH
#undef STEP_ROW_STAGE_RH
#undef STEP_READS_RH
#undef STEP_ROW_RH
#endif /* RNNSCAN_ENTRY == RNNSCAN_ENTRY_STEP || RNNSCAN_ENTRY == RNNSCAN_ENTRY_RESET_GATE */
