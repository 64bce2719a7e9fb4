/* The floor under the host-loop schedule: what one kernel launch costs on an
 * OpenCL device when nothing is computed.  The kernel takes the arguments a
 * step kernel takes (4 buffers and one by-value struct, set every launch as
 * the host loop does) and writes one float; launches are queued back to
 * back on one in-order queue with a single clFinish, as in a scan.
 *
 *   cc -O2 -std=c11 -Iinclude -Isupport bench/launch_cost.c build/librnnscan_support.a \
 *      build/librnnscan.a -lOpenCL -lopenblas -lzip -lm -o /tmp/launch_cost
 *   /tmp/launch_cost [launches [repeats]]     (default 2000 7)
 *
 * Prints the median, min and max over `repeats` of (wall time / launches),
 * in microseconds, for the first OpenCL device.  Compare it with
 * `rnnscan bench --schedule host` per step, run just before or after. */
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <stdio.h>
#include <stdlib.h>

#include "support.h" /* now_ms, median */

static const char *source =
    "typedef struct { ulong u[8]; int i[8]; } params;\n"
    "__kernel void empty(__global const float *a, __global const float *b,\n"
    "                    __global float *c, __global float *d, const params p)\n"
    "{ if (get_global_id(0) == 0) c[0] = (float)p.i[1]; }\n";

typedef struct {
    cl_ulong u[8];
    cl_int i[8];
} params;

static int check(cl_int rc, const char *what)
{
    if (rc != CL_SUCCESS)
        fprintf(stderr, "launch_cost: %s failed (%d)\n", what, (int)rc);
    return rc == CL_SUCCESS;
}

int main(int argc, char **argv)
{
    int launches = argc > 1 ? atoi(argv[1]) : 2000, repeats = argc > 2 ? atoi(argv[2]) : 7;
    if (launches < 1 || repeats < 1 || repeats > 100) {
        fprintf(stderr, "usage: launch_cost [launches [repeats (1..100)]]\n");
        return 2;
    }
    cl_platform_id platform;
    cl_device_id device;
    cl_int rc;
    if (!check(clGetPlatformIDs(1, &platform, NULL), "clGetPlatformIDs") ||
        !check(clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 1, &device, NULL), "clGetDeviceIDs"))
        return 1;
    char name[256] = "";
    clGetDeviceInfo(device, CL_DEVICE_NAME, sizeof name - 1, name, NULL);
    cl_context ctx = clCreateContext(NULL, 1, &device, NULL, NULL, &rc);
    if (!check(rc, "clCreateContext"))
        return 1;
    cl_command_queue q = clCreateCommandQueue(ctx, device, 0, &rc);
    cl_program prog = clCreateProgramWithSource(ctx, 1, &source, NULL, &rc);
    if (!check(rc, "clCreateProgramWithSource") ||
        !check(clBuildProgram(prog, 1, &device, "", NULL, NULL), "clBuildProgram"))
        return 1;
    cl_kernel k = clCreateKernel(prog, "empty", &rc);
    cl_mem buf = clCreateBuffer(ctx, CL_MEM_READ_WRITE, 64, NULL, &rc);
    if (!check(rc, "clCreateKernel/clCreateBuffer"))
        return 1;
    for (cl_uint a = 0; a < 4; a++)
        clSetKernelArg(k, a, sizeof buf, &buf);
    params p = {{0}, {0}};
    double *us = malloc((size_t)repeats * sizeof *us);
    if (!us)
        return 1;
    const size_t global = 2; /* the notebook case's step: Hp / 8 = 2 work-items */
    for (int r = -1; r < repeats; r++) { /* r = -1: warm-up */
        double t0 = now_ms();
        for (int i = 0; i < launches; i++) {
            p.i[1] = i;
            if (!check(clSetKernelArg(k, 4, sizeof p, &p), "clSetKernelArg") ||
                !check(clEnqueueNDRangeKernel(q, k, 1, NULL, &global, NULL, 0, NULL, NULL),
                       "clEnqueueNDRangeKernel"))
                return 1;
        }
        if (!check(clFinish(q), "clFinish"))
            return 1;
        if (r >= 0)
            us[r] = (now_ms() - t0) * 1e3 / launches;
    }
    double lo = us[0], hi = us[0];
    for (int r = 1; r < repeats; r++)
        lo = us[r] < lo ? us[r] : lo, hi = us[r] > hi ? us[r] : hi;
    printf("launch_cost on %s: %d launches x %d repeats: median %.2f us per launch "
           "(min %.2f, max %.2f)\n",
           name, launches, repeats, median(us, repeats), lo, hi);
    free(us);
    clReleaseMemObject(buf);
    clReleaseKernel(k);
    clReleaseProgram(prog);
    clReleaseCommandQueue(q);
    clReleaseContext(ctx);
    return 0;
}
