/*
 * test_llm.c - provider streams against the fake provider (tests/fake_llm/server.py) over real
 * HTTP on 127.0.0.1, driven by a libuv loop: both wire formats, retries, faults, timeouts,
 * cancellation and concurrent streams. Also the wire formats on their own.
 */
#include "testutil.h"

#include <signal.h>
#include <sys/wait.h>

#include <cJSON.h>
#include <curl/curl.h>
#include <uv.h>

#include "precedent/error.h"
#include "precedent/llm.h"
#include "precedent/util.h"

static pid_t server_pid;
static int server_port;

static int start_server(void **state)
{
	int fds[2];
	char line[64] = "";
	(void)state;
	assert_int_equal(pipe(fds), 0);
	server_pid = fork();
	assert_true(server_pid >= 0);
	if (server_pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		execlp("python3", "python3", "tests/fake_llm/server.py", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	FILE *f = fdopen(fds[0], "r");
	assert_non_null(fgets(line, sizeof line, f));
	fclose(f);
	assert_int_equal(sscanf(line, "PORT %d", &server_port), 1);
	return 0;
}

static int stop_server(void **state)
{
	(void)state;
	kill(server_pid, SIGTERM);
	waitpid(server_pid, NULL, 0);
	return 0;
}

static size_t collect_body(char *p, size_t s, size_t n, void *ud)
{
	buf_append(ud, p, s * n);
	return s * n;
}

/* Blocking helper for the test only: the fake server's record of requests. */
static cJSON *fake_requests(void)
{
	char url[128];
	buf_t b;
	CURL *e = curl_easy_init();
	buf_init(&b, 0);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/_requests", server_port);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, collect_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
	assert_int_equal(curl_easy_perform(e), CURLE_OK);
	curl_easy_cleanup(e);
	cJSON *j = cJSON_Parse(buf_cstr(&b));
	buf_release(&b);
	assert_non_null(j);
	return j;
}

static void fake_post(const char *path, const char *json)
{
	char url[128];
	CURL *e = curl_easy_init();
	buf_t b;
	buf_init(&b, 0);
	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", server_port, path);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, json);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, collect_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
	assert_int_equal(curl_easy_perform(e), CURLE_OK);
	curl_easy_cleanup(e);
	buf_release(&b);
}

struct run {
	buf_t text;
	int done;
	int rc;
	char msg[300];
	int deltas;
	int sent;
	llm_stream_t *stream;
	llm_stream_t *cancel_after_first; /* cancel this stream at the first delta */
	uv_loop_t *loop;
};

static void on_delta(void *ud, const char *text, size_t len)
{
	struct run *r = ud;
	buf_append(&r->text, text, len);
	r->deltas++;
}

static void on_done(void *ud, int rc, const char *msg)
{
	struct run *r = ud;
	r->done++;
	r->rc = rc;
	snprintf(r->msg, sizeof r->msg, "%s", msg);
	r->stream = NULL;
}

static void on_sent(void *ud) { ((struct run *)ud)->sent++; }

static const llm_callbacks_t cbs = {on_delta, on_done, on_sent};

static void cfg_for(llm_config_t *cfg, char *url, size_t n, int provider, const char *scenario)
{
	llm_config_init(cfg);
	snprintf(url, n, "http://127.0.0.1:%d/s/%s/v1", server_port, scenario);
	cfg->provider = provider;
	cfg->base_url = url;
	cfg->model = "fake-model";
	cfg->api_key = "sk-test-123";
	cfg->backoff_ms = 20;
	cfg->idle_timeout_ms = 3000;
}

static void run_until_done(uv_loop_t *loop, struct run *runs, int n, double limit_ms)
{
	double t0 = now_ms();
	for (;;) {
		int all = 1;
		for (int i = 0; i < n; i++)
			if (!runs[i].done)
				all = 0;
		if (all)
			break;
		assert_true(now_ms() - t0 < limit_ms);
		uv_run(loop, UV_RUN_ONCE);
	}
}

/* One stream start to finish; returns the run (text released by the caller). */
static void one(int provider, const char *scenario, struct run *r, long idle_ms)
{
	uv_loop_t loop;
	llm_client_t *c;
	llm_config_t cfg;
	char url[256];
	llm_request_t req = {"Answer from the sources only.",
			     "Subject: Printer jams\nSources\n[1] [#T-42] paper path"};

	memset(r, 0, sizeof *r);
	buf_init(&r->text, 0);
	uv_loop_init(&loop);
	assert_int_equal(llm_client_new(&loop, &c), 0);
	cfg_for(&cfg, url, sizeof url, provider, scenario);
	if (idle_ms)
		cfg.idle_timeout_ms = idle_ms;
	assert_int_equal(llm_stream_start(c, &cfg, &req, &cbs, r, &r->stream), 0);
	run_until_done(&loop, r, 1, 15000);
	llm_client_free(c);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

static const char *want_text =
    "Hello, thanks for writing about Printer jams. Please follow the documented steps [#T-42]. "
    "I do not know when the fix ships.";

static void test_openai_stream_gives_the_whole_reply(void **state)
{
	struct run r;
	(void)state;
	fake_post("/_reset", "{}");
	one(LLM_PROVIDER_OPENAI, "ok", &r, 0);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.done, 1);
	assert_string_equal(buf_cstr(&r.text), want_text);
	assert_true(r.deltas > 5);
	assert_int_equal(r.sent, 1);
	cJSON *reqs = fake_requests();
	cJSON *q = cJSON_GetArrayItem(reqs, 0);
	assert_string_equal(cJSON_GetObjectItem(q, "path")->valuestring,
			    "/s/ok/v1/chat/completions");
	cJSON *h = cJSON_GetObjectItem(q, "headers");
	assert_string_equal(cJSON_GetObjectItem(h, "Authorization")->valuestring,
			    "Bearer sk-test-123");
	cJSON *b = cJSON_GetObjectItem(q, "body");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(b, "stream")));
	assert_string_equal(cJSON_GetObjectItem(b, "model")->valuestring, "fake-model");
	cJSON *m0 = cJSON_GetArrayItem(cJSON_GetObjectItem(b, "messages"), 0);
	assert_string_equal(cJSON_GetObjectItem(m0, "role")->valuestring, "system");
	cJSON_Delete(reqs);
	buf_release(&r.text);
}

static void test_anthropic_stream_gives_the_whole_reply(void **state)
{
	struct run r;
	(void)state;
	fake_post("/_reset", "{}");
	one(LLM_PROVIDER_ANTHROPIC, "ok", &r, 0);
	assert_int_equal(r.rc, 0);
	assert_string_equal(buf_cstr(&r.text), want_text);
	cJSON *reqs = fake_requests();
	cJSON *q = cJSON_GetArrayItem(reqs, 0);
	assert_string_equal(cJSON_GetObjectItem(q, "path")->valuestring, "/s/ok/v1/messages");
	cJSON *h = cJSON_GetObjectItem(q, "headers");
	assert_string_equal(cJSON_GetObjectItem(h, "x-api-key")->valuestring, "sk-test-123");
	assert_string_equal(cJSON_GetObjectItem(h, "anthropic-version")->valuestring,
			    "2023-06-01");
	cJSON *b = cJSON_GetObjectItem(q, "body");
	assert_string_equal(cJSON_GetObjectItem(b, "system")->valuestring,
			    "Answer from the sources only.");
	cJSON_Delete(reqs);
	buf_release(&r.text);
}

static void test_bad_key_ends_in_auth_failed(void **state)
{
	struct run r;
	(void)state;
	for (int p = LLM_PROVIDER_OPENAI; p <= LLM_PROVIDER_ANTHROPIC; p++) {
		fake_post("/_reset", "{}");
		one(p, "401", &r, 0);
		assert_int_equal(r.rc, PRECEDENT_EAUTH);
		assert_non_null(strstr(r.msg, "HTTP 401"));
		assert_null(strstr(r.msg, "sk-test-123"));
		cJSON *reqs = fake_requests();
		assert_int_equal(cJSON_GetArraySize(reqs), 1); /* 401 is not retried */
		cJSON_Delete(reqs);
		buf_release(&r.text);
	}
}

static void test_429_is_retried_then_succeeds(void **state)
{
	struct run r;
	(void)state;
	fake_post("/_reset", "{}");
	one(LLM_PROVIDER_OPENAI, "429once", &r, 0);
	assert_int_equal(r.rc, 0);
	assert_string_equal(buf_cstr(&r.text), want_text);
	cJSON *reqs = fake_requests();
	assert_int_equal(cJSON_GetArraySize(reqs), 2);
	cJSON_Delete(reqs);
	buf_release(&r.text);
}

static void test_5xx_retries_are_bounded(void **state)
{
	struct run r;
	(void)state;
	fake_post("/_reset", "{}");
	one(LLM_PROVIDER_ANTHROPIC, "500", &r, 0);
	assert_int_equal(r.rc, PRECEDENT_EUPSTREAM);
	assert_non_null(strstr(r.msg, "HTTP 500"));
	assert_non_null(strstr(r.msg, "Internal server error"));
	cJSON *reqs = fake_requests();
	assert_int_equal(cJSON_GetArraySize(reqs), 3); /* 1 + max_retries (2) */
	cJSON_Delete(reqs);
	buf_release(&r.text);
}

static void test_faults_mid_stream_keep_the_partial_text(void **state)
{
	static const char *const scen[] = {"cut", "malformed", "errorevent"};
	static const char *const want[] = {"cut before it finished", "malformed", "Overloaded"};
	struct run r;
	(void)state;
	for (int p = LLM_PROVIDER_OPENAI; p <= LLM_PROVIDER_ANTHROPIC; p++)
		for (int i = 0; i < 3; i++) {
			fake_post("/_reset", "{}");
			one(p, scen[i], &r, 0);
			if (r.rc != PRECEDENT_EUPSTREAM || !strstr(r.msg, want[i]))
				fail_msg("%s/%s: rc %d msg %s", llm_provider_name(p), scen[i], r.rc,
					 r.msg);
			assert_string_equal(buf_cstr(&r.text), "Hello, thanks for writing ");
			buf_release(&r.text);
		}
}

static void test_silent_provider_times_out(void **state)
{
	struct run r;
	(void)state;
	double t0 = now_ms();
	one(LLM_PROVIDER_OPENAI, "hang", &r, 300);
	assert_int_equal(r.rc, PRECEDENT_ETIMEOUT);
	assert_true(now_ms() - t0 < 2000);
	buf_release(&r.text);
}

static void test_connection_refused_is_a_network_error(void **state)
{
	struct run r = {0};
	uv_loop_t loop;
	llm_client_t *c;
	llm_config_t cfg;
	llm_request_t req = {"s", "u"};
	(void)state;
	buf_init(&r.text, 0);
	uv_loop_init(&loop);
	assert_int_equal(llm_client_new(&loop, &c), 0);
	llm_config_init(&cfg);
	cfg.provider = LLM_PROVIDER_OPENAI;
	cfg.base_url = "http://127.0.0.1:1/v1";
	cfg.model = "m";
	assert_int_equal(llm_stream_start(c, &cfg, &req, &cbs, &r, &r.stream), 0);
	run_until_done(&loop, &r, 1, 5000);
	assert_int_equal(r.rc, PRECEDENT_ENET);
	assert_non_null(strstr(r.msg, "connection refused"));
	llm_client_free(c);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	buf_release(&r.text);
}

static void on_delta_cancel(void *ud, const char *text, size_t len)
{
	struct run *r = ud;
	on_delta(ud, text, len);
	if (r->deltas == 1)
		llm_stream_cancel(r->stream); /* from inside curl's write callback */
}

static void on_cancel_timer(uv_timer_t *t) { llm_stream_cancel(t->data); }

static void test_cancel_closes_the_upstream_connection(void **state)
{
	uv_loop_t loop;
	llm_client_t *c;
	llm_config_t cfg;
	char url[256];
	llm_request_t req = {"s", "Subject: Slow one"};
	struct run r = {0}, r2 = {0};
	llm_callbacks_t cb2 = {on_delta_cancel, on_done, NULL};
	uv_timer_t t;
	(void)state;

	fake_post("/_reset", "{}");
	buf_init(&r.text, 0);
	buf_init(&r2.text, 0);
	uv_loop_init(&loop);
	assert_int_equal(llm_client_new(&loop, &c), 0);
	cfg_for(&cfg, url, sizeof url, LLM_PROVIDER_OPENAI, "slow-a");
	assert_int_equal(llm_stream_start(c, &cfg, &req, &cbs, &r, &r.stream), 0);
	cfg_for(&cfg, url, sizeof url, LLM_PROVIDER_ANTHROPIC, "slow-b");
	assert_int_equal(llm_stream_start(c, &cfg, &req, &cb2, &r2, &r2.stream), 0);
	/* cancel the first from a timer once its first delta is in */
	uv_timer_init(&loop, &t);
	t.data = r.stream;
	uv_timer_start(&t, on_cancel_timer, 400, 0);
	double t0 = now_ms();
	while (now_ms() - t0 < 1200)
		uv_run(&loop, UV_RUN_NOWAIT), usleep(2000);
	assert_int_equal(r.done, 0); /* cancelled streams never call back */
	assert_int_equal(r2.done, 0);
	assert_int_equal(r.deltas, 1);
	assert_int_equal(r2.deltas, 1);
	assert_int_equal(llm_client_active(c), 0);
	cJSON *reqs = fake_requests();
	assert_int_equal(cJSON_GetArraySize(reqs), 2);
	for (int i = 0; i < 2; i++) {
		cJSON *q = cJSON_GetArrayItem(reqs, i);
		if (!cJSON_IsTrue(cJSON_GetObjectItem(q, "disconnected")))
			fail_msg("request %d: the fake server did not see the connection close", i);
	}
	cJSON_Delete(reqs);
	uv_close((uv_handle_t *)&t, NULL);
	llm_client_free(c);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	buf_release(&r.text);
	buf_release(&r2.text);
}

static void test_concurrent_streams_do_not_mix(void **state)
{
	enum { N = 8 };
	uv_loop_t loop;
	llm_client_t *c;
	llm_config_t cfg;
	char url[256], user[N][64];
	struct run r[N];
	(void)state;

	fake_post("/_reset", "{}");
	uv_loop_init(&loop);
	assert_int_equal(llm_client_new(&loop, &c), 0);
	for (int i = 0; i < N; i++) {
		llm_request_t req = {"s", user[i]};
		memset(&r[i], 0, sizeof r[i]);
		buf_init(&r[i].text, 0);
		snprintf(user[i], sizeof user[i], "Subject: Ticket number %d", i);
		cfg_for(&cfg, url, sizeof url, i % 2 ? LLM_PROVIDER_ANTHROPIC : LLM_PROVIDER_OPENAI,
			"ok");
		assert_int_equal(llm_stream_start(c, &cfg, &req, &cbs, &r[i], &r[i].stream), 0);
	}
	run_until_done(&loop, r, N, 15000);
	for (int i = 0; i < N; i++) {
		char want[256];
		snprintf(want, sizeof want,
			 "Hello, thanks for writing about Ticket number %d. Please follow the "
			 "documented steps. I do not know when the fix ships.",
			 i);
		assert_int_equal(r[i].rc, 0);
		assert_string_equal(buf_cstr(&r[i].text), want);
		buf_release(&r[i].text);
	}
	llm_client_free(c);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_wire_formats_parse_documented_events(void **state)
{
	buf_t d;
	int fin = 0;
	char err[200];
	(void)state;
	buf_init(&d, 0);
	assert_int_equal(
	    llm_openai_event("message", "{\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}", 40,
			     &d, &fin, err, sizeof err),
	    0);
	assert_string_equal(buf_cstr(&d), "Hi");
	assert_int_equal(llm_openai_event("message", "[DONE]", 6, &d, &fin, err, sizeof err),
			 LLM_EVENT_DONE);
	assert_int_equal(llm_openai_event("message", "{\"choices\":[]}", 14, &d, &fin, err,
					  sizeof err),
			 0);
	assert_int_equal(llm_openai_event("message", "nope", 4, &d, &fin, err, sizeof err),
			 PRECEDENT_EUPSTREAM);
	const char *e = "{\"error\":{\"message\":\"quota\"}}";
	assert_int_equal(llm_openai_event("message", e, strlen(e), &d, &fin, err, sizeof err),
			 PRECEDENT_EUPSTREAM);
	assert_string_equal(err, "quota");
	buf_reset(&d);
	const char *a = "{\"type\":\"content_block_delta\",\"delta\":{\"type\":\"text_delta\","
			"\"text\":\"Yo\"}}";
	assert_int_equal(llm_anthropic_event("content_block_delta", a, strlen(a), &d, &fin, err,
					     sizeof err),
			 0);
	assert_string_equal(buf_cstr(&d), "Yo");
	const char *th = "{\"type\":\"content_block_delta\",\"delta\":{\"type\":\"thinking_delta\","
			 "\"thinking\":\"hmm\"}}";
	assert_int_equal(llm_anthropic_event("content_block_delta", th, strlen(th), &d, &fin, err,
					     sizeof err),
			 0);
	assert_string_equal(buf_cstr(&d), "Yo");
	assert_int_equal(llm_anthropic_event("ping", "{\"type\":\"ping\"}", 15, &d, &fin, err,
					     sizeof err),
			 0);
	assert_int_equal(llm_anthropic_event("message_stop", "{\"type\":\"message_stop\"}", 23, &d,
					     &fin, err, sizeof err),
			 LLM_EVENT_DONE);
	const char *ae = "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
			 "\"message\":\"Overloaded\"}}";
	assert_int_equal(llm_anthropic_event("error", ae, strlen(ae), &d, &fin, err, sizeof err),
			 PRECEDENT_EUPSTREAM);
	assert_string_equal(err, "Overloaded");
	buf_release(&d);
	assert_int_equal(llm_provider_from_name("ollama"), LLM_PROVIDER_OPENAI);
	assert_int_equal(llm_provider_from_name("anthropic"), LLM_PROVIDER_ANTHROPIC);
	assert_int_equal(llm_provider_from_name("bogus"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_wire_formats_parse_documented_events),
	    cmocka_unit_test(test_openai_stream_gives_the_whole_reply),
	    cmocka_unit_test(test_anthropic_stream_gives_the_whole_reply),
	    cmocka_unit_test(test_bad_key_ends_in_auth_failed),
	    cmocka_unit_test(test_429_is_retried_then_succeeds),
	    cmocka_unit_test(test_5xx_retries_are_bounded),
	    cmocka_unit_test(test_faults_mid_stream_keep_the_partial_text),
	    cmocka_unit_test(test_silent_provider_times_out),
	    cmocka_unit_test(test_connection_refused_is_a_network_error),
	    cmocka_unit_test(test_cancel_closes_the_upstream_connection),
	    cmocka_unit_test(test_concurrent_streams_do_not_mix),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, start_server, stop_server);
}
