/*
 * embed.c - OpenAI-compatible embeddings over libcurl (see embed.h).
 */
#include "precedent/embed.h"
#include "precedent/error.h"
#include "precedent/limits.h"
#include "precedent/util.h"

#include <cJSON.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

static size_t on_body(char *p, size_t s, size_t n, void *ud)
{
	buf_t *b = ud;
	return buf_append(b, p, s * n) == 0 ? s * n : 0;
}

int embed_texts(const char *base_url, const char *model, const char *api_key, long timeout_ms,
		const char *const *texts, size_t n, float **vecs, size_t *dim, char *err,
		size_t errlen)
{
	CURL *c = NULL;
	struct curl_slist *h = NULL;
	buf_t url, body, auth;
	char *req = NULL;
	cJSON *reply = NULL;
	int rc = 0;
	*vecs = NULL;
	*dim = 0;
	buf_init(&url, 0);
	buf_init(&body, EMBED_RESPONSE_CAP);
	buf_init(&auth, 0);
	buf_puts(&url, base_url);
	while (url.len && url.data[url.len - 1] == '/')
		url.len--;
	buf_puts(&url, "/embeddings");
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "model", model ? model : "");
	cJSON *in = cJSON_AddArrayToObject(o, "input");
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(in, cJSON_CreateString(texts[i]));
	req = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!(c = curl_easy_init())) {
		snprintf(err, errlen, "embeddings: cannot start an HTTP request");
		rc = PRECEDENT_ENET;
		goto out;
	}
	h = curl_slist_append(h, "Content-Type: application/json");
	if (api_key && *api_key) {
		buf_printf(&auth, "Authorization: Bearer %s", api_key);
		h = curl_slist_append(h, buf_cstr(&auth));
	}
	curl_easy_setopt(c, CURLOPT_URL, buf_cstr(&url));
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, req);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : 3000L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms > 0 ? timeout_ms : 3000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	CURLcode cc = curl_easy_perform(c);
	if (cc != CURLE_OK) {
		snprintf(err, errlen, "embeddings endpoint %s: %s", buf_cstr(&url),
			 body.rc ? "reply too large" : curl_easy_strerror(cc));
		rc = body.rc ? PRECEDENT_ETOOBIG
		     : cc == CURLE_OPERATION_TIMEDOUT ? PRECEDENT_ETIMEOUT
						     : PRECEDENT_ENET;
		goto out;
	}
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299) {
		snprintf(err, errlen, "embeddings endpoint %s: HTTP %ld", buf_cstr(&url), status);
		rc = PRECEDENT_EUPSTREAM;
		goto out;
	}
	reply = cJSON_ParseWithLength(buf_cstr(&body), body.len);
	const cJSON *data = reply ? cJSON_GetObjectItemCaseSensitive(reply, "data") : NULL;
	if (!cJSON_IsArray(data) || (size_t)cJSON_GetArraySize(data) != n) {
		snprintf(err, errlen, "embeddings endpoint %s: the reply holds no embedding per input",
			 buf_cstr(&url));
		rc = PRECEDENT_EJSON;
		goto out;
	}
	const cJSON *d;
	size_t pos = 0;
	cJSON_ArrayForEach(d, data)
	{
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(d, "embedding");
		const cJSON *ix = cJSON_GetObjectItemCaseSensitive(d, "index");
		size_t at = cJSON_IsNumber(ix) && ix->valuedouble >= 0 && ix->valuedouble < (double)n
				? (size_t)ix->valuedouble
				: pos;
		int len = cJSON_IsArray(e) ? cJSON_GetArraySize(e) : 0;
		if (len <= 0 || len > 65536 || (*dim && (size_t)len != *dim)) {
			snprintf(err, errlen, "embeddings endpoint %s: malformed embedding",
				 buf_cstr(&url));
			rc = PRECEDENT_EJSON;
			goto out;
		}
		if (!*dim) {
			*dim = (size_t)len;
			*vecs = xcalloc(n * *dim, sizeof **vecs);
		}
		const cJSON *x;
		size_t k = 0;
		cJSON_ArrayForEach(x, e)(*vecs)[at * *dim + k++] =
		    cJSON_IsNumber(x) ? (float)x->valuedouble : 0.0f;
		pos++;
	}
out:
	if (rc) {
		free(*vecs);
		*vecs = NULL;
		*dim = 0;
	}
	cJSON_Delete(reply);
	cJSON_free(req);
	curl_slist_free_all(h);
	if (c)
		curl_easy_cleanup(c);
	buf_release(&url);
	buf_release(&body);
	buf_release(&auth);
	return rc;
}
