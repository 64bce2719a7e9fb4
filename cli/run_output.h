/* `rnnscan run`: where a chunk of sequences' outputs go in the output file
 * (cli/run_output.c), for PyTorch's names and shapes or an ONNX node's. */
#ifndef RNNSCAN_CLI_RUN_OUTPUT_H
#define RNNSCAN_CLI_RUN_OUTPUT_H

#include <stddef.h>

#include "rnnscan.h"

/* Returns a non-OK status from the enclosing function. */
#define RNNSCAN_TRY_CLI(expr)                    \
    do {                                         \
        rnnscan_status try_status_ = (expr);     \
        if (try_status_ != RNNSCAN_OK)           \
            return try_status_;                  \
    } while (0)

typedef struct out_layout {
    int onnx;        /* ONNX's Y, Y_h, Y_c; else PyTorch's output, h_n, c_n */
    int batch_first; /* PyTorch's batch_first, or the node's layout = 1 */
    int lstm;        /* a cell state: c_n / Y_c */
    size_t T, B, D, S, H, LD; /* LD = layers * D; S the width of h (proj_size or H) */
} out_layout;

/* The members' names and shapes (data NULL); returns their count (2 or 3). */
int out_members(const out_layout *l, const char *names[3], rnnscan_array shapes[3]);

/* Floats of scratch out_put_chunk needs for a chunk of n sequences. */
size_t out_scratch_floats(const out_layout *l, size_t n);

/* A chunk of sequences b0 .. b0+n-1, computed as rnnscan lays them out (y
 * [T][n][D*S] or, batch_first, [n][T][D*S]; h_n [LD][n][S]; c_n [LD][n][H]
 * or NULL), into the writer's members at their places.  tmp: scratch. */
rnnscan_status out_put_chunk(rnnscan_npz_writer *w, const out_layout *l, size_t b0, size_t n,
                             const float *y, const float *h_n, const float *c_n, float *tmp);

#endif
