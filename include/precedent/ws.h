/*
 * ws.h - the loopback WebSocket server the side panel streams drafts from (libwebsockets on the
 * host's libuv loop as a foreign loop). It listens on 127.0.0.1 only, on an ephemeral port, with
 * a per-launch random token (getrandom). A connection is accepted only when its Origin equals the
 * extension origin announced in hello (which, for Chromium, must equal the caller origin the
 * browser passed in argv) and its Host is a loopback name; its first message must be
 * {"type":"auth","token"} with the right token (compared in constant time) within 5 s. Bad
 * JSON, binary frames, oversized messages (WS_IN_CAP), floods (WS_IN_RATE_MAX a second) and a
 * reader that lets its queue grow past WS_QUEUE_MAX/WS_QUEUE_BYTES_MAX close that connection
 * only. Frames go out only from WRITEABLE, in order, as many as the socket takes at once.
 *
 * Ownership: ws_server_t owns the lws context and every session's queue; frames given to
 * ws_server_broadcast are copied. The message handed to on_message is borrowed for the call.
 */
#ifndef PRECEDENT_WS_H
#define PRECEDENT_WS_H

#include <stddef.h>

#include <cJSON.h>
#include <uv.h>

typedef struct ws_server ws_server_t;

/* An authenticated panel sent msg (an object with a string "type" other than "auth"). */
typedef void (*ws_message_cb)(void *ud, const char *type, const cJSON *msg);

/* Starts listening on 127.0.0.1:0 on loop. caller_origin: argv[1] when it is a
 * chrome-extension:// origin, else NULL. 0, or PRECEDENT_ENET with a message in err. */
int ws_server_start(uv_loop_t *loop, const char *caller_origin, ws_message_cb cb, void *ud,
		    ws_server_t **out /* OUT */, char *err, size_t errlen);
/* Closes every connection and the listener (lws_context_destroy); lws finishes closing as the
 * loop runs, so ws_server_free comes after the loop has drained. NULL is fine. */
void ws_server_stop(ws_server_t *s);
/* Frees what stop left (after uv_run has returned). NULL is fine. */
void ws_server_free(ws_server_t *s);
int ws_server_port(const ws_server_t *s);
/* 64 hex characters, for hello's reply only (never logged). */
const char *ws_server_token(const ws_server_t *s);
/* The extension origin from hello. 0, or PRECEDENT_EINVAL when it is not an extension origin
 * or differs from the caller origin given at start. */
int ws_server_set_origin(ws_server_t *s, const char *origin);
/* Queues one text frame (JSON) to every authenticated session. Returns the number of sessions
 * it was queued to (0 when none is connected). */
int ws_server_broadcast(ws_server_t *s, const char *frame, size_t len);
/* As ws_server_broadcast; t0_ms (now_ms() clock) is when the data behind the frame arrived,
 * so the delay to its lws_write is measured. */
int ws_server_broadcast_at(ws_server_t *s, const char *frame, size_t len, double t0_ms);
/* The delay from t0 to the frame's lws_write since start: p50 and p99 (to 10 us below 1 ms, see
 * lathist.h), the longest, and the frames measured. Cheap enough for the loop thread. */
void ws_server_write_delay(const ws_server_t *s, double *p50 /* OUT */, double *p99 /* OUT */,
			   double *max /* OUT */, size_t *n /* OUT */);
/* Authenticated sessions now. */
int ws_server_clients(const ws_server_t *s);

/* Pure checks, shared with tests and the fuzz target. */
/* 1 if origin is chrome-extension://ID or moz-extension://UUID (no path, a trailing "/" ok). */
int ws_is_extension_origin(const char *origin);
/* 1 if header (the Origin of a connection) equals the announced origin (trailing "/" ignored). */
int ws_origin_matches(const char *announced, const char *header, size_t header_len);
/* 1 if a == b in time independent of where they differ. */
int ws_token_equal(const char *a, const char *b, size_t b_len);

enum ws_verdict {
	WS_REJECT = -1, /* close the connection; *why says why */
	WS_IGNORE = 0,
	WS_AUTHED = 1,  /* the auth message was right */
	WS_DELIVER = 2, /* *out holds a message for on_message (caller frees with cJSON_Delete) */
};
/* One complete incoming text message on a session that is (authed) or is not yet authenticated. */
int ws_classify_message(const char *token, int authed, const char *msg, size_t len,
			cJSON **out /* OUT */, const char **why /* OUT */);

#endif
