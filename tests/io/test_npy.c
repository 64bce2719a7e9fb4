/* .npy files numpy wrote, hand-made headers in every allowed spelling, and
 * rnnscan's own files read back. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io_test.h"

/* The fixtures' 2x3 values: v[i][j] = i - j / 4 - 0.5 */
static float m23(size_t i, size_t j) { return (float)i - (float)j / 4.0f - 0.5f; }

static void assert_m23(const rnnscan_array *a)
{
    cr_assert_eq(a->ndim, 2);
    cr_assert_eq(a->shape[0], 2);
    cr_assert_eq(a->shape[1], 3);
    cr_assert_eq(rnnscan_array_elems(a), 6);
    for (size_t i = 0; i < 2; i++)
        for (size_t j = 0; j < 3; j++)
            cr_assert_eq(a->data[i * 3 + j], m23(i, j), "[%zu][%zu] = %g, expected %g", i, j,
                         a->data[i * 3 + j], m23(i, j));
}

/* The 2x3x4 fixtures: 100 i + 10 j + k */
static void assert_t234(const rnnscan_array *a)
{
    cr_assert_eq(a->ndim, 3);
    cr_assert(a->shape[0] == 2 && a->shape[1] == 3 && a->shape[2] == 4);
    for (size_t i = 0; i < 2; i++)
        for (size_t j = 0; j < 3; j++)
            for (size_t k = 0; k < 4; k++)
                cr_assert_eq(a->data[(i * 3 + j) * 4 + k], (float)(100 * i + 10 * j + k),
                             "[%zu][%zu][%zu]", i, j, k);
}

Test(npy, numpy_float_files_all_versions_dtypes_and_orders)
{
    static const char *const files[] = {"f4_v1.npy", "f4_v2.npy",  "f4_v3.npy",     "f4_be.npy",
                                        "f8_le.npy", "f8_be.npy", "f4_fortran.npy"};
    char path[512];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", FIXTURE_DIR, files[i]);
        rnnscan_array a;
        assert_ok(rnnscan_npy_read(path, &a));
        assert_m23(&a);
        rnnscan_array_free(&a);
        cr_assert_eq(a.data, NULL);
        cr_assert_eq(a.ndim, 0);
    }
}

Test(npy, three_d_c_order_and_big_endian_f8_fortran)
{
    rnnscan_array a;
    assert_ok(rnnscan_npy_read(FIXTURE("f4_3d.npy"), &a));
    assert_t234(&a);
    rnnscan_array_free(&a);
    assert_ok(rnnscan_npy_read(FIXTURE("f8_be_fortran_3d.npy"), &a));
    assert_t234(&a);
    rnnscan_array_free(&a);
}

Test(npy, zero_d_and_empty)
{
    rnnscan_array a;
    assert_ok(rnnscan_npy_read(FIXTURE("f4_0d.npy"), &a));
    cr_assert_eq(a.ndim, 0);
    cr_assert_eq(rnnscan_array_elems(&a), 1);
    cr_assert_eq(a.data[0], -2.5f);
    rnnscan_array_free(&a);

    assert_ok(rnnscan_npy_read(FIXTURE("f4_empty.npy"), &a));
    cr_assert_eq(a.ndim, 2);
    cr_assert(a.shape[0] == 0 && a.shape[1] == 3);
    cr_assert_eq(rnnscan_array_elems(&a), 0);
    cr_assert_neq(a.data, NULL, "data is never NULL on success");
    rnnscan_array_free(&a);
}

Test(npy, integer_files)
{
    static const int want[] = {5, 3, 0, -7, INT_MAX, INT_MIN};
    static const char *const files[] = {FIXTURE("i4_le.npy"), FIXTURE("i8_be.npy")};
    for (int f = 0; f < 2; f++) {
        rnnscan_int_array a;
        assert_ok(rnnscan_npy_read_int(files[f], &a));
        cr_assert_eq(a.ndim, 1);
        cr_assert_eq(a.shape[0], 6);
        for (int i = 0; i < 6; i++)
            cr_assert_eq(a.data[i], want[i], "%s [%d]", files[f], i);
        rnnscan_int_array_free(&a);
        cr_assert_eq(a.data, NULL);
    }
}

/* One 2x3 '<f4' image with the given header, checked against m23. */
static void assert_header_reads(const char *header, int major)
{
    float data[6];
    for (int i = 0; i < 6; i++)
        data[i] = m23((size_t)i / 3, (size_t)i % 3);
    size_t size;
    unsigned char *img = make_npy(major, header, data, sizeof data, &size);
    rnnscan_array a;
    rnnscan_status st = rnnscan_npy_parse(img, size, &a);
    cr_assert_eq(st, RNNSCAN_OK, "header %s: %s", header, rnnscan_last_error());
    assert_m23(&a);
    rnnscan_array_free(&a);
    free(img);
}

Test(npy, header_spellings)
{
    /* (all on a little-endian host, where '=' and '|' mean '<') */
    static const char *const headers[] = {
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n",
        "{'shape': (2, 3), 'fortran_order': False, 'descr': '<f4'}",
        "{\"fortran_order\": False, \"descr\": \"<f4\", \"shape\": (2,3,)}",
        "{ 'descr' : '=f4' ,\t'fortran_order':False,'shape':( 2L , 3L ) }   \n",
        "{'descr': '|f4', 'fortran_order': False, 'shape': (2, 3)}\r\n  ",
    };
    uint16_t one = 1;
    int little = *(unsigned char *)&one == 1;
    for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++)
        if (little || (!strchr(headers[i], '=') && !strchr(headers[i], '|')))
            for (int major = 1; major <= 3; major++)
                assert_header_reads(headers[i], major);
}

Test(npy, fortran_order_one_d_is_plain)
{
    float data[3] = {1, 2, 3};
    size_t size;
    unsigned char *img =
        make_npy(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (3,)}", data, 12, &size);
    rnnscan_array a;
    assert_ok(rnnscan_npy_parse(img, size, &a));
    cr_assert(a.ndim == 1 && a.data[0] == 1 && a.data[1] == 2 && a.data[2] == 3);
    rnnscan_array_free(&a);
    free(img);
}

Test(npy, trailing_bytes_are_ignored_like_numpy)
{
    float data[3] = {1, 2, 3};
    size_t size;
    unsigned char *img =
        make_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}", data, 12, &size);
    rnnscan_array a;
    assert_ok(rnnscan_npy_parse(img, size, &a));
    cr_assert(a.ndim == 1 && a.shape[0] == 2 && a.data[1] == 2);
    rnnscan_array_free(&a);
    free(img);
}

Test(npy, array_helpers_accept_null_and_bad_ndim)
{
    cr_assert_eq(rnnscan_array_elems(NULL), 0);
    rnnscan_array bad = {.ndim = RNNSCAN_MAX_DIMS + 1};
    cr_assert_eq(rnnscan_array_elems(&bad), 0);
    rnnscan_array_free(NULL);
    rnnscan_int_array_free(NULL);
}

/* Writes `a`, checks the layout numpy writes, reads it back bit for bit. */
static void round_trip(const char *dir, const rnnscan_array *a)
{
    char *path = join(dir, "rt.npy");
    assert_ok(rnnscan_npy_write(path, a));
    size_t size;
    unsigned char *img = slurp(path, &size);
    size_t n = rnnscan_array_elems(a);
    cr_assert(size >= 10 && memcmp(img, "\x93NUMPY\x01\x00", 8) == 0);
    size_t data_at = 10 + (size_t)(img[8] | img[9] << 8);
    cr_assert_eq(data_at % 64, 0, "data starts at %zu", data_at);
    cr_assert_eq(img[data_at - 1], '\n');
    cr_assert_eq(size, data_at + 4 * n);
    cr_assert(strstr((char *)img + 10, "'descr': '<f4'") != NULL);
    free(img);

    rnnscan_array b;
    assert_ok(rnnscan_npy_read(path, &b));
    cr_assert_eq(b.ndim, a->ndim);
    for (int i = 0; i < a->ndim; i++)
        cr_assert_eq(b.shape[i], a->shape[i]);
    cr_assert(n == 0 || memcmp(a->data, b.data, 4 * n) == 0, "values differ");
    rnnscan_array_free(&b);
    free(path);
    cr_assert_eq(count_entries(dir), 1, "a temporary file was left behind");
}

Test(npy, write_read_round_trips)
{
    char *dir = temp_dir();
    float values[64];
    for (int i = 0; i < 64; i++)
        values[i] = (float)i * 0.37f - 9.0f;
    values[1] = NAN;
    values[2] = -INFINITY;
    values[3] = -0.0f;
    values[4] = 1e-45f; /* denormal */
    values[5] = 3.4028235e38f;
    rnnscan_array a = {.ndim = 2, .shape = {4, 16}, .data = values};
    round_trip(dir, &a);
    a = (rnnscan_array){.ndim = 0, .data = values};
    round_trip(dir, &a);
    a = (rnnscan_array){.ndim = 1, .shape = {64}, .data = values};
    round_trip(dir, &a);
    a = (rnnscan_array){.ndim = 8, .shape = {2, 2, 2, 2, 2, 2, 1, 1}, .data = values};
    round_trip(dir, &a);
    a = (rnnscan_array){.ndim = 3, .shape = {2, 0, 5}, .data = NULL};
    round_trip(dir, &a);
    remove_dir(dir);
}

Test(npy, write_replaces_an_existing_file_and_keeps_its_mode_from_umask)
{
    char *dir = temp_dir();
    char *path = spill(dir, "x.npy", "old", 3);
    float v[2] = {1, 2};
    rnnscan_array a = {.ndim = 1, .shape = {2}, .data = v};
    mode_t old = umask(022);
    assert_ok(rnnscan_npy_write(path, &a));
    umask(old);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0644, "mode %o", st.st_mode & 0777);
    rnnscan_array b;
    assert_ok(rnnscan_npy_read(path, &b));
    cr_assert(b.shape[0] == 2 && b.data[1] == 2);
    rnnscan_array_free(&b);
    cr_assert_eq(count_entries(dir), 1);
    free(path);
    remove_dir(dir);
}

Test(npy, write_failures)
{
    char *dir = temp_dir();
    float v[2] = {1, 2};
    rnnscan_array a = {.ndim = 1, .shape = {2}, .data = v};
    char *path = join(dir, "missing-subdir/x.npy");
    assert_fails(rnnscan_npy_write(path, &a), RNNSCAN_IO_ERROR, "No such file or directory");
    cr_assert(strstr(rnnscan_last_error(), path) != NULL, "%s", rnnscan_last_error());
    free(path);
    /* the target is a directory: the rename fails, the temp file goes */
    path = join(dir, "sub");
    cr_assert_eq(mkdir(path, 0755), 0);
    assert_fails(rnnscan_npy_write(path, &a), RNNSCAN_IO_ERROR, "cannot rename");
    cr_assert_eq(count_entries(dir), 1, "a temporary file was left behind");
    rmdir(path);
    free(path);

    path = join(dir, "x.npy");
    assert_fails(rnnscan_npy_write(NULL, &a), RNNSCAN_INVALID_ARGUMENT, "path is NULL");
    assert_fails(rnnscan_npy_write(path, NULL), RNNSCAN_INVALID_ARGUMENT, "array is NULL");
    rnnscan_array bad = {.ndim = 9, .data = v};
    assert_fails(rnnscan_npy_write(path, &bad), RNNSCAN_INVALID_ARGUMENT, "ndim = 9");
    bad = (rnnscan_array){.ndim = 1, .shape = {2}, .data = NULL};
    assert_fails(rnnscan_npy_write(path, &bad), RNNSCAN_INVALID_ARGUMENT, "data is NULL");
    bad = (rnnscan_array){.ndim = 2, .shape = {SIZE_MAX / 2, 3}, .data = v};
    assert_fails(rnnscan_npy_write(path, &bad), RNNSCAN_INVALID_ARGUMENT, "overflows");
    cr_assert_eq(count_entries(dir), 0);
    free(path);
    remove_dir(dir);
}

Test(npy, read_failures_name_the_path)
{
    rnnscan_array a;
    const char *path = FIXTURE("no-such-file.npy");
    assert_fails(rnnscan_npy_read(path, &a), RNNSCAN_IO_ERROR, "No such file or directory");
    cr_assert(strstr(rnnscan_last_error(), path) != NULL);
    assert_fails(rnnscan_npy_read(FIXTURE_DIR, &a), RNNSCAN_IO_ERROR, "Is a directory");
    rnnscan_int_array ia;
    assert_fails(rnnscan_npy_read_int(path, &ia), RNNSCAN_IO_ERROR, path);
    /* a format error in a file is prefixed with its path */
    assert_fails(rnnscan_npy_read(FIXTURE("object.npy"), &a), RNNSCAN_FORMAT_ERROR,
                 "object.npy: npy: unsupported dtype '|O'");
    assert_fails(rnnscan_npy_read(NULL, &a), RNNSCAN_INVALID_ARGUMENT, "path is NULL");
    assert_fails(rnnscan_npy_read(path, NULL), RNNSCAN_INVALID_ARGUMENT, "out is NULL");
}
