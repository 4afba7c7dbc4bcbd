/*
 * test_prompt.c - prompt assembly: instructions, numbered sources with their markers, customer
 * context, actions, and trimming to the token budget (lowest-ranked sources first, then the
 * oldest messages, never the newest customer message).
 */
#include "testutil.h"

#include "precedent/error.h"
#include "precedent/prompt.h"
#include "precedent/util.h"

static const prompt_message_t msgs[] = {
    {"customer", "My router reboots every hour since the 4.2 update. Email me at [EMAIL_1]."},
    {"agent", "Could you send the model number?"},
    {"customer", "It is the RX-500."},
};

static const prompt_source_t srcs[] = {
    {PROMPT_SRC_TICKET, "T-100", "Router reboot loop after update", "Reboots hourly after 4.2",
     "Rolled back firmware to 4.1 and disabled auto-update", "2024-03-02", "4.2", NULL},
    {PROMPT_SRC_DOC, "guides/router.md#factory-reset", "Factory reset",
     "Hold the reset button for 10 seconds.", NULL, NULL, NULL, "pro"},
    {PROMPT_SRC_TICKET, "T-7", "Lowest ranked", "Something else", "Other fix", NULL, NULL, NULL},
};

static void test_prompt_has_instructions_ticket_context_and_numbered_sources(void **state)
{
	prompt_t p;
	cJSON *ctx = cJSON_Parse("{\"plan\":\"pro\",\"product_version\":\"4.2\",\"_internal\":\"x\"}");
	prompt_input_t in = {"Router keeps rebooting", msgs, 3, ctx, srcs, 3, PROMPT_DRAFT,
			     NULL, NULL, 0};
	(void)state;
	assert_int_equal(prompt_build(&in, &p), 0);
	assert_non_null(strstr(p.system, "only facts found in the numbered sources"));
	assert_non_null(strstr(p.system, "[#<id>]"));
	assert_non_null(strstr(p.system, "[doc: <path>#<anchor>]"));
	assert_non_null(strstr(p.system, "say plainly what is not known"));
	assert_non_null(strstr(p.system, "same language as the customer"));
	assert_non_null(strstr(p.user, "Subject: Router keeps rebooting"));
	assert_non_null(strstr(p.user, "It is the RX-500."));
	assert_non_null(strstr(p.user, "[EMAIL_1]"));
	assert_non_null(strstr(p.user, "- plan: pro"));
	assert_null(strstr(p.user, "_internal"));
	assert_non_null(strstr(p.user, "[1] [#T-100] Router reboot loop after update (closed 2024-03-02)"));
	assert_non_null(strstr(p.user, "Resolution: Rolled back firmware"));
	assert_non_null(strstr(p.user, "[2] [doc: guides/router.md#factory-reset] Factory reset"));
	assert_non_null(strstr(p.user, "[3] [#T-7]"));
	/* order: ticket, context, sources, task */
	assert_true(strstr(p.user, "Subject:") < strstr(p.user, "Customer context:"));
	assert_true(strstr(p.user, "Customer context:") < strstr(p.user, "Sources:"));
	assert_true(strstr(p.user, "Sources:") < strstr(p.user, "Task:"));
	assert_int_equal(p.sources_used, 3);
	assert_int_equal(p.messages_dropped, 0);
	assert_true(p.tokens > 100);
	prompt_release(&p);
	cJSON_Delete(ctx);
}

static void test_budget_drops_lowest_ranked_sources_first(void **state)
{
	prompt_t full, p;
	prompt_input_t in = {"Router keeps rebooting", msgs, 3, NULL, srcs, 3, PROMPT_DRAFT,
			     NULL, NULL, 0};
	(void)state;
	assert_int_equal(prompt_build(&in, &full), 0);
	/* just too small for the third source */
	in.token_budget = full.tokens - 5;
	assert_int_equal(prompt_build(&in, &p), 0);
	if (p.sources_used != 2)
		fail_msg("full %zu budget %zu got %zu sources, %zu tokens", full.tokens,
			 in.token_budget, p.sources_used, p.tokens);
	assert_non_null(strstr(p.user, "[#T-100]"));
	assert_non_null(strstr(p.user, "factory-reset"));
	assert_null(strstr(p.user, "[#T-7]"));
	assert_true(p.tokens <= in.token_budget);
	prompt_release(&p);
	prompt_release(&full);
}

static void test_long_thread_loses_oldest_messages_not_the_newest(void **state)
{
	enum { N = 40 };
	prompt_message_t many[N];
	char *bodies[N];
	prompt_t p;
	(void)state;
	for (int i = 0; i < N; i++) {
		bodies[i] = malloc(1200);
		memset(bodies[i], 'a' + (i % 26), 1199);
		bodies[i][1199] = '\0';
		many[i].role = i % 2 ? "agent" : "customer";
		many[i].body = bodies[i];
	}
	free(bodies[N - 1]);
	bodies[N - 1] = strdup("NEWEST customer message: still broken.");
	many[N - 1].body = bodies[N - 1];
	prompt_input_t in = {"Long one", many, N, NULL, srcs, 3, PROMPT_DRAFT, NULL, NULL, 3000};
	assert_int_equal(prompt_build(&in, &p), 0);
	assert_true(p.messages_dropped > 0);
	assert_non_null(strstr(p.user, "NEWEST customer message"));
	assert_true(p.tokens <= 3000);
	assert_true(p.sources_used >= 1);
	prompt_release(&p);
	for (int i = 0; i < N; i++)
		free(bodies[i]);
}

static void test_actions_carry_the_previous_draft(void **state)
{
	prompt_t p;
	prompt_input_t in = {"S", msgs, 1, NULL, srcs, 1, PROMPT_SHORTER, NULL, NULL, 0};
	(void)state;
	assert_int_equal(prompt_build(&in, &p), PRECEDENT_EINVAL); /* rewrite needs previous */
	in.previous = "Please roll back to 4.1 [#T-100].";
	assert_int_equal(prompt_build(&in, &p), 0);
	assert_non_null(strstr(p.user, "clearly shorter"));
	assert_non_null(strstr(p.user, "Current draft:\nPlease roll back to 4.1 [#T-100]."));
	prompt_release(&p);
	in.action = PROMPT_TRANSLATE;
	in.language = "German";
	assert_int_equal(prompt_build(&in, &p), 0);
	assert_non_null(strstr(p.user, "Target language: German"));
	prompt_release(&p);
	in.action = PROMPT_SUMMARY;
	in.previous = NULL;
	assert_int_equal(prompt_build(&in, &p), 0);
	assert_non_null(strstr(p.user, "not for the customer"));
	prompt_release(&p);
	assert_int_equal(prompt_action_from_name("more_formal"), PROMPT_MORE_FORMAL);
	assert_int_equal(prompt_action_from_name(NULL), PROMPT_DRAFT);
	assert_int_equal(prompt_action_from_name("poem"), -1);
	in.action = 99;
	assert_int_equal(prompt_build(&in, &p), PRECEDENT_EINVAL);
}

static void test_no_sources_says_so(void **state)
{
	prompt_t p;
	prompt_input_t in = {"S", msgs, 1, NULL, NULL, 0, PROMPT_DRAFT, NULL, NULL, 0};
	(void)state;
	assert_int_equal(prompt_build(&in, &p), 0);
	assert_non_null(strstr(p.user, "no precedent is available"));
	prompt_release(&p);
}

static void test_token_estimate_is_rough_but_sane(void **state)
{
	(void)state;
	assert_int_equal(prompt_estimate_tokens("", 0), 0);
	assert_int_equal(prompt_estimate_tokens("abcdefgh", 8), 2);
	const char *cjk = "\xE4\xBD\xA0\xE5\xA5\xBD"; /* two CJK characters */
	assert_int_equal(prompt_estimate_tokens(cjk, 6), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_prompt_has_instructions_ticket_context_and_numbered_sources),
	    cmocka_unit_test(test_budget_drops_lowest_ranked_sources_first),
	    cmocka_unit_test(test_long_thread_loses_oldest_messages_not_the_newest),
	    cmocka_unit_test(test_actions_carry_the_previous_draft),
	    cmocka_unit_test(test_no_sources_says_so),
	    cmocka_unit_test(test_token_estimate_is_rough_but_sane),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
