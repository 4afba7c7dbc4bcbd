/*
 * test_context.c - customer context: page fields, the customers table (by external id, then
 * e-mail), endpoint URL templates (URL-encoded, skipped when a field is missing), merging an
 * endpoint's reply, and redaction before a prompt (identity fields dropped).
 */
#include "testutil.h"

#include "precedent/context.h"
#include "precedent/error.h"
#include "precedent/redact.h"
#include "precedent/store.h"

static void test_page_and_table_merge_with_page_first(void **state)
{
	char *dir = test_tmpdir(), path[512], err[256];
	store_t *s;
	const char *src;
	(void)state;
	snprintf(path, sizeof path, "%s/p.db", dir);
	assert_int_equal(store_open(path, 0, &s, err, sizeof err), 0);
	store_customer_t c = {"C-9", "Jane Doe", "jane@example.com", "Acme", "pro", "4.2",
			      "us-east", "{\"seats\":12,\"tier\":\"gold\"}"};
	assert_int_equal(store_customer_upsert(s, &c), 0);

	cJSON *t = cJSON_Parse("{\"id\":\"1\",\"customer\":{\"name\":\"Jane\",\"email\":"
			       "\"JANE@example.com\",\"plan\":\"enterprise\"}}");
	cJSON *ctx = context_lookup(s, t, &src);
	assert_string_equal(src, "page+table");
	assert_string_equal(cJSON_GetObjectItem(ctx, "plan")->valuestring, "enterprise");
	assert_string_equal(cJSON_GetObjectItem(ctx, "product_version")->valuestring, "4.2");
	assert_int_equal(cJSON_GetObjectItem(ctx, "seats")->valueint, 12);
	/* originals stay in the context; context_redact drops them before a prompt */
	assert_string_equal(cJSON_GetObjectItem(ctx, "name")->valuestring, "Jane Doe");
	cJSON_Delete(ctx);
	cJSON_Delete(t);

	t = cJSON_Parse("{\"id\":\"1\",\"customer\":{\"external_id\":\"C-9\"}}");
	ctx = context_lookup(s, t, &src);
	assert_string_equal(src, "table");
	assert_string_equal(cJSON_GetObjectItem(ctx, "region")->valuestring, "us-east");
	cJSON_Delete(ctx);
	cJSON_Delete(t);

	t = cJSON_Parse("{\"id\":\"1\",\"customer\":{\"external_id\":\"nobody\"}}");
	ctx = context_lookup(s, t, &src);
	assert_string_equal(src, "");
	assert_null(ctx->child);
	cJSON_Delete(ctx);
	cJSON_Delete(t);
	store_close(s);
	test_rmtree(dir);
	free(dir);
}

static void test_url_templates_encode_and_skip(void **state)
{
	(void)state;
	cJSON *t = cJSON_Parse("{\"id\":42,\"customer\":{\"external_id\":\"C 1/2\",\"email\":"
			       "\"a+b@x.io\"}}");
	char *u = context_url("https://crm/c/{external_id}?e={email}&t={ticket_id}", t);
	assert_string_equal(u, "https://crm/c/C%201%2F2?e=a%2Bb%40x.io&t=42");
	free(u);
	assert_null(context_url("https://crm/{organization}", t));
	assert_null(context_url("", t));
	cJSON_Delete(t);
}

static void test_endpoint_reply_is_flattened(void **state)
{
	(void)state;
	cJSON *ctx = cJSON_CreateObject();
	const char *body = "{\"customer\":{\"plan\":\"pro\",\"mrr\":99},\"ok\":true,\"deep\":{\"x\":{}}}";
	assert_int_equal(context_merge_reply(ctx, body, strlen(body)), 0);
	assert_string_equal(cJSON_GetObjectItem(ctx, "plan")->valuestring, "pro");
	assert_int_equal(cJSON_GetObjectItem(ctx, "mrr")->valueint, 99);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(ctx, "ok")));
	assert_null(cJSON_GetObjectItem(ctx, "deep"));
	assert_int_equal(context_merge_reply(ctx, "[1]", 3), PRECEDENT_EJSON);
	assert_int_equal(context_merge_reply(ctx, "nope", 4), PRECEDENT_EJSON);
	cJSON_Delete(ctx);
}

static void test_redaction_drops_identity_and_masks_pii(void **state)
{
	redactor_t *r;
	char err[256];
	(void)state;
	assert_int_equal(redactor_new(NULL, 0, &r, err, sizeof err), 0);
	redact_map_t *m = redact_map_new();
	cJSON *ctx = cJSON_Parse("{\"name\":\"Jane\",\"email\":\"jane@x.io\",\"external_id\":\"C-9\","
				 "\"plan\":\"pro\",\"billing_contact\":\"bob@example.com\",\"seats\":3}");
	cJSON *red = context_redact(ctx, r, m);
	char *s = cJSON_PrintUnformatted(red);
	assert_null(strstr(s, "Jane"));
	assert_null(strstr(s, "jane@x.io"));
	assert_null(strstr(s, "C-9"));
	assert_null(strstr(s, "bob@example.com"));
	assert_non_null(strstr(s, "\"plan\":\"pro\""));
	assert_non_null(strstr(s, "[EMAIL_"));
	assert_non_null(strstr(s, "\"seats\":3"));
	cJSON_free(s);
	cJSON_Delete(red);
	cJSON_Delete(ctx);
	redact_map_free(m);
	redactor_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_page_and_table_merge_with_page_first),
	    cmocka_unit_test(test_url_templates_encode_and_skip),
	    cmocka_unit_test(test_endpoint_reply_is_flattened),
	    cmocka_unit_test(test_redaction_drops_identity_and_masks_pii),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
