/* The sgemm ceiling the cpu backend is judged against (issue 11: the large
 * case at >= 80 % of the best sgemm's GFLOP/s in the same run): OpenBLAS's
 * cblas_sgemm and, when built with -DHAVE_DNNL, oneDNN's dnnl_sgemm, on the
 * shapes given (C[M][N] = A[M][K] W[N][K]^T, PyTorch's weight layout, as the
 * cpu backend calls it).  Prints, per library and shape, the median, min and
 * max GFLOP/s of the timed runs after one warm-up.
 *
 *   cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L bench/sgemm_rate.c -o /tmp/sgemm_rate \
 *      -lopenblas [-DHAVE_DNNL -ldnnl]
 *   OMP_NUM_THREADS=2 /tmp/sgemm_rate [--runs N] M:N:K ...
 *
 * Default shapes: the large LSTM case's (64,256,1024,1024) two products, the
 * input projection of all steps (16384 x 4096 x 1024) and one step's
 * recurrent product (256 x 4096 x 1024). */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef HAVE_DNNL
#include <dnnl.h>
#endif

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

static int by_value(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef enum { LIB_OPENBLAS, LIB_DNNL } lib;

static int multiply(lib which, int M, int N, int K, const float *A, const float *W, float *C)
{
    if (which == LIB_OPENBLAS) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1.0f, A, K, W, K, 0.0f, C,
                    N);
        return 1;
    }
#ifdef HAVE_DNNL
    return dnnl_sgemm('N', 'T', M, N, K, 1.0f, A, K, W, K, 0.0f, C, N) == dnnl_success;
#else
    return 0;
#endif
}

static void rate(lib which, const char *name, int M, int N, int K, int runs)
{
    float *A = malloc(sizeof(float) * (size_t)M * (size_t)K);
    float *W = malloc(sizeof(float) * (size_t)N * (size_t)K);
    float *C = malloc(sizeof(float) * (size_t)M * (size_t)N);
    double *gflops = malloc(sizeof(double) * (size_t)runs);
    if (!A || !W || !C || !gflops) {
        fprintf(stderr, "sgemm_rate: out of memory for %d:%d:%d\n", M, N, K);
        exit(1);
    }
    for (size_t i = 0; i < (size_t)M * (size_t)K; i++)
        A[i] = (float)(i % 13) * 0.01f - 0.06f;
    for (size_t i = 0; i < (size_t)N * (size_t)K; i++)
        W[i] = (float)(i % 7) * 0.01f - 0.03f;
    int ok = multiply(which, M, N, K, A, W, C); /* warm-up: threads, pages */
    for (int r = 0; ok && r < runs; r++) {
        const double t0 = now_ms();
        ok = multiply(which, M, N, K, A, W, C);
        gflops[r] = 2.0 * M * N * K / ((now_ms() - t0) * 1e6);
    }
    if (ok) {
        qsort(gflops, (size_t)runs, sizeof *gflops, by_value);
        printf("%-9s %6d x %5d x %5d  median %6.1f GFLOP/s  (min %6.1f, max %6.1f, %d runs)\n",
               name, M, N, K, gflops[runs / 2], gflops[0], gflops[runs - 1], runs);
    } else {
        printf("%-9s %6d x %5d x %5d  failed\n", name, M, N, K);
    }
    free(A), free(W), free(C), free(gflops);
}

int main(int argc, char **argv)
{
    int runs = 7, first = 1;
    if (argc > 2 && strcmp(argv[1], "--runs") == 0) {
        runs = atoi(argv[2]);
        first = 3;
    }
    if (runs < 1) {
        fprintf(stderr, "sgemm_rate: --runs must be at least 1\n");
        return 2;
    }
    static const char *defaults[] = {"16384:4096:1024", "256:4096:1024"};
    const int n = argc > first ? argc - first : 2;
    for (int i = 0; i < n; i++) {
        const char *spec = argc > first ? argv[first + i] : defaults[i];
        int M, N, K;
        char end;
        if (sscanf(spec, "%d:%d:%d%c", &M, &N, &K, &end) != 3 || M < 1 || N < 1 || K < 1) {
            fprintf(stderr, "sgemm_rate: '%s' is not M:N:K (positive integers)\n", spec);
            return 2;
        }
        rate(LIB_OPENBLAS, "openblas", M, N, K, runs);
#ifdef HAVE_DNNL
        rate(LIB_DNNL, "dnnl", M, N, K, runs);
#endif
    }
    return 0;
}
