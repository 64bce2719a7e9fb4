/* An LD_PRELOAD shim over the OpenCL ICD loader: fault injection, object
 * accounting and an allocation / launch-size audit, observed from outside
 * the library (tests/fault/run_fault.py drives it; README in
 * tests/fault/README.md).
 *
 * Every entry point below forwards to the next definition of the same name
 * (dlsym(RTLD_NEXT): the ICD loader, libOpenCL.so), so the library runs
 * unchanged.  Environment:
 *
 *   RNNSCAN_FAULT_AT=N        fail the N-th counted call (1-based) instead of
 *                             making it.  Counted: every wrapped call except
 *                             clRetain* / clRelease* (a failing release has no
 *                             recovery for the caller to do; releases are
 *                             what the accounting checks).  Queries
 *                             (clGet*Info) are counted: whether the library
 *                             may ignore a failing one is the scenario's
 *                             judgement (tests/fault/scenario.c).
 *                             Create calls set *errcode_ret and return NULL;
 *                             the others return the code.  A failing
 *                             clFinish / clFlush / clWaitForEvents runs the
 *                             real call first (an error of queued work
 *                             surfacing at the sync point) so no transfer
 *                             is left in flight behind the library's back.
 *   RNNSCAN_FAULT_ERROR=code  the error to inject (default: per call, one the
 *                             specification lists for it, see inject_code)
 *   RNNSCAN_FAULT_REPORT=path write the report there at exit (key=value lines)
 *   RNNSCAN_FAULT_TRACE=path  write one line per counted call: "n name detail"
 *   RNNSCAN_AUDIT_MAX_BUFFER=bytes  report every clCreateBuffer /
 *                             clCreateSubBuffer asked for more bytes
 *   RNNSCAN_AUDIT_MAX_GROUPS=n      report every clEnqueueNDRangeKernel with
 *                             more than n work-groups in some dimension:
 *                             ceil(global / local) per dimension, and with a
 *                             NULL local size every work-item counts as a
 *                             group (the implementation may choose local 1),
 *                             in every dimension.  A global_work_offset moves
 *                             the ids, not the count, and is ignored.
 *
 * The shim takes these variables out of the environment when it starts, so
 * the processes PoCL starts (its compiler and linker, for a kernel not in its
 * cache) inherit LD_PRELOAD but neither inject nor write the report.
 *
 * The scenario asks whether (and where) the failure fired through
 * rnnscan_fault_fired() / rnnscan_fault_call() / rnnscan_fault_error_name(),
 * found with dlsym so it runs without the shim as well.
 *
 * Objects: contexts, queues, programs, kernels, mem objects and events are
 * tracked by handle: a create (or an enqueue returning an event) adds one
 * reference, clRetain* adds one, clRelease* removes one; what is left at exit
 * is reported as live (leaked) per type, and a release or retain of a handle
 * not seen (or already gone) as bad_release. */
#define _GNU_SOURCE
#define CL_TARGET_OPENCL_VERSION 300
#define CL_USE_DEPRECATED_OPENCL_1_2_APIS
#include <CL/cl.h>
#include <dlfcn.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

/* ---- state ------------------------------------------------------------------ */
enum obj_type { OBJ_CONTEXT, OBJ_QUEUE, OBJ_PROGRAM, OBJ_KERNEL, OBJ_MEM, OBJ_EVENT, OBJ_TYPES };
static const char *const obj_names[OBJ_TYPES] = {"context", "queue", "program",
                                                 "kernel",  "mem",   "event"};

typedef struct obj {
    const void *handle;
    int type, refs;
} obj;

#define MAX_VIOLATIONS 64
static struct {
    pthread_mutex_t lock;
    long fail_at;         /* 0: never */
    long fail_code;       /* 0: per call */
    long calls;           /* counted calls so far */
    int fired;            /* failures injected */
    char fired_call[64], fired_detail[64], fired_error[48];
    long fired_at;
    obj *objs;
    size_t nobjs, cap;
    long created[OBJ_TYPES], released[OBJ_TYPES], bad_release, bad_retain;
    unsigned long long max_buffer_cap, max_groups_cap; /* 0: no audit */
    unsigned long long max_buffer, max_groups[3], launches, buffers;
    long violations;
    char violation[MAX_VIOLATIONS][200];
    FILE *trace;
    char report[4096];
    pid_t pid; /* the process the report is about */
} S = {.lock = PTHREAD_MUTEX_INITIALIZER};

static long env_long(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? strtol(v, NULL, 0) : 0;
}

__attribute__((constructor)) static void shim_init(void)
{
    S.fail_at = env_long("RNNSCAN_FAULT_AT");
    S.fail_code = env_long("RNNSCAN_FAULT_ERROR");
    S.max_buffer_cap = (unsigned long long)env_long("RNNSCAN_AUDIT_MAX_BUFFER");
    S.max_groups_cap = (unsigned long long)env_long("RNNSCAN_AUDIT_MAX_GROUPS");
    const char *report = getenv("RNNSCAN_FAULT_REPORT");
    snprintf(S.report, sizeof S.report, "%s", report ? report : "");
    const char *trace = getenv("RNNSCAN_FAULT_TRACE");
    if (trace && *trace)
        S.trace = fopen(trace, "w");
    S.pid = getpid();
    /* Processes this one starts (PoCL runs its compiler and linker when a
     * kernel is not in its cache) inherit LD_PRELOAD: they must neither
     * inject nor overwrite the report and trace. */
    static const char *const mine[] = {"RNNSCAN_FAULT_AT", "RNNSCAN_FAULT_ERROR",
                                       "RNNSCAN_FAULT_REPORT", "RNNSCAN_FAULT_TRACE",
                                       "RNNSCAN_AUDIT_MAX_BUFFER", "RNNSCAN_AUDIT_MAX_GROUPS"};
    for (size_t i = 0; i < sizeof mine / sizeof mine[0]; i++)
        unsetenv(mine[i]);
}

static const char *error_name(cl_int code)
{
    switch (code) {
    case CL_OUT_OF_RESOURCES: return "CL_OUT_OF_RESOURCES";
    case CL_OUT_OF_HOST_MEMORY: return "CL_OUT_OF_HOST_MEMORY";
    case CL_MEM_OBJECT_ALLOCATION_FAILURE: return "CL_MEM_OBJECT_ALLOCATION_FAILURE";
    case CL_DEVICE_NOT_AVAILABLE: return "CL_DEVICE_NOT_AVAILABLE";
    case CL_INVALID_VALUE: return "CL_INVALID_VALUE";
    default: return NULL; /* the library prints the code as "(%d)" */
    }
}

/* Counts a call; returns the error to inject, or CL_SUCCESS to make the call. */
static cl_int count_call(const char *name, cl_int code, const char *fmt, ...)
{
    char detail[64] = "";
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(detail, sizeof detail, fmt, ap);
        va_end(ap);
    }
    pthread_mutex_lock(&S.lock);
    long n = ++S.calls;
    cl_int inject = CL_SUCCESS;
    if (n == S.fail_at) {
        inject = S.fail_code ? (cl_int)S.fail_code : code;
        S.fired++;
        S.fired_at = n;
        snprintf(S.fired_call, sizeof S.fired_call, "%s", name);
        snprintf(S.fired_detail, sizeof S.fired_detail, "%s", detail);
        if (error_name(inject))
            snprintf(S.fired_error, sizeof S.fired_error, "%s", error_name(inject));
        else
            snprintf(S.fired_error, sizeof S.fired_error, "(%d)", (int)inject);
    }
    if (S.trace)
        fprintf(S.trace, "%ld %s %s%s\n", n, name, detail, inject ? " INJECTED" : "");
    pthread_mutex_unlock(&S.lock);
    return inject;
}

/* ---- object accounting ------------------------------------------------------ */
static obj *find(const void *h)
{
    for (size_t i = 0; i < S.nobjs; i++)
        if (S.objs[i].handle == h)
            return &S.objs[i];
    return NULL;
}

static void track_create(int type, const void *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&S.lock);
    S.created[type]++;
    obj *o = find(h);
    if (o) { /* a handle reused while we still counted it live: keep counting */
        o->refs++;
    } else {
        if (S.nobjs == S.cap) {
            size_t cap = S.cap ? 2 * S.cap : 256;
            obj *grown = realloc(S.objs, cap * sizeof *grown);
            if (!grown)
                abort();
            S.objs = grown, S.cap = cap;
        }
        S.objs[S.nobjs++] = (obj){h, type, 1};
    }
    pthread_mutex_unlock(&S.lock);
}

static void track_retain(const void *h)
{
    pthread_mutex_lock(&S.lock);
    obj *o = find(h);
    if (o)
        o->refs++;
    else
        S.bad_retain++;
    pthread_mutex_unlock(&S.lock);
}

static void track_release(int type, const void *h)
{
    pthread_mutex_lock(&S.lock);
    obj *o = find(h);
    if (!o || o->type != type) {
        S.bad_release++;
    } else {
        S.released[type]++;
        if (--o->refs == 0)
            *o = S.objs[--S.nobjs];
    }
    pthread_mutex_unlock(&S.lock);
}

static void violation(const char *fmt, ...)
{
    pthread_mutex_lock(&S.lock);
    if (S.violations < MAX_VIOLATIONS) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(S.violation[S.violations], sizeof S.violation[0], fmt, ap);
        va_end(ap);
    }
    S.violations++;
    pthread_mutex_unlock(&S.lock);
}

__attribute__((destructor)) static void shim_report(void)
{
    if (getpid() != S.pid) /* a forked child exiting */
        return;
    if (S.trace)
        fclose(S.trace), S.trace = NULL;
    if (!*S.report)
        return;
    FILE *f = fopen(S.report, "w");
    if (!f)
        return;
    long live[OBJ_TYPES] = {0}, live_total = 0;
    for (size_t i = 0; i < S.nobjs; i++)
        live[S.objs[i].type] += S.objs[i].refs, live_total += S.objs[i].refs;
    fprintf(f, "calls=%ld\nfail_at=%ld\nfired=%d\n", S.calls, S.fail_at, S.fired);
    if (S.fired)
        fprintf(f, "fired_call=%s\nfired_detail=%s\nfired_error=%s\n", S.fired_call,
                S.fired_detail, S.fired_error);
    for (int t = 0; t < OBJ_TYPES; t++)
        fprintf(f, "created_%s=%ld\nreleased_%s=%ld\nlive_%s=%ld\n", obj_names[t], S.created[t],
                obj_names[t], S.released[t], obj_names[t], live[t]);
    fprintf(f, "live_total=%ld\nbad_release=%ld\nbad_retain=%ld\n", live_total, S.bad_release,
            S.bad_retain);
    fprintf(f, "buffers=%llu\nmax_buffer=%llu\nlaunches=%llu\nmax_groups=%llu,%llu,%llu\n",
            S.buffers, S.max_buffer, S.launches, S.max_groups[0], S.max_groups[1],
            S.max_groups[2]);
    fprintf(f, "audit_max_buffer=%llu\naudit_max_groups=%llu\nviolations=%ld\n", S.max_buffer_cap,
            S.max_groups_cap, S.violations);
    for (long i = 0; i < S.violations && i < MAX_VIOLATIONS; i++)
        fprintf(f, "violation=%s\n", S.violation[i]);
    fclose(f);
}

/* ---- the interface the scenario reads (through dlsym) ---------------------- */
EXPORT int rnnscan_fault_fired(void) { return S.fired; }
EXPORT const char *rnnscan_fault_call(void) { return S.fired_call; }
EXPORT const char *rnnscan_fault_error_name(void) { return S.fired_error; }
EXPORT long rnnscan_fault_live_objects(void)
{
    pthread_mutex_lock(&S.lock);
    long live = 0;
    for (size_t i = 0; i < S.nobjs; i++)
        live += S.objs[i].refs;
    pthread_mutex_unlock(&S.lock);
    return live;
}

/* ---- forwarding ------------------------------------------------------------ */
#define REAL(name)                                                               \
    static __typeof__(&name) real_;                                              \
    if (!real_) {                                                                \
        real_ = (__typeof__(&name))dlsym(RTLD_NEXT, #name);                      \
        if (!real_) {                                                            \
            fprintf(stderr, "cl_shim: no next definition of %s\n", #name);       \
            abort();                                                             \
        }                                                                        \
    }

/* A call returning cl_int: count, maybe fail, else forward. */
#define STATUS_CALL(name, code, args, fmt, ...)                       \
    REAL(name);                                                       \
    cl_int inject_ = count_call(#name, code, fmt, ##__VA_ARGS__);     \
    if (inject_ != CL_SUCCESS)                                        \
        return inject_;                                               \
    return real_ args;

/* A create call: count, maybe fail (errcode_ret, NULL), else forward and track. */
#define CREATE_CALL(type, name, code, errcode_ret, args, fmt, ...)    \
    REAL(name);                                                       \
    cl_int inject_ = count_call(#name, code, fmt, ##__VA_ARGS__);     \
    if (inject_ != CL_SUCCESS) {                                      \
        if (errcode_ret)                                              \
            *(errcode_ret) = inject_;                                 \
        return NULL;                                                  \
    }                                                                 \
    __typeof__(real_ args) made_ = real_ args;                        \
    track_create(type, made_);                                        \
    return made_;

#define RETAIN_CALL(name, handle) \
    REAL(name);                   \
    cl_int rc_ = real_(handle);   \
    if (rc_ == CL_SUCCESS)        \
        track_retain(handle);     \
    return rc_;

#define RELEASE_CALL(type, name, handle) \
    REAL(name);                          \
    track_release(type, handle);         \
    return real_(handle);

/* An enqueue that may hand back an event. */
#define ENQUEUE_CALL(name, code, event, args, fmt, ...)               \
    REAL(name);                                                       \
    cl_int inject_ = count_call(#name, code, fmt, ##__VA_ARGS__);     \
    if (inject_ != CL_SUCCESS)                                        \
        return inject_;                                               \
    cl_int rc_ = real_ args;                                          \
    if (rc_ == CL_SUCCESS && (event) && *(event))                     \
        track_create(OBJ_EVENT, *(event));                            \
    return rc_;

/* A synchronisation point: the real call runs, then the error (if any) is reported. */
#define SYNC_CALL(name, code, args, fmt, ...)                         \
    REAL(name);                                                       \
    cl_int inject_ = count_call(#name, code, fmt, ##__VA_ARGS__);     \
    cl_int rc_ = real_ args;                                          \
    return inject_ != CL_SUCCESS ? inject_ : rc_;

/* ---- platforms, devices ------------------------------------------------------ */
EXPORT cl_int clGetPlatformIDs(cl_uint num_entries, cl_platform_id *platforms, cl_uint *num_platforms)
{
    STATUS_CALL(clGetPlatformIDs, CL_OUT_OF_HOST_MEMORY, (num_entries, platforms, num_platforms),
                NULL)
}

EXPORT cl_int clGetPlatformInfo(cl_platform_id platform, cl_platform_info param, size_t size,
                                void *value, size_t *size_ret)
{
    STATUS_CALL(clGetPlatformInfo, CL_OUT_OF_HOST_MEMORY, (platform, param, size, value, size_ret),
                "0x%x", (unsigned)param)
}

EXPORT cl_int clGetDeviceIDs(cl_platform_id platform, cl_device_type type, cl_uint num_entries,
                             cl_device_id *devices, cl_uint *num_devices)
{
    STATUS_CALL(clGetDeviceIDs, CL_OUT_OF_RESOURCES,
                (platform, type, num_entries, devices, num_devices), NULL)
}

EXPORT cl_int clGetDeviceInfo(cl_device_id device, cl_device_info param, size_t size, void *value,
                              size_t *size_ret)
{
    STATUS_CALL(clGetDeviceInfo, CL_OUT_OF_RESOURCES, (device, param, size, value, size_ret),
                "0x%x", (unsigned)param)
}

/* ---- contexts, queues ---------------------------------------------------------- */
EXPORT cl_context clCreateContext(const cl_context_properties *props, cl_uint num_devices,
                                  const cl_device_id *devices,
                                  void(CL_CALLBACK *notify)(const char *, const void *, size_t,
                                                            void *),
                                  void *user, cl_int *errcode_ret)
{
    CREATE_CALL(OBJ_CONTEXT, clCreateContext, CL_OUT_OF_HOST_MEMORY, errcode_ret,
                (props, num_devices, devices, notify, user, errcode_ret), NULL)
}

EXPORT cl_context clCreateContextFromType(const cl_context_properties *props, cl_device_type type,
                                          void(CL_CALLBACK *notify)(const char *, const void *,
                                                                    size_t, void *),
                                          void *user, cl_int *errcode_ret)
{
    CREATE_CALL(OBJ_CONTEXT, clCreateContextFromType, CL_OUT_OF_HOST_MEMORY, errcode_ret,
                (props, type, notify, user, errcode_ret), NULL)
}

EXPORT cl_int clGetContextInfo(cl_context context, cl_context_info param, size_t size, void *value,
                               size_t *size_ret)
{
    STATUS_CALL(clGetContextInfo, CL_OUT_OF_HOST_MEMORY, (context, param, size, value, size_ret),
                "0x%x", (unsigned)param)
}

EXPORT cl_int clRetainContext(cl_context context) { RETAIN_CALL(clRetainContext, context) }
EXPORT cl_int clReleaseContext(cl_context context)
{
    RELEASE_CALL(OBJ_CONTEXT, clReleaseContext, context)
}

EXPORT cl_command_queue clCreateCommandQueue(cl_context context, cl_device_id device,
                                             cl_command_queue_properties props,
                                             cl_int *errcode_ret)
{
    CREATE_CALL(OBJ_QUEUE, clCreateCommandQueue, CL_OUT_OF_RESOURCES, errcode_ret,
                (context, device, props, errcode_ret), NULL)
}

EXPORT cl_command_queue clCreateCommandQueueWithProperties(cl_context context, cl_device_id device,
                                                           const cl_queue_properties *props,
                                                           cl_int *errcode_ret)
{
    CREATE_CALL(OBJ_QUEUE, clCreateCommandQueueWithProperties, CL_OUT_OF_RESOURCES, errcode_ret,
                (context, device, props, errcode_ret), NULL)
}

EXPORT cl_int clRetainCommandQueue(cl_command_queue q) { RETAIN_CALL(clRetainCommandQueue, q) }
EXPORT cl_int clReleaseCommandQueue(cl_command_queue q)
{
    RELEASE_CALL(OBJ_QUEUE, clReleaseCommandQueue, q)
}

EXPORT cl_int clFlush(cl_command_queue q) { SYNC_CALL(clFlush, CL_OUT_OF_RESOURCES, (q), NULL) }
EXPORT cl_int clFinish(cl_command_queue q) { SYNC_CALL(clFinish, CL_OUT_OF_RESOURCES, (q), NULL) }

/* ---- memory ------------------------------------------------------------------ */
static void audit_buffer(const char *call, size_t size)
{
    pthread_mutex_lock(&S.lock);
    S.buffers++;
    if (size > S.max_buffer)
        S.max_buffer = size;
    pthread_mutex_unlock(&S.lock);
    if (S.max_buffer_cap && size > S.max_buffer_cap)
        violation("%s of %zu bytes > RNNSCAN_AUDIT_MAX_BUFFER=%llu", call, size, S.max_buffer_cap);
}

EXPORT cl_mem clCreateBuffer(cl_context context, cl_mem_flags flags, size_t size, void *host,
                             cl_int *errcode_ret)
{
    audit_buffer("clCreateBuffer", size);
    CREATE_CALL(OBJ_MEM, clCreateBuffer, CL_MEM_OBJECT_ALLOCATION_FAILURE, errcode_ret,
                (context, flags, size, host, errcode_ret), "%zu bytes", size)
}

EXPORT cl_mem clCreateSubBuffer(cl_mem buffer, cl_mem_flags flags,
                                cl_buffer_create_type type, const void *info,
                                cl_int *errcode_ret)
{
    size_t size = type == CL_BUFFER_CREATE_TYPE_REGION && info
                      ? ((const cl_buffer_region *)info)->size
                      : 0;
    audit_buffer("clCreateSubBuffer", size);
    CREATE_CALL(OBJ_MEM, clCreateSubBuffer, CL_MEM_OBJECT_ALLOCATION_FAILURE, errcode_ret,
                (buffer, flags, type, info, errcode_ret), "%zu bytes", size)
}

EXPORT cl_int clGetMemObjectInfo(cl_mem mem, cl_mem_info param, size_t size, void *value,
                                 size_t *size_ret)
{
    STATUS_CALL(clGetMemObjectInfo, CL_OUT_OF_HOST_MEMORY, (mem, param, size, value, size_ret),
                "0x%x", (unsigned)param)
}

EXPORT cl_int clRetainMemObject(cl_mem mem) { RETAIN_CALL(clRetainMemObject, mem) }
EXPORT cl_int clReleaseMemObject(cl_mem mem) { RELEASE_CALL(OBJ_MEM, clReleaseMemObject, mem) }

/* ---- programs, kernels ---------------------------------------------------------- */
EXPORT cl_program clCreateProgramWithSource(cl_context context, cl_uint count,
                                            const char **strings, const size_t *lengths,
                                            cl_int *errcode_ret)
{
    CREATE_CALL(OBJ_PROGRAM, clCreateProgramWithSource, CL_OUT_OF_HOST_MEMORY, errcode_ret,
                (context, count, strings, lengths, errcode_ret), NULL)
}

EXPORT cl_program clCreateProgramWithBinary(cl_context context, cl_uint num_devices,
                                            const cl_device_id *devices, const size_t *lengths,
                                            const unsigned char **binaries, cl_int *binary_status,
                                            cl_int *errcode_ret)
{
    CREATE_CALL(OBJ_PROGRAM, clCreateProgramWithBinary, CL_OUT_OF_HOST_MEMORY, errcode_ret,
                (context, num_devices, devices, lengths, binaries, binary_status, errcode_ret),
                NULL)
}

EXPORT cl_int clBuildProgram(cl_program program, cl_uint num_devices, const cl_device_id *devices,
                             const char *options,
                             void(CL_CALLBACK *notify)(cl_program, void *), void *user)
{
    STATUS_CALL(clBuildProgram, CL_OUT_OF_HOST_MEMORY,
                (program, num_devices, devices, options, notify, user), NULL)
}

EXPORT cl_int clGetProgramInfo(cl_program program, cl_program_info param, size_t size, void *value,
                               size_t *size_ret)
{
    STATUS_CALL(clGetProgramInfo, CL_OUT_OF_HOST_MEMORY, (program, param, size, value, size_ret),
                "0x%x", (unsigned)param)
}

EXPORT cl_int clGetProgramBuildInfo(cl_program program, cl_device_id device,
                                    cl_program_build_info param, size_t size, void *value,
                                    size_t *size_ret)
{
    STATUS_CALL(clGetProgramBuildInfo, CL_OUT_OF_HOST_MEMORY,
                (program, device, param, size, value, size_ret), "0x%x", (unsigned)param)
}

EXPORT cl_int clRetainProgram(cl_program p) { RETAIN_CALL(clRetainProgram, p) }
EXPORT cl_int clReleaseProgram(cl_program p) { RELEASE_CALL(OBJ_PROGRAM, clReleaseProgram, p) }

EXPORT cl_kernel clCreateKernel(cl_program program, const char *name, cl_int *errcode_ret)
{
    CREATE_CALL(OBJ_KERNEL, clCreateKernel, CL_OUT_OF_HOST_MEMORY, errcode_ret,
                (program, name, errcode_ret), "%s", name ? name : "")
}

EXPORT cl_int clCreateKernelsInProgram(cl_program program, cl_uint num_kernels, cl_kernel *kernels,
                                       cl_uint *num_kernels_ret)
{
    REAL(clCreateKernelsInProgram);
    cl_int inject = count_call("clCreateKernelsInProgram", CL_OUT_OF_HOST_MEMORY, NULL);
    if (inject != CL_SUCCESS)
        return inject;
    cl_uint made = 0;
    cl_int rc = real_(program, num_kernels, kernels, &made);
    if (num_kernels_ret)
        *num_kernels_ret = made;
    for (cl_uint k = 0; rc == CL_SUCCESS && kernels && k < made && k < num_kernels; k++)
        track_create(OBJ_KERNEL, kernels[k]);
    return rc;
}

EXPORT cl_int clSetKernelArg(cl_kernel kernel, cl_uint index, size_t size, const void *value)
{
    STATUS_CALL(clSetKernelArg, CL_OUT_OF_RESOURCES, (kernel, index, size, value), "%u", index)
}

EXPORT cl_int clGetKernelInfo(cl_kernel kernel, cl_kernel_info param, size_t size, void *value,
                              size_t *size_ret)
{
    STATUS_CALL(clGetKernelInfo, CL_OUT_OF_HOST_MEMORY, (kernel, param, size, value, size_ret),
                "0x%x", (unsigned)param)
}

EXPORT cl_int clGetKernelWorkGroupInfo(cl_kernel kernel, cl_device_id device,
                                       cl_kernel_work_group_info param, size_t size, void *value,
                                       size_t *size_ret)
{
    STATUS_CALL(clGetKernelWorkGroupInfo, CL_OUT_OF_RESOURCES,
                (kernel, device, param, size, value, size_ret), "0x%x", (unsigned)param)
}

EXPORT cl_int clRetainKernel(cl_kernel k) { RETAIN_CALL(clRetainKernel, k) }
EXPORT cl_int clReleaseKernel(cl_kernel k) { RELEASE_CALL(OBJ_KERNEL, clReleaseKernel, k) }

/* ---- commands ------------------------------------------------------------------- */
static void audit_launch(cl_kernel kernel, cl_uint dims, const size_t *offset,
                         const size_t *global, const size_t *local)
{
    unsigned long long groups[3] = {0, 0, 0};
    for (cl_uint d = 0; d < dims && d < 3 && global; d++) {
        size_t l = local && local[d] ? local[d] : 1;
        groups[d] = (global[d] + l - 1) / l;
    }
    pthread_mutex_lock(&S.lock);
    S.launches++;
    for (int d = 0; d < 3; d++)
        if (groups[d] > S.max_groups[d])
            S.max_groups[d] = groups[d];
    pthread_mutex_unlock(&S.lock);
    if (!S.max_groups_cap)
        return;
    for (cl_uint d = 0; d < dims && d < 3; d++)
        if (groups[d] > S.max_groups_cap) {
            static __typeof__(&clGetKernelInfo) info; /* uncounted: not the library's call */
            if (!info)
                info = (__typeof__(&clGetKernelInfo))dlsym(RTLD_NEXT, "clGetKernelInfo");
            char name[64] = "?";
            if (info)
                info(kernel, CL_KERNEL_FUNCTION_NAME, sizeof name, name, NULL);
            violation("clEnqueueNDRangeKernel %s: %llu groups in dimension %u > "
                      "RNNSCAN_AUDIT_MAX_GROUPS=%llu (global %zu, local %zu%s, offset %zu)",
                      name, groups[d], d, S.max_groups_cap, global[d], local ? local[d] : 0,
                      local ? "" : " = NULL", offset ? offset[d] : 0);
        }
}

EXPORT cl_int clEnqueueNDRangeKernel(cl_command_queue q, cl_kernel kernel, cl_uint dims,
                                     const size_t *offset, const size_t *global,
                                     const size_t *local, cl_uint num_wait,
                                     const cl_event *wait, cl_event *event)
{
    audit_launch(kernel, dims, offset, global, local);
    ENQUEUE_CALL(clEnqueueNDRangeKernel, CL_OUT_OF_RESOURCES, event,
                 (q, kernel, dims, offset, global, local, num_wait, wait, event), NULL)
}

EXPORT cl_int clEnqueueWriteBuffer(cl_command_queue q, cl_mem buffer, cl_bool blocking,
                                   size_t offset, size_t size, const void *ptr, cl_uint num_wait,
                                   const cl_event *wait, cl_event *event)
{
    ENQUEUE_CALL(clEnqueueWriteBuffer, CL_MEM_OBJECT_ALLOCATION_FAILURE, event,
                 (q, buffer, blocking, offset, size, ptr, num_wait, wait, event), "%zu bytes",
                 size)
}

EXPORT cl_int clEnqueueReadBuffer(cl_command_queue q, cl_mem buffer, cl_bool blocking,
                                  size_t offset, size_t size, void *ptr, cl_uint num_wait,
                                  const cl_event *wait, cl_event *event)
{
    ENQUEUE_CALL(clEnqueueReadBuffer, CL_OUT_OF_RESOURCES, event,
                 (q, buffer, blocking, offset, size, ptr, num_wait, wait, event), "%zu bytes",
                 size)
}

EXPORT cl_int clEnqueueFillBuffer(cl_command_queue q, cl_mem buffer, const void *pattern,
                                  size_t pattern_size, size_t offset, size_t size,
                                  cl_uint num_wait, const cl_event *wait, cl_event *event)
{
    ENQUEUE_CALL(clEnqueueFillBuffer, CL_MEM_OBJECT_ALLOCATION_FAILURE, event,
                 (q, buffer, pattern, pattern_size, offset, size, num_wait, wait, event),
                 "%zu bytes", size)
}

EXPORT cl_int clEnqueueCopyBuffer(cl_command_queue q, cl_mem src, cl_mem dst, size_t src_offset,
                                  size_t dst_offset, size_t size, cl_uint num_wait,
                                  const cl_event *wait, cl_event *event)
{
    ENQUEUE_CALL(clEnqueueCopyBuffer, CL_MEM_OBJECT_ALLOCATION_FAILURE, event,
                 (q, src, dst, src_offset, dst_offset, size, num_wait, wait, event), "%zu bytes",
                 size)
}

EXPORT cl_int clEnqueueBarrierWithWaitList(cl_command_queue q, cl_uint num_wait,
                                           const cl_event *wait, cl_event *event)
{
    ENQUEUE_CALL(clEnqueueBarrierWithWaitList, CL_OUT_OF_RESOURCES, event,
                 (q, num_wait, wait, event), NULL)
}

EXPORT cl_int clEnqueueMarkerWithWaitList(cl_command_queue q, cl_uint num_wait,
                                          const cl_event *wait, cl_event *event)
{
    ENQUEUE_CALL(clEnqueueMarkerWithWaitList, CL_OUT_OF_RESOURCES, event,
                 (q, num_wait, wait, event), NULL)
}

/* ---- events -------------------------------------------------------------------- */
EXPORT cl_int clWaitForEvents(cl_uint num, const cl_event *events)
{
    SYNC_CALL(clWaitForEvents, CL_OUT_OF_RESOURCES, (num, events), NULL)
}

EXPORT cl_int clGetEventInfo(cl_event event, cl_event_info param, size_t size, void *value,
                             size_t *size_ret)
{
    STATUS_CALL(clGetEventInfo, CL_OUT_OF_HOST_MEMORY, (event, param, size, value, size_ret),
                "0x%x", (unsigned)param)
}

EXPORT cl_int clGetEventProfilingInfo(cl_event event, cl_profiling_info param, size_t size,
                                      void *value, size_t *size_ret)
{
    STATUS_CALL(clGetEventProfilingInfo, CL_OUT_OF_HOST_MEMORY,
                (event, param, size, value, size_ret), "0x%x", (unsigned)param)
}

EXPORT cl_event clCreateUserEvent(cl_context context, cl_int *errcode_ret)
{
    CREATE_CALL(OBJ_EVENT, clCreateUserEvent, CL_OUT_OF_HOST_MEMORY, errcode_ret,
                (context, errcode_ret), NULL)
}

EXPORT cl_int clRetainEvent(cl_event e) { RETAIN_CALL(clRetainEvent, e) }
EXPORT cl_int clReleaseEvent(cl_event e) { RELEASE_CALL(OBJ_EVENT, clReleaseEvent, e) }
