/* The cpu backend's forward pass.  Per layer and direction: the input
 * projection of a chunk of steps in one product (all their packed rows), then
 * per step one recurrent product for the running sequences and one fused
 * cell pass.  Layers hand their packed output to the next; only layer 0's
 * input and the last layer's output are converted from / to the caller's
 * layout, and not at all when they already match (time-major, full lengths).
 * No allocation happens in the loops: one scratch block per call, kept by
 * the model between calls.  The run's schedule concerns device launches;
 * every schedule runs this same loop here. */
#include <stdint.h>
#include <string.h>

#include "cpu.h"

/* A chunk's projection: at least this many rows (sgemm efficiency), else
 * about this many bytes of pre-activations (they stay in cache until used). */
#define CPU_CHUNK_MIN_ROWS 512
#define CPU_CHUNK_BYTES (4u << 20)

/* Carves 64-byte aligned regions out of one block; flags size overflow. */
typedef struct plan {
    size_t at;
    int overflow;
} plan;

static size_t plan_take(plan *p, size_t count, size_t elem)
{
    size_t bytes;
    if (!rnnscan_mul_size(&bytes, count, elem) || bytes > SIZE_MAX - 128 - p->at) {
        p->overflow = 1;
        return 0;
    }
    size_t at = p->at;
    p->at += (bytes + 63) / 64 * 64;
    return at;
}

/* What one direction of one layer reads and writes. */
typedef struct pass {
    const rnnscan_model *m;
    const cpu_cell *cell; /* the model's descriptor row and step kernel */
    const cpu_order *o;
    const cpu_layer *cl;
    cpu_team *team;  /* runs the products (a small batch), or NULL */
    const float *in; /* packed [rows][cl->input] */
    float *out;      /* packed [rows][D*S], this direction's columns at dir*S */
    int dir, back, steps_per_chunk, has_h0; /* back: runs backwards (dir 1, or reverse) */
    float *gx, *gh, *h, *c; /* scratch: h [B][S], c [B][H] */
    float *unproj;          /* scratch [B][H]: the cell's output before the projection */
    float *rh;              /* scratch [B][H]: r * h, with reset_before */
    cpu_step_variant variant; /* the model's variant and this layer's peepholes */
} pass;

/* g = the projection of packed rows [r, r + n) (biases are added later). */
static void project(const pass *p, size_t r, int n, float *g)
{
    const cpu_layer *cl = p->cl;
    const int N = (int)p->m->dims.rows, K = cl->input;
    const float *a = p->in + r * (size_t)K;
    cpu_product(p->team, n, N, K, a, (size_t)K, cl->w_ih, &cl->ih, g, (size_t)N, 0);
}

/* reset_before (GRU's): the last gate's rows of W_hh multiply r * h, and r
 * needs the other rows' product first.  h times those rows onto g, then
 * rh = r * h (the cell's reset kernel), then rh times the last gate's rows
 * onto g: two products, two thirds and a third of the plain one, each on its
 * own packed copy (cpu_layer.hh, hh_n).  A variant has no projection: S = H. */
static void recur_reset_before(const pass *p, int n, float *g)
{
    const cpu_layer *cl = p->cl;
    const int N = (int)p->m->dims.rows, H = p->m->dims.hidden, before = cl->hh.n;
    cpu_product(p->team, n, before, H, p->h, (size_t)H, cl->w_hh, &cl->hh, g, (size_t)N, 1);
    p->cell->reset(n, H, g, cl->bias, p->h, p->rh, &p->variant);
    cpu_product(p->team, n, H, H, p->rh, (size_t)H, cl->w_hh + (size_t)before * H, &cl->hh_n,
                g + before, (size_t)N, 1);
}

/* h W_hh^T for the n running sequences: added onto g, or into gh when the
 * cell keeps recurrent terms apart (GRU). */
static void recur(const pass *p, int n, float *g)
{
    if (p->cell->desc->reset_before) {
        recur_reset_before(p, n, g);
        return;
    }
    const int apart = p->cell->desc->hh_apart != 0;
    const int N = (int)p->m->dims.rows, S = p->m->dims.state;
    float *dst = apart ? p->gh : g;
    cpu_product(p->team, n, N, S, p->h, (size_t)S, p->cl->w_hh, &p->cl->hh, dst, (size_t)N,
                !apart);
}

/* With a projection: h = unproj W_hr^T for the n running sequences, copied to
 * their output rows (row stride ldout). */
static void project_state(const pass *p, int n, float *out, size_t ldout)
{
    const int P = p->m->dims.proj, H = p->m->dims.hidden;
    cpu_product(p->team, n, P, H, p->unproj, (size_t)H, p->cl->w_hr, &p->cl->hr, p->h, (size_t)P,
                0);
    for (int b = 0; b < n; b++)
        memcpy(out + (size_t)b * ldout, p->h + (size_t)b * P, (size_t)P * sizeof *out);
}

/* Steps [t0, t1) in the direction's order: one projection, then the steps. */
static void run_chunk(pass *p, int t0, int t1, int *first)
{
    const rnnscan_model *m = p->m;
    const cpu_order *o = p->o;
    const size_t GH = m->dims.rows, DS = (size_t)m->dims.directions * m->dims.state;
    const size_t r0 = o->off[t0];
    const int apart = p->cell->desc->hh_apart != 0;
    cpu_step_fn *const step = p->cell->step;
    project(p, r0, (int)(o->off[t1] - r0), p->gx);
    for (int s = 0; s < t1 - t0; s++) {
        const int t = p->back ? t1 - 1 - s : t0 + s, n = o->act[t];
        float *g = p->gx + (o->off[t] - r0) * GH;
        if (*first && !p->has_h0) { /* h = 0: the product is zero */
            if (apart)
                memset(p->gh, 0, (size_t)n * GH * sizeof *p->gh);
        } else {
            recur(p, n, g);
        }
        *first &= n == 0;
        float *out = p->out + o->off[t] * DS + (size_t)p->dir * m->dims.state;
        if (m->dims.proj) { /* the cell writes unproj (its h and its out), then the projection */
            step(n, m->dims.hidden, g, p->gh, p->cl->bias, p->cl->b_apart, p->unproj, p->c,
                 p->unproj, (size_t)m->dims.hidden, &p->variant);
            project_state(p, n, out, DS);
        } else {
            step(n, m->dims.hidden, g, p->gh, p->cl->bias, p->cl->b_apart, p->h, p->c, out, DS,
                 &p->variant);
        }
    }
}

static void run_direction(pass *p, const rnnscan_run *run, int index)
{
    const rnnscan_model *m = p->m;
    const int T = p->o->T, H = m->dims.hidden, S = m->dims.state, has_c = p->cell->desc->has_c;
    const size_t h_at = (size_t)index * (size_t)p->o->B * (size_t)S;
    const size_t c_at = (size_t)index * (size_t)p->o->B * (size_t)H;
    cpu_state_in(p->o, run->h0 ? run->h0 + h_at : NULL, S, p->h);
    if (has_c)
        cpu_state_in(p->o, run->c0 ? run->c0 + c_at : NULL, H, p->c);
    int first = 1;
    for (int done = 0; done < T; done += p->steps_per_chunk) {
        const int len = T - done < p->steps_per_chunk ? T - done : p->steps_per_chunk;
        if (p->back)
            run_chunk(p, T - done - len, T - done, &first);
        else
            run_chunk(p, done, done + len, &first);
    }
    if (run->h_n)
        cpu_state_out(p->o, p->h, S, run->h_n + h_at);
    if (has_c && run->c_n)
        cpu_state_out(p->o, p->c, H, run->c_n + c_at);
}

rnnscan_status cpu_scan(rnnscan_model *m, const rnnscan_run *run, const rnnscan_run_dims *d)
{
    cpu_model *cm = m->impl;
    const int T = d->T, B = d->B, X = m->dims.input, H = m->dims.hidden, S = m->dims.state;
    const int L = m->dims.layers, D = m->dims.directions, bf = m->desc.batch_first;
    const size_t GH = m->dims.rows, DH = (size_t)D * (size_t)S; /* the output width */
    const cpu_cell_desc *cell = cm->cell.desc;
    const int apart = cell->hh_apart != 0, has_c = cell->has_c;

    size_t rows = 0; /* packed rows: the sum of the lengths */
    int all_full = 1;
    for (int b = 0; b < B; b++) {
        const int len = run->lengths ? run->lengths[b] : T;
        rows += (size_t)len;
        all_full &= len == T;
    }
    const int identity = all_full && !bf;

    /* steps per projection chunk; its rows must fit OpenBLAS's int */
    size_t want = CPU_CHUNK_BYTES / (GH * sizeof(float));
    want = want < CPU_CHUNK_MIN_ROWS ? CPU_CHUNK_MIN_ROWS : want;
    size_t steps = (want + (size_t)B - 1) / (size_t)B;
    if (steps > (size_t)T)
        steps = (size_t)T;
    if (steps > (size_t)INT32_MAX / (size_t)B)
        steps = (size_t)INT32_MAX / (size_t)B;
    if (steps < 1)
        steps = 1;

    const int nbuf = L - identity < 2 ? L - identity : 2; /* layer outputs not written to y */
    plan pl = {0, 0};
    const size_t at_perm = plan_take(&pl, (size_t)B, sizeof(int));
    const size_t at_act = plan_take(&pl, (size_t)T, sizeof(int));
    const size_t at_off = plan_take(&pl, (size_t)T + 1, sizeof(size_t));
    const size_t at_xin = plan_take(&pl, identity ? 0 : rows, (size_t)X * sizeof(float));
    const size_t at_buf0 = plan_take(&pl, nbuf > 0 ? rows : 0, DH * sizeof(float));
    const size_t at_buf1 = plan_take(&pl, nbuf > 1 ? rows : 0, DH * sizeof(float));
    const size_t at_gx = plan_take(&pl, steps * (size_t)B, GH * sizeof(float));
    const size_t at_gh = plan_take(&pl, apart ? (size_t)B : 0, GH * sizeof(float));
    const size_t at_h = plan_take(&pl, (size_t)B, (size_t)S * sizeof(float));
    const size_t at_c = plan_take(&pl, has_c ? (size_t)B : 0, (size_t)H * sizeof(float));
    const size_t at_m = plan_take(&pl, m->dims.proj ? (size_t)B : 0, (size_t)H * sizeof(float));
    const size_t at_rh =
        plan_take(&pl, cell->reset_before ? (size_t)B : 0, (size_t)H * sizeof(float));
    if (pl.overflow)
        return rnnscan_fail(&m->err, RNNSCAN_OUT_OF_MEMORY,
                            "cpu: T=%d, B=%d: scratch size overflows", T, B);
    char *base = cpu_scratch(cm, pl.at);
    if (!base)
        return rnnscan_fail(&m->err, RNNSCAN_OUT_OF_MEMORY,
                            "cpu: no host memory for %zu bytes of scratch (T=%d, B=%d)", pl.at, T,
                            B);

    cpu_order o;
    cpu_order_make(&o, T, B, run->lengths, bf, (int *)(base + at_perm), (int *)(base + at_act),
                   (size_t *)(base + at_off));
    const float *in = run->x;
    if (!identity) {
        cpu_gather_input(&o, bf, run->x, X, (float *)(base + at_xin));
        in = (float *)(base + at_xin);
    }
    float *bufs[2] = {(float *)(base + at_buf0), (float *)(base + at_buf1)};
    /* A small batch's step is a few-row product bound by reading W_hh: a
     * team of threads shares it (one thread when none can start) */
    cpu_team *team = NULL;
    const double recurrent_macs = (double)rows * (double)GH * S * L * D;
    if (B < CPU_SMALL_MIN_ROWS && recurrent_macs >= CPU_TEAM_MIN_SCAN_MACS)
        team = cpu_team_start(cpu_blas_threads());
    pass p = {.m = m, .cell = &cm->cell, .o = &o, .team = team, .steps_per_chunk = (int)steps,
              .has_h0 = run->h0 != NULL, .gx = (float *)(base + at_gx),
              .gh = (float *)(base + at_gh), .h = (float *)(base + at_h), .c = (float *)(base + at_c),
              .unproj = (float *)(base + at_m), .rh = (float *)(base + at_rh)};
    for (int l = 0; l < L; l++) {
        p.in = in;
        p.out = l == L - 1 && identity ? run->y : bufs[l % 2];
        for (int dir = 0; dir < D; dir++) {
            p.dir = dir;
            p.back = dir || m->desc.reverse;
            p.cl = &cm->layers[l * D + dir];
            p.variant = (cpu_step_variant){&m->variant, p.cl->peep};
            run_direction(&p, run, l * D + dir);
        }
        in = p.out;
    }
    cpu_team_stop(team);
    if (!identity)
        cpu_scatter_output(&o, bf, in, (int)DH, run->y);
    return RNNSCAN_OK;
}
