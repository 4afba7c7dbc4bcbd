/*
 * context.c - customer context from the page, the customers table and an HTTP endpoint's reply
 * (the fetch itself runs on the loop's curl multi handle, in llm_draft.c).
 */
#include "precedent/context.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "precedent/error.h"
#include "precedent/limits.h"
#include "precedent/util.h"

/* Fields that identify the person: used to look them up, never put in a prompt. */
static int is_identity(const char *k)
{
	return !strcmp(k, "name") || !strcmp(k, "email") || !strcmp(k, "external_id") ||
	       !strcmp(k, "phone");
}

static void put_value(cJSON *ctx, const char *key, const cJSON *v)
{
	if (!key || !*key || strlen(key) > 64)
		return;
	if (cJSON_IsString(v) && v->valuestring[0] && strlen(v->valuestring) <= 1024) {
		cJSON_DeleteItemFromObjectCaseSensitive(ctx, key);
		cJSON_AddStringToObject(ctx, key, v->valuestring);
	} else if (cJSON_IsNumber(v) || cJSON_IsBool(v)) {
		cJSON_DeleteItemFromObjectCaseSensitive(ctx, key);
		cJSON_AddItemToObject(ctx, key, cJSON_Duplicate(v, 0));
	}
}

static void put_flat(cJSON *ctx, const cJSON *obj)
{
	const cJSON *it;
	int n = 0;
	cJSON_ArrayForEach(it, obj)
	{
		if (++n > 64)
			break;
		put_value(ctx, it->string, it);
	}
}

static int table_lookup(store_t *store, const char *ext_id, const char *email, cJSON *ctx)
{
	static const char *const cols[] = {"external_id", "name",           "email", "organization",
					   "plan",        "product_version", "region"};
	sqlite3_stmt *st = NULL;
	int found = 0;
	sqlite3 *db = store ? store_db(store) : NULL;
	if (!db)
		return 0;
	for (int pass = 0; pass < 2 && !found; pass++) {
		const char *key = pass == 0 ? ext_id : email;
		if (!key || !*key)
			continue;
		const char *sql = pass == 0
				      ? "SELECT external_id, name, email, organization, plan, "
					"product_version, region, extra_json FROM vault.customers "
					"WHERE external_id = ?"
				      : "SELECT external_id, name, email, organization, plan, "
					"product_version, region, extra_json FROM vault.customers "
					"WHERE lower(email) = lower(?) LIMIT 1";
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
			return 0; /* an index without a customers table: no context */
		sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) == SQLITE_ROW) {
			found = 1;
			for (int i = 0; i < 7; i++) {
				const char *v = (const char *)sqlite3_column_text(st, i);
				if (v && *v && !cJSON_HasObjectItem(ctx, cols[i]))
					cJSON_AddStringToObject(ctx, cols[i], v);
			}
			const char *extra = (const char *)sqlite3_column_text(st, 7);
			cJSON *x = extra ? cJSON_Parse(extra) : NULL;
			if (cJSON_IsObject(x)) {
				const cJSON *it;
				cJSON_ArrayForEach(it, x)
				{
					if (!cJSON_HasObjectItem(ctx, it->string))
						put_value(ctx, it->string, it);
				}
			}
			cJSON_Delete(x);
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	return found;
}

cJSON *context_lookup(store_t *store, const cJSON *ticket, const char **sources)
{
	cJSON *ctx = cJSON_CreateObject();
	const cJSON *cust = cJSON_GetObjectItemCaseSensitive(ticket, "customer");
	const cJSON *page = cJSON_GetObjectItemCaseSensitive(ticket, "context");
	int from_page = 0, from_table;

	if (cJSON_IsObject(cust)) {
		const cJSON *it;
		cJSON_ArrayForEach(it, cust)
		{
			if (it->string && !is_identity(it->string)) {
				put_value(ctx, it->string, it);
				from_page = 1;
			}
		}
	}
	if (cJSON_IsObject(page) && page->child) {
		put_flat(ctx, page);
		from_page = 1;
	}
	const cJSON *ext = cJSON_GetObjectItemCaseSensitive(cust, "external_id");
	const cJSON *email = cJSON_GetObjectItemCaseSensitive(cust, "email");
	char num[32];
	const char *ext_s = NULL;
	if (cJSON_IsString(ext))
		ext_s = ext->valuestring;
	else if (cJSON_IsNumber(ext)) {
		snprintf(num, sizeof num, "%.0f", ext->valuedouble);
		ext_s = num;
	}
	from_table = table_lookup(store, ext_s, cJSON_IsString(email) ? email->valuestring : NULL,
				  ctx);
	*sources = from_page && from_table ? "page+table" : from_page ? "page"
						 : from_table   ? "table"
								: "";
	return ctx;
}

static void url_encode(buf_t *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~') {
			buf_putc(b, (char)c);
		} else {
			buf_putc(b, '%');
			buf_putc(b, hex[c >> 4]);
			buf_putc(b, hex[c & 15]);
		}
	}
}

static const char *field_for(const cJSON *ticket, const char *name, size_t n, char *num,
			     size_t numlen)
{
	const cJSON *v = NULL;
	const cJSON *cust = cJSON_GetObjectItemCaseSensitive(ticket, "customer");
	if (n == 11 && !memcmp(name, "external_id", 11))
		v = cJSON_GetObjectItemCaseSensitive(cust, "external_id");
	else if (n == 5 && !memcmp(name, "email", 5))
		v = cJSON_GetObjectItemCaseSensitive(cust, "email");
	else if (n == 12 && !memcmp(name, "organization", 12))
		v = cJSON_GetObjectItemCaseSensitive(cust, "organization");
	else if (n == 9 && !memcmp(name, "ticket_id", 9))
		v = cJSON_GetObjectItemCaseSensitive(ticket, "id");
	if (cJSON_IsString(v) && v->valuestring[0])
		return v->valuestring;
	if (cJSON_IsNumber(v)) {
		snprintf(num, numlen, "%.0f", v->valuedouble);
		return num;
	}
	return NULL;
}

char *context_url(const char *tmpl, const cJSON *ticket)
{
	buf_t b;
	char num[32];
	if (!tmpl || !*tmpl)
		return NULL;
	buf_init(&b, 8192);
	for (const char *p = tmpl; *p;) {
		if (*p == '{') {
			const char *e = strchr(p, '}');
			if (e) {
				const char *v = field_for(ticket, p + 1, (size_t)(e - p - 1), num,
							  sizeof num);
				if (!v) {
					buf_release(&b);
					return NULL;
				}
				url_encode(&b, v);
				p = e + 1;
				continue;
			}
		}
		buf_putc(&b, *p++);
	}
	if (b.rc) {
		buf_release(&b);
		return NULL;
	}
	return buf_steal(&b);
}

int context_merge_reply(cJSON *ctx, const char *body, size_t len)
{
	cJSON *j = cJSON_ParseWithLength(body, len);
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return PRECEDENT_EJSON;
	}
	put_flat(ctx, j);
	static const char *const nested[] = {"customer", "context", "data"};
	for (size_t i = 0; i < 3; i++) {
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(j, nested[i]);
		if (cJSON_IsObject(n))
			put_flat(ctx, n);
	}
	cJSON_Delete(j);
	return 0;
}

cJSON *context_redact(const cJSON *ctx, const redactor_t *r, redact_map_t *m)
{
	cJSON *out = cJSON_CreateObject();
	const cJSON *it;
	cJSON_ArrayForEach(it, ctx)
	{
		if (!it->string || is_identity(it->string))
			continue;
		if (cJSON_IsString(it)) {
			char *red = NULL;
			size_t rl = 0;
			if (r && m &&
			    redact_text(r, m, it->valuestring, strlen(it->valuestring), NULL, &red,
					&rl) == 0) {
				cJSON_AddStringToObject(out, it->string, red);
				free(red);
			} else if (!r) {
				cJSON_AddStringToObject(out, it->string, it->valuestring);
			}
		} else if (cJSON_IsNumber(it) || cJSON_IsBool(it)) {
			cJSON_AddItemToObject(out, it->string, cJSON_Duplicate(it, 0));
		}
	}
	return out;
}
