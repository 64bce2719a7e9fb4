/* libFuzzer target: any bytes as an .npz archive: open it, read every member
 * with both readers, stream every member through rnnscan_npy_reader_open_npz
 * (slices forwards and back, which must equal the whole read wherever both
 * succeed), and load it as an LSTM (one layer, then two layers
 * bidirectional) on the reference backend. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rnnscan.h"

/* Reads [first, first + count) of member `name` and compares it with the
 * whole read `whole` (ndim < 0: none). */
static void expect_slice(rnnscan_npy_reader *r, const rnnscan_array *whole, size_t elems,
                         size_t first, size_t count)
{
    static float got[256];
    if (first > elems || count > elems - first || count > sizeof got / sizeof got[0])
        return;
    if (rnnscan_npy_reader_read(r, first, count, got) == RNNSCAN_OK && whole->data &&
        memcmp(got, whole->data + first, count * sizeof got[0]) != 0)
        abort(); /* the streamed slice differs from the whole read */
}

/* The streaming reader on the same bytes, through a file. */
static void stream_members(const uint8_t *data, size_t size, rnnscan_npz *npz)
{
    static char path[64];
    if (!*path)
        snprintf(path, sizeof path, "/tmp/fuzz_npz.%d.npz", (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, size, f) != size) {
        if (f)
            fclose(f);
        return;
    }
    fclose(f);
    for (int i = 0; i < rnnscan_npz_count(npz); i++) {
        const char *name = rnnscan_npz_name(npz, i);
        rnnscan_npy_reader *r;
        if (rnnscan_npy_reader_open_npz(path, name, &r) != RNNSCAN_OK) {
            if (r)
                abort(); /* *out must be NULL on failure */
            continue;
        }
        size_t shape[RNNSCAN_MAX_DIMS], elems = 1;
        const int ndim = rnnscan_npy_reader_shape(r, shape);
        for (int d = 0; d < ndim; d++)
            elems = shape[d] && elems > SIZE_MAX / shape[d] ? SIZE_MAX : elems * shape[d];
        rnnscan_array whole = {0};
        if (rnnscan_npz_get(npz, name, &whole) != RNNSCAN_OK || whole.ndim != ndim ||
            rnnscan_array_elems(&whole) != elems)
            rnnscan_array_free(&whole); /* nothing to compare with */
        const size_t n = elems < 256 ? elems : 256;
        expect_slice(r, &whole, elems, elems / 2, n / 2);
        expect_slice(r, &whole, elems, 0, n);
        expect_slice(r, &whole, elems, elems - n, n);
        rnnscan_array_free(&whole);
        rnnscan_npy_reader_close(r);
    }
    unlink(path);
}

static rnnscan_context *context(void)
{
    static rnnscan_context *ctx;
    if (!ctx && rnnscan_context_create(NULL, &ctx) != RNNSCAN_OK)
        abort();
    return ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rnnscan_npz *npz;
    if (rnnscan_npz_open_buffer(data, size, &npz) != RNNSCAN_OK) {
        if (npz)
            abort(); /* *out must be NULL on failure */
        return 0;
    }
    for (int i = 0; i < rnnscan_npz_count(npz); i++) {
        const char *name = rnnscan_npz_name(npz, i);
        if (!name)
            abort();
        rnnscan_array a;
        rnnscan_int_array ia;
        rnnscan_npz_get(npz, name, &a);
        rnnscan_npz_get_int(npz, name, &ia);
        rnnscan_array_free(&a);
        rnnscan_int_array_free(&ia);
    }
    stream_members(data, size, npz);
    static const rnnscan_model_desc descs[] = {
        {.cell = RNNSCAN_CELL_LSTM},
        {.cell = RNNSCAN_CELL_LSTM, .num_layers = 2, .bidirectional = 1},
    };
    for (size_t d = 0; d < sizeof descs / sizeof descs[0]; d++) {
        rnnscan_model *model;
        if (rnnscan_model_from_npz(context(), npz, &descs[d], &model) == RNNSCAN_OK)
            rnnscan_model_free(model);
        else if (model)
            abort();
    }
    rnnscan_npz_close(npz);
    return 0;
}
