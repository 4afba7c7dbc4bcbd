/*
 * cli.c - subcommands of precedent-host.
 */
#include "precedent/cli.h"
#include "precedent/limits.h"

#include <stdio.h>
#include <string.h>

int cli_main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("precedent-host %s\n", PRECEDENT_VERSION);
		return 0;
	}
	fprintf(stderr, "usage: precedent-host COMMAND\n");
	return 2;
}
