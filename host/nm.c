/*
 * nm.c - native messaging frame decoder and writer (see nm.h).
 */
#include "precedent/nm.h"
#include "precedent/error.h"
#include "precedent/limits.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

void nm_decoder_init(nm_decoder_t *d, size_t cap)
{
	buf_init(&d->buf, 0);
	d->pos = 0;
	d->cap = cap;
	d->skip = 0;
}

void nm_decoder_release(nm_decoder_t *d) { buf_release(&d->buf); }

void nm_decoder_feed(nm_decoder_t *d, const void *data, size_t n)
{
	const char *p = data;
	if (d->skip) {
		size_t drop = d->skip < n ? (size_t)d->skip : n;
		d->skip -= drop;
		p += drop;
		n -= drop;
	}
	if (n == 0)
		return;
	/* Compact before growing so a long session keeps a small buffer. */
	if (d->pos > 0 && d->pos == d->buf.len) {
		d->buf.len = 0;
		d->pos = 0;
	} else if (d->pos > 65536 && d->pos > d->buf.len / 2) {
		memmove(d->buf.data, d->buf.data + d->pos, d->buf.len - d->pos);
		d->buf.len -= d->pos;
		d->pos = 0;
	}
	buf_append(&d->buf, p, n);
}

int nm_decoder_next(nm_decoder_t *d, const char **frame, size_t *len)
{
	uint32_t n;
	size_t avail = d->buf.len - d->pos;
	*frame = NULL;
	*len = 0;
	if (avail < 4)
		return NM_NEED_MORE;
	memcpy(&n, d->buf.data + d->pos, 4);
	if (n > d->cap) {
		/* Drop the header and as much of the body as we already hold. */
		size_t have = avail - 4;
		size_t drop = have < n ? have : n;
		d->pos += 4 + drop;
		d->skip = (uint64_t)n - drop;
		*len = n;
		return NM_OVERSIZE;
	}
	if (avail - 4 < n)
		return NM_NEED_MORE;
	*frame = d->buf.data + d->pos + 4;
	*len = n;
	d->pos += 4 + (size_t)n;
	return NM_FRAME;
}

int nm_decoder_pending(const nm_decoder_t *d) { return d->buf.len > d->pos || d->skip > 0; }

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return PRECEDENT_EIO;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int nm_write_frame(int fd, const char *json, size_t len)
{
	uint32_t n = (uint32_t)len;
	char hdr[4];
	if (len > NM_OUT_CAP)
		return PRECEDENT_ETOOBIG;
	memcpy(hdr, &n, 4);
	/* One buffer, one write: a frame is never interleaved with anything else. */
	char small[4096];
	if (len + 4 <= sizeof small) {
		memcpy(small, hdr, 4);
		memcpy(small + 4, json, len);
		return write_all(fd, small, len + 4);
	}
	int rc = write_all(fd, hdr, 4);
	return rc ? rc : write_all(fd, json, len);
}
