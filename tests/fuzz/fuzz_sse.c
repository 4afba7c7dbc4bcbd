/*
 * fuzz_sse.c - the SSE parser on arbitrary bytes: fed whole and in pieces (the first byte picks
 * the piece size), both must succeed or fail alike and, on success, give the same events.
 */
#include <stdint.h>
#include <string.h>

#include "precedent/sse.h"
#include "precedent/util.h"

static int on_event(void *ud, const char *event, const char *data, size_t len)
{
	buf_t *b = ud;
	if (data[len] != '\0')
		__builtin_trap();
	buf_printf(b, "<%s|", event);
	buf_append(b, data, len);
	buf_putc(b, '>');
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t step = (size_t)data[0] % 17 + 1;
	const char *in = (const char *)data + 1;
	size_t n = size - 1;
	buf_t a, b;
	sse_parser_t p;
	int rc1, rc2 = 0;

	buf_init(&a, 0);
	buf_init(&b, 0);
	sse_init(&p, on_event, &a);
	rc1 = sse_feed(&p, in, n);
	sse_release(&p);

	sse_init(&p, on_event, &b);
	for (size_t off = 0; off < n && rc2 == 0; off += step)
		rc2 = sse_feed(&p, in + off, n - off < step ? n - off : step);
	sse_release(&p);
	/* A BOM only counts when whole in the first read, so skip inputs starting with one. */
	if (!(n >= 1 && (uint8_t)in[0] == 0xEF)) {
		if (rc1 != rc2)
			__builtin_trap();
		if (rc1 == 0 && (a.len != b.len || (a.len && memcmp(a.data, b.data, a.len) != 0)))
			__builtin_trap();
	}
	buf_release(&a);
	buf_release(&b);
	return 0;
}
