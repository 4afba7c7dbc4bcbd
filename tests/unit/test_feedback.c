/*
 * test_feedback.c - the quality loop wired into the product: feedback.sent metrics on
 * normalized texts, per-sentence attribution stored and credited to sources, the
 * bounded and reversible source factor, candidate precedents for answered gaps,
 * stats on a fixture database with known answers, and the export of pairs.
 */
#include "testutil.h"

#include "precedent/app.h"
#include "precedent/editdist.h"
#include "precedent/error.h"
#include "precedent/signals.h"
#include "precedent/store.h"

#include <cJSON.h>
#include <math.h>

typedef struct fx {
	char *dir;
	char events[512];
	app_t app;
} fx_t;

static int setup(void **state)
{
	fx_t *f = calloc(1, sizeof *f);
	char db[512], err[512];
	f->dir = test_tmpdir();
	snprintf(db, sizeof db, "%s/p.db", f->dir);
	snprintf(f->events, sizeof f->events, "%s/events.jsonl", f->dir);
	setenv("PRECEDENT_EVENTS", f->events, 1);
	unsetenv("PRECEDENT_CONFIG");
	unsetenv("PRECEDENT_WEBHOOK_URL");
	setenv("XDG_CONFIG_HOME", f->dir, 1);
	assert_int_equal(app_open(&f->app, db, 0, err, sizeof err), 0);
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

static void exec_sql(fx_t *f, const char *sql)
{
	char *msg = NULL;
	int src = sqlite3_exec(store_db(f->app.store), sql, NULL, NULL, &msg);
	if (src != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : "?");
}

static double num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	if (!cJSON_IsNumber(v))
		fail_msg("field %s is not a number", k);
	return v->valuedouble;
}

static void put_draft(fx_t *f, const char *id, const char *ticket, const char *text,
		      const char *sources, const char *tags)
{
	store_draft_t d = {.id = (char *)id,
			   .ticket_id = (char *)ticket,
			   .mode = "offline",
			   .text = (char *)text,
			   .sources_json = (char *)sources,
			   .confidence = 0.6};
	assert_int_equal(store_draft_insert(f->app.store, &d), 0);
	assert_int_equal(store_draft_context_put(f->app.store, id, "VPN drops [EMAIL_1]",
						 "It drops every hour", tags),
			 0);
}

/* The last event line of the events file, parsed (caller deletes). */
static cJSON *last_event(fx_t *f)
{
	FILE *fp = fopen(f->events, "r");
	char line[65536], last[65536] = "";
	assert_non_null(fp);
	while (fgets(line, sizeof line, fp))
		if (line[0] == '{')
			strcpy(last, line);
	fclose(fp);
	cJSON *ev = cJSON_Parse(last);
	assert_non_null(ev);
	char err[256];
	const cJSON *t = cJSON_GetObjectItem(ev, "type");
	assert_int_equal(signals_validate(t->valuestring, ev, err, sizeof err), 0);
	return ev;
}

static long count(fx_t *f, const char *sql)
{
	sqlite3_stmt *st;
	long n = -1;
	assert_int_equal(sqlite3_prepare_v2(store_db(f->app.store), sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* Metrics on normalized texts: the helpdesk's quote, signature and the citation
 * markers do not count as edits; sentence fates stored per cited source. */
static void test_sent_metrics_normalized_and_attributed(void **state)
{
	fx_t *f = *state;
	const char *draft = "Restart the sync agent [doc: guides/sync.md#restart].\n"
			    "Then clear the cache [#4512].\nWe will refund you [#77].";
	const char *sent = "Restart the sync agent.\n\nThen clear the local cache.\nThanks!\n"
			   "-- \nAna, Support\n\nOn Mon, 3 Nov 2026, Bob <b@x.org> wrote:\n> help";
	put_draft(f, "d1", "T-1", draft,
		  "[\"[#4512]\",\"[#77]\",\"[doc: guides/sync.md#restart]\"]", "[\"vpn\"]");
	cJSON *r = NULL;
	char err[512] = "";
	assert_int_equal(app_feedback_sent(&f->app, "d1", sent, 0, &r, err, sizeof err), 0);
	/* What editdist_compare gives on the same texts. */
	editdist_result_t ed;
	editdist_compare(draft, strlen(draft), sent, strlen(sent), EDITDIST_NORM_DEFAULT, &ed);
	assert_int_equal((long)num(r, "edit_distance"), (long)ed.distance);
	/* Normalized: "Restart the sync agent. Then clear the cache. We will refund you."
	 * vs "Restart the sync agent. Then clear the local cache. Thanks!" */
	const char *a = "Restart the sync agent. Then clear the cache. We will refund you.";
	const char *b = "Restart the sync agent. Then clear the local cache. Thanks!";
	editdist_result_t raw;
	editdist_compute(a, strlen(a), b, strlen(b), &raw);
	assert_int_equal(ed.distance, raw.distance);
	assert_true(fabs(num(r, "edit_ratio") - round(raw.ratio * 1e4) / 1e4) < 1e-9);
	const cJSON *sen = cJSON_GetObjectItem(r, "sentences");
	assert_int_equal((int)num(sen, "total"), 3);
	assert_int_equal((int)num(sen, "kept"), 1);
	assert_int_equal((int)num(sen, "deleted"), 1);
	assert_true(cJSON_IsArray(cJSON_GetObjectItem(r, "diff")));
	cJSON_Delete(r);

	/* Stored: the feedback row and one attribution row per sentence and source. */
	assert_int_equal(count(f, "SELECT edit_distance FROM feedback WHERE draft_id='d1'"),
			 (long)ed.distance);
	assert_int_equal(count(f, "SELECT kept FROM feedback WHERE draft_id='d1'"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM attribution WHERE draft_id='d1'"), 3);
	assert_int_equal(count(f, "SELECT count(*) FROM attribution WHERE source_kind='ticket' "
				  "AND source_id='77' AND fate='deleted'"),
			 1);
	assert_int_equal(count(f, "SELECT count(*) FROM attribution WHERE source_kind='doc' AND "
				  "source_id='guides/sync.md#restart' AND fate='kept'"),
			 1);
	assert_int_equal(count(f, "SELECT deleted FROM source_scores WHERE source_id='77'"), 1);
	/* Not a gap: no candidate precedent. */
	assert_int_equal(count(f, "SELECT count(*) FROM tickets"), 0);

	/* The event: schema-valid, same distance, sources credited, sentences summary. */
	cJSON *ev = last_event(f);
	assert_string_equal(cJSON_GetObjectItem(ev, "outcome")->valuestring, "sent");
	assert_int_equal((long)num(ev, "edit_distance"), (long)ed.distance);
	const cJSON *s, *srcs = cJSON_GetObjectItem(ev, "sources");
	int seen77 = 0;
	cJSON_ArrayForEach(s, srcs)
	{
		if (!strcmp(cJSON_GetObjectItem(s, "id")->valuestring, "77")) {
			seen77 = 1;
			assert_int_equal((int)num(s, "deleted"), 1);
		}
	}
	assert_true(seen77);
	assert_int_equal((int)num(cJSON_GetObjectItem(ev, "sentences"), "total"), 3);
	assert_true(num(ev, "seconds_to_send") >= 0);
	cJSON_Delete(ev);

	/* Sent again: attribution replaced, the source counted once. */
	assert_int_equal(app_feedback_sent(&f->app, "d1", sent, 0, &r, err, sizeof err), 0);
	cJSON_Delete(r);
	assert_int_equal(count(f, "SELECT count(*) FROM attribution WHERE draft_id='d1'"), 3);
	assert_int_equal(count(f, "SELECT sentences FROM source_scores WHERE source_id='77'"), 1);

	/* Discard and rating events are schema-valid too. */
	put_draft(f, "d2", "T-2", "Try again.", "[]", "[]");
	assert_int_equal(app_feedback_sent(&f->app, "d2", NULL, 1, &r, err, sizeof err), 0);
	cJSON_Delete(r);
	cJSON_Delete(last_event(f));
	assert_int_equal(app_feedback_rating(&f->app, "d2", "down", "too short", &r, err, sizeof err),
			 0);
	cJSON_Delete(r);
	ev = last_event(f);
	assert_string_equal(cJSON_GetObjectItem(ev, "rating")->valuestring, "down");
	cJSON_Delete(ev);
	assert_int_equal(app_feedback_sent(&f->app, "nope", "x", 0, &r, err, sizeof err),
			 PRECEDENT_ENOTFOUND);
	assert_null(r);
}

/* The factor: 1 when unknown, never below the bound, down as sentences are deleted,
 * back up as later drafts keep them. */
static void test_source_factor_bounded_and_reversible(void **state)
{
	fx_t *f = *state;
	exec_sql(f, "INSERT INTO tickets(id, subject) VALUES ('812', 'vpn');"
		    "INSERT INTO docs(path) VALUES ('kb/vpn.md');"
		    "INSERT INTO doc_sections(doc_path, anchor, body) VALUES ('kb/vpn.md', 'split', 'x');");
	sqlite3 *db = store_db(f->app.store);
	sqlite3_int64 trow = count(f, "SELECT rowid FROM tickets WHERE id='812'");
	sqlite3_int64 drow = count(f, "SELECT rowid FROM doc_sections WHERE anchor='split'");
	assert_true(store_source_factor(db, 0, trow) == 1.0);
	double prev = 1.0;
	for (int i = 0; i < 200; i++) {
		assert_int_equal(store_source_observe(f->app.store, "ticket", "812", "deleted"), 0);
		double x = store_source_factor(db, 0, trow);
		assert_true(x <= prev && x >= STORE_SOURCE_FACTOR_MIN);
		prev = x;
	}
	assert_true(prev < 0.8);
	/* A doc section is looked up by path#anchor; another source is untouched. */
	assert_int_equal(store_source_observe(f->app.store, "doc", "kb/vpn.md#split", "deleted"), 0);
	assert_true(store_source_factor(db, 1, drow) < 1.0);
	assert_true(store_source_factor(db, 1, drow + 1000) == 1.0);
	/* Recovery. */
	for (int i = 0; i < 40; i++) {
		assert_int_equal(store_source_observe(f->app.store, "ticket", "812", "kept"), 0);
		double x = store_source_factor(db, 0, trow);
		assert_true(x >= prev && x <= 1.0);
		prev = x;
	}
	assert_true(prev > 0.98);

	/* stats lists the most-deleted sources with their factor. */
	cJSON *r = NULL;
	char err[512];
	assert_int_equal(app_stats(&f->app, NULL, &r, err, sizeof err), 0);
	const cJSON *fix = cJSON_GetObjectItem(r, "sources_to_fix");
	assert_true(cJSON_GetArraySize(fix) == 2);
	const cJSON *first = cJSON_GetArrayItem(fix, 0);
	assert_string_equal(cJSON_GetObjectItem(first, "ref")->valuestring, "[doc: kb/vpn.md#split]");
	assert_true(num(first, "retrieval_factor") < 1.0);
	cJSON_Delete(r);
}

/* An answered knowledge gap becomes a candidate precedent, redacted, never replacing
 * an imported ticket. */
static void test_answered_gap_becomes_candidate(void **state)
{
	fx_t *f = *state;
	char err[512] = "";
	cJSON *r = NULL;
	put_draft(f, "dg", "9002", "No close precedent was found.", "[]", "[\"network\",\"vpn\"]");
	assert_int_equal(store_gap_insert(f->app.store, "9002", "dg", "vpn split", 0.1), 0);
	assert_int_equal(store_vault_put(f->app.store, "9002", "[EMAIL_1]", "lena@example.com"), 0);
	assert_int_equal(app_feedback_sent(&f->app, "dg",
					   "Enable split tunnelling in the profile, lena@example.com.",
					   0, &r, err, sizeof err),
			 0);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(r, "candidate_precedent")));
	cJSON_Delete(r);
	assert_int_equal(count(f, "SELECT count(*) FROM tickets WHERE id='9002' AND "
				  "source='candidate' AND subject='VPN drops [EMAIL_1]' AND "
				  "tags='network vpn' AND resolution LIKE 'Enable split%[EMAIL_1].'"),
			 1);
	assert_int_equal(count(f, "SELECT count(*) FROM tickets WHERE resolution LIKE '%lena%'"), 0);
	/* An imported ticket with the same id stays as it is. */
	exec_sql(f, "INSERT INTO tickets(id, subject, source) VALUES ('9003', 'imported', 'import')");
	put_draft(f, "dh", "9003", "Nothing found.", "[]", "[]");
	assert_int_equal(store_gap_insert(f->app.store, "9003", "dh", "x", 0.1), 0);
	assert_int_equal(app_feedback_sent(&f->app, "dh", "Answer.", 0, &r, err, sizeof err), 0);
	assert_false(cJSON_IsTrue(cJSON_GetObjectItem(r, "candidate_precedent")));
	cJSON_Delete(r);
	assert_int_equal(count(f, "SELECT count(*) FROM tickets WHERE id='9003' AND source='import' "
				  "AND subject='imported'"),
			 1);
}

/* Stats on a fixture database with known answers. */
static void test_stats_known_answers(void **state)
{
	fx_t *f = *state;
	/* Week of Mon 2026-11-02: d1 (billing) sent 0.0 after 60 s, d2 (billing, vpn) sent
	 * 0.5 after 300 s, d3 (no tags) discarded. Week of Mon 2026-11-09: d4 (vpn) sent 1.0
	 * after 120 s rated up then down, d5 (vpn) rated up, never sent. d0 in October. */
	exec_sql(f,
		 "INSERT INTO drafts(id, ticket_id, created_at, mode, text) VALUES"
		 " ('d0','t0','2026-10-20T10:00:00Z','offline','x'),"
		 " ('d1','t1','2026-11-02T10:00:00Z','offline','x'),"
		 " ('d2','t2','2026-11-04T10:00:00Z','offline','x'),"
		 " ('d3','t3','2026-11-08T23:00:00Z','offline','x'),"
		 " ('d4','t4','2026-11-09T00:30:00Z','offline','x'),"
		 " ('d5','t5','2026-11-12T10:00:00Z','offline','x');"
		 "INSERT INTO draft_context(draft_id, tags_json) VALUES"
		 " ('d0','[\"billing\"]'), ('d1','[\"billing\"]'), ('d2','[\"billing\",\"vpn\"]'),"
		 " ('d4','[\"vpn\"]'), ('d5','[\"vpn\"]');"
		 "INSERT INTO feedback(draft_id, kind, sent_text, edit_distance, edit_ratio,"
		 " word_edit_ratio, kept_share, rating, created_at) VALUES"
		 " ('d0','sent','x',9,0.9,0.9,0,NULL,'2026-10-20T10:01:00Z'),"
		 " ('d1','sent','x',0,0.0,0.0,1,NULL,'2026-11-02T10:01:00Z'),"
		 " ('d2','sent','x',5,0.5,0.6,0.5,NULL,'2026-11-04T10:05:00Z'),"
		 " ('d3','discarded',NULL,NULL,NULL,NULL,NULL,NULL,'2026-11-09T00:00:00Z'),"
		 " ('d4','sent','x',10,1.0,1.0,0,NULL,'2026-11-09T00:32:00Z'),"
		 " ('d4','rating',NULL,NULL,NULL,NULL,NULL,'up','2026-11-09T00:33:00Z'),"
		 " ('d4','rating',NULL,NULL,NULL,NULL,NULL,'down','2026-11-09T00:34:00Z'),"
		 " ('d5','rating',NULL,NULL,NULL,NULL,NULL,'up','2026-11-12T11:00:00Z');"
		 "INSERT INTO gaps(ticket_id, draft_id, created_at) VALUES"
		 " ('t3','d3','2026-11-08T23:00:00Z'), ('t0','d0','2026-10-20T10:00:00Z');");
	cJSON *r = NULL;
	char err[512] = "";
	assert_int_equal(app_stats(&f->app, "2026-11-01", &r, err, sizeof err), 0);
	assert_int_equal((int)num(r, "drafts"), 5);
	assert_int_equal((int)num(r, "sent"), 3);
	assert_int_equal((int)num(r, "discarded"), 1);
	assert_true(num(r, "median_edit_ratio") == 0.5);
	assert_true(num(r, "mean_edit_ratio") == 0.5);
	assert_true(num(r, "median_word_edit_ratio") == 0.6);
	assert_true(num(r, "median_kept_share") == 0.5);
	assert_true(fabs(num(r, "nearly_unedited_share") - 0.3333) < 1e-9);
	assert_true(num(r, "median_seconds_to_send") == 120);
	const cJSON *th = cJSON_GetObjectItem(r, "thumbs");
	assert_int_equal((int)num(th, "up"), 1);   /* d5; d4's latest is down */
	assert_int_equal((int)num(th, "down"), 1);
	assert_int_equal((int)num(r, "knowledge_gaps"), 1);
	const cJSON *h = cJSON_GetObjectItem(r, "edit_ratio_histogram");
	assert_int_equal(cJSON_GetArraySize(h), 10);
	assert_int_equal(cJSON_GetArrayItem(h, 0)->valueint, 1);
	assert_int_equal(cJSON_GetArrayItem(h, 5)->valueint, 1);
	assert_int_equal(cJSON_GetArrayItem(h, 9)->valueint, 1);
	const cJSON *q = cJSON_GetObjectItem(r, "edit_ratio_quartiles");
	assert_true(num(q, "p25") == 0.25 && num(q, "p75") == 0.75);
	assert_null(cJSON_GetObjectItem(r, "warning"));
	/* Weeks start on Monday. */
	const cJSON *w = cJSON_GetObjectItem(r, "by_week");
	assert_int_equal(cJSON_GetArraySize(w), 2);
	const cJSON *w0 = cJSON_GetArrayItem(w, 0), *w1 = cJSON_GetArrayItem(w, 1);
	assert_string_equal(cJSON_GetObjectItem(w0, "week")->valuestring, "2026-11-02");
	assert_int_equal((int)num(w0, "drafts"), 3);
	assert_int_equal((int)num(w0, "sent"), 2);
	assert_true(num(w0, "median_edit_ratio") == 0.25);
	assert_true(num(w0, "median_seconds_to_send") == 180);
	assert_string_equal(cJSON_GetObjectItem(w1, "week")->valuestring, "2026-11-09");
	assert_int_equal((int)num(w1, "drafts"), 2);
	assert_true(num(w1, "median_edit_ratio") == 1.0);
	/* Tags: most drafts first, then by name; untagged drafts grouped. */
	const cJSON *t = cJSON_GetObjectItem(r, "by_tag");
	assert_int_equal(cJSON_GetArraySize(t), 3);
	const cJSON *t0 = cJSON_GetArrayItem(t, 0);
	assert_string_equal(cJSON_GetObjectItem(t0, "tag")->valuestring, "vpn");
	assert_int_equal((int)num(t0, "drafts"), 3);
	assert_int_equal((int)num(t0, "sent"), 2);
	assert_true(num(t0, "median_edit_ratio") == 0.75);
	const cJSON *t1 = cJSON_GetArrayItem(t, 1);
	assert_string_equal(cJSON_GetObjectItem(t1, "tag")->valuestring, "billing");
	assert_true(num(t1, "median_edit_ratio") == 0.25);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(t, 2), "tag")->valuestring,
			    "(untagged)");
	cJSON_Delete(r);

	/* Without since: d0 too; a bad date is refused. */
	assert_int_equal(app_stats(&f->app, NULL, &r, err, sizeof err), 0);
	assert_int_equal((int)num(r, "drafts"), 6);
	assert_true(num(r, "median_edit_ratio") == 0.7);
	cJSON_Delete(r);
	assert_int_equal(app_stats(&f->app, "last week", &r, err, sizeof err), PRECEDENT_EFIELD);
	assert_null(r);
}

/* The robotic-reply warning: more than 80% of at least 10 sent drafts nearly unedited. */
static void test_stats_robotic_warning(void **state)
{
	fx_t *f = *state;
	cJSON *r = NULL;
	char err[512], sql[512];
	for (int i = 0; i < 10; i++) {
		snprintf(sql, sizeof sql,
			 "INSERT INTO drafts(id, ticket_id, mode, text) VALUES ('r%d','t','offline','x');"
			 "INSERT INTO feedback(draft_id, kind, sent_text, edit_ratio, word_edit_ratio)"
			 " VALUES ('r%d','sent','x',%s,0)",
			 i, i, i < 9 ? "0.01" : "0.5");
		exec_sql(f, sql);
	}
	assert_int_equal(app_stats(&f->app, NULL, &r, err, sizeof err), 0);
	assert_non_null(cJSON_GetObjectItem(r, "warning"));
	assert_true(fabs(num(r, "nearly_unedited_share") - 0.9) < 1e-9);
	cJSON_Delete(r);
}

/* Export: redacted pairs as JSONL and CSV. */
static void test_export_pairs(void **state)
{
	fx_t *f = *state;
	char err[512] = "";
	cJSON *r = NULL;
	put_draft(f, "e1", "T-9", "Hello [NAME_1], \"restart\" it [#12].", "[\"[#12]\"]",
		  "[\"sync\"]");
	assert_int_equal(store_vault_put(f->app.store, "T-9", "[NAME_1]", "Oscar Berg"), 0);
	assert_int_equal(app_feedback_sent(&f->app, "e1",
					   "Hello Oscar Berg, \"restart\" it now.\nmail oscar@berg.se",
					   0, &r, err, sizeof err),
			 0);
	cJSON_Delete(r);
	char *buf = NULL;
	size_t len = 0, n = 0;
	FILE *out = open_memstream(&buf, &len);
	assert_int_equal(app_export_pairs(&f->app, NULL, 0, out, &n, err, sizeof err), 0);
	fclose(out);
	assert_int_equal(n, 1);
	assert_null(strstr(buf, "Oscar"));
	assert_null(strstr(buf, "oscar@berg.se"));
	cJSON *o = cJSON_Parse(buf);
	assert_non_null(o);
	assert_string_equal(cJSON_GetObjectItem(o, "draft")->valuestring,
			    "Hello [NAME_1], \"restart\" it [#12].");
	assert_non_null(strstr(cJSON_GetObjectItem(o, "sent")->valuestring, "Hello [NAME_1]"));
	assert_string_equal(cJSON_GetObjectItem(o, "subject")->valuestring, "VPN drops [EMAIL_1]");
	cJSON_Delete(o);
	free(buf);
	buf = NULL;
	out = open_memstream(&buf, &len);
	assert_int_equal(app_export_pairs(&f->app, NULL, 1, out, &n, err, sizeof err), 0);
	fclose(out);
	assert_non_null(strstr(buf, "\"draft_id\",\"ticket_id\""));
	assert_non_null(strstr(buf, "\"Hello [NAME_1], \"\"restart\"\" it [#12].\""));
	assert_null(strstr(buf, "Oscar"));
	free(buf);
	buf = NULL;
	out = open_memstream(&buf, &len);
	assert_int_equal(app_export_pairs(&f->app, "2999-01-01", 0, out, &n, err, sizeof err), 0);
	fclose(out);
	assert_int_equal(n, 0);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_sent_metrics_normalized_and_attributed, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_source_factor_bounded_and_reversible, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_answered_gap_becomes_candidate, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stats_known_answers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stats_robotic_warning, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_export_pairs, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
