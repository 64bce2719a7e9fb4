/* Criterion expectations over a run's outputs against the reference's, for
 * the backend tests: |got - want| <= atol + rtol |want| per element (the
 * tolerance and its reason are each test's own). */
#ifndef RNNSCAN_TEST_EXPECT_H
#define RNNSCAN_TEST_EXPECT_H

#include <criterion/criterion.h>
#include <stdio.h>

#include "harness.h"

/* Expects n values within the tolerance; returns the worst ratio (<= 1 passes). */
static inline double expect_close(const char *label, const char *what, const float *got,
                                  const float *want, size_t n, double atol, double rtol)
{
    size_t at;
    double ratio = worst_ratio(got, want, n, atol, rtol, &at);
    cr_expect(ratio <= 1.0, "%s %s: element %zu: backend %.9g, reference %.9g (ratio %.3g)",
              label, what, at, got[at], want[at], ratio);
    return ratio;
}

/* y, h_n and, for an LSTM, c_n; returns the worst ratio over them. */
static inline double expect_outputs(const char *label, const problem *p, const outputs *got,
                                    const outputs *want, double atol, double rtol)
{
    double worst = expect_close(label, "y", got->y, want->y, p->y_elems, atol, rtol);
    double r = expect_close(label, "h_n", got->h_n, want->h_n, p->h_elems, atol, rtol);
    worst = r > worst ? r : worst;
    if (p->tc.cell == RNNSCAN_CELL_LSTM) {
        r = expect_close(label, "c_n", got->c_n, want->c_n, p->state_elems, atol, rtol);
        worst = r > worst ? r : worst;
    }
    return worst;
}

/* Makes case tc (seed), runs it on ref and on ctx, and expects every output
 * of ctx within the tolerance; messages name the case, then `suffix`.
 * Returns the worst ratio. */
static inline double expect_case(rnnscan_context *ctx, rnnscan_context *ref, const test_case *tc,
                                 uint64_t seed, const char *suffix, double atol, double rtol)
{
    problem p;
    outputs got, want;
    char name[160], label[240];
    snprintf(label, sizeof label, "%s%s", case_name(tc, name, sizeof name), suffix);
    cr_assert(problem_make(&p, tc, seed), "out of memory");
    cr_assert(outputs_alloc(&got, &p) && outputs_alloc(&want, &p), "out of memory");
    rnnscan_status st = problem_run(ref, &p, &want);
    cr_assert_eq(st, RNNSCAN_OK, "%s: reference: %s", label, rnnscan_last_error());
    st = problem_run(ctx, &p, &got);
    cr_assert_eq(st, RNNSCAN_OK, "%s: %s: %s", label, rnnscan_status_name(st),
                 rnnscan_last_error());
    double worst = expect_outputs(label, &p, &got, &want, atol, rtol);
    outputs_free(&got);
    outputs_free(&want);
    problem_free(&p);
    return worst;
}

#endif
