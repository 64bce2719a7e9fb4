/* Status names and messages, where failure details are kept, and the small
 * helpers every part shares (size arithmetic, a clock). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "internal.h"

static _Thread_local char thread_error[RNNSCAN_ERROR_CAP];

/* The status numbers are ABI (include/rnnscan.h): each entry of the map is
 * its own position, 0 to RNNSCAN_STATUS_COUNT_ - 1, with no gap. */
#define RNNSCAN_STATUS_ORDER_(name, value, msg)                                     \
    _Static_assert(RNNSCAN_##name == value && value == (int)status_position_##name, \
                   "RNNSCAN_" #name " out of order in RNNSCAN_STATUS_MAP");
#define RNNSCAN_STATUS_POSITION_(name, value, msg) status_position_##name,
enum { RNNSCAN_STATUS_MAP(RNNSCAN_STATUS_POSITION_) status_entries_ };
RNNSCAN_STATUS_MAP(RNNSCAN_STATUS_ORDER_)
_Static_assert((int)status_entries_ == (int)RNNSCAN_STATUS_COUNT_,
               "RNNSCAN_STATUS_COUNT_ must be one past the last status");
#undef RNNSCAN_STATUS_ORDER_
#undef RNNSCAN_STATUS_POSITION_

const char *rnnscan_status_name(rnnscan_status status)
{
    switch (status) {
#define RNNSCAN_STATUS_NAME_(name, value, msg) \
    case RNNSCAN_##name:                       \
        return "RNNSCAN_" #name;
        RNNSCAN_STATUS_MAP(RNNSCAN_STATUS_NAME_)
#undef RNNSCAN_STATUS_NAME_
    default:
        return "RNNSCAN_UNKNOWN_STATUS";
    }
}

const char *rnnscan_status_string(rnnscan_status status)
{
    switch (status) {
#define RNNSCAN_STATUS_MSG_(name, value, msg) \
    case RNNSCAN_##name:                      \
        return msg;
        RNNSCAN_STATUS_MAP(RNNSCAN_STATUS_MSG_)
#undef RNNSCAN_STATUS_MSG_
    default:
        return "unknown status";
    }
}

const char *rnnscan_last_error(void) { return thread_error; }

rnnscan_status rnnscan_fail(rnnscan_errbuf *err, rnnscan_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(thread_error, sizeof thread_error, fmt, ap);
    va_end(ap);
    rnnscan_keep_error(err);
    return status;
}

void rnnscan_clear_error(rnnscan_errbuf *err)
{
    thread_error[0] = '\0';
    if (err)
        err->text[0] = '\0';
}

void rnnscan_keep_error(rnnscan_errbuf *err)
{
    if (err && err->text != thread_error)
        memcpy(err->text, thread_error, sizeof err->text);
}

int rnnscan_mul_size(size_t *out, size_t a, size_t b)
{
    if (a != 0 && b > SIZE_MAX / a)
        return 0;
    *out = a * b;
    return 1;
}

int rnnscan_mul3_size(size_t *out, size_t a, size_t b, size_t c)
{
    size_t ab;
    return rnnscan_mul_size(&ab, a, b) && rnnscan_mul_size(out, ab, c);
}

int rnnscan_version_number(void) { return RNNSCAN_VERSION_NUMBER; }

#define RNNSCAN_STR2_(x) #x
#define RNNSCAN_STR_(x) RNNSCAN_STR2_(x)
const char *rnnscan_version_string(void)
{
    return RNNSCAN_STR_(RNNSCAN_VERSION_MAJOR) "." RNNSCAN_STR_(
        RNNSCAN_VERSION_MINOR) "." RNNSCAN_STR_(RNNSCAN_VERSION_PATCH);
}

double rnnscan_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}
