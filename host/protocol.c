/*
 * protocol.c - native messaging messages: envelope checks, per-type field
 * validation and dispatch to app operations (see protocol.h and the contract in
 * README's protocol section).
 */
#include "precedent/protocol.h"
#include "precedent/error.h"
#include "precedent/import_job.h"
#include "precedent/limits.h"
#include "precedent/llm_draft.h"
#include "precedent/nm.h"
#include "precedent/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

void session_release(session_t *s)
{
	free(s->ext_origin);
	s->ext_origin = NULL;
	import_job_free(&s->import); /* cancels a running import, joins its thread */
}

/* Frames leave from the host's worker and writer threads: one at a time. */
static pthread_mutex_t send_mu = PTHREAD_MUTEX_INITIALIZER;

int protocol_send(session_t *s, const cJSON *msg)
{
	char *text = cJSON_PrintUnformatted(msg);
	int rc;
	if (!text)
		return PRECEDENT_ENOMEM;
	pthread_mutex_lock(&send_mu);
	rc = nm_write_frame(s->out_fd, text, strlen(text));
	pthread_mutex_unlock(&send_mu);
	cJSON_free(text);
	if (rc == PRECEDENT_ETOOBIG) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(msg, "id");
		return protocol_send_error(s, id, PRECEDENT_ETOOBIG,
					   "the reply is larger than the 1 MiB native messaging limit");
	}
	return rc;
}

static cJSON *envelope(const cJSON *id, int ok)
{
	cJSON *o = cJSON_CreateObject();
	if (id && (cJSON_IsString(id) || cJSON_IsNumber(id)))
		cJSON_AddItemToObject(o, "id", cJSON_Duplicate(id, 0));
	else
		cJSON_AddNullToObject(o, "id");
	cJSON_AddBoolToObject(o, "ok", ok);
	return o;
}

int protocol_send_error(session_t *s, const cJSON *id, int code, const char *message)
{
	cJSON *o = envelope(id, 0);
	cJSON *e = cJSON_AddObjectToObject(o, "error");
	cJSON_AddStringToObject(e, "code", precedent_errcode(code));
	cJSON_AddStringToObject(e, "message", message && *message ? message : precedent_strerror(code));
	int rc = protocol_send(s, o);
	cJSON_Delete(o);
	return rc;
}

int protocol_send_result(session_t *s, const cJSON *id, cJSON *result)
{
	cJSON *o = envelope(id, 1);
	cJSON_AddItemToObject(o, "result", result ? result : cJSON_CreateObject());
	int rc = protocol_send(s, o);
	cJSON_Delete(o);
	return rc;
}

/* Field helpers: each returns the item or NULL after sending a missing_field error. */
static const cJSON *need(session_t *s, const cJSON *msg, const char *name,
			 cJSON_bool (*is)(const cJSON *), const char *what)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(msg, name);
	if (!v || !is(v)) {
		char m[160];
		snprintf(m, sizeof m, "field %s is missing or is not %s", name, what);
		protocol_send_error(s, cJSON_GetObjectItemCaseSensitive(msg, "id"), PRECEDENT_EFIELD, m);
		return NULL;
	}
	return v;
}

static const char *opt_string(const cJSON *msg, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(msg, name);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void reply(session_t *s, const cJSON *id, int rc, cJSON *result, const char *err)
{
	if (rc)
		protocol_send_error(s, id, rc, err);
	else
		protocol_send_result(s, id, result);
}

static void on_hello(session_t *s, const cJSON *id, const cJSON *msg)
{
	const char *origin = opt_string(msg, "origin");
	cJSON *r = cJSON_CreateObject();
	if (origin) {
		free(s->ext_origin);
		s->ext_origin = xstrdup(origin);
	}
	cJSON_AddStringToObject(r, "version", PRECEDENT_VERSION);
	cJSON_AddNumberToObject(r, "protocol", PRECEDENT_PROTOCOL);
	/* The WebSocket server (streaming) fills ws when it runs; null means
	 * drafts come back whole in the draft.request reply. */
	cJSON_AddNullToObject(r, "ws");
	cJSON_AddItemToObject(r, "corpus", app_corpus(s->app));
	const char *provider = config_str(s->app->config, "llm.provider", "PRECEDENT_LLM_PROVIDER", NULL);
	if (provider && strcmp(provider, "offline") != 0) {
		cJSON *l = cJSON_AddObjectToObject(r, "llm");
		cJSON_AddStringToObject(l, "provider", provider);
		const char *model = config_str(s->app->config, "llm.model", "PRECEDENT_LLM_MODEL", NULL);
		if (model)
			cJSON_AddStringToObject(l, "model", model);
		else
			cJSON_AddNullToObject(l, "model");
	} else {
		cJSON_AddNullToObject(r, "llm");
	}
	cJSON *caps = cJSON_AddArrayToObject(r, "capabilities");
	static const char *const have[] = {"draft.offline", "search", "feedback.sent",
					   "feedback.rating", "stats", "gaps", "config", "index.status",
					   "index.import"};
	for (size_t i = 0; i < sizeof have / sizeof have[0]; i++)
		cJSON_AddItemToArray(caps, cJSON_CreateString(have[i]));
	if (s->app->store == NULL)
		cJSON_AddStringToObject(r, "database_error", s->app->db_error);
	/* ws {port, token} for the announced origin, streaming and LLM capabilities */
	llm_session_hello(s, origin, r);
	protocol_send_result(s, id, r);
}

static void on_draft_request(session_t *s, const cJSON *id, const cJSON *msg)
{
	char err[512] = "";
	cJSON *result = NULL;
	const cJSON *ticket = need(s, msg, "ticket", cJSON_IsObject, "an object");
	if (!ticket)
		return;
	const cJSON *options = cJSON_GetObjectItemCaseSensitive(msg, "options");
	if (options && !cJSON_IsObject(options) && !cJSON_IsNull(options)) {
		protocol_send_error(s, id, PRECEDENT_EFIELD, "field options must be an object");
		return;
	}
	/* mode "llm", or "auto" with a provider configured: streamed, answered later */
	if (llm_draft_request(s, id, ticket, cJSON_IsObject(options) ? options : NULL))
		return;
	int rc = app_draft(s->app, ticket, cJSON_IsObject(options) ? options : NULL, &result, err,
			   sizeof err);
	if (!rc && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(options, "stream")))
		llm_draft_offline_done(s, id, options, result); /* same frames for the panel */
	reply(s, id, rc, result, err);
}

static void on_draft_cancel(session_t *s, const cJSON *id, const cJSON *msg)
{
	const cJSON *did = need(s, msg, "draft_id", cJSON_IsString, "a string");
	if (!did)
		return;
	/* An LLM draft in flight stops at once; offline drafts complete within their request. */
	int cancelled = llm_draft_cancel(s, did->valuestring);
	cJSON *r = cJSON_CreateObject();
	cJSON_AddBoolToObject(r, "cancelled", cancelled);
	protocol_send_result(s, id, r);
}

static void on_search(session_t *s, const cJSON *id, const cJSON *msg)
{
	char err[512] = "";
	cJSON *result = NULL;
	const cJSON *q = cJSON_GetObjectItemCaseSensitive(msg, "query");
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(msg, "ticket");
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(msg, "k");
	size_t kk = 10;
	if (!cJSON_IsString(q) && !cJSON_IsObject(t)) {
		protocol_send_error(s, id, PRECEDENT_EFIELD,
				    "search needs a query (string) or a ticket (object)");
		return;
	}
	if (k && (!cJSON_IsNumber(k) || k->valuedouble < 1 || k->valuedouble > SEARCH_K_MAX)) {
		protocol_send_error(s, id, PRECEDENT_EFIELD, "field k must be a number from 1 to 100");
		return;
	}
	if (k)
		kk = (size_t)k->valuedouble;
	int rc = app_search(s->app, cJSON_IsString(q) ? q->valuestring : NULL,
			    cJSON_IsString(q) ? NULL : t, kk, &result, err, sizeof err);
	reply(s, id, rc, result, err);
}

static void on_feedback_sent(session_t *s, const cJSON *id, const cJSON *msg)
{
	char err[512] = "";
	cJSON *result = NULL;
	const cJSON *did = need(s, msg, "draft_id", cJSON_IsString, "a string");
	if (!did)
		return;
	int discarded = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(msg, "discarded"));
	const cJSON *text = cJSON_GetObjectItemCaseSensitive(msg, "sent_text");
	if (!discarded && !need(s, msg, "sent_text", cJSON_IsString, "a string"))
		return;
	if (!discarded && strlen(text->valuestring) > SENT_TEXT_CAP) {
		protocol_send_error(s, id, PRECEDENT_ETOOBIG, "sent_text is larger than 1 MiB");
		return;
	}
	/* Optional: why a discarded draft was dropped (a short snake_case word) and
	 * whether the draft had been inserted into the composer. */
	app_outcome_t how = {0};
	const cJSON *reason = cJSON_GetObjectItemCaseSensitive(msg, "reason");
	const cJSON *inserted = cJSON_GetObjectItemCaseSensitive(msg, "inserted");
	if (reason && !cJSON_IsNull(reason)) {
		const char *r = cJSON_IsString(reason) ? reason->valuestring : "";
		size_t n = strlen(r);
		if (n < 1 || n > 40 || strspn(r, "abcdefghijklmnopqrstuvwxyz0123456789_") != n) {
			protocol_send_error(s, id, PRECEDENT_EFIELD,
					    "field reason must be a short snake_case word "
					    "(regenerated, ticket_changed, tab_closed, ...)");
			return;
		}
		how.reason = r;
	}
	if (inserted && !cJSON_IsNull(inserted)) {
		if (!cJSON_IsBool(inserted)) {
			protocol_send_error(s, id, PRECEDENT_EFIELD, "field inserted must be a boolean");
			return;
		}
		how.inserted = cJSON_IsTrue(inserted) ? 1 : -1;
	}
	int rc = app_feedback_outcome(s->app, did->valuestring,
				      discarded ? NULL : text->valuestring, discarded, &how, &result,
				      err, sizeof err);
	reply(s, id, rc, result, err);
}

static void on_feedback_rating(session_t *s, const cJSON *id, const cJSON *msg)
{
	char err[512] = "";
	cJSON *result = NULL;
	const cJSON *did = need(s, msg, "draft_id", cJSON_IsString, "a string");
	if (!did)
		return;
	const cJSON *rating = need(s, msg, "rating", cJSON_IsString, "\"up\" or \"down\"");
	if (!rating)
		return;
	const char *comment = opt_string(msg, "comment");
	if (comment && strlen(comment) > 16384) {
		protocol_send_error(s, id, PRECEDENT_ETOOBIG, "comment is longer than 16 KiB");
		return;
	}
	int rc = app_feedback_rating(s->app, did->valuestring, rating->valuestring, comment, &result,
				     err, sizeof err);
	reply(s, id, rc, result, err);
}

static void on_stats(session_t *s, const cJSON *id, const cJSON *msg, int gaps)
{
	char err[512] = "";
	cJSON *result = NULL;
	const cJSON *since = cJSON_GetObjectItemCaseSensitive(msg, "since");
	if (since && !cJSON_IsString(since) && !cJSON_IsNull(since)) {
		protocol_send_error(s, id, PRECEDENT_EFIELD, "field since must be an ISO date string");
		return;
	}
	const char *sv = cJSON_IsString(since) ? since->valuestring : NULL;
	int rc = gaps ? app_gaps(s->app, sv, &result, err, sizeof err)
		      : app_stats(s->app, sv, &result, err, sizeof err);
	reply(s, id, rc, result, err);
}

static void on_index_status(session_t *s, const cJSON *id)
{
	cJSON *r = cJSON_CreateObject();
	cJSON_AddItemToObject(r, "corpus", app_corpus(s->app));
	cJSON_AddStringToObject(r, "database", s->app->db_path ? s->app->db_path : "");
	cJSON_AddBoolToObject(r, "database_ok", s->app->store != NULL);
	if (!s->app->store)
		cJSON_AddStringToObject(r, "database_error", s->app->db_error);
	/* the latest index.import: progress while it runs, then its summary (or null) */
	cJSON_AddItemToObject(r, "import", import_job_status(s->import));
	protocol_send_result(s, id, r);
}

/* index.import: starts a background import and answers at once with its status;
 * index.status follows it. */
static void on_index_import(session_t *s, const cJSON *id, const cJSON *msg)
{
	char err[768] = "";
	cJSON *result = NULL;
	int rc = import_job_start(&s->import, s->app, msg, &result, err, sizeof err);
	reply(s, id, rc, result, err);
}

/* config.get: the LLM settings (never the key itself: only whether one is set). */
static void on_config_get(session_t *s, const cJSON *id)
{
	config_t *c = s->app->config;
	char key[8];
	char err[256];
	cJSON *r = cJSON_CreateObject();
	cJSON *l = cJSON_AddObjectToObject(r, "llm");
	const char *keys[][2] = {{"provider", "PRECEDENT_LLM_PROVIDER"},
				 {"base_url", "PRECEDENT_LLM_BASE_URL"},
				 {"model", "PRECEDENT_LLM_MODEL"}};
	for (size_t i = 0; i < 3; i++) {
		char dotted[32];
		snprintf(dotted, sizeof dotted, "llm.%s", keys[i][0]);
		const char *v = config_str(c, dotted, keys[i][1], NULL);
		if (v)
			cJSON_AddStringToObject(l, keys[i][0], v);
		else
			cJSON_AddNullToObject(l, keys[i][0]);
	}
	cJSON_AddBoolToObject(l, "has_key", config_api_key(c, key, sizeof key, err, sizeof err) == 0);
	cJSON_AddNumberToObject(r, "gap_threshold", s->app->gap_threshold);
	cJSON_AddStringToObject(r, "path", config_path(c));
	protocol_send_result(s, id, r);
}

/* config.set: {key, value} for llm.provider/base_url/model; llm.api_key is
 * written to a 0600 key file next to the config, never into config.json. */
static void on_config_set(session_t *s, const cJSON *id, const cJSON *msg)
{
	char err[512] = "";
	const cJSON *key = need(s, msg, "key", cJSON_IsString, "a string");
	if (!key)
		return;
	const cJSON *value = need(s, msg, "value", cJSON_IsString, "a string");
	if (!value)
		return;
	static const char *const allowed[] = {"llm.provider", "llm.base_url", "llm.model",
					      "llm.api_key"};
	size_t i;
	for (i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
		if (!strcmp(key->valuestring, allowed[i]))
			break;
	if (i == sizeof allowed / sizeof allowed[0]) {
		protocol_send_error(s, id, PRECEDENT_EFIELD,
				    "key must be one of llm.provider, llm.base_url, llm.model, "
				    "llm.api_key");
		return;
	}
	int rc;
	if (!strcmp(key->valuestring, "llm.api_key")) {
		buf_t path;
		buf_init(&path, 0);
		buf_printf(&path, "%s.key", config_path(s->app->config));
		FILE *f = NULL;
		int fd = open(buf_cstr(&path), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd >= 0)
			f = fdopen(fd, "w");
		rc = f && fputs(value->valuestring, f) >= 0 && fflush(f) == 0 ? 0 : PRECEDENT_EIO;
		if (f)
			fclose(f);
		else if (fd >= 0)
			close(fd);
		if (rc)
			snprintf(err, sizeof err, "cannot write the key file %s", buf_cstr(&path));
		else
			rc = config_set_str(s->app->config, "llm.api_key_file", buf_cstr(&path), err,
					    sizeof err);
		buf_release(&path);
	} else {
		rc = config_set_str(s->app->config, key->valuestring, value->valuestring, err,
				    sizeof err);
	}
	if (rc) {
		protocol_send_error(s, id, rc, err);
		return;
	}
	cJSON *r = cJSON_CreateObject();
	cJSON_AddBoolToObject(r, "saved", 1);
	protocol_send_result(s, id, r);
}

void protocol_handle(session_t *s, const char *frame, size_t len)
{
	cJSON *msg = NULL;
	if (!utf8_valid(frame, len)) {
		protocol_send_error(s, NULL, PRECEDENT_EUTF8, "the message is not valid UTF-8");
		return;
	}
	msg = cJSON_ParseWithLength(frame, len);
	if (!msg) {
		protocol_send_error(s, NULL, PRECEDENT_EJSON, "the message is not valid JSON");
		return;
	}
	if (!cJSON_IsObject(msg)) {
		protocol_send_error(s, NULL, PRECEDENT_ENOTOBJ, "the message must be a JSON object");
		goto out;
	}
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(msg, "id");
	if (!id || !(cJSON_IsString(id) || cJSON_IsNumber(id))) {
		protocol_send_error(s, NULL, PRECEDENT_EFIELD,
				    "field id is missing or is not a string or number");
		goto out;
	}
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(msg, "type");
	if (!cJSON_IsString(type)) {
		protocol_send_error(s, id, PRECEDENT_EFIELD, "field type is missing or is not a string");
		goto out;
	}
	const char *t = type->valuestring;
	if (!strcmp(t, "hello"))
		on_hello(s, id, msg);
	else if (!strcmp(t, "draft.request"))
		on_draft_request(s, id, msg);
	else if (!strcmp(t, "draft.cancel"))
		on_draft_cancel(s, id, msg);
	else if (!strcmp(t, "search") || !strcmp(t, "ticket.open"))
		on_search(s, id, msg); /* ticket.open: precedent preview for the open ticket */
	else if (!strcmp(t, "feedback.sent"))
		on_feedback_sent(s, id, msg);
	else if (!strcmp(t, "feedback.rating"))
		on_feedback_rating(s, id, msg);
	else if (!strcmp(t, "stats"))
		on_stats(s, id, msg, 0);
	else if (!strcmp(t, "gaps"))
		on_stats(s, id, msg, 1);
	else if (!strcmp(t, "index.status"))
		on_index_status(s, id);
	else if (!strcmp(t, "index.import"))
		on_index_import(s, id, msg);
	else if (!strcmp(t, "config.get"))
		on_config_get(s, id);
	else if (!strcmp(t, "config.set"))
		on_config_set(s, id, msg);
	else {
		char m[200];
		snprintf(m, sizeof m, "unknown message type \"%.100s\"", t);
		protocol_send_error(s, id, PRECEDENT_ETYPE, m);
	}
out:
	cJSON_Delete(msg);
}
