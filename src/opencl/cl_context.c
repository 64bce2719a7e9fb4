/* OpenCL contexts: device, context, in-order queue, kernel shapes and limits;
 * programs are built per variant when models need them (cl_program.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cl_schedule.h"
#include "cl_schedule_cache.h"
#include "cl_variant.h"

/* The kernel shapes of this context (cl_variant.c) and the extra build
 * options: fixed at creation, part of every variant key it builds. */
static rnnscan_status choose_tuning(cl_backend *cl, const rnnscan_context_options *options)
{
    cl_device_type type = 0;
    cl_int rc = clGetDeviceInfo(cl->device, CL_DEVICE_TYPE, sizeof type, &type, NULL);
    if (rc != CL_SUCCESS) /* else a GPU would silently get the CPU shapes */
        return rnnscan_cl_fail(NULL, "clGetDeviceInfo", rc, "querying CL_DEVICE_TYPE");
    RNNSCAN_TRY(cl_tuning_resolve((type & CL_DEVICE_TYPE_GPU) != 0, options->tuning, &cl->tuning));
    /* RNNSCAN_BUILD_OPTIONS: extra options appended, for experiments and for
     * the test that a failing build hands its log to the caller */
    const char *extra = getenv("RNNSCAN_BUILD_OPTIONS");
    if (extra && strlen(extra) >= sizeof cl->extra_options)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT,
                            "RNNSCAN_BUILD_OPTIONS is longer than %zu characters",
                            sizeof cl->extra_options - 1);
    snprintf(cl->extra_options, sizeof cl->extra_options, "%s", extra ? extra : "");
    cl_schedule_cache_dir(cl->cache_dir, sizeof cl->cache_dir);
    return RNNSCAN_OK;
}

static void release(cl_backend *cl)
{
    if (!cl)
        return;
    rnnscan_cl_programs_release(cl);
    cl_schedule_memo_release(cl);
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
    cl_int rc = clGetDeviceInfo(cl->device, CL_DRIVER_VERSION, sizeof cl->driver_version - 1,
                                cl->driver_version, NULL);
    if (rc != CL_SUCCESS) /* part of the schedule cache's key (cl_schedule.c) */
        return rnnscan_cl_fail(NULL, "clGetDeviceInfo", rc, "querying CL_DRIVER_VERSION");

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
    st = choose_tuning(cl, options);
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

