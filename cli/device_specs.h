/* --device as `rnnscan run` and `rnnscan bench` read it: one spec (an index
 * or a name substring, see `rnnscan devices`), "all", or a comma-separated
 * list of specs. */
#ifndef RNNSCAN_CLI_DEVICE_SPECS_H
#define RNNSCAN_CLI_DEVICE_SPECS_H

#include <stddef.h>

/* Whether `arg` names several devices ("all" or a list); NULL does not. */
int device_specs_many(const char *arg);

/* Splits "all" (every OpenCL device, by index) or a list into at most `max`
 * specs pointing into `storage`; returns their count, or 0 with the reason in
 * err ("--device all: no OpenCL device found"). */
int device_specs_split(const char *arg, char *storage, size_t cap, const char **specs, int max,
                       char *err, size_t errlen);

#endif
