/* Helpers for the NumPy file tests: fixtures, hand-made images, temp dirs. */
#ifndef RNNSCAN_IO_TEST_H
#define RNNSCAN_IO_TEST_H

#include <stddef.h>
#include <string.h>

#include <criterion/criterion.h>

#include "rnnscan.h"

#define FIXTURE(name) FIXTURE_DIR "/" name

/* The status must be `want` and the detail must contain `part`. */
#define assert_fails(st, want, part)                                                        \
    do {                                                                                    \
        rnnscan_status st_ = (st);                                                          \
        cr_assert_eq(st_, (want), "status %s, expected %s; detail: %s",                     \
                     rnnscan_status_name(st_), rnnscan_status_name(want),                   \
                     rnnscan_last_error());                                                 \
        cr_assert(strstr(rnnscan_last_error(), (part)) != NULL,                             \
                  "detail \"%s\" should contain \"%s\"", rnnscan_last_error(), (part));     \
    } while (0)

#define assert_ok(st)                                                                       \
    do {                                                                                    \
        rnnscan_status st_ = (st);                                                          \
        cr_assert_eq(st_, RNNSCAN_OK, "status %s; detail: %s", rnnscan_status_name(st_),    \
                     rnnscan_last_error());                                                 \
    } while (0)

/* A whole file in a malloc'd buffer (fails the test if it cannot be read). */
unsigned char *slurp(const char *path, size_t *size);
/* Writes bytes to dir/name and returns the malloc'd path. */
char *spill(const char *dir, const char *name, const void *data, size_t size);

/* A .npy image with the given version (1, 2 or 3), header text as is, and
 * data after it; malloc'd. */
unsigned char *make_npy(int major, const char *header, const void *data, size_t data_size,
                        size_t *size);

/* A fresh empty directory (malloc'd path) and its removal with its files. */
char *temp_dir(void);
void remove_dir(char *dir); /* frees dir */
/* Number of entries in dir (to see that no temporary file was left). */
int count_entries(const char *dir);
/* dir + "/" + name, malloc'd. */
char *join(const char *dir, const char *name);

/* An npz of named arrays written with rnnscan_npz_write into dir. */
char *write_npz(const char *dir, const char *file, int count, const char *const names[],
                const rnnscan_array arrays[]);

#endif
