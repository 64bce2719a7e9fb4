/* OpenCL error codes by name, and recording a failed call. */
#include <stdarg.h>
#include <stdio.h>

#include "cl_internal.h"

#define CL_ERROR_MAP(X)                                                                       \
    X(CL_DEVICE_NOT_FOUND) X(CL_DEVICE_NOT_AVAILABLE) X(CL_COMPILER_NOT_AVAILABLE)            \
    X(CL_MEM_OBJECT_ALLOCATION_FAILURE) X(CL_OUT_OF_RESOURCES) X(CL_OUT_OF_HOST_MEMORY)       \
    X(CL_PROFILING_INFO_NOT_AVAILABLE) X(CL_MEM_COPY_OVERLAP) X(CL_IMAGE_FORMAT_MISMATCH)     \
    X(CL_IMAGE_FORMAT_NOT_SUPPORTED) X(CL_BUILD_PROGRAM_FAILURE) X(CL_MAP_FAILURE)            \
    X(CL_MISALIGNED_SUB_BUFFER_OFFSET) X(CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST)        \
    X(CL_COMPILE_PROGRAM_FAILURE) X(CL_LINKER_NOT_AVAILABLE) X(CL_LINK_PROGRAM_FAILURE)       \
    X(CL_DEVICE_PARTITION_FAILED) X(CL_KERNEL_ARG_INFO_NOT_AVAILABLE) X(CL_INVALID_VALUE)     \
    X(CL_INVALID_DEVICE_TYPE) X(CL_INVALID_PLATFORM) X(CL_INVALID_DEVICE)                     \
    X(CL_INVALID_CONTEXT) X(CL_INVALID_QUEUE_PROPERTIES) X(CL_INVALID_COMMAND_QUEUE)          \
    X(CL_INVALID_HOST_PTR) X(CL_INVALID_MEM_OBJECT) X(CL_INVALID_IMAGE_FORMAT_DESCRIPTOR)     \
    X(CL_INVALID_IMAGE_SIZE) X(CL_INVALID_SAMPLER) X(CL_INVALID_BINARY)                       \
    X(CL_INVALID_BUILD_OPTIONS) X(CL_INVALID_PROGRAM) X(CL_INVALID_PROGRAM_EXECUTABLE)        \
    X(CL_INVALID_KERNEL_NAME) X(CL_INVALID_KERNEL_DEFINITION) X(CL_INVALID_KERNEL)            \
    X(CL_INVALID_ARG_INDEX) X(CL_INVALID_ARG_VALUE) X(CL_INVALID_ARG_SIZE)                    \
    X(CL_INVALID_KERNEL_ARGS) X(CL_INVALID_WORK_DIMENSION) X(CL_INVALID_WORK_GROUP_SIZE)      \
    X(CL_INVALID_WORK_ITEM_SIZE) X(CL_INVALID_GLOBAL_OFFSET) X(CL_INVALID_EVENT_WAIT_LIST)    \
    X(CL_INVALID_EVENT) X(CL_INVALID_OPERATION) X(CL_INVALID_GL_OBJECT)                       \
    X(CL_INVALID_BUFFER_SIZE) X(CL_INVALID_MIP_LEVEL) X(CL_INVALID_GLOBAL_WORK_SIZE)          \
    X(CL_INVALID_PROPERTY) X(CL_INVALID_IMAGE_DESCRIPTOR) X(CL_INVALID_COMPILER_OPTIONS)      \
    X(CL_INVALID_LINKER_OPTIONS) X(CL_INVALID_DEVICE_PARTITION_COUNT)

const char *rnnscan_cl_error_name(cl_int code)
{
    switch (code) {
#define CL_ERROR_CASE_(name) \
    case name:               \
        return #name;
        CL_ERROR_MAP(CL_ERROR_CASE_)
#undef CL_ERROR_CASE_
    case -1001:
        return "CL_PLATFORM_NOT_FOUND_KHR";
    default:
        return "unknown OpenCL error";
    }
}

rnnscan_status rnnscan_cl_fail(rnnscan_errbuf *err, const char *call, cl_int code, const char *what)
{
    return rnnscan_fail(err, RNNSCAN_OPENCL_ERROR, "%s failed: %s (%d)%s%s", call,
                        rnnscan_cl_error_name(code), (int)code, what && *what ? " while " : "",
                        what ? what : "");
}

rnnscan_status rnnscan_cl_set_args(rnnscan_errbuf *err, cl_kernel kernel, cl_uint first, ...)
{
    va_list ap;
    va_start(ap, first);
    rnnscan_status st = RNNSCAN_OK;
    for (cl_uint index = first;; index++) {
        size_t size = va_arg(ap, size_t);
        if (size == 0)
            break;
        const void *value = va_arg(ap, const void *);
        cl_int rc = clSetKernelArg(kernel, index, size, value);
        if (rc != CL_SUCCESS) {
            char what[160], name[64] = "?";
            clGetKernelInfo(kernel, CL_KERNEL_FUNCTION_NAME, sizeof name, name, NULL);
            snprintf(what, sizeof what, "setting argument %u of kernel %s", index, name);
            st = rnnscan_cl_fail(err, "clSetKernelArg", rc, what);
            break;
        }
    }
    va_end(ap);
    return st;
}
