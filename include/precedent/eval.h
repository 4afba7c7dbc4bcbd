/*
 * eval.h - retrieval evaluation over a labelled query set: Recall@1/5/10 (the
 * share of queries with a relevant hit in the top k), MRR@10 and nDCG@10
 * (binary relevance).
 *
 * Formats: queries are JSONL tickets (the import shape: id, subject, messages);
 * qrels are "query_id<TAB>gold_id<TAB>1" lines where gold_id is a ticket id or a
 * doc path (optionally path#anchor). Ownership: the caller owns the store and
 * the redactor; nothing here keeps memory after eval_run returns.
 */
#ifndef PRECEDENT_EVAL_H
#define PRECEDENT_EVAL_H

#include <stdio.h>

#include "precedent/redact.h"
#include "precedent/retrieve.h"
#include "precedent/store.h"

typedef struct eval_metrics {
	long queries;  /* queries with at least one judgement */
	long missing;  /* judged queries absent from the queries file */
	double r1, r5, r10, mrr10, ndcg10;
	double ms_p50, ms_p99;         /* search latency, wall clock */
	double cpu_ms_p50, cpu_ms_p99; /* the same in CPU time of the thread */
	double mean_confidence;
} eval_metrics_t;

/* Runs every judged query through retrieve_search_opts (k = 10) and fills m.
 * subject_only: query with the subject alone (as the public sets' harness does).
 * per_query, when not NULL, gets one line per query: id, rank of the first
 * relevant hit (0 = none), confidence. Returns 0, or PRECEDENT_EIO /
 * PRECEDENT_EINVAL with a message naming the file and line in err. */
int eval_run(store_t *s, const redactor_t *r, const char *qrels_path, const char *queries_path,
	     int subject_only, const retrieve_options_t *opt, FILE *per_query,
	     eval_metrics_t *m /* OUT */, char *err, size_t errlen);

/* Prints the metrics as "name value" lines (or one JSON object). */
void eval_print(const eval_metrics_t *m, int json, FILE *out);

/* The `eval` command: eval [--json] [--subject-only] [--per-query] [--feedback]
 * [--no-boosts] --qrels FILE [--queries FILE]; queries default to queries.jsonl
 * beside the qrels file. Returns the exit status (0, 1 user error, 2 usage). */
int eval_main(const char *db, int argc, char **argv);

#endif
