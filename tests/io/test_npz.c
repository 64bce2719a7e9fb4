/* .npz archives: numpy's own (stored and deflated, with zip64 extras),
 * rnnscan's, and damaged ones. */
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <zip.h>

#include "io_test.h"

static float m23(size_t i, size_t j) { return (float)i - (float)j / 4.0f - 0.5f; }
static const int lengths[6] = {5, 3, 0, -7, INT_MAX, INT_MIN};

static void assert_m23(const rnnscan_array *a)
{
    cr_assert(a->ndim == 2 && a->shape[0] == 2 && a->shape[1] == 3);
    for (size_t i = 0; i < 6; i++)
        cr_assert_eq(a->data[i], m23(i / 3, i % 3), "[%zu]", i);
}

static void assert_lengths(rnnscan_npz *npz)
{
    rnnscan_int_array ia;
    assert_ok(rnnscan_npz_get_int(npz, "lengths", &ia));
    cr_assert(ia.ndim == 1 && ia.shape[0] == 6);
    for (int i = 0; i < 6; i++)
        cr_assert_eq(ia.data[i], lengths[i]);
    rnnscan_int_array_free(&ia);
}

static void check_savez(rnnscan_npz *npz)
{
    cr_assert_eq(rnnscan_npz_count(npz), 3);
    cr_assert_str_eq(rnnscan_npz_name(npz, 0), "m23");
    cr_assert_str_eq(rnnscan_npz_name(npz, 1), "lengths");
    cr_assert_str_eq(rnnscan_npz_name(npz, 2), "scalar");
    cr_assert_eq(rnnscan_npz_name(npz, 3), NULL);
    cr_assert_eq(rnnscan_npz_name(npz, -1), NULL);
    rnnscan_array a;
    assert_ok(rnnscan_npz_get(npz, "m23", &a));
    assert_m23(&a);
    rnnscan_array_free(&a);
    assert_ok(rnnscan_npz_get(npz, "m23.npy", &a)); /* the stored name works too */
    assert_m23(&a);
    rnnscan_array_free(&a);
    assert_ok(rnnscan_npz_get(npz, "scalar", &a));
    cr_assert(a.ndim == 0 && a.data[0] == 0.75f);
    rnnscan_array_free(&a);
    assert_lengths(npz);
}

Test(npz, numpy_savez_from_file_and_buffer)
{
    rnnscan_npz *npz;
    assert_ok(rnnscan_npz_open(FIXTURE("savez.npz"), &npz));
    check_savez(npz);
    rnnscan_npz_close(npz);

    size_t size;
    unsigned char *bytes = slurp(FIXTURE("savez.npz"), &size);
    assert_ok(rnnscan_npz_open_buffer(bytes, size, &npz));
    memset(bytes, 0, size); /* the archive keeps its own copy */
    free(bytes);
    check_savez(npz);
    rnnscan_npz_close(npz);
}

Test(npz, numpy_savez_compressed)
{
    rnnscan_npz *npz;
    assert_ok(rnnscan_npz_open(FIXTURE("savez_compressed.npz"), &npz));
    cr_assert_eq(rnnscan_npz_count(npz), 3);
    rnnscan_array a;
    assert_ok(rnnscan_npz_get(npz, "t234", &a));
    cr_assert(a.ndim == 3 && a.shape[2] == 4 && a.data[23] == 123.0f);
    rnnscan_array_free(&a);
    assert_ok(rnnscan_npz_get(npz, "m23_be", &a));
    assert_m23(&a);
    rnnscan_array_free(&a);
    assert_lengths(npz);
    rnnscan_npz_close(npz);
}

Test(npz, members_missing_or_not_npy)
{
    rnnscan_npz *npz;
    rnnscan_array a;
    assert_ok(rnnscan_npz_open(FIXTURE("savez.npz"), &npz));
    memset(&a, 0x5a, sizeof a);
    assert_fails(rnnscan_npz_get(npz, "weight_ih_l0", &a), RNNSCAN_FORMAT_ERROR,
                 "npz member 'weight_ih_l0' not found (members: m23, lengths, scalar)");
    cr_assert(a.data == NULL && a.ndim == 0);
    assert_fails(rnnscan_npz_get(npz, "lengths", &a), RNNSCAN_FORMAT_ERROR,
                 "npz member 'lengths.npy': npy: unsupported dtype '<i4' (integers");
    rnnscan_int_array ia;
    assert_fails(rnnscan_npz_get_int(npz, "m23", &ia), RNNSCAN_FORMAT_ERROR,
                 "npz member 'm23.npy': npy: unsupported dtype '<f4'");
    assert_fails(rnnscan_npz_get(npz, NULL, &a), RNNSCAN_INVALID_ARGUMENT, "name is NULL");
    assert_fails(rnnscan_npz_get(NULL, "m23", &a), RNNSCAN_INVALID_ARGUMENT, "npz is NULL");
    assert_fails(rnnscan_npz_get(npz, "m23", NULL), RNNSCAN_INVALID_ARGUMENT, "out is NULL");
    rnnscan_npz_close(npz);

    assert_ok(rnnscan_npz_open(FIXTURE("not_npy_member.npz"), &npz));
    cr_assert_eq(rnnscan_npz_count(npz), 2);
    cr_assert_str_eq(rnnscan_npz_name(npz, 0), "readme.txt");
    cr_assert_str_eq(rnnscan_npz_name(npz, 1), "ok");
    assert_fails(rnnscan_npz_get(npz, "readme.txt", &a), RNNSCAN_FORMAT_ERROR,
                 "npz member 'readme.txt': npy: not a .npy image");
    assert_ok(rnnscan_npz_get(npz, "ok", &a));
    cr_assert(a.ndim == 1 && a.shape[0] == 2 && a.data[1] == 1.0f);
    rnnscan_array_free(&a);
    rnnscan_npz_close(npz);
}

Test(npz, open_failures)
{
    rnnscan_npz *npz = (rnnscan_npz *)1;
    const char *path = FIXTURE("no-such.npz");
    assert_fails(rnnscan_npz_open(path, &npz), RNNSCAN_IO_ERROR, "No such file or directory");
    cr_assert(strstr(rnnscan_last_error(), path) != NULL);
    cr_assert_eq(npz, NULL);
    assert_fails(rnnscan_npz_open(FIXTURE_DIR, &npz), RNNSCAN_IO_ERROR, "Is a directory");
    assert_fails(rnnscan_npz_open(FIXTURE("f4_v1.npy"), &npz), RNNSCAN_FORMAT_ERROR,
                 "f4_v1.npy: not a readable zip archive: Not a zip archive");
    assert_fails(rnnscan_npz_open_buffer("hello", 5, &npz), RNNSCAN_FORMAT_ERROR,
                 "npz buffer: not a readable zip archive: Not a zip archive");
    assert_fails(rnnscan_npz_open_buffer("", 0, &npz), RNNSCAN_FORMAT_ERROR, "Not a zip");
    assert_fails(rnnscan_npz_open_buffer(NULL, 3, &npz), RNNSCAN_INVALID_ARGUMENT,
                 "data is NULL");
    assert_fails(rnnscan_npz_open(NULL, &npz), RNNSCAN_INVALID_ARGUMENT, "path is NULL");
    assert_fails(rnnscan_npz_open(path, NULL), RNNSCAN_INVALID_ARGUMENT, "out is NULL");
    char *dir = temp_dir();
    char *empty = spill(dir, "empty.npz", "", 0);
    assert_fails(rnnscan_npz_open(empty, &npz), RNNSCAN_FORMAT_ERROR,
                 "empty.npz: not a readable zip archive: Not a zip archive (0 bytes)");
    free(empty);
    remove_dir(dir);
    cr_assert_eq(rnnscan_npz_count(NULL), 0);
    cr_assert_eq(rnnscan_npz_name(NULL, 0), NULL);
    rnnscan_npz_close(NULL);
}

/* Opens the bytes and reads every member: the first failure's status (OK if
 * none); ASan and the exact-size copy catch any read outside them. */
static rnnscan_status open_and_read_all(const unsigned char *bytes, size_t size)
{
    unsigned char *copy = malloc(size ? size : 1);
    memcpy(copy, bytes, size);
    rnnscan_npz *npz;
    rnnscan_status st = rnnscan_npz_open_buffer(copy, size, &npz);
    free(copy);
    for (int i = 0; st == RNNSCAN_OK && i < rnnscan_npz_count(npz); i++) {
        rnnscan_array a = {0};
        rnnscan_int_array ia = {0};
        st = rnnscan_npz_get(npz, rnnscan_npz_name(npz, i), &a);
        if (st == RNNSCAN_FORMAT_ERROR && strstr(rnnscan_last_error(), "dtype '"))
            st = rnnscan_npz_get_int(npz, rnnscan_npz_name(npz, i), &ia);
        rnnscan_array_free(&a);
        rnnscan_int_array_free(&ia);
    }
    rnnscan_npz_close(npz);
    return st;
}

Test(npz, truncated_archives)
{
    static const char *const files[] = {FIXTURE("savez.npz"), FIXTURE("savez_compressed.npz")};
    for (int f = 0; f < 2; f++) {
        size_t size;
        unsigned char *bytes = slurp(files[f], &size);
        cr_assert_eq(open_and_read_all(bytes, size), RNNSCAN_OK, "%s", rnnscan_last_error());
        for (size_t len = 0; len < size; len++) {
            rnnscan_status st = open_and_read_all(bytes, len);
            cr_assert_eq(st, RNNSCAN_FORMAT_ERROR, "%s cut at %zu: %s, %s", files[f], len,
                         rnnscan_status_name(st), rnnscan_last_error());
        }
        free(bytes);
    }
}

/* Offset of the first .npy image inside the archive bytes. */
static size_t find_npy(const unsigned char *bytes, size_t size)
{
    for (size_t i = 0; i + 6 <= size; i++)
        if (memcmp(bytes + i, "\x93NUMPY", 6) == 0)
            return i;
    cr_assert_fail("no .npy image inside");
    return 0;
}

Test(npz, damaged_member_data_fails_its_crc)
{
    size_t size;
    unsigned char *bytes = slurp(FIXTURE("savez.npz"), &size);
    bytes[find_npy(bytes, size) + 150] ^= 0x40; /* inside m23's float data */
    rnnscan_npz *npz;
    assert_ok(rnnscan_npz_open_buffer(bytes, size, &npz));
    rnnscan_array a;
    assert_fails(rnnscan_npz_get(npz, "m23", &a), RNNSCAN_FORMAT_ERROR,
                 "npz member 'm23.npy': cannot read: CRC error");
    assert_lengths(npz); /* the other members still read */
    rnnscan_npz_close(npz);
    free(bytes);

    bytes = slurp(FIXTURE("savez_compressed.npz"), &size);
    bytes[60] ^= 0xff; /* inside t234's deflate stream (local header: 30 + 8 + 20) */
    assert_ok(rnnscan_npz_open_buffer(bytes, size, &npz));
    assert_fails(rnnscan_npz_get(npz, "t234", &a), RNNSCAN_FORMAT_ERROR,
                 "npz member 't234.npy': cannot read: ");
    rnnscan_npz_close(npz);
    free(bytes);
}

Test(npz, damaged_directory)
{
    size_t size;
    unsigned char *bytes = slurp(FIXTURE("savez.npz"), &size);
    /* the end record's directory offset points past the end */
    size_t eocd = size - 22;
    cr_assert(memcmp(bytes + eocd, "PK\x05\x06", 4) == 0);
    bytes[eocd + 16] = 0xf0;
    rnnscan_npz *npz;
    assert_fails(rnnscan_npz_open_buffer(bytes, size, &npz), RNNSCAN_FORMAT_ERROR,
                 "npz buffer: not a readable zip archive: ");
    free(bytes);
}

Test(npz, write_read_round_trip_stored)
{
    char *dir = temp_dir();
    float v[6] = {0.5f, -1, 2, 1e-30f, 3, 4};
    rnnscan_array arrays[3] = {{.ndim = 2, .shape = {2, 3}, .data = v},
                               {.ndim = 0, .data = v + 5},
                               {.ndim = 1, .shape = {0}, .data = NULL}};
    const char *names[3] = {"weight_ih_l0", "scalar", "empty"};
    char *path = write_npz(dir, "out.npz", 3, names, arrays);
    cr_assert_eq(count_entries(dir), 1, "a temporary file was left behind");

    rnnscan_npz *npz;
    assert_ok(rnnscan_npz_open(path, &npz));
    cr_assert_eq(rnnscan_npz_count(npz), 3);
    for (int i = 0; i < 3; i++) {
        cr_assert_str_eq(rnnscan_npz_name(npz, i), names[i]);
        rnnscan_array a;
        assert_ok(rnnscan_npz_get(npz, names[i], &a));
        cr_assert_eq(a.ndim, arrays[i].ndim);
        size_t n = rnnscan_array_elems(&a);
        cr_assert_eq(n, rnnscan_array_elems(&arrays[i]));
        cr_assert(n == 0 || memcmp(a.data, arrays[i].data, n * 4) == 0);
        rnnscan_array_free(&a);
    }
    rnnscan_npz_close(npz);

    /* members are stored, as np.savez writes them */
    int err;
    zip_t *z = zip_open(path, ZIP_RDONLY, &err);
    cr_assert(z);
    for (zip_int64_t i = 0; i < zip_get_num_entries(z, 0); i++) {
        zip_stat_t st;
        cr_assert_eq(zip_stat_index(z, (zip_uint64_t)i, 0, &st), 0);
        cr_assert_eq(st.comp_method, ZIP_CM_STORE, "%s", st.name);
    }
    zip_discard(z);
    free(path);
    remove_dir(dir);
}

Test(npz, write_empty_archive)
{
    char *dir = temp_dir();
    char *path = write_npz(dir, "empty.npz", 0, NULL, NULL);
    rnnscan_npz *npz;
    assert_ok(rnnscan_npz_open(path, &npz));
    cr_assert_eq(rnnscan_npz_count(npz), 0);
    rnnscan_array a;
    assert_fails(rnnscan_npz_get(npz, "x", &a), RNNSCAN_FORMAT_ERROR,
                 "npz member 'x' not found (members: none)");
    rnnscan_npz_close(npz);
    free(path);
    remove_dir(dir);
}

Test(npz, write_failures_leave_nothing)
{
    char *dir = temp_dir();
    char *path = join(dir, "x.npz");
    float v[2] = {1, 2};
    rnnscan_array arrays[2] = {{.ndim = 1, .shape = {2}, .data = v},
                               {.ndim = 1, .shape = {2}, .data = v}};
    const char *twice[2] = {"a", "a"};
    assert_fails(rnnscan_npz_write(path, 2, twice, arrays), RNNSCAN_INVALID_ARGUMENT,
                 "name 'a' is given twice");
    const char *names[2] = {"a", "b"};
    arrays[1].ndim = -1;
    assert_fails(rnnscan_npz_write(path, 2, names, arrays), RNNSCAN_INVALID_ARGUMENT,
                 "arrays[1]: ndim = -1");
    arrays[1].ndim = 1;
    const char *empty[2] = {"a", ""};
    assert_fails(rnnscan_npz_write(path, 2, empty, arrays), RNNSCAN_INVALID_ARGUMENT,
                 "names[1] is empty");
    assert_fails(rnnscan_npz_write(path, 2, NULL, arrays), RNNSCAN_INVALID_ARGUMENT,
                 "names NULL");
    assert_fails(rnnscan_npz_write(path, -1, names, arrays), RNNSCAN_INVALID_ARGUMENT,
                 "count = -1");
    assert_fails(rnnscan_npz_write(NULL, 2, names, arrays), RNNSCAN_INVALID_ARGUMENT,
                 "path is NULL");
    cr_assert_eq(count_entries(dir), 0);
    char *deep = join(dir, "no/such/dir.npz");
    assert_fails(rnnscan_npz_write(deep, 2, names, arrays), RNNSCAN_IO_ERROR,
                 "No such file or directory");
    cr_assert_eq(count_entries(dir), 0);
    free(deep);
    free(path);
    remove_dir(dir);
}
