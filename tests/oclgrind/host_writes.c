/* Oclgrind 21.10 (Debian 12's) loses track of what was initialised, in two
 * ways: false positives of its --uninitialized check, and the only thing
 * the Oclgrind sweep (sweep.c, run.sh) works around.  Linked into the sweep
 * only, with -Wl,--wrap for each call below, so the library runs unchanged.
 *
 * First, host transfers.  The checker keeps one shadow array per buffer, and
 * every host transfer into a buffer (clEnqueueWriteBuffer, clEnqueueCopyBuffer
 * and their Rect forms: Uninitialized::hostMemoryStore) *replaces* it with a
 * new array of the transfer's size, starting at the buffer's byte 0, then
 * marks the transfer's bytes clean at their offset, which with offset > 0
 * lies past the new array's end, so nothing is marked; clEnqueueFillBuffer
 * marks nothing at all.  Minimal reproduction (32-byte buffers `in`, `out`;
 * kernel `out[i] = in[i]` over 8 work-items; `oclgrind --uninitialized`;
 * each report "Uninitialized value written to global memory address ..."):
 *
 *   clEnqueueWriteBuffer(q, in, CL_TRUE, 0, 32, h, ...)          no report
 *   clEnqueueWriteBuffer(q, in, CL_TRUE, 0, 16, h, ...);
 *   clEnqueueWriteBuffer(q, in, CL_TRUE, 16, 16, h + 4, ...)     6 reports (in[0..1], in[4..7];
 *                                            in[2..3] read whatever the new array held)
 *   the same two writes in the other order                      4 reports (in[4..7])
 *   float zero = 0; clEnqueueFillBuffer(q, in, &zero, 4, 0, 32, ...)   8 reports
 *   clEnqueueWriteBuffer(q, in, CL_TRUE, 0, 32, h, ...);
 *   clEnqueueCopyBuffer(q, src, in, 0, 16, 16, ...)  (src written whole)  6 reports
 *   a kernel writes all of in; clEnqueueWriteBuffer(q, in, CL_TRUE, 0, 16, h, ...)
 *                                            4 reports (in[4..7]: the cut shadow)
 *   nothing written to in (a real one)                          8 reports
 *
 * The library writes its state buffer in pieces (h0, c0, then order and
 * lengths at an offset), zeroes h0/c0 and padded outputs with
 * clEnqueueFillBuffer, and the chunked scan copies y slots: every one a
 * correct initialisation the checker then reports as uninitialised values
 * in persistent_lstm (SCAN_BEGIN: h0 into local memory), lstm_step
 * (order/lengths: uninitialised addresses), input_projection (zeroed
 * padding), ...  The workaround, after each such transfer (one at offset 0
 * covering the whole buffer, other than a fill, is tracked right and left
 * alone): read the whole buffer back and write it again in one transfer at
 * offset 0.  What it costs: from then on the checker sees all of that buffer
 * as initialised, so a kernel reading a byte of it that nobody wrote goes
 * unreported (in the library: the state buffer's h_n part, which no kernel
 * reads, and in chunked scans the y slots); a kernel storing an
 * uninitialised value is still reported when it does, and buffers the host
 * never transfers into keep the checker's exact tracking.
 *
 * Second, the shadow of a released buffer outlives it: Oclgrind gives a new
 * buffer the freed buffer's number, and the checker (which has no hook on
 * release) keeps the old shadow, of the old size, for it.  Reproduction: a
 * 16-byte buffer `a` written by a kernel and released; a new 32-byte `b`
 * (same number), a kernel writes all of b, another copies b to `out`:
 *       4 reports for b[4..7] (the kernel's stores past the old 16 bytes
 *       were dropped),
 * and if nothing writes b, only b[4..7] are reported, b[0..3] pass (clean
 * in a's shadow).  Every model of the sweep frees its buffers and the next
 * one reuses their numbers, so the reports pile up from the second run on.
 * The workaround: clReleaseMemObject is deferred to host_writes_release_all()
 * at the end of the sweep, so every buffer gets a number of its own and the
 * checker's fresh, all-uninitialised shadow.
 *
 * RNNSCAN_OCLGRIND_RAW=1 turns both workarounds off (to see the reports).
 * Not thread-safe: the sweep runs one model at a time. */
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <stdlib.h>
#include <string.h>

cl_int __real_clReleaseMemObject(cl_mem);
cl_int __real_clEnqueueWriteBuffer(cl_command_queue, cl_mem, cl_bool, size_t, size_t,
                                   const void *, cl_uint, const cl_event *, cl_event *);
cl_int __real_clEnqueueWriteBufferRect(cl_command_queue, cl_mem, cl_bool, const size_t *,
                                       const size_t *, const size_t *, size_t, size_t, size_t,
                                       size_t, const void *, cl_uint, const cl_event *,
                                       cl_event *);
cl_int __real_clEnqueueFillBuffer(cl_command_queue, cl_mem, const void *, size_t, size_t, size_t,
                                  cl_uint, const cl_event *, cl_event *);
cl_int __real_clEnqueueCopyBuffer(cl_command_queue, cl_mem, cl_mem, size_t, size_t, size_t,
                                  cl_uint, const cl_event *, cl_event *);
cl_int __real_clEnqueueCopyBufferRect(cl_command_queue, cl_mem, cl_mem, const size_t *,
                                      const size_t *, const size_t *, size_t, size_t, size_t,
                                      size_t, cl_uint, const cl_event *, cl_event *);

static int raw(void)
{
    const char *v = getenv("RNNSCAN_OCLGRIND_RAW");
    return v && *v && strcmp(v, "0") != 0;
}

/* After a transfer into bytes [offset, offset + size) of mem, queued on q
 * (in order) or done: makes the checker see the whole buffer as written.
 * tracked: the transfer itself is tracked right when it covers the whole
 * buffer from byte 0 (not so a fill). */
static cl_int after_transfer(cl_command_queue q, cl_mem mem, size_t offset, size_t size,
                             int tracked)
{
    if (raw())
        return CL_SUCCESS;
    cl_mem parent = NULL;
    if (clGetMemObjectInfo(mem, CL_MEM_ASSOCIATED_MEMOBJECT, sizeof parent, &parent, NULL) ==
            CL_SUCCESS &&
        parent) { /* a sub-buffer: its bytes are the parent's, at an offset */
        mem = parent;
        tracked = 0;
    }
    size_t bytes = 0;
    cl_int rc = clGetMemObjectInfo(mem, CL_MEM_SIZE, sizeof bytes, &bytes, NULL);
    if (rc != CL_SUCCESS || (tracked && offset == 0 && size == bytes))
        return rc;
    void *copy = malloc(bytes);
    if (!copy)
        return CL_OUT_OF_HOST_MEMORY;
    rc = clEnqueueReadBuffer(q, mem, CL_TRUE, 0, bytes, copy, 0, NULL, NULL);
    if (rc == CL_SUCCESS)
        rc = __real_clEnqueueWriteBuffer(q, mem, CL_TRUE, 0, bytes, copy, 0, NULL, NULL);
    free(copy);
    return rc;
}

cl_int __wrap_clEnqueueWriteBuffer(cl_command_queue q, cl_mem mem, cl_bool blocking,
                                   size_t offset, size_t size, const void *src, cl_uint n,
                                   const cl_event *wait, cl_event *ev)
{
    cl_int rc = __real_clEnqueueWriteBuffer(q, mem, blocking, offset, size, src, n, wait, ev);
    return rc == CL_SUCCESS ? after_transfer(q, mem, offset, size, 1) : rc;
}

cl_int __wrap_clEnqueueFillBuffer(cl_command_queue q, cl_mem mem, const void *pattern,
                                  size_t pattern_size, size_t offset, size_t size, cl_uint n,
                                  const cl_event *wait, cl_event *ev)
{
    cl_int rc =
        __real_clEnqueueFillBuffer(q, mem, pattern, pattern_size, offset, size, n, wait, ev);
    return rc == CL_SUCCESS ? after_transfer(q, mem, offset, size, 0) : rc;
}

cl_int __wrap_clEnqueueCopyBuffer(cl_command_queue q, cl_mem src, cl_mem dst, size_t src_offset,
                                  size_t dst_offset, size_t size, cl_uint n, const cl_event *wait,
                                  cl_event *ev)
{
    cl_int rc =
        __real_clEnqueueCopyBuffer(q, src, dst, src_offset, dst_offset, size, n, wait, ev);
    return rc == CL_SUCCESS ? after_transfer(q, dst, dst_offset, size, 1) : rc;
}

/* The Rect forms: the bytes between the first and the last one written. */
static void rect_span(const size_t *origin, const size_t *region, size_t row_pitch,
                      size_t slice_pitch, size_t *offset, size_t *size)
{
    if (!row_pitch)
        row_pitch = region[0];
    if (!slice_pitch)
        slice_pitch = region[1] * row_pitch;
    *offset = origin[2] * slice_pitch + origin[1] * row_pitch + origin[0];
    *size = (region[2] - 1) * slice_pitch + (region[1] - 1) * row_pitch + region[0];
}

cl_int __wrap_clEnqueueWriteBufferRect(cl_command_queue q, cl_mem mem, cl_bool blocking,
                                       const size_t *buf_origin, const size_t *host_origin,
                                       const size_t *region, size_t buf_row, size_t buf_slice,
                                       size_t host_row, size_t host_slice, const void *src,
                                       cl_uint n, const cl_event *wait, cl_event *ev)
{
    cl_int rc = __real_clEnqueueWriteBufferRect(q, mem, blocking, buf_origin, host_origin,
                                                region, buf_row, buf_slice, host_row,
                                                host_slice, src, n, wait, ev);
    if (rc != CL_SUCCESS)
        return rc;
    size_t offset, size;
    rect_span(buf_origin, region, buf_row, buf_slice, &offset, &size);
    return after_transfer(q, mem, offset, size, 0);
}

cl_int __wrap_clEnqueueCopyBufferRect(cl_command_queue q, cl_mem src, cl_mem dst,
                                      const size_t *src_origin, const size_t *dst_origin,
                                      const size_t *region, size_t src_row, size_t src_slice,
                                      size_t dst_row, size_t dst_slice, cl_uint n,
                                      const cl_event *wait, cl_event *ev)
{
    cl_int rc = __real_clEnqueueCopyBufferRect(q, src, dst, src_origin, dst_origin, region,
                                               src_row, src_slice, dst_row, dst_slice, n, wait,
                                               ev);
    if (rc != CL_SUCCESS)
        return rc;
    size_t offset, size;
    rect_span(dst_origin, region, dst_row, dst_slice, &offset, &size);
    return after_transfer(q, dst, offset, size, 0);
}

/* Releases, deferred (see the second workaround above). */
static cl_mem *deferred;
static size_t deferred_count, deferred_cap;

cl_int __wrap_clReleaseMemObject(cl_mem mem)
{
    if (raw() || !mem)
        return __real_clReleaseMemObject(mem);
    if (deferred_count == deferred_cap) {
        size_t cap = deferred_cap ? 2 * deferred_cap : 1024;
        cl_mem *grown = realloc(deferred, cap * sizeof *grown);
        if (!grown)
            return __real_clReleaseMemObject(mem);
        deferred = grown;
        deferred_cap = cap;
    }
    deferred[deferred_count++] = mem;
    return CL_SUCCESS;
}

void host_writes_release_all(void)
{
    for (size_t i = 0; i < deferred_count; i++)
        __real_clReleaseMemObject(deferred[i]);
    free(deferred);
    deferred = NULL;
    deferred_count = deferred_cap = 0;
}
