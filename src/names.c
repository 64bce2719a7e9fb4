/* Names of cells and backends, both ways. */
#include <strings.h>

#include "internal.h"

static const char *const cell_names[] = {"rnn_tanh", "rnn_relu", "lstm", "gru"};
static const int cell_gate_counts[] = {1, 1, 4, 3};
static const char *const backend_names[] = {"reference", "cpu", "opencl"};

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

/* Index of `name` in `names`, case-insensitive, or -1. */
static int find_name(const char *const *names, int count, const char *name)
{
    for (int i = 0; name && i < count; i++)
        if (strcasecmp(names[i], name) == 0)
            return i;
    return -1;
}

rnnscan_status rnnscan_cell_parse(const char *name, rnnscan_cell *cell)
{
    rnnscan_clear_error(NULL);
    int i = find_name(cell_names, COUNT_OF(cell_names), name);
    if (i < 0 || !cell)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT,
                            "unknown cell '%s' (expected rnn_tanh, rnn_relu, lstm or gru)",
                            name ? name : "(null)");
    *cell = (rnnscan_cell)i;
    return RNNSCAN_OK;
}

rnnscan_status rnnscan_backend_parse(const char *name, rnnscan_backend *backend)
{
    rnnscan_clear_error(NULL);
    int i = find_name(backend_names, COUNT_OF(backend_names), name);
    if (i < 0 || !backend)
        return rnnscan_fail(NULL, RNNSCAN_INVALID_ARGUMENT,
                            "unknown backend '%s' (expected reference, cpu or opencl)",
                            name ? name : "(null)");
    *backend = (rnnscan_backend)i;
    return RNNSCAN_OK;
}
