/* Where a chunk's outputs go (see run_output.h).  PyTorch's arrays are
 * rnnscan's own layouts, so a chunk is T runs of n*D*S floats (time-major)
 * or one run (batch_first), and L*D runs for each state.  An ONNX node's Y
 * [T][D][B][S] (layout 0) puts each step's directions apart, so a chunk is
 * T*D runs of n*S, gathered through tmp; layout 1's Y [B][T][D][S] is the
 * batch-first y as it is, and its Y_h / Y_c [B][D][S] swap the state's two
 * outer dimensions. */
#include "run_output.h"

int out_members(const out_layout *l, const char *names[3], rnnscan_array shapes[3])
{
    const size_t outer[2] = {l->batch_first ? l->B : l->T, l->batch_first ? l->T : l->B};
    names[0] = l->onnx ? "Y" : "output";
    names[1] = l->onnx ? "Y_h" : "h_n";
    names[2] = l->onnx ? "Y_c" : "c_n";
    const size_t widths[3] = {0, l->S, l->H};
    if (l->onnx) {
        shapes[0] = (rnnscan_array){.ndim = 4,
                                    .shape = {outer[0], l->batch_first ? l->T : l->D,
                                              l->batch_first ? l->D : l->B, l->S}};
    } else {
        shapes[0] = (rnnscan_array){.ndim = 3, .shape = {outer[0], outer[1], l->D * l->S}};
    }
    for (int k = 1; k < 3; k++) {
        const int swap = l->onnx && l->batch_first; /* [B][D][S] */
        shapes[k] = (rnnscan_array){.ndim = 3,
                                    .shape = {swap ? l->B : l->LD, swap ? l->LD : l->B,
                                              widths[k]}};
    }
    return l->lstm ? 3 : 2;
}

size_t out_scratch_floats(const out_layout *l, size_t n)
{
    const size_t w = l->S > l->H ? l->S : l->H;
    return n * l->LD * w + 1;
}

/* A state [LD][n][w] into member k at sequences b0.. */
static rnnscan_status put_state(rnnscan_npz_writer *wr, int k, const out_layout *l, size_t b0,
                                size_t n, size_t w, const float *s, float *tmp)
{
    if (l->onnx && l->batch_first) { /* [B][D][w]: the chunk's rows, each D*w */
        for (size_t i = 0; i < n; i++)
            for (size_t d = 0; d < l->LD; d++)
                for (size_t j = 0; j < w; j++)
                    tmp[(i * l->LD + d) * w + j] = s[(d * n + i) * w + j];
        return rnnscan_npz_writer_put(wr, k, b0 * l->LD * w, tmp, n * l->LD * w);
    }
    for (size_t d = 0; d < l->LD; d++)
        RNNSCAN_TRY_CLI(rnnscan_npz_writer_put(wr, k, (d * l->B + b0) * w, s + d * n * w, n * w));
    return RNNSCAN_OK;
}

rnnscan_status out_put_chunk(rnnscan_npz_writer *w, const out_layout *l, size_t b0, size_t n,
                             const float *y, const float *h_n, const float *c_n, float *tmp)
{
    const size_t DS = l->D * l->S;
    if (l->batch_first) { /* output [B][T][D*S], and Y [B][T][D][S]: the same floats */
        RNNSCAN_TRY_CLI(rnnscan_npz_writer_put(w, 0, b0 * l->T * DS, y, n * l->T * DS));
    } else if (!l->onnx) { /* output [T][B][D*S] */
        for (size_t t = 0; t < l->T; t++)
            RNNSCAN_TRY_CLI(rnnscan_npz_writer_put(w, 0, (t * l->B + b0) * DS, y + t * n * DS,
                                                   n * DS));
    } else { /* Y [T][D][B][S] */
        for (size_t t = 0; t < l->T; t++)
            for (size_t d = 0; d < l->D; d++) {
                for (size_t i = 0; i < n; i++)
                    for (size_t j = 0; j < l->S; j++)
                        tmp[i * l->S + j] = y[(t * n + i) * DS + d * l->S + j];
                RNNSCAN_TRY_CLI(rnnscan_npz_writer_put(w, 0, ((t * l->D + d) * l->B + b0) * l->S,
                                                       tmp, n * l->S));
            }
    }
    RNNSCAN_TRY_CLI(put_state(w, 1, l, b0, n, l->S, h_n, tmp));
    if (l->lstm)
        RNNSCAN_TRY_CLI(put_state(w, 2, l, b0, n, l->H, c_n, tmp));
    return RNNSCAN_OK;
}
