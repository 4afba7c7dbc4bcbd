/*
 * test_discard.c - how a draft ended, as the extension reports it: the discard
 * reason and the inserted flag stored with the feedback row (schema 6), carried by
 * the draft_quality_signal (1.1 fields, schema-valid), counted by stats
 * (discarded_by_reason); a database made by schema 5 migrates and keeps its rows.
 */
#include "testutil.h"

#include "precedent/app.h"
#include "precedent/error.h"
#include "precedent/signals.h"
#include "precedent/store.h"

#include <cJSON.h>
#include <sqlite3.h>

typedef struct fx {
	char *dir;
	char db[512];
	char events[512];
	app_t app;
} fx_t;

static int setup(void **state)
{
	fx_t *f = calloc(1, sizeof *f);
	char err[512];
	f->dir = test_tmpdir();
	snprintf(f->db, sizeof f->db, "%s/p.db", f->dir);
	snprintf(f->events, sizeof f->events, "%s/events.jsonl", f->dir);
	setenv("PRECEDENT_EVENTS", f->events, 1);
	unsetenv("PRECEDENT_CONFIG");
	unsetenv("PRECEDENT_WEBHOOK_URL");
	setenv("XDG_CONFIG_HOME", f->dir, 1);
	assert_int_equal(app_open(&f->app, f->db, 0, err, sizeof err), 0);
	assert_non_null(f->app.store);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx_t *f = *state;
	app_close(&f->app);
	test_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static void put_draft(fx_t *f, const char *id)
{
	store_draft_t d = {.id = (char *)id,
			   .ticket_id = "T-9",
			   .mode = "offline",
			   .text = "Restart the agent [#12].",
			   .sources_json = "[\"[#12]\"]",
			   .confidence = 0.5};
	assert_int_equal(store_draft_insert(f->app.store, &d), 0);
}

/* The last event of the events file, checked against its schema (caller deletes). */
static cJSON *last_event(fx_t *f)
{
	FILE *fp = fopen(f->events, "r");
	char line[65536], last[65536] = "";
	char err[256];
	assert_non_null(fp);
	while (fgets(line, sizeof line, fp))
		if (line[0] == '{')
			strcpy(last, line);
	fclose(fp);
	cJSON *ev = cJSON_Parse(last);
	assert_non_null(ev);
	assert_int_equal(signals_validate(SIGNALS_DRAFT_QUALITY, ev, err, sizeof err), 0);
	return ev;
}

/* One text column of one row ("" for NULL), copied into out. */
static void query_text(fx_t *f, const char *sql, char *out, size_t outlen)
{
	sqlite3_stmt *st;
	out[0] = '\0';
	assert_int_equal(sqlite3_prepare_v2(store_db(f->app.store), sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	if (sqlite3_column_type(st, 0) == SQLITE_NULL)
		snprintf(out, outlen, "NULL");
	else
		snprintf(out, outlen, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

static void test_discard_reason_is_stored_and_signalled(void **state)
{
	fx_t *f = *state;
	char err[512], v[64];
	cJSON *r = NULL;
	put_draft(f, "d1");
	app_outcome_t how = {.reason = "regenerated", .inserted = -1};
	assert_int_equal(app_feedback_outcome(&f->app, "d1", NULL, 1, &how, &r, err, sizeof err),
			 0);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(r, "discarded")));
	assert_string_equal(cJSON_GetObjectItem(r, "reason")->valuestring, "regenerated");
	cJSON_Delete(r);
	query_text(f, "SELECT reason FROM feedback WHERE draft_id='d1'", v, sizeof v);
	assert_string_equal(v, "regenerated");
	query_text(f, "SELECT inserted FROM feedback WHERE draft_id='d1'", v, sizeof v);
	assert_string_equal(v, "0");
	query_text(f, "SELECT kind FROM feedback WHERE draft_id='d1'", v, sizeof v);
	assert_string_equal(v, "discarded");

	cJSON *ev = last_event(f);
	assert_string_equal(cJSON_GetObjectItem(ev, "outcome")->valuestring, "discarded");
	assert_string_equal(cJSON_GetObjectItem(ev, "reason")->valuestring, "regenerated");
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(ev, "inserted")));
	assert_string_equal(cJSON_GetObjectItem(ev, "schema")->valuestring,
			    "precedent.draft_quality_signal/1");
	cJSON_Delete(ev);
}

static void test_sent_draft_keeps_inserted_flag_but_no_reason(void **state)
{
	fx_t *f = *state;
	char err[512], v[64];
	cJSON *r = NULL;
	put_draft(f, "d2");
	/* a reason on a sent draft means nothing: not stored */
	app_outcome_t how = {.reason = "regenerated", .inserted = 1};
	assert_int_equal(app_feedback_outcome(&f->app, "d2", "Restart the agent please.", 0, &how,
					      &r, err, sizeof err),
			 0);
	assert_null(cJSON_GetObjectItem(r, "reason"));
	cJSON_Delete(r);
	query_text(f, "SELECT reason FROM feedback WHERE draft_id='d2'", v, sizeof v);
	assert_string_equal(v, "NULL");
	query_text(f, "SELECT inserted FROM feedback WHERE draft_id='d2'", v, sizeof v);
	assert_string_equal(v, "1");
	/* the quality columns still land on the same row */
	query_text(f, "SELECT sentences FROM feedback WHERE draft_id='d2'", v, sizeof v);
	assert_string_equal(v, "1");
	cJSON *ev = last_event(f);
	assert_string_equal(cJSON_GetObjectItem(ev, "outcome")->valuestring, "sent");
	assert_null(cJSON_GetObjectItem(ev, "reason"));
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(ev, "inserted")));
	cJSON_Delete(ev);

	/* the old entry point says nothing of either */
	put_draft(f, "d3");
	assert_int_equal(app_feedback_sent(&f->app, "d3", NULL, 1, &r, err, sizeof err), 0);
	cJSON_Delete(r);
	query_text(f,
		   "SELECT coalesce(reason, 'NULL') || '/' || coalesce(inserted, 'NULL') "
		   "FROM feedback WHERE draft_id='d3'",
		   v, sizeof v);
	assert_string_equal(v, "NULL/NULL");
	ev = last_event(f);
	assert_null(cJSON_GetObjectItem(ev, "reason"));
	assert_null(cJSON_GetObjectItem(ev, "inserted"));
	cJSON_Delete(ev);
}

static void test_stats_count_discards_by_reason(void **state)
{
	fx_t *f = *state;
	char err[512];
	cJSON *r = NULL;
	static const char *const reasons[] = {"regenerated", "regenerated", "tab_closed", NULL};
	for (int i = 0; i < 4; i++) {
		char id[16];
		snprintf(id, sizeof id, "x%d", i);
		put_draft(f, id);
		app_outcome_t how = {.reason = reasons[i]};
		assert_int_equal(
		    app_feedback_outcome(&f->app, id, NULL, 1, &how, &r, err, sizeof err), 0);
		cJSON_Delete(r);
	}
	assert_int_equal(app_stats(&f->app, NULL, &r, err, sizeof err), 0);
	const cJSON *by = cJSON_GetObjectItem(r, "discarded_by_reason");
	assert_true(cJSON_IsObject(by));
	assert_int_equal(cJSON_GetObjectItem(by, "regenerated")->valueint, 2);
	assert_int_equal(cJSON_GetObjectItem(by, "tab_closed")->valueint, 1);
	assert_int_equal(cJSON_GetObjectItem(by, "unspecified")->valueint, 1);
	/* most frequent first */
	assert_string_equal(by->child->string, "regenerated");
	assert_int_equal(cJSON_GetObjectItem(r, "discarded")->valueint, 4);
	cJSON_Delete(r);
	/* a since after every draft: nothing */
	assert_int_equal(app_stats(&f->app, "2999-01-01", &r, err, sizeof err), 0);
	assert_null(cJSON_GetObjectItem(r, "discarded_by_reason")->child);
	cJSON_Delete(r);
}

/* A schema-5 database (no reason/inserted columns) migrates, keeping its feedback. */
static void test_schema5_database_migrates(void **state)
{
	fx_t *f = *state;
	char err[512], v[64];
	put_draft(f, "old");
	store_feedback_t fb = {.draft_id = "old", .kind = "discarded"};
	assert_int_equal(store_feedback_insert(f->app.store, &fb), 0);
	app_close(&f->app);
	/* undo migrations 6 and 7 by hand: what a schema-5 host left behind */
	sqlite3 *db;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(db,
			 "ALTER TABLE feedback DROP COLUMN reason;"
			 "ALTER TABLE feedback DROP COLUMN inserted;"
			 "DROP TABLE sections_vocab;"
			 "DROP TRIGGER sections_ai;"
			 "DROP TRIGGER sections_ad;"
			 "DROP TRIGGER sections_au;"
			 "DROP TABLE sections_fts;"
			 "ALTER TABLE doc_sections DROP COLUMN parent;"
			 "ALTER TABLE doc_sections DROP COLUMN sub;"
			 "CREATE VIRTUAL TABLE sections_fts USING fts5(title, body,"
			 "  content='doc_sections', content_rowid='rowid',"
			 "  tokenize='porter unicode61 remove_diacritics 2');"
			 "CREATE TRIGGER sections_ai AFTER INSERT ON doc_sections BEGIN"
			 "  INSERT INTO sections_fts(rowid, title, body)"
			 "  VALUES (new.rowid, new.heading_path, new.body); END;"
			 "CREATE TRIGGER sections_ad AFTER DELETE ON doc_sections BEGIN"
			 "  INSERT INTO sections_fts(sections_fts, rowid, title, body)"
			 "  VALUES ('delete', old.rowid, old.heading_path, old.body); END;"
			 "CREATE VIRTUAL TABLE sections_vocab USING"
			 "  fts5vocab(sections_fts, 'row');"
			 "PRAGMA user_version=5;",
			 NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(app_open(&f->app, f->db, 0, err, sizeof err), 0);
	assert_non_null(f->app.store);
	assert_int_equal(store_schema_version(f->app.store), STORE_SCHEMA_VERSION);
	assert_true(STORE_SCHEMA_VERSION >= 6);
	query_text(f, "SELECT coalesce(reason, 'none') FROM feedback WHERE draft_id='old'", v,
		   sizeof v);
	assert_string_equal(v, "none");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_discard_reason_is_stored_and_signalled, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_sent_draft_keeps_inserted_flag_but_no_reason,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stats_count_discards_by_reason, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_schema5_database_migrates, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
