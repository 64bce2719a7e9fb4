/* RNNSCAN_SCHEDULE_AUTO on OpenCL (src/opencl/cl_schedule.c): whatever it
 * chooses, the results are the reference's; its choice follows the costs in
 * the schedule cache, which is read back by later contexts, survives a
 * corrupt, missing or unwritable file, and stays valid under concurrent
 * writers.  Which schedule is faster is a benchmark's question
 * (bench/RESULTS.md): no test here asserts on time.
 *
 * Tolerance: |got - ref| <= 2e-5 + 2e-5 |ref|, the sweep's
 * (tests/test_backend_vs_reference.c says why). */
#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "device.h"
#include "expect.h"

#define ATOL 2e-5
#define RTOL 2e-5
#define CACHE_FILE "schedules-v1.tsv"
#define HEADER "# rnnscan schedule cache v1\n"

/* A fresh cache folder for this test (Criterion runs each test in its own
 * process, so the environment is the test's own). */
static const char *fresh_cache_dir(void)
{
    static char dir[64];
    snprintf(dir, sizeof dir, "/tmp/rnnscan-schedule-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    cr_assert_eq(setenv("RNNSCAN_CACHE_DIR", dir, 1), 0);
    return dir;
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strdup(buf);
}

static void write_text(const char *path, const char *text, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot write %s", path);
    cr_assert_eq(fwrite(text, 1, n, f), n);
    fclose(f);
}

/* Every line after the header is key TAB four finite costs >= 0; returns
 * the number of entries. */
static int expect_valid_cache(const char *dir)
{
    char path[256];
    snprintf(path, sizeof path, "%s/" CACHE_FILE, dir);
    char *text = read_text(path);
    cr_assert_not_null(text, "%s was not written", path);
    cr_assert_eq(strncmp(text, HEADER, strlen(HEADER)), 0, "%s: header: %.40s", path, text);
    int entries = 0;
    for (char *line = strtok(text + strlen(HEADER), "\n"); line; line = strtok(NULL, "\n")) {
        char key[600];
        double v[4];
        int n = sscanf(line, "%599[^\t]\t%lf\t%lf\t%lf\t%lf", key, &v[0], &v[1], &v[2], &v[3]);
        cr_expect_eq(n, 5, "%s: not an entry: %.80s", path, line);
        for (int i = 0; i < 4 && n == 5; i++)
            cr_expect(isfinite(v[i]) && v[i] >= 0, "%s: cost %g in %.80s", path, v[i], line);
        entries++;
    }
    free(text);
    return entries;
}

/* Case tc on a new OpenCL context with AUTO, checked against the reference;
 * returns the schedule the scan ran. */
static rnnscan_schedule auto_case(const test_case *tc, uint64_t seed)
{
    rnnscan_context *ref = NULL, *ctx = open_backend_or_skip(RNNSCAN_BACKEND_OPENCL);
    cr_assert_eq(rnnscan_context_create(NULL, &ref), RNNSCAN_OK);
    problem p;
    outputs got, want;
    char name[160];
    case_name(tc, name, sizeof name);
    cr_assert(problem_make(&p, tc, seed) && outputs_alloc(&got, &p) && outputs_alloc(&want, &p));
    cr_assert_eq(problem_run(ref, &p, &want), RNNSCAN_OK, "%s", rnnscan_last_error());
    rnnscan_model *m = NULL;
    cr_assert_eq(rnnscan_model_create(ctx, &p.desc, p.views, &m), RNNSCAN_OK, "%s",
                 rnnscan_last_error());
    cr_expect_eq(rnnscan_model_last_schedule(m), RNNSCAN_SCHEDULE_AUTO, "before any scan");
    cr_assert_eq(problem_scan(m, &p, &got), RNNSCAN_OK, "%s: %s", name, rnnscan_last_error());
    const rnnscan_schedule ran = rnnscan_model_last_schedule(m);
    cr_expect(ran == RNNSCAN_SCHEDULE_HOST || ran == RNNSCAN_SCHEDULE_PERSISTENT, "%s: ran %d",
              name, (int)ran);
    expect_outputs(name, &p, &got, &want, ATOL, RTOL);
    rnnscan_model_free(m);
    outputs_free(&got);
    outputs_free(&want);
    problem_free(&p);
    rnnscan_context_free(ctx);
    rnnscan_context_free(ref);
    return ran;
}

static const test_case small_rnn = {RNNSCAN_CELL_RNN_TANH, 24, 1, 16, 16, 1, 0, 1, 0, 0, 0,
                                    RNNSCAN_SCHEDULE_AUTO, RNNSCAN_F32, 0, 0, 0};

Test(schedule, auto_matches_the_reference_and_is_cached, .timeout = 300)
{
    const char *dir = fresh_cache_dir();
    const test_case cases[] = {
        small_rnn,
        {RNNSCAN_CELL_LSTM, 9, 5, 7, 12, 1, 1, 2, 1, 1, 1, RNNSCAN_SCHEDULE_AUTO,
         RNNSCAN_F32, 0, 0, 0},
        {RNNSCAN_CELL_GRU, 11, 3, 6, 40, 0, 1, 1, 0, 0, 1, RNNSCAN_SCHEDULE_AUTO,
         RNNSCAN_F32, 0, 0, 0},
        {RNNSCAN_CELL_RNN_RELU, 6, 70, 5, 24, 1, 0, 1, 1, 0, 0, RNNSCAN_SCHEDULE_AUTO,
         RNNSCAN_F32, 0, 0, 0},
    };
    const int n = (int)(sizeof cases / sizeof cases[0]);
    for (int i = 0; i < n; i++)
        auto_case(&cases[i], 100 + i);
    cr_expect_eq(expect_valid_cache(dir), n, "one entry per shape");
    for (int i = 0; i < n; i++) /* read back: same shapes, no new entries */
        auto_case(&cases[i], 200 + i);
    cr_expect_eq(expect_valid_cache(dir), n);
}

/* Rewrites the costs of the file's only entry. */
static void set_costs(const char *dir, const char *costs)
{
    char path[256], line[1024];
    snprintf(path, sizeof path, "%s/" CACHE_FILE, dir);
    char *text = read_text(path);
    cr_assert_not_null(text);
    char *key = text + strlen(HEADER), *tab = strchr(key, '\t');
    cr_assert_not_null(tab);
    *tab = '\0';
    int n = snprintf(line, sizeof line, HEADER "%s\t%s\n", key, costs);
    write_text(path, line, (size_t)n);
    free(text);
}

Test(schedule, the_cached_costs_decide, .timeout = 300)
{
    const char *dir = fresh_cache_dir();
    auto_case(&small_rnn, 1); /* probes, writes the entry */
    cr_assert_eq(expect_valid_cache(dir), 1);
    char path[256];
    snprintf(path, sizeof path, "%s/" CACHE_FILE, dir);
    const struct {
        const char *costs; /* host_a host_b persistent_a persistent_b */
        rnnscan_schedule want;
    } rows[] = {{"1000\t1000\t0\t0", RNNSCAN_SCHEDULE_PERSISTENT},
                {"0\t0\t1000\t1000", RNNSCAN_SCHEDULE_HOST},
                /* a + b*T at T = 24: host 1 + 24 = 25, persistent 10 + 24*0.5 = 22 */
                {"1\t1\t10\t0.5", RNNSCAN_SCHEDULE_PERSISTENT},
                {"1\t1\t14\t0.5", RNNSCAN_SCHEDULE_HOST}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        set_costs(dir, rows[i].costs);
        char *before = read_text(path);
        cr_expect_eq(auto_case(&small_rnn, 2 + i), rows[i].want, "costs %s", rows[i].costs);
        char *after = read_text(path);
        cr_expect_str_eq(after, before, "a known shape is not probed again");
        free(before);
        free(after);
    }
}

Test(schedule, a_corrupt_file_is_replaced, .timeout = 300)
{
    const char *dir = fresh_cache_dir();
    char path[256];
    snprintf(path, sizeof path, "%s/" CACHE_FILE, dir);
    static char long_line[20000];
    memset(long_line, 'k', sizeof long_line - 1);
    const char binary[] = {'\x7f', 'E', 'L', 'F', '\0', '\n', '\xff', '\t', '1'};
    char bodies[6][24000];
    snprintf(bodies[0], sizeof bodies[0], "garbage without a header\n");
    snprintf(bodies[1], sizeof bodies[1], "# rnnscan schedule cache v0\nold\t1\t2\t3\t4\n");
    snprintf(bodies[2], sizeof bodies[2],
             HEADER "nan entry\tnan\t1\t2\t3\nnegative\t-1\t1\t2\t3\nshort\t1\t2\n"
                    "letters\tone\ttwo\tthree\tfour\n%s\t1\t2\t3\t4\nother shape\t1\t2\t3\t4\n"
                    "cut short\t1\t2",
             long_line);
    snprintf(bodies[3], sizeof bodies[3], HEADER);
    snprintf(bodies[4], sizeof bodies[4], "%s", "");
    for (int i = 0; i < 6; i++) {
        if (i == 5)
            write_text(path, binary, sizeof binary);
        else
            write_text(path, bodies[i], strlen(bodies[i]));
        auto_case(&small_rnn, 10 + i);
        const int entries = expect_valid_cache(dir);
        /* body 2 keeps its one valid entry ("other shape") next to the new one */
        cr_expect_eq(entries, i == 2 ? 2 : 1, "corrupt body %d: %d entries", i, entries);
        remove(path);
    }
}

Test(schedule, missing_or_unwritable_folders_change_nothing, .timeout = 300)
{
    const char *base = fresh_cache_dir();
    char nested[256], blocked[320], file[256];
    snprintf(nested, sizeof nested, "%s/a/b/c", base);
    cr_assert_eq(setenv("RNNSCAN_CACHE_DIR", nested, 1), 0);
    auto_case(&small_rnn, 20);
    cr_expect_eq(expect_valid_cache(nested), 1, "the missing folders are created");

    snprintf(file, sizeof file, "%s/a-file", base);
    write_text(file, "x", 1);
    snprintf(blocked, sizeof blocked, "%s/sub", file); /* a folder under a file: mkdir fails */
    cr_assert_eq(setenv("RNNSCAN_CACHE_DIR", blocked, 1), 0);
    auto_case(&small_rnn, 21);
    struct stat st;
    cr_expect_neq(stat(blocked, &st), 0, "nothing was made under the file");

    cr_assert_eq(setenv("RNNSCAN_CACHE_DIR", "", 1), 0); /* empty: no disk cache */
    auto_case(&small_rnn, 22);
}

/* Threads, each with its own context, probing different shapes at once and
 * writing the same file. */
typedef struct writer {
    int H;
    rnnscan_status st;
    double worst;
} writer;

static void *write_concurrently(void *arg)
{
    writer *w = arg;
    rnnscan_context *ctx = NULL, *ref = NULL;
    test_case tc = small_rnn;
    tc.H = w->H;
    problem p;
    outputs got = {0}, want = {0};
    w->st = RNNSCAN_OUT_OF_MEMORY;
    w->worst = INFINITY;
    if (!problem_make(&p, &tc, (uint64_t)w->H))
        return NULL;
    rnnscan_context_options opts = {.backend = RNNSCAN_BACKEND_OPENCL};
    if (outputs_alloc(&got, &p) && outputs_alloc(&want, &p) &&
        (w->st = rnnscan_context_create(&opts, &ctx)) == RNNSCAN_OK &&
        (w->st = rnnscan_context_create(NULL, &ref)) == RNNSCAN_OK &&
        (w->st = problem_run(ref, &p, &want)) == RNNSCAN_OK &&
        (w->st = problem_run(ctx, &p, &got)) == RNNSCAN_OK) {
        size_t at;
        w->worst = worst_ratio(got.y, want.y, p.y_elems, ATOL, RTOL, &at);
        double h = worst_ratio(got.h_n, want.h_n, p.h_elems, ATOL, RTOL, &at);
        w->worst = h > w->worst ? h : w->worst;
    }
    rnnscan_context_free(ctx);
    rnnscan_context_free(ref);
    outputs_free(&got);
    outputs_free(&want);
    problem_free(&p);
    return NULL;
}

Test(schedule, concurrent_writers_leave_a_valid_file, .timeout = 300)
{
    const char *dir = fresh_cache_dir();
    enum { THREADS = 4 };
    for (int round = 0; round < 2; round++) {
        pthread_t t[THREADS];
        writer w[THREADS];
        for (int i = 0; i < THREADS; i++) {
            w[i] = (writer){.H = 8 * (1 + i + THREADS * round)};
            cr_assert_eq(pthread_create(&t[i], NULL, write_concurrently, &w[i]), 0);
        }
        for (int i = 0; i < THREADS; i++) {
            pthread_join(t[i], NULL);
            cr_expect_eq(w[i].st, RNNSCAN_OK, "H=%d: %s", w[i].H, rnnscan_status_name(w[i].st));
            cr_expect_leq(w[i].worst, 1.0, "H=%d: worst ratio %g", w[i].H, w[i].worst);
        }
        /* the last rename wins, so entries may be missing, never broken */
        const int entries = expect_valid_cache(dir);
        cr_expect(entries >= 1 && entries <= THREADS * (round + 1), "%d entries", entries);
    }
}
