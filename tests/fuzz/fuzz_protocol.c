/*
 * fuzz_protocol.c - native messaging frames plus message dispatch: arbitrary bytes
 * are cut into reads at data-chosen points, decoded into frames and handed to the
 * protocol with a real store (a small indexed corpus). No crash, no leak, and
 * every reply is a well-formed frame of JSON with an "ok" field.
 */
#include "precedent/app.h"
#include "precedent/ingest.h"
#include "precedent/nm.h"
#include "precedent/protocol.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static app_t app;
static int ready;
static int out_pipe[2];

static void setup(void)
{
	char dir[] = "/tmp/precedent-fuzz-XXXXXX";
	char err[512], path[600];
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof path, "%s/config", dir);
	setenv("XDG_CONFIG_HOME", path, 1);
	snprintf(path, sizeof path, "%s/events.jsonl", dir);
	setenv("PRECEDENT_EVENTS", path, 1);
	snprintf(path, sizeof path, "%s/p.db", dir);
	if (app_open(&app, path, 0, err, sizeof err) || !app.store) {
		fprintf(stderr, "fuzz setup: %s %s\n", err, app.db_error);
		abort();
	}
	ingest_report_t rep;
	ingest_report_init(&rep);
	ingest_tickets_jsonl(app.store, app.redactor, "tests/fixtures/mini/tickets.jsonl", &rep, NULL,
			     err, sizeof err);
	ingest_docs_dir(app.store, app.redactor, "tests/fixtures/mini/docs", &rep, NULL, err,
			sizeof err);
	ingest_report_release(&rep);
	if (pipe(out_pipe) != 0)
		abort();
	ready = 1;
}

/* Reads back every reply frame and checks it parses with an "ok" member. */
static void check_replies(void)
{
	for (;;) {
		uint32_t n;
		fd_set fds;
		struct timeval tv = {0, 0};
		FD_ZERO(&fds);
		FD_SET(out_pipe[0], &fds);
		if (select(out_pipe[0] + 1, &fds, NULL, NULL, &tv) <= 0)
			return;
		if (read(out_pipe[0], &n, 4) != 4)
			abort();
		char *body = malloc(n + 1);
		size_t got = 0;
		while (got < n) {
			ssize_t r = read(out_pipe[0], body + got, n - got);
			if (r <= 0)
				abort();
			got += (size_t)r;
		}
		cJSON *j = cJSON_ParseWithLength(body, n);
		if (!j || !cJSON_IsBool(cJSON_GetObjectItem(j, "ok")))
			abort();
		cJSON_Delete(j);
		free(body);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	nm_decoder_t d;
	session_t s;
	if (!ready)
		setup();
	memset(&s, 0, sizeof s);
	s.app = &app;
	s.out_fd = out_pipe[1];
	s.in_cap = 4096;
	nm_decoder_init(&d, s.in_cap);
	/* First byte picks the read size, so splits land everywhere. */
	size_t step = size ? (size_t)(data[0] % 13) + 1 : 1;
	for (size_t i = size ? 1 : 0; i < size; i += step) {
		size_t n = i + step <= size ? step : size - i;
		const char *frame;
		size_t len;
		int ev;
		nm_decoder_feed(&d, data + i, n);
		while ((ev = nm_decoder_next(&d, &frame, &len)) != NM_NEED_MORE) {
			if (ev == NM_FRAME)
				protocol_handle(&s, frame, len);
			else
				protocol_send_error(&s, NULL, -4, "too large");
			check_replies();
		}
	}
	nm_decoder_release(&d);
	session_release(&s);
	return 0;
}
