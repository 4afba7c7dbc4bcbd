/*
 * fuzz_import_zendesk.c - the importer of Zendesk ticket exports (JSON documents with users, NDJSON) on
 * arbitrary bytes: every record either converts to a ticket that validates (or
 * is rejected with a reason) and nothing leaks or crashes.
 */
#include <stdint.h>
#include <string.h>

#include "precedent/ingest.h"
#include "precedent/ticket.h"

static int on_record(void *ctx, long line, const cJSON *ticket, const char *why)
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ingest_parse_buffer(INGEST_ZENDESK, (const char *)data, size, on_record, NULL);
	return 0;
}
