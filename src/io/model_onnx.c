/* Models from ONNX files: one RNN, GRU or LSTM node of a ModelProto (decoded
 * by protobuf-c from onnx_subset.proto), its attributes checked against what
 * rnnscan runs, its weight initializers converted to PyTorch's layout and
 * gate order, then rnnscan_model_create.
 *
 * ONNX stores, per direction d: W [D][G*H][X], R [D][G*H][H] and B [D][2*G*H]
 * (the W biases, then the R biases), gates in the order LSTM i, o, f, c and
 * GRU z, r, h; PyTorch's (and rnnscan's) are LSTM i, f, g, o and GRU r, z, n.
 * Every ONNX cell variant is carried into rnnscan_model_desc: GRU
 * linear_before_reset = 0 (gru_reset_before), LSTM peepholes (input P, i o f
 * -> p_i p_f p_o) and input_forget, clip, activations with their alpha and
 * beta.  Refused with RNNSCAN_NOT_SUPPORTED naming it: directions with
 * different activations, unknown activations or attributes, weights that are
 * graph inputs. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io_internal.h"
#include "onnx_subset.pb-c.h"

#define FAIL_FMT(...) rnnscan_fail(NULL, RNNSCAN_FORMAT_ERROR, __VA_ARGS__)
#define FAIL_NS(...) rnnscan_fail(NULL, RNNSCAN_NOT_SUPPORTED, __VA_ARGS__)

typedef RnnscanOnnx__ModelProto model_proto;
typedef RnnscanOnnx__GraphProto graph_proto;
typedef RnnscanOnnx__NodeProto node_proto;
typedef RnnscanOnnx__TensorProto tensor_proto;
typedef RnnscanOnnx__AttributeProto attribute_proto;

enum { OP_RNN, OP_GRU, OP_LSTM, N_OPS };
static const char *const op_names[N_OPS] = {"RNN", "GRU", "LSTM"};
static const int op_gates[N_OPS] = {1, 3, 4};
/* ONNX's gate block for each of PyTorch's gates, in PyTorch's order */
static const int onnx_gate_of[N_OPS][4] = {{0}, {1, 0, 2}, {0, 2, 3, 1}};
/* Activations per direction: RNN f; GRU f, g; LSTM f, g, h */
static const int act_count[N_OPS] = {1, 2, 3};

/* Opsets whose RNN, GRU and LSTM have the semantics below (7 added the
 * current form; 14 added layout; 22 only more element types). */
#define ONNX_OPSET_MIN 7
#define ONNX_OPSET_MAX 22

/* What the node says, once checked. */
typedef struct onnx_node {
    const node_proto *node;
    const char *name; /* for messages: the node's name, or its op type */
    int op, directions, reverse, layout, hidden, relu;
    int reset_before, input_forget; /* GRU linear_before_reset = 0; LSTM input_forget */
    float clip;                     /* 0: none */
    rnnscan_activation acts[3];     /* as given (kind 0: the attribute is absent) */
} onnx_node;

static int op_index(const node_proto *n)
{
    if (!n->op_type || (n->domain && *n->domain && strcmp(n->domain, "ai.onnx") != 0))
        return -1;
    for (int op = 0; op < N_OPS; op++)
        if (!strcmp(n->op_type, op_names[op]))
            return op;
    return -1;
}

/* The node called `want`, or the graph's only RNN / GRU / LSTM node. */
static rnnscan_status find_node(const graph_proto *g, const char *want, onnx_node *out)
{
    int found = 0;
    char names[256] = "";
    for (size_t i = 0; i < g->n_node; i++) {
        const node_proto *n = g->node[i];
        const int op = op_index(n);
        if (op < 0)
            continue;
        const char *name = n->name && *n->name ? n->name : "";
        size_t used = strlen(names);
        if (used < sizeof names - 1)
            snprintf(names + used, sizeof names - used, "%s'%s' (%s)", used ? ", " : "", name,
                     op_names[op]);
        if (want && strcmp(want, name) != 0)
            continue;
        if (found++ == 0) {
            out->node = n;
            out->op = op;
            out->name = *name ? name : op_names[op];
        }
    }
    if (want && found == 0)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT,
                            "onnx: no RNN, GRU or LSTM node named '%s' (the graph has: %s)", want,
                            *names ? names : "none");
    if (found == 0)
        return FAIL_NS("onnx: the graph has no RNN, GRU or LSTM node");
    if (found > 1)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT,
                            "onnx: the graph has %d RNN, GRU or LSTM nodes%s (%s): name the node "
                            "to run",
                            found, want ? " of that name" : "", names);
    return RNNSCAN_OK;
}

static rnnscan_status check_opset(const model_proto *mp)
{
    for (size_t i = 0; i < mp->n_opset_import; i++) {
        const RnnscanOnnx__OperatorSetIdProto *o = mp->opset_import[i];
        if (o->domain && *o->domain && strcmp(o->domain, "ai.onnx") != 0)
            continue;
        if (o->version < ONNX_OPSET_MIN || o->version > ONNX_OPSET_MAX)
            return FAIL_NS("onnx: opset %lld of the default domain is not supported (%d to %d "
                           "are)",
                           (long long)o->version, ONNX_OPSET_MIN, ONNX_OPSET_MAX);
        return RNNSCAN_OK;
    }
    return FAIL_FMT("onnx: the model imports no opset of the default domain");
}

/* ONNX's defaults for the functions that take alpha / beta (the operators'
 * own defaults: HardSigmoid, LeakyRelu, ...); NaN: takes none. */
static void act_defaults(rnnscan_act_kind kind, float *alpha, float *beta)
{
    *alpha = *beta = NAN;
    switch (kind) {
    case RNNSCAN_ACT_HARD_SIGMOID: *alpha = 0.2f, *beta = 0.5f; break;
    case RNNSCAN_ACT_AFFINE: *alpha = 1.0f, *beta = 0.0f; break;
    case RNNSCAN_ACT_LEAKY_RELU: *alpha = 0.01f; break;
    case RNNSCAN_ACT_THRESHOLDED_RELU: *alpha = 1.0f; break;
    case RNNSCAN_ACT_SCALED_TANH: *alpha = 1.0f, *beta = 1.0f; break;
    case RNNSCAN_ACT_ELU: *alpha = 1.0f; break;
    default: break;
    }
}

/* The node's activations: names, then activation_alpha / activation_beta
 * consumed in order by the functions that take them (as ONNX Runtime reads
 * them), each function's default once a list runs out.  A bidirectional
 * node may list one set for both directions, or one per direction; they
 * must be the same (one set serves the model). */
static rnnscan_status read_activations(onnx_node *on, const attribute_proto *names,
                                       const attribute_proto *alphas,
                                       const attribute_proto *betas)
{
    const size_t per_dir = (size_t)act_count[on->op], n = names->n_strings;
    if (n != per_dir && n != per_dir * (size_t)on->directions)
        return FAIL_FMT("onnx: node '%s': %zu activations, expected %zu (%zu per direction)",
                        on->name, n, per_dir * (size_t)on->directions, per_dir);
    size_t next_alpha = 0, next_beta = 0;
    rnnscan_activation got[6];
    for (size_t k = 0; k < n; k++) {
        char act[32];
        const ProtobufCBinaryData *given = &names->strings[k];
        snprintf(act, sizeof act, "%.*s", (int)(given->len < 31 ? given->len : 31),
                 (const char *)given->data);
        rnnscan_act_kind kind;
        if (rnnscan_act_parse(act, &kind) != RNNSCAN_OK)
            return FAIL_NS("onnx: node '%s': activation '%s' at position %zu is not supported "
                           "(rnnscan runs ONNX's Sigmoid, Tanh, Relu, HardSigmoid, Affine, "
                           "LeakyRelu, ThresholdedRelu, ScaledTanh, Elu, Softsign, Softplus)",
                           on->name, act, k);
        float alpha, beta;
        act_defaults(kind, &alpha, &beta);
        if (!isnan(alpha) && alphas && next_alpha < alphas->n_floats)
            alpha = alphas->floats[next_alpha++];
        if (!isnan(beta) && betas && next_beta < betas->n_floats)
            beta = betas->floats[next_beta++];
        got[k] = (rnnscan_activation){kind, isnan(alpha) ? 0.0f : alpha, isnan(beta) ? 0.0f : beta};
    }
    for (size_t k = per_dir; k < n; k++)
        if (got[k].kind != got[k - per_dir].kind || got[k].alpha != got[k - per_dir].alpha ||
            got[k].beta != got[k - per_dir].beta)
            return FAIL_NS("onnx: node '%s': different activations per direction (%s and %s at "
                           "position %zu) are not supported",
                           on->name, rnnscan_act_name(got[k - per_dir].kind),
                           rnnscan_act_name(got[k].kind), k % per_dir);
    for (size_t k = 0; k < per_dir; k++)
        on->acts[k] = got[k];
    /* an RNN's Tanh or Relu is PyTorch's rnn_tanh / rnn_relu cell */
    if (on->op == OP_RNN && (got[0].kind == RNNSCAN_ACT_RELU || got[0].kind == RNNSCAN_ACT_TANH)) {
        on->relu = got[0].kind == RNNSCAN_ACT_RELU;
        on->acts[0].kind = RNNSCAN_ACT_DEFAULT;
    }
    return RNNSCAN_OK;
}

/* Attributes: direction and hidden_size first (activations depend on D). */
static rnnscan_status read_attributes(onnx_node *on)
{
    const node_proto *n = on->node;
    on->directions = 1;
    on->layout = 0;
    int lbr = 0;
    const attribute_proto *acts = NULL, *alphas = NULL, *betas = NULL;
    for (size_t i = 0; i < n->n_attribute; i++) {
        const attribute_proto *a = n->attribute[i];
        const char *name = a->name ? a->name : "";
        if (!strcmp(name, "direction")) {
            const size_t len = a->s.len;
            const char *s = (const char *)a->s.data;
            if (len == 7 && !memcmp(s, "forward", 7))
                on->directions = 1;
            else if (len == 13 && !memcmp(s, "bidirectional", 13))
                on->directions = 2;
            else if (len == 7 && !memcmp(s, "reverse", 7))
                on->directions = 1, on->reverse = 1;
            else
                return FAIL_FMT("onnx: node '%s': direction \"%.*s\" (expected forward, reverse "
                                "or bidirectional)",
                                on->name, (int)(len < 40 ? len : 40), s);
        } else if (!strcmp(name, "hidden_size")) {
            if (a->i <= 0 || a->i > INT_MAX)
                return FAIL_FMT("onnx: node '%s': hidden_size = %lld", on->name,
                                (long long)a->i);
            on->hidden = (int)a->i;
        } else if (!strcmp(name, "layout")) {
            if (a->i != 0 && a->i != 1)
                return FAIL_FMT("onnx: node '%s': layout = %lld (expected 0 or 1)", on->name,
                                (long long)a->i);
            on->layout = (int)a->i;
        } else if (!strcmp(name, "activations")) {
            acts = a;
        } else if (!strcmp(name, "activation_alpha")) {
            alphas = a;
        } else if (!strcmp(name, "activation_beta")) {
            betas = a;
        } else if (!strcmp(name, "linear_before_reset") && on->op == OP_GRU) {
            lbr = a->i != 0;
        } else if (!strcmp(name, "input_forget") && on->op == OP_LSTM) {
            on->input_forget = a->i != 0;
        } else if (!strcmp(name, "clip")) {
            if (!(a->f > 0.0f) || isinf(a->f))
                return FAIL_FMT("onnx: node '%s': clip = %g (expected a finite value > 0)",
                                on->name, (double)a->f);
            on->clip = a->f;
        } else {
            return FAIL_NS("onnx: node '%s': attribute %s is not supported (not an attribute "
                           "of %s that rnnscan knows)",
                           on->name, name, op_names[on->op]);
        }
    }
    on->reset_before = on->op == OP_GRU && !lbr;
    return acts ? read_activations(on, acts, alphas, betas) : RNNSCAN_OK;
}

static const tensor_proto *find_initializer(const graph_proto *g, const char *name)
{
    for (size_t i = 0; i < g->n_initializer; i++)
        if (g->initializer[i]->name && !strcmp(g->initializer[i]->name, name))
            return g->initializer[i];
    return NULL;
}

/* The node's input `slot` ("" or absent: NULL), which must be an
 * initializer when present. */
static rnnscan_status input_tensor(const graph_proto *g, const onnx_node *on, size_t slot,
                                   const char *what, const tensor_proto **out)
{
    *out = NULL;
    if (slot >= on->node->n_input || !*on->node->input[slot])
        return RNNSCAN_OK;
    const char *name = on->node->input[slot];
    *out = find_initializer(g, name);
    if (!*out)
        return FAIL_NS("onnx: node '%s': its %s ('%s') is not an initializer of the graph (a "
                       "graph input or another node's output); rnnscan needs the weights in "
                       "the file",
                       on->name, what, name);
    return RNNSCAN_OK;
}

/* Reads an external tensor's bytes: location relative to base_dir (no
 * absolute path, no ".."), optional offset and length. */
static rnnscan_status read_external(const tensor_proto *t, const char *base_dir, const char *what,
                                    size_t want_bytes, unsigned char **out)
{
    const char *location = NULL;
    unsigned long long offset = 0, length = want_bytes;
    for (size_t i = 0; i < t->n_external_data; i++) {
        const RnnscanOnnx__StringStringEntryProto *e = t->external_data[i];
        if (!e->key || !e->value)
            continue;
        if (!strcmp(e->key, "location"))
            location = e->value;
        else if (!strcmp(e->key, "offset"))
            offset = strtoull(e->value, NULL, 10);
        else if (!strcmp(e->key, "length"))
            length = strtoull(e->value, NULL, 10);
    }
    if (!base_dir)
        return FAIL_NS("onnx: %s is stored in an external file, and a model read from memory "
                       "has no directory to find it in",
                       what);
    if (!location || !*location || location[0] == '/' || strstr(location, ".."))
        return FAIL_FMT("onnx: %s: external data location '%s' (expected a path relative to "
                        "the model's directory, without \"..\")",
                        what, location ? location : "(none)");
    if (length != want_bytes)
        return FAIL_FMT("onnx: %s: external data length %llu, expected %zu bytes", what, length,
                        want_bytes);
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", base_dir, location) >= sizeof path)
        return FAIL_FMT("onnx: %s: external data path too long", what);
    unsigned char *data = NULL;
    size_t size = 0;
    RNNSCAN_TRY(rnnscan_file_read(path, &data, &size));
    if (offset > size || size - offset < want_bytes) {
        free(data);
        return FAIL_FMT("onnx: %s: %s holds %zu bytes, fewer than offset %llu + %zu", what, path,
                        size, offset, want_bytes);
    }
    memmove(data, data + offset, want_bytes);
    *out = data;
    return RNNSCAN_OK;
}

static float le_float(const unsigned char *p)
{
    uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static double le_double(const unsigned char *p)
{
    uint64_t u = 0;
    for (int i = 7; i >= 0; i--)
        u = u << 8 | p[i];
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

/* Tensor t (float32 or float64) of exactly the shape d0 x d1 x d2 as float32
 * into a new buffer. */
static rnnscan_status read_tensor(const tensor_proto *t, const char *base_dir, const char *what,
                                  int ndim, const size_t *shape, float **out)
{
    *out = NULL;
    int ok = t->n_dims == (size_t)ndim;
    for (int i = 0; ok && i < ndim; i++)
        ok = t->dims[i] >= 0 && (uint64_t)t->dims[i] == shape[i];
    if (!ok) {
        char want[64], found[160];
        size_t dims[RNNSCAN_MAX_DIMS];
        const int nd = t->n_dims < RNNSCAN_MAX_DIMS ? (int)t->n_dims : RNNSCAN_MAX_DIMS;
        for (int i = 0; i < nd; i++)
            dims[i] = t->dims[i] < 0 ? 0 : (size_t)t->dims[i];
        rnnscan_format_shape(want, sizeof want, ndim, shape);
        rnnscan_format_shape(found, sizeof found, nd, dims);
        return FAIL_FMT("onnx: %s: expected shape %s, found %s", what, want, found);
    }
    size_t n = 1;
    for (int i = 0; i < ndim; i++)
        n *= shape[i]; /* checked by the caller: each shape fits an int product */
    const int is_double = t->data_type == 11;
    if (t->data_type != 1 && !is_double)
        return FAIL_NS("onnx: %s: element type %d is not supported (float32 and float64 are)",
                       what, t->data_type);
    const size_t elem = is_double ? 8 : 4;
    /* where the values are, checked against n before anything is allocated */
    unsigned char *external = NULL;
    const unsigned char *raw = NULL;
    if (t->data_location == 1) {
        RNNSCAN_TRY(read_external(t, base_dir, what, n * elem, &external));
        raw = external;
    } else if (t->has_raw_data) {
        if (t->raw_data.len != n * elem)
            return FAIL_FMT("onnx: %s: raw_data holds %zu bytes, expected %zu", what,
                            t->raw_data.len, n * elem);
        raw = t->raw_data.data;
    } else if (!is_double && t->n_float_data != n) {
        return FAIL_FMT("onnx: %s: float_data holds %zu values, expected %zu", what,
                        t->n_float_data, n);
    } else if (is_double && t->n_double_data != n) {
        return FAIL_FMT("onnx: %s: double_data holds %zu values, expected %zu", what,
                        t->n_double_data, n);
    }
    float *dst = malloc((n ? n : 1) * sizeof *dst);
    if (!dst) {
        free(external);
        return rnnscan_fail(NULL, RNNSCAN_OUT_OF_MEMORY, "onnx: no memory for %s", what);
    }
    rnnscan_status st = RNNSCAN_OK;
    for (size_t i = 0; i < n; i++)
        dst[i] = raw ? (is_double ? (float)le_double(raw + 8 * i) : le_float(raw + 4 * i))
                     : is_double ? (float)t->double_data[i]
                                 : t->float_data[i];
    free(external);
    if (st != RNNSCAN_OK) {
        free(dst);
        return st;
    }
    *out = dst;
    return RNNSCAN_OK;
}

/* The node's W, R and B as rnnscan weights in PyTorch's layout and gate
 * order (one block of 4 arrays per direction, in w->...). */
typedef struct onnx_weights {
    float *W, *R, *B, *P;           /* as read, ONNX layout (P: LSTM peepholes) */
    float *buf;                     /* converted: per direction w_ih, w_hh, b_ih, b_hh */
    rnnscan_weights views[2];
} onnx_weights;

static void convert(const onnx_node *on, int X, onnx_weights *w)
{
    const size_t G = (size_t)op_gates[on->op], H = (size_t)on->hidden, GH = G * H;
    const size_t n_ih = GH * (size_t)X, n_hh = GH * H;
    float *p = w->buf;
    for (int d = 0; d < on->directions; d++) {
        float *w_ih = p, *w_hh = w_ih + n_ih, *b_ih = w_hh + n_hh, *b_hh = b_ih + GH;
        float *peep = b_hh + GH; /* [3H] p_i, p_f, p_o; ONNX's P is i, o, f */
        p = peep + (w->P ? 3 * H : 0);
        for (size_t j = 0; w->P && j < H; j++) {
            peep[j] = w->P[d * 3 * H + j];
            peep[H + j] = w->P[d * 3 * H + 2 * H + j];
            peep[2 * H + j] = w->P[d * 3 * H + H + j];
        }
        for (size_t g = 0; g < G; g++) {
            const size_t src = (size_t)onnx_gate_of[on->op][g] * H; /* ONNX block of gate g */
            memcpy(w_ih + g * H * X, w->W + d * n_ih + src * X, H * X * sizeof(float));
            memcpy(w_hh + g * H * H, w->R + d * n_hh + src * H, H * H * sizeof(float));
            for (size_t j = 0; w->B && j < H; j++) {
                b_ih[g * H + j] = w->B[d * 2 * GH + src + j];
                b_hh[g * H + j] = w->B[d * 2 * GH + GH + src + j];
            }
        }
        w->views[d] = (rnnscan_weights){w_ih, w_hh, w->B ? b_ih : NULL, w->B ? b_hh : NULL,
                                        NULL, w->P ? peep : NULL};
    }
}

static rnnscan_status load_weights(const graph_proto *g, const onnx_node *on,
                                   const char *base_dir, int *X, onnx_weights *w)
{
    const tensor_proto *tw, *tr, *tb, *tp = NULL;
    RNNSCAN_TRY(input_tensor(g, on, 1, "W", &tw));
    RNNSCAN_TRY(input_tensor(g, on, 2, "R", &tr));
    RNNSCAN_TRY(input_tensor(g, on, 3, "B", &tb));
    if (on->op == OP_LSTM)
        RNNSCAN_TRY(input_tensor(g, on, 7, "P", &tp));
    if (!tw || !tr)
        return FAIL_FMT("onnx: node '%s': input %s is missing (required)", on->name,
                        !tw ? "W" : "R");
    /* the run's inputs come from the caller: a constant in the file would be
     * silently replaced, so it is refused */
    static const char *const run_inputs[3] = {"sequence_lens", "initial_h", "initial_c"};
    for (size_t slot = 4; slot < 7 && slot < on->node->n_input; slot++)
        if (*on->node->input[slot] && find_initializer(g, on->node->input[slot]))
            return FAIL_NS("onnx: node '%s': its %s ('%s') is a constant of the file; rnnscan "
                           "takes it with the run (--lengths, --h0, --c0), so it must be a "
                           "graph input",
                           on->name, run_inputs[slot - 4], on->node->input[slot]);
    /* H from hidden_size or R [D][G*H][H]; X from W [D][G*H][X] */
    const size_t G = (size_t)op_gates[on->op], D = (size_t)on->directions;
    if (tr->n_dims != 3 || tw->n_dims != 3 || tr->dims[2] <= 0 || tr->dims[2] > 65536 ||
        tw->dims[2] <= 0 || tw->dims[2] > 1 << 24)
        return FAIL_FMT("onnx: node '%s': W and R must be 3-d, [D][G*H][X] and [D][G*H][H] "
                        "with H <= 65536 and X <= 2^24",
                        on->name);
    if (on->hidden && tr->dims[2] != on->hidden)
        return FAIL_FMT("onnx: node '%s': R is %lld wide, hidden_size says %d", on->name,
                        (long long)tr->dims[2], on->hidden);
    const size_t H = (size_t)tr->dims[2], GH = G * H, Xs = (size_t)tw->dims[2];
    ((onnx_node *)on)->hidden = (int)H;
    *X = (int)Xs;
    const size_t shape_w[3] = {D, GH, Xs}, shape_r[3] = {D, GH, H}, shape_b[2] = {D, 2 * GH};
    RNNSCAN_TRY(read_tensor(tw, base_dir, "W", 3, shape_w, &w->W));
    RNNSCAN_TRY(read_tensor(tr, base_dir, "R", 3, shape_r, &w->R));
    if (tb)
        RNNSCAN_TRY(read_tensor(tb, base_dir, "B", 2, shape_b, &w->B));
    const size_t shape_p[2] = {D, 3 * H};
    if (tp)
        RNNSCAN_TRY(read_tensor(tp, base_dir, "P", 2, shape_p, &w->P));
    w->buf = malloc(D * (GH * Xs + GH * H + 2 * GH + 3 * H) * sizeof(float));
    if (!w->buf)
        return rnnscan_fail(NULL, RNNSCAN_OUT_OF_MEMORY, "onnx: no memory for the weights");
    convert(on, (int)Xs, w);
    return RNNSCAN_OK;
}

static void free_weights(onnx_weights *w)
{
    free(w->W);
    free(w->R);
    free(w->B);
    free(w->P);
    free(w->buf);
}

rnnscan_status rnnscan_model_from_onnx(rnnscan_context *context, const void *data, size_t size,
                                       const char *base_dir, const char *node_name,
                                       rnnscan_model **out)
{
    rnnscan_clear_error(NULL);
    if (!out)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT, "model_from_onnx: out is NULL");
    *out = NULL;
    if (!context || (!data && size))
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT, "model_from_onnx: %s is NULL",
                            !context ? "context" : "data");
    rnnscan_clear_error(&context->err);
    model_proto *mp = rnnscan_onnx__model_proto__unpack(NULL, size, data);
    rnnscan_status st = RNNSCAN_OK;
    onnx_node on;
    onnx_weights w;
    memset(&on, 0, sizeof on);
    memset(&w, 0, sizeof w);
    int X = 0;
    if (!mp)
        st = FAIL_FMT("onnx: not an ONNX model (the protobuf ModelProto does not decode)");
    else if (!mp->graph)
        st = FAIL_FMT("onnx: the model has no graph");
    if (st == RNNSCAN_OK)
        st = check_opset(mp);
    if (st == RNNSCAN_OK)
        st = find_node(mp->graph, node_name, &on);
    if (st == RNNSCAN_OK)
        st = read_attributes(&on);
    if (st == RNNSCAN_OK && on.node->n_input < 3)
        st = FAIL_FMT("onnx: node '%s' has %zu inputs (X, W and R are required)", on.name,
                      on.node->n_input);
    if (st == RNNSCAN_OK)
        st = load_weights(mp->graph, &on, base_dir, &X, &w);
    if (st == RNNSCAN_OK) {
        static const rnnscan_cell cells[N_OPS] = {RNNSCAN_CELL_RNN_TANH, RNNSCAN_CELL_GRU,
                                                  RNNSCAN_CELL_LSTM};
        rnnscan_model_desc desc = {
            .cell = on.relu ? RNNSCAN_CELL_RNN_RELU : cells[on.op],
            .input_size = X,
            .hidden_size = on.hidden,
            .num_layers = 1,
            .bidirectional = on.directions == 2,
            .batch_first = on.layout == 1,
            .reverse = on.reverse,
            .gru_reset_before = on.reset_before,
            .peepholes = w.P != NULL,
            .input_forget = on.input_forget,
            .clip = on.clip,
            .activations = {on.acts[0], on.acts[1], on.acts[2]},
        };
        st = rnnscan_model_create(context, &desc, w.views, out);
    }
    free_weights(&w);
    if (mp)
        rnnscan_onnx__model_proto__free_unpacked(mp, NULL);
    if (st != RNNSCAN_OK)
        rnnscan_keep_error(&context->err);
    return st;
}

rnnscan_status rnnscan_model_load_onnx(rnnscan_context *context, const char *path,
                                       const char *node_name, rnnscan_model **out)
{
    rnnscan_clear_error(NULL);
    if (!out)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT, "model_load_onnx: out is NULL");
    *out = NULL;
    if (!path)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT, "model_load_onnx: path is NULL");
    unsigned char *data = NULL;
    size_t size = 0;
    rnnscan_status st = rnnscan_file_read(path, &data, &size);
    if (st == RNNSCAN_OK) {
        /* external tensors are found beside the model */
        char dir[4096];
        const char *slash = strrchr(path, '/');
        if (!slash)
            snprintf(dir, sizeof dir, ".");
        else
            snprintf(dir, sizeof dir, "%.*s", (int)(slash - path > 0 ? slash - path : 1), path);
        st = rnnscan_model_from_onnx(context, data, size, dir, node_name, out);
        if (st != RNNSCAN_OK)
            st = rnnscan_fail_prefixed(NULL, st, path);
    }
    free(data);
    if (st != RNNSCAN_OK && context)
        rnnscan_keep_error(&context->err);
    return st;
}
