/* Array layouts of `rnnscan run --onnx` (see onnx_layout.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx_layout.h"

/* [n0][n1][w] -> [n1][n0][w] in a new buffer replacing a->data; 0 when out
 * of memory. */
static int swap_outer(rnnscan_array *a, size_t n0, size_t n1, size_t w)
{
    const size_t n = n0 * n1 * w;
    float *t = malloc((n ? n : 1) * sizeof *t);
    if (!t)
        return 0;
    for (size_t i = 0; i < n0; i++)
        for (size_t j = 0; j < n1; j++)
            memcpy(t + (j * n0 + i) * w, a->data + (i * n1 + j) * w, w * sizeof *t);
    free(a->data);
    a->data = t;
    return 1;
}

int onnx_state_in(const char *name, rnnscan_array *a, int layout, size_t D, size_t B, size_t H)
{
    const size_t d0 = layout ? B : D, d1 = layout ? D : B;
    if (a->ndim != 3 || a->shape[0] != d0 || a->shape[1] != d1 || a->shape[2] != H) {
        fprintf(stderr, "rnnscan run: %s: expected shape (%zu, %zu, %zu) (%s, as the node's "
                "layout %d says)\n", name, d0, d1, H, layout ? "B, D, H" : "D, B, H", layout);
        return 0;
    }
    if (layout && !swap_outer(a, B, D, H)) {
        fprintf(stderr, "rnnscan run: out of memory for %s\n", name);
        return 0;
    }
    a->shape[0] = D, a->shape[1] = B;
    return 1;
}

int onnx_outputs(rnnscan_array *y, rnnscan_array *h_n, rnnscan_array *c_n, int layout, size_t T,
                 size_t B, size_t D, size_t H)
{
    /* layout 1: y [B][T][D*H] is Y [B][T][D][H] already; layout 0: y
     * [T][B][D][H] -> Y [T][D][B][H], each step's [B][D] swapped */
    if (!layout) {
        const size_t n = T * B * D * H;
        float *t = malloc((n ? n : 1) * sizeof *t);
        if (!t)
            return 0;
        for (size_t s = 0; s < T; s++)
            for (size_t b = 0; b < B; b++)
                for (size_t d = 0; d < D; d++)
                    memcpy(t + ((s * D + d) * B + b) * H, y->data + ((s * B + b) * D + d) * H,
                           H * sizeof *t);
        free(y->data);
        y->data = t;
    }
    y->ndim = 4;
    y->shape[0] = layout ? B : T, y->shape[1] = layout ? T : D;
    y->shape[2] = layout ? D : B, y->shape[3] = H;
    rnnscan_array *states[2] = {h_n, c_n};
    for (int k = 0; k < 2; k++) {
        if (!states[k] || !states[k]->data)
            continue;
        if (layout && !swap_outer(states[k], D, B, H))
            return 0;
        states[k]->shape[0] = layout ? B : D, states[k]->shape[1] = layout ? D : B;
    }
    return 1;
}
