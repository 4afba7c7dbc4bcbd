/*
 * signals.h - the two emissions other tools subscribe to: draft_quality_signal
 * and knowledge_gap_signal, appended durably (write + fsync) to a JSONL file.
 *
 * Ownership: signals_t owns its file descriptor and copies of its config strings.
 * signals_emit() borrows the payload. An event is on disk when emit returns 0.
 */
#ifndef PRECEDENT_SIGNALS_H
#define PRECEDENT_SIGNALS_H

#include <stddef.h>

#include <cJSON.h>

#define SIGNALS_SCHEMA_VERSION 1

typedef struct signals_config {
	const char *events_path; /* JSONL file, created 0600 with its directory */
	const char *webhook_url; /* optional: POST each event (NULL: none) */
	const char *outbox_path; /* optional: pending webhook deliveries */
} signals_config_t;

typedef struct signals signals_t;

int signals_open(const signals_config_t *cfg, signals_t **out /* OUT */, char *err, size_t errlen);
void signals_close(signals_t *s);
/* Appends {"schema": "precedent.<type>/1", "type", "ts", ...payload} as one line,
 * fsync'd. Returns 0 or PRECEDENT_EIO. */
int signals_emit(signals_t *s, const char *type, const cJSON *payload);

#endif
