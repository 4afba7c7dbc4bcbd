/*
 * draft.h - drafting a reply from precedent: the offline extractive drafter (no
 * LLM: it works out of the box) and the shared parts of every drafter (citation
 * objects, flags). Prompt assembly and the LLM path live in prompt/llm.
 *
 * Everything here works on redacted text only; rehydration for the agent happens
 * after, with the ticket's vault map. A draft_t owns its text and its cJSON arrays
 * (draft_release).
 */
#ifndef PRECEDENT_DRAFT_H
#define PRECEDENT_DRAFT_H

#include <cJSON.h>

#include "precedent/retrieve.h"
#include "precedent/ticket.h"

typedef struct draft {
	char *text;        /* redacted */
	cJSON *citations;  /* [{ref, kind, id, title, snippet}] */
	cJSON *flags;      /* [{kind, message}] */
	double confidence; /* of the retrieval it was built on */
	int weak;          /* confidence below the gap threshold */
} draft_t;

/* Builds an extractive draft: a greeting to the customer, the best precedent's
 * resolution and the most relevant doc steps, each cited inline as [#id] or
 * [doc: path#anchor]. Below gap_threshold it writes no advice it cannot support
 * and says so in a "weak_precedent" flag. Returns 0 or a negative code. */
int draft_offline(const ticket_t *t, const retrieve_result_t *res, double gap_threshold,
		  draft_t *out /* OUT */);
void draft_release(draft_t *d);

/* A citation object for a ticket hit / doc hit (owned by the caller). */
cJSON *draft_ticket_citation(const retrieve_ticket_hit_t *h);
cJSON *draft_doc_citation(const retrieve_doc_hit_t *h);
/* Appends {kind, message} to flags. */
void draft_flag(cJSON *flags, const char *kind, const char *message);

/* Sentences (of s) holding a placeholder like [EMAIL_1]: from another ticket, they
 * must never reach this customer. */
int draft_has_placeholder(const char *s, size_t n);

#endif
