/* The scenario the fault-injection and audit tests run, under the OpenCL shim
 * (cl_shim.c, LD_PRELOAD) or without it.
 *
 *   fault_scenario fault   OpenCL context; an LSTM (2 layers, bidirectional)
 *                          scanned on the host schedule (B = 3) then the
 *                          persistent one (B = 4, so scratch grows), both with
 *                          lengths and h0 / c0; a GRU model and one
 *                          rnnscan_model_step; everything freed.
 *   fault_scenario audit   a large LSTM (2 layers, bidirectional, lengths,
 *                          h0 / c0, T*B = 4800) on both schedules.
 *
 * Every result is compared with the reference backend (|d| <= 2e-5 +
 * 2e-5 |ref|, outputs NaN-poisoned before each run).  With a failure injected
 * by the shim (RNNSCAN_FAULT_AT), each rnnscan call is judged:
 *   - it failed and the shim fired during it: the status is
 *     RNNSCAN_OPENCL_ERROR (RNNSCAN_BUILD_FAILED for clBuildProgram), the
 *     detail (rnnscan_last_error() and the handle's error) names the failing
 *     call and its error, a failed create left no OpenCL object alive, and
 *     the call is made again, which must succeed (and the same model must
 *     give correct results);
 *   - it succeeded although the shim fired during it: the failure was
 *     absorbed, allowed for a query (clGet*Info) only, and then only if every
 *     later call succeeds with correct results;
 *   - it failed with no failure injected during it: a failure.
 * Exit status 0 when every check passed; the last line of stdout says what
 * happened to the injected failure. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

/* What the shim tells (absent without it). */
static struct {
    int (*fired)(void);
    const char *(*call)(void);
    const char *(*error)(void);
    long (*live)(void);
} shim;

static int failures, reported, absorbed, no_device;
static char outcome[512] = "no failure injected";

#define CHECK(cond, ...)                                  \
    do {                                                  \
        if (!(cond)) {                                    \
            fprintf(stderr, "scenario: FAIL: " __VA_ARGS__); \
            fputc('\n', stderr);                          \
            failures++;                                   \
        }                                                 \
    } while (0)

static int fired(void) { return shim.fired ? shim.fired() : 0; }
static long live(void) { return shim.live ? shim.live() : 0; }

/* Judges one rnnscan call (see the top of the file).  `before`: failures
 * injected before it; `handle_detail`: the handle's error text, or NULL;
 * `is_create`: nothing may stay alive when it fails (`live_before` objects
 * were alive before it).  Returns 1 when the call succeeded. */
static int judge(const char *what, rnnscan_status st, int before, const char *handle_detail,
                 int is_create, long live_before)
{
    const int now = fired() > before;
    const char *call = now ? shim.call() : "", *error = now ? shim.error() : "";
    if (st == RNNSCAN_OK) {
        if (now) {
            const int query = strncmp(call, "clGet", 5) == 0 && strstr(call, "Info") != NULL;
            CHECK(query, "%s succeeded although %s failed with %s: a failing call was ignored",
                  what, call, error);
            absorbed++;
            snprintf(outcome, sizeof outcome, "%s %s: absorbed by %s (later results checked)",
                     call, error, what);
        }
        return 1;
    }
    const char *detail = rnnscan_last_error();
    if (!now) {
        CHECK(0, "%s failed with no failure injected in it: %s: %s", what, rnnscan_status_name(st),
              detail);
        return 0;
    }
    reported++;
    snprintf(outcome, sizeof outcome, "%s %s: reported by %s as %s", call, error, what,
             rnnscan_status_name(st));
    CHECK(st == RNNSCAN_OPENCL_ERROR ||
              (st == RNNSCAN_BUILD_FAILED && strcmp(call, "clBuildProgram") == 0),
          "%s: %s failed with %s: unexpected status %s", what, call, error,
          rnnscan_status_name(st));
    CHECK(strstr(detail, call) && strstr(detail, error),
          "%s: rnnscan_last_error() does not name %s and %s: \"%s\"", what, call, error, detail);
    if (handle_detail)
        CHECK(strstr(handle_detail, call) && strstr(handle_detail, error),
              "%s: the handle's error does not name %s and %s: \"%s\"", what, call, error,
              handle_detail);
    if (is_create)
        CHECK(live() == live_before, "%s failed (%s) and left %ld OpenCL objects alive", what,
              call, live() - live_before);
    return 0;
}

static int close_enough(const char *what, const char *part, const float *got, const float *want,
                        size_t n)
{
    size_t where;
    double worst = worst_ratio(got, want, n, 2e-5, 2e-5, &where);
    CHECK(worst <= 1.0, "%s: %s[%zu] = %g, reference %g (ratio %g)", what, part, where,
          (double)got[where], (double)want[where], worst);
    return worst <= 1.0;
}

static void compare(const char *what, const problem *p, const outputs *got, const outputs *want)
{
    close_enough(what, "y", got->y, want->y, p->y_elems);
    close_enough(what, "h_n", got->h_n, want->h_n, p->h_elems);
    if (got->c_n)
        close_enough(what, "c_n", got->c_n, want->c_n, p->state_elems);
}

static void poison(const problem *p, outputs *o)
{
    fill_nan(o->y, p->y_elems);
    fill_nan(o->h_n, p->h_elems);
    if (o->c_n)
        fill_nan(o->c_n, p->state_elems);
}

/* A problem with its reference outputs and room for the device's. */
typedef struct checked {
    problem p;
    outputs want, got;
} checked;

static int checked_make(checked *c, rnnscan_context *ref, const test_case *tc, uint64_t seed)
{
    if (!problem_make(&c->p, tc, seed) || !outputs_alloc(&c->want, &c->p) ||
        !outputs_alloc(&c->got, &c->p)) {
        fprintf(stderr, "scenario: out of host memory\n");
        return 0;
    }
    rnnscan_status st = problem_run(ref, &c->p, &c->want);
    if (st != RNNSCAN_OK) {
        fprintf(stderr, "scenario: reference run failed: %s\n", rnnscan_last_error());
        return 0;
    }
    return 1;
}

static void checked_free(checked *c)
{
    problem_free(&c->p);
    outputs_free(&c->want);
    outputs_free(&c->got);
}

/* The operations, each made at most twice: once more after a reported failure. */
static rnnscan_context *open_context(void)
{
    rnnscan_context_options opts = {.backend = RNNSCAN_BACKEND_OPENCL};
    for (int attempt = 0; attempt < 2; attempt++) {
        rnnscan_context *ctx = NULL;
        int before = fired();
        long live_before = live();
        rnnscan_status st = rnnscan_context_create(&opts, &ctx);
        if (st == RNNSCAN_NO_DEVICE && fired() == before) { /* no OpenCL here at all */
            fprintf(stderr, "scenario: %s\n", rnnscan_last_error());
            no_device = 1;
            return NULL;
        }
        if (judge("rnnscan_context_create", st, before, NULL, 1, live_before))
            return ctx;
        CHECK(ctx == NULL, "rnnscan_context_create failed but set *out");
    }
    return NULL;
}

static rnnscan_model *create_model(rnnscan_context *ctx, const problem *p, const char *what)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        rnnscan_model *model = NULL;
        int before = fired();
        long live_before = live();
        rnnscan_status st = rnnscan_model_create(ctx, &p->desc, p->views, &model);
        if (judge(what, st, before, rnnscan_context_error(ctx), 1, live_before))
            return model;
        CHECK(model == NULL, "%s failed but set *out", what);
    }
    return NULL;
}

static int scan(rnnscan_model *model, checked *c, const char *what)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        poison(&c->p, &c->got);
        rnnscan_run run = {.seq_len = c->p.tc.T, .batch = c->p.tc.B, .x = c->p.x, .h0 = c->p.h0,
                           .c0 = c->p.c0, .lengths = c->p.lengths, .y = c->got.y,
                           .h_n = c->got.h_n, .c_n = c->got.c_n, .schedule = c->p.tc.schedule};
        int before = fired();
        rnnscan_status st = rnnscan_model_scan(model, &run);
        if (judge(what, st, before, rnnscan_model_error(model), 0, 0)) {
            compare(what, &c->p, &c->got, &c->want);
            return 1;
        }
    }
    return 0;
}

/* One step of a one-layer GRU: h_next against the reference's y (T = 1). */
static int step(rnnscan_model *model, checked *c, const char *what)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        poison(&c->p, &c->got);
        int before = fired();
        rnnscan_status st =
            rnnscan_model_step(model, c->p.tc.B, c->p.x, c->p.h0, NULL, c->got.y, NULL);
        if (judge(what, st, before, rnnscan_model_error(model), 0, 0)) {
            close_enough(what, "h_next", c->got.y, c->want.y, c->p.y_elems);
            return 1;
        }
    }
    return 0;
}

static int same_weights(const problem *a, const problem *b)
{
    const int count = a->desc.num_layers * (a->desc.bidirectional ? 2 : 1);
    for (int i = 0; i < count; i++) {
        const int in = i < (a->desc.bidirectional ? 2 : 1) ? a->desc.input_size
                                                             : (a->desc.bidirectional ? 2 : 1) *
                                                                   a->desc.hidden_size;
        const size_t rows = (size_t)rnnscan_cell_gates(a->desc.cell) * a->desc.hidden_size;
        if (memcmp(a->views[i].w_ih, b->views[i].w_ih, rows * in * sizeof(float)) ||
            memcmp(a->views[i].w_hh, b->views[i].w_hh,
                   rows * a->desc.hidden_size * sizeof(float)))
            return 0;
    }
    return 1;
}

static int run_fault(rnnscan_context *ref)
{
    const test_case lstm_host = {RNNSCAN_CELL_LSTM, 3, 3, 4, 8, 1, 1, 2, 1, 0, 1,
                                 RNNSCAN_SCHEDULE_HOST, RNNSCAN_F32, 0, 0, 0};
    test_case lstm_persistent = lstm_host;
    lstm_persistent.B = 4;
    lstm_persistent.schedule = RNNSCAN_SCHEDULE_PERSISTENT;
    const test_case gru_step = {RNNSCAN_CELL_GRU, 1, 2, 4, 8, 1, 1, 1, 0, 0, 0,
                                RNNSCAN_SCHEDULE_AUTO, RNNSCAN_F32, 0, 0, 0};
    checked host = {0}, persistent = {0}, gru = {0};
    /* one seed for both LSTM problems: the same weights, so one model runs both */
    if (!checked_make(&host, ref, &lstm_host, 11) ||
        !checked_make(&persistent, ref, &lstm_persistent, 11) ||
        !checked_make(&gru, ref, &gru_step, 12) || !same_weights(&host.p, &persistent.p)) {
        fprintf(stderr, "scenario: could not set up the problems\n");
        return 0;
    }
    rnnscan_context *ctx = open_context();
    rnnscan_model *lstm = NULL, *gm = NULL;
    if (ctx)
        lstm = create_model(ctx, &host.p, "rnnscan_model_create (lstm)");
    if (lstm) {
        scan(lstm, &host, "rnnscan_model_scan (lstm, host schedule)");
        scan(lstm, &persistent, "rnnscan_model_scan (lstm, persistent schedule)");
    }
    if (ctx)
        gm = create_model(ctx, &gru.p, "rnnscan_model_create (gru)");
    if (gm)
        step(gm, &gru, "rnnscan_model_step (gru)");
    CHECK(ctx && lstm && gm, "the scenario did not get through (see above)");
    rnnscan_model_free(gm);
    rnnscan_model_free(lstm);
    rnnscan_context_free(ctx);
    CHECK(live() == 0, "%ld OpenCL objects alive after everything was freed", live());
    checked_free(&host);
    checked_free(&persistent);
    checked_free(&gru);
    return 1;
}

static int run_audit(rnnscan_context *ref)
{
    const test_case big = {RNNSCAN_CELL_LSTM, 60, 80, 4, 8, 1, 1, 2, 1, 0, 1,
                           RNNSCAN_SCHEDULE_HOST, RNNSCAN_F32, 0, 0, 0};
    test_case big_persistent = big;
    big_persistent.schedule = RNNSCAN_SCHEDULE_PERSISTENT;
    checked host = {0}, persistent = {0};
    if (!checked_make(&host, ref, &big, 21) || !checked_make(&persistent, ref, &big_persistent, 21)) {
        fprintf(stderr, "scenario: could not set up the problems\n");
        return 0;
    }
    rnnscan_context *ctx = open_context();
    rnnscan_model *lstm = ctx ? create_model(ctx, &host.p, "rnnscan_model_create (lstm)") : NULL;
    if (lstm) {
        scan(lstm, &host, "rnnscan_model_scan (lstm T*B=4800, host schedule)");
        scan(lstm, &persistent, "rnnscan_model_scan (lstm T*B=4800, persistent schedule)");
    }
    CHECK(ctx && lstm, "the scenario did not get through (see above)");
    rnnscan_model_free(lstm);
    rnnscan_context_free(ctx);
    checked_free(&host);
    checked_free(&persistent);
    return 1;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "fault";
    if (strcmp(mode, "fault") != 0 && strcmp(mode, "audit") != 0) {
        fprintf(stderr, "usage: %s fault|audit\n", argv[0]);
        return 2;
    }
    shim.fired = (int (*)(void))dlsym(RTLD_DEFAULT, "rnnscan_fault_fired");
    shim.call = (const char *(*)(void))dlsym(RTLD_DEFAULT, "rnnscan_fault_call");
    shim.error = (const char *(*)(void))dlsym(RTLD_DEFAULT, "rnnscan_fault_error_name");
    shim.live = (long (*)(void))dlsym(RTLD_DEFAULT, "rnnscan_fault_live_objects");
    if (!shim.fired || !shim.call || !shim.error || !shim.live)
        shim.fired = NULL, shim.live = NULL; /* all or nothing */

    rnnscan_context *ref = NULL;
    if (rnnscan_context_create(NULL, &ref) != RNNSCAN_OK) {
        fprintf(stderr, "scenario: reference context: %s\n", rnnscan_last_error());
        return 1;
    }
    int ok = strcmp(mode, "fault") == 0 ? run_fault(ref) : run_audit(ref);
    rnnscan_context_free(ref);
    if (no_device) { /* skip (77) unless OpenCL is required, as the other OpenCL tests do */
        const char *required = getenv("RNNSCAN_REQUIRE_OPENCL");
        return required && *required ? 1 : 77;
    }
    if (!ok)
        return 1;
    if (fired() && !reported && !absorbed)
        CHECK(0, "%s %s was injected but no rnnscan call saw it", shim.call(), shim.error());
    printf("scenario %s: %s: %s\n", mode, failures ? "FAILED" : "ok", outcome);
    return failures ? 1 : 0;
}
