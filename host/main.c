/*
 * main.c - entry point: native messaging mode when a browser starts us, the CLI otherwise.
 */
#include "precedent/cli.h"

int main(int argc, char **argv) { return cli_main(argc, argv); }
