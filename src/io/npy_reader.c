/* Reading a .npy file, or a .npy member of a .npz, in slices
 * (rnnscan_npy_reader_*): the header once, then any run of elements (with
 * pread from a file, through src/io/npz_member.c from an archive), converted
 * to float32 as the whole-file reader converts them.  What `rnnscan run`
 * streams its inputs through, so an input larger than memory is never held
 * whole. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zip_internal.h"

#define FAIL_IO(...) rnnscan_fail(NULL, RNNSCAN_IO_ERROR, __VA_ARGS__)

struct rnnscan_npy_reader {
    int fd;             /* a .npy file, or -1 and: */
    npz_member *member; /* a .npz member */
    npy_header h;
    char *path; /* for messages */
};

/* Reads exactly n bytes at offset; 0 with errno set otherwise. */
static int pread_all(int fd, void *buf, size_t n, off_t offset)
{
    unsigned char *p = buf;
    while (n > 0) {
        ssize_t got = pread(fd, p, n, offset);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            if (got == 0)
                errno = EIO; /* the file ended early: the header promised more */
            return 0;
        }
        p += got, n -= (size_t)got, offset += got;
    }
    return 1;
}

/* n bytes at `offset` of the .npy image, wherever it lives. */
static rnnscan_status read_at(rnnscan_npy_reader *r, void *buf, size_t n, uint64_t offset)
{
    if (r->member)
        return rnnscan_npz_member_read(r->member, offset, buf, n);
    if (!pread_all(r->fd, buf, n, (off_t)offset))
        return FAIL_IO("cannot read '%s': %s", r->path, strerror(errno));
    return RNNSCAN_OK;
}

static rnnscan_status read_header(rnnscan_npy_reader *r, size_t file_size)
{
    unsigned char pre[12];
    const size_t pre_len = file_size < sizeof pre ? file_size : sizeof pre;
    RNNSCAN_TRY(read_at(r, pre, pre_len, 0));
    /* the header length (version 1: 2 bytes at 8; 2 and 3: 4 bytes) bounds the read */
    size_t len = pre_len;
    if (pre_len >= 10)
        len = pre[6] == 1 ? 10 + (size_t)(pre[8] | pre[9] << 8)
                          : pre_len < 12 ? pre_len
                                         : 12 + ((size_t)pre[8] | (size_t)pre[9] << 8 |
                                                 (size_t)pre[10] << 16 | (size_t)pre[11] << 24);
    if (len > file_size)
        len = file_size; /* the parser names the truncation */
    unsigned char *head = malloc(len ? len : 1);
    if (!head)
        return rnnscan_fail(NULL, RNNSCAN_OUT_OF_MEMORY, "no memory for '%s''s header", r->path);
    rnnscan_status st = read_at(r, head, len, 0);
    if (st == RNNSCAN_OK)
        st = rnnscan_npy_header_parse(head, len, &r->h);
    free(head);
    RNNSCAN_TRY(st);
    size_t bytes;
    if (r->h.kind != 'f')
        return rnnscan_fail(NULL, RNNSCAN_FORMAT_ERROR,
                            "'%s': unsupported dtype '%s'; expected '<f4', '>f4', '<f8' or '>f8'",
                            r->path, r->h.descr);
    if (!rnnscan_mul_size(&bytes, r->h.elems, (size_t)r->h.itemsize) ||
        bytes > file_size - r->h.data_offset)
        return rnnscan_fail(NULL, RNNSCAN_FORMAT_ERROR,
                            "'%s': data truncated: %zu elements of '%s' need more than the %zu "
                            "bytes after the header",
                            r->path, r->h.elems, r->h.descr, file_size - r->h.data_offset);
    return RNNSCAN_OK;
}

/* A reader named `name` (for messages), its source not yet open. */
static rnnscan_status new_reader(const char *name, rnnscan_npy_reader **out)
{
    rnnscan_npy_reader *r = calloc(1, sizeof *r);
    if (!r || !(r->path = strdup(name))) {
        free(r);
        return rnnscan_fail(NULL, RNNSCAN_OUT_OF_MEMORY, "npy_reader_open: no memory");
    }
    r->fd = -1;
    *out = r;
    return RNNSCAN_OK;
}

/* Hands the reader out once its header has been read, else closes it. */
static rnnscan_status finish_open(rnnscan_npy_reader *r, rnnscan_status st, size_t size,
                                  rnnscan_npy_reader **out)
{
    if (st == RNNSCAN_OK)
        st = read_header(r, size);
    if (st != RNNSCAN_OK) {
        rnnscan_npy_reader_close(r);
        return st;
    }
    *out = r;
    return RNNSCAN_OK;
}

rnnscan_status rnnscan_npy_reader_open(const char *path, rnnscan_npy_reader **out)
{
    rnnscan_clear_error(NULL);
    if (!out || !path)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT, "npy_reader_open: %s is NULL",
                            !out ? "out" : "path");
    *out = NULL;
    rnnscan_npy_reader *r = NULL;
    RNNSCAN_TRY(new_reader(path, &r));
    struct stat sb;
    rnnscan_status st = RNNSCAN_OK;
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0 || fstat(r->fd, &sb) != 0)
        st = FAIL_IO("cannot read '%s': %s", path, strerror(errno));
    else if (!S_ISREG(sb.st_mode))
        st = FAIL_IO("cannot read '%s': not a regular file", path);
    return finish_open(r, st, st == RNNSCAN_OK ? (size_t)sb.st_size : 0, out);
}

rnnscan_status rnnscan_npy_reader_open_npz(const char *path, const char *member,
                                           rnnscan_npy_reader **out)
{
    rnnscan_clear_error(NULL);
    if (!out || !path)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT, "npy_reader_open_npz: %s is NULL",
                            !out ? "out" : "path");
    *out = NULL;
    npz_member *m;
    uint64_t size;
    RNNSCAN_TRY(rnnscan_npz_member_open(path, member, &m, &size));
    /* messages name "archive.npz:member" */
    char name[4096];
    snprintf(name, sizeof name, "%s:%s", path, rnnscan_npz_member_name(m));
    rnnscan_npy_reader *r = NULL;
    rnnscan_status st = new_reader(name, &r);
    if (st != RNNSCAN_OK) {
        rnnscan_npz_member_close(m);
        return st;
    }
    r->member = m;
    if (size >= SIZE_MAX)
        st = rnnscan_fail(NULL, RNNSCAN_FORMAT_ERROR, "'%s': %llu bytes", name,
                          (unsigned long long)size);
    return finish_open(r, st, (size_t)size, out);
}

int rnnscan_npy_reader_shape(const rnnscan_npy_reader *r, size_t shape[RNNSCAN_MAX_DIMS])
{
    if (!r)
        return -1;
    memcpy(shape, r->h.shape, sizeof r->h.shape);
    return r->h.ndim;
}

rnnscan_status rnnscan_npy_reader_read(rnnscan_npy_reader *r, size_t first, size_t count,
                                       float *dst)
{
    rnnscan_clear_error(NULL);
    if (!r || (!dst && count))
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT, "npy_reader_read: %s is NULL",
                            !r ? "reader" : "dst");
    if (first > r->h.elems || count > r->h.elems - first)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT,
                            "npy_reader_read: elements [%zu, %zu + %zu) of '%s' are outside its %zu",
                            first, first, count, r->path, r->h.elems);
    if (r->h.fortran_order && r->h.ndim > 1)
        return rnnscan_fail(NULL, RNNSCAN_NOT_SUPPORTED,
                            "'%s' is in Fortran order, which cannot be read in C-order slices "
                            "(np.save(path, np.ascontiguousarray(x)) writes C order)",
                            r->path);
    const size_t size = (size_t)r->h.itemsize;
    const uint64_t at = r->h.data_offset + (uint64_t)first * size;
    /* float32 in the host's order reads straight into dst; the rest through a
     * bounded buffer, converted element by element */
    const uint16_t one = 1;
    unsigned char little;
    memcpy(&little, &one, 1);
    if (size == 4 && r->h.big_endian != (little == 1))
        return read_at(r, dst, count * 4, at);
    unsigned char buf[1 << 15];
    const size_t per = sizeof buf / size;
    for (size_t done = 0; done < count;) {
        const size_t n = count - done < per ? count - done : per;
        RNNSCAN_TRY(read_at(r, buf, n * size, at + done * size));
        for (size_t i = 0; i < n; i++)
            dst[done + i] = rnnscan_npy_float_at(buf + i * size, (int)size, r->h.big_endian);
        done += n;
    }
    return RNNSCAN_OK;
}

void rnnscan_npy_reader_close(rnnscan_npy_reader *r)
{
    if (!r)
        return;
    if (r->fd >= 0)
        close(r->fd);
    rnnscan_npz_member_close(r->member);
    free(r->path);
    free(r);
}
