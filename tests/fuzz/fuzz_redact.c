/*
 * fuzz_redact.c - libFuzzer target for host/redact.c.
 *
 * Checks, for any input: no crash or leak; spans sorted, disjoint, inside the text
 * and on code-point boundaries when the input is valid UTF-8; the redacted text is
 * valid UTF-8 when the input is; no original of a found span is left in the output
 * unless it also occurs in the text outside every span (then its presence proves
 * nothing); rehydration gives the input back.
 */
#include "precedent/error.h"
#include "precedent/redact.h"
#include "precedent/util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static redactor_t *R;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const redact_custom_t custom[] = {{"ACCOUNT", "\\bACC-\\d{4,8}\\b"}};
	char err[256];
	(void)argc;
	(void)argv;
	if (redactor_new(custom, 1, &R, err, sizeof err) != 0)
		abort();
	return 0;
}

/* 1 if needle occurs in hay[0..hl) outside every span (so it may legitimately remain). */
static int occurs_outside(const char *hay, size_t hl, const char *needle, size_t nl,
			  const redact_span_t *sp, size_t n)
{
	for (size_t i = 0; i + nl <= hl; i++) {
		if (memcmp(hay + i, needle, nl) != 0)
			continue;
		int inside = 0;
		for (size_t k = 0; k < n && !inside; k++)
			inside = sp[k].start <= i && i + nl <= sp[k].end;
		if (!inside)
			return 1;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *t = (const char *)data;
	redact_span_t *sp;
	size_t n, ol, bl;
	char *out, *back;
	int valid = utf8_valid(t, size);
	if (size > 64 * 1024)
		return 0;
	int rc = redact_find(R, t, size, NULL, &sp, &n);
	if (rc == PRECEDENT_EBUSY)
		return 0; /* a runaway pattern fails closed; nothing to check */
	if (rc != 0)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (sp[i].start >= sp[i].end || sp[i].end > size ||
		    (i && sp[i - 1].end > sp[i].start))
			abort();
		if (valid && !utf8_valid(t + sp[i].start, sp[i].end - sp[i].start))
			abort();
	}
	redact_map_t *m = redact_map_new();
	if (redact_text(R, m, t, size, NULL, &out, &ol) != 0)
		abort();
	if (valid && !utf8_valid(out, ol))
		abort();
	for (size_t i = 0; i < n; i++) {
		const char *v = t + sp[i].start;
		size_t vl = sp[i].end - sp[i].start;
		if (vl < 4 || occurs_outside(t, size, v, vl, sp, n))
			continue;
		/* the original may reappear only by chance across a placeholder border */
		if (memmem(out, ol, v, vl) && !memchr(v, '[', vl) && !memchr(v, ']', vl))
			abort();
	}
	if (redact_rehydrate(m, out, ol, &back, &bl) != 0)
		abort();
	/* exact round trip unless the input itself held text shaped like a placeholder */
	if (!memchr(t, '[', size) && (bl != size || memcmp(back, t, size) != 0))
		abort();
	free(back);
	free(out);
	free(sp);
	redact_map_free(m);
	return 0;
}
