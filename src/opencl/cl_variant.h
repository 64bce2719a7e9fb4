/* Kernel variants as data: a variant key names everything one program build
 * depends on; the context keeps one built program per key (cl_program.c). */
#ifndef RNNSCAN_CL_VARIANT_H
#define RNNSCAN_CL_VARIANT_H

#include "cl_internal.h"

/* The entry point a program holds (kernels/common.cl RNNSCAN_ENTRY). */
typedef enum cl_entry {
    CL_ENTRY_PROJECTION = 0, /* input_projection: cell-independent         */
    CL_ENTRY_STEP = 1,       /* rnnscan_step: the host-loop schedule        */
    CL_ENTRY_PERSISTENT = 2, /* rnnscan_persistent: the persistent schedule */
    CL_ENTRY_STATE_PROJECTION = 3, /* rnnscan_state_projection: an LSTM's W_hr, host loop */
    CL_ENTRY_RESET_GATE = 4  /* rnnscan_reset_gate: GRU reset_before's r * h, host loop */
} cl_entry;

/* Everything a build depends on.  A new option (peepholes, projection,
 * linear_before_reset, activations, clip) is a field here, a term in
 * cl_variant_render, and its #if in kernels/cell.cl. */
typedef struct cl_variant {
    cl_entry entry;
    rnnscan_cell cell;          /* step, persistent, reset gate; ignored by the projections */
    rnnscan_weight_type weight_type; /* of the packed weights: RNNSCAN_WEIGHT_TYPE */
    int proj;                   /* step: an LSTM with proj_size (RNNSCAN_PROJ) */
    rnnscan_variant cell_variant; /* ONNX's options, as the model resolved them; a
                                     zeroed or plain one is PyTorch's cell */
    cl_tuning tuning;           /* the fields the entry uses */
} cl_variant;

/* Writes the -D options of v and its canonical key ("step cell=lstm ...":
 * equal keys mean equal builds).  A plain cell variant adds nothing, so
 * PyTorch's cells keep the options they always had.  Sizes: options 1024
 * bytes, key CL_VARIANT_KEY_MAX. */
void cl_variant_render(const cl_variant *v, char *options, size_t options_size, char *key,
                       size_t key_size);

/* The tuning a context uses: the device kind's row of the table (the kind
 * RNNSCAN_TUNING=cpu|gpu names, else the device's), with every non-zero
 * field of `override` (may be NULL) in its place; values are checked. */
rnnscan_status cl_tuning_resolve(int is_gpu, const rnnscan_opencl_tuning *override,
                                 cl_tuning *out);

#endif /* RNNSCAN_CL_VARIANT_H */
