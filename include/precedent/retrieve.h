/*
 * retrieve.h - precedent retrieval: query building from a (redacted) ticket, a
 * BM25F ranking over tickets and doc sections with field weights and document
 * frequencies read from the index's vocabulary, pseudo-relevance feedback (the
 * local semantic layer), resolution and recency boosts, optional dense
 * re-ranking fused by reciprocal rank, one hit per ticket, snippets, matching
 * terms and a confidence in 0..1.
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
	double coverage; /* calibrated 0..1 (retrieve_calibrate of share): comparable to
			  * the gap threshold like the result's confidence */
	double share;    /* weighted share of the query's terms found in this ticket */
} retrieve_ticket_hit_t;

typedef struct retrieve_doc_hit {
	char *path, *anchor, *title, *heading_path, *snippet, *body;
	char *terms;
	double score, coverage, share; /* as for tickets */
} retrieve_doc_hit_t;

typedef struct retrieve_result {
	retrieve_ticket_hit_t *tickets;
	size_t ntickets;
	retrieve_doc_hit_t *docs;
	size_t ndocs;
	double confidence; /* 0..1: the best calibrated coverage among the top hits */
	char *key_terms;   /* the ~10 strongest query terms, space separated (redacted text only) */
	char *expansion;   /* terms added by feedback, space separated (may be "") */
	char *match;       /* the FTS5 MATCH expression of the query's terms */
	char *warning;     /* NULL, or why an optional stage (dense re-ranking) was skipped */
} retrieve_result_t;

/* Switches for the ranking stages (feedback and dense are off by default). */
typedef struct retrieve_options {
	int feedback;      /* pseudo-relevance feedback (off by default: see docs/retrieval.md) */
	int no_boosts;     /* skip resolution and recency boosts */
	const char *embed_url;   /* OpenAI-compatible base URL (…/v1) for dense re-ranking, or NULL */
	const char *embed_model; /* model name sent to /embeddings */
	const char *embed_key;   /* bearer token or NULL (never logged) */
	long embed_timeout_ms;   /* 0: 3000 */
} retrieve_options_t;

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
/* The same with options (NULL: defaults). */
int retrieve_search_opts(store_t *s, const char *subject, const char *body, size_t k,
			 const retrieve_options_t *opt, retrieve_result_t *out /* OUT */);
void retrieve_result_release(retrieve_result_t *r);

/* Calibrated confidence from a weighted share of query terms:
 * 1 - exp(-share / 0.25). On labelled sets a share of 0.2-0.5 is typical for a
 * ticket whose precedent exists (long bodies carry incidental words) and below
 * 0.1 for one with none; the default gap threshold 0.35 falls at a share of
 * about 0.11 (docs/retrieval.md). */
double retrieve_calibrate(double share);

#endif
