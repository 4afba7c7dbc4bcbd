/*
 * bench_editdist.c - edit distance of two ~10 KB and two ~100 KB replies: the
 * bit-parallel algorithm against the plain DP baseline in the same run.
 *
 * The texts are generated (fixed seed): English-like sentences, and the "sent" reply
 * is the draft with words replaced, inserted and deleted and a few sentences removed
 * or rewritten, as an agent would. A worst case (two unrelated texts) is printed too.
 * The 100 KB DP baseline takes seconds, so by default it runs on the first 1/10 of
 * the draft and is scaled (DP time is exactly proportional to n*m); BENCH_FULL_DP=1
 * runs it whole. Times are process CPU time: best and median of several runs for
 * the bit-parallel side (the machine may be shared; the median shows the noise).
 */
#include "precedent/editdist.h"
#include "precedent/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* CPU time of this process: the machine may be shared, and the targets are "on one
 * core", so time spent descheduled must not count. */
static double cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static uint64_t rs = 0x2545F4914F6CDD1Dull;
static uint32_t rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return (uint32_t)(rs >> 11);
}

static const char *const vocab[] = {
    "the",     "account",    "please",	"restart",  "service", "sync",	  "error",
    "token",   "we",	     "your",	"invoice",  "update",  "version", "settings",
    "team",    "thanks",     "for",	"reaching", "out",     "issue",	  "fixed",
    "release", "workaround", "login",	"password", "reset",   "link",	  "expired",
    "billing", "plan",	     "upgrade", "export",   "import",  "data",	  "server",
    "timeout", "retry",	     "café",	"naïve",    "Zürich",  "配置",	  "エラー",
    "again",   "and",	     "to",	"of",	    "in",      "is",	  "it"};

static void gen_text(buf_t *b, size_t bytes)
{
	size_t nv = sizeof vocab / sizeof *vocab;
	while (b->len < bytes) {
		size_t words = 6 + rnd() % 14;
		for (size_t w = 0; w < words; w++) {
			buf_puts(b, vocab[rnd() % nv]);
			buf_putc(b, w + 1 < words ? ' ' : '.');
		}
		buf_putc(b, rnd() % 5 ? ' ' : '\n');
	}
}

/* Edits about pct percent of the words, drops about 1 sentence in 25. */
static void edit_text(const char *a, size_t alen, buf_t *b, unsigned pct)
{
	size_t nv = sizeof vocab / sizeof *vocab;
	size_t i = 0;
	int drop = 0;
	while (i < alen) {
		size_t j = i;
		while (j < alen && a[j] != ' ' && a[j] != '\n')
			j++;
		if (j < alen)
			j++; /* the separator */
		if (i == 0 || a[i - 1] == '.' || (i >= 2 && a[i - 2] == '.'))
			drop = rnd() % 25 == 0;
		if (!drop) {
			unsigned r = rnd() % 1000;
			if (r < pct * 10 / 3) {
				buf_puts(b, vocab[rnd() % nv]); /* replace */
				buf_putc(b, a[j - 1]);
			} else if (r < pct * 20 / 3) {
				buf_puts(b, vocab[rnd() % nv]); /* insert */
				buf_putc(b, ' ');
				buf_append(b, a + i, j - i);
			} else if (r < pct * 10) {
				/* delete */
			} else {
				buf_append(b, a + i, j - i);
			}
		}
		i = j;
	}
}

typedef struct timing {
	double ms, median_ms;
	size_t d;
} timing_t;

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;
	return a < b ? -1 : a > b;
}

/* Best and median of reps runs (reps <= 64). */
static timing_t time_fast(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, int reps)
{
	timing_t t = {1e30, 0, 0};
	double v[64];
	for (int r = 0; r < reps; r++) {
		double t0 = cpu_ms();
		t.d = editdist_levenshtein_cp(a, na, b, nb);
		v[r] = cpu_ms() - t0;
		if (v[r] < t.ms)
			t.ms = v[r];
	}
	qsort(v, (size_t)reps, sizeof *v, cmp_double);
	t.median_ms = reps % 2 ? v[reps / 2] : (v[reps / 2 - 1] + v[reps / 2]) / 2;
	return t;
}

static void run_case(const char *name, const char *a, size_t alen, const char *b, size_t blen,
		     int reps, double target_ms, int scale_dp)
{
	size_t na, nb;
	uint32_t *ca = editdist_decode(a, alen, &na);
	uint32_t *cb = editdist_decode(b, blen, &nb);
	timing_t f = time_fast(ca, na, cb, nb, reps);

	double dp_ms;
	size_t dp_d = 0;
	const char *how = "measured";
	size_t rows = na;
	if (scale_dp && !getenv("BENCH_FULL_DP"))
		rows = na / 10;
	double t0 = cpu_ms();
	dp_d = editdist_levenshtein_dp(ca, rows, cb, nb);
	dp_ms = cpu_ms() - t0;
	if (rows != na) {
		dp_ms *= (double)na / (double)rows;
		how = "scaled from 1/10 of the rows";
	} else if (dp_d != f.d) {
		printf("MISMATCH: dp %zu vs bit-parallel %zu\n", dp_d, f.d);
		exit(1);
	}

	editdist_result_t r;
	t0 = cpu_ms();
	editdist_compute(a, alen, b, blen, &r);
	double all_ms = cpu_ms() - t0;

	printf("%-28s %6zu x %6zu cp  d=%-6zu bit-parallel best %8.3f ms median %8.3f ms  "
	       "DP %9.1f ms (%s)  speed-up x%.0f",
	       name, na, nb, f.d, f.ms, f.median_ms, dp_ms, how, dp_ms / f.ms);
	if (target_ms > 0)
		printf("  target < %g ms: %s (median %s)", target_ms,
		       f.ms < target_ms ? "met" : "MISSED",
		       f.median_ms < target_ms ? "met" : "MISSED");
	printf("\n");
	printf(
	    "%-28s full editdist_compute (chars + words, ratio %.3f, word ratio %.3f): %.3f ms\n",
	    "", r.ratio, r.word_ratio, all_ms);
	free(ca);
	free(cb);
}

int main(void)
{
	static const struct {
		const char *name;
		size_t bytes;
		unsigned pct;
		int reps;
		double target;
		int scale;
	} cases[] = {
	    {"10 KB, 5% words edited", 10 * 1024, 5, 41, 1.0, 0},
	    {"10 KB, 20% words edited", 10 * 1024, 20, 41, 1.0, 0},
	    {"100 KB, 5% words edited", 100 * 1024, 5, 11, 50.0, 1},
	    {"100 KB, 20% words edited", 100 * 1024, 20, 11, 50.0, 1},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		buf_t a, b;
		buf_init(&a, 0);
		buf_init(&b, 0);
		gen_text(&a, cases[i].bytes);
		edit_text(a.data, a.len, &b, cases[i].pct);
		run_case(cases[i].name, a.data, a.len, b.data, b.len, cases[i].reps,
			 cases[i].target, cases[i].scale);
		buf_release(&a);
		buf_release(&b);
	}
	/* worst case: unrelated texts, the whole matrix */
	for (size_t kb = 10; kb <= 100; kb *= 10) {
		buf_t a, b;
		buf_init(&a, 0);
		buf_init(&b, 0);
		gen_text(&a, kb * 1024);
		gen_text(&b, kb * 1024);
		char name[64];
		snprintf(name, sizeof name, "%zu KB, unrelated (worst)", kb);
		run_case(name, a.data, a.len, b.data, b.len, kb == 10 ? 11 : 5, 0, kb == 100);
		buf_release(&a);
		buf_release(&b);
	}
	return 0;
}
