/*
 * loop.h - the one event loop (libuv) and the one worker thread of native messaging mode.
 *
 * The loop thread reads native messaging stdin (a pipe), drives the WebSocket server and
 * libcurl's multi-socket interface, and does nothing that can take more than ~100 us: every
 * whole frame goes to the worker thread, which runs protocol_handle() on it. The worker owns
 * the app (store connection, redactor, config): searches, drafts, writes of feedback, stats.
 * One worker, first in first out, so the order of events is the order of the frames. A second
 * thread, the writer, finishes streamed LLM drafts (citation check, the draft stored, the
 * reply) on its own connection; a draft is stored before its reply goes out, so feedback on
 * it (a later frame) always finds it. The threads talk only through loop_work() (to the
 * worker), loop_write() (to the writer), loop_post() and loop_call() (to the loop).
 *
 * Ownership: the loop owns the uv handles it creates and the worker thread, and closes/joins
 * them all before loop_run_native() returns (frames already received are all handled first);
 * the session is borrowed. A task's arg belongs to its fn.
 */
#ifndef PRECEDENT_LOOP_H
#define PRECEDENT_LOOP_H

#include <stddef.h>

#include "precedent/protocol.h"

/* Serves native messaging on fd 0 until EOF or SIGINT/SIGTERM. Returns the process
 * exit status: 0 after a clean EOF or signal, 1 when the input ended mid-frame. */
int loop_run_native(session_t *s);

/* The libuv loop in use (for modules that attach handles to it); NULL before
 * loop_run_native() starts. */
struct uv_loop_s *loop_uv(void);

typedef void (*loop_fn)(void *arg);

/* Runs fn(arg) on the worker thread, after every task queued before it. From either thread.
 * Without a running loop (CLI, tests) fn runs at once on the caller's thread. */
void loop_work(loop_fn fn, void *arg);
/* Runs fn(arg) on the writer thread (FIFO): the LLM path's finished drafts, checked and
 * stored for good on the writer's own store connection, so a draft's final frames never wait
 * behind other requests' searches. Same rules as loop_work. */
void loop_write(loop_fn fn, void *arg);
/* Runs fn(arg) on the loop thread, in the order posted. From either thread; without a
 * running loop fn runs at once. */
void loop_post(loop_fn fn, void *arg);
/* As loop_post, and waits until fn has returned (runs at once on the loop thread itself).
 * For the worker: the loop never waits for the worker, so this cannot deadlock. */
void loop_call(loop_fn fn, void *arg);
/* 1 on the loop thread (or when no loop runs), 0 on the worker. */
int loop_on_loop_thread(void);
/* When the worker thread received the frame it is handling now (now_ms() clock, taken on the
 * loop thread as the frame was read); 0 outside a frame. Worker thread only. */
double loop_frame_received_ms(void);

/* Loop health: the busy time of each loop iteration (callbacks run, poll wait excluded) since
 * start: p50, p99 (lathist.h) and the longest (ms), and the iterations counted. Loop thread. */
void loop_busy_stats(double *p50 /* OUT */, double *p99 /* OUT */, double *max /* OUT */,
		     size_t *n /* OUT */);

#endif
