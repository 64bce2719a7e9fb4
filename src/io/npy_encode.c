/* Encoding arrays as version 1.0 '<f4' C-order .npy images. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io_internal.h"

rnnscan_status rnnscan_array_check(const rnnscan_array *array, const char *what, size_t *elems)
{
    if (!array)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT, "%s: array is NULL", what);
    if (array->ndim < 0 || array->ndim > RNNSCAN_MAX_DIMS)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT,
                            "%s: ndim = %d (expected 0 to %d)", what, array->ndim,
                            RNNSCAN_MAX_DIMS);
    size_t n = 1;
    for (int i = 0; i < array->ndim; i++)
        if (!rnnscan_mul_size(&n, n, array->shape[i]) || n > SIZE_MAX / sizeof(float))
            return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT,
                                "%s: the shape's byte count overflows size_t", what);
    if (!array->data && n > 0)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT,
                            "%s: data is NULL for %zu elements", what, n);
    *elems = n;
    return RNNSCAN_OK;
}

size_t rnnscan_npy_format_header(const rnnscan_array *array, char *buf, size_t cap)
{
    /* The preamble: magic, version 1.0, then the header length (filled below). */
    static const char preamble[8] = {'\x93', 'N', 'U', 'M', 'P', 'Y', 1, 0};
    char shape[RNNSCAN_MAX_DIMS * 22 + 4];
    rnnscan_format_shape(shape, sizeof shape, array->ndim, array->shape);
    memcpy(buf, preamble, sizeof preamble);
    int n = snprintf(buf + 10, cap - 10, "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }",
                     shape);
    /* Pad with spaces and end with '\n' so the data starts at a multiple of 64
     * (what numpy writes, so readers may memory-map it aligned). */
    size_t total = 10 + (size_t)n + 1;
    total = (total + 63) / 64 * 64;
    memset(buf + 10 + n, ' ', total - 10 - (size_t)n - 1);
    buf[total - 1] = '\n';
    size_t header_len = total - 10; /* < cap < 65536: the 1.0 length field holds it */
    buf[8] = (char)(header_len & 0xff);
    buf[9] = (char)(header_len >> 8);
    return total;
}

static int host_is_little(void)
{
    const uint16_t one = 1;
    unsigned char first;
    memcpy(&first, &one, 1);
    return first == 1;
}

/* The float data as little-endian bytes into dst. */
static void store_le(unsigned char *dst, const float *src, size_t elems)
{
    if (host_is_little()) {
        memcpy(dst, src, elems * sizeof *src);
        return;
    }
    for (size_t i = 0; i < elems; i++) {
        uint32_t u;
        memcpy(&u, &src[i], sizeof u);
        for (int b = 0; b < 4; b++)
            dst[4 * i + (size_t)b] = (unsigned char)(u >> (8 * b));
    }
}

rnnscan_status rnnscan_npy_le_data(const rnnscan_array *array, size_t elems, const void **bytes,
                                   void **copy)
{
    *copy = NULL;
    if (host_is_little() || elems == 0) {
        *bytes = array->data;
        return RNNSCAN_OK;
    }
    unsigned char *buf = malloc(elems * sizeof(float));
    if (!buf)
        return rnnscan_fail(NULL, RNNSCAN_OUT_OF_MEMORY, "no memory for %zu floats", elems);
    store_le(buf, array->data, elems);
    *bytes = *copy = buf;
    return RNNSCAN_OK;
}

rnnscan_status rnnscan_npy_encode(const rnnscan_array *array, unsigned char **out,
                                  size_t *out_size)
{
    size_t elems;
    RNNSCAN_TRY(rnnscan_array_check(array, "npy_encode", &elems));
    char header[RNNSCAN_NPY_HEADER_CAP];
    size_t header_size = rnnscan_npy_format_header(array, header, sizeof header);
    size_t data_size = elems * sizeof(float); /* checked by rnnscan_array_check */
    if (data_size > SIZE_MAX - header_size)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT, "npy_encode: array too large");
    unsigned char *buf = malloc(header_size + data_size);
    if (!buf)
        return rnnscan_fail(NULL, RNNSCAN_OUT_OF_MEMORY, "no memory for a %zu-byte .npy image",
                            header_size + data_size);
    memcpy(buf, header, header_size);
    if (elems)
        store_le(buf + header_size, array->data, elems);
    *out = buf;
    *out_size = header_size + data_size;
    return RNNSCAN_OK;
}
