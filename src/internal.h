/* Private declarations shared by the core and the backends. */
#ifndef RNNSCAN_INTERNAL_H
#define RNNSCAN_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>

#include "rnnscan.h"

#define RNNSCAN_ERROR_CAP 8192 /* room for a kernel build log excerpt */

/* Where a failure's detail goes: the handle's buffer (may be NULL) and, always,
 * the calling thread's rnnscan_last_error(). */
typedef struct rnnscan_errbuf {
    char text[RNNSCAN_ERROR_CAP];
} rnnscan_errbuf;

/* Records "fmt ..." as the detail of `status` and returns `status`. */
rnnscan_status rnnscan_fail(rnnscan_errbuf *err, rnnscan_status status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Clears the thread's and the handle's detail at the start of a public call. */
void rnnscan_clear_error(rnnscan_errbuf *err);
/* Copies the current thread detail into a handle's buffer. */
void rnnscan_keep_error(rnnscan_errbuf *err);

/* Propagate a non-OK status unchanged (the callee already recorded the detail). */
#define RNNSCAN_TRY(expr)                        \
    do {                                         \
        rnnscan_status try_status_ = (expr);     \
        if (try_status_ != RNNSCAN_OK)           \
            return try_status_;                  \
    } while (0)

/* A monotonic clock, in milliseconds (OpenCL build and probe timings, a
 * group's per-device rates). */
double rnnscan_now_ms(void);

/* Overflow-checked size arithmetic: returns 0 and leaves *out alone on overflow. */
int rnnscan_mul_size(size_t *out, size_t a, size_t b);
int rnnscan_mul3_size(size_t *out, size_t a, size_t b, size_t c);

/* Sizes of one model, derived once at create time. */
typedef struct rnnscan_dims {
    int gates;      /* G */
    int input;      /* X */
    int hidden;     /* H */
    int proj;       /* P: an LSTM's proj_size, 0 = none */
    int state;      /* S: the width of h (and of each direction's output): P or H */
    int layers;     /* L */
    int directions; /* D */
    size_t rows;    /* G*H */
} rnnscan_dims;

/* Sizes of one run, validated and overflow-checked before any backend sees it. */
typedef struct rnnscan_run_dims {
    int T, B;
    size_t x_elems;     /* T*B*X            */
    size_t y_elems;     /* T*B*D*S          */
    size_t state_elems; /* B*H: one layer-direction's cell state (and h, where S = H) */
    size_t gates_elems; /* T*B*G*H: one layer-direction's hoisted input projection */
} rnnscan_run_dims;

/* One layer-direction's host copy of its weights, PyTorch layout; absent
 * biases are zeros.  input = X for layer 0, D*S above; w_hr [P][H] with a
 * projection, else NULL. */
typedef struct rnnscan_layer {
    int input;
    float *w_ih, *w_hh, *b_ih, *b_hh, *w_hr;
    float *w_peep; /* [3H] p_i, p_f, p_o with peepholes, else NULL */
} rnnscan_layer;

/* The cell variant a model runs, resolved from its description once at
 * creation (variant.c): every activation position holds a concrete function
 * (never RNNSCAN_ACT_DEFAULT), and `plain` says whether the whole is exactly
 * PyTorch's cell, so backends take their fast paths without more tests. */
typedef struct rnnscan_variant {
    rnnscan_activation act[3]; /* f, g, h (ONNX's positions); unused ones hold the
                                  cell's default */
    float clip;                /* 0: none */
    int reset_before, peepholes, input_forget;
    int plain;                 /* no option set, activations the cell's own */
} rnnscan_variant;

/* Resolves d's variant; INVALID_ARGUMENT (detail recorded) for a bad kind,
 * option on the wrong cell, or clip < 0 / not finite. */
rnnscan_status rnnscan_variant_resolve(const rnnscan_model_desc *d, rnnscan_variant *out);
/* a applied to x, in double (the reference's oracle). */
double rnnscan_act_apply(const rnnscan_activation *a, double x);
/* clip > 0: x clamped to [-clip, clip]; else x. */
double rnnscan_clip(double clip, double x);

/* What a backend can run beyond one forward layer over full-length,
 * time-major sequences; the core answers NOT_SUPPORTED for the rest. */
enum {
    RNNSCAN_FEATURE_LAYERS = 1 << 0,
    RNNSCAN_FEATURE_BIDIRECTIONAL = 1 << 1,
    RNNSCAN_FEATURE_BATCH_FIRST = 1 << 2,
    RNNSCAN_FEATURE_LENGTHS = 1 << 3,
    RNNSCAN_FEATURE_PROJECTION = 1 << 4, /* LSTM proj_size */
    RNNSCAN_FEATURE_VARIANTS = 1 << 5,   /* ONNX cell variants (rnnscan_variant not plain) */
    RNNSCAN_FEATURE_ALL = 0x3F
};

struct rnnscan_model;

/* A backend: a folder under src/ behind this table.  The core validates every
 * argument before calling in, so backends check only what is theirs (device
 * limits, OpenCL calls). */
typedef struct rnnscan_backend_ops {
    unsigned features; /* RNNSCAN_FEATURE_* */
    rnnscan_status (*model_init)(struct rnnscan_model *model);
    void (*model_release)(struct rnnscan_model *model);
    rnnscan_status (*scan)(struct rnnscan_model *model, const rnnscan_run *run,
                           const rnnscan_run_dims *dims);
    void (*context_release)(struct rnnscan_context *context);
} rnnscan_backend_ops;

struct rnnscan_context {
    rnnscan_backend backend;
    const rnnscan_backend_ops *ops;
    void *impl; /* backend state (OpenCL: device, queue, program) */
    char device_name[300];
    double build_ms; /* OpenCL programs built for its models so far */
    rnnscan_errbuf err;
};

struct rnnscan_model {
    rnnscan_context *context;
    rnnscan_model_desc desc;
    rnnscan_dims dims;
    rnnscan_variant variant;
    rnnscan_layer *layers; /* L*D entries, index layer*D + direction */
    void *impl; /* backend state (OpenCL: resident weights, scratch buffers) */
    double build_ms; /* programs built while it was created (also in its context's) */
    rnnscan_schedule last_schedule; /* what the last scan ran (AUTO: none, or no schedules) */
    rnnscan_errbuf err;
};

/* Checks a scan's arguments against the model and fills its sizes
 * (INVALID_ARGUMENT / NOT_SUPPORTED naming what is wrong). */
rnnscan_status rnnscan_check_run(rnnscan_model *m, const rnnscan_run *r, rnnscan_run_dims *d);

extern const rnnscan_backend_ops rnnscan_reference_ops;
#ifdef RNNSCAN_HAVE_OPENCL
extern const rnnscan_backend_ops rnnscan_opencl_ops;
rnnscan_status rnnscan_opencl_context_init(rnnscan_context *context,
                                           const rnnscan_context_options *options);
#endif
#ifdef RNNSCAN_HAVE_CPU
extern const rnnscan_backend_ops rnnscan_cpu_ops;
rnnscan_status rnnscan_cpu_context_init(rnnscan_context *context);
#endif

#endif /* RNNSCAN_INTERNAL_H */
