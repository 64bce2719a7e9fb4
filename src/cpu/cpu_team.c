/* A team of threads sharing a scan's few-row products.  With a batch of one
 * the recurrent product is a mat-vec per step, bound by reading W_hh (4 MB
 * for an LSTM of H = 512 in float32, 2 MB in f16 or bf16): one core cannot
 * read it as fast as two, and OpenBLAS's sgemv, which does use both, has no
 * 16-bit form and re-packs nothing but hands its work to its threads at every
 * call.  A team is started for one scan (cpu_scan.c) when its batch is small
 * and its recurrent work large, and runs every product of that scan, the
 * input projections too: the small kernel's 6-row tiles ran 100 x 2048 x 512
 * at 83 GFLOP/s on one core where OpenBLAS's sgemm made 70-91 on two (Zen 3),
 * and an OpenBLAS call leaves its threads spinning beside the team for a
 * while after (OPENBLAS_THREAD_TIMEOUT), which made the team's steps erratic.
 * Each product is cut into contiguous ranges of 16-column panels, one per
 * thread, the calling thread taking the first.  Every column is computed by
 * one thread over all of K, in the order one thread alone would: results do
 * not depend on the team's size.
 *
 * Hand-off: a generation counter.  Workers spin on it for a while after each
 * product (the next step's product follows within microseconds: the cell
 * pass between them is short), then sleep on a condition variable, so a team
 * waiting through an OpenBLAS projection or the caller's own work leaves the
 * cores to them.  The caller spins until every worker has finished its range
 * (they start together and take equal shares), yielding after a while in case
 * the machine is oversubscribed. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "cpu.h"

#define CPU_TEAM_MAX 8
/* How long a worker spins for the next product before sleeping, and the
 * caller for the workers before yielding its core (ms). */
#define CPU_TEAM_SPIN_MS 0.2
/* Products under this many multiply-adds run on the calling thread alone;
 * at this size (a 512 x 128 mat-vec) two threads still won, 2.6 against
 * 3.4 us in bf16, 2.9 against 3.7 us in float32 (Zen 3). */
#define CPU_TEAM_MIN_MACS (1 << 16)
/* Each thread's range at least this many panels. */
#define CPU_TEAM_MIN_PANELS 2

typedef struct team_job {
    int M, accumulate, parts;
    const float *A;
    size_t lda, ldc;
    const cpu_packed *w;
    float *C;
} team_job;

typedef struct team_worker {
    struct cpu_team *team;
    int index; /* 1..threads-1: the part it takes */
    pthread_t thread;
} team_worker;

struct cpu_team {
    int threads, started; /* started: workers running */
    team_job job;         /* written by the caller before `generation` moves */
    int stop;             /* likewise */
    atomic_uint generation;
    atomic_int pending;  /* workers yet to finish the current generation */
    atomic_int sleepers; /* workers asleep, or about to be, on `wake` */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    team_worker workers[CPU_TEAM_MAX - 1];
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Part `index` of `parts` of the job: a contiguous range of panels. */
static void run_part(const team_job *job, int index)
{
    const int panels = (job->w->n + CPU_PANEL - 1) / CPU_PANEL;
    const int p0 = (int)((long long)panels * index / job->parts);
    const int p1 = (int)((long long)panels * (index + 1) / job->parts);
    if (p1 > p0)
        cpu_gemm_panels(job->M, job->A, job->lda, job->w, p0, p1, job->C, job->ldc,
                        job->accumulate);
}

/* Waits for a generation other than `seen`: spins, then sleeps. */
static unsigned wait_generation(cpu_team *t, unsigned seen)
{
    unsigned g;
    const double until = rnnscan_now_ms() + CPU_TEAM_SPIN_MS;
    for (int i = 0;; i++) {
        if ((g = atomic_load_explicit(&t->generation, memory_order_acquire)) != seen)
            return g;
        if (i % 64 == 63 && rnnscan_now_ms() > until)
            break;
        cpu_relax();
    }
    /* The caller moves the generation, then reads `sleepers`; a worker counts
     * itself in `sleepers`, then reads the generation (both sequentially
     * consistent): one of the two sees the other, so no wake-up is lost. */
    pthread_mutex_lock(&t->lock);
    atomic_fetch_add(&t->sleepers, 1);
    while ((g = atomic_load(&t->generation)) == seen)
        pthread_cond_wait(&t->wake, &t->lock);
    atomic_fetch_sub(&t->sleepers, 1);
    pthread_mutex_unlock(&t->lock);
    return g;
}

static void *worker_main(void *arg)
{
    team_worker *me = arg;
    cpu_team *t = me->team;
    unsigned seen = 0;
    for (;;) {
        seen = wait_generation(t, seen);
        if (t->stop)
            return NULL;
        if (me->index < t->job.parts)
            run_part(&t->job, me->index);
        atomic_fetch_sub_explicit(&t->pending, 1, memory_order_release);
    }
}

/* Starts a generation: the job (or the stop) is in place. */
static void publish(cpu_team *t)
{
    atomic_store_explicit(&t->pending, t->started, memory_order_relaxed);
    atomic_fetch_add(&t->generation, 1);
    if (atomic_load(&t->sleepers) > 0) {
        pthread_mutex_lock(&t->lock);
        pthread_cond_broadcast(&t->wake);
        pthread_mutex_unlock(&t->lock);
    }
}

cpu_team *cpu_team_start(int threads)
{
    if (threads > CPU_TEAM_MAX)
        threads = CPU_TEAM_MAX;
    if (threads < 2)
        return NULL;
    cpu_team *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    atomic_init(&t->generation, 0);
    atomic_init(&t->pending, 0);
    atomic_init(&t->sleepers, 0);
    if (pthread_mutex_init(&t->lock, NULL) != 0) {
        free(t);
        return NULL;
    }
    if (pthread_cond_init(&t->wake, NULL) != 0) {
        pthread_mutex_destroy(&t->lock);
        free(t);
        return NULL;
    }
    for (int i = 0; i < threads - 1; i++) {
        t->workers[i] = (team_worker){.team = t, .index = i + 1};
        if (pthread_create(&t->workers[i].thread, NULL, worker_main, &t->workers[i]) != 0)
            break;
        t->started++;
    }
    t->threads = t->started + 1;
    if (t->threads < 2) { /* no thread could start: one thread runs alone */
        cpu_team_stop(t);
        return NULL;
    }
    return t;
}

void cpu_team_stop(cpu_team *t)
{
    if (!t)
        return;
    if (t->started) {
        t->stop = 1;
        publish(t);
        for (int i = 0; i < t->started; i++)
            pthread_join(t->workers[i].thread, NULL);
    }
    pthread_cond_destroy(&t->wake);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

int cpu_team_size(const cpu_team *t) { return t ? t->threads : 1; }

void cpu_team_gemm(cpu_team *t, int M, const float *A, size_t lda, const cpu_packed *w, float *C,
                   size_t ldc, int accumulate)
{
    const int panels = (w->n + CPU_PANEL - 1) / CPU_PANEL;
    int parts = panels / CPU_TEAM_MIN_PANELS;
    if (parts > t->threads)
        parts = t->threads;
    if (parts < 2 || (double)M * w->n * w->k < CPU_TEAM_MIN_MACS) {
        cpu_gemm_panels(M, A, lda, w, 0, panels, C, ldc, accumulate);
        return;
    }
    t->job = (team_job){.M = M, .accumulate = accumulate, .parts = parts, .A = A, .lda = lda,
                        .ldc = ldc, .w = w, .C = C};
    publish(t);
    run_part(&t->job, 0);
    const double yield_after = rnnscan_now_ms() + CPU_TEAM_SPIN_MS;
    int yielding = 0;
    for (int i = 0; atomic_load_explicit(&t->pending, memory_order_acquire) > 0; i++) {
        if (!yielding && i % 64 == 63)
            yielding = rnnscan_now_ms() > yield_after;
        if (yielding)
            sched_yield();
        else
            cpu_relax();
    }
}
