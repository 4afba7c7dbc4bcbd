/*
 * editdist.c - edit metrics between a draft and the sent reply.
 *
 * Levenshtein distance uses Myers' bit-vector algorithm in Hyyro's blocked form,
 * column-major with an Ukkonen band as edlib does it (the comment above bp_band()
 * says how and why it is exact). Memory is O(n + m). A cheap first pass (a window of
 * a few blocks following the cheapest cells) gives an upper bound U of the distance;
 * the banded pass with threshold U is then exact. The work is O((n/64) * d) for
 * distance d on similar texts, and the full O(n*m/64) at worst.
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
 * Myers' bit-vector algorithm in Hyyro's blocked form, column-major with a band, in
 * the shape edlib made known.
 *
 * The shorter sequence (the pattern, m rows) is cut into 64-row blocks; the longer
 * one (the text, n columns) is read one column at a time. For each column only the
 * active blocks fb..lb are advanced, top to bottom; the horizontal delta leaving a
 * block's bottom row goes straight into the next block in a register. A block's state
 * is its two vertical-delta words (P, M); the values tracked are the one at the
 * bottom row of the last active block and the one of the row above the first (others
 * are recovered by popcounts when a block is dropped). Match masks: one row of masks
 * per pattern symbol, indexed by block, so a column reads one contiguous row (rare
 * symbols beyond a memory budget are scattered into a scratch row for their columns
 * instead: memory stays linear). Columns are taken in small groups over a fixed range
 * of blocks, so that independent work can overlap (see bp_band()).
 *
 * Every computed value is the cost of a real path, so an upper bound of D: the row
 * above the first active block is taken to grow by 1 per column (horizontal steps),
 * and a block that becomes active starts, in the column before, from the value of
 * the row above it plus 1 per row (vertical steps).
 *
 * Band (Ukkonen, refined as edlib does): with a threshold k >= the distance, every
 * cell (r, c) of an optimal path has D(r, c) + |(m - r) - (n - c)| <= k (what is left
 * costs at least the diagonal gap to the corner), and D(r, c) >= |r - c|. A block is
 * dropped from either end when a lower bound of that sum over its rows (from its
 * bottom value, vertical deltas being >= -1) is over k; blocks are added below the
 * last one while a lower bound for the rows below (from the last block's bottom
 * value, values moving by at most 1 per row and per column) is within k, several in
 * one column if need be. A block dropped at the top never holds a path cell again
 * (paths only go down), except that block 0 stays while a path may still run along
 * row 0; a block dropped at the bottom is added again when needed, from the upper
 * bounds above. By induction over the columns every cell of an optimal path is then
 * computed, and exactly, so the result is exact whenever the distance is <= k. The
 * cells kept lie on about k diagonals (|d| + |d_end - d| <= k), fewer as the costs so
 * far grow; k itself is lowered during the pass to the cost of any complete path
 * seen (the last block's bottom value plus the steps left).
 *
 * k comes from a first, cheap pass (bp_window) whose result is the cost of a real
 * path: on similar texts it is the distance or close to it. Small inputs skip it.
 */
#define BP_WINDOW 4
/* Columns per tile of the AVX2 kernel, and the band (in blocks) from which it is used. */
#define BP_TILE 64
#define BP_TILE_MIN_BLOCKS 8
/* Match-mask rows beyond this many bytes (plus BP_PEQ_PER_SYM per pattern symbol) go
 * to the sparse form. */
#define BP_PEQ_BASE ((size_t)256 << 10)
#define BP_PEQ_PER_SYM 64
#define BP_SPARSE 0x80000000u

typedef struct bp_ctx {
	size_t m, n, nblk;
	int lastsh;    /* bit of the last block's last row (0..63) */
	uint64_t *peq; /* rows of nblk masks: ndense symbols' rows, a zero row (symbols
			  absent from the pattern), and BP_TILE scratch rows, zero but
			  while a column of a sparse symbol is being computed; then 8
			  words of padding */
	size_t ndense;
	uint32_t *trow;		   /* per column: mask row, or BP_SPARSE | sparse symbol */
	size_t *sp_start, *sp_end; /* sparse symbol s: entries [sp_start[s], sp_end[s]) */
	uint32_t *sp_blk;
	uint64_t *sp_mask;
	uint64_t *P, *M; /* per block: vertical deltas +1 / -1 */
	int64_t *S;	 /* per block bottom value (window pass only) */
} bp_ctx_t;

/* One block over one column. *hp / *hm: in, the horizontal delta above the block
 * (+1 / -1 as bits); out, the delta at its row `sh` (63: the bottom of a full block). */
static inline __attribute__((always_inline)) void bp_block(uint64_t eq, uint64_t *pp, uint64_t *mp,
							   uint64_t *hp, uint64_t *hm, int sh)
{
	uint64_t pv = *pp, mv = *mp, hpi = *hp, hmi = *hm;
	uint64_t xv = eq | mv;
	eq |= hmi;
	uint64_t xh = (((eq & pv) + pv) ^ pv) | eq;
	uint64_t ph = mv | ~(xh | pv);
	uint64_t mh = pv & xh;
	*hp = (ph >> sh) & 1;
	*hm = (mh >> sh) & 1;
	ph = (ph << 1) | hpi;
	mh = (mh << 1) | hmi;
	*pp = mh | ~(xv | ph);
	*mp = ph & xv;
}

static inline size_t bp_rows(const bp_ctx_t *cx, size_t b)
{
	return b + 1 < cx->nblk ? 64 : (size_t)cx->lastsh + 1;
}

/* Row number (1-based) of block b's bottom row. */
static inline size_t bp_bottom(const bp_ctx_t *cx, size_t b)
{
	return b * 64 + bp_rows(cx, b);
}

static inline int bp_sh(const bp_ctx_t *cx, size_t b)
{
	return b + 1 < cx->nblk ? 63 : cx->lastsh;
}

/* Value at block b's bottom minus the value of the row above it. */
static int64_t bp_vsum(const bp_ctx_t *cx, size_t b)
{
	size_t rows = bp_rows(cx, b);
	uint64_t mask = rows == 64 ? ~(uint64_t)0 : ((uint64_t)1 << rows) - 1;
	return (int64_t)__builtin_popcountll(cx->P[b] & mask) -
	       (int64_t)__builtin_popcountll(cx->M[b] & mask);
}

/* Lower bound of D(r, c) + |(m - r) - (n - c)| over block b's rows, from s, the
 * (computed) value at its bottom row R: D(R - j, c) >= s - j. */
static inline int64_t bp_low(const bp_ctx_t *cx, size_t b, int64_t s, size_t c)
{
	int64_t r1 = (int64_t)bp_rows(cx, b) - 1;
	int64_t e = (int64_t)(cx->m - bp_bottom(cx, b)) - (int64_t)(cx->n - c);
	return e >= -r1 ? s + e : s - e - 2 * r1;
}

/* Whether row 0 at column c (value c, exact) may lie on a path of cost <= k: while it
 * may, block 0 stays (a path can run along row 0 and enter block 0 later). */
static inline int bp_row0(const bp_ctx_t *cx, size_t c, int64_t k)
{
	int64_t g = (int64_t)cx->m - (int64_t)(cx->n - c);
	return (int64_t)c + (g < 0 ? -g : g) <= k;
}

/* The match masks of column j (0-based) in scratch slot 0 or 1 when its symbol is
 * sparse; bp_eq_done() clears the slot again. */
static inline const uint64_t *bp_eq(const bp_ctx_t *cx, size_t j, size_t slot)
{
	uint32_t r = cx->trow[j];
	if (!(r & BP_SPARSE))
		return cx->peq + (size_t)r * cx->nblk;
	uint64_t *row = cx->peq + (cx->ndense + 1 + slot) * cx->nblk;
	r &= ~BP_SPARSE;
	for (size_t e = cx->sp_start[r]; e < cx->sp_end[r]; e++)
		row[cx->sp_blk[e]] = cx->sp_mask[e];
	return row;
}

static inline void bp_eq_done(const bp_ctx_t *cx, size_t j, size_t slot)
{
	uint32_t r = cx->trow[j];
	if (!(r & BP_SPARSE))
		return;
	uint64_t *row = cx->peq + (cx->ndense + 1 + slot) * cx->nblk;
	r &= ~BP_SPARSE;
	for (size_t e = cx->sp_start[r]; e < cx->sp_end[r]; e++)
		row[cx->sp_blk[e]] = 0;
}

#if defined(__x86_64__) && defined(__GNUC__)
#define BP_AVX2 1
#include <immintrin.h>
#endif

#ifdef BP_AVX2
/* One step of 4 blocks (one per lane) at once; lanes not in `a` keep their state. */
__attribute__((target("avx2"), always_inline)) static inline void
bp_vstep(__m256i eq, __m256i *pv, __m256i *mv, __m256i hpi, __m256i hmi, __m256i *hpo, __m256i *hmo,
	 __m256i sh, __m256i a)
{
	const __m256i one = _mm256_set1_epi64x(1), ones = _mm256_set1_epi64x(-1);
	__m256i p = *pv, m = *mv;
	__m256i xv = _mm256_or_si256(eq, m);
	eq = _mm256_or_si256(eq, hmi);
	__m256i xh =
	    _mm256_or_si256(_mm256_xor_si256(_mm256_add_epi64(_mm256_and_si256(eq, p), p), p), eq);
	__m256i ph = _mm256_or_si256(m, _mm256_xor_si256(_mm256_or_si256(xh, p), ones));
	__m256i mh = _mm256_and_si256(p, xh);
	*hpo = _mm256_and_si256(_mm256_srlv_epi64(ph, sh), one);
	*hmo = _mm256_and_si256(_mm256_srlv_epi64(mh, sh), one);
	ph = _mm256_or_si256(_mm256_slli_epi64(ph, 1), hpi);
	mh = _mm256_or_si256(_mm256_slli_epi64(mh, 1), hmi);
	*pv = _mm256_blendv_epi8(
	    p, _mm256_or_si256(mh, _mm256_xor_si256(_mm256_or_si256(xv, ph), ones)), a);
	*mv = _mm256_blendv_epi8(m, _mm256_and_si256(ph, xv), a);
}

/* bp_vstep() with every lane active and no lane on the last block. */
__attribute__((target("avx2"), always_inline)) static inline void
bp_vstep_full(__m256i eq, __m256i *pv, __m256i *mv, __m256i hpi, __m256i hmi, __m256i *hpo,
	      __m256i *hmo)
{
	const __m256i ones = _mm256_set1_epi64x(-1);
	__m256i p = *pv, m = *mv;
	__m256i xv = _mm256_or_si256(eq, m);
	eq = _mm256_or_si256(eq, hmi);
	__m256i xh =
	    _mm256_or_si256(_mm256_xor_si256(_mm256_add_epi64(_mm256_and_si256(eq, p), p), p), eq);
	__m256i ph = _mm256_or_si256(m, _mm256_xor_si256(_mm256_or_si256(xh, p), ones));
	__m256i mh = _mm256_and_si256(p, xh);
	*hpo = _mm256_srli_epi64(ph, 63);
	*hmo = _mm256_srli_epi64(mh, 63);
	ph = _mm256_or_si256(_mm256_slli_epi64(ph, 1), hpi);
	mh = _mm256_or_si256(_mm256_slli_epi64(mh, 1), hmi);
	*pv = _mm256_or_si256(mh, _mm256_xor_si256(_mm256_or_si256(xv, ph), ones));
	*mv = _mm256_and_si256(ph, xv);
}

/* The lanes' shifts for the blocks B .. B + 3: 63, or the last block's last row. */
__attribute__((target("avx2"))) static inline __m256i bp_vshift(const bp_ctx_t *cx, size_t B)
{
	__m256i sh = _mm256_set1_epi64x(63);
	if (B + 3 >= cx->nblk - 1 && B <= cx->nblk - 1)
		sh = _mm256_blendv_epi8(
		    sh, _mm256_set1_epi64x(cx->lastsh),
		    _mm256_cmpeq_epi64(_mm256_set1_epi64x((long long)(cx->nblk - 1 - B)),
				       _mm256_set_epi64x(3, 2, 1, 0)));
	return sh;
}

/* One step of the 8-lane sweep (two vectors) at step t; see bp_tile_avx2(). */
__attribute__((target("avx2"), always_inline)) static inline void
bp_dstep(const uint64_t *const *rows, const uint64_t *hp, const uint64_t *hm, uint64_t (*outp)[4],
	 uint64_t (*outm)[4], const __m256i *act, size_t B, size_t t, __m256i *pv1, __m256i *mv1,
	 __m256i *hpo1, __m256i *hmo1, __m256i *pv2, __m256i *mv2, __m256i *hpo2, __m256i *hmo2,
	 __m256i sh1, __m256i sh2, __m256i blk1, __m256i blk2, int full)
{
	const uint64_t *const *r = rows + t + 7;
	/* lane 0 of the second vector continues from lane 3 of the first */
	__m256i hpi2 = _mm256_blend_epi32(_mm256_permute4x64_epi64(*hpo2, 0x90),
					  _mm256_permute4x64_epi64(*hpo1, 0xFF), 0x03);
	__m256i hmi2 = _mm256_blend_epi32(_mm256_permute4x64_epi64(*hmo2, 0x90),
					  _mm256_permute4x64_epi64(*hmo1, 0xFF), 0x03);
	__m256i hpi1 = _mm256_blend_epi32(_mm256_permute4x64_epi64(*hpo1, 0x90),
					  _mm256_set1_epi64x((long long)hp[t]), 0x03);
	__m256i hmi1 = _mm256_blend_epi32(_mm256_permute4x64_epi64(*hmo1, 0x90),
					  _mm256_set1_epi64x((long long)hm[t]), 0x03);
	__m256i eq1 = _mm256_set_epi64x((long long)r[-3][B + 3], (long long)r[-2][B + 2],
					(long long)r[-1][B + 1], (long long)r[0][B]);
	__m256i eq2 = _mm256_set_epi64x((long long)r[-7][B + 7], (long long)r[-6][B + 6],
					(long long)r[-5][B + 5], (long long)r[-4][B + 4]);
	if (full) {
		bp_vstep_full(eq1, pv1, mv1, hpi1, hmi1, hpo1, hmo1);
		bp_vstep_full(eq2, pv2, mv2, hpi2, hmi2, hpo2, hmo2);
	} else {
		bp_vstep(eq1, pv1, mv1, hpi1, hmi1, hpo1, hmo1, sh1,
			 _mm256_and_si256(act[t + 4], blk1));
		bp_vstep(eq2, pv2, mv2, hpi2, hmi2, hpo2, hmo2, sh2,
			 _mm256_and_si256(act[t], blk2));
	}
	_mm256_storeu_si256((__m256i *)outp[t], *hpo2);
	_mm256_storeu_si256((__m256i *)outm[t], *hmo2);
}

/*
 * The AVX2 kernel: blocks fb..lb over columns c0 .. c0 + T - 1 (0-based), one block
 * per 64-bit lane, 8 blocks (two vectors) at a time. Lane j works on column t - j at
 * step t (a skewed sweep): its vertical deltas stay in the lane, and the horizontal
 * delta it needs comes from lane j - 1 one step earlier (lane 0 takes the one the
 * blocks above left for that column). Lanes outside the tile's columns or past lb
 * keep their state. Two vectors per step keep two dependency chains in flight.
 * Returns the sum over the T columns of the horizontal delta at lb's bottom row.
 */
__attribute__((target("avx2"))) static int64_t bp_tile_avx2(const bp_ctx_t *cx, size_t fb,
							    size_t lb, size_t c0, size_t T)
{
	const uint64_t *rows[BP_TILE + 14]; /* column x at x + 7; zero rows around */
	uint64_t hp[BP_TILE + 7], hm[BP_TILE + 7];
	uint64_t outp[BP_TILE + 7][4], outm[BP_TILE + 7][4];
	__m256i act[BP_TILE + 11]; /* lanes whose column t - j is in the tile, at t + 4 */
	const uint64_t *zero = cx->peq + cx->ndense * cx->nblk;
	const __m256i lane = _mm256_set_epi64x(3, 2, 1, 0);
	uint64_t *P = cx->P, *M = cx->M;

	for (size_t x = 0; x < T + 14; x++)
		rows[x] = x >= 7 && x < T + 7 ? bp_eq(cx, c0 + x - 7, x - 7) : zero;
	for (size_t t = 0; t < T + 7; t++) {
		hp[t] = 1; /* the row above fb grows by 1 per column */
		hm[t] = 0;
	}
	for (size_t x = 0; x < T + 11; x++) {
		__m256i tv = _mm256_sub_epi64(_mm256_set1_epi64x((long long)x - 4), lane);
		act[x] = _mm256_and_si256(_mm256_cmpgt_epi64(tv, _mm256_set1_epi64x(-1)),
					  _mm256_cmpgt_epi64(_mm256_set1_epi64x((long long)T), tv));
	}
	for (size_t B = fb; B <= lb;) {
		size_t L = lb - B < 7 ? lb - B : 7; /* last lane in use */
		__m256i blk1 = _mm256_cmpgt_epi64(_mm256_set1_epi64x((long long)L + 1), lane);
		__m256i sh1 = bp_vshift(cx, B);
		__m256i pv1 = _mm256_loadu_si256((const __m256i *)(P + B));
		__m256i mv1 = _mm256_loadu_si256((const __m256i *)(M + B));
		__m256i hpo1 = _mm256_setzero_si256(), hmo1 = _mm256_setzero_si256();
		if (L < 4) {
			for (size_t t = 0; t < T + L; t++) {
				const uint64_t *const *r = rows + t + 7;
				__m256i hpi =
				    _mm256_blend_epi32(_mm256_permute4x64_epi64(hpo1, 0x90),
						       _mm256_set1_epi64x((long long)hp[t]), 0x03);
				__m256i hmi =
				    _mm256_blend_epi32(_mm256_permute4x64_epi64(hmo1, 0x90),
						       _mm256_set1_epi64x((long long)hm[t]), 0x03);
				__m256i eq = _mm256_set_epi64x(
				    (long long)r[-3][B + 3], (long long)r[-2][B + 2],
				    (long long)r[-1][B + 1], (long long)r[0][B]);
				bp_vstep(eq, &pv1, &mv1, hpi, hmi, &hpo1, &hmo1, sh1,
					 _mm256_and_si256(act[t + 4], blk1));
				_mm256_storeu_si256((__m256i *)outp[t], hpo1);
				_mm256_storeu_si256((__m256i *)outm[t], hmo1);
			}
			_mm256_storeu_si256((__m256i *)(P + B), pv1);
			_mm256_storeu_si256((__m256i *)(M + B), mv1);
			for (size_t t = 0; t < T; t++) {
				hp[t] = outp[t + L][L];
				hm[t] = outm[t + L][L];
			}
			B += 4;
			continue;
		}
		__m256i blk2 = _mm256_cmpgt_epi64(_mm256_set1_epi64x((long long)L - 3), lane);
		__m256i sh2 = bp_vshift(cx, B + 4);
		__m256i pv2 = _mm256_loadu_si256((const __m256i *)(P + B + 4));
		__m256i mv2 = _mm256_loadu_si256((const __m256i *)(M + B + 4));
		__m256i hpo2 = _mm256_setzero_si256(), hmo2 = _mm256_setzero_si256();
		/* steps with every lane inside the tile and the band, none on the last
		 * block, need no masks */
		size_t f0 = T + L, f1 = f0;
		if (L == 7 && B + 7 < cx->nblk - 1 && T > 7) {
			f0 = 7;
			f1 = T;
		}
		size_t t = 0;
		for (; t < f0; t++)
			bp_dstep(rows, hp, hm, outp, outm, act, B, t, &pv1, &mv1, &hpo1, &hmo1,
				 &pv2, &mv2, &hpo2, &hmo2, sh1, sh2, blk1, blk2, 0);
		for (; t < f1; t++)
			bp_dstep(rows, hp, hm, outp, outm, act, B, t, &pv1, &mv1, &hpo1, &hmo1,
				 &pv2, &mv2, &hpo2, &hmo2, sh1, sh2, blk1, blk2, 1);
		for (; t < T + L; t++)
			bp_dstep(rows, hp, hm, outp, outm, act, B, t, &pv1, &mv1, &hpo1, &hmo1,
				 &pv2, &mv2, &hpo2, &hmo2, sh1, sh2, blk1, blk2, 0);
		_mm256_storeu_si256((__m256i *)(P + B), pv1);
		_mm256_storeu_si256((__m256i *)(M + B), mv1);
		_mm256_storeu_si256((__m256i *)(P + B + 4), pv2);
		_mm256_storeu_si256((__m256i *)(M + B + 4), mv2);
		for (t = 0; t < T; t++) {
			hp[t] = outp[t + L][L - 4];
			hm[t] = outm[t + L][L - 4];
		}
		B += 8;
	}
	int64_t sum = 0;
	for (size_t t = 0; t < T; t++)
		sum += (int64_t)hp[t] - (int64_t)hm[t];
	for (size_t t = 0; t < T; t++)
		bp_eq_done(cx, c0 + t, t);
	return sum;
}

static int bp_have_avx2(void)
{
	static int have = -1;
	if (have < 0) {
		__builtin_cpu_init();
		have = __builtin_cpu_supports("avx2") ? 1 : 0;
	}
	return have;
}
#endif

/*
 * The portable kernel: blocks fb..lb over columns c + 1 .. c + nc (nc is 1 or 2).
 * With two, one sweep down the blocks has column c + 1 on block b while column c + 2
 * is on block b - 1: two independent dependency chains the CPU overlaps (one chain
 * alone waits on the previous block's horizontal delta at every block). Returns the
 * sum of the horizontal deltas at lb's bottom row; with S, each block's bottom value
 * in S is kept up to date too.
 */
static inline __attribute__((always_inline)) int64_t
bp_step_s(const bp_ctx_t *cx, size_t fb, size_t lb, size_t c, size_t nc, int64_t *S)
{
	uint64_t *P = cx->P, *M = cx->M;
	int lastsh = cx->lastsh;
	int64_t d = 0;
	int last = lb + 1 == cx->nblk;
	size_t fe = last ? lb : lb + 1; /* full blocks: fb .. fe - 1 (maybe none) */
	const uint64_t *eq0 = bp_eq(cx, c, 0);
	uint64_t hp0 = 1, hm0 = 0, hp1 = 1, hm1 = 0;
	if (nc == 2) {
		const uint64_t *eq1 = bp_eq(cx, c + 1, 1);
		if (fe > fb) {
			uint64_t pv = P[fb], mv = M[fb];
			bp_block(eq0[fb], &pv, &mv, &hp0, &hm0, 63);
			if (S)
				S[fb] += (int64_t)hp0 - (int64_t)hm0;
			for (size_t b = fb + 1; b < fe; b++) {
				uint64_t pn = P[b], mn = M[b];
				bp_block(eq0[b], &pn, &mn, &hp0, &hm0, 63);
				bp_block(eq1[b - 1], &pv, &mv, &hp1, &hm1, 63);
				if (S) {
					S[b] += (int64_t)hp0 - (int64_t)hm0;
					S[b - 1] += (int64_t)hp1 - (int64_t)hm1;
				}
				P[b - 1] = pv;
				M[b - 1] = mv;
				pv = pn;
				mv = mn;
			}
			bp_block(eq1[fe - 1], &pv, &mv, &hp1, &hm1, 63);
			if (S)
				S[fe - 1] += (int64_t)hp1 - (int64_t)hm1;
			P[fe - 1] = pv;
			M[fe - 1] = mv;
		}
		if (last) {
			uint64_t pv = P[lb], mv = M[lb];
			bp_block(eq0[lb], &pv, &mv, &hp0, &hm0, lastsh);
			bp_block(eq1[lb], &pv, &mv, &hp1, &hm1, lastsh);
			if (S)
				S[lb] += (int64_t)hp0 - (int64_t)hm0 + (int64_t)hp1 - (int64_t)hm1;
			P[lb] = pv;
			M[lb] = mv;
		}
		bp_eq_done(cx, c + 1, 1);
		d += (int64_t)hp1 - (int64_t)hm1;
	} else {
		for (size_t b = fb; b < fe; b++) {
			bp_block(eq0[b], &P[b], &M[b], &hp0, &hm0, 63);
			if (S)
				S[b] += (int64_t)hp0 - (int64_t)hm0;
		}
		if (last) {
			bp_block(eq0[lb], &P[lb], &M[lb], &hp0, &hm0, lastsh);
			if (S)
				S[lb] += (int64_t)hp0 - (int64_t)hm0;
		}
	}
	bp_eq_done(cx, c, 0);
	d += (int64_t)hp0 - (int64_t)hm0;
	return d;
}

static int64_t bp_step(const bp_ctx_t *cx, size_t fb, size_t lb, size_t c, size_t nc)
{
	return bp_step_s(cx, fb, lb, c, nc, NULL);
}

/*
 * The banded pass with threshold k (k <= n). Returns the distance if it is <= k,
 * else k + 1.
 *
 * Columns go in groups (2 for the portable kernel, up to BP_TILE for the AVX2 one) over
 * a fixed range of blocks: blocks are added before a group, from the values of the
 * column before it, with a bound valid for all its columns (values move by at most 1
 * per column), and dropped after it.
 */
static int64_t bp_band(bp_ctx_t *cx, int64_t k)
{
	size_t m = cx->m, n = cx->n, nblk = cx->nblk, fb = 0, lb = 0;
	uint64_t *P = cx->P, *M = cx->M;
	int64_t kin = k, top = 0, sl;
	/* rows r with |r - c| + |(m - r) - (n - c)| <= k at column c have r - c <= dhi */
	int64_t dhi = (k + (int64_t)m - (int64_t)n) / 2;

	P[0] = ~(uint64_t)0;
	M[0] = 0;
	sl = (int64_t)bp_rows(cx, 0); /* column 0: D(r, 0) = r */
	for (size_t c = 0; c < n;) {
		size_t nc = n - c >= 2 ? 2 : 1; /* columns c + 1 .. c + nc */
#ifdef BP_AVX2
		int tile =
		    lb - fb + 1 >= BP_TILE_MIN_BLOCKS && n - c >= BP_TILE / 2 && bp_have_avx2();
		if (tile)
			nc = n - c < BP_TILE ? n - c : BP_TILE;
#endif
		/* add blocks whose rows may hold a path cell in these columns: i rows
		 * below lb's bottom have values >= sl + i - j - 1 in column c + j, and a
		 * gap to the corner's diagonal of |g + j - i|; the least sum over i >= 1
		 * and 1 <= j <= nc is below */
		while (lb + 1 < nblk) {
			size_t R = bp_bottom(cx, lb);
			int64_t g = (int64_t)(m - R) - (int64_t)(n - c);
			int64_t low =
			    g + (int64_t)nc >= 1 ? sl + g - 1 : sl + 1 - g - 2 * (int64_t)nc;
			if (low > k || (int64_t)R + 1 - (int64_t)(c + nc) > dhi)
				break;
			lb++;
			P[lb] = ~(uint64_t)0;
			M[lb] = 0;
			sl += (int64_t)bp_rows(cx, lb);
		}
#ifdef BP_AVX2
		if (tile)
			sl += bp_tile_avx2(cx, fb, lb, c, nc);
		else
#endif
			sl += bp_step(cx, fb, lb, c, nc);
		top += (int64_t)nc;
		c += nc;
		/* drop blocks that cannot hold a path cell (lower bound over their rows) */
		int row0 = fb == 0 && bp_row0(cx, c, k);
		while (bp_low(cx, lb, sl, c) > k) {
			if (lb == fb) {
				if (row0)
					break;
				return kin + 1;
			}
			sl -= bp_vsum(cx, lb);
			lb--;
		}
		while (fb < lb && !(fb == 0 && row0)) {
			int64_t v = bp_vsum(cx, fb);
			if (bp_low(cx, fb, top + v, c) <= k)
				break;
			top += v;
			fb++;
		}
		/* a complete path: to the bottom of lb, then straight to the corner */
		size_t R = bp_bottom(cx, lb);
		int64_t u = sl + (int64_t)(m - R > n - c ? m - R : n - c);
		if (u < k)
			k = u;
	}
	if (lb + 1 != nblk || sl > kin)
		return kin + 1;
	return sl;
}

/*
 * The window pass: always (up to) w blocks, moved down one block at a time (before
 * each pair of columns) while the cheapest promise in it lies in its lower half. The
 * promise of a block's bottom row is its value plus a quarter of its diagonal gap to
 * the corner (the full gap would favour rows above the path whenever cells off the
 * path are cheaper than one per row, as they are in text with repeated words).
 * Returns the cost of a real path, an upper bound of the distance.
 */
static int64_t bp_window(bp_ctx_t *cx, size_t w)
{
	size_t m = cx->m, n = cx->n, nblk = cx->nblk, fb = 0, lb = 0;
	uint64_t *P = cx->P, *M = cx->M;
	int64_t *S = cx->S, best = INT64_MAX;

	P[0] = ~(uint64_t)0;
	M[0] = 0;
	S[0] = (int64_t)bp_rows(cx, 0);
	for (size_t c = 0; c < n;) {
		size_t nc = n - c >= 2 ? 2 : 1;
		/* grow to w blocks, then move down while the cheapest promise is in the
		 * lower half; a block starts from the one above plus 1 per row */
		while (lb + 1 < nblk) {
			if (lb - fb + 1 >= w) {
				int64_t g = (int64_t)(m - bp_bottom(cx, lb)) - (int64_t)(n - c);
				size_t bmin = lb;
				int64_t pmin = INT64_MAX;
				for (size_t b = lb + 1; b-- > fb; g += 64) {
					int64_t p = S[b] + (g < 0 ? -g : g) / 4;
					if (p < pmin) {
						pmin = p;
						bmin = b;
					}
				}
				if (bmin < fb + w / 2)
					break;
			}
			lb++;
			P[lb] = ~(uint64_t)0;
			M[lb] = 0;
			S[lb] = S[lb - 1] + (int64_t)bp_rows(cx, lb);
			if (lb - fb + 1 > w)
				fb++;
		}
		bp_step_s(cx, fb, lb, c, nc, S);
		c += nc;
		size_t R = bp_bottom(cx, lb);
		int64_t u = S[lb] + (int64_t)(m - R > n - c ? m - R : n - c);
		if (u < best)
			best = u;
	}
	return best;
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
			if (2 * (next - 128 + 1) > slots) { /* keep the table at most half full */
				size_t ns = slots ? 2 * slots : 256;
				uint32_t *nk = xcalloc(ns, sizeof *nk),
					 *nv = xmalloc(ns * sizeof *nv);
				for (size_t j = 0; j < slots; j++) {
					if (!key[j])
						continue;
					size_t h2 = ((size_t)key[j] * 2654435761u) & (ns - 1);
					while (nk[h2])
						h2 = (h2 + 1) & (ns - 1);
					nk[h2] = key[j];
					nv[h2] = val[j];
				}
				free(key);
				free(val);
				key = nk;
				val = nv;
				slots = ns;
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

typedef struct sym_count {
	uint32_t count, id;
} sym_count_t;

static int by_count_desc(const void *x, const void *y)
{
	const sym_count_t *p = x, *q = y;
	if (p->count != q->count)
		return p->count > q->count ? -1 : 1;
	return p->id < q->id ? -1 : p->id > q->id;
}

/* Builds the match masks and per-column rows for pattern pid[0..m) (m >= 1) and text
 * tid[0..n), ids < sigma. Release with bp_release(). */
static void bp_init(bp_ctx_t *cx, const uint32_t *pid, size_t m, const uint32_t *tid, size_t n,
		    size_t sigma)
{
	memset(cx, 0, sizeof *cx);
	cx->m = m;
	cx->n = n;
	cx->nblk = (m + 63) / 64;
	cx->lastsh = (int)(m - 64 * (cx->nblk - 1)) - 1;
	size_t nblk = cx->nblk;

	uint32_t *cnt = xcalloc(sigma, sizeof *cnt);
	for (size_t i = 0; i < m; i++)
		cnt[pid[i]]++;
	size_t npres = 0;
	for (size_t s = 0; s < sigma; s++)
		npres += cnt[s] != 0;
	size_t maxrows = (BP_PEQ_BASE + BP_PEQ_PER_SYM * m) / (nblk * sizeof(uint64_t));
	if (maxrows < 1)
		maxrows = 1;
	/* rowof: mask row, BP_SPARSE | sparse index, or the zero row when absent */
	uint32_t *rowof = xmalloc(sigma * sizeof *rowof);
	size_t nsparse = 0;
	if (npres <= maxrows) {
		cx->ndense = npres;
		for (size_t s = 0, r = 0; s < sigma; s++)
			rowof[s] = cnt[s] ? (uint32_t)r++ : 0;
	} else {
		/* the most frequent symbols get rows; the rest are sparse */
		sym_count_t *v = xmalloc(npres * sizeof *v);
		size_t k = 0;
		for (size_t s = 0; s < sigma; s++)
			if (cnt[s]) {
				v[k].count = cnt[s];
				v[k].id = (uint32_t)s;
				k++;
			}
		qsort(v, npres, sizeof *v, by_count_desc);
		cx->ndense = maxrows;
		for (size_t i = 0; i < npres; i++)
			rowof[v[i].id] =
			    i < maxrows ? (uint32_t)i : (BP_SPARSE | (uint32_t)nsparse++);
		free(v);
	}
	for (size_t s = 0; s < sigma; s++)
		if (!cnt[s])
			rowof[s] = (uint32_t)cx->ndense;
	cx->peq = xcalloc((cx->ndense + 1 + BP_TILE) * nblk + 8, sizeof *cx->peq);
	if (nsparse) {
		cx->sp_start = xcalloc(nsparse + 1, sizeof *cx->sp_start);
		cx->sp_end = xmalloc((nsparse + 1) * sizeof *cx->sp_end);
		for (size_t i = 0; i < m; i++) {
			uint32_t r = rowof[pid[i]];
			if (r & BP_SPARSE)
				cx->sp_start[(r & ~BP_SPARSE) + 1]++;
		}
		for (size_t s = 0; s < nsparse; s++)
			cx->sp_start[s + 1] += cx->sp_start[s];
		size_t total = cx->sp_start[nsparse];
		cx->sp_blk = xmalloc((total ? total : 1) * sizeof *cx->sp_blk);
		cx->sp_mask = xmalloc((total ? total : 1) * sizeof *cx->sp_mask);
		memcpy(cx->sp_end, cx->sp_start, (nsparse + 1) * sizeof *cx->sp_end);
	}
	for (size_t i = 0; i < m; i++) {
		uint32_t r = rowof[pid[i]];
		uint64_t bit = (uint64_t)1 << (i % 64);
		if (!(r & BP_SPARSE)) {
			cx->peq[(size_t)r * nblk + i / 64] |= bit;
			continue;
		}
		r &= ~BP_SPARSE;
		size_t e = cx->sp_end[r];
		if (e > cx->sp_start[r] && cx->sp_blk[e - 1] == i / 64) {
			cx->sp_mask[e - 1] |= bit;
		} else {
			cx->sp_blk[e] = (uint32_t)(i / 64);
			cx->sp_mask[e] = bit;
			cx->sp_end[r]++;
		}
	}
	cx->trow = xmalloc((n ? n : 1) * sizeof *cx->trow);
	for (size_t j = 0; j < n; j++)
		cx->trow[j] = rowof[tid[j]];
	cx->P = xcalloc(nblk + 8, sizeof *cx->P); /* + 8: the AVX2 kernel reads 8 at a time */
	cx->M = xcalloc(nblk + 8, sizeof *cx->M);
	cx->S = xmalloc(nblk * sizeof *cx->S);
	free(rowof);
	free(cnt);
}

static void bp_release(bp_ctx_t *cx)
{
	free(cx->peq);
	free(cx->trow);
	free(cx->sp_start);
	free(cx->sp_end);
	free(cx->sp_blk);
	free(cx->sp_mask);
	free(cx->P);
	free(cx->M);
	free(cx->S);
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
	bp_init(&cx, ia, na, ib, nb, sigma);
	free(ia);
	free(ib);
	/* n is always a bound: substitute the pattern, insert the rest */
	int64_t k = (int64_t)nb, d;
	if (!exact && (int64_t)max < k)
		k = (int64_t)max;
	/* the window pays off unless the texts are short or so unequal in length that
	 * k >= n - m >= m keeps every row in the band anyway */
	if (exact && cx.nblk > 2 * BP_WINDOW && nb - na < na) {
		int64_t u = bp_window(&cx, BP_WINDOW);
		if (u < k)
			k = u;
	}
	d = bp_band(&cx, k);
	bp_release(&cx);
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
