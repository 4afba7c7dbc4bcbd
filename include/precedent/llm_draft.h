/*
 * llm_draft.h - the LLM drafting path of native messaging mode: draft.request with mode "llm"
 * (or "auto" with a provider configured) redacts the ticket, retrieves precedent, gathers
 * customer context (page, customers table, HTTP endpoint), assembles the prompt, streams the
 * provider's tokens to the side panel over the loopback WebSocket (rehydrated for the agent),
 * checks citations when the provider is done, stores the draft and answers the request. Faults
 * end in draft.error with the partial draft kept; "auto" then answers with the offline draft.
 * Several drafts run at once; nothing blocks the loop: the request side runs on the worker
 * thread (where protocol_handle() calls these), the stream on the loop, the finish on the
 * writer (loop.h).
 *
 * Ownership: llm_session_t hangs off session_t.llm, owns the WebSocket server, the curl multi
 * client, the writer's store connection and every draft in flight. Start it on the loop thread
 * once the loop exists and before the workers, stop it on the loop thread before the loop's
 * final run (no replies are sent for drafts still streaming), free it after the workers are
 * joined.
 */
#ifndef PRECEDENT_LLM_DRAFT_H
#define PRECEDENT_LLM_DRAFT_H

#include <cJSON.h>
#include <uv.h>

#include "precedent/protocol.h"

typedef struct llm_session llm_session_t;

/* Creates s->llm and s->ws on loop. A WebSocket server that cannot start is not fatal (hello
 * then reports ws: null and drafts come back whole). Returns 0 or PRECEDENT_ENET. */
int llm_session_start(session_t *s, uv_loop_t *loop);
/* Cancels drafts in flight and closes the WebSocket server and the curl client. */
void llm_session_stop(session_t *s);
/* Frees what stop left, after the loop has run its close callbacks. */
void llm_session_free(session_t *s);

/* hello: accepts the extension origin for the WebSocket and fills result's "ws" {port, token}
 * (or null, with "ws_error") and "capabilities". */
void llm_session_hello(session_t *s, const char *origin, cJSON *result);

/* draft.request: 1 when the LLM path took the request (it answers later, or already answered
 * with an error), 0 when the offline drafter should answer. */
int llm_draft_request(session_t *s, const cJSON *id, const cJSON *ticket, const cJSON *options);
/* An offline draft answered with stream: true: the panel gets it as one draft.done frame too. */
void llm_draft_offline_done(session_t *s, const cJSON *id, const cJSON *options,
			   const cJSON *result);
/* draft.cancel from native messaging or the panel: 1 when a draft in flight was stopped. */
int llm_draft_cancel(session_t *s, const char *draft_id);
/* Drafts in flight. */
int llm_draft_active(const session_t *s);

#endif
