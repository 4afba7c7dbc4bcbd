/*
 * bench_stream.c - the LLM streaming path end to end with the release binary: the fake
 * provider (tests/fake_llm/server.py) on 127.0.0.1, the host in native messaging mode over
 * pipes with an index of BENCH_TICKETS generated tickets (default 20000), and a WebSocket
 * client with the extension origin and token. Prints:
 *   - host overhead from draft.request received to the provider request sent (the host's own
 *     clock, reported in draft.done timing), p50/p99 over sequential drafts;
 *   - delay from a provider token arriving (curl's write callback) to its WebSocket frame
 *     written (lws_write), p50/p99, measured in the host;
 *   - 20 concurrent streaming drafts: all done, the longest gap between two frames of one
 *     draft on the client (a stall would show here), wall time.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cJSON.h>
#include <curl/curl.h>

#include "precedent/util.h"

#define ORIGIN "chrome-extension://bobbbohfagmeilponeeemcldbikfkjkh"
#define NCONC 20
#define NSEQ 30

static pid_t fake_pid, host_pid;
static int host_in = -1, host_out = -1, ws_fd = -1;
static buf_t nm_buf, ws_buf;

static void die(const char *m)
{
	fprintf(stderr, "bench_stream: %s\n", m);
	if (host_pid > 0)
		kill(host_pid, SIGKILL);
	if (fake_pid > 0)
		kill(fake_pid, SIGKILL);
	exit(1);
}

static int start_fake(void)
{
	int fds[2], port = 0;
	char line[64] = "";
	if (pipe(fds) != 0)
		die("pipe");
	fake_pid = fork();
	if (fake_pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		execlp("python3", "python3", "tests/fake_llm/server.py", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	FILE *f = fdopen(fds[0], "r");
	if (!fgets(line, sizeof line, f) || sscanf(line, "PORT %d", &port) != 1)
		die("fake provider did not start");
	fclose(f);
	return port;
}

static size_t sink(char *p, size_t s, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return s * n;
}

static void fake_control(int port, const char *json)
{
	char url[128];
	CURL *e = curl_easy_init();
	snprintf(url, sizeof url, "http://127.0.0.1:%d/_control", port);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, json);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, sink);
	if (curl_easy_perform(e) != CURLE_OK)
		die("fake control");
	curl_easy_cleanup(e);
}

static void build_index(const char *dir, const char *db, int n)
{
	static const char *const topics[] = {"router", "invoice", "login", "sync", "export",
					     "webhook", "billing", "sso", "printer", "vpn"};
	char path[512], cmd[1536];
	snprintf(path, sizeof path, "%s/tickets.jsonl", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		die("tickets file");
	for (int i = 0; i < n; i++) {
		const char *t = topics[i % 10];
		fprintf(f,
			"{\"id\":\"B%07d\",\"subject\":\"%s issue %d after update %d\",\"status\":"
			"\"solved\",\"closed_at\":\"2026-01-%02dT10:00:00Z\",\"messages\":[{\"role\":"
			"\"customer\",\"body\":\"The %s stopped working with error E%d on version "
			"%d.%d\"}],\"resolution\":\"Reset the %s settings and cleared cache %d\"}\n",
			i, t, i, i % 50, 1 + i % 28, t, i % 997, i % 7, i % 10, t, i % 13);
	}
	fclose(f);
	snprintf(cmd, sizeof cmd, "build/precedent-host --db '%s' index tickets '%s' >/dev/null 2>&1",
		 db, path);
	if (system(cmd) != 0)
		die("index failed");
}

static void start_host(const char *home, const char *db, int fake_port)
{
	int in[2], out[2];
	char url[128], cfgdir[512], cfg[600];
	snprintf(cfgdir, sizeof cfgdir, "%s/config/precedent", home);
	snprintf(cfg, sizeof cfg, "mkdir -p '%s'", cfgdir);
	if (system(cfg) != 0)
		die("mkdir");
	snprintf(cfg, sizeof cfg, "%s/config.json", cfgdir);
	FILE *f = fopen(cfg, "w");
	fputs("{\"llm\":{\"max_retries\":0}}", f);
	fclose(f);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/s/ok/v1", fake_port);
	if (pipe(in) || pipe(out))
		die("pipe");
	host_pid = fork();
	if (host_pid == 0) {
		char xdg[600];
		snprintf(xdg, sizeof xdg, "%s/config", home);
		setenv("XDG_CONFIG_HOME", xdg, 1);
		snprintf(xdg, sizeof xdg, "%s/data", home);
		setenv("XDG_DATA_HOME", xdg, 1);
		setenv("PRECEDENT_DB", db, 1);
		setenv("PRECEDENT_LLM_PROVIDER", "openai", 1);
		setenv("PRECEDENT_LLM_BASE_URL", url, 1);
		setenv("PRECEDENT_LLM_MODEL", "fake-model", 1);
		setenv("PRECEDENT_LLM_API_KEY", "sk-bench", 1);
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execl("build/precedent-host", "precedent-host", ORIGIN "/", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	host_in = in[1];
	host_out = out[0];
}

static void nm_send(const char *json)
{
	uint32_t n = (uint32_t)strlen(json);
	if (write(host_in, &n, 4) != 4 || write(host_in, json, n) != (ssize_t)n)
		die("write to host");
}

/* One reply frame if whole in nm_buf (caller deletes), else NULL. */
static cJSON *nm_take(void)
{
	uint32_t n;
	if (nm_buf.len < 4)
		return NULL;
	memcpy(&n, nm_buf.data, 4);
	if (nm_buf.len < 4 + (size_t)n)
		return NULL;
	cJSON *j = cJSON_ParseWithLength(nm_buf.data + 4, n);
	memmove(nm_buf.data, nm_buf.data + 4 + n, nm_buf.len - 4 - n);
	nm_buf.len -= 4 + n;
	return j;
}

static cJSON *ws_take(void)
{
	if (ws_buf.len < 2)
		return NULL;
	unsigned char *p = (unsigned char *)ws_buf.data;
	size_t hl = 2, n = p[1] & 0x7f;
	if (n == 126) {
		if (ws_buf.len < 4)
			return NULL;
		n = (size_t)p[2] << 8 | p[3];
		hl = 4;
	} else if (n == 127) {
		if (ws_buf.len < 10)
			return NULL;
		n = 0;
		for (int i = 0; i < 8; i++)
			n = n << 8 | p[2 + i];
		hl = 10;
	}
	if (ws_buf.len < hl + n)
		return NULL;
	cJSON *j = (p[0] & 0x0f) == 1 ? cJSON_ParseWithLength(ws_buf.data + hl, n) : NULL;
	if (!j)
		j = cJSON_CreateObject();
	memmove(ws_buf.data, ws_buf.data + hl + n, ws_buf.len - hl - n);
	ws_buf.len -= hl + n;
	return j;
}

/* Reads whatever is ready on the host's stdout and the WebSocket (waits up to ms). */
static void pump(int ms)
{
	struct pollfd p[2] = {{host_out, POLLIN, 0}, {ws_fd, POLLIN, 0}};
	char tmp[65536];
	int n = poll(p, ws_fd >= 0 ? 2 : 1, ms);
	if (n <= 0)
		return;
	if (p[0].revents) {
		ssize_t k = read(host_out, tmp, sizeof tmp);
		if (k <= 0)
			die("host exited");
		buf_append(&nm_buf, tmp, (size_t)k);
	}
	if (ws_fd >= 0 && p[1].revents) {
		ssize_t k = read(ws_fd, tmp, sizeof tmp);
		if (k <= 0)
			die("websocket closed");
		buf_append(&ws_buf, tmp, (size_t)k);
	}
}

static cJSON *nm_wait(double id)
{
	for (;;) {
		cJSON *j;
		while ((j = nm_take())) {
			cJSON *i = cJSON_GetObjectItem(j, "id");
			if (cJSON_IsNumber(i) && i->valuedouble == id)
				return j;
			cJSON_Delete(j);
		}
		pump(10000);
	}
}

static void ws_send_text(const char *s)
{
	size_t n = strlen(s);
	unsigned char h[8] = {0x81, (unsigned char)(0x80 | n), 1, 2, 3, 4};
	unsigned char *m = xmalloc(n);
	for (size_t i = 0; i < n; i++)
		m[i] = (unsigned char)s[i] ^ h[2 + i % 4];
	if (n >= 126)
		die("auth frame too long");
	if (write(ws_fd, h, 6) != 6 || write(ws_fd, m, n) != (ssize_t)n)
		die("ws write");
	free(m);
}

static void ws_connect(int port, const char *token)
{
	struct sockaddr_in a = {0};
	char req[512], auth[200], resp[2048];
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ws_fd = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(ws_fd, (struct sockaddr *)&a, sizeof a) != 0)
		die("ws connect");
	int one = 1;
	setsockopt(ws_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	snprintf(req, sizeof req,
		 "GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: "
		 "Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: "
		 "13\r\nOrigin: " ORIGIN "\r\n\r\n",
		 port);
	if (write(ws_fd, req, strlen(req)) != (ssize_t)strlen(req))
		die("ws handshake");
	size_t got = 0;
	while (!strstr(resp, "\r\n\r\n")) {
		ssize_t k = read(ws_fd, resp + got, sizeof resp - 1 - got);
		if (k <= 0)
			die("ws handshake refused");
		got += (size_t)k;
		resp[got] = '\0';
	}
	if (!strstr(resp, " 101 "))
		die("ws upgrade refused");
	char *end = strstr(resp, "\r\n\r\n") + 4;
	buf_append(&ws_buf, end, got - (size_t)(end - resp));
	snprintf(auth, sizeof auth, "{\"type\":\"auth\",\"token\":\"%s\"}", token);
	ws_send_text(auth);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double pct(double *v, int n, int p)
{
	qsort(v, (size_t)n, sizeof *v, cmp_d);
	int i = (n * p) / 100;
	return v[i < n ? i : n - 1];
}

static char *request_json(int id, int i)
{
	static const char *const topics[] = {"router", "invoice", "login", "sync", "export"};
	char *s = xmalloc(1024);
	snprintf(s, 1024,
		 "{\"id\":%d,\"type\":\"draft.request\",\"ticket\":{\"id\":\"Q%d\",\"subject\":\"%s "
		 "issue after update %d\",\"messages\":[{\"role\":\"customer\",\"body\":\"My %s "
		 "stopped working with error E%d on version 3.%d. Reach me at bob%d@example.com\"}]},"
		 "\"options\":{\"mode\":\"llm\",\"stream\":true}}",
		 id, i, topics[i % 5], i % 50, topics[i % 5], i % 997, i % 10, i);
	return s;
}

int main(void)
{
	char home[] = "/tmp/precedent-bench-XXXXXX";
	char db[600];
	int ntickets = getenv("BENCH_TICKETS") ? atoi(getenv("BENCH_TICKETS")) : 20000;
	double sent[NSEQ], own[NSEQ], search[NSEQ], delay_p50 = 0, delay_p99 = 0;
	int id = 1;

	signal(SIGPIPE, SIG_IGN);
	buf_init(&nm_buf, 0);
	buf_init(&ws_buf, 0);
	if (!mkdtemp(home))
		die("mkdtemp");
	snprintf(db, sizeof db, "%s/p.db", home);
	int fport = start_fake();
	/* a long reply in small chunks: many tokens per draft */
	fake_control(fport, "{\"reply\": \"Hello, thanks for writing. Please reset the settings "
			    "and clear the cache, then restart the service and check the version "
			    "number again; if the error stays, send us the log file and the exact "
			    "time it happened so we can look at it together with the team.\", "
			    "\"delay_ms\": 3, \"chunk_words\": 1}");
	double t0 = now_ms();
	build_index(home, db, ntickets);
	printf("index: %d tickets in %.1f s\n", ntickets, (now_ms() - t0) / 1000);
	start_host(home, db, fport);

	nm_send("{\"id\":1,\"type\":\"hello\",\"client\":\"bench\",\"origin\":\"" ORIGIN "\"}");
	cJSON *hello = nm_wait(1);
	cJSON *ws = cJSON_GetObjectItem(cJSON_GetObjectItem(hello, "result"), "ws");
	if (!cJSON_IsObject(ws))
		die("hello has no ws");
	ws_connect((int)cJSON_GetObjectItem(ws, "port")->valuedouble,
		   cJSON_GetObjectItem(ws, "token")->valuestring);
	cJSON_Delete(hello);

	/* sequential: host overhead to the provider request */
	for (int i = 0; i < NSEQ; i++) {
		char *r = request_json(++id, i);
		nm_send(r);
		free(r);
		cJSON *rep = nm_wait(id);
		cJSON *t = cJSON_GetObjectItem(cJSON_GetObjectItem(rep, "result"), "timing");
		if (!t)
			die("a draft failed");
		sent[i] = cJSON_GetObjectItem(t, "request_sent_ms")->valuedouble;
		search[i] = cJSON_GetObjectItem(t, "search_ms")->valuedouble;
		own[i] = sent[i] - search[i];
		delay_p50 = cJSON_GetObjectItem(t, "ws_write_delay_p50_ms")->valuedouble;
		delay_p99 = cJSON_GetObjectItem(t, "ws_write_delay_p99_ms")->valuedouble;
		cJSON_Delete(rep);
	}
	/* the frames of those drafts are not needed */
	pump(50);
	buf_reset(&ws_buf);
	printf("host overhead, draft.request received -> provider request sent (%d tickets "
	       "indexed): p50 %.2f ms, p99 %.2f ms (n=%d)\n",
	       ntickets, pct(sent, NSEQ, 50), pct(sent, NSEQ, 99), NSEQ);
	printf("  of which retrieval (retrieve_search on its read-only connection): p50 %.2f ms, "
	       "p99 %.2f ms; everything else (parse, redact, context, prompt, curl setup, "
	       "connect): p50 %.2f ms, p99 %.2f ms\n",
	       pct(search, NSEQ, 50), pct(search, NSEQ, 99), pct(own, NSEQ, 50), pct(own, NSEQ, 99));
	printf("provider token arrived -> WebSocket frame written: p50 %.3f ms, p99 %.3f ms\n",
	       delay_p50, delay_p99);

	/* concurrent */
	int first = id + 1, done = 0, frames = 0;
	double last[NCONC], firstf[NCONC], maxgap = 0, maxfirst = 0;
	int seen[NCONC] = {0};
	t0 = now_ms();
	for (int i = 0; i < NCONC; i++) {
		char *r = request_json(++id, 100 + i);
		nm_send(r);
		free(r);
		last[i] = now_ms();
	}
	while (done < NCONC) {
		cJSON *j;
		while ((j = ws_take())) {
			cJSON *rid = cJSON_GetObjectItem(j, "request_id");
			cJSON *type = cJSON_GetObjectItem(j, "type");
			if (cJSON_IsNumber(rid) && cJSON_IsString(type)) {
				int k = (int)rid->valuedouble - first;
				if (k >= 0 && k < NCONC) {
					double t = now_ms();
					if (!seen[k]) {
						firstf[k] = t - last[k];
						if (firstf[k] > maxfirst)
							maxfirst = firstf[k];
						seen[k] = 1;
					} else if (t - last[k] > maxgap) {
						maxgap = t - last[k];
					}
					last[k] = t;
					frames++;
					if (!strcmp(type->valuestring, "draft.done"))
						done++;
					if (!strcmp(type->valuestring, "draft.error"))
						die("a concurrent draft failed");
				}
			}
			cJSON_Delete(j);
		}
		if (now_ms() - t0 > 60000)
			die("concurrent drafts did not finish in 60 s");
		pump(1000);
	}
	double wall = now_ms() - t0;
	while ((nm_buf.len < 4) || 1) {
		cJSON *j = nm_take();
		if (!j)
			break;
		cJSON_Delete(j);
	}
	printf("%d concurrent streaming drafts: all done in %.0f ms, %d frames; slowest first "
	       "frame %.0f ms after its request; longest gap between two frames of one draft once "
	       "streaming %.1f ms (the provider sends a token every ~3 ms)\n",
	       NCONC, wall, frames, maxfirst, maxgap);

	close(host_in);
	int st;
	waitpid(host_pid, &st, 0);
	kill(fake_pid, SIGTERM);
	waitpid(fake_pid, NULL, 0);
	char cmd[700];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", home);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", home);
	buf_release(&nm_buf);
	buf_release(&ws_buf);
	return 0;
}
