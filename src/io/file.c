/* Whole-file reads, and writes that never leave a partial file behind. */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io_internal.h"

#define FAIL_IO(...) rnnscan_fail(NULL, RNNSCAN_IO_ERROR, __VA_ARGS__)

rnnscan_status rnnscan_file_read(const char *path, unsigned char **data, size_t *size)
{
    *data = NULL;
    *size = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return FAIL_IO("cannot open '%s': %s", path, strerror(errno));
    struct stat st;
    int e = fstat(fd, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
    if (e) {
        close(fd);
        return FAIL_IO("cannot read '%s': %s", path, strerror(e));
    }
    /* Regular files: one read of the known size (+1 to see EOF); others grow. */
    size_t cap = S_ISREG(st.st_mode) && (uintmax_t)st.st_size < SIZE_MAX
                     ? (size_t)st.st_size + 1
                     : 65536;
    size_t len = 0;
    unsigned char *buf = malloc(cap);
    rnnscan_status status = RNNSCAN_OK;
    while (buf) {
        if (len == cap) {
            unsigned char *bigger = cap <= SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
            if (!bigger) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            status = FAIL_IO("cannot read '%s': %s", path, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    if (!buf)
        return rnnscan_fail(NULL, RNNSCAN_OUT_OF_MEMORY, "no memory to read '%s' (%zu bytes)",
                            path, cap);
    if (status != RNNSCAN_OK) {
        free(buf);
        return status;
    }
    *data = buf;
    *size = len;
    return RNNSCAN_OK;
}

static int write_all(int fd, const void *data, size_t size)
{
    const unsigned char *p = data;
    while (size > 0) {
        ssize_t n = write(fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return 0;
        }
        p += n;
        size -= (size_t)n;
    }
    return 1;
}

/* Creates "<path>.tmp.XXXXXX".  Not mkstemp: it makes files mode 0600, and
 * open(O_EXCL, 0666) lets the umask decide the final mode, as numpy's
 * open() does. */
int rnnscan_file_create_temp(const char *path, char *tmp, size_t cap)
{
    static atomic_uint counter;
    static const char digits[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    uint64_t seed = (uint64_t)now.tv_nsec ^ ((uint64_t)getpid() << 32) ^ (uintptr_t)tmp;
    for (int attempt = 0; attempt < 100; attempt++) {
        uint64_t x = (seed += 0x9E3779B97F4A7C15ull + atomic_fetch_add(&counter, 1));
        char suffix[7];
        for (int i = 0; i < 6; i++, x /= 36)
            suffix[i] = digits[x % 36];
        suffix[6] = '\0';
        if (snprintf(tmp, cap, "%s.tmp.%s", path, suffix) >= (int)cap) {
            errno = ENAMETOOLONG;
            return -1;
        }
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    return -1; /* errno is EEXIST */
}

rnnscan_status rnnscan_file_write_atomic(const char *path, const rnnscan_chunk *chunks,
                                         int count)
{
    size_t cap = strlen(path) + 16;
    char *tmp = malloc(cap);
    if (!tmp)
        return rnnscan_fail(NULL, RNNSCAN_OUT_OF_MEMORY, "no memory for a file name");
    int fd = rnnscan_file_create_temp(path, tmp, cap);
    if (fd < 0) {
        rnnscan_status st =
            FAIL_IO("cannot create a temporary file beside '%s': %s", path, strerror(errno));
        free(tmp);
        return st;
    }
    int ok = 1;
    for (int i = 0; ok && i < count; i++)
        ok = write_all(fd, chunks[i].data, chunks[i].size);
    ok = ok && fsync(fd) == 0; /* the data must be on disk before the rename */
    int e = errno;
    if (close(fd) != 0 && ok) {
        ok = 0;
        e = errno;
    }
    rnnscan_status st = RNNSCAN_OK;
    if (!ok)
        st = FAIL_IO("cannot write '%s': %s", tmp, strerror(e));
    else if (rename(tmp, path) != 0)
        st = FAIL_IO("cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
    if (st != RNNSCAN_OK)
        unlink(tmp);
    free(tmp);
    return st;
}
