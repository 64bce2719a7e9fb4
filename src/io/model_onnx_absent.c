/* The ONNX loader of a library built without protobuf-c (meson option onnx):
 * both entry points answer RNNSCAN_NOT_SUPPORTED. */
#include "io_internal.h"

static rnnscan_status absent(rnnscan_context *context, rnnscan_model **out)
{
    rnnscan_clear_error(NULL);
    if (out)
        *out = NULL;
    rnnscan_status st = rnnscan_fail(NULL, RNNSCAN_NOT_SUPPORTED,
                                     "onnx: this rnnscan was built without ONNX support "
                                     "(protobuf-c and protoc-c were not found)");
    if (context)
        rnnscan_keep_error(&context->err);
    return st;
}

rnnscan_status rnnscan_model_load_onnx(rnnscan_context *context, const char *path,
                                       const char *node_name, rnnscan_model **out)
{
    (void)path, (void)node_name;
    return absent(context, out);
}

rnnscan_status rnnscan_model_from_onnx(rnnscan_context *context, const void *data, size_t size,
                                       const char *base_dir, const char *node_name,
                                       rnnscan_model **out)
{
    (void)data, (void)size, (void)base_dir, (void)node_name;
    return absent(context, out);
}
