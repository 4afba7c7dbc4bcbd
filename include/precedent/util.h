/*
 * util.h - allocation that aborts on exhaustion, a bounded growable buffer,
 * UTF-8 checks and whole-file reads.
 *
 * Ownership: buf_t owns its data; buf_release() frees it, buf_steal() hands it to
 * the caller (free with free()). Every append is sticky: once an append fails
 * (cap reached) buf->rc holds the error and later appends do nothing, so a
 * builder checks once at the end.
 */
#ifndef PRECEDENT_UTIL_H
#define PRECEDENT_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

typedef struct buf {
	char *data; /* always NUL-terminated when len > 0 or after buf_cstr() */
	size_t len;
	size_t alloc;
	size_t cap; /* 0 = unbounded */
	int rc;     /* sticky: 0 or PRECEDENT_ETOOBIG */
} buf_t;

/* No allocation; cap 0 means unbounded. */
void buf_init(buf_t *b, size_t cap);
void buf_release(buf_t *b);
void buf_reset(buf_t *b);
int buf_append(buf_t *b, const void *p, size_t n);
int buf_puts(buf_t *b, const char *s);
int buf_putc(buf_t *b, char c);
int buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns a NUL-terminated string owned by b (never NULL). */
const char *buf_cstr(buf_t *b);
/* Returns the data (caller frees) and leaves b empty. Never NULL. */
char *buf_steal(buf_t *b);

/* 1 if s[0..n) is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
int utf8_valid(const char *s, size_t n);
/* Decodes one code point at s (n bytes left); returns its length (>=1), with
 * *cp = U+FFFD for an invalid sequence (length 1). */
size_t utf8_decode(const char *s, size_t n, uint32_t *cp /* OUT */);
/* Length of the longest prefix of s[0..n) no longer than max bytes that does not cut a code point. */
size_t utf8_clip(const char *s, size_t n, size_t max);
/* Number of code points. */
size_t utf8_count(const char *s, size_t n);

/* Reads a whole file up to cap bytes. 0, or PRECEDENT_EIO (errno kept) / ETOOBIG.
 * *out is NUL-terminated, caller frees. */
int read_file(const char *path, size_t cap, char **out /* OUT */, size_t *len /* OUT */);

/* ISO-8601 UTC timestamp of now into out (at least 32 bytes). */
void now_iso8601(char *out, size_t outlen);
/* Monotonic milliseconds. */
double now_ms(void);
/* Creates dir and parents (mode 0700); 0 or PRECEDENT_EIO. */
int mkdir_p(const char *path);

#endif
