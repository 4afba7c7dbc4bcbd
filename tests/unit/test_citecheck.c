/*
 * test_citecheck.c - citation checking: known citations kept, unknown ones removed and flagged,
 * bare numbers mapped to sources, unsupported sentences flagged as uncertain, stale sources
 * (age, version, plan) flagged.
 */
#include "testutil.h"

#include "precedent/citecheck.h"
#include "precedent/error.h"
#include "precedent/util.h"

static const prompt_source_t srcs[] = {
    {PROMPT_SRC_TICKET, "T-100", "Router reboot loop after firmware update",
     "Router reboots every hour after firmware 4.2", "Rolled back the firmware to 4.1 and "
     "disabled automatic updates; the reboots stopped.", "2020-01-15", "4.1", NULL},
    {PROMPT_SRC_DOC, "guides/router.md#factory-reset", "Factory reset",
     "Hold the reset button for ten seconds until the status light blinks amber.", NULL,
     "2026-01-01", NULL, "enterprise"},
};

static const citecheck_opts_t opts = {0, 365, "2026-06-01", "4.2", "pro",
				      "My router reboots every hour since the update."};

static int count_kind(const cJSON *flags, const char *kind)
{
	int n = 0;
	const cJSON *f;
	cJSON_ArrayForEach(f, flags)
	{
		if (strcmp(cJSON_GetObjectItem(f, "kind")->valuestring, kind) == 0)
			n++;
	}
	return n;
}

static void run(const char *draft, cJSON **flags, citecheck_result_t *r)
{
	*flags = cJSON_CreateArray();
	assert_int_equal(citecheck_run(draft, strlen(draft), srcs, 2, &opts, *flags, r), 0);
}

static void test_known_citations_are_kept(void **state)
{
	cJSON *flags;
	citecheck_result_t r;
	const char *d = "Roll the firmware back to 4.1 and disable automatic updates [#T-100]. "
			"If that fails, hold the reset button for ten seconds [doc: "
			"guides/router.md#factory-reset].";
	(void)state;
	run(d, &flags, &r);
	assert_string_equal(r.text, d);
	assert_int_equal(r.citations, 2);
	assert_int_equal(r.unknown, 0);
	assert_int_equal(r.uncertain, 0);
	assert_true(r.cited[0] && r.cited[1]);
	assert_int_equal(count_kind(flags, "uncertain"), 0);
	citecheck_release(&r);
	cJSON_Delete(flags);
}

static void test_unknown_citations_are_removed_and_flagged(void **state)
{
	cJSON *flags;
	citecheck_result_t r;
	(void)state;
	run("Roll the firmware back to 4.1 [#T-999]. Disable automatic updates [#T-100, #T-5].",
	    &flags, &r);
	assert_string_equal(r.text, "Roll the firmware back to 4.1. Disable automatic updates "
				    "[#T-100].");
	assert_int_equal(r.unknown, 2);
	assert_int_equal(count_kind(flags, "unknown_citation"), 2);
	const cJSON *f = cJSON_GetArrayItem(flags, 0);
	assert_string_equal(cJSON_GetObjectItem(f, "ref")->valuestring, "#T-999");
	citecheck_release(&r);
	cJSON_Delete(flags);
}

static void test_removal_never_forms_a_new_unchecked_marker(void **state)
{
	cJSON *flags;
	citecheck_result_t r;
	(void)state;
	/* removing "[#T2]" would join "[" and "#T-2]" into "[#T-2]": it is checked too */
	run("See [[#T-[#T2]#T-2] now.", &flags, &r);
	assert_null(strstr(r.text, "[#T-2]"));
	assert_int_equal(r.unknown, 2);
	citecheck_release(&r);
	cJSON_Delete(flags);
}

static void test_placeholders_and_plain_brackets_are_left_alone(void **state)
{
	cJSON *flags;
	citecheck_result_t r;
	(void)state;
	run("Hello [NAME_1], we will email [EMAIL_1] [see below]. Firmware 4.1 stops the router "
	    "reboots [2].",
	    &flags, &r);
	assert_string_equal(r.text, "Hello [NAME_1], we will email [EMAIL_1] [see below]. "
				    "Firmware 4.1 stops the router reboots [doc: "
				    "guides/router.md#factory-reset].");
	assert_int_equal(r.citations, 1);
	citecheck_release(&r);
	cJSON_Delete(flags);
}

static void test_unsupported_sentences_are_flagged_uncertain(void **state)
{
	cJSON *flags;
	citecheck_result_t r;
	(void)state;
	run("Roll the firmware back to 4.1 [#T-100]. "
	    "We will refund your subscription and ship a replacement modem tomorrow. "
	    "Premium customers receive priority satellite dispatch [#T-100]. Thanks!",
	    &flags, &r);
	assert_int_equal(r.uncertain, 2);
	int seen_refund = 0, seen_sat = 0;
	const cJSON *f;
	cJSON_ArrayForEach(f, flags)
	{
		const cJSON *s = cJSON_GetObjectItem(f, "sentence");
		if (!s)
			continue;
		if (strstr(s->valuestring, "refund"))
			seen_refund = 1;
		if (strstr(s->valuestring, "satellite"))
			seen_sat = 1;
	}
	assert_true(seen_refund && seen_sat);
	citecheck_release(&r);
	cJSON_Delete(flags);
}

static void test_restating_the_ticket_is_not_uncertain(void **state)
{
	cJSON *flags;
	citecheck_result_t r;
	(void)state;
	run("I understand your router reboots every hour since the update. "
	    "Rolling back to 4.1 stopped the reboots [#T-100].",
	    &flags, &r);
	assert_int_equal(r.uncertain, 0);
	citecheck_release(&r);
	cJSON_Delete(flags);
}

static void test_markers_after_the_full_stop_belong_to_the_sentence(void **state)
{
	cJSON *flags;
	citecheck_result_t r;
	(void)state;
	run("Hold the reset button for ten seconds until the light blinks amber. [doc: "
	    "guides/router.md#factory-reset]",
	    &flags, &r);
	assert_int_equal(r.uncertain, 0);
	assert_int_equal(r.citations, 1);
	citecheck_release(&r);
	cJSON_Delete(flags);
}

static void test_stale_sources_are_flagged(void **state)
{
	cJSON *flags;
	citecheck_result_t r;
	(void)state;
	run("Roll the firmware back to 4.1 [#T-100]. Hold the reset button for ten seconds "
	    "[doc: guides/router.md#factory-reset].",
	    &flags, &r);
	/* T-100: 2020 (old) and version 4.1 vs 4.2; the doc: plan enterprise vs pro */
	assert_int_equal(count_kind(flags, "stale_source"), 3);
	assert_int_equal(r.stale, 2);
	citecheck_release(&r);
	cJSON_Delete(flags);
}

static void test_no_citation_at_all_is_flagged(void **state)
{
	cJSON *flags;
	citecheck_result_t r;
	(void)state;
	run("Roll the firmware back to 4.1 and disable automatic updates.", &flags, &r);
	assert_int_equal(count_kind(flags, "no_citations"), 1);
	citecheck_release(&r);
	cJSON_Delete(flags);
}

static void test_versions_and_plans_are_guessed_from_text(void **state)
{
	char v[32];
	(void)state;
	assert_true(citecheck_guess_version("Rolled back to firmware 4.1 and it worked", v, sizeof v));
	assert_string_equal(v, "4.1");
	assert_true(citecheck_guess_version("docs/v3/setup.md#install", v, sizeof v));
	assert_string_equal(v, "3");
	assert_true(citecheck_guess_version("Fixed in Version 5.2.1.", v, sizeof v));
	assert_string_equal(v, "5.2.1");
	assert_false(citecheck_guess_version("the dev4 branch and v2 of the letter", v, sizeof v));
	assert_false(citecheck_guess_version(NULL, v, sizeof v));
	assert_true(citecheck_guess_plan("Only on the Enterprise plan, SSO is", v, sizeof v));
	assert_string_equal(v, "enterprise");
	assert_true(citecheck_guess_plan("customers on pro plans", v, sizeof v));
	assert_string_equal(v, "pro");
	assert_false(citecheck_guess_plan("a professional planner", v, sizeof v));
}

static void test_dates_parse(void **state)
{
	(void)state;
	assert_int_equal(citecheck_days("1970-01-01"), 0);
	assert_int_equal(citecheck_days("2000-03-01T10:00:00Z"), 11017);
	assert_int_equal(citecheck_days("nope"), -1);
	assert_int_equal(citecheck_days(NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_known_citations_are_kept),
	    cmocka_unit_test(test_unknown_citations_are_removed_and_flagged),
	    cmocka_unit_test(test_placeholders_and_plain_brackets_are_left_alone),
	    cmocka_unit_test(test_removal_never_forms_a_new_unchecked_marker),
	    cmocka_unit_test(test_unsupported_sentences_are_flagged_uncertain),
	    cmocka_unit_test(test_restating_the_ticket_is_not_uncertain),
	    cmocka_unit_test(test_markers_after_the_full_stop_belong_to_the_sentence),
	    cmocka_unit_test(test_stale_sources_are_flagged),
	    cmocka_unit_test(test_no_citation_at_all_is_flagged),
	    cmocka_unit_test(test_versions_and_plans_are_guessed_from_text),
	    cmocka_unit_test(test_dates_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
