/*
 * util.c - the small shared pieces: aborting allocation, bounded buffers, UTF-8,
 * whole-file reads and time.
 */
#include "precedent/util.h"
#include "precedent/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static void oom(size_t n)
{
	fprintf(stderr, "precedent-host: out of memory (%zu bytes)\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom(n * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

char *xstrdup(const char *s) { return xstrndup(s, strlen(s)); }

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void buf_init(buf_t *b, size_t cap)
{
	b->data = NULL;
	b->len = b->alloc = 0;
	b->cap = cap;
	b->rc = 0;
}

void buf_release(buf_t *b)
{
	free(b->data);
	buf_init(b, b->cap);
}

void buf_reset(buf_t *b)
{
	b->len = 0;
	b->rc = 0;
	if (b->data)
		b->data[0] = '\0';
}

static int buf_grow(buf_t *b, size_t n)
{
	if (b->rc)
		return b->rc;
	if (b->cap && (n > b->cap || b->len > b->cap - n)) {
		b->rc = PRECEDENT_ETOOBIG;
		return b->rc;
	}
	size_t need = b->len + n + 1;
	if (need <= b->alloc)
		return 0;
	size_t a = b->alloc ? b->alloc : 64;
	while (a < need)
		a *= 2;
	b->data = xrealloc(b->data, a);
	b->alloc = a;
	return 0;
}

int buf_append(buf_t *b, const void *p, size_t n)
{
	if (buf_grow(b, n))
		return b->rc;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int buf_puts(buf_t *b, const char *s) { return buf_append(b, s, strlen(s)); }

int buf_putc(buf_t *b, char c) { return buf_append(b, &c, 1); }

int buf_printf(buf_t *b, const char *fmt, ...)
{
	va_list ap;
	char small[256];
	if (b->rc)
		return b->rc;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return PRECEDENT_EINVAL;
	if ((size_t)n < sizeof small)
		return buf_append(b, small, (size_t)n);
	if (buf_grow(b, (size_t)n))
		return b->rc;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

const char *buf_cstr(buf_t *b)
{
	if (!b->data) {
		b->data = xmalloc(1);
		b->data[0] = '\0';
		b->alloc = 1;
	}
	return b->data;
}

char *buf_steal(buf_t *b)
{
	char *p = (char *)buf_cstr(b);
	b->data = NULL;
	b->len = b->alloc = 0;
	b->rc = 0;
	return p;
}

size_t utf8_decode(const char *str, size_t n, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	uint32_t c;
	size_t len;
	if (n == 0) {
		*cp = 0xFFFD;
		return 1;
	}
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if ((s[0] & 0xE0) == 0xC0) {
		c = s[0] & 0x1F;
		len = 2;
	} else if ((s[0] & 0xF0) == 0xE0) {
		c = s[0] & 0x0F;
		len = 3;
	} else if ((s[0] & 0xF8) == 0xF0) {
		c = s[0] & 0x07;
		len = 4;
	} else {
		*cp = 0xFFFD;
		return 1;
	}
	if (len > n) {
		*cp = 0xFFFD;
		return 1;
	}
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80) {
			*cp = 0xFFFD;
			return 1;
		}
		c = (c << 6) | (s[i] & 0x3F);
	}
	if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
		*cp = 0xFFFD;
		return 1;
	}
	*cp = c;
	return len;
}

int utf8_valid(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		uint32_t cp;
		size_t l = utf8_decode(s + i, n - i, &cp);
		if (l == 1)
			return 0; /* a multi-byte lead that decoded to 1 byte is invalid */
		i += l;
	}
	return 1;
}

size_t utf8_clip(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	size_t i = max;
	while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
		i--;
	return i;
}

size_t utf8_count(const char *s, size_t n)
{
	size_t i = 0, count = 0;
	while (i < n) {
		uint32_t cp;
		i += utf8_decode(s + i, n - i, &cp);
		count++;
	}
	return count;
}

int read_file(const char *path, size_t cap, char **out, size_t *len)
{
	buf_t b;
	char chunk[65536];
	size_t n;
	int rc = 0;
	FILE *f = fopen(path, "rb");
	*out = NULL;
	*len = 0;
	if (!f)
		return PRECEDENT_EIO;
	buf_init(&b, cap);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if ((rc = buf_append(&b, chunk, n)))
			break;
	}
	if (!rc && ferror(f))
		rc = PRECEDENT_EIO;
	fclose(f);
	if (rc) {
		buf_release(&b);
		return rc;
	}
	*len = b.len;
	*out = buf_steal(&b);
	return 0;
}

void now_iso8601(char *out, size_t outlen)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

int mkdir_p(const char *path)
{
	char *p = xstrdup(path);
	int rc = 0;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST) {
			rc = PRECEDENT_EIO;
			break;
		}
		*s = '/';
	}
	if (!rc && mkdir(p, 0700) != 0 && errno != EEXIST)
		rc = PRECEDENT_EIO;
	free(p);
	return rc;
}
