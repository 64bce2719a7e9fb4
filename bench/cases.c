/* The benchmark's named case sets and the parser of --cases. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

typedef struct named_set {
    const char *name;
    const char *specs; /* comma-separated cell:T:B:X:H */
} named_set;

/* notebook: the shapes of the notebook "RNN a pie" (emb 128, T 256, h 16;
 * its LSTM example 10 -> 20 over 5 steps).  deepbench: Baidu DeepBench's
 * inference LSTM shapes.  quick: small enough that every backend, the
 * double-precision reference included, finishes the set in well under a
 * minute on two cores. */
static const named_set sets[] = {
    {"quick", "rnn_tanh:256:1:128:16,lstm:256:1:128:16,lstm:5:1:10:20,"
              "rnn_tanh:64:16:256:256,lstm:64:16:256:256,gru:64:16:256:256,lstm:25:1:512:512"},
    {"notebook", "rnn_tanh:256:1:128:16,lstm:256:1:128:16,lstm:5:1:10:20"},
    {"batched", "rnn_tanh:256:64:256:256,lstm:256:64:256:256,gru:256:64:256:256"},
    {"large", "lstm:64:256:1024:1024"},
    {"latency", "lstm:100:1:512:512"},
    {"deepbench", "lstm:25:1:512:512,lstm:25:4:512:512,lstm:25:1:1024:1024,"
                  "lstm:25:4:1024:1024,lstm:25:1:2048:2048,lstm:25:4:2048:2048,"
                  "lstm:150:1:256:256"},
    {"all", "notebook,batched,large,latency,deepbench"},
};
#define N_SETS (sizeof sets / sizeof sets[0])

const char *bench_set_names(void) { return "quick, notebook, batched, large, latency, deepbench, all"; }

void bench_case_label(const bench_case *c, char *buf, size_t len)
{
    snprintf(buf, len, "%s:%d:%d:%d:%d%s%s", rnnscan_cell_name(c->cell), c->T, c->B, c->X, c->H,
             c->weight_type ? ":" : "", c->weight_type ? rnnscan_weight_type_name(c->weight_type) : "");
}

static int parse_positive(const char *s, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v <= 0 || v > 1000000)
        return 0;
    *out = (int)v;
    return 1;
}

/* "cell:T:B:X:H[:weight_type]" -> c; 0 on any malformed part. */
static int parse_spec(char *spec, bench_case *c, char *err, size_t errlen)
{
    char whole[128];
    snprintf(whole, sizeof whole, "%s", spec); /* the split below cuts spec */
    char *parts[6];
    int n = 0;
    for (char *p = spec; p; n++) { /* split on ':' keeping empty fields, so "lstm::1" is an error */
        char *colon = strchr(p, ':');
        if (colon)
            *colon = '\0';
        if (n < 6)
            parts[n] = p;
        p = colon ? colon + 1 : NULL;
    }
    if (n != 5 && n != 6) {
        snprintf(err, errlen, "case '%s': want cell:T:B:X:H[:f16|bf16] (e.g. lstm:256:64:256:256)",
                 whole);
        return 0;
    }
    c->weight_type = RNNSCAN_F32;
    if (n == 6 && rnnscan_weight_type_parse(parts[5], &c->weight_type) != RNNSCAN_OK) {
        snprintf(err, errlen, "case '%s': weight type '%s': want f32, f16 or bf16", whole, parts[5]);
        return 0;
    }
    if (rnnscan_cell_parse(parts[0], &c->cell) != RNNSCAN_OK) {
        snprintf(err, errlen, "case cell '%s': want rnn_tanh, rnn_relu, lstm or gru", parts[0]);
        return 0;
    }
    int *dims[4] = {&c->T, &c->B, &c->X, &c->H};
    static const char *names[4] = {"T", "B", "X", "H"};
    for (int i = 0; i < 4; i++)
        if (!parse_positive(parts[i + 1], dims[i])) {
            snprintf(err, errlen, "case %s: %s = '%s' is not an integer in 1..1000000", parts[0],
                     names[i], parts[i + 1]);
            return 0;
        }
    return 1;
}

static int add_case(bench_options *o, const bench_case *c, char *err, size_t errlen)
{
    for (int i = 0; i < o->n_cases; i++) /* a case named twice (e.g. 'quick,notebook') runs once */
        if (memcmp(&o->cases[i], c, sizeof *c) == 0)
            return 1;
    if (o->n_cases == BENCH_MAX_CASES) {
        snprintf(err, errlen, "--cases: more than %d cases", BENCH_MAX_CASES);
        return 0;
    }
    o->cases[o->n_cases++] = *c;
    return 1;
}

static int parse_list(const char *list, bench_options *o, int depth, char *err, size_t errlen)
{
    char *copy = strdup(list);
    if (!copy) {
        snprintf(err, errlen, "out of memory");
        return 0;
    }
    int ok = 1, items = 0;
    for (char *save = NULL, *item = strtok_r(copy, ",", &save); ok && item;
         item = strtok_r(NULL, ",", &save), items++) {
        const named_set *set = NULL;
        for (size_t i = 0; i < N_SETS; i++)
            if (strcmp(item, sets[i].name) == 0)
                set = &sets[i];
        if (set && depth < 2) {
            ok = parse_list(set->specs, o, depth + 1, err, errlen);
        } else if (strchr(item, ':')) {
            bench_case c;
            ok = parse_spec(item, &c, err, errlen) && add_case(o, &c, err, errlen);
        } else {
            snprintf(err, errlen, "unknown case set '%s' (sets: %s; or cell:T:B:X:H)", item,
                     bench_set_names());
            ok = 0;
        }
    }
    if (ok && items == 0) {
        snprintf(err, errlen, "--cases: empty list");
        ok = 0;
    }
    free(copy);
    return ok;
}

int bench_parse_cases(const char *list, bench_options *o, char *err, size_t errlen)
{
    if (!parse_list(list, o, 0, err, errlen))
        return 0;
    if (o->n_weight_types == 0)
        return 1;
    /* --weight-type: every case once per type, in the order given, the types
     * of one shape next to each other */
    const int given = o->n_cases;
    bench_case shapes[BENCH_MAX_CASES];
    memcpy(shapes, o->cases, (size_t)given * sizeof *shapes);
    o->n_cases = 0;
    for (int i = 0; i < given; i++)
        for (int k = 0; k < o->n_weight_types; k++) {
            bench_case c = shapes[i];
            c.weight_type = o->weight_types[k];
            if (!add_case(o, &c, err, errlen))
                return 0;
        }
    return 1;
}
