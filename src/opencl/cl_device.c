/* Finding OpenCL devices: the list, and the choice by spec or environment. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cl_internal.h"

#define MAX_PLATFORMS 16
#define MAX_DEVICES_PER_PLATFORM 64

/* Calls visit(platform, device, global index, is_gpu, user) for every device
 * of every platform, until visit returns non-zero.  No platform at all (the
 * ICD loader answers CL_PLATFORM_NOT_FOUND_KHR) is an empty list.  The
 * caller holds the start-up lock (rnnscan_cl_lock), visit included. */
typedef int (*device_visitor)(cl_platform_id, cl_device_id, int, void *);

static rnnscan_status for_each_device(device_visitor visit, void *user)
{
    cl_platform_id platforms[MAX_PLATFORMS];
    cl_uint np = 0;
    cl_int rc = clGetPlatformIDs(MAX_PLATFORMS, platforms, &np);
    if (rc == -1001 /* CL_PLATFORM_NOT_FOUND_KHR */ || (rc == CL_SUCCESS && np == 0))
        return RNNSCAN_OK;
    if (rc != CL_SUCCESS)
        return rnnscan_cl_fail(NULL, "clGetPlatformIDs", rc, "listing platforms");
    int index = 0;
    for (cl_uint p = 0; p < np && p < MAX_PLATFORMS; p++) {
        cl_device_id devices[MAX_DEVICES_PER_PLATFORM];
        cl_uint nd = 0;
        rc = clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, MAX_DEVICES_PER_PLATFORM, devices,
                            &nd);
        if (rc == CL_DEVICE_NOT_FOUND)
            continue;
        if (rc != CL_SUCCESS)
            return rnnscan_cl_fail(NULL, "clGetDeviceIDs", rc, "listing devices");
        for (cl_uint d = 0; d < nd && d < MAX_DEVICES_PER_PLATFORM; d++, index++)
            if (visit(platforms[p], devices[d], index, user))
                return RNNSCAN_OK;
    }
    return RNNSCAN_OK;
}

/* A failing query fails the listing or the choice: a device silently left
 * without its name or type would match the wrong spec or hide a GPU. */
#define DESCRIBE_QUERY(call, object, param, size, value)                              \
    do {                                                                              \
        cl_int rc_ = call(object, param, size, value, NULL);                          \
        if (rc_ != CL_SUCCESS)                                                        \
            return rnnscan_cl_fail(NULL, #call, rc_, "querying " #param);             \
    } while (0)

static rnnscan_status describe(cl_platform_id platform, cl_device_id device, int index,
                               rnnscan_device_info *info)
{
    memset(info, 0, sizeof *info);
    info->index = index;
    cl_device_type type = 0;
    cl_ulong max_alloc = 0, global_mem = 0;
    cl_uint units = 0;
    DESCRIBE_QUERY(clGetPlatformInfo, platform, CL_PLATFORM_NAME, sizeof info->platform_name - 1,
                   info->platform_name);
    DESCRIBE_QUERY(clGetDeviceInfo, device, CL_DEVICE_NAME, sizeof info->device_name - 1,
                   info->device_name);
    DESCRIBE_QUERY(clGetDeviceInfo, device, CL_DEVICE_VERSION, sizeof info->version - 1,
                   info->version);
    DESCRIBE_QUERY(clGetDeviceInfo, device, CL_DEVICE_TYPE, sizeof type, &type);
    DESCRIBE_QUERY(clGetDeviceInfo, device, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof max_alloc,
                   &max_alloc);
    DESCRIBE_QUERY(clGetDeviceInfo, device, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof global_mem,
                   &global_mem);
    DESCRIBE_QUERY(clGetDeviceInfo, device, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof units, &units);
    info->is_gpu = (type & CL_DEVICE_TYPE_GPU) != 0;
    info->max_alloc_bytes = (size_t)max_alloc;
    info->global_mem_bytes = (size_t)global_mem;
    info->compute_units = (int)units;
    return RNNSCAN_OK;
}

/* Platform index is not tracked by the visitor; count platforms as they change. */
typedef struct list_state {
    rnnscan_device_info *out;
    int capacity, count, platform_index;
    cl_platform_id last_platform;
    rnnscan_status st; /* a failed query, which stopped the visit */
} list_state;

static int list_visit(cl_platform_id platform, cl_device_id device, int index, void *user)
{
    list_state *s = user;
    if (s->count > 0 && platform != s->last_platform)
        s->platform_index++;
    s->last_platform = platform;
    if (s->count < s->capacity) {
        if ((s->st = describe(platform, device, index, &s->out[s->count])) != RNNSCAN_OK)
            return 1;
        s->out[s->count].platform_index = s->platform_index;
    }
    s->count++;
    return 0;
}

rnnscan_status rnnscan_list_devices(rnnscan_device_info *devices, int capacity, int *count)
{
    rnnscan_clear_error(NULL);
    if (!count)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT, "list_devices: count is NULL");
    if (capacity < 0 || (capacity > 0 && !devices))
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT,
                            "list_devices: capacity %d needs a devices array", capacity);
    list_state s = {devices, capacity, 0, 0, NULL, RNNSCAN_OK};
    rnnscan_cl_lock(); /* the drivers' queries are not safe side by side (cl_lock.c) */
    rnnscan_status st = for_each_device(list_visit, &s);
    rnnscan_cl_unlock();
    *count = s.count;
    return st != RNNSCAN_OK ? st : s.st;
}

/* Case-insensitive substring test. */
static int contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (i == n)
            return 1;
    }
    return n == 0;
}

typedef struct select_state {
    const char *spec; /* NULL: default choice */
    long wanted_index; /* >= 0 when spec is a number */
    cl_platform_id platform, first_platform;
    cl_device_id device, first_device;
    int found, any;
    rnnscan_status st; /* a failed query, which stopped the visit */
} select_state;

static int select_visit(cl_platform_id platform, cl_device_id device, int index, void *user)
{
    select_state *s = user;
    rnnscan_device_info info;
    if ((s->st = describe(platform, device, index, &info)) != RNNSCAN_OK)
        return 1;
    if (!s->any) {
        s->any = 1;
        s->first_platform = platform;
        s->first_device = device;
    }
    int match;
    if (!s->spec) {
        match = info.is_gpu;
    } else if (s->wanted_index >= 0) {
        match = index == s->wanted_index;
    } else {
        char full[300];
        snprintf(full, sizeof full, "%s / %s", info.platform_name, info.device_name);
        match = contains_nocase(full, s->spec);
    }
    if (match) {
        s->platform = platform;
        s->device = device;
        s->found = 1;
    }
    return match;
}

rnnscan_status rnnscan_cl_select_device(const char *spec, cl_platform_id *platform,
                                        cl_device_id *device)
{
    const char *source = "the device option";
    if (!spec || !*spec) {
        spec = getenv("RNNSCAN_DEVICE");
        source = "RNNSCAN_DEVICE";
        if (spec && !*spec)
            spec = NULL;
    }
    select_state s = {spec, -1, NULL, NULL, NULL, NULL, 0, 0, RNNSCAN_OK};
    if (spec) {
        char *end;
        long v = strtol(spec, &end, 10);
        if (end != spec && *end == '\0' && v >= 0)
            s.wanted_index = v;
    }
    RNNSCAN_TRY(for_each_device(select_visit, &s));
    RNNSCAN_TRY(s.st);
    if (!s.any)
        return rnnscan_fail(NULL, RNNSCAN_NO_DEVICE,
                            "no OpenCL platform or device found: install an OpenCL driver "
                            "(e.g. apt-get install pocl-opencl-icd) and check with clinfo -l");
    if (!s.found && spec)
        return rnnscan_fail(NULL, RNNSCAN_DEVICE_NOT_FOUND,
                            "no OpenCL device matches '%s' (from %s); `rnnscan devices` lists "
                            "the devices and their specs",
                            spec, source);
    if (!s.found) { /* default: no GPU, so the first device */
        s.platform = s.first_platform;
        s.device = s.first_device;
    }
    *platform = s.platform;
    *device = s.device;
    return RNNSCAN_OK;
}
