/* .npy readers: check the dtype against what the caller wants, then convert
 * the data to native float / int in C order. */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io_internal.h"

size_t rnnscan_array_elems(const rnnscan_array *array)
{
    if (!array || array->ndim < 0 || array->ndim > RNNSCAN_MAX_DIMS)
        return 0;
    size_t n = 1;
    for (int i = 0; i < array->ndim; i++)
        if (!rnnscan_mul_size(&n, n, array->shape[i]))
            return 0; /* no real array can be that big */
    return n;
}

void rnnscan_array_free(rnnscan_array *array)
{
    if (!array)
        return;
    free(array->data);
    memset(array, 0, sizeof *array);
}

void rnnscan_int_array_free(rnnscan_int_array *array)
{
    if (!array)
        return;
    free(array->data);
    memset(array, 0, sizeof *array);
}

/* One element's bits, in either byte order, without alignment assumptions. */
static uint64_t load_bits(const unsigned char *p, int size, int big_endian)
{
    uint64_t v = 0;
    for (int i = 0; i < size; i++)
        v = v << 8 | p[big_endian ? i : size - 1 - i];
    return v;
}

static float to_float(uint64_t bits, int size)
{
    if (size == 4) {
        uint32_t u = (uint32_t)bits;
        float f;
        memcpy(&f, &u, sizeof f);
        return f;
    }
    double d;
    memcpy(&d, &bits, sizeof d);
    return (float)d; /* out-of-range doubles become +-inf, as numpy's astype does */
}

float rnnscan_npy_float_at(const unsigned char *p, int size, int big_endian)
{
    return to_float(load_bits(p, size, big_endian), size);
}

/* Two's complement bits of a 4- or 8-byte integer to int64_t. */
static int64_t to_int64(uint64_t bits, int size)
{
    uint64_t sign = (uint64_t)1 << (size * 8 - 1);
    uint64_t mask = size == 8 ? UINT64_MAX : (sign << 1) - 1;
    bits &= mask;
    if (!(bits & sign))
        return (int64_t)bits;
    return -(int64_t)(~bits & mask) - 1; /* bits - 2^(8 size), without overflow */
}

/* Visits the source elements in C order: for Fortran order the first index
 * varies fastest in the file, so the source offset jumps by its strides. */
typedef struct walk {
    int ndim;
    size_t idx[RNNSCAN_MAX_DIMS], shape[RNNSCAN_MAX_DIMS], stride[RNNSCAN_MAX_DIMS];
    size_t offset; /* in elements */
} walk;

static void walk_init(walk *w, const npy_header *h)
{
    memset(w, 0, sizeof *w);
    w->ndim = h->fortran_order ? h->ndim : 0; /* C order: offset = output index */
    size_t stride = 1;
    for (int k = 0; k < w->ndim; k++) {
        w->shape[k] = h->shape[k];
        w->stride[k] = stride;
        stride *= h->shape[k]; /* no overflow: the element count fits */
    }
}

static void walk_next(walk *w)
{
    if (w->ndim == 0) {
        w->offset++;
        return;
    }
    for (int k = w->ndim - 1; k >= 0; k--) {
        if (++w->idx[k] < w->shape[k]) {
            w->offset += w->stride[k];
            return;
        }
        w->offset -= (w->shape[k] - 1) * w->stride[k];
        w->idx[k] = 0;
    }
}

static const char *const float_dtypes = "'<f4', '>f4', '<f8' or '>f8'";
static const char *const int_dtypes = "'<i4', '>i4', '<i8' or '>i8'";

/* Header, dtype and length checks shared by both readers. */
static rnnscan_status parse_checked(const void *data, size_t size, char want, npy_header *h)
{
    if (!data && size > 0)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT, "npy: data is NULL, size %zu",
                            size);
    RNNSCAN_TRY(rnnscan_npy_header_parse(data, size, h));
    if (h->kind != want) {
        const char *why = !h->kind             ? ""
                          : want == 'f'        ? " (integers: rnnscan_npy_parse_int)"
                                               : " (floats: rnnscan_npy_parse)";
        if (strcmp(h->descr, "|O") == 0)
            why = " (Python objects, stored pickled)";
        return rnnscan_fail(NULL, RNNSCAN_FORMAT_ERROR,
                            "npy: unsupported dtype '%s'%s; expected %s", h->descr, why,
                            want == 'f' ? float_dtypes : int_dtypes);
    }
    char shape[256];
    size_t bytes;
    if (!rnnscan_mul_size(&bytes, h->elems, (size_t)h->itemsize)) {
        rnnscan_format_shape(shape, sizeof shape, h->ndim, h->shape);
        return rnnscan_fail(NULL, RNNSCAN_FORMAT_ERROR,
                            "npy: shape %s of '%s' has more bytes than size_t can count", shape,
                            h->descr);
    }
    if (bytes > size - h->data_offset) {
        rnnscan_format_shape(shape, sizeof shape, h->ndim, h->shape);
        return rnnscan_fail(NULL, RNNSCAN_FORMAT_ERROR,
                            "npy: data truncated: shape %s of '%s' needs %zu bytes, found %zu",
                            shape, h->descr, bytes, size - h->data_offset);
    }
    return RNNSCAN_OK; /* trailing bytes are ignored, as numpy does */
}

/* Room for the converted elements; at least one, so data is never NULL. */
static void *alloc_elems(size_t elems, size_t elem_size)
{
    return malloc((elems ? elems : 1) * elem_size); /* bytes checked by parse_checked */
}

static void copy_shape(int *ndim, size_t *shape, const npy_header *h)
{
    *ndim = h->ndim;
    memcpy(shape, h->shape, sizeof h->shape);
}

rnnscan_status rnnscan_npy_parse(const void *data, size_t size, rnnscan_array *out)
{
    rnnscan_clear_error(NULL);
    if (!out)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT, "npy_parse: out is NULL");
    memset(out, 0, sizeof *out);
    npy_header h;
    RNNSCAN_TRY(parse_checked(data, size, 'f', &h));
    float *dst = alloc_elems(h.elems, sizeof *dst);
    if (!dst)
        return rnnscan_fail(NULL, RNNSCAN_OUT_OF_MEMORY, "npy: no memory for %zu floats",
                            h.elems);
    const unsigned char *src = (const unsigned char *)data + h.data_offset;
    walk w;
    walk_init(&w, &h);
    for (size_t i = 0; i < h.elems; i++, walk_next(&w))
        dst[i] = to_float(load_bits(src + w.offset * (size_t)h.itemsize, h.itemsize,
                                    h.big_endian),
                          h.itemsize);
    copy_shape(&out->ndim, out->shape, &h);
    out->data = dst;
    return RNNSCAN_OK;
}

rnnscan_status rnnscan_npy_parse_int(const void *data, size_t size, rnnscan_int_array *out)
{
    rnnscan_clear_error(NULL);
    if (!out)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT, "npy_parse_int: out is NULL");
    memset(out, 0, sizeof *out);
    npy_header h;
    RNNSCAN_TRY(parse_checked(data, size, 'i', &h));
    int *dst = alloc_elems(h.elems, sizeof *dst);
    if (!dst)
        return rnnscan_fail(NULL, RNNSCAN_OUT_OF_MEMORY, "npy: no memory for %zu ints",
                            h.elems);
    const unsigned char *src = (const unsigned char *)data + h.data_offset;
    walk w;
    walk_init(&w, &h);
    for (size_t i = 0; i < h.elems; i++, walk_next(&w)) {
        int64_t v = to_int64(
            load_bits(src + w.offset * (size_t)h.itemsize, h.itemsize, h.big_endian),
            h.itemsize);
        if (v < INT_MIN || v > INT_MAX) {
            free(dst);
            return rnnscan_fail(NULL, RNNSCAN_FORMAT_ERROR,
                                "npy: value %lld (element %zu in C order) of '%s' does not fit "
                                "an int",
                                (long long)v, i, h.descr);
        }
        dst[i] = (int)v;
    }
    copy_shape(&out->ndim, out->shape, &h);
    out->data = dst;
    return RNNSCAN_OK;
}
