/*
 * test_ingest.c - the importers on small files in the real export formats
 * (tests/fixtures/retrieval/import): Zendesk (API document with side-loaded
 * users, NDJSON), Freshdesk (API JSON), CSV, HTML and text docs; malformed
 * records (bad JSON line, missing id, wrong types, huge field, non-UTF-8) are
 * rejected with their line while the rest is imported; re-imports are
 * incremental; everything stored is redacted.
 */
#include "testutil.h"

#include "precedent/error.h"
#include "precedent/ingest.h"
#include "precedent/limits.h"
#include "precedent/redact.h"
#include "precedent/retrieve.h"
#include "precedent/store.h"
#include "precedent/util.h"

#define IMP "tests/fixtures/retrieval/import/"

typedef struct fixture {
	char *dir;
	store_t *s;
	redactor_t *r;
	ingest_report_t rep;
	char err[1024];
} fixture_t;

static int setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	char path[600];
	f->dir = test_tmpdir();
	snprintf(path, sizeof path, "%s/t.db", f->dir);
	assert_int_equal(store_open(path, 0, &f->s, f->err, sizeof f->err), 0);
	assert_int_equal(redactor_new(NULL, 0, &f->r, f->err, sizeof f->err), 0);
	ingest_report_init(&f->rep);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_t *f = *state;
	ingest_report_release(&f->rep);
	store_close(f->s);
	redactor_free(f->r);
	test_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static void reset_report(fixture_t *f)
{
	ingest_report_release(&f->rep);
	ingest_report_init(&f->rep);
}

/* One text column of one row, malloc'd ("" when absent). */
static char *query1(fixture_t *f, const char *sql, const char *arg)
{
	sqlite3_stmt *st;
	char *out = NULL;
	assert_int_equal(sqlite3_prepare_v2(store_db(f->s), sql, -1, &st, NULL), SQLITE_OK);
	if (arg)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		out = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out ? out : strdup("");
}

static int import(fixture_t *f, ingest_format_t fmt, const char *path)
{
	return ingest_tickets_file(f->s, f->r, fmt, path, &f->rep, NULL, f->err, sizeof f->err);
}

static const char *rejections(fixture_t *f) { return buf_cstr(&f->rep.rejections); }

static void test_zendesk_document_with_users_and_comments(void **state)
{
	fixture_t *f = *state;
	assert_int_equal(import(f, INGEST_ZENDESK, IMP "zendesk_export.json"), 0);
	assert_int_equal(f->rep.imported, 2);
	assert_int_equal(f->rep.rejected, 2);
	assert_non_null(strstr(rejections(f), "no id"));
	assert_non_null(strstr(rejections(f), "subject has the wrong type"));
	char *res = query1(f, "SELECT resolution FROM tickets WHERE id=?", "35436");
	/* the last public agent comment, its HTML stripped */
	assert_string_equal(res, "Your bank verification had expired. After you uploaded the new "
				 "statement the payouts were released.");
	free(res);
	char *problem = query1(f, "SELECT problem FROM tickets WHERE id=?", "35436");
	assert_non_null(strstr(problem, "pending for three days"));
	assert_null(strstr(problem, "jane.roe@example.org")); /* redacted before storing */
	free(problem);
	char *answer = query1(f, "SELECT answer FROM tickets WHERE id=?", "35436");
	assert_non_null(strstr(answer, "verification document expired")); /* internal note */
	free(answer);
	char *code = query1(f, "SELECT resolution_code || '|' || closed_at FROM tickets WHERE id=?",
			    "35436");
	assert_string_equal(code, "solved|2025-06-02T16:02:00Z");
	free(code);
	char *open = query1(f, "SELECT status || '|' || resolution FROM tickets WHERE id=?", "35437");
	assert_string_equal(open, "open|");
	free(open);
}

static void test_zendesk_ndjson_rejects_bad_lines_and_keeps_the_rest(void **state)
{
	fixture_t *f = *state;
	assert_int_equal(import(f, INGEST_ZENDESK, IMP "zendesk.ndjson"), 0);
	assert_int_equal(f->rep.imported, 2);
	assert_int_equal(f->rep.rejected, 4);
	const char *rj = rejections(f);
	assert_non_null(strstr(rj, "zendesk.ndjson:2: not valid JSON"));
	assert_non_null(strstr(rj, "zendesk.ndjson:3: ticket has no id"));
	assert_non_null(strstr(rj, "zendesk.ndjson:4: ticket 503: field tags"));
	assert_non_null(strstr(rj, "zendesk.ndjson:6: not valid UTF-8"));
	char *res = query1(f, "SELECT resolution FROM tickets WHERE id=?", "501");
	assert_non_null(strstr(res, "ACS URL"));
	free(res);
}

static void test_freshdesk_json_maps_roles_status_and_priority(void **state)
{
	fixture_t *f = *state;
	assert_int_equal(import(f, INGEST_FRESHDESK, IMP "freshdesk.json"), 0);
	assert_int_equal(f->rep.imported, 2);
	assert_int_equal(f->rep.rejected, 2);
	assert_non_null(strstr(rejections(f), "freshdesk.json:2: ticket 8813: field status"));
	assert_non_null(strstr(rejections(f), "freshdesk.json:3: ticket has no id"));
	char *res = query1(f, "SELECT resolution || '|' || status || '|' || closed_at FROM tickets "
			      "WHERE id=?",
			   "8812");
	assert_string_equal(res, "The SMS sender ID was blocked by the Norwegian carrier; we switched "
				 "to an alphanumeric sender and codes arrive again.|resolved|"
				 "2025-04-10T14:55:00Z");
	free(res);
	/* the customer's reply is part of the problem, the private note of the answer */
	char *problem = query1(f, "SELECT problem FROM tickets WHERE id=?", "8812");
	assert_non_null(strstr(problem, "Yes, all of them."));
	assert_null(strstr(problem, "SMS provider"));
	free(problem);
	char *body = query1(f, "SELECT body_json FROM tickets WHERE id=?", "8812");
	assert_non_null(strstr(body, "\"priority\":\"high\""));
	assert_non_null(strstr(body, "Is it all admins?")); /* HTML-only conversation kept */
	free(body);
}

static void test_csv_with_quotes_newlines_and_bad_rows(void **state)
{
	fixture_t *f = *state;
	assert_int_equal(import(f, INGEST_CSV, IMP "tickets.csv"), 0);
	assert_int_equal(f->rep.imported, 2);
	assert_int_equal(f->rep.rejected, 3);
	const char *rj = rejections(f);
	assert_non_null(strstr(rj, "missing id"));
	assert_non_null(strstr(rj, "not valid UTF-8"));
	assert_non_null(strstr(rj, "unterminated quoted field"));
	char *p = query1(f, "SELECT problem FROM tickets WHERE id=?", "C-2");
	assert_non_null(strstr(p, "Line one"));
	assert_non_null(strstr(p, "line two, with a comma"));
	free(p);
	char *tags = query1(f, "SELECT tags || '|' || resolution_code FROM tickets WHERE id=?", "C-1");
	assert_string_equal(tags, "refunds cards|how_to");
	free(tags);
}

static void test_csv_without_required_columns_is_rejected(void **state)
{
	fixture_t *f = *state;
	char path[600];
	snprintf(path, sizeof path, "%s/bad.csv", f->dir);
	FILE *fp = fopen(path, "w");
	fputs("ticket,title\n1,x\n", fp);
	fclose(fp);
	assert_int_equal(import(f, INGEST_CSV, path), 0);
	assert_int_equal(f->rep.imported, 0);
	assert_int_equal(f->rep.rejected, 1);
	assert_non_null(strstr(rejections(f), "id, subject and body"));
}

static void test_reimport_skips_unchanged_and_updates_changed(void **state)
{
	fixture_t *f = *state;
	char path[600];
	assert_int_equal(import(f, INGEST_ZENDESK, IMP "zendesk.ndjson"), 0);
	reset_report(f);
	assert_int_equal(import(f, INGEST_ZENDESK, IMP "zendesk.ndjson"), 0);
	assert_int_equal(f->rep.imported, 0);
	assert_int_equal(f->rep.updated, 0);
	assert_int_equal(f->rep.skipped, 2);
	/* One ticket changed, the other gone from the file: updated 1, nothing removed. */
	snprintf(path, sizeof path, "%s/z.ndjson", f->dir);
	FILE *fp = fopen(path, "w");
	fputs("{\"id\": 504, \"subject\": \"Webhook retries (edited)\", \"status\": \"solved\", "
	      "\"description\": \"Do you retry failed webhooks?\"}\n",
	      fp);
	fclose(fp);
	reset_report(f);
	assert_int_equal(import(f, INGEST_ZENDESK, path), 0);
	assert_int_equal(f->rep.updated, 1);
	assert_int_equal(f->rep.imported, 0);
	char *n = query1(f, "SELECT count(*) FROM tickets", NULL);
	assert_string_equal(n, "2");
	free(n);
	char *subj = query1(f, "SELECT subject FROM tickets WHERE id=?", "504");
	assert_string_equal(subj, "Webhook retries (edited)");
	free(subj);
}

static void test_huge_field_is_clipped_and_overlong_line_rejected(void **state)
{
	fixture_t *f = *state;
	char path[600];
	snprintf(path, sizeof path, "%s/huge.jsonl", f->dir);
	FILE *fp = fopen(path, "w");
	fputs("{\"id\": \"H-1\", \"subject\": \"big\", \"messages\": [{\"role\": \"customer\", "
	      "\"body\": \"",
	      fp);
	for (size_t i = 0; i < 2u * FIELD_CAP / 8; i++)
		fputs("payload ", fp);
	fputs("\"}]}\n{\"id\": \"H-2\", \"subject\": \"", fp);
	for (size_t i = 0; i < IMPORT_LINE_CAP / 8 + 16; i++)
		fputs("xxxxxxxx", fp);
	fputs("\", \"messages\": [{\"role\": \"customer\", \"body\": \"x\"}]}\n", fp);
	fclose(fp);
	assert_int_equal(import(f, INGEST_JSONL, path), 0);
	assert_int_equal(f->rep.imported, 1);
	assert_int_equal(f->rep.rejected, 1);
	assert_non_null(strstr(rejections(f), "huge.jsonl:2: line longer than"));
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(store_db(f->s),
					    "SELECT length(problem) FROM tickets WHERE id='H-1'", -1,
					    &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_true(sqlite3_column_int64(st, 0) > 0);
	assert_true((size_t)sqlite3_column_int64(st, 0) <= FIELD_CAP);
	sqlite3_finalize(st);
}

static void test_missing_file_is_an_error(void **state)
{
	fixture_t *f = *state;
	assert_int_equal(import(f, INGEST_ZENDESK, IMP "does-not-exist.json"), PRECEDENT_EIO);
	assert_non_null(strstr(f->err, "does-not-exist.json"));
}

static void test_html_and_text_docs_keep_headings_as_sections(void **state)
{
	fixture_t *f = *state;
	assert_int_equal(ingest_docs_dir(f->s, f->r, IMP "docs", &f->rep, NULL, f->err,
					 sizeof f->err),
			 0);
	assert_int_equal(f->rep.imported, 2);
	char *a = query1(f,
			 "SELECT group_concat(anchor, ',') FROM (SELECT anchor FROM doc_sections "
			 "WHERE doc_path=? ORDER BY ord)",
			 "guide/payouts.html");
	assert_string_equal(a, "payouts,payouts-stuck-in-pending,fees-\xe2\x82\xac-\xe2\x82\xac-\xe2\x82\xac");
	free(a);
	char *body = query1(f,
			    "SELECT body FROM doc_sections WHERE doc_path='guide/payouts.html' AND "
			    "anchor=?",
			    "payouts-stuck-in-pending");
	assert_non_null(strstr(body, "expired & needs a new statement"));
	assert_non_null(strstr(body, "- Upload the statement"));
	assert_null(strstr(body, "<"));
	assert_null(strstr(body, "commented out"));
	free(body);
	char *t = query1(f,
			 "SELECT group_concat(title, '|') FROM (SELECT title FROM doc_sections "
			 "WHERE doc_path=? ORDER BY ord)",
			 "guide/faq.txt");
	assert_string_equal(t, "Frequently asked questions|Resetting a password");
	free(t);
	char *title = query1(f, "SELECT title FROM docs WHERE path=?", "guide/payouts.html");
	assert_string_equal(title, "Payouts");
	free(title);
	/* unchanged on a second run */
	reset_report(f);
	assert_int_equal(ingest_docs_dir(f->s, f->r, IMP "docs", &f->rep, NULL, f->err,
					 sizeof f->err),
			 0);
	assert_int_equal(f->rep.skipped, 2);
}

static void test_html_to_text_decodes_entities_and_drops_scripts(void **state)
{
	(void)state;
	buf_t b;
	buf_init(&b, 0);
	const char *h = "<p>a &lt;b&gt; &amp;&#233;&#x41;&bogus; c</p><script>x<y</script>"
			"<h3>T&eacute;</h3>1 < 2";
	ingest_html_to_text(h, strlen(h), &b, 1);
	assert_non_null(strstr(buf_cstr(&b), "a <b> &\xc3\xa9" "A&bogus; c"));
	assert_null(strstr(buf_cstr(&b), "x<y"));
	assert_non_null(strstr(buf_cstr(&b), "### T&eacute;"));
	assert_non_null(strstr(buf_cstr(&b), "1 < 2"));
	buf_release(&b);
}

static void test_imported_zendesk_ticket_is_found_by_search(void **state)
{
	fixture_t *f = *state;
	retrieve_result_t r;
	assert_int_equal(import(f, INGEST_ZENDESK, IMP "zendesk_export.json"), 0);
	assert_int_equal(retrieve_search(f->s, "payout pending", "our payouts are stuck", 3, &r), 0);
	assert_true(r.ntickets >= 1);
	assert_string_equal(r.tickets[0].id, "35436");
	retrieve_result_release(&r);
}

static int count_cb(void *ctx, long line, const cJSON *t, const char *why)
{
	(void)line;
	(void)why;
	int *n = ctx;
	n[t ? 0 : 1]++;
	return 0;
}

static void test_parse_buffer_accepts_array_document_and_single_ticket(void **state)
{
	(void)state;
	int n[2] = {0, 0};
	const char *arr = "[{\"id\": 1, \"subject\": \"a\", \"description\": \"b\"}, 5]";
	ingest_parse_buffer(INGEST_ZENDESK, arr, strlen(arr), count_cb, n);
	assert_int_equal(n[0], 1);
	assert_int_equal(n[1], 1);
	const char *one = "{\n \"ticket\": {\"id\": 2, \"subject\": \"a\", \"description\": \"b\"}\n}";
	n[0] = n[1] = 0;
	ingest_parse_buffer(INGEST_ZENDESK, one, strlen(one), count_cb, n);
	assert_int_equal(n[0], 1);
	assert_int_equal(n[1], 0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_zendesk_document_with_users_and_comments),
	    T(test_zendesk_ndjson_rejects_bad_lines_and_keeps_the_rest),
	    T(test_freshdesk_json_maps_roles_status_and_priority),
	    T(test_csv_with_quotes_newlines_and_bad_rows),
	    T(test_csv_without_required_columns_is_rejected),
	    T(test_reimport_skips_unchanged_and_updates_changed),
	    T(test_huge_field_is_clipped_and_overlong_line_rejected),
	    T(test_missing_file_is_an_error),
	    T(test_html_and_text_docs_keep_headings_as_sections),
	    cmocka_unit_test(test_html_to_text_decodes_entities_and_drops_scripts),
	    T(test_imported_zendesk_ticket_is_found_by_search),
	    cmocka_unit_test(test_parse_buffer_accepts_array_document_and_single_ticket),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
