/* .npz archives (zip files of .npy members) read through libzip. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "zip_internal.h"

struct rnnscan_npz {
    zip_t *zip;
    int count;
    char **stored;        /* member names as stored */
    char **names;         /* the same without ".npy", as np.load lists them */
    zip_uint64_t archive_size; /* bounds what a member may claim */
    void *buffer;         /* open_buffer's private copy, which libzip reads */
};

rnnscan_status rnnscan_zip_status(zip_error_t *ze)
{
    switch (zip_error_code_zip(ze)) {
    case ZIP_ER_MEMORY:
        return RNNSCAN_OUT_OF_MEMORY;
    case ZIP_ER_NOENT:
    case ZIP_ER_OPEN:
    case ZIP_ER_READ:
    case ZIP_ER_SEEK:
    case ZIP_ER_TELL:
        return RNNSCAN_IO_ERROR;
    default:
        return RNNSCAN_FORMAT_ERROR;
    }
}

static int ends_with_npy(const char *s)
{
    size_t n = strlen(s);
    return n >= 4 && strcmp(s + n - 4, ".npy") == 0;
}

void rnnscan_npz_close(rnnscan_npz *npz)
{
    if (!npz)
        return;
    if (npz->zip)
        zip_discard(npz->zip);
    for (int i = 0; i < npz->count; i++) {
        if (npz->stored)
            free(npz->stored[i]);
        if (npz->names)
            free(npz->names[i]);
    }
    free(npz->stored);
    free(npz->names);
    free(npz->buffer);
    free(npz);
}

static rnnscan_status list_members(rnnscan_npz *npz)
{
    zip_int64_t n = zip_get_num_entries(npz->zip, 0);
    if (n < 0 || n > INT32_MAX)
        return rnnscan_fail(NULL, RNNSCAN_FORMAT_ERROR, "zip archive claims %lld members",
                            (long long)n);
    size_t count = (size_t)n;
    npz->stored = calloc(count ? count : 1, sizeof *npz->stored);
    npz->names = calloc(count ? count : 1, sizeof *npz->names);
    if (!npz->stored || !npz->names)
        return rnnscan_fail(NULL, RNNSCAN_OUT_OF_MEMORY, "no memory for %zu member names",
                            count);
    for (size_t i = 0; i < count; i++) {
        const char *name = zip_get_name(npz->zip, i, 0);
        if (!name)
            return rnnscan_fail(NULL, rnnscan_zip_status(zip_get_error(npz->zip)),
                                "zip member %zu has no readable name: %s", i,
                                zip_strerror(npz->zip));
        npz->count = (int)i + 1; /* from here on close() frees entry i */
        size_t len = strlen(name);
        npz->stored[i] = malloc(len + 1);
        npz->names[i] = malloc(len + 1);
        if (!npz->stored[i] || !npz->names[i])
            return rnnscan_fail(NULL, RNNSCAN_OUT_OF_MEMORY, "no memory for member names");
        memcpy(npz->stored[i], name, len + 1);
        if (ends_with_npy(name))
            len -= 4;
        memcpy(npz->names[i], name, len);
        npz->names[i][len] = '\0';
    }
    return RNNSCAN_OK;
}

/* Takes `src` (freed on failure too) and the npz (closed on failure). */
static rnnscan_status open_source(zip_source_t *src, rnnscan_npz *npz, const char *what,
                                  rnnscan_npz **out)
{
    if (npz->archive_size == 0) { /* libzip would take it for an empty archive */
        zip_source_free(src);
        rnnscan_npz_close(npz);
        return rnnscan_fail(NULL, RNNSCAN_FORMAT_ERROR,
                            "%s: not a readable zip archive: Not a zip archive (0 bytes)", what);
    }
    zip_error_t ze;
    zip_error_init(&ze);
    /* CHECKCONS: compare local and central headers, so damage shows here. */
    npz->zip = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    if (!npz->zip) {
        rnnscan_status st = rnnscan_fail(NULL, rnnscan_zip_status(&ze),
                                         "%s: not a readable zip archive: %s", what,
                                         zip_error_strerror(&ze));
        zip_error_fini(&ze);
        zip_source_free(src);
        rnnscan_npz_close(npz);
        return st;
    }
    zip_error_fini(&ze);
    rnnscan_status st = list_members(npz);
    if (st != RNNSCAN_OK) {
        rnnscan_npz_close(npz);
        return rnnscan_fail_prefixed(NULL, st, what);
    }
    *out = npz;
    return RNNSCAN_OK;
}

rnnscan_status rnnscan_npz_open(const char *path, rnnscan_npz **out)
{
    rnnscan_clear_error(NULL);
    if (!out)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT, "npz_open: out is NULL");
    *out = NULL;
    if (!path)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT, "npz_open: path is NULL");
    /* Our own checks first, for errno-based messages naming the path (libzip
     * says only "No such file"). */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    int e = fd < 0 ? errno : fstat(fd, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
    if (fd >= 0)
        close(fd);
    if (e)
        return rnnscan_fail(NULL, RNNSCAN_IO_ERROR, "cannot open '%s': %s", path, strerror(e));
    if (!S_ISREG(st.st_mode))
        return rnnscan_fail(NULL, RNNSCAN_IO_ERROR, "cannot open '%s': not a regular file",
                            path);
    rnnscan_npz *npz = calloc(1, sizeof *npz);
    if (!npz)
        return rnnscan_fail(NULL, RNNSCAN_OUT_OF_MEMORY, "npz_open: calloc failed");
    npz->archive_size = (zip_uint64_t)st.st_size;
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_file_create(path, 0, -1, &ze);
    if (!src) {
        rnnscan_npz_close(npz);
        rnnscan_status s = rnnscan_fail(NULL, rnnscan_zip_status(&ze), "cannot open '%s': %s", path,
                                        zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return s;
    }
    zip_error_fini(&ze);
    return open_source(src, npz, path, out);
}

rnnscan_status rnnscan_npz_open_buffer(const void *data, size_t size, rnnscan_npz **out)
{
    rnnscan_clear_error(NULL);
    if (!out)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT, "npz_open_buffer: out is NULL");
    *out = NULL;
    if (!data && size > 0)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT,
                            "npz_open_buffer: data is NULL, size %zu", size);
    rnnscan_npz *npz = calloc(1, sizeof *npz);
    if (npz)
        npz->buffer = malloc(size ? size : 1);
    if (!npz || !npz->buffer) {
        rnnscan_npz_close(npz);
        return rnnscan_fail(NULL, RNNSCAN_OUT_OF_MEMORY,
                            "npz_open_buffer: no memory for a %zu-byte copy", size);
    }
    if (size)
        memcpy(npz->buffer, data, size);
    npz->archive_size = size;
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(npz->buffer, size, 0, &ze);
    if (!src) {
        rnnscan_npz_close(npz);
        rnnscan_status s = rnnscan_fail(NULL, rnnscan_zip_status(&ze), "npz buffer: %s",
                                        zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return s;
    }
    zip_error_fini(&ze);
    return open_source(src, npz, "npz buffer", out);
}

int rnnscan_npz_count(const rnnscan_npz *npz) { return npz ? npz->count : 0; }

const char *rnnscan_npz_name(const rnnscan_npz *npz, int index)
{
    return npz && index >= 0 && index < npz->count ? npz->names[index] : NULL;
}

int rnnscan_npz_find(const rnnscan_npz *npz, const char *name)
{
    /* np.load's order: the stored name first, then the name plus ".npy" */
    for (int i = 0; i < npz->count; i++)
        if (strcmp(npz->stored[i], name) == 0)
            return i;
    for (int i = 0; i < npz->count; i++)
        if (ends_with_npy(npz->stored[i]) && strcmp(npz->names[i], name) == 0)
            return i;
    return -1;
}

/* "a, b, c" (cut with "..." when long), for "not found" messages. */
static void list_names(const rnnscan_npz *npz, char *buf, size_t cap)
{
    size_t at = 0;
    buf[0] = '\0';
    for (int i = 0; i < npz->count; i++) {
        int n = snprintf(buf + at, cap - at, "%s%s", i ? ", " : "", npz->names[i]);
        if (n < 0 || (size_t)n >= cap - at) {
            snprintf(buf + (cap > 5 ? cap - 5 : 0), cap > 5 ? 5 : cap, "...");
            return;
        }
        at += (size_t)n;
    }
    if (npz->count == 0)
        snprintf(buf, cap, "none");
}

/* Reads member `index` whole.  Sizes come from the archive and may lie: they
 * are bounded by the archive's own size before anything is allocated, and
 * the bytes actually read must match them. */
static rnnscan_status read_member(rnnscan_npz *npz, zip_uint64_t index, unsigned char **out,
                                  size_t *out_size)
{
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(npz->zip, index, 0, &st) != 0)
        return rnnscan_fail(NULL, rnnscan_zip_status(zip_get_error(npz->zip)), "cannot stat: %s",
                            zip_strerror(npz->zip));
    const zip_uint64_t need = ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_COMP_METHOD;
    if ((st.valid & need) != need)
        return rnnscan_fail(NULL, RNNSCAN_FORMAT_ERROR, "the archive does not give its size");
    /* numpy writes stored (np.savez) or deflated (np.savez_compressed) members;
     * deflate cannot expand more than 1032:1. */
    zip_uint64_t limit;
    if (st.comp_method == ZIP_CM_STORE)
        limit = st.comp_size;
    else if (st.comp_method == ZIP_CM_DEFLATE)
        limit = st.comp_size > UINT64_MAX / 1032 ? UINT64_MAX : st.comp_size * 1032 + 64;
    else
        return rnnscan_fail(NULL, RNNSCAN_FORMAT_ERROR,
                            "compression method %d is not supported (numpy writes stored or "
                            "deflated members)",
                            (int)st.comp_method);
    if (st.comp_size > npz->archive_size || st.size > limit || st.size >= SIZE_MAX)
        return rnnscan_fail(NULL, RNNSCAN_FORMAT_ERROR,
                            "sizes do not add up: %llu bytes, %llu compressed, in a %llu-byte "
                            "archive",
                            (unsigned long long)st.size, (unsigned long long)st.comp_size,
                            (unsigned long long)npz->archive_size);
    size_t size = (size_t)st.size;
    unsigned char *buf = malloc(size + 1); /* one spare byte to notice a longer member */
    if (!buf)
        return rnnscan_fail(NULL, RNNSCAN_OUT_OF_MEMORY, "no memory for %zu bytes", size);
    zip_file_t *f = zip_fopen_index(npz->zip, index, 0);
    if (!f) {
        free(buf);
        return rnnscan_fail(NULL, rnnscan_zip_status(zip_get_error(npz->zip)), "cannot open: %s",
                            zip_strerror(npz->zip));
    }
    size_t got = 0;
    rnnscan_status status = RNNSCAN_OK;
    for (;;) {
        /* Reading on to the end lets libzip check the CRC. */
        zip_int64_t n = zip_fread(f, buf + got, size + 1 - got);
        if (n < 0) {
            zip_error_t *ze = zip_file_get_error(f);
            status = rnnscan_fail(NULL, rnnscan_zip_status(ze), "cannot read: %s",
                                  zip_error_strerror(ze));
            break;
        }
        if (n == 0)
            break;
        got += (size_t)n;
        if (got > size) {
            status = rnnscan_fail(NULL, RNNSCAN_FORMAT_ERROR,
                                  "holds more than the %zu bytes the archive says", size);
            break;
        }
    }
    zip_fclose(f);
    if (status == RNNSCAN_OK && got != size)
        status = rnnscan_fail(NULL, RNNSCAN_FORMAT_ERROR,
                              "truncated: %zu of the %zu bytes the archive says", got, size);
    if (status != RNNSCAN_OK) {
        free(buf);
        return status;
    }
    *out = buf;
    *out_size = size;
    return RNNSCAN_OK;
}

typedef rnnscan_status (*parse_fn)(const void *data, size_t size, void *out);

static rnnscan_status get_member(rnnscan_npz *npz, const char *name, parse_fn parse, void *out,
                                 size_t out_size, const char *what)
{
    rnnscan_clear_error(NULL);
    if (!out)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT, "%s: out is NULL", what);
    memset(out, 0, out_size);
    if (!npz || !name)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT, "%s: %s is NULL", what,
                            !npz ? "npz" : "name");
    int index = rnnscan_npz_find(npz, name);
    if (index < 0) {
        char names[1024];
        list_names(npz, names, sizeof names);
        return rnnscan_fail(NULL, RNNSCAN_FORMAT_ERROR,
                            "npz member '%s' not found (members: %s)", name, names);
    }
    unsigned char *data = NULL;
    size_t size = 0;
    rnnscan_status st = read_member(npz, (zip_uint64_t)index, &data, &size);
    if (st == RNNSCAN_OK) {
        st = parse(data, size, out);
        free(data);
    }
    if (st != RNNSCAN_OK) {
        char prefix[300];
        snprintf(prefix, sizeof prefix, "npz member '%s'", npz->stored[index]);
        return rnnscan_fail_prefixed(NULL, st, prefix);
    }
    return RNNSCAN_OK;
}

static rnnscan_status parse_float(const void *data, size_t size, void *out)
{
    return rnnscan_npy_parse(data, size, out);
}

static rnnscan_status parse_int(const void *data, size_t size, void *out)
{
    return rnnscan_npy_parse_int(data, size, out);
}

rnnscan_status rnnscan_npz_get(rnnscan_npz *npz, const char *name, rnnscan_array *out)
{
    return get_member(npz, name, parse_float, out, sizeof *out, "npz_get");
}

rnnscan_status rnnscan_npz_get_int(rnnscan_npz *npz, const char *name, rnnscan_int_array *out)
{
    return get_member(npz, name, parse_int, out, sizeof *out, "npz_get_int");
}
