/* --device lists (see device_specs.h). */
#include <stdio.h>
#include <string.h>

#include "device_specs.h"
#include "rnnscan.h"

int device_specs_many(const char *arg)
{
    return arg && (!strcmp(arg, "all") || strchr(arg, ','));
}

int device_specs_split(const char *arg, char *storage, size_t cap, const char **specs, int max,
                       char *err, size_t errlen)
{
    int n = 0;
    if (!strcmp(arg, "all")) {
        if (rnnscan_list_devices(NULL, 0, &n) != RNNSCAN_OK)
            return snprintf(err, errlen, "--device all: %s", rnnscan_last_error()), 0;
        if (n == 0)
            return snprintf(err, errlen, "--device all: no OpenCL device found"), 0;
        n = n < max ? n : max;
        size_t used = 0;
        for (int i = 0; i < n; i++) {
            specs[i] = storage + used;
            used += (size_t)snprintf(storage + used, cap - used, "%d", i) + 1;
        }
        return n;
    }
    snprintf(storage, cap, "%s", arg);
    char *save = NULL;
    for (char *item = strtok_r(storage, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        if (n == max)
            return snprintf(err, errlen, "--device: more than %d devices", max), 0;
        specs[n++] = item;
    }
    if (n == 0)
        return snprintf(err, errlen, "--device '%s' names no device", arg), 0;
    return n;
}
