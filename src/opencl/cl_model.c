/* OpenCL models: weights packed and resident on the device, scratch reused
 * across calls, and the time loop (host schedule: one fused step kernel per
 * step; persistent schedule: one kernel per layer), on one in-order queue
 * with one wait at the end. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cl_internal.h"

/* A device buffer that grows to the largest run seen and is then reused. */
typedef struct scratch {
    cl_mem mem;
    size_t bytes;
} scratch;

/* One layer, both directions, packed for the kernels (see kernels/common.cl). */
typedef struct cl_layer {
    cl_mem w_ih; /* [In][N]      columns dir*G*Hp + g*Hp + j, zero padding;   */
                 /*              on CPU devices panels [N/16][In][16]          */
    cl_mem bias; /* [N]          b_ih + b_hh, except GRU's n gate (b_in only)  */
    cl_mem w_hh; /* [D][H][G*Hp] W_hh transposed per direction (rows or panels,
                    see w_hh_index), then                                      */
                 /* [D][Hp]      b_hn (GRU; multiplied by r in the step), zeros  */
} cl_layer;

/* Mirrors rnnscan_step_params in kernels/common.cl: eight ulongs, eight ints. */
typedef struct cl_step_params {
    cl_ulong h0_off, c_off, hn_off, order_off, lengths_off, y_off, y_ts, y_bs;
    cl_int gx_ld, s, B, B_active, H, Hp, pad0, pad1;
} cl_step_params;
_Static_assert(sizeof(cl_step_params) == 8 * 8 + 8 * 4, "cl_step_params has padding");

typedef struct cl_model {
    int Hp;           /* H rounded up to 8                                    */
    int N;            /* gx row length: D*G*Hp rounded up to 16               */
    cl_layer *layers; /* L                                                    */
    scratch x, gx, y, act[2];
    scratch state;    /* see state_at                                         */
    size_t states;    /* L*D*B*H of the current call                          */
    int *host_order;  /* [B] sequences by length, longest first, then        */
    int *host_lengths; /* [B] lengths right after it (host_order + B of this
                          call), so one write sends both */
    int *active;      /* [T] sequences still running at each step, then [T+1] scratch */
    size_t host_B, host_T;
} cl_model;

static cl_backend *backend_of(const rnnscan_model *m) { return m->context->impl; }
static size_t round_up(size_t v, size_t k) { return (v + k - 1) / k * k; }

static rnnscan_status check_alloc(rnnscan_model *m, const char *what, size_t bytes)
{
    cl_backend *cl = backend_of(m);
    if (bytes > cl->max_alloc_bytes)
        return rnnscan_fail(&m->err, RNNSCAN_TOO_LARGE,
                            "opencl: %s needs %zu bytes, above CL_DEVICE_MAX_MEM_ALLOC_SIZE = %zu "
                            "of %s",
                            what, bytes, cl->max_alloc_bytes, m->context->device_name);
    return RNNSCAN_OK;
}

static rnnscan_status create_buffer(rnnscan_model *m, cl_mem *out, const char *what, size_t bytes,
                                    const void *init)
{
    cl_backend *cl = backend_of(m);
    RNNSCAN_TRY(check_alloc(m, what, bytes));
    cl_int rc;
    cl_mem_flags flags = CL_MEM_READ_WRITE | (init ? CL_MEM_COPY_HOST_PTR : 0);
    *out = clCreateBuffer(cl->context, flags, bytes, (void *)init, &rc);
    if (rc != CL_SUCCESS) {
        *out = NULL;
        return rnnscan_cl_fail(&m->err, "clCreateBuffer", rc, what);
    }
    return RNNSCAN_OK;
}

static rnnscan_status ensure(rnnscan_model *m, scratch *s, const char *what, size_t bytes)
{
    if (s->bytes >= bytes)
        return RNNSCAN_OK;
    if (s->mem)
        clReleaseMemObject(s->mem);
    s->mem = NULL;
    s->bytes = 0;
    RNNSCAN_TRY(create_buffer(m, &s->mem, what, bytes, NULL));
    s->bytes = bytes;
    return RNNSCAN_OK;
}

static void release_mem(cl_mem *mem)
{
    if (*mem)
        clReleaseMemObject(*mem);
    *mem = NULL;
}

static void opencl_model_release(rnnscan_model *m)
{
    cl_model *cm = m->impl;
    if (!cm)
        return;
    for (int l = 0; cm->layers && l < m->dims.layers; l++) {
        release_mem(&cm->layers[l].w_ih);
        release_mem(&cm->layers[l].bias);
        release_mem(&cm->layers[l].w_hh);
    }
    free(cm->layers);
    scratch *all[] = {&cm->x, &cm->gx, &cm->y, &cm->act[0], &cm->act[1], &cm->state};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        release_mem(&all[i]->mem);
    free(cm->host_order);
    free(cm->active);
    free(cm);
    m->impl = NULL;
}

/* Where element (direction d, k, gate g, unit j) of the transposed W_hh
 * goes: rows or panels of 8 units, as W_BLOCK in kernels/common.cl reads it. */
static size_t w_hh_index(int panels, size_t d, size_t k, size_t g, size_t j, size_t H, size_t G,
                         size_t Hp)
{
    const size_t dir_base = d * H * G * Hp;
    return panels ? dir_base + (j / 8) * H * G * 8 + k * G * 8 + g * 8 + j % 8
                  : dir_base + k * G * Hp + g * Hp + j;
}

/* Packs layer l (both directions) into the kernels' layouts and uploads it. */
static rnnscan_status upload_layer(rnnscan_model *m, int l)
{
    cl_model *cm = m->impl;
    const int G = m->dims.gates, H = m->dims.hidden, D = m->dims.directions, Hp = cm->Hp;
    const int N = cm->N, In = m->layers[l * D].input;
    const int is_gru = m->desc.cell == RNNSCAN_CELL_GRU, panels = backend_of(m)->w_panels;
    const size_t n_ih = (size_t)In * N, n_hh = (size_t)D * H * G * Hp, n_rec = n_hh + (size_t)D * Hp;
    /* refuse before staging: the packed copies are as large as the buffers */
    RNNSCAN_TRY(check_alloc(m, "weights w_ih", n_ih * sizeof(float)));
    RNNSCAN_TRY(check_alloc(m, "weights w_hh", n_rec * sizeof(float)));
    float *w_ih = calloc(n_ih, sizeof *w_ih), *bias = calloc((size_t)N, sizeof *bias);
    float *w_hh = calloc(n_rec, sizeof *w_hh), *b_hn = w_hh ? w_hh + n_hh : NULL;
    rnnscan_status st = RNNSCAN_OK;
    if (!w_ih || !bias || !w_hh) {
        st = rnnscan_fail(&m->err, RNNSCAN_OUT_OF_MEMORY, "opencl: no host memory to pack layer %d",
                          l);
        goto done;
    }
    for (int d = 0; d < D; d++) {
        const rnnscan_layer *src = &m->layers[l * D + d];
        for (int g = 0; g < G; g++)
            for (int j = 0; j < H; j++) {
                const size_t row = (size_t)g * H + j; /* PyTorch's row */
                const size_t col = (size_t)d * G * Hp + (size_t)g * Hp + j;
                for (int k = 0; k < In; k++) /* rows [In][N] or panels [N/16][In][16] */
                    w_ih[panels ? (col / 16 * In + k) * 16 + col % 16 : (size_t)k * N + col] =
                        src->w_ih[row * In + k];
                for (int k = 0; k < H; k++)
                    w_hh[w_hh_index(panels, d, k, g, j, H, G, Hp)] = src->w_hh[row * H + k];
                int n_gate = is_gru && g == 2;
                bias[col] = src->b_ih[row] + (n_gate ? 0.0f : src->b_hh[row]);
                if (n_gate)
                    b_hn[(size_t)d * Hp + j] = src->b_hh[row];
            }
    }
    cl_layer *dst = &cm->layers[l];
    if ((st = create_buffer(m, &dst->w_ih, "weights w_ih", n_ih * sizeof(float), w_ih)) ||
        (st = create_buffer(m, &dst->bias, "input bias", (size_t)N * sizeof(float), bias)) ||
        (st = create_buffer(m, &dst->w_hh, "weights w_hh", n_rec * sizeof(float), w_hh)))
        goto done;
done:
    free(w_ih);
    free(bias);
    free(w_hh);
    return st;
}

static rnnscan_status opencl_model_init(rnnscan_model *m)
{
    cl_model *cm = calloc(1, sizeof *cm);
    if (!cm)
        return rnnscan_fail(&m->err, RNNSCAN_OUT_OF_MEMORY, "opencl: calloc failed");
    m->impl = cm;
    cm->Hp = (int)round_up((size_t)m->dims.hidden, 8);
    size_t N = round_up((size_t)m->dims.directions * m->dims.gates * cm->Hp, 16);
    if (N > 0x7fffffff) {
        opencl_model_release(m);
        return rnnscan_fail(&m->err, RNNSCAN_TOO_LARGE, "opencl: %zu gate columns exceed int",
                            N);
    }
    cm->N = (int)N;
    cm->layers = calloc((size_t)m->dims.layers, sizeof *cm->layers);
    rnnscan_status st = cm->layers ? RNNSCAN_OK
                                   : rnnscan_fail(&m->err, RNNSCAN_OUT_OF_MEMORY,
                                                  "opencl: calloc failed");
    for (int l = 0; st == RNNSCAN_OK && l < m->dims.layers; l++)
        st = upload_layer(m, l);
    if (st != RNNSCAN_OK)
        opencl_model_release(m);
    return st;
}

/* Host-side order of sequences (longest first), lengths, and how many are
 * still running at each step; grown, never shrunk. */
static rnnscan_status plan_sequences(rnnscan_model *m, const rnnscan_run *run)
{
    cl_model *cm = m->impl;
    const size_t B = (size_t)run->batch, T = (size_t)run->seq_len;
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
        int len = run->lengths ? run->lengths[b] : (int)T;
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

static rnnscan_status launch(rnnscan_model *m, cl_kernel_id id, cl_uint dims,
                             const size_t *global, const size_t *local)
{
    cl_backend *cl = backend_of(m);
    cl_int rc = clEnqueueNDRangeKernel(cl->queue, cl->kernels[id], dims, NULL, global, local, 0,
                                       NULL, NULL);
    if (rc != CL_SUCCESS) {
        char name[64] = "?";
        clGetKernelInfo(cl->kernels[id], CL_KERNEL_FUNCTION_NAME, sizeof name, name, NULL);
        return rnnscan_cl_fail(&m->err, "clEnqueueNDRangeKernel", rc, name);
    }
    return RNNSCAN_OK;
}

/* Uploads bytes of src to dst at offset, or fills with zero bytes when src is NULL. */
static rnnscan_status upload(rnnscan_model *m, cl_mem dst, size_t offset, const void *src,
                             size_t bytes, const char *what)
{
    cl_command_queue q = backend_of(m)->queue;
    const float zero = 0.0f;
    cl_int rc = src ? clEnqueueWriteBuffer(q, dst, CL_FALSE, offset, bytes, src, 0, NULL, NULL)
                    : clEnqueueFillBuffer(q, dst, &zero, sizeof zero, offset, bytes, 0, NULL,
                                          NULL);
    return rc == CL_SUCCESS ? RNNSCAN_OK
                            : rnnscan_cl_fail(&m->err, src ? "clEnqueueWriteBuffer"
                                                           : "clEnqueueFillBuffer", rc, what);
}

static rnnscan_status download(rnnscan_model *m, void *dst, cl_mem src, size_t offset,
                               size_t bytes, const char *what)
{
    cl_int rc = clEnqueueReadBuffer(backend_of(m)->queue, src, CL_FALSE, offset, bytes, dst, 0,
                                    NULL, NULL);
    return rc == CL_SUCCESS ? RNNSCAN_OK : rnnscan_cl_fail(&m->err, "clEnqueueReadBuffer", rc, what);
}

/* Where one layer reads and writes. */
typedef struct layer_io {
    cl_mem in;
    cl_ulong in_off;
    cl_int in_ld, batch_first_in;
    cl_mem out;
    cl_ulong y_ts, y_bs; /* out element (t, b, dir, j) at t*y_ts + b*y_bs + dir*H + j */
} layer_io;

static rnnscan_status enqueue_projection(rnnscan_model *m, int l, const layer_io *io,
                                         const rnnscan_run_dims *d)
{
    cl_backend *cl = backend_of(m);
    cl_model *cm = m->impl;
    const cl_int T = d->T, B = d->B, rows = T * B, N = cm->N, K = m->layers[l * m->dims.directions].input;
    RNNSCAN_TRY(rnnscan_cl_set_args(&m->err, cl->kernels[KERNEL_INPUT_PROJECTION], 0, CL_ARG(io->in),
                                    CL_ARG(io->in_off), CL_ARG(io->in_ld),
                                    CL_ARG(io->batch_first_in), CL_ARG(T), CL_ARG(B),
                                    CL_ARG(cm->layers[l].w_ih), CL_ARG(cm->layers[l].bias),
                                    CL_ARG(cm->gx.mem), CL_ARG(rows), CL_ARG(N), CL_ARG(K),
                                    CL_ARGS_END));
    const size_t global[2] = {(size_t)N / 16, round_up((size_t)rows, cl->tile_rows) / cl->tile_rows};
    return launch(m, KERNEL_INPUT_PROJECTION, 2, global, NULL);
}

/* The state buffer, for S = cm->states floats per part: h0 [L*D][B][H] at
 * float 0, the cell state c at S, h_n at 2S, then the ints order [B] and
 * lengths [B] from 3S.  Returns the float offset where `part` starts. */
enum state_part { STATE_H0, STATE_C, STATE_HN, STATE_ORDER };
static size_t state_at(const cl_model *cm, enum state_part part) { return part * cm->states; }

/* The step and persistent kernels' by-value parameters for layer l. */
static cl_step_params layer_params(const rnnscan_model *m, int l, const layer_io *io,
                                   const rnnscan_run_dims *d)
{
    const cl_model *cm = m->impl;
    const cl_ulong layer = (cl_ulong)l * m->dims.directions * d->state_elems;
    cl_step_params p = {
        .h0_off = state_at(cm, STATE_H0) + layer, .c_off = state_at(cm, STATE_C) + layer,
        .hn_off = state_at(cm, STATE_HN) + layer, .order_off = state_at(cm, STATE_ORDER),
        .lengths_off = state_at(cm, STATE_ORDER) + (cl_ulong)d->B,
        .y_off = 0, .y_ts = io->y_ts, .y_bs = io->y_bs,
        .gx_ld = cm->N, .s = 0, .B = d->B, .B_active = d->B, .H = m->dims.hidden, .Hp = cm->Hp,
    };
    return p;
}

/* Sets arguments 0..3 of a step or persistent kernel (see PARAMS_ARGS in
 * kernels/common.cl); argument 4 is the parameters. */
#define ARG_PARAMS 4
static rnnscan_status set_buffer_args(rnnscan_model *m, cl_kernel k, int l, const layer_io *io)
{
    cl_model *cm = m->impl;
    return rnnscan_cl_set_args(&m->err, k, 0, CL_ARG(cm->gx.mem), CL_ARG(cm->layers[l].w_hh),
                               CL_ARG(io->out), CL_ARG(cm->state.mem), CL_ARGS_END);
}

static rnnscan_status enqueue_host_loop(rnnscan_model *m, int l, const layer_io *io,
                                        const rnnscan_run_dims *d)
{
    cl_backend *cl = backend_of(m);
    cl_model *cm = m->impl;
    const cl_kernel_id id = KERNEL_STEP_FIRST + m->desc.cell;
    RNNSCAN_TRY(set_buffer_args(m, cl->kernels[id], l, io));
    cl_step_params p = layer_params(m, l, io, d);
    /* one argument changes per step: the parameters, for s and B_active */
    for (p.s = 0; p.s < d->T && cm->active[p.s] > 0; p.s++) {
        p.B_active = cm->active[p.s];
        RNNSCAN_TRY(rnnscan_cl_set_args(&m->err, cl->kernels[id], ARG_PARAMS, CL_ARG(p),
                                        CL_ARGS_END));
        const size_t global[3] = {(size_t)cm->Hp / 8,
                                  round_up((size_t)p.B_active, cl->step_rows) / cl->step_rows,
                                  (size_t)m->dims.directions};
        RNNSCAN_TRY(launch(m, id, 3, global, NULL));
    }
    return RNNSCAN_OK;
}

static rnnscan_status enqueue_persistent(rnnscan_model *m, int l, const layer_io *io,
                                         const rnnscan_run_dims *d)
{
    cl_backend *cl = backend_of(m);
    cl_model *cm = m->impl;
    const cl_kernel_id id = KERNEL_PERSISTENT_FIRST + m->desc.cell;
    const cl_step_params p = layer_params(m, l, io, d);
    const size_t local_bytes = (size_t)cm->Hp * sizeof(float);
    RNNSCAN_TRY(set_buffer_args(m, cl->kernels[id], l, io));
    RNNSCAN_TRY(rnnscan_cl_set_args(&m->err, cl->kernels[id], ARG_PARAMS, CL_ARG(p), local_bytes,
                                    (const void *)NULL, CL_ARGS_END));
    const size_t group = (size_t)cm->Hp / cl->scan_units;
    const size_t local[3] = {group, 1, 1};
    const size_t global[3] = {group, (size_t)d->B, (size_t)m->dims.directions};
    return launch(m, id, 3, global, local);
}

/* Whether the persistent schedule fits: one work-group holds a sequence's
 * hidden state, scan_units units per work-item. */
static rnnscan_status check_persistent(rnnscan_model *m)
{
    cl_backend *cl = backend_of(m);
    const size_t Hp = (size_t)((cl_model *)m->impl)->Hp, group = Hp / cl->scan_units;
    if (group > cl->max_work_group || Hp * sizeof(float) > cl->local_mem_bytes)
        return rnnscan_fail(&m->err, RNNSCAN_NOT_SUPPORTED,
                            "opencl: the persistent schedule needs H <= %zu (%d hidden units per "
                            "work-item, one work-group per sequence) on %s; H = %d: use the host "
                            "schedule",
                            cl->max_work_group * cl->scan_units, cl->scan_units,
                            m->context->device_name, m->dims.hidden);
    return RNNSCAN_OK;
}

static rnnscan_status enqueue_layers(rnnscan_model *m, const rnnscan_run *run,
                                     const rnnscan_run_dims *d)
{
    cl_model *cm = m->impl;
    const int L = m->dims.layers, bf = m->desc.batch_first;
    const cl_ulong DH = (cl_ulong)m->dims.directions * m->dims.hidden;
    for (int l = 0; l < L; l++) {
        const int last = l == L - 1;
        layer_io io;
        io.in = l == 0 ? cm->x.mem : cm->act[(l - 1) % 2].mem;
        io.in_off = 0;
        io.in_ld = l == 0 ? m->dims.input : (cl_int)DH;
        io.batch_first_in = l == 0 && bf;
        io.out = last ? cm->y.mem : cm->act[l % 2].mem;
        io.y_ts = last && bf ? DH : (cl_ulong)d->B * DH;
        io.y_bs = last && bf ? (cl_ulong)d->T * DH : DH;
        if (run->lengths) /* outputs past a sequence's end are 0 */
            RNNSCAN_TRY(upload(m, io.out, 0, NULL, d->y_elems * sizeof(float), "zeroing outputs"));
        RNNSCAN_TRY(enqueue_projection(m, l, &io, d));
        if (run->schedule == RNNSCAN_SCHEDULE_PERSISTENT)
            RNNSCAN_TRY(enqueue_persistent(m, l, &io, d));
        else
            RNNSCAN_TRY(enqueue_host_loop(m, l, &io, d));
    }
    return RNNSCAN_OK;
}

static rnnscan_status opencl_scan(rnnscan_model *m, const rnnscan_run *run,
                                  const rnnscan_run_dims *d)
{
    cl_model *cm = m->impl;
    const int L = m->dims.layers, D = m->dims.directions;
    const size_t f = sizeof(float);
    const size_t B = (size_t)d->B;
    size_t gx_bytes;
    if (run->schedule == RNNSCAN_SCHEDULE_PERSISTENT)
        RNNSCAN_TRY(check_persistent(m));
    if (!rnnscan_mul3_size(&gx_bytes, (size_t)d->T * B, (size_t)cm->N, f))
        return rnnscan_fail(&m->err, RNNSCAN_TOO_LARGE, "opencl: input projection size overflows");
    RNNSCAN_TRY(ensure(m, &cm->x, "input x [T][B][X]", d->x_elems * f));
    RNNSCAN_TRY(ensure(m, &cm->gx, "input projection [T][B][D*G*H]", gx_bytes));
    RNNSCAN_TRY(ensure(m, &cm->y, "output y [T][B][D*H]", d->y_elems * f));
    for (int i = 0; i < 2 && i < L - 1; i++)
        RNNSCAN_TRY(ensure(m, &cm->act[i], "layer output [T][B][D*H]", d->y_elems * f));
    size_t states, state_bytes; /* L*D*B*H; 3 float arrays of it, 2 int arrays of B */
    if (!rnnscan_mul_size(&states, (size_t)L * D, d->state_elems) ||
        !rnnscan_mul3_size(&state_bytes, 3, states, f) ||
        state_bytes > SIZE_MAX - 2 * B * sizeof(int))
        return rnnscan_fail(&m->err, RNNSCAN_TOO_LARGE, "opencl: state buffer size overflows");
    state_bytes += 2 * B * sizeof(int);
    RNNSCAN_TRY(ensure(m, &cm->state, "state h0, c, h_n [L*D][B][H], order and lengths [B]",
                       state_bytes));
    cm->states = states;
    RNNSCAN_TRY(plan_sequences(m, run));

    const int is_lstm = m->desc.cell == RNNSCAN_CELL_LSTM;
    const size_t c_at = state_at(cm, STATE_C) * f, hn_at = state_at(cm, STATE_HN) * f;
    const size_t order_at = state_at(cm, STATE_ORDER) * f;
    rnnscan_status st;
    /* zero h0 and c in one fill when neither is given (they are adjacent):
     * on PoCL each command costs microseconds, as much as a small step */
    const int zero_both = is_lstm && !run->h0 && !run->c0;
    if ((st = upload(m, cm->x.mem, 0, run->x, d->x_elems * f, "uploading x")) ||
        (st = upload(m, cm->state.mem, 0, run->h0, (zero_both ? 2 : 1) * states * f,
                     "uploading h0")) ||
        (is_lstm && !zero_both &&
         (st = upload(m, cm->state.mem, c_at, run->c0, states * f, "uploading c0"))) ||
        (st = upload(m, cm->state.mem, order_at, cm->host_order, 2 * B * sizeof(int),
                     "uploading order and lengths")) ||
        (st = enqueue_layers(m, run, d)) ||
        (st = download(m, run->y, cm->y.mem, 0, d->y_elems * f, "reading y")) ||
        (run->h_n && (st = download(m, run->h_n, cm->state.mem, hn_at, states * f, "reading h_n"))) ||
        (run->c_n && (st = download(m, run->c_n, cm->state.mem, c_at, states * f, "reading c_n")))) {
        /* drain what was queued so no transfer touches the caller's arrays later */
        clFinish(backend_of(m)->queue);
        return st;
    }
    cl_int rc = clFinish(backend_of(m)->queue);
    return rc == CL_SUCCESS ? RNNSCAN_OK
                            : rnnscan_cl_fail(&m->err, "clFinish", rc, "running the scan");
}

const rnnscan_backend_ops rnnscan_opencl_ops = {
    .features = RNNSCAN_FEATURE_ALL,
    .model_init = opencl_model_init,
    .model_release = opencl_model_release,
    .scan = opencl_scan,
    .context_release = rnnscan_cl_context_release,
};
