/*
 * editdist.c - edit metrics between a draft and the sent reply.
 *
 * Levenshtein distance uses Myers' bit-vector algorithm in Hyyro's blocked form:
 * the shorter sequence (the "pattern") is cut into 64-row blocks, and one block at a
 * time sweeps the columns of the longer sequence, keeping its vertical deltas in two
 * registers and passing the horizontal delta of its bottom row to the next block
 * through a byte array (one per column). Memory is O(n + m).
 *
 * Speed for similar texts comes from Ukkonen's band: with a threshold k only the
 * cells with -k + (n - m) <= j - i <= k are computed; cells outside the band are
 * replaced by upper bounds (paths that exist), so the result is an upper bound of the
 * true distance and equals it whenever it is <= k. k starts small and doubles, so
 * the work is O((n/64) * d) for distance d, and the full O(n*m/64) at worst.
 *
 * Everything else here (normalization, sentences, word diff) is plain code over
 * those distances.
 */
#include "precedent/editdist.h"
#include "precedent/util.h"

#include <stdlib.h>
#include <string.h>

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

/* Match masks of one 64-row block: a direct table for ASCII, a small open-addressing
 * table (at most 64 keys in 128 slots) for everything else. */
typedef struct peq_block {
	uint64_t ascii[128];
	uint32_t key[128];
	uint64_t val[128];
	uint8_t used[128];
	int nonascii;
} peq_block_t;

static void peq_build(peq_block_t *pq, const uint32_t *p, size_t rows)
{
	memset(pq->ascii, 0, sizeof pq->ascii);
	if (pq->nonascii)
		memset(pq->used, 0, sizeof pq->used);
	pq->nonascii = 0;
	for (size_t r = 0; r < rows; r++) {
		uint32_t c = p[r];
		uint64_t bit = (uint64_t)1 << r;
		if (c < 128) {
			pq->ascii[c] |= bit;
			continue;
		}
		size_t h = (c * 2654435761u) >> 25; /* 7 bits */
		while (pq->used[h] && pq->key[h] != c)
			h = (h + 1) & 127;
		if (!pq->used[h]) {
			pq->used[h] = 1;
			pq->key[h] = c;
			pq->val[h] = 0;
		}
		pq->val[h] |= bit;
		pq->nonascii = 1;
	}
}

static inline uint64_t peq_get(const peq_block_t *pq, uint32_t c)
{
	if (c < 128)
		return pq->ascii[c];
	if (!pq->nonascii)
		return 0;
	size_t h = (c * 2654435761u) >> 25;
	while (pq->used[h]) {
		if (pq->key[h] == c)
			return pq->val[h];
		h = (h + 1) & 127;
	}
	return 0;
}

/*
 * One banded pass. Requires 1 <= m <= n and k >= n - m. Pattern p (rows), text t
 * (columns). h has n + 1 bytes of scratch. Returns the band-restricted distance: an
 * upper bound of the true distance, exact when it is <= k (or when the band covers
 * the whole matrix, k >= n).
 */
static size_t band_pass(const uint32_t *p, size_t m, const uint32_t *t, size_t n, size_t k,
			int8_t *h, peq_block_t *pq)
{
	size_t off = n - m;
	size_t nblocks = (m + 63) / 64;
	size_t corner_next = 0, score = 0;
	memset(h, 1, n + 1); /* row 0, and any column a block above did not reach: +1 */
	pq->nonascii = 1;
	for (size_t b = 0; b < nblocks; b++) {
		size_t top = 64 * b; /* the row above this block */
		size_t rows = m - top < 64 ? m - top : 64;
		size_t lo = top + 1 + off > k + 1 ? top + 1 + off - k : 1;
		size_t hi = top + rows + k < n ? top + rows + k : n;
		size_t ntop = top + 64;
		size_t lo_next = ntop + 1 + off > k + 1 ? ntop + 1 + off - k : 1;
		size_t corner = lo == 1 ? top : corner_next;
		uint64_t pv = ~(uint64_t)0, mv = 0;
		uint64_t hbit = (uint64_t)1 << (rows - 1);
		int hshift = (int)(rows - 1);

		peq_build(pq, p + top, rows);
		score = corner + rows; /* bottom row at column lo - 1: vertical deltas all +1 */
		if (lo_next - 1 == lo - 1)
			corner_next = score;
		for (size_t j = lo; j <= hi; j++) {
			uint64_t eq = peq_get(pq, t[j - 1]);
			int hin = h[j];
			uint64_t hp = hin > 0, hm = hin < 0;
			uint64_t xv = eq | mv;
			eq |= hm;
			uint64_t xh = (((eq & pv) + pv) ^ pv) | eq;
			uint64_t ph = mv | ~(xh | pv);
			uint64_t mh = pv & xh;
			int d = (int)((ph & hbit) >> hshift) - (int)((mh & hbit) >> hshift);
			h[j] = (int8_t)d;
			score += (size_t)(ptrdiff_t)d; /* wraps correctly for -1 */
			ph = (ph << 1) | hp;
			mh = (mh << 1) | hm;
			pv = mh | ~(xv | ph);
			mv = ph & xv;
			if (j == lo_next - 1)
				corner_next = score;
		}
	}
	return score;
}

/* Strips the common prefix and suffix; returns the new lengths through na/nb. */
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

/* Distance if <= max (or exact when max >= longer length), else some value > max. */
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
		return nb;
	if (!exact && nb - na > max)
		return max + 1;
	int8_t *h = xmalloc(nb + 1);
	peq_block_t *pq = xmalloc(sizeof *pq);
	size_t off = nb - na, k, d;
	if (exact) {
		k = off + 32;
		if (na <= 64 || k >= nb)
			k = nb;
	} else {
		k = max < nb ? max : nb;
	}
	for (;;) {
		d = band_pass(a, na, b, nb, k, h, pq);
		if (d <= k || k >= nb || !exact)
			break;
		k = k > nb / 2 ? nb : 2 * k;
	}
	free(pq);
	free(h);
	if (!exact && d > max)
		d = max + 1;
	return d;
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

int editdist_compute(const char *a, size_t alen, const char *b, size_t blen,
		     editdist_result_t *out)
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
	static const char *const suf[] = {"wrote:", "a \xC3\xA9" "crit :", "a \xC3\xA9" "crit:",
					  "schrieb:", "escribi\xC3\xB3:", "ha scritto:", "geschreven:"};
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

int editdist_compare(const char *draft, size_t dlen, const char *sent, size_t slen,
		     unsigned flags, editdist_result_t *out)
{
	size_t na, nb;
	char *a = editdist_normalize(draft, dlen, flags, &na);
	char *b = editdist_normalize(sent, slen, flags, &nb);
	int rc = editdist_compute(a, na, b, nb, out);
	free(a);
	free(b);
	return rc;
}
