/* The cpu backend's model state: the cell's descriptor row and kernel (the
 * plain cell's, cpu_cells.c, or an ONNX variant's, cpu_variants.c), folded
 * biases and packed weights, made once at model creation; scratch memory kept
 * between calls and grown on demand; the ops table. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "cpu.h"

static void free_layers(cpu_model *cm, int count)
{
    for (int i = 0; cm->layers && i < count; i++) {
        free(cm->layers[i].bias);
        free(cm->layers[i].b_apart);
        cpu_packed_free(&cm->layers[i].hh);
        cpu_packed_free(&cm->layers[i].hh_n);
        cpu_packed_free(&cm->layers[i].ih);
        cpu_packed_free(&cm->layers[i].hr);
    }
    free(cm->layers);
    free(cm->scratch);
    free(cm);
}

/* W_hh^T packed: whole, or with reset_before in two parts, the rows that
 * multiply h and the last gate's, which multiply r * h (a panel holds 16
 * columns, so the last gate's do not start a panel unless 16 | (G-1)H: their
 * own copy lets the small kernel run on them alone, for the same memory). */
static int pack_recurrent(const rnnscan_model *m, const cpu_cell_desc *cell,
                          const rnnscan_layer *src, cpu_layer *dst)
{
    const int S = m->dims.state, rows = (int)m->dims.rows;
    const rnnscan_weight_type type = m->desc.weight_type;
    if (!cell->reset_before)
        return cpu_pack(src->w_hh, rows, S, type, &dst->hh);
    const int before = rows - m->dims.hidden;
    return cpu_pack(src->w_hh, before, S, type, &dst->hh) &&
           cpu_pack(src->w_hh + (size_t)before * S, m->dims.hidden, S, type, &dst->hh_n);
}

/* Bias folding as the cell's row says: bias = b_ih + b_hh, except in the
 * hh_apart gates (GRU's n: r multiplies W_hn h + b_hn), which keep b_ih in
 * bias and their b_hh in b_apart. */
static int prepare_layer(const rnnscan_model *m, const cpu_cell_desc *cell,
                         const rnnscan_layer *src, cpu_layer *dst)
{
    const size_t H = (size_t)m->dims.hidden;
    const size_t rows = m->dims.rows;
    dst->w_ih = src->w_ih;
    dst->w_hh = src->w_hh;
    dst->w_hr = src->w_hr;
    dst->input = src->input;
    dst->bias = malloc(rows * sizeof *dst->bias);
    if (!dst->bias)
        return 0;
    size_t apart = 0;
    for (int k = 0; k < cell->gates; k++)
        apart += cell->hh_apart >> k & 1u;
    if (apart) {
        dst->b_apart = malloc(apart * H * sizeof *dst->b_apart);
        if (!dst->b_apart)
            return 0;
    }
    float *b_apart = dst->b_apart;
    for (int k = 0; k < cell->gates; k++) {
        const int is_apart = cell->hh_apart >> k & 1u;
        for (size_t r = (size_t)k * H; r < (size_t)(k + 1) * H; r++)
            dst->bias[r] = src->b_ih[r] + (is_apart ? 0.0f : src->b_hh[r]);
        if (is_apart) {
            for (size_t j = 0; j < H; j++)
                b_apart[j] = src->b_hh[(size_t)k * H + j];
            b_apart += H;
        }
    }
    dst->peep = src->w_peep;
    if (!pack_recurrent(m, cell, src, dst))
        return 0;
    const rnnscan_weight_type type = m->desc.weight_type;
    if (src->w_hr && !cpu_pack(src->w_hr, m->dims.proj, (int)H, type, &dst->hr))
        return 0;
    return cpu_pack(src->w_ih, (int)rows, src->input, type, &dst->ih);
}

static rnnscan_status cpu_model_init(rnnscan_model *m)
{
    const int count = m->dims.layers * m->dims.directions;
    if (m->dims.rows > INT_MAX || (size_t)m->dims.directions * (size_t)m->dims.hidden > INT_MAX)
        return rnnscan_fail(&m->err, RNNSCAN_NOT_SUPPORTED,
                            "cpu: G*H = %zu gate rows or D*H = %d*%d exceed OpenBLAS's int sizes",
                            m->dims.rows, m->dims.directions, m->dims.hidden);
    cpu_cell cell;
    const int found = m->variant.plain ? cpu_cell_find(m->desc.cell, &cell)
                                       : cpu_variant_find(m->desc.cell, &m->variant, &cell);
    if (!found || cell.desc->gates != m->dims.gates)
        return rnnscan_fail(&m->err, RNNSCAN_NOT_SUPPORTED, "cpu: no step kernel for cell %d",
                            (int)m->desc.cell);
    cpu_model *cm = calloc(1, sizeof *cm);
    if (cm)
        cm->layers = calloc((size_t)count, sizeof *cm->layers);
    if (!cm || !cm->layers) {
        free(cm);
        return rnnscan_fail(&m->err, RNNSCAN_OUT_OF_MEMORY, "cpu: model_create: calloc failed");
    }
    cm->cell = cell;
    for (int i = 0; i < count; i++)
        if (!prepare_layer(m, cell.desc, &m->layers[i], &cm->layers[i])) {
            free_layers(cm, count);
            return rnnscan_fail(&m->err, RNNSCAN_OUT_OF_MEMORY,
                                "cpu: model_create: no host memory to pack weights[%d]", i);
        }
    m->impl = cm;
    return RNNSCAN_OK;
}

static void cpu_model_release(rnnscan_model *m)
{
    if (m->impl)
        free_layers(m->impl, m->dims.layers * m->dims.directions);
    m->impl = NULL;
}

void *cpu_scratch(cpu_model *cm, size_t bytes)
{
    if (bytes <= cm->scratch_bytes)
        return cm->scratch;
    free(cm->scratch);
    cm->scratch_bytes = 0;
    cm->scratch = aligned_alloc(64, (bytes + 63) / 64 * 64);
    if (cm->scratch)
        cm->scratch_bytes = bytes;
    return cm->scratch;
}

rnnscan_status rnnscan_cpu_context_init(rnnscan_context *context)
{
    snprintf(context->device_name, sizeof context->device_name,
             "cpu (OpenBLAS sgemm, %d threads)", cpu_blas_threads());
    return RNNSCAN_OK;
}

const rnnscan_backend_ops rnnscan_cpu_ops = {
    .features = RNNSCAN_FEATURE_ALL,
    .model_init = cpu_model_init,
    .model_release = cpu_model_release,
    .scan = cpu_scan,
    .context_release = NULL,
};
