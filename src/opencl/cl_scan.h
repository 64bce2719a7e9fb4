/* Private to the OpenCL model files: the packed model, device buffers and
 * launches (cl_model.c, cl_launch.c, cl_scan.c, cl_chunked.c). */
#ifndef RNNSCAN_CL_SCAN_H
#define RNNSCAN_CL_SCAN_H

#include "cl_internal.h"

/* A device buffer that grows to the largest run seen and is then reused;
 * never above the context's allocation limit. */
typedef struct scratch {
    cl_mem mem;
    size_t bytes;
} scratch;

/* One layer packed for the kernels (see kernels/common.cl), one buffer per
 * direction for the weights so only a layer-direction must fit one
 * allocation.  Gd = G*Hp rounded up to 16 columns per direction. */
typedef struct cl_layer {
    cl_mem w_ih[2]; /* [In][Gd] columns g*Hp + j, zero padding; on CPU
                       devices panels [Gd/16][In][16]                          */
    cl_mem w_hh[2]; /* [S][G*Hp] W_hh transposed (rows or panels, see
                       w_hh_index; GRU reset_before: a block per gate),
                       then b_hn [Hp] (GRU; r multiplies it) or LSTM
                       peepholes p_i, p_f, p_o [3][Hp] (else Hp unused)        */
    cl_mem bias;    /* [D*Gd] b_ih + b_hh, except GRU's n gate (b_in only)     */
    cl_mem w_hr[2]; /* with a projection: [H][Pp] W_hr transposed, P padded to 8 */
} cl_layer;

/* Mirrors rnnscan_step_params in kernels/common.cl: eight ulongs, twelve ints. */
typedef struct cl_step_params {
    cl_ulong h0_off, c_off, hn_off, order_off, lengths_off, y_off, y_ts, y_bs, m_off;
    cl_int gx_ld, gx_dir, s, B, B_active, H, Hp, s0, s_end, by_step, S, reverse;
} cl_step_params;
_Static_assert(sizeof(cl_step_params) == 9 * 8 + 12 * 4, "cl_step_params has padding");

typedef struct cl_model {
    int Hp;           /* H rounded up to 8                                    */
    int Gd;           /* G*Hp rounded up to 16: one direction's gx columns    */
    int N;            /* gx row length: D*Gd                                  */
    cl_layer *layers; /* L                                                    */
    const cl_program_entry *projection, *step, *persistent; /* in the context's cache */
    const cl_program_entry *state_projection; /* with a projection (proj_size), else NULL */
    const cl_program_entry *reset_gate; /* GRU reset_before's first phase, else NULL */
    int proj;         /* the model has a projection (proj_size)               */
    int m_part;       /* the state buffer holds m: a projection's o * tanh(c), or
                         GRU reset_before's r * h_{t-1} (host loop)            */
    scratch x, gx, y, act[2];
    scratch state;    /* see state_at                                         */
    size_t states;    /* L*D*B*H of the current call (B of the current chunk) */
    int *host_order;  /* [B] sequences by length, longest first, then        */
    int *host_lengths; /* [B] lengths right after it (host_order + B of this
                          call), so one write sends both */
    int *active;      /* [T] sequences still running at each step, then [T+1] scratch */
    size_t host_B, host_T;
} cl_model;

static inline cl_backend *cl_backend_of(const rnnscan_model *m) { return m->context->impl; }
static inline size_t cl_round_up(size_t v, size_t k) { return (v + k - 1) / k * k; }

/* ---- buffers and commands (cl_launch.c) ---- */
/* Grows s to at least `bytes` (RNNSCAN_TOO_LARGE above the allocation limit). */
rnnscan_status cl_ensure(rnnscan_model *m, scratch *s, const char *what, size_t bytes);
/* A buffer of `bytes`, copied from init when not NULL. */
rnnscan_status cl_create_buffer(rnnscan_model *m, cl_mem *out, const char *what, size_t bytes,
                                const void *init);
/* RNNSCAN_TOO_LARGE naming `what` when bytes exceed the allocation limit. */
rnnscan_status cl_check_alloc(rnnscan_model *m, const char *what, size_t bytes);
void cl_release_mem(cl_mem *mem);
/* Enqueues a write of bytes of src at offset, or a zero fill when src is NULL. */
rnnscan_status cl_upload(rnnscan_model *m, cl_mem dst, size_t offset, const void *src,
                         size_t bytes, const char *what);
/* Enqueues a read; blocking when `wait` (the host reads dst right after). */
rnnscan_status cl_download(rnnscan_model *m, void *dst, cl_mem src, size_t offset, size_t bytes,
                           int wait, const char *what);
/* Enqueues `kernel` over `global` (local may be NULL), split along
 * dimensions 1 and 2 into launches of at most the context's max_groups
 * work-groups each (with a global offset), so no launch exceeds a GPU's
 * grid limits.  Dimension 0 must fit as it is. */
rnnscan_status cl_launch(rnnscan_model *m, cl_kernel kernel, cl_uint dims, const size_t *global,
                         const size_t *local);

/* ---- sequences and parameters (cl_scan.c) ---- */
/* Orders B sequences (lengths NULL: all T) longest first into host_order,
 * host_lengths, and active[s] = sequences running at step s. */
rnnscan_status cl_plan_sequences(rnnscan_model *m, const int *lengths, size_t B, size_t T);
/* Number of steps with at least one sequence running (the longest length). */
int cl_steps(const cl_model *cm, int T);

/* The state buffer, for N = cm->states = L*D*B*H floats per part: h0 at
 * float 0 ([L*D][B][S], S = H or proj_size, the rest of its part unused),
 * the cell state c [L*D][B][H] at N, h_n [L*D][B][S] at 2N, with m_part
 * m [D][B][H] at 3N (a projection's unprojected output, or GRU
 * reset_before's r * h_{t-1}, for the current layer and step), then the ints
 * order [B] and lengths [B].  Returns the float offset where `part` starts. */
enum cl_state_part { STATE_H0, STATE_C, STATE_HN, STATE_M, STATE_ORDER };
static inline size_t cl_state_at(const cl_model *cm, enum cl_state_part part)
{
    return (part == STATE_ORDER && !cm->m_part ? STATE_M : part) * cm->states;
}
/* Bytes of the state buffer for `states` floats per part and B sequences;
 * 0 on overflow. */
size_t cl_state_bytes(const cl_model *cm, size_t states, size_t B);

/* Kernel launches of one layer: the projection of `rows` rows of `in` (at
 * x_off floats, rows in_ld long) for direction dir into gx; the step
 * kernels of steps [p.s0, p.s_end) (host loop) or one persistent launch. */
typedef struct cl_layer_io {
    cl_mem in;
    cl_ulong in_off;
    cl_int in_ld, batch_first_in, T, B, rows;
    cl_mem out;
    cl_step_params p; /* everything else the step kernels need */
} cl_layer_io;
rnnscan_status cl_enqueue_projection(rnnscan_model *m, int l, int dir, const cl_layer_io *io,
                                     cl_ulong x_off);
/* Steps io->p.s0 .. io->p.s_end - 1 (while any sequence runs). */
rnnscan_status cl_enqueue_steps(rnnscan_model *m, int l, const cl_layer_io *io,
                                rnnscan_schedule schedule);
/* Local memory of one persistent work-group: h [Hp], and r * h [Hp] for a
 * GRU with reset_before (cl_model.c). */
size_t cl_persistent_local_bytes(const rnnscan_model *m);
/* The parameters common to both addressings for layer l with B sequences. */
cl_step_params cl_layer_params(const rnnscan_model *m, int l, int B);

/* The scan with every timestep's buffers on the device at once. */
rnnscan_status cl_whole_run_scan(rnnscan_model *m, const rnnscan_run *run,
                                 const rnnscan_run_dims *d);

/* A scan on run->schedule (HOST or PERSISTENT), whole-run or chunked as the
 * allocation limit requires; on failure the queue is drained first. */
rnnscan_status cl_run_scan(rnnscan_model *m, const rnnscan_run *run, const rnnscan_run_dims *d);

/* ---- the chunked scan (cl_chunked.c) ---- */
/* Whether a whole-run scan's buffers fit the allocation limit. */
int cl_whole_run_fits(const rnnscan_model *m, const rnnscan_run_dims *d);
rnnscan_status cl_chunked_scan(rnnscan_model *m, const rnnscan_run *run,
                               const rnnscan_run_dims *d);

#endif /* RNNSCAN_CL_SCAN_H */
