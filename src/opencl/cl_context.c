/* OpenCL contexts: device, context, in-order queue, and the program built once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cl_internal.h"

static const char *const kernel_names[KERNEL_COUNT] = {
    [KERNEL_INPUT_PROJECTION] = "input_projection",
    [KERNEL_RNN_TANH_STEP] = "rnn_tanh_step",
    [KERNEL_RNN_RELU_STEP] = "rnn_relu_step",
    [KERNEL_LSTM_STEP] = "lstm_step",
    [KERNEL_GRU_STEP] = "gru_step",
    [KERNEL_PERSISTENT_RNN_TANH] = "persistent_rnn_tanh",
    [KERNEL_PERSISTENT_RNN_RELU] = "persistent_rnn_relu",
    [KERNEL_PERSISTENT_LSTM] = "persistent_lstm",
    [KERNEL_PERSISTENT_GRU] = "persistent_gru",
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Records a build failure with as much of the build log as fits the detail. */
static rnnscan_status build_failure(cl_backend *cl, cl_int rc, const char *options)
{
    size_t size = 0;
    char *log = NULL;
    if (clGetProgramBuildInfo(cl->program, cl->device, CL_PROGRAM_BUILD_LOG, 0, NULL, &size) ==
            CL_SUCCESS &&
        size > 0 && (log = calloc(size + 1, 1)) != NULL)
        clGetProgramBuildInfo(cl->program, cl->device, CL_PROGRAM_BUILD_LOG, size, log, NULL);
    rnnscan_status st = rnnscan_fail(
        NULL, RNNSCAN_BUILD_FAILED, "clBuildProgram failed: %s (%d) with options \"%s\"; build log:\n%s",
        rnnscan_cl_error_name(rc), (int)rc, options, log ? log : "(none)");
    free(log);
    return st;
}

static rnnscan_status build_program(cl_backend *cl, double *build_ms)
{
    const char *texts[16];
    size_t lengths[16];
    int n = rnnscan_kernel_source_count;
    if (n > 16)
        return rnnscan_fail(NULL, RNNSCAN_BUILD_FAILED, "too many kernel files (%d)", n);
    for (int i = 0; i < n; i++) {
        texts[i] = rnnscan_kernel_sources[i].text;
        lengths[i] = rnnscan_kernel_sources[i].length;
    }
    cl_int rc;
    cl->program = clCreateProgramWithSource(cl->context, (cl_uint)n, texts, lengths, &rc);
    if (rc != CL_SUCCESS)
        return rnnscan_cl_fail(NULL, "clCreateProgramWithSource", rc, "loading the kernels");

    /* Tile shapes per device kind: a CPU (PoCL) wants few work-items with
     * many registers each, a GPU many work-items with few.  RNNSCAN_TUNING
     * (cpu | gpu) overrides the kind, so the GPU shapes are tested on PoCL. */
    cl_device_type type = 0;
    rc = clGetDeviceInfo(cl->device, CL_DEVICE_TYPE, sizeof type, &type, NULL);
    if (rc != CL_SUCCESS) /* else a GPU would silently get the CPU shapes */
        return rnnscan_cl_fail(NULL, "clGetDeviceInfo", rc, "querying CL_DEVICE_TYPE");
    int gpu = (type & CL_DEVICE_TYPE_GPU) != 0;
    const char *tuning = getenv("RNNSCAN_TUNING");
    if (tuning && *tuning) {
        if (strcmp(tuning, "cpu") != 0 && strcmp(tuning, "gpu") != 0)
            return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT,
                                "RNNSCAN_TUNING must be \"cpu\" or \"gpu\", not \"%.64s\"", tuning);
        gpu = tuning[0] == 'g';
    }
    cl->tile_rows = gpu ? 4 : 6;
    cl->step_rows = gpu ? 1 : 3; /* 3: measured 30% faster than 2 or 4 on PoCL (LSTM, B=64, H=256) */
    cl->scan_units = gpu ? 1 : 8;
    cl->w_panels = !gpu;
    /* RNNSCAN_BUILD_OPTIONS: extra options appended, for experiments and for
     * the test that a failing build hands its log to the caller. */
    const char *extra = getenv("RNNSCAN_BUILD_OPTIONS");
    char options[1024];
    snprintf(options, sizeof options,
             "-cl-std=CL1.2 -DRNNSCAN_TILE_ROWS=%d -DRNNSCAN_STEP_ROWS=%d -DRNNSCAN_SCAN_UNITS=%d "
             "-DRNNSCAN_W_PANELS=%d %s",
             cl->tile_rows, cl->step_rows, cl->scan_units, cl->w_panels, extra ? extra : "");
    double t0 = now_ms();
    rc = clBuildProgram(cl->program, 1, &cl->device, options, NULL, NULL);
    *build_ms = now_ms() - t0;
    if (rc != CL_SUCCESS)
        return build_failure(cl, rc, options);

    for (int k = 0; k < KERNEL_COUNT; k++) {
        cl->kernels[k] = clCreateKernel(cl->program, kernel_names[k], &rc);
        if (rc != CL_SUCCESS)
            return rnnscan_cl_fail(NULL, "clCreateKernel", rc, kernel_names[k]);
    }
    return RNNSCAN_OK;
}

static void release(cl_backend *cl)
{
    if (!cl)
        return;
    for (int k = 0; k < KERNEL_COUNT; k++)
        if (cl->kernels[k])
            clReleaseKernel(cl->kernels[k]);
    if (cl->program)
        clReleaseProgram(cl->program);
    if (cl->queue)
        clReleaseCommandQueue(cl->queue);
    if (cl->context)
        clReleaseContext(cl->context);
    free(cl);
}

void rnnscan_cl_context_release(rnnscan_context *context)
{
    release(context->impl);
    context->impl = NULL;
}

/* Device choice, its limits, context and queue: the calls the drivers do not
 * make safe side by side (cl_lock.c), run with the start-up lock held. */
static rnnscan_status open_device(rnnscan_context *context, cl_backend *cl, const char *device_spec)
{
    RNNSCAN_TRY(rnnscan_cl_select_device(device_spec, &cl->platform, &cl->device));

    char platform_name[128] = "", device_name[128] = "";
    clGetPlatformInfo(cl->platform, CL_PLATFORM_NAME, sizeof platform_name - 1, platform_name,
                      NULL);
    clGetDeviceInfo(cl->device, CL_DEVICE_NAME, sizeof device_name - 1, device_name, NULL);
    snprintf(context->device_name, sizeof context->device_name, "%s / %s", platform_name,
             device_name);

    cl_int rc;
    cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)cl->platform, 0};
    cl->context = clCreateContext(props, 1, &cl->device, NULL, NULL, &rc);
    if (rc != CL_SUCCESS)
        return rnnscan_cl_fail(NULL, "clCreateContext", rc, context->device_name);
    cl->queue = clCreateCommandQueue(cl->context, cl->device, 0, &rc);
    if (rc != CL_SUCCESS)
        return rnnscan_cl_fail(NULL, "clCreateCommandQueue", rc, context->device_name);
    return RNNSCAN_OK;
}

rnnscan_status rnnscan_opencl_context_init(rnnscan_context *context,
                                           const rnnscan_context_options *options)
{
    const char *device_spec = options->device;
    cl_backend *cl = calloc(1, sizeof *cl);
    if (!cl)
        return rnnscan_fail(NULL, RNNSCAN_OUT_OF_MEMORY, "opencl: calloc failed");
    rnnscan_cl_lock();
    rnnscan_status st = open_device(context, cl, device_spec);
    rnnscan_cl_unlock();
    if (st != RNNSCAN_OK)
        goto fail;
    st = build_program(cl, &context->build_ms);
    if (st != RNNSCAN_OK)
        goto fail;
    rnnscan_cl_lock(); /* device and kernel queries, as above */
    st = rnnscan_cl_read_limits(cl, options->max_alloc_bytes);
    rnnscan_cl_unlock();
    if (st != RNNSCAN_OK)
        goto fail;
    context->impl = cl;
    return RNNSCAN_OK;

fail:
    release(cl);
    return st;
}

