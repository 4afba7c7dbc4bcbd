/*
 * retrieve.c - query building and ranking (see retrieve.h).
 *
 * The ranking, in stages, for tickets and for doc sections alike:
 *   1. Query terms from the redacted ticket: subject terms weigh more than body
 *      terms, boilerplate and stop words are dropped, identifiers stay phrases.
 *      Each term is run through the index's own tokenizer (porter unicode61) so
 *      its document frequency can be read from the fts5vocab table; the query
 *      keeps the strongest QUERY_TERMS_MAX terms by weight x IDF.
 *   2. Candidates: FTS5 MATCH over the terms, ordered by pscore(), a BM25F
 *      auxiliary function (per-column length normalisation and weights, per-term
 *      query weights, IDF from the vocabulary's document frequencies passed in,
 *      so no doclist is ever counted at query time). On a large corpus the MATCH
 *      holds only the rarest terms up to CAND_BUDGET postings, so a query never
 *      scores a large share of the corpus.
 *   3. Pseudo-relevance feedback (the local semantic layer, RM3-style): the top
 *      PRF_DOCS candidates are tokenized, terms frequent in them and rare in the
 *      corpus are added with a lower weight, and stage 2 runs again. This is what
 *      lets "crossed out text" find the thread about strikethrough: the first
 *      pass finds it through "text" and "github", the second learns the word.
 *   4. Boosts: resolved tickets x1.1, a mild recency boost (up to x1.05 for
 *      tickets closed in the last months), and the quality loop's source factor
 *      (0.7..1 for sources whose cited sentences agents delete).
 *   5. Optional dense re-ranking (embed.c), fused by reciprocal rank.
 *   6. For the k best: snippet, matched terms and coverage (pcover(): the
 *      weighted share of the original query terms the hit contains).
 * Confidence is the best coverage among the top hits: "how much of what this
 * ticket is about the best precedent shares", comparable across corpus sizes.
 */
#include "precedent/retrieve.h"
#include "precedent/stem.h"
#include "precedent/embed.h"
#include "precedent/ticket.h"
#include "precedent/error.h"
#include "precedent/limits.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdint.h>
#include <time.h>

#define QUERY_RAW_MAX 128  /* candidate terms gathered from a ticket */
#define QUERY_TERMS_MAX 24 /* terms kept in the query */
#define KEY_TERMS_MAX 10   /* terms reported as the ticket's key terms */
#define COVER_TERMS 24     /* strongest terms coverage (and confidence) is measured on */
#define SUBJECT_W 1.0
#define BODY_W 0.45
#define CAND_MIN 40        /* candidates re-ranked per kind */
#define CAND_BUDGET 1000   /* postings a candidate MATCH may visit */
#define PRF_DOCS 3
#define PRF_TERMS 5
#define PRF_WEIGHT 0.2     /* weight of the strongest expansion term */
#define PRF_TEXT_CAP 8192  /* bytes of each feedback document tokenized */
#define BM25_K1 1.6
#define CALIBRATION_SCALE 0.25

/* Ranking constants can be overridden from PT_<name> environment variables in
 * a build with -DRETRIEVE_TUNING (for experiments with `eval`); never otherwise. */
static double tune(const char *name, double def)
{
#ifdef RETRIEVE_TUNING
	char n[64];
	snprintf(n, sizeof n, "PT_%s", name);
	const char *v = getenv(n);
	return v ? atof(v) : def;
#else
	(void)name;
	return def;
#endif
}

/* Words that are rarely what a ticket is about though they are not stop words:
 * time, urgency, people, hedges and generic verbs and nouns of support prose.
 * They stay in the query at WEAK_FACTOR of their weight. Sorted (bsearch). */
static const char *const weakwords[] = {
    "actually", "afternoon", "again", "already", "always", "anybody", "anymore", "appreciate",
    "approximately", "april", "around", "asap", "ask", "asked", "august", "basically", "bit",
    "boss", "call", "case", "check", "checked", "colleague", "colleagues", "completely",
    "critical", "currently", "day", "days", "december", "due", "e", "emergency", "evening",
    "everyone", "everything", "example", "february", "find", "found", "friday", "give", "happen",
    "happened", "happening", "happens", "help", "hour", "hours", "immediately", "issue",
    "issues", "january", "july", "june", "keep", "last", "look", "looked", "looking", "lot",
    "made", "make", "manager", "march", "minute", "minutes", "monday", "month", "months",
    "morning", "never", "new", "nobody", "noticed", "november", "october", "people", "problem",
    "problems", "question", "questions", "quickly", "recently", "reply", "roughly", "said",
    "saturday", "say", "second", "seem", "seemed", "september", "sometimes", "soon", "stuff",
    "sudden", "suddenly", "sunday", "support", "tell", "think", "thursday", "time", "times",
    "today", "told", "tomorrow", "tried", "tuesday", "urgent", "urgently", "wednesday", "week",
    "weekend", "weeks", "work", "worked", "working", "works", "year", "years", "yesterday",
};
#define WEAK_FACTOR 0.35

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp((const char *)a, *(const char *const *)b);
}

static int is_weakword(const char *w)
{
	return bsearch(w, weakwords, sizeof weakwords / sizeof weakwords[0], sizeof weakwords[0],
		       cmp_cstr) != NULL;
}

static int is_word_byte(unsigned char c) { return isalnum(c) || c == '_' || c >= 0x80; }

/* ---- query terms ----------------------------------------------------------- */

typedef struct qterm {
	char text[96]; /* lower-case surface form; phrase parts joined by ' ' */
	char stem[96]; /* the index's tokens, joined by ' ' */
	int phrase;    /* more than one part */
	int from;      /* 0 subject, 1 body, 2 feedback */
	int count;     /* occurrences in the ticket */
	double w;      /* query weight */
	sqlite3_int64 df[2]; /* document frequency: tickets, sections */
} qterm_t;

typedef struct query {
	qterm_t *v;
	size_t n, alloc;
} query_t;

static int query_find(const query_t *q, const char *text)
{
	for (size_t i = 0; i < q->n; i++)
		if (strcmp(q->v[i].text, text) == 0)
			return (int)i;
	return -1;
}

static qterm_t *query_push(query_t *q)
{
	if (q->n == q->alloc) {
		q->alloc = q->alloc ? q->alloc * 2 : 32;
		q->v = xrealloc(q->v, q->alloc * sizeof *q->v);
	}
	qterm_t *t = &q->v[q->n++];
	memset(t, 0, sizeof *t);
	return t;
}

/* Lines that are quoted earlier replies, greetings or come after a signature
 * are not the problem. */
static int line_is_boilerplate(const char *l, size_t n, int *in_sig)
{
	while (n && (*l == ' ' || *l == '\t')) {
		l++;
		n--;
	}
	while (n && (l[n - 1] == ' ' || l[n - 1] == '\t' || l[n - 1] == '\r'))
		n--;
	if (*in_sig)
		return 1;
	if (n >= 1 && l[0] == '>')
		return 1;
	if ((n == 2 && !strncmp(l, "--", 2)) || (n == 3 && !strncmp(l, "-- ", 3)) ||
	    (n >= 4 && !strncmp(l, "____", 4))) {
		*in_sig = 1;
		return 1;
	}
	static const char *const sig[] = {"best regards", "kind regards", "warm regards",
					  "regards",      "cheers",       "sent from my",
					  "thanks",       "thank you",    "best",
					  "many thanks",  "thanks in advance", "sincerely"};
	for (size_t i = 0; i < sizeof sig / sizeof sig[0]; i++) {
		size_t sl = strlen(sig[i]);
		if (n >= sl && n <= sl + 2 && !strncasecmp(l, sig[i], sl) &&
		    (n == sl || l[sl] == ',' || l[sl] == '!' || l[sl] == '.' || l[sl] == ' ')) {
			*in_sig = 1;
			return 1;
		}
	}
	if (n >= 12 && !strncasecmp(l, "sent from my", 12)) {
		*in_sig = 1;
		return 1;
	}
	/* "On Mon, 3 Feb 2025 at 10:00, X wrote:" and "-----Original Message-----"
	 * introduce a quote: everything after is an earlier message. */
	if ((n > 8 && !strncasecmp(l, "on ", 3) && !strncasecmp(l + n - 6, "wrote:", 6)) ||
	    (n >= 20 && strstr(l, "Original Message") && l[0] == '-')) {
		*in_sig = 1;
		return 1;
	}
	/* A greeting line: "Hi team,", "Hello Anna,", "Dear support," */
	if (n >= 1 && n <= 40 && l[n - 1] == ',' &&
	    (!strncasecmp(l, "hi", 2) || !strncasecmp(l, "hello", 5) || !strncasecmp(l, "dear", 4) ||
	     !strncasecmp(l, "hey", 3) || !strncasecmp(l, "good morning", 12) ||
	     !strncasecmp(l, "good afternoon", 14)))
		return 1;
	return 0;
}

static void add_word(query_t *q, const char *w, double weight, int from)
{
	int at = query_find(q, w);
	if (at >= 0) {
		q->v[at].count++;
		if (q->v[at].w < weight) {
			q->v[at].w = weight;
			q->v[at].from = from;
		}
		return;
	}
	if (q->n >= QUERY_RAW_MAX)
		return;
	if (is_weakword(w))
		weight *= WEAK_FACTOR;
	qterm_t *t = query_push(q);
	snprintf(t->text, sizeof t->text, "%s", w);
	t->phrase = strchr(w, ' ') != NULL;
	t->w = weight;
	t->from = from;
	t->count = 1;
}

static void add_terms(query_t *q, const char *text, double weight, int from, int body_mode)
{
	const unsigned char *p = (const unsigned char *)text;
	int in_sig = 0;
	int skip_line = 0;
	if (body_mode)
		skip_line = line_is_boilerplate((const char *)p, strcspn((const char *)p, "\n"), &in_sig);
	while (*p) {
		if (*p == '\n') {
			p++;
			if (body_mode)
				skip_line = line_is_boilerplate((const char *)p,
								strcspn((const char *)p, "\n"), &in_sig);
			continue;
		}
		if (*p == '[') {
			/* Placeholders ([EMAIL_1]) and citations carry no topic. */
			const unsigned char *e = p + 1;
			while (*e && (isupper(*e) || isdigit(*e) || *e == '_'))
				e++;
			if (*e == ']') {
				p = e + 1;
				continue;
			}
		}
		if (!is_word_byte(*p)) {
			p++;
			continue;
		}
		char tx[96];
		size_t tl = 0, parts = 1, letters = 0, digits = 0;
		const unsigned char *s = p, *p0 = p;
		for (;;) {
			while (is_word_byte(*s)) {
				if (tl < sizeof tx - 1)
					tx[tl++] = (char)tolower(*s);
				letters += isalpha(*s) != 0;
				digits += isdigit(*s) != 0;
				s++;
			}
			if ((*s == '-' || *s == '.' || *s == '/' || *s == ':') && is_word_byte(s[1]) &&
			    tl < sizeof tx - 2) {
				tx[tl++] = ' ';
				parts++;
				s++;
				continue;
			}
			break;
		}
		tx[tl] = '\0';
		p = s;
		if (skip_line)
			continue;
		if (parts == 1) {
			if (tl < 2 || stem_is_stopword(tx))
				continue;
			if (digits && !letters && tl < 3)
				continue;
			add_word(q, tx, weight, from);
			continue;
		}
		/* An identifier (LL-4012, v5.2.1, config.yaml, 0x80070005) stays one
		 * phrase; a dashed/dotted run of plain words is prose: its words count
		 * one by one. A "word.Word" join is a sentence without a space. Numbers
		 * joined by ':', '-', '/' or one '.' are times, dates, amounts and phone
		 * numbers: no topic; dotted numbers of three parts and more are versions.
		 * Initials (B.V., e.g.) are no identifier either. */
		if (!letters) {
			int dots = 0, other = 0;
			for (const unsigned char *c = s - 1; c >= p0; c--) {
				dots += *c == '.';
				other += *c == ':' || *c == '-' || *c == '/';
			}
			if (other || dots < 2)
				continue;
		}
		{
			size_t longest = 0, cur = 0;
			for (size_t i = 0; i <= tl; i++) {
				if (i == tl || tx[i] == ' ') {
					longest = cur > longest ? cur : longest;
					cur = 0;
				} else {
					cur++;
				}
			}
			if (longest < 2)
				continue;
		}
		int ident = digits > 0 || parts <= 3;
		if (ident && !digits && parts == 2) {
			const char *dot = strchr(tx, ' ');
			/* "end.Next" or "and/or": words, not an identifier */
			if (dot && (dot - tx > 12 || strlen(dot + 1) > 12))
				ident = 0;
		}
		if (ident) {
			add_word(q, tx, weight * 1.2, from);
			continue;
		}
		char *save = NULL, *w;
		for (w = strtok_r(tx, " ", &save); w; w = strtok_r(NULL, " ", &save))
			if (strlen(w) >= 2 && !stem_is_stopword(w))
				add_word(q, w, weight, from);
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

static void put_term(buf_t *terms, const qterm_t *t)
{
	if (terms->len)
		buf_putc(terms, ' ');
	for (const char *c = t->text; *c; c++)
		buf_putc(terms, *c == ' ' ? '-' : *c);
}

static void query_from_ticket(query_t *q, const char *subject, const char *body)
{
	if (subject)
		add_terms(q, subject, SUBJECT_W, 0, 0);
	if (body)
		add_terms(q, body, tune("body_w", BODY_W), 1, 1);
	/* A body term repeated in the ticket says more than one said once. */
	for (size_t i = 0; i < q->n; i++)
		if (q->v[i].from == 1 && q->v[i].count > 1)
			q->v[i].w = fmin(SUBJECT_W, q->v[i].w * (1.0 + 0.35 * (q->v[i].count - 1)));
}

size_t retrieve_build_query(const char *subject, const char *body, buf_t *match, buf_t *terms)
{
	query_t q = {0};
	query_from_ticket(&q, subject, body);
	size_t n = q.n < QUERY_TERMS_MAX ? q.n : QUERY_TERMS_MAX;
	for (size_t i = 0; i < n; i++) {
		if (match->len)
			buf_puts(match, " OR ");
		put_phrase(match, q.v[i].text);
		put_term(terms, &q.v[i]);
	}
	free(q.v);
	return n;
}

/* ---- the index's tokenizer, for stems and feedback ------------------------ */

/* ---- ranking functions ----------------------------------------------------- */

/*
 * The rank configuration, one string per query and kind, parsed once per query:
 *   "NCOL w1 .. wNCOL b1 .. bNCOL NPH df1 qw1 df2 qw2 ..."
 * where phrase i of the MATCH has document frequency dfi and query weight qwi (0
 * for a repeated phrase, so each term counts once).
 */
typedef struct rank_cfg {
	int ncol, nph;
	double colw[8], colb[8], avg[8];
	double k1;
	double *idfw; /* per phrase: idf x query weight */
	double total; /* sum of idfw */
} rank_cfg_t;

static void rank_cfg_free(void *p)
{
	rank_cfg_t *c = p;
	if (!c)
		return;
	sqlite3_free(c->idfw);
	sqlite3_free(c);
}

static rank_cfg_t *rank_cfg_get(const Fts5ExtensionApi *api, Fts5Context *fts,
				sqlite3_value *arg)
{
	rank_cfg_t *c = api->xGetAuxdata(fts, 0);
	if (c)
		return c;
	const char *s = arg ? (const char *)sqlite3_value_text(arg) : NULL;
	char *end;
	sqlite3_int64 nrow = 0;
	int ncol = api->xColumnCount(fts);
	c = sqlite3_malloc(sizeof *c);
	if (!c)
		return NULL;
	memset(c, 0, sizeof *c);
	api->xRowCount(fts, &nrow);
	c->k1 = tune("k1", BM25_K1);
	c->ncol = ncol < 8 ? ncol : 8;
	int n = s ? (int)strtol(s, &end, 10) : 0;
	if (s)
		s = end;
	for (int i = 0; i < c->ncol; i++) {
		c->colw[i] = (s && i < n) ? strtod(s, &end) : 1.0;
		if (s && i < n)
			s = end;
	}
	for (int i = 0; i < c->ncol; i++) {
		c->colb[i] = (s && i < n) ? strtod(s, &end) : 0.75;
		if (s && i < n)
			s = end;
	}
	for (int i = 0; i < c->ncol; i++) {
		sqlite3_int64 tot = 0;
		api->xColumnTotalSize(fts, i, &tot);
		c->avg[i] = nrow > 0 && tot > 0 ? (double)tot / (double)nrow : 1.0;
	}
	c->nph = api->xPhraseCount(fts);
	c->idfw = sqlite3_malloc64(sizeof(double) * (size_t)(c->nph ? c->nph : 1));
	if (!c->idfw) {
		sqlite3_free(c);
		return NULL;
	}
	int given = s ? (int)strtol(s, &end, 10) : 0;
	if (s)
		s = end;
	for (int i = 0; i < c->nph; i++) {
		double df = 1, qw = 1;
		if (s && i < given) {
			df = strtod(s, &end);
			s = end;
			qw = strtod(s, &end);
			s = end;
		}
		if (df < 0)
			df = 0;
		double idf = log(1.0 + ((double)nrow - df + 0.5) / (df + 0.5));
		c->idfw[i] = idf * qw;
		c->total += c->idfw[i];
	}
	if (api->xSetAuxdata(fts, c, rank_cfg_free) != SQLITE_OK) {
		rank_cfg_free(c);
		return NULL;
	}
	return c;
}

/* BM25F: per phrase, tf = sum over columns of w_c * tf_c / (1 - b_c + b_c *
 * len_c / avg_c); score += idf * qw * tf * (k1 + 1) / (tf + k1). Returns
 * -score so FTS5's ascending rank order puts the best first. */
static void pscore_fn(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
		      int nval, sqlite3_value **val)
{
	rank_cfg_t *c = rank_cfg_get(api, fts, nval > 0 ? val[0] : NULL);
	double tf[64];
	double norm[8];
	int ninst = 0;
	if (!c) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	int nph = c->nph < 64 ? c->nph : 64;
	for (int i = 0; i < nph; i++)
		tf[i] = 0;
	for (int i = 0; i < c->ncol; i++) {
		int len = 0;
		api->xColumnSize(fts, i, &len);
		norm[i] = c->colw[i] / (1.0 - c->colb[i] + c->colb[i] * (double)len / c->avg[i]);
	}
	if (api->xInstCount(fts, &ninst) != SQLITE_OK) {
		sqlite3_result_error(ctx, "pscore: xInstCount failed", -1);
		return;
	}
	for (int i = 0; i < ninst; i++) {
		int ph, col, off;
		if (api->xInst(fts, i, &ph, &col, &off) == SQLITE_OK && ph < nph && col < c->ncol)
			tf[ph] += norm[col];
	}
	double score = 0;
	for (int i = 0; i < nph; i++)
		if (tf[i] > 0)
			score += c->idfw[i] * tf[i] * (c->k1 + 1.0) / (tf[i] + c->k1);
	sqlite3_result_double(ctx, -score);
}

/* Bit i set when phrase i (i < 63) occurs in the row; pmask(fts, N) counts only
 * the first N columns (a doc section's own heading and body, not the digest of
 * its subsections: those find a chapter but do not make it an answer). */
static void pmask_fn(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
		     int nval, sqlite3_value **val)
{
	int ncol = nval > 0 ? sqlite3_value_int(val[0]) : 64;
	sqlite3_int64 mask = 0;
	int nph = api->xPhraseCount(fts);
	for (int i = 0; i < nph && i < 63; i++) {
		Fts5PhraseIter it;
		int col = -1, off = -1;
		if (api->xPhraseFirst(fts, i, &it, &col, &off) != SQLITE_OK)
			continue;
		while (col >= 0 && col >= ncol)
			api->xPhraseNext(fts, &it, &col, &off);
		if (col >= 0)
			mask |= (sqlite3_int64)1 << i;
	}
	sqlite3_result_int64(ctx, mask);
}

static void ready_fn(sqlite3_context *ctx, int n, sqlite3_value **v)
{
	(void)n;
	(void)v;
	sqlite3_result_int(ctx, 1);
}

/* Registers pscore() and pmask() once per connection: a marker SQL function
 * tells whether it was done (FTS5 keeps every registration until close). */
static int register_functions(sqlite3 *db)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT precedent_retrieve_ready()", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_finalize(st);
		return 0;
	}
	fts5_api *api = stem_fts5_api(db);
	if (!api)
		return PRECEDENT_EDB;
	if (api->xCreateFunction(api, "pscore", NULL, pscore_fn, NULL) != SQLITE_OK ||
	    api->xCreateFunction(api, "pmask", NULL, pmask_fn, NULL) != SQLITE_OK)
		return PRECEDENT_EDB;
	if (sqlite3_create_function(db, "precedent_retrieve_ready", 0, SQLITE_UTF8, NULL, ready_fn,
				    NULL, NULL) != SQLITE_OK)
		return PRECEDENT_EDB;
	return 0;
}

/* ---- one kind of corpus ---------------------------------------------------- */

enum { KIND_TICKETS = 0, KIND_DOCS = 1 };

typedef struct kind_spec {
	const char *fts, *vocab, *content;
	int ncol;
	double colw[5], colb[5];
	int answer_cols; /* leading columns whose terms count toward coverage */
} kind_spec_t;

static const kind_spec_t kinds[2] = {
    /* subject, problem, resolution, answer, tags */
    {"tickets_fts", "tickets_vocab", "tickets", 5, {4.0, 1.0, 1.0, 0.3, 1.5},
     {0.5, 0.75, 0.6, 0.75, 0.3}, 5},
    /* heading path, body, descendants' titles and leads (docstruct.c) */
    {"sections_fts", "sections_vocab", "doc_sections", 3, {2.5, 1.0, 1.25}, {0.4, 0.75, 0.3}, 2},
};

typedef struct cand {
	sqlite3_int64 rowid;
	double score;
	uint64_t terms; /* bit i: query term i occurs in the row */
} cand_t;

#define DF_CACHE_MIN 64 /* documents: a term this common is counted once, then cached */
#define DF_PUT_MAX 64

typedef struct searcher {
	sqlite3 *db;
	stem_tok_t tok;
	sqlite3_stmt *vocab[2];
	sqlite3_stmt *cache_get, *cache_put; /* df_cache, NULL without the table */
	/* frequencies to remember, written together when the search ends */
	struct {
		int kind;
		char tok[64];
		sqlite3_int64 df;
	} put[DF_PUT_MAX];
	size_t nput;
	sqlite3_int64 nrows[2];
	int have_vocab;
} searcher_t;

/* The document frequency of one index token: from df_cache, else counted
 * through fts5vocab (O(doclist)) and remembered (when the store is writable). */
static sqlite3_int64 token_df(searcher_t *se, int kind, const char *tok)
{
	sqlite3_int64 df = 0;
	if (se->cache_get) {
		sqlite3_reset(se->cache_get);
		sqlite3_bind_int(se->cache_get, 1, kind);
		sqlite3_bind_text(se->cache_get, 2, tok, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(se->cache_get) == SQLITE_ROW) {
			df = sqlite3_column_int64(se->cache_get, 0);
			sqlite3_reset(se->cache_get);
			return df;
		}
		sqlite3_reset(se->cache_get);
	}
	sqlite3_stmt *st = se->vocab[kind];
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, tok, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		df = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	/* Only counts that were costly are worth a write; a rare term's is cheap. */
	if (se->cache_put && df >= DF_CACHE_MIN && se->nput < DF_PUT_MAX && strlen(tok) < 64) {
		se->put[se->nput].kind = kind;
		snprintf(se->put[se->nput].tok, sizeof se->put[se->nput].tok, "%s", tok);
		se->put[se->nput].df = df;
		se->nput++;
	}
	return df;
}

/* The frequencies counted during this search, in one savepoint (works inside or
 * outside a caller's transaction); a read-only or busy store just doesn't
 * remember them. */
static void remember_dfs(searcher_t *se)
{
	if (!se->nput || !se->cache_put)
		return;
	if (sqlite3_exec(se->db, "SAVEPOINT df_cache", NULL, NULL, NULL) != SQLITE_OK)
		return;
	int ok = 1;
	for (size_t i = 0; i < se->nput && ok; i++) {
		sqlite3_reset(se->cache_put);
		sqlite3_bind_int(se->cache_put, 1, se->put[i].kind);
		sqlite3_bind_text(se->cache_put, 2, se->put[i].tok, -1, SQLITE_STATIC);
		sqlite3_bind_int64(se->cache_put, 3, se->put[i].df);
		ok = sqlite3_step(se->cache_put) == SQLITE_DONE;
		sqlite3_reset(se->cache_put);
	}
	if (!ok)
		sqlite3_exec(se->db, "ROLLBACK TO df_cache", NULL, NULL, NULL);
	sqlite3_exec(se->db, "RELEASE df_cache", NULL, NULL, NULL);
	se->nput = 0;
}

static sqlite3_int64 lookup_df(searcher_t *se, int kind, const char *stem)
{
	sqlite3_int64 best = -1;
	if (!se->have_vocab)
		return 1;
	char buf[96];
	snprintf(buf, sizeof buf, "%s", stem);
	char *save = NULL;
	for (char *p = strtok_r(buf, " ", &save); p; p = strtok_r(NULL, " ", &save)) {
		sqlite3_int64 df = token_df(se, kind, p);
		if (best < 0 || df < best)
			best = df;
	}
	return best < 0 ? 0 : best;
}

static double idf_of(sqlite3_int64 n, sqlite3_int64 df)
{
	return log(1.0 + ((double)n - (double)df + 0.5) / ((double)df + 0.5));
}

/* The rank configuration for the phrases of a MATCH over terms idx[0..n). */
static void rank_config(const kind_spec_t *ks, const query_t *q, const size_t *idx, size_t n,
			int kind, buf_t *cfg)
{
	buf_printf(cfg, "%d", ks->ncol);
	static const char *const wn[2][5] = {{"tw0", "tw1", "tw2", "tw3", "tw4"}, {"dw0", "dw1", "dw2"}};
	static const char *const bn[2][5] = {{"tb0", "tb1", "tb2", "tb3", "tb4"}, {"db0", "db1", "db2"}};
	for (int i = 0; i < ks->ncol; i++)
		buf_printf(cfg, " %g", tune(wn[kind][i], ks->colw[i]));
	for (int i = 0; i < ks->ncol; i++)
		buf_printf(cfg, " %g", tune(bn[kind][i], ks->colb[i]));
	buf_printf(cfg, " %zu", n);
	for (size_t i = 0; i < n; i++)
		buf_printf(cfg, " %lld %g", (long long)q->v[idx[i]].df[kind], q->v[idx[i]].w);
}

/* Stage 2: the best ncand candidates for the terms of q present in this kind's
 * index. Fills *out (caller frees) and *nout. */
static int candidates(searcher_t *se, int kind, const query_t *q, size_t ncand, cand_t **out,
		      size_t *nout, uint64_t *in_match /* OUT */)
{
	const kind_spec_t *ks = &kinds[kind];
	size_t *idx = xcalloc(q->n ? q->n : 1, sizeof *idx);
	size_t n = 0;
	buf_t match, cfg, rank, sql;
	sqlite3_stmt *st = NULL;
	int rc = 0, src;
	*out = NULL;
	*nout = 0;
	*in_match = 0;
	buf_init(&match, 0);
	buf_init(&cfg, 0);
	buf_init(&rank, 0);
	buf_init(&sql, 0);
	for (size_t i = 0; i < q->n && i < 64; i++)
		if (q->v[i].df[kind] > 0 && q->v[i].w > 0)
			idx[n++] = i;
	/* Rarest first; keep terms while their postings fit the budget (all of them
	 * on any corpus of ordinary size), at least the rarest one. */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && q->v[idx[j]].df[kind] < q->v[idx[j - 1]].df[kind]; j--) {
			size_t t = idx[j];
			idx[j] = idx[j - 1];
			idx[j - 1] = t;
		}
	sqlite3_int64 sum = 0;
	size_t keep = 0;
	while (keep < n && (keep == 0 || sum + q->v[idx[keep]].df[kind] <= CAND_BUDGET)) {
		sum += q->v[idx[keep]].df[kind];
		keep++;
	}
	if (keep == 0)
		goto out;
	for (size_t i = 0; i < keep; i++) {
		if (match.len)
			buf_puts(&match, " OR ");
		put_phrase(&match, q->v[idx[i]].text);
	}
	/* When even the rarest term is common, require the two rarest together. */
	if (keep == 1 && n > 1 && q->v[idx[0]].df[kind] > CAND_BUDGET) {
		buf_puts(&match, " AND ");
		put_phrase(&match, q->v[idx[1]].text);
		keep = 2;
	}
	for (size_t i = 0; i < keep; i++)
		*in_match |= (uint64_t)1 << idx[i];
	rank_config(ks, q, idx, keep, kind, &cfg);
	buf_puts(&rank, "pscore('");
	buf_puts(&rank, buf_cstr(&cfg));
	buf_puts(&rank, "')");
	buf_printf(&sql,
		   "SELECT rowid, rank, pmask(%s, %d) FROM %s WHERE %s MATCH ?1 AND rank MATCH ?2 "
		   "ORDER BY rank LIMIT ?3",
		   ks->fts, ks->answer_cols, ks->fts, ks->fts);
	if (sqlite3_prepare_v2(se->db, buf_cstr(&sql), -1, &st, NULL) != SQLITE_OK) {
		rc = PRECEDENT_EDB;
		goto out;
	}
	sqlite3_bind_text(st, 1, buf_cstr(&match), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, buf_cstr(&rank), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)ncand);
	*out = xcalloc(ncand, sizeof **out);
	while ((src = sqlite3_step(st)) == SQLITE_ROW && *nout < ncand) {
		(*out)[*nout].rowid = sqlite3_column_int64(st, 0);
		(*out)[*nout].score = -sqlite3_column_double(st, 1);
		uint64_t pm = (uint64_t)sqlite3_column_int64(st, 2), tm = 0;
		for (size_t i = 0; i < keep && i < 63; i++)
			if (pm & ((uint64_t)1 << i))
				tm |= (uint64_t)1 << idx[i];
		(*out)[*nout].terms = tm;
		(*nout)++;
	}
	if (src != SQLITE_DONE && src != SQLITE_ROW)
		rc = PRECEDENT_EDB;
out:
	sqlite3_finalize(st);
	free(idx);
	buf_release(&match);
	buf_release(&cfg);
	buf_release(&rank);
	buf_release(&sql);
	if (rc) {
		free(*out);
		*out = NULL;
		*nout = 0;
	}
	return rc;
}

/* ---- pseudo-relevance feedback ---------------------------------------------- */

typedef struct fterm {
	char stem[64], surface[64];
	double p; /* P(t|R) */
} fterm_t;

typedef struct prf_ctx {
	fterm_t *v;
	size_t n, alloc;
	const char *text;
	double dweight; /* P(d|q) / |d| */
} prf_ctx_t;

static int prf_cb(void *ctx, int flags, const char *tok, int ntok, int start, int end)
{
	prf_ctx_t *c = ctx;
	if (flags & FTS5_TOKEN_COLOCATED)
		return SQLITE_OK;
	if (ntok < 3 || ntok >= 64 || end - start >= 64 || end - start < 3)
		return SQLITE_OK;
	size_t i;
	for (i = 0; i < c->n; i++)
		if ((int)strlen(c->v[i].stem) == ntok && !memcmp(c->v[i].stem, tok, (size_t)ntok))
			break;
	if (i == c->n) {
		char surf[64];
		int letters = 0;
		for (int k = 0; k < end - start; k++) {
			unsigned char ch = (unsigned char)c->text[start + k];
			surf[k] = (char)tolower(ch);
			letters += isalpha(ch) != 0 || ch >= 0x80;
			if (!is_word_byte(ch))
				return SQLITE_OK;
		}
		surf[end - start] = '\0';
		if (letters < 3 || stem_is_stopword(surf))
			return SQLITE_OK;
		if (c->n == c->alloc) {
			c->alloc = c->alloc ? c->alloc * 2 : 256;
			c->v = xrealloc(c->v, c->alloc * sizeof *c->v);
		}
		memset(&c->v[i], 0, sizeof c->v[i]);
		memcpy(c->v[i].stem, tok, (size_t)ntok);
		memcpy(c->v[i].surface, surf, (size_t)(end - start) + 1);
		c->n++;
	}
	c->v[i].p += c->dweight;
	return SQLITE_OK;
}

static int cmp_fterm(const void *a, const void *b)
{
	const fterm_t *x = a, *y = b;
	return x->p < y->p ? 1 : x->p > y->p ? -1 : strcmp(x->stem, y->stem);
}

/* Adds up to PRF_TERMS expansion terms to q from the top candidates of kind.
 * The feedback documents' text: the fields FTS5 indexes, through the same
 * tokenizer, so the stems are the index's. */
static int feedback(searcher_t *se, int kind, query_t *q, const cand_t *c, size_t nc,
		    buf_t *expansion)
{
	prf_ctx_t pc = {0};
	sqlite3_stmt *st = NULL;
	int rc = 0;
	size_t prf_docs = (size_t)tune("prf_docs", PRF_DOCS);
	size_t m = nc < prf_docs ? nc : prf_docs;
	if (m == 0)
		return 0;
	const char *sql = kind == KIND_TICKETS
			      ? "SELECT subject || char(10) || subject || char(10) || problem || "
				"char(10) || resolution || char(10) || substr(answer, 1, 4000) "
				"FROM tickets WHERE rowid=?"
			      : "SELECT heading_path || char(10) || heading_path || char(10) || body "
				"FROM doc_sections WHERE rowid=?";
	if (sqlite3_prepare_v2(se->db, sql, -1, &st, NULL) != SQLITE_OK)
		return PRECEDENT_EDB;
	double zsum = 0;
	for (size_t i = 0; i < m; i++)
		zsum += exp(c[i].score - c[0].score);
	for (size_t i = 0; i < m; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, c[i].rowid);
		if (sqlite3_step(st) != SQLITE_ROW)
			continue;
		const char *text = (const char *)sqlite3_column_text(st, 0);
		int len = sqlite3_column_bytes(st, 0);
		if (!text)
			continue;
		if (len > PRF_TEXT_CAP)
			len = (int)utf8_clip(text, (size_t)len, PRF_TEXT_CAP);
		/* Count the tokens first for |d|. */
		size_t before = pc.n;
		double words = 1;
		for (const char *p = text; p < text + len; p++)
			words += *p == ' ' || *p == '\n';
		pc.text = text;
		pc.dweight = exp(c[i].score - c[0].score) / zsum / words;
		se->tok.tk.xTokenize(se->tok.inst, &pc, FTS5_TOKENIZE_DOCUMENT, text, len, prf_cb);
		(void)before;
	}
	sqlite3_finalize(st);
	if (pc.n == 0)
		goto out;
	/* Drop terms already in the query (by stem). */
	for (size_t i = 0; i < pc.n; i++) {
		for (size_t j = 0; j < q->n; j++)
			if (strcmp(q->v[j].stem, pc.v[i].stem) == 0)
				pc.v[i].p = 0;
	}
	qsort(pc.v, pc.n, sizeof *pc.v, cmp_fterm);
	/* Among the most frequent 4 x PRF_TERMS, prefer the discriminating ones. */
	size_t look = pc.n < 4 * PRF_TERMS ? pc.n : 4 * PRF_TERMS;
	sqlite3_int64 n = se->nrows[kind] > 0 ? se->nrows[kind] : 1;
	double maxidf = idf_of(n, 1);
	for (size_t i = 0; i < look; i++) {
		if (pc.v[i].p <= 0)
			continue;
		sqlite3_int64 df = lookup_df(se, kind, pc.v[i].stem);
		/* A term only the feedback documents share is noise on a tiny corpus;
		 * one in most documents says nothing. */
		if (df < 2 || (double)df > 0.2 * (double)n) {
			pc.v[i].p = 0;
			continue;
		}
		pc.v[i].p *= idf_of(n, df) / maxidf;
	}
	qsort(pc.v, look, sizeof *pc.v, cmp_fterm);
	double top = pc.v[0].p;
	for (size_t i = 0; i < look && i < (size_t)tune("prf_terms", PRF_TERMS) && top > 0; i++) {
		if (pc.v[i].p <= 0 || q->n >= QUERY_RAW_MAX + PRF_TERMS)
			break;
		if (query_find(q, pc.v[i].surface) >= 0)
			continue;
		qterm_t *t = query_push(q);
		snprintf(t->text, sizeof t->text, "%s", pc.v[i].surface);
		snprintf(t->stem, sizeof t->stem, "%s", pc.v[i].stem);
		t->from = 2;
		t->count = 1;
		t->w = tune("prf_w", PRF_WEIGHT) * pc.v[i].p / top;
		t->df[kind] = lookup_df(se, kind, t->stem);
		if (expansion->len)
			buf_putc(expansion, ' ');
		buf_puts(expansion, t->text);
	}
out:
	free(pc.v);
	return rc;
}

/* ---- boosts ------------------------------------------------------------------ */

/* Days since an ISO-8601 date (YYYY-MM-DD...), or -1. */
static double age_days(const char *iso, time_t now)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	if (!iso || sscanf(iso, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	return difftime(now, t) / 86400.0;
}

static void apply_boosts(searcher_t *se, cand_t *c, size_t n)
{
	sqlite3_stmt *st;
	time_t now = time(NULL);
	if (sqlite3_prepare_v2(se->db,
			       "SELECT resolution_code, resolution, coalesce(closed_at, created_at) "
			       "FROM tickets WHERE rowid=?",
			       -1, &st, NULL) != SQLITE_OK)
		return;
	for (size_t i = 0; i < n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, c[i].rowid);
		if (sqlite3_step(st) != SQLITE_ROW)
			continue;
		const char *code = (const char *)sqlite3_column_text(st, 0);
		const char *res = (const char *)sqlite3_column_text(st, 1);
		const char *when = (const char *)sqlite3_column_text(st, 2);
		int resolved = (res && *res) || (code && *code);
		if (code && (!strcasecmp(code, "wont_fix") || !strcasecmp(code, "duplicate") ||
			     !strcasecmp(code, "no_response") || !strcasecmp(code, "spam")))
			resolved = 0;
		double boost = resolved ? 1.1 : 1.0;
		double age = age_days(when, now);
		if (age >= 0)
			boost *= 1.0 + 0.05 * exp(-age / 365.0);
		c[i].score *= boost;
	}
	sqlite3_finalize(st);
}


static int cmp_cand(const void *a, const void *b)
{
	const cand_t *x = a, *y = b;
	return x->score < y->score ? 1 : x->score > y->score ? -1 : (x->rowid > y->rowid) - (x->rowid < y->rowid);
}

/* ---- hits: coverage, matched terms, snippets --------------------------------- */

/* The coverage of a hit: the weighted share (weight x IDF) of the original
 * query's terms it contains. Terms this kind's index lacks count as missing
 * (what no precedent mentions is what a gap is about); common terms left out of
 * the candidate MATCH on a large corpus count neither way. */
static double coverage_of(const searcher_t *se, int kind, const query_t *q, size_t norig,
			  uint64_t in_match, uint64_t present, buf_t *terms)
{
	double got = 0, total = 0;
	sqlite3_int64 n = se->nrows[kind] > 0 ? se->nrows[kind] : 1;
	for (size_t i = 0; i < norig && i < 64; i++) {
		uint64_t bit = (uint64_t)1 << i;
		if (!(in_match & bit) && q->v[i].df[kind] > 0)
			continue;
		double wi = q->v[i].w * idf_of(n, q->v[i].df[kind]);
		total += wi;
		if (present & bit) {
			got += wi;
			put_term(terms, &q->v[i]);
		}
	}
	return total > 0 ? got / total : 0;
}

typedef struct snip {
	const uint8_t *isq; /* unused: kept NULL */
	char (*qtok)[64];
	size_t nq;
	int *start, *end;
	unsigned char *hit;
	size_t n, alloc;
} snip_t;

static int snip_cb(void *ctx, int flags, const char *tok, int ntok, int start, int end)
{
	snip_t *s = ctx;
	if (flags & FTS5_TOKEN_COLOCATED)
		return SQLITE_OK;
	if (s->n == s->alloc) {
		s->alloc = s->alloc ? s->alloc * 2 : 256;
		s->start = xrealloc(s->start, s->alloc * sizeof *s->start);
		s->end = xrealloc(s->end, s->alloc * sizeof *s->end);
		s->hit = xrealloc(s->hit, s->alloc);
	}
	unsigned char h = 0;
	for (size_t i = 0; i < s->nq && !h; i++)
		h = (int)strlen(s->qtok[i]) == ntok && !memcmp(s->qtok[i], tok, (size_t)ntok);
	s->start[s->n] = start;
	s->end[s->n] = end;
	s->hit[s->n] = h;
	s->n++;
	return SQLITE_OK;
}

/* The query's index tokens (each term's stem split at spaces). */
static size_t query_tokens(const query_t *q, size_t norig, char (*out)[64], size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < norig && n < max; i++) {
		char buf[96];
		char *save = NULL;
		snprintf(buf, sizeof buf, "%s", q->v[i].stem);
		for (char *p = strtok_r(buf, " ", &save); p && n < max; p = strtok_r(NULL, " ", &save))
			snprintf(out[n++], 64, "%s", p);
	}
	return n;
}

#define SNIPPET_TOKENS 14
#define SNIPPET_SCAN 16384 /* bytes of a field scanned for a snippet */

/* Tokenizes text (clipped) into s; returns the number of hit tokens. */
static size_t snip_scan(searcher_t *se, snip_t *s, const char *text, int *len)
{
	size_t hits = 0;
	*len = (int)strlen(text);
	if (*len > SNIPPET_SCAN)
		*len = (int)utf8_clip(text, (size_t)*len, SNIPPET_SCAN);
	s->n = 0;
	se->tok.tk.xTokenize(se->tok.inst, s, FTS5_TOKENIZE_DOCUMENT, text, *len, snip_cb);
	for (size_t i = 0; i < s->n; i++)
		hits += s->hit[i];
	return hits;
}

/* A snippet of the field with the most query tokens: the window of
 * SNIPPET_TOKENS tokens with the most hits, hits in **bold**, "…" where cut. */
static char *snippet_of(searcher_t *se, char (*qtok)[64], size_t nq, const char *const *fields,
			size_t nfields)
{
	snip_t s = {.qtok = qtok, .nq = nq};
	const char *best = NULL;
	size_t besthits = 0;
	int len = 0;
	buf_t out;
	buf_init(&out, 0);
	for (size_t f = 0; f < nfields; f++) {
		if (!fields[f] || !*fields[f])
			continue;
		size_t h = snip_scan(se, &s, fields[f], &len);
		if (!best || h > besthits) {
			best = fields[f];
			besthits = h;
		}
	}
	if (!best)
		goto done;
	snip_scan(se, &s, best, &len);
	size_t from = 0, bestw = 0, cur = 0;
	for (size_t i = 0; i < s.n; i++) {
		cur += s.hit[i];
		if (i >= SNIPPET_TOKENS)
			cur -= s.hit[i - SNIPPET_TOKENS];
		if (cur > bestw) {
			bestw = cur;
			from = i + 1 >= SNIPPET_TOKENS ? i + 1 - SNIPPET_TOKENS : 0;
		}
	}
	/* Start a little before the first hit when the window allows. */
	size_t to = from + SNIPPET_TOKENS < s.n ? from + SNIPPET_TOKENS : s.n;
	if (s.n == 0) {
		size_t cl = utf8_clip(best, (size_t)len, 160);
		buf_append(&out, best, cl);
		goto done;
	}
	if (from > 0)
		buf_puts(&out, "…");
	int pos = s.start[from];
	for (size_t i = from; i < to; i++) {
		for (int c = pos; c < s.start[i]; c++)
			buf_putc(&out, best[c] == '\n' || best[c] == '\r' || best[c] == '\t' ? ' ' : best[c]);
		if (s.hit[i])
			buf_puts(&out, "**");
		buf_append(&out, best + s.start[i], (size_t)(s.end[i] - s.start[i]));
		if (s.hit[i])
			buf_puts(&out, "**");
		pos = s.end[i];
	}
	if (to < s.n)
		buf_puts(&out, "…");
done:
	free(s.start);
	free(s.end);
	free(s.hit);
	return buf_steal(&out);
}

static char *dupcol(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return xstrdup(t ? (const char *)t : "");
}

#define SNIPPET_DIGEST_MAX 4096 /* bytes of a chapter's digest searched for its snippet */

static const char *const hit_sql[2] = {
    "SELECT id, subject, resolution, resolution_code, closed_at, source, problem,"
    " substr(answer, 1, 16384) FROM tickets WHERE rowid = ?1",
    "SELECT doc_path, anchor, title, heading_path, body, sub FROM doc_sections WHERE rowid = ?1",
};

/* The hits of one kind for candidates c[0..n): stored fields, snippet, score,
 * matched terms and coverage. */
static int fill_hits(searcher_t *se, int kind, const query_t *q, size_t norig, uint64_t in_match,
		     const cand_t *c, size_t n, retrieve_result_t *out)
{
	char qtok[96][64];
	size_t nq = query_tokens(q, norig, qtok, 96);
	sqlite3_stmt *st = NULL;
	int rc = 0;
	if (kind == KIND_TICKETS)
		out->tickets = xcalloc(n ? n : 1, sizeof *out->tickets);
	else
		out->docs = xcalloc(n ? n : 1, sizeof *out->docs);
	if (sqlite3_prepare_v2(se->db, hit_sql[kind], -1, &st, NULL) != SQLITE_OK) {
		rc = PRECEDENT_EDB;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, c[i].rowid);
		if (sqlite3_step(st) != SQLITE_ROW)
			continue;
		double *score, *share, *coverage;
		char **terms_out;
		if (kind == KIND_TICKETS) {
			retrieve_ticket_hit_t *h = &out->tickets[out->ntickets++];
			h->id = dupcol(st, 0);
			h->subject = dupcol(st, 1);
			h->resolution = dupcol(st, 2);
			h->resolution_code = dupcol(st, 3);
			h->closed_at = dupcol(st, 4);
			h->source = dupcol(st, 5);
			const char *fields[4] = {(const char *)sqlite3_column_text(st, 2),
						 (const char *)sqlite3_column_text(st, 6),
						 (const char *)sqlite3_column_text(st, 1),
						 (const char *)sqlite3_column_text(st, 7)};
			h->snippet = snippet_of(se, qtok, nq, fields, 4);
			score = &h->score;
			share = &h->share;
			coverage = &h->coverage;
			terms_out = &h->terms;
		} else {
			retrieve_doc_hit_t *h = &out->docs[out->ndocs++];
			h->path = dupcol(st, 0);
			h->anchor = dupcol(st, 1);
			h->title = dupcol(st, 2);
			h->heading_path = dupcol(st, 3);
			h->body = dupcol(st, 4);
			/* A chapter matched only through its subsections shows where (the
			 * digest is read only then: it can be 16 KB). */
			const char *fields[1] = {h->body};
			char *digest = NULL;
			if (c[i].terms == 0 && sqlite3_column_bytes(st, 5) > 0) {
				const char *sub = (const char *)sqlite3_column_text(st, 5);
				size_t sl = (size_t)sqlite3_column_bytes(st, 5);
				digest = xstrndup(sub, utf8_clip(sub, sl, SNIPPET_DIGEST_MAX));
				fields[0] = digest;
			}
			h->snippet = snippet_of(se, qtok, nq, fields, 1);
			free(digest);
			score = &h->score;
			share = &h->share;
			coverage = &h->coverage;
			terms_out = &h->terms;
		}
		buf_t terms;
		buf_init(&terms, 0);
		*score = c[i].score;
		*share = coverage_of(se, kind, q, norig, in_match, c[i].terms, &terms);
		*coverage = retrieve_calibrate(*share);
		*terms_out = buf_steal(&terms);
	}
out:
	sqlite3_finalize(st);
	return rc;
}

/* ---- optional dense re-ranking ---------------------------------------------------- */

#define DENSE_TOP 20     /* candidates per kind re-ranked by embeddings */
#define DENSE_TEXT 2000  /* bytes of a candidate embedded */
#define RRF_K 60.0

typedef struct dense_item {
	int kind;
	size_t idx; /* in c[kind] */
	char *text;
	char hash[17];
	float *vec; /* borrowed from the stored blob copy or the fresh batch */
} dense_item_t;

static char *candidate_text(searcher_t *se, int kind, sqlite3_int64 rowid)
{
	sqlite3_stmt *st;
	char *out = NULL;
	const char *sql = kind == KIND_TICKETS
			      ? "SELECT subject || char(10) || substr(problem, 1, 1000) || char(10) "
				"|| substr(resolution, 1, 1000) FROM tickets WHERE rowid=?"
			      : "SELECT heading_path || char(10) || substr(body, 1, 2000) "
				"FROM doc_sections WHERE rowid=?";
	if (sqlite3_prepare_v2(se->db, sql, -1, &st, NULL) != SQLITE_OK)
		return xstrdup("");
	sqlite3_bind_int64(st, 1, rowid);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0)) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		out = xstrndup(t, utf8_clip(t, strlen(t), DENSE_TEXT));
	}
	sqlite3_finalize(st);
	return out ? out : xstrdup("");
}

static double cosine(const float *a, const float *b, size_t d)
{
	double ab = 0, aa = 0, bb = 0;
	for (size_t i = 0; i < d; i++) {
		ab += (double)a[i] * b[i];
		aa += (double)a[i] * a[i];
		bb += (double)b[i] * b[i];
	}
	return aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 0;
}

typedef struct rr {
	size_t idx;
	double sim;
} rr_t;

static int cmp_rr(const void *a, const void *b)
{
	const rr_t *x = a, *y = b;
	return x->sim < y->sim ? 1 : x->sim > y->sim ? -1 : (x->idx > y->idx) - (x->idx < y->idx);
}

/* Re-ranks the top DENSE_TOP candidates of each kind by reciprocal-rank fusion of
 * their BM25 order and the cosine of their embeddings to the query's. Embeddings
 * of candidates are stored (float32 blobs) and reused while their text is the
 * same. On any failure the BM25 order stays and warn says why. */
static void dense_rerank(searcher_t *se, const retrieve_options_t *opt, const char *subject,
			 const char *body, cand_t **c, const size_t *nc, char *warn, size_t warnlen)
{
	dense_item_t items[2 * DENSE_TOP];
	size_t ni = 0, nmiss = 0;
	const char *texts[2 * DENSE_TOP + 1];
	size_t miss[2 * DENSE_TOP];
	float *blobs[2 * DENSE_TOP] = {0};
	float *fresh = NULL;
	size_t dim = 0, sdim = 0;
	char err[512] = "";
	buf_t q;
	sqlite3_stmt *get = NULL, *put = NULL;
	const char *model = opt->embed_model ? opt->embed_model : "";
	buf_init(&q, 0);
	buf_puts(&q, subject ? subject : "");
	if (body && *body) {
		buf_putc(&q, '\n');
		buf_append(&q, body, utf8_clip(body, strlen(body), DENSE_TEXT));
	}
	sqlite3_prepare_v2(se->db,
			   "SELECT hash, vec FROM embeddings WHERE kind=?1 AND row=?2 AND model=?3",
			   -1, &get, NULL);
	sqlite3_prepare_v2(se->db,
			   "INSERT OR REPLACE INTO embeddings(kind, row, model, hash, vec) "
			   "VALUES (?1,?2,?3,?4,?5)",
			   -1, &put, NULL);
	texts[0] = buf_cstr(&q);
	for (int kind = 0; kind < 2; kind++)
		for (size_t i = 0; i < nc[kind] && i < DENSE_TOP; i++) {
			dense_item_t *it = &items[ni];
			it->kind = kind;
			it->idx = i;
			it->text = candidate_text(se, kind, c[kind][i].rowid);
			it->vec = NULL;
			hash_hex(it->text, strlen(it->text), it->hash);
			if (get) {
				sqlite3_reset(get);
				sqlite3_bind_int(get, 1, kind);
				sqlite3_bind_int64(get, 2, c[kind][i].rowid);
				sqlite3_bind_text(get, 3, model, -1, SQLITE_STATIC);
				if (sqlite3_step(get) == SQLITE_ROW &&
				    !strcmp((const char *)sqlite3_column_text(get, 0), it->hash)) {
					int bytes = sqlite3_column_bytes(get, 1);
					if (bytes > 0 && bytes % (int)sizeof(float) == 0 &&
					    (!sdim || (size_t)bytes / sizeof(float) == sdim)) {
						sdim = (size_t)bytes / sizeof(float);
						blobs[ni] = xmalloc((size_t)bytes);
						memcpy(blobs[ni], sqlite3_column_blob(get, 1), (size_t)bytes);
						it->vec = blobs[ni];
					}
				}
			}
			if (!it->vec) {
				miss[nmiss] = ni;
				texts[1 + nmiss++] = it->text;
			}
			ni++;
		}
	if (ni == 0)
		goto out;
	if (embed_texts(opt->embed_url, model, opt->embed_key, opt->embed_timeout_ms, texts,
			1 + nmiss, &fresh, &dim, err, sizeof err) != 0) {
		snprintf(warn, warnlen, "dense re-ranking skipped (BM25 order kept): %s", err);
		goto out;
	}
	if (sdim && sdim != dim) {
		snprintf(warn, warnlen,
			 "dense re-ranking skipped: stored embeddings have %zu dimensions, the "
			 "endpoint gives %zu",
			 sdim, dim);
		goto out;
	}
	for (size_t m = 0; m < nmiss; m++) {
		dense_item_t *it = &items[miss[m]];
		it->vec = fresh + (1 + m) * dim;
		if (put) {
			sqlite3_reset(put);
			sqlite3_bind_int(put, 1, it->kind);
			sqlite3_bind_int64(put, 2, c[it->kind][it->idx].rowid);
			sqlite3_bind_text(put, 3, model, -1, SQLITE_STATIC);
			sqlite3_bind_text(put, 4, it->hash, -1, SQLITE_STATIC);
			sqlite3_bind_blob(put, 5, it->vec, (int)(dim * sizeof(float)), SQLITE_STATIC);
			sqlite3_step(put); /* a read-only store just doesn't remember */
		}
	}
	for (int kind = 0; kind < 2; kind++) {
		rr_t r[DENSE_TOP];
		size_t n = 0;
		for (size_t i = 0; i < ni; i++)
			if (items[i].kind == kind) {
				r[n].idx = items[i].idx;
				r[n].sim = cosine(fresh, items[i].vec, dim);
				n++;
			}
		if (n < 2)
			continue;
		qsort(r, n, sizeof *r, cmp_rr);
		/* Reciprocal-rank fusion of the BM25 rank (the candidate's index: the
		 * top n are items 0..n-1) and the dense rank; the fused top stays above
		 * the rest, which keep their BM25 order. */
		double fused[DENSE_TOP];
		for (size_t i = 0; i < n; i++)
			fused[i] = 1.0 / (RRF_K + (double)i + 1);
		for (size_t d = 0; d < n; d++)
			fused[r[d].idx] += 1.0 / (RRF_K + (double)d + 1);
		for (size_t i = 0; i < n; i++)
			c[kind][i].score = 1.0 + fused[i];
		for (size_t i = n; i < nc[kind]; i++)
			c[kind][i].score = 1.0 / (RRF_K + (double)i + 1);
		qsort(c[kind], nc[kind], sizeof *c[kind], cmp_cand);
	}
out:
	for (size_t i = 0; i < ni; i++) {
		free(items[i].text);
		free(blobs[i]);
	}
	free(fresh);
	sqlite3_finalize(get);
	sqlite3_finalize(put);
	buf_release(&q);
}

/* ---- the search ---------------------------------------------------------------- */

static int searcher_open(sqlite3 *db, searcher_t *se)
{
	static const char *const vsql[2] = {"SELECT doc FROM tickets_vocab WHERE term = ?1",
					    "SELECT doc FROM sections_vocab WHERE term = ?1"};
	static const char *const nsql[2] = {"SELECT max(rowid) FROM tickets",
					    "SELECT max(rowid) FROM doc_sections"};
	int rc;
	memset(se, 0, sizeof *se);
	se->db = db;
	if ((rc = register_functions(db)) || (rc = stem_open(db, &se->tok)))
		return rc;
	se->have_vocab = 1;
	if (sqlite3_prepare_v2(db, "SELECT df FROM df_cache WHERE kind=?1 AND term=?2", -1,
			       &se->cache_get, NULL) != SQLITE_OK)
		se->cache_get = NULL;
	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO df_cache(kind, term, df) VALUES (?1,?2,?3)",
			       -1, &se->cache_put, NULL) != SQLITE_OK)
		se->cache_put = NULL;
	for (int k = 0; k < 2; k++) {
		sqlite3_stmt *st;
		if (sqlite3_prepare_v2(db, vsql[k], -1, &se->vocab[k], NULL) != SQLITE_OK)
			se->have_vocab = 0;
		if (sqlite3_prepare_v2(db, nsql[k], -1, &st, NULL) == SQLITE_OK) {
			if (sqlite3_step(st) == SQLITE_ROW)
				se->nrows[k] = sqlite3_column_int64(st, 0);
			sqlite3_finalize(st);
		}
	}
	return 0;
}

static void searcher_close(searcher_t *se)
{
	remember_dfs(se);
	for (int k = 0; k < 2; k++)
		sqlite3_finalize(se->vocab[k]);
	sqlite3_finalize(se->cache_get);
	sqlite3_finalize(se->cache_put);
	stem_close(&se->tok);
}

static double strength(const qterm_t *t, const searcher_t *se)
{
	/* Rarity in whichever corpus knows the term better. */
	double best = 0;
	for (int k = 0; k < 2; k++) {
		if (se->nrows[k] <= 0)
			continue;
		double idf = idf_of(se->nrows[k], t->df[k]);
		double norm = idf_of(se->nrows[k], 0);
		if (norm > 0 && idf / norm > best)
			best = idf / norm;
	}
	return t->w * (0.25 + best);
}

static int cmp_strength_desc(const void *a, const void *b)
{
	const double *x = a, *y = b;
	return x[0] < y[0] ? 1 : x[0] > y[0] ? -1 : (x[1] > y[1]) - (x[1] < y[1]);
}

/* Keeps the strongest QUERY_TERMS_MAX terms (known to either index), strongest
 * first, and writes the key terms. */
static void select_terms(searcher_t *se, query_t *q, buf_t *key)
{
	double(*rank)[2] = xcalloc(q->n ? q->n : 1, sizeof *rank);
	qterm_t *v = xcalloc(q->n ? q->n : 1, sizeof *v);
	size_t n = 0;
	for (size_t i = 0; i < q->n; i++) {
		stem_text(&se->tok, q->v[i].text, q->v[i].stem, sizeof q->v[i].stem);
		if (!q->v[i].stem[0])
			continue;
		/* One term per stem: "errors" and "error" are the same query term. */
		int dup = -1;
		for (size_t j = 0; j < i; j++)
			if (q->v[j].stem[0] && strcmp(q->v[j].stem, q->v[i].stem) == 0)
				dup = (int)j;
		if (dup >= 0) {
			if (q->v[dup].w < q->v[i].w)
				q->v[dup].w = q->v[i].w;
			q->v[i].stem[0] = '\0';
			continue;
		}
		for (int k = 0; k < 2; k++)
			q->v[i].df[k] = lookup_df(se, k, q->v[i].stem);
	}
	for (size_t i = 0; i < q->n; i++) {
		if (!q->v[i].stem[0])
			continue;
		rank[n][0] = strength(&q->v[i], se);
		rank[n][1] = (double)i;
		n++;
	}
	qsort(rank, n, sizeof *rank, cmp_strength_desc);
	size_t keep = n < QUERY_TERMS_MAX ? n : QUERY_TERMS_MAX;
	for (size_t i = 0; i < keep; i++)
		v[i] = q->v[(size_t)rank[i][1]];
	/* Key terms: the strongest (a term no precedent has is what a knowledge
	 * gap is about, so rarity counts, unknown terms included). */
	for (size_t i = 0; i < keep && i < KEY_TERMS_MAX; i++)
		put_term(key, &v[i]);
	if (keep)
		memcpy(q->v, v, keep * sizeof *v);
	q->n = keep;
	free(v);
	free(rank);
}

static int search_kind(searcher_t *se, int kind, query_t *q, size_t norig, size_t k,
		       const retrieve_options_t *opt, buf_t *expansion, cand_t **out, size_t *nout,
		       uint64_t *in_match)
{
	size_t ncand = k > CAND_MIN ? k : CAND_MIN;
	cand_t *c = NULL;
	size_t nc = 0;
	int rc;
	if ((rc = candidates(se, kind, q, ncand, &c, &nc, in_match)))
		return rc;
	if (opt->feedback && nc > 0) {
		buf_t exp;
		buf_init(&exp, 0);
		size_t before = q->n;
		if ((rc = feedback(se, kind, q, c, nc, &exp))) {
			buf_release(&exp);
			free(c);
			return rc;
		}
		if (q->n > before) {
			free(c);
			c = NULL;
			rc = candidates(se, kind, q, ncand, &c, &nc, in_match);
		}
		if (expansion && exp.len)
			buf_puts(expansion, buf_cstr(&exp));
		/* The expansion belongs to this kind's pass only. */
		q->n = before;
		buf_release(&exp);
		if (rc)
			return rc;
	}
	(void)norig;
	if (!opt->no_boosts && nc > 0) {
		int changed = kind == KIND_TICKETS;
		if (changed)
			apply_boosts(se, c, nc);
		/* Quality loop (docs/quality.md): sources agents keep deleting, x0.7..1. */
		sqlite3_int64 *rows = xcalloc(nc, sizeof *rows);
		double *f = xcalloc(nc, sizeof *f);
		for (size_t i = 0; i < nc; i++)
			rows[i] = c[i].rowid;
		store_source_factors(se->db, kind == KIND_DOCS, rows, nc, f);
		for (size_t i = 0; i < nc; i++) {
			changed |= f[i] != 1.0;
			c[i].score *= f[i];
		}
		free(rows);
		free(f);
		if (changed)
			qsort(c, nc, sizeof *c, cmp_cand);
	}
	*out = c;
	*nout = nc;
	return 0;
}

int retrieve_search_opts(store_t *s, const char *subject, const char *body, size_t k,
			 const retrieve_options_t *opt, retrieve_result_t *out)
{
	static const retrieve_options_t defaults = {0};
	sqlite3 *db = store_db(s);
	searcher_t se;
	query_t q = {0};
	buf_t key, match, expansion;
	cand_t *c[2] = {NULL, NULL};
	size_t nc[2] = {0, 0};
	uint64_t in_match[2] = {0, 0};
	int rc = 0, have_se = 0;
	memset(out, 0, sizeof *out);
	if (!opt)
		opt = &defaults;
	if (k < 1)
		k = 1;
	if (k > SEARCH_K_MAX)
		k = SEARCH_K_MAX;
	buf_init(&key, 0);
	buf_init(&match, 0);
	buf_init(&expansion, 0);
	if ((rc = searcher_open(db, &se)))
		goto out;
	have_se = 1;
	query_from_ticket(&q, subject, body);
	select_terms(&se, &q, &key);
	for (size_t i = 0; i < q.n; i++) {
		if (match.len)
			buf_puts(&match, " OR ");
		put_phrase(&match, q.v[i].text);
	}
	out->key_terms = buf_steal(&key);
	out->match = xstrdup(buf_cstr(&match));
	if (q.n == 0)
		goto done;
	size_t norig = q.n;
	for (int kind = 0; kind < 2; kind++) {
		buf_t *ex = kind == KIND_TICKETS || expansion.len == 0 ? &expansion : NULL;
		if ((rc = search_kind(&se, kind, &q, norig, k, opt, ex, &c[kind], &nc[kind],
				      &in_match[kind])))
			goto out;
	}
	if (opt->embed_url && *opt->embed_url) {
		char warn[600] = "";
		dense_rerank(&se, opt, subject, body, c, nc, warn, sizeof warn);
		if (warn[0])
			out->warning = xstrdup(warn);
	}
	for (int kind = 0; kind < 2; kind++)
		if (nc[kind] > k)
			nc[kind] = k;
	if ((rc = fill_hits(&se, KIND_TICKETS, &q, norig, in_match[0], c[0], nc[0], out)) ||
	    (rc = fill_hits(&se, KIND_DOCS, &q, norig, in_match[1], c[1], nc[1], out)))
		goto out;
	/* Confidence: the best coverage among the top hits of either kind. */
	for (size_t i = 0; i < out->ntickets && i < 3; i++)
		if (out->tickets[i].coverage > out->confidence)
			out->confidence = out->tickets[i].coverage;
	for (size_t i = 0; i < out->ndocs && i < 3; i++)
		if (out->docs[i].coverage > out->confidence)
			out->confidence = out->docs[i].coverage;
done:
	out->expansion = buf_steal(&expansion);
out:
	free(c[0]);
	free(c[1]);
	free(q.v);
	if (have_se)
		searcher_close(&se);
	buf_release(&key);
	buf_release(&match);
	buf_release(&expansion);
	if (rc)
		retrieve_result_release(out);
	return rc;
}

double retrieve_calibrate(double share)
{
	if (share <= 0)
		return 0;
	return 1.0 - exp(-share / CALIBRATION_SCALE);
}

int retrieve_search(store_t *s, const char *subject, const char *body, size_t k,
		    retrieve_result_t *out)
{
	/* Dense re-ranking is off unless an embeddings endpoint is configured. */
	retrieve_options_t o = {0};
	const char *url = getenv("PRECEDENT_EMBED_URL");
	if (url && *url) {
		o.embed_url = url;
		o.embed_model = getenv("PRECEDENT_EMBED_MODEL");
		if (!o.embed_model || !*o.embed_model)
			o.embed_model = "nomic-embed-text";
		o.embed_key = getenv("PRECEDENT_EMBED_API_KEY");
		const char *t = getenv("PRECEDENT_EMBED_TIMEOUT_MS");
		o.embed_timeout_ms = t ? atol(t) : 0;
	}
	return retrieve_search_opts(s, subject, body, k, &o, out);
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
	free(r->expansion);
	free(r->match);
	free(r->warning);
	memset(r, 0, sizeof *r);
}
