/* The context's program cache: one built program per variant key, each
 * with its one kernel, filled when a model is created (never during a
 * scan), so a context builds only the variants its models use.  The source
 * and options of a key never change, so PoCL's and other drivers' binary
 * caches stay effective across processes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cl_variant.h"

static const char *const kernel_names[] = {"input_projection", "rnnscan_step",
                                           "rnnscan_persistent", "rnnscan_state_projection",
                                           "rnnscan_reset_gate"};

static void entry_free(cl_program_entry *e)
{
    if (!e)
        return;
    if (e->kernel)
        clReleaseKernel(e->kernel);
    if (e->program)
        clReleaseProgram(e->program);
    free(e);
}

void rnnscan_cl_programs_truncate(cl_backend *cl, int keep)
{
    while (cl->n_programs > keep)
        entry_free(cl->programs[--cl->n_programs]);
}

void rnnscan_cl_programs_release(cl_backend *cl)
{
    rnnscan_cl_programs_truncate(cl, 0);
    free(cl->programs);
    cl->programs = NULL;
    cl->cap_programs = 0;
}

/* Records a build failure with as much of the build log as fits the detail. */
static rnnscan_status build_failure(cl_backend *cl, rnnscan_errbuf *err, cl_program program,
                                    cl_int rc, const char *options)
{
    size_t size = 0;
    char *log = NULL;
    if (clGetProgramBuildInfo(program, cl->device, CL_PROGRAM_BUILD_LOG, 0, NULL, &size) ==
            CL_SUCCESS &&
        size > 0 && (log = calloc(size + 1, 1)) != NULL)
        clGetProgramBuildInfo(program, cl->device, CL_PROGRAM_BUILD_LOG, size, log, NULL);
    rnnscan_status st = rnnscan_fail(
        err, RNNSCAN_BUILD_FAILED, "clBuildProgram failed: %s (%d) with options \"%s\"; build log:\n%s",
        rnnscan_cl_error_name(rc), (int)rc, options, log ? log : "(none)");
    free(log);
    return st;
}

/* Builds variant v into e (program, kernel, its limits, build time). */
static rnnscan_status build(cl_backend *cl, rnnscan_errbuf *err, const cl_variant *v,
                            const char *options, cl_program_entry *e)
{
    const char *texts[16];
    size_t lengths[16];
    int n = rnnscan_kernel_source_count;
    if (n > 16)
        return rnnscan_fail(err, RNNSCAN_BUILD_FAILED, "too many kernel files (%d)", n);
    for (int i = 0; i < n; i++) {
        texts[i] = rnnscan_kernel_sources[i].text;
        lengths[i] = rnnscan_kernel_sources[i].length;
    }
    cl_int rc;
    e->program = clCreateProgramWithSource(cl->context, (cl_uint)n, texts, lengths, &rc);
    if (rc != CL_SUCCESS) {
        e->program = NULL;
        return rnnscan_cl_fail(err, "clCreateProgramWithSource", rc, "loading the kernels");
    }
    double t0 = rnnscan_now_ms();
    rc = clBuildProgram(e->program, 1, &cl->device, options, NULL, NULL);
    e->build_ms = rnnscan_now_ms() - t0;
    if (rc != CL_SUCCESS)
        return build_failure(cl, err, e->program, rc, options);
    const char *name = kernel_names[v->entry];
    e->kernel = clCreateKernel(e->program, name, &rc);
    if (rc != CL_SUCCESS) {
        e->kernel = NULL;
        return rnnscan_cl_fail(err, "clCreateKernel", rc, name);
    }
    /* what this kernel accepts may be less than the device's maximum
     * (registers), and its own local memory comes out of the device's */
    cl_ulong local = 0;
    rc = clGetKernelWorkGroupInfo(e->kernel, cl->device, CL_KERNEL_WORK_GROUP_SIZE,
                                  sizeof e->max_group, &e->max_group, NULL);
    if (rc == CL_SUCCESS)
        rc = clGetKernelWorkGroupInfo(e->kernel, cl->device, CL_KERNEL_LOCAL_MEM_SIZE,
                                      sizeof local, &local, NULL);
    if (rc != CL_SUCCESS)
        return rnnscan_cl_fail(err, "clGetKernelWorkGroupInfo", rc, name);
    e->local_bytes = (size_t)local;
    return RNNSCAN_OK;
}

rnnscan_status rnnscan_cl_program_get(cl_backend *cl, rnnscan_errbuf *err, const cl_variant *v,
                                      const cl_program_entry **out, double *build_ms)
{
    char options[2048], key[sizeof cl->programs[0]->key];
    cl_variant_render(v, options, sizeof options, key, sizeof key);
    for (int i = 0; i < cl->n_programs; i++)
        if (strcmp(cl->programs[i]->key, key) == 0) {
            *out = cl->programs[i];
            return RNNSCAN_OK;
        }
    if (cl->n_programs == cl->cap_programs) {
        int cap = cl->cap_programs ? 2 * cl->cap_programs : 8;
        cl_program_entry **grown = realloc(cl->programs, (size_t)cap * sizeof *grown);
        if (!grown)
            return rnnscan_fail(err, RNNSCAN_OUT_OF_MEMORY, "opencl: no memory for programs");
        cl->programs = grown, cl->cap_programs = cap;
    }
    cl_program_entry *e = calloc(1, sizeof *e);
    if (!e)
        return rnnscan_fail(err, RNNSCAN_OUT_OF_MEMORY, "opencl: no memory for a program");
    snprintf(e->key, sizeof e->key, "%s", key);
    /* the context's extra options (RNNSCAN_BUILD_OPTIONS) are the same for
     * every key of the context */
    size_t used = strlen(options);
    snprintf(options + used, sizeof options - used, " -cl-std=CL1.2 %s", cl->extra_options);
    rnnscan_status st = build(cl, err, v, options, e);
    if (st != RNNSCAN_OK) {
        entry_free(e);
        return st;
    }
    cl->programs[cl->n_programs++] = e;
    *build_ms += e->build_ms;
    *out = e;
    return RNNSCAN_OK;
}
