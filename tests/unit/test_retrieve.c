/*
 * test_retrieve.c - query building (boilerplate, stop words, identifiers as
 * phrases), ranking order on the fixture corpus (tests/fixtures/retrieval),
 * the resolution boost, confidence and knowledge-gap detection, and eval.
 */
#include "testutil.h"

#include <signal.h>
#include <sys/wait.h>

#include "precedent/error.h"
#include "precedent/eval.h"
#include "precedent/ingest.h"
#include "precedent/redact.h"
#include "precedent/retrieve.h"
#include "precedent/store.h"
#include "precedent/util.h"

#define FIX "tests/fixtures/retrieval/"

typedef struct fixture {
	char *dir;
	store_t *s;
	redactor_t *r;
} fixture_t;

static int setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	char err[512], path[600];
	ingest_report_t rep;
	f->dir = test_tmpdir();
	snprintf(path, sizeof path, "%s/t.db", f->dir);
	assert_int_equal(store_open(path, 0, &f->s, err, sizeof err), 0);
	assert_int_equal(redactor_new(NULL, 0, &f->r, err, sizeof err), 0);
	ingest_report_init(&rep);
	assert_int_equal(ingest_tickets_jsonl(f->s, f->r, FIX "tickets.jsonl", &rep, NULL, err,
					      sizeof err),
			 0);
	assert_int_equal(rep.imported, 6);
	assert_int_equal(ingest_docs_dir(f->s, f->r, FIX "docs", &rep, NULL, err, sizeof err), 0);
	ingest_report_release(&rep);
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

static int has_word(const char *list, const char *w)
{
	size_t n = strlen(w);
	for (const char *p = list; (p = strstr(p, w)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}

static void test_query_drops_greeting_quote_and_signature(void **state)
{
	(void)state;
	buf_t m, t;
	buf_init(&m, 0);
	buf_init(&t, 0);
	retrieve_build_query("Export fails",
			     "Hi Anna,\nThe warehouse export crashes nightly.\n"
			     "> quoted earlier reply about invoices\n"
			     "On Mon, 3 Feb 2025 at 10:00, Bob wrote:\n> more quoting about refunds\n"
			     "Best regards,\nCharlie Plumber\nAcme Corp",
			     &m, &t);
	const char *terms = buf_cstr(&t);
	assert_true(has_word(terms, "export"));
	assert_true(has_word(terms, "warehouse"));
	assert_true(has_word(terms, "crashes"));
	assert_false(has_word(terms, "invoices"));
	assert_false(has_word(terms, "refunds"));
	assert_false(has_word(terms, "charlie"));
	assert_false(has_word(terms, "acme"));
	assert_false(has_word(terms, "anna"));
	assert_false(has_word(terms, "the"));
	buf_release(&m);
	buf_release(&t);
}

static void test_query_keeps_codes_versions_and_files_as_phrases(void **state)
{
	(void)state;
	buf_t m, t;
	buf_init(&m, 0);
	buf_init(&t, 0);
	retrieve_build_query("Error LL-4012 in v5.2.1",
			     "config.yaml is ignored, 0x80070005 shown at 07:30 for 1,502.63 EUR", &m,
			     &t);
	const char *terms = buf_cstr(&t);
	assert_true(has_word(terms, "ll-4012"));
	assert_true(has_word(terms, "v5-2-1"));
	assert_true(has_word(terms, "config-yaml"));
	assert_true(has_word(terms, "0x80070005"));
	/* times and amounts are no topic */
	assert_false(has_word(terms, "07-30"));
	assert_false(has_word(terms, "502-63"));
	assert_non_null(strstr(buf_cstr(&m), "\"ll 4012\""));
	buf_release(&m);
	buf_release(&t);
}

static void test_error_code_ticket_ranks_first(void **state)
{
	fixture_t *f = *state;
	retrieve_result_t r;
	assert_int_equal(retrieve_search(f->s, "Import broken", "I get LL-4012 on every row", 5, &r),
			 0);
	assert_true(r.ntickets >= 1);
	assert_string_equal(r.tickets[0].id, "T-3");
	assert_true(has_word(r.tickets[0].terms, "ll-4012"));
	assert_non_null(strstr(r.tickets[0].snippet, "**"));
	retrieve_result_release(&r);
}

static void test_subject_and_body_find_saml_ticket_and_doc(void **state)
{
	fixture_t *f = *state;
	retrieve_result_t r;
	assert_int_equal(retrieve_search(f->s, "Nobody can log in: SAML_RESPONSE_EXPIRED",
					 "Our identity server moved to a new VM over the weekend.",
					 5, &r),
			 0);
	assert_true(r.ntickets >= 1 && r.ndocs >= 1);
	assert_string_equal(r.tickets[0].id, "T-1");
	assert_string_equal(r.docs[0].path, "sso.md");
	assert_string_equal(r.docs[0].anchor, "troubleshooting-saml_response_expired");
	assert_true(r.confidence >= 0.35);
	assert_true(r.confidence <= 1.0);
	/* Key terms are the strongest few, not the whole ticket. */
	assert_true(has_word(r.key_terms, "saml-response-expired") ||
		    has_word(r.key_terms, "saml_response_expired"));
	retrieve_result_release(&r);
}

static void test_resolved_ticket_outranks_its_unresolved_duplicate(void **state)
{
	fixture_t *f = *state;
	retrieve_result_t r;
	assert_int_equal(retrieve_search(f->s, "webhook signature mismatch",
					 "HMAC-SHA256 signature fails since we rotated the secret", 5,
					 &r),
			 0);
	assert_true(r.ntickets >= 2);
	assert_string_equal(r.tickets[0].id, "T-2");
	assert_string_equal(r.tickets[1].id, "T-5");
	retrieve_result_release(&r);
}

static void test_unknown_topic_is_a_knowledge_gap(void **state)
{
	fixture_t *f = *state;
	retrieve_result_t r;
	assert_int_equal(retrieve_search(f->s, "Peppol BIS 3.0 UBL e-invoices",
					 "Can you send UBL XML through the Peppol network with our "
					 "participant identifier and buyer reference?",
					 5, &r),
			 0);
	assert_true(r.confidence < 0.35);
	assert_true(has_word(r.key_terms, "peppol"));
	retrieve_result_release(&r);
}

static void test_empty_query_returns_nothing(void **state)
{
	fixture_t *f = *state;
	retrieve_result_t r;
	assert_int_equal(retrieve_search(f->s, "the and of", "> only a quote", 5, &r), 0);
	assert_int_equal(r.ntickets, 0);
	assert_int_equal(r.ndocs, 0);
	assert_true(r.confidence == 0);
	retrieve_result_release(&r);
}

static void test_calibration_is_monotonic_and_bounded(void **state)
{
	(void)state;
	double prev = retrieve_calibrate(0);
	assert_true(prev == 0);
	for (double s = 0.05; s <= 1.0; s += 0.05) {
		double c = retrieve_calibrate(s);
		assert_true(c > prev && c < 1.0);
		prev = c;
	}
}

static void test_eval_reports_perfect_scores_on_fixture(void **state)
{
	fixture_t *f = *state;
	eval_metrics_t m;
	char err[512] = "";
	assert_int_equal(eval_run(f->s, f->r, FIX "qrels.tsv", FIX "queries.jsonl", 0, NULL, NULL,
				  &m, err, sizeof err),
			 0);
	assert_int_equal(m.queries, 3);
	assert_true(m.r1 > 0.99 && m.mrr10 > 0.99 && m.r10 > 0.99);
	assert_true(m.ndcg10 > 0.5 && m.ndcg10 <= 1.0);
}

static void test_eval_rejects_a_malformed_qrels_line(void **state)
{
	fixture_t *f = *state;
	eval_metrics_t m;
	char err[512] = "", path[600];
	snprintf(path, sizeof path, "%s/bad.tsv", f->dir);
	FILE *fp = fopen(path, "w");
	fputs("Q1\tT-1\t1\nno tabs here\n", fp);
	fclose(fp);
	assert_int_equal(eval_run(f->s, f->r, path, FIX "queries.jsonl", 0, NULL, NULL, &m, err,
				  sizeof err),
			 PRECEDENT_EINVAL);
	assert_non_null(strstr(err, ":2:"));
}

/* ---- dense re-ranking against a fake embeddings endpoint on 127.0.0.1 ---------- */

static pid_t embed_pid;
static int embed_port;

static void start_fake_embed(void)
{
	int fds[2];
	char line[64] = "";
	assert_int_equal(pipe(fds), 0);
	embed_pid = fork();
	assert_true(embed_pid >= 0);
	if (embed_pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		execlp("python3", "python3", FIX "fake_embed.py", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	FILE *fp = fdopen(fds[0], "r");
	assert_non_null(fgets(line, sizeof line, fp));
	fclose(fp);
	assert_int_equal(sscanf(line, "PORT %d", &embed_port), 1);
}

static void stop_fake_embed(void)
{
	if (embed_pid > 0) {
		kill(embed_pid, SIGTERM);
		waitpid(embed_pid, NULL, 0);
	}
	embed_pid = 0;
}

/* The fake server never outlives a failed test. */
static int teardown_embed(void **state)
{
	stop_fake_embed();
	return teardown(state);
}

static long embeddings_stored(fixture_t *f)
{
	sqlite3_stmt *st;
	long n = -1;
	assert_int_equal(sqlite3_prepare_v2(store_db(f->s), "SELECT count(*) FROM embeddings", -1,
					    &st, NULL),
			 SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static int pos_of(const retrieve_result_t *r, const char *id)
{
	for (size_t i = 0; i < r->ntickets; i++)
		if (!strcmp(r->tickets[i].id, id))
			return (int)i;
	return -1;
}

static void add_ticket(fixture_t *f, const char *json)
{
	cJSON *j = cJSON_Parse(json);
	int outcome;
	char why[256];
	assert_non_null(j);
	assert_int_equal(ingest_store_ticket(f->s, f->r, j, &outcome, why, sizeof why), 0);
	cJSON_Delete(j);
}

static void test_dense_reranking_fuses_and_falls_back_when_down(void **state)
{
	fixture_t *f = *state;
	char url[64];
	retrieve_result_t bm, dn, down;
	add_ticket(f, "{\"id\": \"D-1\", \"subject\": \"Text formatting in the editor\", "
		      "\"messages\": [{\"role\": \"customer\", \"body\": \"text formatting text "
		      "options\"}]}");
	add_ticket(f, "{\"id\": \"D-2\", \"subject\": \"Strikethrough text\", "
		      "\"messages\": [{\"role\": \"customer\", \"body\": \"strikethrough "
		      "strikethrough\"}]}");
	add_ticket(f, "{\"id\": \"D-3\", \"subject\": \"Text colour in the editor\", "
		      "\"messages\": [{\"role\": \"customer\", \"body\": \"text colour text\"}]}");
	add_ticket(f, "{\"id\": \"D-4\", \"subject\": \"Text size\", "
		      "\"messages\": [{\"role\": \"customer\", \"body\": \"text size text\"}]}");
	add_ticket(f, "{\"id\": \"D-5\", \"subject\": \"Text alignment\", "
		      "\"messages\": [{\"role\": \"customer\", \"body\": \"text alignment text\"}]}");
	start_fake_embed();
	snprintf(url, sizeof url, "http://127.0.0.1:%d/v1", embed_port);
	retrieve_options_t o = {.embed_url = url, .embed_model = "fake", .embed_timeout_ms = 3000};
	assert_int_equal(retrieve_search_opts(f->s, "crossed text", NULL, 5, NULL, &bm), 0);
	assert_int_equal(retrieve_search_opts(f->s, "crossed text", NULL, 5, &o, &dn), 0);
	assert_null(dn.warning);
	int b = pos_of(&bm, "D-2"), d = pos_of(&dn, "D-2");
	assert_true(b >= 0 && d >= 0);
	/* The paraphrase's precedent moves up (last of five by BM25 alone). */
	assert_true(b >= 3);
	assert_true(d < b);
	long stored = embeddings_stored(f);
	assert_true(stored >= 3);
	retrieve_result_release(&dn);
	/* Stored embeddings are reused: a second search embeds nothing new. */
	assert_int_equal(retrieve_search_opts(f->s, "crossed text", NULL, 5, &o, &dn), 0);
	assert_int_equal(embeddings_stored(f), stored);
	assert_int_equal(pos_of(&dn, "D-2"), d);
	retrieve_result_release(&dn);
	/* Endpoint down: BM25 results with a warning. */
	stop_fake_embed();
	assert_int_equal(retrieve_search_opts(f->s, "crossed text", NULL, 5, &o, &down), 0);
	assert_non_null(down.warning);
	assert_non_null(strstr(down.warning, "dense re-ranking skipped"));
	assert_int_equal(down.ntickets, bm.ntickets);
	for (size_t i = 0; i < bm.ntickets; i++)
		assert_string_equal(down.tickets[i].id, bm.tickets[i].id);
	retrieve_result_release(&down);
	retrieve_result_release(&bm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_query_drops_greeting_quote_and_signature),
	    cmocka_unit_test(test_query_keeps_codes_versions_and_files_as_phrases),
	    cmocka_unit_test(test_calibration_is_monotonic_and_bounded),
	    cmocka_unit_test_setup_teardown(test_error_code_ticket_ranks_first, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_subject_and_body_find_saml_ticket_and_doc, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_resolved_ticket_outranks_its_unresolved_duplicate,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_topic_is_a_knowledge_gap, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_empty_query_returns_nothing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_eval_reports_perfect_scores_on_fixture, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_eval_rejects_a_malformed_qrels_line, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_dense_reranking_fuses_and_falls_back_when_down,
					    setup, teardown_embed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
