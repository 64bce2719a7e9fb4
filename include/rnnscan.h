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
 * Threads: a context and the models made from it are used by one thread at a
 * time.  Different contexts may be used from different threads.
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

/* ---- version ----------------------------------------------------------- */
/* meson.build reads these three lines: keep their form. */
#define RNNSCAN_VERSION_MAJOR 0
#define RNNSCAN_VERSION_MINOR 1
#define RNNSCAN_VERSION_PATCH 0
#define RNNSCAN_VERSION_NUMBER \
    (RNNSCAN_VERSION_MAJOR * 10000 + RNNSCAN_VERSION_MINOR * 100 + RNNSCAN_VERSION_PATCH)

/*! rnnscan_version_number() : the library's RNNSCAN_VERSION_NUMBER at build
 *  time, to compare with the header a program was compiled against. */
int rnnscan_version_number(void);
/*! rnnscan_version_string() : "MAJOR.MINOR.PATCH"; static storage. */
const char *rnnscan_version_string(void);

/* ---- status ------------------------------------------------------------- */
/* One list makes the enum, the names and the messages, so they never drift. */
#define RNNSCAN_STATUS_MAP(X)                                                         \
    X(OK, "success")                                                                  \
    X(INVALID_ARGUMENT, "invalid argument")                                           \
    X(NOT_SUPPORTED, "not supported (yet) by this backend or build")                  \
    X(OUT_OF_MEMORY, "out of host memory")                                            \
    X(TOO_LARGE, "buffer larger than the device's maximum allocation")                \
    X(NO_DEVICE, "no OpenCL platform or device found")                                \
    X(DEVICE_NOT_FOUND, "no OpenCL device matches the requested spec")                \
    X(OPENCL_ERROR, "an OpenCL call failed")                                          \
    X(BUILD_FAILED, "the OpenCL kernels failed to build")                             \
    X(IO_ERROR, "file could not be read or written")                                  \
    X(FORMAT_ERROR, "file is not in the expected format")

typedef enum rnnscan_status {
#define RNNSCAN_STATUS_ENUM_(name, msg) RNNSCAN_##name,
    RNNSCAN_STATUS_MAP(RNNSCAN_STATUS_ENUM_)
#undef RNNSCAN_STATUS_ENUM_
    RNNSCAN_STATUS_COUNT_
} rnnscan_status;

/*! rnnscan_status_name() : "RNNSCAN_INVALID_ARGUMENT" etc.; "RNNSCAN_UNKNOWN_STATUS"
 *  for a value outside the enum.  Static storage. */
const char *rnnscan_status_name(rnnscan_status status);
/*! rnnscan_status_string() : a short English sentence for the status. Static storage. */
const char *rnnscan_status_string(rnnscan_status status);
/*! rnnscan_last_error() : the detail of the most recent failed call made on
 *  this thread ("" if none).  Valid until the next rnnscan call on this thread. */
const char *rnnscan_last_error(void);

/* ---- cells, backends, schedules ---------------------------------------- */
typedef enum rnnscan_cell {
    RNNSCAN_CELL_RNN_TANH = 0, /* G = 1: h = tanh(W_ih x + b_ih + W_hh h + b_hh)      */
    RNNSCAN_CELL_RNN_RELU = 1, /* G = 1: h = relu(...)                                */
    RNNSCAN_CELL_LSTM = 2,     /* G = 4, gate order i, f, g, o                         */
    RNNSCAN_CELL_GRU = 3       /* G = 3, gate order r, z, n                            */
} rnnscan_cell;

/*! rnnscan_cell_gates() : G for the cell (1, 4 or 3), 0 for an unknown value. */
int rnnscan_cell_gates(rnnscan_cell cell);
/*! rnnscan_cell_name() : "rnn_tanh", "rnn_relu", "lstm", "gru", or NULL. */
const char *rnnscan_cell_name(rnnscan_cell cell);
/*! rnnscan_cell_parse() : the inverse of rnnscan_cell_name (case-insensitive).
 *  @return RNNSCAN_OK, or RNNSCAN_INVALID_ARGUMENT for an unknown name. */
rnnscan_status rnnscan_cell_parse(const char *name, rnnscan_cell *cell);

typedef enum rnnscan_backend {
    RNNSCAN_BACKEND_REFERENCE = 0, /* plain C, double accumulation: the oracle          */
    RNNSCAN_BACKEND_CPU = 1,       /* optimised CPU backend (not built yet)            */
    RNNSCAN_BACKEND_OPENCL = 2     /* OpenCL kernels, host-driven time loop            */
} rnnscan_backend;

/*! rnnscan_backend_name() : "reference", "cpu", "opencl", or NULL. */
const char *rnnscan_backend_name(rnnscan_backend backend);
/*! rnnscan_backend_parse() : the inverse of rnnscan_backend_name (case-insensitive). */
rnnscan_status rnnscan_backend_parse(const char *name, rnnscan_backend *backend);

typedef enum rnnscan_schedule {
    RNNSCAN_SCHEDULE_AUTO = 0,      /* the backend chooses (today: HOST)              */
    RNNSCAN_SCHEDULE_HOST = 1,      /* the host loops over time, one launch per step  */
    RNNSCAN_SCHEDULE_PERSISTENT = 2 /* the time loop inside one launch (not yet)      */
} rnnscan_schedule;

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
 *  all platforms.  No platform at all is not an error: *count = 0.
 *  @return RNNSCAN_OK, RNNSCAN_INVALID_ARGUMENT (count NULL) or RNNSCAN_OPENCL_ERROR. */
rnnscan_status rnnscan_list_devices(rnnscan_device_info *devices, int capacity, int *count);

/* ---- context ------------------------------------------------------------ */
typedef struct rnnscan_context rnnscan_context;

typedef struct rnnscan_context_options {
    rnnscan_backend backend;
    /* OpenCL device spec: a device index (as rnnscan_list_devices numbers them)
     * or a case-insensitive substring of "platform name / device name".
     * NULL or "": the environment variable RNNSCAN_DEVICE if set, else the
     * first GPU, else the first device.  Ignored by CPU backends. */
    const char *device;
} rnnscan_context_options;

/*! rnnscan_context_create() : opens a backend.  For OpenCL it picks the
 *  device, creates the context and an in-order queue, and builds the kernels
 *  once (their build time is rnnscan_context_build_ms()).
 *  `options` NULL means the reference backend.  On success *out owns the
 *  context; on failure *out is NULL, nothing is leaked, and the detail is in
 *  rnnscan_last_error(). */
rnnscan_status rnnscan_context_create(const rnnscan_context_options *options, rnnscan_context **out);
/*! rnnscan_context_free() : frees the context; accepts NULL.  Free its models first. */
void rnnscan_context_free(rnnscan_context *context);
/*! rnnscan_context_error() : detail of the last failure seen by this context or
 *  one of its models ("" if none).  NULL context gives "". */
const char *rnnscan_context_error(const rnnscan_context *context);
/*! rnnscan_context_backend() : the backend the context runs. */
rnnscan_backend rnnscan_context_backend(const rnnscan_context *context);
/*! rnnscan_context_device_name() : "platform / device" for OpenCL, the backend
 *  name otherwise.  Owned by the context. */
const char *rnnscan_context_device_name(const rnnscan_context *context);
/*! rnnscan_context_build_ms() : wall time spent building the OpenCL program
 *  when the context was created (0 for CPU backends). */
double rnnscan_context_build_ms(const rnnscan_context *context);

/* ---- model -------------------------------------------------------------- */
typedef struct rnnscan_model rnnscan_model;

/* What a network is.  Zero-initialise and set what you need: zero in the
 * optional fields means the PyTorch default. */
typedef struct rnnscan_model_desc {
    rnnscan_cell cell;
    int input_size;    /* X > 0 */
    int hidden_size;   /* H > 0 */
    int num_layers;    /* 0 or 1 today (stacked layers: not supported yet)       */
    int bidirectional; /* 0 today (not supported yet)                             */
    int batch_first;   /* 0 today: x is [T][B][X] (not supported yet)             */
} rnnscan_model_desc;

/* One layer-direction's parameters, PyTorch's layout, G = rnnscan_cell_gates:
 *   w_ih [G*H][X], w_hh [G*H][H], b_ih [G*H], b_hh [G*H].
 * Either bias may be NULL (zero).  Gate blocks are stacked in PyTorch's order
 * (LSTM i, f, g, o; GRU r, z, n). */
typedef struct rnnscan_weights {
    const float *w_ih;
    const float *w_hh;
    const float *b_ih;
    const float *b_hh;
} rnnscan_weights;

/*! rnnscan_model_create() : validates `desc`, copies `weights` (one entry per
 *  layer and direction; today exactly one) and, for OpenCL, uploads them
 *  once.  The model borrows `context`, which must outlive it.
 *  On failure *out is NULL and nothing is leaked. */
rnnscan_status rnnscan_model_create(rnnscan_context *context, const rnnscan_model_desc *desc,
                                    const rnnscan_weights *weights, rnnscan_model **out);
/*! rnnscan_model_free() : accepts NULL. */
void rnnscan_model_free(rnnscan_model *model);
/*! rnnscan_model_error() : detail of the model's last failure ("" if none). */
const char *rnnscan_model_error(const rnnscan_model *model);
/*! rnnscan_model_describe() : the description the model was created with. */
rnnscan_model_desc rnnscan_model_describe(const rnnscan_model *model);

/* One forward pass over a batch of sequences. */
typedef struct rnnscan_run {
    int seq_len;          /* T > 0                                                */
    int batch;            /* B > 0                                                */
    const float *x;       /* [T][B][X], required                                  */
    const float *h0;      /* [B][H] or NULL (zeros)                               */
    const float *c0;      /* [B][H] or NULL (zeros); LSTM only                    */
    const int *lengths;   /* per-sequence lengths: must be NULL today             */
    float *y;             /* [T][B][H], every hidden state; required              */
    float *h_n;           /* [B][H] last hidden state, or NULL                    */
    float *c_n;           /* [B][H] last cell state (LSTM), or NULL               */
    rnnscan_schedule schedule;
} rnnscan_run;

/*! rnnscan_model_scan() : runs the recurrence over all T steps for all B
 *  sequences (the notebook's scan_V_RNN / scan_LSTM, batched).  Outputs are
 *  written only on success; on failure their contents are unspecified.
 *  Blocks until the results are in the caller's arrays. */
rnnscan_status rnnscan_model_scan(rnnscan_model *model, const rnnscan_run *run);

/*! rnnscan_model_step() : one step for a whole batch (the notebook's
 *  forward_V_RNN / forward_LSTM): x [B][X], h_prev / c_prev [B][H] or NULL
 *  (zeros), h_next [B][H] required, c_next [B][H] required for LSTM (c_prev and
 *  c_next must be NULL for other cells).  h_next may be the same array as
 *  h_prev, c_next as c_prev.  Same as a scan with T = 1. */
rnnscan_status rnnscan_model_step(rnnscan_model *model, int batch, const float *x,
                                  const float *h_prev, const float *c_prev, float *h_next,
                                  float *c_next);

#ifdef __cplusplus
}
#endif

#endif /* RNNSCAN_H */
