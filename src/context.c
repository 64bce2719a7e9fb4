/* Contexts: which backend runs, and on which device. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

rnnscan_status rnnscan_context_create(const rnnscan_context_options *options, rnnscan_context **out)
{
    rnnscan_clear_error(NULL);
    if (!out)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT, "context_create: out is NULL");
    *out = NULL;
    rnnscan_context_options defaults = {.backend = RNNSCAN_BACKEND_REFERENCE};
    if (!options)
        options = &defaults;

    rnnscan_context *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return rnnscan_fail(NULL, RNNSCAN_OUT_OF_MEMORY, "context_create: calloc failed");
    ctx->backend = options->backend;

    rnnscan_status st = RNNSCAN_OK;
    switch (options->backend) {
    case RNNSCAN_BACKEND_REFERENCE:
        ctx->ops = &rnnscan_reference_ops;
        strcpy(ctx->device_name, "reference (host CPU, double accumulation)");
        break;
    case RNNSCAN_BACKEND_CPU:
#ifdef RNNSCAN_HAVE_CPU
        ctx->ops = &rnnscan_cpu_ops;
        st = rnnscan_cpu_context_init(ctx);
#else
        st = rnnscan_fail(NULL, RNNSCAN_NOT_SUPPORTED,
                          "backend 'cpu' is not built yet; use 'reference' or 'opencl'");
#endif
        break;
    case RNNSCAN_BACKEND_OPENCL:
#ifdef RNNSCAN_HAVE_OPENCL
        ctx->ops = &rnnscan_opencl_ops;
        st = rnnscan_opencl_context_init(ctx, options);
#else
        st = rnnscan_fail(NULL, RNNSCAN_NOT_SUPPORTED,
                          "this build of rnnscan has no OpenCL support");
#endif
        break;
    default:
        st = rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT, "context_create: unknown backend %d",
                          (int)options->backend);
    }
    if (st != RNNSCAN_OK) {
        free(ctx); /* a failing backend init has released its own part */
        return st;
    }
    *out = ctx;
    return RNNSCAN_OK;
}

void rnnscan_context_free(rnnscan_context *context)
{
    if (!context)
        return;
    if (context->ops && context->ops->context_release)
        context->ops->context_release(context);
    free(context);
}

const char *rnnscan_context_error(const rnnscan_context *context)
{
    return context ? context->err.text : "";
}

rnnscan_backend rnnscan_context_backend(const rnnscan_context *context)
{
    return context ? context->backend : RNNSCAN_BACKEND_REFERENCE;
}

const char *rnnscan_context_device_name(const rnnscan_context *context)
{
    return context ? context->device_name : "";
}

double rnnscan_context_build_ms(const rnnscan_context *context)
{
    return context ? context->build_ms : 0.0;
}

#ifndef RNNSCAN_HAVE_OPENCL
/* Without OpenCL support there is nothing to list; the call still succeeds. */
rnnscan_status rnnscan_list_devices(rnnscan_device_info *devices, int capacity, int *count)
{
    (void)devices, (void)capacity;
    rnnscan_clear_error(NULL);
    if (!count)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT, "list_devices: count is NULL");
    *count = 0;
    return RNNSCAN_OK;
}
#endif
