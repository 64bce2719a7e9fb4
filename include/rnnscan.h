/*
 * rnnscan: batched RNN / LSTM / GRU forward passes on OpenCL devices, with a
 * double-precision CPU reference beside them.
 *
 * Semantics, weight layout and shapes follow PyTorch's nn.RNN / nn.LSTM /
 * nn.GRU (see README.md for the equations).  All arrays are float32, dense,
 * row-major ("C order").
 *
 * Ownership: the caller owns every array it passes in or out; the library
 * copies weights when a model is created and owns its device buffers and
 * compiled programs until the matching *_free call.
 *
 * Threads:
 * - rnnscan_list_devices, rnnscan_context_create and every function that
 *   takes no handle (names, version, rnnscan_npy_*, rnnscan_npz_open*,
 *   rnnscan_npz_write) may be called from any number of threads at once.
 *   OpenCL start-up (platform and device queries, context and queue
 *   creation), which the drivers do not make safe side by side, is
 *   serialised inside the library by one process-wide lock; scans never
 *   take it.
 * - A context and the models made from it are one unit, used by one thread
 *   at a time: model create / scan / step / free, rnnscan_model_error and
 *   rnnscan_context_error, rnnscan_context_free.  Two models of one context
 *   must not scan at the same time (they share its queue and error buffer).
 *   The unit may move to another thread when the program synchronises the
 *   hand-over (a mutex, a join).  rnnscan_context_backend and _device_name
 *   read what is fixed at creation: any thread, while it lives.
 *   rnnscan_context_build_ms grows when a model is created, so it belongs to
 *   the unit like the rest.
 * - Different contexts are independent: their models scan concurrently, on
 *   any backends, several on the same device included (cpu contexts share
 *   OpenBLAS's threads, so they share its cores too).  A cpu scan of fewer
 *   than 16 sequences with enough work also starts threads of its own, as
 *   many as OpenBLAS uses (OPENBLAS_NUM_THREADS, at most 8), and joins them
 *   before it returns.
 * - An rnnscan_npz is used by one thread at a time; different ones freely.
 * - rnnscan_last_error() is per thread: the calling thread's last call only.
 * - A program that makes OpenCL calls of its own from other threads is
 *   outside the library's lock: let one call (e.g. rnnscan_list_devices)
 *   finish before those threads start.
 *
 * Errors: every fallible function returns an rnnscan_status.  The detail of
 * the last failure (which argument and why, the failing OpenCL call and its
 * error name, the kernel build log) is kept by the handle involved and, for
 * every call, by rnnscan_last_error() on the calling thread.  The library
 * never prints, exits or aborts.
 */
#ifndef RNNSCAN_H
#define RNNSCAN_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- exported symbols ---------------------------------------------------- */
/* RNNSCAN_API marks the library's public functions: the only symbols the
 * shared library exports (it is built with -fvisibility=hidden; everything
 * else, internal helpers included, stays inside it).  Under GCC and clang it
 * is __attribute__((visibility("default"))), elsewhere empty; a program may
 * define it before including this header to override it.  A test
 * (tests/exported_symbols.py) checks that the exports are exactly the
 * functions declared here. */
#ifndef RNNSCAN_API
#if defined(__GNUC__) && __GNUC__ >= 4
#define RNNSCAN_API __attribute__((visibility("default")))
#else
#define RNNSCAN_API
#endif
#endif

/* ---- version ----------------------------------------------------------- */
/* meson.build reads these three lines: keep their form. */
#define RNNSCAN_VERSION_MAJOR 0
#define RNNSCAN_VERSION_MINOR 1
#define RNNSCAN_VERSION_PATCH 0
#define RNNSCAN_VERSION_NUMBER \
    (RNNSCAN_VERSION_MAJOR * 10000 + RNNSCAN_VERSION_MINOR * 100 + RNNSCAN_VERSION_PATCH)

/*! rnnscan_version_number() : the library's RNNSCAN_VERSION_NUMBER at build
 *  time, to compare with the header a program was compiled against. */
RNNSCAN_API int rnnscan_version_number(void);
/*! rnnscan_version_string() : "MAJOR.MINOR.PATCH"; static storage. */
RNNSCAN_API const char *rnnscan_version_string(void);

/* ---- status ------------------------------------------------------------- */
/* One list makes the enum, the names and the messages, so they never drift.
 * The numbers are part of the ABI: never renumber or reuse one; a new status
 * takes the next number at the end (RNNSCAN_STATUS_COUNT_ is one past the
 * last; src/status.c checks the list is 0..COUNT_-1 in order). */
#define RNNSCAN_STATUS_MAP(X)                                                         \
    X(OK, 0, "success")                                                               \
    X(INVALID_ARGUMENT, 1, "invalid argument")                                        \
    X(NOT_SUPPORTED, 2, "not supported (yet) by this backend or build")               \
    X(OUT_OF_MEMORY, 3, "out of host memory")                                         \
    X(TOO_LARGE, 4, "buffer larger than the device's maximum allocation")             \
    X(NO_DEVICE, 5, "no OpenCL platform or device found")                             \
    X(DEVICE_NOT_FOUND, 6, "no OpenCL device matches the requested spec")             \
    X(OPENCL_ERROR, 7, "an OpenCL call failed")                                       \
    X(BUILD_FAILED, 8, "the OpenCL kernels failed to build")                          \
    X(IO_ERROR, 9, "file could not be read or written")                               \
    X(FORMAT_ERROR, 10, "file is not in the expected format")

typedef enum rnnscan_status {
#define RNNSCAN_STATUS_ENUM_(name, value, msg) RNNSCAN_##name = value,
    RNNSCAN_STATUS_MAP(RNNSCAN_STATUS_ENUM_)
#undef RNNSCAN_STATUS_ENUM_
    RNNSCAN_STATUS_COUNT_ = 11
} rnnscan_status;

/*! rnnscan_status_name() : "RNNSCAN_INVALID_ARGUMENT" etc.; "RNNSCAN_UNKNOWN_STATUS"
 *  for a value outside the enum.  Static storage. */
RNNSCAN_API const char *rnnscan_status_name(rnnscan_status status);
/*! rnnscan_status_string() : a short English sentence for the status. Static storage. */
RNNSCAN_API const char *rnnscan_status_string(rnnscan_status status);
/*! rnnscan_last_error() : the detail of the most recent failed call made on
 *  this thread ("" if none).  Valid until the next rnnscan call on this thread. */
RNNSCAN_API const char *rnnscan_last_error(void);

/* ---- cells, backends, schedules ---------------------------------------- */
typedef enum rnnscan_cell {
    RNNSCAN_CELL_RNN_TANH = 0, /* G = 1: h = tanh(W_ih x + b_ih + W_hh h + b_hh)      */
    RNNSCAN_CELL_RNN_RELU = 1, /* G = 1: h = relu(...)                                */
    RNNSCAN_CELL_LSTM = 2,     /* G = 4, gate order i, f, g, o                         */
    RNNSCAN_CELL_GRU = 3       /* G = 3, gate order r, z, n                            */
} rnnscan_cell;

/*! rnnscan_cell_gates() : G for the cell (1, 4 or 3), 0 for an unknown value. */
RNNSCAN_API int rnnscan_cell_gates(rnnscan_cell cell);
/*! rnnscan_cell_name() : "rnn_tanh", "rnn_relu", "lstm", "gru", or NULL. */
RNNSCAN_API const char *rnnscan_cell_name(rnnscan_cell cell);
/*! rnnscan_cell_parse() : the inverse of rnnscan_cell_name (case-insensitive).
 *  @return RNNSCAN_OK, or RNNSCAN_INVALID_ARGUMENT for an unknown name. */
RNNSCAN_API rnnscan_status rnnscan_cell_parse(const char *name, rnnscan_cell *cell);

/* How a model stores its weights and biases.  F16 and BF16 round every
 * parameter once at model creation (to nearest, ties to even) and store it in
 * 2 bytes; inputs, states, sums and outputs stay float32 on every backend,
 * and the reference computes with the same rounded parameters. */
typedef enum rnnscan_weight_type {
    RNNSCAN_F32 = 0,  /* float32, as given (the default)                                */
    RNNSCAN_F16 = 1,  /* IEEE binary16: 11 significant bits, |w| < 65520, else refused */
    RNNSCAN_BF16 = 2  /* bfloat16: 8 significant bits, float32's range (|w| < 3.39e38)  */
} rnnscan_weight_type;

/*! rnnscan_weight_type_name() : "f32", "f16", "bf16", or NULL. */
RNNSCAN_API const char *rnnscan_weight_type_name(rnnscan_weight_type type);
/*! rnnscan_weight_type_parse() : the inverse of rnnscan_weight_type_name (case-insensitive). */
RNNSCAN_API rnnscan_status rnnscan_weight_type_parse(const char *name, rnnscan_weight_type *type);

typedef enum rnnscan_backend {
    RNNSCAN_BACKEND_REFERENCE = 0, /* plain C, double accumulation: the oracle          */
    RNNSCAN_BACKEND_CPU = 1,       /* optimised CPU backend (OpenBLAS + vector loops)  */
    RNNSCAN_BACKEND_OPENCL = 2     /* OpenCL kernels, host-driven time loop            */
} rnnscan_backend;

/*! rnnscan_backend_name() : "reference", "cpu", "opencl", or NULL. */
RNNSCAN_API const char *rnnscan_backend_name(rnnscan_backend backend);
/*! rnnscan_backend_parse() : the inverse of rnnscan_backend_name (case-insensitive). */
RNNSCAN_API rnnscan_status rnnscan_backend_parse(const char *name, rnnscan_backend *backend);

/* How an OpenCL scan runs its time loop; backends without schedules
 * (reference, cpu) ignore it.  Results match the reference either way. */
typedef enum rnnscan_schedule {
    RNNSCAN_SCHEDULE_AUTO = 0,      /* the faster of the two for this device and
                                       shape, measured on first use (see below)      */
    RNNSCAN_SCHEDULE_HOST = 1,      /* the host loops over time, one launch per step  */
    RNNSCAN_SCHEDULE_PERSISTENT = 2 /* a layer's whole time loop inside one launch,
                                       one work-group per sequence and direction; H up
                                       to the device's work-group size (times 8 on a
                                       CPU device), else RNNSCAN_NOT_SUPPORTED         */
} rnnscan_schedule;
/* AUTO on OpenCL predicts each schedule's time as a + b*T from costs measured
 * on the device for the model's shape (cell, weight type, L, D, X, H, the batch rounded up
 * to a power of 2) with its kernel shapes and driver: the first AUTO scan of
 * a shape runs a probe (both schedules on synthetic inputs of 4 and 32
 * steps; milliseconds for small models, about a second for the largest) and
 * keeps the costs in the context and in a cache file,
 * $RNNSCAN_CACHE_DIR (empty: none), else $XDG_CACHE_HOME/rnnscan, else
 * ~/.cache/rnnscan: schedules-v1.tsv, safe to delete, rewritten atomically;
 * a missing, corrupt or unwritable file only means probing again.  HOST
 * when the persistent schedule cannot run the model.
 * rnnscan_model_last_schedule() says what a scan ran. */

/* ---- OpenCL devices ----------------------------------------------------- */
typedef struct rnnscan_device_info {
    int index;            /* global index over all platforms: a valid device spec  */
    int platform_index;
    int is_gpu;
    char platform_name[128];
    char device_name[128];
    char version[128];    /* CL_DEVICE_VERSION                                     */
    size_t max_alloc_bytes;
    size_t global_mem_bytes;
    int compute_units;
} rnnscan_device_info;

/*! rnnscan_list_devices() : fills up to `capacity` entries of `devices` (may be
 *  NULL when capacity is 0) and sets *count to the number of OpenCL devices on
 *  all platforms.  No platform at all is not an error: *count = 0.  Any
 *  thread, also while others create contexts.
 *  @return RNNSCAN_OK, RNNSCAN_INVALID_ARGUMENT (count NULL) or RNNSCAN_OPENCL_ERROR. */
RNNSCAN_API rnnscan_status rnnscan_list_devices(rnnscan_device_info *devices, int capacity,
                                                 int *count);

/* ---- context ------------------------------------------------------------ */
typedef struct rnnscan_context rnnscan_context;

/* OpenCL kernel shapes, for tuning experiments and devices the defaults do
 * not suit; a field of 0 keeps the device kind's default (README, "Backends
 * and devices").  Results do not depend on them. */
typedef struct rnnscan_opencl_tuning {
    int tile_rows;  /* input projection: rows of x per work-item: 1, 2, 4, 6 or 8 */
    int step_rows;  /* step kernel: sequences per work-item: 1, 2, 3 or 4 */
    int scan_units; /* persistent kernel: hidden units per work-item: 1 or 8 */
    int w_layout;   /* packed weights: 1 rows (coalescing, GPUs), 2 panels (one
                       contiguous stream per work-item, CPU devices) */
    int proj_layout; /* input projection: 1 register tiles (CPU devices), 2 a
                        local-memory tiled GEMM, 16 x 16 work-groups (GPUs) */
    int step_layout; /* host-loop step: 1 each work-item reads h_{t-1} from global
                        memory (CPU devices), 2 work-groups of up to 64 items stage
                        it through local memory (GPUs) */
} rnnscan_opencl_tuning;

typedef struct rnnscan_context_options {
    rnnscan_backend backend;
    /* OpenCL device spec: a device index (as rnnscan_list_devices numbers them)
     * or a case-insensitive substring of "platform name / device name".
     * NULL or "": the environment variable RNNSCAN_DEVICE if set, else the
     * first GPU, else the first device.  Ignored by CPU backends. */
    const char *device;
    /* OpenCL: the largest device buffer the context may create, in bytes;
     * 0 = the device's CL_DEVICE_MAX_MEM_ALLOC_SIZE.  The environment
     * variable RNNSCAN_MAX_ALLOC lowers it further; the smallest of the
     * three applies.  Scans larger than it run in chunks (same results);
     * the weights of one layer-direction must fit it.  Lets a program share
     * a GPU.  Ignored by CPU backends. */
    size_t max_alloc_bytes;
    /* OpenCL: kernel shapes overriding the device kind's (NULL: defaults;
     * the environment variable RNNSCAN_TUNING=cpu|gpu picks a kind's row).
     * Copied at creation.  Ignored by CPU backends. */
    const rnnscan_opencl_tuning *tuning;
} rnnscan_context_options;

/*! rnnscan_context_create() : opens a backend.  For OpenCL it picks the
 *  device, creates the context and an in-order queue, and chooses the kernel
 *  shapes; the kernels are built when models need them (model_create).
 *  `options` NULL means the reference backend.  On success *out owns the
 *  context; on failure *out is NULL, nothing is leaked, and the detail is in
 *  rnnscan_last_error().  Any number of threads may create contexts at once,
 *  each its own: the device choice and context creation run one at a time
 *  (process-wide lock); kernel builds (model_create) run side by side. */
RNNSCAN_API rnnscan_status rnnscan_context_create(const rnnscan_context_options *options,
                                                   rnnscan_context **out);
/*! rnnscan_context_free() : frees the context; accepts NULL.  Free its models first. */
RNNSCAN_API void rnnscan_context_free(rnnscan_context *context);
/*! rnnscan_context_error() : detail of the last failure seen by this context or
 *  one of its models ("" if none).  NULL context gives "". */
RNNSCAN_API const char *rnnscan_context_error(const rnnscan_context *context);
/*! rnnscan_context_backend() : the backend the context runs. */
RNNSCAN_API rnnscan_backend rnnscan_context_backend(const rnnscan_context *context);
/*! rnnscan_context_device_name() : "platform / device" for OpenCL, the backend
 *  name otherwise.  Owned by the context. */
RNNSCAN_API const char *rnnscan_context_device_name(const rnnscan_context *context);
/*! rnnscan_context_build_ms() : wall time spent so far building OpenCL
 *  programs for this context's models: one program per kernel variant (entry
 *  point, cell, options, kernel shapes), built when the first model that
 *  needs it is created and reused by the rest (0 for CPU backends). */
RNNSCAN_API double rnnscan_context_build_ms(const rnnscan_context *context);

/* ---- model -------------------------------------------------------------- */
typedef struct rnnscan_model rnnscan_model;

/* What a network is.  Zero-initialise and set what you need: zero in the
 * optional fields means the PyTorch default. */
/* Activation functions for rnnscan_model_desc.activations, ONNX's list;
 * alpha and beta are used as given (rnnscan_model_load_onnx fills ONNX's
 * defaults), and ignored by the kinds that take none. */
typedef enum rnnscan_act_kind {
    RNNSCAN_ACT_DEFAULT = 0,          /* the cell's own at this position          */
    RNNSCAN_ACT_SIGMOID = 1,          /* 1 / (1 + e^-x)                           */
    RNNSCAN_ACT_TANH = 2,             /* tanh x                                   */
    RNNSCAN_ACT_RELU = 3,             /* max(0, x)                                */
    RNNSCAN_ACT_HARD_SIGMOID = 4,     /* max(0, min(1, alpha x + beta))           */
    RNNSCAN_ACT_AFFINE = 5,           /* alpha x + beta                           */
    RNNSCAN_ACT_LEAKY_RELU = 6,       /* x >= 0 ? x : alpha x                     */
    RNNSCAN_ACT_THRESHOLDED_RELU = 7, /* x > alpha ? x : 0                        */
    RNNSCAN_ACT_SCALED_TANH = 8,      /* alpha tanh(beta x)                       */
    RNNSCAN_ACT_ELU = 9,              /* x >= 0 ? x : alpha (e^x - 1)             */
    RNNSCAN_ACT_SOFTSIGN = 10,        /* x / (1 + |x|)                            */
    RNNSCAN_ACT_SOFTPLUS = 11,        /* log(1 + e^x)                             */
    RNNSCAN_ACT_COUNT_ = 12
} rnnscan_act_kind;

typedef struct rnnscan_activation {
    rnnscan_act_kind kind;
    float alpha, beta;
} rnnscan_activation;

/*! rnnscan_act_name() : ONNX's name ("HardSigmoid", ...), "default" for 0, or NULL. */
RNNSCAN_API const char *rnnscan_act_name(rnnscan_act_kind kind);
/*! rnnscan_act_parse() : the inverse of rnnscan_act_name for the 11 functions
 *  (case-insensitive).  @return RNNSCAN_OK or RNNSCAN_INVALID_ARGUMENT. */
RNNSCAN_API rnnscan_status rnnscan_act_parse(const char *name, rnnscan_act_kind *kind);

typedef struct rnnscan_model_desc {
    rnnscan_cell cell;
    int input_size;    /* X > 0 */
    int hidden_size;   /* H > 0 */
    int num_layers;    /* L: 0 or 1 = one layer; layer k > 0 reads layer k-1's output */
    int bidirectional; /* D = 2 when non-zero: a reverse direction per layer           */
    int batch_first;   /* x and y are [B][T][...] instead of [T][B][...]               */
    rnnscan_weight_type weight_type; /* storage of weights and biases; 0 = F32        */
    /* LSTM only, PyTorch's proj_size: 0 = none, else 0 < P < H.  The hidden
     * state is projected, h_t = W_hr (o * tanh(c_t)): h (and so y, h0, h_n)
     * is P wide, c stays H wide, W_hh is [4H][P] and layers above the first
     * read D*P inputs.  Below, "the state width" S is P when set, else H. */
    int proj_size;
    /* One direction running backwards, each sequence from its last step to
     * its first (ONNX's direction "reverse"); outputs stay at their times.
     * Not with bidirectional, whose second direction is this already. */
    int reverse;
    /* ONNX's cell variants (rnnscan_model_load_onnx sets them); zero in each
     * keeps PyTorch's cell.  See "Cell variants" below. */
    int gru_reset_before; /* GRU: n = g(W_in x + b_in + W_hn (r * h) + b_hn), r applied
                             before the recurrent product (ONNX linear_before_reset = 0,
                             Keras reset_after = False) */
    int peepholes;        /* LSTM: w_peep gives p_i, p_f, p_o: i, f see p * c_{t-1}, o sees p * c_t */
    int input_forget;     /* LSTM: coupled gates, f = 1 - i */
    float clip;           /* > 0: every gate pre-activation clamped to [-clip, clip] */
    rnnscan_activation activations[3]; /* ONNX's f, g, h positions; kind 0: the cell's own */
} rnnscan_model_desc;
/* Cell variants.  The activation positions are ONNX's: f is the gates'
 * (the RNN's only one; LSTM i, f, o; GRU r, z), g the candidate's (LSTM g,
 * GRU n; unused by RNN), h the LSTM cell output's (h = o * h(c)).  A
 * pre-activation is the sum of everything a gate adds (input and recurrent
 * products, both biases, a peephole term; GRU's n: W_in x + b_in + r * (W_hn h
 * + b_hn), or with gru_reset_before W_hn (r * h) + b_hn); clip clamps it, then
 * the activation applies.  With input_forget, f = 1 - i: W_f, b_f and p_f
 * are ignored.  One set of activations serves every layer and direction. */

/* One layer-direction's parameters, PyTorch's layout, G = rnnscan_cell_gates,
 * S the state width (H, or proj_size), In = X for layer 0 and D*S above it:
 *   w_ih [G*H][In], w_hh [G*H][S], b_ih [G*H], b_hh [G*H], w_hr [P][H].
 * Either bias may be NULL (zero); w_hr is required with proj_size and must
 * be NULL without.  Gate blocks are stacked in PyTorch's order (LSTM i, f,
 * g, o; GRU r, z, n). */
typedef struct rnnscan_weights {
    const float *w_ih;
    const float *w_hh;
    const float *b_ih;
    const float *b_hh;
    const float *w_hr; /* LSTM projection (proj_size), else NULL */
    const float *w_peep; /* LSTM peepholes [3H], p_i, p_f, p_o, with desc.peepholes, else NULL */
} rnnscan_weights;

/*! rnnscan_model_create() : validates `desc`, copies `weights` (L*D entries,
 *  index layer*D + direction, direction 1 = reverse) and, for OpenCL, uploads
 *  them once and builds the kernel variants the model needs unless its
 *  context has them (RNNSCAN_BUILD_FAILED with the build log if one fails).  A backend that cannot run the description answers
 *  RNNSCAN_NOT_SUPPORTED.  The model borrows `context`, which must outlive it.
 *  On failure *out is NULL and nothing is leaked. */
RNNSCAN_API rnnscan_status rnnscan_model_create(rnnscan_context *context,
                                                const rnnscan_model_desc *desc,
                                                const rnnscan_weights *weights,
                                                rnnscan_model **out);
/*! rnnscan_model_free() : accepts NULL. */
RNNSCAN_API void rnnscan_model_free(rnnscan_model *model);
/*! rnnscan_model_error() : detail of the model's last failure ("" if none). */
RNNSCAN_API const char *rnnscan_model_error(const rnnscan_model *model);
/*! rnnscan_model_build_ms() : wall time spent building OpenCL programs while
 *  this model was created (0 when its context had built its variants
 *  already, and for CPU backends). */
RNNSCAN_API double rnnscan_model_build_ms(const rnnscan_model *model);
/*! rnnscan_model_last_schedule() : the schedule the model's last successful
 *  scan ran (HOST or PERSISTENT, AUTO resolved); AUTO before any scan and on
 *  backends without schedules. */
RNNSCAN_API rnnscan_schedule rnnscan_model_last_schedule(const rnnscan_model *model);
/*! rnnscan_model_describe() : the description the model was created with. */
RNNSCAN_API rnnscan_model_desc rnnscan_model_describe(const rnnscan_model *model);

/* One forward pass over a batch of sequences.  L = layers, D = directions,
 * S the state width (H, or proj_size for a projected LSTM); "[T][B]" below
 * reads "[B][T]" for a batch_first model. */
typedef struct rnnscan_run {
    int seq_len;          /* T > 0                                                 */
    int batch;            /* B > 0                                                 */
    const float *x;       /* [T][B][X], required                                   */
    const float *h0;      /* [L*D][B][S] or NULL (zeros)                           */
    const float *c0;      /* [L*D][B][H] or NULL (zeros); LSTM only                */
    const int *lengths;   /* [B], each in 1..T, any order; NULL = all T.  Outputs
                             past a sequence's length are 0 and its h_n / c_n are
                             the state at its own last step (PyTorch's packed
                             sequences, enforce_sorted=False)                      */
    float *y;             /* [T][B][D*S], the last layer's every hidden state,
                             forward direction first; required                     */
    float *h_n;           /* [L*D][B][S] last hidden states, or NULL               */
    float *c_n;           /* [L*D][B][H] last cell states (LSTM), or NULL          */
    rnnscan_schedule schedule;
} rnnscan_run;

/*! rnnscan_model_scan() : runs the recurrence over all T steps for all B
 *  sequences (the notebook's scan_V_RNN / scan_LSTM, batched).  Outputs are
 *  written only on success; on failure their contents are unspecified.
 *  Blocks until the results are in the caller's arrays.  OpenCL: any T and
 *  B; a run whose buffers would exceed the context's allocation limit
 *  (rnnscan_context_options.max_alloc_bytes) runs in chunks of steps and
 *  sequences with the same results. */
RNNSCAN_API rnnscan_status rnnscan_model_scan(rnnscan_model *model, const rnnscan_run *run);

/*! rnnscan_model_step() : one step for a whole batch (the notebook's
 *  forward_V_RNN / forward_LSTM): x [B][X], h_prev [B][S] / c_prev [B][H] or
 *  NULL (zeros), h_next [B][S] required, c_next [B][H] required for LSTM (c_prev and
 *  c_next must be NULL for other cells).  h_next may be the same array as
 *  h_prev, c_next as c_prev.  Same as a scan with T = 1; one-layer,
 *  one-direction models only (RNNSCAN_NOT_SUPPORTED otherwise). */
RNNSCAN_API rnnscan_status rnnscan_model_step(rnnscan_model *model, int batch, const float *x,
                                              const float *h_prev, const float *c_prev,
                                              float *h_next, float *c_next);

/* ---- several devices ---------------------------------------------------- */
/* A group runs one scan over several models of the same network, one per
 * device (each created on its own context, e.g. one per entry of
 * rnnscan_list_devices): the batch is cut into contiguous ranges of
 * sequences, in proportion to each model's rate measured on the group's
 * previous scans (equal ranges on the first two: the first warms the models
 * up, and its times are not used; a cut is kept until a share would move by
 * more than a tenth), each range scanned by its model on its own thread.
 * Every sequence's results are those its model gives it alone (bit for bit
 * on the reference and OpenCL backends).  Where a layout interleaves
 * sequences (time-major x and y, every state array) a range is copied out
 * and its results copied back: the time-major input and output are held
 * twice.  The group borrows the models: free it first, and use them for
 * nothing else during its scans. */
#define RNNSCAN_GROUP_MAX 64
typedef struct rnnscan_group rnnscan_group;

/*! rnnscan_group_create() : a group over models[0..count).  INVALID_ARGUMENT
 *  when count is outside 1..RNNSCAN_GROUP_MAX, a model is NULL, two models
 *  differ in shape (cell, sizes, layers, directions, batch_first) or two
 *  share a context (which one thread at a time may use). */
RNNSCAN_API rnnscan_status rnnscan_group_create(rnnscan_model *const *models, int count,
                                                rnnscan_group **out);
/*! rnnscan_group_scan() : rnnscan_model_scan over the group, the same
 *  arguments and results.  A model's failure is reported as "group_scan:
 *  model K (device, sequences A..B): detail"; the outputs are then
 *  unspecified.  One thread at a time per group. */
RNNSCAN_API rnnscan_status rnnscan_group_scan(rnnscan_group *group, const rnnscan_run *run);
/*! rnnscan_group_shares() : the sequences each model ran in the last scan
 *  into shares[0..capacity); returns the group's model count (0 for NULL). */
RNNSCAN_API int rnnscan_group_shares(const rnnscan_group *group, int *shares, int capacity);
/*! rnnscan_group_free() : accepts NULL; the models stay the caller's. */
RNNSCAN_API void rnnscan_group_free(rnnscan_group *group);

/* ---- NumPy files (.npy / .npz) ------------------------------------------ */
#define RNNSCAN_MAX_DIMS 8

/* A dense float32 array in C order, owned by whoever holds it; free the data
 * with rnnscan_array_free.  Readers convert <f8 and big-endian data to native
 * float32 and Fortran order to C order. */
typedef struct rnnscan_array {
    int ndim;
    size_t shape[RNNSCAN_MAX_DIMS];
    float *data;
} rnnscan_array;

/* The same for integer arrays (lengths): int32 / int64 files, read as int. */
typedef struct rnnscan_int_array {
    int ndim;
    size_t shape[RNNSCAN_MAX_DIMS];
    int *data;
} rnnscan_int_array;

/*! rnnscan_array_elems() : product of the shape (1 for ndim 0). */
RNNSCAN_API size_t rnnscan_array_elems(const rnnscan_array *array);
/*! rnnscan_array_free() / rnnscan_int_array_free() : free data, zero the
 *  struct; accept NULL. */
RNNSCAN_API void rnnscan_array_free(rnnscan_array *array);
RNNSCAN_API void rnnscan_int_array_free(rnnscan_int_array *array);

/*! rnnscan_npy_parse() : reads a whole .npy image (versions 1.0, 2.0, 3.0;
 *  dtypes <f4 >f4 <f8 >f8; C or Fortran order).  Never reads outside
 *  [data, data + size).  @return RNNSCAN_OK, RNNSCAN_FORMAT_ERROR (bad magic,
 *  truncated, bad header, unsupported dtype, element count overflow) or
 *  RNNSCAN_OUT_OF_MEMORY.  On failure *out is zeroed. */
RNNSCAN_API rnnscan_status rnnscan_npy_parse(const void *data, size_t size, rnnscan_array *out);
/*! rnnscan_npy_parse_int() : as rnnscan_npy_parse for dtypes <i4 >i4 <i8 >i8
 *  (values must fit an int). */
RNNSCAN_API rnnscan_status rnnscan_npy_parse_int(const void *data, size_t size,
                                                  rnnscan_int_array *out);
/*! rnnscan_npy_read() / rnnscan_npy_read_int() : the same from a file
 *  (RNNSCAN_IO_ERROR when it cannot be read). */
RNNSCAN_API rnnscan_status rnnscan_npy_read(const char *path, rnnscan_array *out);
RNNSCAN_API rnnscan_status rnnscan_npy_read_int(const char *path, rnnscan_int_array *out);
/*! rnnscan_npy_write() : writes a version 1.0 '<f4' C-order file that numpy
 *  loads.  Writes a temporary file beside `path` and renames it, so a failure
 *  leaves no partial file. */
RNNSCAN_API rnnscan_status rnnscan_npy_write(const char *path, const rnnscan_array *array);

/* An opened .npz archive (np.savez / np.savez_compressed, zip64 included). */
typedef struct rnnscan_npz rnnscan_npz;

/*! rnnscan_npz_open() : opens an archive from a file. */
RNNSCAN_API rnnscan_status rnnscan_npz_open(const char *path, rnnscan_npz **out);
/*! rnnscan_npz_open_buffer() : from memory; the bytes are copied. */
RNNSCAN_API rnnscan_status rnnscan_npz_open_buffer(const void *data, size_t size,
                                                    rnnscan_npz **out);
/*! rnnscan_npz_count() / rnnscan_npz_name() : the members, named without
 *  their ".npy" suffix (as np.load shows them). */
RNNSCAN_API int rnnscan_npz_count(const rnnscan_npz *npz);
RNNSCAN_API const char *rnnscan_npz_name(const rnnscan_npz *npz, int index);
/*! rnnscan_npz_get() / rnnscan_npz_get_int() : reads member `name`;
 *  RNNSCAN_FORMAT_ERROR naming it when absent or not a valid .npy. */
RNNSCAN_API rnnscan_status rnnscan_npz_get(rnnscan_npz *npz, const char *name, rnnscan_array *out);
RNNSCAN_API rnnscan_status rnnscan_npz_get_int(rnnscan_npz *npz, const char *name,
                                                rnnscan_int_array *out);
/*! rnnscan_npz_close() : accepts NULL. */
RNNSCAN_API void rnnscan_npz_close(rnnscan_npz *npz);
/*! rnnscan_npz_write() : writes `count` arrays as members "<name>.npy" of a
 *  stored (uncompressed) archive numpy reads; temporary file, then rename. */
RNNSCAN_API rnnscan_status rnnscan_npz_write(const char *path, int count, const char *const names[],
                                             const rnnscan_array arrays[]);

/* Streaming a .npy in: its header read once, then any run of elements (in C
 * order) read and converted to float32 without holding the file.  Reads
 * may come from several threads at once (pread). */
typedef struct rnnscan_npy_reader rnnscan_npy_reader;

/*! rnnscan_npy_reader_open() : opens a float .npy ('<f4' '>f4' '<f8' '>f8').
 *  @return RNNSCAN_OK, RNNSCAN_IO_ERROR, RNNSCAN_FORMAT_ERROR (bad header,
 *  other dtype, data shorter than the shape) or RNNSCAN_OUT_OF_MEMORY. */
RNNSCAN_API rnnscan_status rnnscan_npy_reader_open(const char *path, rnnscan_npy_reader **out);
/*! rnnscan_npy_reader_open_npz() : the same for one member of a .npz, named
 *  as np.load names it (with or without ".npy"; NULL: the archive's only
 *  member, INVALID_ARGUMENT listing them when there are several;
 *  FORMAT_ERROR listing them when it is absent).  A stored member
 *  (np.savez) is read at any offset; a deflated one (np.savez_compressed)
 *  is decompressed forward through libzip's stream, from its beginning
 *  again whenever a read goes back, so read it in increasing order.  Reads
 *  are serialised by a lock. */
RNNSCAN_API rnnscan_status rnnscan_npy_reader_open_npz(const char *path, const char *member,
                                                       rnnscan_npy_reader **out);
/*! rnnscan_npy_reader_shape() : fills shape, returns ndim (-1 for NULL). */
RNNSCAN_API int rnnscan_npy_reader_shape(const rnnscan_npy_reader *reader,
                                         size_t shape[RNNSCAN_MAX_DIMS]);
/*! rnnscan_npy_reader_read() : elements [first, first + count) in C order
 *  into dst.  RNNSCAN_NOT_SUPPORTED for a Fortran-order file of 2 or more
 *  dimensions (read it whole with rnnscan_npy_read). */
RNNSCAN_API rnnscan_status rnnscan_npy_reader_read(rnnscan_npy_reader *reader, size_t first,
                                                   size_t count, float *dst);
/*! rnnscan_npy_reader_close() : accepts NULL. */
RNNSCAN_API void rnnscan_npy_reader_close(rnnscan_npy_reader *reader);

/* Streaming a .npz out: float32 members whose shapes are known up front,
 * written in pieces, in any order, from any threads (and from other
 * processes through rnnscan_npz_writer_attach), as a stored zip64 archive
 * numpy's np.load reads.  Until finish the data lives in a temporary file
 * beside the target (its room reserved at create, so a full disk fails
 * there); finish computes the CRCs, writes the directory and renames it into
 * place; abort removes it.  Elements never written read as 0. */
typedef struct rnnscan_npz_writer rnnscan_npz_writer;

/*! rnnscan_npz_writer_create() : lays out `count` (1..64) members "<names[i]>.npy"
 *  of the shapes in shapes[i] (ndim and shape only; data is not read). */
RNNSCAN_API rnnscan_status rnnscan_npz_writer_create(const char *path, int count,
                                                     const char *const names[],
                                                     const rnnscan_array shapes[],
                                                     rnnscan_npz_writer **out);
/*! rnnscan_npz_writer_put() : values into member `member`, elements
 *  [first, first + count) in C order. */
RNNSCAN_API rnnscan_status rnnscan_npz_writer_put(rnnscan_npz_writer *writer, int member,
                                                  size_t first, const float *values,
                                                  size_t count);
/*! rnnscan_npz_writer_temp_path() : the temporary file, for another process
 *  to attach to.  Owned by the writer. */
RNNSCAN_API const char *rnnscan_npz_writer_temp_path(const rnnscan_npz_writer *writer);
/*! rnnscan_npz_writer_attach() : a second writer on a temporary file another
 *  writer created, with the same names and shapes; its finish and abort
 *  only close it (the creator finishes, after every attached writer has). */
RNNSCAN_API rnnscan_status rnnscan_npz_writer_attach(const char *temp_path, int count,
                                                     const char *const names[],
                                                     const rnnscan_array shapes[],
                                                     rnnscan_npz_writer **out);
/*! rnnscan_npz_writer_finish() : completes the archive at its path and frees
 *  the writer (on failure no file is left at either path). */
RNNSCAN_API rnnscan_status rnnscan_npz_writer_finish(rnnscan_npz_writer *writer);
/*! rnnscan_npz_writer_abort() : removes the temporary file and frees the
 *  writer; accepts NULL. */
RNNSCAN_API void rnnscan_npz_writer_abort(rnnscan_npz_writer *writer);

/*! rnnscan_model_load_npz() : makes a model from a PyTorch state_dict saved
 *  with np.savez: weight_ih_l{k}[_reverse], weight_hh_l{k}[_reverse] and,
 *  optionally, bias_ih_l{k}[_reverse], bias_hh_l{k}[_reverse], and for an
 *  LSTM made with proj_size, weight_hr_l{k}[_reverse].  `desc` gives the
 *  cell, num_layers, bidirectional and batch_first; input_size, hidden_size
 *  and proj_size may be 0 (read from the arrays) or must match them.  Every
 *  shape is checked against the cell; a missing, extra or misshapen array is
 *  named in the error (RNNSCAN_FORMAT_ERROR). */
RNNSCAN_API rnnscan_status rnnscan_model_load_npz(rnnscan_context *context, const char *path,
                                                  const rnnscan_model_desc *desc,
                                                  rnnscan_model **out);
RNNSCAN_API rnnscan_status rnnscan_model_from_npz(rnnscan_context *context, rnnscan_npz *npz,
                                                  const rnnscan_model_desc *desc,
                                                  rnnscan_model **out);

/*! rnnscan_model_load_onnx() : makes a model from one RNN, GRU or LSTM node
 *  of an ONNX model file (opsets 7 to 22, the operators' opset-14 semantics):
 *  `node_name`, or NULL for the graph's only such node.  The weights W, R and
 *  B must be initializers (float32 or float64, raw_data or the typed fields,
 *  or external data in the model's directory); their gate order (LSTM i, o,
 *  f, c; GRU z, r, h) is converted to PyTorch's.  The model is one layer,
 *  bidirectional for direction "bidirectional", reverse for "reverse",
 *  batch_first for layout = 1 (x [B][T][X]); rnnscan_model_describe says.  Outputs are rnnscan's:
 *  y [T][B][D*H], where ONNX's Y is [T][D][B][H] (layout 0) or [B][T][D][H]
 *  (layout 1, the same data); h_n [D][B][H] is ONNX's Y_h for layout 0.
 *  ONNX's cell variants become the description's: GRU linear_before_reset = 0
 *  (ONNX's default) gru_reset_before, LSTM peepholes (input P) and
 *  input_forget, clip, and activations with activation_alpha / _beta
 *  (consumed in order by the functions that take them; past a list's end,
 *  each function's default from its ONNX operator; README, "ONNX models").
 *  Refused with
 *  RNNSCAN_NOT_SUPPORTED naming what: directions with different activations,
 *  an unknown activation or attribute, weights that are graph inputs,
 *  sequence_lens / initial_h / initial_c stored as constants (the run gives
 *  them), a library built without protobuf-c.  A malformed file: RNNSCAN_FORMAT_ERROR; several
 *  candidate nodes and no name, or a name not found: RNNSCAN_INVALID_ARGUMENT. */
RNNSCAN_API rnnscan_status rnnscan_model_load_onnx(rnnscan_context *context, const char *path,
                                                   const char *node_name, rnnscan_model **out);
/*! rnnscan_model_from_onnx() : the same from a serialized ModelProto in
 *  memory; `base_dir` is where external tensors are found (NULL: none may be
 *  external). */
RNNSCAN_API rnnscan_status rnnscan_model_from_onnx(rnnscan_context *context, const void *data,
                                                   size_t size, const char *base_dir,
                                                   const char *node_name, rnnscan_model **out);

#ifdef __cplusplus
}
#endif

#endif /* RNNSCAN_H */
