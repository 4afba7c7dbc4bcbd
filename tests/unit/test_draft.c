/*
 * test_draft.c - the offline drafter: greets the customer, reuses the best
 * precedent's resolution and doc steps with inline citations, never carries
 * another ticket's placeholders, and gives no advice on weak precedent.
 */
#include "testutil.h"

#include "precedent/draft.h"

static retrieve_ticket_hit_t hit(const char *id, const char *resolution, double coverage)
{
	retrieve_ticket_hit_t h;
	memset(&h, 0, sizeof h);
	h.id = (char *)id;
	h.subject = (char *)"SAML login fails";
	h.snippet = (char *)"…SAML…";
	h.resolution = (char *)resolution;
	h.resolution_code = (char *)"config_change";
	h.closed_at = (char *)"2025-01-02T00:00:00Z";
	h.source = (char *)"import";
	h.coverage = coverage;
	return h;
}

static retrieve_doc_hit_t doc(const char *body, double coverage)
{
	retrieve_doc_hit_t d;
	memset(&d, 0, sizeof d);
	d.path = (char *)"sso/saml.md";
	d.anchor = (char *)"clock-skew";
	d.title = (char *)"Clock skew";
	d.heading_path = (char *)"SAML > Clock skew";
	d.snippet = (char *)"…";
	d.body = (char *)body;
	d.coverage = coverage;
	return d;
}

static ticket_t customer_ticket(void)
{
	ticket_t t;
	memset(&t, 0, sizeof t);
	t.id = (char *)"9001";
	t.subject = (char *)"SAML_RESPONSE_EXPIRED";
	t.customer_name = (char *)"[NAME_1]";
	return t;
}

static void test_strong_precedent_is_reused_and_cited(void **state)
{
	(void)state;
	retrieve_ticket_hit_t th = hit("4812",
				       "The IdP clock was six minutes ahead. Contact [EMAIL_1] for "
				       "access. Sync the IdP clock with NTP.",
				       0.8);
	retrieve_doc_hit_t dh = doc("Intro.\n1. Open SSO settings.\n2. Raise the skew to 180 s.\n", 0.7);
	retrieve_result_t res = {.tickets = &th, .ntickets = 1, .docs = &dh, .ndocs = 1,
				 .confidence = 0.8};
	ticket_t t = customer_ticket();
	draft_t d;
	assert_int_equal(draft_offline(&t, &res, 0.35, &d), 0);
	assert_non_null(strstr(d.text, "Hi [NAME_1],"));
	assert_non_null(strstr(d.text, "[#4812]"));
	assert_non_null(strstr(d.text, "Sync the IdP clock with NTP."));
	/* The sentence with another ticket's placeholder is left out. */
	assert_null(strstr(d.text, "[EMAIL_1]"));
	assert_non_null(strstr(d.text, "[doc: sso/saml.md#clock-skew]"));
	assert_non_null(strstr(d.text, "Raise the skew to 180 s."));
	assert_int_equal(cJSON_GetArraySize(d.citations), 2);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(d.citations, 0), "ref")->valuestring,
			    "[#4812]");
	assert_false(d.weak);
	assert_int_equal(cJSON_GetArraySize(d.flags), 0);
	draft_release(&d);
}

static void test_weak_precedent_gives_no_advice_and_a_flag(void **state)
{
	(void)state;
	retrieve_ticket_hit_t th = hit("4812", "Reinstall the agent.", 0.1);
	retrieve_result_t res = {.tickets = &th, .ntickets = 1, .confidence = 0.1};
	ticket_t t = customer_ticket();
	draft_t d;
	assert_int_equal(draft_offline(&t, &res, 0.35, &d), 0);
	assert_true(d.weak);
	assert_null(strstr(d.text, "Reinstall"));
	assert_null(strstr(d.text, "[#"));
	assert_int_equal(cJSON_GetArraySize(d.citations), 0);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(d.flags, 0), "kind")->valuestring,
			    "weak_precedent");
	draft_release(&d);
}

static void test_placeholder_detection(void **state)
{
	(void)state;
	assert_true(draft_has_placeholder("mail [EMAIL_12] now", 19));
	assert_true(draft_has_placeholder("[NAME]", 6));
	assert_false(draft_has_placeholder("see [#123] and [doc: a#b]", 25));
	assert_false(draft_has_placeholder("array[0] and [x]", 16));
}

/* The top doc hit is a chapter found through its subsections, with no steps
 * of its own: the drafter takes the next section that has steps and covers
 * the ticket, and cites that one. */
static void test_doc_steps_come_from_the_first_section_that_has_them(void **state)
{
	(void)state;
	retrieve_ticket_hit_t th = hit("4812", "The IdP clock was six minutes ahead.", 0.8);
	retrieve_doc_hit_t dh[3] = {
	    doc("Single sign-on lets your team sign in with your identity provider.", 0.6),
	    doc("1. Open SSO settings.\n2. Raise the skew to 180 s.\n", 0.1),
	    doc("1. Open Security.\n2. Sync the clock.\n", 0.7)};
	dh[0].anchor = (char *)"top";
	dh[1].anchor = (char *)"barely-related";
	dh[2].anchor = (char *)"clock";
	retrieve_result_t res = {.tickets = &th, .ntickets = 1, .docs = dh, .ndocs = 3,
				 .confidence = 0.8};
	ticket_t t = customer_ticket();
	draft_t d;
	assert_int_equal(draft_offline(&t, &res, 0.35, &d), 0);
	/* not the chapter (no steps), not the weak match (coverage 0.1 < 0.5 x 0.8) */
	assert_null(strstr(d.text, "#top]"));
	assert_null(strstr(d.text, "Raise the skew"));
	assert_non_null(strstr(d.text, "[doc: sso/saml.md#clock]"));
	assert_non_null(strstr(d.text, "Sync the clock."));
	assert_int_equal(cJSON_GetArraySize(d.citations), 2);
	draft_release(&d);
}

/* No section lists steps: the best one's own sentences are quoted and cited. */
static void test_doc_prose_is_used_when_no_section_lists_steps(void **state)
{
	(void)state;
	retrieve_doc_hit_t dh[2] = {
	    doc("Clock skew of more than three minutes makes the assertion expire early.", 0.7),
	    doc("Single sign-on lets your team sign in with your identity provider.", 0.6)};
	retrieve_result_t res = {.docs = dh, .ndocs = 2, .confidence = 0.7};
	ticket_t t = customer_ticket();
	draft_t d;
	assert_int_equal(draft_offline(&t, &res, 0.35, &d), 0);
	assert_non_null(strstr(d.text, "makes the assertion expire early. [doc: sso/saml.md#clock-skew]"));
	assert_null(strstr(d.text, "Single sign-on"));
	assert_int_equal(cJSON_GetArraySize(d.citations), 1);
	draft_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_strong_precedent_is_reused_and_cited),
	    cmocka_unit_test(test_weak_precedent_gives_no_advice_and_a_flag),
	    cmocka_unit_test(test_placeholder_detection),
	    cmocka_unit_test(test_doc_steps_come_from_the_first_section_that_has_them),
	    cmocka_unit_test(test_doc_prose_is_used_when_no_section_lists_steps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
