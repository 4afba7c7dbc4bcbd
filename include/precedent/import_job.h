/*
 * import_job.h - index.import for the native messaging host: one import at a time,
 * run on a thread of its own with its own store connection, so the event loop keeps
 * answering (drafts keep streaming) while tickets, docs or customers are indexed.
 * The importers are the CLI's (`precedent-host index ...`, ingest*.c): the same
 * formats, the same redaction before anything is stored, the same incremental
 * outcome (imported / updated / skipped / rejected with line and reason).
 * Progress and the summary are read with import_job_status() (index.status).
 *
 * Request: {kind: "tickets" | "docs" | "customers", format?: "auto" | "jsonl" |
 * "csv" | "zendesk" | "freshdesk" (tickets), and either path (an absolute local
 * file or, for docs, directory; "~/" is $HOME) or inline: {name, content} (or, for
 * docs, an array of them) up to IMPORT_INLINE_CAP bytes in all}.
 *
 * Ownership: the session holds one import_job_t (NULL before the first import) and
 * frees it with import_job_free(), which cancels a running import at its next record
 * (docs and customers finish their file) and joins the thread. The app is borrowed
 * and must outlive the job; the job thread uses only the app's redactor (safe across
 * threads) and the database path. Inline files are written to a private temporary
 * directory (0700) removed when the import ends.
 */
#ifndef PRECEDENT_IMPORT_JOB_H
#define PRECEDENT_IMPORT_JOB_H

#include <stddef.h>

#include <cJSON.h>

#include "precedent/app.h"

typedef struct import_job import_job_t;

/* Checks the request (msg: the index.import message, borrowed), prepares the input
 * and starts the import in the background. Returns 0 with *result (caller owns) the
 * job's first status, or a negative code with a message for a person in err:
 * PRECEDENT_EFIELD (kind, format, path/inline missing or mistyped), PRECEDENT_ENOTFOUND
 * (no such path), PRECEDENT_EIO (unreadable), PRECEDENT_EINVAL (a directory where a
 * file is needed, or the reverse; a relative path), PRECEDENT_ETOOBIG (inline content
 * over the cap), PRECEDENT_EBUSY (an import is already running), or the database's
 * error (no store, read-only). *job is replaced only by a new job. */
int import_job_start(import_job_t **job /* IN/OUT */, app_t *app, const cJSON *msg,
		     cJSON **result /* OUT */, char *err, size_t errlen);

/* The latest import's state: {job, state: "running" | "done" | "failed" |
 * "cancelled", kind, format, source, started_at, elapsed_ms, records, bytes,
 * bytes_total, imported, updated, skipped, rejected, rejections: [{where, line,
 * reason}], more_rejections, ok (finished: something was imported or nothing was
 * rejected), error {code, message} (failed)}; JSON null when there was none. The
 * caller owns the result. */
cJSON *import_job_status(import_job_t *job);

/* 1 while an import runs. */
int import_job_running(import_job_t *job);

/* Cancels a running import, waits for its thread and frees everything; *job = NULL. */
void import_job_free(import_job_t **job);

#endif
