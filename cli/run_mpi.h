/* `rnnscan run` under mpirun (cli/run_mpi.c): the ranks of one run, each
 * running its slice of the batch on its device and writing it into the one
 * output archive.  Built when Open MPI is found (meson option mpi); without
 * it, or without mpirun, a run is one process and these are no-ops. */
#ifndef RNNSCAN_CLI_RUN_MPI_H
#define RNNSCAN_CLI_RUN_MPI_H

#include <stddef.h>

typedef struct mpi_world {
    int active;           /* launched by mpirun / srun with more than one rank */
    int rank, size;
    int local_rank;       /* the rank among those of this node (picks the device) */
    int local_size;       /* ranks on this node (share its memory) */
    char prefix[32];      /* "rank R: " for messages, "" when not active */
} mpi_world;

/* Starts MPI when the environment says a launcher started this process
 * (OMPI_COMM_WORLD_SIZE, PMIX_RANK or PMI_RANK set) and fills w. */
void mpi_start(int *argc, char ***argv, mpi_world *w);
/* Ends MPI if it was started. */
void mpi_stop(const mpi_world *w);
/* 1 when every rank passes ok != 0 (a collective: every rank must call it). */
int mpi_all_ok(const mpi_world *w, int ok);
/* The rank that failed first (lowest rank with ok == 0), or -1. */
int mpi_first_failed(const mpi_world *w, int ok);
/* Rank 0's text into every rank's buf (cap bytes, NUL-terminated). */
void mpi_share_text(const mpi_world *w, char *buf, size_t cap);
/* The largest of each rank's v (max), and the smallest of each rank's ok. */
void mpi_reduce_verify(const mpi_world *w, double *max_abs, double *max_rel, int *ok);

#endif
