/* Models from PyTorch state_dicts saved as .npz: names and shapes are checked
 * against the description, then rnnscan_model_create gets the weights. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io_internal.h"

#define FAIL_FMT(...) rnnscan_fail(NULL, RNNSCAN_FORMAT_ERROR, __VA_ARGS__)

enum { W_IH, W_HH, B_IH, B_HH, W_HR, N_PARAMS };
static const char *const param_base[N_PARAMS] = {"weight_ih", "weight_hh", "bias_ih", "bias_hh",
                                                 "weight_hr"};

/* What the description implies. */
typedef struct layout {
    int layers;     /* L: num_layers, 0 meaning 1 */
    int directions; /* D: 2 if bidirectional */
    int gates;      /* G */
    int lstm;       /* the cell may have projections (weight_hr) */
    int proj;       /* weight_hr_l0 is present: every layer-direction has one */
} layout;

static void param_name(char *buf, size_t cap, int param, int layer, int direction)
{
    snprintf(buf, cap, "%s_l%d%s", param_base[param], layer, direction ? "_reverse" : "");
}

/* Refuses members that are not parameters of this model, naming them. */
static rnnscan_status check_member_name(const char *name, const layout *lay)
{
    const char *rest = NULL;
    for (int p = 0; p < N_PARAMS && !rest; p++) {
        size_t n = strlen(param_base[p]);
        if (strncmp(name, param_base[p], n) == 0 && strncmp(name + n, "_l", 2) == 0)
            rest = name + n + 2;
    }
    long long layer = -1; /* saturates above INT_MAX */
    if (rest && rest[0] >= '0' && rest[0] <= '9' && !(rest[0] == '0' && rest[1] >= '0' &&
                                                      rest[1] <= '9')) { /* no leading 0 */
        layer = 0;
        for (; *rest >= '0' && *rest <= '9'; rest++)
            if (layer <= INT_MAX)
                layer = layer * 10 + (*rest - '0');
    }
    int reverse = rest && strcmp(rest, "_reverse") == 0;
    if (layer < 0 || (*rest != '\0' && !reverse))
        return FAIL_FMT("unexpected array '%s': not a parameter name (expected weight_ih_l<k>, "
                        "weight_hh_l<k>, bias_ih_l<k>, bias_hh_l<k> or, for an lstm with "
                        "proj_size, weight_hr_l<k>, optionally with _reverse)",
                        name);
    if (strncmp(name, "weight_hr", 9) == 0 && !lay->lstm)
        return FAIL_FMT("unexpected array '%s': projections (weight_hr, PyTorch's proj_size) "
                        "are lstm only",
                        name);
    if (layer >= lay->layers)
        return FAIL_FMT("unexpected array '%s': the model has %d layer%s (layers 0 to %d)",
                        name, lay->layers, lay->layers == 1 ? "" : "s", lay->layers - 1);
    if (reverse && lay->directions == 1)
        return FAIL_FMT("unexpected array '%s': the model is not bidirectional", name);
    return RNNSCAN_OK;
}

/* Every weight must be there (weight_hr everywhere or nowhere, as
 * weight_hr_l0 says); biases come in pairs.  Stops at the first missing
 * name, so a huge num_layers costs nothing. */
static rnnscan_status check_presence(const rnnscan_npz *npz, layout *lay,
                                     int *has_bias /* [L*D] */)
{
    char name[64], other[64];
    param_name(name, sizeof name, W_HR, 0, 0);
    lay->proj = rnnscan_npz_find(npz, name) >= 0;
    for (int l = 0; l < lay->layers; l++) {
        for (int d = 0; d < lay->directions; d++) {
            for (int p = W_IH; p <= W_HR; p++) {
                if ((p == B_IH || p == B_HH) || (p == W_HR && !lay->proj))
                    continue;
                param_name(name, sizeof name, p, l, d);
                if (rnnscan_npz_find(npz, name) < 0)
                    return FAIL_FMT("missing array '%s'%s", name,
                                    p == W_HR ? " (weight_hr_l0 is present: PyTorch saves one "
                                                "per layer and direction)"
                                              : "");
            }
            param_name(name, sizeof name, B_IH, l, d);
            param_name(other, sizeof other, B_HH, l, d);
            int ih = rnnscan_npz_find(npz, name) >= 0, hh = rnnscan_npz_find(npz, other) >= 0;
            if (ih != hh)
                return FAIL_FMT("missing array '%s': '%s' is present, and PyTorch saves both "
                                "biases or neither",
                                ih ? other : name, ih ? name : other);
            if (has_bias)
                has_bias[l * lay->directions + d] = ih;
        }
    }
    return RNNSCAN_OK;
}

static rnnscan_status expect_shape(const char *name, const rnnscan_array *a, int ndim,
                                   size_t d0, size_t d1)
{
    size_t want[2] = {d0, d1};
    int ok = a->ndim == ndim && a->shape[0] == d0 && (ndim == 1 || a->shape[1] == d1);
    if (ok)
        return RNNSCAN_OK;
    char expected[64], found[256];
    rnnscan_format_shape(expected, sizeof expected, ndim, want);
    rnnscan_format_shape(found, sizeof found, a->ndim, a->shape);
    return FAIL_FMT("%s: expected shape %s, found %s", name, expected, found);
}

/* X or H from the second dimension of a layer-0 weight, when desc leaves it
 * 0; `rows` is the first dimension as text, for the message. */
static rnnscan_status infer_size(const char *name, const rnnscan_array *a, const char *rows,
                                 const char *symbol, int given, int *out)
{
    if (given > 0) {
        *out = given;
        return RNNSCAN_OK;
    }
    if (a->ndim != 2 || a->shape[1] == 0 || a->shape[1] > INT_MAX) {
        char found[256];
        rnnscan_format_shape(found, sizeof found, a->ndim, a->shape);
        return FAIL_FMT("%s: expected shape (%s, %s) with 0 < %s <= INT_MAX, found %s", name,
                        rows, symbol, symbol, found);
    }
    *out = (int)a->shape[1];
    return RNNSCAN_OK;
}

/* P and H of a projected LSTM from weight_hr_l0 [P][H], unless desc gives
 * them (then they must agree, checked with every shape below). */
static rnnscan_status infer_projection(const rnnscan_array *hr, rnnscan_model_desc *desc)
{
    if (hr->ndim != 2 || hr->shape[0] == 0 || hr->shape[1] == 0 || hr->shape[0] > INT_MAX ||
        hr->shape[1] > INT_MAX) {
        char found[256];
        rnnscan_format_shape(found, sizeof found, hr->ndim, hr->shape);
        return FAIL_FMT("weight_hr_l0: expected shape (proj_size, H), both in 1..INT_MAX, "
                        "found %s",
                        found);
    }
    if (desc->proj_size == 0)
        desc->proj_size = (int)hr->shape[0];
    if (desc->hidden_size == 0)
        desc->hidden_size = (int)hr->shape[1];
    return RNNSCAN_OK;
}

/* Loads the L*D*5 arrays (absent biases and projections stay empty), then
 * checks every shape. */
static rnnscan_status load_arrays(rnnscan_npz *npz, const layout *lay, const int *has_bias,
                                  rnnscan_model_desc *desc, rnnscan_array *arrays)
{
    char name[64];
    int n = lay->layers * lay->directions;
    for (int i = 0; i < n; i++) {
        for (int p = 0; p < N_PARAMS; p++) {
            if (((p == B_IH || p == B_HH) && !has_bias[i]) || (p == W_HR && !lay->proj))
                continue;
            param_name(name, sizeof name, p, i / lay->directions, i % lay->directions);
            RNNSCAN_TRY(rnnscan_npz_get(npz, name, &arrays[i * N_PARAMS + p]));
        }
    }
    if (desc->proj_size > 0 && !lay->proj)
        return FAIL_FMT("proj_size = %d but there is no weight_hr_l0 (the projection's "
                        "weights)",
                        desc->proj_size);
    /* Sizes: from desc, else from layer 0: H and P from weight_hr with a
     * projection, else H from weight_hh (G*H is weight_ih's row count). */
    if (lay->proj)
        RNNSCAN_TRY(infer_projection(&arrays[W_HR], desc));
    size_t G = (size_t)lay->gates;
    char rows_text[32];
    snprintf(rows_text, sizeof rows_text, "%zu*H", G);
    RNNSCAN_TRY(infer_size("weight_hh_l0", &arrays[W_HH], rows_text, "H", desc->hidden_size,
                           &desc->hidden_size));
    size_t H = (size_t)desc->hidden_size, rows = G * H;
    size_t S = lay->proj ? (size_t)desc->proj_size : H; /* the state width */
    snprintf(rows_text, sizeof rows_text, "%zu", rows);
    RNNSCAN_TRY(infer_size("weight_ih_l0", &arrays[W_IH], rows_text, "X", desc->input_size,
                           &desc->input_size));
    size_t X = (size_t)desc->input_size, DS = (size_t)lay->directions * S;
    for (int i = 0; i < n; i++) {
        int l = i / lay->directions, d = i % lay->directions;
        const rnnscan_array *a = &arrays[i * N_PARAMS];
        if (lay->proj) {
            param_name(name, sizeof name, W_HR, l, d);
            RNNSCAN_TRY(expect_shape(name, &a[W_HR], 2, S, H));
        }
        param_name(name, sizeof name, W_HH, l, d);
        RNNSCAN_TRY(expect_shape(name, &a[W_HH], 2, rows, S));
        param_name(name, sizeof name, W_IH, l, d);
        RNNSCAN_TRY(expect_shape(name, &a[W_IH], 2, rows, l == 0 ? X : DS));
        for (int p = B_IH; p <= B_HH && has_bias[i]; p++) {
            param_name(name, sizeof name, p, l, d);
            RNNSCAN_TRY(expect_shape(name, &a[p], 1, rows, 0));
        }
    }
    return RNNSCAN_OK;
}

static rnnscan_status check_args(rnnscan_context *context, rnnscan_npz *npz,
                                 const rnnscan_model_desc *desc, layout *lay)
{
    if (!context || !npz || !desc)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT, "model_from_npz: %s is NULL",
                            !context ? "context" : !npz ? "npz" : "desc");
    lay->gates = rnnscan_cell_gates(desc->cell);
    if (lay->gates == 0)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT,
                            "model_from_npz: unknown cell %d (expected RNNSCAN_CELL_*)",
                            (int)desc->cell);
    if (desc->num_layers < 0 || desc->input_size < 0 || desc->hidden_size < 0)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT,
                            "model_from_npz: num_layers = %d, input_size = %d, hidden_size = "
                            "%d (none may be negative)",
                            desc->num_layers, desc->input_size, desc->hidden_size);
    if (desc->proj_size < 0)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT,
                            "model_from_npz: proj_size = %d (0: from the file)", desc->proj_size);
    lay->layers = desc->num_layers == 0 ? 1 : desc->num_layers;
    lay->directions = desc->bidirectional ? 2 : 1;
    lay->lstm = desc->cell == RNNSCAN_CELL_LSTM;
    lay->proj = 0;
    return RNNSCAN_OK;
}

rnnscan_status rnnscan_model_from_npz(rnnscan_context *context, rnnscan_npz *npz,
                                      const rnnscan_model_desc *desc, rnnscan_model **out)
{
    rnnscan_clear_error(NULL);
    if (!out)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT, "model_from_npz: out is NULL");
    *out = NULL;
    layout lay;
    rnnscan_status st = check_args(context, npz, desc, &lay);
    if (st != RNNSCAN_OK) {
        if (context)
            rnnscan_keep_error(&context->err);
        return st;
    }
    rnnscan_clear_error(&context->err);
    for (int i = 0; i < rnnscan_npz_count(npz) && st == RNNSCAN_OK; i++)
        st = check_member_name(rnnscan_npz_name(npz, i), &lay);
    if (st == RNNSCAN_OK)
        st = check_presence(npz, &lay, NULL);
    if (st != RNNSCAN_OK) {
        rnnscan_keep_error(&context->err);
        return st;
    }

    /* Every layer-direction's weights are members, so L*D is bounded by the
     * member count and these allocations by the archive. */
    size_t n = (size_t)lay.layers * (size_t)lay.directions;
    int *has_bias = calloc(n, sizeof *has_bias);
    rnnscan_array *arrays = calloc(n * N_PARAMS, sizeof *arrays);
    rnnscan_weights *weights = calloc(n, sizeof *weights);
    rnnscan_model_desc full = *desc;
    if (!has_bias || !arrays || !weights)
        st = rnnscan_fail(NULL, RNNSCAN_OUT_OF_MEMORY,
                          "model_from_npz: no memory for %zu layer-directions", n);
    if (st == RNNSCAN_OK)
        st = check_presence(npz, &lay, has_bias);
    if (st == RNNSCAN_OK)
        st = load_arrays(npz, &lay, has_bias, &full, arrays);
    if (st == RNNSCAN_OK) {
        for (size_t i = 0; i < n; i++) {
            rnnscan_array *a = &arrays[i * N_PARAMS];
            weights[i] = (rnnscan_weights){.w_ih = a[W_IH].data, .w_hh = a[W_HH].data,
                                           .b_ih = a[B_IH].data, .b_hh = a[B_HH].data,
                                           .w_hr = a[W_HR].data};
        }
        /* Its status and detail pass through unchanged (today NOT_SUPPORTED
         * for stacked or bidirectional models). */
        st = rnnscan_model_create(context, &full, weights, out);
    }
    for (size_t i = 0; arrays && i < n * N_PARAMS; i++)
        rnnscan_array_free(&arrays[i]);
    free(arrays);
    free(weights);
    free(has_bias);
    if (st != RNNSCAN_OK)
        rnnscan_keep_error(&context->err);
    return st;
}

rnnscan_status rnnscan_model_load_npz(rnnscan_context *context, const char *path,
                                      const rnnscan_model_desc *desc, rnnscan_model **out)
{
    rnnscan_clear_error(NULL);
    if (!out)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT, "model_load_npz: out is NULL");
    *out = NULL;
    rnnscan_npz *npz = NULL;
    rnnscan_status st = rnnscan_npz_open(path, &npz);
    if (st == RNNSCAN_OK) {
        st = rnnscan_model_from_npz(context, npz, desc, out);
        if (st != RNNSCAN_OK)
            st = rnnscan_fail_prefixed(NULL, st, path);
    }
    rnnscan_npz_close(npz);
    if (st != RNNSCAN_OK && context)
        rnnscan_keep_error(&context->err);
    return st;
}
