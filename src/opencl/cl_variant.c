/* Variant keys and option strings, and the kernel shapes per device kind. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cl_variant.h"

/* Shapes per device kind: a CPU (PoCL) wants few work-items with many
 * registers each, a GPU many work-items with few. */
static const cl_tuning tuning_table[2] = {
    /* CPU devices: step_rows 3 measured 30% faster than 2 or 4 on PoCL
     * (LSTM, B = 64, H = 256); panels let each work-item stream its weights */
    {.tile_rows = 6, .step_rows = 3, .scan_units = 8, .w_panels = 1, .proj_local = 0,
     .step_local = 0},
    /* GPUs: one unit per persistent work-item, rows so loads coalesce, the
     * projection tiled and the step's h_{t-1} shared through local memory */
    {.tile_rows = 4, .step_rows = 1, .scan_units = 1, .w_panels = 0, .proj_local = 1,
     .step_local = 1},
};

static const char *const entry_names[] = {"projection", "step", "persistent",
                                          "state_projection", "reset_gate"};

static const char *weight_name(rnnscan_weight_type t)
{
    const char *name = rnnscan_weight_type_name(t);
    return name ? name : "?";
}

/* snprintf at the end of what buf holds already. */
static void append(char *buf, size_t size, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void append(char *buf, size_t size, const char *fmt, ...)
{
    const size_t used = strlen(buf);
    if (used + 1 >= size)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, size - used, fmt, ap);
    va_end(ap);
}

/* The activation positions (f, g, h) a cell has, and its own function at
 * each (src/variant.c resolves kind 0 to the same). */
static int cell_positions(rnnscan_cell cell, rnnscan_act_kind own[3])
{
    own[0] = cell == RNNSCAN_CELL_RNN_TANH  ? RNNSCAN_ACT_TANH
             : cell == RNNSCAN_CELL_RNN_RELU ? RNNSCAN_ACT_RELU
                                             : RNNSCAN_ACT_SIGMOID;
    own[1] = own[2] = RNNSCAN_ACT_TANH;
    return cell == RNNSCAN_CELL_LSTM ? 3 : cell == RNNSCAN_CELL_GRU ? 2 : 1;
}

/* Which of alpha (bit 0) and beta (bit 1) a function reads; the others are
 * rendered as 0 so they never split one build into two keys. */
static int act_params(rnnscan_act_kind kind)
{
    switch (kind) {
    case RNNSCAN_ACT_HARD_SIGMOID:
    case RNNSCAN_ACT_AFFINE:
    case RNNSCAN_ACT_SCALED_TANH: return 3;
    case RNNSCAN_ACT_LEAKY_RELU:
    case RNNSCAN_ACT_THRESHOLDED_RELU:
    case RNNSCAN_ACT_ELU: return 1;
    default: return 0;
    }
}

/* The cell variant's -D terms and key words (kernels/cell.cl), appended;
 * nothing for PyTorch's cell.  Floats go as C99 hex literals with an f
 * suffix ("%a"), which OpenCL C reads back exactly. */
static void render_cell_variant(rnnscan_cell cell, const rnnscan_variant *cv, char *options,
                                size_t options_size, char *key, size_t key_size)
{
    static const char position[3] = {'F', 'G', 'H'};
    rnnscan_act_kind own[3], kind[3];
    const int used = cell_positions(cell, own);
    const int reset_before = cell == RNNSCAN_CELL_GRU && cv->reset_before;
    const int lstm = cell == RNNSCAN_CELL_LSTM;
    const int peepholes = lstm && cv->peepholes, input_forget = lstm && cv->input_forget;
    int plain = !reset_before && !peepholes && !input_forget && !(cv->clip > 0.0f);
    for (int i = 0; i < used; i++) {
        kind[i] = cv->act[i].kind == RNNSCAN_ACT_DEFAULT ? own[i] : cv->act[i].kind;
        plain &= kind[i] == own[i];
    }
    if (plain)
        return;
    for (int i = 0; i < used; i++) {
        const int params = act_params(kind[i]);
        const double alpha = params & 1 ? cv->act[i].alpha : 0.0f;
        const double beta = params & 2 ? cv->act[i].beta : 0.0f;
        const char *name = rnnscan_act_name(kind[i]);
        append(options, options_size,
               " -DRNNSCAN_ACT_%c=%d -DRNNSCAN_ACT_%c_ALPHA=%af -DRNNSCAN_ACT_%c_BETA=%af",
               position[i], (int)kind[i], position[i], alpha, position[i], beta);
        append(key, key_size, " %c=%s", position[i] + ('a' - 'A'), name ? name : "?");
        if (params == 3)
            append(key, key_size, "(%a,%a)", alpha, beta);
        else if (params)
            append(key, key_size, "(%a)", alpha);
    }
    if (cv->clip > 0.0f) {
        append(options, options_size, " -DRNNSCAN_CLIP=%af", (double)cv->clip);
        append(key, key_size, " clip=%a", (double)cv->clip);
    }
    if (reset_before) {
        append(options, options_size, " -DRNNSCAN_RESET_BEFORE=1");
        append(key, key_size, " reset_before");
    }
    if (peepholes) {
        append(options, options_size, " -DRNNSCAN_PEEPHOLES=1");
        append(key, key_size, " peepholes");
    }
    if (input_forget) {
        append(options, options_size, " -DRNNSCAN_INPUT_FORGET=1");
        append(key, key_size, " input_forget");
    }
}

void cl_variant_render(const cl_variant *v, char *options, size_t options_size, char *key,
                       size_t key_size)
{
    const cl_tuning *t = &v->tuning;
    const char *cell = rnnscan_cell_name(v->cell);
    switch (v->entry) {
    case CL_ENTRY_PROJECTION:
        snprintf(options, options_size,
                 "-DRNNSCAN_ENTRY=0 -DRNNSCAN_WEIGHT_TYPE=%d -DRNNSCAN_TILE_ROWS=%d "
                 "-DRNNSCAN_W_PANELS=%d -DRNNSCAN_PROJ_LOCAL=%d",
                 (int)v->weight_type, t->tile_rows, t->w_panels, t->proj_local);
        snprintf(key, key_size, "%s w=%s tile_rows=%d panels=%d local=%d", entry_names[v->entry],
                 weight_name(v->weight_type), t->tile_rows, t->w_panels, t->proj_local);
        break;
    case CL_ENTRY_STEP:
    case CL_ENTRY_RESET_GATE: /* the step's first phase, the same body */
    case CL_ENTRY_PERSISTENT: {
        const int step = v->entry != CL_ENTRY_PERSISTENT;
        /* the step kernel computes 8 units per work-item; the persistent one
         * scan_units, and only its rows count and local staging are unused */
        const int width = step ? 8 : t->scan_units, rows = step ? t->step_rows : 1;
        const int local = step ? t->step_local : 0, proj = step ? v->proj != 0 : 0;
        snprintf(options, options_size,
                 "-DRNNSCAN_ENTRY=%d -DRNNSCAN_CELL=%d -DRNNSCAN_WEIGHT_TYPE=%d "
                 "-DRNNSCAN_VEC_WIDTH=%d -DRNNSCAN_STEP_ROWS=%d -DRNNSCAN_W_PANELS=%d "
                 "-DRNNSCAN_STEP_LOCAL=%d -DRNNSCAN_PROJ=%d",
                 (int)v->entry, (int)v->cell, (int)v->weight_type, width, rows, t->w_panels,
                 local, proj);
        snprintf(key, key_size,
                 "%s cell=%s gates=%d w=%s units=%d rows=%d panels=%d local=%d proj=%d",
                 entry_names[v->entry], cell ? cell : "?", rnnscan_cell_gates(v->cell),
                 weight_name(v->weight_type), width, rows, t->w_panels, local, proj);
        render_cell_variant(v->cell, &v->cell_variant, options, options_size, key, key_size);
        break;
    }
    case CL_ENTRY_STATE_PROJECTION: /* depends on the weight type alone */
        snprintf(options, options_size, "-DRNNSCAN_ENTRY=%d -DRNNSCAN_WEIGHT_TYPE=%d",
                 (int)v->entry, (int)v->weight_type);
        snprintf(key, key_size, "%s w=%s", entry_names[v->entry], weight_name(v->weight_type));
        break;
    }
}

static int one_of(int v, const int *allowed, int n)
{
    for (int i = 0; i < n; i++)
        if (v == allowed[i])
            return 1;
    return 0;
}

rnnscan_status cl_tuning_resolve(int is_gpu, const rnnscan_opencl_tuning *override,
                                 cl_tuning *out)
{
    /* RNNSCAN_TUNING (cpu | gpu) picks the kind, so the GPU shapes are
     * tested on PoCL */
    const char *kind = getenv("RNNSCAN_TUNING");
    if (kind && *kind) {
        if (strcmp(kind, "cpu") != 0 && strcmp(kind, "gpu") != 0)
            return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT,
                                "RNNSCAN_TUNING must be \"cpu\" or \"gpu\", not \"%.64s\"", kind);
        is_gpu = kind[0] == 'g';
    }
    *out = tuning_table[is_gpu ? 1 : 0];
    if (!override)
        return RNNSCAN_OK;
    static const int tiles[] = {1, 2, 4, 6, 8}, rows[] = {1, 2, 3, 4}, units[] = {1, 8};
    const rnnscan_opencl_tuning *o = override;
    if ((o->tile_rows && !one_of(o->tile_rows, tiles, 5)) ||
        (o->step_rows && !one_of(o->step_rows, rows, 4)) ||
        (o->scan_units && !one_of(o->scan_units, units, 2)) || o->w_layout < 0 ||
        o->w_layout > 2 || o->proj_layout < 0 || o->proj_layout > 2 || o->step_layout < 0 ||
        o->step_layout > 2)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT,
                            "opencl tuning: tile_rows %d (0, 1, 2, 4, 6 or 8), step_rows %d (0..4), "
                            "scan_units %d (0, 1 or 8), w_layout %d (0 default, 1 rows, 2 panels), "
                            "proj_layout %d (0 default, 1 register tiles, 2 local memory), "
                            "step_layout %d (0 default, 1 h from global memory, 2 local memory)",
                            o->tile_rows, o->step_rows, o->scan_units, o->w_layout,
                            o->proj_layout, o->step_layout);
    if (o->tile_rows)
        out->tile_rows = o->tile_rows;
    if (o->step_rows)
        out->step_rows = o->step_rows;
    if (o->scan_units)
        out->scan_units = o->scan_units;
    if (o->w_layout)
        out->w_panels = o->w_layout == 2;
    if (o->proj_layout)
        out->proj_local = o->proj_layout == 2;
    if (o->step_layout)
        out->step_local = o->step_layout == 2;
    return RNNSCAN_OK;
}
