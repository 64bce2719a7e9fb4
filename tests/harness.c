#include "harness.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACT(kind, alpha, beta) {RNNSCAN_ACT_##kind, alpha, beta}

/* Each ONNX option alone and in pairs, and every activation but
 * ThresholdedRelu: its jump of alpha at x = alpha turns a pre-activation
 * within rounding of alpha into an O(1) difference between float and double
 * (the golden ONNX cases cover it on fixed data).  Clips of 0.3 to 1 bite on
 * a good share of PyTorch-init pre-activations. */
const test_variant test_variants[] = {
    {"plain", RNNSCAN_CELL_RNN_TANH, {0}},
    {"gru reset_before", RNNSCAN_CELL_GRU, {.gru_reset_before = 1}},
    {"gru reset_before clip", RNNSCAN_CELL_GRU, {.gru_reset_before = 1, .clip = 0.5f}},
    {"gru clip", RNNSCAN_CELL_GRU, {.clip = 0.4f}},
    {"gru HardSigmoid Elu", RNNSCAN_CELL_GRU,
     {.gru_reset_before = 1, .activations = {ACT(HARD_SIGMOID, 0.3f, 0.45f), ACT(ELU, 0.8f, 0)}}},
    {"gru Sigmoid Softsign", RNNSCAN_CELL_GRU,
     {.activations = {ACT(SIGMOID, 0, 0), ACT(SOFTSIGN, 0, 0)}}},
    {"lstm peepholes", RNNSCAN_CELL_LSTM, {.peepholes = 1}},
    {"lstm input_forget", RNNSCAN_CELL_LSTM, {.input_forget = 1}},
    {"lstm peepholes input_forget clip", RNNSCAN_CELL_LSTM,
     {.peepholes = 1, .input_forget = 1, .clip = 0.7f}},
    {"lstm HardSigmoid Softsign ScaledTanh", RNNSCAN_CELL_LSTM,
     {.activations = {ACT(HARD_SIGMOID, 0.2f, 0.5f), ACT(SOFTSIGN, 0, 0),
                      ACT(SCALED_TANH, 1.3f, 0.7f)}}},
    {"lstm peepholes Sigmoid Tanh Softsign", RNNSCAN_CELL_LSTM,
     {.peepholes = 1, .activations = {ACT(SIGMOID, 0, 0), ACT(TANH, 0, 0), ACT(SOFTSIGN, 0, 0)}}},
    {"rnn LeakyRelu clip", RNNSCAN_CELL_RNN_TANH,
     {.clip = 1.0f, .activations = {ACT(LEAKY_RELU, 0.1f, 0)}}},
    {"rnn Softplus", RNNSCAN_CELL_RNN_RELU, {.activations = {ACT(SOFTPLUS, 0, 0)}}},
    {"rnn Affine", RNNSCAN_CELL_RNN_TANH, {.activations = {ACT(AFFINE, 0.5f, 0.1f)}}},
    {"rnn Sigmoid", RNNSCAN_CELL_RNN_RELU, {.activations = {ACT(SIGMOID, 0, 0)}}},
    {"rnn Elu", RNNSCAN_CELL_RNN_TANH, {.activations = {ACT(ELU, 1.0f, 0)}}},
    {"rnn tanh clip", RNNSCAN_CELL_RNN_TANH, {.clip = 0.3f}},
    {"rnn relu HardSigmoid", RNNSCAN_CELL_RNN_RELU,
     {.activations = {ACT(HARD_SIGMOID, 0.25f, 0.4f)}}},
};
const int test_variant_count = (int)(sizeof test_variants / sizeof test_variants[0]);

/* The variant fields of test_variants[tc->variant] into d. */
static void apply_variant(const test_case *tc, rnnscan_model_desc *d)
{
    if (tc->variant <= 0 || tc->variant >= test_variant_count)
        return;
    const rnnscan_model_desc *v = &test_variants[tc->variant].desc;
    d->gru_reset_before = v->gru_reset_before;
    d->peepholes = v->peepholes;
    d->input_forget = v->input_forget;
    d->clip = v->clip;
    memcpy(d->activations, v->activations, sizeof d->activations);
}

int problem_make(problem *p, const test_case *tc, uint64_t seed)
{
    memset(p, 0, sizeof *p);
    p->tc = *tc;
    rng r = rng_seeded(seed);
    const int L = tc->layers > 1 ? tc->layers : 1, D = tc->bidir ? 2 : 1;
    const int S = tc->proj ? tc->proj : tc->H; /* the state width */
    p->desc = (rnnscan_model_desc){.cell = tc->cell, .input_size = tc->X, .hidden_size = tc->H,
                                   .num_layers = L, .bidirectional = tc->bidir,
                                   .batch_first = tc->batch_first,
                                   .weight_type = tc->weight_type, .proj_size = tc->proj,
                                   .reverse = tc->reverse};
    apply_variant(tc, &p->desc);
    p->weights = calloc((size_t)(L * D), sizeof *p->weights);
    p->views = calloc((size_t)(L * D), sizeof *p->views);
    if (!p->weights || !p->views)
        return 0;
    for (int i = 0; i < L * D; i++) {
        int in = i < D ? tc->X : D * S;
        if (!weights_alloc_pytorch_init(&p->weights[i], &r, tc->cell, in, tc->H, tc->proj,
                                        tc->bias))
            return 0;
        p->views[i] = weights_view(&p->weights[i]);
    }
    if (p->desc.peepholes) {
        const size_t n = (size_t)L * D * 3 * tc->H;
        const float bound = 1.0f / sqrtf((float)tc->H);
        if (!(p->peep = malloc(n * sizeof *p->peep)))
            return 0;
        fill_uniform(&r, p->peep, n, -bound, bound);
        for (int i = 0; i < L * D; i++)
            p->views[i].w_peep = p->peep + (size_t)i * 3 * tc->H;
    }
    p->x_elems = (size_t)tc->T * tc->B * tc->X;
    p->y_elems = (size_t)tc->T * tc->B * D * S;
    p->h_elems = (size_t)L * D * tc->B * S;
    p->state_elems = (size_t)L * D * tc->B * tc->H;
    p->x = malloc(p->x_elems * sizeof *p->x);
    if (!p->x)
        return 0;
    fill_normal(&r, p->x, p->x_elems, 1.0f);
    if (tc->state) {
        p->h0 = malloc(p->h_elems * sizeof *p->h0);
        if (!p->h0)
            return 0;
        fill_normal(&r, p->h0, p->h_elems, 1.0f);
        if (tc->cell == RNNSCAN_CELL_LSTM) {
            p->c0 = malloc(p->state_elems * sizeof *p->c0);
            if (!p->c0)
                return 0;
            fill_normal(&r, p->c0, p->state_elems, 1.0f);
        }
    }
    if (tc->lengths) {
        p->lengths = malloc((size_t)tc->B * sizeof *p->lengths);
        if (!p->lengths)
            return 0;
        for (int b = 0; b < tc->B; b++)
            p->lengths[b] = 1 + (int)(rng_uniform(&r) * tc->T);
        p->lengths[tc->B / 2] = tc->T; /* at least one full-length sequence */
    }
    return 1;
}

void problem_free(problem *p)
{
    const int count = (p->tc.layers > 1 ? p->tc.layers : 1) * (p->tc.bidir ? 2 : 1);
    for (int i = 0; p->weights && i < count; i++)
        weights_free(&p->weights[i]);
    free(p->weights);
    free(p->views);
    free(p->x);
    free(p->h0);
    free(p->c0);
    free(p->peep);
    free(p->lengths);
    memset(p, 0, sizeof *p);
}

int outputs_alloc(outputs *o, const problem *p)
{
    o->y = malloc(p->y_elems * sizeof *o->y);
    o->h_n = malloc(p->h_elems * sizeof *o->h_n);
    o->c_n = p->tc.cell == RNNSCAN_CELL_LSTM ? malloc(p->state_elems * sizeof *o->c_n) : NULL;
    return o->y && o->h_n && (p->tc.cell != RNNSCAN_CELL_LSTM || o->c_n);
}

void outputs_free(outputs *o)
{
    free(o->y);
    free(o->h_n);
    free(o->c_n);
    memset(o, 0, sizeof *o);
}

rnnscan_run problem_poisoned_run(const problem *p, outputs *o)
{
    fill_nan(o->y, p->y_elems);
    fill_nan(o->h_n, p->h_elems);
    if (o->c_n)
        fill_nan(o->c_n, p->state_elems);
    return (rnnscan_run){.seq_len = p->tc.T, .batch = p->tc.B, .x = p->x, .h0 = p->h0,
                         .c0 = p->c0, .lengths = p->lengths, .y = o->y, .h_n = o->h_n,
                         .c_n = o->c_n, .schedule = p->tc.schedule};
}

rnnscan_status problem_scan(rnnscan_model *model, const problem *p, outputs *o)
{
    const rnnscan_run run = problem_poisoned_run(p, o);
    return rnnscan_model_scan(model, &run);
}

rnnscan_status problem_run(rnnscan_context *ctx, const problem *p, outputs *o)
{
    rnnscan_model *model = NULL;
    rnnscan_status st = rnnscan_model_create(ctx, &p->desc, p->views, &model);
    if (st != RNNSCAN_OK)
        return st;
    st = problem_scan(model, p, o);
    rnnscan_model_free(model);
    return st;
}

double worst_ratio(const float *got, const float *want, size_t n, double atol, double rtol,
                   size_t *where)
{
    double worst = 0.0;
    *where = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(got[i]) || !isfinite(want[i])) {
            *where = i;
            return INFINITY;
        }
        double ratio = fabs((double)got[i] - want[i]) / (atol + rtol * fabs((double)want[i]));
        if (ratio > worst) {
            worst = ratio;
            *where = i;
        }
    }
    return worst;
}

const char *case_name(const test_case *tc, char *buf, size_t size)
{
    char proj[24] = "";
    if (tc->proj)
        snprintf(proj, sizeof proj, " P=%d", tc->proj);
    snprintf(buf, size, "%s T=%d B=%d X=%d H=%d%s%s%s L=%d%s%s%s%s%s%s",
             rnnscan_cell_name(tc->cell), tc->T, tc->B, tc->X, tc->H, proj,
             tc->bias ? " bias" : " nobias",
             tc->state ? " h0/c0" : "", tc->layers > 1 ? tc->layers : 1,
             tc->bidir ? " bidir" : tc->reverse ? " reverse" : "",
             tc->batch_first ? " batch_first" : "",
             tc->lengths ? " lengths" : "",
             tc->schedule == RNNSCAN_SCHEDULE_PERSISTENT ? " persistent" : "",
             tc->weight_type ? " " : "", tc->weight_type ? rnnscan_weight_type_name(tc->weight_type) : "");
    return buf;
}

static size_t round_up(size_t v, size_t k) { return (v + k - 1) / k * k; }

size_t opencl_largest_weights(const test_case *tc)
{
    const size_t G = (size_t)rnnscan_cell_gates(tc->cell), H = (size_t)tc->H;
    const size_t S = tc->proj ? (size_t)tc->proj : H; /* the width of h */
    const size_t D = tc->bidir ? 2 : 1, Hp = round_up(H, 8), Gd = round_up(G * Hp, 16);
    size_t In = (size_t)tc->X;
    if (tc->layers > 1 && D * S > In)
        In = D * S;
    const size_t elem = tc->weight_type == RNNSCAN_F32 ? 4 : 2; /* the bias stays float */
    const size_t w_ih = In * Gd * elem, w_hh = (S * G * Hp + Hp) * elem, bias = D * Gd * 4;
    const size_t w_hr = tc->proj ? H * round_up(S, 8) * elem : 0;
    size_t most = w_ih > w_hh ? w_ih : w_hh;
    most = most > w_hr ? most : w_hr;
    return most > bias ? most : bias;
}

size_t opencl_whole_projection(const test_case *tc)
{
    const size_t G = (size_t)rnnscan_cell_gates(tc->cell), D = tc->bidir ? 2 : 1;
    return (size_t)tc->T * tc->B * D * round_up(G * round_up((size_t)tc->H, 8), 16) * 4;
}
