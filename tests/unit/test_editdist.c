/*
 * test_editdist.c - edit metrics: the bit-parallel distance against the plain DP
 * reference on random and adversarial inputs, normalization, word metrics.
 */
#include "testutil.h"

#include "precedent/editdist.h"

#include <cJSON.h>

/* Deterministic generator so a failure reproduces. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

/* Alphabets: tiny (many matches), ASCII, mixed multi-byte (BMP, astral), and 5000
 * CJK code points (a long pattern then has more distinct symbols than the match-mask
 * budget holds, so the rare ones take the sparse path). */
static uint32_t rnd_sym(int alpha)
{
	static const uint32_t mixed[] = {'a', 'b', 0xE9, 0x4E2D, 0x1F600, 0x10FFFF, 0x80, 0xFFFD};
	switch (alpha) {
	case 0:
		return 'a' + rnd() % 2;
	case 1:
		return 'a' + rnd() % 4;
	case 2:
		return 32 + rnd() % 95;
	case 3:
		return mixed[rnd() % 8];
	default:
		return 0x4E00 + rnd() % 5000;
	}
}

static void fill(uint32_t *s, size_t n, int alpha)
{
	for (size_t i = 0; i < n; i++)
		s[i] = rnd_sym(alpha);
}

/* b = a with about `edits` random edits. */
static size_t mutate(const uint32_t *a, size_t na, uint32_t *b, size_t cap, size_t edits, int alpha)
{
	size_t nb = 0;
	for (size_t i = 0; i < na && nb < cap; i++) {
		uint32_t r = na ? rnd() % na : 0;
		if (r < edits) {
			switch (rnd() % 3) {
			case 0: /* delete */
				continue;
			case 1: /* substitute */
				b[nb++] = rnd_sym(alpha);
				continue;
			default: /* insert before */
				b[nb++] = rnd_sym(alpha);
				if (nb < cap)
					b[nb++] = a[i];
				continue;
			}
		}
		b[nb++] = a[i];
	}
	return nb;
}

static void check_pair(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
	size_t ref = editdist_levenshtein_dp(a, na, b, nb);
	size_t got = editdist_levenshtein_cp(a, na, b, nb);
	if (ref != got)
		fprintf(stderr, "mismatch na=%zu nb=%zu ref=%zu got=%zu\n", na, nb, ref, got);
	assert_int_equal(got, ref);
	assert_int_equal(editdist_levenshtein_cp(b, nb, a, na), ref);
	/* bounded variant: exact at or above the distance, > max below it */
	assert_int_equal(editdist_levenshtein_max(a, na, b, nb, ref), ref);
	assert_int_equal(editdist_levenshtein_max(a, na, b, nb, ref + 7), ref);
	if (ref > 0)
		assert_true(editdist_levenshtein_max(a, na, b, nb, ref - 1) > ref - 1);
	if (ref > 3)
		assert_true(editdist_levenshtein_max(a, na, b, nb, ref / 2) > ref / 2);
}

static void test_bitparallel_matches_dp_on_random_strings(void **state)
{
	(void)state;
	uint32_t a[700], b[1500];
	for (int iter = 0; iter < 1500; iter++) {
		int alpha = iter % 4;
		size_t na = rnd() % (iter < 750 ? 140 : 700);
		size_t nb = rnd() % (iter < 750 ? 140 : 700);
		fill(a, na, alpha);
		if (iter % 3 == 0) {
			fill(b, nb, alpha);
		} else {
			nb =
			    mutate(a, na, b, sizeof b / sizeof *b, 1 + rnd() % (na / 4 + 1), alpha);
		}
		check_pair(a, na, b, nb);
	}
}

static void test_block_boundaries_are_exact(void **state)
{
	(void)state;
	static const size_t lens[] = {0,   1,	2,   63,  64,  65,  127, 128,
				      129, 191, 192, 193, 255, 256, 257};
	size_t nl = sizeof lens / sizeof *lens;
	uint32_t a[300], b[300];
	for (size_t i = 0; i < nl; i++) {
		for (size_t j = 0; j < nl; j++) {
			for (int alpha = 0; alpha < 4; alpha++) {
				fill(a, lens[i], alpha);
				fill(b, lens[j], alpha);
				check_pair(a, lens[i], b, lens[j]);
				/* the same string with one edit at the block edge */
				if (lens[i] > 0) {
					memcpy(b, a, lens[i] * sizeof *a);
					b[lens[i] - 1] ^= 1;
					check_pair(a, lens[i], b, lens[i]);
					check_pair(a, lens[i], b, lens[i] - 1);
				}
			}
		}
	}
}

static void test_identical_empty_and_disjoint(void **state)
{
	(void)state;
	uint32_t a[400], b[400];
	for (size_t n = 0; n < 400; n += 37) {
		fill(a, n, 3);
		assert_int_equal(editdist_levenshtein_cp(a, n, a, n), 0);
		assert_int_equal(editdist_levenshtein_cp(a, n, b, 0), n);
		assert_int_equal(editdist_levenshtein_cp(b, 0, a, n), n);
		for (size_t i = 0; i < n; i++) {
			a[i] = 'a' + i % 3;
			b[i] = 'x' + i % 3;
		}
		/* disjoint alphabets, equal length: all substitutions */
		assert_int_equal(editdist_levenshtein_cp(a, n, b, n), n);
		assert_int_equal(editdist_levenshtein_cp(a, n, b, n / 2), n);
	}
}

static void test_long_texts_match_dp(void **state)
{
	(void)state;
	size_t n = 3000;
	uint32_t *a = malloc(n * sizeof *a), *b = malloc(2 * n * sizeof *b);
	assert_non_null(a);
	assert_non_null(b);
	for (int alpha = 0; alpha < 4; alpha++) {
		fill(a, n, alpha);
		size_t nb = mutate(a, n, b, 2 * n, 40, alpha);
		check_pair(a, n, b, nb);
		nb = mutate(a, n, b, 2 * n, 900, alpha);
		check_pair(a, n, b, nb);
		fill(b, n - 500, alpha);
		check_pair(a, n, b, n - 500);
		/* a block moved: prefix cut and appended at the end */
		memcpy(b, a + 700, (n - 700) * sizeof *a);
		memcpy(b + n - 700, a, 700 * sizeof *a);
		check_pair(a, n, b, n);
	}
	free(a);
	free(b);
}

/* Long pairs (more than 8 blocks: the window pass and the band both run) at every
 * edit density, from one edit to most of the text rewritten. */
static void test_long_pairs_match_dp_at_every_density(void **state)
{
	(void)state;
	static const size_t edits[] = {1, 4, 20, 90, 400, 1500};
	uint32_t *a = malloc(2600 * sizeof *a), *b = malloc(5300 * sizeof *b);
	assert_non_null(a);
	assert_non_null(b);
	for (int iter = 0; iter < 36; iter++) {
		int alpha = iter % 5;
		size_t na = 520 + rnd() % 2000;
		fill(a, na, alpha);
		size_t nb = mutate(a, na, b, 5300, edits[iter % 6], alpha);
		check_pair(a, na, b, nb);
	}
	free(a);
	free(b);
}

/* One substitution, deletion or insertion exactly at, before and after a 64-row block
 * edge, in texts of 12 blocks plus 0, 1 or 63 rows. */
static void test_edits_at_block_edges_of_long_texts(void **state)
{
	(void)state;
	static const size_t extra[] = {0, 1, 63};
	static const size_t at[] = {0, 62, 63, 64, 65, 127, 128, 129, 383, 384, 767, 768};
	uint32_t a[64 * 13], b[64 * 13 + 1];
	for (size_t x = 0; x < 3; x++) {
		size_t na = 64 * 12 + extra[x];
		for (int alpha = 0; alpha < 5; alpha++) {
			fill(a, na, alpha);
			for (size_t i = 0; i < sizeof at / sizeof *at; i++) {
				size_t p = at[i] < na ? at[i] : na - 1;
				memcpy(b, a, na * sizeof *a);
				b[p] = a[p] == 'z' ? 'y' : 'z'; /* substitution */
				check_pair(a, na, b, na);
				memcpy(b, a, p * sizeof *a); /* deletion */
				memcpy(b + p, a + p + 1, (na - p - 1) * sizeof *a);
				check_pair(a, na, b, na - 1);
				memcpy(b, a, p * sizeof *a); /* insertion */
				b[p] = 'z';
				memcpy(b + p + 1, a + p, (na - p) * sizeof *a);
				check_pair(a, na, b, na + 1);
			}
		}
	}
}

/* The bounded distance at every threshold around the distance: exact at or above it,
 * over the threshold below it (the band's edges). */
static void test_bounded_distance_is_exact_at_every_threshold(void **state)
{
	(void)state;
	uint32_t a[900], b[1900];
	for (int iter = 0; iter < 8; iter++) {
		int alpha = iter % 5;
		size_t na = 600 + rnd() % 300;
		fill(a, na, alpha);
		size_t nb = mutate(a, na, b, sizeof b / sizeof *b, 10 + rnd() % 60, alpha);
		size_t d = editdist_levenshtein_dp(a, na, b, nb);
		for (size_t max = 0; max <= d + 3; max++) {
			size_t got = editdist_levenshtein_max(a, na, b, nb, max);
			if (max >= d)
				assert_int_equal(got, d);
			else
				assert_int_equal(got, max + 1);
			assert_int_equal(editdist_levenshtein_max(b, nb, a, na, max), got);
		}
	}
}

/* Paths that leave any narrow band: a large cut, a large insertion, a block moved,
 * the text repeated, and one text a small part of the other (very unequal lengths). */
static void test_far_drifting_paths_and_unequal_lengths(void **state)
{
	(void)state;
	size_t n = 2400;
	uint32_t *a = malloc(n * sizeof *a), *b = malloc(3 * n * sizeof *b);
	assert_non_null(a);
	assert_non_null(b);
	for (int alpha = 0; alpha < 5; alpha++) {
		fill(a, n, alpha);
		/* 700 rows cut from the middle, 900 unrelated ones inserted near the end */
		size_t nb = 0;
		memcpy(b, a, 800 * sizeof *a);
		nb = 800;
		memcpy(b + nb, a + 1500, 600 * sizeof *a);
		nb += 600;
		fill(b + nb, 900, alpha);
		nb += 900;
		memcpy(b + nb, a + 2100, (n - 2100) * sizeof *a);
		nb += n - 2100;
		check_pair(a, n, b, nb);
		/* the text twice */
		memcpy(b, a, n * sizeof *a);
		memcpy(b + n, a, n * sizeof *a);
		check_pair(a, n, b, 2 * n);
		/* a short piece of the other text, and short unrelated texts */
		static const size_t shortlen[] = {1, 10, 63, 64, 65, 200, 513};
		for (size_t i = 0; i < sizeof shortlen / sizeof *shortlen; i++) {
			size_t m = shortlen[i];
			check_pair(a + 900, m, a, n);
			fill(b, m, alpha);
			check_pair(b, m, a, n);
			/* every other symbol of a stretch: d = n - m exactly if it matches */
			for (size_t j = 0; j < m; j++)
				b[j] = a[100 + 2 * j];
			check_pair(b, m, a, n);
		}
	}
	free(a);
	free(b);
}

/* Identical long texts (distance 0, bounded too) and long disjoint ones (distance =
 * the longer length). */
static void test_long_identical_and_disjoint(void **state)
{
	(void)state;
	size_t n = 3000;
	uint32_t *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
	assert_non_null(a);
	assert_non_null(b);
	for (int alpha = 0; alpha < 5; alpha++) {
		fill(a, n, alpha);
		memcpy(b, a, n * sizeof *a);
		assert_int_equal(editdist_levenshtein_cp(a, n, b, n), 0);
		assert_int_equal(editdist_levenshtein_max(a, n, b, n, 0), 0);
	}
	for (size_t i = 0; i < n; i++) {
		a[i] = 0x4E00 + (uint32_t)(i % 3000);
		b[i] = 'a' + (uint32_t)(i % 26);
	}
	static const size_t lens[][2] = {{3000, 3000}, {3000, 700}, {65, 3000}, {2999, 2000}};
	for (size_t i = 0; i < 4; i++) {
		size_t x = lens[i][0], y = lens[i][1], mx = x > y ? x : y;
		assert_int_equal(editdist_levenshtein_cp(a, x, b, y), mx);
		assert_int_equal(editdist_levenshtein_cp(b, y, a, x), mx);
		assert_int_equal(editdist_levenshtein_max(a, x, b, y, mx - 1), mx);
		assert_int_equal(editdist_levenshtein_max(a, x, b, y, mx), mx);
	}
	free(a);
	free(b);
}

static size_t put_utf8(char *s, uint32_t c)
{
	if (c < 0x80) {
		s[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		s[0] = (char)(0xC0 | (c >> 6));
		s[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		s[0] = (char)(0xE0 | (c >> 12));
		s[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		s[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	s[0] = (char)(0xF0 | (c >> 18));
	s[1] = (char)(0x80 | ((c >> 12) & 0x3F));
	s[2] = (char)(0x80 | ((c >> 6) & 0x3F));
	s[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

/* Long multi-byte UTF-8 texts (2-, 3- and 4-byte characters) through
 * editdist_compute: the distance counts code points, as the DP on them does. */
static void test_long_multibyte_texts_count_code_points(void **state)
{
	(void)state;
	size_t n = 3000; /* with alphabet 4: ~2250 distinct symbols, some take the sparse path */
	uint32_t *a = malloc(n * sizeof *a), *b = malloc(2 * n * sizeof *b);
	char *sa = malloc(4 * n), *sb = malloc(8 * n);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(sa);
	assert_non_null(sb);
	for (int alpha = 3; alpha < 5; alpha++) {
		fill(a, n, alpha);
		size_t nb = mutate(a, n, b, 2 * n, 150, alpha);
		size_t la = 0, lb = 0;
		for (size_t i = 0; i < n; i++)
			la += put_utf8(sa + la, a[i]);
		for (size_t i = 0; i < nb; i++)
			lb += put_utf8(sb + lb, b[i]);
		editdist_result_t r;
		assert_int_equal(editdist_compute(sa, la, sb, lb, &r), 0);
		assert_int_equal(r.len_a, n);
		assert_int_equal(r.len_b, nb);
		assert_int_equal(r.distance, editdist_levenshtein_dp(a, n, b, nb));
	}
	free(a);
	free(b);
	free(sa);
	free(sb);
}

static void test_compute_counts_code_points_not_bytes(void **state)
{
	(void)state;
	editdist_result_t r;
	/* "café" vs "cafe": one substitution, é is 2 bytes */
	assert_int_equal(editdist_compute("caf\xC3\xA9", 5, "cafe", 4, &r), 0);
	assert_int_equal(r.distance, 1);
	assert_int_equal(r.len_a, 4);
	assert_int_equal(r.len_b, 4);
	assert_true(r.ratio > 0.2499 && r.ratio < 0.2501);
	assert_int_equal(r.words_a, 1);
	assert_int_equal(r.word_distance, 1);
	assert_true(r.word_ratio == 1.0);
	/* emoji (4 bytes) vs CJK (3 bytes) */
	assert_int_equal(editdist_compute("\xF0\x9F\x98\x80", 4, "\xE4\xB8\xAD", 3, &r), 0);
	assert_int_equal(r.distance, 1);
	/* invalid bytes are U+FFFD each */
	assert_int_equal(editdist_compute("\xFF\xFE", 2, "\xEF\xBF\xBD\xEF\xBF\xBD", 6, &r), 0);
	assert_int_equal(r.distance, 0);
	assert_int_equal(r.len_a, 2);
	/* both empty */
	assert_int_equal(editdist_compute("", 0, "", 0, &r), 0);
	assert_int_equal(r.distance, 0);
	assert_true(r.ratio == 0.0 && r.word_ratio == 0.0);
}

static void test_word_distance_counts_whole_words(void **state)
{
	(void)state;
	editdist_result_t r;
	const char *a = "Please restart the sync service and try again.";
	const char *b = "Please  restart the\nbackup service and then try again.";
	assert_int_equal(editdist_compute(a, strlen(a), b, strlen(b), &r), 0);
	assert_int_equal(r.words_a, 8);
	assert_int_equal(r.words_b, 9);
	assert_int_equal(r.word_distance, 2); /* sync->backup, +then */
	assert_true(r.word_ratio > 2.0 / 9 - 1e-9 && r.word_ratio < 2.0 / 9 + 1e-9);
}

static void test_normalize_collapses_whitespace(void **state)
{
	(void)state;
	size_t n;
	const char *t = "  Hello,\t\tworld \xC2\xA0 again\n\n";
	char *s = editdist_normalize(t, strlen(t), EDITDIST_NORM_DEFAULT, &n);
	assert_string_equal(s, "Hello, world again");
	assert_int_equal(n, strlen(s));
	free(s);
	s = editdist_normalize("a  b\n\n\n c \nd", 12,
			       EDITDIST_NORM_WHITESPACE | EDITDIST_NORM_KEEP_LINES, &n);
	assert_string_equal(s, "a b\nc\nd");
	free(s);
	s = editdist_normalize("", 0, EDITDIST_NORM_DEFAULT, &n);
	assert_string_equal(s, "");
	assert_int_equal(n, 0);
	free(s);
}

static void test_normalize_strips_quoting_and_signature(void **state)
{
	(void)state;
	const char *t = "Hi Ana,\n"
			"The fix is in 4.2.\n"
			"\n"
			"On Mon, Jan 5, 2026 at 10:00 AM Ana <ana@example.com> wrote:\n"
			"> it crashes\n"
			">> old\n";
	char *s = editdist_normalize(t, strlen(t), EDITDIST_NORM_DEFAULT, NULL);
	assert_string_equal(s, "Hi Ana, The fix is in 4.2.");
	free(s);
	t = "Thanks!\n-- \nBob\nSupport team\n";
	s = editdist_normalize(t, strlen(t), EDITDIST_NORM_DEFAULT, NULL);
	assert_string_equal(s, "Thanks!");
	free(s);
	/* the header wrapped on two lines (Gmail) and an inline reply kept */
	t = "On Tue, Feb 3, 2026, Ana Lopez <ana@example.com>\nwrote:\n> q1\nanswer 1\n> "
	    "q2\nanswer 2";
	s = editdist_normalize(t, strlen(t), EDITDIST_NORM_DEFAULT, NULL);
	assert_string_equal(s, "answer 1 answer 2");
	free(s);
	t = "Done.\n\n-----Original Message-----\nFrom: x\nold stuff";
	s = editdist_normalize(t, strlen(t), EDITDIST_NORM_DEFAULT, NULL);
	assert_string_equal(s, "Done.");
	free(s);
	t = "Done.\n________________________________\nFrom: x\nold stuff";
	s = editdist_normalize(t, strlen(t), EDITDIST_NORM_DEFAULT, NULL);
	assert_string_equal(s, "Done.");
	free(s);
	/* without the flags nothing is stripped, and text is kept byte for byte */
	t = "a\n> b\n-- \nc";
	s = editdist_normalize(t, strlen(t), 0, NULL);
	assert_string_equal(s, t);
	free(s);
	/* a line merely starting with "On " is text */
	t = "On Monday we deploy.";
	s = editdist_normalize(t, strlen(t), EDITDIST_NORM_DEFAULT, NULL);
	assert_string_equal(s, t);
	free(s);
	/* invalid UTF-8 comes out as U+FFFD */
	s = editdist_normalize("a\xFF"
			       "b",
			       3, EDITDIST_NORM_DEFAULT, NULL);
	assert_string_equal(s, "a\xEF\xBF\xBD"
			       "b");
	free(s);
}

static void test_normalize_drops_citation_markers(void **state)
{
	(void)state;
	const char *t =
	    "Restart the agent [#4512]. See [doc: guides/sync.md#restart] and [x] [#1, #2]!";
	char *s = editdist_normalize(t, strlen(t), EDITDIST_NORM_DEFAULT, NULL);
	assert_string_equal(s, "Restart the agent. See and [x]!");
	free(s);
	s = editdist_normalize(t, strlen(t), EDITDIST_NORM_DEFAULT & ~EDITDIST_NORM_CITATIONS,
			       NULL);
	assert_string_equal(s, t);
	free(s);
	/* a draft with markers and the same reply sent without them: no edit */
	editdist_result_t r;
	const char *sent = "Restart the agent. See and [x]!";
	assert_int_equal(
	    editdist_compare(t, strlen(t), sent, strlen(sent), EDITDIST_NORM_DEFAULT, &r), 0);
	assert_int_equal(r.distance, 0);
}

static void test_compare_ignores_quotes_and_whitespace(void **state)
{
	(void)state;
	editdist_result_t r;
	const char *draft = "Hello,\n\nplease update to 4.2.";
	const char *sent = "Hello, please update to 4.2.\n\n-- \nJo\n> On Mon someone wrote:\n> hi";
	assert_int_equal(
	    editdist_compare(draft, strlen(draft), sent, strlen(sent), EDITDIST_NORM_DEFAULT, &r),
	    0);
	assert_int_equal(r.distance, 0);
	assert_int_equal(r.word_distance, 0);
	assert_true(r.ratio == 0.0);
}

/* Longest common subsequence by DP: the reference for the diff's minimality. */
static size_t lcs_words(const char *a, const char *b)
{
	uint32_t *ia, *ib;
	size_t na, nb;
	editdist_word_ids(a, strlen(a), b, strlen(b), &ia, &na, &ib, &nb);
	size_t *row = calloc(nb + 1, sizeof *row);
	assert_non_null(row);
	for (size_t i = 1; i <= na; i++) {
		size_t diag = 0;
		for (size_t j = 1; j <= nb; j++) {
			size_t up = row[j];
			row[j] = ia[i - 1] == ib[j - 1]
				     ? diag + 1
				     : (row[j] > row[j - 1] ? row[j] : row[j - 1]);
			diag = up;
		}
	}
	size_t l = row[nb];
	free(row);
	free(ia);
	free(ib);
	return l;
}

static size_t count_words(const char *s)
{
	size_t n = 0;
	int in = 0;
	for (; *s; s++) {
		if (*s == ' ') {
			in = 0;
		} else if (!in) {
			in = 1;
			n++;
		}
	}
	return n;
}

/* Rebuilds both sides from the ops and checks the script is valid and shortest. */
static void check_diff(const char *a, const char *b)
{
	editdist_diff_t d;
	char ra[4096] = "", rb[4096] = "";
	size_t edits = 0;
	assert_int_equal(editdist_word_diff(a, strlen(a), b, strlen(b), &d), 0);
	for (size_t i = 0; i < d.count; i++) {
		const char *t = d.ops[i].text;
		assert_true(strlen(t) > 0);
		if (d.ops[i].kind != EDITDIST_OP_INSERT) {
			if (ra[0])
				strcat(ra, " ");
			strcat(ra, t);
		}
		if (d.ops[i].kind != EDITDIST_OP_DELETE) {
			if (rb[0])
				strcat(rb, " ");
			strcat(rb, t);
		}
		if (d.ops[i].kind != EDITDIST_OP_EQUAL)
			edits += count_words(t);
		/* runs are maximal: never two of the same kind in a row */
		if (i)
			assert_true(d.ops[i].kind != d.ops[i - 1].kind);
	}
	assert_string_equal(ra, a);
	assert_string_equal(rb, b);
	assert_int_equal(edits, count_words(a) + count_words(b) - 2 * lcs_words(a, b));
	editdist_diff_release(&d);
}

static void test_word_diff_is_valid_and_shortest(void **state)
{
	(void)state;
	static const char *const words[] = {"a", "b", "c", "the", "fix", "caf\xC3\xA9"};
	check_diff("", "");
	check_diff("one two", "");
	check_diff("", "one two");
	check_diff("same text here", "same text here");
	for (int iter = 0; iter < 400; iter++) {
		char a[1024] = "", b[1024] = "";
		size_t na = rnd() % 40, nb = rnd() % 40;
		for (size_t i = 0; i < na; i++) {
			if (i)
				strcat(a, " ");
			strcat(a, words[rnd() % 6]);
		}
		for (size_t i = 0; i < nb; i++) {
			if (i)
				strcat(b, " ");
			strcat(b, words[rnd() % 6]);
		}
		check_diff(a, b);
	}
}

static void test_word_diff_text_marks_changes(void **state)
{
	(void)state;
	editdist_diff_t d;
	const char *a = "Please restart the sync service.";
	const char *b = "Please restart the backup service now.";
	assert_int_equal(editdist_word_diff(a, strlen(a), b, strlen(b), &d), 0);
	char *t = editdist_diff_text(&d);
	assert_string_equal(t, "Please restart the [-sync service.-] {+backup service now.+}");
	free(t);
	cJSON *j = editdist_diff_json(&d);
	char *js = cJSON_PrintUnformatted(j);
	assert_string_equal(js, "[{\"op\":\"=\",\"text\":\"Please restart the\"},"
				"{\"op\":\"-\",\"text\":\"sync service.\"},"
				"{\"op\":\"+\",\"text\":\"backup service now.\"}]");
	cJSON_free(js);
	cJSON_Delete(j);
	editdist_diff_release(&d);
}

static void test_attribution_classifies_each_sentence(void **state)
{
	(void)state;
	editdist_attribution_t at;
	const char *draft = "Hi Ana, thanks for the report. [#812]\n"
			    "The sync stops when the token expires [doc: guides/sync.md#tokens]. "
			    "Please sign out and sign in again to refresh it! "
			    "We will refund the March invoice [#77, #78]. "
			    "Version 4.2 fixes this for good.";
	const char *sent = "Hi Ana, thanks for the report.\n"
			   "The sync stops when your token expires. "
			   "Could you sign out, wait a minute, and sign in again to refresh it? "
			   "Version 4.2 fixes this for good.\n"
			   "-- \nJo, Support\n";
	assert_int_equal(editdist_attribute(draft, strlen(draft), sent, strlen(sent), &at), 0);
	assert_int_equal(at.count, 5);
	assert_string_equal(at.sentences[0].text, "Hi Ana, thanks for the report.");
	assert_int_equal(at.sentences[0].fate, EDITDIST_KEPT);
	assert_int_equal(at.sentences[0].ncites, 1);
	assert_int_equal(at.sentences[0].cites[0].kind, EDITDIST_CITE_TICKET);
	assert_string_equal(at.sentences[0].cites[0].ref, "812");

	assert_string_equal(at.sentences[1].text, "The sync stops when the token expires.");
	assert_int_equal(at.sentences[1].fate, EDITDIST_KEPT); /* the -> your: ratio 0.1 */
	assert_true(at.sentences[1].best_ratio > 0.0 && at.sentences[1].best_ratio <= 0.2);
	assert_int_equal(at.sentences[1].ncites, 1);
	assert_int_equal(at.sentences[1].cites[0].kind, EDITDIST_CITE_DOC);
	assert_string_equal(at.sentences[1].cites[0].ref, "guides/sync.md#tokens");

	assert_int_equal(at.sentences[2].fate, EDITDIST_EDITED);
	assert_int_equal(at.sentences[3].fate, EDITDIST_DELETED);
	assert_int_equal(at.sentences[3].ncites, 2);
	assert_string_equal(at.sentences[3].cites[1].ref, "78");
	assert_true(at.sentences[3].words_kept < 0.4);
	assert_int_equal(at.sentences[4].fate, EDITDIST_KEPT);
	assert_true(at.sentences[4].best_ratio == 0.0);
	assert_true(at.sentences[4].words_kept == 1.0);

	assert_int_equal(at.kept, 3);
	assert_int_equal(at.edited, 1);
	assert_int_equal(at.deleted, 1);
	assert_true(at.kept_share > 0.5999 && at.kept_share < 0.6001);
	assert_string_equal(editdist_fate_name(at.sentences[2].fate), "edited");
	editdist_attribution_release(&at);

	/* empty draft: no sentences, share 0 */
	assert_int_equal(editdist_attribute("", 0, "x", 1, &at), 0);
	assert_int_equal(at.count, 0);
	assert_true(at.kept_share == 0.0);
	editdist_attribution_release(&at);
}

static void test_attribution_brackets_that_are_not_citations_stay(void **state)
{
	(void)state;
	editdist_attribution_t at;
	const char *draft = "Set [x] to 1. Use v1.2 now!";
	assert_int_equal(editdist_attribute(draft, strlen(draft), "", 0, &at), 0);
	assert_int_equal(at.count, 2);
	assert_string_equal(at.sentences[0].text, "Set [x] to 1.");
	assert_int_equal(at.sentences[0].ncites, 0);
	assert_string_equal(at.sentences[1].text, "Use v1.2 now!");
	assert_int_equal(at.deleted, 2);
	editdist_attribution_release(&at);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bitparallel_matches_dp_on_random_strings),
	    cmocka_unit_test(test_block_boundaries_are_exact),
	    cmocka_unit_test(test_identical_empty_and_disjoint),
	    cmocka_unit_test(test_long_texts_match_dp),
	    cmocka_unit_test(test_long_pairs_match_dp_at_every_density),
	    cmocka_unit_test(test_edits_at_block_edges_of_long_texts),
	    cmocka_unit_test(test_bounded_distance_is_exact_at_every_threshold),
	    cmocka_unit_test(test_far_drifting_paths_and_unequal_lengths),
	    cmocka_unit_test(test_long_identical_and_disjoint),
	    cmocka_unit_test(test_long_multibyte_texts_count_code_points),
	    cmocka_unit_test(test_compute_counts_code_points_not_bytes),
	    cmocka_unit_test(test_word_distance_counts_whole_words),
	    cmocka_unit_test(test_normalize_collapses_whitespace),
	    cmocka_unit_test(test_normalize_strips_quoting_and_signature),
	    cmocka_unit_test(test_normalize_drops_citation_markers),
	    cmocka_unit_test(test_compare_ignores_quotes_and_whitespace),
	    cmocka_unit_test(test_word_diff_is_valid_and_shortest),
	    cmocka_unit_test(test_word_diff_text_marks_changes),
	    cmocka_unit_test(test_attribution_classifies_each_sentence),
	    cmocka_unit_test(test_attribution_brackets_that_are_not_citations_stay),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
