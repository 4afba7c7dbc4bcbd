/*
 * ingest_tickets.c - ticket exports of helpdesks into the contract's ticket
 * shape: generic JSONL, CSV with documented columns, Zendesk (API / data export
 * JSON and NDJSON, tickets with comments, side-loaded users) and Freshdesk (API
 * JSON, tickets with conversations). Each record becomes one cJSON ticket that
 * goes through ticket_from_json() and ingest_store_ticket() (redaction, content
 * hash) like any other import, so every format gets the same validation.
 *
 * Files are read as a stream: a file whose first line is one JSON object is
 * line-delimited (any size); otherwise it is one JSON document (an array of
 * tickets or {"tickets": [...]}, up to IMPORT_DOC_CAP).
 */
#include "precedent/error.h"
#include "precedent/ingest.h"
#include "precedent/limits.h"
#include "precedent/ticket.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BATCH 2000

const char *ingest_format_name(ingest_format_t f)
{
	switch (f) {
	case INGEST_JSONL:
		return "tickets";
	case INGEST_CSV:
		return "csv";
	case INGEST_ZENDESK:
		return "zendesk";
	case INGEST_FRESHDESK:
		return "freshdesk";
	}
	return "?";
}

int ingest_format_parse(const char *name, ingest_format_t *out)
{
	static const struct {
		const char *name;
		ingest_format_t f;
	} names[] = {{"tickets", INGEST_JSONL}, {"jsonl", INGEST_JSONL}, {"csv", INGEST_CSV},
		     {"zendesk", INGEST_ZENDESK}, {"freshdesk", INGEST_FRESHDESK}};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(name, names[i].name)) {
			*out = names[i].f;
			return 0;
		}
	return PRECEDENT_EINVAL;
}

/* ---- small JSON helpers -------------------------------------------------------- */

static const cJSON *get(const cJSON *o, const char *k) { return cJSON_GetObjectItemCaseSensitive(o, k); }

/* A string field, or NULL when absent/null; *bad set when present with another type. */
static const char *str_of(const cJSON *o, const char *k, int *bad)
{
	const cJSON *v = get(o, k);
	if (!v || cJSON_IsNull(v))
		return NULL;
	if (cJSON_IsString(v))
		return v->valuestring;
	*bad = 1;
	return NULL;
}

static void add_str(cJSON *o, const char *k, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, k, v);
}

/* Copies an id (string or integer) into out. Returns 0 or -1. */
static int id_of(const cJSON *v, char *out, size_t outlen)
{
	if (cJSON_IsString(v) && v->valuestring[0]) {
		snprintf(out, outlen, "%s", v->valuestring);
		return 0;
	}
	/* Integers only, within what a double holds exactly (the cast of a larger
	 * or non-finite value would be undefined). */
	if (cJSON_IsNumber(v) && v->valuedouble > -9007199254740992.0 &&
	    v->valuedouble < 9007199254740992.0 &&
	    v->valuedouble == (double)(long long)v->valuedouble) {
		snprintf(out, outlen, "%lld", (long long)v->valuedouble);
		return 0;
	}
	return -1;
}

static void copy_tags(const cJSON *src, cJSON *t, int *bad)
{
	const cJSON *tags = get(src, "tags"), *x;
	if (!tags || cJSON_IsNull(tags))
		return;
	if (!cJSON_IsArray(tags)) {
		*bad = 1;
		return;
	}
	cJSON *a = cJSON_AddArrayToObject(t, "tags");
	cJSON_ArrayForEach(x, tags)
	{
		if (cJSON_IsString(x))
			cJSON_AddItemToArray(a, cJSON_CreateString(x->valuestring));
		else
			*bad = 1;
	}
}

/* HTML bodies (when no plain text is given) lose their tags and entities. */
static char *plain_of_html(const char *html)
{
	buf_t out;
	buf_init(&out, 0);
	ingest_html_to_text(html, strlen(html), &out, 0);
	const char *b = buf_cstr(&out);
	size_t n = out.len, lead = 0;
	while (lead < n && isspace((unsigned char)b[lead]))
		lead++;
	while (n > lead && isspace((unsigned char)b[n - 1]))
		n--;
	char *r = xstrndup(b + lead, n - lead);
	buf_release(&out);
	return r;
}

static void add_msg(cJSON *msgs, const char *role, const char *author, const char *at,
		    const char *body)
{
	cJSON *m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "role", role);
	add_str(m, "author", author);
	add_str(m, "created_at", at);
	cJSON_AddStringToObject(m, "body", body ? body : "");
	cJSON_AddItemToArray(msgs, m);
}

/* ---- Zendesk --------------------------------------------------------------------- */

static const cJSON *find_user(const cJSON *users, const cJSON *id)
{
	const cJSON *u;
	if (!users || !id)
		return NULL;
	cJSON_ArrayForEach(u, users)
	{
		const cJSON *uid = get(u, "id");
		if (uid && cJSON_IsNumber(uid) && cJSON_IsNumber(id) && uid->valuedouble == id->valuedouble)
			return u;
		if (uid && cJSON_IsString(uid) && cJSON_IsString(id) &&
		    !strcmp(uid->valuestring, id->valuestring))
			return u;
	}
	return NULL;
}

static int same_id(const cJSON *a, const cJSON *b)
{
	if (!a || !b)
		return 0;
	if (cJSON_IsNumber(a) && cJSON_IsNumber(b))
		return a->valuedouble == b->valuedouble;
	if (cJSON_IsString(a) && cJSON_IsString(b))
		return !strcmp(a->valuestring, b->valuestring);
	return 0;
}

/* The resolution of a solved ticket: its last public agent reply, with code. */
static void add_resolution(cJSON *t, const cJSON *msgs, const char *code)
{
	const cJSON *m;
	const char *res = NULL;
	cJSON_ArrayForEach(m, msgs)
	{
		const cJSON *r = get(m, "role");
		if (cJSON_IsString(r) && !strcmp(r->valuestring, "agent"))
			res = get(m, "body")->valuestring;
	}
	if (res) {
		cJSON_AddStringToObject(t, "resolution", res);
		cJSON_AddStringToObject(t, "resolution_code", code);
	}
}

/* The common start of an exported ticket: an object with an id (string or
 * integer), converted to the contract shape's id and helpdesk. NULL with why
 * when the record is not one. */
static cJSON *export_ticket_start(const cJSON *x, const char *helpdesk, char *why, size_t whylen)
{
	char id[128];
	if (!cJSON_IsObject(x)) {
		snprintf(why, whylen, "record is not a JSON object");
		return NULL;
	}
	if (id_of(get(x, "id"), id, sizeof id)) {
		snprintf(why, whylen, "ticket has no id (string or integer)");
		return NULL;
	}
	cJSON *t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, "id", id);
	cJSON_AddStringToObject(t, "helpdesk", helpdesk);
	return t;
}

/* created_at and tags of an exported ticket; -1 with why when those or a field
 * checked before (bad_field) had the wrong type. */
static int export_ticket_dates_tags(const cJSON *x, cJSON *t, int *bad, const char **bad_field,
				    const char *id, char *why, size_t whylen)
{
	add_str(t, "created_at", str_of(x, "created_at", bad));
	if (*bad && !*bad_field)
		*bad_field = "created_at";
	copy_tags(x, t, bad);
	if (*bad && !*bad_field)
		*bad_field = "tags";
	if (*bad_field) {
		snprintf(why, whylen, "ticket %s: field %s has the wrong type", id, *bad_field);
		return -1;
	}
	return 0;
}

/* One Zendesk ticket (API ticket object, optionally with "comments" as the data
 * export and the comments endpoint give them) to the contract shape. */
static cJSON *zendesk_ticket(const cJSON *z, const cJSON *users, char *why, size_t whylen)
{
	int bad = 0;
	const char *bad_field = NULL;
	cJSON *t = export_ticket_start(z, "zendesk", why, whylen);
	if (!t)
		return NULL;
	const char *id = cJSON_GetObjectItemCaseSensitive(t, "id")->valuestring;
	const char *subject = str_of(z, "subject", &bad);
	if (bad)
		bad_field = "subject";
	if (!subject)
		subject = str_of(z, "raw_subject", &bad);
	cJSON_AddStringToObject(t, "subject", subject ? subject : "");
	const char *status = str_of(z, "status", &bad);
	if (bad && !bad_field)
		bad_field = "status";
	add_str(t, "status", status);
	const char *prio = str_of(z, "priority", &bad);
	if (bad && !bad_field)
		bad_field = "priority";
	add_str(t, "priority", prio);
	if (export_ticket_dates_tags(z, t, &bad, &bad_field, id, why, whylen)) {
		cJSON_Delete(t);
		return NULL;
	}
	const cJSON *requester_id = get(z, "requester_id");
	const cJSON *req = find_user(users, requester_id);
	if (req) {
		cJSON *c = cJSON_AddObjectToObject(t, "customer");
		int ignore = 0;
		add_str(c, "name", str_of(req, "name", &ignore));
		add_str(c, "email", str_of(req, "email", &ignore));
	}
	int resolved = status && (!strcmp(status, "solved") || !strcmp(status, "closed"));
	cJSON *msgs = cJSON_AddArrayToObject(t, "messages");
	const cJSON *comments = get(z, "comments"), *cm;
	const char *last_at = NULL;
	if (cJSON_IsArray(comments)) {
		cJSON_ArrayForEach(cm, comments)
		{
			int b2 = 0;
			if (!cJSON_IsObject(cm))
				continue;
			const char *body = str_of(cm, "plain_body", &b2);
			char *html = NULL;
			if (!body)
				body = str_of(cm, "body", &b2);
			if (!body) {
				const char *h = str_of(cm, "html_body", &b2);
				if (h)
					body = html = plain_of_html(h);
			}
			if (!body || b2) {
				free(html);
				continue;
			}
			const cJSON *author_id = get(cm, "author_id");
			const cJSON *author = find_user(users, author_id);
			const cJSON *pub = get(cm, "public");
			int ignore = 0;
			const char *urole = author ? str_of(author, "role", &ignore) : NULL;
			const char *role;
			if (cJSON_IsFalse(pub))
				role = "internal";
			else if (same_id(author_id, requester_id) || (urole && !strcmp(urole, "end-user")))
				role = "customer";
			else
				role = "agent";
			const char *at = str_of(cm, "created_at", &ignore);
			add_msg(msgs, role, author ? str_of(author, "name", &ignore) : NULL, at, body);
			if (!strcmp(role, "agent"))
				last_at = at;
			free(html);
		}
	}
	if (cJSON_GetArraySize(msgs) == 0) {
		const char *d = str_of(z, "description", &bad);
		if (bad || !d) {
			snprintf(why, whylen, "ticket %s has neither comments nor a description", id);
			cJSON_Delete(t);
			return NULL;
		}
		add_msg(msgs, "customer", NULL, str_of(z, "created_at", &bad), d);
	}
	/* The resolution of a solved ticket: its last public agent reply. */
	if (resolved) {
		add_resolution(t, msgs, "solved");
		int ignore = 0;
		const char *closed = str_of(z, "solved_at", &ignore);
		if (!closed)
			closed = str_of(z, "updated_at", &ignore);
		if (!closed)
			closed = last_at;
		add_str(t, "closed_at", closed);
	}
	return t;
}

/* ---- Freshdesk ------------------------------------------------------------------- */

static cJSON *freshdesk_ticket(const cJSON *f, char *why, size_t whylen)
{
	int bad = 0;
	const char *bad_field = NULL;
	cJSON *t = export_ticket_start(f, "freshdesk", why, whylen);
	if (!t)
		return NULL;
	const char *id = cJSON_GetObjectItemCaseSensitive(t, "id")->valuestring;
	const char *subject = str_of(f, "subject", &bad);
	if (bad)
		bad_field = "subject";
	cJSON_AddStringToObject(t, "subject", subject ? subject : "");
	/* status: 2 open, 3 pending, 4 resolved, 5 closed; priority 1..4 */
	const cJSON *st = get(f, "status"), *pr = get(f, "priority");
	int status = st && cJSON_IsNumber(st) ? st->valueint : 0;
	if (st && !cJSON_IsNumber(st) && !cJSON_IsNull(st) && !bad_field)
		bad_field = "status";
	static const char *const stname[] = {"", "", "open", "pending", "resolved", "closed"};
	if (status >= 2 && status <= 5)
		cJSON_AddStringToObject(t, "status", stname[status]);
	static const char *const prname[] = {"", "low", "normal", "high", "urgent"};
	if (cJSON_IsNumber(pr) && pr->valueint >= 1 && pr->valueint <= 4)
		cJSON_AddStringToObject(t, "priority", prname[pr->valueint]);
	else if (pr && !cJSON_IsNull(pr) && !cJSON_IsNumber(pr) && !bad_field)
		bad_field = "priority";
	if (export_ticket_dates_tags(f, t, &bad, &bad_field, id, why, whylen)) {
		cJSON_Delete(t);
		return NULL;
	}
	const cJSON *rq = get(f, "requester");
	if (cJSON_IsObject(rq)) {
		int ignore = 0;
		cJSON *c = cJSON_AddObjectToObject(t, "customer");
		add_str(c, "name", str_of(rq, "name", &ignore));
		add_str(c, "email", str_of(rq, "email", &ignore));
	}
	cJSON *msgs = cJSON_AddArrayToObject(t, "messages");
	int ignore = 0;
	const char *desc = str_of(f, "description_text", &ignore);
	char *dhtml = NULL;
	if (!desc) {
		const char *h = str_of(f, "description", &ignore);
		if (h)
			desc = dhtml = plain_of_html(h);
	}
	if (desc)
		add_msg(msgs, "customer", NULL, str_of(f, "created_at", &ignore), desc);
	free(dhtml);
	const cJSON *conv = get(f, "conversations"), *c;
	if (cJSON_IsArray(conv)) {
		cJSON_ArrayForEach(c, conv)
		{
			if (!cJSON_IsObject(c))
				continue;
			const char *body = str_of(c, "body_text", &ignore);
			char *html = NULL;
			if (!body) {
				const char *h = str_of(c, "body", &ignore);
				if (h)
					body = html = plain_of_html(h);
			}
			if (!body)
				continue;
			const char *role = cJSON_IsTrue(get(c, "private"))    ? "internal"
					   : cJSON_IsTrue(get(c, "incoming")) ? "customer"
									      : "agent";
			add_msg(msgs, role, str_of(c, "from_email", &ignore),
				str_of(c, "created_at", &ignore), body);
			free(html);
		}
	}
	if (cJSON_GetArraySize(msgs) == 0) {
		snprintf(why, whylen, "ticket %s has neither a description nor conversations", id);
		cJSON_Delete(t);
		return NULL;
	}
	if (status == 4 || status == 5) {
		add_resolution(t, msgs, "resolved");
		const cJSON *stats = get(f, "stats");
		const char *closed = cJSON_IsObject(stats) ? str_of(stats, "resolved_at", &ignore) : NULL;
		if (!closed && cJSON_IsObject(stats))
			closed = str_of(stats, "closed_at", &ignore);
		if (!closed)
			closed = str_of(f, "updated_at", &ignore);
		add_str(t, "closed_at", closed);
	}
	return t;
}

/* ---- records ----------------------------------------------------------------------- */

/* One record of a JSON format to the contract shape (new tree), or NULL with why. */
static cJSON *convert(ingest_format_t fmt, const cJSON *rec, const cJSON *users, char *why,
		      size_t whylen)
{
	switch (fmt) {
	case INGEST_ZENDESK:
		return zendesk_ticket(rec, users, why, whylen);
	case INGEST_FRESHDESK:
		return freshdesk_ticket(rec, why, whylen);
	default: {
		char id[8];
		const cJSON *idv = cJSON_IsObject(rec) ? get(rec, "id") : NULL;
		if (!cJSON_IsObject(rec)) {
			snprintf(why, whylen, "record is not a JSON object");
			return NULL;
		}
		/* ticket_from_json() validates the rest; an out-of-range numeric id is
		 * caught here. */
		if (cJSON_IsNumber(idv) && id_of(idv, id, sizeof id) != 0) {
			snprintf(why, whylen, "field id is not an integer in range");
			return NULL;
		}
		return cJSON_Duplicate(rec, 1);
	}
	}
}

static int emit(ingest_format_t fmt, const cJSON *rec, const cJSON *users, long line,
		ingest_record_fn fn, void *ctx)
{
	char why[256] = "";
	cJSON *t = convert(fmt, rec, users, why, sizeof why);
	int stop = fn(ctx, line, t, t ? NULL : why);
	cJSON_Delete(t);
	return stop;
}

/* A whole JSON document: an array of tickets, {"tickets": [...]} (with side-loaded
 * "users"), {"ticket": {...}} or one ticket object. */
static int parse_document(ingest_format_t fmt, const char *data, size_t len, ingest_record_fn fn,
			  void *ctx)
{
	if (!utf8_valid(data, len))
		return fn(ctx, 1, NULL, "not valid UTF-8");
	cJSON *doc = cJSON_ParseWithLength(data, len);
	if (!doc)
		return fn(ctx, 1, NULL, "not valid JSON");
	int stop = 0;
	const cJSON *arr = cJSON_IsArray(doc) ? doc : get(doc, "tickets");
	const cJSON *users = cJSON_IsObject(doc) ? get(doc, "users") : NULL;
	if (users && !cJSON_IsArray(users))
		users = NULL;
	if (cJSON_IsArray(arr)) {
		const cJSON *rec;
		long i = 0;
		cJSON_ArrayForEach(rec, arr)
		{
			if ((stop = emit(fmt, rec, users, ++i, fn, ctx)))
				break;
		}
	} else if (cJSON_IsObject(get(doc, "ticket"))) {
		stop = emit(fmt, get(doc, "ticket"), users, 1, fn, ctx);
	} else if (cJSON_IsObject(doc) && get(doc, "id")) {
		stop = emit(fmt, doc, users, 1, fn, ctx);
	} else {
		stop = fn(ctx, 1, NULL, "no tickets found (expected an array or {\"tickets\": [...]})");
	}
	cJSON_Delete(doc);
	return stop;
}

static int parse_line(ingest_format_t fmt, const char *line, size_t n, long lineno,
		      ingest_record_fn fn, void *ctx)
{
	char why[128];
	if (n > IMPORT_LINE_CAP) {
		snprintf(why, sizeof why, "line longer than %u bytes", IMPORT_LINE_CAP);
		return fn(ctx, lineno, NULL, why);
	}
	if (!utf8_valid(line, n))
		return fn(ctx, lineno, NULL, "not valid UTF-8");
	cJSON *j = cJSON_ParseWithLength(line, n);
	if (!j)
		return fn(ctx, lineno, NULL, "not valid JSON");
	/* The Zendesk comments endpoint's shape on one line: {"ticket": {...}} */
	const cJSON *rec = cJSON_IsObject(get(j, "ticket")) ? get(j, "ticket") : j;
	int stop = emit(fmt, rec, NULL, lineno, fn, ctx);
	cJSON_Delete(j);
	return stop;
}

/* ---- CSV ---------------------------------------------------------------------------- */

/* One RFC 4180 record (quotes, doubled quotes, newlines inside quotes) into
 * fields (NUL-separated, starts[] offsets). Returns the number of fields, 0 at
 * EOF, -1 on an unterminated quote, -2 when the record passes IMPORT_LINE_CAP. */
int ingest_csv_record(FILE *f, buf_t *fields, size_t *starts, int max, long *lineno)
{
	int c, nf = 0, inq = 0, any = 0;
	buf_reset(fields);
	fields->rc = 0;
	starts[nf++] = 0;
	while ((c = fgetc(f)) != EOF) {
		any = 1;
		if (inq) {
			if (c == '"') {
				int d = fgetc(f);
				if (d == '"') {
					buf_putc(fields, '"');
				} else {
					inq = 0;
					if (d != EOF)
						ungetc(d, f);
				}
			} else {
				if (c == '\n')
					(*lineno)++;
				buf_putc(fields, (char)c);
			}
		} else if (c == '"') {
			inq = 1;
		} else if (c == ',') {
			buf_putc(fields, '\0');
			if (nf < max)
				starts[nf++] = fields->len;
		} else if (c == '\n') {
			(*lineno)++;
			break;
		} else if (c != '\r') {
			buf_putc(fields, (char)c);
		}
	}
	buf_putc(fields, '\0');
	if (inq)
		return -1;
	if (fields->rc)
		return -2;
	return any ? nf : 0;
}

#define CSV_COLS 64

enum { C_ID, C_SUBJECT, C_BODY, C_RESOLUTION, C_CODE, C_STATUS, C_PRIORITY, C_TAGS, C_CREATED,
       C_CLOSED, C_CNAME, C_CEMAIL, C_ORG, C_REPLY, C_N };

static int csv_column(const char *h)
{
	static const struct {
		const char *name;
		int col;
	} names[] = {{"id", C_ID},
		     {"ticket_id", C_ID},
		     {"subject", C_SUBJECT},
		     {"title", C_SUBJECT},
		     {"body", C_BODY},
		     {"description", C_BODY},
		     {"problem", C_BODY},
		     {"resolution", C_RESOLUTION},
		     {"resolution_code", C_CODE},
		     {"status", C_STATUS},
		     {"priority", C_PRIORITY},
		     {"tags", C_TAGS},
		     {"created_at", C_CREATED},
		     {"closed_at", C_CLOSED},
		     {"customer_name", C_CNAME},
		     {"customer_email", C_CEMAIL},
		     {"organization", C_ORG},
		     {"agent_reply", C_REPLY},
		     {"answer", C_REPLY}};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcasecmp(h, names[i].name))
			return names[i].col;
	return -1;
}

static int parse_csv(FILE *f, ingest_record_fn fn, void *ctx)
{
	buf_t rec;
	size_t st[CSV_COLS];
	int map[CSV_COLS];
	long lineno = 0;
	int stop = 0, nh;
	buf_init(&rec, IMPORT_LINE_CAP);
	nh = ingest_csv_record(f, &rec, st, CSV_COLS, &lineno);
	if (nh <= 0) {
		stop = fn(ctx, 1, NULL, "no header row");
		goto out;
	}
	int have[C_N] = {0};
	for (int i = 0; i < nh; i++) {
		const char *h = rec.data + st[i];
		if (i == 0 && !strncmp(h, "\xEF\xBB\xBF", 3))
			h += 3; /* a byte order mark, as spreadsheets write */
		map[i] = csv_column(h);
		if (map[i] >= 0)
			have[map[i]] = 1;
	}
	if (!have[C_ID] || !have[C_SUBJECT] || !have[C_BODY]) {
		stop = fn(ctx, 1, NULL, "header must name the columns id, subject and body");
		goto out;
	}
	for (;;) {
		long at = lineno + 1;
		int nf = ingest_csv_record(f, &rec, st, CSV_COLS, &lineno);
		if (nf == 0)
			break;
		if (nf == -1) {
			stop = fn(ctx, at, NULL, "unterminated quoted field");
			break;
		}
		if (nf == -2) {
			if ((stop = fn(ctx, at, NULL, "record longer than the import line cap")))
				break;
			continue;
		}
		if (nf == 1 && rec.data[0] == '\0')
			continue;
		if (!utf8_valid(rec.data, rec.len ? rec.len - 1 : 0)) {
			if ((stop = fn(ctx, at, NULL, "not valid UTF-8")))
				break;
			continue;
		}
		const char *v[C_N] = {0};
		for (int i = 0; i < nf && i < nh; i++)
			if (map[i] >= 0)
				v[map[i]] = rec.data + st[i];
		if (!v[C_ID] || !*v[C_ID]) {
			if ((stop = fn(ctx, at, NULL, "missing id")))
				break;
			continue;
		}
		cJSON *t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "id", v[C_ID]);
		cJSON_AddStringToObject(t, "subject", v[C_SUBJECT] ? v[C_SUBJECT] : "");
		add_str(t, "resolution", v[C_RESOLUTION]);
		add_str(t, "resolution_code", v[C_CODE]);
		add_str(t, "status", v[C_STATUS]);
		add_str(t, "priority", v[C_PRIORITY]);
		add_str(t, "created_at", v[C_CREATED] && *v[C_CREATED] ? v[C_CREATED] : NULL);
		add_str(t, "closed_at", v[C_CLOSED] && *v[C_CLOSED] ? v[C_CLOSED] : NULL);
		if (v[C_TAGS] && *v[C_TAGS]) {
			cJSON *a = cJSON_AddArrayToObject(t, "tags");
			char *tags = xstrdup(v[C_TAGS]), *save = NULL;
			for (char *p = strtok_r(tags, ";,|", &save); p; p = strtok_r(NULL, ";,|", &save)) {
				while (*p == ' ')
					p++;
				if (*p)
					cJSON_AddItemToArray(a, cJSON_CreateString(p));
			}
			free(tags);
		}
		if (v[C_CNAME] || v[C_CEMAIL] || v[C_ORG]) {
			cJSON *c = cJSON_AddObjectToObject(t, "customer");
			add_str(c, "name", v[C_CNAME]);
			add_str(c, "email", v[C_CEMAIL]);
			add_str(c, "organization", v[C_ORG]);
		}
		cJSON *msgs = cJSON_AddArrayToObject(t, "messages");
		add_msg(msgs, "customer", NULL, NULL, v[C_BODY] ? v[C_BODY] : "");
		if (v[C_REPLY] && *v[C_REPLY])
			add_msg(msgs, "agent", NULL, NULL, v[C_REPLY]);
		stop = fn(ctx, at, t, NULL);
		cJSON_Delete(t);
		if (stop)
			break;
	}
out:
	buf_release(&rec);
	return stop;
}

/* ---- streams --------------------------------------------------------------------------- */

int ingest_parse_stream(ingest_format_t fmt, FILE *f, ingest_record_fn fn, void *ctx)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long lineno = 0;
	int stop = 0;
	if (fmt == INGEST_CSV)
		return parse_csv(f, fn, ctx);
	/* The first non-empty line decides: one JSON object a line, or a document. */
	buf_t head;
	buf_init(&head, 0);
	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		size_t l = (size_t)n;
		while (l > 0 && (line[l - 1] == '\n' || line[l - 1] == '\r'))
			l--;
		const char *p = line;
		while ((size_t)(p - line) < l && isspace((unsigned char)*p))
			p++;
		if ((size_t)(p - line) == l)
			continue;
		cJSON *j = (*p == '{' && l <= IMPORT_LINE_CAP) ? cJSON_ParseWithLength(line, l) : NULL;
		int line_mode = j && !cJSON_IsArray(get(j, "tickets"));
		cJSON_Delete(j);
		if (line_mode || (*p != '{' && *p != '[')) {
			stop = parse_line(fmt, line, l, lineno, fn, ctx);
			while (!stop && (n = getline(&line, &cap, f)) >= 0) {
				lineno++;
				l = (size_t)n;
				while (l > 0 && (line[l - 1] == '\n' || line[l - 1] == '\r'))
					l--;
				if (l == 0)
					continue;
				stop = parse_line(fmt, line, l, lineno, fn, ctx);
			}
			goto out;
		}
		/* A document: read it all (capped). */
		buf_t doc;
		char chunk[65536];
		size_t got;
		buf_init(&doc, IMPORT_DOC_CAP);
		buf_append(&doc, line, (size_t)n);
		while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
			if (buf_append(&doc, chunk, got))
				break;
		if (doc.rc)
			stop = fn(ctx, lineno, NULL,
				  "JSON document larger than the import cap: export as JSONL instead");
		else
			stop = parse_document(fmt, doc.data, doc.len, fn, ctx);
		buf_release(&doc);
		goto out;
	}
out:
	buf_release(&head);
	free(line);
	return stop;
}

int ingest_parse_buffer(ingest_format_t fmt, const char *data, size_t len, ingest_record_fn fn,
			void *ctx)
{
	if (len == 0)
		return 0;
	FILE *f = fmemopen((void *)data, len, "r");
	if (!f)
		return PRECEDENT_EIO;
	int stop = ingest_parse_stream(fmt, f, fn, ctx);
	fclose(f);
	return stop;
}

/* ---- import into the store ---------------------------------------------------------------- */

typedef struct import_ctx {
	store_t *s;
	const redactor_t *r;
	const char *path;
	ingest_report_t *rep;
	FILE *progress;
	long in_batch, seen;
	double t0, last;
	int rc;
	char *err;
	size_t errlen;
} import_ctx_t;

static int import_cb(void *vctx, long line, const cJSON *ticket, const char *why)
{
	import_ctx_t *c = vctx;
	char reason[512];
	int outcome;
	c->seen++;
	if (!ticket) {
		ingest_reject(c->rep, c->path, line, why);
		return 0;
	}
	int rc = ingest_store_ticket(c->s, c->r, ticket, &outcome, reason, sizeof reason);
	if (rc == PRECEDENT_EFIELD) {
		ingest_reject(c->rep, c->path, line, reason);
		return 0;
	}
	if (rc) {
		snprintf(c->err, c->errlen, "%s:%ld: %s (%s)", c->path, line, precedent_strerror(rc),
			 store_errmsg(c->s));
		c->rc = rc;
		return 1;
	}
	ingest_count(c->rep, outcome);
	if (++c->in_batch >= BATCH || store_batch_due(c->s)) {
		if ((rc = store_commit(c->s)) || (rc = store_begin(c->s))) {
			snprintf(c->err, c->errlen, "%s: %s (%s)", c->path, precedent_strerror(rc),
				 store_errmsg(c->s));
			c->rc = rc;
			return 1;
		}
		c->in_batch = 0;
	}
	if (c->progress && now_ms() - c->last > 1000) {
		c->last = now_ms();
		fprintf(c->progress, "\r%s: %ld records, %.0f tickets/s", c->path, c->seen,
			(double)c->seen * 1000.0 / (c->last - c->t0));
		fflush(c->progress);
	}
	return 0;
}

int ingest_tickets_file(store_t *s, const redactor_t *r, ingest_format_t fmt, const char *path,
			ingest_report_t *rep, FILE *progress, char *err, size_t errlen)
{
	import_ctx_t c = {.s = s, .r = r, .path = path, .rep = rep, .progress = progress,
			  .err = err, .errlen = errlen};
	FILE *f = fopen(path, "rb");
	int rc;
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return PRECEDENT_EIO;
	}
	if ((rc = store_begin(s))) {
		snprintf(err, errlen, "%s: %s (%s)", path, precedent_strerror(rc), store_errmsg(s));
		fclose(f);
		return rc;
	}
	c.t0 = c.last = now_ms();
	ingest_parse_stream(fmt, f, import_cb, &c);
	if (!c.rc && ferror(f)) {
		snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
		c.rc = PRECEDENT_EIO;
	}
	if (!c.rc && rep->imported + rep->updated > 0 &&
	    (rc = store_df_cache_note(s, 0, rep->imported + rep->updated))) {
		snprintf(err, errlen, "%s: %s (%s)", path, precedent_strerror(rc), store_errmsg(s));
		c.rc = rc;
	}
	if (!c.rc && (rc = store_commit(s))) {
		snprintf(err, errlen, "%s: %s (%s)", path, precedent_strerror(rc), store_errmsg(s));
		c.rc = rc;
	}
	if (c.rc)
		store_rollback(s);
	/* A big import that cleared the cached frequencies fills the common ones. */
	if (!c.rc && rep->imported + rep->updated > 0)
		store_df_cache_prefill(s, 0); /* a miss only costs the first queries time */
	if (progress && c.last != c.t0)
		fputc('\n', progress);
	fclose(f);
	return c.rc;
}
