/*
 * llm.c - provider streams over libcurl's multi-socket API on the libuv loop (the shape of
 * curl's docs/examples/multi-uv.c): curl tells us which sockets to watch (uv_poll) and when to
 * wake it (one uv_timer); each readiness goes back to curl_multi_socket_action, whose write
 * callback feeds the SSE parser, whose events become deltas for the caller.
 *
 * Life of a stream: RUNNING (easy handle in the multi) -> [WAITING to retry -> RUNNING]* ->
 * finished (on_done once) or cancelled (silently). Removing an easy handle is not allowed from
 * inside a curl callback, so a cancel or failure raised there is only recorded and carried out
 * by reap() as soon as curl_multi_socket_action returns. A stream's memory goes when its two uv
 * timers have closed.
 */
#include "precedent/llm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "precedent/error.h"
#include "precedent/limits.h"
#include "precedent/sse.h"

enum { ST_RUNNING, ST_WAITING, ST_FINISHED };

struct llm_stream {
	llm_client_t *client;
	struct llm_stream *next;
	CURL *easy;
	struct curl_slist *headers;
	buf_t url, body;
	int provider;
	int raw;        /* a plain GET: the body is kept, no SSE */
	size_t raw_cap;
	long idle_ms;
	int max_retries;
	long backoff_ms;
	sse_parser_t sse;
	buf_t errbody;
	buf_t delta;
	long status;
	int attempt;
	int emitted;     /* a delta went to the caller: no retry any more */
	int done_seen;   /* [DONE] / message_stop */
	int finish_seen; /* finish_reason / stop_reason */
	int state;
	int in_multi;
	int cancelled;   /* by the caller: no more callbacks */
	int fail_rc;     /* failure found inside a curl callback, acted on in reap() */
	char fail_msg[256];
	long retry_after_ms;
	uv_timer_t retry_timer;
	uv_timer_t idle_timer;
	int closing_handles;
	llm_callbacks_t cb;
	void *ud;
	double t_start, t_sent;
};

struct llm_client {
	uv_loop_t *loop;
	CURLM *multi;
	uv_timer_t timer;
	llm_stream_t *streams;
	int active;
	int in_curl; /* inside curl_multi_socket_action: no handle removal now */
	int freeing;
};

struct sock_ctx {
	uv_poll_t poll;
	curl_socket_t fd;
	llm_client_t *client;
};

static void reap(llm_client_t *c);
static void finish(llm_stream_t *s, int rc, const char *msg);

void llm_config_init(llm_config_t *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->provider = LLM_PROVIDER_OFFLINE;
	cfg->max_tokens = 1024;
	cfg->temperature = 0.2;
	cfg->connect_timeout_ms = 5000;
	cfg->idle_timeout_ms = 30000;
	cfg->total_timeout_ms = 180000;
	cfg->max_retries = 2;
	cfg->backoff_ms = 500;
}

int llm_provider_from_name(const char *name)
{
	static const char *const openai[] = {"openai", "openai-compatible", "azure", "ollama",
					     "llamacpp", "llama.cpp", "vllm", "lmstudio"};
	if (!name)
		return -1;
	if (strcmp(name, "offline") == 0 || strcmp(name, "none") == 0 || !*name)
		return LLM_PROVIDER_OFFLINE;
	if (strcmp(name, "anthropic") == 0)
		return LLM_PROVIDER_ANTHROPIC;
	for (size_t i = 0; i < sizeof openai / sizeof openai[0]; i++)
		if (strcmp(name, openai[i]) == 0)
			return LLM_PROVIDER_OPENAI;
	return -1;
}

const char *llm_provider_name(int provider)
{
	switch (provider) {
	case LLM_PROVIDER_OPENAI:
		return "openai";
	case LLM_PROVIDER_ANTHROPIC:
		return "anthropic";
	default:
		return "offline";
	}
}

/* ---- sockets and timers (curl <-> uv) ---- */

static void check_multi_info(llm_client_t *c);

static void socket_action(llm_client_t *c, curl_socket_t fd, int flags)
{
	int running = 0;
	c->in_curl++;
	curl_multi_socket_action(c->multi, fd, flags, &running);
	c->in_curl--;
	check_multi_info(c);
	reap(c);
}

static void on_poll(uv_poll_t *h, int status, int events)
{
	struct sock_ctx *ctx = h->data;
	int flags = 0;
	if (status < 0)
		flags = CURL_CSELECT_ERR;
	if (!status && (events & UV_READABLE))
		flags |= CURL_CSELECT_IN;
	if (!status && (events & UV_WRITABLE))
		flags |= CURL_CSELECT_OUT;
	socket_action(ctx->client, ctx->fd, flags);
}

static void on_timeout(uv_timer_t *t)
{
	socket_action(t->data, CURL_SOCKET_TIMEOUT, 0);
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	llm_client_t *c = userp;
	(void)multi;
	if (timeout_ms < 0)
		uv_timer_stop(&c->timer);
	else
		uv_timer_start(&c->timer, on_timeout, (uint64_t)timeout_ms, 0);
	return 0;
}

static void free_sock_ctx(uv_handle_t *h) { free(h->data); }

static int socket_cb(CURL *easy, curl_socket_t fd, int action, void *userp, void *socketp)
{
	llm_client_t *c = userp;
	struct sock_ctx *ctx = socketp;
	int events = 0;
	(void)easy;

	if (action == CURL_POLL_REMOVE) {
		if (ctx) {
			uv_poll_stop(&ctx->poll);
			uv_close((uv_handle_t *)&ctx->poll, free_sock_ctx);
			curl_multi_assign(c->multi, fd, NULL);
		}
		return 0;
	}
	if (!ctx) {
		ctx = xcalloc(1, sizeof *ctx);
		ctx->fd = fd;
		ctx->client = c;
		if (uv_poll_init_socket(c->loop, &ctx->poll, fd) != 0) {
			free(ctx);
			return -1;
		}
		ctx->poll.data = ctx;
		curl_multi_assign(c->multi, fd, ctx);
	}
	if (action != CURL_POLL_IN)
		events |= UV_WRITABLE;
	if (action != CURL_POLL_OUT)
		events |= UV_READABLE;
	uv_poll_start(&ctx->poll, events, on_poll);
	return 0;
}

/* ---- one stream ---- */

static void stream_closed(uv_handle_t *h)
{
	llm_stream_t *s = h->data;
	if (--s->closing_handles > 0)
		return;
	sse_release(&s->sse);
	buf_release(&s->errbody);
	buf_release(&s->delta);
	buf_release(&s->url);
	buf_release(&s->body);
	curl_slist_free_all(s->headers);
	free(s);
}

static void detach(llm_stream_t *s)
{
	llm_client_t *c = s->client;
	if (s->in_multi) {
		curl_multi_remove_handle(c->multi, s->easy);
		s->in_multi = 0;
	}
	uv_timer_stop(&s->idle_timer);
	uv_timer_stop(&s->retry_timer);
}

/* Unlinks and frees s (timers close asynchronously). Never from inside a curl callback. */
static void destroy(llm_stream_t *s)
{
	llm_client_t *c = s->client;
	llm_stream_t **pp;

	detach(s);
	for (pp = &c->streams; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	c->active--;
	curl_easy_cleanup(s->easy);
	s->easy = NULL;
	s->closing_handles = 2;
	uv_close((uv_handle_t *)&s->retry_timer, stream_closed);
	uv_close((uv_handle_t *)&s->idle_timer, stream_closed);
}

static void finish(llm_stream_t *s, int rc, const char *msg)
{
	if (s->state == ST_FINISHED)
		return;
	s->state = ST_FINISHED;
	detach(s);
	if (!s->cancelled && s->cb.on_done)
		s->cb.on_done(s->ud, rc, msg ? msg : "");
	destroy(s);
}

static void fail_in_callback(llm_stream_t *s, int rc, const char *msg)
{
	if (s->fail_rc)
		return;
	s->fail_rc = rc;
	snprintf(s->fail_msg, sizeof s->fail_msg, "%s", msg);
}

static int on_sse_event(void *ud, const char *event, const char *data, size_t len)
{
	llm_stream_t *s = ud;
	char err[256] = "";
	int rc;

	buf_reset(&s->delta);
	if (s->provider == LLM_PROVIDER_ANTHROPIC)
		rc = llm_anthropic_event(event, data, len, &s->delta, &s->finish_seen, err,
					 sizeof err);
	else
		rc = llm_openai_event(event, data, len, &s->delta, &s->finish_seen, err, sizeof err);
	if (s->delta.len > 0 && !s->cancelled) {
		s->emitted = 1;
		if (s->cb.on_delta)
			s->cb.on_delta(s->ud, s->delta.data, s->delta.len);
	}
	if (rc == LLM_EVENT_DONE) {
		s->done_seen = 1;
		return 0;
	}
	if (rc < 0) {
		fail_in_callback(s, rc, err[0] ? err : precedent_strerror(rc));
		return 1;
	}
	return s->cancelled ? 1 : 0;
}

static long parse_retry_after(const char *v)
{
	char *end;
	long secs = strtol(v, &end, 10);
	if (end == v || secs < 0)
		return -1;
	return secs > 30 ? 30000 : secs * 1000;
}

static size_t header_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
	llm_stream_t *s = ud;
	size_t n = size * nmemb;
	if (n > 12 && strncasecmp(ptr, "retry-after:", 12) == 0) {
		char v[32];
		size_t k = n - 12 < sizeof v - 1 ? n - 12 : sizeof v - 1;
		memcpy(v, ptr + 12, k);
		v[k] = '\0';
		s->retry_after_ms = parse_retry_after(v);
	}
	return n;
}

static size_t write_cb(char *ptr, size_t size, size_t nmemb, void *ud)
{
	llm_stream_t *s = ud;
	size_t n = size * nmemb;

	if (s->cancelled || s->fail_rc)
		return CURL_WRITEFUNC_ERROR;
	uv_timer_again(&s->idle_timer);
	if (s->status == 0)
		curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &s->status);
	if (s->raw) {
		if (s->errbody.len + n > s->raw_cap) {
			fail_in_callback(s, PRECEDENT_ETOOBIG, "the reply is too large");
			return CURL_WRITEFUNC_ERROR;
		}
		buf_append(&s->errbody, ptr, n);
		return n;
	}
	if (s->status < 200 || s->status >= 300) {
		/* keep the start of an error body for the message, drop the rest */
		size_t room = LLM_ERRBODY_CAP - s->errbody.len;
		buf_append(&s->errbody, ptr, n < room ? n : room);
		return n;
	}
	if (sse_feed(&s->sse, ptr, n) != 0) {
		if (!s->fail_rc)
			fail_in_callback(s, PRECEDENT_EUPSTREAM,
					 "malformed stream from the provider (line too long)");
		return CURL_WRITEFUNC_ERROR;
	}
	return n;
}

static int debug_cb(CURL *easy, curl_infotype type, char *data, size_t size, void *ud)
{
	llm_stream_t *s = ud;
	(void)easy;
	(void)data;
	(void)size;
	if (type == CURLINFO_HEADER_OUT && s->t_sent < 0) {
		s->t_sent = now_ms();
		if (s->cb.on_sent && !s->cancelled)
			s->cb.on_sent(s->ud);
	}
	return 0;
}

static void on_idle(uv_timer_t *t)
{
	llm_stream_t *s = t->data;
	char msg[128];
	snprintf(msg, sizeof msg, "the provider sent nothing for %.1f s", (double)s->idle_ms / 1000);
	finish(s, PRECEDENT_ETIMEOUT, msg);
}

static int add_easy(llm_stream_t *s)
{
	llm_client_t *c = s->client;
	s->status = 0;
	s->done_seen = 0;
	s->finish_seen = 0;
	s->retry_after_ms = -1;
	buf_reset(&s->errbody);
	if (s->raw)
		s->errbody.cap = s->raw_cap + 1;
	sse_release(&s->sse);
	sse_init(&s->sse, on_sse_event, s);
	if (curl_multi_add_handle(c->multi, s->easy) != CURLM_OK)
		return PRECEDENT_ENET;
	s->in_multi = 1;
	s->state = ST_RUNNING;
	uv_timer_start(&s->idle_timer, on_idle, (uint64_t)s->idle_ms, (uint64_t)s->idle_ms);
	return 0;
}

static void on_retry(uv_timer_t *t)
{
	llm_stream_t *s = t->data;
	s->attempt++;
	if (add_easy(s) != 0)
		finish(s, PRECEDENT_ENET, "could not restart the request");
}

static int retryable(long status)
{
	return status == 429 || status == 500 || status == 502 || status == 503 ||
	       status == 504 || status == 529;
}

static void http_error(llm_stream_t *s)
{
	char detail[200] = "";
	char msg[300];
	int rc;

	llm_error_message(buf_cstr(&s->errbody), s->errbody.len, detail, sizeof detail);
	if (s->status == 401 || s->status == 403)
		rc = PRECEDENT_EAUTH;
	else
		rc = PRECEDENT_EUPSTREAM;
	if (s->status == 429)
		snprintf(msg, sizeof msg, "the provider is rate limiting (HTTP 429) after %d tries%s%s",
			 s->attempt + 1, detail[0] ? ": " : "", detail);
	else if (rc == PRECEDENT_EAUTH)
		snprintf(msg, sizeof msg, "the provider refused the API key (HTTP %ld)%s%s",
			 s->status, detail[0] ? ": " : "", detail);
	else
		snprintf(msg, sizeof msg, "the provider returned HTTP %ld%s%s", s->status,
			 detail[0] ? ": " : "", detail);
	finish(s, rc, msg);
}

static void transfer_done(llm_stream_t *s, CURLcode res)
{
	char msg[300];

	curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &s->status);
	if (s->cancelled) {
		finish(s, PRECEDENT_ECANCELLED, "cancelled");
		return;
	}
	if (s->fail_rc) {
		finish(s, s->fail_rc, s->fail_msg);
		return;
	}
	if (s->raw) {
		if (res == CURLE_OK && s->status >= 200 && s->status < 300) {
			finish(s, 0, NULL);
		} else {
			if (res == CURLE_OK)
				snprintf(msg, sizeof msg, "HTTP %ld", s->status);
			else
				snprintf(msg, sizeof msg, "%s", curl_easy_strerror(res));
			finish(s, res == CURLE_OPERATION_TIMEDOUT ? PRECEDENT_ETIMEOUT
								  : PRECEDENT_EUPSTREAM,
			       msg);
		}
		return;
	}
	if (res == CURLE_OK && s->status >= 300) {
		if (retryable(s->status) && !s->emitted && s->attempt < s->max_retries) {
			long delay = s->backoff_ms << s->attempt;
			if (s->retry_after_ms >= 0 && s->retry_after_ms > delay)
				delay = s->retry_after_ms;
			detach(s);
			s->state = ST_WAITING;
			uv_timer_start(&s->retry_timer, on_retry, (uint64_t)delay, 0);
			return;
		}
		http_error(s);
		return;
	}
	switch (res) {
	case CURLE_OK:
		if (s->done_seen || (s->finish_seen && !sse_pending(&s->sse)))
			finish(s, 0, NULL);
		else
			finish(s, PRECEDENT_EUPSTREAM,
			       "the provider's stream was cut before it finished");
		return;
	case CURLE_COULDNT_CONNECT:
		finish(s, PRECEDENT_ENET, "could not connect to the provider (connection refused)");
		return;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		finish(s, PRECEDENT_ENET, "could not resolve the provider's host name (DNS failure)");
		return;
	case CURLE_OPERATION_TIMEDOUT:
		finish(s, PRECEDENT_ETIMEOUT, "the provider did not answer in time");
		return;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
		snprintf(msg, sizeof msg, "TLS failure talking to the provider: %s",
			 curl_easy_strerror(res));
		finish(s, PRECEDENT_ENET, msg);
		return;
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
		finish(s, PRECEDENT_EUPSTREAM, "the provider's stream was cut before it finished");
		return;
	default:
		snprintf(msg, sizeof msg, "network failure: %s", curl_easy_strerror(res));
		finish(s, PRECEDENT_ENET, msg);
		return;
	}
}

static void check_multi_info(llm_client_t *c)
{
	CURLMsg *m;
	int pending;
	while ((m = curl_multi_info_read(c->multi, &pending))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		llm_stream_t *s = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
		CURLcode res = m->data.result;
		if (s && s->state == ST_RUNNING)
			transfer_done(s, res);
	}
}

/* Carries out cancels and failures recorded inside curl callbacks. */
static void reap(llm_client_t *c)
{
	llm_stream_t *s, *next;
	if (c->in_curl)
		return;
	for (s = c->streams; s; s = next) {
		next = s->next;
		if (s->state == ST_FINISHED)
			continue;
		if (s->cancelled)
			finish(s, PRECEDENT_ECANCELLED, "cancelled");
		else if (s->fail_rc)
			finish(s, s->fail_rc, s->fail_msg);
	}
}

/* ---- public ---- */

int llm_client_new(uv_loop_t *loop, llm_client_t **out)
{
	static int global_done;
	llm_client_t *c;

	if (!global_done) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return PRECEDENT_ENET;
		global_done = 1;
	}
	c = xcalloc(1, sizeof *c);
	c->loop = loop;
	c->multi = curl_multi_init();
	if (!c->multi) {
		free(c);
		return PRECEDENT_ENET;
	}
	uv_timer_init(loop, &c->timer);
	c->timer.data = c;
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
	*out = c;
	return 0;
}

static void client_closed(uv_handle_t *h) { free(h->data); }

void llm_client_free(llm_client_t *c)
{
	if (!c)
		return;
	while (c->streams) {
		c->streams->cancelled = 1;
		finish(c->streams, PRECEDENT_ECANCELLED, NULL);
	}
	curl_multi_cleanup(c->multi);
	uv_timer_stop(&c->timer);
	uv_close((uv_handle_t *)&c->timer, client_closed);
}

int llm_client_active(const llm_client_t *c) { return c ? c->active : 0; }

/* Frees a stream that was never submitted. */
void llm_stream_discard(llm_stream_t *s)
{
	if (!s)
		return;
	if (s->easy)
		curl_easy_cleanup(s->easy);
	sse_release(&s->sse);
	buf_release(&s->errbody);
	buf_release(&s->delta);
	buf_release(&s->url);
	buf_release(&s->body);
	curl_slist_free_all(s->headers);
	free(s);
}

int llm_stream_prepare(const llm_config_t *cfg, const llm_request_t *req,
		       const llm_callbacks_t *cb, void *ud, llm_stream_t **out)
{
	llm_stream_t *s;
	int rc;

	*out = NULL;
	if (cfg->provider != LLM_PROVIDER_OPENAI && cfg->provider != LLM_PROVIDER_ANTHROPIC)
		return PRECEDENT_ECONFIG;
	s = xcalloc(1, sizeof *s);
	s->provider = cfg->provider;
	s->idle_ms = cfg->idle_timeout_ms > 0 ? cfg->idle_timeout_ms : 30000;
	s->max_retries = cfg->max_retries < 0 ? 0 : cfg->max_retries;
	if (s->max_retries > 5)
		s->max_retries = 5;
	s->backoff_ms = cfg->backoff_ms > 0 ? cfg->backoff_ms : 500;
	s->cb = *cb;
	s->ud = ud;
	s->t_sent = -1;
	buf_init(&s->url, 8192);
	buf_init(&s->body, LLM_REQUEST_CAP);
	buf_init(&s->errbody, LLM_ERRBODY_CAP);
	buf_init(&s->delta, SSE_EVENT_CAP);
	sse_init(&s->sse, on_sse_event, s);
	if (cfg->provider == LLM_PROVIDER_ANTHROPIC)
		rc = llm_anthropic_build(cfg, req, &s->url, &s->body, &s->headers);
	else
		rc = llm_openai_build(cfg, req, &s->url, &s->body, &s->headers);
	if (rc)
		goto fail;
	s->easy = curl_easy_init();
	if (!s->easy) {
		rc = PRECEDENT_ENET;
		goto fail;
	}
	curl_easy_setopt(s->easy, CURLOPT_URL, s->url.data);
	curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, s->headers);
	curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, s->body.data);
	curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)s->body.len);
	curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(s->easy, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(s->easy, CURLOPT_HEADERDATA, s);
	curl_easy_setopt(s->easy, CURLOPT_DEBUGFUNCTION, debug_cb);
	curl_easy_setopt(s->easy, CURLOPT_DEBUGDATA, s);
	curl_easy_setopt(s->easy, CURLOPT_VERBOSE, 1L); /* feeds debug_cb only: nothing printed */
	curl_easy_setopt(s->easy, CURLOPT_PRIVATE, (char *)s);
	curl_easy_setopt(s->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s->easy, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(s->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(s->easy, CURLOPT_CONNECTTIMEOUT_MS,
			 cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 5000L);
	curl_easy_setopt(s->easy, CURLOPT_TIMEOUT_MS,
			 cfg->total_timeout_ms > 0 ? cfg->total_timeout_ms : 180000L);
	curl_easy_setopt(s->easy, CURLOPT_ACCEPT_ENCODING, ""); /* any the build supports */
	curl_easy_setopt(s->easy, CURLOPT_USERAGENT, "precedent-host/" PRECEDENT_VERSION);
	*out = s;
	return 0;
fail:
	llm_stream_discard(s);
	return rc;
}

/* Joins a prepared stream to the client: its timers, the list, the multi handle. */
static int submit(llm_client_t *c, llm_stream_t *s)
{
	s->client = c;
	s->t_start = now_ms();
	uv_timer_init(c->loop, &s->retry_timer);
	uv_timer_init(c->loop, &s->idle_timer);
	s->retry_timer.data = s;
	s->idle_timer.data = s;
	s->next = c->streams;
	c->streams = s;
	c->active++;
	if (add_easy(s) != 0) {
		destroy(s);
		return PRECEDENT_ENET;
	}
	return 0;
}

int llm_stream_submit(llm_client_t *c, llm_stream_t *s)
{
	if (c->active >= LLM_STREAMS_MAX) {
		llm_stream_discard(s);
		return PRECEDENT_EBUSY;
	}
	return submit(c, s);
}

int llm_stream_start(llm_client_t *c, const llm_config_t *cfg, const llm_request_t *req,
		     const llm_callbacks_t *cb, void *ud, llm_stream_t **out)
{
	llm_stream_t *s;
	int rc;

	*out = NULL;
	if (cfg->provider != LLM_PROVIDER_OPENAI && cfg->provider != LLM_PROVIDER_ANTHROPIC)
		return PRECEDENT_ECONFIG;
	if (c->active >= LLM_STREAMS_MAX)
		return PRECEDENT_EBUSY;
	if ((rc = llm_stream_prepare(cfg, req, cb, ud, &s)))
		return rc;
	if ((rc = submit(c, s)))
		return rc;
	*out = s;
	return 0;
}

int llm_http_get(llm_client_t *c, const char *url, long timeout_ms, size_t cap,
		 const llm_callbacks_t *cb, void *ud, llm_stream_t **out)
{
	llm_stream_t *s;

	*out = NULL;
	if (c->active >= LLM_STREAMS_MAX)
		return PRECEDENT_EBUSY;
	s = xcalloc(1, sizeof *s);
	s->client = c;
	s->raw = 1;
	s->raw_cap = cap;
	s->idle_ms = timeout_ms > 0 ? timeout_ms : 2000;
	s->cb = *cb;
	s->ud = ud;
	s->t_sent = -1;
	buf_init(&s->url, 8192);
	buf_init(&s->body, 0);
	buf_init(&s->errbody, cap + 1);
	buf_init(&s->delta, 0);
	sse_init(&s->sse, on_sse_event, s);
	buf_puts(&s->url, url);
	s->easy = curl_easy_init();
	if (!s->easy || s->url.rc) {
		if (s->easy)
			curl_easy_cleanup(s->easy);
		sse_release(&s->sse);
		buf_release(&s->url);
		free(s);
		return PRECEDENT_ENET;
	}
	s->headers = curl_slist_append(NULL, "Accept: application/json");
	curl_easy_setopt(s->easy, CURLOPT_URL, s->url.data);
	curl_easy_setopt(s->easy, CURLOPT_HTTPHEADER, s->headers);
	curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(s->easy, CURLOPT_PRIVATE, (char *)s);
	curl_easy_setopt(s->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(s->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(s->easy, CURLOPT_TIMEOUT_MS, s->idle_ms);
	curl_easy_setopt(s->easy, CURLOPT_CONNECTTIMEOUT_MS, s->idle_ms);
	curl_easy_setopt(s->easy, CURLOPT_USERAGENT, "precedent-host/" PRECEDENT_VERSION);
	if (submit(c, s) != 0)
		return PRECEDENT_ENET;
	*out = s;
	return 0;
}

const char *llm_stream_body(llm_stream_t *s, size_t *len)
{
	*len = s->errbody.len;
	return buf_cstr(&s->errbody);
}

void llm_stream_cancel(llm_stream_t *s)
{
	if (!s || s->state == ST_FINISHED)
		return;
	s->cancelled = 1;
	if (s->client->in_curl)
		return; /* reap() removes it when curl returns */
	finish(s, PRECEDENT_ECANCELLED, NULL);
}

double llm_stream_sent_ms(const llm_stream_t *s)
{
	return s->t_sent < 0 ? -1 : s->t_sent - s->t_start;
}

int llm_stream_retries(const llm_stream_t *s) { return s->attempt; }
