/* OpenCL models: weights resident on the device, scratch reused across calls,
 * and the host-driven time loop (one in-order queue, one wait at the end). */
#include <stdlib.h>
#include <string.h>

#include "cl_internal.h"

/* A device buffer that grows to the largest run seen and is then reused. */
typedef struct scratch {
    cl_mem mem;
    size_t elems;
} scratch;

typedef struct cl_model {
    cl_mem w_ih_t; /* [X][G*H]  W_ih transposed                                     */
    cl_mem w_hh_t; /* [H][G*H]  W_hh transposed                                     */
    cl_mem bias_x; /* [G*H]     b_ih + b_hh, except GRU's n block (b_in only)       */
    cl_mem b_hn;   /* [H]       GRU only: b_hn, multiplied by r inside the step     */
    scratch x, gx, y, h0, c;
} cl_model;

static cl_backend *backend_of(const rnnscan_model *m) { return m->context->impl; }

static rnnscan_status check_alloc(rnnscan_model *m, const char *what, size_t elems)
{
    size_t bytes = elems * sizeof(float); /* overflow ruled out by the core's checks */
    size_t limit = backend_of(m)->max_alloc_bytes;
    if (bytes > limit)
        return rnnscan_fail(&m->err, RNNSCAN_TOO_LARGE,
                            "opencl: %s needs %zu bytes, above CL_DEVICE_MAX_MEM_ALLOC_SIZE = %zu "
                            "of %s",
                            what, bytes, limit, m->context->device_name);
    return RNNSCAN_OK;
}

static rnnscan_status create_buffer(rnnscan_model *m, cl_mem *out, const char *what, size_t elems,
                                    const float *init)
{
    RNNSCAN_TRY(check_alloc(m, what, elems));
    cl_int rc;
    cl_mem_flags flags = CL_MEM_READ_WRITE | (init ? CL_MEM_COPY_HOST_PTR : 0);
    *out = clCreateBuffer(backend_of(m)->context, flags, elems * sizeof(float), (void *)init, &rc);
    if (rc != CL_SUCCESS) {
        *out = NULL;
        return rnnscan_cl_fail(&m->err, "clCreateBuffer", rc, what);
    }
    return RNNSCAN_OK;
}

static rnnscan_status ensure_scratch(rnnscan_model *m, scratch *s, const char *what, size_t elems)
{
    if (s->elems >= elems)
        return RNNSCAN_OK;
    if (s->mem)
        clReleaseMemObject(s->mem);
    s->mem = NULL;
    s->elems = 0;
    RNNSCAN_TRY(create_buffer(m, &s->mem, what, elems, NULL));
    s->elems = elems;
    return RNNSCAN_OK;
}

/* dst[c][r] = src[r][c] for a rows x cols matrix */
static float *transposed(const float *src, size_t rows, size_t cols)
{
    float *dst = malloc(rows * cols * sizeof *dst);
    if (dst)
        for (size_t r = 0; r < rows; r++)
            for (size_t c = 0; c < cols; c++)
                dst[c * rows + r] = src[r * cols + c];
    return dst;
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
    release_mem(&cm->w_ih_t);
    release_mem(&cm->w_hh_t);
    release_mem(&cm->bias_x);
    release_mem(&cm->b_hn);
    scratch *all[] = {&cm->x, &cm->gx, &cm->y, &cm->h0, &cm->c};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        release_mem(&all[i]->mem);
    free(cm);
    m->impl = NULL;
}

static rnnscan_status opencl_model_init(rnnscan_model *m)
{
    const size_t rows = m->dims.rows, X = (size_t)m->dims.input, H = (size_t)m->dims.hidden;
    const int is_gru = m->desc.cell == RNNSCAN_CELL_GRU;
    cl_model *cm = calloc(1, sizeof *cm);
    const rnnscan_layer *layer = &m->layers[0];
    float *w_ih_t = transposed(layer->w_ih, rows, X);
    float *w_hh_t = transposed(layer->w_hh, rows, H);
    float *bias_x = malloc(rows * sizeof *bias_x);
    rnnscan_status st = RNNSCAN_OK;
    if (!cm || !w_ih_t || !w_hh_t || !bias_x) {
        free(cm);
        st = rnnscan_fail(&m->err, RNNSCAN_OUT_OF_MEMORY, "opencl: no host memory to stage weights");
        goto done;
    }
    m->impl = cm;
    for (size_t r = 0; r < rows; r++)
        bias_x[r] = layer->b_ih[r] + (is_gru && r >= 2 * H ? 0.0f : layer->b_hh[r]);
    if ((st = create_buffer(m, &cm->w_ih_t, "weights w_ih", rows * X, w_ih_t)) ||
        (st = create_buffer(m, &cm->w_hh_t, "weights w_hh", rows * H, w_hh_t)) ||
        (st = create_buffer(m, &cm->bias_x, "input bias", rows, bias_x)) ||
        (is_gru && (st = create_buffer(m, &cm->b_hn, "bias b_hn", H, layer->b_hh + 2 * H))))
        opencl_model_release(m);
done:
    free(w_ih_t);
    free(w_hh_t);
    free(bias_x);
    return st;
}

static size_t round_up(size_t v, size_t m) { return (v + m - 1) / m * m; }

static rnnscan_status launch(rnnscan_model *m, cl_kernel_id id, const size_t global[2],
                             const size_t *local)
{
    cl_backend *cl = backend_of(m);
    cl_int rc = clEnqueueNDRangeKernel(cl->queue, cl->kernels[id], 2, NULL, global, local, 0, NULL,
                                       NULL);
    if (rc != CL_SUCCESS) {
        char name[64] = "?";
        clGetKernelInfo(cl->kernels[id], CL_KERNEL_FUNCTION_NAME, sizeof name, name, NULL);
        return rnnscan_cl_fail(&m->err, "clEnqueueNDRangeKernel", rc, name);
    }
    return RNNSCAN_OK;
}

/* Uploads src (or zeros when NULL) into dst. */
static rnnscan_status upload(rnnscan_model *m, cl_mem dst, const float *src, size_t elems,
                             const char *what)
{
    cl_command_queue q = backend_of(m)->queue;
    cl_int rc;
    const float zero = 0.0f;
    if (src)
        rc = clEnqueueWriteBuffer(q, dst, CL_FALSE, 0, elems * sizeof(float), src, 0, NULL, NULL);
    else
        rc = clEnqueueFillBuffer(q, dst, &zero, sizeof zero, 0, elems * sizeof(float), 0, NULL,
                                 NULL);
    return rc == CL_SUCCESS ? RNNSCAN_OK
                            : rnnscan_cl_fail(&m->err, src ? "clEnqueueWriteBuffer"
                                                           : "clEnqueueFillBuffer", rc, what);
}

static rnnscan_status download(rnnscan_model *m, float *dst, cl_mem src, size_t offset_elems,
                               size_t elems, const char *what)
{
    cl_int rc = clEnqueueReadBuffer(backend_of(m)->queue, src, CL_FALSE,
                                    offset_elems * sizeof(float), elems * sizeof(float), dst, 0,
                                    NULL, NULL);
    return rc == CL_SUCCESS ? RNNSCAN_OK : rnnscan_cl_fail(&m->err, "clEnqueueReadBuffer", rc, what);
}

static rnnscan_status enqueue_steps(rnnscan_model *m, const rnnscan_run_dims *d)
{
    cl_backend *cl = backend_of(m);
    cl_model *cm = m->impl;
    const cl_int H = m->dims.hidden, B = d->B, relu = m->desc.cell == RNNSCAN_CELL_RNN_RELU;
    const size_t rows = m->dims.rows, state = d->state_elems;

    /* gx = x W_ih^T + bias for all T*B rows at once */
    const cl_int proj_rows = (cl_int)((size_t)d->T * (size_t)B), proj_cols = (cl_int)rows,
                 X = m->dims.input;
    cl_kernel proj = cl->kernels[KERNEL_INPUT_PROJECTION];
    RNNSCAN_TRY(rnnscan_cl_set_args(&m->err, proj, CL_ARG(cm->x.mem), CL_ARG(cm->w_ih_t),
                                    CL_ARG(cm->bias_x), CL_ARG(cm->gx.mem), CL_ARG(proj_rows),
                                    CL_ARG(proj_cols), CL_ARG(X), CL_ARGS_END));
    const size_t proj_global[2] = {round_up(rows, 16), (size_t)proj_rows};
    RNNSCAN_TRY(launch(m, KERNEL_INPUT_PROJECTION, proj_global, NULL));

    cl_kernel_id id = m->desc.cell == RNNSCAN_CELL_LSTM  ? KERNEL_LSTM_STEP
                      : m->desc.cell == RNNSCAN_CELL_GRU ? KERNEL_GRU_STEP
                                                         : KERNEL_RNN_STEP;
    cl_kernel k = cl->kernels[id];
    const size_t local[2] = {cl->step_wg, 1};
    const size_t global[2] = {round_up((size_t)H, cl->step_wg), (size_t)B};
    for (int t = 0; t < d->T; t++) {
        /* h_{t-1} is h0 at t = 0, else the previous step's slice of y */
        cl_mem h_prev = t == 0 ? cm->h0.mem : cm->y.mem;
        cl_ulong gx_off = (cl_ulong)t * B * rows, y_off = (cl_ulong)t * state;
        cl_ulong h_off = t == 0 ? 0 : y_off - state;
        rnnscan_status st;
        if (id == KERNEL_RNN_STEP)
            st = rnnscan_cl_set_args(&m->err, k, CL_ARG(cm->gx.mem), CL_ARG(gx_off),
                                     CL_ARG(h_prev), CL_ARG(h_off), CL_ARG(cm->w_hh_t),
                                     CL_ARG(cm->y.mem), CL_ARG(y_off), CL_ARG(H), CL_ARG(B),
                                     CL_ARG(relu), CL_ARGS_END);
        else if (id == KERNEL_LSTM_STEP)
            st = rnnscan_cl_set_args(&m->err, k, CL_ARG(cm->gx.mem), CL_ARG(gx_off),
                                     CL_ARG(h_prev), CL_ARG(h_off), CL_ARG(cm->w_hh_t),
                                     CL_ARG(cm->c.mem), CL_ARG(cm->y.mem), CL_ARG(y_off),
                                     CL_ARG(H), CL_ARG(B), CL_ARGS_END);
        else
            st = rnnscan_cl_set_args(&m->err, k, CL_ARG(cm->gx.mem), CL_ARG(gx_off),
                                     CL_ARG(h_prev), CL_ARG(h_off), CL_ARG(cm->w_hh_t),
                                     CL_ARG(cm->b_hn), CL_ARG(cm->y.mem), CL_ARG(y_off),
                                     CL_ARG(H), CL_ARG(B), CL_ARGS_END);
        RNNSCAN_TRY(st);
        RNNSCAN_TRY(launch(m, id, global, local));
    }
    return RNNSCAN_OK;
}

static rnnscan_status opencl_scan(rnnscan_model *m, const rnnscan_run *run,
                                  const rnnscan_run_dims *d)
{
    cl_model *cm = m->impl;
    const size_t state = d->state_elems;
    const int is_lstm = m->desc.cell == RNNSCAN_CELL_LSTM;
    RNNSCAN_TRY(ensure_scratch(m, &cm->x, "input x [T][B][X]", d->x_elems));
    RNNSCAN_TRY(ensure_scratch(m, &cm->gx, "input projection [T][B][G*H]", d->gates_elems));
    RNNSCAN_TRY(ensure_scratch(m, &cm->y, "output y [T][B][H]", d->y_elems));
    RNNSCAN_TRY(ensure_scratch(m, &cm->h0, "state h0 [B][H]", state));
    if (is_lstm)
        RNNSCAN_TRY(ensure_scratch(m, &cm->c, "cell state c [B][H]", state));

    rnnscan_status st = RNNSCAN_OK;
    if ((st = upload(m, cm->x.mem, run->x, d->x_elems, "uploading x")) ||
        (st = upload(m, cm->h0.mem, run->h0, state, "uploading h0")) ||
        (is_lstm && (st = upload(m, cm->c.mem, run->c0, state, "uploading c0"))) ||
        (st = enqueue_steps(m, d)) ||
        (st = download(m, run->y, cm->y.mem, 0, d->y_elems, "reading y")) ||
        (run->h_n && (st = download(m, run->h_n, cm->y.mem, d->y_elems - state, state,
                                    "reading h_n"))) ||
        (run->c_n && (st = download(m, run->c_n, cm->c.mem, 0, state, "reading c_n")))) {
        /* drain what was queued so no transfer touches the caller's arrays later */
        clFinish(backend_of(m)->queue);
        return st;
    }
    cl_int rc = clFinish(backend_of(m)->queue);
    return rc == CL_SUCCESS ? RNNSCAN_OK
                            : rnnscan_cl_fail(&m->err, "clFinish", rc, "running the scan");
}

const rnnscan_backend_ops rnnscan_opencl_ops = {
    .features = 0,
    .model_init = opencl_model_init,
    .model_release = opencl_model_release,
    .scan = opencl_scan,
    .context_release = rnnscan_cl_context_release,
};
