/* The optimised CPU backend: private declarations shared by its files.
 *
 * cpu_model.c   weights packed once per model, cached scratch, the ops table
 * cpu_order.c   per-call sequence order (sorted by length) and packed layout
 * cpu_gemm.c    the products: OpenBLAS sgemm / sgemv, or a small kernel on
 *               weights packed once (the packed copies cost as much memory as
 *               the weights themselves, half for 16-bit weights)
 * cpu_tile.h    the small kernel's body, also compiled by
 * cpu_gemm_avx2.c  for 16-bit panels decoded with AVX2 / F16C instructions
 * cpu_team.c    threads sharing a small-batch scan's products (a mat-vec
 *               per step when the batch is 1) by ranges of panels
 * cpu_cells.c   the cell descriptors (one const row per cell variant) and
 *               their fused activations + state updates (cpu_math.h: exp, tanh)
 * cpu_variants.c  ONNX's cell variants (rnnscan_variant not plain): their rows
 *               and the fused kernels with the variant's activations, clip,
 *               peepholes, input_forget; GRU reset_before's r * h
 * cpu_scan.c    the layer / direction / time loops (and an LSTM's projection,
 *               h = m W_hr^T after the cell pass, m its unprojected output)
 *
 * Internally every sequence tensor is in "packed" layout, PyTorch's
 * PackedSequence: sequences sorted by length, descending; for each step t the
 * rows of the act[t] sequences still running, contiguous, starting at row
 * off[t].  Steps past a sequence's end have no row, so they cost nothing. */
#ifndef RNNSCAN_CPU_H
#define RNNSCAN_CPU_H

#include <stddef.h>

#include "../internal.h"

#define CPU_PANEL 16 /* columns per packed weight panel of the small kernel */
/* Products of fewer rows go to the small kernel (or sgemv), never to sgemm,
 * and a scan whose batch is smaller has a team of threads (cpu_team.c) when
 * its recurrent product is large; cpu_gemm.c has the measurements. */
#define CPU_SMALL_MIN_ROWS 16
/* A scan starts a team when its recurrent products (multiply-adds, all
 * steps) reach this: starting and joining the threads (tens of
 * microseconds) would cost more than a second core gains on less. */
#define CPU_TEAM_MIN_SCAN_MACS (1 << 23)

/* W^T of a [n][k] row-major W, for the small kernel: ceil(n / 16) panels of
 * [k][16] values, columns past n zero; floats, or for a bf16 model (and an
 * f16 one where cpu_has_f16c) their 16-bit patterns (half the bytes to
 * stream). */
typedef struct cpu_packed {
    int n, k;
    rnnscan_weight_type type;
    int avx2; /* 16-bit panels decoded by cpu_gemm_avx2.c (the CPU has AVX2, FMA, F16C) */
    void *data;
} cpu_packed;

/* ---- cell descriptors (cpu_cells.c) ----------------------------------------
 * Everything the model, scan and step code need to know about a cell is in
 * its cpu_cell_desc row, looked up once at model creation; no other code of
 * the backend tests which cell it runs. */

#define CPU_MAX_GATES 4

/* Activations, applied to one gate's pre-activation or to a state. */
typedef enum cpu_act { CPU_ACT_NONE = 0, CPU_ACT_SIGMOID, CPU_ACT_TANH, CPU_ACT_RELU } cpu_act;

/* How the activated gates make the new state (one fused kernel family each). */
typedef enum cpu_update {
    CPU_UPDATE_RNN,  /* h = act0(gate 0) */
    CPU_UPDATE_LSTM, /* c = f c + i g; h = o state_act(c)  (gates i, f, g, o) */
    CPU_UPDATE_GRU   /* n = act2(x_n + r (h_n + b_hn)); h = (1 - z) n + z h  (gates r, z, n) */
} cpu_update;

/* What the variant kernels (cpu_variants.c) read beyond the others'
 * arguments; the plain cells' kernels ignore it. */
typedef struct cpu_step_variant {
    const rnnscan_variant *variant; /* the model's: activations, clip, input_forget */
    const float *peep;              /* the layer's [3H] p_i, p_f, p_o (LSTM peepholes), else NULL */
} cpu_step_variant;

/* One step of a cell for ranks 0..n-1.  g [n][G*H] holds x W_ih^T, plus
 * h W_hh^T unless the cell keeps recurrent terms apart (hh_apart), in which
 * case all of h W_hh^T is in gh [n][G*H]; bias / b_apart as in cpu_layer.
 * Updates h [n][H] and c [n][H] (has_c) in place and copies the new h to out
 * (row stride ldout). */
typedef void cpu_step_fn(int n, int H, const float *g, const float *gh, const float *bias,
                         const float *b_apart, float *h, float *c, float *out, size_t ldout,
                         const cpu_step_variant *v);

/* A reset_before cell's first half step, between its two recurrent
 * products: rh [n][H] = r * h, r = gate 0 activated (the variant's f, clip)
 * from g [n][G*H] + bias, g's gate 0 holding x W_ir^T + h W_hr^T by then
 * (GRU's r rows, not a projection). */
typedef void cpu_reset_fn(int n, int H, const float *g, const float *bias, const float *h,
                          float *rh, const cpu_step_variant *v);

typedef struct cpu_cell_desc {
    rnnscan_cell cell;
    int gates;                  /* G: blocks of H rows in w_ih, w_hh, b_ih, b_hh */
    cpu_act act[CPU_MAX_GATES]; /* each gate's activation, in the weights' gate order */
    cpu_act state_act;          /* on the cell state for h (LSTM's tanh(c)), else NONE */
    cpu_update update;          /* how the gates make the new state */
    int has_c;                  /* a second state c: c0 / c_n, scratch */
    /* Bit k: gate k's recurrent term W_h* h + b_h* is kept apart from its
     * input term (GRU's n: r multiplies it).  Bias folding: bias = b_ih + b_hh
     * except in these gates, which take b_ih alone; their b_hh goes to
     * b_apart.  Nonzero: h W_hh^T goes to its own buffer gh instead of onto
     * the input projection. */
    unsigned hh_apart;
    /* Nonzero (GRU reset_before): the last gate's rows of W_hh multiply
     * r * h, r = gate 0 activated, instead of h.  All of the recurrent
     * products go onto g (no hh_apart gate, every b_hh folded), in two parts
     * per step: h times the other rows, r * h (the cell's reset kernel),
     * then r * h times the last gate's rows (packed apart, cpu_layer.hh_n). */
    int reset_before;
} cpu_cell_desc;

/* A cell resolved for running: its row and the fused kernel (AVX2 clone or
 * not, picked at load time) matching the row's update kind and activations. */
typedef struct cpu_cell {
    const cpu_cell_desc *desc;
    cpu_step_fn *step;
    cpu_reset_fn *reset; /* with desc->reset_before, else NULL */
} cpu_cell;

/* The row of a plain `cell` (PyTorch's) and its kernel; 0 when there is none
 * (unknown cell, or a row without a matching kernel). */
int cpu_cell_find(rnnscan_cell cell, cpu_cell *out);
/* The same for a cell with a non-plain variant v (cpu_variants.c). */
int cpu_variant_find(rnnscan_cell cell, const rnnscan_variant *v, cpu_cell *out);

/* One layer-direction, ready to run. */
typedef struct cpu_layer {
    const float *w_ih, *w_hh, *w_hr; /* PyTorch layout, borrowed from rnnscan_layer;
                                        w_hr [P][H] with a projection, else NULL */
    int input;
    float *bias;       /* [G*H] b_ih + b_hh, b_ih alone in hh_apart gates */
    float *b_apart;    /* [popcount(hh_apart)*H] b_hh of the hh_apart gates, in gate
                          order (GRU: b_hn, added inside r * (W_hn h + b_hn)); else NULL */
    cpu_packed hh, ih; /* W_hh^T and W_ih^T for the small kernel; with reset_before,
                          hh holds the rows that multiply h (all but the last gate's) */
    cpu_packed hh_n;   /* with reset_before: the last gate's rows of W_hh^T (they
                          multiply r * h), else empty */
    cpu_packed hr;     /* W_hr^T, with a projection */
    const float *peep; /* [3H] LSTM peepholes, borrowed from rnnscan_layer, else NULL */
} cpu_layer;

typedef struct cpu_model {
    cpu_cell cell;     /* the cell's descriptor row and step kernel */
    cpu_layer *layers; /* L*D, index layer*D + direction */
    void *scratch;     /* grown on demand, kept between calls */
    size_t scratch_bytes;
} cpu_model;

/* Per-call order of the sequences (cpu_order.c). */
typedef struct cpu_order {
    int T, B;
    int identity;  /* packed layout == the caller's [T][B] layout (no copies needed) */
    int *perm;     /* [B] rank -> caller's batch index, longest first */
    int *act;      /* [T] sequences still running at step t: ranks 0..act[t]-1 */
    size_t *off;   /* [T+1] first packed row of step t; off[T] = total rows */
} cpu_order;

/* Fills perm / act / off (arrays provided by the caller) from the lengths
 * (NULL = all T); `batch_first` is the caller's x / y layout. */
void cpu_order_make(cpu_order *o, int T, int B, const int *lengths, int batch_first, int *perm,
                    int *act, size_t *off);
/* x ([T][B][X] or [B][T][X]) -> packed [rows][X]. */
void cpu_gather_input(const cpu_order *o, int batch_first, const float *x, int X, float *dst);
/* packed [rows][W] -> y, zeros where a sequence has ended. */
void cpu_scatter_output(const cpu_order *o, int batch_first, const float *src, int W, float *y);
/* [B][H] caller state (h0 / c0 slice) -> ranked state; NULL src = zeros. */
void cpu_state_in(const cpu_order *o, const float *src, int H, float *dst);
/* ranked state -> [B][H] caller state (h_n / c_n slice). */
void cpu_state_out(const cpu_order *o, const float *src, int H, float *dst);

/* Packing (cpu_gemm.c): w, already rounded to `type`, stored as `type`.
 * Returns 0 when out of memory. */
int cpu_pack(const float *w, int n, int k, rnnscan_weight_type type, cpu_packed *out);
void cpu_packed_free(cpu_packed *p);

/* Threads sharing the products of one small-batch scan (cpu_team.c); NULL
 * (one thread) when `threads` < 2 or no thread can be started. */
typedef struct cpu_team cpu_team;
cpu_team *cpu_team_start(int threads);
void cpu_team_stop(cpu_team *team);
/* Threads in a team (1 for NULL). */
int cpu_team_size(const cpu_team *team);
/* The small kernel's product with its panels split among the team, the
 * calling thread taking the first range; returns when all are done. */
void cpu_team_gemm(cpu_team *team, int M, const float *A, size_t lda, const cpu_packed *w,
                   float *C, size_t ldc, int accumulate);

/* C[m][0..N) (+)= A[m][0..K) . W[0..N)[0..K) for m < M, W in PyTorch's
 * layout and Wp its packed copy; accumulate = 0 overwrites C.  With a team
 * (NULL: none), the small kernel on the team; else OpenBLAS sgemm / sgemv
 * or the small kernel by shape. */
void cpu_product(cpu_team *team, int M, int N, int K, const float *A, size_t lda, const float *W,
                 const cpu_packed *Wp, float *C, size_t ldc, int accumulate);
/* 16-bit panels with AVX2 decoding (cpu_gemm_avx2.c), where Wp->avx2. */
void cpu_gemm_half_avx2(int M, const float *A, size_t lda, const cpu_packed *w, int p0, int p1,
                        float *C, size_t ldc, int accumulate);
/* Whether this build and CPU can decode f16 with F16C (AVX2 + FMA + F16C). */
int cpu_has_f16c(void);

/* The small kernel alone, on panels [p0, p1) of w: columns [16 p0, 16 p1). */
void cpu_gemm_panels(int M, const float *A, size_t lda, const cpu_packed *w, int p0, int p1,
                     float *C, size_t ldc, int accumulate);
/* Threads OpenBLAS uses. */
int cpu_blas_threads(void);

/* Scratch of the model, grown to `bytes` (64-byte aligned); NULL when out of memory. */
void *cpu_scratch(cpu_model *cm, size_t bytes);

rnnscan_status cpu_scan(rnnscan_model *model, const rnnscan_run *run, const rnnscan_run_dims *dims);

#endif /* RNNSCAN_CPU_H */
