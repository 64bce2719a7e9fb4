#include "io_test.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

unsigned char *slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "cannot open %s", path);
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 4096;
            buf = realloc(buf, cap);
            cr_assert(buf);
        }
        size_t n = fread(buf + len, 1, cap - len, f);
        if (n == 0)
            break;
        len += n;
    }
    fclose(f);
    *size = len;
    return buf;
}

char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    cr_assert(p);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

char *spill(const char *dir, const char *name, const void *data, size_t size)
{
    char *path = join(dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert(f, "cannot create %s", path);
    cr_assert_eq(fwrite(data, 1, size, f), size);
    cr_assert_eq(fclose(f), 0);
    return path;
}

unsigned char *make_npy(int major, const char *header, const void *data, size_t data_size,
                        size_t *size)
{
    size_t hlen = strlen(header), pre = major == 1 ? 10 : 12;
    unsigned char *buf = malloc(pre + hlen + data_size + 1);
    cr_assert(buf);
    memcpy(buf, "\x93NUMPY", 6);
    buf[6] = (unsigned char)major;
    buf[7] = 0;
    for (size_t i = 0; i < pre - 8; i++)
        buf[8 + i] = (unsigned char)(hlen >> (8 * i));
    memcpy(buf + pre, header, hlen);
    if (data_size)
        memcpy(buf + pre + hlen, data, data_size);
    *size = pre + hlen + data_size;
    return buf;
}

char *temp_dir(void)
{
    const char *base = getenv("TMPDIR");
    char *tmpl = join(base && *base ? base : "/tmp", "rnnscan-io-XXXXXX");
    cr_assert(mkdtemp(tmpl), "mkdtemp failed");
    return tmpl;
}

void remove_dir(char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char *p = join(dir, e->d_name);
            unlink(p);
            free(p);
        }
        closedir(d);
    }
    rmdir(dir);
    free(dir);
}

int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

char *write_npz(const char *dir, const char *file, int count, const char *const names[],
                const rnnscan_array arrays[])
{
    char *path = join(dir, file);
    assert_ok(rnnscan_npz_write(path, count, names, arrays));
    return path;
}
