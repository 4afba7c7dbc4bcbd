/*
 * cli.h - the command line of precedent-host (and the switch into native messaging
 * mode when a browser starts the binary).
 */
#ifndef PRECEDENT_CLI_H
#define PRECEDENT_CLI_H

/* Returns the process exit status: 0 success, 1 user error, 2 usage. */
int cli_main(int argc, char **argv);

#endif
