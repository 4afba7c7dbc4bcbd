/*
 * synth.h - a synthetic support corpus for scale tests: resolved tickets in the
 * import format, doc pages in Markdown, and labelled queries (qrels) so `eval`
 * measures quality and latency at any size. Deterministic for a seed.
 *
 * The shape mimics a support archive: a Zipf-distributed set of problems, each
 * with its own rare vocabulary and error codes, written in a common filler
 * vocabulary (also Zipfian), with greetings and signatures in the bodies.
 * Ownership: nothing is kept between calls; files are written by the caller's
 * paths.
 */
#ifndef PRECEDENT_SYNTH_H
#define PRECEDENT_SYNTH_H

#include <stddef.h>
#include <stdio.h>

typedef struct synth_config {
	size_t tickets;  /* resolved tickets */
	size_t sections; /* doc sections (pages of 5 sections) */
	size_t queries;  /* labelled queries (each a paraphrase of one ticket) */
	unsigned seed;
} synth_config_t;

/* Writes dir/tickets.jsonl, dir/docs/ (Markdown), dir/queries.jsonl and
 * dir/qrels.tsv. Returns 0 or PRECEDENT_EIO with a message in err. */
int synth_write(const synth_config_t *c, const char *dir, char *err, size_t errlen);

/* The `synth` command: synth [--tickets N] [--sections N] [--queries N]
 * [--seed S] DIR. Returns the exit status. */
int synth_main(int argc, char **argv);

#endif
