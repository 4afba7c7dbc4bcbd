/*
 * test_ticket.c - the contract's ticket shape: validation messages name the field,
 * optional fields are typed, redaction reaches every text field.
 */
#include "testutil.h"

#include "precedent/error.h"
#include "precedent/ticket.h"

static int parse(const char *json, ticket_t *t, char *err, size_t errlen)
{
	cJSON *j = cJSON_Parse(json);
	assert_non_null(j);
	int rc = ticket_from_json(j, t, err, errlen);
	cJSON_Delete(j);
	return rc;
}

static void test_minimal_ticket_parses_with_numeric_id(void **state)
{
	(void)state;
	ticket_t t;
	char err[256];
	assert_int_equal(parse("{\"id\": 42, \"subject\": \"s\", \"messages\": [{\"body\": \"b\"}]}", &t,
			       err, sizeof err),
			 0);
	assert_string_equal(t.id, "42");
	assert_int_equal(t.nmessages, 1);
	assert_string_equal(t.messages[0].role, "customer");
	ticket_release(&t);
}

static void check_error(const char *json, const char *needle)
{
	ticket_t t;
	char err[256] = "";
	assert_int_equal(parse(json, &t, err, sizeof err), PRECEDENT_EFIELD);
	if (!strstr(err, needle))
		fail_msg("error '%s' does not mention '%s'", err, needle);
}

static void test_invalid_tickets_name_the_field(void **state)
{
	(void)state;
	check_error("{\"subject\": \"s\", \"messages\": [{\"body\": \"b\"}]}", "id");
	check_error("{\"id\": \"\", \"subject\": \"s\", \"messages\": [{\"body\": \"b\"}]}", "id");
	check_error("{\"id\": \"1\", \"messages\": [{\"body\": \"b\"}]}", "subject");
	check_error("{\"id\": \"1\", \"subject\": \"s\", \"messages\": []}", "messages");
	check_error("{\"id\": \"1\", \"subject\": \"s\", \"messages\": [{\"role\": \"customer\"}]}",
		    "messages[0].body");
	check_error("{\"id\": \"1\", \"subject\": \"s\", \"messages\": [{\"body\": \"b\", \"role\": "
		    "\"robot\"}]}",
		    "role");
	check_error("{\"id\": \"1\", \"subject\": \"s\", \"tags\": [1], \"messages\": [{\"body\": "
		    "\"b\"}]}",
		    "tags[0]");
	check_error("{\"id\": \"1\", \"subject\": 5, \"messages\": [{\"body\": \"b\"}]}", "subject");
	check_error("{\"id\": \"1\", \"subject\": \"s\", \"customer\": \"x\", \"messages\": "
		    "[{\"body\": \"b\"}]}",
		    "customer");
}

static void test_redaction_reaches_every_field_and_keeps_placeholders_stable(void **state)
{
	(void)state;
	ticket_t t;
	char err[256];
	redactor_t *r;
	assert_int_equal(redactor_new(NULL, 0, &r, err, sizeof err), 0);
	assert_int_equal(
	    parse("{\"id\": \"7\", \"subject\": \"Refund for jane.roe@example.com\","
		  "\"customer\": {\"name\": \"Jane Roe\", \"email\": \"jane.roe@example.com\"},"
		  "\"notes\": \"called +1 415 555 0199\","
		  "\"resolution\": \"Refunded card 4111 1111 1111 1111\","
		  "\"messages\": [{\"role\": \"customer\", \"author\": \"Jane Roe\", \"body\": \"I am Jane "
		  "Roe, mail jane.roe@example.com\"}]}",
		  &t, err, sizeof err),
	    0);
	redact_map_t *m = redact_map_new();
	assert_int_equal(ticket_redact(&t, r, m), 0);
	cJSON *j = ticket_to_json(&t);
	char *s = cJSON_PrintUnformatted(j);
	assert_null(strstr(s, "jane.roe@example.com"));
	assert_null(strstr(s, "Jane Roe"));
	assert_null(strstr(s, "4111 1111 1111 1111"));
	assert_null(strstr(s, "555 0199"));
	/* The same e-mail gets the same placeholder in subject and body. */
	assert_non_null(strstr(t.subject, "[EMAIL_1]"));
	assert_non_null(strstr(t.messages[0].body, "[EMAIL_1]"));
	/* And the map gives the originals back. */
	char *back;
	size_t bl;
	assert_int_equal(redact_rehydrate(m, t.subject, strlen(t.subject), &back, &bl), 0);
	assert_string_equal(back, "Refund for jane.roe@example.com");
	free(back);
	cJSON_free(s);
	cJSON_Delete(j);
	redact_map_free(m);
	redactor_free(r);
	ticket_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_minimal_ticket_parses_with_numeric_id),
	    cmocka_unit_test(test_invalid_tickets_name_the_field),
	    cmocka_unit_test(test_redaction_reaches_every_field_and_keeps_placeholders_stable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
