/*
 * test_store.c - the store: migrations, refusal of newer schemas and corrupt
 * files with a clear message, the vault kept out of the index file, upserts by
 * content hash.
 */
#include "testutil.h"

#include "precedent/error.h"
#include "precedent/store.h"
#include "precedent/util.h"

#include <sys/stat.h>

static char *path_in(const char *dir, const char *name)
{
	char *p = malloc(strlen(dir) + strlen(name) + 2);
	sprintf(p, "%s/%s", dir, name);
	return p;
}

static void test_open_creates_private_files_and_reopens(void **state)
{
	(void)state;
	char *dir = test_tmpdir();
	char *db = path_in(dir, "sub/dir/p.db");
	store_t *s;
	char err[512];
	struct stat st;
	assert_int_equal(store_open(db, 0, &s, err, sizeof err), 0);
	assert_true(store_schema_version(s) >= 1);
	store_close(s);
	assert_int_equal(stat(db, &st), 0);
	assert_int_equal(st.st_mode & 077, 0);
	char *vault = path_in(dir, "sub/dir/p.db.vault");
	assert_int_equal(stat(vault, &st), 0);
	assert_int_equal(st.st_mode & 077, 0);
	/* Reopening an up-to-date database runs no migration and works. */
	assert_int_equal(store_open(db, 0, &s, err, sizeof err), 0);
	store_close(s);
	free(vault);
	free(db);
	test_rmtree(dir);
	free(dir);
}

static void test_newer_schema_is_refused_with_a_message(void **state)
{
	(void)state;
	char *dir = test_tmpdir();
	char *db = path_in(dir, "p.db");
	store_t *s;
	char err[512] = "";
	assert_int_equal(store_open(db, 0, &s, err, sizeof err), 0);
	assert_int_equal(sqlite3_exec(store_db(s), "PRAGMA user_version=999", NULL, NULL, NULL), 0);
	store_close(s);
	assert_int_equal(store_open(db, 0, &s, err, sizeof err), PRECEDENT_ESCHEMA);
	assert_non_null(strstr(err, "newer"));
	assert_non_null(strstr(err, "999"));
	free(db);
	test_rmtree(dir);
	free(dir);
}

static void test_corrupt_file_is_refused_with_a_message(void **state)
{
	(void)state;
	char *dir = test_tmpdir();
	char *db = path_in(dir, "p.db");
	store_t *s = NULL;
	char err[512] = "";
	FILE *f = fopen(db, "w");
	assert_non_null(f);
	for (int i = 0; i < 200; i++)
		fputs("this is not a database at all, just text. ", f);
	fclose(f);
	assert_int_equal(store_open(db, 0, &s, err, sizeof err), PRECEDENT_ECORRUPT);
	assert_null(s);
	assert_non_null(strstr(err, "corrupt"));
	free(db);
	test_rmtree(dir);
	free(dir);
}

static void test_vault_originals_stay_out_of_the_index_file(void **state)
{
	(void)state;
	char *dir = test_tmpdir();
	char *db = path_in(dir, "p.db");
	store_t *s;
	char err[512];
	assert_int_equal(store_open(db, 0, &s, err, sizeof err), 0);
	assert_int_equal(store_vault_put(s, "T1", "[EMAIL_1]", "secret.person@example.org"), 0);
	store_close(s);
	char *text;
	size_t len;
	assert_int_equal(read_file(db, 1u << 26, &text, &len), 0);
	assert_null(memmem(text, len, "secret.person@example.org", 25));
	free(text);
	char *vault = path_in(dir, "p.db.vault");
	/* WAL: the value may sit in the -wal file until checkpoint; either holds it. */
	char *wal = path_in(dir, "p.db.vault-wal");
	int found = 0;
	const char *files[] = {vault, wal};
	for (int i = 0; i < 2; i++) {
		if (read_file(files[i], 1u << 26, &text, &len) == 0) {
			found |= memmem(text, len, "secret.person@example.org", 25) != NULL;
			free(text);
		}
	}
	assert_true(found);
	free(wal);
	free(vault);
	free(db);
	test_rmtree(dir);
	free(dir);
}

static void test_ticket_upsert_skips_unchanged_and_updates_changed(void **state)
{
	(void)state;
	char *dir = test_tmpdir();
	char *db = path_in(dir, "p.db");
	store_t *s;
	char err[512];
	int outcome;
	long t, sec, d;
	assert_int_equal(store_open(db, 0, &s, err, sizeof err), 0);
	store_ticket_t tk = {.id = "1", .subject = "printer on fire", .content_hash = "aaaa"};
	assert_int_equal(store_ticket_upsert(s, &tk, &outcome), 0);
	assert_int_equal(outcome, STORE_INSERTED);
	assert_int_equal(store_ticket_upsert(s, &tk, &outcome), 0);
	assert_int_equal(outcome, STORE_SKIPPED);
	tk.subject = "printer still on fire";
	tk.content_hash = "bbbb";
	assert_int_equal(store_ticket_upsert(s, &tk, &outcome), 0);
	assert_int_equal(outcome, STORE_UPDATED);
	assert_int_equal(store_counts(s, &t, &sec, &d), 0);
	assert_int_equal(t, 1);
	/* The FTS index follows the update: the new words match, the row is single. */
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(store_db(s),
					    "SELECT count(*) FROM tickets_fts WHERE tickets_fts MATCH "
					    "'still'",
					    -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 1);
	sqlite3_finalize(st);
	store_close(s);
	free(db);
	test_rmtree(dir);
	free(dir);
}

static void test_unwritable_location_gives_a_clear_error(void **state)
{
	(void)state;
	char *dir = test_tmpdir();
	/* A regular file where a directory should be: fails for root too. */
	char *blocker = path_in(dir, "file");
	char *db = path_in(dir, "file/p.db");
	store_t *s = NULL;
	char err[512] = "";
	FILE *f = fopen(blocker, "w");
	assert_non_null(f);
	fclose(f);
	assert_true(store_open(db, 0, &s, err, sizeof err) < 0);
	assert_null(s);
	assert_non_null(strstr(err, dir));
	/* A read-only open of a database that does not exist fails cleanly too. */
	char *missing = path_in(dir, "missing.db");
	err[0] = '\0';
	assert_true(store_open(missing, STORE_READONLY, &s, err, sizeof err) < 0);
	assert_null(s);
	assert_true(strlen(err) > 0);
	free(missing);
	free(blocker);
	free(db);
	test_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_open_creates_private_files_and_reopens),
	    cmocka_unit_test(test_newer_schema_is_refused_with_a_message),
	    cmocka_unit_test(test_corrupt_file_is_refused_with_a_message),
	    cmocka_unit_test(test_vault_originals_stay_out_of_the_index_file),
	    cmocka_unit_test(test_ticket_upsert_skips_unchanged_and_updates_changed),
	    cmocka_unit_test(test_unwritable_location_gives_a_clear_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
