/* libFuzzer target: any bytes as an ONNX ModelProto: load its only RNN, GRU
 * or LSTM node on the reference backend, then a node named "lstm0", and run
 * one short scan through a model that loads.  External tensors are refused
 * (no directory), so the target reads no file. */
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

/* Two steps of two sequences through a model of at most 64 inputs and
 * units (larger ones are only loaded). */
static void scan_small(rnnscan_model *m)
{
    const rnnscan_model_desc d = rnnscan_model_describe(m);
    if (d.input_size > 64 || d.hidden_size > 64)
        return;
    static float x[2 * 2 * 64], y[2 * 2 * 2 * 64], h_n[2 * 2 * 64];
    rnnscan_run run = {.seq_len = 2, .batch = 2, .x = x, .y = y, .h_n = h_n};
    if (rnnscan_model_scan(m, &run) != RNNSCAN_OK)
        abort(); /* a model that loads must run */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {NULL, "lstm0"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        rnnscan_model *m = (rnnscan_model *)&m;
        if (rnnscan_model_from_onnx(context(), data, size, NULL, names[i], &m) != RNNSCAN_OK) {
            if (m)
                abort(); /* *out must be NULL on failure */
            continue;
        }
        scan_small(m);
        rnnscan_model_free(m);
    }
    return 0;
}
