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

/* The outputs in the node's layouts: cli/run_output.c. */

#endif
