/* libFuzzer target: any bytes through both .npy parsers.  A crash, a
 * sanitizer report or a leak is a bug; a failure status is fine. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "rnnscan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rnnscan_array a;
    if (rnnscan_npy_parse(data, size, &a) == RNNSCAN_OK) {
        /* touch every element: the shape must match the allocation */
        size_t n = rnnscan_array_elems(&a);
        volatile float sink = 0;
        for (size_t i = 0; i < n; i++)
            sink += a.data[i];
        (void)sink;
    } else if (a.data || a.ndim) {
        abort(); /* *out must be zeroed on failure */
    }
    rnnscan_array_free(&a);

    rnnscan_int_array ia;
    if (rnnscan_npy_parse_int(data, size, &ia) == RNNSCAN_OK) {
        size_t n = 1;
        for (int i = 0; i < ia.ndim; i++)
            n *= ia.shape[i];
        volatile int sink = 0;
        for (size_t i = 0; i < n; i++)
            sink ^= ia.data[i];
        (void)sink;
    } else if (ia.data || ia.ndim) {
        abort();
    }
    rnnscan_int_array_free(&ia);
    return 0;
}
