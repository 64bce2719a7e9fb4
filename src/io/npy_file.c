/* .npy files: read whole and parse; write beside the target and rename. */
#include <stdlib.h>
#include <string.h>

#include "io_internal.h"

/* Reads `path` and hands the bytes to `parse`; failures name the path. */
static rnnscan_status read_and_parse(const char *path, const char *what,
                                     rnnscan_status (*parse)(const void *, size_t, void *),
                                     void *out, size_t out_size)
{
    rnnscan_clear_error(NULL);
    if (!out)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT, "%s: out is NULL", what);
    memset(out, 0, out_size);
    if (!path)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT, "%s: path is NULL", what);
    unsigned char *data;
    size_t size = 0;
    RNNSCAN_TRY(rnnscan_file_read(path, &data, &size));
    rnnscan_status st = parse(data, size, out);
    free(data);
    return st == RNNSCAN_OK ? st : rnnscan_fail_prefixed(NULL, st, path);
}

/* Adapters: the parsers take typed pointers. */
static rnnscan_status parse_float(const void *data, size_t size, void *out)
{
    return rnnscan_npy_parse(data, size, out);
}

static rnnscan_status parse_int(const void *data, size_t size, void *out)
{
    return rnnscan_npy_parse_int(data, size, out);
}

rnnscan_status rnnscan_npy_read(const char *path, rnnscan_array *out)
{
    return read_and_parse(path, "npy_read", parse_float, out, sizeof *out);
}

rnnscan_status rnnscan_npy_read_int(const char *path, rnnscan_int_array *out)
{
    return read_and_parse(path, "npy_read_int", parse_int, out, sizeof *out);
}

rnnscan_status rnnscan_npy_write(const char *path, const rnnscan_array *array)
{
    rnnscan_clear_error(NULL);
    if (!path)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT, "npy_write: path is NULL");
    size_t elems;
    RNNSCAN_TRY(rnnscan_array_check(array, "npy_write", &elems));
    char header[RNNSCAN_NPY_HEADER_CAP];
    size_t header_size = rnnscan_npy_format_header(array, header, sizeof header);
    const void *bytes;
    void *copy;
    RNNSCAN_TRY(rnnscan_npy_le_data(array, elems, &bytes, &copy));
    rnnscan_chunk chunks[2] = {{header, header_size}, {bytes, elems * sizeof(float)}};
    rnnscan_status st = rnnscan_file_write_atomic(path, chunks, 2);
    free(copy);
    return st;
}
