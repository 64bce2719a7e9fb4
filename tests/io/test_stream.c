/* Streaming files: rnnscan_npy_reader slices equal the whole-file reader's
 * values for every dtype and version; rnnscan_npz_writer archives read back
 * through rnnscan_npz_open (numpy's side: check_numpy_reads.py); every
 * misuse is an error naming it, and nothing is left behind on failure. */
#include <stdint.h>
#include <stdlib.h>
#include <zip.h>

#include "io_test.h"

/* Every slice [first, first + n) read from `r` (closed here) equals `whole`
 * (freed here).  The slices go forwards and backwards, so a deflated member
 * is restarted many times. */
static void expect_slices_of(rnnscan_npy_reader *r, rnnscan_array *whole, const char *name)
{
    size_t shape[RNNSCAN_MAX_DIMS];
    cr_assert_eq(rnnscan_npy_reader_shape(r, shape), whole->ndim, "%s: ndim", name);
    for (int i = 0; i < whole->ndim; i++)
        cr_expect_eq(shape[i], whole->shape[i], "%s: dim %d", name, i);
    const size_t n = rnnscan_array_elems(whole);
    float *got = malloc((n ? n : 1) * sizeof *got);
    for (size_t first = 0; first <= n; first++)
        for (size_t count = 0; first + count <= n; count++) {
            for (size_t k = 0; k < count; k++)
                got[k] = -12345.0f;
            assert_ok(rnnscan_npy_reader_read(r, first, count, got));
            cr_assert(count == 0 || !memcmp(got, whole->data + first, count * sizeof *got),
                      "%s: slice [%zu, +%zu) differs", name, first, count);
        }
    free(got);
    rnnscan_npy_reader_close(r);
    rnnscan_array_free(whole);
}

static void expect_slices(const char *name)
{
    rnnscan_array whole = {0};
    char *path = join(FIXTURE_DIR, name);
    assert_ok(rnnscan_npy_read(path, &whole));
    rnnscan_npy_reader *r = NULL;
    assert_ok(rnnscan_npy_reader_open(path, &r));
    free(path);
    expect_slices_of(r, &whole, name);
}

Test(stream, npy_reader_slices_match_whole_reads)
{
    const char *files[] = {"f4_v1.npy", "f4_v2.npy", "f4_v3.npy", "f4_be.npy", "f8_le.npy",
                           "f8_be.npy", "f4_3d.npy", "f4_0d.npy", "f4_empty.npy"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        expect_slices(files[i]);
}

/* The same through .npz members: stored (np.savez) and deflated
 * (np.savez_compressed), float32 and big-endian float64, against the
 * whole-archive reader's values. */
Test(stream, npz_member_slices_match_whole_reads)
{
    const struct {
        const char *file, *member;
    } cases[] = {{"savez.npz", "m23"},
                 {"savez.npz", "scalar.npy"},
                 {"savez_compressed.npz", "t234"},
                 {"savez_compressed.npz", "m23_be"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *path = join(FIXTURE_DIR, cases[i].file);
        rnnscan_npz *npz = NULL;
        rnnscan_array whole = {0};
        assert_ok(rnnscan_npz_open(path, &npz));
        assert_ok(rnnscan_npz_get(npz, cases[i].member, &whole));
        rnnscan_npz_close(npz);
        rnnscan_npy_reader *r = NULL;
        assert_ok(rnnscan_npy_reader_open_npz(path, cases[i].member, &r));
        free(path);
        expect_slices_of(r, &whole, cases[i].member);
    }
}

/* A large deflated member read in increasing slices, as `rnnscan run`
 * reads a batch-first input, then one slice going back. */
Test(stream, npz_member_deflated_large)
{
    enum { N = 300000 };
    float *v = malloc(N * sizeof *v), *got = malloc(N * sizeof *got);
    for (int i = 0; i < N; i++)
        v[i] = (float)i * 0.25f - 7.0f;
    const rnnscan_array a = {.data = v, .ndim = 2, .shape = {N / 100, 100}};
    char *dir = temp_dir(), *npy = join(dir, "v.npy"), *npz = join(dir, "v.npz");
    assert_ok(rnnscan_npy_write(npy, &a));
    size_t size;
    unsigned char *img = slurp(npy, &size);
    int code = 0;
    zip_t *z = zip_open(npz, ZIP_CREATE | ZIP_EXCL, &code);
    cr_assert_not_null(z, "zip_open: %d", code);
    zip_source_t *src = zip_source_buffer(z, img, size, 0);
    const zip_int64_t idx = zip_file_add(z, "v.npy", src, 0);
    cr_assert(idx >= 0 && zip_set_file_compression(z, (zip_uint64_t)idx, ZIP_CM_DEFLATE, 6) == 0);
    cr_assert_eq(zip_close(z), 0);
    rnnscan_npy_reader *r = NULL;
    assert_ok(rnnscan_npy_reader_open_npz(npz, NULL, &r));
    for (size_t first = 0; first < N; first += 7000) {
        const size_t n = first + 7000 <= N ? 7000 : N - first;
        assert_ok(rnnscan_npy_reader_read(r, first, n, got + first));
    }
    cr_assert(!memcmp(got, v, N * sizeof *v), "increasing slices differ");
    assert_ok(rnnscan_npy_reader_read(r, 12345, 10, got));
    cr_assert(!memcmp(got, v + 12345, 10 * sizeof *v), "a slice going back differs");
    rnnscan_npy_reader_close(r);
    free(img);
    free(npy);
    free(npz);
    free(v);
    free(got);
    remove_dir(dir);
}

Test(stream, npz_member_errors)
{
    rnnscan_npy_reader *r = (rnnscan_npy_reader *)&r;
    assert_fails(rnnscan_npy_reader_open_npz(FIXTURE("savez.npz"), NULL, &r),
                 RNNSCAN_INVALID_ARGUMENT, "holds 3 arrays (m23, lengths, scalar)");
    cr_assert_null(r);
    assert_fails(rnnscan_npy_reader_open_npz(FIXTURE("savez.npz"), "x", &r), RNNSCAN_FORMAT_ERROR,
                 "npz member 'x' not found (members: m23, lengths, scalar)");
    assert_fails(rnnscan_npy_reader_open_npz(FIXTURE("savez.npz"), "lengths", &r),
                 RNNSCAN_FORMAT_ERROR, "savez.npz:lengths.npy': unsupported dtype '<i4'");
    assert_fails(rnnscan_npy_reader_open_npz(FIXTURE("f4_v1.npy"), NULL, &r),
                 RNNSCAN_FORMAT_ERROR, "f4_v1.npy");
    assert_fails(rnnscan_npy_reader_open_npz(FIXTURE("no_such.npz"), NULL, &r), RNNSCAN_IO_ERROR,
                 "no_such.npz");
    assert_fails(rnnscan_npy_reader_open_npz(FIXTURE("not_npy_member.npz"), "readme.txt", &r),
                 RNNSCAN_FORMAT_ERROR, "");
    assert_fails(rnnscan_npy_reader_open_npz(NULL, NULL, &r), RNNSCAN_INVALID_ARGUMENT,
                 "path is NULL");
    cr_assert_null(r);
}

Test(stream, npy_reader_errors)
{
    rnnscan_npy_reader *r = (rnnscan_npy_reader *)&r;
    assert_fails(rnnscan_npy_reader_open(FIXTURE("no_such.npy"), &r), RNNSCAN_IO_ERROR,
                 "no_such.npy");
    cr_assert_null(r);
    assert_fails(rnnscan_npy_reader_open(FIXTURE("i4_le.npy"), &r), RNNSCAN_FORMAT_ERROR,
                 "unsupported dtype '<i4'");
    assert_fails(rnnscan_npy_reader_open(FIXTURE("object.npy"), &r), RNNSCAN_FORMAT_ERROR,
                 "dtype");
    assert_fails(rnnscan_npy_reader_open(FIXTURE("savez.npz"), &r), RNNSCAN_FORMAT_ERROR, "");
    assert_fails(rnnscan_npy_reader_open(NULL, &r), RNNSCAN_INVALID_ARGUMENT, "path is NULL");
    assert_ok(rnnscan_npy_reader_open(FIXTURE("f4_fortran.npy"), &r));
    float v[4];
    assert_fails(rnnscan_npy_reader_read(r, 0, 1, v), RNNSCAN_NOT_SUPPORTED, "Fortran order");
    rnnscan_npy_reader_close(r);
    assert_ok(rnnscan_npy_reader_open(FIXTURE("f4_v1.npy"), &r));
    size_t shape[RNNSCAN_MAX_DIMS], n = 1;
    for (int i = rnnscan_npy_reader_shape(r, shape) - 1; i >= 0; i--)
        n *= shape[i];
    assert_ok(rnnscan_npy_reader_read(r, n - 1, 1, v));
    assert_fails(rnnscan_npy_reader_read(r, n, 1, v), RNNSCAN_INVALID_ARGUMENT, "outside");
    assert_fails(rnnscan_npy_reader_read(r, 1, SIZE_MAX, v), RNNSCAN_INVALID_ARGUMENT,
                 "outside");
    assert_fails(rnnscan_npy_reader_read(r, 0, 1, NULL), RNNSCAN_INVALID_ARGUMENT,
                 "dst is NULL");
    rnnscan_npy_reader_close(r);
    rnnscan_npy_reader_close(NULL);
    /* a header promising more data than the file holds */
    char *dir = temp_dir();
    size_t size;
    float four[4] = {1, 2, 3, 4};
    unsigned char *img =
        make_npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }", four,
                 sizeof four, &size);
    char *path = spill(dir, "short.npy", img, size);
    assert_fails(rnnscan_npy_reader_open(path, &r), RNNSCAN_FORMAT_ERROR, "data truncated");
    free(path);
    free(img);
    remove_dir(dir);
}

static const char *const names[] = {"y", "h"};
static const rnnscan_array shapes[] = {{.ndim = 3, .shape = {4, 3, 2}}, {.ndim = 1, .shape = {5}}};

Test(stream, npz_writer_round_trip)
{
    char *dir = temp_dir(), *path = join(dir, "out.npz");
    rnnscan_npz_writer *w = NULL;
    assert_ok(rnnscan_npz_writer_create(path, 2, names, shapes, &w));
    cr_expect_eq(count_entries(dir), 1, "only the temporary file until finish");
    float y[24];
    for (int i = 0; i < 24; i++)
        y[i] = (float)i * 0.5f - 3.0f;
    for (int piece = 3; piece >= 0; piece--) /* back to front, 6 values at a time */
        assert_ok(rnnscan_npz_writer_put(w, 0, (size_t)piece * 6, y + piece * 6, 6));
    const float h2 = 9.0f;
    assert_ok(rnnscan_npz_writer_put(w, 1, 2, &h2, 1));
    assert_ok(rnnscan_npz_writer_finish(w));
    cr_expect_eq(count_entries(dir), 1, "the archive, no temporary file");
    rnnscan_npz *npz = NULL;
    assert_ok(rnnscan_npz_open(path, &npz));
    rnnscan_array a = {0}, b = {0};
    assert_ok(rnnscan_npz_get(npz, "y", &a));
    assert_ok(rnnscan_npz_get(npz, "h", &b));
    cr_expect(a.ndim == 3 && a.shape[0] == 4 && a.shape[1] == 3 && a.shape[2] == 2);
    cr_expect(!memcmp(a.data, y, sizeof y));
    const float h_want[5] = {0, 0, 9, 0, 0};
    cr_expect(b.ndim == 1 && b.shape[0] == 5 && !memcmp(b.data, h_want, sizeof h_want));
    rnnscan_array_free(&a);
    rnnscan_array_free(&b);
    rnnscan_npz_close(npz);
    free(path);
    remove_dir(dir);
}

Test(stream, npz_writer_errors_leave_nothing)
{
    char *dir = temp_dir(), *path = join(dir, "out.npz");
    rnnscan_npz_writer *w = (rnnscan_npz_writer *)&w;
    char *missing = join(dir, "no/such/dir/out.npz");
    assert_fails(rnnscan_npz_writer_create(missing, 2, names, shapes, &w), RNNSCAN_IO_ERROR,
                 "cannot create a temporary file");
    cr_assert_null(w);
    free(missing);
    const char *twice[] = {"y", "y"};
    assert_fails(rnnscan_npz_writer_create(path, 2, twice, shapes, &w), RNNSCAN_INVALID_ARGUMENT,
                 "'y' is given twice");
    assert_fails(rnnscan_npz_writer_create(path, 0, names, shapes, &w), RNNSCAN_INVALID_ARGUMENT,
                 "count = 0");
    assert_ok(rnnscan_npz_writer_create(path, 2, names, shapes, &w));
    float v[30] = {0};
    assert_fails(rnnscan_npz_writer_put(w, 0, 20, v, 5), RNNSCAN_INVALID_ARGUMENT,
                 "outside y.npy's 24");
    assert_fails(rnnscan_npz_writer_put(w, 2, 0, v, 1), RNNSCAN_INVALID_ARGUMENT, "member 2");
    rnnscan_npz_writer_abort(w);
    cr_expect_eq(count_entries(dir), 0, "abort removes the temporary file");
    rnnscan_npz_writer_abort(NULL);
    assert_fails(rnnscan_npz_writer_attach(path, 2, names, shapes, &w), RNNSCAN_IO_ERROR,
                 "cannot open");
    free(path);
    remove_dir(dir);
}
