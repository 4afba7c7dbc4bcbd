/*
 * fuzz_docstruct.c - the docs importer and the doc outline on arbitrary files: the
 * input is cut at NUL bytes into up to 8 files (s0.md .. s7.md, the first byte of
 * each picking .md, .html or .txt), imported into a real store with the redactor,
 * which rebuilds the outline. No crash, no leak; every parent is an existing
 * section, parent chains end (no cycle), `sub` stays within its cap, and a second
 * rebuild of an unchanged corpus writes nothing.
 */
#include "precedent/docstruct.h"
#include "precedent/error.h"
#include "precedent/ingest.h"
#include "precedent/redact.h"
#include "precedent/store.h"
#include "precedent/util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#define FILES_MAX 8

static store_t *store;
static redactor_t *redactor;
static char dir[64], docs[96];

static void setup(void)
{
	char err[512], db[128];
	snprintf(dir, sizeof dir, "/tmp/precedent-fuzz-docstruct-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(db, sizeof db, "%s/p.db", dir);
	snprintf(docs, sizeof docs, "%s/docs", dir);
	if (mkdir_p(docs) != 0 || store_open(db, 0, &store, err, sizeof err) != 0 ||
	    redactor_new(NULL, 0, &redactor, err, sizeof err) != 0) {
		fprintf(stderr, "fuzz setup failed\n");
		abort();
	}
}

static void clear_docs(void)
{
	static const char *const ext[] = {".md", ".html", ".txt"};
	char p[160];
	for (int i = 0; i < FILES_MAX; i++)
		for (int e = 0; e < 3; e++) {
			snprintf(p, sizeof p, "%s/s%d%s", docs, i, ext[e]);
			unlink(p);
		}
}

static void put_file(int i, const uint8_t *data, size_t size)
{
	static const char *const ext[] = {".md", ".html", ".txt"};
	char p[160];
	int e = size ? data[0] % 3 : 0;
	if (size) {
		data++;
		size--;
	}
	snprintf(p, sizeof p, "%s/s%d%s", docs, i, ext[e]);
	FILE *f = fopen(p, "wb");
	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		abort();
}

static void check_outline(void)
{
	sqlite3 *db = store_db(store);
	sqlite3_stmt *st;
	/* parents exist */
	if (sqlite3_prepare_v2(db,
			       "SELECT count(*) FROM doc_sections d WHERE d.parent IS NOT NULL AND"
			       " NOT EXISTS (SELECT 1 FROM doc_sections p WHERE p.rowid = d.parent)",
			       -1, &st, NULL) != SQLITE_OK)
		abort();
	if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_int(st, 0) != 0)
		abort();
	sqlite3_finalize(st);
	/* chains end within the number of sections; sub within its cap */
	if (sqlite3_prepare_v2(db,
			       "WITH RECURSIVE up(r, p, n) AS ("
			       " SELECT rowid, parent, 0 FROM doc_sections"
			       " UNION ALL SELECT up.r, d.parent, up.n + 1 FROM up"
			       " JOIN doc_sections d ON d.rowid = up.p"
			       " WHERE up.n <= (SELECT count(*) FROM doc_sections))"
			       " SELECT (SELECT max(n) FROM up), (SELECT count(*) FROM doc_sections),"
			       " (SELECT coalesce(max(length(CAST(sub AS BLOB))), 0) FROM doc_sections)",
			       -1, &st, NULL) != SQLITE_OK)
		abort();
	if (sqlite3_step(st) != SQLITE_ROW)
		abort();
	if (sqlite3_column_int64(st, 0) > sqlite3_column_int64(st, 1))
		abort();
	if (sqlite3_column_int64(st, 2) > DOCSTRUCT_SUB_CAP)
		abort();
	sqlite3_finalize(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	ingest_report_t rep;
	if (!store)
		setup();
	clear_docs();
	size_t at = 0;
	for (int i = 0; i < FILES_MAX && at <= size; i++) {
		const uint8_t *nul = at < size ? memchr(data + at, 0, size - at) : NULL;
		size_t end = nul ? (size_t)(nul - data) : size;
		put_file(i, data + at, end - at);
		at = end + 1;
	}
	ingest_report_init(&rep);
	int rc = ingest_docs_dir(store, redactor, docs, &rep, NULL, err, sizeof err);
	ingest_report_release(&rep);
	if (rc == 0) {
		size_t changed = 1;
		check_outline();
		if (store_begin(store) != 0)
			abort();
		if (docstruct_rebuild(store, NULL, &changed) != 0 || changed != 0)
			abort();
		if (store_commit(store) != 0)
			abort();
	}
	return 0;
}
