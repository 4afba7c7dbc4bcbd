/*
 * retrieve.h - precedent retrieval: query building from a (redacted) ticket, FTS5
 * BM25 over tickets and doc sections with field weights, one hit per ticket,
 * snippets, matching terms and a confidence in 0..1.
 *
 * Ownership: a retrieve_result_t owns every string in it (retrieve_result_release).
 * The store is borrowed. Retrieval knows no transport and no drafting.
 */
#ifndef PRECEDENT_RETRIEVE_H
#define PRECEDENT_RETRIEVE_H

#include <stddef.h>

#include "precedent/store.h"
#include "precedent/util.h"

typedef struct retrieve_ticket_hit {
	char *id, *subject, *snippet, *resolution, *resolution_code, *closed_at, *source;
	char *terms;     /* matching query terms, space separated */
	double score;    /* higher is better */
	double coverage; /* IDF-weighted share of the query's terms found in this ticket */
} retrieve_ticket_hit_t;

typedef struct retrieve_doc_hit {
	char *path, *anchor, *title, *heading_path, *snippet, *body;
	char *terms;
	double score, coverage;
} retrieve_doc_hit_t;

typedef struct retrieve_result {
	retrieve_ticket_hit_t *tickets;
	size_t ntickets;
	retrieve_doc_hit_t *docs;
	size_t ndocs;
	double confidence; /* 0..1: how well the best precedent covers the ticket */
	char *key_terms;   /* the query's terms, space separated (redacted text only) */
	char *match;       /* the FTS5 MATCH expression used */
} retrieve_result_t;

/* Key terms of a ticket: subject terms first (weighted), then body terms; quoted
 * earlier replies, signatures and stop words dropped; error codes, identifiers,
 * versions and file names kept as phrases. Appends an FTS5 MATCH expression to
 * match and the space-separated terms to terms. Returns the number of terms. */
size_t retrieve_build_query(const char *subject, const char *body, buf_t *match /* OUT */,
			    buf_t *terms /* OUT */);

/* Searches tickets and doc sections (k of each, 1..SEARCH_K_MAX). subject and body
 * are redacted text; body may be NULL. Returns 0 or a negative code. */
int retrieve_search(store_t *s, const char *subject, const char *body, size_t k,
		    retrieve_result_t *out /* OUT */);
void retrieve_result_release(retrieve_result_t *r);

#endif
