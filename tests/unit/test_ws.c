/*
 * test_ws.c - the WebSocket server on a real libuv loop with real clients
 * (tests/integration/wsclient.py spawned through uv_spawn): the right token and origin get the
 * frames; a wrong token, a wrong origin, no origin, a web page origin and no token are refused or
 * closed; bad messages close that connection only; draft.cancel reaches the host. Also the pure
 * checks (origins, constant-time token compare, message classification).
 */
#include "testutil.h"

#include <uv.h>

#include "precedent/error.h"
#include "precedent/util.h"
#include "precedent/ws.h"

#define EXT "chrome-extension://abcdefghijklmnopabcdefghijklmnop"

struct env {
	uv_loop_t loop;
	ws_server_t *ws;
	uv_timer_t pump;
	int frames_sent;
	int frames_wanted;
	int children;
	int64_t status[4];
	char cancelled[64];
};

static void on_message(void *ud, const char *type, const cJSON *msg)
{
	struct env *e = ud;
	if (strcmp(type, "draft.cancel") == 0) {
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(msg, "draft_id");
		if (cJSON_IsString(d))
			snprintf(e->cancelled, sizeof e->cancelled, "%s", d->valuestring);
	}
}

/* Sends a frame whenever an authenticated client is there, until frames_wanted. */
static void on_pump(uv_timer_t *t)
{
	struct env *e = t->data;
	char f[128];
	if (ws_server_clients(e->ws) > 0 && e->frames_sent < e->frames_wanted) {
		int n = snprintf(f, sizeof f,
				 "{\"type\":\"draft.delta\",\"draft_id\":\"d1\",\"text\":\"tok %d\"}",
				 e->frames_sent);
		if (ws_server_broadcast(e->ws, f, (size_t)n) > 0)
			e->frames_sent++;
	}
}

struct child {
	uv_process_t proc;
	struct env *e;
	int slot;
};

static void on_exit_cb(uv_process_t *p, int64_t status, int sig)
{
	struct child *c = p->data;
	c->e->status[c->slot] = sig ? -sig : status;
	c->e->children--;
	uv_close((uv_handle_t *)p, NULL);
}

static void spawn_client(struct env *e, struct child *c, int slot, const char *origin,
			 const char *token, const char *expect, int n)
{
	char port[16], num[16];
	snprintf(port, sizeof port, "%d", ws_server_port(e->ws));
	snprintf(num, sizeof num, "%d", n);
	char *args[] = {"python3", "tests/integration/wsclient.py", port, (char *)origin,
			(char *)token, (char *)expect, num, NULL};
	uv_process_options_t o;
	uv_stdio_container_t io[3];
	memset(&o, 0, sizeof o);
	io[0].flags = UV_IGNORE;
	io[1].flags = UV_IGNORE;
	io[2].flags = UV_INHERIT_FD;
	io[2].data.fd = 2;
	o.file = "python3";
	o.args = args;
	o.exit_cb = on_exit_cb;
	o.stdio = io;
	o.stdio_count = 3;
	c->e = e;
	c->slot = slot;
	c->proc.data = c;
	e->status[slot] = 99;
	assert_int_equal(uv_spawn(&e->loop, &c->proc, &o), 0);
	e->children++;
}

static void env_start(struct env *e, int frames)
{
	char err[200];
	memset(e, 0, sizeof *e);
	uv_loop_init(&e->loop);
	assert_int_equal(ws_server_start(&e->loop, NULL, on_message, e, &e->ws, err, sizeof err),
			 0);
	assert_true(ws_server_port(e->ws) > 0);
	assert_int_equal(strlen(ws_server_token(e->ws)), 64);
	assert_int_equal(ws_server_set_origin(e->ws, EXT), 0);
	e->frames_wanted = frames;
	uv_timer_init(&e->loop, &e->pump);
	e->pump.data = e;
	uv_timer_start(&e->pump, on_pump, 5, 5);
}

static void env_run(struct env *e)
{
	double t0 = now_ms();
	while (e->children > 0) {
		assert_true(now_ms() - t0 < 20000);
		uv_run(&e->loop, UV_RUN_ONCE);
	}
}

static void env_stop(struct env *e)
{
	uv_timer_stop(&e->pump);
	uv_close((uv_handle_t *)&e->pump, NULL);
	ws_server_stop(e->ws);
	uv_run(&e->loop, UV_RUN_DEFAULT);
	ws_server_free(e->ws);
	assert_int_equal(uv_loop_close(&e->loop), 0);
}

static void test_right_token_and_origin_get_the_frames(void **state)
{
	struct env e;
	struct child c;
	(void)state;
	env_start(&e, 5);
	spawn_client(&e, &c, 0, EXT, ws_server_token(e.ws), "frames", 5);
	env_run(&e);
	assert_int_equal(e.status[0], 0);
	assert_int_equal(e.frames_sent, 5);
	env_stop(&e);
}

static void test_intruders_are_refused_or_closed(void **state)
{
	struct env e;
	struct child c[4];
	(void)state;
	env_start(&e, 0);
	spawn_client(&e, &c[0], 0, EXT, "0000000000000000000000000000000000000000000000000000000000000000",
		     "closed", 0);
	spawn_client(&e, &c[1], 1, "chrome-extension://someoneelseentirelysomeoneelseen",
		     ws_server_token(e.ws), "refused", 0);
	spawn_client(&e, &c[2], 2, "-", ws_server_token(e.ws), "refused", 0);
	spawn_client(&e, &c[3], 3, "http://127.0.0.1:8000", ws_server_token(e.ws), "refused", 0);
	env_run(&e);
	for (int i = 0; i < 4; i++)
		if (e.status[i] != 0)
			fail_msg("client %d: exit %lld", i, (long long)e.status[i]);
	assert_int_equal(ws_server_clients(e.ws), 0);
	env_stop(&e);
}

static void test_no_token_is_closed_after_the_deadline(void **state)
{
	struct env e;
	struct child c;
	(void)state;
	env_start(&e, 0);
	spawn_client(&e, &c, 0, EXT, "-", "closed", 0);
	env_run(&e);
	assert_int_equal(e.status[0], 0);
	env_stop(&e);
}

static void test_bad_messages_close_only_that_connection(void **state)
{
	static const char *const bad[] = {"big", "flood", "badjson", "binary"};
	(void)state;
	for (int i = 0; i < 4; i++) {
		struct env e;
		struct child c[2];
		env_start(&e, 100000); /* keep sending: the good client may connect last */
		spawn_client(&e, &c[0], 0, EXT, ws_server_token(e.ws), bad[i], 0);
		spawn_client(&e, &c[1], 1, EXT, ws_server_token(e.ws), "frames", 3);
		env_run(&e);
		if (e.status[0] != 0 || e.status[1] != 0)
			fail_msg("%s: bad client %lld, good client %lld", bad[i],
				 (long long)e.status[0], (long long)e.status[1]);
		env_stop(&e);
	}
}

static void test_cancel_reaches_the_host(void **state)
{
	struct env e;
	struct child c;
	(void)state;
	env_start(&e, 1);
	spawn_client(&e, &c, 0, EXT, ws_server_token(e.ws), "cancel", 1);
	env_run(&e);
	assert_int_equal(e.status[0], 0);
	assert_string_equal(e.cancelled, "d9");
	env_stop(&e);
}

static void test_nobody_connects_before_hello(void **state)
{
	struct env e;
	struct child c;
	char err[200];
	(void)state;
	memset(&e, 0, sizeof e);
	uv_loop_init(&e.loop);
	assert_int_equal(ws_server_start(&e.loop, NULL, on_message, &e, &e.ws, err, sizeof err), 0);
	uv_timer_init(&e.loop, &e.pump);
	e.pump.data = &e;
	spawn_client(&e, &c, 0, EXT, ws_server_token(e.ws), "refused", 0);
	env_run(&e);
	assert_int_equal(e.status[0], 0);
	env_stop(&e);
}

static void test_origin_rules(void **state)
{
	(void)state;
	assert_true(ws_is_extension_origin(EXT));
	assert_true(ws_is_extension_origin(EXT "/"));
	assert_true(ws_is_extension_origin("moz-extension://1b2c3d4e-aaaa-bbbb-cccc-123456789abc"));
	assert_false(ws_is_extension_origin("http://127.0.0.1:8000"));
	assert_false(ws_is_extension_origin("chrome-extension://"));
	assert_false(ws_is_extension_origin("chrome-extension://abc/page.html"));
	assert_false(ws_is_extension_origin("chrome-extension://ab c"));
	assert_true(ws_origin_matches(EXT "/", EXT, strlen(EXT)));
	assert_false(ws_origin_matches(EXT, EXT "x", strlen(EXT) + 1));
	assert_false(ws_origin_matches(EXT, "", 0));

	/* Chromium: hello's origin must be the caller's */
	struct env e;
	char err[200];
	memset(&e, 0, sizeof e);
	uv_loop_init(&e.loop);
	assert_int_equal(ws_server_start(&e.loop, EXT "/", NULL, NULL, &e.ws, err, sizeof err), 0);
	assert_int_equal(ws_server_set_origin(e.ws, "chrome-extension://otherotherotherotherotherother"),
			 PRECEDENT_EINVAL);
	assert_int_equal(ws_server_set_origin(e.ws, "http://example.com"), PRECEDENT_EINVAL);
	assert_int_equal(ws_server_set_origin(e.ws, EXT), 0);
	uv_timer_init(&e.loop, &e.pump);
	env_stop(&e);
}

static void test_messages_are_classified(void **state)
{
	const char *tok = "abc123";
	cJSON *out;
	const char *why;
	(void)state;
	assert_int_equal(ws_classify_message(tok, 0, "{\"type\":\"auth\",\"token\":\"abc123\"}", 32,
					     &out, &why),
			 WS_AUTHED);
	assert_int_equal(ws_classify_message(tok, 0, "{\"type\":\"auth\",\"token\":\"abc124\"}", 32,
					     &out, &why),
			 WS_REJECT);
	assert_string_equal(why, "wrong token");
	assert_int_equal(ws_classify_message(tok, 0, "{\"type\":\"auth\",\"token\":\"abc12\"}", 31,
					     &out, &why),
			 WS_REJECT);
	assert_int_equal(ws_classify_message(tok, 0, "{\"type\":\"draft.cancel\"}", 23, &out, &why),
			 WS_REJECT);
	assert_int_equal(ws_classify_message(tok, 1, "[1]", 3, &out, &why), WS_REJECT);
	assert_int_equal(ws_classify_message(tok, 1, "\xff", 1, &out, &why), WS_REJECT);
	assert_int_equal(
	    ws_classify_message(tok, 1, "{\"type\":\"draft.cancel\",\"draft_id\":\"x\"}", 38, &out,
				&why),
	    WS_DELIVER);
	cJSON_Delete(out);
	assert_true(ws_token_equal("abc", "abc", 3));
	assert_false(ws_token_equal("abc", "abd", 3));
	assert_false(ws_token_equal("abc", "abcd", 4));
	assert_false(ws_token_equal("abc", "", 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_origin_rules),
	    cmocka_unit_test(test_messages_are_classified),
	    cmocka_unit_test(test_right_token_and_origin_get_the_frames),
	    cmocka_unit_test(test_intruders_are_refused_or_closed),
	    cmocka_unit_test(test_nobody_connects_before_hello),
	    cmocka_unit_test(test_bad_messages_close_only_that_connection),
	    cmocka_unit_test(test_cancel_reaches_the_host),
	    cmocka_unit_test(test_no_token_is_closed_after_the_deadline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
