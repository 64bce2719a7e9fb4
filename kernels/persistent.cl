/* rnnscan_persistent: the persistent schedule, for small H: the whole time
 * loop of a layer in one launch, so the host enqueues one kernel per layer
 * (or per chunk of steps) instead of one per step.  The cell's math is
 * cell.cl's, chosen by RNNSCAN_CELL.
 *
 * Work split: one work-group per (sequence b, direction dir): global size
 * (Hp / U, B, D), local size (Hp / U, 1, 1), U = RNNSCAN_VEC_WIDTH (the
 * host may split dimension 1 over launches with a global offset).
 * Work-item i owns hidden units U*i .. U*i+U-1 as one rnnscan_vec per gate:
 * U = 8 on a CPU device (PoCL), where one work-item's float8 is one SIMD
 * register and a work-group of 2 work-items (H = 16) has little barrier
 * cost; U = 1 on a GPU, one unit per work-item.  The group's hidden state
 * h_loc[Hp] stays in local memory across the loop and the LSTM cell state in
 * registers; two barriers per step separate reading h_{t-1} from writing h_t.
 * A GRU with reset_before (cell.cl) needs r for every unit before n's
 * recurrent product: its step has a third barrier, after each work-item has
 * put r * h_{t-1} for its units in rh_loc, the second half of the group's
 * local memory (2*Hp floats then); a first k loop accumulates r and z over
 * h_loc, a second n over rh_loc.
 * Padding units (H <= j < Hp) compute on zero weights and are never stored.
 * Each sequence runs its own length, so finished sequences cost nothing.
 * A launch covers steps [s0, s_end): the whole run, or one chunk of steps
 * (by_step addressing, see rnnscan_step_params in common.cl), starting from
 * h0 at step 0 or from y slot 0 (the previous chunk's last state) and from
 * the cell state c kept in the state buffer between chunks.  Inputs and
 * outputs are laid out as in step.cl (gx from input_projection.cl, W_hh per
 * direction as W_BLOCK in common.cl says, then b_hn [Hp], y addressed
 * y[y_off + i*y_ts + b*y_bs + dir*H + j]).
 *
 * CPU reference: cell_step() and run_layer() in src/reference/reference.c. */
#if RNNSCAN_ENTRY == RNNSCAN_ENTRY_PERSISTENT

__kernel void rnnscan_persistent(PARAMS_ARGS, __local float *h_loc)
{
    PARAMS_UNPACK;
    const int j0 = get_local_id(0) * RNNSCAN_VEC_WIDTH;
    const int b = get_global_id(1), dir = get_global_id(2);
    const int n = min(RNNSCAN_VEC_WIDTH, H - j0); /* units to store; <= 0: padding */
    const int len = lengths[b];
    /* A sequence that ended before s0 has nothing to do: the whole work-group
     * returns (b is the same for all its work-items, so no barrier waits). */
    if (len <= s0)
        return;
    /* the state before step s0: h0, or y slot 0 in a later chunk */
    const size_t seq_state = ((size_t)dir * B + b) * H;
    const __global float *h_start =
        s0 == 0 ? h0 + h0_off + seq_state : y + y_off + (size_t)b * y_bs + (size_t)dir * H;
    for (int k = get_local_id(0); k < Hp; k += get_local_size(0))
        h_loc[k] = k < H ? h_start[k] : 0.0f;
    barrier(CLK_LOCAL_MEM_FENCE);
    const __global rnnscan_weight *w_hh = dir ? w_hh1 : w_hh0;
    const __global rnnscan_weight *w = W_BLOCK(w_hh, RNNSCAN_W_GATES, H, Hp, j0);
    const size_t w_ld = W_KSTRIDE(RNNSCAN_W_GATES, Hp), w_gs = RNNSCAN_W_GATE_STRIDE(H, Hp);
    const __global float *gx_b = gx + (size_t)b * gx_ld + (size_t)dir * p.gx_dir + j0;
    const size_t gx_ts = (size_t)B * gx_ld;
    rnnscan_cell_weights cw;
    rnnscan_cell_weights_load(&cw, w_hh, H, Hp, j0);
#if RNNSCAN_GRU_RESET_BEFORE
    __local float *rh_loc = h_loc + Hp;
#endif
    __global float *c_b = c + c_off + seq_state + j0;
    rnnscan_vec c_j = RNNSCAN_CELL_STATE && n > 0 ? RNNSCAN_VLOAD_N(c_b, n) : RNNSCAN_VSPLAT(0.0f);

    const int s_stop = min(len, p.s_end);
    for (int s = s0; s < s_stop; s++) {
        const int t = dir || reverse ? len - 1 - s : s;
        const int yi = by_step ? s - s0 + 1 : t;
        const __global float *g = gx_b + (size_t)(by_step ? s - s0 : t) * gx_ts;
        rnnscan_gates a, w_k;
        rnnscan_gates_start(&a, g, Hp, &cw);
        for (int k = 0; k < H; k++) {
            rnnscan_gate_weights(&w_k, w + k * w_ld, w_gs);
            rnnscan_gates_fma(&a, RNNSCAN_VSPLAT(h_loc[k]), &w_k);
        }
#if RNNSCAN_GRU_RESET_BEFORE
        /* rh_loc was last read before the previous step's barriers */
        RNNSCAN_VSTORE(rnnscan_reset_times_h(&a, RNNSCAN_VLOAD(h_loc + j0)), rh_loc + j0);
        barrier(CLK_LOCAL_MEM_FENCE); /* r * h_{t-1} complete */
        for (int k = 0; k < H; k++) {
            rnnscan_gate_weights_rh(&w_k, w + k * w_ld, w_gs);
            rnnscan_gates_fma_rh(&a, RNNSCAN_VSPLAT(rh_loc[k]), &w_k);
        }
#endif
        const rnnscan_vec h = rnnscan_cell_update(
            &a, rnnscan_gx_n(g, Hp),
            RNNSCAN_CELL_READS_H_PREV ? RNNSCAN_VLOAD(h_loc + j0) : RNNSCAN_VSPLAT(0.0f), &c_j,
            &cw);
        barrier(CLK_LOCAL_MEM_FENCE); /* every work-item has read h_{t-1} */
        RNNSCAN_VSTORE(h, h_loc + j0);
        if (n > 0)
            RNNSCAN_VSTORE_N(y + y_off + (size_t)yi * y_ts + (size_t)b * y_bs + (size_t)dir * H + j0,
                             h, n);
        barrier(CLK_LOCAL_MEM_FENCE); /* h_t complete before the next step reads it */
    }
    if (n > 0 && s_stop == len) /* the sequence ended in this launch */
        RNNSCAN_VSTORE_N(h_n + hn_off + seq_state + j0, RNNSCAN_VLOAD(h_loc + j0), n);
    if (RNNSCAN_CELL_STATE && n > 0)
        RNNSCAN_VSTORE_N(c_b, c_j, n);
}

#endif /* RNNSCAN_ENTRY == RNNSCAN_ENTRY_PERSISTENT */
