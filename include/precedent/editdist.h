/*
 * editdist.h - edit metrics between a draft and the reply the agent sent.
 *
 * Pure functions, no I/O, no global state. Character distance is Levenshtein over
 * Unicode code points (bit-parallel, Myers/Hyyro, blocked for long texts: exact at
 * every length, memory linear in the shorter text). Ratios are in 0..1, 0 meaning
 * identical: distance / max(length_a, length_b), and 0 when both are empty.
 */
#ifndef PRECEDENT_EDITDIST_H
#define PRECEDENT_EDITDIST_H

#include <stddef.h>
#include <stdint.h>

typedef struct editdist_result {
	size_t distance;      /* code points */
	size_t len_a, len_b;  /* code points */
	double ratio;         /* distance / max(len_a, len_b) */
	size_t word_distance; /* word-level Levenshtein */
	size_t words_a, words_b;
	double word_ratio;
} editdist_result_t;

/* Levenshtein distance between two code-point sequences. */
size_t editdist_levenshtein_cp(const uint32_t *a, size_t na, const uint32_t *b, size_t nb);
/* Plain O(n*m)-time, O(m)-memory dynamic programming reference (tests and bench). */
size_t editdist_levenshtein_dp(const uint32_t *a, size_t na, const uint32_t *b, size_t nb);
/* All metrics for two UTF-8 texts (invalid bytes count as U+FFFD). Returns 0. */
int editdist_compute(const char *a, size_t alen, const char *b, size_t blen,
		     editdist_result_t *out /* OUT */);

#endif
