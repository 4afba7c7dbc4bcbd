/*
 * citecheck.c - citation and support checking of a generated draft.
 *
 * Pass 1 rewrites the text: each bracket that holds citations ("[#id]", "[doc: p#a]", several
 * separated by commas, or a bare source number) keeps only the markers that name a given
 * source. Pass 2 splits the cleaned text into sentences and measures, for each, the share of
 * its content words (lower-cased, lightly stemmed, stop words out) found in the sources it
 * cites; markers at the very start of a sentence belong to the sentence before it.
 */
#include "precedent/citecheck.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "precedent/error.h"
#include "precedent/limits.h"
#include "precedent/util.h"

#define MIN_CONTENT_WORDS 4

/* ---- words ---- */

typedef struct wordset {
	uint64_t *h;
	size_t n, alloc;
} wordset_t;

static const char *const stop[] = {
    "the", "and", "for", "you", "your", "are", "was", "were", "this", "that", "with", "have",
    "has", "had", "not", "but", "can", "could", "will", "would", "should", "from", "our", "they",
    "them", "their", "there", "then", "than", "what", "when", "which", "who", "how", "all", "any",
    "been", "being", "into", "out", "about", "also", "just", "may", "might", "must", "please",
    "thank", "thanks", "hello", "dear", "regard", "best", "let", "know", "its", "it's", "i'm",
    "we're", "you're", "does", "did", "doe", "here", "some", "more", "very", "one", "get", "use",
    "need", "like", "make", "sure", "able", "try", "see", "via", "per", "once", "again", "still",
    "now", "yet", "own", "too", "other", "such", "only", "both", "each", "few", "most", "same",
    "these", "those", "while", "where", "why", "over", "under", "after", "before", "between",
    "because", "through", "during", "without", "within", "upon"};

static uint64_t fnv(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h;
}

static int is_stop(const char *w, size_t n)
{
	for (size_t i = 0; i < sizeof stop / sizeof stop[0]; i++)
		if (strlen(stop[i]) == n && memcmp(stop[i], w, n) == 0)
			return 1;
	return 0;
}

static int word_byte(unsigned char c) { return isalnum(c) || c >= 0x80 || c == '_'; }

/* Calls fn for each content word of s[0..n): lower-cased, stemmed, stop words dropped. */
static void each_word(const char *s, size_t n, void (*fn)(void *, uint64_t), void *ud)
{
	char w[64];
	size_t i = 0;
	while (i < n) {
		while (i < n && !word_byte((unsigned char)s[i]))
			i++;
		size_t st = i, k = 0;
		while (i < n && (word_byte((unsigned char)s[i]) ||
				 (s[i] == '\'' && i + 1 < n && isalpha((unsigned char)s[i + 1])))) {
			if (k < sizeof w)
				w[k++] = (char)tolower((unsigned char)s[i]);
			i++;
		}
		if (i == st)
			continue;
		if (k >= sizeof w)
			k = sizeof w;
		if (k > 5 && memcmp(w + k - 3, "ing", 3) == 0)
			k -= 3;
		else if (k > 4 && memcmp(w + k - 2, "ed", 2) == 0)
			k -= 2;
		else if (k > 4 && memcmp(w + k - 2, "es", 2) == 0)
			k -= 2;
		else if (k > 3 && w[k - 1] == 's')
			k -= 1;
		if (k < 3 && !(k >= 1 && isdigit((unsigned char)w[0])))
			continue; /* short words carry little, but "42" or "5g" do */
		if (is_stop(w, k))
			continue;
		fn(ud, fnv(w, k));
	}
}

static void ws_add(void *ud, uint64_t h)
{
	wordset_t *ws = ud;
	if (ws->n == ws->alloc) {
		ws->alloc = ws->alloc ? ws->alloc * 2 : 64;
		ws->h = xrealloc(ws->h, ws->alloc * sizeof *ws->h);
	}
	ws->h[ws->n++] = h;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void ws_build(wordset_t *ws, const char *s)
{
	if (!s)
		return;
	each_word(s, strlen(s), ws_add, ws);
}

static void ws_finish(wordset_t *ws)
{
	if (ws->n > 1)
		qsort(ws->h, ws->n, sizeof *ws->h, cmp_u64);
}

static int ws_has(const wordset_t *ws, uint64_t h)
{
	size_t lo = 0, hi = ws->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (ws->h[mid] == h)
			return 1;
		if (ws->h[mid] < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* ---- citations ---- */

static size_t trim(const char **s, size_t n)
{
	while (n > 0 && isspace((unsigned char)**s)) {
		(*s)++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)(*s)[n - 1]))
		n--;
	return n;
}

/* Which source a marker item names: index, or -1 unknown; -2 when it is not a citation. */
static long match_item(const char *it, size_t n, const prompt_source_t *src, size_t ns)
{
	n = trim(&it, n);
	if (n == 0)
		return -2;
	if (it[0] == '#') {
		it++;
		n--;
		for (size_t i = 0; i < ns; i++)
			if (src[i].kind == PROMPT_SRC_TICKET && src[i].id && strlen(src[i].id) == n &&
			    memcmp(src[i].id, it, n) == 0)
				return (long)i;
		return n > 0 ? -1 : -2;
	}
	if (n > 4 && strncasecmp(it, "doc:", 4) == 0) {
		it += 4;
		n -= 4;
		n = trim(&it, n);
		for (size_t i = 0; i < ns; i++)
			if (src[i].kind == PROMPT_SRC_DOC && src[i].id && strlen(src[i].id) == n &&
			    memcmp(src[i].id, it, n) == 0)
				return (long)i;
		return -1;
	}
	/* a bare number names the numbered source list of the prompt */
	size_t k = 0;
	while (k < n && isdigit((unsigned char)it[k]))
		k++;
	if (k == n && k <= 3) {
		long num = strtol(it, NULL, 10);
		if (num >= 1 && (size_t)num <= ns)
			return num - 1;
		return -2; /* "[7]" with 3 sources: leave ordinary text alone */
	}
	return -2;
}

struct mark {
	size_t pos; /* offset in the cleaned text where the bracket was */
	size_t src;
};

struct checker {
	const prompt_source_t *src;
	size_t ns;
	cJSON *flags;
	citecheck_result_t *res;
	struct mark *marks;
	size_t nmarks, amarks;
};

static void add_mark(struct checker *c, size_t pos, size_t src)
{
	if (c->nmarks == c->amarks) {
		c->amarks = c->amarks ? c->amarks * 2 : 16;
		c->marks = xrealloc(c->marks, c->amarks * sizeof *c->marks);
	}
	c->marks[c->nmarks].pos = pos;
	c->marks[c->nmarks].src = src;
	c->nmarks++;
}

static void flag(cJSON *flags, const char *kind, const char *message, const char *ref,
		 const char *sentence, size_t slen)
{
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "kind", kind);
	cJSON_AddStringToObject(f, "message", message);
	if (ref)
		cJSON_AddStringToObject(f, "ref", ref);
	if (sentence) {
		char *s = xstrndup(sentence, utf8_clip(sentence, slen, 600));
		cJSON_AddStringToObject(f, "sentence", s);
		free(s);
	}
	cJSON_AddItemToArray(flags, f);
}

/* Handles the bracket at s[0..n) ("[...]" without the brackets); appends the kept form to out.
 * Returns 1 when it was a citation bracket (handled), 0 when it is ordinary text. */
static int handle_bracket(struct checker *c, const char *s, size_t n, buf_t *out)
{
	size_t start = 0, kept = 0, items = 0, unknown = 0;
	long idx[32];
	char ref[600];

	/* a citation bracket holds only citation items */
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != ',' && s[i] != ';')
			continue;
		if (items >= 32)
			return 0;
		long m = match_item(s + start, i - start, c->src, c->ns);
		if (m == -2)
			return 0;
		idx[items++] = m;
		start = i + 1;
	}
	if (items == 0)
		return 0;
	/* rewrite with the known items only, in the canonical form */
	for (size_t i = 0; i < items; i++) {
		if (idx[i] < 0) {
			unknown++;
			continue;
		}
		buf_puts(out, "[");
		buf_puts(out, prompt_source_ref(&c->src[idx[i]], ref, sizeof ref));
		buf_puts(out, "]");
		add_mark(c, out->len, (size_t)idx[i]);
		c->res->cited[idx[i]] = 1;
		c->res->citations++;
		kept++;
	}
	if (unknown) {
		/* name what was removed, item by item */
		start = 0;
		for (size_t i = 0; i <= n; i++) {
			if (i < n && s[i] != ',' && s[i] != ';')
				continue;
			const char *it = s + start;
			size_t len = trim(&it, i - start);
			if (match_item(it, len, c->src, c->ns) == -1) {
				char msg[700];
				snprintf(msg, sizeof msg,
					 "removed the citation [%.*s]: it is not one of the sources "
					 "given to the model",
					 (int)utf8_clip(it, len, 500), it);
				snprintf(ref, sizeof ref, "%.*s", (int)utf8_clip(it, len, 500), it);
				flag(c->flags, "unknown_citation", msg, ref, NULL, 0);
			}
			start = i + 1;
		}
		c->res->unknown += unknown;
	}
	if (kept == 0) {
		/* drop the space left before the removed bracket */
		while (out->len > 0 && out->data[out->len - 1] == ' ')
			out->data[--out->len] = '\0';
	}
	return 1;
}

static void clean_citations(struct checker *c, const char *d, size_t n, buf_t *out)
{
	size_t i = 0;
	while (i < n) {
		if (d[i] == '[') {
			const char *end = memchr(d + i + 1, ']', n - i - 1);
			const char *nl = memchr(d + i + 1, '\n', n - i - 1);
			if (end && (!nl || nl > end) && end - d - i - 1 <= 600 &&
			    handle_bracket(c, d + i + 1, (size_t)(end - d - i - 1), out)) {
				i = (size_t)(end - d) + 1;
				continue;
			}
		}
		buf_putc(out, d[i]);
		i++;
	}
}

/* ---- sentences ---- */

struct overlap {
	const wordset_t *set;
	size_t total, hit;
};

static void count_hit(void *ud, uint64_t h)
{
	struct overlap *o = ud;
	o->total++;
	if (ws_has(o->set, h))
		o->hit++;
}

/* Content words of s[0..n) without citation brackets. */
static double share(const char *s, size_t n, const wordset_t *set, size_t *words)
{
	struct overlap o = {set, 0, 0};
	each_word(s, n, count_hit, &o);
	*words = o.total;
	return o.total ? (double)o.hit / (double)o.total : 1.0;
}

static size_t strip_marks(const char *s, size_t n, char *out)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '[') {
			const char *e = memchr(s + i, ']', n - i);
			if (e) {
				i = (size_t)(e - s);
				out[k++] = ' ';
				continue;
			}
		}
		out[k++] = s[i];
	}
	return k;
}

static int is_sentence_end(const char *t, size_t n, size_t i)
{
	unsigned char ch = (unsigned char)t[i];
	if (ch == '\n')
		return 1;
	if (ch == '.' || ch == '!' || ch == '?') {
		if (i + 1 >= n)
			return 1;
		unsigned char nx = (unsigned char)t[i + 1];
		return nx == ' ' || nx == '\n' || nx == '\t' || nx == '[' || nx == '"' || nx == ')';
	}
	/* 。！？ */
	if (i + 2 < n && ch == 0xE3 && (unsigned char)t[i + 1] == 0x80 &&
	    (unsigned char)t[i + 2] == 0x82)
		return 1;
	if (i + 2 < n && ch == 0xEF && (unsigned char)t[i + 1] == 0xBC &&
	    ((unsigned char)t[i + 2] == 0x81 || (unsigned char)t[i + 2] == 0x9F))
		return 1;
	return 0;
}

static void check_sentences(struct checker *c, const char *t, size_t n, const wordset_t *sets,
			    const wordset_t *ticket, double min_overlap)
{
	size_t st = 0, m = 0;
	char *tmp = xmalloc(n + 1);

	while (st < n) {
		size_t en = st;
		while (en < n && !is_sentence_end(t, n, en))
			en++;
		size_t end_incl = en < n ? en + 1 : n;
		/* markers right after the end punctuation still belong to this sentence */
		size_t j = end_incl;
		while (j < n) {
			size_t k = j;
			while (k < n && t[k] == ' ')
				k++;
			if (k < n && t[k] == '[') {
				const char *e = memchr(t + k, ']', n - k);
				if (!e)
					break;
				j = (size_t)(e - t) + 1;
				int is_mark = 0;
				for (size_t q = 0; q < c->nmarks; q++)
					if (c->marks[q].pos == j)
						is_mark = 1;
				if (!is_mark) {
					j = end_incl;
					break;
				}
				end_incl = j;
				continue;
			}
			break;
		}
		/* citations inside [st, end_incl) */
		unsigned char *cites = xcalloc(c->ns ? c->ns : 1, 1);
		int ncites = 0;
		for (; m < c->nmarks && c->marks[m].pos <= end_incl; m++) {
			if (c->marks[m].pos > st) {
				cites[c->marks[m].src] = 1;
				ncites++;
			}
		}
		size_t k = strip_marks(t + st, end_incl - st, tmp);
		size_t words = 0;
		double best = 0;
		if (ncites) {
			for (size_t i = 0; i < c->ns; i++)
				if (cites[i]) {
					double sh = share(tmp, k, &sets[i], &words);
					if (sh > best)
						best = sh;
				}
		} else {
			for (size_t i = 0; i < c->ns; i++) {
				double sh = share(tmp, k, &sets[i], &words);
				if (sh > best)
					best = sh;
			}
			double sh = share(tmp, k, ticket, &words);
			if (sh > best)
				best = sh;
		}
		if (words >= MIN_CONTENT_WORDS && best < min_overlap) {
			const char *sp = t + st;
			size_t sl = trim(&sp, end_incl - st);
			flag(c->flags, "uncertain",
			     ncites ? "this sentence is not supported by the source it cites"
				    : "no source supports this sentence",
			     NULL, sp, sl);
			c->res->uncertain++;
		}
		free(cites);
		st = end_incl;
	}
	free(tmp);
}

/* ---- staleness ---- */

int citecheck_guess_version(const char *text, char *out, size_t outlen)
{
	static const char *const cues[] = {"version ", "firmware ", "release ", "v"};
	if (!text)
		return 0;
	for (const char *p = text; *p; p++) {
		for (size_t c = 0; c < sizeof cues / sizeof cues[0]; c++) {
			size_t n = strlen(cues[c]);
			if (strncasecmp(p, cues[c], n) != 0)
				continue;
			/* a cue must start a word ("v4.1", "/v3/", not "dev4") */
			if (p > text && isalnum((unsigned char)p[-1]))
				continue;
			const char *d = p + n;
			size_t k = 0;
			while (isdigit((unsigned char)d[k]) || (d[k] == '.' && isdigit((unsigned char)d[k + 1])))
				k++;
			if (k == 0 || k >= outlen || isalpha((unsigned char)d[k]))
				continue;
			/* "v" alone needs a dot or a path separator after it, so "v2" in prose is rare */
			if (c == 3 && !memchr(d, '.', k) && d[k] != '/')
				continue;
			memcpy(out, d, k);
			out[k] = '\0';
			return 1;
		}
	}
	return 0;
}

int citecheck_guess_plan(const char *text, char *out, size_t outlen)
{
	static const char *const plans[] = {"free",     "basic", "starter",   "standard", "pro",
					    "premium",  "team",  "business", "enterprise"};
	if (!text)
		return 0;
	for (const char *p = text; *p; p++) {
		if (p > text && isalnum((unsigned char)p[-1]))
			continue;
		for (size_t i = 0; i < sizeof plans / sizeof plans[0]; i++) {
			size_t n = strlen(plans[i]);
			if (strncasecmp(p, plans[i], n) != 0)
				continue;
			const char *q = p + n;
			if (*q != ' ')
				continue;
			q++;
			if (strncasecmp(q, "plan", 4) != 0 && strncasecmp(q, "tier", 4) != 0)
				continue;
			if (isalpha((unsigned char)q[4]) && q[4] != 's')
				continue;
			snprintf(out, outlen, "%s", plans[i]);
			return 1;
		}
	}
	return 0;
}

long citecheck_days(const char *iso)
{
	int y, mo, d;
	if (!iso || sscanf(iso, "%4d-%2d-%2d", &y, &mo, &d) != 3 || mo < 1 || mo > 12 || d < 1 ||
	    d > 31)
		return -1;
	/* days from civil (proleptic Gregorian) */
	y -= mo <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int version_differs(const char *a, const char *b)
{
	/* "v2.3" and "2.3.0" count as the same major.minor */
	int a1 = 0, a2 = 0, b1 = 0, b2 = 0;
	while (*a && !isdigit((unsigned char)*a))
		a++;
	while (*b && !isdigit((unsigned char)*b))
		b++;
	if (sscanf(a, "%d.%d", &a1, &a2) < 1 || sscanf(b, "%d.%d", &b1, &b2) < 1)
		return strcasecmp(a, b) != 0;
	return a1 != b1 || a2 != b2;
}

static void check_stale(struct checker *c, const citecheck_opts_t *o)
{
	char today[32], ref[600], msg[900];
	long now;
	int max_days = o->stale_days == 0 ? 365 : o->stale_days;

	if (o->today) {
		snprintf(today, sizeof today, "%s", o->today);
	} else {
		time_t t = time(NULL);
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(today, sizeof today, "%Y-%m-%d", &tm);
	}
	now = citecheck_days(today);
	for (size_t i = 0; i < c->ns; i++) {
		const prompt_source_t *s = &c->src[i];
		if (!c->res->cited[i])
			continue;
		prompt_source_ref(s, ref, sizeof ref);
		int stale = 0;
		long d = citecheck_days(s->date);
		if (max_days > 0 && d >= 0 && now >= 0 && now - d > max_days) {
			snprintf(msg, sizeof msg, "[%s] dates from %.10s, more than %d days ago: check it "
				 "still holds", ref, s->date, max_days);
			flag(c->flags, "stale_source", msg, ref, NULL, 0);
			stale = 1;
		}
		if (s->version && *s->version && o->customer_version && *o->customer_version &&
		    version_differs(s->version, o->customer_version)) {
			snprintf(msg, sizeof msg, "[%s] was written for version %s; the customer runs %s",
				 ref, s->version, o->customer_version);
			flag(c->flags, "stale_source", msg, ref, NULL, 0);
			stale = 1;
		}
		if (s->plan && *s->plan && o->customer_plan && *o->customer_plan &&
		    strcasecmp(s->plan, o->customer_plan) != 0) {
			snprintf(msg, sizeof msg, "[%s] applies to the %s plan; the customer is on %s",
				 ref, s->plan, o->customer_plan);
			flag(c->flags, "stale_source", msg, ref, NULL, 0);
			stale = 1;
		}
		c->res->stale += (size_t)stale;
	}
}

int citecheck_run(const char *draft, size_t len, const prompt_source_t *sources, size_t nsources,
		  const citecheck_opts_t *opts, cJSON *flags, citecheck_result_t *out)
{
	struct checker c;
	buf_t clean;
	wordset_t *sets = NULL, ticket = {0};
	double min_overlap = opts && opts->min_overlap > 0 ? opts->min_overlap : 0.25;
	citecheck_opts_t defaults = {0};
	int rc = 0;

	if (!opts)
		opts = &defaults;
	memset(out, 0, sizeof *out);
	if (len > DRAFT_CAP)
		return PRECEDENT_ETOOBIG;
	memset(&c, 0, sizeof c);
	c.src = sources;
	c.ns = nsources;
	c.flags = flags;
	c.res = out;
	out->cited = xcalloc(nsources ? nsources : 1, 1);
	buf_init(&clean, DRAFT_CAP + 1);
	clean_citations(&c, draft, len, &clean);
	/* Removing a bracket can join the text around it into a new marker ("[" + "[#x]" +
	 * "#y]"): clean again until a pass removes nothing, so every marker left was checked. */
	for (size_t prev = 0, pass = 0; !clean.rc && out->unknown != prev && pass < 8; pass++) {
		buf_t again;
		prev = out->unknown;
		buf_init(&again, DRAFT_CAP + 1);
		c.nmarks = 0;
		out->citations = 0;
		memset(out->cited, 0, nsources ? nsources : 1);
		clean_citations(&c, buf_cstr(&clean), clean.len, &again);
		buf_release(&clean);
		clean = again;
	}
	if (clean.rc) {
		rc = clean.rc;
		goto out;
	}

	sets = xcalloc(nsources ? nsources : 1, sizeof *sets);
	for (size_t i = 0; i < nsources; i++) {
		ws_build(&sets[i], sources[i].title);
		ws_build(&sets[i], sources[i].text);
		ws_build(&sets[i], sources[i].resolution);
		ws_finish(&sets[i]);
	}
	ws_build(&ticket, opts->ticket_text);
	ws_finish(&ticket);
	check_sentences(&c, buf_cstr(&clean), clean.len, sets, &ticket, min_overlap);
	if (opts->stale_days >= 0)
		check_stale(&c, opts);
	if (c.res->citations == 0 && nsources > 0 && clean.len > 0)
		flag(flags, "no_citations", "the draft cites none of its sources: check every claim",
		     NULL, NULL, 0);
	out->text = buf_steal(&clean);
out:
	if (sets)
		for (size_t i = 0; i < nsources; i++)
			free(sets[i].h);
	free(sets);
	free(ticket.h);
	free(c.marks);
	buf_release(&clean);
	if (rc) {
		free(out->cited);
		out->cited = NULL;
	}
	return rc;
}

void citecheck_release(citecheck_result_t *r)
{
	free(r->text);
	free(r->cited);
	memset(r, 0, sizeof *r);
}
