/* `rnnscan bench`: the benchmark of issue 5.  Cases and options (cases.c,
 * options.c), the timed runs (measure.c), the output (report.c), the driver
 * (bench.c). */
#ifndef RNNSCAN_BENCH_H
#define RNNSCAN_BENCH_H

#include <stdio.h>

#include "rnnscan.h"

#define BENCH_MAX_CASES 64
#define BENCH_MAX_SCHEDULES 3
#define BENCH_MAX_DEVICES 8 /* --device all or a list: each, and all together */
/* entries: each backend once, OpenCL once per schedule asked for, twice
 * with --max-alloc (without and with the cap), and with several devices
 * once per device and once for the group */
#define BENCH_MAX_BACKENDS (2 + 2 * BENCH_MAX_SCHEDULES * (BENCH_MAX_DEVICES + 1))
#define BENCH_MSG 512

/* One network shape and weight type: cell:T:B:X:H[:f16|bf16]. */
typedef struct bench_case {
    rnnscan_cell cell;
    int T, B, X, H;
    rnnscan_weight_type weight_type;
} bench_case;

typedef enum bench_lengths { BENCH_LENGTHS_FULL = 0, BENCH_LENGTHS_UNIFORM = 1 } bench_lengths;
typedef enum bench_format { BENCH_TABLE = 0, BENCH_CSV, BENCH_JSON } bench_format;

typedef struct bench_options {
    bench_case cases[BENCH_MAX_CASES];
    int n_cases;
    rnnscan_backend backends[BENCH_MAX_BACKENDS];
    rnnscan_schedule backend_schedules[BENCH_MAX_BACKENDS]; /* per entry, see bench.c */
    size_t backend_caps[BENCH_MAX_BACKENDS]; /* per entry: its context's max_alloc_bytes */
    int backend_devices[BENCH_MAX_BACKENDS]; /* per entry: index into device_specs, or
                                              * BENCH_GROUP for all of them at once */
    size_t max_alloc;       /* --max-alloc: OpenCL also runs capped at this many bytes */
    int n_backends;
    rnnscan_schedule schedules[BENCH_MAX_SCHEDULES]; /* --schedule, in order */
    int n_schedules;
    int runs, warmup;
    const char *device;     /* --device, NULL: RNNSCAN_DEVICE or the default */
    const char *device_specs[BENCH_MAX_DEVICES]; /* --device all or a list, split */
    int n_devices;                               /* 0: --device names one (or none) */
    char device_storage[512];
    bench_lengths lengths;
    int layers, bidirectional;
    double ref_limit_gflop; /* the reference skips cases above this; 0 = no limit */
    bench_format format;
    int list_only;          /* --list: print the expanded cases and stop */
    rnnscan_weight_type weight_types[3]; /* --weight-type, in order; each case runs with each */
    int n_weight_types;
} bench_options;

#define BENCH_GROUP (-1)

/* A backend as opened for the whole benchmark. */
typedef struct bench_backend {
    rnnscan_backend id;
    int device_index;          /* into device_specs, BENCH_GROUP, or 0 */
    const char *device_spec;   /* what its context was created with */
    /* BENCH_GROUP: the contexts of the single-device entries (not owned),
     * the batch split between them */
    rnnscan_context *group[BENCH_MAX_DEVICES];
    int group_size;
    rnnscan_schedule schedule; /* passed to every run (ignored but by OpenCL) */
    size_t cap;                /* rnnscan_context_options.max_alloc_bytes, 0 = none */
    char label[64];            /* "opencl", "opencl/persistent", "opencl/cap 1M",
                                  "opencl@1", "opencl@all" */
    char name[48];             /* "opencl", or "opencl@1" with several devices */
    rnnscan_context *ctx;      /* NULL: not available, see reason */
    int shares_ctx;            /* ctx belongs to an earlier entry */
    char reason[BENCH_MSG];
    char device[256];
    double build_ms;
} bench_backend;

typedef enum bench_outcome {
    BENCH_RAN = 0,
    BENCH_NA,      /* the backend cannot run it (NOT_SUPPORTED or unavailable) */
    BENCH_SKIPPED, /* left out on purpose (the reference above --ref-limit)    */
    BENCH_FAILED   /* an error: counted in the exit status                     */
} bench_outcome;

/* One case on one backend. */
typedef struct bench_result {
    int case_index, backend_index;
    bench_outcome outcome;
    char note[BENCH_MSG];
    double median_ms, min_ms, max_ms, model_ms, gflops;
    double first_ms;     /* the first scan (warm-up): AUTO's probe on a new shape */
    double active_steps; /* T*B, or the sum of the lengths */
    int runs;
    double speedup;      /* base median / this median; 0 when no base ran */
    int speedup_base;    /* backend index of the base, -1 none           */
    double max_abs_diff; /* vs the reference; NAN when not compared       */
    int compared;        /* 1 when max_abs_diff is meaningful             */
    rnnscan_schedule ran; /* what the scans ran (AUTO resolved); AUTO: none */
} bench_result;

/* cases.c */
/* Appends the cases of a comma-separated list of set names and
 * cell:T:B:X:H specs.  Returns 1, or 0 with one line in err. */
int bench_parse_cases(const char *list, bench_options *o, char *err, size_t errlen);
const char *bench_set_names(void); /* "quick, notebook, ..." for the usage text */
void bench_case_label(const bench_case *c, char *buf, size_t len); /* "lstm:256:64:256:256" */

/* options.c: returns 1 to run, 0 after --help (exit 0), -1 on a bad option (one
 * line already on stderr). */
int bench_parse_options(int argc, char **argv, bench_options *o);

/* flops of one pass: 2 * G * H * (In + H) per active (step, sequence) and
 * layer-direction; active_steps = T*B, or the sum of the lengths. */
double bench_flops(const bench_options *o, const bench_case *c, double active_steps);

/* measure.c: runs case c on backend be, fills r; y_ref etc. hold the
 * reference's outputs (NULL when it did not run) and, run on the reference,
 * receive them. */
typedef struct bench_outputs {
    float *y, *h_n, *c_n;
    size_t y_elems, state_elems;
} bench_outputs;
int bench_outputs_alloc(bench_outputs *out, const bench_options *o, const bench_case *c);
void bench_outputs_free(bench_outputs *out);

typedef struct bench_inputs {
    rnnscan_model_desc desc;
    rnnscan_weights *weights; /* L*D entries, views of bufs */
    struct weights_buf *bufs; /* support.h */
    float *x;
    int *lengths;             /* NULL for full-length sequences */
    double active_steps;
} bench_inputs;
int bench_inputs_make(bench_inputs *in, const bench_options *o, const bench_case *c,
                      unsigned long long seed);
void bench_inputs_free(bench_inputs *in, const bench_options *o);

/* A group entry (several devices) runs an rnnscan_group over one model per
 * device: the library splits the batch by the rates it measured on its
 * previous scans (equal shares on the first two). */
void bench_measure(const bench_options *o, const bench_case *c, const bench_inputs *in,
                   const bench_backend *be, bench_outputs *out, const bench_outputs *ref,
                   bench_result *r);

/* report.c */
const char *bench_schedule_name(rnnscan_schedule s);
const char *bench_schedule_list(const bench_options *o); /* "host,persistent" */
void bench_report(FILE *f, const bench_options *o, const bench_backend *be,
                  const bench_result *results, int n_results);

int cli_bench(int argc, char **argv);

#endif
