/* Names of cells, backends and weight types, both ways. */
#include <strings.h>

#include "internal.h"

static const char *const cell_names[] = {"rnn_tanh", "rnn_relu", "lstm", "gru"};
static const int cell_gate_counts[] = {1, 1, 4, 3};
static const char *const backend_names[] = {"reference", "cpu", "opencl"};
static const char *const weight_type_names[] = {"f32", "f16", "bf16"};

#define COUNT_OF(a) ((int)(sizeof(a) / sizeof((a)[0])))

int rnnscan_cell_gates(rnnscan_cell cell)
{
    return (int)cell >= 0 && (int)cell < COUNT_OF(cell_gate_counts) ? cell_gate_counts[cell] : 0;
}

const char *rnnscan_cell_name(rnnscan_cell cell)
{
    return (int)cell >= 0 && (int)cell < COUNT_OF(cell_names) ? cell_names[cell] : NULL;
}

const char *rnnscan_backend_name(rnnscan_backend backend)
{
    return (int)backend >= 0 && (int)backend < COUNT_OF(backend_names) ? backend_names[backend]
                                                                       : NULL;
}

const char *rnnscan_weight_type_name(rnnscan_weight_type type)
{
    return (int)type >= 0 && (int)type < COUNT_OF(weight_type_names) ? weight_type_names[type]
                                                                    : NULL;
}

/* *index = the position of `name` in `names` (case-insensitive), or a failure
 * naming the kind and the names expected.  out_ok: the caller's output
 * pointer is not NULL. */
static rnnscan_status parse_name(const char *const *names, int count, const char *kind,
                                 const char *expected, const char *name, int out_ok, int *index)
{
    rnnscan_clear_error(NULL);
    for (int i = 0; name && out_ok && i < count; i++)
        if (strcasecmp(names[i], name) == 0) {
            *index = i;
            return RNNSCAN_OK;
        }
    return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT, "unknown %s '%s' (expected %s)", kind,
                        name ? name : "(null)", expected);
}

rnnscan_status rnnscan_cell_parse(const char *name, rnnscan_cell *cell)
{
    int i = 0;
    RNNSCAN_TRY(parse_name(cell_names, COUNT_OF(cell_names), "cell",
                           "rnn_tanh, rnn_relu, lstm or gru", name, cell != NULL, &i));
    *cell = (rnnscan_cell)i;
    return RNNSCAN_OK;
}

rnnscan_status rnnscan_backend_parse(const char *name, rnnscan_backend *backend)
{
    int i = 0;
    RNNSCAN_TRY(parse_name(backend_names, COUNT_OF(backend_names), "backend",
                           "reference, cpu or opencl", name, backend != NULL, &i));
    *backend = (rnnscan_backend)i;
    return RNNSCAN_OK;
}

rnnscan_status rnnscan_weight_type_parse(const char *name, rnnscan_weight_type *type)
{
    int i = 0;
    RNNSCAN_TRY(parse_name(weight_type_names, COUNT_OF(weight_type_names), "weight type",
                           "f32, f16 or bf16", name, type != NULL, &i));
    *type = (rnnscan_weight_type)i;
    return RNNSCAN_OK;
}
