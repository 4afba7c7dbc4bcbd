/*
 * sse.h - an incremental Server-Sent Events parser (the WHATWG event-stream format) for
 * provider streams: bytes go in as they arrive from the network, whole events come out.
 *
 * Ownership: the parser owns its line and data buffers; the strings handed to the callback are
 * borrowed and valid only during the call. Lines are split on CRLF, LF or CR (a CRLF split across
 * two reads counts once), comment lines (":...") are skipped, several "data:" lines join with
 * "\n", a leading UTF-8 BOM is dropped, and an event still open at end of stream is discarded.
 * A line longer than SSE_LINE_CAP or an event larger than SSE_EVENT_CAP fails the feed with
 * PRECEDENT_ETOOBIG; a callback's non-zero return stops the feed and is returned as is.
 */
#ifndef PRECEDENT_SSE_H
#define PRECEDENT_SSE_H

#include <stddef.h>

#include "precedent/util.h"

/* event: the event type ("message" when none was given); data: NUL-terminated, len bytes. */
typedef int (*sse_event_cb)(void *ud, const char *event, const char *data, size_t len);

typedef struct sse_parser {
	buf_t line;
	buf_t data;
	char event[64];
	int have_data;
	int after_cr; /* the last byte seen was CR: a following LF belongs to it */
	int started;  /* first bytes seen (BOM check done) */
	int rc;       /* sticky */
	size_t events;
	sse_event_cb cb;
	void *ud;
} sse_parser_t;

/* No allocation. */
void sse_init(sse_parser_t *p, sse_event_cb cb, void *ud);
void sse_release(sse_parser_t *p);
/* Feeds n bytes. 0, PRECEDENT_ETOOBIG, or the callback's non-zero return (sticky). */
int sse_feed(sse_parser_t *p, const char *bytes, size_t n);
/* 1 when bytes of an unfinished line or event are pending (the stream was cut mid-event). */
int sse_pending(const sse_parser_t *p);

#endif
