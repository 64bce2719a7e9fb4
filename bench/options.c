/* Command-line options of `rnnscan bench`. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define DEFAULT_RUNS 7
#define MIN_RUNS 5
#define DEFAULT_REF_LIMIT_GFLOP 2.0

static void usage(FILE *f)
{
    fprintf(f,
            "usage: rnnscan bench [options]\n"
            "  --cases LIST        comma-separated set names (%s)\n"
            "                      and/or cell:T:B:X:H specs, e.g. lstm:256:64:256:256 "
            "(default: quick)\n"
            "  --backends LIST     reference,cpu,opencl (default: all; an unavailable one is n/a)\n"
            "  --schedule LIST     host, persistent and/or auto (default auto), comma-separated:\n"
            "                      the OpenCL backend runs once per schedule, side by side\n"
            "  --weight-type LIST  f32, f16 and/or bf16: every case once per weight type\n"
            "                      (replaces a case's own :f16/:bf16; default: f32 for a plain case)\n"
            "  --runs N            timed runs per case and backend, N >= %d (default %d)\n"
            "  --warmup N          untimed runs before them (default 1)\n"
            "  --device SPEC       OpenCL device: index or name substring (see rnnscan devices);\n"
            "                      all, or a list (0,2): OpenCL runs on each device, then on\n"
            "                      all of them at once (opencl@all, the batch split)\n"
            "  --lengths MODE      full (default) | uniform: lengths drawn in [T/4, T] per sequence\n"
            "  --layers N          stacked layers (default 1)\n"
            "  --bidirectional     a reverse direction per layer\n"
            "  --max-alloc BYTES   OpenCL also runs with buffers capped at BYTES (a chunked\n"
            "                      scan where the whole run does not fit), next to uncapped\n"
            "  --ref-limit GFLOP   the reference skips cases above GFLOP per pass (default %g;\n"
            "                      0 = run it on every case)\n"
            "  --csv | --json      machine-readable output instead of the table\n"
            "  --list              print the expanded cases, one cell:T:B:X:H per line, and stop\n"
            "Times are medians (and min / max) of the timed runs; program build and model\n"
            "creation (weights upload) are shown apart, never inside them.  Progress goes to\n"
            "stderr, results to stdout.\n",
            bench_set_names(), MIN_RUNS, DEFAULT_RUNS, DEFAULT_REF_LIMIT_GFLOP);
}

/* One line on stderr; returns -1 (a bad option). */
#ifdef __GNUC__
__attribute__((format(printf, 1, 2)))
#endif
static int bad(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "rnnscan bench: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (try 'rnnscan bench --help')\n");
    va_end(ap);
    return -1;
}

static int parse_int(const char *s, long lo, long hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return 0;
    *out = (int)v;
    return 1;
}

static int parse_schedules(const char *list, bench_options *o)
{
    static const struct {
        const char *name;
        rnnscan_schedule s;
    } known[] = {{"auto", RNNSCAN_SCHEDULE_AUTO},
                 {"host", RNNSCAN_SCHEDULE_HOST},
                 {"persistent", RNNSCAN_SCHEDULE_PERSISTENT}};
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    o->n_schedules = 0;
    for (char *save = NULL, *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        int k = 0;
        while (k < 3 && strcmp(p, known[k].name) != 0)
            k++;
        if (k == 3)
            return bad("--schedule: '%s'; want host, persistent or auto", p);
        for (int i = 0; i < o->n_schedules; i++)
            if (o->schedules[i] == known[k].s)
                return bad("--schedule: '%s' named twice", p);
        o->schedules[o->n_schedules++] = known[k].s;
    }
    if (o->n_schedules == 0)
        return bad("--schedule: empty list");
    return 1;
}

static int parse_backends(const char *list, bench_options *o)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", list);
    o->n_backends = 0;
    for (char *save = NULL, *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        rnnscan_backend b;
        if (rnnscan_backend_parse(p, &b) != RNNSCAN_OK)
            return bad("--backends: unknown backend '%s'; want reference, cpu or opencl", p);
        for (int i = 0; i < o->n_backends; i++)
            if (o->backends[i] == b)
                return bad("--backends: '%s' named twice", p);
        o->backends[o->n_backends++] = b;
    }
    if (o->n_backends == 0)
        return bad("--backends: empty list");
    return 1;
}

static int parse_weight_types(const char *list, bench_options *o)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s", list);
    o->n_weight_types = 0;
    for (char *save = NULL, *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        rnnscan_weight_type t;
        if (rnnscan_weight_type_parse(p, &t) != RNNSCAN_OK)
            return bad("--weight-type: '%s'; want f32, f16 or bf16", p);
        for (int i = 0; i < o->n_weight_types; i++)
            if (o->weight_types[i] == t)
                return bad("--weight-type: '%s' named twice", p);
        o->weight_types[o->n_weight_types++] = t;
    }
    if (o->n_weight_types == 0)
        return bad("--weight-type: empty list");
    return 1;
}

int bench_parse_options(int argc, char **argv, bench_options *o)
{
    memset(o, 0, sizeof *o);
    o->runs = DEFAULT_RUNS;
    o->warmup = 1;
    o->layers = 1;
    o->schedules[0] = RNNSCAN_SCHEDULE_AUTO;
    o->n_schedules = 1;
    o->ref_limit_gflop = DEFAULT_REF_LIMIT_GFLOP;
    const rnnscan_backend all[] = {RNNSCAN_BACKEND_REFERENCE, RNNSCAN_BACKEND_CPU,
                                   RNNSCAN_BACKEND_OPENCL};
    for (int i = 0; i < 3; i++)
        o->backends[o->n_backends++] = all[i];
    const char *cases = "quick";
    char err[BENCH_MSG];

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_value = i + 1 < argc;
        const char *v = has_value ? argv[i + 1] : NULL;
#define NEED_VALUE()                                                                               \
    do {                                                                                           \
        if (!has_value)                                                                            \
            return bad("%s needs a value", a);                                               \
        i++;                                                                                       \
    } while (0)
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--cases") == 0) {
            NEED_VALUE();
            cases = v;
        } else if (strcmp(a, "--backends") == 0) {
            NEED_VALUE();
            if (parse_backends(v, o) < 0)
                return -1;
        } else if (strcmp(a, "--schedule") == 0) {
            NEED_VALUE();
            if (parse_schedules(v, o) < 0)
                return -1;
        } else if (strcmp(a, "--weight-type") == 0) {
            NEED_VALUE();
            if (parse_weight_types(v, o) < 0)
                return -1;
        } else if (strcmp(a, "--runs") == 0) {
            NEED_VALUE();
            if (!parse_int(v, MIN_RUNS, 100000, &o->runs))
                return bad("--runs: '%s'; want an integer >= %d (a median needs a few runs)", v,
                           MIN_RUNS);
        } else if (strcmp(a, "--warmup") == 0) {
            NEED_VALUE();
            if (!parse_int(v, 0, 100000, &o->warmup))
                return bad("--warmup: '%s'; want an integer >= 0", v);
        } else if (strcmp(a, "--device") == 0) {
            NEED_VALUE();
            o->device = v;
        } else if (strcmp(a, "--lengths") == 0) {
            NEED_VALUE();
            if (strcmp(v, "uniform") == 0)
                o->lengths = BENCH_LENGTHS_UNIFORM;
            else if (strcmp(v, "full") == 0)
                o->lengths = BENCH_LENGTHS_FULL;
            else
                return bad("--lengths: '%s'; want full or uniform", v);
        } else if (strcmp(a, "--layers") == 0) {
            NEED_VALUE();
            if (!parse_int(v, 1, 64, &o->layers))
                return bad("--layers: '%s'; want an integer in 1..64", v);
        } else if (strcmp(a, "--bidirectional") == 0) {
            o->bidirectional = 1;
        } else if (strcmp(a, "--max-alloc") == 0) {
            NEED_VALUE();
            char *end;
            errno = 0;
            unsigned long long bytes = strtoull(v, &end, 10);
            if (errno || end == v || *end || v[0] == '-' || bytes < 1024)
                return bad("--max-alloc: '%s'; want a number of bytes >= 1024", v);
            o->max_alloc = (size_t)bytes;
        } else if (strcmp(a, "--ref-limit") == 0) {
            NEED_VALUE();
            char *end;
            errno = 0;
            o->ref_limit_gflop = strtod(v, &end);
            if (errno || end == v || *end || !(o->ref_limit_gflop >= 0))
                return bad("--ref-limit: '%s'; want a number of GFLOP >= 0", v);
        } else if (strcmp(a, "--csv") == 0 || strcmp(a, "--json") == 0) {
            bench_format f = a[2] == 'c' ? BENCH_CSV : BENCH_JSON;
            if (o->format != BENCH_TABLE && o->format != f)
                return bad("--csv and --json: choose one");
            o->format = f;
        } else if (strcmp(a, "--list") == 0) {
            o->list_only = 1;
        } else {
            return bad("unknown option '%s'", a);
        }
#undef NEED_VALUE
    }
    if (!bench_parse_cases(cases, o, err, sizeof err))
        return bad("%s", err);
    return 1;
}
