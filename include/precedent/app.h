/*
 * app.h - the operations of the product, shared by the CLI and the native
 * messaging protocol: draft a ticket, search, record feedback, report stats and
 * knowledge gaps. Each takes and returns JSON in the contract's shapes.
 *
 * Ownership: app_t owns the config, the store, the redactor and the signals sink
 * (app_close). Results are new cJSON trees owned by the caller. On error an
 * operation returns a negative PRECEDENT_E* code and a message for a person in
 * err; it never leaves a half-written draft or feedback row behind.
 */
#ifndef PRECEDENT_APP_H
#define PRECEDENT_APP_H

#include <stddef.h>
#include <stdio.h>

#include <cJSON.h>

#include "precedent/config.h"
#include "precedent/redact.h"
#include "precedent/store.h"

struct signals;

typedef struct app {
	config_t *config;
	store_t *store;          /* NULL when the database could not be opened */
	redactor_t *redactor;
	struct signals *signals; /* draft_quality_signal / knowledge_gap_signal sink */
	char *db_path;
	char *events_path;
	char db_error[512]; /* why store is NULL */
	int db_error_code;
	int readonly;         /* the database could only be opened read-only */
	double gap_threshold; /* confidence below which a ticket is a knowledge gap */
	size_t k;             /* results per kind used for drafting */
	int signals_background;          /* webhook delivered by the signals thread */
	size_t signals_pending_at_open;  /* outbox size at open: app_close flushes when it grew */
} app_t;

/* Loads config, opens the store (failure kept in db_error, not fatal, so the
 * protocol can still answer hello; APP_NO_STORE: not opened at all), compiles the
 * redactor. Returns 0 or a negative
 * code for a broken config or redaction pattern (message in err). */
enum { APP_NO_STORE = 1, APP_SIGNALS_BACKGROUND = 2 /* native messaging: deliver webhooks
							   from a background thread */ };
int app_open(app_t *app, const char *db_path, int flags, char *err, size_t errlen);
void app_close(app_t *app);
/* 0 when the store is usable, else its error code with db_error copied to err. */
int app_need_store(app_t *app, char *err, size_t errlen);

/* draft.request: ticket (contract shape) and options {mode, stream} (may be NULL). */
int app_draft(app_t *app, const cJSON *ticket, const cJSON *options, cJSON **result /* OUT */,
	      char *err, size_t errlen);
/* search: a query string, or a ticket object; k results of each kind. */
int app_search(app_t *app, const char *query, const cJSON *ticket, size_t k,
	       cJSON **result /* OUT */, char *err, size_t errlen);
/* feedback.sent: the text the agent sent for draft_id (discarded: the draft was
 * thrown away, sent_text may be NULL). */
int app_feedback_sent(app_t *app, const char *draft_id, const char *sent_text, int discarded,
		      cJSON **result /* OUT */, char *err, size_t errlen);
/* The extension's account of how a draft ended (feedback.sent's optional fields). */
typedef struct app_outcome {
	const char *reason; /* discarded: "regenerated", "ticket_changed", ...; NULL: not said */
	int inserted;       /* 1: inserted into the composer, -1: not, 0: not said */
} app_outcome_t;
/* feedback.sent with how (may be NULL): reason (stored for discarded drafts) and
 * inserted are stored with the feedback row and carried by the draft_quality_signal. */
int app_feedback_outcome(app_t *app, const char *draft_id, const char *sent_text, int discarded,
			 const app_outcome_t *how, cJSON **result /* OUT */, char *err,
			 size_t errlen);
/* feedback.rating: "up" or "down" with an optional comment. */
int app_feedback_rating(app_t *app, const char *draft_id, const char *rating,
			const char *comment, cJSON **result /* OUT */, char *err, size_t errlen);
/* stats / gaps: since is an ISO date (YYYY-MM-DD...) or NULL. */
int app_stats(app_t *app, const char *since, cJSON **result /* OUT */, char *err, size_t errlen);
int app_gaps(app_t *app, const char *since, cJSON **result /* OUT */, char *err, size_t errlen);
/* export pairs: each sent draft's (draft, sent) pair, redacted as stored, as JSONL
 * (csv = 0) or CSV with a header row, written to out; *count: pairs written. */
int app_export_pairs(app_t *app, const char *since, int csv, FILE *out, size_t *count /* OUT */,
		     char *err, size_t errlen);
/* Corpus counts {tickets, doc_sections, docs}. */
cJSON *app_corpus(app_t *app);

/* A fresh draft id ("d_" + 16 hex digits from the OS CSPRNG) into out (24 bytes). */
void app_new_draft_id(char out[24]);

#endif
