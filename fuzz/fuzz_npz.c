/* libFuzzer target: any bytes as an .npz archive: open it, read every member
 * with both readers, and load it as an LSTM (one layer, then two layers
 * bidirectional) on the reference backend. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "rnnscan.h"

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
