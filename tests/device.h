/* Opening the backend under test: OpenCL tests skip with a clear message
 * where no device exists, unless RNNSCAN_REQUIRE_OPENCL is set (CI sets it,
 * so a machine without PoCL fails instead of passing silently). */
#ifndef RNNSCAN_TEST_DEVICE_H
#define RNNSCAN_TEST_DEVICE_H

#include <criterion/criterion.h>
#include <stdlib.h>

#include "rnnscan.h"

static inline rnnscan_context *open_backend_or_skip(rnnscan_backend backend)
{
    rnnscan_context_options opts = {.backend = backend, .device = NULL};
    rnnscan_context *ctx = NULL;
    rnnscan_status st = rnnscan_context_create(&opts, &ctx);
    if (st == RNNSCAN_OK)
        return ctx;
    int absent = st == RNNSCAN_NO_DEVICE || (backend != RNNSCAN_BACKEND_OPENCL &&
                                             st == RNNSCAN_NOT_SUPPORTED);
    const char *required = getenv("RNNSCAN_REQUIRE_OPENCL");
    if (absent && !(required && *required && backend == RNNSCAN_BACKEND_OPENCL))
        cr_skip_test("backend %s unavailable here (%s: %s)", rnnscan_backend_name(backend),
                     rnnscan_status_name(st), rnnscan_last_error());
    cr_assert_fail("backend %s failed to open: %s: %s", rnnscan_backend_name(backend),
             rnnscan_status_name(st), rnnscan_last_error());
    return NULL;
}

#endif
