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
