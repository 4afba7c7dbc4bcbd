/*
 * citecheck.h - checks a generated draft against the sources it was given: every citation must
 * name one of them (unknown ones are removed from the text and flagged; a bare source number
 * "[2]" becomes that source's marker), every sentence that states something must overlap the
 * sources it cites (or, uncited, some source or the ticket itself) or it is flagged as
 * uncertain, and cited sources that are old, or written for another product version or plan
 * than the customer's, are flagged as stale.
 *
 * Flags are appended to a caller's cJSON array as {kind, message} plus, where useful, "ref"
 * (the citation marker) and "sentence" (the flagged text, so the panel can mark it).
 * Ownership: inputs borrowed; citecheck_result_t owns text and cited (citecheck_release).
 */
#ifndef PRECEDENT_CITECHECK_H
#define PRECEDENT_CITECHECK_H

#include <stddef.h>

#include <cJSON.h>

#include "precedent/prompt.h"

typedef struct citecheck_opts {
	double min_overlap;           /* share of a sentence's content words; 0: 0.25 */
	int stale_days;               /* older cited sources are flagged; 0: 365, < 0: never */
	const char *today;            /* YYYY-MM-DD; NULL: the current date */
	const char *customer_version; /* from context, may be NULL */
	const char *customer_plan;    /* from context, may be NULL */
	const char *ticket_text;      /* the (redacted) ticket: supports restating it */
} citecheck_opts_t;

typedef struct citecheck_result {
	char *text;           /* the draft with unknown citations removed */
	unsigned char *cited; /* nsources entries: 1 if the draft cites that source */
	size_t citations;     /* known citations kept */
	size_t unknown;       /* citations removed */
	size_t uncertain;     /* sentences flagged */
	size_t stale;         /* sources flagged */
} citecheck_result_t;

/* Returns 0 or PRECEDENT_ETOOBIG (draft over DRAFT_CAP). flags must be a cJSON array. */
int citecheck_run(const char *draft, size_t len, const prompt_source_t *sources, size_t nsources,
		  const citecheck_opts_t *opts, cJSON *flags /* IN/OUT */,
		  citecheck_result_t *out /* OUT */);
void citecheck_release(citecheck_result_t *r);

/* The product version a source text seems written for ("version 4.1", "v4.1", "firmware 4.1",
 * "release 4.1", a path segment "v4"), into out; 1 when found. */
int citecheck_guess_version(const char *text, char *out /* OUT */, size_t outlen);
/* The plan a source text names ("free", "basic", "starter", "pro", "business", "team",
 * "enterprise" followed by "plan" or "tier"), lower-cased into out; 1 when found. */
int citecheck_guess_plan(const char *text, char *out /* OUT */, size_t outlen);

/* Days since 1970-01-01 of a date starting YYYY-MM-DD; -1 when it does not parse. */
long citecheck_days(const char *iso);

#endif
