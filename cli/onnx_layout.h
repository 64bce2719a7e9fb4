/* `rnnscan run --onnx`: between rnnscan's array layouts and an ONNX RNN /
 * GRU / LSTM node's (cli/onnx_layout.c). */
#ifndef RNNSCAN_CLI_ONNX_LAYOUT_H
#define RNNSCAN_CLI_ONNX_LAYOUT_H

#include <stddef.h>

#include "rnnscan.h"

/* initial_h / initial_c as the node takes them, [D][B][H] (layout 0) or
 * [B][D][H] (layout 1), into rnnscan's [D][B][H] in place.  Returns 0 (the
 * message printed) on a wrong shape or no memory. */
int onnx_state_in(const char *name, rnnscan_array *a, int layout, size_t D, size_t B, size_t H);

/* y [T][B][D*H] (layout 0) or [B][T][D*H] (layout 1), h_n and c_n [D][B][H]
 * into the node's Y [T][D][B][H] or [B][T][D][H], Y_h and Y_c [D][B][H] or
 * [B][D][H], in place.  Returns 0 when out of memory. */
int onnx_outputs(rnnscan_array *y, rnnscan_array *h_n, rnnscan_array *c_n, int layout, size_t T,
                 size_t B, size_t D, size_t H);

#endif
