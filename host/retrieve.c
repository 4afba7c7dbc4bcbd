/*
 * retrieve.c - query building and FTS5 BM25 retrieval with a coverage-based
 * confidence.
 *
 * Confidence: an FTS5 auxiliary function, pmatch(), reports per row which query
 * phrases it contains and their IDF-weighted share of the whole query (IDF as
 * FTS5's bm25 computes it). The best hit's share is the result set's confidence:
 * "how much of this ticket's vocabulary the best precedent shares", which means
 * the same thing on every corpus size, unlike a raw BM25 score.
 */
#include "precedent/retrieve.h"
#include "precedent/error.h"
#include "precedent/limits.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

#define QUERY_MAX_TERMS 48
#define SUBJECT_WEIGHT 2 /* subject terms are repeated: FTS5 bm25 sums per phrase */

static const char *const stopwords[] = {
    "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any",
    "are", "aren", "as", "at", "be", "because", "been", "before", "being", "below", "between",
    "both", "but", "by", "can", "cannot", "could", "couldn", "did", "didn", "do", "does",
    "doesn", "doing", "don", "down", "during", "each", "few", "for", "from", "further", "get",
    "gets", "getting", "got", "had", "hadn", "has", "hasn", "have", "haven", "having", "he",
    "hello", "her", "here", "hers", "herself", "hey", "hi", "him", "himself", "his", "how", "i",
    "if", "in", "into", "is", "isn", "it", "its", "itself", "just", "kind", "let", "like", "ll",
    "me", "more", "most", "much", "my", "myself", "need", "no", "nor", "not", "now", "of", "off",
    "on", "once", "only", "or", "other", "our", "ours", "ourselves", "out", "over", "own",
    "please", "re", "regards", "s", "same", "she", "should", "shouldn", "so", "some", "such", "t",
    "team", "than", "thank", "thanks", "that", "the", "their", "theirs", "them", "themselves",
    "then", "there", "these", "they", "this", "those", "through", "to", "too", "under", "until",
    "up", "us", "ve", "very", "was", "wasn", "we", "were", "weren", "what", "when", "where",
    "which", "while", "who", "whom", "why", "will", "with", "won", "would", "wouldn", "you",
    "your", "yours", "yourself", "yourselves",
};

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp((const char *)a, *(const char *const *)b);
}

static int is_stopword(const char *w)
{
	return bsearch(w, stopwords, sizeof stopwords / sizeof stopwords[0], sizeof stopwords[0],
		       cmp_cstr) != NULL;
}

static int is_word_byte(unsigned char c) { return isalnum(c) || c == '_' || c >= 0x80; }

/* A token with inner '-', '.', '/', ':' joining word parts, e.g. LL-4012, v5.2.1,
 * config.yaml, SAML_RESPONSE_EXPIRED. Parts become one FTS5 phrase. */
typedef struct term {
	char text[96]; /* lower-case, parts joined by ' ' */
	int phrase;    /* more than one part */
	int weight;
} term_t;

static int term_find(term_t *v, size_t n, const char *t)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].text, t) == 0)
			return (int)i;
	return -1;
}

/* Lines that are quoted earlier replies or come after a signature are not the problem. */
static int line_is_boilerplate(const char *l, size_t n, int *in_sig)
{
	while (n && (*l == ' ' || *l == '\t')) {
		l++;
		n--;
	}
	if (*in_sig)
		return 1;
	if (n >= 1 && l[0] == '>')
		return 1;
	if ((n == 2 && !strncmp(l, "--", 2)) || (n == 3 && !strncmp(l, "-- ", 3))) {
		*in_sig = 1;
		return 1;
	}
	static const char *const sig[] = {"best regards", "kind regards", "regards,", "cheers,",
					  "sent from my", "thanks,", "thank you,", "best,"};
	for (size_t i = 0; i < sizeof sig / sizeof sig[0]; i++) {
		size_t sl = strlen(sig[i]);
		if (n >= sl && n <= sl + 2 && !strncasecmp(l, sig[i], sl)) {
			*in_sig = 1;
			return 1;
		}
	}
	/* "On Mon, 3 Feb 2025 at 10:00, X wrote:" introduces a quote. */
	if (n > 8 && !strncasecmp(l, "on ", 3) && n >= 6 && !strncasecmp(l + n - 6, "wrote:", 6)) {
		*in_sig = 1;
		return 1;
	}
	return 0;
}

static void add_terms(const char *text, int weight, term_t *v, size_t *n, int *body_mode)
{
	const unsigned char *p = (const unsigned char *)text;
	int in_sig = 0;
	const unsigned char *line = p;
	int skip_line = 0;
	if (body_mode)
		skip_line = line_is_boilerplate((const char *)line, strcspn((const char *)line, "\n"),
						&in_sig);
	while (*p && *n < QUERY_MAX_TERMS) {
		if (*p == '\n') {
			p++;
			line = p;
			if (body_mode)
				skip_line = line_is_boilerplate((const char *)line,
								strcspn((const char *)line, "\n"), &in_sig);
			continue;
		}
		if (*p == '[') {
			/* Placeholders ([EMAIL_1]) and citations carry no topic. */
			const unsigned char *q = p + 1;
			while (*q && (isupper(*q) || isdigit(*q) || *q == '_'))
				q++;
			if (*q == ']') {
				p = q + 1;
				continue;
			}
		}
		if (!is_word_byte(*p)) {
			p++;
			continue;
		}
		term_t t = {.weight = weight};
		size_t tl = 0, parts = 1, letters = 0, digits = 0;
		const unsigned char *s = p;
		for (;;) {
			while (is_word_byte(*s)) {
				if (tl < sizeof t.text - 1)
					t.text[tl++] = (char)tolower(*s);
				letters += isalpha(*s) != 0;
				digits += isdigit(*s) != 0;
				s++;
			}
			if ((*s == '-' || *s == '.' || *s == '/' || *s == ':') && is_word_byte(s[1]) &&
			    tl < sizeof t.text - 2) {
				t.text[tl++] = ' ';
				parts++;
				s++;
				continue;
			}
			break;
		}
		t.text[tl] = '\0';
		p = s;
		if (skip_line)
			continue;
		t.phrase = parts > 1;
		if (!t.phrase) {
			if (tl < 2 || is_stopword(t.text))
				continue;
			if (digits && !letters && tl < 3)
				continue;
		} else if (!digits && parts > 4) {
			/* A long dotted/dashed run of words is prose, not an identifier:
			 * keep just the words. */
			char *save = NULL, *w;
			for (w = strtok_r(t.text, " ", &save); w && *n < QUERY_MAX_TERMS;
			     w = strtok_r(NULL, " ", &save)) {
				if (strlen(w) < 2 || is_stopword(w) || term_find(v, *n, w) >= 0)
					continue;
				term_t u = {.weight = weight};
				snprintf(u.text, sizeof u.text, "%s", w);
				v[(*n)++] = u;
			}
			continue;
		}
		int at = term_find(v, *n, t.text);
		if (at >= 0) {
			if (v[at].weight < weight)
				v[at].weight = weight;
			continue;
		}
		v[(*n)++] = t;
	}
}

static void put_phrase(buf_t *match, const char *text)
{
	buf_putc(match, '"');
	for (const char *c = text; *c; c++) {
		if (*c == '"')
			buf_putc(match, '"');
		buf_putc(match, *c);
	}
	buf_putc(match, '"');
}

size_t retrieve_build_query(const char *subject, const char *body, buf_t *match, buf_t *terms)
{
	term_t v[QUERY_MAX_TERMS];
	size_t n = 0;
	int body_mode = 1;
	if (subject)
		add_terms(subject, SUBJECT_WEIGHT, v, &n, NULL);
	if (body)
		add_terms(body, 1, v, &n, &body_mode);
	for (size_t i = 0; i < n; i++) {
		for (int w = 0; w < v[i].weight; w++) {
			if (match->len)
				buf_puts(match, " OR ");
			put_phrase(match, v[i].text);
		}
		if (terms->len)
			buf_putc(terms, ' ');
		if (v[i].phrase) {
			for (const char *c = v[i].text; *c; c++)
				buf_putc(terms, *c == ' ' ? '-' : *c);
		} else {
			buf_puts(terms, v[i].text);
		}
	}
	return n;
}

/* ---- pmatch(): matched phrases and their IDF-weighted share ---------------- */

typedef struct {
	int n;
	double *idf;
} idf_cache_t;

static int count_cb(const Fts5ExtensionApi *api, Fts5Context *fts, void *ctx)
{
	(void)api;
	(void)fts;
	(*(sqlite3_int64 *)ctx)++;
	return SQLITE_OK;
}

static void idf_free(void *p)
{
	idf_cache_t *c = p;
	sqlite3_free(c->idf);
	sqlite3_free(c);
}

static void pmatch_fn(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
		      int nval, sqlite3_value **val)
{
	(void)nval;
	(void)val;
	idf_cache_t *c = api->xGetAuxdata(fts, 0);
	int nph = api->xPhraseCount(fts);
	if (!c) {
		sqlite3_int64 nrow = 0;
		c = sqlite3_malloc(sizeof *c);
		if (!c) {
			sqlite3_result_error_nomem(ctx);
			return;
		}
		c->n = nph;
		c->idf = sqlite3_malloc64(sizeof(double) * (size_t)(nph ? nph : 1));
		if (!c->idf) {
			sqlite3_free(c);
			sqlite3_result_error_nomem(ctx);
			return;
		}
		api->xRowCount(fts, &nrow);
		for (int i = 0; i < nph; i++) {
			sqlite3_int64 hits = 0;
			api->xQueryPhrase(fts, i, &hits, count_cb);
			double idf = log(((double)nrow - (double)hits + 0.5) / ((double)hits + 0.5));
			c->idf[i] = idf > 1e-6 ? idf : 1e-6;
		}
		if (api->xSetAuxdata(fts, c, idf_free) != SQLITE_OK) {
			idf_free(c);
			sqlite3_result_error_nomem(ctx);
			return;
		}
	}
	double total = 0, got = 0;
	char out[1024];
	size_t ol = 0;
	for (int i = 0; i < nph && i < c->n; i++) {
		Fts5PhraseIter it;
		int col = -1, off = -1;
		total += c->idf[i];
		if (api->xPhraseFirst(fts, i, &it, &col, &off) == SQLITE_OK && col >= 0) {
			got += c->idf[i];
			if (ol < sizeof out - 8)
				ol += (size_t)snprintf(out + ol, sizeof out - ol, " %d", i);
		}
	}
	char head[32];
	int hl = snprintf(head, sizeof head, "%.4f", total > 0 ? got / total : 0.0);
	char res[1100];
	int rl = snprintf(res, sizeof res, "%.*s%.*s", hl, head, (int)ol, out);
	sqlite3_result_text(ctx, res, rl, SQLITE_TRANSIENT);
}

static int register_pmatch(sqlite3 *db)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st;
	int src = sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL);
	if (src != SQLITE_OK)
		return PRECEDENT_EDB;
	sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	if (!api || api->iVersion < 2)
		return PRECEDENT_EDB;
	return api->xCreateFunction(api, "pmatch", NULL, pmatch_fn, NULL) == SQLITE_OK
		   ? 0
		   : PRECEDENT_EDB;
}

/* Parses "0.7500 0 3" into coverage and the matched terms' text. */
static void parse_pmatch(const char *s, char **phr, size_t nphr, double *coverage, char **terms)
{
	buf_t b;
	char *end;
	buf_init(&b, 0);
	*coverage = s ? strtod(s, &end) : 0;
	if (s) {
		const char *p = end;
		while (*p) {
			long i = strtol(p, &end, 10);
			if (end == p)
				break;
			p = end;
			if (i >= 0 && (size_t)i < nphr) {
				/* Repeated subject phrases: list each term once. */
				int seen = 0;
				for (long j = 0; j < i; j++)
					if (strcmp(phr[j], phr[i]) == 0)
						seen = 1;
				if (!seen) {
					if (b.len)
						buf_putc(&b, ' ');
					buf_puts(&b, phr[i]);
				}
			}
		}
	}
	*terms = buf_steal(&b);
}

static char *dupcol(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return xstrdup(t ? (const char *)t : "");
}

/* Splits the MATCH expression back into its phrases (for pmatch indices). */
static char **phrases_of(const char *match, size_t *n)
{
	char **v = NULL;
	size_t cnt = 0, alloc = 0;
	const char *p = match;
	while ((p = strchr(p, '"'))) {
		buf_t b;
		buf_init(&b, 0);
		p++;
		while (*p) {
			if (*p == '"' && p[1] == '"') {
				buf_putc(&b, '"');
				p += 2;
			} else if (*p == '"') {
				p++;
				break;
			} else {
				buf_putc(&b, *p == ' ' ? '-' : *p);
				p++;
			}
		}
		if (cnt == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			v = xrealloc(v, alloc * sizeof *v);
		}
		v[cnt++] = buf_steal(&b);
	}
	*n = cnt;
	return v;
}

int retrieve_search(store_t *s, const char *subject, const char *body, size_t k,
		    retrieve_result_t *out)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st = NULL;
	buf_t match, terms;
	char **phr = NULL;
	size_t nphr = 0;
	int rc = 0, src;
	memset(out, 0, sizeof *out);
	if (k < 1)
		k = 1;
	if (k > SEARCH_K_MAX)
		k = SEARCH_K_MAX;
	buf_init(&match, 0);
	buf_init(&terms, 0);
	retrieve_build_query(subject, body, &match, &terms);
	out->key_terms = buf_steal(&terms);
	out->match = xstrdup(buf_cstr(&match));
	if (match.len == 0)
		goto out;
	if ((rc = register_pmatch(db)))
		goto out;
	phr = phrases_of(out->match, &nphr);

	/* Tickets: field weights subject 3, problem 1, resolution 1, answer 0.5, tags 2;
	 * resolved tickets rank a little above unresolved ones. */
	src = sqlite3_prepare_v2(
	    db,
	    "SELECT t.id, t.subject, snippet(tickets_fts, -1, '**', '**', '…', 14),"
	    " t.resolution, t.resolution_code, t.closed_at, t.source,"
	    " -bm25(tickets_fts, 3.0, 1.0, 1.0, 0.5, 2.0)"
	    "   * (CASE WHEN t.resolution_code IN ('', 'wont_fix', 'duplicate') THEN 1.0 ELSE 1.1 END),"
	    " pmatch(tickets_fts)"
	    " FROM tickets_fts JOIN tickets t ON t.rowid = tickets_fts.rowid"
	    " WHERE tickets_fts MATCH ?1 ORDER BY 8 DESC LIMIT ?2",
	    -1, &st, NULL);
	if (src != SQLITE_OK) {
		rc = PRECEDENT_EDB;
		goto out;
	}
	sqlite3_bind_text(st, 1, out->match, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)k);
	out->tickets = xcalloc(k, sizeof *out->tickets);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		retrieve_ticket_hit_t *h = &out->tickets[out->ntickets++];
		h->id = dupcol(st, 0);
		h->subject = dupcol(st, 1);
		h->snippet = dupcol(st, 2);
		h->resolution = dupcol(st, 3);
		h->resolution_code = dupcol(st, 4);
		h->closed_at = dupcol(st, 5);
		h->source = dupcol(st, 6);
		h->score = sqlite3_column_double(st, 7);
		parse_pmatch((const char *)sqlite3_column_text(st, 8), phr, nphr, &h->coverage,
			     &h->terms);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (src != SQLITE_DONE) {
		rc = PRECEDENT_EDB;
		goto out;
	}

	src = sqlite3_prepare_v2(
	    db,
	    "SELECT d.doc_path, d.anchor, d.title, d.heading_path,"
	    " snippet(sections_fts, 1, '**', '**', '…', 14), d.body,"
	    " -bm25(sections_fts, 2.0, 1.0), pmatch(sections_fts)"
	    " FROM sections_fts JOIN doc_sections d ON d.rowid = sections_fts.rowid"
	    " WHERE sections_fts MATCH ?1 ORDER BY 7 DESC LIMIT ?2",
	    -1, &st, NULL);
	if (src != SQLITE_OK) {
		rc = PRECEDENT_EDB;
		goto out;
	}
	sqlite3_bind_text(st, 1, out->match, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)k);
	out->docs = xcalloc(k, sizeof *out->docs);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		retrieve_doc_hit_t *h = &out->docs[out->ndocs++];
		h->path = dupcol(st, 0);
		h->anchor = dupcol(st, 1);
		h->title = dupcol(st, 2);
		h->heading_path = dupcol(st, 3);
		h->snippet = dupcol(st, 4);
		h->body = dupcol(st, 5);
		h->score = sqlite3_column_double(st, 6);
		parse_pmatch((const char *)sqlite3_column_text(st, 7), phr, nphr, &h->coverage,
			     &h->terms);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (src != SQLITE_DONE) {
		rc = PRECEDENT_EDB;
		goto out;
	}
	/* Confidence: the best coverage among the top hits of either kind. */
	for (size_t i = 0; i < out->ntickets && i < 3; i++)
		if (out->tickets[i].coverage > out->confidence)
			out->confidence = out->tickets[i].coverage;
	for (size_t i = 0; i < out->ndocs && i < 3; i++)
		if (out->docs[i].coverage > out->confidence)
			out->confidence = out->docs[i].coverage;
out:
	for (size_t i = 0; i < nphr; i++)
		free(phr[i]);
	free(phr);
	buf_release(&match);
	if (rc)
		retrieve_result_release(out);
	return rc;
}

void retrieve_result_release(retrieve_result_t *r)
{
	for (size_t i = 0; i < r->ntickets; i++) {
		retrieve_ticket_hit_t *h = &r->tickets[i];
		free(h->id);
		free(h->subject);
		free(h->snippet);
		free(h->resolution);
		free(h->resolution_code);
		free(h->closed_at);
		free(h->source);
		free(h->terms);
	}
	for (size_t i = 0; i < r->ndocs; i++) {
		retrieve_doc_hit_t *h = &r->docs[i];
		free(h->path);
		free(h->anchor);
		free(h->title);
		free(h->heading_path);
		free(h->snippet);
		free(h->body);
		free(h->terms);
	}
	free(r->tickets);
	free(r->docs);
	free(r->key_terms);
	free(r->match);
	memset(r, 0, sizeof *r);
}
