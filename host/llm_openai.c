/*
 * llm_openai.c - the OpenAI-compatible chat completions wire format: the streaming request
 * (POST {base}/chat/completions, stream: true) and the SSE chunks
 * ("data: {choices:[{delta:{content}}]}" ... "data: [DONE]"). Ollama, llama.cpp server, vLLM,
 * LM Studio and Azure OpenAI speak the same format.
 */
#include "precedent/llm.h"

#include <stdio.h>
#include <string.h>

#include <cJSON.h>
#include <curl/curl.h>

#include "precedent/error.h"
#include "precedent/limits.h"

#define OPENAI_DEFAULT_BASE "https://api.openai.com/v1"

static void trim_slash(buf_t *url)
{
	while (url->len > 0 && url->data[url->len - 1] == '/')
		url->data[--url->len] = '\0';
}

int llm_openai_build(const llm_config_t *cfg, const llm_request_t *req, buf_t *url, buf_t *body,
		     struct curl_slist **headers)
{
	cJSON *root = NULL, *msgs, *m;
	char *json = NULL;
	int rc = PRECEDENT_ENOMEM;
	const char *base = cfg->base_url && *cfg->base_url ? cfg->base_url : OPENAI_DEFAULT_BASE;

	if (!cfg->model || !*cfg->model)
		return PRECEDENT_ECONFIG;
	buf_puts(url, base);
	trim_slash(url);
	buf_puts(url, "/chat/completions");

	root = cJSON_CreateObject();
	if (!root)
		goto out;
	cJSON_AddStringToObject(root, "model", cfg->model);
	msgs = cJSON_AddArrayToObject(root, "messages");
	if (req->system && *req->system) {
		m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "role", "system");
		cJSON_AddStringToObject(m, "content", req->system);
		cJSON_AddItemToArray(msgs, m);
	}
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "role", "user");
	cJSON_AddStringToObject(m, "content", req->user ? req->user : "");
	cJSON_AddItemToArray(msgs, m);
	cJSON_AddBoolToObject(root, "stream", 1);
	cJSON_AddNumberToObject(root, "max_tokens", cfg->max_tokens > 0 ? cfg->max_tokens : 1024);
	if (cfg->temperature >= 0)
		cJSON_AddNumberToObject(root, "temperature", cfg->temperature);
	json = cJSON_PrintUnformatted(root);
	if (!json)
		goto out;
	buf_puts(body, json);

	*headers = curl_slist_append(*headers, "Content-Type: application/json");
	*headers = curl_slist_append(*headers, "Accept: text/event-stream");
	if (cfg->api_key && *cfg->api_key) {
		char h[1024];
		/* Azure OpenAI takes its key in api-key; everyone else in a bearer token. */
		if (strstr(base, ".azure.com"))
			snprintf(h, sizeof h, "api-key: %s", cfg->api_key);
		else
			snprintf(h, sizeof h, "Authorization: Bearer %s", cfg->api_key);
		*headers = curl_slist_append(*headers, h);
		memset(h, 0, sizeof h);
	}
	rc = url->rc ? url->rc : body->rc;
out:
	cJSON_free(json);
	cJSON_Delete(root);
	return rc;
}

void llm_error_message(const char *body, size_t len, char *err, size_t errlen)
{
	cJSON *j = cJSON_ParseWithLength(body, len);
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
	const cJSON *msg = NULL;

	if (cJSON_IsString(e))
		msg = e;
	else if (cJSON_IsObject(e))
		msg = cJSON_GetObjectItemCaseSensitive(e, "message");
	else
		msg = cJSON_GetObjectItemCaseSensitive(j, "message");
	if (cJSON_IsString(msg) && msg->valuestring[0]) {
		snprintf(err, errlen, "%s", msg->valuestring);
	} else {
		size_t n = 0;
		while (n < len && body[n] != '\n' && body[n] != '\r')
			n++;
		n = utf8_clip(body, n, errlen > 200 ? 200 : errlen - 1);
		snprintf(err, errlen, "%.*s", (int)n, body);
	}
	cJSON_Delete(j);
}

int llm_openai_event(const char *event, const char *data, size_t len, buf_t *delta,
		     int *finish_seen, char *err, size_t errlen)
{
	cJSON *j = NULL;
	const cJSON *e, *choices, *c0, *d, *content, *fr;
	int rc = 0;

	if (len == 6 && memcmp(data, "[DONE]", 6) == 0)
		return LLM_EVENT_DONE;
	j = cJSON_ParseWithLength(data, len);
	if (!cJSON_IsObject(j)) {
		snprintf(err, errlen, "malformed stream from the provider (an event is not JSON)");
		rc = PRECEDENT_EUPSTREAM;
		goto out;
	}
	e = cJSON_GetObjectItemCaseSensitive(j, "error");
	if (e || (event && strcmp(event, "error") == 0)) {
		llm_error_message(data, len, err, errlen);
		rc = PRECEDENT_EUPSTREAM;
		goto out;
	}
	choices = cJSON_GetObjectItemCaseSensitive(j, "choices");
	if (!cJSON_IsArray(choices)) {
		snprintf(err, errlen, "malformed stream from the provider (no choices)");
		rc = PRECEDENT_EUPSTREAM;
		goto out;
	}
	c0 = cJSON_GetArrayItem(choices, 0);
	if (!c0)
		goto out; /* usage-only chunk */
	d = cJSON_GetObjectItemCaseSensitive(c0, "delta");
	content = cJSON_GetObjectItemCaseSensitive(d, "content");
	if (cJSON_IsString(content))
		buf_puts(delta, content->valuestring);
	fr = cJSON_GetObjectItemCaseSensitive(c0, "finish_reason");
	if (cJSON_IsString(fr))
		*finish_seen = 1;
	if (delta->rc)
		rc = delta->rc;
out:
	cJSON_Delete(j);
	return rc;
}
