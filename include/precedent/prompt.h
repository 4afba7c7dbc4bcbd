/*
 * prompt.h - prompt assembly for the LLM path: the instructions (answer only from the numbered
 * sources, cite each claim inline as [#id] or [doc: path#anchor], say what is unknown, never
 * promise what the sources do not support, match the customer's language), the redacted ticket,
 * the customer context and the sources, trimmed to a token budget by dropping the lowest-ranked
 * sources first (then the oldest messages of a long thread). Draft actions (shorter, more
 * detailed, friendlier, more formal, translate, summary) get their own instructions.
 *
 * Everything given here must already be redacted: the prompt is sent to a provider.
 * Ownership: inputs are borrowed; prompt_t owns its two strings (prompt_release).
 */
#ifndef PRECEDENT_PROMPT_H
#define PRECEDENT_PROMPT_H

#include <stddef.h>

#include <cJSON.h>

enum prompt_source_kind { PROMPT_SRC_TICKET = 0, PROMPT_SRC_DOC = 1 };

/* One retrieved source, best first in the array given to prompt_build. */
typedef struct prompt_source {
	int kind;
	const char *id;         /* ticket id, or "path#anchor" for a doc section */
	const char *title;      /* ticket subject or section title */
	const char *text;       /* ticket problem snippet or section body */
	const char *resolution; /* tickets: how it was resolved, may be NULL */
	const char *date;       /* ISO date it was closed/updated, may be NULL */
	const char *version;    /* product version it was written for, may be NULL */
	const char *plan;       /* plan it applies to, may be NULL */
} prompt_source_t;

typedef struct prompt_message {
	const char *role; /* "customer", "agent" or "internal" */
	const char *body;
} prompt_message_t;

enum prompt_action {
	PROMPT_DRAFT = 0,
	PROMPT_SHORTER,
	PROMPT_MORE_DETAILED,
	PROMPT_FRIENDLIER,
	PROMPT_MORE_FORMAL,
	PROMPT_TRANSLATE,
	PROMPT_SUMMARY,
};

typedef struct prompt_input {
	const char *subject;
	const prompt_message_t *messages;
	size_t nmessages;
	const cJSON *context; /* customer context (flat object of strings/numbers) or NULL */
	const prompt_source_t *sources;
	size_t nsources;
	int action;           /* enum prompt_action */
	const char *previous; /* the draft an action rewrites (required for rewrite actions) */
	const char *language; /* target language for translate / a hint, may be NULL */
	size_t token_budget;  /* whole prompt; 0: PROMPT_DEFAULT_BUDGET */
} prompt_input_t;

#define PROMPT_DEFAULT_BUDGET 6000

typedef struct prompt {
	char *system;
	char *user;
	size_t sources_used;     /* sources[0..sources_used) are in the prompt */
	size_t messages_dropped; /* oldest messages left out to fit */
	size_t tokens;           /* estimate for system + user */
} prompt_t;

/* "shorter", "more_detailed", "friendlier", "more_formal", "translate", "summary" (or NULL/""/
 * "draft") to enum prompt_action; -1 when unknown. */
int prompt_action_from_name(const char *name);
/* 1 when the action rewrites a previous draft. */
int prompt_action_rewrites(int action);

/* A rough token count (about 4 bytes of Latin text, or 1 CJK character, per token). */
size_t prompt_estimate_tokens(const char *s, size_t n);

/* The citation marker of a source into out ("#T-1" or "doc: a.md#b"); returns out. */
const char *prompt_source_ref(const prompt_source_t *s, char *out, size_t outlen);

/* Builds the prompt. 0, PRECEDENT_EINVAL (unknown action, rewrite without previous) or
 * PRECEDENT_ETOOBIG (the instructions and the newest message alone exceed the budget or
 * PROMPT_CAP). */
int prompt_build(const prompt_input_t *in, prompt_t *out /* OUT */);
void prompt_release(prompt_t *p);

#endif
