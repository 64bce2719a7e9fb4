/* Writing .npz archives: libzip builds a stored archive in memory, which is
 * then written beside the target and renamed over it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "io_internal.h"

static rnnscan_status zip_failed(zip_error_t *ze, const char *what)
{
    rnnscan_status st = zip_error_code_zip(ze) == ZIP_ER_MEMORY ? RNNSCAN_OUT_OF_MEMORY
                                                                 : RNNSCAN_IO_ERROR;
    return rnnscan_fail(NULL, st, "npz_write: %s: %s", what, zip_error_strerror(ze));
}

/* Adds "<name>.npy" holding the array, stored uncompressed as np.savez does. */
static rnnscan_status add_member(zip_t *zip, const char *name, const rnnscan_array *array)
{
    unsigned char *image;
    size_t size = 0;
    RNNSCAN_TRY(rnnscan_npy_encode(array, &image, &size));
    size_t len = strlen(name);
    char *member = malloc(len + 5);
    if (!member) {
        free(image);
        return rnnscan_fail(NULL, RNNSCAN_OUT_OF_MEMORY, "npz_write: no memory for a name");
    }
    memcpy(member, name, len);
    memcpy(member + len, ".npy", 5);
    rnnscan_status st = RNNSCAN_OK;
    zip_source_t *src = zip_source_buffer(zip, image, size, 1); /* frees image when done */
    if (!src) {
        free(image);
        st = zip_failed(zip_get_error(zip), member);
    } else {
        zip_int64_t index = zip_file_add(zip, member, src, ZIP_FL_ENC_UTF_8);
        if (index < 0) {
            zip_source_free(src);
            st = zip_error_code_zip(zip_get_error(zip)) == ZIP_ER_EXISTS
                     ? rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT,
                                    "npz_write: name '%s' is given twice", name)
                     : zip_failed(zip_get_error(zip), member);
        } else if (zip_set_file_compression(zip, (zip_uint64_t)index, ZIP_CM_STORE, 0) != 0) {
            st = zip_failed(zip_get_error(zip), member);
        }
    }
    free(member);
    return st;
}

/* Builds the archive in a libzip buffer source and copies its bytes out. */
static rnnscan_status build_archive(int count, const char *const names[],
                                    const rnnscan_array arrays[], unsigned char **out,
                                    size_t *out_size)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
    zip_t *zip = src ? zip_open_from_source(src, ZIP_TRUNCATE, &ze) : NULL;
    if (!zip) {
        rnnscan_status st = zip_failed(&ze, "cannot start an archive");
        zip_error_fini(&ze);
        if (src)
            zip_source_free(src);
        return st;
    }
    zip_error_fini(&ze);
    zip_source_keep(src); /* the bytes must outlive zip_close */
    rnnscan_status st = RNNSCAN_OK;
    for (int i = 0; i < count && st == RNNSCAN_OK; i++)
        st = add_member(zip, names[i], &arrays[i]);
    if (st != RNNSCAN_OK) {
        zip_discard(zip);
        zip_source_free(src);
        return st;
    }
    if (zip_close(zip) != 0) {
        st = zip_failed(zip_get_error(zip), "cannot finish the archive");
        zip_discard(zip);
        zip_source_free(src);
        return st;
    }

    zip_stat_t zs;
    unsigned char *buf = NULL;
    zip_int64_t got = -1;
    if (zip_source_stat(src, &zs) == 0 && (zs.valid & ZIP_STAT_SIZE) && zs.size < SIZE_MAX &&
        (buf = malloc((size_t)zs.size + 1)) != NULL && zip_source_open(src) == 0) {
        got = zip_source_read(src, buf, zs.size);
        zip_source_close(src);
    }
    if (got < 0 || (zip_uint64_t)got != zs.size) {
        st = buf ? zip_failed(zip_source_error(src), "cannot read the archive back")
                 : rnnscan_fail(NULL, RNNSCAN_OUT_OF_MEMORY, "npz_write: no memory");
        free(buf);
        zip_source_free(src);
        return st;
    }
    zip_source_free(src);
    *out = buf;
    *out_size = (size_t)got;
    return RNNSCAN_OK;
}

rnnscan_status rnnscan_npz_write(const char *path, int count, const char *const names[],
                                 const rnnscan_array arrays[])
{
    rnnscan_clear_error(NULL);
    if (!path)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT, "npz_write: path is NULL");
    if (count < 0 || (count > 0 && (!names || !arrays)))
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT,
                            "npz_write: count = %d with names %s and arrays %s", count,
                            names ? "given" : "NULL", arrays ? "given" : "NULL");
    for (int i = 0; i < count; i++) {
        char what[48];
        size_t elems;
        snprintf(what, sizeof what, "npz_write: arrays[%d]", i);
        if (!names[i] || !names[i][0])
            return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT, "npz_write: names[%d] is %s",
                                i, names[i] ? "empty" : "NULL");
        RNNSCAN_TRY(rnnscan_array_check(&arrays[i], what, &elems));
    }
    unsigned char *bytes = NULL;
    size_t size = 0;
    if (count == 0) {
        /* libzip deletes an archive left empty; numpy writes the bare end record. */
        static const unsigned char empty_zip[22] = {'P', 'K', 5, 6};
        rnnscan_chunk chunk = {empty_zip, sizeof empty_zip};
        return rnnscan_file_write_atomic(path, &chunk, 1);
    }
    RNNSCAN_TRY(build_archive(count, names, arrays, &bytes, &size));
    rnnscan_chunk chunk = {bytes, size};
    rnnscan_status st = rnnscan_file_write_atomic(path, &chunk, 1);
    free(bytes);
    return st;
}
