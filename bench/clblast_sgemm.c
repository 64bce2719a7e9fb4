/* The anchor for the OpenCL targets: CLBlast's (untuned) sgemm on the same
 * OpenCL device, on the shape of an LSTM input projection (issue 5 quotes
 * "an untuned OpenCL GEMM (CLBlast) on PoCL" as the baseline to beat 3x).
 *
 *   apt-get install libclblast-dev         (after building rnnscan in build/)
 *   cc -O2 -Iinclude -Isupport bench/clblast_sgemm.c build/librnnscan_support.a \
 *      build/librnnscan.a -lclblast -lOpenCL -lm -o /tmp/clblast_sgemm
 *   /tmp/clblast_sgemm [M N K [runs]]     (default 16384 1024 256 5)
 *
 * Prints the median time of `runs` calls after one warm-up (which includes
 * CLBlast's kernel compilation) and GFLOP/s = 2*M*N*K / time. */
#define CL_TARGET_OPENCL_VERSION 120
#include <clblast_c.h>
#include <stdio.h>
#include <stdlib.h>

#include "support.h" /* now_ms, median */

int main(int argc, char **argv)
{
    size_t M = argc > 3 ? strtoul(argv[1], 0, 10) : 16384;
    size_t N = argc > 3 ? strtoul(argv[2], 0, 10) : 1024;
    size_t K = argc > 3 ? strtoul(argv[3], 0, 10) : 256;
    int runs = argc > 4 ? atoi(argv[4]) : 5;
    if (runs < 1 || runs > 100)
        runs = 5;
    cl_platform_id platform;
    cl_device_id device;
    cl_int rc;
    if (clGetPlatformIDs(1, &platform, NULL) != CL_SUCCESS ||
        clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 1, &device, NULL) != CL_SUCCESS) {
        fprintf(stderr, "clblast_sgemm: no OpenCL device\n");
        return 1;
    }
    cl_context ctx = clCreateContext(NULL, 1, &device, NULL, NULL, &rc);
    cl_command_queue q = clCreateCommandQueue(ctx, device, 0, &rc);
    size_t most = M * N > M * K ? M * N : M * K;
    most = most > N * K ? most : N * K;
    float *host = malloc(most * sizeof(float));
    if (!host)
        return 1;
    for (size_t i = 0; i < most; i++)
        host[i] = (float)((i % 17) - 8) * 0.01f;
    cl_mem a = clCreateBuffer(ctx, CL_MEM_COPY_HOST_PTR, M * K * sizeof(float), host, &rc);
    cl_mem b = clCreateBuffer(ctx, CL_MEM_COPY_HOST_PTR, N * K * sizeof(float), host, &rc);
    cl_mem c = clCreateBuffer(ctx, CL_MEM_COPY_HOST_PTR, M * N * sizeof(float), host, &rc);
    double times[100];
    for (int i = -1; i < runs; i++) { /* C = A * B^T: x [M][K] times W [N][K] */
        double t0 = now_ms();
        CLBlastStatusCode st = CLBlastSgemm(CLBlastLayoutRowMajor, CLBlastTransposeNo,
                                            CLBlastTransposeYes, M, N, K, 1.0f, a, 0, K, b, 0, K,
                                            0.0f, c, 0, N, &q, NULL);
        clFinish(q);
        if (st != CLBlastSuccess) {
            fprintf(stderr, "clblast_sgemm: CLBlastSgemm failed with %d\n", (int)st);
            return 1;
        }
        if (i >= 0)
            times[i] = now_ms() - t0;
    }
    double med = median(times, runs);
    printf("CLBlast sgemm M=%zu N=%zu K=%zu: median %.2f ms over %d runs, %.1f GFLOP/s\n", M, N, K,
           med, runs, 2.0 * M * N * K / med / 1e6);
    return 0;
}
