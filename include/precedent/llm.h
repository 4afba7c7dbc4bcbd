/*
 * llm.h - LLM providers streamed over libcurl's multi-socket API on the host's libuv loop:
 * OpenAI-compatible chat completions (OpenAI, Azure OpenAI, Ollama, llama.cpp server, vLLM,
 * LM Studio) and Anthropic Messages. Each stream parses the provider's SSE into text deltas,
 * retries 429/5xx with bounded backoff before the first delta, times out when the provider goes
 * quiet, and can be cancelled at once (its easy handle is removed from the multi handle).
 *
 * Ownership: an llm_client_t owns the curl multi handle, its uv timer and poll handles, and every
 * stream started on it. A stream calls on_done exactly once (unless cancelled: then it never
 * calls back again) and is freed by the client right after on_done returns, so the caller drops
 * its pointer in on_done. llm_config_t strings are borrowed for llm_stream_start only (the
 * request is built at once). The API key is only ever put in a request header, never logged.
 */
#ifndef PRECEDENT_LLM_H
#define PRECEDENT_LLM_H

#include <stddef.h>

#include <uv.h>

#include "precedent/util.h"

enum llm_provider {
	LLM_PROVIDER_OFFLINE = 0,
	LLM_PROVIDER_OPENAI = 1, /* any OpenAI-compatible /chat/completions */
	LLM_PROVIDER_ANTHROPIC = 2,
};

typedef struct llm_config {
	int provider;           /* enum llm_provider */
	const char *base_url;   /* NULL: the provider's public API */
	const char *model;
	const char *api_key;    /* NULL or "": no auth header (Ollama, llama.cpp) */
	int max_tokens;         /* 0: 1024 */
	double temperature;     /* < 0: provider default */
	long connect_timeout_ms;/* 0: 5000 */
	long idle_timeout_ms;   /* no byte for this long ends the stream; 0: 30000 */
	long total_timeout_ms;  /* 0: 180000 */
	int max_retries;        /* 429/5xx before the first delta; < 0: 0, 0: none; default 2 */
	long backoff_ms;        /* first retry delay, doubled each time; 0: 500 */
} llm_config_t;

/* Fills defaults (no allocation): provider offline, timeouts and retries as documented above. */
void llm_config_init(llm_config_t *cfg);
/* "openai"/"anthropic"/"offline" (also "ollama", "llamacpp", "vllm", "lmstudio", "azure" as
 * OpenAI-compatible) to enum llm_provider; -1 when unknown. */
int llm_provider_from_name(const char *name);
const char *llm_provider_name(int provider);

typedef struct llm_request {
	const char *system; /* instructions */
	const char *user;   /* the ticket, context and sources */
} llm_request_t;

typedef struct llm_callbacks {
	/* One piece of generated text (UTF-8, borrowed for the call). */
	void (*on_delta)(void *ud, const char *text, size_t len);
	/* Once: rc 0 when the provider finished, else a PRECEDENT_E* code and a message for a
	 * person (borrowed). Text already delivered by on_delta stays valid as a partial draft. */
	void (*on_done)(void *ud, int rc, const char *message);
	/* Optional: the request headers were written to the provider's socket. */
	void (*on_sent)(void *ud);
} llm_callbacks_t;

typedef struct llm_client llm_client_t;
typedef struct llm_stream llm_stream_t;

/* Returns a client on loop (caller frees with llm_client_free). 0 or PRECEDENT_ENET. */
int llm_client_new(uv_loop_t *loop, llm_client_t **out /* OUT */);
/* Cancels every stream (no callbacks), closes the multi handle; the memory goes once the loop
 * has run the handles' close callbacks (run the loop after this). NULL is fine. */
void llm_client_free(llm_client_t *c);
/* Streams in flight. */
int llm_client_active(const llm_client_t *c);

/* Starts a stream. 0 and *out, or PRECEDENT_ECONFIG (no provider/model), PRECEDENT_ETOOBIG
 * (request over LLM_REQUEST_CAP), PRECEDENT_EBUSY (LLM_STREAMS_MAX in flight), PRECEDENT_ENET. */
int llm_stream_start(llm_client_t *c, const llm_config_t *cfg, const llm_request_t *req,
		     const llm_callbacks_t *cb, void *ud, llm_stream_t **out /* OUT */);
/* The same in two steps, so the costly part runs off the loop thread. prepare (any thread, no
 * client): builds the request and its curl handle; 0 and *out, or as llm_stream_start. submit
 * (the client's loop thread): starts it; 0, or PRECEDENT_EBUSY / PRECEDENT_ENET (the stream
 * is freed either way, no callback runs). A prepared stream never submitted goes with discard
 * (NULL is fine). */
int llm_stream_prepare(const llm_config_t *cfg, const llm_request_t *req,
		       const llm_callbacks_t *cb, void *ud, llm_stream_t **out /* OUT */);
int llm_stream_submit(llm_client_t *c, llm_stream_t *s);
void llm_stream_discard(llm_stream_t *s);
/* A plain GET (customer context endpoints) on the same multi handle: on_done gets rc 0 and
 * the body is read with llm_stream_body() during the call; non-2xx replies end in
 * PRECEDENT_EUPSTREAM. The body is capped at cap bytes (PRECEDENT_ETOOBIG past it). */
int llm_http_get(llm_client_t *c, const char *url, long timeout_ms, size_t cap,
		 const llm_callbacks_t *cb, void *ud, llm_stream_t **out /* OUT */);
/* The body of a finished GET (valid during on_done); never NULL. */
const char *llm_stream_body(llm_stream_t *s, size_t *len /* OUT */);
/* Stops the stream now: its connection is closed and no callback runs again. Safe from any
 * callback (the removal then happens as soon as curl returns). */
void llm_stream_cancel(llm_stream_t *s);
/* Milliseconds from start to the request being sent (-1 if not yet), and retries made. */
double llm_stream_sent_ms(const llm_stream_t *s);
int llm_stream_retries(const llm_stream_t *s);

/*
 * Provider wire formats, shared by llm.c, llm_openai.c and llm_anthropic.c (and unit tests).
 * build: fills url and body (JSON) and appends headers. event: parses one SSE event, appending
 * text to delta; returns 0 to go on, LLM_EVENT_DONE when the provider finished, or a negative
 * PRECEDENT_E* code with a message in err.
 */
#define LLM_EVENT_DONE 1
struct curl_slist;
int llm_openai_build(const llm_config_t *cfg, const llm_request_t *req, buf_t *url /* OUT */,
		     buf_t *body /* OUT */, struct curl_slist **headers /* IN/OUT */);
int llm_openai_event(const char *event, const char *data, size_t len, buf_t *delta /* OUT */,
		     int *finish_seen /* OUT */, char *err, size_t errlen);
int llm_anthropic_build(const llm_config_t *cfg, const llm_request_t *req, buf_t *url /* OUT */,
			buf_t *body /* OUT */, struct curl_slist **headers /* IN/OUT */);
int llm_anthropic_event(const char *event, const char *data, size_t len, buf_t *delta /* OUT */,
			int *finish_seen /* OUT */, char *err, size_t errlen);
/* The message in a provider's JSON error body ({"error": {"message"}} or {"error": "..."}),
 * else the body's first line, clipped, into err. */
void llm_error_message(const char *body, size_t len, char *err, size_t errlen);

#endif
