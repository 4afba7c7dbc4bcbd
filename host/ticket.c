/*
 * ticket.c - the contract's ticket shape: parse, validate, redact, serialize.
 */
#include "precedent/ticket.h"
#include "precedent/error.h"
#include "precedent/limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *clip_dup(const char *s)
{
	size_t n = strlen(s);
	return xstrndup(s, utf8_clip(s, n, FIELD_CAP));
}

/* Optional string field: absent or null -> NULL; wrong type -> error. */
static int opt_str(const cJSON *obj, const char *name, const char *where, char **out, char *err,
		   size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	*out = NULL;
	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v) || !v->valuestring) {
		snprintf(err, errlen, "field %s%s must be a string", where, name);
		return PRECEDENT_EFIELD;
	}
	*out = clip_dup(v->valuestring);
	return 0;
}

int ticket_from_json(const cJSON *j, ticket_t *t, char *err, size_t errlen)
{
	int rc = 0;
	const cJSON *v;
	memset(t, 0, sizeof *t);
	if (!cJSON_IsObject(j)) {
		snprintf(err, errlen, "ticket must be a JSON object");
		return PRECEDENT_EFIELD;
	}
	v = cJSON_GetObjectItemCaseSensitive(j, "id");
	if (cJSON_IsString(v) && v->valuestring && *v->valuestring) {
		t->id = xstrndup(v->valuestring, utf8_clip(v->valuestring, strlen(v->valuestring), 256));
	} else if (cJSON_IsNumber(v) && v->valuedouble >= -9e15 && v->valuedouble <= 9e15 &&
		   v->valuedouble == (double)(long long)v->valuedouble) {
		char num[32];
		snprintf(num, sizeof num, "%lld", (long long)v->valuedouble);
		t->id = xstrdup(num);
	} else {
		snprintf(err, errlen, "field id is missing or not a non-empty string or integer");
		rc = PRECEDENT_EFIELD;
		goto out;
	}
	if ((rc = opt_str(j, "subject", "", &t->subject, err, errlen)))
		goto out;
	if (!t->subject) {
		snprintf(err, errlen, "field subject is missing");
		rc = PRECEDENT_EFIELD;
		goto out;
	}
	if ((rc = opt_str(j, "status", "", &t->status, err, errlen)) ||
	    (rc = opt_str(j, "priority", "", &t->priority, err, errlen)) ||
	    (rc = opt_str(j, "url", "", &t->url, err, errlen)) ||
	    (rc = opt_str(j, "helpdesk", "", &t->helpdesk, err, errlen)) ||
	    (rc = opt_str(j, "resolution", "", &t->resolution, err, errlen)) ||
	    (rc = opt_str(j, "resolution_code", "", &t->resolution_code, err, errlen)) ||
	    (rc = opt_str(j, "created_at", "", &t->created_at, err, errlen)) ||
	    (rc = opt_str(j, "closed_at", "", &t->closed_at, err, errlen)))
		goto out;
	v = cJSON_GetObjectItemCaseSensitive(j, "notes");
	if (cJSON_IsString(v)) {
		t->notes = clip_dup(v->valuestring);
	} else if (cJSON_IsArray(v)) {
		buf_t b;
		const cJSON *n;
		buf_init(&b, FIELD_CAP);
		cJSON_ArrayForEach(n, v) if (cJSON_IsString(n))
		{
			if (b.len)
				buf_puts(&b, "\n");
			buf_puts(&b, n->valuestring);
		}
		t->notes = b.rc ? (buf_release(&b), NULL) : buf_steal(&b);
	} else if (v && !cJSON_IsNull(v)) {
		snprintf(err, errlen, "field notes must be a string or an array of strings");
		rc = PRECEDENT_EFIELD;
		goto out;
	}
	v = cJSON_GetObjectItemCaseSensitive(j, "tags");
	if (v && !cJSON_IsNull(v)) {
		const cJSON *tag;
		if (!cJSON_IsArray(v)) {
			snprintf(err, errlen, "field tags must be an array of strings");
			rc = PRECEDENT_EFIELD;
			goto out;
		}
		t->tags = xcalloc((size_t)cJSON_GetArraySize(v) + 1, sizeof(char *));
		cJSON_ArrayForEach(tag, v)
		{
			if (!cJSON_IsString(tag)) {
				snprintf(err, errlen, "field tags[%zu] must be a string", t->ntags);
				rc = PRECEDENT_EFIELD;
				goto out;
			}
			t->tags[t->ntags++] = xstrndup(tag->valuestring,
						       utf8_clip(tag->valuestring, strlen(tag->valuestring), 200));
		}
	}
	v = cJSON_GetObjectItemCaseSensitive(j, "customer");
	if (v && !cJSON_IsNull(v)) {
		if (!cJSON_IsObject(v)) {
			snprintf(err, errlen, "field customer must be an object");
			rc = PRECEDENT_EFIELD;
			goto out;
		}
		if ((rc = opt_str(v, "name", "customer.", &t->customer_name, err, errlen)) ||
		    (rc = opt_str(v, "email", "customer.", &t->customer_email, err, errlen)) ||
		    (rc = opt_str(v, "organization", "customer.", &t->customer_org, err, errlen)))
			goto out;
		const cJSON *x = cJSON_GetObjectItemCaseSensitive(v, "external_id");
		if (cJSON_IsNumber(x) && (x->valuedouble < -9e15 || x->valuedouble > 9e15)) {
			snprintf(err, errlen, "field customer.external_id is out of range");
			rc = PRECEDENT_EFIELD;
			goto out;
		} else if (cJSON_IsNumber(x)) {
			char num[32];
			snprintf(num, sizeof num, "%lld", (long long)x->valuedouble);
			t->customer_external_id = xstrdup(num);
		} else if ((rc = opt_str(v, "external_id", "customer.", &t->customer_external_id, err,
					 errlen))) {
			goto out;
		}
	}
	v = cJSON_GetObjectItemCaseSensitive(j, "messages");
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0) {
		snprintf(err, errlen, "field messages is missing or not a non-empty array");
		rc = PRECEDENT_EFIELD;
		goto out;
	}
	if (cJSON_GetArraySize(v) > TICKET_MESSAGES_MAX) {
		snprintf(err, errlen, "field messages has more than %d entries", TICKET_MESSAGES_MAX);
		rc = PRECEDENT_EFIELD;
		goto out;
	}
	t->messages = xcalloc((size_t)cJSON_GetArraySize(v), sizeof(ticket_msg_t));
	const cJSON *m;
	cJSON_ArrayForEach(m, v)
	{
		ticket_msg_t *tm = &t->messages[t->nmessages];
		char where[48];
		snprintf(where, sizeof where, "messages[%zu].", t->nmessages);
		if (!cJSON_IsObject(m)) {
			snprintf(err, errlen, "field %s must be an object", where);
			rc = PRECEDENT_EFIELD;
			goto out;
		}
		t->nmessages++;
		if ((rc = opt_str(m, "role", where, &tm->role, err, errlen)) ||
		    (rc = opt_str(m, "author", where, &tm->author, err, errlen)) ||
		    (rc = opt_str(m, "created_at", where, &tm->created_at, err, errlen)) ||
		    (rc = opt_str(m, "body", where, &tm->body, err, errlen)))
			goto out;
		if (!tm->body) {
			snprintf(err, errlen, "field %sbody is missing", where);
			rc = PRECEDENT_EFIELD;
			goto out;
		}
		if (!tm->role)
			tm->role = xstrdup("customer");
		if (strcmp(tm->role, "customer") && strcmp(tm->role, "agent") &&
		    strcmp(tm->role, "internal")) {
			snprintf(err, errlen, "field %srole must be customer, agent or internal", where);
			rc = PRECEDENT_EFIELD;
			goto out;
		}
	}
out:
	if (rc)
		ticket_release(t);
	return rc;
}

void ticket_release(ticket_t *t)
{
	char **fields[] = {&t->id,		&t->subject,	  &t->status,
			   &t->priority,	&t->url,	  &t->helpdesk,
			   &t->resolution,	&t->resolution_code, &t->created_at,
			   &t->closed_at,	&t->customer_name, &t->customer_email,
			   &t->customer_org, &t->customer_external_id, &t->notes};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		free(*fields[i]);
	for (size_t i = 0; i < t->ntags; i++)
		free(t->tags[i]);
	free(t->tags);
	for (size_t i = 0; i < t->nmessages; i++) {
		free(t->messages[i].role);
		free(t->messages[i].author);
		free(t->messages[i].created_at);
		free(t->messages[i].body);
	}
	free(t->messages);
	memset(t, 0, sizeof *t);
}

static int redact_field(char **f, const redactor_t *r, redact_map_t *m, const redact_hints_t *h)
{
	char *out;
	size_t outlen;
	int rc;
	if (!*f || !**f)
		return 0;
	if ((rc = redact_text(r, m, *f, strlen(*f), h, &out, &outlen)))
		return rc;
	free(*f);
	*f = out;
	return 0;
}

int ticket_redact(ticket_t *t, const redactor_t *r, redact_map_t *m)
{
	redact_hints_t h = {t->customer_name, t->customer_email};
	/* Hints point into fields we are about to replace: keep copies. */
	char *name = t->customer_name ? xstrdup(t->customer_name) : NULL;
	char *email = t->customer_email ? xstrdup(t->customer_email) : NULL;
	int rc = 0;
	h.customer_name = name;
	h.customer_email = email;
	char **fields[] = {&t->subject, &t->resolution, &t->notes, &t->customer_name,
			   &t->customer_email, &t->url};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0] && !rc; i++)
		rc = redact_field(fields[i], r, m, &h);
	for (size_t i = 0; i < t->nmessages && !rc; i++) {
		rc = redact_field(&t->messages[i].body, r, m, &h);
		if (!rc)
			rc = redact_field(&t->messages[i].author, r, m, &h);
	}
	/* A customer name or e-mail field that no detector matched is still the
	 * customer's identity: never keep it in the clear. */
	if (!rc && t->customer_name && !strchr(t->customer_name, '[')) {
		free(t->customer_name);
		t->customer_name = xstrdup("[NAME]");
	}
	if (!rc && t->customer_email && !strchr(t->customer_email, '[')) {
		free(t->customer_email);
		t->customer_email = xstrdup("[EMAIL]");
	}
	free(name);
	free(email);
	return rc;
}

static void add_str(cJSON *o, const char *k, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, k, v);
}

cJSON *ticket_to_json(const ticket_t *t)
{
	cJSON *o = cJSON_CreateObject();
	add_str(o, "id", t->id);
	add_str(o, "subject", t->subject);
	add_str(o, "status", t->status);
	add_str(o, "priority", t->priority);
	add_str(o, "url", t->url);
	add_str(o, "helpdesk", t->helpdesk);
	cJSON *tags = cJSON_AddArrayToObject(o, "tags");
	for (size_t i = 0; i < t->ntags; i++)
		cJSON_AddItemToArray(tags, cJSON_CreateString(t->tags[i]));
	if (t->customer_name || t->customer_email || t->customer_org || t->customer_external_id) {
		cJSON *c = cJSON_AddObjectToObject(o, "customer");
		add_str(c, "name", t->customer_name);
		add_str(c, "email", t->customer_email);
		add_str(c, "organization", t->customer_org);
		add_str(c, "external_id", t->customer_external_id);
	}
	cJSON *msgs = cJSON_AddArrayToObject(o, "messages");
	for (size_t i = 0; i < t->nmessages; i++) {
		cJSON *m = cJSON_CreateObject();
		add_str(m, "role", t->messages[i].role);
		add_str(m, "author", t->messages[i].author);
		add_str(m, "created_at", t->messages[i].created_at);
		add_str(m, "body", t->messages[i].body);
		cJSON_AddItemToArray(msgs, m);
	}
	add_str(o, "notes", t->notes);
	add_str(o, "resolution", t->resolution);
	add_str(o, "resolution_code", t->resolution_code);
	add_str(o, "created_at", t->created_at);
	add_str(o, "closed_at", t->closed_at);
	return o;
}

void ticket_problem_text(const ticket_t *t, buf_t *out)
{
	for (size_t i = 0; i < t->nmessages; i++) {
		if (strcmp(t->messages[i].role, "customer") != 0)
			continue;
		if (out->len)
			buf_putc(out, '\n');
		buf_puts(out, t->messages[i].body);
	}
}

void ticket_answer_text(const ticket_t *t, buf_t *out)
{
	for (size_t i = 0; i < t->nmessages; i++) {
		if (strcmp(t->messages[i].role, "customer") == 0)
			continue;
		if (out->len)
			buf_putc(out, '\n');
		buf_puts(out, t->messages[i].body);
	}
	if (t->notes && *t->notes) {
		if (out->len)
			buf_putc(out, '\n');
		buf_puts(out, t->notes);
	}
}

void hash_hex(const char *data, size_t len, char out[17])
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)data[i];
		h *= 1099511628211ull;
	}
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}
