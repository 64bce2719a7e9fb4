/* Models: argument checking, weight copies, and dispatch to the backend. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define FAIL_ARG(err, ...) rnnscan_fail(err, RNNSCAN_INVALID_ARGUMENT, __VA_ARGS__)

static rnnscan_status check_desc(const rnnscan_model_desc *d)
{
    if (rnnscan_cell_gates(d->cell) == 0)
        return FAIL_ARG(NULL, "model_create: unknown cell %d (expected RNNSCAN_CELL_*)",
                        (int)d->cell);
    if (d->input_size <= 0)
        return FAIL_ARG(NULL, "model_create: input_size must be > 0, got %d", d->input_size);
    if (d->hidden_size <= 0)
        return FAIL_ARG(NULL, "model_create: hidden_size must be > 0, got %d", d->hidden_size);
    if (d->num_layers < 0)
        return FAIL_ARG(NULL, "model_create: num_layers must be >= 0, got %d", d->num_layers);
    if (d->num_layers > 1)
        return rnnscan_fail(NULL, RNNSCAN_NOT_SUPPORTED,
                            "model_create: num_layers = %d: stacked layers are not supported yet",
                            d->num_layers);
    if (d->bidirectional)
        return rnnscan_fail(NULL, RNNSCAN_NOT_SUPPORTED,
                            "model_create: bidirectional models are not supported yet");
    if (d->batch_first)
        return rnnscan_fail(NULL, RNNSCAN_NOT_SUPPORTED,
                            "model_create: batch_first input is not supported yet");
    return RNNSCAN_OK;
}

/* Element count rows*cols, refusing counts whose byte size overflows. */
static rnnscan_status array_elems(size_t *out, const char *name, size_t rows, size_t cols)
{
    if (!rnnscan_mul3_size(out, rows, cols, sizeof(float)))
        return FAIL_ARG(NULL, "%s: %zu x %zu floats overflows the address space", name, rows,
                        cols);
    *out /= sizeof(float);
    return RNNSCAN_OK;
}

/* Copies `n` floats of `src`, or zeros when src is NULL. */
static float *copy_or_zero(const float *src, size_t n)
{
    float *dst = calloc(n, sizeof *dst);
    if (dst && src)
        memcpy(dst, src, n * sizeof *dst);
    return dst;
}

static void release_host_weights(rnnscan_model *m)
{
    free(m->w_ih);
    free(m->w_hh);
    free(m->b_ih);
    free(m->b_hh);
}

rnnscan_status rnnscan_model_create(rnnscan_context *context, const rnnscan_model_desc *desc,
                                    const rnnscan_weights *weights, rnnscan_model **out)
{
    rnnscan_clear_error(NULL);
    if (!out)
        return FAIL_ARG(NULL, "model_create: out is NULL");
    *out = NULL;
    if (!context)
        return FAIL_ARG(NULL, "model_create: context is NULL");
    rnnscan_clear_error(&context->err);
    if (!desc)
        return FAIL_ARG(&context->err, "model_create: desc is NULL");
    if (!weights)
        return FAIL_ARG(&context->err, "model_create: weights is NULL");
    rnnscan_status st = check_desc(desc);
    if (st != RNNSCAN_OK)
        goto fail;
    if (!weights->w_ih || !weights->w_hh) {
        st = FAIL_ARG(NULL, "model_create: weights.%s is NULL (required)",
                      !weights->w_ih ? "w_ih" : "w_hh");
        goto fail;
    }

    rnnscan_dims dims = {rnnscan_cell_gates(desc->cell), desc->input_size, desc->hidden_size, 0};
    dims.rows = (size_t)dims.gates * (size_t)dims.hidden;
    size_t n_ih, n_hh;
    if ((st = array_elems(&n_ih, "w_ih [G*H][X]", dims.rows, (size_t)dims.input)) ||
        (st = array_elems(&n_hh, "w_hh [G*H][H]", dims.rows, (size_t)dims.hidden)))
        goto fail;

    rnnscan_model *m = calloc(1, sizeof *m);
    if (!m) {
        st = rnnscan_fail(NULL, RNNSCAN_OUT_OF_MEMORY, "model_create: calloc failed");
        goto fail;
    }
    m->context = context;
    m->desc = *desc;
    m->desc.num_layers = 1;
    m->dims = dims;
    m->w_ih = copy_or_zero(weights->w_ih, n_ih);
    m->w_hh = copy_or_zero(weights->w_hh, n_hh);
    m->b_ih = copy_or_zero(weights->b_ih, dims.rows);
    m->b_hh = copy_or_zero(weights->b_hh, dims.rows);
    if (!m->w_ih || !m->w_hh || !m->b_ih || !m->b_hh) {
        st = rnnscan_fail(NULL, RNNSCAN_OUT_OF_MEMORY,
                          "model_create: no host memory for %zu + %zu weights", n_ih, n_hh);
        goto fail_weights;
    }
    if (context->ops->model_init && (st = context->ops->model_init(m)) != RNNSCAN_OK)
        goto fail_weights;
    *out = m;
    return RNNSCAN_OK;

fail_weights:
    release_host_weights(m);
    free(m);
fail:
    rnnscan_keep_error(&context->err);
    return st;
}

void rnnscan_model_free(rnnscan_model *model)
{
    if (!model)
        return;
    if (model->context->ops->model_release)
        model->context->ops->model_release(model);
    release_host_weights(model);
    free(model);
}

const char *rnnscan_model_error(const rnnscan_model *model) { return model ? model->err.text : ""; }

rnnscan_model_desc rnnscan_model_describe(const rnnscan_model *model)
{
    rnnscan_model_desc none = {0};
    return model ? model->desc : none;
}

/* Validates a run against the model and derives its overflow-checked sizes. */
static rnnscan_status check_run(rnnscan_model *m, const rnnscan_run *r, rnnscan_run_dims *d)
{
    rnnscan_errbuf *err = &m->err;
    if (!r)
        return FAIL_ARG(err, "scan: run is NULL");
    if (r->seq_len <= 0)
        return FAIL_ARG(err, "scan: seq_len must be > 0, got %d", r->seq_len);
    if (r->batch <= 0)
        return FAIL_ARG(err, "scan: batch must be > 0, got %d", r->batch);
    if (!r->x)
        return FAIL_ARG(err, "scan: x is NULL (required, [T][B][X])");
    if (!r->y)
        return FAIL_ARG(err, "scan: y is NULL (required, [T][B][H])");
    int is_lstm = m->desc.cell == RNNSCAN_CELL_LSTM;
    if (!is_lstm && (r->c0 || r->c_n))
        return FAIL_ARG(err, "scan: %s given but the cell is %s (cell state is LSTM only)",
                        r->c0 ? "c0" : "c_n", rnnscan_cell_name(m->desc.cell));
    if (r->lengths)
        return rnnscan_fail(err, RNNSCAN_NOT_SUPPORTED,
                            "scan: per-sequence lengths are not supported yet");
    if (r->schedule == RNNSCAN_SCHEDULE_PERSISTENT)
        return rnnscan_fail(err, RNNSCAN_NOT_SUPPORTED,
                            "scan: the persistent schedule is not supported yet");
    if (r->schedule != RNNSCAN_SCHEDULE_AUTO && r->schedule != RNNSCAN_SCHEDULE_HOST)
        return FAIL_ARG(err, "scan: unknown schedule %d", (int)r->schedule);

    size_t T = (size_t)r->seq_len, B = (size_t)r->batch;
    size_t X = (size_t)m->dims.input, H = (size_t)m->dims.hidden;
    size_t bytes;
    d->T = r->seq_len;
    d->B = r->batch;
    if (!rnnscan_mul3_size(&d->x_elems, T, B, X) || !rnnscan_mul3_size(&d->y_elems, T, B, H) ||
        !rnnscan_mul_size(&d->state_elems, B, H) ||
        !rnnscan_mul3_size(&d->gates_elems, T, B, m->dims.rows) ||
        !rnnscan_mul_size(&bytes, d->gates_elems, sizeof(float)) ||
        !rnnscan_mul_size(&bytes, d->x_elems, sizeof(float)))
        return FAIL_ARG(err, "scan: T=%d, B=%d with X=%d, H=%d: byte counts overflow", r->seq_len,
                        r->batch, m->dims.input, m->dims.hidden);
    return RNNSCAN_OK;
}

rnnscan_status rnnscan_model_scan(rnnscan_model *model, const rnnscan_run *run)
{
    rnnscan_clear_error(NULL);
    if (!model)
        return FAIL_ARG(NULL, "scan: model is NULL");
    rnnscan_clear_error(&model->err);
    rnnscan_run_dims dims;
    rnnscan_status st = check_run(model, run, &dims);
    if (st == RNNSCAN_OK)
        st = model->context->ops->scan(model, run, &dims);
    if (st != RNNSCAN_OK) {
        rnnscan_keep_error(&model->err);
        rnnscan_keep_error(&model->context->err);
    }
    return st;
}

rnnscan_status rnnscan_model_step(rnnscan_model *model, int batch, const float *x,
                                  const float *h_prev, const float *c_prev, float *h_next,
                                  float *c_next)
{
    rnnscan_clear_error(NULL);
    if (!model)
        return FAIL_ARG(NULL, "step: model is NULL");
    if (!h_next)
        return FAIL_ARG(&model->err, "step: h_next is NULL (required, [B][H])");
    if (model->desc.cell == RNNSCAN_CELL_LSTM && !c_next)
        return FAIL_ARG(&model->err, "step: c_next is NULL (required for lstm, [B][H])");
    rnnscan_run run = {0};
    run.seq_len = 1;
    run.batch = batch;
    run.x = x;
    run.h0 = h_prev;
    run.c0 = c_prev;
    run.y = h_next;
    run.c_n = c_next;
    return rnnscan_model_scan(model, &run);
}
