/*
 * nm.h - native messaging framing: a 4-byte native-endian length, then that many
 * bytes of UTF-8 JSON, in both directions.
 *
 * The decoder is incremental (bytes are fed as they arrive, frames come out whole)
 * and owns its buffer; a frame returned by nm_decoder_next() is borrowed until the
 * next call. A frame longer than the cap is reported once and its bytes skipped,
 * so the stream stays in step. The writer is the only thing that writes frames.
 */
#ifndef PRECEDENT_NM_H
#define PRECEDENT_NM_H

#include <stddef.h>
#include <stdint.h>

#include "precedent/util.h"

typedef struct nm_decoder {
	buf_t buf;
	size_t pos;      /* start of unread bytes in buf */
	size_t cap;      /* largest accepted frame */
	uint64_t skip;   /* bytes still to drop from an oversize frame */
} nm_decoder_t;

enum { NM_NEED_MORE = 0, NM_FRAME = 1, NM_OVERSIZE = 2 };

void nm_decoder_init(nm_decoder_t *d, size_t cap);
void nm_decoder_release(nm_decoder_t *d);
/* Appends bytes read from the stream. */
void nm_decoder_feed(nm_decoder_t *d, const void *data, size_t n);
/* NM_FRAME with *frame and *len set (borrowed), NM_OVERSIZE with *len = declared length
 * (the frame's bytes will be skipped), or NM_NEED_MORE. */
int nm_decoder_next(nm_decoder_t *d, const char **frame /* OUT */, size_t *len /* OUT */);
/* Bytes of an unfinished frame are buffered (EOF now means a truncated frame). */
int nm_decoder_pending(const nm_decoder_t *d);

/* Writes one frame to fd, retrying on EINTR/short writes. 0, PRECEDENT_ETOOBIG
 * (over NM_OUT_CAP: nothing written) or PRECEDENT_EIO. */
int nm_write_frame(int fd, const char *json, size_t len);

#endif
