/* Private declarations of the libzip-based readers (.npz). */
#ifndef RNNSCAN_ZIP_INTERNAL_H
#define RNNSCAN_ZIP_INTERNAL_H

#include <stdint.h>
#include <zip.h>

#include "io_internal.h"

/* libzip's error codes to ours: allocation and system read failures keep
 * their nature, everything else means the bytes are not a usable archive. */
rnnscan_status rnnscan_zip_status(zip_error_t *ze);

/* One member of a .npz, read at any byte offset of its (uncompressed)
 * contents: a stored member by seeking, a deflated one by decompressing
 * forward, restarting from its beginning to go back.  libzip's files are not
 * thread-safe, so reads are serialised by a lock. */
typedef struct npz_member npz_member;

/* `member` as np.load names it (with or without ".npy"); NULL: the archive's
 * only member.  *size gets the member's uncompressed size. */
rnnscan_status rnnscan_npz_member_open(const char *path, const char *member, npz_member **out,
                                       uint64_t *size);
/* Exactly n bytes at `offset` into buf; IO_ERROR naming the member otherwise. */
rnnscan_status rnnscan_npz_member_read(npz_member *m, uint64_t offset, void *buf, size_t n);
/* The member's name as stored ("x.npy"). */
const char *rnnscan_npz_member_name(const npz_member *m);
void rnnscan_npz_member_close(npz_member *m);

#endif /* RNNSCAN_ZIP_INTERNAL_H */
