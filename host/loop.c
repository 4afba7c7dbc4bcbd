/*
 * loop.c - the libuv event loop of native messaging mode, and its two worker threads.
 *
 * stdin is read through a uv_pipe (or, when it is a regular file, read in chunks from an idle
 * callback, since epoll cannot watch files) into the frame decoder; every whole frame is copied
 * and queued to the worker thread, which runs protocol_handle() on it. The loop thread itself
 * only moves bytes: the WebSocket server, curl's sockets and timers, and the short tasks the
 * workers post back (start a stream, send frames). The writer thread finishes LLM drafts (see
 * loop.h). Signal handlers are uv_signal watchers: they only stop the loop, the loop does the
 * rest.
 *
 * Shutdown: the loop stops on EOF or a signal; the LLM session cancels what streams; the
 * workers handle every task already queued (feedback received is stored), then exit; tasks
 * left behind run on this thread once both are joined.
 *
 * Each iteration's busy time (callbacks, not the poll wait) is measured with libuv's idle-time
 * metric from one prepare callback to the next, so a blocking call on the loop shows up.
 */
#include "precedent/loop.h"
#include "precedent/error.h"
#include "precedent/lathist.h"
#include "precedent/llm_draft.h"
#include "precedent/nm.h"

#include <pthread.h>
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
	uv_prepare_t prep; /* busy-time sampling */
	int in_is_pipe, in_is_file;
	int status;
	char file_buf[65536];
} loop_state_t;

static uv_loop_t *current_loop;

uv_loop_t *loop_uv(void) { return current_loop; }

/* ---- the two queues ---- */

struct task {
	struct task *next;
	loop_fn fn;
	void *arg;
};

struct queue {
	pthread_mutex_t mu;
	struct task *head, *tail;
};

static void queue_push(struct queue *q, loop_fn fn, void *arg)
{
	struct task *t = xmalloc(sizeof *t);
	t->next = NULL;
	t->fn = fn;
	t->arg = arg;
	if (q->tail)
		q->tail->next = t;
	else
		q->head = t;
	q->tail = t;
}

/* The workers: one thread each, FIFO. running: tasks go to the thread (else they run inline).
 * 0 handles frames (the app), 1 writes finished drafts. */
struct worker {
	struct queue q;
	pthread_cond_t cv;
	pthread_t thread;
	int running, quit;
	uv_loop_t *loop;
	const char *name;
};

static struct worker workers[2] = {
    {{PTHREAD_MUTEX_INITIALIZER, NULL, NULL}, PTHREAD_COND_INITIALIZER, 0, 0, 0, NULL, "frames"},
    {{PTHREAD_MUTEX_INITIALIZER, NULL, NULL}, PTHREAD_COND_INITIALIZER, 0, 0, 0, NULL, "writer"},
};
#define NWORKERS 2

static double frame_ms; /* worker 0 only */

/* Tasks for the loop thread, woken through one uv_async. ready: the async exists. */
static struct {
	struct queue q;
	uv_async_t async;
	pthread_t thread;
	int ready;
} onloop = {{PTHREAD_MUTEX_INITIALIZER, NULL, NULL}, {0}, 0, 0};

int loop_on_loop_thread(void)
{
	return !onloop.ready || pthread_equal(pthread_self(), onloop.thread);
}

static void worker_push(struct worker *w, loop_fn fn, void *arg)
{
	pthread_mutex_lock(&w->q.mu);
	if (!w->running) {
		pthread_mutex_unlock(&w->q.mu);
		fn(arg);
		return;
	}
	queue_push(&w->q, fn, arg);
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->q.mu);
}

void loop_work(loop_fn fn, void *arg) { worker_push(&workers[0], fn, arg); }

void loop_write(loop_fn fn, void *arg) { worker_push(&workers[1], fn, arg); }

void loop_post(loop_fn fn, void *arg)
{
	pthread_mutex_lock(&onloop.q.mu);
	if (!onloop.ready) {
		pthread_mutex_unlock(&onloop.q.mu);
		fn(arg);
		return;
	}
	queue_push(&onloop.q, fn, arg);
	uv_async_send(&onloop.async);
	pthread_mutex_unlock(&onloop.q.mu);
}

struct call {
	loop_fn fn;
	void *arg;
	int done;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static void call_run(void *a)
{
	struct call *c = a;
	c->fn(c->arg);
	pthread_mutex_lock(&c->mu);
	c->done = 1;
	pthread_cond_signal(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

void loop_call(loop_fn fn, void *arg)
{
	struct call c = {fn, arg, 0, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER};
	if (loop_on_loop_thread()) {
		fn(arg);
		return;
	}
	loop_post(call_run, &c);
	pthread_mutex_lock(&c.mu);
	while (!c.done)
		pthread_cond_wait(&c.cv, &c.mu);
	pthread_mutex_unlock(&c.mu);
	pthread_mutex_destroy(&c.mu);
	pthread_cond_destroy(&c.cv);
}

double loop_frame_received_ms(void) { return frame_ms; }

/* Runs every task queued so far (ones queued meanwhile wait for the next wake-up). */
static void run_all(struct task *t)
{
	while (t) {
		struct task *next = t->next;
		t->fn(t->arg);
		free(t);
		t = next;
	}
}

static void on_async(uv_async_t *h)
{
	(void)h;
	pthread_mutex_lock(&onloop.q.mu);
	struct task *t = onloop.q.head;
	onloop.q.head = onloop.q.tail = NULL;
	pthread_mutex_unlock(&onloop.q.mu);
	run_all(t);
}

static int workers_left;

static void worker_exited(void *arg)
{
	if (--workers_left == 0)
		uv_stop(arg);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	char name[16];
	snprintf(name, sizeof name, "ph-%s", w->name); /* for top -H, perf, gdb */
	pthread_setname_np(pthread_self(), name);
	for (;;) {
		pthread_mutex_lock(&w->q.mu);
		while (!w->q.head && !w->quit)
			pthread_cond_wait(&w->cv, &w->q.mu);
		struct task *t = w->q.head;
		if (!t) {
			pthread_mutex_unlock(&w->q.mu);
			break;
		}
		w->q.head = t->next;
		if (!w->q.head)
			w->q.tail = NULL;
		pthread_mutex_unlock(&w->q.mu);
		t->fn(t->arg);
		free(t);
	}
	loop_post(worker_exited, w->loop);
	return NULL;
}

/* Stops taking tasks on w's thread; what is queued and what comes later runs inline. */
static int worker_take_left(struct worker *w)
{
	pthread_mutex_lock(&w->q.mu);
	w->running = 0;
	struct task *left = w->q.head;
	w->q.head = w->q.tail = NULL;
	pthread_mutex_unlock(&w->q.mu);
	run_all(left);
	return left != NULL;
}

/* ---- loop health ---- */

static struct {
	lathist_t h;
	uint64_t last_t, last_idle;
} busy;

/* Wall time from one prepare to the next minus the poll wait: the time callbacks took, and
 * the time the thread waited for a core while it had work (on a loaded machine). */
static void on_prepare(uv_prepare_t *h)
{
	uint64_t t = uv_hrtime(), idle = uv_metrics_idle_time(h->loop);
	if (busy.last_t)
		lathist_add(&busy.h, (double)((t - busy.last_t) - (idle - busy.last_idle)) / 1e6);
	busy.last_t = t;
	busy.last_idle = idle;
}

void loop_busy_stats(double *p50, double *p99, double *max, size_t *n)
{
	*p50 = lathist_pct(&busy.h, 50);
	*p99 = lathist_pct(&busy.h, 99);
	*max = busy.h.max;
	*n = (size_t)busy.h.n;
}

/* ---- frames: read on the loop, handled on the worker ---- */

struct frame_task {
	session_t *s;
	double t_recv;
	int kind; /* 0 a frame, 1 oversize (len is its size), 2 input ended mid-frame */
	size_t len, cap;
	char data[];
};

static void handle_frame(void *arg)
{
	struct frame_task *f = arg;
	if (f->kind == 0) {
		frame_ms = f->t_recv;
		protocol_handle(f->s, f->data, f->len);
		frame_ms = 0;
	} else if (f->kind == 1) {
		char m[160];
		snprintf(m, sizeof m,
			 "message of %zu bytes is larger than the %zu-byte limit; it was skipped",
			 f->len, f->cap);
		protocol_send_error(f->s, NULL, PRECEDENT_ETOOBIG, m);
	} else {
		protocol_send_error(f->s, NULL, PRECEDENT_ETRUNC,
				    "input ended in the middle of a frame");
	}
	free(f);
}

static void queue_frame(loop_state_t *ls, int kind, const char *data, size_t len)
{
	size_t copy = kind == 0 ? len : 0;
	struct frame_task *f = xmalloc(sizeof *f + copy + 1);
	f->s = ls->session;
	f->t_recv = now_ms();
	f->kind = kind;
	f->len = len;
	f->cap = ls->dec.cap;
	if (copy)
		memcpy(f->data, data, copy);
	f->data[copy] = '\0';
	loop_work(handle_frame, f);
}

static void drain_frames(loop_state_t *ls)
{
	const char *frame;
	size_t len;
	int ev;
	while ((ev = nm_decoder_next(&ls->dec, &frame, &len)) != NM_NEED_MORE)
		queue_frame(ls, ev == NM_FRAME ? 0 : 1, frame, len);
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
		queue_frame(ls, 2, NULL, 0);
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
	uv_loop_configure(ls->loop, UV_METRICS_IDLE_TIME);
	uv_prepare_init(ls->loop, &ls->prep);
	uv_prepare_start(&ls->prep, on_prepare);
	uv_unref((uv_handle_t *)&ls->prep);
	memset(&busy, 0, sizeof busy);
	onloop.thread = pthread_self();
	uv_async_init(ls->loop, &onloop.async, on_async);
	onloop.ready = 1;
	/* The WebSocket server (lws as a foreign loop) and curl's multi handle join this loop. */
	llm_session_start(s, ls->loop);
	for (int i = 0; i < NWORKERS; i++) {
		struct worker *w = &workers[i];
		w->quit = 0;
		w->loop = ls->loop;
		w->running = pthread_create(&w->thread, NULL, worker_main, w) == 0;
		if (!w->running)
			fprintf(stderr, "precedent-host: no %s thread; its work runs on the loop\n",
				w->name);
	}

	uv_run(ls->loop, UV_RUN_DEFAULT);
	/* lws and curl close their own handles first (lws must not have them closed under it). */
	llm_session_stop(s);
	/* The workers handle every task already queued (every frame received), then say so (the
	 * last one's post stops the loop); the loop serves their calls meanwhile. */
	workers_left = 0;
	for (int i = 0; i < NWORKERS; i++) {
		struct worker *w = &workers[i];
		if (!w->running)
			continue;
		workers_left++;
		pthread_mutex_lock(&w->q.mu);
		w->quit = 1;
		pthread_cond_signal(&w->cv);
		pthread_mutex_unlock(&w->q.mu);
	}
	if (workers_left)
		uv_run(ls->loop, UV_RUN_DEFAULT);
	for (int i = 0; i < NWORKERS; i++)
		if (workers[i].running)
			pthread_join(workers[i].thread, NULL);
	/* Tasks one worker queued for the other after it had gone, until none is left. */
	for (int more = 1; more;) {
		more = 0;
		for (int i = 0; i < NWORKERS; i++)
			more |= worker_take_left(&workers[i]);
	}
	/* From here on both kinds of task run at once, on this thread. */
	pthread_mutex_lock(&onloop.q.mu);
	onloop.ready = 0;
	struct task *left = onloop.q.head;
	onloop.q.head = onloop.q.tail = NULL;
	pthread_mutex_unlock(&onloop.q.mu);
	run_all(left);
	uv_close((uv_handle_t *)&onloop.async, NULL);
	uv_close((uv_handle_t *)&ls->prep, NULL);
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
