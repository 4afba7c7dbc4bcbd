/*
 * ws.c - the side panel's WebSocket server: libwebsockets as a foreign loop on libuv, shaped as
 * ttyd's server: a protocols table, a per-session struct, one switch over the lifecycle, the
 * Origin checked before the upgrade is accepted, frames written only from WRITEABLE (the queued
 * ones together, while the socket takes them).
 */
#include "precedent/ws.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <libwebsockets.h>

#include "precedent/error.h"
#include "precedent/lathist.h"
#include "precedent/limits.h"
#include "precedent/util.h"

#define WS_AUTH_SECONDS 5
/* At most this many queued frames written in one WRITEABLE callback. */
#define WS_WRITES_PER_CALLBACK 64

struct frame {
	struct frame *next;
	size_t len;
	double t0;
	unsigned char data[]; /* LWS_PRE bytes of room, then the payload */
};

struct session {
	struct lws *wsi;
	ws_server_t *server;
	struct session *next;
	int authed;
	int closing;
	int close_code;
	const char *close_why;
	buf_t in;
	struct frame *head, *tail;
	size_t queued, queued_bytes;
	double window_start;
	int window_count;
};

struct ws_server {
	struct lws_context *ctx;
	struct lws_context *live; /* lws writes NULL here when the context is wholly gone */
	struct lws_vhost *vhost;
	int port;
	char token[65];
	char origin[256];  /* announced in hello */
	char caller[256];  /* argv origin (Chromium), "" when none */
	struct session *sessions;
	lathist_t delays; /* token -> frame, since start */
	ws_message_cb cb;
	void *ud;
};

/* ---- pure checks ---- */

static size_t trim_slash_len(const char *s, size_t n)
{
	while (n > 0 && s[n - 1] == '/')
		n--;
	return n;
}

int ws_is_extension_origin(const char *o)
{
	const char *id;
	if (strncmp(o, "chrome-extension://", 19) == 0)
		id = o + 19;
	else if (strncmp(o, "moz-extension://", 16) == 0)
		id = o + 16;
	else
		return 0;
	size_t n = trim_slash_len(id, strlen(id));
	if (n == 0 || n > 128)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-'))
			return 0;
	}
	return 1;
}

int ws_origin_matches(const char *announced, const char *header, size_t header_len)
{
	size_t a = trim_slash_len(announced, strlen(announced));
	size_t h = trim_slash_len(header, header_len);
	return a > 0 && a == h && memcmp(announced, header, a) == 0;
}

int ws_token_equal(const char *a, const char *b, size_t b_len)
{
	size_t alen = strlen(a);
	unsigned char diff = (unsigned char)(alen != b_len);
	for (size_t i = 0; i < alen; i++)
		diff |= (unsigned char)(a[i] ^ (i < b_len ? b[i] : 0));
	return diff == 0;
}

int ws_classify_message(const char *token, int authed, const char *msg, size_t len, cJSON **out,
			const char **why)
{
	cJSON *j = NULL;
	const cJSON *type, *tok;
	int v = WS_REJECT;

	*out = NULL;
	*why = "bad message";
	if (!utf8_valid(msg, len)) {
		*why = "invalid UTF-8";
		goto out;
	}
	j = cJSON_ParseWithLength(msg, len);
	if (!cJSON_IsObject(j)) {
		*why = "not a JSON object";
		goto out;
	}
	type = cJSON_GetObjectItemCaseSensitive(j, "type");
	if (!cJSON_IsString(type)) {
		*why = "no type";
		goto out;
	}
	if (!authed) {
		tok = cJSON_GetObjectItemCaseSensitive(j, "token");
		if (strcmp(type->valuestring, "auth") != 0 || !cJSON_IsString(tok)) {
			*why = "the first message must be auth";
			goto out;
		}
		if (!ws_token_equal(token, tok->valuestring, strlen(tok->valuestring))) {
			*why = "wrong token";
			goto out;
		}
		v = WS_AUTHED;
		goto out;
	}
	if (strcmp(type->valuestring, "auth") == 0) {
		v = WS_IGNORE;
		goto out;
	}
	*out = j;
	j = NULL;
	v = WS_DELIVER;
out:
	cJSON_Delete(j);
	return v;
}

/* ---- sessions ---- */

static void queue_free(struct session *ss)
{
	struct frame *f = ss->head, *n;
	for (; f; f = n) {
		n = f->next;
		free(f);
	}
	ss->head = ss->tail = NULL;
	ss->queued = ss->queued_bytes = 0;
}

static void close_later(struct session *ss, int code, const char *why)
{
	if (ss->closing)
		return;
	ss->closing = 1;
	ss->close_code = code;
	ss->close_why = why;
	queue_free(ss);
	lws_callback_on_writable(ss->wsi);
}

static int reject(struct lws *wsi, int code, const char *why)
{
	lws_close_reason(wsi, (enum lws_close_status)code, (unsigned char *)why, strlen(why));
	return -1;
}

static int header_is(struct lws *wsi, enum lws_token_indexes t, char *buf, size_t n)
{
	int len = lws_hdr_total_length(wsi, t);
	if (len <= 0 || (size_t)len >= n)
		return -1;
	if (lws_hdr_copy(wsi, buf, (int)n, t) != len)
		return -1;
	return len;
}

static int host_is_loopback(const char *host, int port)
{
	char a[64], b[64];
	snprintf(a, sizeof a, "127.0.0.1:%d", port);
	snprintf(b, sizeof b, "localhost:%d", port);
	return strcmp(host, a) == 0 || strcmp(host, b) == 0;
}

static void on_complete_message(struct session *ss)
{
	ws_server_t *s = ss->server;
	cJSON *msg = NULL;
	const char *why = NULL;
	int v = ws_classify_message(s->token, ss->authed, buf_cstr(&ss->in), ss->in.len, &msg,
				    &why);
	buf_reset(&ss->in);
	switch (v) {
	case WS_AUTHED:
		ss->authed = 1;
		lws_set_timeout(ss->wsi, NO_PENDING_TIMEOUT, 0);
		break;
	case WS_DELIVER:
		if (s->cb)
			s->cb(s->ud, cJSON_GetObjectItemCaseSensitive(msg, "type")->valuestring, msg);
		cJSON_Delete(msg);
		break;
	case WS_IGNORE:
		break;
	default:
		close_later(ss, LWS_CLOSE_STATUS_POLICY_VIOLATION, why);
		break;
	}
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		    size_t len)
{
	struct session *ss = user;
	ws_server_t *s = lws_context_user(lws_get_context(wsi));
	char hdr[300];

	switch (reason) {
	case LWS_CALLBACK_HTTP:
		/* plain HTTP gets nothing: this port only speaks WebSocket */
		return -1;
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		if (!s || !s->origin[0])
			return 1; /* no hello yet: nobody may connect */
		{
			int n = header_is(wsi, WSI_TOKEN_ORIGIN, hdr, sizeof hdr);
			if (n < 0 || !ws_origin_matches(s->origin, hdr, (size_t)n))
				return 1;
			if (header_is(wsi, WSI_TOKEN_HOST, hdr, sizeof hdr) < 0 ||
			    !host_is_loopback(hdr, s->port))
				return 1;
		}
		{
			int clients = 0;
			for (struct session *p = s->sessions; p; p = p->next)
				clients++;
			if (clients >= WS_CLIENTS_MAX)
				return 1;
		}
		return 0;
	case LWS_CALLBACK_ESTABLISHED:
		memset(ss, 0, sizeof *ss);
		ss->wsi = wsi;
		ss->server = s;
		buf_init(&ss->in, WS_IN_CAP);
		ss->window_start = now_ms();
		ss->next = s->sessions;
		s->sessions = ss;
		lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, WS_AUTH_SECONDS);
		return 0;
	case LWS_CALLBACK_RECEIVE:
		if (ss->closing)
			return 0;
		if (lws_frame_is_binary(wsi)) {
			close_later(ss, LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE, "text frames only");
			return 0;
		}
		{
			double t = now_ms();
			if (lws_is_first_fragment(wsi)) {
				if (t - ss->window_start > 1000) {
					ss->window_start = t;
					ss->window_count = 0;
				}
				if (++ss->window_count > WS_IN_RATE_MAX) {
					close_later(ss, LWS_CLOSE_STATUS_POLICY_VIOLATION,
						    "too many messages");
					return 0;
				}
			}
		}
		if (buf_append(&ss->in, in, len) != 0) {
			close_later(ss, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, "message too large");
			return 0;
		}
		if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0)
			on_complete_message(ss);
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE: {
		if (ss->closing)
			return reject(wsi, ss->close_code, ss->close_why);
		/* Frames queued in the same loop iteration (deltas of several drafts) go out
		 * together while the socket takes them whole, instead of one per iteration:
		 * lws_send_pipe_choked says when a write would not complete (the maintainer's
		 * advice for more than one lws_write per WRITEABLE). */
		for (int sent = 0; ss->head && sent < WS_WRITES_PER_CALLBACK; sent++) {
			if (sent > 0 && lws_send_pipe_choked(wsi))
				break;
			struct frame *f = ss->head;
			ss->head = f->next;
			if (!ss->head)
				ss->tail = NULL;
			ss->queued--;
			ss->queued_bytes -= f->len;
			int n = lws_write(wsi, f->data + LWS_PRE, f->len, LWS_WRITE_TEXT);
			if (n >= 0 && s && f->t0 > 0)
				lathist_add(&s->delays, now_ms() - f->t0);
			free(f);
			if (n < 0)
				return -1;
		}
		if (ss->head)
			lws_callback_on_writable(wsi);
		return 0;
	}
	case LWS_CALLBACK_CLOSED:
		if (s) {
			struct session **pp;
			for (pp = &s->sessions; *pp; pp = &(*pp)->next)
				if (*pp == ss) {
					*pp = ss->next;
					break;
				}
		}
		queue_free(ss);
		buf_release(&ss->in);
		ss->wsi = NULL;
		return 0;
	default:
		return 0;
	}
}

static const struct lws_protocols protocols[] = {
    {"precedent", callback, sizeof(struct session), 4096, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* ---- public ---- */

static int fill_token(char out[65])
{
	unsigned char raw[32];
	size_t got = 0;
	while (got < sizeof raw) {
		ssize_t n = getrandom(raw + got, sizeof raw - got, 0);
		if (n < 0)
			return PRECEDENT_EIO;
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof raw; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	memset(raw, 0, sizeof raw);
	return 0;
}

int ws_server_start(uv_loop_t *loop, const char *caller_origin, ws_message_cb cb, void *ud,
		    ws_server_t **out, char *err, size_t errlen)
{
	struct lws_context_creation_info info;
	void *foreign[1] = {loop};
	ws_server_t *s;

	*out = NULL;
	s = xcalloc(1, sizeof *s);
	s->cb = cb;
	s->ud = ud;
	if (caller_origin && ws_is_extension_origin(caller_origin))
		snprintf(s->caller, sizeof s->caller, "%s", caller_origin);
	if (fill_token(s->token) != 0) {
		snprintf(err, errlen, "no random bytes for the WebSocket token");
		free(s);
		return PRECEDENT_EIO;
	}
	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof info);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.gid = -1;
	info.uid = -1;
	info.user = s;
	info.foreign_loops = foreign;
	info.pcontext = &s->live;
	info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_EXPLICIT_VHOSTS |
		       LWS_SERVER_OPTION_DISABLE_IPV6 | LWS_SERVER_OPTION_VALIDATE_UTF8 |
		       LWS_SERVER_OPTION_UV_NO_SIGSEGV_SIGFPE_SPIN;
	s->ctx = s->live = lws_create_context(&info);
	if (!s->ctx) {
		snprintf(err, errlen, "could not start the WebSocket server (libwebsockets)");
		free(s);
		return PRECEDENT_ENET;
	}
	info.port = 0;
	info.iface = "127.0.0.1";
	info.vhost_name = "precedent";
	s->vhost = lws_create_vhost(s->ctx, &info);
	if (!s->vhost || (s->port = lws_get_vhost_listen_port(s->vhost)) <= 0) {
		snprintf(err, errlen, "could not listen on 127.0.0.1 for the WebSocket server");
		lws_context_destroy(s->ctx);
		free(s);
		return PRECEDENT_ENET;
	}
	*out = s;
	return 0;
}

void ws_server_stop(ws_server_t *s)
{
	if (!s || !s->ctx)
		return;
	s->origin[0] = '\0'; /* no new connection from here on */
	lws_context_destroy(s->ctx);
	s->ctx = NULL;
}

void ws_server_free(ws_server_t *s)
{
	if (!s)
		return;
	ws_server_stop(s);
	/* With a foreign loop the first destroy only starts closing; once the loop has run the
	 * close callbacks a second call frees the context. */
	if (s->live)
		lws_context_destroy(s->live);
	/* sessions lws had not closed yet (their memory is lws's, their queues ours) */
	for (struct session *p = s->sessions; p; p = p->next) {
		queue_free(p);
		buf_release(&p->in);
	}
	memset(s->token, 0, sizeof s->token);
	free(s);
}

int ws_server_port(const ws_server_t *s) { return s->port; }

const char *ws_server_token(const ws_server_t *s) { return s->token; }

int ws_server_set_origin(ws_server_t *s, const char *origin)
{
	if (!origin || !ws_is_extension_origin(origin) || strlen(origin) >= sizeof s->origin)
		return PRECEDENT_EINVAL;
	if (s->caller[0] && !ws_origin_matches(s->caller, origin, strlen(origin)))
		return PRECEDENT_EINVAL;
	snprintf(s->origin, sizeof s->origin, "%s", origin);
	return 0;
}

int ws_server_broadcast(ws_server_t *s, const char *frame, size_t len)
{
	return ws_server_broadcast_at(s, frame, len, 0);
}

void ws_server_write_delay(const ws_server_t *s, double *p50, double *p99, double *max,
			   size_t *n)
{
	*p50 = lathist_pct(&s->delays, 50);
	*p99 = lathist_pct(&s->delays, 99);
	*max = s->delays.max;
	*n = (size_t)s->delays.n;
}

int ws_server_broadcast_at(ws_server_t *s, const char *frame, size_t len, double t0)
{
	int n = 0;
	if (!s)
		return 0;
	for (struct session *ss = s->sessions; ss; ss = ss->next) {
		if (!ss->authed || ss->closing)
			continue;
		if (ss->queued >= WS_QUEUE_MAX || ss->queued_bytes + len > WS_QUEUE_BYTES_MAX) {
			close_later(ss, LWS_CLOSE_STATUS_POLICY_VIOLATION, "reader too slow");
			continue;
		}
		struct frame *f = xmalloc(sizeof *f + LWS_PRE + len);
		f->next = NULL;
		f->len = len;
		f->t0 = t0;
		memcpy(f->data + LWS_PRE, frame, len);
		if (ss->tail)
			ss->tail->next = f;
		else
			ss->head = f;
		ss->tail = f;
		ss->queued++;
		ss->queued_bytes += len;
		lws_callback_on_writable(ss->wsi);
		n++;
	}
	return n;
}

int ws_server_clients(const ws_server_t *s)
{
	int n = 0;
	for (const struct session *ss = s ? s->sessions : NULL; ss; ss = ss->next)
		n += ss->authed && !ss->closing;
	return n;
}
