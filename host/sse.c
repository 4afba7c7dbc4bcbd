/*
 * sse.c - incremental Server-Sent Events parser. Bytes are scanned once; a line is only copied
 * when it is split across reads, so a typical provider chunk ("data: {...}\n\n") is dispatched
 * straight from the network buffer.
 */
#include "precedent/sse.h"

#include <string.h>

#include "precedent/error.h"
#include "precedent/limits.h"

void sse_init(sse_parser_t *p, sse_event_cb cb, void *ud)
{
	memset(p, 0, sizeof *p);
	buf_init(&p->line, SSE_LINE_CAP);
	buf_init(&p->data, SSE_EVENT_CAP);
	memcpy(p->event, "message", sizeof "message");
	p->cb = cb;
	p->ud = ud;
}

void sse_release(sse_parser_t *p)
{
	buf_release(&p->line);
	buf_release(&p->data);
}

int sse_pending(const sse_parser_t *p) { return p->line.len > 0 || p->have_data; }

static int dispatch(sse_parser_t *p)
{
	int rc = 0;

	if (p->have_data) {
		size_t len = p->data.len;
		/* the last "data:" line appended a "\n" that is not part of the value */
		if (len > 0 && p->data.data[len - 1] == '\n')
			len--;
		p->data.data[len] = '\0'; /* have_data means at least "\n" is held */
		p->events++;
		rc = p->cb(p->ud, p->event, p->data.data, len);
	}
	buf_reset(&p->data);
	p->have_data = 0;
	memcpy(p->event, "message", sizeof "message");
	return rc;
}

/* One complete line (without its terminator). */
static int process_line(sse_parser_t *p, const char *s, size_t n)
{
	const char *colon;
	const char *val = "";
	size_t flen, vlen = 0;

	if (n == 0)
		return dispatch(p);
	if (s[0] == ':')
		return 0; /* comment, e.g. keep-alive ": ping" */
	colon = memchr(s, ':', n);
	flen = colon ? (size_t)(colon - s) : n;
	if (colon) {
		val = colon + 1;
		vlen = n - flen - 1;
		if (vlen > 0 && val[0] == ' ') {
			val++;
			vlen--;
		}
	}
	if (flen == 4 && memcmp(s, "data", 4) == 0) {
		buf_append(&p->data, val, vlen);
		buf_putc(&p->data, '\n');
		p->have_data = 1;
		if (p->data.rc)
			return p->data.rc;
	} else if (flen == 5 && memcmp(s, "event", 5) == 0) {
		if (vlen == 0 || vlen >= sizeof p->event)
			vlen = 0; /* an absurd event name is treated as the default */
		if (vlen == 0) {
			memcpy(p->event, "message", sizeof "message");
		} else {
			memcpy(p->event, val, vlen);
			p->event[vlen] = '\0';
		}
	}
	/* "id", "retry" and unknown fields are ignored: providers do not rely on reconnection. */
	return 0;
}

int sse_feed(sse_parser_t *p, const char *bytes, size_t n)
{
	size_t i = 0, start;

	if (p->rc)
		return p->rc;
	if (!p->started && n > 0) {
		/* A BOM may itself be split; providers never send one, so only a whole one counts. */
		if (n >= 3 && (unsigned char)bytes[0] == 0xEF && (unsigned char)bytes[1] == 0xBB &&
		    (unsigned char)bytes[2] == 0xBF)
			i = 3;
		p->started = 1;
	}
	if (p->after_cr && i < n && bytes[i] == '\n')
		i++;
	p->after_cr = 0;
	start = i;
	while (i < n) {
		char c = bytes[i];
		if (c != '\n' && c != '\r') {
			i++;
			continue;
		}
		int rc;
		if (p->line.len > 0) {
			buf_append(&p->line, bytes + start, i - start);
			if (p->line.rc) {
				p->rc = PRECEDENT_ETOOBIG;
				return p->rc;
			}
			rc = process_line(p, p->line.data, p->line.len);
			buf_reset(&p->line);
		} else {
			if (i - start > SSE_LINE_CAP) {
				p->rc = PRECEDENT_ETOOBIG;
				return p->rc;
			}
			rc = process_line(p, bytes + start, i - start);
		}
		if (rc) {
			p->rc = rc;
			return rc;
		}
		i++;
		if (c == '\r') {
			if (i == n)
				p->after_cr = 1;
			else if (bytes[i] == '\n')
				i++;
		}
		start = i;
	}
	if (start < n) {
		buf_append(&p->line, bytes + start, n - start);
		if (p->line.rc) {
			p->rc = PRECEDENT_ETOOBIG;
			return p->rc;
		}
	}
	return 0;
}
