/*
 * stem.c - the index's tokenizer outside FTS5, and the stop words (see stem.h).
 */
#include "precedent/stem.h"
#include "precedent/error.h"
#include "precedent/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const stopwords[] = {
    "a", "able", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and",
    "any", "anyone", "anything", "are", "aren", "as", "at", "be", "because", "been", "before",
    "being", "below", "between", "both", "but", "by", "can", "cannot", "could", "couldn", "did",
    "didn", "do", "does", "doesn", "doesnt", "doing", "don", "dont", "down", "during", "each",
    "either", "else", "etc", "even", "ever", "every", "few", "for", "from", "further", "get",
    "gets", "getting", "go", "going", "got", "had", "hadn", "has", "hasn", "have", "haven",
    "having", "he", "hello", "her", "here", "hers", "herself", "hey", "hi", "him", "himself",
    "his", "how", "however", "i", "if", "im", "in", "into", "is", "isn", "it", "its", "itself",
    "ive", "just", "kind", "know", "let", "like", "ll", "may", "maybe", "me", "might", "more",
    "most", "much", "must", "my", "myself", "need", "needs", "no", "nor", "not", "now", "of",
    "off", "ok", "okay", "on", "once", "one", "only", "or", "other", "our", "ours", "ourselves",
    "out", "over", "own", "per", "please", "possible", "quite", "rather", "re", "really",
    "regards", "s", "same", "see", "seems", "she", "should", "shouldn", "since", "so", "some",
    "someone", "something", "still", "such", "sure", "t", "team", "than", "thank", "thanks",
    "that", "the", "their", "theirs", "them", "themselves", "then", "there", "these", "they",
    "thing", "things", "this", "those", "though", "through", "thx", "to", "too", "try", "trying",
    "under", "until", "up", "us", "ve", "very", "want", "wanted", "wants", "was", "wasn", "way",
    "we", "well", "were", "weren", "what", "whats", "when", "where", "whether", "which", "while",
    "who", "whom", "why", "will", "with", "within", "without", "won", "would", "wouldn", "yes",
    "yet", "you", "your", "yours", "yourself", "yourselves",
};

static int cmp_word(const void *a, const void *b)
{
	return strcmp((const char *)a, *(const char *const *)b);
}

int stem_is_stopword(const char *w)
{
	return bsearch(w, stopwords, sizeof stopwords / sizeof stopwords[0], sizeof stopwords[0],
		       cmp_word) != NULL;
}

fts5_api *stem_fts5_api(sqlite3 *db)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	return api && api->iVersion >= 2 ? api : NULL;
}

int stem_open(sqlite3 *db, stem_tok_t *t)
{
	void *ud = NULL;
	const char *args[] = {"unicode61", "remove_diacritics", "2"};
	memset(t, 0, sizeof *t);
	if (!(t->api = stem_fts5_api(db)))
		return PRECEDENT_EDB;
	if (t->api->xFindTokenizer(t->api, "porter", &ud, &t->tk) != SQLITE_OK)
		return PRECEDENT_EDB;
	if (t->tk.xCreate(ud, args, 3, &t->inst) != SQLITE_OK) {
		t->inst = NULL;
		return PRECEDENT_EDB;
	}
	return 0;
}

void stem_close(stem_tok_t *t)
{
	if (t->inst)
		t->tk.xDelete(t->inst);
	t->inst = NULL;
}

typedef struct each_ctx {
	void (*cb)(void *ctx, const char *stem, size_t n);
	void *ctx;
} each_ctx_t;

static int each_cb(void *ctx, int flags, const char *tok, int ntok, int start, int end)
{
	each_ctx_t *c = ctx;
	(void)start;
	(void)end;
	if (!(flags & FTS5_TOKEN_COLOCATED) && ntok > 0)
		c->cb(c->ctx, tok, (size_t)ntok);
	return SQLITE_OK;
}

void stem_each(stem_tok_t *t, const char *text, size_t len,
	       void (*cb)(void *ctx, const char *stem, size_t n), void *ctx)
{
	each_ctx_t c = {cb, ctx};
	if (!t->inst || len > (size_t)0x7fffffff)
		return;
	t->tk.xTokenize(t->inst, &c, FTS5_TOKENIZE_DOCUMENT, text, (int)len, each_cb);
}

static int text_cb(void *ctx, int flags, const char *tok, int ntok, int start, int end)
{
	buf_t *b = ctx;
	(void)start;
	(void)end;
	if (flags & FTS5_TOKEN_COLOCATED)
		return SQLITE_OK;
	if (b->len)
		buf_putc(b, ' ');
	buf_append(b, tok, (size_t)ntok);
	return SQLITE_OK;
}

void stem_text(stem_tok_t *t, const char *text, char *out, size_t outlen)
{
	buf_t b;
	buf_init(&b, 0);
	if (t->inst)
		t->tk.xTokenize(t->inst, &b, FTS5_TOKENIZE_QUERY, text, (int)strlen(text), text_cb);
	snprintf(out, outlen, "%s", buf_cstr(&b));
	buf_release(&b);
}
