/* `rnnscan run`: a PyTorch state_dict (.npz) and an input (.npy) in, the
 * outputs PyTorch would return (.npz) out; or, with --onnx, one RNN / GRU /
 * LSTM node of an ONNX model in and that node's outputs out. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "onnx_layout.h"
#include "rnnscan.h"

/* --verify's tolerance: the test suite's, |d| <= 2e-5 + 2e-5 |ref| (see
 * tests/test_backend_vs_reference.c for why). */
#define VERIFY_ATOL 2e-5
#define VERIFY_RTOL 2e-5

typedef struct run_options {
    const char *cell, *weights, *input, *out, *h0, *c0, *lengths, *backend, *device, *schedule;
    const char *weight_type, *onnx, *node;
    int layers, bidirectional, batch_first, verify;
} run_options;

static void run_usage(FILE *f)
{
    fprintf(f,
            "usage: rnnscan run --cell rnn_tanh|rnn_relu|lstm|gru --weights W.npz --input X.npy\n"
            "                   --out OUT.npz [--h0 H0.npy] [--c0 C0.npy] [--lengths LEN.npy]\n"
            "                   [--layers N] [--bidirectional] [--batch-first]\n"
            "                   [--backend reference|cpu|opencl] [--device SPEC]\n"
            "                   [--schedule auto|host|persistent] [--weight-type f32|f16|bf16]\n"
            "                   [--verify]\n"
            "W.npz: np.savez of a PyTorch state_dict (weight_ih_l0, weight_hh_l0, bias_*...);\n"
            "X.npy: (T, B, X), or (B, T, X) with --batch-first; H0/C0: (L*D, B, H) or (B, H);\n"
            "LEN.npy: (B,) int32/int64.  OUT.npz: output (T, B, D*H), h_n and c_n (L*D, B, H).\n"
            "An lstm saved with proj_size (weight_hr_l0 in W.npz) has h P wide: H0, h_n\n"
            "(L*D, B, P), output (T, B, D*P); C0 and c_n stay H wide.\n"
            "--weight-type: weights and biases stored as f16 or bf16 (rounded once; --verify\n"
            "compares against the reference on the same rounded weights).\n"
            "\n"
            "       rnnscan run --onnx MODEL.onnx [--node NAME] --input X.npy --out OUT.npz\n"
            "                   [--lengths LEN.npy] [--h0 H0.npy] [--c0 C0.npy] [--backend ...]\n"
            "                   [--device SPEC] [--schedule ...] [--verify]\n"
            "One RNN, GRU or LSTM node of an ONNX model (NAME: the graph's only one if not\n"
            "given).  X.npy in the node's layout: (T, B, X) for layout 0, (B, T, X) for 1;\n"
            "H0/C0: (D, B, H) or (B, D, H).  OUT.npz: Y (T, D, B, H) or (B, T, D, H), Y_h and\n"
            "for lstm Y_c (D, B, H) or (B, D, H); outputs past a sequence's length are 0.\n");
}

/* One clear line on stderr, and the exit status of a failure. */
__attribute__((format(printf, 1, 2))) static int fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("rnnscan run: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 1;
}

/* *bytes = a * b * c floats; 0 when that overflows size_t. */
static int float_bytes(size_t *bytes, size_t a, size_t b, size_t c)
{
    size_t n = sizeof(float);
    const size_t factors[3] = {a, b, c};
    for (int i = 0; i < 3; i++) {
        if (factors[i] != 0 && n > SIZE_MAX / factors[i])
            return 0;
        n *= factors[i];
    }
    *bytes = n;
    return 1;
}

static int parse(int argc, char **argv, run_options *o)
{
    memset(o, 0, sizeof *o);
    o->backend = "opencl";
    o->layers = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **value = NULL;
        if (!strcmp(a, "--bidirectional"))
            o->bidirectional = 1;
        else if (!strcmp(a, "--batch-first"))
            o->batch_first = 1;
        else if (!strcmp(a, "--verify"))
            o->verify = 1;
        else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            run_usage(stdout);
            exit(0);
        } else if (!strcmp(a, "--layers")) {
            char *end;
            if (i + 1 >= argc || (o->layers = (int)strtol(argv[++i], &end, 10)) < 1 || *end)
                return fail("--layers needs a positive integer"), 0;
        } else {
            static const struct {
                const char *flag;
                size_t offset;
            } flags[] = {
                {"--cell", offsetof(run_options, cell)},
                {"--weights", offsetof(run_options, weights)},
                {"--input", offsetof(run_options, input)},
                {"--out", offsetof(run_options, out)},
                {"--h0", offsetof(run_options, h0)},
                {"--c0", offsetof(run_options, c0)},
                {"--lengths", offsetof(run_options, lengths)},
                {"--backend", offsetof(run_options, backend)},
                {"--device", offsetof(run_options, device)},
                {"--schedule", offsetof(run_options, schedule)},
                {"--weight-type", offsetof(run_options, weight_type)},
                {"--onnx", offsetof(run_options, onnx)},
                {"--node", offsetof(run_options, node)},
            };
            for (size_t f = 0; f < sizeof flags / sizeof flags[0]; f++)
                if (!strcmp(a, flags[f].flag))
                    value = (const char **)((char *)o + flags[f].offset);
            if (!value)
                return fail("unknown option '%s' (see rnnscan run --help)", a), 0;
            if (i + 1 >= argc)
                return fail("%s needs a value", a), 0;
            *value = argv[++i];
        }
    }
    if (o->onnx) { /* the model says what these would */
        const char *extra = o->cell ? "--cell" : o->weights ? "--weights" : o->layers != 1 ? "--layers"
                          : o->bidirectional ? "--bidirectional" : o->batch_first ? "--batch-first"
                          : o->weight_type ? "--weight-type" : NULL;
        if (extra)
            return fail("%s does not go with --onnx (the ONNX node gives the model)", extra), 0;
    } else if (o->node) {
        return fail("--node goes with --onnx"), 0;
    }
    const char *missing = !o->onnx && !o->cell ? "--cell" : !o->onnx && !o->weights ? "--weights"
                        : !o->input ? "--input" : !o->out ? "--out" : NULL;
    if (missing)
        return fail("%s is required (see rnnscan run --help)", missing), 0;
    return 1;
}

static const char *shape_str(const size_t *shape, int ndim, char *buf, size_t size)
{
    size_t used = (size_t)snprintf(buf, size, "(");
    for (int i = 0; i < ndim && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%zu", i ? ", " : "", shape[i]);
    if (used < size)
        snprintf(buf + used, size - used, "%s)", ndim == 1 ? "," : "");
    return buf;
}

/* Checks a state file: (L*D, B, H), or (B, H) when L*D = 1. */
static int check_state(const char *name, const rnnscan_array *a, size_t LD, size_t B, size_t H)
{
    char want[64], got[128];
    size_t w[3] = {LD, B, H};
    int ok = (a->ndim == 3 && a->shape[0] == LD && a->shape[1] == B && a->shape[2] == H) ||
             (LD == 1 && a->ndim == 2 && a->shape[0] == B && a->shape[1] == H);
    if (!ok)
        fprintf(stderr, "rnnscan run: %s: expected shape %s, found %s\n", name,
                shape_str(w, 3, want, sizeof want), shape_str(a->shape, a->ndim, got, sizeof got));
    return ok;
}

typedef struct run_data {
    rnnscan_array x, h0, c0, y, h_n, c_n;
    rnnscan_int_array lengths;
} run_data;

static void free_data(run_data *d)
{
    rnnscan_array *arrays[] = {&d->x, &d->h0, &d->c0, &d->y, &d->h_n, &d->c_n};
    for (size_t i = 0; i < sizeof arrays / sizeof arrays[0]; i++)
        rnnscan_array_free(arrays[i]);
    rnnscan_int_array_free(&d->lengths);
}

/* Opens a context of `backend` and makes the model from the npz, or the
 * ONNX file, there. */
static int open_model(const run_options *o, const char *backend_name, rnnscan_npz *npz,
                      const rnnscan_model_desc *desc, rnnscan_context **ctx, rnnscan_model **model)
{
    rnnscan_context_options copts = {.backend = RNNSCAN_BACKEND_REFERENCE, .device = o->device};
    if (rnnscan_backend_parse(backend_name, &copts.backend) != RNNSCAN_OK)
        return fail("--backend: %s", rnnscan_last_error()), 0;
    if (rnnscan_context_create(&copts, ctx) != RNNSCAN_OK)
        return fail("backend %s: %s", backend_name, rnnscan_last_error()), 0;
    if (o->onnx) {
        if (rnnscan_model_load_onnx(*ctx, o->onnx, o->node, model) != RNNSCAN_OK)
            return fail("%s", rnnscan_last_error()), 0; /* the path leads the message */
    } else if (rnnscan_model_from_npz(*ctx, npz, desc, model) != RNNSCAN_OK) {
        return fail("%s: %s", o->weights, rnnscan_last_error()), 0;
    }
    return 1;
}

/* Largest absolute and relative difference, and whether all are within tolerance. */
static int compare(const rnnscan_array *got, const rnnscan_array *want, double *abs_d,
                   double *rel_d)
{
    int ok = 1;
    size_t n = rnnscan_array_elems(want);
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)got->data[i] - want->data[i]), w = fabs((double)want->data[i]);
        if (!(d <= VERIFY_ATOL + VERIFY_RTOL * w)) /* NaN fails too */
            ok = 0;
        if (!(d <= *abs_d))
            *abs_d = d;
        if (w > 0 && !(d / w <= *rel_d))
            *rel_d = d / w;
    }
    return ok;
}

int cli_run(int argc, char **argv)
{
    run_options o;
    if (!parse(argc, argv, &o))
        return 2;
    rnnscan_model_desc desc = {0};
    if (!o.onnx && rnnscan_cell_parse(o.cell, &desc.cell) != RNNSCAN_OK)
        return fail("--cell: %s", rnnscan_last_error());
    if (o.c0 && !o.onnx && desc.cell != RNNSCAN_CELL_LSTM)
        return fail("--c0 is for lstm only, the cell is %s", o.cell);
    desc.num_layers = o.layers;
    desc.bidirectional = o.bidirectional;
    desc.batch_first = o.batch_first;
    if (o.weight_type && rnnscan_weight_type_parse(o.weight_type, &desc.weight_type) != RNNSCAN_OK)
        return fail("--weight-type: %s", rnnscan_last_error());
    rnnscan_run run = {0};
    if (o.schedule) {
        static const char *const names[] = {"auto", "host", "persistent"};
        int found = -1;
        for (int i = 0; i < 3; i++)
            if (!strcmp(o.schedule, names[i]))
                found = i;
        if (found < 0)
            return fail("--schedule: unknown schedule '%s' (auto, host, persistent)", o.schedule);
        run.schedule = (rnnscan_schedule)found;
    }

    int status = 1;
    run_data d;
    memset(&d, 0, sizeof d);
    rnnscan_npz *npz = NULL;
    rnnscan_context *ctx = NULL, *ref_ctx = NULL;
    rnnscan_model *model = NULL, *ref_model = NULL;
    if (!o.onnx && rnnscan_npz_open(o.weights, &npz) != RNNSCAN_OK) {
        fail("%s", rnnscan_last_error());
        goto done;
    }
    if (!open_model(&o, o.backend, npz, &desc, &ctx, &model))
        goto done;
    desc = rnnscan_model_describe(model);
    if (o.onnx) {
        o.batch_first = desc.batch_first; /* the node's layout */
        if (o.c0 && desc.cell != RNNSCAN_CELL_LSTM) {
            fail("--c0 is for an LSTM node, %s's is %s", o.onnx, rnnscan_cell_name(desc.cell));
            goto done;
        }
    }
    const size_t LD = (size_t)desc.num_layers * (desc.bidirectional ? 2 : 1);
    /* S: the width of h, proj_size for a projected LSTM (weight_hr in the file) */
    const size_t H = (size_t)desc.hidden_size, S = desc.proj_size ? (size_t)desc.proj_size : H;
    const size_t DH = (desc.bidirectional ? 2 : 1) * S;

    if (rnnscan_npy_read(o.input, &d.x) != RNNSCAN_OK) {
        fail("%s", rnnscan_last_error());
        goto done;
    }
    char got[128];
    if (d.x.ndim != 3 || d.x.shape[2] != (size_t)desc.input_size || d.x.shape[0] == 0 ||
        d.x.shape[1] == 0 || d.x.shape[0] > 0x7fffffff || d.x.shape[1] > 0x7fffffff) {
        fprintf(stderr, "rnnscan run: %s: expected shape %s with X = %d, found %s\n", o.input,
                o.batch_first ? "(B, T, X)" : "(T, B, X)", desc.input_size,
                shape_str(d.x.shape, d.x.ndim, got, sizeof got));
        goto done;
    }
    const size_t T = o.batch_first ? d.x.shape[1] : d.x.shape[0];
    const size_t B = o.batch_first ? d.x.shape[0] : d.x.shape[1];
    const int layout = desc.batch_first; /* an ONNX node's layout attribute */
    if (o.h0 && (rnnscan_npy_read(o.h0, &d.h0) != RNNSCAN_OK ||
                 !(o.onnx ? onnx_state_in(o.h0, &d.h0, layout, LD, B, S)
                          : check_state(o.h0, &d.h0, LD, B, S)))) {
        if (d.h0.data == NULL)
            fail("%s", rnnscan_last_error());
        goto done;
    }
    if (o.c0 && (rnnscan_npy_read(o.c0, &d.c0) != RNNSCAN_OK ||
                 !(o.onnx ? onnx_state_in(o.c0, &d.c0, layout, LD, B, H)
                          : check_state(o.c0, &d.c0, LD, B, H)))) {
        if (d.c0.data == NULL)
            fail("%s", rnnscan_last_error());
        goto done;
    }
    if (o.lengths) {
        if (rnnscan_npy_read_int(o.lengths, &d.lengths) != RNNSCAN_OK) {
            fail("%s", rnnscan_last_error());
            goto done;
        }
        if (d.lengths.ndim != 1 || d.lengths.shape[0] != B) {
            size_t want = B;
            char w[64];
            fprintf(stderr, "rnnscan run: %s: expected shape %s, found %s\n", o.lengths,
                    shape_str(&want, 1, w, sizeof w),
                    shape_str(d.lengths.shape, d.lengths.ndim, got, sizeof got));
            goto done;
        }
    }

    /* outputs in the shapes PyTorch returns */
    d.y.ndim = 3;
    d.y.shape[0] = o.batch_first ? B : T;
    d.y.shape[1] = o.batch_first ? T : B;
    d.y.shape[2] = DH;
    d.h_n.ndim = d.c_n.ndim = 3;
    d.h_n.shape[0] = d.c_n.shape[0] = LD;
    d.h_n.shape[1] = d.c_n.shape[1] = B;
    d.h_n.shape[2] = S;
    d.c_n.shape[2] = H;
    const int lstm = desc.cell == RNNSCAN_CELL_LSTM;
    size_t y_bytes, h_bytes, c_bytes;
    if (!float_bytes(&y_bytes, T, B, DH) || !float_bytes(&h_bytes, LD, B, S) ||
        !float_bytes(&c_bytes, LD, B, H)) {
        fail("outputs too large: output (T=%zu, B=%zu, D*H=%zu) or h_n / c_n (L*D=%zu, B, "
             "H=%zu) overflows the address space",
             T, B, DH, LD, H);
        goto done;
    }
    d.y.data = malloc(y_bytes);
    d.h_n.data = malloc(h_bytes);
    d.c_n.data = lstm ? malloc(c_bytes) : NULL;
    if (!d.y.data || !d.h_n.data || (lstm && !d.c_n.data)) {
        fail("out of memory for the outputs: T=%zu, B=%zu, D*H=%zu (output %zu, h_n %zu, c_n %zu "
             "bytes)",
             T, B, DH, y_bytes, h_bytes, lstm ? c_bytes : 0);
        goto done;
    }
    run.seq_len = (int)T;
    run.batch = (int)B;
    run.x = d.x.data;
    run.h0 = d.h0.data;
    run.c0 = d.c0.data;
    run.lengths = d.lengths.data;
    run.y = d.y.data;
    run.h_n = d.h_n.data;
    run.c_n = d.c_n.data;
    if (rnnscan_model_scan(model, &run) != RNNSCAN_OK) {
        fail("%s: %s", rnnscan_backend_name(rnnscan_context_backend(ctx)), rnnscan_model_error(model));
        goto done;
    }

    if (o.verify) {
        rnnscan_array ry = d.y, rh = d.h_n, rc = d.c_n; /* same shapes, new data */
        ry.data = malloc(y_bytes);
        rh.data = malloc(h_bytes);
        rc.data = lstm ? malloc(c_bytes) : NULL;
        int ok = ry.data && rh.data && (!lstm || rc.data) &&
                 open_model(&o, "reference", npz, &desc, &ref_ctx, &ref_model);
        if (ok) {
            rnnscan_run r = run;
            r.y = ry.data, r.h_n = rh.data, r.c_n = rc.data;
            ok = rnnscan_model_scan(ref_model, &r) == RNNSCAN_OK;
            if (!ok)
                fail("reference: %s", rnnscan_model_error(ref_model));
        }
        double abs_d = 0, rel_d = 0;
        if (ok) {
            int within = compare(&d.y, &ry, &abs_d, &rel_d) & compare(&d.h_n, &rh, &abs_d, &rel_d);
            if (lstm)
                within &= compare(&d.c_n, &rc, &abs_d, &rel_d);
            printf("verify: max |%s - reference| = %.3g, max relative = %.3g (tolerance %g + %g "
                   "|ref|): %s\n",
                   o.backend, abs_d, rel_d, VERIFY_ATOL, VERIFY_RTOL, within ? "ok" : "FAILED");
            ok = within;
        }
        free(ry.data);
        free(rh.data);
        free(rc.data);
        if (!ok)
            goto done; /* no output file for a result that failed verification */
    }

    const char *names[3] = {"output", "h_n", "c_n"};
    if (o.onnx) { /* the node's outputs, in its shapes and by its names */
        if (!onnx_outputs(&d.y, &d.h_n, lstm ? &d.c_n : NULL, layout, T, B, LD, S)) {
            fail("out of memory for the ONNX outputs");
            goto done;
        }
        names[0] = "Y", names[1] = "Y_h", names[2] = "Y_c";
    }
    rnnscan_array arrays[3] = {d.y, d.h_n, d.c_n};
    if (rnnscan_npz_write(o.out, lstm ? 3 : 2, names, arrays) != RNNSCAN_OK) {
        fail("%s", rnnscan_last_error());
        goto done;
    }
    status = 0;
done:
    free_data(&d);
    rnnscan_model_free(ref_model);
    rnnscan_model_free(model);
    rnnscan_context_free(ref_ctx);
    rnnscan_context_free(ctx);
    rnnscan_npz_close(npz);
    return status;
}
