/*
 * test_signals.c - signal events: schema validation, durable JSONL append, and
 * webhook delivery through the outbox against a real HTTP server on 127.0.0.1
 * (a forked child serving plain sockets): endpoint down, then back, 5xx retried,
 * 4xx set aside, each event delivered once and in order.
 */
#include "testutil.h"

#include "precedent/editdist.h"
#include "precedent/error.h"
#include "precedent/signals.h"
#include "precedent/util.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cJSON.h>

/* ---- helpers ------------------------------------------------------------------ */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return strdup("");
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *p = malloc((size_t)n + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	p[n] = '\0';
	fclose(f);
	return p;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* The n-th line (0-based) parsed as JSON; caller deletes. */
static cJSON *line_json(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		s = strchr(s, '\n');
		assert_non_null(s);
		s++;
	}
	const char *e = strchr(s, '\n');
	assert_non_null(e);
	char *l = strndup(s, (size_t)(e - s));
	cJSON *j = cJSON_Parse(l);
	free(l);
	return j;
}

static cJSON *gap_payload(const char *ticket)
{
	static const char *const terms[] = {"sso", "saml assertion", "[EMAIL_1]"};
	signals_knowledge_gap_t g = {.ticket_id = ticket,
				     .key_terms = terms,
				     .nterms = 3,
				     .best_score = 4.25,
				     .confidence = 0.18,
				     .suggested_doc_area = "guides/sso.md"};
	return signals_knowledge_gap_payload(&g);
}

static int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof sa;
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	close(fd);
	return ntohs(sa.sin_port);
}

/* A tiny HTTP/1.1 server in a child process. Answers 503 to the first fail_first
 * requests, 400 to bodies containing `reject`, 200 otherwise, and appends
 * "<status> <body>\n" for every request to log_path. */
static pid_t server_start(int port, const char *log_path, int fail_first, const char *reject)
{
	int lfd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
	struct sockaddr_in sa = {.sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_true(lfd >= 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(lfd, 16), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid > 0) {
		close(lfd);
		return pid;
	}
	int count = 0;
	for (;;) {
		int c = accept(lfd, NULL, NULL);
		if (c < 0)
			continue;
		if (fail_first < 0) { /* a silent endpoint: accepts, never answers */
			pause();
			continue;
		}
		char req[65536];
		size_t got = 0;
		char *body = NULL;
		long clen = -1;
		while (got < sizeof req - 1) {
			ssize_t r = read(c, req + got, sizeof req - 1 - got);
			if (r <= 0)
				break;
			got += (size_t)r;
			req[got] = '\0';
			char *hend = strstr(req, "\r\n\r\n");
			if (!hend)
				continue;
			if (clen < 0) {
				char *cl = strcasestr(req, "\r\nContent-Length:");
				clen = cl ? strtol(cl + 17, NULL, 10) : 0;
			}
			body = hend + 4;
			if ((long)(got - (size_t)(body - req)) >= clen)
				break;
		}
		count++;
		int status = count <= fail_first			? 503
			     : (reject && body && strstr(body, reject)) ? 400
									: 200;
		FILE *lf = fopen(log_path, "a");
		if (lf) {
			fprintf(lf, "%d %.*s\n", status, (int)(body ? clen : 0), body ? body : "");
			fclose(lf);
		}
		char resp[128];
		int n = snprintf(
		    resp, sizeof resp,
		    "HTTP/1.1 %d X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok", status);
		if (write(c, resp, (size_t)n) < 0)
			_exit(1);
		close(c);
	}
}

static void server_stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

typedef struct fixture {
	char *dir;
	char events[512], log[512], url[128];
	int port;
} fixture_t;

static int setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	f->dir = test_tmpdir();
	snprintf(f->events, sizeof f->events, "%s/data/precedent/events.jsonl", f->dir);
	snprintf(f->log, sizeof f->log, "%s/server.log", f->dir);
	f->port = free_port();
	snprintf(f->url, sizeof f->url, "http://127.0.0.1:%d/hook", f->port);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_t *f = *state;
	test_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* ---- tests ---------------------------------------------------------------------- */

static void test_default_path_follows_xdg_then_home(void **state)
{
	(void)state;
	char p[512];
	char *old_xdg = getenv("XDG_DATA_HOME") ? strdup(getenv("XDG_DATA_HOME")) : NULL;
	char *old_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
	setenv("XDG_DATA_HOME", "/x/data", 1);
	assert_int_equal(signals_default_path(p, sizeof p), 0);
	assert_string_equal(p, "/x/data/precedent/events.jsonl");
	unsetenv("XDG_DATA_HOME");
	setenv("HOME", "/home/ana", 1);
	assert_int_equal(signals_default_path(p, sizeof p), 0);
	assert_string_equal(p, "/home/ana/.local/share/precedent/events.jsonl");
	assert_int_equal(signals_default_path(p, 10), PRECEDENT_ETOOBIG);
	unsetenv("HOME");
	assert_int_equal(signals_default_path(p, sizeof p), PRECEDENT_ECONFIG);
	if (old_xdg)
		setenv("XDG_DATA_HOME", old_xdg, 1);
	if (old_home)
		setenv("HOME", old_home, 1);
	free(old_xdg);
	free(old_home);
}

static void test_emit_appends_schema_valid_lines_with_mode_0600(void **state)
{
	fixture_t *f = *state;
	signals_config_t cfg = {.events_path = f->events};
	signals_t *s;
	char err[256], id1[33], id2[33];
	assert_int_equal(signals_open(&cfg, &s, err, sizeof err), 0);

	/* a real draft/sent pair through editdist */
	const char *draft = "Restart the sync agent [doc: guides/sync.md#restart]. "
			    "Then clear the cache [#4512]. We will refund you [#77].";
	const char *sent = "Restart the sync agent. Then clear the local cache. Thanks!";
	editdist_result_t r;
	editdist_attribution_t at;
	assert_int_equal(
	    editdist_compare(draft, strlen(draft), sent, strlen(sent), EDITDIST_NORM_DEFAULT, &r),
	    0);
	assert_int_equal(editdist_attribute(draft, strlen(draft), sent, strlen(sent), &at), 0);
	static const char *const used[] = {"[#4512]", "#77", "doc: guides/sync.md#restart", "#9"};
	signals_draft_quality_t q = {.ticket_id = "T-1",
				     .draft_id = "d-42",
				     .outcome = "sent",
				     .mode = "offline",
				     .confidence = 0.72,
				     .edit = &r,
				     .attribution = &at,
				     .sources = used,
				     .nsources = 4,
				     .rating = "up",
				     .seconds_to_send = 93.5};
	cJSON *p = signals_draft_quality_payload(&q);
	assert_non_null(p);
	assert_int_equal(signals_emit_id(s, SIGNALS_DRAFT_QUALITY, p, id1), 0);
	cJSON_Delete(p);
	editdist_attribution_release(&at);
	p = gap_payload("T-2");
	assert_int_equal(signals_emit_id(s, SIGNALS_KNOWLEDGE_GAP, p, id2), 0);
	cJSON_Delete(p);
	signals_close(s);

	struct stat st;
	assert_int_equal(stat(f->events, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	char *txt = slurp(f->events);
	assert_int_equal(count_lines(txt), 2);
	cJSON *e = line_json(txt, 0);
	assert_non_null(e);
	assert_int_equal(signals_validate(SIGNALS_DRAFT_QUALITY, e, err, sizeof err), 0);
	assert_string_equal(cJSON_GetObjectItem(e, "schema")->valuestring,
			    "precedent.draft_quality_signal/1");
	assert_string_equal(cJSON_GetObjectItem(e, "id")->valuestring, id1);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(e, "model")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(e, "provider")));
	assert_int_equal(cJSON_GetObjectItem(e, "edit_distance")->valueint, (int)r.distance);
	assert_true(cJSON_GetObjectItem(e, "word_edit_ratio")->valuedouble == r.word_ratio);
	cJSON *ed = cJSON_GetObjectItem(e, "sentences");
	assert_int_equal(cJSON_GetObjectItem(ed, "total")->valueint, 3);
	assert_int_equal(cJSON_GetObjectItem(ed, "kept")->valueint, 1);
	/* sources credited per sentence: doc kept, #4512 edited, #77 deleted, #9 unused */
	cJSON *src = cJSON_GetObjectItem(e, "sources");
	assert_int_equal(cJSON_GetArraySize(src), 4);
	cJSON *s0 = cJSON_GetArrayItem(src, 0), *s2 = cJSON_GetArrayItem(src, 2);
	assert_string_equal(cJSON_GetObjectItem(s0, "id")->valuestring, "4512");
	assert_string_equal(cJSON_GetObjectItem(s0, "ref")->valuestring, "[#4512]");
	assert_int_equal(cJSON_GetObjectItem(s0, "edited")->valueint, 1);
	assert_string_equal(cJSON_GetObjectItem(s2, "kind")->valuestring, "doc");
	assert_int_equal(cJSON_GetObjectItem(s2, "kept")->valueint, 1);
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(src, 1), "deleted")->valueint, 1);
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(src, 3), "sentences")->valueint, 0);
	cJSON_Delete(e);

	e = line_json(txt, 1);
	assert_int_equal(signals_validate(SIGNALS_KNOWLEDGE_GAP, e, err, sizeof err), 0);
	assert_string_equal(cJSON_GetObjectItem(e, "type")->valuestring, "knowledge_gap_signal");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(e, "key_terms")), 3);
	assert_string_not_equal(id1, id2);
	cJSON_Delete(e);
	free(txt);
}

static void test_invalid_events_are_refused_and_not_written(void **state)
{
	fixture_t *f = *state;
	signals_config_t cfg = {.events_path = f->events};
	signals_t *s;
	char err[256];
	assert_int_equal(signals_open(&cfg, &s, err, sizeof err), 0);
	cJSON *p = gap_payload("T-9");
	assert_int_equal(signals_emit(s, "draft_quality", p), PRECEDENT_ETYPE);
	cJSON_DeleteItemFromObject(p, "ticket_id");
	assert_int_equal(signals_emit(s, SIGNALS_KNOWLEDGE_GAP, p), PRECEDENT_EFIELD);
	assert_non_null(strstr(signals_error(s), "ticket_id"));
	cJSON_AddStringToObject(p, "ticket_id", "T-9");
	cJSON_ReplaceItemInObject(p, "confidence", cJSON_CreateNumber(1.5));
	assert_int_equal(signals_emit(s, SIGNALS_KNOWLEDGE_GAP, p), PRECEDENT_EFIELD);
	assert_non_null(strstr(signals_error(s), "confidence"));
	cJSON_ReplaceItemInObject(p, "confidence", cJSON_CreateNumber(0.5));
	cJSON_AddStringToObject(p, "ts", "2020-01-01T00:00:00Z");
	assert_int_equal(signals_emit(s, SIGNALS_KNOWLEDGE_GAP, p), PRECEDENT_EFIELD);
	assert_non_null(strstr(signals_error(s), "reserved"));
	cJSON_Delete(p);

	/* a sent draft without edit scores */
	signals_draft_quality_t q = {.ticket_id = "T",
				     .draft_id = "d",
				     .outcome = "sent",
				     .provider = "openai",
				     .model = "gpt-x",
				     .confidence = 0.5,
				     .seconds_to_send = -1};
	p = signals_draft_quality_payload(&q);
	assert_int_equal(signals_emit(s, SIGNALS_DRAFT_QUALITY, p), PRECEDENT_EFIELD);
	assert_non_null(strstr(signals_error(s), "edit"));
	/* ... which is fine for a rating */
	cJSON_ReplaceItemInObject(p, "outcome", cJSON_CreateString("rating"));
	cJSON_ReplaceItemInObject(p, "rating", cJSON_CreateString("sideways"));
	assert_int_equal(signals_emit(s, SIGNALS_DRAFT_QUALITY, p), PRECEDENT_EFIELD);
	cJSON_ReplaceItemInObject(p, "rating", cJSON_CreateString("down"));
	assert_int_equal(signals_emit(s, SIGNALS_DRAFT_QUALITY, p), 0);
	cJSON_Delete(p);
	signals_close(s);

	char *txt = slurp(f->events);
	assert_int_equal(count_lines(txt), 1); /* only the valid one */
	free(txt);
}

static void test_validate_checks_envelope_and_names_the_field(void **state)
{
	(void)state;
	char err[256];
	const char *good =
	    "{\"schema\":\"precedent.knowledge_gap_signal/1\","
	    "\"type\":\"knowledge_gap_signal\",\"id\":\"0123456789abcdef0123456789abcdef\","
	    "\"ts\":\"2026-11-25T21:00:00.123Z\",\"ticket_id\":\"1\",\"key_terms\":[\"vpn\"],"
	    "\"best_score\":-3.5,\"confidence\":0.1,\"suggested_doc_area\":null,"
	    "\"future_field\":true}";
	cJSON *e = cJSON_Parse(good);
	assert_int_equal(signals_validate(SIGNALS_KNOWLEDGE_GAP, e, err, sizeof err), 0);
	assert_int_equal(signals_validate(SIGNALS_DRAFT_QUALITY, e, err, sizeof err),
			 PRECEDENT_EFIELD);
	assert_non_null(strstr(err, "schema"));
	assert_int_equal(signals_validate("nope", e, err, sizeof err), PRECEDENT_ETYPE);
	cJSON_ReplaceItemInObject(e, "ts", cJSON_CreateString("yesterday"));
	assert_int_equal(signals_validate(SIGNALS_KNOWLEDGE_GAP, e, err, sizeof err),
			 PRECEDENT_EFIELD);
	assert_non_null(strstr(err, "ts"));
	cJSON_ReplaceItemInObject(e, "ts", cJSON_CreateString("2026-11-25T21:00:00Z"));
	cJSON_ReplaceItemInObject(e, "id", cJSON_CreateString("XYZ"));
	assert_int_equal(signals_validate(SIGNALS_KNOWLEDGE_GAP, e, err, sizeof err),
			 PRECEDENT_EFIELD);
	cJSON_ReplaceItemInObject(e, "id", cJSON_CreateString("0123456789abcdef0123456789abcdef"));
	cJSON_ReplaceItemInObject(e, "key_terms", cJSON_CreateArray()); /* none found: fine */
	assert_int_equal(signals_validate(SIGNALS_KNOWLEDGE_GAP, e, err, sizeof err), 0);
	cJSON_ReplaceItemInObject(e, "key_terms", cJSON_CreateString("vpn dns"));
	assert_int_equal(signals_validate(SIGNALS_KNOWLEDGE_GAP, e, err, sizeof err),
			 PRECEDENT_EFIELD);
	assert_non_null(strstr(err, "key_terms"));
	cJSON_Delete(e);
	cJSON *arr = cJSON_CreateArray();
	assert_int_equal(signals_validate(SIGNALS_KNOWLEDGE_GAP, arr, err, sizeof err),
			 PRECEDENT_EFIELD);
	cJSON_Delete(arr);
}

static void test_torn_last_line_does_not_swallow_the_next_event(void **state)
{
	fixture_t *f = *state;
	signals_config_t cfg = {.events_path = f->events};
	signals_t *s;
	char err[256];
	char dir[600];
	snprintf(dir, sizeof dir, "%s/data/precedent", f->dir);
	assert_int_equal(mkdir_p(dir), 0);
	FILE *fp = fopen(f->events, "w");
	fputs("{\"schema\":\"precedent.knowl", fp); /* a crash mid-write */
	fclose(fp);
	chmod(f->events, 0644);
	assert_int_equal(signals_open(&cfg, &s, err, sizeof err), 0);
	cJSON *p = gap_payload("T-3");
	assert_int_equal(signals_emit(s, SIGNALS_KNOWLEDGE_GAP, p), 0);
	cJSON_Delete(p);
	signals_close(s);
	char *txt = slurp(f->events);
	assert_int_equal(count_lines(txt), 2);
	cJSON *e = line_json(txt, 1);
	assert_int_equal(signals_validate(SIGNALS_KNOWLEDGE_GAP, e, err, sizeof err), 0);
	cJSON_Delete(e);
	free(txt);
	struct stat st;
	assert_int_equal(stat(f->events, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600); /* tightened */
}

static void test_simple_forms_are_canonicalized_and_nothing_is_created_early(void **state)
{
	fixture_t *f = *state;
	signals_config_t cfg = {.events_path = f->events, .webhook_url = f->url};
	signals_t *s;
	char err[256];
	struct stat st;
	size_t pending = 9;
	assert_int_equal(signals_open(&cfg, &s, err, sizeof err), 0);
	assert_int_not_equal(stat(f->events, &st), 0); /* opening creates nothing */
	assert_int_equal(signals_pending(s, &pending), 0);
	assert_int_equal(pending, 0);
	cJSON *p = cJSON_Parse(
	    "{\"ticket_id\":\"9002\",\"draft_id\":\"d1\",\"key_terms\":\"vpn  split tunnel\","
	    "\"best_score\":0.12,\"suggested_doc_area\":\"network\"}");
	assert_int_equal(signals_emit(s, SIGNALS_KNOWLEDGE_GAP, p), 0);
	cJSON_Delete(p);
	p = cJSON_Parse(
	    "{\"ticket_id\":\"9002\",\"draft_id\":\"d1\",\"outcome\":\"discarded\",\"mode\":"
	    "\"offline\","
	    "\"provider\":null,\"model\":null,\"sources\":[\"[#812]\",\"[doc: kb/vpn.md#split]\"],"
	    "\"confidence\":0.4,\"edit_distance\":null,\"edit_ratio\":null,\"word_edit_ratio\":"
	    "null,"
	    "\"rating\":null,\"comment\":null,\"seconds_to_send\":-2}");
	assert_int_equal(signals_emit(s, SIGNALS_DRAFT_QUALITY, p), 0);
	cJSON_Delete(p);
	assert_int_equal(signals_pending(s, &pending), 0);
	assert_int_equal(pending, 2);
	signals_close(s);

	char *txt = slurp(f->events);
	cJSON *e = line_json(txt, 0);
	cJSON *terms = cJSON_GetObjectItem(e, "key_terms");
	assert_int_equal(cJSON_GetArraySize(terms), 3);
	assert_string_equal(cJSON_GetArrayItem(terms, 1)->valuestring, "split");
	cJSON_Delete(e);
	e = line_json(txt, 1);
	assert_int_equal(signals_validate(SIGNALS_DRAFT_QUALITY, e, err, sizeof err), 0);
	cJSON *src = cJSON_GetObjectItem(e, "sources");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(src, 0), "id")->valuestring,
			    "812");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(src, 1), "id")->valuestring,
			    "kb/vpn.md#split");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(src, 1), "kind")->valuestring,
			    "doc");
	assert_true(cJSON_GetObjectItem(e, "seconds_to_send")->valuedouble == 0);
	cJSON_Delete(e);
	free(txt);
}

static void test_bad_webhook_url_is_a_config_error(void **state)
{
	fixture_t *f = *state;
	signals_config_t cfg = {.events_path = f->events, .webhook_url = "file:///etc/passwd"};
	signals_t *s = NULL;
	char err[256];
	assert_int_equal(signals_open(&cfg, &s, err, sizeof err), PRECEDENT_ECONFIG);
	assert_null(s);
	assert_non_null(strstr(err, "http"));
	cfg.events_path = NULL;
	assert_int_equal(signals_open(&cfg, &s, err, sizeof err), PRECEDENT_ECONFIG);
}

/* Emits n gap events for tickets prefix-0 .. prefix-(n-1); ids into ids[]. */
static void emit_gaps(signals_t *s, const char *prefix, int n, char ids[][33])
{
	for (int i = 0; i < n; i++) {
		char t[64];
		snprintf(t, sizeof t, "%s-%d", prefix, i);
		cJSON *p = gap_payload(t);
		assert_int_equal(signals_emit_id(s, SIGNALS_KNOWLEDGE_GAP, p, ids[i]), 0);
		cJSON_Delete(p);
	}
}

/* Checks the server log holds exactly `n` lines "200 <event>" with these ids, in order. */
static void assert_delivered(const char *log, char ids[][33], int n)
{
	char *txt = slurp(log);
	int k = 0;
	for (char *line = txt; *line;) {
		char *nl = strchr(line, '\n');
		assert_non_null(nl);
		*nl = '\0';
		if (strncmp(line, "200 ", 4) == 0) {
			cJSON *e = cJSON_Parse(line + 4);
			char err[256];
			assert_non_null(e);
			assert_int_equal(
			    signals_validate(SIGNALS_KNOWLEDGE_GAP, e, err, sizeof err), 0);
			assert_true(k < n);
			assert_string_equal(cJSON_GetObjectItem(e, "id")->valuestring, ids[k]);
			k++;
			cJSON_Delete(e);
		}
		line = nl + 1;
	}
	assert_int_equal(k, n);
	free(txt);
}

static void test_webhook_down_then_back_delivers_all_once_in_order(void **state)
{
	fixture_t *f = *state;
	signals_config_t cfg = {.events_path = f->events,
				.webhook_url = f->url,
				.timeout_ms = 2000,
				.backoff_min_ms = 20,
				.backoff_max_ms = 40};
	signals_t *s;
	char err[256], ids[8][33];
	size_t n, pending;
	assert_int_equal(signals_open(&cfg, &s, err, sizeof err), 0);
	emit_gaps(s, "A", 5, ids);

	/* endpoint down: nothing delivered, nothing lost */
	assert_int_equal(signals_flush(s, 150, &n), PRECEDENT_ENET);
	assert_int_equal(n, 0);
	assert_int_equal(signals_pending(s, &pending), 0);
	assert_int_equal(pending, 5);

	/* endpoint back */
	usleep(50 * 1000); /* past the backoff */
	pid_t srv = server_start(f->port, f->log, 0, NULL);
	assert_int_equal(signals_flush(s, 5000, &n), 0);
	assert_int_equal(n, 5);
	assert_int_equal(signals_pending(s, &pending), 0);
	/* a second flush sends nothing again */
	assert_int_equal(signals_flush(s, 1000, &n), 0);
	assert_int_equal(n, 0);
	/* new events after the outbox was emptied */
	emit_gaps(s, "B", 3, ids + 5);
	assert_int_equal(signals_flush(s, 5000, &n), 0);
	assert_int_equal(n, 3);
	server_stop(srv);
	assert_delivered(f->log, ids, 8);

	/* the JSONL file keeps everything; the outbox is empty again */
	char *txt = slurp(f->events);
	assert_int_equal(count_lines(txt), 8);
	free(txt);
	char ob[600];
	struct stat st;
	snprintf(ob, sizeof ob, "%s.outbox", f->events);
	assert_int_equal(stat(ob, &st), 0);
	assert_int_equal(st.st_size, 0);
	signals_close(s);
}

static void test_outbox_survives_a_restart(void **state)
{
	fixture_t *f = *state;
	signals_config_t cfg = {.events_path = f->events,
				.webhook_url = f->url,
				.backoff_min_ms = 10,
				.backoff_max_ms = 20};
	signals_t *s;
	char err[256], ids[4][33];
	size_t n;
	assert_int_equal(signals_open(&cfg, &s, err, sizeof err), 0);
	emit_gaps(s, "R", 4, ids);
	assert_int_equal(signals_flush(s, 50, &n), PRECEDENT_ENET);
	signals_close(s); /* the host exits with the endpoint down */

	pid_t srv = server_start(f->port, f->log, 0, NULL);
	assert_int_equal(signals_open(&cfg, &s, err, sizeof err), 0);
	assert_int_equal(signals_flush(s, 5000, &n), 0);
	assert_int_equal(n, 4);
	server_stop(srv);
	assert_delivered(f->log, ids, 4);
	signals_close(s);
}

static void test_server_errors_are_retried_with_backoff(void **state)
{
	fixture_t *f = *state;
	signals_config_t cfg = {.events_path = f->events,
				.webhook_url = f->url,
				.backoff_min_ms = 20,
				.backoff_max_ms = 80};
	signals_t *s;
	char err[256], ids[3][33];
	size_t n;
	pid_t srv = server_start(f->port, f->log, 3, NULL); /* 503, 503, 503, then 200 */
	assert_int_equal(signals_open(&cfg, &s, err, sizeof err), 0);
	emit_gaps(s, "S", 3, ids);
	double t0 = now_ms();
	assert_int_equal(signals_flush(s, 5000, &n), 0);
	double el = now_ms() - t0;
	assert_int_equal(n, 3);
	assert_true(el >= 20 + 40 + 80 - 5); /* three backoffs: 20, 40, 80 (capped) ms */
	server_stop(srv);
	assert_delivered(f->log, ids, 3);
	char *txt = slurp(f->log);
	assert_int_equal(count_lines(txt), 6); /* 3 refused attempts + 3 deliveries */
	assert_int_equal(strncmp(txt, "503 ", 4), 0);
	free(txt);
	signals_close(s);
}

static void test_rejected_event_is_set_aside_and_does_not_block(void **state)
{
	fixture_t *f = *state;
	signals_config_t cfg = {.events_path = f->events, .webhook_url = f->url};
	signals_t *s;
	char err[256], ids[3][33];
	size_t n;
	pid_t srv = server_start(f->port, f->log, 0, "\"X-1\"");
	assert_int_equal(signals_open(&cfg, &s, err, sizeof err), 0);
	emit_gaps(s, "X", 3, ids); /* X-1 will get a 400 */
	assert_int_equal(signals_flush(s, 5000, &n), 0);
	assert_int_equal(n, 2);
	server_stop(srv);
	char keep[2][33];
	memcpy(keep[0], ids[0], 33);
	memcpy(keep[1], ids[2], 33);
	assert_delivered(f->log, keep, 2);
	char rj[600];
	snprintf(rj, sizeof rj, "%s.outbox.rejected", f->events);
	char *txt = slurp(rj);
	assert_int_equal(count_lines(txt), 1);
	assert_non_null(strstr(txt, ids[1]));
	free(txt);
	signals_close(s);
}

/* Waits up to 5 s for the server log to hold n lines. */
static void wait_log_lines(const char *log, size_t n)
{
	for (int i = 0; i < 500; i++) {
		char *txt = slurp(log);
		size_t l = count_lines(txt);
		free(txt);
		if (l >= n)
			return;
		usleep(10 * 1000);
	}
}

static void test_background_deliverer_sends_in_order_when_the_endpoint_is_back(void **state)
{
	fixture_t *f = *state;
	signals_config_t cfg = {.events_path = f->events,
				.webhook_url = f->url,
				.background = 1,
				.backoff_min_ms = 20,
				.backoff_max_ms = 40};
	signals_t *s;
	char err[256], ids[5][33];
	size_t pending;
	assert_int_equal(signals_open(&cfg, &s, err, sizeof err), 0);
	emit_gaps(s, "G", 3, ids); /* endpoint down: retried in the background */
	usleep(100 * 1000);
	assert_int_equal(signals_pending(s, &pending), 0);
	assert_int_equal(pending, 3);
	pid_t srv = server_start(f->port, f->log, 0, NULL);
	wait_log_lines(f->log, 3);
	emit_gaps(s, "H", 2, ids + 3);
	wait_log_lines(f->log, 5);
	assert_int_equal(signals_flush(s, 100, NULL), PRECEDENT_EBUSY); /* only wakes it */
	signals_close(s);
	server_stop(srv);
	assert_delivered(f->log, ids, 5);
}

static void test_close_does_not_hang_on_a_silent_endpoint(void **state)
{
	fixture_t *f = *state;
	signals_config_t cfg = {.events_path = f->events,
				.webhook_url = f->url,
				.background = 1,
				.close_grace_ms = 200,
				.timeout_ms = 30000};
	signals_t *s;
	char err[256], ids[1][33];
	size_t pending;
	pid_t srv = server_start(f->port, f->log, -1, NULL);
	assert_int_equal(signals_open(&cfg, &s, err, sizeof err), 0);
	emit_gaps(s, "Q", 1, ids);
	usleep(100 * 1000); /* the POST is waiting for an answer that never comes */
	double t0 = now_ms();
	signals_close(s);
	double el = now_ms() - t0;
	server_stop(srv);
	assert_true(el < 1500); /* grace 200 ms, then aborted */
	cfg.background = 0;
	assert_int_equal(signals_open(&cfg, &s, err, sizeof err), 0);
	assert_int_equal(signals_pending(s, &pending), 0);
	assert_int_equal(pending, 1); /* kept for the next run */
	signals_close(s);
}

static void test_flush_without_webhook_does_nothing(void **state)
{
	fixture_t *f = *state;
	signals_config_t cfg = {.events_path = f->events};
	signals_t *s;
	char err[256], ids[1][33];
	size_t n = 99, pending = 99;
	assert_int_equal(signals_open(&cfg, &s, err, sizeof err), 0);
	emit_gaps(s, "N", 1, ids);
	assert_int_equal(signals_flush(s, 100, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(signals_pending(s, &pending), 0);
	assert_int_equal(pending, 0);
	signals_close(s);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_default_path_follows_xdg_then_home),
	    cmocka_unit_test_setup_teardown(test_emit_appends_schema_valid_lines_with_mode_0600,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_invalid_events_are_refused_and_not_written, setup,
					    teardown),
	    cmocka_unit_test(test_validate_checks_envelope_and_names_the_field),
	    cmocka_unit_test_setup_teardown(test_torn_last_line_does_not_swallow_the_next_event,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_simple_forms_are_canonicalized_and_nothing_is_created_early, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_webhook_url_is_a_config_error, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_webhook_down_then_back_delivers_all_once_in_order,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_outbox_survives_a_restart, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_server_errors_are_retried_with_backoff, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_rejected_event_is_set_aside_and_does_not_block,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_background_deliverer_sends_in_order_when_the_endpoint_is_back, setup,
		teardown),
	    cmocka_unit_test_setup_teardown(test_close_does_not_hang_on_a_silent_endpoint, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_flush_without_webhook_does_nothing, setup,
					    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
