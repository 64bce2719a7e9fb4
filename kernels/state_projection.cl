/* rnnscan_state_projection: an LSTM's projection (PyTorch's proj_size P),
 * h_t = W_hr m_t with m_t = o * tanh(c_t), for one step of the host-loop
 * schedule, right after rnnscan_step (RNNSCAN_PROJ) has written m_t.
 *
 * Work split: global size (ceil(P / 8), B_active, D).  Work-item (u, slot,
 * dir) computes outputs 8u .. 8u+7 (fewer in the last block) of the
 * sequence in that slot (through `order`), one float8 accumulator over the
 * H values of its m_t.  W_hr arrives transposed, [H][Pp] with Pp = P rounded
 * up to 8 and zeros past P, one buffer per direction in the w_hh0 / w_hh1
 * arguments, so the 8 outputs of a work-item are contiguous in every row and
 * neighbouring work-items read neighbouring blocks (coalesced on a GPU).
 * m_t is at state + m_off, [D][B][H] by sequence; h_t goes where rnnscan_step
 * puts h without a projection: y at the sequence's time (or step slot in a
 * chunk, by_step), P wide per direction, and h_n at its last step.  The next
 * step reads it from there.
 *
 * CPU reference: cell_step() in src/reference/reference.c (its last loop). */
#if RNNSCAN_ENTRY == RNNSCAN_ENTRY_STATE_PROJECTION

__kernel void rnnscan_state_projection(PARAMS_ARGS)
{
    PARAMS_UNPACK;
    const int p0 = get_global_id(0) * 8, slot = get_global_id(1), dir = get_global_id(2);
    if (slot >= B_active || p0 >= S) /* no barriers below: leaving early is safe */
        return;
    const int b = order[slot], len = lengths[b];
    const int t = dir || reverse ? len - 1 - s : s, yi = by_step ? s - s0 + 1 : t;
    const int Pp = (S + 7) / 8 * 8, n = min(8, S - p0);
    const __global float *m = state + p.m_off + ((size_t)dir * B + b) * H;
    const __global rnnscan_weight *w = (dir ? w_hh1 : w_hh0) + p0;
    float8 acc = (float8)(0.0f);
    for (int k = 0; k < H; k++)
        acc = fma((float8)(m[k]), RNNSCAN_WLOAD8(w + (size_t)k * Pp), acc);
    rnnscan_store8(y + y_off + (size_t)yi * y_ts + (size_t)b * y_bs + (size_t)dir * S + p0, acc,
                   n);
    if (s == len - 1)
        rnnscan_store8(h_n + hn_off + ((size_t)dir * B + b) * S + p0, acc, n);
}

#endif /* RNNSCAN_ENTRY == RNNSCAN_ENTRY_STATE_PROJECTION */
