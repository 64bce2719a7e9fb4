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

/* Kernel shapes, chosen per device kind (cl_variant.c) and part of every
 * variant key; the defines of kernels/common.cl. */
typedef struct cl_tuning {
    int tile_rows;  /* RNNSCAN_TILE_ROWS: input projection rows per work-item */
    int step_rows;  /* RNNSCAN_STEP_ROWS: sequences per step work-item */
    int scan_units; /* RNNSCAN_VEC_WIDTH of the persistent kernel: units per work-item */
    int w_panels;   /* RNNSCAN_W_PANELS: weights packed in panels (CPU devices) or rows */
    int proj_local; /* RNNSCAN_PROJ_LOCAL: the projection as a local-memory tiled GEMM
                       (GPUs), 64 x 64 per 16 x 16 work-group; else register tiles */
    int step_local; /* RNNSCAN_STEP_LOCAL: the step's work-groups stage h_{t-1} through
                       local memory (GPUs); else each work-item reads it itself */
} cl_tuning;

/* The step kernel's work-group width with RNNSCAN_STEP_LOCAL (at most). */
#define CL_STEP_GROUP 64

/* The local-memory projection's work-group side and tile (kernels/input_projection.cl). */
#define CL_PROJ_SIDE 16
#define CL_PROJ_TILE 64

/* Room for a variant key (cl_variant_render) with every cell-variant term:
 * three activations with two hex-float parameters each and a clip. */
#define CL_VARIANT_KEY_MAX 384

/* One built variant (cl_program.c): a program with its one kernel. */
typedef struct cl_program_entry {
    char key[CL_VARIANT_KEY_MAX]; /* cl_variant_render's canonical key */
    cl_program program;
    cl_kernel kernel;
    size_t max_group;   /* CL_KERNEL_WORK_GROUP_SIZE */
    size_t local_bytes; /* CL_KERNEL_LOCAL_MEM_SIZE: the kernel's own local memory */
    double build_ms;
} cl_program_entry;

typedef struct cl_backend {
    cl_platform_id platform;
    cl_device_id device;
    cl_context context;
    cl_command_queue queue;
    cl_tuning tuning;
    char extra_options[512];     /* RNNSCAN_BUILD_OPTIONS, appended to every build */
    cl_program_entry **programs; /* the cache: n_programs built variants */
    int n_programs, cap_programs;
    size_t max_alloc_bytes;  /* CL_DEVICE_MAX_MEM_ALLOC_SIZE */
    size_t alloc_limit;      /* the largest buffer made: the smallest of the device's
                                limit, rnnscan_context_options.max_alloc_bytes and
                                RNNSCAN_MAX_ALLOC */
    char alloc_limit_source[64]; /* which of the three it is, for messages */
    size_t max_groups;       /* work-groups per launch in dimensions 1 and 2: 65535
                                (NVIDIA's and CUDA's grid limit) or RNNSCAN_MAX_GROUPS */
    size_t max_item_sizes[3]; /* CL_DEVICE_MAX_WORK_ITEM_SIZES */
    size_t max_work_group;   /* CL_DEVICE_MAX_WORK_GROUP_SIZE, at most max_item_sizes[0] */
    size_t local_mem_bytes;  /* CL_DEVICE_LOCAL_MEM_SIZE */
    /* RNNSCAN_SCHEDULE_AUTO (cl_schedule.c): the shapes measured so far in
     * this context, and where measurements are kept between processes. */
    char driver_version[128]; /* CL_DRIVER_VERSION, part of the cache key */
    char cache_dir[1024];     /* "" : no disk cache */
    struct cl_schedule_memo *memo;
    int n_memo, cap_memo;
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

struct cl_variant;
/* The built program of a variant, from the context's cache or built now
 * (its build time added to *build_ms); a failed build hands over its log. */
rnnscan_status rnnscan_cl_program_get(cl_backend *cl, rnnscan_errbuf *err,
                                      const struct cl_variant *v, const cl_program_entry **out,
                                      double *build_ms);
/* Frees the programs cached after the first `keep` (a failed model create
 * leaves the context as it found it), or every one. */
void rnnscan_cl_programs_truncate(cl_backend *cl, int keep);
void rnnscan_cl_programs_release(cl_backend *cl);

/* Frees the backend part of a context (the ops table's context_release). */
void rnnscan_cl_context_release(rnnscan_context *context);

/* Reads RNNSCAN_MAX_ALLOC / RNNSCAN_MAX_GROUPS and the device's limits into cl. */
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
