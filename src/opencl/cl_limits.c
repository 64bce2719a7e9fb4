/* The limits every buffer and launch of a context keeps to: queried from the
 * device and its kernels, lowered by the caller (options, environment). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cl_internal.h"

/* NVIDIA's OpenCL, like CUDA, refuses more than 65535 work-groups in grid
 * dimensions 1 and 2; OpenCL has no query for it, so every device gets it. */
#define GRID_LIMIT 65535

/* A positive decimal from the environment variable `name` into *out (left
 * alone when unset or empty). */
static rnnscan_status env_size(const char *name, size_t *out, int *given)
{
    const char *text = getenv(name);
    *given = 0;
    if (!text || !*text)
        return RNNSCAN_OK;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || end == text || *end != '\0' || v == 0 || text[0] == '-')
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT,
                            "%s must be a positive whole number, not \"%.64s\"", name, text);
    *out = v > SIZE_MAX ? SIZE_MAX : (size_t)v;
    *given = 1;
    return RNNSCAN_OK;
}

/* A query the limits rest on: its failure fails the context (a limit of 0
 * would refuse every buffer later, naming no OpenCL call). */
#define CHECKED_QUERY(call, object, param, value)                                          \
    do {                                                                                   \
        cl_int rc_ = call(object, param, sizeof *(value), value, NULL);                    \
        if (rc_ != CL_SUCCESS)                                                             \
            return rnnscan_cl_fail(NULL, #call, rc_, "querying " #param);                  \
    } while (0)

rnnscan_status rnnscan_cl_read_limits(cl_backend *cl, size_t option_max_alloc)
{
    cl_ulong max_alloc = 0, local_mem = 0;
    CHECKED_QUERY(clGetDeviceInfo, cl->device, CL_DEVICE_MAX_MEM_ALLOC_SIZE, &max_alloc);
    cl->max_alloc_bytes = (size_t)max_alloc;
    cl->alloc_limit = cl->max_alloc_bytes;
    snprintf(cl->alloc_limit_source, sizeof cl->alloc_limit_source,
             "CL_DEVICE_MAX_MEM_ALLOC_SIZE");
    if (option_max_alloc > 0 && option_max_alloc < cl->alloc_limit) {
        cl->alloc_limit = option_max_alloc;
        snprintf(cl->alloc_limit_source, sizeof cl->alloc_limit_source,
                 "rnnscan_context_options.max_alloc_bytes");
    }
    size_t env = 0;
    int given;
    RNNSCAN_TRY(env_size("RNNSCAN_MAX_ALLOC", &env, &given));
    if (given && env < cl->alloc_limit) {
        cl->alloc_limit = env;
        snprintf(cl->alloc_limit_source, sizeof cl->alloc_limit_source, "RNNSCAN_MAX_ALLOC");
    }
    cl->max_groups = GRID_LIMIT;
    RNNSCAN_TRY(env_size("RNNSCAN_MAX_GROUPS", &env, &given));
    if (given && env < cl->max_groups)
        cl->max_groups = env;

    size_t items[3] = {1, 1, 1};
    CHECKED_QUERY(clGetDeviceInfo, cl->device, CL_DEVICE_MAX_WORK_ITEM_SIZES, &items);
    memcpy(cl->max_item_sizes, items, sizeof items);
    size_t group = 1;
    CHECKED_QUERY(clGetDeviceInfo, cl->device, CL_DEVICE_MAX_WORK_GROUP_SIZE, &group);
    CHECKED_QUERY(clGetDeviceInfo, cl->device, CL_DEVICE_LOCAL_MEM_SIZE, &local_mem);
    cl->local_mem_bytes = (size_t)local_mem;
    if (group > items[0])
        group = items[0];
    cl->max_work_group = group > 0 ? group : 1;
    return RNNSCAN_OK;
}
#undef CHECKED_QUERY
