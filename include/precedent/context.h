/*
 * context.h - customer context for a draft: what the page's adapter sent (the ticket's customer
 * fields beyond name/e-mail, and an optional "context" object), the local customers table
 * (`precedent-host index customers FILE`, looked up by external_id, then e-mail), and an HTTP
 * endpoint (config context.url, a template with {external_id}, {email}, {organization},
 * {ticket_id}, URL-encoded), fetched by the caller with a short timeout and merged here.
 * Absent context is not an error: the caller notes it in the draft's flags.
 *
 * The context object is flat ({"plan": "pro", "product_version": "4.2", ...}) and holds the
 * customer's original values; before it goes into a prompt, context_redact() passes every value
 * through the ticket's redaction map. Ownership: returned cJSON trees and strings belong to
 * the caller.
 */
#ifndef PRECEDENT_CONTEXT_H
#define PRECEDENT_CONTEXT_H

#include <stddef.h>

#include <cJSON.h>

#include "precedent/redact.h"
#include "precedent/store.h"

/* Context from the ticket (contract shape, original values) and the customers table (store may
 * be NULL). Returns a new object (possibly empty); *sources gets "page", "table" or
 * "page+table" (or "" when nothing was found). */
cJSON *context_lookup(store_t *store, const cJSON *ticket, const char **sources /* OUT */);
/* The endpoint URL for this ticket from a template (caller frees), or NULL when the template
 * needs a field the ticket does not have. */
char *context_url(const char *tmpl, const cJSON *ticket);
/* Merges an endpoint's JSON reply (an object; a nested "customer" or "context" object is
 * flattened) into ctx. 0 or PRECEDENT_EJSON. */
int context_merge_reply(cJSON *ctx, const char *body, size_t len);
/* A copy of ctx with identity fields dropped (name, email, external_id) and every string value
 * redacted with m (new placeholders are added to m). Never NULL. */
cJSON *context_redact(const cJSON *ctx, const redactor_t *r, redact_map_t *m);

#endif
