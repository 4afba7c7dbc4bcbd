/*
 * test_sse.c - the SSE parser: cases as data (input, expected events), each fed whole, byte by
 * byte and split at every position, which must all give the same events.
 */
#include "testutil.h"

#include "precedent/error.h"
#include "precedent/limits.h"
#include "precedent/sse.h"
#include "precedent/util.h"

struct collect {
	buf_t out;
	int stop_after; /* return 1 from the callback at this event (1-based); 0 = never */
	int n;
};

static int on_event(void *ud, const char *event, const char *data, size_t len)
{
	struct collect *c = ud;
	assert_int_equal(strlen(data), len);
	buf_printf(&c->out, "<%s|%s>", event, data);
	c->n++;
	if (c->stop_after && c->n == c->stop_after)
		return 1;
	return 0;
}

struct sse_case {
	const char *name;
	const char *in;
	const char *want;
};

static const struct sse_case cases[] = {
    {"openai chunk", "data: {\"a\":1}\n\ndata: [DONE]\n\n", "<message|{\"a\":1}><message|[DONE]>"},
    {"crlf lines", "data: x\r\n\r\ndata: y\r\n\r\n", "<message|x><message|y>"},
    {"cr only lines", "data: x\r\rdata: y\r\r", "<message|x><message|y>"},
    {"mixed terminators", "data: a\r\ndata: b\rdata: c\n\r\n", "<message|a\nb\nc>"},
    {"multi-line data joins with newline", "data: one\ndata: two\n\n", "<message|one\ntwo>"},
    {"comments are skipped", ": ping\n:\ndata: x\n: mid\n\n", "<message|x>"},
    {"event names", "event: message_start\ndata: {}\n\nevent: ping\ndata: {}\n\n",
     "<message_start|{}><ping|{}>"},
    {"event resets after dispatch", "event: error\ndata: e\n\ndata: m\n\n", "<error|e><message|m>"},
    {"no space after colon", "data:x\n\n", "<message|x>"},
    {"only first space dropped", "data:  x\n\n", "<message| x>"},
    {"empty data line gives empty event", "data\n\n", "<message|>"},
    {"blank lines without data dispatch nothing", "\n\n\nevent: x\n\n", ""},
    {"unterminated event is discarded", "data: a\n\ndata: b\n", "<message|a>"},
    {"id and retry ignored", "id: 7\nretry: 10\ndata: z\n\n", "<message|z>"},
    {"unknown field ignored", "foo: bar\ndata: z\n\n", "<message|z>"},
    {"bom dropped", "\xEF\xBB\xBF" "data: b\n\n", "<message|b>"},
    {"utf8 kept", "data: caf\xC3\xA9 \xE2\x82\xAC\n\n", "<message|caf\xC3\xA9 \xE2\x82\xAC>"},
    {"colon in value kept", "data: a:b: c\n\n", "<message|a:b: c>"},
};

static void run_feed(const char *in, size_t n, size_t step, const char *want, const char *name)
{
	struct collect c = {0};
	sse_parser_t p;
	buf_init(&c.out, 0);
	sse_init(&p, on_event, &c);
	for (size_t off = 0; off < n;) {
		size_t k = step ? step : n;
		if (k > n - off)
			k = n - off;
		assert_int_equal(sse_feed(&p, in + off, k), 0);
		off += k;
	}
	if (strcmp(buf_cstr(&c.out), want) != 0)
		fail_msg("%s (step %zu): got %s want %s", name, step, buf_cstr(&c.out), want);
	sse_release(&p);
	buf_release(&c.out);
}

static void run_split(const char *in, size_t n, size_t at, const char *want, const char *name)
{
	struct collect c = {0};
	sse_parser_t p;
	buf_init(&c.out, 0);
	sse_init(&p, on_event, &c);
	assert_int_equal(sse_feed(&p, in, at), 0);
	assert_int_equal(sse_feed(&p, in + at, n - at), 0);
	if (strcmp(buf_cstr(&c.out), want) != 0)
		fail_msg("%s (split at %zu): got %s want %s", name, at, buf_cstr(&c.out), want);
	sse_release(&p);
	buf_release(&c.out);
}

static void test_cases_give_the_same_events_however_split(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct sse_case *k = &cases[i];
		size_t n = strlen(k->in);
		run_feed(k->in, n, 0, k->want, k->name);
		if (strncmp(k->in, "\xEF\xBB\xBF", 3) != 0)
			run_feed(k->in, n, 1, k->want, k->name);
		for (size_t at = 3; at < n; at++)
			run_split(k->in, n, at, k->want, k->name);
	}
}

static void test_crlf_split_between_reads_counts_once(void **state)
{
	(void)state;
	/* "\r" ends one read, "\n" starts the next: one line end, not a blank line. */
	run_split("data: a\r\ndata: b\r\n\r\n", 20, 8, "<message|a\nb>", "crlf split");
}

static void test_pending_reports_a_cut_stream(void **state)
{
	(void)state;
	struct collect c = {0};
	sse_parser_t p;
	buf_init(&c.out, 0);
	sse_init(&p, on_event, &c);
	assert_int_equal(sse_feed(&p, "data: a\n\n", 9), 0);
	assert_false(sse_pending(&p));
	assert_int_equal(sse_feed(&p, "data: {\"cho", 11), 0);
	assert_true(sse_pending(&p));
	sse_release(&p);
	buf_release(&c.out);
}

static void test_overlong_line_fails_with_too_big(void **state)
{
	(void)state;
	struct collect c = {0};
	sse_parser_t p;
	size_t n = SSE_LINE_CAP + 10;
	char *big = malloc(n);
	memset(big, 'x', n);
	memcpy(big, "data: ", 6);
	buf_init(&c.out, 0);
	sse_init(&p, on_event, &c);
	/* whole, in pieces */
	int rc = 0;
	for (size_t off = 0; off < n && rc == 0; off += 4096)
		rc = sse_feed(&p, big + off, n - off < 4096 ? n - off : 4096);
	assert_int_equal(rc, PRECEDENT_ETOOBIG);
	/* sticky */
	assert_int_equal(sse_feed(&p, "\n\n", 2), PRECEDENT_ETOOBIG);
	sse_release(&p);
	/* and in one read with a terminator */
	big[n - 1] = '\n';
	sse_init(&p, on_event, &c);
	assert_int_equal(sse_feed(&p, big, n), PRECEDENT_ETOOBIG);
	sse_release(&p);
	assert_int_equal(c.n, 0);
	free(big);
	buf_release(&c.out);
}

static void test_oversized_event_fails_with_too_big(void **state)
{
	(void)state;
	struct collect c = {0};
	sse_parser_t p;
	char line[1030];
	memset(line, 'y', sizeof line);
	memcpy(line, "data: ", 6);
	line[sizeof line - 1] = '\n';
	buf_init(&c.out, 0);
	sse_init(&p, on_event, &c);
	int rc = 0;
	for (size_t i = 0; i < SSE_EVENT_CAP / 1000 + 10 && rc == 0; i++)
		rc = sse_feed(&p, line, sizeof line);
	assert_int_equal(rc, PRECEDENT_ETOOBIG);
	assert_int_equal(c.n, 0);
	sse_release(&p);
	buf_release(&c.out);
}

static void test_callback_stop_is_returned_and_sticky(void **state)
{
	(void)state;
	struct collect c = {0};
	sse_parser_t p;
	c.stop_after = 1;
	buf_init(&c.out, 0);
	sse_init(&p, on_event, &c);
	assert_int_equal(sse_feed(&p, "data: a\n\ndata: b\n\n", 18), 1);
	assert_int_equal(c.n, 1);
	assert_int_equal(sse_feed(&p, "data: c\n\n", 9), 1);
	assert_int_equal(c.n, 1);
	sse_release(&p);
	buf_release(&c.out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases_give_the_same_events_however_split),
	    cmocka_unit_test(test_crlf_split_between_reads_counts_once),
	    cmocka_unit_test(test_pending_reports_a_cut_stream),
	    cmocka_unit_test(test_overlong_line_fails_with_too_big),
	    cmocka_unit_test(test_oversized_event_fails_with_too_big),
	    cmocka_unit_test(test_callback_stop_is_returned_and_sticky),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
