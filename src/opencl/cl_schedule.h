/* RNNSCAN_SCHEDULE_AUTO: which schedule, host loop or persistent, a scan of
 * this model and batch runs faster on this device. */
#ifndef RNNSCAN_CL_SCHEDULE_H
#define RNNSCAN_CL_SCHEDULE_H

#include "cl_internal.h"

/* The schedule for a scan of T steps over B sequences: HOST when the
 * persistent schedule cannot run the model (persistent_ok = 0), else the one
 * with the lower predicted time.  Predictions come from costs measured for
 * this device, driver, kernel shapes and model shape (batch rounded up to a
 * power of 2): from this context's memo, else the disk cache
 * (cl_schedule_cache.c), else a probe run now, once, on the model itself
 * (both schedules, two short lengths, synthetic inputs: a few ms to a
 * second) and stored in both.  A probe that fails fails the scan, with the
 * OpenCL call named in the model's error. */
rnnscan_status cl_schedule_choose(rnnscan_model *m, int T, int B, int persistent_ok,
                                  rnnscan_schedule *out);

/* Frees the context's memo. */
void cl_schedule_memo_release(cl_backend *cl);

#endif /* RNNSCAN_CL_SCHEDULE_H */
