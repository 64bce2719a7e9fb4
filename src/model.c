/* Models: argument checking, weight copies, and dispatch to the backend. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "half.h"
#include "internal.h"

#define FAIL_ARG(err, ...) rnnscan_fail(err, RNNSCAN_INVALID_ARGUMENT, __VA_ARGS__)

static rnnscan_status check_desc(const rnnscan_model_desc *d, unsigned features,
                                 rnnscan_variant *variant)
{
    if (rnnscan_cell_gates(d->cell) == 0)
        return FAIL_ARG(NULL, "model_create: unknown cell %d (expected RNNSCAN_CELL_*)",
                        (int)d->cell);
    if (d->input_size <= 0)
        return FAIL_ARG(NULL, "model_create: input_size must be > 0, got %d", d->input_size);
    if (d->hidden_size <= 0)
        return FAIL_ARG(NULL, "model_create: hidden_size must be > 0, got %d", d->hidden_size);
    if (!rnnscan_weight_type_name(d->weight_type))
        return FAIL_ARG(NULL, "model_create: unknown weight_type %d (expected RNNSCAN_F32, "
                        "RNNSCAN_F16 or RNNSCAN_BF16)", (int)d->weight_type);
    if (d->num_layers < 0)
        return FAIL_ARG(NULL, "model_create: num_layers must be >= 0, got %d", d->num_layers);
    if (d->reverse && d->bidirectional)
        return FAIL_ARG(NULL, "model_create: reverse is for one-direction models (a "
                              "bidirectional model runs both directions already)");
    if (d->proj_size < 0 || (d->proj_size > 0 && d->cell != RNNSCAN_CELL_LSTM) ||
        d->proj_size >= d->hidden_size)
        return FAIL_ARG(NULL,
                        "model_create: proj_size = %d %s (PyTorch's rule: 0, or 0 < proj_size "
                        "< hidden_size = %d, for lstm only)",
                        d->proj_size,
                        d->proj_size > 0 && d->cell != RNNSCAN_CELL_LSTM
                            ? "is for lstm only, and the cell is not"
                            : "is out of range",
                        d->hidden_size);
    /* L*D (layer-directions, an int count and index) and D*H (the output
     * width, the input of layers above the first) must fit an int. */
    const int directions = d->bidirectional ? 2 : 1;
    if (d->num_layers > INT_MAX / directions)
        return FAIL_ARG(NULL,
                        "model_create: num_layers = %d with %d directions is too large "
                        "(num_layers * directions must be <= INT_MAX)",
                        d->num_layers, directions);
    if (d->hidden_size > INT_MAX / directions)
        return FAIL_ARG(NULL,
                        "model_create: hidden_size = %d with %d directions is too large "
                        "(hidden_size * directions must be <= INT_MAX)",
                        d->hidden_size, directions);
    RNNSCAN_TRY(rnnscan_variant_resolve(d, variant));
    struct {
        int asked;
        unsigned feature;
        const char *what;
    } needs[] = {
        {d->num_layers > 1, RNNSCAN_FEATURE_LAYERS, "stacked layers"},
        {d->bidirectional != 0, RNNSCAN_FEATURE_BIDIRECTIONAL, "bidirectional models"},
        {d->batch_first != 0, RNNSCAN_FEATURE_BATCH_FIRST, "batch_first input"},
        {d->proj_size > 0, RNNSCAN_FEATURE_PROJECTION, "LSTM projections (proj_size)"},
        {!variant->plain, RNNSCAN_FEATURE_VARIANTS,
         "ONNX cell variants (activations, clip, peepholes, input_forget, gru_reset_before)"},
    };
    for (size_t i = 0; i < sizeof needs / sizeof needs[0]; i++)
        if (needs[i].asked && !(features & needs[i].feature))
            return rnnscan_fail(NULL, RNNSCAN_NOT_SUPPORTED,
                                "model_create: %s are not supported by this backend yet",
                                needs[i].what);
    return RNNSCAN_OK;
}

/* Element count rows*cols, refusing counts whose byte size overflows. */
static rnnscan_status array_elems(size_t *out, const char *name, int index, size_t rows,
                                  size_t cols)
{
    if (!rnnscan_mul3_size(out, rows, cols, sizeof(float)))
        return FAIL_ARG(NULL, "weights[%d].%s: %zu x %zu floats overflows the address space",
                        index, name, rows, cols);
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

static void release_layers(rnnscan_model *m)
{
    int count = m->dims.layers * m->dims.directions;
    for (int i = 0; m->layers && i < count; i++) {
        free(m->layers[i].w_ih);
        free(m->layers[i].w_hh);
        free(m->layers[i].b_ih);
        free(m->layers[i].b_hh);
        free(m->layers[i].w_hr);
        free(m->layers[i].w_peep);
    }
    free(m->layers);
    m->layers = NULL;
}

/* Rounds a layer's copies to the model's weight type: every backend, and the
 * reference, then compute with the same values.  A finite value the type
 * cannot hold (f16 above 65504, bf16 above 3.39e38: the tie with the next
 * power of 2 and beyond would round to infinity) is refused. */
static rnnscan_status round_layer(rnnscan_weight_type type, const rnnscan_weights *src,
                                  rnnscan_layer *layer, int index, size_t n_ih, size_t n_hh,
                                  size_t rows, size_t n_hr, size_t n_peep)
{
    const struct {
        const char *name;
        const float *given; /* the caller's, to name a refused value */
        float *copy;
        size_t n;
    } arrays[] = {{"w_ih", src->w_ih, layer->w_ih, n_ih},
                  {"w_hh", src->w_hh, layer->w_hh, n_hh},
                  {"b_ih", src->b_ih, layer->b_ih, rows},
                  {"b_hh", src->b_hh, layer->b_hh, rows},
                  {"w_hr", src->w_hr, layer->w_hr, n_hr},
                  {"w_peep", src->w_peep, layer->w_peep, n_peep}};
    for (size_t a = 0; a < sizeof arrays / sizeof arrays[0]; a++) {
        const size_t bad = rnnscan_round_weights(type, arrays[a].copy, arrays[a].n);
        if (bad < arrays[a].n) /* only a given array can hold a bad value */
            return FAIL_ARG(NULL,
                            "model_create: weights[%d].%s[%zu] = %g is outside the range of "
                            "%s weights (|w| < %s); use %s",
                            index, arrays[a].name, bad, (double)arrays[a].given[bad],
                            rnnscan_weight_type_name(type),
                            type == RNNSCAN_F16 ? "65520" : "3.3961e38",
                            type == RNNSCAN_F16 ? "RNNSCAN_BF16 or RNNSCAN_F32" : "RNNSCAN_F32");
    }
    return RNNSCAN_OK;
}

/* Checks and copies weights[index] into m->layers[index]. */
static rnnscan_status copy_layer(rnnscan_model *m, const rnnscan_weights *w, int index)
{
    const rnnscan_dims *d = &m->dims;
    rnnscan_layer *layer = &m->layers[index];
    layer->input = index < d->directions ? d->input : d->directions * d->state;
    if (!w->w_ih || !w->w_hh)
        return FAIL_ARG(NULL, "model_create: weights[%d].%s is NULL (required)", index,
                        !w->w_ih ? "w_ih" : "w_hh");
    if ((w->w_hr != NULL) != (d->proj > 0))
        return FAIL_ARG(NULL, "model_create: weights[%d].w_hr is %s", index,
                        d->proj ? "NULL (required with proj_size)"
                                : "given but proj_size is 0 (set proj_size, the rows of w_hr)");
    if ((w->w_peep != NULL) != (m->variant.peepholes != 0))
        return FAIL_ARG(NULL, "model_create: weights[%d].w_peep is %s", index,
                        m->variant.peepholes ? "NULL (required with peepholes, [3H])"
                                             : "given but peepholes is 0");
    const size_t n_peep = m->variant.peepholes ? 3 * (size_t)d->hidden : 0;
    size_t n_ih, n_hh, n_hr = 0;
    RNNSCAN_TRY(array_elems(&n_ih, "w_ih", index, d->rows, (size_t)layer->input));
    RNNSCAN_TRY(array_elems(&n_hh, "w_hh", index, d->rows, (size_t)d->state));
    if (d->proj)
        RNNSCAN_TRY(array_elems(&n_hr, "w_hr", index, (size_t)d->proj, (size_t)d->hidden));
    layer->w_ih = copy_or_zero(w->w_ih, n_ih);
    layer->w_hh = copy_or_zero(w->w_hh, n_hh);
    layer->b_ih = copy_or_zero(w->b_ih, d->rows);
    layer->b_hh = copy_or_zero(w->b_hh, d->rows);
    layer->w_hr = d->proj ? copy_or_zero(w->w_hr, n_hr) : NULL;
    layer->w_peep = n_peep ? copy_or_zero(w->w_peep, n_peep) : NULL;
    if (!layer->w_ih || !layer->w_hh || !layer->b_ih || !layer->b_hh ||
        (d->proj && !layer->w_hr) || (n_peep && !layer->w_peep))
        return rnnscan_fail(NULL, RNNSCAN_OUT_OF_MEMORY,
                            "model_create: no host memory for weights[%d] (%zu + %zu + %zu "
                            "floats)",
                            index, n_ih, n_hh, n_hr);
    return round_layer(m->desc.weight_type, w, layer, index, n_ih, n_hh, d->rows, n_hr, n_peep);
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
    rnnscan_model *m = NULL;
    rnnscan_variant variant;
    rnnscan_status st = check_desc(desc, context->ops->features, &variant);
    if (st != RNNSCAN_OK)
        goto fail;

    m = calloc(1, sizeof *m);
    if (!m) {
        st = rnnscan_fail(NULL, RNNSCAN_OUT_OF_MEMORY, "model_create: calloc failed");
        goto fail;
    }
    m->context = context;
    m->desc = *desc;
    m->desc.num_layers = desc->num_layers > 1 ? desc->num_layers : 1;
    m->desc.bidirectional = desc->bidirectional != 0;
    m->desc.batch_first = desc->batch_first != 0;
    m->desc.reverse = desc->reverse != 0;
    m->desc.gru_reset_before = variant.reset_before;
    m->desc.peepholes = variant.peepholes;
    m->desc.input_forget = variant.input_forget;
    m->variant = variant;
    rnnscan_dims *d = &m->dims;
    d->gates = rnnscan_cell_gates(desc->cell);
    d->input = desc->input_size;
    d->hidden = desc->hidden_size;
    d->proj = desc->proj_size;
    d->state = d->proj ? d->proj : d->hidden;
    d->layers = m->desc.num_layers;
    d->directions = m->desc.bidirectional ? 2 : 1;
    d->rows = (size_t)d->gates * (size_t)d->hidden;
    int count = d->layers * d->directions;
    m->layers = calloc((size_t)count, sizeof *m->layers);
    if (!m->layers) {
        st = rnnscan_fail(NULL, RNNSCAN_OUT_OF_MEMORY, "model_create: calloc failed");
        goto fail_model;
    }
    for (int i = 0; i < count; i++)
        if ((st = copy_layer(m, &weights[i], i)) != RNNSCAN_OK)
            goto fail_model;
    if (context->ops->model_init && (st = context->ops->model_init(m)) != RNNSCAN_OK)
        goto fail_model;
    *out = m;
    return RNNSCAN_OK;

fail_model:
    release_layers(m);
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
    release_layers(model);
    free(model);
}

const char *rnnscan_model_error(const rnnscan_model *model) { return model ? model->err.text : ""; }

double rnnscan_model_build_ms(const rnnscan_model *model) { return model ? model->build_ms : 0.0; }

rnnscan_schedule rnnscan_model_last_schedule(const rnnscan_model *model)
{
    return model ? model->last_schedule : RNNSCAN_SCHEDULE_AUTO;
}

rnnscan_model_desc rnnscan_model_describe(const rnnscan_model *model)
{
    rnnscan_model_desc none = {0};
    return model ? model->desc : none;
}

/* Validates a run against the model and derives its overflow-checked sizes. */
rnnscan_status rnnscan_check_run(rnnscan_model *m, const rnnscan_run *r, rnnscan_run_dims *d)
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
        return FAIL_ARG(err, "scan: y is NULL (required, [T][B][D*%s])",
                        m->dims.proj ? "proj_size" : "H");
    int is_lstm = m->desc.cell == RNNSCAN_CELL_LSTM;
    if (!is_lstm && (r->c0 || r->c_n))
        return FAIL_ARG(err, "scan: %s given but the cell is %s (cell state is LSTM only)",
                        r->c0 ? "c0" : "c_n", rnnscan_cell_name(m->desc.cell));
    if (r->lengths) {
        if (!(m->context->ops->features & RNNSCAN_FEATURE_LENGTHS))
            return rnnscan_fail(err, RNNSCAN_NOT_SUPPORTED,
                                "scan: per-sequence lengths are not supported by this backend yet");
        for (int b = 0; b < r->batch; b++)
            if (r->lengths[b] < 1 || r->lengths[b] > r->seq_len)
                return FAIL_ARG(err, "scan: lengths[%d] = %d is outside 1..T = 1..%d", b,
                                r->lengths[b], r->seq_len);
    }
    if (r->schedule != RNNSCAN_SCHEDULE_AUTO && r->schedule != RNNSCAN_SCHEDULE_HOST &&
        r->schedule != RNNSCAN_SCHEDULE_PERSISTENT)
        return FAIL_ARG(err, "scan: unknown schedule %d", (int)r->schedule);

    size_t T = (size_t)r->seq_len, B = (size_t)r->batch, X = (size_t)m->dims.input;
    size_t DH = (size_t)m->dims.directions * (size_t)m->dims.state, bytes;
    d->T = r->seq_len;
    d->B = r->batch;
    if (!rnnscan_mul3_size(&d->x_elems, T, B, X) || !rnnscan_mul3_size(&d->y_elems, T, B, DH) ||
        !rnnscan_mul_size(&d->state_elems, B, (size_t)m->dims.hidden) ||
        !rnnscan_mul3_size(&d->gates_elems, T, B, m->dims.rows) ||
        !rnnscan_mul_size(&bytes, d->gates_elems, sizeof(float)) ||
        !rnnscan_mul_size(&bytes, d->y_elems, sizeof(float)) ||
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
    rnnscan_status st = rnnscan_check_run(model, run, &dims);
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
    if (model->dims.layers * model->dims.directions != 1)
        return rnnscan_fail(&model->err, RNNSCAN_NOT_SUPPORTED,
                            "step: one-layer, one-direction models only; use scan with T = 1");
    if (!h_next)
        return FAIL_ARG(&model->err, "step: h_next is NULL (required, [B][%s])",
                        model->dims.proj ? "proj_size" : "H");
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
