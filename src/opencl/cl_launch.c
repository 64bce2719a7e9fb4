/* Device buffers within the allocation limit, transfers, and kernel launches
 * within the device's work-group limits. */
#include <stdint.h>
#include <stdio.h>

#include "cl_scan.h"

rnnscan_status cl_check_alloc(rnnscan_model *m, const char *what, size_t bytes)
{
    cl_backend *cl = cl_backend_of(m);
    if (bytes > cl->alloc_limit)
        return rnnscan_fail(&m->err, RNNSCAN_TOO_LARGE,
                            "opencl: %s needs %zu bytes, above the allocation limit of %zu bytes "
                            "(%s) of %s",
                            what, bytes, cl->alloc_limit, cl->alloc_limit_source,
                            m->context->device_name);
    return RNNSCAN_OK;
}

rnnscan_status cl_create_buffer(rnnscan_model *m, cl_mem *out, const char *what, size_t bytes,
                                const void *init)
{
    RNNSCAN_TRY(cl_check_alloc(m, what, bytes));
    cl_int rc;
    cl_mem_flags flags = CL_MEM_READ_WRITE | (init ? CL_MEM_COPY_HOST_PTR : 0);
    *out = clCreateBuffer(cl_backend_of(m)->context, flags, bytes, (void *)init, &rc);
    if (rc != CL_SUCCESS) {
        *out = NULL;
        return rnnscan_cl_fail(&m->err, "clCreateBuffer", rc, what);
    }
    return RNNSCAN_OK;
}

void cl_release_mem(cl_mem *mem)
{
    if (*mem)
        clReleaseMemObject(*mem);
    *mem = NULL;
}

rnnscan_status cl_ensure(rnnscan_model *m, scratch *s, const char *what, size_t bytes)
{
    if (s->bytes >= bytes)
        return RNNSCAN_OK;
    cl_release_mem(&s->mem);
    s->bytes = 0;
    RNNSCAN_TRY(cl_create_buffer(m, &s->mem, what, bytes, NULL));
    s->bytes = bytes;
    return RNNSCAN_OK;
}

rnnscan_status cl_upload(rnnscan_model *m, cl_mem dst, size_t offset, const void *src,
                         size_t bytes, const char *what)
{
    cl_command_queue q = cl_backend_of(m)->queue;
    const float zero = 0.0f;
    cl_int rc = src ? clEnqueueWriteBuffer(q, dst, CL_FALSE, offset, bytes, src, 0, NULL, NULL)
                    : clEnqueueFillBuffer(q, dst, &zero, sizeof zero, offset, bytes, 0, NULL,
                                          NULL);
    return rc == CL_SUCCESS ? RNNSCAN_OK
                            : rnnscan_cl_fail(&m->err,
                                              src ? "clEnqueueWriteBuffer" : "clEnqueueFillBuffer",
                                              rc, what);
}

rnnscan_status cl_download(rnnscan_model *m, void *dst, cl_mem src, size_t offset, size_t bytes,
                           int wait, const char *what)
{
    cl_int rc = clEnqueueReadBuffer(cl_backend_of(m)->queue, src, wait ? CL_TRUE : CL_FALSE,
                                    offset, bytes, dst, 0, NULL, NULL);
    return rc == CL_SUCCESS ? RNNSCAN_OK
                            : rnnscan_cl_fail(&m->err, "clEnqueueReadBuffer", rc, what);
}

static rnnscan_status launch_failed(rnnscan_model *m, cl_kernel kernel, cl_int rc)
{
    char name[64] = "?";
    clGetKernelInfo(kernel, CL_KERNEL_FUNCTION_NAME, sizeof name, name, NULL);
    return rnnscan_cl_fail(&m->err, "clEnqueueNDRangeKernel", rc, name);
}

/* Work-items per launch along dimension d: max_groups work-groups of the
 * given local size, or of one work-item when the driver picks (local NULL
 * may mean 1 in that dimension, so this is the safe count). */
static size_t items_per_launch(const cl_backend *cl, const size_t *local, int d)
{
    return cl->max_groups * (local ? local[d] : 1);
}

rnnscan_status cl_launch(rnnscan_model *m, cl_kernel kernel, cl_uint dims, const size_t *global,
                         const size_t *local)
{
    cl_backend *cl = cl_backend_of(m);
    size_t offset[3] = {0, 0, 0}, piece[3] = {global[0], 1, 1};
    const size_t total1 = dims > 1 ? global[1] : 1, total2 = dims > 2 ? global[2] : 1;
    const size_t step1 = dims > 1 ? items_per_launch(cl, local, 1) : 1;
    const size_t step2 = dims > 2 ? items_per_launch(cl, local, 2) : 1;
    if (global[0] > (size_t)INT32_MAX)
        return rnnscan_fail(&m->err, RNNSCAN_TOO_LARGE,
                            "opencl: %zu work-items in dimension 0 of one launch", global[0]);
    for (offset[2] = 0; offset[2] < total2; offset[2] += step2) {
        piece[2] = total2 - offset[2] < step2 ? total2 - offset[2] : step2;
        for (offset[1] = 0; offset[1] < total1; offset[1] += step1) {
            piece[1] = total1 - offset[1] < step1 ? total1 - offset[1] : step1;
            cl_int rc = clEnqueueNDRangeKernel(cl->queue, kernel, dims, offset, piece, local, 0,
                                               NULL, NULL);
            if (rc != CL_SUCCESS)
                return launch_failed(m, kernel, rc);
        }
    }
    return RNNSCAN_OK;
}
