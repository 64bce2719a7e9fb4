/* `rnnscan run`: a PyTorch state_dict (.npz) and an input (.npy) in, the
 * outputs PyTorch would return (.npz) out; or, with --onnx, one RNN / GRU /
 * LSTM node of an ONNX model in and that node's outputs out.  This file
 * reads the options, opens the model (one per device), and sizes the chunks
 * of sequences to the memory limit; cli/run_stream.c runs them, streaming
 * the input in and the outputs out (cli/run_output.c places them). */
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "device_specs.h"
#include "onnx_layout.h"
#include "rnnscan.h"
#include "run_mpi.h"
#include "run_stream.h"

/* "rank R: " under mpirun with several ranks, else "": leads every message */
static const char *rank_prefix = "";

/* The output's temporary file while it is being written: SIGINT, SIGTERM
 * and SIGHUP remove it before the process ends (unlink is async-signal-safe),
 * so an interrupted run leaves nothing either.  Only SIGKILL can leave it. */
static char pending_temp[4096];

static void remove_pending(int sig)
{
    if (pending_temp[0])
        unlink(pending_temp);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void watch_temp(const char *path)
{
    snprintf(pending_temp, sizeof pending_temp, "%s", path ? path : "");
    const int sigs[3] = {SIGINT, SIGTERM, SIGHUP};
    for (int i = 0; i < 3; i++)
        signal(sigs[i], path ? remove_pending : SIG_DFL);
}

typedef struct run_options {
    const char *cell, *weights, *input, *out, *h0, *c0, *lengths, *backend, *device, *schedule;
    const char *weight_type, *onnx, *node, *memory_limit, *input_member;
    int layers, bidirectional, batch_first, verify, progress, quiet;
} run_options;

static void run_usage(FILE *f)
{
    fprintf(f,
            "usage: rnnscan run --cell rnn_tanh|rnn_relu|lstm|gru --weights W.npz --input X.npy\n"
            "                   --out OUT.npz [--h0 H0.npy] [--c0 C0.npy] [--lengths LEN.npy]\n"
            "                   [--layers N] [--bidirectional] [--batch-first]\n"
            "                   [--backend reference|cpu|opencl] [--device SPEC]\n"
            "                   [--schedule auto|host|persistent] [--weight-type f32|f16|bf16]\n"
            "                   [--verify] [--memory-limit SIZE] [--progress | --quiet]\n"
            "                   [--input-member NAME]\n"
            "W.npz: np.savez of a PyTorch state_dict (weight_ih_l0, weight_hh_l0, bias_*...);\n"
            "X.npy: (T, B, X), or (B, T, X) with --batch-first; H0/C0: (L*D, B, H) or (B, H);\n"
            "LEN.npy: (B,) int32/int64.  OUT.npz: output (T, B, D*H), h_n and c_n (L*D, B, H).\n"
            "--input may be an .npz: its only array, or the one --input-member names.  A\n"
            "compressed one (np.savez_compressed) is decompressed again for each chunk when\n"
            "time-major; np.savez (stored) or a batch-first input is read once.\n"
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
            "for lstm Y_c (D, B, H) or (B, D, H); outputs past a sequence's length are 0.\n"
            "\n"
            "The batch runs in chunks of sequences that fit --memory-limit (e.g. 256M, 4G;\n"
            "default: half the available memory), the input read and the outputs written\n"
            "chunk by chunk (OUT.npz appears only when complete).  --device all, or a list\n"
            "(0,2 or name substrings), splits the batch across OpenCL devices.  Progress on\n"
            "stderr for runs over 2 s on a terminal; --progress always, --quiet never.\n");
}

/* One clear line on stderr, and the exit status of a failure. */
__attribute__((format(printf, 1, 2))) static int fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "rnnscan run: %s", rank_prefix);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
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
        else if (!strcmp(a, "--progress"))
            o->progress = 1;
        else if (!strcmp(a, "--quiet"))
            o->quiet = 1;
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
                {"--memory-limit", offsetof(run_options, memory_limit)},
                {"--input-member", offsetof(run_options, input_member)},
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
    if (o->progress && o->quiet)
        return fail("--progress and --quiet contradict each other"), 0;
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
    rnnscan_npy_reader *x_reader;
    int x_is_npz;            /* --input is an .npz archive */
    rnnscan_array x, h0, c0; /* x: only when it cannot be read in slices */
    rnnscan_int_array lengths;
} run_data;

static void free_data(run_data *d)
{
    rnnscan_npy_reader_close(d->x_reader);
    rnnscan_array_free(&d->x);
    rnnscan_array_free(&d->h0);
    rnnscan_array_free(&d->c0);
    rnnscan_int_array_free(&d->lengths);
}

/* Opens a context of `backend` on `device` and makes the model from the
 * npz, or the ONNX file, there. */
static int open_model(const run_options *o, const char *backend_name, const char *device,
                      rnnscan_npz *npz, const rnnscan_model_desc *desc, rnnscan_context **ctx,
                      rnnscan_model **model)
{
    rnnscan_context_options copts = {.backend = RNNSCAN_BACKEND_REFERENCE, .device = device};
    if (rnnscan_backend_parse(backend_name, &copts.backend) != RNNSCAN_OK)
        return fail("--backend: %s", rnnscan_last_error()), 0;
    if (rnnscan_context_create(&copts, ctx) != RNNSCAN_OK)
        return fail("backend %s%s%s: %s", backend_name, device ? ", device " : "",
                    device ? device : "", rnnscan_last_error()), 0;
    if (o->onnx) {
        if (rnnscan_model_load_onnx(*ctx, o->onnx, o->node, model) != RNNSCAN_OK)
            return fail("%s", rnnscan_last_error()), 0; /* the path leads the message */
    } else if (rnnscan_model_from_npz(*ctx, npz, desc, model) != RNNSCAN_OK) {
        return fail("%s: %s", o->weights, rnnscan_last_error()), 0;
    }
    return 1;
}

/* --device for the opencl backend: "all", a comma-separated list (indices
 * or name substrings), or one spec (NULL: the default device).  Fills
 * specs (pointing into `storage` or at the argument) and returns their
 * count, 0 after printing an error. */
static int device_specs(const char *arg, int opencl, char *storage, size_t cap,
                        const char *specs[STREAM_MAX_WORKERS])
{
    if (!opencl || !device_specs_many(arg)) {
        specs[0] = arg;
        return 1;
    }
    char err[512];
    const int n = device_specs_split(arg, storage, cap, specs, STREAM_MAX_WORKERS, err, sizeof err);
    if (n == 0)
        return fail("%s", err), 0;
    return n;
}

/* A size like 256M, 4G, 1.5G or 100000 (bytes; K, M, G, T are powers of
 * 1024, an optional B or iB after them).  0 when malformed. */
static size_t parse_size(const char *text)
{
    char *end;
    const double v = strtod(text, &end);
    double scale = 1;
    switch (*end) {
    case 'k': case 'K': scale = 1024.0, end++; break;
    case 'm': case 'M': scale = 1024.0 * 1024, end++; break;
    case 'g': case 'G': scale = 1024.0 * 1024 * 1024, end++; break;
    case 't': case 'T': scale = 1024.0 * 1024 * 1024 * 1024, end++; break;
    default: break;
    }
    if (*end == 'i' && scale > 1)
        end++;
    if (*end == 'B' || *end == 'b')
        end++;
    if (end == text || *end || !(v > 0) || v * scale >= 9.2e18)
        return 0;
    return (size_t)(v * scale);
}

/* Half the memory Linux reports available (MemAvailable), else 1 GiB. */
static size_t default_memory_limit(void)
{
    size_t kib = 0;
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %zu kB", &kib) == 1)
            break;
    if (f)
        fclose(f);
    return kib ? kib * 1024 / 2 : (size_t)1 << 30;
}

/* Sequences per chunk within `limit` bytes shared by `workers`; 0 (the
 * message printed) when not even one sequence fits.  Per sequence: its
 * chunk buffers (x, y, states), the backend's scratch for it (gathered x,
 * two layer outputs, the gate pre-activations), and with --verify the
 * reference's outputs and its double-precision activations. */
static size_t chunk_size(size_t limit, int workers, size_t fixed, const out_layout *l, size_t X,
                         size_t G, int verify)
{
    const size_t DS = l->D * l->S, wide = X > DS ? X : DS;
    size_t per_seq = 4 * l->T * (2 * X + 3 * DS + G * l->H) + 16 * l->LD * (l->S + l->H);
    if (verify)
        per_seq += 4 * l->T * DS + 16 * l->T * wide + 8 * l->LD * (l->S + l->H);
    const size_t share = limit > fixed ? (limit - fixed) / (size_t)workers : 0;
    if (share < per_seq) {
        fail("--memory-limit: %zu bytes is too small: the model and states take about %zu, "
             "and one sequence (T = %zu) about %zu more per device",
             limit, fixed, l->T, per_seq);
        return 0;
    }
    size_t n = share / per_seq;
    /* several devices: at least 4 chunks each, so a faster one can take more */
    const size_t spread = (l->B + 4 * (size_t)workers - 1) / (4 * (size_t)workers);
    if (workers > 1 && n > spread)
        n = spread;
    return n < l->B ? n : l->B;
}

/* Whether `path` starts as a zip archive does (an .npz), whatever its name. */
static int is_zip(const char *path)
{
    unsigned char magic[4] = {0};
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0; /* the reader names the problem */
    const size_t got = fread(magic, 1, sizeof magic, f);
    fclose(f);
    return got == 4 && magic[0] == 'P' && magic[1] == 'K' &&
           ((magic[2] == 3 && magic[3] == 4) || (magic[2] == 5 && magic[3] == 6));
}

/* Opens x's reader: a .npy, or an .npz's only member or --input-member.
 * 0 after printing an error. */
static int open_input(const run_options *o, run_data *d)
{
    const int npz = d->x_is_npz = is_zip(o->input);
    if (o->input_member && !npz)
        return fail("--input-member goes with an .npz --input; '%s' is not one", o->input), 0;
    const rnnscan_status st =
        npz ? rnnscan_npy_reader_open_npz(o->input, o->input_member, &d->x_reader)
            : rnnscan_npy_reader_open(o->input, &d->x_reader);
    if (st != RNNSCAN_OK)
        return fail("%s%s", rnnscan_last_error(),
                    npz && st == RNNSCAN_INVALID_ARGUMENT ? " with --input-member NAME" : ""), 0;
    return 1;
}

/* The whole input in memory (a Fortran-order array cannot be read in slices). */
static int read_input_whole(const run_options *o, const run_data *d, rnnscan_array *x)
{
    if (!d->x_is_npz)
        return rnnscan_npy_read(o->input, x) == RNNSCAN_OK;
    rnnscan_npz *npz = NULL;
    int ok = rnnscan_npz_open(o->input, &npz) == RNNSCAN_OK &&
             rnnscan_npz_get(npz, o->input_member ? o->input_member : rnnscan_npz_name(npz, 0),
                             x) == RNNSCAN_OK;
    rnnscan_npz_close(npz);
    return ok;
}

/* Reads and checks the inputs (x in slices, the states, the lengths),
 * fills the job's sizes and chunk size.  0 after printing an error. */
static int load_inputs(const run_options *o, const rnnscan_model_desc *desc, size_t limit,
                       run_data *d, stream_job *job)
{
    const size_t D = desc->bidirectional ? 2 : 1, LD = (size_t)desc->num_layers * D;
    /* S: the width of h, proj_size for a projected LSTM (weight_hr in the file) */
    const size_t H = (size_t)desc->hidden_size, S = desc->proj_size ? (size_t)desc->proj_size : H;
    char got[128];
    size_t shape[RNNSCAN_MAX_DIMS];
    if (!open_input(o, d))
        return 0;
    const int ndim = rnnscan_npy_reader_shape(d->x_reader, shape);
    if (ndim != 3 || shape[2] != (size_t)desc->input_size || shape[0] == 0 || shape[1] == 0 ||
        shape[0] > 0x7fffffff || shape[1] > 0x7fffffff)
        return fail("%s: expected shape %s with X = %d, found %s", o->input,
                    o->batch_first ? "(B, T, X)" : "(T, B, X)", desc->input_size,
                    shape_str(shape, ndim, got, sizeof got)), 0;
    if (rnnscan_npy_reader_read(d->x_reader, 0, 0, NULL) == RNNSCAN_NOT_SUPPORTED &&
        !read_input_whole(o, d, &d->x)) /* Fortran order: read it whole */
        return fail("%s", rnnscan_last_error()), 0;
    const size_t T = o->batch_first ? shape[1] : shape[0];
    const size_t B = o->batch_first ? shape[0] : shape[1];
    const int layout = desc->batch_first; /* an ONNX node's layout attribute */
    if (o->h0 && (rnnscan_npy_read(o->h0, &d->h0) != RNNSCAN_OK ||
                  !(o->onnx ? onnx_state_in(o->h0, &d->h0, layout, LD, B, S)
                            : check_state(o->h0, &d->h0, LD, B, S)))) {
        if (d->h0.data == NULL)
            fail("%s", rnnscan_last_error());
        return 0;
    }
    if (o->c0 && (rnnscan_npy_read(o->c0, &d->c0) != RNNSCAN_OK ||
                  !(o->onnx ? onnx_state_in(o->c0, &d->c0, layout, LD, B, H)
                            : check_state(o->c0, &d->c0, LD, B, H)))) {
        if (d->c0.data == NULL)
            fail("%s", rnnscan_last_error());
        return 0;
    }
    if (o->lengths) {
        if (rnnscan_npy_read_int(o->lengths, &d->lengths) != RNNSCAN_OK)
            return fail("%s", rnnscan_last_error()), 0;
        if (d->lengths.ndim != 1 || d->lengths.shape[0] != B) {
            size_t want = B;
            char w[64];
            return fail("%s: expected shape %s, found %s", o->lengths,
                        shape_str(&want, 1, w, sizeof w),
                        shape_str(d->lengths.shape, d->lengths.ndim, got, sizeof got)), 0;
        }
        for (size_t b = 0; b < B; b++) /* before any output exists */
            if (d->lengths.data[b] < 1 || (size_t)d->lengths.data[b] > T)
                return fail("%s: lengths[%zu] = %d is outside 1..T = 1..%zu", o->lengths, b,
                            d->lengths.data[b], T), 0;
    }
    job->out = (out_layout){.onnx = o->onnx != NULL, .batch_first = o->batch_first,
                            .lstm = desc->cell == RNNSCAN_CELL_LSTM, .T = T, .B = B, .D = D,
                            .S = S, .H = H, .LD = LD};
    const size_t G = (size_t)rnnscan_cell_gates(desc->cell);
    /* what stays whole: the weights (the caller's copy, the backend's packed
     * one, a device's), the states, the lengths; and room for the libraries */
    const size_t weights = 4 * G * H * ((size_t)desc->input_size + D * S + S) * LD;
    const size_t fixed = 3 * weights * (size_t)job->workers + 4 * LD * B * (S + H) + 4 * B +
                         ((size_t)32 << 20);
    job->chunk = chunk_size(limit, job->workers, fixed, &job->out, (size_t)desc->input_size, G,
                            o->verify);
    job->x_reader = d->x_reader;
    job->x_whole = d->x.data;
    job->X = (size_t)desc->input_size;
    job->h0 = d->h0.data;
    job->c0 = d->c0.data;
    job->lengths = d->lengths.data;
    job->verify = o->verify;
    return job->chunk > 0;
}

/* Under MPI, rank r's device: the r-th (node-local) of a list or of all
 * devices, or of all when none is named; a single spec serves every rank. */
static const char *rank_device(const mpi_world *mw, const char *arg, int opencl, char *buf,
                               size_t cap)
{
    if (!mw->active || !opencl || (arg && !device_specs_many(arg)))
        return arg;
    char list[1024], err[512];
    const char *items[STREAM_MAX_WORKERS];
    const int n = device_specs_split(arg ? arg : "all", list, sizeof list, items,
                                     STREAM_MAX_WORKERS, err, sizeof err);
    if (n == 0)
        return arg; /* the context's creation names the problem */
    snprintf(buf, cap, "%s", items[mw->local_rank % n]);
    return buf;
}

/* The run on this process; under MPI every rank runs it, agreeing at each
 * step that can fail on one rank alone (its device, its memory, its slice)
 * so that none waits for a rank that stopped. */
static int run_main(int argc, char **argv, const mpi_world *mw)
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
    size_t limit = default_memory_limit() / (size_t)(mw->local_size > 0 ? mw->local_size : 1);
    if (o.memory_limit && !(limit = parse_size(o.memory_limit)))
        return fail("--memory-limit: '%s' is not a size (e.g. 256M, 4G, 100000)", o.memory_limit);
    stream_job job;
    memset(&job, 0, sizeof job);
    if (o.schedule) {
        static const char *const names[] = {"auto", "host", "persistent"};
        int found = -1;
        for (int i = 0; i < 3; i++)
            if (!strcmp(o.schedule, names[i]))
                found = i;
        if (found < 0)
            return fail("--schedule: unknown schedule '%s' (auto, host, persistent)", o.schedule);
        job.schedule = (rnnscan_schedule)found;
    }
    const int opencl = !strcmp(o.backend, "opencl");
    char rank_spec[256], device_storage[1024];
    const char *device = rank_device(mw, o.device, opencl, rank_spec, sizeof rank_spec);
    const char *specs[STREAM_MAX_WORKERS];
    job.workers = device_specs(device, opencl, device_storage, sizeof device_storage, specs);
    if (!job.workers)
        return 1;

    int status = 1;
    run_data d;
    memset(&d, 0, sizeof d);
    rnnscan_npz *npz = NULL;
    rnnscan_context *ctx[STREAM_MAX_WORKERS] = {0}, *ref_ctx[STREAM_MAX_WORKERS] = {0};
    int ok = o.onnx || rnnscan_npz_open(o.weights, &npz) == RNNSCAN_OK;
    if (!ok)
        fail("%s", rnnscan_last_error());
    for (int w = 0; ok && w < job.workers; w++) {
        ok = open_model(&o, o.backend, specs[w], npz, &desc, &ctx[w], &job.models[w]);
        if (ok)
            job.names[w] = rnnscan_context_device_name(ctx[w]);
        if (ok && o.verify)
            ok = open_model(&o, "reference", NULL, npz, &desc, &ref_ctx[w], &job.ref_models[w]);
    }
    if (ok) {
        desc = rnnscan_model_describe(job.models[0]);
        if (o.onnx) {
            o.batch_first = desc.batch_first; /* the node's layout */
            if (o.c0 && desc.cell != RNNSCAN_CELL_LSTM)
                ok = !fail("--c0 is for an LSTM node, %s's is %s", o.onnx,
                           rnnscan_cell_name(desc.cell));
        }
    }
    ok = ok && load_inputs(&o, &desc, limit, &d, &job);
    if (!mpi_all_ok(mw, ok))
        goto done; /* each failing rank said why */
    const size_t B = job.out.B;
    job.begin = B * (size_t)mw->rank / (size_t)mw->size; /* this rank's slice */
    job.end = B * (size_t)(mw->rank + 1) / (size_t)mw->size;
    job.who = rank_prefix;
    job.progress = o.quiet ? 0 : o.progress ? 2 : isatty(2) ? 1 : 0;
    if (job.progress)
        fprintf(stderr, "rnnscan run: %s%zu sequences ([%zu, %zu) of %zu) in %zu chunks of up to "
                "%zu (memory limit %.0f MiB), on %d device%s\n",
                rank_prefix, job.end - job.begin, job.begin, job.end, B,
                (job.end - job.begin + job.chunk - 1) / job.chunk, job.chunk,
                (double)limit / (1 << 20), job.workers, job.workers > 1 ? "s" : "");

    /* rank 0 lays out the archive; the others write into its temporary file */
    const char *names[3];
    rnnscan_array shapes[3];
    const int members = out_members(&job.out, names, shapes);
    char temp_path[4096] = "";
    ok = 1;
    if (mw->rank == 0) {
        ok = rnnscan_npz_writer_create(o.out, members, names, shapes, &job.writer) == RNNSCAN_OK;
        if (!ok)
            fail("%s", rnnscan_last_error());
        else
            snprintf(temp_path, sizeof temp_path, "%s", rnnscan_npz_writer_temp_path(job.writer));
        watch_temp(ok ? temp_path : NULL);
    }
    mpi_share_text(mw, temp_path, sizeof temp_path);
    if (mw->rank != 0) {
        ok = temp_path[0] && rnnscan_npz_writer_attach(temp_path, members, names, shapes,
                                                       &job.writer) == RNNSCAN_OK;
        if (!ok && temp_path[0])
            fail("%s", rnnscan_last_error());
    }
    if (!mpi_all_ok(mw, ok)) {
        rnnscan_npz_writer_abort(job.writer);
        goto done;
    }
    stream_result result;
    int failed = stream_run(&job, &result);
    if (mw->active && o.progress)
        for (int w = 0; w < job.workers; w++)
            fprintf(stderr, "rnnscan run: %s%s ran %zu sequences of this rank's [%zu, %zu)\n",
                    rank_prefix, job.names[w], result.done[w], job.begin, job.end);
    else if (job.workers > 1 && !o.quiet)
        for (int w = 0; w < job.workers; w++)
            fprintf(stderr, "rnnscan run: %s ran %zu of %zu sequences\n", job.names[w],
                    result.done[w], B);
    if (o.verify) {
        mpi_reduce_verify(mw, &result.max_abs, &result.max_rel, &result.verified_ok);
        const int all_ran = mpi_all_ok(mw, !failed);
        if (mw->rank == 0 && all_ran)
            printf("verify: max |%s - reference| = %.3g, max relative = %.3g (tolerance 2e-05 + "
                   "2e-05 |ref|): %s\n",
                   o.backend, result.max_abs, result.max_rel, result.verified_ok ? "ok" : "FAILED");
        failed |= !result.verified_ok; /* no output file for a result that failed verification */
    }
    /* every rank has stopped writing; the attached ones close (their data on
     * disk) before rank 0 completes the archive, or removes it */
    const int first_failed = mpi_first_failed(mw, !failed);
    if (first_failed >= 0 && !failed)
        fail("stopped: rank %d failed", first_failed);
    ok = first_failed < 0;
    if (mw->rank != 0 && rnnscan_npz_writer_finish(job.writer) != RNNSCAN_OK && ok)
        ok = !fail("%s", rnnscan_last_error());
    ok = mpi_all_ok(mw, ok);
    if (mw->rank == 0) {
        if (!ok) {
            rnnscan_npz_writer_abort(job.writer);
        } else if (rnnscan_npz_writer_finish(job.writer) != RNNSCAN_OK) {
            ok = !fail("%s", rnnscan_last_error());
        }
    }
    watch_temp(NULL); /* finished or aborted: nothing left to remove */
    status = mpi_all_ok(mw, ok) ? 0 : 1;
done:
    free_data(&d);
    for (int w = 0; w < job.workers; w++) {
        rnnscan_model_free(job.ref_models[w]);
        rnnscan_model_free(job.models[w]);
        rnnscan_context_free(ref_ctx[w]);
        rnnscan_context_free(ctx[w]);
    }
    rnnscan_npz_close(npz);
    return status;
}

int cli_run(int argc, char **argv)
{
    mpi_world mw;
    mpi_start(&argc, &argv, &mw);
    rank_prefix = mw.prefix;
    const int status = run_main(argc, argv, &mw);
    mpi_stop(&mw);
    return status;
}
