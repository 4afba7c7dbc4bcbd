/*
 * test_store_faults.c - fault injection over the store: SQLite's N-th memory
 * allocation fails, for every N along a whole open/import/draft/feedback path.
 * Each run must end in success or a clean error code: no crash, no leak, and a
 * database that reopens consistent afterwards. Also: a frame written to a closed
 * pipe is an I/O error, not a SIGPIPE death.
 */
#include "testutil.h"

#include "precedent/error.h"
#include "precedent/nm.h"
#include "precedent/store.h"
#include "precedent/util.h"

#include <signal.h>

static sqlite3_mem_methods real;
static int fail_at;  /* 0: never */
static int counter;

static void *f_malloc(int n)
{
	if (fail_at && ++counter == fail_at)
		return NULL;
	return real.xMalloc(n);
}

static void *f_realloc(void *p, int n)
{
	if (fail_at && ++counter == fail_at)
		return NULL;
	return real.xRealloc(p, n);
}

static int setup(void **state)
{
	(void)state;
	sqlite3_mem_methods m;
	sqlite3_shutdown();
	sqlite3_config(SQLITE_CONFIG_GETMALLOC, &real);
	m = real;
	m.xMalloc = f_malloc;
	m.xRealloc = f_realloc;
	sqlite3_config(SQLITE_CONFIG_MALLOC, &m);
	sqlite3_initialize();
	return 0;
}

/* One pass over the store's write paths; returns 0 or the first error. */
static int exercise(const char *db)
{
	store_t *s = NULL;
	char err[512];
	int rc, outcome;
	if ((rc = store_open(db, 0, &s, err, sizeof err)))
		return rc;
	store_ticket_t t = {.id = "F1", .subject = "export blank", .problem = "pdf is empty",
			    .resolution = "clear cache", .content_hash = "h1"};
	store_section_t sec = {.anchor = "a", .title = "A", .heading_path = "Doc > A", .body = "b"};
	store_draft_t d = {.id = "d_f", .ticket_id = "F1", .mode = "offline", .text = "hi"};
	store_feedback_t f = {.draft_id = "d_f", .kind = "sent", .sent_text = "hi there",
			      .edit_distance = 6, .edit_ratio = 0.6, .word_edit_ratio = 0.5};
	if (!(rc = store_begin(s))) {
		if (!(rc = store_ticket_upsert(s, &t, &outcome)) &&
		    !(rc = store_doc_replace(s, "doc.md", "Doc", "h2", &sec, 1, &outcome)) &&
		    !(rc = store_vault_put(s, "F1", "[EMAIL_1]", "a@b.example")) &&
		    !(rc = store_draft_insert(s, &d)) && !(rc = store_feedback_insert(s, &f)))
			rc = store_commit(s);
		if (rc)
			store_rollback(s);
	}
	store_close(s);
	return rc;
}

static void test_every_allocation_failure_is_a_clean_error(void **state)
{
	(void)state;
	/* tmpfs when there is one: hundreds of small databases, fsync-bound on disk. */
	char tmpl[] = "/dev/shm/precedent-fault-XXXXXX";
	char *dir = access("/dev/shm", W_OK) == 0 && mkdtemp(tmpl) ? strdup(tmpl) : test_tmpdir();
	char db[600];
	int successes = 0, failures = 0;
	/* Every early allocation, then a growing stride: the path is long. */
	for (int n = 1; n < 100000; n += n < 200 ? 1 : n / 25) {
		snprintf(db, sizeof db, "%s/f%d.db", dir, n);
		counter = 0;
		fail_at = n;
		int rc = exercise(db);
		int reached = counter >= n;
		fail_at = 0;
		if (rc == 0)
			successes++;
		else
			failures++;
		assert_true(rc <= 0);
		/* Whatever happened, the file opens again and passes an integrity check. */
		store_t *s = NULL;
		char err[512];
		if (store_open(db, 0, &s, err, sizeof err) == 0) {
			sqlite3_stmt *st;
			assert_int_equal(sqlite3_prepare_v2(store_db(s), "PRAGMA integrity_check", -1,
							    &st, NULL),
					 SQLITE_OK);
			assert_int_equal(sqlite3_step(st), SQLITE_ROW);
			assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
			sqlite3_finalize(st);
			/* All or nothing: the ticket and the feedback row come together. */
			assert_int_equal(sqlite3_prepare_v2(store_db(s),
							    "SELECT (SELECT count(*) FROM tickets),"
							    " (SELECT count(*) FROM feedback)",
							    -1, &st, NULL),
					 SQLITE_OK);
			assert_int_equal(sqlite3_step(st), SQLITE_ROW);
			assert_int_equal(sqlite3_column_int(st, 0), sqlite3_column_int(st, 1));
			sqlite3_finalize(st);
			store_close(s);
		}
		if (!reached)
			break; /* the whole path ran without reaching allocation n */
	}
	assert_true(failures > 100);
	assert_true(successes >= 1);
	test_rmtree(dir);
	free(dir);
}

static void test_writing_a_frame_to_a_closed_pipe_is_an_io_error(void **state)
{
	(void)state;
	int fds[2];
	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(pipe(fds), 0);
	close(fds[0]);
	assert_int_equal(nm_write_frame(fds[1], "{}", 2), PRECEDENT_EIO);
	close(fds[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_allocation_failure_is_a_clean_error),
	    cmocka_unit_test(test_writing_a_frame_to_a_closed_pipe_is_an_io_error),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
