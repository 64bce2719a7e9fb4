/* oneDNN's RNN primitive on the benchmark's cases, for bench/compare.py.
 *
 *   onednn_rnn [--runs N] [--warmup N] cell:T:B:X:H[:bf16] ...
 *
 * prints one line per case: "cell:T:B:X:H[:bf16] median_ms min_ms max_ms", or
 * "cell:T:B:X:H:bf16 unsupported: ..." where oneDNN has no implementation
 * of the case on this CPU (oneDNN 2.6.3 refused bf16 LSTM and GRU on an AVX2
 * Zen 3; the bf16 timing path has not run on a CPU that has them).
 * Built by compare.py against Debian's libdnnl-dev (oneDNN 2.6/2.7 C API):
 *   cc -O2 bench/onednn_rnn.c -o onednn_rnn -ldnnl
 *
 * Set up as oneDNN's users do: forward_inference, f32 (or with :bf16, bf16
 * inputs, outputs, weights and h state, f32 biases and LSTM c state), every weights
 * descriptor left to the primitive (format_tag_any), the weights created in
 * the plain ldigo layout and reordered once into the layout it chose, outside
 * the timing.  Cells: rnn_tanh / rnn_relu = vanilla RNN; lstm = LSTM without
 * peephole; gru = linear-before-reset GRU (dnnl_lbr_gru), the variant
 * PyTorch's nn.GRU computes (oneDNN's plain GRU applies the reset gate before
 * the recurrent product).  oneDNN's gate order differs from PyTorch's; with
 * random weights that changes nothing in the timing.  h0 = c0 = 0 like
 * `rnnscan bench`; the final states h_n (and c_n) are produced as there. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <oneapi/dnnl/dnnl.h>

#define CHECK(call)                                                                                \
    do {                                                                                           \
        dnnl_status_t s_ = (call);                                                                 \
        if (s_ != dnnl_success) {                                                                  \
            fprintf(stderr, "onednn_rnn: %s failed: dnnl status %d\n", #call, (int)s_);           \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* small deterministic generator: uniform in [lo, hi) */
static unsigned long long lcg = 88172645463325252ull;
static void fill_uniform(float *p, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++) {
        lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
        p[i] = lo + (hi - lo) * (float)(lcg >> 40) * 0x1.0p-24f;
    }
}

typedef struct rnn_case {
    char cell[16];
    int T, B, X, H;
    int bf16; /* the case's ":bf16" suffix */
} rnn_case;

/* float32's top 16 bits, rounded to nearest even (finite values) */
static unsigned short to_bf16(float f)
{
    unsigned u;
    memcpy(&u, &f, sizeof u);
    return (unsigned short)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

/* A memory object on `eng` with the library's own buffer, filled uniform
 * (f32 or bf16, the descriptor's type). */
static dnnl_memory_t filled_memory(const dnnl_memory_desc_t *md, dnnl_engine_t eng, float lo,
                                   float hi)
{
    dnnl_memory_t m;
    void *p;
    CHECK(dnnl_memory_create(&m, md, eng, DNNL_MEMORY_ALLOCATE));
    CHECK(dnnl_memory_get_data_handle(m, &p));
    if (md->data_type == dnnl_bf16) {
        unsigned short *h = p;
        for (size_t i = 0; i < dnnl_memory_desc_get_size(md) / sizeof *h; i++) {
            float f;
            fill_uniform(&f, 1, lo, hi);
            h[i] = to_bf16(f);
        }
    } else {
        fill_uniform(p, dnnl_memory_desc_get_size(md) / sizeof(float), lo, hi);
    }
    return m;
}

/* Weights made in the plain ldigo layout, reordered once into `chosen`. */
static dnnl_memory_t weights_in_layout(const dnnl_dims_t dims, const dnnl_memory_desc_t *chosen,
                                       dnnl_engine_t eng, dnnl_stream_t stream, float k)
{
    dnnl_memory_desc_t plain_md;
    CHECK(dnnl_memory_desc_init_by_tag(&plain_md, 5, dims, dnnl_f32, dnnl_ldigo));
    dnnl_memory_t plain = filled_memory(&plain_md, eng, -k, k), dst;
    CHECK(dnnl_memory_create(&dst, chosen, eng, DNNL_MEMORY_ALLOCATE));
    dnnl_primitive_desc_t rpd;
    dnnl_primitive_t reorder;
    CHECK(dnnl_reorder_primitive_desc_create(&rpd, &plain_md, eng, chosen, eng, NULL));
    CHECK(dnnl_primitive_create(&reorder, rpd));
    dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, plain}, {DNNL_ARG_TO, dst}};
    CHECK(dnnl_primitive_execute(reorder, stream, 2, args));
    CHECK(dnnl_stream_wait(stream));
    dnnl_primitive_destroy(reorder);
    dnnl_primitive_desc_destroy(rpd);
    dnnl_memory_destroy(plain);
    return dst;
}

static void run_case(const rnn_case *c, int runs, int warmup, dnnl_engine_t eng,
                     dnnl_stream_t stream)
{
    int is_lstm = strcmp(c->cell, "lstm") == 0, is_gru = strcmp(c->cell, "gru") == 0;
    int G = is_lstm ? 4 : is_gru ? 3 : 1, bias_gates = is_gru ? 4 : G; /* lbr GRU: 4 biases */
    dnnl_dims_t src_dims = {c->T, c->B, c->X}, dst_dims = {c->T, c->B, c->H};
    dnnl_dims_t wl_dims = {1, 1, c->X, G, c->H}, wi_dims = {1, 1, c->H, G, c->H};
    dnnl_dims_t bias_dims = {1, 1, bias_gates, c->H}, state_dims = {1, 1, c->B, c->H};
    const dnnl_data_type_t dt = c->bf16 ? dnnl_bf16 : dnnl_f32;
    dnnl_memory_desc_t src_md, dst_md, wl_any, wi_any, bias_md, state_md, c_md;
    CHECK(dnnl_memory_desc_init_by_tag(&src_md, 3, src_dims, dt, dnnl_tnc));
    CHECK(dnnl_memory_desc_init_by_tag(&dst_md, 3, dst_dims, dt, dnnl_tnc));
    CHECK(dnnl_memory_desc_init_by_tag(&wl_any, 5, wl_dims, dt, dnnl_format_tag_any));
    CHECK(dnnl_memory_desc_init_by_tag(&wi_any, 5, wi_dims, dt, dnnl_format_tag_any));
    CHECK(dnnl_memory_desc_init_by_tag(&bias_md, 4, bias_dims, dnnl_f32, dnnl_ldgo));
    CHECK(dnnl_memory_desc_init_by_tag(&state_md, 4, state_dims, dt, dnnl_ldnc));
    CHECK(dnnl_memory_desc_init_by_tag(&c_md, 4, state_dims, dnnl_f32, dnnl_ldnc));

    dnnl_rnn_desc_t rd;
    const dnnl_prop_kind_t prop = dnnl_forward_inference;
    const dnnl_rnn_direction_t dir = dnnl_unidirectional_left2right;
    if (is_lstm)
        CHECK(dnnl_lstm_forward_desc_init(&rd, prop, dir, &src_md, NULL, NULL, &wl_any, &wi_any,
                                          &bias_md, &dst_md, &state_md, &c_md, 0));
    else if (is_gru)
        CHECK(dnnl_lbr_gru_forward_desc_init(&rd, prop, dir, &src_md, NULL, &wl_any, &wi_any,
                                             &bias_md, &dst_md, &state_md, 0));
    else
        CHECK(dnnl_vanilla_rnn_forward_desc_init(
            &rd, prop, strcmp(c->cell, "rnn_relu") == 0 ? dnnl_eltwise_relu : dnnl_eltwise_tanh,
            dir, &src_md, NULL, &wl_any, &wi_any, &bias_md, &dst_md, &state_md, 0, 0.f, 0.f));
    dnnl_primitive_desc_t pd;
    dnnl_primitive_t rnn;
    const dnnl_status_t made = dnnl_primitive_desc_create(&pd, &rd, NULL, eng, NULL);
    if (made == dnnl_unimplemented && c->bf16) {
        printf("%s:%d:%d:%d:%d:bf16 unsupported: oneDNN has no bf16 %s on this CPU\n", c->cell,
               c->T, c->B, c->X, c->H, c->cell);
        fflush(stdout);
        return;
    }
    CHECK(made);
    CHECK(dnnl_primitive_create(&rnn, pd));

    float k = 1.0f / sqrtf((float)c->H); /* PyTorch's init range */
    dnnl_memory_t src = filled_memory(&src_md, eng, -1.7f, 1.7f); /* about unit variance */
    dnnl_memory_t wl = weights_in_layout(
        wl_dims, dnnl_primitive_desc_query_md(pd, dnnl_query_exec_arg_md, DNNL_ARG_WEIGHTS_LAYER),
        eng, stream, k);
    dnnl_memory_t wi = weights_in_layout(
        wi_dims, dnnl_primitive_desc_query_md(pd, dnnl_query_exec_arg_md, DNNL_ARG_WEIGHTS_ITER),
        eng, stream, k);
    dnnl_memory_t bias = filled_memory(&bias_md, eng, -k, k);
    dnnl_memory_t dst, h_n, c_n = NULL, workspace = NULL;
    CHECK(dnnl_memory_create(&dst, &dst_md, eng, DNNL_MEMORY_ALLOCATE));
    CHECK(dnnl_memory_create(&h_n, &state_md, eng, DNNL_MEMORY_ALLOCATE));
    dnnl_exec_arg_t args[8] = {{DNNL_ARG_SRC_LAYER, src}, {DNNL_ARG_WEIGHTS_LAYER, wl},
                               {DNNL_ARG_WEIGHTS_ITER, wi}, {DNNL_ARG_BIAS, bias},
                               {DNNL_ARG_DST_LAYER, dst},   {DNNL_ARG_DST_ITER, h_n}};
    int nargs = 6;
    if (is_lstm) {
        CHECK(dnnl_memory_create(&c_n, &c_md, eng, DNNL_MEMORY_ALLOCATE));
        args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_DST_ITER_C, c_n};
    }
    const dnnl_memory_desc_t *ws = dnnl_primitive_desc_query_md(pd, dnnl_query_workspace_md, 0);
    if (ws && dnnl_memory_desc_get_size(ws) > 0) { /* none expected for inference */
        CHECK(dnnl_memory_create(&workspace, ws, eng, DNNL_MEMORY_ALLOCATE));
        args[nargs++] = (dnnl_exec_arg_t){DNNL_ARG_WORKSPACE, workspace};
    }

    double *times = malloc((size_t)runs * sizeof *times);
    if (!times) {
        fprintf(stderr, "onednn_rnn: out of memory\n");
        exit(1);
    }
    for (int i = 0; i < warmup + runs; i++) {
        double t0 = now_ms();
        CHECK(dnnl_primitive_execute(rnn, stream, nargs, args));
        CHECK(dnnl_stream_wait(stream));
        if (i >= warmup)
            times[i - warmup] = now_ms() - t0;
    }
    qsort(times, (size_t)runs, sizeof *times, cmp_double);
    double med = runs % 2 ? times[runs / 2] : 0.5 * (times[runs / 2 - 1] + times[runs / 2]);
    printf("%s:%d:%d:%d:%d%s %.4f %.4f %.4f\n", c->cell, c->T, c->B, c->X, c->H,
           c->bf16 ? ":bf16" : "", med, times[0], times[runs - 1]);
    fflush(stdout);
    free(times);
    dnnl_memory_t mems[] = {src, wl, wi, bias, dst, h_n, c_n, workspace};
    for (size_t i = 0; i < sizeof mems / sizeof mems[0]; i++)
        if (mems[i])
            dnnl_memory_destroy(mems[i]);
    dnnl_primitive_destroy(rnn);
    dnnl_primitive_desc_destroy(pd);
}

static int parse_case(const char *s, rnn_case *c)
{
    char tail[8] = "";
    const int n = sscanf(s, "%15[a-z_]:%d:%d:%d:%d%7s", c->cell, &c->T, &c->B, &c->X, &c->H, tail);
    c->bf16 = n == 6 && strcmp(tail, ":bf16") == 0;
    if (n != 5 && !c->bf16)
        return 0;
    return (strcmp(c->cell, "rnn_tanh") == 0 || strcmp(c->cell, "rnn_relu") == 0 ||
            strcmp(c->cell, "lstm") == 0 || strcmp(c->cell, "gru") == 0) &&
           c->T > 0 && c->B > 0 && c->X > 0 && c->H > 0;
}

int main(int argc, char **argv)
{
    int runs = 7, warmup = 1, first = 1;
    for (; first + 1 < argc && strncmp(argv[first], "--", 2) == 0; first += 2) {
        if (strcmp(argv[first], "--runs") == 0)
            runs = atoi(argv[first + 1]);
        else if (strcmp(argv[first], "--warmup") == 0)
            warmup = atoi(argv[first + 1]);
        else
            break;
    }
    if (first >= argc || runs < 1 || warmup < 0) {
        fprintf(stderr, "usage: onednn_rnn [--runs N] [--warmup N] cell:T:B:X:H[:bf16] ...\n");
        return 2;
    }
    rnn_case *cases = calloc((size_t)(argc - first), sizeof *cases);
    if (!cases)
        return 1;
    for (int i = first; i < argc; i++)
        if (!parse_case(argv[i], &cases[i - first])) {
            fprintf(stderr, "onednn_rnn: bad case '%s' (want cell:T:B:X:H[:bf16])\n", argv[i]);
            return 2;
        }
    dnnl_engine_t eng;
    dnnl_stream_t stream;
    CHECK(dnnl_engine_create(&eng, dnnl_cpu, 0));
    CHECK(dnnl_stream_create(&stream, eng, dnnl_stream_default_flags));
    for (int i = first; i < argc; i++)
        run_case(&cases[i - first], runs, warmup, eng, stream);
    dnnl_stream_destroy(stream);
    dnnl_engine_destroy(eng);
    free(cases);
    return 0;
}
