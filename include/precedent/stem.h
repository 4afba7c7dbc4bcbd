/*
 * stem.h - the index's tokenizer outside FTS5 (Porter stems over unicode61 with
 * diacritics removed, exactly as the FTS5 tables tokenize) and the stop-word list
 * shared by query building and the doc outline.
 *
 * Ownership: a stem_tok_t borrows the connection it was opened on and must be
 * closed (stem_close) before that connection is.
 */
#ifndef PRECEDENT_STEM_H
#define PRECEDENT_STEM_H

#include <stddef.h>

#include <sqlite3.h>

typedef struct stem_tok {
	fts5_api *api;
	fts5_tokenizer tk;
	Fts5Tokenizer *inst;
} stem_tok_t;

/* The FTS5 API of a connection, or NULL. */
fts5_api *stem_fts5_api(sqlite3 *db);
/* Opens the "porter unicode61 remove_diacritics 2" tokenizer. 0 or PRECEDENT_EDB. */
int stem_open(sqlite3 *db, stem_tok_t *t /* OUT */);
void stem_close(stem_tok_t *t);
/* The stems of text, space separated, into out (truncated to outlen). */
void stem_text(stem_tok_t *t, const char *text, char *out, size_t outlen);
/* Calls cb(ctx, stem, len) for each token of text[0..len) in order. */
void stem_each(stem_tok_t *t, const char *text, size_t len,
	       void (*cb)(void *ctx, const char *stem, size_t n), void *ctx);
/* 1 when w (lower-case, unstemmed) is a stop word. */
int stem_is_stopword(const char *w);

#endif
