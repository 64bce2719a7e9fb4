/* Private to the OpenCL backend. */
#ifndef RNNSCAN_CL_INTERNAL_H
#define RNNSCAN_CL_INTERNAL_H

#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>

#include "../internal.h"

/* The kernels, one entry per file of kernels/, embedded at build time by
 * tools/embed_kernels.py (generated, never committed). */
typedef struct rnnscan_kernel_source {
    const char *name;
    const char *text;
    size_t length;
} rnnscan_kernel_source;
extern const rnnscan_kernel_source rnnscan_kernel_sources[];
extern const int rnnscan_kernel_source_count;

/* Step and persistent kernels are in rnnscan_cell order, so
 * KERNEL_STEP_FIRST + cell and KERNEL_PERSISTENT_FIRST + cell pick one. */
typedef enum cl_kernel_id {
    KERNEL_INPUT_PROJECTION,
    KERNEL_STEP_FIRST,
    KERNEL_RNN_TANH_STEP = KERNEL_STEP_FIRST,
    KERNEL_RNN_RELU_STEP,
    KERNEL_LSTM_STEP,
    KERNEL_GRU_STEP,
    KERNEL_PERSISTENT_FIRST,
    KERNEL_PERSISTENT_RNN_TANH = KERNEL_PERSISTENT_FIRST,
    KERNEL_PERSISTENT_RNN_RELU,
    KERNEL_PERSISTENT_LSTM,
    KERNEL_PERSISTENT_GRU,
    KERNEL_COUNT
} cl_kernel_id;

typedef struct cl_backend {
    cl_platform_id platform;
    cl_device_id device;
    cl_context context;
    cl_command_queue queue;
    cl_program program;
    cl_kernel kernels[KERNEL_COUNT];
    size_t max_alloc_bytes;  /* CL_DEVICE_MAX_MEM_ALLOC_SIZE */
    size_t alloc_limit;      /* the largest buffer made: the smallest of the device's
                                limit, rnnscan_context_options.max_alloc_bytes and
                                RNNSCAN_MAX_ALLOC */
    char alloc_limit_source[64]; /* which of the three it is, for messages */
    size_t max_groups;       /* work-groups per launch in dimensions 1 and 2: 65535
                                (NVIDIA's and CUDA's grid limit) or RNNSCAN_MAX_GROUPS */
    size_t max_item_sizes[3]; /* CL_DEVICE_MAX_WORK_ITEM_SIZES */
    size_t max_work_group;   /* CL_DEVICE_MAX_WORK_GROUP_SIZE, lowered to what every
                                persistent kernel accepts (CL_KERNEL_WORK_GROUP_SIZE) */
    size_t local_mem_bytes;  /* CL_DEVICE_LOCAL_MEM_SIZE less the persistent
                                kernels' own local memory */
    int tile_rows; /* RNNSCAN_TILE_ROWS the program was built with */
    int step_rows; /* RNNSCAN_STEP_ROWS the program was built with */
    int scan_units; /* RNNSCAN_SCAN_UNITS: hidden units per persistent work-item */
    int w_panels;   /* RNNSCAN_W_PANELS: W_hh packed in panels (kernels/common.cl) */
} cl_backend;

/* "CL_OUT_OF_RESOURCES" etc., or "unknown OpenCL error" */
const char *rnnscan_cl_error_name(cl_int code);

/* Records "<call> failed: <error name> (<code>) <what>" and returns OPENCL_ERROR. */
rnnscan_status rnnscan_cl_fail(rnnscan_errbuf *err, const char *call, cl_int code, const char *what);

/* Sets a kernel's arguments first, first+1, ... from (size, pointer) pairs
 * ended by a 0 size.  Returns the first failure, recorded with the kernel name
 * and argument index. */
rnnscan_status rnnscan_cl_set_args(rnnscan_errbuf *err, cl_kernel kernel, cl_uint first, ...);
#define CL_ARG(v) sizeof(v), (const void *)&(v)
#define CL_ARGS_END ((size_t)0)

/* Frees the backend part of a context (the ops table's context_release). */
void rnnscan_cl_context_release(rnnscan_context *context);

/* Reads RNNSCAN_MAX_ALLOC / RNNSCAN_MAX_GROUPS and the device's limits into
 * cl (after the program is built: it asks the kernels too). */
rnnscan_status rnnscan_cl_read_limits(cl_backend *cl, size_t option_max_alloc);

/* Picks a device by spec (see rnnscan_context_options.device).  The caller
 * holds the start-up lock. */
rnnscan_status rnnscan_cl_select_device(const char *spec, cl_platform_id *platform,
                                        cl_device_id *device);

/* The process-wide start-up lock (cl_lock.c): held around every platform /
 * device query and context / queue creation, never during a scan.  Not
 * recursive. */
void rnnscan_cl_lock(void);
void rnnscan_cl_unlock(void);

#endif /* RNNSCAN_CL_INTERNAL_H */
