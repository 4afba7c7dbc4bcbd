/*
 * fuzz_import_jsonl.c - the importer of generic JSONL ticket imports on
 * arbitrary bytes: every record either converts to a ticket that validates (or
 * is rejected with a reason) and nothing leaks or crashes.
 */
#include "fuzzutil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_import(INGEST_JSONL, data, size);
}
