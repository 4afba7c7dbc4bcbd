/*
 * cli.c - subcommands of precedent-host.
 */
#include "precedent/cli.h"
#include "precedent/install.h"
#include "precedent/limits.h"

#include <stdio.h>
#include <string.h>

int cli_main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("precedent-host %s\n", PRECEDENT_VERSION);
		return 0;
	}
	if (argc > 1 && (strcmp(argv[1], "install") == 0 || strcmp(argv[1], "uninstall") == 0 ||
			 strcmp(argv[1], "doctor") == 0))
		return install_command(argc - 1, argv + 1);
	fprintf(stderr, "usage: precedent-host COMMAND\n");
	return 2;
}
