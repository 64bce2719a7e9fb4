/* Subcommands of the rnnscan command-line tool. Each returns the exit status. */
#ifndef RNNSCAN_CLI_H
#define RNNSCAN_CLI_H

int cli_demo(int argc, char **argv);
int cli_devices(int argc, char **argv);
int cli_run(int argc, char **argv);

#endif
