/*
 * fuzz_ws.c - what the WebSocket server does with a client's message: classification of one
 * complete message (auth or not, token compare, JSON), and the Origin checks on arbitrary
 * headers. The first byte picks authenticated or not.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "precedent/ws.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char token[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	cJSON *out = NULL;
	const char *why = NULL;
	if (size < 1)
		return 0;
	int authed = data[0] & 1;
	const char *msg = (const char *)data + 1;
	size_t n = size - 1;
	int v = ws_classify_message(token, authed, msg, n, &out, &why);
	if (v == WS_DELIVER) {
		if (!out || !authed)
			__builtin_trap();
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(out, "type");
		if (!cJSON_IsString(t) || strcmp(t->valuestring, "auth") == 0)
			__builtin_trap();
		cJSON_Delete(out);
	} else if (out) {
		__builtin_trap();
	}
	if (v == WS_REJECT && !why)
		__builtin_trap();
	if (v == WS_AUTHED && authed)
		__builtin_trap();
	char *hdr = malloc(n + 1);
	memcpy(hdr, msg, n);
	hdr[n] = '\0';
	(void)ws_origin_matches("chrome-extension://abcdefghijklmnopabcdefghijklmnop", hdr, n);
	(void)ws_is_extension_origin(hdr);
	free(hdr);
	return 0;
}
