/* The process-wide lock around OpenCL start-up.
 *
 * Neither the ICD loader nor PoCL 3.1 makes its first platform query safe
 * against a concurrent one: four threads creating contexts at once crashed
 * inside PoCL's clGetDeviceInfo (called while another thread was still in
 * the first clGetPlatformIDs) or were told there was no platform at all.
 * So every platform / device query and every context and queue creation
 * runs under this one lock.  It is taken only while a context is created or
 * the devices are listed, never during a model's upload or scan, so models
 * of different contexts still run side by side.  The kernel build stays
 * outside it: PoCL serialises its LLVM layer itself, and 8 threads building
 * at once with an empty kernel cache ran clean in 60 of 60 processes.  A
 * static initialiser needs no pthread_once. */
#include <pthread.h>

#include "cl_internal.h"

static pthread_mutex_t startup_lock = PTHREAD_MUTEX_INITIALIZER;

/* A default mutex taken and released by the same thread cannot fail. */
void rnnscan_cl_lock(void) { pthread_mutex_lock(&startup_lock); }

void rnnscan_cl_unlock(void) { pthread_mutex_unlock(&startup_lock); }
