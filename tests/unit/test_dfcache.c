/*
 * test_dfcache.c - retrieval's cached document frequencies across changes: a small
 * corpus clears them on any change; a large one keeps them until the changes pass
 * STORE_DF_DRIFT_PERCENT of it; after a clear, a large corpus gets its common
 * terms' frequencies back from one pass over the vocabulary; a search remembers
 * the costly counts it made.
 */
#include "testutil.h"

#include "precedent/error.h"
#include "precedent/retrieve.h"
#include "precedent/store.h"

typedef struct fixture {
	char *dir;
	store_t *s;
	char err[512];
} fixture_t;

static int setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	char path[600];
	f->dir = test_tmpdir();
	snprintf(path, sizeof path, "%s/t.db", f->dir);
	assert_int_equal(store_open(path, 0, &f->s, f->err, sizeof f->err), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_t *f = *state;
	store_close(f->s);
	test_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static void exec_ok(fixture_t *f, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(store_db(f->s), sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : "?");
}

static long long one(fixture_t *f, const char *sql)
{
	sqlite3_stmt *st;
	long long v = -1;
	assert_int_equal(sqlite3_prepare_v2(store_db(f->s), sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void note(fixture_t *f, long changed)
{
	assert_int_equal(store_begin(f->s), 0);
	assert_int_equal(store_df_cache_note(f->s, 0, changed), 0);
	assert_int_equal(store_commit(f->s), 0);
}

static void test_small_corpus_clears_on_any_change(void **state)
{
	fixture_t *f = *state;
	exec_ok(f, "INSERT INTO tickets(id, subject) VALUES ('1', 'invoice totals wrong');"
		   "INSERT INTO df_cache VALUES (0, 'invoic', 1), (1, 'guid', 3);");
	note(f, 1);
	assert_int_equal(one(f, "SELECT count(*) FROM df_cache WHERE kind = 0"), 0);
	/* the other kind's frequencies are not touched */
	assert_int_equal(one(f, "SELECT count(*) FROM df_cache WHERE kind = 1"), 1);
}

static void test_large_corpus_keeps_the_cache_until_the_drift_is_large(void **state)
{
	fixture_t *f = *state;
	/* a corpus of 100,000 tickets as far as max(rowid) tells */
	exec_ok(f, "INSERT INTO tickets(rowid, id, subject) VALUES (100000, 'big', 'invoice');"
		   "INSERT INTO df_cache VALUES (0, 'invoic', 40000);");
	note(f, 1);
	note(f, 10);
	assert_int_equal(one(f, "SELECT df FROM df_cache WHERE term = 'invoic'"), 40000);
	assert_int_equal(one(f, "SELECT CAST(value AS INTEGER) FROM meta"
				" WHERE key = 'df_cache_drift_0'"),
			 11);
	/* 5% of 100,000 is 5,000: 11 + 4,989 is not more, 11 + 4,990 is */
	note(f, 4989);
	assert_int_equal(one(f, "SELECT count(*) FROM df_cache"), 1);
	note(f, 1);
	assert_int_equal(one(f, "SELECT count(*) FROM df_cache"), 0);
	assert_int_equal(one(f, "SELECT CAST(value AS INTEGER) FROM meta"
				" WHERE key = 'df_cache_drift_0'"),
			 0);
}

static void test_prefill_caches_common_terms_of_a_large_corpus_once(void **state)
{
	fixture_t *f = *state;
	/* 2,100 tickets say "invoice", three say "quixotic"; max(rowid) says large */
	exec_ok(f, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2100)"
		   " INSERT INTO tickets(id, subject) SELECT 't' || i, 'invoice total ' || i FROM n;"
		   "INSERT INTO tickets(id, subject) VALUES ('q1', 'quixotic'), ('q2', 'quixotic'),"
		   " ('q3', 'quixotic');"
		   "INSERT INTO tickets(rowid, id, subject) VALUES (60000, 'last', 'hello');");
	assert_int_equal(store_df_cache_prefill(f->s, 0), 0);
	assert_int_equal(one(f, "SELECT df FROM df_cache WHERE kind = 0 AND term = 'invoic'"), 2100);
	assert_int_equal(one(f, "SELECT count(*) FROM df_cache WHERE term = 'quixot'"), 0);
	/* a cache that holds something is left alone */
	exec_ok(f, "DELETE FROM df_cache;"
		   "INSERT INTO df_cache VALUES (0, 'other', 5);");
	assert_int_equal(store_df_cache_prefill(f->s, 0), 0);
	assert_int_equal(one(f, "SELECT count(*) FROM df_cache WHERE term = 'invoic'"), 0);
}

static void test_small_corpus_is_not_prefilled(void **state)
{
	fixture_t *f = *state;
	exec_ok(f, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2100)"
		   " INSERT INTO tickets(id, subject) SELECT 't' || i, 'invoice' FROM n;");
	assert_int_equal(store_df_cache_prefill(f->s, 0), 0);
	assert_int_equal(one(f, "SELECT count(*) FROM df_cache"), 0);
}

/* A search remembers the frequencies that were costly to count (common terms),
 * not the rare ones. */
static void test_search_remembers_costly_counts(void **state)
{
	fixture_t *f = *state;
	exec_ok(f, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2100)"
		   " INSERT INTO tickets(id, subject, resolution) SELECT 't' || i, 'invoice total',"
		   " 'fixed' FROM n;"
		   "INSERT INTO tickets(id, subject, resolution) VALUES ('z', 'zeppelin', 'x');");
	retrieve_result_t r;
	assert_int_equal(retrieve_search(f->s, "invoice zeppelin", NULL, 5, &r), 0);
	assert_true(r.ntickets > 0);
	retrieve_result_release(&r);
	assert_int_equal(one(f, "SELECT df FROM df_cache WHERE kind = 0 AND term = 'invoic'"), 2100);
	assert_int_equal(one(f, "SELECT count(*) FROM df_cache WHERE term = 'zeppelin'"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_small_corpus_clears_on_any_change, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_large_corpus_keeps_the_cache_until_the_drift_is_large,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_prefill_caches_common_terms_of_a_large_corpus_once,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_small_corpus_is_not_prefilled, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_search_remembers_costly_counts, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
