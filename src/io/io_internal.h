/* Private declarations shared by the NumPy file readers and writers. */
#ifndef RNNSCAN_IO_INTERNAL_H
#define RNNSCAN_IO_INTERNAL_H

#include <stddef.h>

#include "../internal.h"

/* What a .npy header says, before the reader decides whether it can use it. */
typedef struct npy_header {
    char descr[24];     /* the dtype string as written (cut short), for messages  */
    char kind;          /* 'f' (float) or 'i' (signed int); 0 for any other dtype */
    int itemsize;       /* 4 or 8 when kind is set                                */
    int big_endian;
    int fortran_order;
    int ndim;
    size_t shape[RNNSCAN_MAX_DIMS];
    size_t elems;       /* product of the shape, overflow-checked                 */
    size_t data_offset; /* where the data starts in the image                    */
} npy_header;

/* One float element of a .npy (4 or 8 bytes, either byte order, any
 * alignment) as float32; float64 rounds as numpy's astype does. */
float rnnscan_npy_float_at(const unsigned char *p, int size, int big_endian);

/* Parses the preamble and the header dict of a .npy image: the data itself is
 * neither checked nor read.  FORMAT_ERROR with the detail recorded. */
rnnscan_status rnnscan_npy_header_parse(const unsigned char *data, size_t size, npy_header *h);

/* "(2, 3)", "(3,)" or "()" into buf (cut short if cap is too small). */
void rnnscan_format_shape(char *buf, size_t cap, int ndim, const size_t *shape);

/* Checks an array handed to a writer; *elems gets its element count. */
rnnscan_status rnnscan_array_check(const rnnscan_array *array, const char *what, size_t *elems);

/* The version 1.0 '<f4' header for `array` (already checked), padded so the
 * data starts at a multiple of 64 bytes; returns its length (<= cap). */
size_t rnnscan_npy_format_header(const rnnscan_array *array, char *buf, size_t cap);
#define RNNSCAN_NPY_HEADER_CAP 640 /* 8 dims of 20 digits, the dict, the padding */

/* The array's floats as little-endian bytes: its own memory on a
 * little-endian host, else a converted copy left in *copy for the caller to
 * free. */
rnnscan_status rnnscan_npy_le_data(const rnnscan_array *array, size_t elems, const void **bytes,
                                   void **copy);

/* A whole .npy image of `array` in one malloc'd buffer (for npz members). */
rnnscan_status rnnscan_npy_encode(const rnnscan_array *array, unsigned char **out,
                                  size_t *out_size);

/* Whole-file read into a malloc'd buffer (IO_ERROR naming the path). */
rnnscan_status rnnscan_file_read(const char *path, unsigned char **data, size_t *size);

/* Writes the chunks, in order, to a temporary file beside `path`, then renames
 * it over `path`; on failure the temporary file is removed. */
typedef struct rnnscan_chunk {
    const void *data;
    size_t size;
} rnnscan_chunk;
rnnscan_status rnnscan_file_write_atomic(const char *path, const rnnscan_chunk *chunks,
                                         int count);

/* Creates and opens (write-only) a new "<path>.tmp.XXXXXX" beside `path`,
 * its name in tmp (cap >= strlen(path) + 16); -1 with errno on failure. */
int rnnscan_file_create_temp(const char *path, char *tmp, size_t cap);

/* Re-records the current failure detail as "<prefix>: <detail>"; returns status. */
rnnscan_status rnnscan_fail_prefixed(rnnscan_errbuf *err, rnnscan_status status,
                                     const char *prefix);

/* Index of the member called `name` (as stored, else name + ".npy"), or -1. */
int rnnscan_npz_find(const rnnscan_npz *npz, const char *name);

#endif /* RNNSCAN_IO_INTERNAL_H */
