/* `rnnscan devices`: what can run a model here. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "rnnscan.h"

int cli_devices(int argc, char **argv)
{
    (void)argc, (void)argv;
    int count = 0;
    rnnscan_status st = rnnscan_list_devices(NULL, 0, &count);
    if (st != RNNSCAN_OK) {
        fprintf(stderr, "rnnscan devices: %s\n", rnnscan_last_error());
        return 1;
    }
    rnnscan_context_options cpu_opts = {.backend = RNNSCAN_BACKEND_CPU, .device = NULL};
    rnnscan_context *cpu = NULL;
    int have_cpu = rnnscan_context_create(&cpu_opts, &cpu) == RNNSCAN_OK;
    printf("CPU backends:\n  reference   plain C, double accumulation (the oracle)\n"
           "  cpu         %s\n\nOpenCL devices:\n",
           have_cpu ? rnnscan_context_device_name(cpu) : rnnscan_last_error());
    rnnscan_context_free(cpu);
    if (count == 0) {
        printf("  none found (install an OpenCL driver, e.g. apt-get install pocl-opencl-icd)\n");
        return 0;
    }
    rnnscan_device_info *devs = calloc((size_t)count, sizeof *devs);
    if (!devs || rnnscan_list_devices(devs, count, &count) != RNNSCAN_OK) {
        fprintf(stderr, "rnnscan devices: %s\n", devs ? rnnscan_last_error() : "out of memory");
        free(devs);
        return 1;
    }
    for (int i = 0; i < count; i++)
        printf("  spec %-3d %s / %s  [%s, %s, %d compute units, max alloc %zu MiB]\n",
               devs[i].index, devs[i].platform_name, devs[i].device_name,
               devs[i].is_gpu ? "GPU" : "not a GPU", devs[i].version, devs[i].compute_units,
               devs[i].max_alloc_bytes >> 20);
    printf("\nSelect with --device SPEC or RNNSCAN_DEVICE=SPEC: the index, or a case-insensitive\n"
           "substring of \"platform / device\".\n");
    free(devs);
    return 0;
}
