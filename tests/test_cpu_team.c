/* The cpu backend's team of threads (src/cpu/cpu_team.c): a product split
 * among 2, 3 or 8 threads gives exactly what one thread gives (each column is
 * computed by one thread over all of K, in the same order), for every weight
 * type, row count (1 to 15, a scan's steps; 40, its projections) and panel
 * count (ragged last panels, fewer panels than threads), overwriting or
 * accumulating, and writes nothing outside C's columns.  Many products in a
 * row, and products after the workers have gone to sleep, check the
 * hand-off.  Against the reference, in whole scans:
 * tests/test_backend_vs_reference.c (feature shapes with a team). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "../src/cpu/cpu.h"
#include "../src/half.h"

static uint64_t rng = 88172645463325252ull;
static float uniform(float lo, float hi)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return lo + (hi - lo) * (float)(rng >> 40) / (float)(1ull << 24);
}

#define LDC_EXTRA 5 /* guard columns right of each row of C */

typedef struct product {
    int M, N, K;
    float *A, *W, *C_one, *C_team, *C_before;
    cpu_packed packed;
} product;

static void product_make(product *p, int M, int N, int K, rnnscan_weight_type type)
{
    *p = (product){.M = M, .N = N, .K = K};
    const size_t ldc = (size_t)N + LDC_EXTRA;
    p->A = malloc(sizeof(float) * (size_t)M * (size_t)K);
    p->W = malloc(sizeof(float) * (size_t)N * (size_t)K);
    p->C_one = malloc(sizeof(float) * (size_t)M * ldc);
    p->C_team = malloc(sizeof(float) * (size_t)M * ldc);
    p->C_before = malloc(sizeof(float) * (size_t)M * ldc);
    cr_assert(p->A && p->W && p->C_one && p->C_team && p->C_before);
    const float bound = 1.0f / sqrtf((float)K); /* PyTorch's init: no saturation, no zeros */
    for (size_t i = 0; i < (size_t)M * (size_t)K; i++)
        p->A[i] = uniform(-1.0f, 1.0f);
    for (size_t i = 0; i < (size_t)N * (size_t)K; i++)
        p->W[i] = uniform(-bound, bound);
    cr_assert_eq(rnnscan_round_weights(type, p->W, (size_t)N * (size_t)K), (size_t)N * (size_t)K);
    cr_assert(cpu_pack(p->W, N, K, type, &p->packed));
}

static void product_free(product *p)
{
    cpu_packed_free(&p->packed);
    free(p->A), free(p->W), free(p->C_one), free(p->C_team), free(p->C_before);
}

/* C filled with the same values in every copy (the guard columns too). */
static void fill_c(product *p)
{
    const size_t n = (size_t)p->M * ((size_t)p->N + LDC_EXTRA);
    for (size_t i = 0; i < n; i++)
        p->C_one[i] = p->C_team[i] = p->C_before[i] = uniform(-2.0f, 2.0f);
}

/* One thread against the team, both from the same C; bit for bit. */
static void check_product(cpu_team *team, product *p, int accumulate, const char *what)
{
    const size_t ldc = (size_t)p->N + LDC_EXTRA;
    const int panels = (p->N + CPU_PANEL - 1) / CPU_PANEL;
    fill_c(p);
    cpu_gemm_panels(p->M, p->A, (size_t)p->K, &p->packed, 0, panels, p->C_one, ldc, accumulate);
    cpu_team_gemm(team, p->M, p->A, (size_t)p->K, &p->packed, p->C_team, ldc, accumulate);
    cr_assert(memcmp(p->C_one, p->C_team, sizeof(float) * (size_t)p->M * ldc) == 0,
              "%s: M=%d N=%d K=%d accumulate=%d, team of %d: differs from one thread", what,
              p->M, p->N, p->K, accumulate, cpu_team_size(team));
    for (int m = 0; m < p->M; m++) /* the guard columns right of each row: untouched */
        cr_assert(memcmp(p->C_team + (size_t)m * ldc + p->N, p->C_before + (size_t)m * ldc + p->N,
                         sizeof(float) * LDC_EXTRA) == 0,
                  "%s: M=%d N=%d K=%d: row %d written past column N", what, p->M, p->N, p->K, m);
}

/* The product is not a no-op: C moved from what it was filled with. */
static void check_written(const product *p, float before)
{
    cr_assert_neq(p->C_team[0], before, "M=%d N=%d K=%d: C[0] unchanged", p->M, p->N, p->K);
}

static const char *type_name(rnnscan_weight_type t)
{
    return t == RNNSCAN_F32 ? "f32" : t == RNNSCAN_F16 ? "f16" : "bf16";
}

Test(cpu_team, splits_give_one_threads_result, .timeout = 120)
{
    const int sizes[] = {2, 3, 8};
    const int Ms[] = {1, 2, 3, 4, 5, 6, 7, 15, 40};
    const int shapes[][2] = {{16, 64},  {17, 512}, {100, 333}, {257, 129},
                             {1024, 256}, {2048, 512}, {4099, 64}, {48, 2048}};
    const rnnscan_weight_type types[] = {RNNSCAN_F32, RNNSCAN_F16, RNNSCAN_BF16};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        cpu_team *team = cpu_team_start(sizes[s]);
        cr_assert_not_null(team, "a team of %d threads did not start", sizes[s]);
        cr_assert_eq(cpu_team_size(team), sizes[s]);
        for (size_t t = 0; t < 3; t++)
            for (size_t m = 0; m < sizeof Ms / sizeof Ms[0]; m++)
                for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
                    product p;
                    product_make(&p, Ms[m], shapes[k][0], shapes[k][1], types[t]);
                    for (int acc = 0; acc < 2; acc++) {
                        check_product(team, &p, acc, type_name(types[t]));
                        fill_c(&p);
                        const float before = p.C_team[0];
                        cpu_team_gemm(team, p.M, p.A, (size_t)p.K, &p.packed, p.C_team,
                                      (size_t)p.N + LDC_EXTRA, acc);
                        check_written(&p, before);
                    }
                    product_free(&p);
                }
        cpu_team_stop(team);
    }
}

/* The per-step pattern of a scan: many products back to back (workers
 * spinning), then products after pauses longer than the spin (workers
 * asleep, woken by the condition variable). */
Test(cpu_team, hand_off_spinning_and_asleep, .timeout = 120)
{
    cpu_team *team = cpu_team_start(2);
    cr_assert_not_null(team);
    product p;
    product_make(&p, 1, 2048, 512, RNNSCAN_BF16);
    for (int i = 0; i < 2000; i++)
        check_product(team, &p, i % 2, "back to back");
    for (int i = 0; i < 20; i++) {
        nanosleep(&(struct timespec){0, 2 * 1000 * 1000}, NULL); /* 2 ms: past the spin */
        check_product(team, &p, 1, "after a pause");
    }
    product_free(&p);
    cpu_team_stop(team);
}

Test(cpu_team, no_team_below_two_threads)
{
    cr_assert_null(cpu_team_start(1));
    cr_assert_null(cpu_team_start(0));
    cr_assert_eq(cpu_team_size(NULL), 1);
    cpu_team_stop(NULL); /* a no-op, as free(NULL) */
}

/* A team started and stopped without a product, many times: the workers
 * are joined whether they were spinning or asleep. */
Test(cpu_team, start_and_stop, .timeout = 60)
{
    for (int i = 0; i < 200; i++) {
        cpu_team *team = cpu_team_start(1 + i % 4);
        if (i % 4)
            cr_assert_not_null(team);
        if (i % 8 == 3)
            nanosleep(&(struct timespec){0, 1000 * 1000}, NULL);
        cpu_team_stop(team);
    }
}
