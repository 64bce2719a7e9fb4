/* The scan in chunks, for runs whose whole-run buffers would exceed the
 * allocation limit (the device's CL_DEVICE_MAX_MEM_ALLOC_SIZE, or lower as
 * the caller asks): sequences in groups of Bc, steps in chunks of Tc, so no
 * buffer is larger than the limit and the device holds at most four scratch
 * buffers whatever T and B.
 *
 * Per group of sequences, layer by layer, chunk by chunk of steps [s0, s1):
 *   1. the host gathers each direction's inputs in step order (sequence b at
 *      step s reads time s forward, len_b-1-s reverse; zeros past its end),
 *   2. the projection runs per direction on those rows,
 *   3. the step kernels (or one persistent launch) run steps s0..s1-1 with
 *      by_step addressing (kernels/common.cl): y slot s-s0+1 is step s, and
 *      slot 0 the state before s0, copied on the device from the previous
 *      chunk's last slot,
 *   4. the host reads the slots back and scatters them to their times.
 * Layer outputs go to the caller's y and, for stacked layers, to a host
 * buffer of the same shape, alternating so the last layer writes y.  The
 * cell state c stays in the state buffer between chunks.  Results equal the
 * whole-run scan's: the same kernels do the same arithmetic in the same order.
 * CPU reference: run_layer() in src/reference/reference.c. */
#include <stdlib.h>
#include <string.h>

#include "cl_scan.h"

/* Sequences per group (Bc), steps per chunk (Tc), widest layer input (In). */
typedef struct chunk_plan {
    size_t Bc, Tc, In;
} chunk_plan;

/* Rows of a host array of per-(time, sequence) vectors: element (t, b)
 * starts at p + t*ts + b*bs. */
typedef struct host_seq {
    const float *in;
    float *out;
    size_t ts, bs;
} host_seq;

static size_t min_size(size_t a, size_t b) { return a < b ? a : b; }

static rnnscan_status plan_chunks(rnnscan_model *m, const rnnscan_run_dims *d, chunk_plan *cp)
{
    const cl_backend *cl = cl_backend_of(m);
    const cl_model *cm = m->impl;
    const size_t f = sizeof(float), limit = cl->alloc_limit;
    const size_t L = (size_t)m->dims.layers, D = (size_t)m->dims.directions;
    const size_t H = (size_t)m->dims.hidden, DH = D * (size_t)m->dims.state; /* y's width */
    cp->In = L > 1 && DH > (size_t)m->dims.input ? DH : (size_t)m->dims.input;
    /* per sequence: its state in every layer-direction; per step and
     * sequence: the widest of the gathered inputs, gx and y (y needs two
     * slots, the carried state and one step) */
    const size_t seq_state = cl_state_bytes(cm, L * D * H, 1);
    size_t widest = D * cp->In;
    widest = widest > (size_t)cm->N ? widest : (size_t)cm->N;
    widest = widest > 2 * DH ? widest : 2 * DH;
    if (seq_state == 0 || seq_state > limit || widest > limit / f)
        return rnnscan_fail(&m->err, RNNSCAN_TOO_LARGE,
                            "opencl: one sequence needs %zu bytes of state and %zu bytes per step, "
                            "above the allocation limit of %zu bytes (%s) of %s",
                            seq_state, widest * f, limit, cl->alloc_limit_source,
                            m->context->device_name);
    cp->Bc = min_size((size_t)d->B, min_size(limit / seq_state, limit / (widest * f)));
    const size_t per_step = cp->Bc * f; /* bytes per step of one float per sequence */
    size_t Tc = (size_t)d->T;
    Tc = min_size(Tc, limit / (per_step * D * cp->In));
    Tc = min_size(Tc, limit / (per_step * (size_t)cm->N));
    Tc = min_size(Tc, limit / (per_step * DH) - 1);
    cp->Tc = Tc;
    return RNNSCAN_OK;
}

/* Step 1: xs [D][n][nb][In_l] for steps s0..s0+n-1 of sequences b0..b0+nb-1
 * (dir 1, or a `reverse` model, runs backwards). */
static void gather_inputs(float *xs, const host_seq *in, size_t In_l, const int *lengths, int T,
                          int D, int reverse, int s0, int n, size_t b0, size_t nb)
{
    for (int dir = 0; dir < D; dir++)
        for (int i = 0; i < n; i++)
            for (size_t b = 0; b < nb; b++) {
                float *dst = xs + (((size_t)dir * n + i) * nb + b) * In_l;
                const int s = s0 + i, len = lengths ? lengths[b0 + b] : T;
                if (s >= len) {
                    memset(dst, 0, In_l * sizeof *dst);
                    continue;
                }
                const size_t t = (size_t)(dir || reverse ? len - 1 - s : s);
                memcpy(dst, in->in + t * in->ts + (b0 + b) * in->bs, In_l * sizeof *dst);
            }
}

/* Step 4: ys [n][nb][D*H] back to their times in out (H: the width of h). */
static void scatter_outputs(const host_seq *out, const float *ys, size_t H, const int *lengths,
                            int T, int D, int reverse, int s0, int n, size_t b0, size_t nb)
{
    for (int i = 0; i < n; i++)
        for (size_t b = 0; b < nb; b++) {
            const int s = s0 + i, len = lengths ? lengths[b0 + b] : T;
            if (s >= len)
                continue;
            for (int dir = 0; dir < D; dir++) {
                const size_t t = (size_t)(dir || reverse ? len - 1 - s : s);
                memcpy(out->out + t * out->ts + (b0 + b) * out->bs + (size_t)dir * H,
                       ys + ((size_t)i * nb + b) * D * H + (size_t)dir * H, H * sizeof *ys);
            }
        }
}

/* h0 and c0 rows of sequences b0..b0+nb-1 into the state buffer, then the
 * order and lengths (planned for this group). */
static rnnscan_status upload_group_state(rnnscan_model *m, const rnnscan_run *run, size_t B,
                                         size_t b0, size_t nb)
{
    cl_model *cm = m->impl;
    const size_t f = sizeof(float);
    const size_t LD = (size_t)m->dims.layers * m->dims.directions;
    const float *given[2] = {run->h0, run->c0};
    const enum cl_state_part part[2] = {STATE_H0, STATE_C};
    const size_t width[2] = {(size_t)m->dims.state, (size_t)m->dims.hidden}; /* h: S, c: H */
    const int parts = m->desc.cell == RNNSCAN_CELL_LSTM ? 2 : 1;
    for (int k = 0; k < parts; k++) {
        const size_t at = cl_state_at(cm, part[k]) * f, W = width[k];
        if (!given[k]) {
            RNNSCAN_TRY(cl_upload(m, cm->state.mem, at, NULL, cm->states * f, "zeroing h0 / c0"));
            continue;
        }
        for (size_t ld = 0; ld < LD; ld++)
            RNNSCAN_TRY(cl_upload(m, cm->state.mem, at + ld * nb * W * f,
                                  given[k] + (ld * B + b0) * W, nb * W * f,
                                  "uploading h0 / c0"));
    }
    /* read by the device before the host plans the next group: every chunk
     * ends with a blocking read */
    return cl_upload(m, cm->state.mem, cl_state_at(cm, STATE_ORDER) * f, cm->host_order,
                     2 * nb * sizeof(int), "uploading order and lengths");
}

/* h_n and c_n rows of the group back into the caller's arrays. */
static rnnscan_status download_group_state(rnnscan_model *m, const rnnscan_run *run, size_t B,
                                           size_t b0, size_t nb)
{
    cl_model *cm = m->impl;
    const size_t f = sizeof(float);
    const size_t LD = (size_t)m->dims.layers * m->dims.directions;
    float *dst[2] = {run->h_n, run->c_n};
    const enum cl_state_part part[2] = {STATE_HN, STATE_C};
    const size_t width[2] = {(size_t)m->dims.state, (size_t)m->dims.hidden}; /* h: S, c: H */
    for (int k = 0; k < 2; k++)
        for (size_t ld = 0; dst[k] && ld < LD; ld++)
            RNNSCAN_TRY(cl_download(m, dst[k] + (ld * B + b0) * width[k], cm->state.mem,
                                    (cl_state_at(cm, part[k]) + ld * nb * width[k]) * f,
                                    nb * width[k] * f, 0, "reading h_n / c_n"));
    return RNNSCAN_OK;
}

/* Host-side working memory of a chunked scan. */
typedef struct chunk_host {
    float *xs, *ys, *act;
} chunk_host;

/* One layer of one group of sequences, chunk by chunk. */
static rnnscan_status run_layer_chunks(rnnscan_model *m, const rnnscan_run *run, int l,
                                       const host_seq *in, const host_seq *out,
                                       const chunk_plan *cp, chunk_host *h, size_t b0, size_t nb)
{
    cl_model *cm = m->impl;
    const int D = m->dims.directions, T = run->seq_len, steps = cl_steps(cm, T);
    const size_t f = sizeof(float), S = (size_t)m->dims.state, DH = (size_t)D * S;
    const size_t In_l = (size_t)m->layers[l * D].input, slot = nb * DH * f;
    const int *lengths = run->lengths;
    cl_layer_io io = {.in = cm->x.mem, .in_ld = (cl_int)In_l, .B = (cl_int)nb, .out = cm->y.mem};
    io.p = cl_layer_params(m, l, (int)nb);
    io.p.y_ts = nb * DH, io.p.y_bs = DH, io.p.by_step = 1;
    for (int s0 = 0; s0 < steps; s0 += (int)cp->Tc) {
        const int n = (int)min_size(cp->Tc, (size_t)(steps - s0));
        const size_t rows = (size_t)n * nb;
        gather_inputs(h->xs, in, In_l, lengths, T, D, m->desc.reverse, s0, n, b0, nb);
        RNNSCAN_TRY(cl_upload(m, cm->x.mem, 0, h->xs, D * rows * In_l * f, "uploading x"));
        io.T = n, io.rows = (cl_int)rows;
        for (int dir = 0; dir < D; dir++)
            RNNSCAN_TRY(cl_enqueue_projection(m, l, dir, &io, (cl_ulong)dir * rows * In_l));
        io.p.s0 = s0, io.p.s_end = s0 + n;
        RNNSCAN_TRY(cl_enqueue_steps(m, l, &io, run->schedule));
        /* blocking: the host scatters ys and reuses xs next */
        RNNSCAN_TRY(cl_download(m, h->ys, cm->y.mem, slot, (size_t)n * slot, 1, "reading y"));
        scatter_outputs(out, h->ys, S, lengths, T, D, m->desc.reverse, s0, n, b0, nb);
        if (s0 + n < steps) { /* the last step's state becomes slot 0 of the next chunk */
            cl_int rc = clEnqueueCopyBuffer(cl_backend_of(m)->queue, cm->y.mem, cm->y.mem,
                                            (size_t)n * slot, 0, slot, 0, NULL, NULL);
            if (rc != CL_SUCCESS)
                return rnnscan_cl_fail(&m->err, "clEnqueueCopyBuffer", rc,
                                       "carrying the state to the next chunk");
        }
    }
    return RNNSCAN_OK;
}

static rnnscan_status run_groups(rnnscan_model *m, const rnnscan_run *run,
                                 const rnnscan_run_dims *d, const chunk_plan *cp, chunk_host *h)
{
    cl_model *cm = m->impl;
    const int L = m->dims.layers, bf = m->desc.batch_first;
    const size_t B = (size_t)d->B, T = (size_t)d->T, X = (size_t)m->dims.input;
    const size_t DH = (size_t)m->dims.directions * m->dims.state;
    /* element (t, b) of x and of every layer's output, time-major or batch-first */
    const host_seq x = {run->x, NULL, bf ? X : B * X, bf ? T * X : X};
    host_seq outs[2] = {{run->y, run->y, bf ? DH : B * DH, bf ? T * DH : DH},
                        {h->act, h->act, bf ? DH : B * DH, bf ? T * DH : DH}};
    for (size_t b0 = 0; b0 < B; b0 += cp->Bc) {
        const size_t nb = min_size(cp->Bc, B - b0);
        cm->states = (size_t)L * m->dims.directions * nb * m->dims.hidden;
        RNNSCAN_TRY(cl_plan_sequences(m, run->lengths ? run->lengths + b0 : NULL, nb, T));
        RNNSCAN_TRY(upload_group_state(m, run, B, b0, nb));
        for (int l = 0; l < L; l++) { /* the last layer writes y: outs[0] */
            const host_seq *out = &outs[(L - 1 - l) % 2];
            const host_seq *in = l == 0 ? &x : &outs[(L - l) % 2];
            RNNSCAN_TRY(run_layer_chunks(m, run, l, in, out, cp, h, b0, nb));
        }
        RNNSCAN_TRY(download_group_state(m, run, B, b0, nb));
    }
    cl_int rc = clFinish(cl_backend_of(m)->queue);
    return rc == CL_SUCCESS ? RNNSCAN_OK
                            : rnnscan_cl_fail(&m->err, "clFinish", rc, "running the scan");
}

rnnscan_status cl_chunked_scan(rnnscan_model *m, const rnnscan_run *run, const rnnscan_run_dims *d)
{
    cl_model *cm = m->impl;
    const size_t f = sizeof(float), D = (size_t)m->dims.directions;
    const size_t DH = D * m->dims.state, L = (size_t)m->dims.layers;
    chunk_plan cp = {0, 0, 0};
    RNNSCAN_TRY(plan_chunks(m, d, &cp));
    const size_t rows = cp.Tc * cp.Bc;
    /* sizes are within the limit (plan_chunks), so no product overflows */
    RNNSCAN_TRY(cl_ensure(m, &cm->x, "gathered inputs [D][Tc][Bc][In]", D * rows * cp.In * f));
    RNNSCAN_TRY(cl_ensure(m, &cm->gx, "input projection [Tc][Bc][D*G*H]", rows * cm->N * f));
    RNNSCAN_TRY(cl_ensure(m, &cm->y, "output slots [Tc+1][Bc][D*S]", (rows + cp.Bc) * DH * f));
    RNNSCAN_TRY(cl_ensure(m, &cm->state, "state h0, c, h_n [L*D][Bc][H], order and lengths [Bc]",
                          cl_state_bytes(cm, L * D * cp.Bc * m->dims.hidden, cp.Bc)));
    chunk_host h = {malloc(D * rows * cp.In * f), malloc(rows * DH * f),
                    L > 1 ? malloc(d->y_elems * f) : NULL};
    rnnscan_status st = RNNSCAN_OK;
    if (!h.xs || !h.ys || (L > 1 && !h.act)) {
        st = rnnscan_fail(&m->err, RNNSCAN_OUT_OF_MEMORY,
                          "opencl: no host memory for a chunked scan (%zu bytes of outputs)",
                          d->y_elems * f);
    } else {
        if (run->lengths) { /* outputs past a sequence's end are 0, in every layer */
            memset(run->y, 0, d->y_elems * f);
            if (h.act)
                memset(h.act, 0, d->y_elems * f);
        }
        st = run_groups(m, run, d, &cp, &h);
    }
    if (st != RNNSCAN_OK) /* queued uploads may still read xs: drain before freeing it */
        clFinish(cl_backend_of(m)->queue);
    free(h.xs);
    free(h.ys);
    free(h.act);
    return st;
}
