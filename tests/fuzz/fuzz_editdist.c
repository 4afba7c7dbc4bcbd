/*
 * fuzz_editdist.c - libFuzzer target: the input is two texts separated by the first
 * NUL byte (or cut in half). Checks the bit-parallel distance against the DP
 * reference, the bounded variant, and runs normalization, attribution and the word
 * diff (whose ops must rebuild both normalized texts) under the sanitizers.
 */
#include "precedent/editdist.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

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
