/* OpenCL models: weights packed for the kernels and resident on the device
 * (one buffer per layer-direction and matrix), scratch buffers reused across
 * calls (cl_launch.c), and the choice between a whole-run scan (cl_scan.c)
 * and one in chunks that keeps every buffer within the allocation limit
 * (cl_chunked.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../half.h"
#include "cl_scan.h"
#include "cl_schedule.h"
#include "cl_variant.h"

static void opencl_model_release(rnnscan_model *m)
{
    cl_model *cm = m->impl;
    if (!cm)
        return;
    for (int l = 0; cm->layers && l < m->dims.layers; l++) {
        for (int d = 0; d < 2; d++) {
            cl_release_mem(&cm->layers[l].w_ih[d]);
            cl_release_mem(&cm->layers[l].w_hh[d]);
            cl_release_mem(&cm->layers[l].w_hr[d]);
        }
        cl_release_mem(&cm->layers[l].bias);
    }
    free(cm->layers);
    scratch *all[] = {&cm->x, &cm->gx, &cm->y, &cm->act[0], &cm->act[1], &cm->state};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        cl_release_mem(&all[i]->mem);
    free(cm->host_order);
    free(cm->active);
    free(cm);
    m->impl = NULL;
}

/* Where element (k, gate g, unit j) of a block of G gates of one
 * direction's transposed W_hh goes (k < S, the width of h): rows or panels
 * of 8 units, as W_BLOCK in kernels/common.cl reads it. */
static size_t w_block_index(int panels, size_t k, size_t g, size_t j, size_t S, size_t G,
                            size_t Hp)
{
    return panels ? (j / 8) * S * G * 8 + k * G * 8 + g * 8 + j % 8 : k * G * Hp + g * Hp + j;
}

/* The same for the whole of W_hh: one block of G gates, or (gates_apart:
 * a GRU with reset_before) a block per gate, S*Hp apart, so each phase of
 * its step streams only what it reads (kernels/cell.cl, RNNSCAN_W_GATES). */
static size_t w_hh_index(int panels, int gates_apart, size_t k, size_t g, size_t j, size_t S,
                         size_t G, size_t Hp)
{
    return gates_apart ? g * S * Hp + w_block_index(panels, k, 0, j, S, 1, Hp)
                       : w_block_index(panels, k, g, j, S, G, Hp);
}

/* Where element (k, column col) of one direction's W_ih^T goes: rows [In][Gd]
 * or panels [Gd/16][In][16]. */
static size_t w_ih_index(int panels, size_t k, size_t col, size_t In, size_t Gd)
{
    return panels ? (col / 16 * In + k) * 16 + col % 16 : k * Gd + col;
}

/* Uploads n packed floats as the model's weight type: float32 as they are,
 * F16 / BF16 as their 16 bits (exact: the core rounded every value). */
static rnnscan_status upload_weights(rnnscan_model *m, cl_mem *dst, const char *what,
                                     float *packed, size_t n)
{
    const rnnscan_weight_type type = m->desc.weight_type;
    if (type == RNNSCAN_F32)
        return cl_create_buffer(m, dst, what, n * sizeof(float), packed);
    uint16_t *half = (uint16_t *)packed; /* in place: element i goes to bytes 2i, 2i+1 */
    for (size_t i = 0; i < n; i++)
        half[i] = rnnscan_to_half(type, packed[i]);
    return cl_create_buffer(m, dst, what, n * sizeof(uint16_t), half);
}

/* W_hr of direction d of layer l, transposed to [H][Pp] (P padded to 8 with
 * zeros), as rnnscan_state_projection reads it. */
static rnnscan_status upload_w_hr(rnnscan_model *m, int l, int d)
{
    const size_t H = (size_t)m->dims.hidden, P = (size_t)m->dims.proj, Pp = (P + 7) / 8 * 8;
    const rnnscan_layer *src = &m->layers[l * m->dims.directions + d];
    char what[64];
    snprintf(what, sizeof what, "weights w_hr of layer %d direction %d", l, d);
    RNNSCAN_TRY(cl_check_alloc(m, what, H * Pp * rnnscan_weight_bytes(m->desc.weight_type)));
    float *w_hr = calloc(H * Pp, sizeof *w_hr);
    if (!w_hr)
        return rnnscan_fail(&m->err, RNNSCAN_OUT_OF_MEMORY,
                            "opencl: no host memory to pack %s", what);
    for (size_t p = 0; p < P; p++)
        for (size_t k = 0; k < H; k++)
            w_hr[k * Pp + p] = src->w_hr[p * H + k];
    rnnscan_status st = upload_weights(m, &((cl_model *)m->impl)->layers[l].w_hr[d], what, w_hr,
                                       H * Pp);
    free(w_hr);
    return st;
}

/* What follows W_hh in its buffer, [Hp] each: GRU's b_hn, or LSTM's
 * peepholes p_i, p_f, p_o (kernels/cell.cl, rnnscan_cell_weights_load); one
 * unused block for the other cells, as before variants. */
static int w_hh_tail_blocks(const rnnscan_model *m) { return m->variant.peepholes ? 3 : 1; }

/* Packs direction d of layer l into the kernels' layouts (w_ih, w_hh with
 * b_hn or the peepholes after it) and its part of the layer's bias, and
 * uploads the weights. */
static rnnscan_status upload_direction(rnnscan_model *m, int l, int d, float *bias)
{
    cl_model *cm = m->impl;
    const int G = m->dims.gates, H = m->dims.hidden, D = m->dims.directions, Hp = cm->Hp;
    const int S = m->dims.state, Gd = cm->Gd, In = m->layers[l * D].input;
    const int is_gru = m->desc.cell == RNNSCAN_CELL_GRU, panels = cl_backend_of(m)->tuning.w_panels;
    const int gates_apart = is_gru && m->variant.reset_before;
    const size_t n_ih = (size_t)In * Gd, n_hh = (size_t)S * G * Hp;
    const size_t n_rec = n_hh + (size_t)w_hh_tail_blocks(m) * Hp;
    char what_ih[64], what_hh[64], why[200];
    snprintf(what_ih, sizeof what_ih, "weights w_ih of layer %d direction %d", l, d);
    snprintf(what_hh, sizeof what_hh, "weights w_hh of layer %d direction %d", l, d);
    /* refuse before staging: the packed copies are as large as the buffers */
    snprintf(why, sizeof why, "%s (packed; the weights of one layer-direction must fit one "
             "allocation, scans of any size are chunked)", n_ih > n_rec ? what_ih : what_hh);
    const size_t elem = rnnscan_weight_bytes(m->desc.weight_type);
    RNNSCAN_TRY(cl_check_alloc(m, why, (n_ih > n_rec ? n_ih : n_rec) * elem));
    float *w_ih = calloc(n_ih, sizeof *w_ih), *w_hh = calloc(n_rec, sizeof *w_hh);
    rnnscan_status st = RNNSCAN_OK;
    if (!w_ih || !w_hh) {
        st = rnnscan_fail(&m->err, RNNSCAN_OUT_OF_MEMORY,
                          "opencl: no host memory to pack layer %d direction %d", l, d);
        goto done;
    }
    const rnnscan_layer *src = &m->layers[l * D + d];
    float *b_hn = w_hh + n_hh, *peep = w_hh + n_hh; /* GRU / LSTM peepholes */
    for (int g = 0; g < G; g++)
        for (int j = 0; j < H; j++) {
            const size_t row = (size_t)g * H + j; /* PyTorch's row */
            const size_t col = (size_t)g * Hp + j;
            for (int k = 0; k < In; k++)
                w_ih[w_ih_index(panels, k, col, In, Gd)] = src->w_ih[row * In + k];
            for (int k = 0; k < S; k++)
                w_hh[w_hh_index(panels, gates_apart, k, g, j, S, G, Hp)] =
                    src->w_hh[row * S + k];
            const int n_gate = is_gru && g == 2;
            bias[(size_t)d * Gd + col] = src->b_ih[row] + (n_gate ? 0.0f : src->b_hh[row]);
            if (n_gate)
                b_hn[j] = src->b_hh[row];
        }
    for (int q = 0; src->w_peep && q < 3; q++) /* p_i, p_f, p_o, each padded to Hp */
        for (int j = 0; j < H; j++)
            peep[(size_t)q * Hp + j] = src->w_peep[(size_t)q * H + j];
    cl_layer *dst = &cm->layers[l];
    if ((st = upload_weights(m, &dst->w_ih[d], what_ih, w_ih, n_ih)) ||
        (st = upload_weights(m, &dst->w_hh[d], what_hh, w_hh, n_rec)))
        goto done;
    if (m->dims.proj)
        st = upload_w_hr(m, l, d);
done:
    free(w_ih);
    free(w_hh);
    return st;
}

static rnnscan_status upload_layer(rnnscan_model *m, int l)
{
    cl_model *cm = m->impl;
    float *bias = calloc((size_t)cm->N, sizeof *bias);
    if (!bias)
        return rnnscan_fail(&m->err, RNNSCAN_OUT_OF_MEMORY,
                            "opencl: no host memory to pack layer %d", l);
    rnnscan_status st = RNNSCAN_OK;
    for (int d = 0; st == RNNSCAN_OK && d < m->dims.directions; d++)
        st = upload_direction(m, l, d, bias);
    if (st == RNNSCAN_OK)
        st = cl_create_buffer(m, &cm->layers[l].bias, "input bias", (size_t)cm->N * sizeof(float),
                              bias);
    free(bias);
    return st;
}

/* The model's kernel variants (projection, step, persistent; with an LSTM
 * projection the state projection instead of the persistent kernel, which
 * does not run it; for a GRU with reset_before the reset gate too), from the
 * context's cache or built now: a scan never builds. */
static rnnscan_status get_programs(rnnscan_model *m)
{
    cl_backend *cl = cl_backend_of(m);
    cl_model *cm = m->impl;
    const cl_program_entry **slots[5] = {&cm->projection, &cm->step, &cm->persistent,
                                         &cm->state_projection, &cm->reset_gate};
    const cl_entry entries[5] = {CL_ENTRY_PROJECTION, CL_ENTRY_STEP, CL_ENTRY_PERSISTENT,
                                 CL_ENTRY_STATE_PROJECTION, CL_ENTRY_RESET_GATE};
    const int needed[5] = {1, 1, !cm->proj, cm->proj,
                           m->desc.cell == RNNSCAN_CELL_GRU && m->variant.reset_before};
    for (int i = 0; i < 5; i++) {
        if (!needed[i])
            continue;
        const cl_variant v = {.entry = entries[i], .cell = m->desc.cell,
                              .weight_type = m->desc.weight_type, .proj = cm->proj,
                              .cell_variant = m->variant, .tuning = cl->tuning};
        RNNSCAN_TRY(rnnscan_cl_program_get(cl, &m->err, &v, slots[i], &m->build_ms));
    }
    return RNNSCAN_OK;
}

/* The local-memory projection runs 16 x 16 work-groups with its tiles in
 * local memory: refused at creation where the device or the built kernel
 * cannot (every OpenCL 1.2 GPU can: 256 work-items and 32 KiB are the
 * spec's minimum for CL_DEVICE_TYPE_GPU's full profile). */
static rnnscan_status check_projection(rnnscan_model *m)
{
    const cl_backend *cl = cl_backend_of(m);
    const cl_program_entry *p = ((cl_model *)m->impl)->projection;
    const size_t group = (size_t)CL_PROJ_SIDE * CL_PROJ_SIDE;
    if (!cl->tuning.proj_local ||
        (group <= cl->max_work_group && group <= p->max_group &&
         CL_PROJ_SIDE <= cl->max_item_sizes[0] && CL_PROJ_SIDE <= cl->max_item_sizes[1] &&
         p->local_bytes <= cl->local_mem_bytes))
        return RNNSCAN_OK;
    return rnnscan_fail(&m->err, RNNSCAN_NOT_SUPPORTED,
                        "opencl: the GPU tuning's input projection needs work-groups of %d x %d "
                        "work-items and %zu bytes of local memory; %s allows %zu work-items (%zu "
                        "for this kernel), %zu x %zu per dimension and %zu bytes: use "
                        "RNNSCAN_TUNING=cpu",
                        CL_PROJ_SIDE, CL_PROJ_SIDE, p->local_bytes, m->context->device_name,
                        cl->max_work_group, p->max_group, cl->max_item_sizes[0],
                        cl->max_item_sizes[1], cl->local_mem_bytes);
}

static rnnscan_status opencl_model_init(rnnscan_model *m)
{
    cl_model *cm = calloc(1, sizeof *cm);
    if (!cm)
        return rnnscan_fail(&m->err, RNNSCAN_OUT_OF_MEMORY, "opencl: calloc failed");
    m->impl = cm;
    cm->proj = m->dims.proj > 0;
    cm->m_part = cm->proj || (m->desc.cell == RNNSCAN_CELL_GRU && m->variant.reset_before);
    cm->Hp = (int)cl_round_up((size_t)m->dims.hidden, 8);
    size_t Gd = cl_round_up((size_t)m->dims.gates * cm->Hp, 16);
    if (Gd * m->dims.directions > 0x7fffffff) {
        opencl_model_release(m);
        return rnnscan_fail(&m->err, RNNSCAN_TOO_LARGE, "opencl: %zu gate columns exceed int",
                            Gd * m->dims.directions);
    }
    cm->Gd = (int)Gd;
    cm->N = (int)Gd * m->dims.directions;
    const int cached = cl_backend_of(m)->n_programs;
    cm->layers = calloc((size_t)m->dims.layers, sizeof *cm->layers);
    rnnscan_status st = cm->layers ? get_programs(m)
                                   : rnnscan_fail(&m->err, RNNSCAN_OUT_OF_MEMORY,
                                                  "opencl: calloc failed");
    if (st == RNNSCAN_OK)
        st = check_projection(m);
    for (int l = 0; st == RNNSCAN_OK && l < m->dims.layers; l++)
        st = upload_layer(m, l);
    if (st != RNNSCAN_OK) {
        opencl_model_release(m);
        rnnscan_cl_programs_truncate(cl_backend_of(m), cached); /* what this create built */
        m->build_ms = 0.0;
        return st;
    }
    m->context->build_ms += m->build_ms;
    return RNNSCAN_OK;
}

size_t cl_persistent_local_bytes(const rnnscan_model *m)
{
    const int halves = m->desc.cell == RNNSCAN_CELL_GRU && m->variant.reset_before ? 2 : 1;
    return (size_t)halves * ((const cl_model *)m->impl)->Hp * sizeof(float);
}

/* Whether the persistent schedule fits: one work-group holds a sequence's
 * hidden state (and GRU reset_before's r * h), scan_units units per
 * work-item, within what the device and the kernel accept (work-group size,
 * local memory less the kernel's own).
 * err NULL: only the answer (AUTO asking), else the refusal recorded there. */
static rnnscan_status check_persistent(rnnscan_model *m, rnnscan_errbuf *err)
{
    cl_backend *cl = cl_backend_of(m);
    const cl_model *cm = m->impl;
    const int units = cl->tuning.scan_units;
    if (cm->proj)
        return err ? rnnscan_fail(err, RNNSCAN_NOT_SUPPORTED,
                                  "opencl: the persistent schedule does not run LSTM projections "
                                  "(proj_size); the host schedule does")
                   : RNNSCAN_NOT_SUPPORTED;
    const size_t Hp = (size_t)cm->Hp, group = Hp / units;
    size_t max_group = cl->max_work_group, local = cl->local_mem_bytes;
    if (cm->persistent->max_group > 0 && cm->persistent->max_group < max_group)
        max_group = cm->persistent->max_group;
    local -= cm->persistent->local_bytes < local ? cm->persistent->local_bytes : local;
    if (group <= max_group && cl_persistent_local_bytes(m) <= local)
        return RNNSCAN_OK;
    if (!err)
        return RNNSCAN_NOT_SUPPORTED;
    return rnnscan_fail(err, RNNSCAN_NOT_SUPPORTED,
                        "opencl: the persistent schedule needs H <= %zu (%d hidden units per "
                        "work-item, one work-group per sequence, at most %zu work-items and "
                        "%zu bytes of local memory per work-group, %zu here) on %s; H = %d: "
                        "use the host schedule",
                        max_group * units, units, max_group, local, cl_persistent_local_bytes(m),
                        m->context->device_name, m->dims.hidden);
}

rnnscan_status cl_run_scan(rnnscan_model *m, const rnnscan_run *run, const rnnscan_run_dims *d)
{
    rnnscan_status st = cl_whole_run_fits(m, d) ? cl_whole_run_scan(m, run, d)
                                                : cl_chunked_scan(m, run, d);
    if (st != RNNSCAN_OK) /* drain what was queued so no transfer touches the caller's arrays later */
        clFinish(cl_backend_of(m)->queue);
    return st;
}

static rnnscan_status opencl_scan(rnnscan_model *m, const rnnscan_run *run,
                                  const rnnscan_run_dims *d)
{
    rnnscan_run chosen = *run;
    if (run->schedule == RNNSCAN_SCHEDULE_PERSISTENT)
        RNNSCAN_TRY(check_persistent(m, &m->err));
    if (run->schedule == RNNSCAN_SCHEDULE_AUTO)
        RNNSCAN_TRY(cl_schedule_choose(m, d->T, d->B, check_persistent(m, NULL) == RNNSCAN_OK,
                                       &chosen.schedule));
    RNNSCAN_TRY(cl_run_scan(m, &chosen, d));
    m->last_schedule = chosen.schedule;
    return RNNSCAN_OK;
}

const rnnscan_backend_ops rnnscan_opencl_ops = {
    .features = RNNSCAN_FEATURE_ALL,
    .model_init = opencl_model_init,
    .model_release = opencl_model_release,
    .scan = opencl_scan,
    .context_release = rnnscan_cl_context_release,
};
