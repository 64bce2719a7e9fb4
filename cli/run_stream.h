/* `rnnscan run`'s batch loop (cli/run_stream.c): the batch in chunks of
 * sequences, each chunk's inputs read from the files, run, optionally
 * checked against the reference, and its outputs written into the output
 * archive at once, so memory holds a chunk, never the batch.  With several
 * models (one per device), one host thread drives each and they take chunks
 * from one queue, so a faster device takes more of them. */
#ifndef RNNSCAN_CLI_RUN_STREAM_H
#define RNNSCAN_CLI_RUN_STREAM_H

#include <stddef.h>

#include "rnnscan.h"
#include "run_output.h"

#define STREAM_MAX_WORKERS 64

typedef struct stream_job {
    /* inputs: x from the reader, or whole in memory (x_whole non-NULL) */
    rnnscan_npy_reader *x_reader;
    const float *x_whole;
    size_t X;
    const float *h0, *c0; /* whole, [LD][B][S] and [LD][B][H], or NULL */
    const int *lengths;   /* [B] or NULL */
    rnnscan_schedule schedule;
    out_layout out; /* sizes, the layout of x and of the outputs */
    rnnscan_npz_writer *writer;
    size_t chunk;   /* sequences per chunk */
    size_t begin, end; /* the sequences this process runs, [begin, end) of 0..B */
    int verify;     /* compare each chunk with ref_models[i]'s results */
    int progress;   /* 0 none, 1 on a terminal after 2 s, 2 always (a line every few s) */
    const char *who; /* prefix of progress lines ("rank 1: " under MPI, else "") */
    /* per worker, one model each (ref_models NULL without verify) */
    int workers;
    rnnscan_model *models[STREAM_MAX_WORKERS];
    rnnscan_model *ref_models[STREAM_MAX_WORKERS];
    const char *names[STREAM_MAX_WORKERS]; /* the device of each, for messages */
} stream_job;

/* What a finished run measured. */
typedef struct stream_result {
    double max_abs, max_rel; /* --verify's largest differences */
    int verified_ok;
    size_t done[STREAM_MAX_WORKERS]; /* sequences each worker ran */
} stream_result;

/* Runs the job.  Returns 0, or 1 with one line on stderr saying what failed
 * (and which device); the writer is neither finished nor aborted here. */
int stream_run(const stream_job *job, stream_result *result);

#endif
