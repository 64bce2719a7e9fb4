/* rnnscan: the command-line tool.  `rnnscan help` lists the subcommands. */
#include <stdio.h>
#include <string.h>

#include "../bench/bench.h"
#include "cli.h"
#include "rnnscan.h"

static void usage(FILE *out)
{
    fprintf(out,
            "rnnscan %s: batched RNN / LSTM / GRU forward passes on OpenCL\n"
            "\n"
            "usage: rnnscan <command> [options]\n"
            "  bench     time cases on every backend (rnnscan bench --help)\n"
            "  demo      replay the 'RNN a pie' notebook on the reference and OpenCL backends\n"
            "  run       run a PyTorch state_dict (.npz) on an input (.npy), write .npz outputs\n"
            "  devices   list OpenCL devices (with the spec that selects each) and CPU backends\n"
            "  version   print the library version\n"
            "  help      this text\n"
            "\n"
            "environment: RNNSCAN_DEVICE=<index or name substring> picks the OpenCL device\n",
            rnnscan_version_string());
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "bench") == 0)
        return cli_bench(argc - 1, argv + 1);
    if (strcmp(cmd, "demo") == 0)
        return cli_demo(argc - 1, argv + 1);
    if (strcmp(cmd, "devices") == 0)
        return cli_devices(argc - 1, argv + 1);
    if (strcmp(cmd, "run") == 0)
        return cli_run(argc - 1, argv + 1);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("rnnscan %s\n", rnnscan_version_string());
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "rnnscan: unknown command '%s' (try 'rnnscan help')\n", cmd);
    return 2;
}
