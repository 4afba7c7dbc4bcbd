/*
 * protocol.h - the native messaging protocol: typed messages, their validation
 * and dispatch to the app's operations; every reply echoes the request id and
 * errors follow the contract ({"ok": false, "error": {"code", "message"}}).
 *
 * Ownership: a session_t belongs to the loop that reads the frames; it borrows
 * the app. protocol_send() is the one writer of frames to the browser.
 */
#ifndef PRECEDENT_PROTOCOL_H
#define PRECEDENT_PROTOCOL_H

#include <stddef.h>

#include <cJSON.h>

#include "precedent/app.h"

typedef struct session {
	app_t *app;
	int out_fd;        /* the private copy of stdout that carries frames */
	const char *caller; /* argv[1]: chrome-extension://<id>/ or a Firefox manifest path */
	char *ext_origin;  /* the origin announced in hello, owned */
	size_t in_cap;     /* largest accepted frame */
	void *ws;          /* WebSocket server, owned by the ws module when present */
	void *llm;         /* LLM drafting state, owned by the llm module when present */
	struct import_job *import; /* the latest index.import (import_job.c), owned */
} session_t;

/* Handles one frame (already de-framed): validates and answers with exactly one
 * reply (or, for streamed drafts, arranges for one later). Never fails: every
 * problem becomes an error reply. */
void protocol_handle(session_t *s, const char *frame, size_t len);

/* Sends msg as one frame (borrowed). A reply larger than the host->browser cap is
 * replaced by a too_large error for the same id. Returns 0 or PRECEDENT_EIO. */
int protocol_send(session_t *s, const cJSON *msg);
/* Sends {"id", "ok": false, "error": {code, message}}; id may be NULL (sent as null). */
int protocol_send_error(session_t *s, const cJSON *id, int code, const char *message);
/* Sends {"id", "ok": true, "result": result}; takes ownership of result. */
int protocol_send_result(session_t *s, const cJSON *id, cJSON *result);

void session_release(session_t *s);

#endif
