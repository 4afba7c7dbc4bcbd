/*
 * llm_anthropic.c - the Anthropic Messages wire format: the streaming request
 * (POST {base}/messages, stream: true, x-api-key, anthropic-version) and its SSE events
 * (message_start, content_block_start, content_block_delta with text_delta, content_block_stop,
 * message_delta, message_stop, ping, error).
 */
#include "precedent/llm.h"

#include <stdio.h>
#include <string.h>

#include <cJSON.h>
#include <curl/curl.h>

#include "precedent/error.h"
#include "precedent/limits.h"

#define ANTHROPIC_DEFAULT_BASE "https://api.anthropic.com/v1"
#define ANTHROPIC_VERSION "2023-06-01"

int llm_anthropic_build(const llm_config_t *cfg, const llm_request_t *req, buf_t *url,
			buf_t *body, struct curl_slist **headers)
{
	cJSON *root = NULL, *msgs, *m;
	char *json = NULL;
	int rc = PRECEDENT_ENOMEM;
	const char *base =
	    cfg->base_url && *cfg->base_url ? cfg->base_url : ANTHROPIC_DEFAULT_BASE;

	if (!cfg->model || !*cfg->model)
		return PRECEDENT_ECONFIG;
	buf_puts(url, base);
	while (url->len > 0 && url->data[url->len - 1] == '/')
		url->data[--url->len] = '\0';
	buf_puts(url, "/messages");

	root = cJSON_CreateObject();
	if (!root)
		goto out;
	cJSON_AddStringToObject(root, "model", cfg->model);
	cJSON_AddNumberToObject(root, "max_tokens", cfg->max_tokens > 0 ? cfg->max_tokens : 1024);
	if (req->system && *req->system)
		cJSON_AddStringToObject(root, "system", req->system);
	msgs = cJSON_AddArrayToObject(root, "messages");
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "role", "user");
	cJSON_AddStringToObject(m, "content", req->user ? req->user : "");
	cJSON_AddItemToArray(msgs, m);
	cJSON_AddBoolToObject(root, "stream", 1);
	if (cfg->temperature >= 0)
		cJSON_AddNumberToObject(root, "temperature", cfg->temperature);
	json = cJSON_PrintUnformatted(root);
	if (!json)
		goto out;
	buf_puts(body, json);

	*headers = curl_slist_append(*headers, "Content-Type: application/json");
	*headers = curl_slist_append(*headers, "Accept: text/event-stream");
	*headers = curl_slist_append(*headers, "anthropic-version: " ANTHROPIC_VERSION);
	if (cfg->api_key && *cfg->api_key) {
		char h[1024];
		snprintf(h, sizeof h, "x-api-key: %s", cfg->api_key);
		*headers = curl_slist_append(*headers, h);
		memset(h, 0, sizeof h);
	}
	rc = url->rc ? url->rc : body->rc;
out:
	cJSON_free(json);
	cJSON_Delete(root);
	return rc;
}

int llm_anthropic_event(const char *event, const char *data, size_t len, buf_t *delta,
			int *finish_seen, char *err, size_t errlen)
{
	cJSON *j = cJSON_ParseWithLength(data, len);
	const cJSON *type, *d, *dt, *text;
	const char *t;
	int rc = 0;

	if (!cJSON_IsObject(j)) {
		snprintf(err, errlen, "malformed stream from the provider (an event is not JSON)");
		rc = PRECEDENT_EUPSTREAM;
		goto out;
	}
	type = cJSON_GetObjectItemCaseSensitive(j, "type");
	t = cJSON_IsString(type) ? type->valuestring : event;
	if (!t) {
		snprintf(err, errlen, "malformed stream from the provider (an event has no type)");
		rc = PRECEDENT_EUPSTREAM;
		goto out;
	}
	if (strcmp(t, "content_block_delta") == 0) {
		d = cJSON_GetObjectItemCaseSensitive(j, "delta");
		dt = cJSON_GetObjectItemCaseSensitive(d, "type");
		text = cJSON_GetObjectItemCaseSensitive(d, "text");
		/* thinking and tool-input deltas are not part of the reply */
		if (cJSON_IsString(dt) && strcmp(dt->valuestring, "text_delta") == 0 &&
		    cJSON_IsString(text))
			buf_puts(delta, text->valuestring);
	} else if (strcmp(t, "message_delta") == 0) {
		d = cJSON_GetObjectItemCaseSensitive(j, "delta");
		if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(d, "stop_reason")))
			*finish_seen = 1;
	} else if (strcmp(t, "message_stop") == 0) {
		rc = LLM_EVENT_DONE;
	} else if (strcmp(t, "error") == 0) {
		llm_error_message(data, len, err, errlen);
		rc = PRECEDENT_EUPSTREAM;
	}
	/* message_start, content_block_start/stop, ping and future types are ignored */
	if (rc == 0 && delta->rc)
		rc = delta->rc;
out:
	cJSON_Delete(j);
	return rc;
}
