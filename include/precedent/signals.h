/*
 * signals.h - the two events other tools subscribe to: draft_quality_signal (how a
 * draft fared: edit scores, rating, sources credited per sentence) and
 * knowledge_gap_signal (a ticket the corpus could not answer). Each event is one JSON
 * object on one line with a versioned schema ("precedent.draft_quality_signal/1"),
 * appended durably to a JSONL file and, when a webhook is configured, to a local
 * outbox from which signals_flush() POSTs events in order (docs/quality.md).
 *
 * Ownership: signals_t owns its file descriptors and its copy of the config strings;
 * signals_close() releases everything. signals_emit() borrows the payload (the caller
 * still owns and frees it). Payload builders return a new cJSON object the caller
 * owns (cJSON_Delete).
 *
 * Blocking: signals_emit() does a write and an fsync per file; signals_flush() does
 * blocking HTTP (libcurl easy, short timeouts) for at most max_ms: call it from the
 * CLI, or let the module deliver from its own thread (config.background), which keeps
 * HTTP off the caller's event loop. Threads: one signals_t is used from one caller
 * thread; the background deliverer shares only the outbox, under a mutex.
 */
#ifndef PRECEDENT_SIGNALS_H
#define PRECEDENT_SIGNALS_H

#include <stddef.h>

#include <cJSON.h>

#include "precedent/editdist.h"

#define SIGNALS_DRAFT_QUALITY "draft_quality_signal"
#define SIGNALS_KNOWLEDGE_GAP "knowledge_gap_signal"
#define SIGNALS_SCHEMA_VERSION 1

typedef struct signals_config {
	const char *events_path; /* required: the JSONL file every event is appended to */
	const char *webhook_url; /* NULL or "": no webhook (http:// or https:// only) */
	const char *outbox_path; /* NULL: events_path + ".outbox" (used only with a webhook) */
	/* NULL: none; else sent as "Authorization: Bearer <token>"; never logged */
	const char *webhook_token;
	long timeout_ms;     /* per request; 0: 5000 */
	long backoff_min_ms; /* first retry delay; 0: 200 */
	long backoff_max_ms; /* retry delay cap; 0: 30000 */
	/* With a webhook: deliver from a background thread of this module, woken by each
	 * emit and at each retry time (no signals_flush() calls needed). */
	int background;
	long close_grace_ms; /* background: signals_close() lets a transfer finish for this
				long (0: 500), then aborts it; the rest stays in the outbox */
} signals_config_t;

typedef struct signals signals_t;

/* Default events file: $XDG_DATA_HOME/precedent/events.jsonl, else
 * $HOME/.local/share/precedent/events.jsonl. 0, or PRECEDENT_ECONFIG (no HOME) /
 * PRECEDENT_ETOOBIG (out too small). */
int signals_default_path(char *out /* OUT */, size_t outlen);

/* Checks the config and copies it; touches no file (files are created, with their
 * directories (0700) and mode 0600, by the first emit). 0, or PRECEDENT_ECONFIG (no
 * events path, webhook URL not http(s)); a message for a person goes into err. */
int signals_open(const signals_config_t *cfg, signals_t **out /* OUT */, char *err, size_t errlen);
void signals_close(signals_t *s);

/* Builds the event {"schema", "type", "id", "ts", ...payload fields}, canonicalizes
 * it (key_terms given as one space-separated string become an array; sources given as
 * "[#id]" / "[doc: path#anchor]" strings become objects), validates it, appends it as
 * one line to the events file (and the outbox) and fsyncs before returning 0.
 * PRECEDENT_ETYPE (unknown type), PRECEDENT_EFIELD (payload invalid, or uses a
 * reserved key), PRECEDENT_ETOOBIG (line over SIGNAL_EVENT_CAP), PRECEDENT_EIO /
 * EFULL / EREADONLY. signals_error() says why. */
int signals_emit(signals_t *s, const char *type, const cJSON *payload);
/* The same, also giving the event id (33 bytes: 32 hex digits and a NUL). */
int signals_emit_id(signals_t *s, const char *type, const cJSON *payload,
		    char *id_out /* OUT, may be NULL */);
/* The last error message of this handle ("" if none); owned by s. */
const char *signals_error(const signals_t *s);

/* Delivers pending outbox events in order, for at most max_ms: each is POSTed as
 * application/json; 2xx delivers it; 408, 429, 5xx and network errors stop the flush
 * (order is kept) and are retried with exponential backoff (within this call while
 * the budget allows, and across calls: a call before the next retry time returns
 * at once); any other status rejects the event: it is moved to <outbox>.rejected so
 * it cannot block the queue. Returns 0 when the outbox is empty (or no webhook),
 * PRECEDENT_ENET / PRECEDENT_ETIMEOUT when events remain, PRECEDENT_EBUSY when
 * another process is flushing (or, with config.background, always: the call only
 * wakes the deliverer), PRECEDENT_EIO. *delivered (may be NULL) counts
 * events delivered by this call. */
int signals_flush(signals_t *s, int max_ms, size_t *delivered /* OUT */);
/* Why the last flush stopped ("" if it did not); not stable while a background
 * deliverer runs. */
const char *signals_flush_error(const signals_t *s);
/* Number of events waiting in the outbox (0 without a webhook). */
int signals_pending(signals_t *s, size_t *count /* OUT */);

/* Checks a whole event (envelope and fields) against the schema of `type`. 0, or
 * PRECEDENT_ETYPE / PRECEDENT_EFIELD with the offending field named in err. */
int signals_validate(const char *type, const cJSON *ev, char *err, size_t errlen);

/* ---- payload builders ---------------------------------------------------------- */

typedef struct signals_draft_quality {
	const char *ticket_id;	       /* required */
	const char *draft_id;	       /* required */
	const char *outcome;	       /* "sent", "discarded" or "rating" (required) */
	const char *mode;	       /* "offline", "llm", ... NULL: omitted */
	const char *provider;	       /* "openai", "anthropic", ...; NULL: null (offline) */
	const char *model;	       /* NULL: null */
	double confidence;	       /* the draft's confidence, 0..1 */
	const editdist_result_t *edit; /* required when outcome is "sent" */
	const editdist_attribution_t *attribution; /* NULL: no per-sentence data */
	const char *const *sources; /* refs the draft used ("[#123]", "[doc: path#anchor]");
				       cited ones are credited from attribution */
	size_t nsources;
	const char *rating;	/* "up", "down" or NULL */
	const char *comment;	/* redacted; NULL: null */
	double seconds_to_send; /* < 0: unknown (null) */
	/* 1.1 (optional fields, same schema string): */
	const char *reason; /* why a discarded draft was dropped ("regenerated", ...); NULL: omitted */
	int inserted;	    /* 1: inserted into the composer, -1: not, 0: unknown (omitted) */
} signals_draft_quality_t;

typedef struct signals_knowledge_gap {
	const char *ticket_id;	      /* required */
	const char *draft_id;	      /* NULL: omitted */
	const char *const *key_terms; /* redacted */
	size_t nterms;
	double best_score;		/* best retrieval score */
	double confidence;		/* calibrated confidence, 0..1; < 0: omitted */
	const char *suggested_doc_area; /* NULL: null */
} signals_knowledge_gap_t;

/* New payload objects (caller owns), or NULL if a required string is missing. */
cJSON *signals_draft_quality_payload(const signals_draft_quality_t *q);
cJSON *signals_knowledge_gap_payload(const signals_knowledge_gap_t *g);

#endif
