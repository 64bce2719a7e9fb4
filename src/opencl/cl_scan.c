/* The OpenCL time loop: sequences ordered by length, the kernels of one
 * layer (projection, then one step kernel per step or one persistent
 * launch), and the whole-run scan that keeps every timestep on the device,
 * all on one in-order queue with one wait at the end. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cl_scan.h"

rnnscan_status cl_plan_sequences(rnnscan_model *m, const int *lengths, size_t B, size_t T)
{
    cl_model *cm = m->impl;
    if (cm->host_B < B || cm->host_T < T) {
        free(cm->host_order);
        free(cm->active);
        cm->host_order = malloc(2 * B * sizeof(int));
        cm->active = malloc((2 * T + 1) * sizeof(int)); /* active[T], count[T + 1] */
        cm->host_B = cm->host_T = 0;
        if (!cm->host_order || !cm->active)
            return rnnscan_fail(&m->err, RNNSCAN_OUT_OF_MEMORY, "opencl: no host memory for B=%zu",
                                B);
        cm->host_B = B, cm->host_T = T;
    }
    cm->host_lengths = cm->host_order + B; /* this call's B, so order and lengths are adjacent */
    /* counting sort by length, longest first, stable: O(B + T) */
    int *count = cm->active + T; /* [T + 1], indexed by length, then block cursors */
    memset(count, 0, (T + 1) * sizeof(int));
    for (size_t b = 0; b < B; b++) {
        int len = lengths ? lengths[b] : (int)T;
        cm->host_lengths[b] = len;
        count[len]++;
    }
    int running = 0;
    for (size_t s = T; s-- > 0;) { /* active[s] = number with length > s */
        running += count[s + 1];
        cm->active[s] = running;
    }
    for (size_t len = 1; len <= T; len++) /* where each length's block starts */
        count[len] = len < T ? cm->active[len] : 0;
    for (size_t b = 0; b < B; b++)
        cm->host_order[count[cm->host_lengths[b]]++] = (int)b;
    return RNNSCAN_OK;
}

int cl_steps(const cl_model *cm, int T)
{
    int s = 0;
    while (s < T && cm->active[s] > 0)
        s++;
    return s;
}

size_t cl_state_bytes(const cl_model *cm, size_t states, size_t B)
{
    size_t bytes;
    if (!rnnscan_mul3_size(&bytes, cm->m_part ? 4 : 3, states, sizeof(float)) ||
        bytes > SIZE_MAX - 2 * B * sizeof(int))
        return 0;
    return bytes + 2 * B * sizeof(int);
}

cl_step_params cl_layer_params(const rnnscan_model *m, int l, int B)
{
    const cl_model *cm = m->impl;
    const cl_ulong layer = (cl_ulong)l * m->dims.directions * B; /* layer-directions before l */
    const cl_ulong H = (cl_ulong)m->dims.hidden, S = (cl_ulong)m->dims.state;
    cl_step_params p = {
        .h0_off = cl_state_at(cm, STATE_H0) + layer * S,
        .c_off = cl_state_at(cm, STATE_C) + layer * H,
        .hn_off = cl_state_at(cm, STATE_HN) + layer * S,
        .m_off = cm->m_part ? cl_state_at(cm, STATE_M) : 0,
        .order_off = cl_state_at(cm, STATE_ORDER),
        .lengths_off = cl_state_at(cm, STATE_ORDER) + (cl_ulong)B,
        .gx_ld = cm->N, .gx_dir = cm->Gd, .B = B, .B_active = B, .H = m->dims.hidden,
        .Hp = cm->Hp, .S = m->dims.state, .reverse = m->desc.reverse,
    };
    return p;
}

rnnscan_status cl_enqueue_projection(rnnscan_model *m, int l, int dir, const cl_layer_io *io,
                                     cl_ulong x_off)
{
    cl_backend *cl = cl_backend_of(m);
    cl_model *cm = m->impl;
    const cl_kernel k = cm->projection->kernel;
    const cl_int col0 = dir * cm->Gd, K = m->layers[l * m->dims.directions].input;
    RNNSCAN_TRY(rnnscan_cl_set_args(&m->err, k, 0, CL_ARG(io->in), CL_ARG(x_off),
                                    CL_ARG(io->in_ld), CL_ARG(io->batch_first_in), CL_ARG(io->T),
                                    CL_ARG(io->B), CL_ARG(cm->layers[l].w_ih[dir]),
                                    CL_ARG(cm->layers[l].bias), CL_ARG(cm->gx.mem),
                                    CL_ARG(cm->N), CL_ARG(col0), CL_ARG(io->rows),
                                    CL_ARG(cm->Gd), CL_ARG(K), CL_ARGS_END));
    if (cl->tuning.proj_local) { /* a 16 x 16 work-group per 64 x 64 tile */
        const size_t global[2] = {
            cl_round_up((size_t)cm->Gd, CL_PROJ_TILE) / CL_PROJ_TILE * CL_PROJ_SIDE,
            cl_round_up((size_t)io->rows, CL_PROJ_TILE) / CL_PROJ_TILE * CL_PROJ_SIDE};
        const size_t local[2] = {CL_PROJ_SIDE, CL_PROJ_SIDE};
        return cl_launch(m, k, 2, global, local);
    }
    const size_t global[2] = {(size_t)cm->Gd / 16,
                              cl_round_up((size_t)io->rows, cl->tuning.tile_rows) /
                                  cl->tuning.tile_rows};
    return cl_launch(m, k, 2, global, NULL);
}

/* Sets arguments 0..4 of a step, reset gate, persistent or state projection kernel (see
 * PARAMS_ARGS in kernels/common.cl): `w` is the layer's w_hh, or its w_hr
 * for the state projection; argument 5 is the parameters. */
#define ARG_PARAMS 5
static rnnscan_status set_buffer_args(rnnscan_model *m, cl_kernel k, const cl_mem w[2],
                                      const cl_layer_io *io)
{
    cl_model *cm = m->impl;
    const cl_mem w1 = m->dims.directions > 1 ? w[1] : w[0];
    return rnnscan_cl_set_args(&m->err, k, 0, CL_ARG(cm->gx.mem), CL_ARG(w[0]), CL_ARG(w1),
                               CL_ARG(io->out), CL_ARG(cm->state.mem), CL_ARGS_END);
}

/* RNNSCAN_STEP_LOCAL's work-group width for `blocks` 8-unit blocks: at most
 * CL_STEP_GROUP and what the device and the built kernels allow (the step's
 * and, when not NULL, the reset gate's, which runs on the same grid), split
 * evenly so rounding dimension 0 up adds fewer than one item per group. */
static size_t step_group_width(const cl_backend *cl, const cl_program_entry *step,
                               const cl_program_entry *reset_gate, size_t blocks)
{
    size_t cap = CL_STEP_GROUP;
    if (cl->max_work_group < cap)
        cap = cl->max_work_group;
    if (cl->max_item_sizes[0] < cap)
        cap = cl->max_item_sizes[0];
    if (step->max_group > 0 && step->max_group < cap)
        cap = step->max_group;
    if (reset_gate && reset_gate->max_group > 0 && reset_gate->max_group < cap)
        cap = reset_gate->max_group;
    if (cap < 1)
        cap = 1;
    const size_t groups = (blocks + cap - 1) / cap;
    return (blocks + groups - 1) / groups;
}

rnnscan_status cl_enqueue_steps(rnnscan_model *m, int l, const cl_layer_io *io,
                                rnnscan_schedule schedule)
{
    cl_backend *cl = cl_backend_of(m);
    cl_model *cm = m->impl;
    const size_t D = (size_t)m->dims.directions;
    cl_step_params p = io->p;
    if (schedule == RNNSCAN_SCHEDULE_PERSISTENT) {
        const cl_kernel k = cm->persistent->kernel;
        const size_t local_bytes = cl_persistent_local_bytes(m);
        RNNSCAN_TRY(set_buffer_args(m, k, cm->layers[l].w_hh, io));
        RNNSCAN_TRY(rnnscan_cl_set_args(&m->err, k, ARG_PARAMS, CL_ARG(p), local_bytes,
                                        (const void *)NULL, CL_ARGS_END));
        const size_t group = (size_t)cm->Hp / cl->tuning.scan_units;
        const size_t local[3] = {group, 1, 1}, global[3] = {group, (size_t)p.B, D};
        return cl_launch(m, k, 3, global, local);
    }
    const cl_kernel k = cm->step->kernel;
    RNNSCAN_TRY(set_buffer_args(m, k, cm->layers[l].w_hh, io));
    /* with a projection, each step is followed by h = W_hr m (state_projection.cl) */
    const cl_kernel kp = cm->proj ? cm->state_projection->kernel : NULL;
    if (kp)
        RNNSCAN_TRY(set_buffer_args(m, kp, cm->layers[l].w_hr, io));
    /* GRU reset_before: each step is preceded by r * h_{t-1} (step.cl), on
     * the step's grid */
    const cl_kernel kr = cm->reset_gate ? cm->reset_gate->kernel : NULL;
    if (kr)
        RNNSCAN_TRY(set_buffer_args(m, kr, cm->layers[l].w_hh, io));
    const size_t proj_blocks = ((size_t)m->dims.proj + 7) / 8;
    size_t blocks = (size_t)cm->Hp / 8, local[3] = {1, 1, 1};
    if (cl->tuning.step_local) {
        local[0] = step_group_width(cl, cm->step, cm->reset_gate, blocks);
        blocks = cl_round_up(blocks, local[0]);
    }
    /* one argument changes per step: the parameters, for s and B_active */
    for (p.s = p.s0; p.s < p.s_end && cm->active[p.s] > 0; p.s++) {
        p.B_active = cm->active[p.s];
        RNNSCAN_TRY(rnnscan_cl_set_args(&m->err, k, ARG_PARAMS, CL_ARG(p), CL_ARGS_END));
        const size_t global[3] = {blocks,
                                  cl_round_up((size_t)p.B_active, cl->tuning.step_rows) /
                                      cl->tuning.step_rows,
                                  D};
        if (kr) {
            RNNSCAN_TRY(rnnscan_cl_set_args(&m->err, kr, ARG_PARAMS, CL_ARG(p), CL_ARGS_END));
            RNNSCAN_TRY(cl_launch(m, kr, 3, global, cl->tuning.step_local ? local : NULL));
        }
        RNNSCAN_TRY(cl_launch(m, k, 3, global, cl->tuning.step_local ? local : NULL));
        if (kp) {
            RNNSCAN_TRY(rnnscan_cl_set_args(&m->err, kp, ARG_PARAMS, CL_ARG(p), CL_ARGS_END));
            const size_t pglobal[3] = {proj_blocks, (size_t)p.B_active, D};
            RNNSCAN_TRY(cl_launch(m, kp, 3, pglobal, NULL));
        }
    }
    return RNNSCAN_OK;
}

/* ---- the whole run on the device ---- */

/* Bytes of the whole-run buffers; 0 on overflow. */
typedef struct whole_sizes {
    size_t x, gx, y, act, state, states;
} whole_sizes;

static int whole_sizes_of(const rnnscan_model *m, const rnnscan_run_dims *d, whole_sizes *w)
{
    const cl_model *cm = m->impl;
    const size_t f = sizeof(float);
    memset(w, 0, sizeof *w);
    w->x = d->x_elems * f;
    w->y = d->y_elems * f;
    w->act = m->dims.layers > 1 ? w->y : 0;
    return rnnscan_mul3_size(&w->gx, (size_t)d->T * d->B, (size_t)cm->N, f) &&
           rnnscan_mul_size(&w->states, (size_t)m->dims.layers * m->dims.directions,
                            d->state_elems) &&
           (w->state = cl_state_bytes(cm, w->states, (size_t)d->B)) != 0;
}

int cl_whole_run_fits(const rnnscan_model *m, const rnnscan_run_dims *d)
{
    const size_t limit = cl_backend_of(m)->alloc_limit;
    whole_sizes w;
    return whole_sizes_of(m, d, &w) && w.x <= limit && w.gx <= limit && w.y <= limit &&
           w.act <= limit && w.state <= limit;
}

static rnnscan_status enqueue_layers(rnnscan_model *m, const rnnscan_run *run,
                                     const rnnscan_run_dims *d)
{
    cl_model *cm = m->impl;
    const int L = m->dims.layers, D = m->dims.directions, bf = m->desc.batch_first;
    const cl_ulong DH = (cl_ulong)D * m->dims.state; /* a layer's output width */
    for (int l = 0; l < L; l++) {
        const int last = l == L - 1;
        cl_layer_io io = {.in = l == 0 ? cm->x.mem : cm->act[(l - 1) % 2].mem,
                          .in_ld = l == 0 ? m->dims.input : (cl_int)DH,
                          .batch_first_in = l == 0 && bf, .T = d->T, .B = d->B,
                          .rows = d->T * d->B, .out = last ? cm->y.mem : cm->act[l % 2].mem};
        io.p = cl_layer_params(m, l, d->B);
        io.p.y_ts = last && bf ? DH : (cl_ulong)d->B * DH;
        io.p.y_bs = last && bf ? (cl_ulong)d->T * DH : DH;
        io.p.s_end = d->T;
        if (run->lengths) /* outputs past a sequence's end are 0 */
            RNNSCAN_TRY(cl_upload(m, io.out, 0, NULL, d->y_elems * sizeof(float),
                                  "zeroing outputs"));
        for (int dir = 0; dir < D; dir++)
            RNNSCAN_TRY(cl_enqueue_projection(m, l, dir, &io, 0));
        RNNSCAN_TRY(cl_enqueue_steps(m, l, &io, run->schedule));
    }
    return RNNSCAN_OK;
}

rnnscan_status cl_whole_run_scan(rnnscan_model *m, const rnnscan_run *run,
                                 const rnnscan_run_dims *d)
{
    cl_model *cm = m->impl;
    const size_t f = sizeof(float), B = (size_t)d->B;
    whole_sizes w;
    if (!whole_sizes_of(m, d, &w))
        return rnnscan_fail(&m->err, RNNSCAN_TOO_LARGE, "opencl: scan buffer sizes overflow");
    RNNSCAN_TRY(cl_ensure(m, &cm->x, "input x [T][B][X]", w.x));
    RNNSCAN_TRY(cl_ensure(m, &cm->gx, "input projection [T][B][D*G*H]", w.gx));
    RNNSCAN_TRY(cl_ensure(m, &cm->y, "output y [T][B][D*S]", w.y));
    for (int i = 0; i < 2 && i < m->dims.layers - 1; i++)
        RNNSCAN_TRY(cl_ensure(m, &cm->act[i], "layer output [T][B][D*S]", w.act));
    RNNSCAN_TRY(cl_ensure(m, &cm->state, "state h0, c, h_n [L*D][B][H], order and lengths [B]",
                          w.state));
    cm->states = w.states;
    /* h0 and h_n: [L*D][B][S] at the start of their parts (S < H with a projection) */
    const size_t h_states = w.states / (size_t)m->dims.hidden * (size_t)m->dims.state;
    RNNSCAN_TRY(cl_plan_sequences(m, run->lengths, B, (size_t)d->T));

    const int is_lstm = m->desc.cell == RNNSCAN_CELL_LSTM;
    const size_t states = cm->states;
    const size_t c_at = cl_state_at(cm, STATE_C) * f, hn_at = cl_state_at(cm, STATE_HN) * f;
    const size_t order_at = cl_state_at(cm, STATE_ORDER) * f;
    /* zero h0 and c in one fill when neither is given (they are adjacent):
     * on PoCL each command costs microseconds, as much as a small step */
    const int zero_both = is_lstm && !run->h0 && !run->c0;
    RNNSCAN_TRY(cl_upload(m, cm->x.mem, 0, run->x, w.x, "uploading x"));
    RNNSCAN_TRY(cl_upload(m, cm->state.mem, 0, run->h0,
                          zero_both ? 2 * states * f : (run->h0 ? h_states : states) * f,
                          "uploading h0"));
    if (is_lstm && !zero_both)
        RNNSCAN_TRY(cl_upload(m, cm->state.mem, c_at, run->c0, states * f, "uploading c0"));
    RNNSCAN_TRY(cl_upload(m, cm->state.mem, order_at, cm->host_order, 2 * B * sizeof(int),
                          "uploading order and lengths"));
    RNNSCAN_TRY(enqueue_layers(m, run, d));
    RNNSCAN_TRY(cl_download(m, run->y, cm->y.mem, 0, w.y, 0, "reading y"));
    if (run->h_n)
        RNNSCAN_TRY(cl_download(m, run->h_n, cm->state.mem, hn_at, h_states * f, 0,
                                "reading h_n"));
    if (run->c_n)
        RNNSCAN_TRY(cl_download(m, run->c_n, cm->state.mem, c_at, states * f, 0, "reading c_n"));
    cl_int rc = clFinish(cl_backend_of(m)->queue);
    return rc == CL_SUCCESS ? RNNSCAN_OK
                            : rnnscan_cl_fail(&m->err, "clFinish", rc, "running the scan");
}
