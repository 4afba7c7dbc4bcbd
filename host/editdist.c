/*
 * editdist.c - edit metrics between a draft and the sent reply.
 *
 * Levenshtein distance uses Myers' bit-vector algorithm in Hyyro's blocked form:
 * the shorter sequence (the "pattern") is cut into 64-row blocks, and one block at a
 * time sweeps the columns of the longer sequence, keeping its vertical deltas in two
 * registers and passing the horizontal delta of its bottom row to the next block
 * through a byte array (one per column). Memory is O(n + m).
 *
 * Speed for similar texts comes from a band (Ukkonen): with a threshold k only cells
 * that can lie on a path of cost <= k are computed; cells outside are replaced by
 * upper bounds (costs of paths that exist), so the result is an upper bound of the
 * true distance and equals it whenever it is <= k. A first pass with a small k
 * follows the cheapest paths in a narrow band and returns an upper bound U; a second
 * pass with k = U is then exact. The work is O((n/64) * d) for distance d on similar
 * texts, and the full O(n*m/64) at worst.
 *
 * Everything else here (normalization, sentences, word diff) is plain code over
 * those distances.
 */
#include "precedent/editdist.h"
#include "precedent/util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cJSON.h>

/* ---- code points ------------------------------------------------------- */

uint32_t *editdist_decode(const char *s, size_t len, size_t *n)
{
	uint32_t *cp = xmalloc((len ? len : 1) * sizeof *cp);
	size_t i = 0, k = 0;
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80) {
			cp[k++] = c;
			i++;
			continue;
		}
		i += utf8_decode(s + i, len - i, &cp[k++]);
	}
	*n = k;
	return cp;
}

static int is_space_cp(uint32_t c)
{
	if (c == ' ' || (c >= '\t' && c <= '\r'))
		return 1;
	return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
	       c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000 ||
	       c == 0xFEFF;
}

static void put_cp(buf_t *b, uint32_t c)
{
	char u[4];
	size_t n;
	if (c < 0x80) {
		u[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		u[0] = (char)(0xC0 | (c >> 6));
		u[1] = (char)(0x80 | (c & 0x3F));
		n = 2;
	} else if (c < 0x10000) {
		u[0] = (char)(0xE0 | (c >> 12));
		u[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		u[2] = (char)(0x80 | (c & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | (c >> 18));
		u[1] = (char)(0x80 | ((c >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((c >> 6) & 0x3F));
		u[3] = (char)(0x80 | (c & 0x3F));
		n = 4;
	}
	buf_append(b, u, n);
}

/* ---- the reference -------------------------------------------------------- */

size_t editdist_levenshtein_dp(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
	size_t *row = xmalloc((nb + 1) * sizeof *row);
	for (size_t j = 0; j <= nb; j++)
		row[j] = j;
	for (size_t i = 1; i <= na; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= nb; j++) {
			size_t up = row[j];
			size_t v = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < v)
				v = up + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			row[j] = v;
			diag = up;
		}
	}
	size_t d = row[nb];
	free(row);
	return d;
}

/* ---- bit-parallel, blocked, banded --------------------------------------- */

/*
 * The sequences are first mapped to dense symbol ids (ASCII is its own id, other code
 * points get ids from 128 up), so a block's match masks are one array load per cell.
 *
 * Blocks are swept in stripes of up to STRIPE blocks (256 rows). Inside a stripe,
 * block s works on column t - s while block 0 works on column t: block s takes the
 * horizontal delta block s - 1 produced one iteration earlier, so the blocks'
 * dependency chains are independent within an iteration and the CPU overlaps them.
 *
 * Pruning (Ukkonen, refined as in edlib): with threshold k, a cell (r, c) on the
 * bottom row of a stripe can lie on an optimal path only if its computed value
 * D'(r, c) + |(m - r) - (n - c)| <= k. The next stripe starts at the first such
 * column (its left boundary is D'(r, c) + 1, + 2, ... downwards: costs of real
 * paths) and ends at max(c + k - D'(r, c)) + rows. Computed values are always costs
 * of real paths (upper bounds); every cell of an optimal path of cost <= k stays
 * inside the region, so the result is exact when <= k. No valid column: the
 * distance is > k and the pass stops early.
 */
#define STRIPE 4

typedef struct bp_ctx {
	const uint32_t *pid, *tid; /* pattern (m rows), text (n columns) */
	size_t m, n;
	uint64_t *peq; /* sigma * STRIPE masks, all zero between stripes */
	int8_t *h;     /* n + 1 horizontal deltas of the row above a stripe */
} bp_ctx_t;

typedef struct bp_stripe {
	size_t top, rows; /* row above the stripe; rows in it (<= 64 * STRIPE) */
	size_t cmin, hi;  /* left boundary column; last column */
	int64_t corner;	  /* D'(top, cmin) */
	int64_t k;
	/* results for the next stripe */
	int found;
	size_t ncmin;
	int64_t ncorner, nreach, score;
} bp_stripe_t;

static inline void bp_cell(uint64_t eq, int hin, uint64_t *pv, uint64_t *mv, uint64_t hbit,
			   int hshift, int *hout)
{
	uint64_t hp = hin > 0, hm = hin < 0;
	uint64_t xv = eq | *mv;
	eq |= hm;
	uint64_t xh = (((eq & *pv) + *pv) ^ *pv) | eq;
	uint64_t ph = *mv | ~(xh | *pv);
	uint64_t mh = *pv & xh;
	*hout = (int)((ph & hbit) >> hshift) - (int)((mh & hbit) >> hshift);
	ph = (ph << 1) | hp;
	mh = (mh << 1) | hm;
	*pv = mh | ~(xv | ph);
	*mv = ph & xv;
}

/* Sweeps one stripe over columns cmin+1..hi, leaving the bottom row's horizontal
 * deltas in h[cmin+1..hi]; bp_scan() then reads them. */
static inline __attribute__((always_inline)) void bp_stripe_run(const bp_ctx_t *cx, bp_stripe_t *st,
								const int S)
{
	uint64_t pv[STRIPE], mv[STRIPE];
	int carry[STRIPE + 1];
	const uint32_t *tid = cx->tid;
	const uint64_t *peq = cx->peq;
	int8_t *h = cx->h;
	size_t lastrows = st->rows - 64 * (size_t)(S - 1);
	uint64_t lbit = (uint64_t)1 << (lastrows - 1);
	int lshift = (int)lastrows - 1;
	size_t cmin = st->cmin, hi = st->hi;

	for (int s = 0; s < S; s++) {
		pv[s] = ~(uint64_t)0;
		mv[s] = 0;
		carry[s] = 0;
	}
	/* iteration t: block s on column t - s; ranges with every block active are unchecked */
	size_t t = cmin + 1, tend = hi + (size_t)S - 1;
	while (t <= tend) {
		int full = t >= cmin + (size_t)S && t <= hi;
		if (full) {
			size_t stop = hi;
			for (; t <= stop; t++) {
#pragma GCC unroll 4
				for (int s = S - 1; s >= 0; s--) {
					size_t j = t - (size_t)s;
					int hin = s == 0 ? h[j] : carry[s];
					int ho;
					uint64_t eq = peq[(size_t)tid[j - 1] * STRIPE + (size_t)s];
					if (s == S - 1) {
						bp_cell(eq, hin, &pv[s], &mv[s], lbit, lshift, &ho);
						h[j] = (int8_t)ho;
					} else {
						bp_cell(eq, hin, &pv[s], &mv[s], (uint64_t)1 << 63,
							63, &ho);
						carry[s + 1] = ho;
					}
				}
			}
			continue;
		}
		for (int s = S - 1; s >= 0; s--) {
			size_t j = t - (size_t)s;
			if (t < (size_t)s || j < cmin + 1 || j > hi)
				continue;
			int hin = s == 0 ? h[j] : carry[s];
			int ho;
			uint64_t eq = peq[(size_t)tid[j - 1] * STRIPE + (size_t)s];
			if (s == S - 1) {
				bp_cell(eq, hin, &pv[s], &mv[s], lbit, lshift, &ho);
				h[j] = (int8_t)ho;
			} else {
				bp_cell(eq, hin, &pv[s], &mv[s], (uint64_t)1 << 63, 63, &ho);
				carry[s + 1] = ho;
			}
		}
		t++;
	}
}

/*
 * Reads the stripe's bottom row (its deltas in h) and finds where the next stripe
 * starts (the first column c with D'(r, c) + |(m - r) - (n - c)| <= k), its corner
 * value and its reach, and the row's last value (st->score).
 *
 * With raise, the threshold may go up during a pass. When no column of the stripe's bottom row can
 * be on a path of cost <= k, the distance is > k; to still end the pass with an upper
 * bound (the next threshold), k is raised to the cheapest promise there (D' + the
 * least cost left) plus slack. With slack > 0 this also happens whenever the margin
 * above the cheapest promise falls below slack, so the band never narrows onto one
 * greedy path; the row is then read again with the new k. A pass that raised k
 * returns an upper bound only.
 */
static void bp_scan(const bp_ctx_t *cx, bp_stripe_t *st, int raise, int64_t slack)
{
	int64_t rem_rows = (int64_t)(cx->m - st->top - st->rows), n = (int64_t)cx->n;
	int64_t base = st->corner + (int64_t)st->rows, best = INT64_MAX, sc, k = st->k;
	const int8_t *h = cx->h;
	for (int round = 0; round < 2; round++) {
		st->found = 0;
		st->nreach = -1;
		sc = base;
		for (size_t j = st->cmin; j <= st->hi; j++) {
			if (j > st->cmin)
				sc += h[j];
			int64_t rem = rem_rows - (n - (int64_t)j);
			rem = rem < 0 ? -rem : rem;
			if (sc + rem < best)
				best = sc + rem;
			if (sc + rem > k)
				continue;
			if (!st->found) {
				st->found = 1;
				st->ncmin = j;
				st->ncorner = sc;
			}
			if ((int64_t)j + k - sc > st->nreach)
				st->nreach = (int64_t)j + k - sc;
		}
		st->score = sc;
		if (!raise || (st->found && best + slack <= k))
			break;
		k = st->k = best + slack;
	}
}

/*
 * One pass with threshold k. Requires 1 <= m <= n and k >= n - m. Returns the
 * distance if it is <= k. Otherwise, with raise, an upper bound (> k) of the
 * distance; without, k + 1 as soon as that is certain.
 */
static int64_t bp_pass(bp_ctx_t *cx, int64_t k, int raise, int64_t slack)
{
	size_t m = cx->m, n = cx->n, hmax = 0;
	bp_stripe_t st = {0};
	memset(cx->h, 1, n + 1);
	st.k = k;
	st.top = 0;
	st.cmin = 0;
	st.corner = 0;
	int64_t reach = k; /* max over valid c of c + k - D'(0, c) */
	for (;;) {
		size_t left = m - st.top;
		st.rows = left < 64 * STRIPE ? left : 64 * STRIPE;
		int S = (int)((st.rows + 63) / 64);
		st.hi =
		    reach + (int64_t)st.rows < (int64_t)n ? (size_t)(reach + (int64_t)st.rows) : n;
		/* columns the previous stripe did not reach are row values + 1 each */
		if (hmax > st.hi)
			memset(cx->h + st.hi + 1, 1, hmax - st.hi);
		for (int s = 0; s < S; s++) {
			size_t r0 = st.top + 64 * (size_t)s;
			size_t nr = st.rows - 64 * (size_t)s < 64 ? st.rows - 64 * (size_t)s : 64;
			for (size_t r = 0; r < nr; r++)
				cx->peq[(size_t)cx->pid[r0 + r] * STRIPE + (size_t)s] |= (uint64_t)1
											 << r;
		}
		switch (S) {
		case 1:
			bp_stripe_run(cx, &st, 1);
			break;
		case 2:
			bp_stripe_run(cx, &st, 2);
			break;
		case 3:
			bp_stripe_run(cx, &st, 3);
			break;
		default:
			bp_stripe_run(cx, &st, 4);
			break;
		}
		for (int s = 0; s < S; s++) {
			size_t r0 = st.top + 64 * (size_t)s;
			size_t nr = st.rows - 64 * (size_t)s < 64 ? st.rows - 64 * (size_t)s : 64;
			for (size_t r = 0; r < nr; r++)
				cx->peq[(size_t)cx->pid[r0 + r] * STRIPE + (size_t)s] = 0;
		}
		if (hmax < st.hi)
			hmax = st.hi;
		int last = st.top + st.rows == m;
		bp_scan(cx, &st, raise && !last, slack);
		if (last) /* along the last row from hi to n: a real path */
			return st.score + (int64_t)(n - st.hi);
		if (!st.found)
			return k + 1;
		/* columns left of the new start are never read again */
		if (hmax > st.hi)
			memset(cx->h + st.hi + 1, 1, hmax - st.hi);
		hmax = st.hi;
		st.top += st.rows;
		st.cmin = st.ncmin;
		st.corner = st.ncorner;
		reach = st.nreach;
	}
}

/* Dense ids: ASCII is its own id; other code points 128, 129, ... Returns sigma. */
static size_t dense_ids(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, uint32_t *ia,
			uint32_t *ib)
{
	size_t slots = 0, next = 128;
	uint32_t *key = NULL, *val = NULL;
	for (int pass = 0; pass < 2; pass++) {
		const uint32_t *src = pass ? b : a;
		uint32_t *dst = pass ? ib : ia;
		size_t len = pass ? nb : na;
		for (size_t i = 0; i < len; i++) {
			uint32_t c = src[i];
			if (c < 128) {
				dst[i] = c;
				continue;
			}
			if (!slots) {
				slots = 1024;
				while (slots < 2 * (na + nb))
					slots *= 2;
				if (slots > (1u << 22))
					slots = 1u
						<< 22; /* ids are bounded by the code-point range */
				key = xcalloc(slots, sizeof *key);
				val = xmalloc(slots * sizeof *val);
			}
			size_t hh = ((size_t)c * 2654435761u) & (slots - 1);
			while (key[hh] && key[hh] != c)
				hh = (hh + 1) & (slots - 1);
			if (!key[hh]) {
				key[hh] = c;
				val[hh] = (uint32_t)next++;
			}
			dst[i] = val[hh];
		}
	}
	free(key);
	free(val);
	return next;
}

/* Strips the common prefix and suffix. */
static void trim_common(const uint32_t **a, size_t *na, const uint32_t **b, size_t *nb)
{
	size_t pre = 0;
	while (pre < *na && pre < *nb && (*a)[pre] == (*b)[pre])
		pre++;
	*a += pre;
	*b += pre;
	*na -= pre;
	*nb -= pre;
	while (*na && *nb && (*a)[*na - 1] == (*b)[*nb - 1]) {
		(*na)--;
		(*nb)--;
	}
}

/* Exact distance (exact != 0), or: the distance if <= max, else max + 1. */
static size_t levenshtein_upto(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
			       size_t max, int exact)
{
	trim_common(&a, &na, &b, &nb);
	if (na > nb) {
		const uint32_t *tp = a;
		size_t tn = na;
		a = b;
		na = nb;
		b = tp;
		nb = tn;
	}
	/* now a is the pattern (m = na <= n = nb) */
	if (na == 0)
		return exact || nb <= max ? nb : max + 1;
	if (!exact && nb - na > max)
		return max + 1;
	bp_ctx_t cx;
	uint32_t *ia = xmalloc(na * sizeof *ia), *ib = xmalloc(nb * sizeof *ib);
	size_t sigma = dense_ids(a, na, b, nb, ia, ib);
	cx.pid = ia;
	cx.tid = ib;
	cx.m = na;
	cx.n = nb;
	cx.peq = xcalloc(sigma * STRIPE, sizeof *cx.peq);
	cx.h = xmalloc(nb + 1);
	int64_t off = (int64_t)(nb - na), k, d;
	if (exact)
		k = off + 64;
	else
		k = (int64_t)max;
	if (k > (int64_t)nb)
		k = (int64_t)nb;
	/* The first pass keeps a margin of k/4 above the cheapest path (for a good upper
	 * bound); later passes have k >= the distance and need none. */
	int64_t slack = k / 4 > 0 ? k / 4 : 1;
	for (;;) {
		d = bp_pass(&cx, k, exact, slack);
		slack = 0;
		if (d <= k || !exact)
			break;
		/* d is an upper bound: a pass with k = d is exact */
		k = d < (int64_t)nb ? d : (int64_t)nb;
	}
	free(cx.h);
	free(cx.peq);
	free(ia);
	free(ib);
	if (!exact && d > (int64_t)max)
		d = (int64_t)max + 1;
	return (size_t)d;
}

size_t editdist_levenshtein_cp(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
	return levenshtein_upto(a, na, b, nb, 0, 1);
}

size_t editdist_levenshtein_max(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
				size_t max)
{
	return levenshtein_upto(a, na, b, nb, max, 0);
}

/* ---- words ------------------------------------------------------------------ */

typedef struct word_map {
	const char **s;
	size_t *len;
	uint32_t *id;
	size_t slots, count;
} word_map_t;

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h;
}

static void wm_grow(word_map_t *wm)
{
	size_t ns = wm->slots ? wm->slots * 2 : 256;
	const char **s = xcalloc(ns, sizeof *s);
	size_t *len = xcalloc(ns, sizeof *len);
	uint32_t *id = xcalloc(ns, sizeof *id);
	for (size_t i = 0; i < wm->slots; i++) {
		if (!wm->s[i])
			continue;
		size_t hh = hash_bytes(wm->s[i], wm->len[i]) & (ns - 1);
		while (s[hh])
			hh = (hh + 1) & (ns - 1);
		s[hh] = wm->s[i];
		len[hh] = wm->len[i];
		id[hh] = wm->id[i];
	}
	free(wm->s);
	free(wm->len);
	free(wm->id);
	wm->s = s;
	wm->len = len;
	wm->id = id;
	wm->slots = ns;
}

static uint32_t wm_id(word_map_t *wm, const char *w, size_t n)
{
	if ((wm->count + 1) * 2 > wm->slots)
		wm_grow(wm);
	size_t hh = hash_bytes(w, n) & (wm->slots - 1);
	while (wm->s[hh]) {
		if (wm->len[hh] == n && memcmp(wm->s[hh], w, n) == 0)
			return wm->id[hh];
		hh = (hh + 1) & (wm->slots - 1);
	}
	wm->s[hh] = w;
	wm->len[hh] = n;
	wm->id[hh] = (uint32_t)wm->count++;
	return wm->id[hh];
}

/* Calls back for each whitespace-separated word of s: [start, end) byte offsets. */
typedef struct word_span {
	size_t start, end;
} word_span_t;

static word_span_t *split_words(const char *s, size_t len, size_t *count)
{
	size_t cap = 16, n = 0, i = 0;
	word_span_t *w = xmalloc(cap * sizeof *w);
	while (i < len) {
		uint32_t c;
		size_t l = (unsigned char)s[i] < 0x80 ? (c = (unsigned char)s[i], 1)
						      : utf8_decode(s + i, len - i, &c);
		if (is_space_cp(c)) {
			i += l;
			continue;
		}
		size_t start = i;
		while (i < len) {
			l = (unsigned char)s[i] < 0x80 ? (c = (unsigned char)s[i], 1)
						       : utf8_decode(s + i, len - i, &c);
			if (is_space_cp(c))
				break;
			i += l;
		}
		if (n == cap) {
			cap *= 2;
			w = xrealloc(w, cap * sizeof *w);
		}
		w[n].start = start;
		w[n].end = i;
		n++;
	}
	*count = n;
	return w;
}

void editdist_word_ids(const char *a, size_t alen, const char *b, size_t blen, uint32_t **ida,
		       size_t *na, uint32_t **idb, size_t *nb)
{
	word_map_t wm = {0};
	size_t ca, cb;
	word_span_t *wa = split_words(a, alen, &ca);
	word_span_t *wb = split_words(b, blen, &cb);
	uint32_t *ia = xmalloc((ca ? ca : 1) * sizeof *ia);
	uint32_t *ib = xmalloc((cb ? cb : 1) * sizeof *ib);
	for (size_t i = 0; i < ca; i++)
		ia[i] = wm_id(&wm, a + wa[i].start, wa[i].end - wa[i].start);
	for (size_t i = 0; i < cb; i++)
		ib[i] = wm_id(&wm, b + wb[i].start, wb[i].end - wb[i].start);
	free(wm.s);
	free(wm.len);
	free(wm.id);
	free(wa);
	free(wb);
	*ida = ia;
	*na = ca;
	*idb = ib;
	*nb = cb;
}

static double ratio_of(size_t d, size_t x, size_t y)
{
	size_t mx = x > y ? x : y;
	return mx ? (double)d / (double)mx : 0.0;
}

int editdist_compute(const char *a, size_t alen, const char *b, size_t blen, editdist_result_t *out)
{
	size_t na, nb;
	uint32_t *ca = editdist_decode(a, alen, &na);
	uint32_t *cb = editdist_decode(b, blen, &nb);
	memset(out, 0, sizeof *out);
	out->len_a = na;
	out->len_b = nb;
	out->distance = editdist_levenshtein_cp(ca, na, cb, nb);
	out->ratio = ratio_of(out->distance, na, nb);
	free(ca);
	free(cb);

	uint32_t *wa, *wb;
	editdist_word_ids(a, alen, b, blen, &wa, &na, &wb, &nb);
	out->words_a = na;
	out->words_b = nb;
	out->word_distance = editdist_levenshtein_cp(wa, na, wb, nb);
	out->word_ratio = ratio_of(out->word_distance, na, nb);
	free(wa);
	free(wb);
	return 0;
}

/* ---- normalization --------------------------------------------------------- */

typedef struct line {
	const char *s;
	size_t n;
} line_t;

static int starts_with(const char *s, size_t n, const char *pre)
{
	size_t l = strlen(pre);
	return n >= l && memcmp(s, pre, l) == 0;
}

static int ends_with(const char *s, size_t n, const char *suf)
{
	size_t l = strlen(suf);
	return n >= l && memcmp(s + n - l, suf, l) == 0;
}

/* Trims ASCII whitespace (and \r) on both sides. */
static line_t trim_line(line_t l)
{
	while (l.n && (l.s[0] == ' ' || l.s[0] == '\t' || l.s[0] == '\r')) {
		l.s++;
		l.n--;
	}
	while (l.n && (l.s[l.n - 1] == ' ' || l.s[l.n - 1] == '\t' || l.s[l.n - 1] == '\r'))
		l.n--;
	return l;
}

static int is_quote_start(line_t t)
{
	static const char *const pre[] = {"On ", "Le ", "Am ", "El ", "Il ", "Op "};
	for (size_t i = 0; i < sizeof pre / sizeof *pre; i++)
		if (starts_with(t.s, t.n, pre[i]))
			return 1;
	return 0;
}

static int is_quote_end(line_t t)
{
	static const char *const suf[] = {"wrote:",
					  "a \xC3\xA9"
					  "crit :",
					  "a \xC3\xA9"
					  "crit:",
					  "schrieb:",
					  "escribi\xC3\xB3:",
					  "ha scritto:",
					  "geschreven:"};
	for (size_t i = 0; i < sizeof suf / sizeof *suf; i++)
		if (ends_with(t.s, t.n, suf[i]))
			return 1;
	return 0;
}

static int is_outlook_cut(line_t t, const line_t *next)
{
	if (t.n >= 5 && t.s[0] == '-' && t.n < 80) {
		for (size_t i = 0; i + 16 <= t.n; i++)
			if (strncasecmp(t.s + i, "original message", 16) == 0)
				return 1;
	}
	if (t.n >= 10 && next) {
		size_t i = 0;
		while (i < t.n && t.s[i] == '_')
			i++;
		line_t nx = trim_line(*next);
		if (i == t.n && starts_with(nx.s, nx.n, "From:"))
			return 1;
	}
	return 0;
}

static size_t parse_cites(const char *s, size_t n, editdist_sentence_t *sen);

/* Length of the citation marker ("[#12]", "[doc: a.md#b]", ...) starting at k[i], or 0. */
static size_t cite_marker_len(const char *k, size_t klen, size_t i)
{
	const char *close;
	editdist_sentence_t tmp = {0};
	size_t lim = klen - i < 2048 ? klen - i : 2048;
	if (k[i] != '[' || !(close = memchr(k + i, ']', lim)))
		return 0;
	if (memchr(k + i, '\n', (size_t)(close - k) - i))
		return 0;
	size_t n = parse_cites(k + i + 1, (size_t)(close - k) - i - 1, &tmp);
	for (size_t c = 0; c < tmp.ncites; c++)
		free(tmp.cites[c].ref);
	free(tmp.cites);
	return n ? (size_t)(close - k) - i + 1 : 0;
}

char *editdist_normalize(const char *s, size_t len, unsigned flags, size_t *outlen)
{
	buf_t kept, out;
	size_t nl = 0, cap = 16;
	line_t *lines = xmalloc(cap * sizeof *lines);
	for (size_t i = 0; i <= len;) {
		const char *e = memchr(s + i, '\n', len - i);
		size_t end = e ? (size_t)(e - s) : len;
		if (nl == cap) {
			cap *= 2;
			lines = xrealloc(lines, cap * sizeof *lines);
		}
		lines[nl].s = s + i;
		lines[nl].n = end - i;
		nl++;
		if (!e)
			break;
		i = end + 1;
	}

	/* Pass 1: which lines survive quoting/signature stripping. */
	buf_init(&kept, 0);
	int first = 1;
	for (size_t i = 0; i < nl; i++) {
		line_t t = trim_line(lines[i]);
		if (flags & EDITDIST_NORM_SIGNATURE) {
			line_t r = lines[i];
			if (r.n && r.s[r.n - 1] == '\r')
				r.n--;
			if ((r.n == 3 && memcmp(r.s, "-- ", 3) == 0) ||
			    (r.n == 2 && memcmp(r.s, "--", 2) == 0))
				break;
		}
		if (flags & EDITDIST_NORM_QUOTES) {
			if (t.n && t.s[0] == '>')
				continue;
			if (is_outlook_cut(t, i + 1 < nl ? &lines[i + 1] : NULL))
				break;
			if (is_quote_start(t)) {
				if (is_quote_end(t))
					continue;
				if (i + 1 < nl && is_quote_end(trim_line(lines[i + 1]))) {
					i++;
					continue;
				}
			}
		}
		if (!first)
			buf_putc(&kept, '\n');
		buf_append(&kept, lines[i].s, lines[i].n);
		first = 0;
	}
	free(lines);

	/* Pass 2: whitespace, and invalid UTF-8 to U+FFFD. */
	buf_init(&out, 0);
	const char *k = buf_cstr(&kept);
	size_t klen = kept.len;
	int pending_space = 0, pending_nl = 0, any = 0;
	for (size_t i = 0; i < klen;) {
		uint32_t c;
		size_t cl;
		if ((flags & EDITDIST_NORM_CITATIONS) && k[i] == '[' &&
		    (cl = cite_marker_len(k, klen, i))) {
			i += cl;
			/* "text [#1]." -> "text." */
			if (i < klen && strchr(".,;:!?)", k[i]))
				pending_space = 0;
			continue;
		}
		size_t l = (unsigned char)k[i] < 0x80 ? (c = (unsigned char)k[i], 1)
						      : utf8_decode(k + i, klen - i, &c);
		i += l;
		if ((flags & EDITDIST_NORM_WHITESPACE) && is_space_cp(c)) {
			if ((flags & EDITDIST_NORM_KEEP_LINES) &&
			    (c == '\n' || c == 0x2028 || c == 0x2029 || c == 0x85))
				pending_nl = 1;
			else
				pending_space = 1;
			continue;
		}
		if ((flags & EDITDIST_NORM_WHITESPACE) && (c < 0x20 || c == 0x7F))
			continue; /* other control characters (NUL, ESC, ...) carry no text */
		if (any && pending_nl)
			buf_putc(&out, '\n');
		else if (any && pending_space)
			buf_putc(&out, ' ');
		pending_nl = pending_space = 0;
		put_cp(&out, c);
		any = 1;
	}
	buf_release(&kept);
	if (outlen)
		*outlen = out.len;
	return buf_steal(&out);
}

int editdist_compare(const char *draft, size_t dlen, const char *sent, size_t slen, unsigned flags,
		     editdist_result_t *out)
{
	size_t na, nb;
	char *a = editdist_normalize(draft, dlen, flags, &na);
	char *b = editdist_normalize(sent, slen, flags, &nb);
	int rc = editdist_compute(a, na, b, nb, out);
	free(a);
	free(b);
	return rc;
}

/* ---- word diff (Myers O(ND), linear space) ------------------------------------ */

/* Above this many edits in one half of a sub-problem the diff stops looking for the
 * shortest script there and reports the sub-problem as deleted + inserted (a valid,
 * longer diff): bounds the time on texts that share almost nothing. */
#define DIFF_MAX_HALF_D 2048

typedef struct diff_ctx {
	const uint32_t *a, *b;
	uint8_t *cha, *chb; /* 1 = deleted from a / inserted in b */
	long *vf, *vb;	    /* indexed by diagonal + voff */
	long voff;
} diff_ctx_t;

/* Finds a point (x, y) on an optimal path splitting the problem a[ax..ax+n) vs
 * b[by..by+m) into two cheaper ones. Returns 0, or -1 when over DIFF_MAX_HALF_D. */
static int diff_split(diff_ctx_t *dc, long ax, long n, long by, long m, long *sx, long *sy)
{
	const uint32_t *a = dc->a + ax, *b = dc->b + by;
	long *vf = dc->vf + dc->voff, *vb = dc->vb + dc->voff;
	long delta = n - m, dmax = (n + m + 1) / 2;
	int odd = (int)(delta & 1);
	vf[1] = 0;
	vb[1] = 0;
	for (long d = 0; d <= dmax; d++) {
		if (d > DIFF_MAX_HALF_D)
			return -1;
		for (long k = -d; k <= d; k += 2) {
			long x = (k == -d || (k != d && vf[k - 1] < vf[k + 1])) ? vf[k + 1]
										: vf[k - 1] + 1;
			long y = x - k;
			while (x < n && y < m && a[x] == b[y]) {
				x++;
				y++;
			}
			vf[k] = x;
			if (odd && delta - k >= -(d - 1) && delta - k <= d - 1 &&
			    x + vb[delta - k] >= n) {
				*sx = x;
				*sy = y;
				return 0;
			}
		}
		for (long k = -d; k <= d; k += 2) {
			long x = (k == -d || (k != d && vb[k - 1] < vb[k + 1])) ? vb[k + 1]
										: vb[k - 1] + 1;
			long y = x - k;
			while (x < n && y < m && a[n - 1 - x] == b[m - 1 - y]) {
				x++;
				y++;
			}
			vb[k] = x;
			if (!odd && delta - k >= -d && delta - k <= d && x + vf[delta - k] >= n) {
				*sx = n - x;
				*sy = m - y;
				return 0;
			}
		}
	}
	return -1; /* not reached */
}

static void diff_rec(diff_ctx_t *dc, long ax, long n, long by, long m)
{
	for (;;) {
		while (n && m && dc->a[ax] == dc->b[by]) {
			ax++;
			by++;
			n--;
			m--;
		}
		while (n && m && dc->a[ax + n - 1] == dc->b[by + m - 1]) {
			n--;
			m--;
		}
		if (!n || !m) {
			memset(dc->cha + ax, 1, (size_t)n);
			memset(dc->chb + by, 1, (size_t)m);
			return;
		}
		long sx, sy;
		if (diff_split(dc, ax, n, by, m, &sx, &sy) || (sx == 0 && sy == 0) ||
		    (sx == n && sy == m)) {
			memset(dc->cha + ax, 1, (size_t)n);
			memset(dc->chb + by, 1, (size_t)m);
			return;
		}
		diff_rec(dc, ax, sx, by, sy);
		/* the second half as a loop: recursion depth stays logarithmic */
		ax += sx;
		by += sy;
		n -= sx;
		m -= sy;
	}
}

/* Marks deleted words of a (cha) and inserted words of b (chb); arrays of na / nb. */
static void diff_ids(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, uint8_t *cha,
		     uint8_t *chb)
{
	diff_ctx_t dc;
	size_t nv = 2 * (na + nb) + 3;
	dc.a = a;
	dc.b = b;
	dc.cha = cha;
	dc.chb = chb;
	dc.vf = xmalloc(nv * sizeof *dc.vf);
	dc.vb = xmalloc(nv * sizeof *dc.vb);
	dc.voff = (long)(na + nb + 1);
	memset(cha, 0, na);
	memset(chb, 0, nb);
	diff_rec(&dc, 0, (long)na, 0, (long)nb);
	free(dc.vf);
	free(dc.vb);
}

static void diff_push(editdist_diff_t *d, size_t *cap, editdist_op_kind_t kind, const char *s,
		      const word_span_t *w, size_t from, size_t to)
{
	buf_t b;
	if (from == to)
		return;
	buf_init(&b, 0);
	for (size_t i = from; i < to; i++) {
		if (i > from)
			buf_putc(&b, ' ');
		buf_append(&b, s + w[i].start, w[i].end - w[i].start);
	}
	if (d->count == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		d->ops = xrealloc(d->ops, *cap * sizeof *d->ops);
	}
	d->ops[d->count].kind = kind;
	d->ops[d->count].text = buf_steal(&b);
	d->count++;
}

int editdist_word_diff(const char *a, size_t alen, const char *b, size_t blen, editdist_diff_t *out)
{
	size_t la, lb, ca, cb, na, nb, cap = 0;
	char *sa = editdist_normalize(a, alen, EDITDIST_NORM_DEFAULT, &la);
	char *sb = editdist_normalize(b, blen, EDITDIST_NORM_DEFAULT, &lb);
	word_span_t *wa = split_words(sa, la, &ca);
	word_span_t *wb = split_words(sb, lb, &cb);
	uint32_t *ia, *ib;
	editdist_word_ids(sa, la, sb, lb, &ia, &na, &ib, &nb);
	uint8_t *cha = xmalloc(na + 1), *chb = xmalloc(nb + 1);
	diff_ids(ia, na, ib, nb, cha, chb);

	out->ops = NULL;
	out->count = 0;
	size_t i = 0, j = 0;
	while (i < na || j < nb) {
		size_t i0 = i, j0 = j;
		while (i < na && cha[i])
			i++;
		diff_push(out, &cap, EDITDIST_OP_DELETE, sa, wa, i0, i);
		while (j < nb && chb[j])
			j++;
		diff_push(out, &cap, EDITDIST_OP_INSERT, sb, wb, j0, j);
		i0 = i;
		while (i < na && j < nb && !cha[i] && !chb[j]) {
			i++;
			j++;
		}
		diff_push(out, &cap, EDITDIST_OP_EQUAL, sa, wa, i0, i);
	}
	free(cha);
	free(chb);
	free(ia);
	free(ib);
	free(wa);
	free(wb);
	free(sa);
	free(sb);
	return 0;
}

void editdist_diff_release(editdist_diff_t *d)
{
	for (size_t i = 0; i < d->count; i++)
		free(d->ops[i].text);
	free(d->ops);
	d->ops = NULL;
	d->count = 0;
}

char *editdist_diff_text(const editdist_diff_t *d)
{
	buf_t b;
	buf_init(&b, 0);
	for (size_t i = 0; i < d->count; i++) {
		if (i)
			buf_putc(&b, ' ');
		switch (d->ops[i].kind) {
		case EDITDIST_OP_DELETE:
			buf_printf(&b, "[-%s-]", d->ops[i].text);
			break;
		case EDITDIST_OP_INSERT:
			buf_printf(&b, "{+%s+}", d->ops[i].text);
			break;
		default:
			buf_puts(&b, d->ops[i].text);
			break;
		}
	}
	return buf_steal(&b);
}

cJSON *editdist_diff_json(const editdist_diff_t *d)
{
	static const char *const names[] = {"=", "-", "+"};
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; arr && i < d->count; i++) {
		cJSON *op = cJSON_CreateObject();
		if (!op)
			break;
		cJSON_AddStringToObject(op, "op", names[d->ops[i].kind]);
		cJSON_AddStringToObject(op, "text", d->ops[i].text);
		cJSON_AddItemToArray(arr, op);
	}
	return arr;
}

/* ---- sentences and attribution ---------------------------------------------- */

const char *editdist_fate_name(editdist_fate_t f)
{
	switch (f) {
	case EDITDIST_KEPT:
		return "kept";
	case EDITDIST_EDITED:
		return "edited";
	default:
		return "deleted";
	}
}

typedef struct sent_list {
	editdist_sentence_t *v;
	size_t n, cap;
} sent_list_t;

static int is_cite_id_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       c == '-' || c == '_' || c == '.' || c == ':' || c == '/';
}

/* Parses the inside of a bracket "[...]" as one or more citation markers. Returns the
 * number found (0: not a citation bracket, nothing added). */
static size_t parse_cites(const char *s, size_t n, editdist_sentence_t *sen)
{
	editdist_cite_t found[16];
	size_t nf = 0, i = 0;
	while (i < n) {
		while (i < n && (s[i] == ' ' || s[i] == ',' || s[i] == ';'))
			i++;
		if (i == n)
			break;
		size_t start, end;
		editdist_cite_kind_t kind;
		if (s[i] == '#') {
			kind = EDITDIST_CITE_TICKET;
			start = ++i;
			while (i < n && is_cite_id_char(s[i]))
				i++;
			end = i;
		} else if (n - i >= 4 && strncasecmp(s + i, "doc:", 4) == 0) {
			kind = EDITDIST_CITE_DOC;
			i += 4;
			while (i < n && s[i] == ' ')
				i++;
			start = i;
			while (i < n && s[i] != ',' && s[i] != ';')
				i++;
			end = i;
			while (end > start && s[end - 1] == ' ')
				end--;
		} else {
			goto not_cite;
		}
		if (end == start || nf == sizeof found / sizeof *found)
			goto not_cite;
		found[nf].kind = kind;
		found[nf].ref = xstrndup(s + start, end - start);
		nf++;
		while (i < n && s[i] == ' ')
			i++;
		if (i < n && s[i] != ',' && s[i] != ';')
			goto not_cite;
	}
	if (!nf)
		return 0;
	sen->cites = xrealloc(sen->cites, (sen->ncites + nf) * sizeof *sen->cites);
	memcpy(sen->cites + sen->ncites, found, nf * sizeof *found);
	sen->ncites += nf;
	return nf;
not_cite:
	for (size_t k = 0; k < nf; k++)
		free(found[k].ref);
	return 0;
}

/* Adds sentence s[0..n) with citation markers moved out of the text. */
static void add_sentence(sent_list_t *L, const char *s, size_t n, editdist_sentence_t *pending)
{
	editdist_sentence_t sen = {0};
	buf_t b;
	buf_init(&b, 0);
	/* carried citations (a marker-only fragment before any sentence) */
	if (pending->ncites) {
		sen.cites = pending->cites;
		sen.ncites = pending->ncites;
		pending->cites = NULL;
		pending->ncites = 0;
	}
	for (size_t i = 0; i < n;) {
		if (s[i] == '[') {
			const char *close = memchr(s + i, ']', n - i);
			if (close && parse_cites(s + i + 1, (size_t)(close - s) - i - 1, &sen)) {
				/* drop the marker and the space before it: "text [#1]." -> "text."
				 */
				while (b.len && b.data[b.len - 1] == ' ')
					b.len--;
				i = (size_t)(close - s) + 1;
				continue;
			}
		}
		if (s[i] == ' ' && (b.len == 0 || b.data[b.len - 1] == ' ')) {
			i++;
			continue;
		}
		buf_putc(&b, s[i]);
		i++;
	}
	while (b.len && b.data[b.len - 1] == ' ')
		b.len--;
	if (b.len == 0) {
		buf_release(&b);
		if (!sen.ncites)
			return;
		if (L->n) { /* a marker-only fragment credits the sentence before it */
			editdist_sentence_t *prev = &L->v[L->n - 1];
			prev->cites =
			    xrealloc(prev->cites, (prev->ncites + sen.ncites) * sizeof *sen.cites);
			memcpy(prev->cites + prev->ncites, sen.cites,
			       sen.ncites * sizeof *sen.cites);
			prev->ncites += sen.ncites;
			free(sen.cites);
		} else {
			pending->cites = sen.cites;
			pending->ncites = sen.ncites;
		}
		return;
	}
	sen.text = buf_steal(&b);
	sen.best_ratio = 1.0;
	sen.fate = EDITDIST_DELETED;
	if (L->n == L->cap) {
		L->cap = L->cap ? L->cap * 2 : 16;
		L->v = xrealloc(L->v, L->cap * sizeof *L->v);
	}
	L->v[L->n++] = sen;
}

static int is_terminator(const char *s, size_t n, size_t i, size_t *len)
{
	unsigned char c = (unsigned char)s[i];
	if (c == '.' || c == '!' || c == '?') {
		*len = 1;
		return 1;
	}
	/* CJK full stop, fullwidth ! and ? */
	if (c == 0xE3 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
	    (unsigned char)s[i + 2] == 0x82) {
		*len = 3;
		return 1;
	}
	if (c == 0xEF && i + 2 < n && (unsigned char)s[i + 1] == 0xBC &&
	    ((unsigned char)s[i + 2] == 0x81 || (unsigned char)s[i + 2] == 0x9F)) {
		*len = 3;
		return 1;
	}
	return 0;
}

/* Splits normalized text (lines kept) into sentences. */
static void split_sentences(const char *s, size_t n, sent_list_t *L)
{
	editdist_sentence_t pending = {0};
	size_t start = 0, i = 0;
	int depth = 0;
	while (i < n) {
		size_t tl;
		if (s[i] == '[') {
			depth++;
		} else if (s[i] == ']' && depth) {
			depth--;
		} else if (s[i] == '\n') {
			add_sentence(L, s + start, i - start, &pending);
			start = ++i;
			depth = 0;
			continue;
		} else if (!depth && is_terminator(s, n, i, &tl)) {
			size_t e = i + tl;
			while (e < n && is_terminator(s, n, e, &tl))
				e += tl;
			while (e < n && (s[e] == '"' || s[e] == '\'' || s[e] == ')'))
				e++;
			/* a terminator ends a sentence before a space or the end (not "4.2") */
			if (e == n || s[e] == ' ' || s[e] == '\n' || (unsigned char)s[i] >= 0x80) {
				add_sentence(L, s + start, e - start, &pending);
				start = i = e;
				continue;
			}
			i = e;
			continue;
		}
		i++;
	}
	if (start < n)
		add_sentence(L, s + start, n - start, &pending);
	for (size_t k = 0; k < pending.ncites; k++)
		free(pending.cites[k].ref);
	free(pending.cites);
}

static void sentences_free(editdist_sentence_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].text);
		for (size_t k = 0; k < v[i].ncites; k++)
			free(v[i].cites[k].ref);
		free(v[i].cites);
	}
	free(v);
}

/* Pairs compared in full before narrowing candidates to the aligned neighbourhood. */
#define ATTR_ALL_PAIRS_MAX 40000

int editdist_attribute(const char *draft, size_t dlen, const char *sent, size_t slen,
		       editdist_attribution_t *out)
{
	/* citations stay: they are read per sentence below */
	unsigned fl =
	    (EDITDIST_NORM_DEFAULT & ~(unsigned)EDITDIST_NORM_CITATIONS) | EDITDIST_NORM_KEEP_LINES;
	size_t la, lb;
	char *na = editdist_normalize(draft, dlen, fl, &la);
	char *nb = editdist_normalize(sent, slen, fl, &lb);
	sent_list_t D = {0}, S = {0};
	split_sentences(na, la, &D);
	split_sentences(nb, lb, &S);

	/* joined texts (one sentence a line) for the word alignment */
	buf_t ja, jb;
	buf_init(&ja, 0);
	buf_init(&jb, 0);
	size_t *dwords = xcalloc(D.n + 1, sizeof *dwords); /* words per draft sentence */
	for (size_t i = 0; i < D.n; i++) {
		buf_puts(&ja, D.v[i].text);
		buf_putc(&ja, '\n');
		size_t c;
		free(split_words(D.v[i].text, strlen(D.v[i].text), &c));
		dwords[i] = c;
	}
	size_t *sof = xcalloc(S.n + 1, sizeof *sof); /* first word index of each sent sentence */
	size_t acc = 0;
	for (size_t i = 0; i < S.n; i++) {
		buf_puts(&jb, S.v[i].text);
		buf_putc(&jb, '\n');
		size_t c;
		free(split_words(S.v[i].text, strlen(S.v[i].text), &c));
		sof[i] = acc;
		acc += c;
	}
	sof[S.n] = acc;
	uint32_t *ia, *ib;
	size_t nwa, nwb;
	editdist_word_ids(buf_cstr(&ja), ja.len, buf_cstr(&jb), jb.len, &ia, &nwa, &ib, &nwb);
	uint8_t *cha = xmalloc(nwa + 1), *chb = xmalloc(nwb + 1);
	diff_ids(ia, nwa, ib, nwb, cha, chb);
	/* for each kept draft word, the sent sentence it landed in */
	size_t *land = xmalloc((nwa + 1) * sizeof *land);
	{
		size_t i = 0, j = 0, ss = 0;
		while (i < nwa) {
			if (cha[i]) {
				land[i++] = (size_t)-1;
				continue;
			}
			while (j < nwb && chb[j])
				j++;
			while (ss + 1 < S.n && sof[ss + 1] <= j)
				ss++;
			land[i++] = ss;
			j++;
		}
	}

	int all_pairs = D.n * S.n <= ATTR_ALL_PAIRS_MAX;
	size_t w0 = 0;
	uint32_t **scp = xcalloc(S.n + 1, sizeof *scp);
	size_t *slen_cp = xcalloc(S.n + 1, sizeof *slen_cp);
	for (size_t j = 0; j < S.n; j++)
		scp[j] = editdist_decode(S.v[j].text, strlen(S.v[j].text), &slen_cp[j]);
	for (size_t i = 0; i < D.n; i++) {
		editdist_sentence_t *sen = &D.v[i];
		size_t kept = 0, lo = (size_t)-1, hi = 0;
		for (size_t w = w0; w < w0 + dwords[i]; w++) {
			if (land[w] == (size_t)-1)
				continue;
			kept++;
			if (land[w] < lo)
				lo = land[w];
			if (land[w] > hi)
				hi = land[w];
		}
		sen->words_kept = dwords[i] ? (double)kept / (double)dwords[i] : 0.0;
		w0 += dwords[i];
		size_t from = 0, to = S.n;
		if (!all_pairs) {
			if (lo == (size_t)-1) {
				from = to = 0;
			} else {
				from = lo > 2 ? lo - 2 : 0;
				to = hi + 3 < S.n ? hi + 3 : S.n;
			}
		}
		size_t n1;
		uint32_t *c1 = editdist_decode(sen->text, strlen(sen->text), &n1);
		double best = 1.0;
		for (size_t j = from; j < to; j++) {
			size_t n2 = slen_cp[j], mx = n1 > n2 ? n1 : n2;
			size_t bound = (size_t)(EDITDIST_EDITED_MAX_RATIO * (double)mx);
			if ((n1 > n2 ? n1 - n2 : n2 - n1) > bound)
				continue;
			size_t d = editdist_levenshtein_max(c1, n1, scp[j], n2, bound);
			if (d <= bound && mx && (double)d / (double)mx < best)
				best = (double)d / (double)mx;
			if (best == 0.0)
				break;
		}
		free(c1);
		sen->best_ratio = best;
		if (best <= EDITDIST_KEPT_MAX_RATIO)
			sen->fate = EDITDIST_KEPT;
		else if (best <= EDITDIST_EDITED_MAX_RATIO ||
			 sen->words_kept >= EDITDIST_EDITED_MIN_WORDS)
			sen->fate = EDITDIST_EDITED;
		else
			sen->fate = EDITDIST_DELETED;
	}
	for (size_t j = 0; j < S.n; j++)
		free(scp[j]);
	free(scp);
	free(slen_cp);

	memset(out, 0, sizeof *out);
	out->sentences = D.v;
	out->count = D.n;
	for (size_t i = 0; i < D.n; i++) {
		if (D.v[i].fate == EDITDIST_KEPT)
			out->kept++;
		else if (D.v[i].fate == EDITDIST_EDITED)
			out->edited++;
		else
			out->deleted++;
	}
	out->kept_share = D.n ? (double)out->kept / (double)D.n : 0.0;

	free(land);
	free(cha);
	free(chb);
	free(ia);
	free(ib);
	free(dwords);
	free(sof);
	buf_release(&ja);
	buf_release(&jb);
	sentences_free(S.v, S.n);
	free(na);
	free(nb);
	return 0;
}

void editdist_attribution_release(editdist_attribution_t *at)
{
	sentences_free(at->sentences, at->count);
	memset(at, 0, sizeof *at);
}
