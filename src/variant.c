/* Cell variants: the activation functions' names, the resolution of a
 * description's options into the rnnscan_variant every backend reads, and
 * the reference's scalar math for them. */
#include <math.h>
#include <strings.h>

#include "internal.h"

/* ONNX's spelling, index = rnnscan_act_kind */
static const char *const act_names[RNNSCAN_ACT_COUNT_] = {
    "default",  "Sigmoid",   "Tanh",       "Relu", "HardSigmoid", "Affine",
    "LeakyRelu", "ThresholdedRelu", "ScaledTanh", "Elu", "Softsign", "Softplus"};

const char *rnnscan_act_name(rnnscan_act_kind kind)
{
    return (int)kind >= 0 && (int)kind < RNNSCAN_ACT_COUNT_ ? act_names[kind] : NULL;
}

rnnscan_status rnnscan_act_parse(const char *name, rnnscan_act_kind *kind)
{
    rnnscan_clear_error(NULL);
    for (int i = 1; name && kind && i < RNNSCAN_ACT_COUNT_; i++)
        if (strcasecmp(act_names[i], name) == 0) {
            *kind = (rnnscan_act_kind)i;
            return RNNSCAN_OK;
        }
    return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT,
                        "unknown activation '%s' (expected one of ONNX's: Sigmoid, Tanh, Relu, "
                        "HardSigmoid, Affine, LeakyRelu, ThresholdedRelu, ScaledTanh, Elu, "
                        "Softsign, Softplus)",
                        name ? name : "(null)");
}

/* The positions a cell uses (f, g, h) and its own function at each. */
static int cell_positions(rnnscan_cell cell, rnnscan_act_kind own[3])
{
    own[0] = own[1] = own[2] = RNNSCAN_ACT_TANH;
    switch (cell) {
    case RNNSCAN_CELL_RNN_TANH: return 1;
    case RNNSCAN_CELL_RNN_RELU: own[0] = RNNSCAN_ACT_RELU; return 1;
    case RNNSCAN_CELL_LSTM: own[0] = RNNSCAN_ACT_SIGMOID; return 3;
    case RNNSCAN_CELL_GRU: own[0] = RNNSCAN_ACT_SIGMOID; return 2;
    }
    return 0;
}

#define FAIL_ARG(...) rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT, __VA_ARGS__)

rnnscan_status rnnscan_variant_resolve(const rnnscan_model_desc *d, rnnscan_variant *out)
{
    static const char position[3] = {'f', 'g', 'h'};
    const char *cell = rnnscan_cell_name(d->cell);
    const int lstm = d->cell == RNNSCAN_CELL_LSTM;
    rnnscan_act_kind own[3];
    const int used = cell_positions(d->cell, own);
    int plain = 1;
    for (int i = 0; i < 3; i++) {
        const rnnscan_activation *a = &d->activations[i];
        if ((int)a->kind < 0 || (int)a->kind >= RNNSCAN_ACT_COUNT_)
            return FAIL_ARG("model_create: activations[%d] (%c): unknown kind %d (expected "
                            "RNNSCAN_ACT_*)", i, position[i], (int)a->kind);
        if (a->kind != RNNSCAN_ACT_DEFAULT && i >= used)
            return FAIL_ARG("model_create: activations[%d] (%c) is set, but %s uses %s", i,
                            position[i], cell, used == 1 ? "f only" : "f and g only");
        if (!isfinite(a->alpha) || !isfinite(a->beta))
            return FAIL_ARG("model_create: activations[%d] (%c): alpha and beta must be "
                            "finite", i, position[i]);
        out->act[i] = *a;
        if (a->kind == RNNSCAN_ACT_DEFAULT)
            out->act[i].kind = own[i];
        plain &= out->act[i].kind == own[i];
    }
    if (d->gru_reset_before && d->cell != RNNSCAN_CELL_GRU)
        return FAIL_ARG("model_create: gru_reset_before is for gru, and the cell is %s", cell);
    if ((d->peepholes || d->input_forget) && !lstm)
        return FAIL_ARG("model_create: %s is for lstm, and the cell is %s",
                        d->peepholes ? "peepholes" : "input_forget", cell);
    if (!(d->clip >= 0.0f) || isinf(d->clip))
        return FAIL_ARG("model_create: clip = %g (expected 0 for none, or a finite value > 0)",
                        (double)d->clip);
    out->clip = d->clip;
    out->reset_before = d->gru_reset_before != 0;
    out->peepholes = d->peepholes != 0;
    out->input_forget = d->input_forget != 0;
    out->plain = plain && !out->reset_before && !out->peepholes && !out->input_forget &&
                 out->clip == 0.0f;
    if (!out->plain && d->proj_size > 0)
        return rnnscan_fail(NULL, RNNSCAN_NOT_SUPPORTED,
                            "model_create: ONNX cell variants (activations, clip, peepholes, "
                            "input_forget) with proj_size (no framework defines the pair)");
    return RNNSCAN_OK;
}

double rnnscan_act_apply(const rnnscan_activation *a, double x)
{
    const double alpha = a->alpha, beta = a->beta;
    if (isnan(x)) /* NaN in, NaN out (fmin / fmax below would drop it) */
        return x;
    switch (a->kind) {
    case RNNSCAN_ACT_SIGMOID: return 1.0 / (1.0 + exp(-x));
    case RNNSCAN_ACT_TANH: return tanh(x);
    case RNNSCAN_ACT_RELU: return fmax(0.0, x);
    case RNNSCAN_ACT_HARD_SIGMOID: return fmax(0.0, fmin(1.0, alpha * x + beta));
    case RNNSCAN_ACT_AFFINE: return alpha * x + beta;
    case RNNSCAN_ACT_LEAKY_RELU: return x >= 0.0 ? x : alpha * x;
    case RNNSCAN_ACT_THRESHOLDED_RELU: return x > alpha ? x : 0.0;
    case RNNSCAN_ACT_SCALED_TANH: return alpha * tanh(beta * x);
    case RNNSCAN_ACT_ELU: return x >= 0.0 ? x : alpha * expm1(x);
    case RNNSCAN_ACT_SOFTSIGN: return x / (1.0 + fabs(x));
    case RNNSCAN_ACT_SOFTPLUS: return x > 0.0 ? x + log1p(exp(-x)) : log1p(exp(x));
    case RNNSCAN_ACT_DEFAULT:
    case RNNSCAN_ACT_COUNT_: break;
    }
    return x; /* unreachable: the variant holds resolved kinds */
}

double rnnscan_clip(double clip, double x)
{
    return clip > 0.0 && !isnan(x) ? fmin(clip, fmax(-clip, x)) : x;
}
