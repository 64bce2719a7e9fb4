/* The schedule cache on disk: measured costs of the two schedules, per
 * device, driver and shape, so RNNSCAN_SCHEDULE_AUTO probes a shape once per
 * machine rather than once per process (cl_schedule.c).  Best effort: a file
 * that is missing, unreadable, corrupt or of another version reads as empty,
 * and a failed write changes nothing; neither is an error of the scan. */
#ifndef RNNSCAN_CL_SCHEDULE_CACHE_H
#define RNNSCAN_CL_SCHEDULE_CACHE_H

#include <stddef.h>

/* Wall time of a scan of T steps, a + b*T milliseconds, per schedule. */
typedef struct cl_schedule_cost {
    double host_a, host_b;
    double persistent_a, persistent_b;
} cl_schedule_cost;

/* Keys are one line of text without tabs (cl_schedule.c builds them). */
#define CL_SCHEDULE_KEY_MAX 512

/* The cache folder: RNNSCAN_CACHE_DIR when set (empty: no disk cache),
 * else $XDG_CACHE_HOME/rnnscan, else $HOME/.cache/rnnscan; "" when none. */
void cl_schedule_cache_dir(char *dir, size_t size);

/* 1 and *out when dir's file holds a valid entry for key, else 0. */
int cl_schedule_cache_load(const char *dir, const char *key, cl_schedule_cost *out);

/* Adds or replaces key's entry: the folder is created if needed, the file
 * rewritten under a temporary name and renamed into place, so a reader never
 * sees half a file and concurrent writers each leave a valid one (the last
 * rename wins; an entry it lacks is probed again later). */
void cl_schedule_cache_store(const char *dir, const char *key, const cl_schedule_cost *cost);

#endif /* RNNSCAN_CL_SCHEDULE_CACHE_H */
