/* One .npz member read at any offset (rnnscan_npy_reader_open_npz's source):
 * libzip opens the archive and the member; a stored member (np.savez) seeks
 * straight to the offset, a deflated one (np.savez_compressed) decompresses
 * forward from where the last read ended and restarts from the member's
 * beginning to go back.  So reading a deflated member in increasing order
 * costs one decompression of it; the caller chooses the order. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zip_internal.h"

struct npz_member {
    zip_t *zip;
    zip_file_t *file;   /* open at `pos` */
    zip_uint64_t index;
    uint64_t size, pos;
    int stored;
    pthread_mutex_t lock;
    char what[160];     /* "'archive.npz' member 'x.npy'" for messages */
    char *name;         /* as stored */
};

const char *rnnscan_npz_member_name(const npz_member *m)
{
    return m->name;
}

/* The member's index; NULL names the only one.  Failures list what is there. */
static rnnscan_status locate(zip_t *zip, const char *path, const char *member,
                             zip_uint64_t *index)
{
    const zip_int64_t count = zip_get_num_entries(zip, 0);
    if (member) {
        zip_int64_t i = zip_name_locate(zip, member, 0);
        if (i < 0) {
            char with_npy[256];
            snprintf(with_npy, sizeof with_npy, "%s.npy", member);
            i = zip_name_locate(zip, with_npy, 0);
        }
        if (i >= 0) {
            *index = (zip_uint64_t)i;
            return RNNSCAN_OK;
        }
    } else if (count == 1) {
        *index = 0;
        return RNNSCAN_OK;
    }
    char names[512] = "";
    for (zip_int64_t i = 0; i < count && strlen(names) + 8 < sizeof names; i++) {
        const char *name = zip_get_name(zip, (zip_uint64_t)i, 0);
        size_t len = name ? strlen(name) : 0;
        if (len >= 4 && !strcmp(name + len - 4, ".npy"))
            len -= 4;
        const size_t at = strlen(names);
        snprintf(names + at, sizeof names - at, "%s%.*s", i ? ", " : "", (int)len,
                 name ? name : "?");
    }
    if (member)
        return rnnscan_fail(NULL, RNNSCAN_FORMAT_ERROR,
                            "'%s': npz member '%s' not found (members: %s)", path, member, names);
    return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT,
                        "'%s' holds %lld arrays (%s): name the one to read", path,
                        (long long)count, names);
}

static rnnscan_status open_file(npz_member *m)
{
    m->file = zip_fopen_index(m->zip, m->index, 0);
    m->pos = 0;
    if (!m->file)
        return rnnscan_fail(NULL, rnnscan_zip_status(zip_get_error(m->zip)), "%s: %s", m->what,
                            zip_strerror(m->zip));
    return RNNSCAN_OK;
}

rnnscan_status rnnscan_npz_member_open(const char *path, const char *member, npz_member **out,
                                       uint64_t *size)
{
    *out = NULL;
    npz_member *m = calloc(1, sizeof *m);
    if (!m)
        return rnnscan_fail(NULL, RNNSCAN_OUT_OF_MEMORY, "npz member: no memory");
    pthread_mutex_init(&m->lock, NULL);
    int code = 0;
    m->zip = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &code);
    rnnscan_status st = RNNSCAN_OK;
    if (!m->zip) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, code);
        st = rnnscan_fail(NULL, rnnscan_zip_status(&ze), "cannot open '%s': %s", path,
                          zip_error_strerror(&ze));
        zip_error_fini(&ze);
    }
    if (st == RNNSCAN_OK)
        st = locate(m->zip, path, member, &m->index);
    zip_stat_t zs;
    zip_stat_init(&zs);
    if (st == RNNSCAN_OK) {
        const char *name = zip_get_name(m->zip, m->index, 0);
        snprintf(m->what, sizeof m->what, "'%s' member '%s'", path, name ? name : "?");
        if (!(m->name = strdup(name ? name : "?")))
            st = rnnscan_fail(NULL, RNNSCAN_OUT_OF_MEMORY, "npz member: no memory");
    }
    if (st == RNNSCAN_OK) {
        const zip_uint64_t need = ZIP_STAT_SIZE | ZIP_STAT_COMP_METHOD | ZIP_STAT_ENCRYPTION_METHOD;
        if (zip_stat_index(m->zip, m->index, 0, &zs) != 0 || (zs.valid & need) != need)
            st = rnnscan_fail(NULL, RNNSCAN_FORMAT_ERROR, "%s: the archive does not give its size",
                              m->what);
        else if (zs.encryption_method != ZIP_EM_NONE)
            st = rnnscan_fail(NULL, RNNSCAN_NOT_SUPPORTED, "%s is encrypted", m->what);
        else if (zs.comp_method != ZIP_CM_STORE && zs.comp_method != ZIP_CM_DEFLATE)
            st = rnnscan_fail(NULL, RNNSCAN_FORMAT_ERROR,
                              "%s: compression method %d is not supported (numpy writes stored "
                              "or deflated members)",
                              m->what, (int)zs.comp_method);
    }
    if (st == RNNSCAN_OK) {
        m->size = zs.size;
        m->stored = zs.comp_method == ZIP_CM_STORE;
        st = open_file(m);
    }
    if (st != RNNSCAN_OK) {
        rnnscan_npz_member_close(m);
        return st;
    }
    *size = m->size;
    *out = m;
    return RNNSCAN_OK;
}

/* Moves the open file to `offset`: a seek when stored, else decompressing
 * (and dropping) what lies between, from the beginning when going back. */
static rnnscan_status move_to(npz_member *m, uint64_t offset)
{
    if (offset == m->pos)
        return RNNSCAN_OK;
    if (m->stored) {
        if (zip_fseek(m->file, (zip_int64_t)offset, SEEK_SET) != 0)
            return rnnscan_fail(NULL, RNNSCAN_IO_ERROR, "%s: cannot seek: %s", m->what,
                                zip_file_strerror(m->file));
        m->pos = offset;
        return RNNSCAN_OK;
    }
    if (offset < m->pos) {
        zip_fclose(m->file);
        RNNSCAN_TRY(open_file(m));
    }
    unsigned char skip[1 << 15];
    while (m->pos < offset) {
        const uint64_t left = offset - m->pos;
        const zip_int64_t got = zip_fread(m->file, skip, left < sizeof skip ? left : sizeof skip);
        if (got <= 0)
            return rnnscan_fail(NULL, RNNSCAN_IO_ERROR, "%s: cannot read: %s", m->what,
                                got < 0 ? zip_file_strerror(m->file) : "it ends early");
        m->pos += (uint64_t)got;
    }
    return RNNSCAN_OK;
}

rnnscan_status rnnscan_npz_member_read(npz_member *m, uint64_t offset, void *buf, size_t n)
{
    if (offset > m->size || n > m->size - offset)
        return rnnscan_fail(NULL, RNNSCAN_IO_ERROR, "%s: bytes [%llu, +%zu) lie past its end",
                            m->what, (unsigned long long)offset, n);
    pthread_mutex_lock(&m->lock);
    rnnscan_status st = m->file ? move_to(m, offset) : open_file(m);
    if (st == RNNSCAN_OK && m->pos != offset)
        st = move_to(m, offset); /* reopened after a failure */
    for (unsigned char *p = buf; st == RNNSCAN_OK && n > 0;) {
        const zip_int64_t got = zip_fread(m->file, p, n);
        if (got <= 0) {
            st = rnnscan_fail(NULL, RNNSCAN_IO_ERROR, "%s: cannot read: %s", m->what,
                              got < 0 ? zip_file_strerror(m->file) : "it ends early");
            break;
        }
        p += got, n -= (size_t)got, m->pos += (uint64_t)got;
    }
    if (st != RNNSCAN_OK && m->file) {
        /* the stream's state is unknown after a failure: start over next time */
        zip_fclose(m->file);
        m->file = NULL;
    }
    pthread_mutex_unlock(&m->lock);
    return st;
}

void rnnscan_npz_member_close(npz_member *m)
{
    if (!m)
        return;
    if (m->file)
        zip_fclose(m->file);
    if (m->zip)
        zip_discard(m->zip);
    pthread_mutex_destroy(&m->lock);
    free(m->name);
    free(m);
}
