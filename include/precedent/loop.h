/*
 * loop.h - the one event loop (libuv): native messaging stdin as a pipe, frames
 * dispatched to the protocol, shutdown on EOF or signal. The WebSocket server and
 * libcurl's multi-socket interface join the same loop.
 *
 * Ownership: the loop owns the uv handles it creates and closes them all before
 * loop_run_native() returns; the session is borrowed.
 */
#ifndef PRECEDENT_LOOP_H
#define PRECEDENT_LOOP_H

#include "precedent/protocol.h"

/* Serves native messaging on fd 0 until EOF or SIGINT/SIGTERM. Returns the process
 * exit status: 0 after a clean EOF or signal, 1 when the input ended mid-frame. */
int loop_run_native(session_t *s);

/* The libuv loop in use (for modules that attach handles to it); NULL before
 * loop_run_native() starts. */
struct uv_loop_s *loop_uv(void);

#endif
