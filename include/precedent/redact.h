/*
 * redact.h - PII detection and placeholder substitution (PCRE2, JIT).
 *
 * A redactor_t holds compiled patterns (compiled once, read-only afterwards, so
 * one redactor serves every ticket). A redact_map_t belongs to one ticket: it
 * maps each original value to a typed, stable placeholder ("[EMAIL_1]") and back.
 * The map owns copies of every string it holds; redact_map_free() releases them.
 * Redaction never performs I/O; storing the map (the vault) is the store's job.
 * Several threads may use one redactor at once; a map is for one thread at a time.
 * Detectors, their validation and limits: docs/redaction.md.
 */
#ifndef PRECEDENT_REDACT_H
#define PRECEDENT_REDACT_H

#include <stddef.h>

typedef enum {
	PII_EMAIL = 0,
	PII_PHONE,
	PII_CARD,
	PII_IBAN,
	PII_SSN,
	PII_IP,
	PII_URL,     /* URL carrying credentials or tokens */
	PII_SECRET,  /* API keys, bearer tokens, JWTs, key=... */
	PII_POSTAL,  /* postal code */
	PII_ADDRESS, /* street address */
	PII_NAME,    /* the customer's own name (from hints) */
	PII_CUSTOM,  /* user-defined pattern; label in the span */
	PII_TYPE_COUNT
} pii_type_t;

/* "EMAIL", "PHONE", ... (the placeholder prefix). */
const char *pii_type_name(pii_type_t t);

typedef struct redact_span {
	pii_type_t type;
	size_t start, end; /* byte offsets, [start, end) */
	const char *label; /* placeholder prefix: type name, or the custom label; borrowed */
} redact_span_t;

/* A user-defined pattern from config. */
typedef struct redact_custom {
	const char *label;   /* e.g. "ACCOUNT"; upper-case letters, digits, '_' */
	const char *pattern; /* PCRE2 syntax */
} redact_custom_t;

/* What the ticket tells us about its customer: their own name/e-mail are PII wherever they appear.
 */
typedef struct redact_hints {
	const char *customer_name;  /* may be NULL */
	const char *customer_email; /* may be NULL */
} redact_hints_t;

typedef struct redactor redactor_t;
typedef struct redact_map redact_map_t;

/* Compiles the built-in detectors plus ncustom user patterns. Returns 0 or
 * PRECEDENT_EPATTERN with a message naming the bad pattern in err. */
int redactor_new(const redact_custom_t *custom, size_t ncustom, redactor_t **out /* OUT */,
		 char *err, size_t errlen);
void redactor_free(redactor_t *r);
/* 1 if every pattern runs JIT-compiled (0: PCRE2 built without JIT, the interpreter is used). */
int redactor_jit(const redactor_t *r);

/* Finds PII spans in text[0..len). Spans are sorted, non-overlapping (overlaps resolved:
 * longest first, then higher-priority type; a partial overlap grows the winner to the union,
 * so no part of either value is left), never cut a UTF-8 code point. text need not be valid
 * UTF-8 and may hold NUL bytes. *spans is malloc'd (caller frees) or NULL when *nspans is 0.
 * Returns 0, PRECEDENT_EINVAL, or PRECEDENT_EBUSY when a (custom) pattern hit its match
 * limit: then nothing is returned and the text must not be used unredacted (fail closed). */
int redact_find(const redactor_t *r, const char *text, size_t len, const redact_hints_t *hints,
		redact_span_t **spans /* OUT */, size_t *nspans /* OUT */);

redact_map_t *redact_map_new(void);
void redact_map_free(redact_map_t *m);
/* Adds a known placeholder->original pair (loading a vault). A pair whose placeholder or
 * original is already in m is ignored; new placeholders of that label are numbered after
 * the highest one loaded. */
void redact_map_add(redact_map_t *m, const char *placeholder, const char *original);
size_t redact_map_count(const redact_map_t *m);
/* Borrowed strings of entry i (0 <= i < count). */
void redact_map_entry(const redact_map_t *m, size_t i, const char **placeholder /* OUT */,
		      const char **original /* OUT */);

/* Replaces every span found in text with its placeholder, reusing m's placeholders so
 * the same value gets the same placeholder in the whole ticket; new values are added to m.
 * *out is malloc'd and NUL-terminated (caller frees). Returns 0 or a negative code (as
 * redact_find; on error *out is NULL and m is unchanged). */
int redact_text(const redactor_t *r, redact_map_t *m, const char *text, size_t len,
		const redact_hints_t *hints, char **out /* OUT */, size_t *outlen /* OUT */);

/* Replaces every placeholder of m found in text by its original. *out caller frees. */
int redact_rehydrate(const redact_map_t *m, const char *text, size_t len, char **out /* OUT */,
		     size_t *outlen /* OUT */);

#endif
