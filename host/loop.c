/*
 * loop.c - the libuv event loop of native messaging mode.
 *
 * stdin is read through a uv_pipe (or, when it is a regular file, read in
 * chunks from an idle callback, since epoll cannot watch files) into the frame
 * decoder; every whole frame goes to protocol_handle(). Signal handlers are
 * uv_signal watchers: they only stop the loop, the loop does the rest.
 */
#include "precedent/loop.h"
#include "precedent/error.h"
#include "precedent/llm_draft.h"
#include "precedent/nm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

typedef struct loop_state {
	uv_loop_t *loop;
	session_t *session;
	nm_decoder_t dec;
	uv_pipe_t in_pipe;
	uv_idle_t in_idle; /* regular-file stdin */
	uv_signal_t sigint, sigterm;
	int in_is_pipe, in_is_file;
	int status;
	char file_buf[65536];
} loop_state_t;

static uv_loop_t *current_loop;

uv_loop_t *loop_uv(void) { return current_loop; }

static void drain_frames(loop_state_t *ls)
{
	const char *frame;
	size_t len;
	int ev;
	while ((ev = nm_decoder_next(&ls->dec, &frame, &len)) != NM_NEED_MORE) {
		if (ev == NM_FRAME) {
			protocol_handle(ls->session, frame, len);
		} else {
			char m[160];
			snprintf(m, sizeof m,
				 "message of %zu bytes is larger than the %zu-byte limit; it was "
				 "skipped",
				 len, ls->dec.cap);
			protocol_send_error(ls->session, NULL, PRECEDENT_ETOOBIG, m);
		}
	}
}

static void stop_input(loop_state_t *ls)
{
	if (ls->in_is_pipe) {
		uv_read_stop((uv_stream_t *)&ls->in_pipe);
		if (!uv_is_closing((uv_handle_t *)&ls->in_pipe))
			uv_close((uv_handle_t *)&ls->in_pipe, NULL);
	}
	if (ls->in_is_file && !uv_is_closing((uv_handle_t *)&ls->in_idle)) {
		uv_idle_stop(&ls->in_idle);
		uv_close((uv_handle_t *)&ls->in_idle, NULL);
	}
	if (!uv_is_closing((uv_handle_t *)&ls->sigint))
		uv_close((uv_handle_t *)&ls->sigint, NULL);
	if (!uv_is_closing((uv_handle_t *)&ls->sigterm))
		uv_close((uv_handle_t *)&ls->sigterm, NULL);
	uv_stop(ls->loop);
}

static void on_eof(loop_state_t *ls)
{
	if (nm_decoder_pending(&ls->dec)) {
		fprintf(stderr, "precedent-host: input ended in the middle of a frame; exiting\n");
		protocol_send_error(ls->session, NULL, PRECEDENT_ETRUNC,
				    "input ended in the middle of a frame");
		ls->status = 1;
	}
	stop_input(ls);
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	(void)h;
	(void)suggested;
	static char chunk[65536];
	b->base = chunk;
	b->len = sizeof chunk;
}

static void read_cb(uv_stream_t *st, ssize_t n, const uv_buf_t *b)
{
	loop_state_t *ls = st->data;
	if (n > 0) {
		nm_decoder_feed(&ls->dec, b->base, (size_t)n);
		drain_frames(ls);
	} else if (n < 0) {
		if (n != UV_EOF)
			fprintf(stderr, "precedent-host: reading stdin: %s\n", uv_strerror((int)n));
		on_eof(ls);
	}
}

static void idle_cb(uv_idle_t *h)
{
	loop_state_t *ls = h->data;
	ssize_t n = read(0, ls->file_buf, sizeof ls->file_buf);
	if (n > 0) {
		nm_decoder_feed(&ls->dec, ls->file_buf, (size_t)n);
		drain_frames(ls);
	} else {
		on_eof(ls);
	}
}

static void signal_cb(uv_signal_t *h, int sig)
{
	loop_state_t *ls = h->data;
	(void)sig;
	stop_input(ls);
}

static void close_walk(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

int loop_run_native(session_t *s)
{
	loop_state_t *ls = xcalloc(1, sizeof *ls);
	int status;
	ls->loop = uv_default_loop();
	current_loop = ls->loop;
	ls->session = s;
	nm_decoder_init(&ls->dec, s->in_cap);
	uv_handle_type t = uv_guess_handle(0);
	if (t == UV_NAMED_PIPE || t == UV_TTY || t == UV_TCP || t == UV_UNKNOWN_HANDLE) {
		uv_pipe_init(ls->loop, &ls->in_pipe, 0);
		ls->in_pipe.data = ls;
		if (uv_pipe_open(&ls->in_pipe, 0) == 0) {
			ls->in_is_pipe = 1;
			uv_read_start((uv_stream_t *)&ls->in_pipe, alloc_cb, read_cb);
		} else {
			uv_close((uv_handle_t *)&ls->in_pipe, NULL);
		}
	}
	if (!ls->in_is_pipe) {
		uv_idle_init(ls->loop, &ls->in_idle);
		ls->in_idle.data = ls;
		ls->in_is_file = 1;
		uv_idle_start(&ls->in_idle, idle_cb);
	}
	uv_signal_init(ls->loop, &ls->sigint);
	uv_signal_init(ls->loop, &ls->sigterm);
	ls->sigint.data = ls->sigterm.data = ls;
	uv_signal_start(&ls->sigint, signal_cb, SIGINT);
	uv_signal_start(&ls->sigterm, signal_cb, SIGTERM);
	/* The WebSocket server (lws as a foreign loop) and curl's multi handle join this loop. */
	llm_session_start(s, ls->loop);

	uv_run(ls->loop, UV_RUN_DEFAULT);
	/* lws and curl close their own handles first (lws must not have them closed under it). */
	llm_session_stop(s);
	uv_run(ls->loop, UV_RUN_DEFAULT);
	/* Close whatever other modules left on the loop, then let close callbacks run. */
	uv_walk(ls->loop, close_walk, NULL);
	uv_run(ls->loop, UV_RUN_DEFAULT);
	llm_session_free(s);
	uv_loop_close(ls->loop);
	current_loop = NULL;
	status = ls->status;
	nm_decoder_release(&ls->dec);
	free(ls);
	return status;
}
