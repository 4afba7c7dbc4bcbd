/*
 * ingest.h - importers: resolved tickets (JSONL), documentation trees (Markdown,
 * split into sections at headings) and customers (CSV). Everything is redacted
 * before it reaches the store; imports are incremental by content hash.
 *
 * Ownership: the caller owns the store and redactor; an ingest_report_t owns its
 * rejection list (ingest_report_release()).
 */
#ifndef PRECEDENT_INGEST_H
#define PRECEDENT_INGEST_H

#include <stdio.h>

#include "precedent/redact.h"
#include "precedent/store.h"
#include "precedent/util.h"

typedef struct ingest_report {
	long imported, updated, skipped, rejected;
	buf_t rejections; /* "LINE: reason\n" lines, the first INGEST_MAX_REJECTIONS */
} ingest_report_t;

#define INGEST_MAX_REJECTIONS 50

void ingest_report_init(ingest_report_t *r);
void ingest_report_release(ingest_report_t *r);
/* Prints "imported N, updated N, skipped N, rejected N" and the rejections. */
void ingest_report_print(const ingest_report_t *r, const char *what, FILE *out);

/* Tickets, one JSON object a line. Bad lines are rejected with their line number and
 * the rest imported. Returns 0 (even with rejections) or a negative code when the
 * file can't be read or the store fails (message in err). progress may be NULL. */
int ingest_tickets_jsonl(store_t *s, const redactor_t *r, const char *path, ingest_report_t *rep,
			 FILE *progress, char *err, size_t errlen);

/* Markdown files (*.md, *.markdown) under dir, recursively; one doc per file, one
 * section per heading, anchors as GitHub makes them (stable across re-imports). */
int ingest_docs_dir(store_t *s, const redactor_t *r, const char *dir, ingest_report_t *rep,
		    FILE *progress, char *err, size_t errlen);

/* One Markdown text split into sections (for tests and the docs importer).
 * Fills *secs (caller frees with ingest_sections_free) and the doc title. */
typedef struct ingest_section {
	char *anchor, *title, *heading_path, *body;
} ingest_section_t;
int ingest_split_markdown(const char *text, size_t len, const char *fallback_title,
			  char **doc_title /* OUT */, ingest_section_t **secs /* OUT */,
			  size_t *nsecs /* OUT */);
/* Frees the strings of n sections; the caller frees the array itself with free(). */
void ingest_sections_free(ingest_section_t *secs, size_t n);
/* GitHub-style heading slug into out (lower-case, spaces to '-', punctuation dropped). */
void ingest_slug(const char *heading, size_t len, buf_t *out);

/* Customers CSV with a header row (external_id,name,email,organization,plan,
 * product_version,region; other columns kept as extra JSON). Stored in the vault. */
int ingest_customers_csv(store_t *s, const char *path, ingest_report_t *rep, char *err,
			 size_t errlen);

#endif
