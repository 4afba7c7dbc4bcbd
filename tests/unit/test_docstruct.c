/*
 * test_docstruct.c - the doc outline: natural path order, parents from heading
 * levels and from title inclusion among sibling files, descendants' text in the
 * parent's `sub` (and so in the index), idempotent rebuilds, re-imports that
 * change the outline, and a chapter found by words only its subsections use.
 */
#include "testutil.h"

#include "precedent/docstruct.h"
#include "precedent/error.h"
#include "precedent/eval.h"
#include "precedent/ingest.h"
#include "precedent/redact.h"
#include "precedent/retrieve.h"
#include "precedent/store.h"
#include "precedent/util.h"

typedef struct fixture {
	char *dir, docs[600];
	store_t *s;
	redactor_t *r;
	char err[1024];
} fixture_t;

static void write_doc(fixture_t *f, const char *name, const char *text)
{
	char path[900];
	snprintf(path, sizeof path, "%s/%s", f->docs, name);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static int setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	char path[600];
	f->dir = test_tmpdir();
	snprintf(path, sizeof path, "%s/t.db", f->dir);
	snprintf(f->docs, sizeof f->docs, "%s/docs", f->dir);
	assert_int_equal(mkdir_p(f->docs), 0);
	assert_int_equal(store_open(path, 0, &f->s, f->err, sizeof f->err), 0);
	assert_int_equal(redactor_new(NULL, 0, &f->r, f->err, sizeof f->err), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_t *f = *state;
	store_close(f->s);
	redactor_free(f->r);
	test_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

static void import(fixture_t *f)
{
	ingest_report_t rep;
	ingest_report_init(&rep);
	assert_int_equal(ingest_docs_dir(f->s, f->r, f->docs, &rep, NULL, f->err, sizeof f->err),
			 0);
	ingest_report_release(&rep);
}

/* One text column of the row that sql (one ?1 parameter) selects, malloc'd. */
static char *text_of(fixture_t *f, const char *sql, const char *title)
{
	sqlite3_stmt *st;
	char *out = NULL;
	assert_int_equal(sqlite3_prepare_v2(store_db(f->s), sql, -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, title, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	out = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out;
}

/* The parent's title of the section titled `title` ("" for none). */
static char *parent_of(fixture_t *f, const char *title)
{
	return text_of(f,
		       "SELECT coalesce(p.title, '') FROM doc_sections d"
		       " LEFT JOIN doc_sections p ON p.rowid = d.parent WHERE d.title = ?1",
		       title);
}

static char *sub_of(fixture_t *f, const char *title)
{
	return text_of(f, "SELECT sub FROM doc_sections WHERE title = ?1", title);
}

static void assert_parent(fixture_t *f, const char *title, const char *want)
{
	char *p = parent_of(f, title);
	if (strcmp(p, want) != 0)
		fail_msg("parent of '%s' is '%s', want '%s'", title, p, want);
	free(p);
}

static void assert_sub_has(fixture_t *f, const char *title, const char *needle, int want)
{
	char *s = sub_of(f, title);
	if ((strstr(s, needle) != NULL) != want)
		fail_msg("sub of '%s' %s '%s': [%s]", title, want ? "lacks" : "has", needle, s);
	free(s);
}

static void test_natural_order_compares_numbers_by_value(void **state)
{
	(void)state;
	assert_true(docstruct_natcmp("section_9.md", "section_10.md") < 0);
	assert_true(docstruct_natcmp("section_10.md", "section_9.md") > 0);
	assert_true(docstruct_natcmp("a2b", "a10b") < 0);
	assert_true(docstruct_natcmp("a007", "a7") == 0);
	assert_true(docstruct_natcmp("ch1/p2", "ch1/p2") == 0);
	assert_true(docstruct_natcmp("abc", "abd") < 0);
	assert_true(docstruct_natcmp("ab", "abc") < 0);
	assert_true(docstruct_natcmp("", "") == 0);
}

/* One section per file, no heading levels: the outline comes from titles. */
static void flat_manual(fixture_t *f)
{
	write_doc(f, "s1.md", "# Contacts\n\nStore and manage your contacts.\n");
	write_doc(f, "s2.md", "# Link contacts\n\nMerge duplicate contact entries into one.\n");
	write_doc(f, "s3.md", "# Groups\n\nGroups of contacts you message together.\n");
	write_doc(f, "s4.md", "# Delete a group\n\nRemove a group you created earlier.\n");
	write_doc(f, "s9.md", "# Camera\n\nTake pictures and record videos.\n");
	/* after s9 in natural order, before it in byte order */
	write_doc(f, "s10.md", "# Shutter sound\n\nThe camera plays a click when it shoots.\n");
}

static void test_sibling_files_get_parents_by_title_inclusion(void **state)
{
	fixture_t *f = *state;
	flat_manual(f);
	import(f);
	assert_parent(f, "Contacts", "");
	assert_parent(f, "Link contacts", "Contacts");
	assert_parent(f, "Groups", "Contacts");
	assert_parent(f, "Delete a group", "Groups");
	assert_parent(f, "Camera", "");
	assert_parent(f, "Shutter sound", "Camera");
	/* descendants at any depth, in outline order; leaves have none */
	assert_sub_has(f, "Contacts", "Link contacts. Merge duplicate", 1);
	assert_sub_has(f, "Contacts", "Delete a group", 1);
	assert_sub_has(f, "Groups", "Delete a group", 1);
	assert_sub_has(f, "Camera", "Shutter sound", 1);
	assert_sub_has(f, "Camera", "Contacts", 0);
	char *leaf = sub_of(f, "Delete a group");
	assert_string_equal(leaf, "");
	free(leaf);
	/* nothing changed: a rebuild writes no row */
	size_t np = 0, nc = 99;
	assert_int_equal(docstruct_rebuild(f->s, &np, &nc), 0);
	assert_int_equal(np, 4);
	assert_int_equal(nc, 0);
}

static void test_heading_levels_give_the_outline_inside_a_file(void **state)
{
	fixture_t *f = *state;
	write_doc(f, "guide.md",
		  "# Guide\n\nWelcome.\n\n## Billing\n\nInvoices every month.\n\n"
		  "### Refunds\n\nA refund takes five days.\n\n## Exports\n\nDownload a CSV file.\n");
	import(f);
	assert_parent(f, "Guide", "");
	assert_parent(f, "Billing", "Guide");
	assert_parent(f, "Refunds", "Billing");
	assert_parent(f, "Exports", "Guide");
	assert_sub_has(f, "Guide", "Refunds. A refund takes five days.", 1);
	assert_sub_has(f, "Billing", "Refunds", 1);
	assert_sub_has(f, "Billing", "Exports", 0);
}

static void test_reimport_updates_the_outline(void **state)
{
	fixture_t *f = *state;
	flat_manual(f);
	import(f);
	assert_parent(f, "Shutter sound", "Camera");
	/* the page no longer says "camera": it is no longer under Camera */
	write_doc(f, "s10.md", "# Shutter sound\n\nA click plays when a picture is taken.\n");
	import(f);
	assert_parent(f, "Shutter sound", "");
	assert_sub_has(f, "Camera", "Shutter", 0);
}

/* Words used only by a subsection find its chapter too, with a snippet from
 * the subsection's text. */
static void test_chapter_is_found_by_its_subsections_words(void **state)
{
	fixture_t *f = *state;
	flat_manual(f);
	import(f);
	retrieve_result_t res;
	assert_int_equal(retrieve_search(f->s, "merge duplicate entries", NULL, 5, &res), 0);
	int found = 0;
	for (size_t i = 0; i < res.ndocs; i++)
		if (strcmp(res.docs[i].title, "Contacts") == 0) {
			found = 1;
			assert_non_null(strstr(res.docs[i].snippet, "**Merge**"));
		}
	assert_true(found);
	retrieve_result_release(&res);
}

/* A document judged by its path is found once: its other sections ranked
 * below do not count again (nDCG stays within 0..1). */
static void test_eval_counts_a_judged_document_once(void **state)
{
	fixture_t *f = *state;
	char q[900], r[900];
	write_doc(f, "refunds.md",
		  "# Refunds\n\nA refund is issued to the card.\n\n## Refund timing\n\n"
		  "A refund takes five days.\n\n## Partial refund\n\nA partial refund is allowed.\n");
	write_doc(f, "exports.md", "# Exports\n\nDownload a CSV file of refunds.\n");
	import(f);
	snprintf(q, sizeof q, "%s/q.jsonl", f->dir);
	snprintf(r, sizeof r, "%s/qrels.tsv", f->dir);
	FILE *fp = fopen(q, "w");
	fputs("{\"id\": \"q1\", \"subject\": \"refund\", \"messages\": "
	      "[{\"role\": \"customer\", \"body\": \"refund\"}]}\n", fp);
	fclose(fp);
	fp = fopen(r, "w");
	fputs("q1\trefunds.md\t1\n", fp);
	fclose(fp);
	eval_metrics_t m;
	if (eval_run(f->s, f->r, r, q, 1, NULL, NULL, &m, f->err, sizeof f->err) != 0)
		fail_msg("eval: %s", f->err);
	assert_int_equal(m.queries, 1);
	assert_true(m.mrr10 > 0.99);
	assert_true(m.ndcg10 > 0.99 && m.ndcg10 < 1.0001);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_natural_order_compares_numbers_by_value),
	    cmocka_unit_test_setup_teardown(test_sibling_files_get_parents_by_title_inclusion,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_heading_levels_give_the_outline_inside_a_file,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reimport_updates_the_outline, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_chapter_is_found_by_its_subsections_words, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_eval_counts_a_judged_document_once, setup,
					    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
