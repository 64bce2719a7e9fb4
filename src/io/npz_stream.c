/* Writing a .npz in pieces (rnnscan_npz_writer_*): float32 members whose
 * shapes are known up front, laid out once as a stored zip64 archive in a
 * temporary file beside the target (each member's local header, its .npy
 * header, then room for its data, reserved with posix_fallocate so a full
 * disk fails at the start), filled at any offsets in any order (pwrite, so
 * threads and processes may write side by side), then finished: each
 * member's CRC-32 computed by reading its bytes back, the headers patched,
 * the central directory written and the file renamed over the target.  A
 * writer aborted, or a process that dies, leaves no file at the target.
 *
 * The zip records are written by hand (libzip cannot write at offsets):
 * APPNOTE.TXT's local file header, central directory header, zip64 extra
 * field, zip64 end of central directory record and locator, and end of
 * central directory record, with the sizes always in the zip64 field. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "io_internal.h"

#define FAIL_IO(...) rnnscan_fail(NULL, RNNSCAN_IO_ERROR, __VA_ARGS__)
#define MAX_MEMBERS 64
#define LOCAL_FIXED 30   /* local file header without name and extra */
#define LOCAL_EXTRA 20   /* zip64 extra: id, size, uncompressed, compressed */
#define CENTRAL_FIXED 46
#define CENTRAL_EXTRA 28 /* zip64 extra: id, size, uncompressed, compressed, offset */
#define DOS_DATE 0x21    /* 1980-01-01, as numpy's np.savez stamps its members */

typedef struct member {
    char name[80];          /* "<name>.npy" */
    size_t header_at;       /* offset of its local file header */
    size_t npy_at;          /* offset of its .npy header (the zip member's data) */
    size_t data_at;         /* offset of its first float */
    size_t elems;
    size_t size;            /* zip member size: .npy header + data */
    char npy[RNNSCAN_NPY_HEADER_CAP];
    size_t npy_len;
} member;

struct rnnscan_npz_writer {
    int fd;
    int owner; /* created the file (finish / abort are its); else attached */
    int count;
    member m[MAX_MEMBERS];
    size_t end; /* end of the last member's data: the central directory goes here */
    char *path, *tmp;
};

static void put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}
static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}
static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static int pwrite_all(int fd, const void *buf, size_t n, size_t offset)
{
    const unsigned char *p = buf;
    while (n > 0) {
        ssize_t put = pwrite(fd, p, n, (off_t)offset);
        if (put < 0 && errno == EINTR)
            continue;
        if (put <= 0) {
            if (put == 0)
                errno = EIO;
            return 0;
        }
        p += put, n -= (size_t)put, offset += (size_t)put;
    }
    return 1;
}

/* The members' names, .npy headers and offsets, from the shapes alone: every
 * process that describes the same archive computes the same layout. */
static rnnscan_status lay_out(rnnscan_npz_writer *w, int count, const char *const names[],
                              const rnnscan_array shapes[])
{
    if (count < 1 || count > MAX_MEMBERS || !names || !shapes)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT,
                            "npz_writer: count = %d (1..%d) with names and shapes given", count,
                            MAX_MEMBERS);
    size_t at = 0;
    w->count = count;
    for (int i = 0; i < count; i++) {
        member *m = &w->m[i];
        char what[48];
        snprintf(what, sizeof what, "npz_writer: shapes[%d]", i);
        rnnscan_array shape = shapes[i];
        shape.data = (float *)&shape; /* only the shape is read; data may be NULL */
        RNNSCAN_TRY(rnnscan_array_check(&shape, what, &m->elems));
        if (!names[i] || !names[i][0] || strlen(names[i]) > sizeof m->name - 5)
            return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT,
                                "npz_writer: names[%d] is empty, NULL or longer than %zu", i,
                                sizeof m->name - 5);
        for (int j = 0; j < i; j++)
            if (!strcmp(names[j], names[i]))
                return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT,
                                    "npz_writer: name '%s' is given twice", names[i]);
        snprintf(m->name, sizeof m->name, "%s.npy", names[i]);
        m->npy_len = rnnscan_npy_format_header(&shape, m->npy, sizeof m->npy);
        m->header_at = at;
        m->npy_at = at + LOCAL_FIXED + strlen(m->name) + LOCAL_EXTRA;
        m->data_at = m->npy_at + m->npy_len;
        if (m->elems > (SIZE_MAX / 2 - m->data_at) / sizeof(float))
            return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT,
                                "npz_writer: member '%s' is too large", names[i]);
        m->size = m->npy_len + m->elems * sizeof(float);
        at = m->data_at + m->elems * sizeof(float);
    }
    w->end = at;
    return RNNSCAN_OK;
}

/* Member i's local file header (CRC 0 until finish) and .npy header. */
static int write_headers(const rnnscan_npz_writer *w, int i, uint32_t crc)
{
    const member *m = &w->m[i];
    const size_t name_len = strlen(m->name);
    unsigned char h[LOCAL_FIXED + 80 + LOCAL_EXTRA];
    memset(h, 0, sizeof h);
    put32(h, 0x04034b50);
    put16(h + 4, 45); /* version needed: zip64 */
    put16(h + 12, DOS_DATE);
    put32(h + 14, crc);
    put32(h + 18, 0xffffffffu); /* sizes in the zip64 extra field */
    put32(h + 22, 0xffffffffu);
    put16(h + 26, (unsigned)name_len);
    put16(h + 28, LOCAL_EXTRA);
    memcpy(h + LOCAL_FIXED, m->name, name_len);
    unsigned char *x = h + LOCAL_FIXED + name_len;
    put16(x, 1);
    put16(x + 2, 16);
    put64(x + 4, m->size);
    put64(x + 12, m->size);
    return pwrite_all(w->fd, h, LOCAL_FIXED + name_len + LOCAL_EXTRA, m->header_at) &&
           pwrite_all(w->fd, m->npy, m->npy_len, m->npy_at);
}

static rnnscan_npz_writer *writer_new(const char *path)
{
    rnnscan_npz_writer *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->fd = -1;
    w->path = strdup(path);
    w->tmp = malloc(strlen(path) + 16);
    if (!w->path || !w->tmp) {
        free(w->path);
        free(w->tmp);
        free(w);
        return NULL;
    }
    return w;
}

static void writer_free(rnnscan_npz_writer *w)
{
    if (w->fd >= 0)
        close(w->fd);
    free(w->path);
    free(w->tmp);
    free(w);
}

rnnscan_status rnnscan_npz_writer_create(const char *path, int count, const char *const names[],
                                         const rnnscan_array shapes[], rnnscan_npz_writer **out)
{
    rnnscan_clear_error(NULL);
    if (!out || !path)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT, "npz_writer_create: %s is NULL",
                            !out ? "out" : "path");
    *out = NULL;
    rnnscan_npz_writer *w = writer_new(path);
    if (!w)
        return rnnscan_fail(NULL, RNNSCAN_OUT_OF_MEMORY, "npz_writer_create: no memory");
    rnnscan_status st = lay_out(w, count, names, shapes);
    if (st != RNNSCAN_OK) {
        writer_free(w);
        return st;
    }
    w->owner = 1;
    w->fd = rnnscan_file_create_temp(path, w->tmp, strlen(path) + 16);
    if (w->fd < 0) {
        st = FAIL_IO("cannot create a temporary file beside '%s': %s", path, strerror(errno));
        writer_free(w);
        return st;
    }
    /* the whole archive's room now: a disk too small fails here, not midway */
    const size_t total = w->end + (size_t)count * (CENTRAL_FIXED + 80 + CENTRAL_EXTRA) + 98;
    int e = posix_fallocate(w->fd, 0, (off_t)total);
    if (e == EINVAL || e == EOPNOTSUPP) /* a file system without it: sparse room */
        e = ftruncate(w->fd, (off_t)w->end) == 0 ? 0 : errno;
    for (int i = 0; !e && i < count; i++)
        if (!write_headers(w, i, 0))
            e = errno;
    if (e) {
        st = FAIL_IO("cannot make room for %zu bytes in '%s': %s", total, w->tmp, strerror(e));
        rnnscan_npz_writer_abort(w);
        return st;
    }
    *out = w;
    return RNNSCAN_OK;
}

rnnscan_status rnnscan_npz_writer_attach(const char *temp_path, int count,
                                         const char *const names[], const rnnscan_array shapes[],
                                         rnnscan_npz_writer **out)
{
    rnnscan_clear_error(NULL);
    if (!out || !temp_path)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT, "npz_writer_attach: %s is NULL",
                            !out ? "out" : "temp_path");
    *out = NULL;
    rnnscan_npz_writer *w = writer_new(temp_path);
    if (!w)
        return rnnscan_fail(NULL, RNNSCAN_OUT_OF_MEMORY, "npz_writer_attach: no memory");
    strcpy(w->tmp, temp_path);
    rnnscan_status st = lay_out(w, count, names, shapes);
    if (st == RNNSCAN_OK && (w->fd = open(temp_path, O_WRONLY | O_CLOEXEC)) < 0)
        st = FAIL_IO("cannot open '%s' to write: %s", temp_path, strerror(errno));
    if (st != RNNSCAN_OK) {
        writer_free(w);
        return st;
    }
    *out = w;
    return RNNSCAN_OK;
}

const char *rnnscan_npz_writer_temp_path(const rnnscan_npz_writer *w) { return w ? w->tmp : NULL; }

rnnscan_status rnnscan_npz_writer_put(rnnscan_npz_writer *w, int member_index, size_t first,
                                      const float *values, size_t count)
{
    if (!w || (!values && count) || member_index < 0 || member_index >= w->count)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT,
                            "npz_writer_put: writer or values NULL, or member %d not 0..%d",
                            member_index, w ? w->count - 1 : -1);
    const member *m = &w->m[member_index];
    if (first > m->elems || count > m->elems - first)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT,
                            "npz_writer_put: elements [%zu, %zu + %zu) are outside %s's %zu",
                            first, first, count, m->name, m->elems);
    const rnnscan_array piece = {1, {count}, (float *)values};
    const void *bytes;
    void *copy = NULL;
    RNNSCAN_TRY(rnnscan_npy_le_data(&piece, count, &bytes, &copy));
    int ok = pwrite_all(w->fd, bytes, count * sizeof(float), m->data_at + first * sizeof(float));
    int e = errno;
    free(copy);
    if (!ok)
        return FAIL_IO("cannot write %s into '%s': %s", m->name, w->tmp, strerror(e));
    return RNNSCAN_OK;
}

/* CRC-32 of bytes [at, at + n) of the file, read back in blocks. */
static int crc_of(int fd, size_t at, size_t n, uint32_t *crc)
{
    static const size_t block = 1 << 20;
    unsigned char *buf = malloc(block);
    if (!buf) {
        errno = ENOMEM;
        return 0;
    }
    uLong c = crc32(0L, Z_NULL, 0);
    int ok = 1;
    while (ok && n > 0) {
        size_t want = n < block ? n : block;
        ssize_t got = pread(fd, buf, want, (off_t)at);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            if (got == 0)
                errno = EIO;
            ok = 0;
            break;
        }
        c = crc32(c, buf, (uInt)got);
        at += (size_t)got, n -= (size_t)got;
    }
    free(buf);
    *crc = (uint32_t)c;
    return ok;
}

/* The central directory and the end records, at w->end. */
static int write_directory(const rnnscan_npz_writer *w, const uint32_t *crcs)
{
    unsigned char buf[MAX_MEMBERS * (CENTRAL_FIXED + 80 + CENTRAL_EXTRA) + 98];
    size_t n = 0;
    for (int i = 0; i < w->count; i++) {
        const member *m = &w->m[i];
        const size_t name_len = strlen(m->name);
        unsigned char *c = buf + n;
        memset(c, 0, CENTRAL_FIXED);
        put32(c, 0x02014b50);
        put16(c + 4, 45); /* made by */
        put16(c + 6, 45); /* needed */
        put16(c + 14, DOS_DATE);
        put32(c + 16, crcs[i]);
        put32(c + 20, 0xffffffffu);
        put32(c + 24, 0xffffffffu);
        put16(c + 28, (unsigned)name_len);
        put16(c + 30, CENTRAL_EXTRA);
        put32(c + 42, 0xffffffffu); /* the local header's offset: in the extra field */
        memcpy(c + CENTRAL_FIXED, m->name, name_len);
        unsigned char *x = c + CENTRAL_FIXED + name_len;
        put16(x, 1);
        put16(x + 2, 24);
        put64(x + 4, m->size);
        put64(x + 12, m->size);
        put64(x + 20, m->header_at);
        n += CENTRAL_FIXED + name_len + CENTRAL_EXTRA;
    }
    const size_t dir_size = n, eocd64_at = w->end + dir_size;
    unsigned char *e = buf + n; /* zip64 end of central directory record */
    memset(e, 0, 98);
    put32(e, 0x06064b50);
    put64(e + 4, 44);
    put16(e + 12, 45);
    put16(e + 14, 45);
    put64(e + 24, (uint64_t)w->count);
    put64(e + 32, (uint64_t)w->count);
    put64(e + 40, dir_size);
    put64(e + 48, w->end);
    unsigned char *l = e + 56; /* zip64 locator */
    put32(l, 0x07064b50);
    put64(l + 8, eocd64_at);
    put32(l + 16, 1);
    unsigned char *d = l + 20; /* end of central directory record */
    put32(d, 0x06054b50);
    put16(d + 8, (unsigned)w->count);
    put16(d + 10, (unsigned)w->count);
    put32(d + 12, 0xffffffffu);
    put32(d + 16, 0xffffffffu);
    n += 98;
    return pwrite_all(w->fd, buf, n, w->end) && ftruncate(w->fd, (off_t)(w->end + n)) == 0;
}

rnnscan_status rnnscan_npz_writer_finish(rnnscan_npz_writer *w)
{
    rnnscan_clear_error(NULL);
    if (!w)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT, "npz_writer_finish: writer is NULL");
    if (!w->owner) { /* an attached writer only closes, its data on disk: its owner finishes */
        const int e = fsync(w->fd) == 0 ? 0 : errno;
        rnnscan_status st = RNNSCAN_OK;
        if (e)
            st = FAIL_IO("cannot write '%s': %s", w->tmp, strerror(e));
        writer_free(w);
        return st;
    }
    uint32_t crcs[MAX_MEMBERS];
    int e = 0;
    int rfd = open(w->tmp, O_RDONLY | O_CLOEXEC);
    if (rfd < 0)
        e = errno;
    for (int i = 0; !e && i < w->count; i++)
        if (!crc_of(rfd, w->m[i].npy_at, w->m[i].size, &crcs[i]) || !write_headers(w, i, crcs[i]))
            e = errno;
    if (rfd >= 0)
        close(rfd);
    if (!e && !(write_directory(w, crcs) && fsync(w->fd) == 0)) /* on disk before the rename */
        e = errno;
    if (close(w->fd) != 0 && !e)
        e = errno;
    w->fd = -1;
    rnnscan_status st = RNNSCAN_OK;
    if (e)
        st = FAIL_IO("cannot finish '%s': %s", w->tmp, strerror(e));
    else if (rename(w->tmp, w->path) != 0)
        st = FAIL_IO("cannot rename '%s' to '%s': %s", w->tmp, w->path, strerror(errno));
    if (st != RNNSCAN_OK)
        unlink(w->tmp);
    writer_free(w);
    return st;
}

void rnnscan_npz_writer_abort(rnnscan_npz_writer *w)
{
    if (!w)
        return;
    if (w->owner)
        unlink(w->tmp);
    writer_free(w);
}
