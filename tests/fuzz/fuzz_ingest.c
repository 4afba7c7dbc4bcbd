/*
 * fuzz_ingest.c - the importers on arbitrary input: the first byte picks the format
 * (tickets JSONL, customers CSV, a Markdown doc split into sections), the rest is the
 * file. Tickets and customers go through the real importer into a real store (with the
 * redactor); Markdown through the section splitter. No crash, no leak; the report's
 * counts add up to the lines seen; every section has an anchor and a title.
 */
#include "precedent/error.h"
#include "precedent/ingest.h"
#include "precedent/redact.h"
#include "precedent/store.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static store_t *store;
static redactor_t *redactor;
static char dir[64];
static char path[128];

static void setup(void)
{
	char err[512], db[128];

	snprintf(dir, sizeof dir, "/tmp/precedent-fuzz-ingest-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(db, sizeof db, "%s/p.db", dir);
	snprintf(path, sizeof path, "%s/input", dir);
	if (store_open(db, 0, &store, err, sizeof err) != 0) {
		fprintf(stderr, "fuzz setup: %s\n", err);
		abort();
	}
	if (redactor_new(NULL, 0, &redactor, err, sizeof err) != 0)
		abort();
}

static void write_input(const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	ingest_report_t rep;

	if (!store)
		setup();
	if (size < 1)
		return 0;
	uint8_t mode = data[0] % 3;
	data++;
	size--;
	if (mode == 2) {
		char *title = NULL;
		ingest_section_t *secs = NULL;
		size_t n = 0;
		if (ingest_split_markdown((const char *)data, size, "fallback", &title, &secs,
					  &n) == 0) {
			for (size_t i = 0; i < n; i++)
				if (!secs[i].anchor || !secs[i].title || !secs[i].body)
					abort();
			ingest_sections_free(secs, n);
			free(secs);
			free(title);
		}
		return 0;
	}
	write_input(data, size);
	ingest_report_init(&rep);
	err[0] = '\0';
	int rc = mode == 0
		     ? ingest_tickets_jsonl(store, redactor, path, &rep, NULL, err, sizeof err)
		     : ingest_customers_csv(store, path, &rep, err, sizeof err);
	if (rc == 0) {
		long lines = 0;
		for (size_t i = 0; i < size; i++)
			lines += data[i] == '\n';
		lines += size && data[size - 1] != '\n';
		/* Every counted record came from a line (blank lines and a CSV header count
		 * for nothing). */
		if (rep.imported + rep.updated + rep.skipped + rep.rejected > lines)
			abort();
	}
	ingest_report_release(&rep);
	return 0;
}
