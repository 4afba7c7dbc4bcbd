/*
 * fuzz_editdist.c - libFuzzer target: the input is two texts separated by the first
 * NUL byte (or cut in half). Checks the bit-parallel distance against the DP
 * reference, the bounded variant (also on long repeats of the input), and runs
 * normalization, attribution and the word diff (whose ops must rebuild both
 * normalized texts) under the sanitizers.
 */
#include "precedent/editdist.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

/* Inputs are short; long texts take other paths (the window pass, the vector kernel
 * on wide bands). Both texts repeated to LONG_MIN code points or more (the
 * shorter one's length decides the count) are checked against the DP too. */
#define LONG_MIN 600
#define LONG_MAX 1000
static void check_long(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
	size_t lo = na < nb ? na : nb, hi = na > nb ? na : nb;
	if (lo < 8)
		return;
	size_t reps = (LONG_MIN + lo - 1) / lo;
	if (reps < 2 || hi * reps > LONG_MAX)
		return;
	uint32_t *la = malloc(na * reps * sizeof *la), *lb = malloc(nb * reps * sizeof *lb);
	if (!la || !lb)
		abort();
	for (size_t i = 0; i < reps; i++) {
		memcpy(la + i * na, a, na * sizeof *a);
		memcpy(lb + i * nb, b, nb * sizeof *b);
	}
	/* and one edit in the middle of the second, so the copies are not aligned alike */
	lb[nb * reps / 2] ^= 1;
	size_t d = editdist_levenshtein_cp(la, na * reps, lb, nb * reps);
	if (d != editdist_levenshtein_dp(la, na * reps, lb, nb * reps))
		abort();
	if (editdist_levenshtein_max(lb, nb * reps, la, na * reps, d) != d)
		abort();
	free(la);
	free(lb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	const char *z = memchr(s, 0, size);
	size_t alen = z ? (size_t)(z - s) : size / 2;
	const char *b = s + alen + (z ? 1 : 0);
	size_t blen = size - (size_t)(b - s);

	size_t na, nb;
	uint32_t *ca = editdist_decode(s, alen, &na);
	uint32_t *cb = editdist_decode(b, blen, &nb);
	size_t d = editdist_levenshtein_cp(ca, na, cb, nb);
	if (na * nb <= 4000000 && d != editdist_levenshtein_dp(ca, na, cb, nb))
		abort();
	if (editdist_levenshtein_cp(cb, nb, ca, na) != d)
		abort();
	if (editdist_levenshtein_max(ca, na, cb, nb, d) != d)
		abort();
	if (d && editdist_levenshtein_max(ca, na, cb, nb, d / 2) <= d / 2)
		abort();
	if (size && (data[0] & 7) == 0) /* one input in eight: the DP on them is slow */
		check_long(ca, na, cb, nb);
	free(ca);
	free(cb);

	editdist_result_t r;
	editdist_compare(s, alen, b, blen, EDITDIST_NORM_DEFAULT, &r);
	if (r.ratio < 0 || r.ratio > 1 || r.word_ratio < 0 || r.word_ratio > 1)
		abort();

	editdist_attribution_t at;
	editdist_attribute(s, alen, b, blen, &at);
	if (at.kept + at.edited + at.deleted != at.count)
		abort();
	editdist_attribution_release(&at);

	editdist_diff_t df;
	editdist_word_diff(s, alen, b, blen, &df);
	/* the ops rebuild both normalized texts */
	for (int side = 0; side < 2; side++) {
		size_t nl, pos = 0;
		char *norm = editdist_normalize(side ? b : s, side ? blen : alen,
						EDITDIST_NORM_DEFAULT, &nl);
		for (size_t i = 0; i < df.count; i++) {
			if (df.ops[i].kind == (side ? EDITDIST_OP_DELETE : EDITDIST_OP_INSERT))
				continue;
			size_t l = strlen(df.ops[i].text);
			if (pos && (pos >= nl || norm[pos++] != ' '))
				abort();
			if (pos + l > nl || memcmp(norm + pos, df.ops[i].text, l) != 0)
				abort();
			pos += l;
		}
		if (pos != nl)
			abort();
		free(norm);
	}
	char *t = editdist_diff_text(&df);
	cJSON *j = editdist_diff_json(&df);
	cJSON_Delete(j);
	free(t);
	editdist_diff_release(&df);
	return 0;
}
