/*
 * editdist.h - edit metrics between a draft and the reply the agent sent.
 *
 * Pure functions, no I/O, no global state. Character distance is Levenshtein over
 * Unicode code points (bit-parallel, Myers/Hyyro, blocked for long texts: exact at
 * every length, memory linear in the texts). Ratios are in 0..1, 0 meaning
 * identical: distance / max(length_a, length_b), and 0 when both are empty.
 *
 * Ownership: every function that returns memory says so; *_release() frees the
 * contents of a result struct (not the struct itself). Texts are UTF-8; invalid
 * bytes count as U+FFFD everywhere.
 *
 * Which entry point: editdist_compute() measures two texts exactly as given (the
 * CLI's `editdist`, checking the algorithm from outside). editdist_compare() first
 * normalizes both texts (editdist_normalize: whitespace, helpdesk quoting,
 * signatures, citation markers) and is the one for feedback.sent. editdist_attribute() says, per
 * draft sentence, whether it was kept, edited or deleted, with its citations.
 */
#ifndef PRECEDENT_EDITDIST_H
#define PRECEDENT_EDITDIST_H

#include <stddef.h>
#include <stdint.h>

typedef struct editdist_result {
	size_t distance;      /* code points */
	size_t len_a, len_b;  /* code points */
	double ratio;	      /* distance / max(len_a, len_b) */
	size_t word_distance; /* word-level Levenshtein */
	size_t words_a, words_b;
	double word_ratio; /* word_distance / max(words_a, words_b) */
} editdist_result_t;

/* Levenshtein distance between two code-point sequences (or any uint32 symbols). */
size_t editdist_levenshtein_cp(const uint32_t *a, size_t na, const uint32_t *b, size_t nb);
/* Plain O(n*m)-time, O(m)-memory dynamic programming reference (tests and bench). */
size_t editdist_levenshtein_dp(const uint32_t *a, size_t na, const uint32_t *b, size_t nb);
/* The distance if it is <= max, else max + 1 (faster: only a diagonal band is computed). */
size_t editdist_levenshtein_max(const uint32_t *a, size_t na, const uint32_t *b, size_t nb,
				size_t max);
/* All metrics for two UTF-8 texts, as given (no normalization). Returns 0. */
int editdist_compute(const char *a, size_t alen, const char *b, size_t blen,
		     editdist_result_t *out /* OUT */);

/* Decodes UTF-8 into code points (invalid bytes -> U+FFFD). Returns a malloc'd array
 * (never NULL, caller frees) and its length in *n. */
uint32_t *editdist_decode(const char *s, size_t len, size_t *n /* OUT */);
/* Maps the words (whitespace-separated tokens) of both texts to integer ids, equal
 * words getting equal ids. Arrays are malloc'd (never NULL), caller frees both. */
void editdist_word_ids(const char *a, size_t alen, const char *b, size_t blen,
		       uint32_t **ida /* OUT */, size_t *na /* OUT */, uint32_t **idb /* OUT */,
		       size_t *nb /* OUT */);

/* Normalization flags. */
enum {
	EDITDIST_NORM_WHITESPACE = 1, /* collapse whitespace runs (Unicode) to one space, trim,
					 drop other control characters */
	EDITDIST_NORM_QUOTES = 2,     /* drop '>' lines and "On <date> ... wrote:" headers,
					 cut at "-----Original Message-----" / Outlook "From:" */
	EDITDIST_NORM_SIGNATURE = 4,  /* cut at the "-- " signature delimiter line */
	EDITDIST_NORM_KEEP_LINES = 8, /* with WHITESPACE: keep one '\n' between non-blank lines */
	EDITDIST_NORM_CITATIONS = 16, /* drop citation markers "[#123]", "[doc: path#anchor]" */
	EDITDIST_NORM_DEFAULT = 1 | 2 | 4 | 16
};
/* Returns the normalized text (malloc'd, NUL-terminated, valid UTF-8, caller frees;
 * never NULL) and its byte length in *outlen (may be NULL). */
char *editdist_normalize(const char *s, size_t len, unsigned flags, size_t *outlen /* OUT */);
/* editdist_compute() on both texts after editdist_normalize(flags). Returns 0. */
int editdist_compare(const char *draft, size_t dlen, const char *sent, size_t slen, unsigned flags,
		     editdist_result_t *out /* OUT */);

/* A citation marker found in a draft sentence: "[#123]" or "[doc: path#anchor]"
 * (several in one bracket separated by ',' or ';' are split). */
typedef enum { EDITDIST_CITE_TICKET = 0, EDITDIST_CITE_DOC = 1 } editdist_cite_kind_t;
typedef struct editdist_cite {
	editdist_cite_kind_t kind;
	char *ref; /* ticket id ("123") or "path#anchor"; owned */
} editdist_cite_t;

typedef enum {
	EDITDIST_KEPT = 0,   /* an exact or near-exact sentence in the sent text */
	EDITDIST_EDITED = 1, /* recognisably there, but changed */
	EDITDIST_DELETED = 2 /* gone */
} editdist_fate_t;

/* "kept", "edited", "deleted". */
const char *editdist_fate_name(editdist_fate_t f);

typedef struct editdist_sentence {
	char *text; /* the draft sentence, normalized, citation markers removed; owned */
	editdist_fate_t fate;
	double best_ratio;	/* char ratio to the closest sent sentence; 1 when none is
				   within EDITDIST_EDITED_MAX_RATIO */
	double words_kept;	/* share of its words kept in place by the word alignment */
	editdist_cite_t *cites; /* owned */
	size_t ncites;
} editdist_sentence_t;

typedef struct editdist_attribution {
	editdist_sentence_t *sentences; /* in draft order; owned */
	size_t count;
	size_t kept, edited, deleted;
	double kept_share; /* kept / count; 0 when the draft has no sentence */
} editdist_attribution_t;

/* Thresholds of editdist_attribute(). */
#define EDITDIST_KEPT_MAX_RATIO 0.2   /* best_ratio <= this: kept */
#define EDITDIST_EDITED_MAX_RATIO 0.6 /* best_ratio <= this, or ...        */
#define EDITDIST_EDITED_MIN_WORDS 0.4 /* ... words_kept >= this: edited; else deleted */

/* Splits the normalized draft into sentences (on . ! ? followed by a space or the end,
 * and on newlines; never inside [brackets]), extracts citation markers (a fragment made
 * only of markers goes to the sentence before it) and classifies each sentence against
 * the normalized sent text. Both texts are normalized here (EDITDIST_NORM_DEFAULT with
 * KEEP_LINES). Returns 0; release with editdist_attribution_release(). */
int editdist_attribute(const char *draft, size_t dlen, const char *sent, size_t slen,
		       editdist_attribution_t *out /* OUT */);
void editdist_attribution_release(editdist_attribution_t *at);

/* Word diff of the normalized texts. */
typedef enum {
	EDITDIST_OP_EQUAL = 0,
	EDITDIST_OP_DELETE = 1,
	EDITDIST_OP_INSERT = 2
} editdist_op_kind_t;
typedef struct editdist_op {
	editdist_op_kind_t kind;
	char *text; /* the words, joined by single spaces; owned */
} editdist_op_t;
typedef struct editdist_diff {
	editdist_op_t *ops; /* runs in order; a replacement is a DELETE followed by an INSERT */
	size_t count;
} editdist_diff_t;

/* Shortest word-level diff (insertions and deletions; Myers O(ND), linear space) of
 * the two texts after editdist_normalize(EDITDIST_NORM_DEFAULT). Returns 0; release
 * with editdist_diff_release(). */
int editdist_word_diff(const char *a, size_t alen, const char *b, size_t blen,
		       editdist_diff_t *out /* OUT */);
void editdist_diff_release(editdist_diff_t *d);
/* "keep [-old words-]{+new words+} keep": malloc'd, caller frees, never NULL. */
char *editdist_diff_text(const editdist_diff_t *d);
/* The same as a JSON array [{"op": "=" | "-" | "+", "text": "..."}]; caller owns it
 * (cJSON_Delete). NULL only if cJSON cannot allocate. */
struct cJSON;
struct cJSON *editdist_diff_json(const editdist_diff_t *d);

#endif
