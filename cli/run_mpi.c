/* MPI for `rnnscan run` (see run_mpi.h): a few collectives over
 * MPI_COMM_WORLD, and nothing at all in a build without Open MPI. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_mpi.h"

#ifdef RNNSCAN_HAVE_MPI
#include <mpi.h>

static int env_int(const char *name, int fallback)
{
    const char *v = getenv(name);
    return v && *v ? atoi(v) : fallback;
}

void mpi_start(int *argc, char ***argv, mpi_world *w)
{
    memset(w, 0, sizeof *w);
    w->size = w->local_size = 1;
    if (!getenv("OMPI_COMM_WORLD_SIZE") && !getenv("PMIX_RANK") && !getenv("PMI_RANK"))
        return; /* not started by a launcher: one process, as without MPI */
    int started = 0;
    MPI_Initialized(&started);
    if (!started && MPI_Init(argc, argv) != MPI_SUCCESS)
        return;
    MPI_Comm_rank(MPI_COMM_WORLD, &w->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &w->size);
    w->active = 1; /* even with one rank: MPI_Finalize is owed */
    w->local_rank = env_int("OMPI_COMM_WORLD_LOCAL_RANK", env_int("SLURM_LOCALID", w->rank));
    w->local_size = env_int("OMPI_COMM_WORLD_LOCAL_SIZE", env_int("SLURM_NTASKS_PER_NODE", 1));
    if (w->size > 1)
        snprintf(w->prefix, sizeof w->prefix, "rank %d: ", w->rank);
}

void mpi_stop(const mpi_world *w)
{
    if (w->active)
        MPI_Finalize();
}

int mpi_all_ok(const mpi_world *w, int ok)
{
    if (!w->active)
        return ok;
    int mine = ok != 0, all = 0;
    MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    return all;
}

int mpi_first_failed(const mpi_world *w, int ok)
{
    int mine = ok ? w->size : w->rank, first = mine;
    if (w->active)
        MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    return first < w->size ? first : -1;
}

void mpi_share_text(const mpi_world *w, char *buf, size_t cap)
{
    if (!w->active)
        return;
    buf[cap - 1] = '\0';
    MPI_Bcast(buf, (int)cap, MPI_CHAR, 0, MPI_COMM_WORLD);
}

void mpi_reduce_verify(const mpi_world *w, double *max_abs, double *max_rel, int *ok)
{
    if (!w->active)
        return;
    double v[2] = {*max_abs, *max_rel}, all[2];
    MPI_Allreduce(v, all, 2, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    *max_abs = all[0], *max_rel = all[1];
    *ok = mpi_all_ok(w, *ok);
}

#else /* without MPI: one process */

void mpi_start(int *argc, char ***argv, mpi_world *w)
{
    (void)argc, (void)argv;
    memset(w, 0, sizeof *w);
    w->size = w->local_size = 1;
}

void mpi_stop(const mpi_world *w) { (void)w; }
int mpi_all_ok(const mpi_world *w, int ok) { (void)w; return ok; }
int mpi_first_failed(const mpi_world *w, int ok) { (void)w; return ok ? -1 : 0; }
void mpi_share_text(const mpi_world *w, char *buf, size_t cap) { (void)w, (void)buf, (void)cap; }
void mpi_reduce_verify(const mpi_world *w, double *max_abs, double *max_rel, int *ok)
{
    (void)w, (void)max_abs, (void)max_rel, (void)ok;
}

#endif
