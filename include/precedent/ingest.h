/*
 * ingest.h - importers: resolved tickets (generic JSONL, CSV, Zendesk and
 * Freshdesk exports), documentation trees (Markdown, HTML and plain text, split
 * into sections at headings) and customers (CSV). Everything is redacted before
 * it reaches the store; imports are incremental by content hash: a re-import
 * updates what changed, skips what did not and never removes anything.
 *
 * Ownership: the caller owns the store and redactor; an ingest_report_t owns its
 * rejection list (ingest_report_release()).
 */
#ifndef PRECEDENT_INGEST_H
#define PRECEDENT_INGEST_H

#include <stdio.h>

#include <cJSON.h>

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

/* Counting and rejection, for the importers (ingest*.c). */
void ingest_reject(ingest_report_t *r, const char *where, long line, const char *reason);
void ingest_count(ingest_report_t *r, int outcome /* STORE_* */);

/* Validates (ticket_from_json), redacts and stores one contract-shaped ticket.
 * Returns 0 with *outcome STORE_*, PRECEDENT_EFIELD with the reason in why (a
 * bad record: reject it and go on), or a store error. */
int ingest_store_ticket(store_t *s, const redactor_t *r, const cJSON *ticket,
			int *outcome /* OUT */, char *why, size_t whylen);

/* Ticket export formats (docs/retrieval.md describes each). */
typedef enum {
	INGEST_JSONL,     /* the contract's ticket, one a line (or an array) */
	INGEST_CSV,       /* header row; columns id, subject, body, resolution, ... */
	INGEST_ZENDESK,   /* API / export JSON or NDJSON: tickets with comments, users */
	INGEST_FRESHDESK, /* API JSON: tickets with conversations */
} ingest_format_t;

/* "tickets"/"jsonl", "csv", "zendesk", "freshdesk" -> format; 0 or PRECEDENT_EINVAL. */
int ingest_format_parse(const char *name, ingest_format_t *out /* OUT */);
const char *ingest_format_name(ingest_format_t f);

/* Called for each record of an export: ticket is the record in the contract's
 * shape (borrowed, valid during the call), or NULL with why saying what is wrong
 * with it. line is the 1-based line (line-delimited files, CSV) or the record's
 * position in a JSON document. Return non-zero to stop. */
typedef int (*ingest_record_fn)(void *ctx, long line, const cJSON *ticket, const char *why);

/* Converts an export read from f (or a buffer) record by record. Returns what
 * the last callback returned (0 when all ran). Never touches a store. */
int ingest_parse_stream(ingest_format_t fmt, FILE *f, ingest_record_fn fn, void *ctx);
int ingest_parse_buffer(ingest_format_t fmt, const char *data, size_t len, ingest_record_fn fn,
			void *ctx);

/* Imports a ticket export file in batches of transactions; bad records are
 * rejected with their line and the rest imported. Returns 0 (even with
 * rejections) or a negative code when the file can't be read or the store
 * fails (message in err). progress (may be NULL) gets a line a second. */
int ingest_tickets_file(store_t *s, const redactor_t *r, ingest_format_t fmt, const char *path,
			ingest_report_t *rep, FILE *progress, char *err, size_t errlen);

/* HTML to text: tags dropped, entities decoded, script/style/head skipped,
 * block elements end lines; with markdown_headings, <h1>..<h6> become "# .."
 * lines so ingest_split_markdown() keeps them as sections. Appends to out. */
void ingest_html_to_text(const char *html, size_t len, buf_t *out, int markdown_headings);

/* Markdown (*.md, *.markdown), HTML (*.html, *.htm) and text (*.txt) files
 * under dir, recursively; one doc per file, one section per heading (HTML
 * <h1>-<h6>; in text, a line underlined with === or ---), anchors as GitHub
 * makes them (stable across re-imports). */
int ingest_docs_dir(store_t *s, const redactor_t *r, const char *dir, ingest_report_t *rep,
		    FILE *progress, char *err, size_t errlen);
/* The same; flags INGEST_DOCS_NO_OUTLINE leaves the doc outline (docstruct.h) to a
 * later ingest_docs_outline(), for an import made of several calls. */
#define INGEST_DOCS_NO_OUTLINE 1u
int ingest_docs_dir_opts(store_t *s, const redactor_t *r, const char *dir, ingest_report_t *rep,
			 FILE *progress, unsigned flags, char *err, size_t errlen);
/* Rebuilds the doc outline in its own transaction. 0 or a negative code (err set). */
int ingest_docs_outline(store_t *s, char *err, size_t errlen);

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

/* One RFC 4180 CSV record (quotes, doubled quotes, newlines inside quotes) into fields
 * (NUL-separated, starts[] offsets, at most max fields). Returns the number of fields,
 * 0 at EOF, -1 on an unterminated quote, -2 when the record passes the buffer's cap. */
int ingest_csv_record(FILE *f, buf_t *fields, size_t *starts, int max, long *lineno /* OUT */);

/* Customers CSV with a header row (external_id,name,email,organization,plan,
 * product_version,region; other columns kept as extra JSON). Stored in the vault. */
int ingest_customers_csv(store_t *s, const char *path, ingest_report_t *rep, char *err,
			 size_t errlen);

#endif
