/* Adding context ("which file", "which member") to a failure already recorded. */
#include <stdio.h>
#include <string.h>

#include "io_internal.h"

rnnscan_status rnnscan_fail_prefixed(rnnscan_errbuf *err, rnnscan_status status,
                                     const char *prefix)
{
    /* rnnscan_fail formats into the thread's buffer: copy the detail out first. */
    static _Thread_local char detail[RNNSCAN_ERROR_CAP];
    snprintf(detail, sizeof detail, "%s", rnnscan_last_error());
    return rnnscan_fail(err, status, "%s: %s", prefix, detail);
}
