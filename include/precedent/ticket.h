/*
 * ticket.h - the ticket shape of the contract (from an adapter or one line of a
 * JSONL import) as a C struct, its validation, and its redaction.
 *
 * Ownership: ticket_t owns every string it holds (malloc'd); ticket_release()
 * frees them. ticket_from_json() copies out of the cJSON tree, which it borrows.
 */
#ifndef PRECEDENT_TICKET_H
#define PRECEDENT_TICKET_H

#include <stddef.h>

#include <cJSON.h>

#include "precedent/redact.h"
#include "precedent/util.h"

typedef struct ticket_msg {
	char *role; /* "customer", "agent" or "internal" */
	char *author, *created_at, *body;
} ticket_msg_t;

typedef struct ticket {
	char *id, *subject, *status, *priority, *url, *helpdesk;
	char *resolution, *resolution_code, *created_at, *closed_at;
	char **tags;
	size_t ntags;
	char *customer_name, *customer_email, *customer_org, *customer_external_id;
	char *notes; /* free-form internal notes outside the thread (adapters), may be NULL */
	ticket_msg_t *messages;
	size_t nmessages;
} ticket_t;

/* Parses and validates: id (string or integer), subject (string, may be empty) and
 * at least one message with a string body are required; other fields must have
 * the right type when present. Text fields are clipped to FIELD_CAP on a code
 * point boundary. Returns 0 or PRECEDENT_EFIELD with a message naming the field. */
int ticket_from_json(const cJSON *j, ticket_t *t /* OUT */, char *err, size_t errlen);
void ticket_release(ticket_t *t);

/* Replaces every text field (subject, bodies, authors, resolution, notes, customer
 * fields) with its redacted form, adding the placeholders to m. The customer's own
 * name and e-mail are redacted wherever they appear. Returns 0 or a negative code. */
int ticket_redact(ticket_t *t, const redactor_t *r, redact_map_t *m);

/* The ticket as JSON (the contract shape); caller owns the result (cJSON_Delete). */
cJSON *ticket_to_json(const ticket_t *t);

/* Concatenations used for indexing and queries (appended to out): the customer's
 * messages; the agent replies, internal messages and notes (not the resolution). */
void ticket_problem_text(const ticket_t *t, buf_t *out);
void ticket_answer_text(const ticket_t *t, buf_t *out);

/* 64-bit FNV-1a of data as 16 hex digits into out (17 bytes). */
void hash_hex(const char *data, size_t len, char out[17]);

#endif
