/*
 * bench_stream.c - the LLM streaming path end to end with the release binary: the fake
 * provider (tests/fake_llm/server.py) on 127.0.0.1, the host in native messaging mode over
 * pipes, and a WebSocket client with the extension origin and token.
 *
 * Corpus: a synthetic support archive (synth.c) of BENCH_STREAM_TICKETS tickets (default
 * 1,000,000) and BENCH_STREAM_SECTIONS doc sections (default a tenth), indexed once into
 * build/bench-cache/synth-<T>t-<S>s/ and reused by later runs (the first build of the 1M index
 * takes about ten minutes on two cores; a run on the cached index about one). Draft requests
 * are the corpus's labelled queries (each a customer's paraphrase of one archived ticket), with
 * an email address added so redaction has work to do.
 *
 * Prints, each with the load average at that moment:
 *   - host overhead from draft.request received (the loop read the frame) to the provider
 *     request sent (curl wrote it), p50/p99 over NSEQ sequential streamed drafts after a
 *     warm-up of NWARM unstreamed ones (and the first request after start, with nothing
 *     cached), and the retrieval part of it;
 *   - delay from a provider token arriving (curl's write callback) to its WebSocket frame
 *     written (lws_write), p50/p99/max in the host, and the loop's longest iteration;
 *   - 20 concurrent streaming drafts: all done, the stall check (below), wall time.
 * A stall: a provider token the host held for more than STALL_MS before its frame was written
 * (the host's own delay, whatever the provider's pace), or a draft with a gap between two of
 * its frames on the client more than STALL_MS longer than the provider's longest pause in that
 * draft (as the host received it).
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cJSON.h>
#include <curl/curl.h>
#include <sqlite3.h>

#include "precedent/store.h"
#include "precedent/util.h"

#define ORIGIN "chrome-extension://bobbbohfagmeilponeeemcldbikfkjkh"
#define NCONC 20
#define NSEQ 100
#define NWARM 300
#define STALL_MS 10.0

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

static const char *loadavg(void)
{
	static char la[64];
	FILE *f = fopen("/proc/loadavg", "r");
	la[0] = '\0';
	if (f) {
		if (!fgets(la, sizeof la, f))
			la[0] = '\0';
		fclose(f);
	}
	/* the 1, 5 and 15 minute figures */
	char *p = la;
	for (int sp = 0; *p; p++)
		if (*p == ' ' && ++sp == 3) {
			*p = '\0';
			break;
		}
	return la;
}

static int run(const char *cmd)
{
	printf("  $ %s\n", cmd);
	fflush(stdout);
	return system(cmd);
}

/* The cached index for t tickets and n sections: built once (synth, index tickets, index
 * docs), marked READY when whole; queries.jsonl kept beside it. */
static void cache_corpus(size_t t, size_t n, char *dir, size_t dirlen)
{
	char ready[700], cmd[8192];
	struct stat st;
	snprintf(dir, dirlen, "build/bench-cache/synth-%zut-%zus", t, n);
	snprintf(ready, sizeof ready, "%s/READY", dir);
	if (stat(ready, &st) == 0)
		return;
	printf("building the cached index in %s (once; later runs reuse it)\n", dir);
	double t0 = now_ms();
	snprintf(cmd, sizeof cmd,
		 "rm -rf '%s' && mkdir -p '%s' && build/precedent-host synth --tickets %zu "
		 "--sections %zu --queries 2000 --seed 7 '%s/corpus' >/dev/null",
		 dir, dir, t, n, dir);
	if (run(cmd) != 0)
		die("synth failed");
	snprintf(cmd, sizeof cmd,
		 "build/precedent-host --db '%s/p.db' index tickets '%s/corpus/tickets.jsonl' "
		 ">/dev/null && build/precedent-host --db '%s/p.db' index docs '%s/corpus/docs' "
		 ">/dev/null && mv '%s/corpus/queries.jsonl' '%s/' && rm -rf '%s/corpus' && "
		 "echo ok > '%s'",
		 dir, dir, dir, dir, dir, dir, dir, ready);
	if (run(cmd) != 0)
		die("indexing failed");
	printf("index built in %.0f s (load %s)\n", (now_ms() - t0) / 1000, loadavg());
}

/* Every run starts from the same state: the document frequencies an earlier run cached are
 * forgotten; the warm-up (NWARM other tickets, not streamed) then caches the common vocabulary,
 * as a host that has served some drafts has, while each measured ticket's own rare terms are
 * new to it. */
static void forget_dfs(const char *db)
{
	store_t *s;
	char err[512];
	if (store_open(db, 0, &s, err, sizeof err) != 0)
		die(err);
	if (sqlite3_exec(store_db(s), "DELETE FROM df_cache", NULL, NULL, NULL) != SQLITE_OK)
		die("cannot clear the df cache");
	/* as a finished import leaves it: the common terms' frequencies (retrieve.h) */
	if (store_df_cache_prefill(s, 0) != 0 || store_df_cache_prefill(s, 1) != 0)
		die("cannot prefill the df cache");
	store_close(s);
}

static cJSON **load_queries(const char *dir, size_t *n)
{
	char path[700], *text = NULL;
	size_t len = 0, cap = 64;
	cJSON **q = xcalloc(cap, sizeof *q);
	snprintf(path, sizeof path, "%s/queries.jsonl", dir);
	if (read_file(path, (size_t)64 << 20, &text, &len) != 0)
		die("no queries.jsonl in the cache");
	*n = 0;
	for (char *line = text, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		cJSON *j = cJSON_Parse(line);
		if (!cJSON_IsObject(j)) {
			cJSON_Delete(j);
			continue;
		}
		if (*n == cap)
			q = xrealloc(q, (cap *= 2) * sizeof *q);
		q[(*n)++] = j;
	}
	free(text);
	return q;
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

/* A draft.request for query q (the caller frees the text). */
static char *request_json(int id, const cJSON *q, int stream)
{
	cJSON *r = cJSON_CreateObject();
	cJSON_AddNumberToObject(r, "id", id);
	cJSON_AddStringToObject(r, "type", "draft.request");
	cJSON *t = cJSON_AddObjectToObject(r, "ticket");
	char tid[64], body[4096];
	const cJSON *qid = cJSON_GetObjectItem(q, "id");
	snprintf(tid, sizeof tid, "bench-%s", cJSON_IsString(qid) ? qid->valuestring : "q");
	cJSON_AddStringToObject(t, "id", tid);
	cJSON_AddItemToObject(t, "subject", cJSON_Duplicate(cJSON_GetObjectItem(q, "subject"), 1));
	const cJSON *m0 = cJSON_GetArrayItem(cJSON_GetObjectItem(q, "messages"), 0);
	const cJSON *b = cJSON_GetObjectItem(m0, "body");
	snprintf(body, sizeof body, "%s\nReach me at bob%d@example.com or +1 415 555 %04d.",
		 cJSON_IsString(b) ? b->valuestring : "", id, id % 10000);
	cJSON *msgs = cJSON_AddArrayToObject(t, "messages");
	cJSON *m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "role", "customer");
	cJSON_AddStringToObject(m, "body", body);
	cJSON_AddItemToArray(msgs, m);
	cJSON *o = cJSON_AddObjectToObject(r, "options");
	cJSON_AddStringToObject(o, "mode", "llm");
	cJSON_AddBoolToObject(o, "stream", stream);
	char *txt = cJSON_PrintUnformatted(r);
	cJSON_Delete(r);
	return txt;
}

static double num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(o, k);
	if (!cJSON_IsNumber(v))
		die("a timing figure is missing");
	return v->valuedouble;
}

/* Starts a host on db, says hello and connects the panel's WebSocket. */
static void open_host(const char *home, const char *db, int fport)
{
	buf_reset(&nm_buf);
	buf_reset(&ws_buf);
	start_host(home, db, fport);
	nm_send("{\"id\":1,\"type\":\"hello\",\"client\":\"bench\",\"origin\":\"" ORIGIN "\"}");
	cJSON *hello = nm_wait(1);
	cJSON *ws = cJSON_GetObjectItem(cJSON_GetObjectItem(hello, "result"), "ws");
	if (!cJSON_IsObject(ws))
		die("hello has no ws");
	ws_connect((int)cJSON_GetObjectItem(ws, "port")->valuedouble,
		   cJSON_GetObjectItem(ws, "token")->valuestring);
	cJSON_Delete(hello);
}

static void close_host(void)
{
	int st;
	close(host_in);
	close(ws_fd);
	ws_fd = -1;
	waitpid(host_pid, &st, 0);
	close(host_out);
	host_pid = 0;
}

/* One draft, answered; its timing (caller frees the reply). */
static cJSON *draft(int id, const cJSON *q, int stream, cJSON **timing)
{
	char *r = request_json(id, q, stream);
	nm_send(r);
	free(r);
	cJSON *rep = nm_wait(id);
	*timing = cJSON_GetObjectItem(cJSON_GetObjectItem(rep, "result"), "timing");
	if (!*timing)
		die("a draft failed");
	/* the frames of streamed drafts are not needed here */
	if (ws_fd >= 0) {
		pump(0);
		buf_reset(&ws_buf);
	}
	return rep;
}

int main(void)
{
	char home[] = "/tmp/precedent-bench-XXXXXX";
	char dir[600], db[700];
	const char *e = getenv("BENCH_STREAM_TICKETS");
	size_t nt = e ? strtoul(e, NULL, 10) : 1000000;
	e = getenv("BENCH_STREAM_SECTIONS");
	size_t ns = e ? strtoul(e, NULL, 10) : nt / 10;
	double sent[NSEQ], own[NSEQ], search[NSEQ];
	int id = 1;
	size_t nq;

	signal(SIGPIPE, SIG_IGN);
	buf_init(&nm_buf, 0);
	buf_init(&ws_buf, 0);
	if (!mkdtemp(home))
		die("mkdtemp");
	cache_corpus(nt, ns, dir, sizeof dir);
	snprintf(db, sizeof db, "%s/p.db", dir);
	forget_dfs(db);
	cJSON **qs = load_queries(dir, &nq);
	if (nq < NWARM + NSEQ + NCONC + 5)
		die("too few queries in the cache");
	printf("corpus: %zu tickets, %zu doc sections (%s)\n", nt, ns, dir);
	int fport = start_fake();
	/* a long reply in small chunks: many tokens per draft */
	fake_control(fport, "{\"reply\": \"Hello, thanks for writing. Please reset the settings "
			    "and clear the cache, then restart the service and check the version "
			    "number again; if the error stays, send us the log file and the exact "
			    "time it happened so we can look at it together with the team.\", "
			    "\"delay_ms\": 3, \"chunk_words\": 1}");

	/* 1. sequential drafts, after a warm-up of unstreamed ones */
	open_host(home, db, fport);
	size_t qi = 0;
	double cold = 0, cold_search = 0;
	for (int i = 0; i < NWARM; i++) {
		cJSON *t, *rep = draft(++id, qs[qi++], 0, &t);
		if (i == 0) {
			cold = num(t, "request_sent_ms");
			cold_search = num(t, "search_ms");
		}
		cJSON_Delete(rep);
	}
	cJSON *last = NULL;
	for (int i = 0; i < NSEQ; i++) {
		cJSON *t;
		cJSON_Delete(last);
		last = draft(++id, qs[qi++], 1, &t);
		sent[i] = num(t, "request_sent_ms");
		search[i] = num(t, "search_ms");
		own[i] = sent[i] - search[i];
	}
	cJSON *t = cJSON_GetObjectItem(cJSON_GetObjectItem(last, "result"), "timing");
	printf("host overhead, draft.request received -> provider request sent (%zu tickets, %zu "
	       "sections): p50 %.2f ms, p99 %.2f ms (n=%d, after %d warm-up drafts; the first "
	       "request after start: %.2f ms, of which retrieval %.2f ms) [load %s]\n",
	       nt, ns, pct(sent, NSEQ, 50), pct(sent, NSEQ, 99), NSEQ, NWARM, cold, cold_search,
	       loadavg());
	printf("  of which retrieval: p50 %.2f ms, p99 %.2f ms; everything else (parse, redact, "
	       "context, prompt, request body, hand-over, connect): p50 %.2f ms, p99 %.2f ms\n",
	       pct(search, NSEQ, 50), pct(search, NSEQ, 99), pct(own, NSEQ, 50),
	       pct(own, NSEQ, 99));
	printf("provider token arrived -> WebSocket frame written: p50 %.3f ms, p99 %.3f ms, max "
	       "%.3f ms over %.0f frames; the loop's longest iteration %.3f ms (p99 %.3f ms) "
	       "[load %s]\n",
	       num(t, "ws_write_delay_p50_ms"), num(t, "ws_write_delay_p99_ms"),
	       num(t, "ws_write_delay_max_ms"), num(t, "ws_frames"), num(t, "loop_busy_max_ms"),
	       num(t, "loop_busy_p99_ms"), loadavg());
	cJSON_Delete(last);
	close_host();

	/* 2. concurrent drafts, on a fresh host (its figures cover this part only) */
	open_host(home, db, fport);
	for (int i = 0; i < 5; i++) {
		cJSON *tt, *rep = draft(++id, qs[qi++], 0, &tt);
		cJSON_Delete(rep);
	}
	int first = id + 1, done = 0, frames = 0, stalled = 0;
	double last_t[NCONC], maxgap[NCONC] = {0}, pgap[NCONC] = {0}, maxfirst = 0;
	double ws_max = 0, ws_p99 = 0, ws_p50 = 0, busy_max = 0, busy_p99 = 0;
	double wsn = -1;
	int seen[NCONC] = {0};
	double t0 = now_ms();
	for (int i = 0; i < NCONC; i++) {
		char *r = request_json(++id, qs[qi++], 1);
		nm_send(r);
		free(r);
		last_t[i] = now_ms();
	}
	while (done < NCONC) {
		cJSON *j;
		while ((j = ws_take())) {
			cJSON *rid = cJSON_GetObjectItem(j, "request_id");
			cJSON *type = cJSON_GetObjectItem(j, "type");
			if (cJSON_IsNumber(rid) && cJSON_IsString(type)) {
				int k = (int)rid->valuedouble - first;
				if (k >= 0 && k < NCONC) {
					double now = now_ms();
					if (!seen[k]) {
						if (now - last_t[k] > maxfirst)
							maxfirst = now - last_t[k];
						seen[k] = 1;
					} else if (now - last_t[k] > maxgap[k]) {
						maxgap[k] = now - last_t[k];
					}
					last_t[k] = now;
					frames++;
					if (!strcmp(type->valuestring, "draft.done")) {
						cJSON *tm = cJSON_GetObjectItem(j, "timing");
						done++;
						pgap[k] = num(tm, "provider_gap_max_ms");
						if (num(tm, "ws_frames") > wsn) {
							wsn = num(tm, "ws_frames");
							ws_p50 = num(tm, "ws_write_delay_p50_ms");
							ws_p99 = num(tm, "ws_write_delay_p99_ms");
							ws_max = num(tm, "ws_write_delay_max_ms");
							busy_max = num(tm, "loop_busy_max_ms");
							busy_p99 = num(tm, "loop_busy_p99_ms");
						}
					}
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
	double wall = now_ms() - t0, worst_gap = 0, worst_pgap = 0, worst_excess = 0;
	for (int k = 0; k < NCONC; k++) {
		double excess = maxgap[k] - pgap[k];
		if (maxgap[k] > worst_gap)
			worst_gap = maxgap[k];
		if (pgap[k] > worst_pgap)
			worst_pgap = pgap[k];
		if (excess > worst_excess)
			worst_excess = excess;
		if (excess > STALL_MS)
			stalled++;
	}
	printf("%d concurrent streaming drafts: all done in %.0f ms, %d frames; slowest first frame "
	       "%.0f ms after its request [load %s]\n",
	       NCONC, wall, frames, maxfirst, loadavg());
	printf("  token -> frame in the host: p50 %.3f ms, p99 %.3f ms, max %.3f ms; the loop's "
	       "longest iteration %.3f ms (p99 %.3f ms)\n",
	       ws_p50, ws_p99, ws_max, busy_max, busy_p99);
	printf("  longest gap between two frames of one draft on the client %.1f ms; the provider's "
	       "own longest pause in a draft %.1f ms (it sends a token every ~3 ms); worst excess "
	       "of a draft's gap over its provider's pause %.1f ms\n",
	       worst_gap, worst_pgap, worst_excess);
	printf("  stall (a token held > %.0f ms in the host, or a draft's frame gap > its provider's "
	       "longest pause + %.0f ms): %s\n",
	       STALL_MS, STALL_MS,
	       ws_max <= STALL_MS && !stalled ? "none" : "STALLED");
	if (stalled)
		printf("  %d of %d drafts had a gap over their provider's pause + %.0f ms\n", stalled,
		       NCONC, STALL_MS);
	close_host();

	kill(fake_pid, SIGTERM);
	waitpid(fake_pid, NULL, 0);
	for (size_t i = 0; i < nq; i++)
		cJSON_Delete(qs[i]);
	free(qs);
	char cmd[700];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", home);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", home);
	buf_release(&nm_buf);
	buf_release(&ws_buf);
	return 0;
}
