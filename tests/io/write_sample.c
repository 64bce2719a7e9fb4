/* Writes sample .npy / .npz files with rnnscan into the directory given, for
 * check_numpy_reads.py to load with numpy.  The values are listed there too. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "rnnscan.h"

static int write_npy(const char *dir, const char *name, const rnnscan_array *a)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    rnnscan_status st = rnnscan_npy_write(path, a);
    if (st != RNNSCAN_OK)
        fprintf(stderr, "write_sample: %s: %s\n", rnnscan_status_name(st), rnnscan_last_error());
    return st == RNNSCAN_OK;
}

/* streamed.npz through rnnscan_npz_writer: "ramp" (2, 3, 4) written in
 * pieces out of order from this writer and an attached one, "m23" whole,
 * "gap" (5,) with elements 1..3 never written (zeros). */
static int write_streamed(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/streamed.npz", dir);
    const char *names[] = {"ramp", "m23", "gap"};
    const rnnscan_array shapes[] = {{.ndim = 3, .shape = {2, 3, 4}},
                                    {.ndim = 2, .shape = {2, 3}},
                                    {.ndim = 1, .shape = {5}}};
    float ramp[24], m23[6] = {0.1f, -2.5f, 3.4028235e38f, 1e-45f, -0.0f, INFINITY};
    for (int i = 0; i < 24; i++)
        ramp[i] = (float)i / 8.0f - 1.0f;
    const float ends[2] = {7.0f, -7.0f};
    rnnscan_npz_writer *w = NULL, *second = NULL;
    rnnscan_status st = rnnscan_npz_writer_create(path, 3, names, shapes, &w);
    if (st == RNNSCAN_OK)
        st = rnnscan_npz_writer_attach(rnnscan_npz_writer_temp_path(w), 3, names, shapes, &second);
    if (st == RNNSCAN_OK)
        st = rnnscan_npz_writer_put(w, 0, 12, ramp + 12, 12);
    if (st == RNNSCAN_OK)
        st = rnnscan_npz_writer_put(second, 1, 0, m23, 6);
    if (st == RNNSCAN_OK)
        st = rnnscan_npz_writer_put(second, 0, 0, ramp, 12);
    if (st == RNNSCAN_OK)
        st = rnnscan_npz_writer_put(w, 2, 4, ends + 1, 1);
    if (st == RNNSCAN_OK)
        st = rnnscan_npz_writer_put(w, 2, 0, ends, 1);
    if (st == RNNSCAN_OK && second)
        st = rnnscan_npz_writer_finish(second);
    else
        rnnscan_npz_writer_abort(second);
    if (st == RNNSCAN_OK)
        st = rnnscan_npz_writer_finish(w);
    else
        rnnscan_npz_writer_abort(w);
    if (st != RNNSCAN_OK)
        fprintf(stderr, "write_sample: streamed: %s: %s\n", rnnscan_status_name(st),
                rnnscan_last_error());
    return st == RNNSCAN_OK;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: write_sample DIR\n");
        return 2;
    }
    const char *dir = argv[1];
    float m23[6] = {0.1f, -2.5f, 3.4028235e38f, 1e-45f, -0.0f, INFINITY};
    float ramp[2 * 3 * 4];
    for (int i = 0; i < 24; i++)
        ramp[i] = (float)i / 8.0f - 1.0f;
    float scalar = 42.5f, nan_value = NAN;
    rnnscan_array a23 = {.ndim = 2, .shape = {2, 3}, .data = m23};
    rnnscan_array a234 = {.ndim = 3, .shape = {2, 3, 4}, .data = ramp};
    rnnscan_array a0 = {.ndim = 0, .data = &scalar};
    rnnscan_array anan = {.ndim = 1, .shape = {1}, .data = &nan_value};
    rnnscan_array empty = {.ndim = 2, .shape = {0, 5}, .data = NULL};
    rnnscan_array eight = {.ndim = 8, .shape = {1, 2, 1, 3, 1, 1, 4, 1}, .data = ramp};
    int ok = write_npy(dir, "m23.npy", &a23) && write_npy(dir, "ramp.npy", &a234) &&
             write_npy(dir, "scalar.npy", &a0) && write_npy(dir, "nan.npy", &anan) &&
             write_npy(dir, "empty.npy", &empty) && write_npy(dir, "eight.npy", &eight);

    const char *names[] = {"weight_ih_l0", "scalar", "empty", "ramp"};
    rnnscan_array arrays[] = {a23, a0, empty, a234};
    char path[4096];
    snprintf(path, sizeof path, "%s/sample.npz", dir);
    rnnscan_status st = rnnscan_npz_write(path, 4, names, arrays);
    if (st != RNNSCAN_OK)
        fprintf(stderr, "write_sample: %s: %s\n", rnnscan_status_name(st), rnnscan_last_error());
    snprintf(path, sizeof path, "%s/nothing.npz", dir);
    rnnscan_status st0 = rnnscan_npz_write(path, 0, NULL, NULL);
    if (st0 != RNNSCAN_OK)
        fprintf(stderr, "write_sample: %s: %s\n", rnnscan_status_name(st0), rnnscan_last_error());
    return ok && st == RNNSCAN_OK && st0 == RNNSCAN_OK && write_streamed(dir) ? 0 : 1;
}
