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
    return ok && st == RNNSCAN_OK && st0 == RNNSCAN_OK ? 0 : 1;
}
