/*
 * store.h - the SQLite store: schema, versioned migrations and typed writes.
 *
 * Ownership: store_t owns the database handle (WAL, busy timeout, foreign keys) and
 * the attached vault database; store_close() finalizes and closes both. The index
 * database holds only redacted text; originals of the open tickets' PII live in the
 * vault file (<db>.vault, mode 0600, attached as schema "vault") so a shared index
 * file never carries them. Strings filled into out-structs are malloc'd and freed by
 * the matching *_release(). Storage knows nothing of drafting or transport.
 */
#ifndef PRECEDENT_STORE_H
#define PRECEDENT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#define STORE_SCHEMA_VERSION 7

typedef struct store store_t;

enum { STORE_READONLY = 1 };

/* Opens (creating if needed, with parent directories) and migrates. Returns 0, or
 * PRECEDENT_ESCHEMA (newer schema), PRECEDENT_ECORRUPT, PRECEDENT_EREADONLY,
 * PRECEDENT_EDB with a message for a person in err. */
int store_open(const char *path, int flags, store_t **out /* OUT */, char *err, size_t errlen);
void store_close(store_t *s);
/* The handle, borrowed, for modules that run their own queries (retrieve, ingest). */
sqlite3 *store_db(store_t *s);
const char *store_path(const store_t *s);
/* Last SQLite error as a sentence, borrowed. */
const char *store_errmsg(store_t *s);
int store_schema_version(store_t *s);

/* BEGIN IMMEDIATE (after a short yield when this connection just committed, so
 * other writers get their turn) / COMMIT. Writers wait up to 10 s for the lock. */
int store_begin(store_t *s);
/* BEGIN IMMEDIATE without the yield: for a writer of few, short transactions (the host's
 * draft writer, which groups the drafts that finish together into one). */
int store_begin_now(store_t *s);
int store_commit(store_t *s);
/* 1 when the open transaction has run long enough that a bulk writer should commit
 * now and let others in (batches bounded in time, not only in rows). */
int store_batch_due(store_t *s);
void store_rollback(store_t *s);

/* One resolved ticket, redacted. */
typedef struct store_ticket {
	const char *id, *subject, *problem, *resolution, *answer, *resolution_code, *tags, *status;
	const char *created_at, *closed_at, *body_json, *content_hash, *source;
} store_ticket_t;

enum { STORE_SKIPPED = 0, STORE_INSERTED = 1, STORE_UPDATED = 2 };
/* Inserts, or updates when content_hash differs, or skips. *outcome: STORE_*. */
int store_ticket_upsert(store_t *s, const store_ticket_t *t, int *outcome /* OUT */);

typedef struct store_section {
	const char *anchor, *title, *heading_path, *body;
} store_section_t;
/* Replaces a document and its sections when hash differs (skip otherwise). */
int store_doc_replace(store_t *s, const char *path, const char *title, const char *hash,
		      const store_section_t *sections, size_t n, int *outcome /* OUT */);

/* Forgets the cached document frequencies of a kind (0 tickets, 1 doc
 * sections): importers call it when they change that kind's index. */
int store_df_cache_clear(store_t *s, int kind);
/* `changed` rows of a kind were added or changed: the cached frequencies are
 * cleared once the changes since the last clear pass STORE_DF_DRIFT_PERCENT of the
 * corpus (or on a small corpus), so a stream of single tickets (candidate
 * precedents, small imports) does not throw away what queries cached: an IDF
 * off by a few percent ranks the same. In the caller's transaction. */
#define STORE_DF_DRIFT_PERCENT 5
#define STORE_DF_DRIFT_MIN_ROWS 2000
int store_df_cache_note(store_t *s, int kind, long changed);
/* After an import, outside a transaction: when a large corpus has no cached
 * frequencies (a clear), caches those of its common terms (document frequency >=
 * STORE_DF_PREFILL_MIN_DF: the costly ones to count) from one pass over the
 * vocabulary, so the first queries after a big import stay fast. */
#define STORE_DF_PREFILL_MIN_ROWS 50000
#define STORE_DF_PREFILL_MIN_DF 100
int store_df_cache_prefill(store_t *s, int kind);

/* Counts for hello/index.status. */
int store_counts(store_t *s, long *tickets /* OUT */, long *sections /* OUT */,
		 long *docs /* OUT */);

/* Vault: placeholder -> original for one ticket. */
int store_vault_put(store_t *s, const char *ticket_id, const char *placeholder, const char *original);
typedef void (*store_vault_fn)(void *ctx, const char *placeholder, const char *original);
int store_vault_each(store_t *s, const char *ticket_id, store_vault_fn fn, void *ctx);

typedef struct store_draft {
	char *id, *ticket_id, *created_at, *mode, *provider, *model;
	char *text;           /* redacted */
	char *citations_json; /* JSON array */
	char *flags_json;     /* JSON array */
	char *sources_json;   /* JSON array of refs */
	char *key_terms;      /* space separated, redacted */
	double confidence;
} store_draft_t;
int store_draft_insert(store_t *s, const store_draft_t *d);
/* Returns 0, PRECEDENT_ENOTFOUND or an error; fills d (release with store_draft_release). */
int store_draft_get(store_t *s, const char *id, store_draft_t *d /* OUT */);
void store_draft_release(store_draft_t *d);

typedef struct store_feedback {
	const char *draft_id, *kind; /* "sent", "rating", "discarded" */
	const char *sent_text;       /* redacted, may be NULL */
	long edit_distance;
	double edit_ratio, word_edit_ratio;
	const char *rating, *comment; /* may be NULL */
	/* Schema 3, written when has_quality (a sent reply): */
	int has_quality;
	long word_distance, sentences, kept, edited, deleted;
	double kept_share;
	/* Schema 6: why a draft was discarded (NULL: not said) and whether it was
	 * inserted into the composer (STORE_FLAG_*; the zero value is "unknown"). */
	const char *reason;
	int inserted;
} store_feedback_t;
enum { STORE_FLAG_UNKNOWN = 0, STORE_FLAG_NO = 1, STORE_FLAG_YES = 2 };
int store_feedback_insert(store_t *s, const store_feedback_t *f);

int store_gap_insert(store_t *s, const char *ticket_id, const char *draft_id,
		     const char *key_terms, double best_score);

typedef struct store_customer {
	const char *external_id, *name, *email, *organization, *plan, *product_version, *region,
	    *extra_json;
} store_customer_t;
int store_customer_upsert(store_t *s, const store_customer_t *c);

/* ---- the quality loop (schema 3) ------------------------------------------------
 * Per draft: its ticket as redacted at drafting time (draft_context); per sent draft:
 * each sentence's fate credited to the sources it cites (attribution); per source:
 * decayed counts of cited and deleted sentences (source_scores), from which
 * store_source_factor() gives the retrieval factor 1 - 0.3 * deleted / (cited + 2),
 * bounded to [STORE_SOURCE_FACTOR_MIN, 1] and recovering as sentences are kept. */
#define STORE_SOURCE_DECAY 0.9      /* weight of older observations per new one */
#define STORE_SOURCE_FACTOR_MIN 0.7 /* lowest retrieval factor */

int store_draft_context_put(store_t *s, const char *draft_id, const char *subject,
			    const char *problem, const char *tags_json);
/* Strings malloc'd (caller frees); PRECEDENT_ENOTFOUND for a draft made before schema 3. */
int store_draft_context_get(store_t *s, const char *draft_id, char **subject /* OUT */,
			    char **problem /* OUT */, char **tags_json /* OUT */);

typedef struct store_attribution {
	const char *draft_id;
	long ord;                       /* sentence index in the draft */
	const char *fate;               /* "kept", "edited", "deleted" */
	double best_ratio, words_kept;
	const char *source_kind;        /* "ticket", "doc" or NULL (cites nothing) */
	const char *source_id;          /* ticket id or "path#anchor" */
	const char *sentence;           /* redacted */
} store_attribution_t;
int store_attribution_insert(store_t *s, const store_attribution_t *a);
/* One sentence citing source (kind, id) met fate: updates its decayed counts. */
int store_source_observe(store_t *s, const char *kind, const char *id, const char *fate);
/* The retrieval factor of a ticket (doc = 0, tickets.rowid) or doc section (doc = 1,
 * doc_sections.rowid): in [STORE_SOURCE_FACTOR_MIN, 1], 1 when nothing is known. */
double store_source_factor(sqlite3 *db, int doc, sqlite3_int64 rowid);
/* The same for n rows at once into out[0..n) (one statement; none at all while
 * nothing has been observed for that kind). */
void store_source_factors(sqlite3 *db, int doc, const sqlite3_int64 *rowids, size_t n,
			  double *out);
/* *found = 1 when the draft was flagged as a knowledge gap. */
int store_gap_of_draft(store_t *s, const char *draft_id, int *found /* OUT */);

#endif
