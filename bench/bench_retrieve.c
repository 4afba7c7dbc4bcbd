/*
 * bench_retrieve.c - retrieval at scale on a synthetic support corpus (synth.c):
 * indexing throughput including JSON parsing and redaction, query latency (wall
 * and CPU, p50/p99 over labelled queries, after one warm-up pass), quality on
 * those queries, database size and peak RSS.
 *
 * Size: BENCH_TICKETS (default 200000) tickets and BENCH_SECTIONS (default a
 * tenth of that) doc sections; `BENCH_TICKETS=1000000 BENCH_SECTIONS=100000`
 * is the size docs/retrieval.md reports. BENCH_DIR keeps the corpus and
 * database instead of a temporary directory.
 */
#include "precedent/eval.h"
#include "precedent/ingest.h"
#include "precedent/redact.h"
#include "precedent/retrieve.h"
#include "precedent/store.h"
#include "precedent/synth.h"
#include "precedent/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double file_mb(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (double)st.st_size / 1048576.0 : 0;
}

int main(void)
{
	const char *e = getenv("BENCH_TICKETS");
	size_t nt = e ? strtoul(e, NULL, 10) : 200000;
	e = getenv("BENCH_SECTIONS");
	size_t ns = e ? strtoul(e, NULL, 10) : nt / 10;
	const char *keep = getenv("BENCH_DIR");
	char tmpl[] = "/tmp/precedent-bench-XXXXXX";
	char *dir = keep ? (char *)keep : mkdtemp(tmpl);
	char err[1024], path[4096];
	store_t *s = NULL;
	redactor_t *r = NULL;
	ingest_report_t rep;
	eval_metrics_t m;
	int rc = 1;
	if (!dir) {
		perror("mkdtemp");
		return 1;
	}
	synth_config_t sc = {.tickets = nt, .sections = ns, .queries = 1000, .seed = 7};
	printf("retrieval at scale: %zu synthetic tickets, %zu doc sections, %zu queries (%s)\n", nt,
	       ns, sc.queries, dir);
	double t0 = now_ms();
	if (synth_write(&sc, dir, err, sizeof err)) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	printf("  corpus written in %.1f s\n", (now_ms() - t0) / 1000);
	snprintf(path, sizeof path, "%s/bench.db", dir);
	remove(path);
	if (store_open(path, 0, &s, err, sizeof err) || redactor_new(NULL, 0, &r, err, sizeof err)) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	ingest_report_init(&rep);
	snprintf(path, sizeof path, "%s/tickets.jsonl", dir);
	t0 = now_ms();
	double c0 = cpu_now();
	if (ingest_tickets_file(s, r, INGEST_JSONL, path, &rep, NULL, err, sizeof err)) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	double wall = (now_ms() - t0) / 1000, cpu = (cpu_now() - c0) / 1000;
	printf("  indexing tickets: %ld in %.1f s wall, %.1f s CPU: %.0f tickets/s (%.0f per CPU "
	       "second), redaction and JSON parsing included\n",
	       rep.imported, wall, cpu, (double)rep.imported / wall, (double)rep.imported / cpu);
	snprintf(path, sizeof path, "%s/docs", dir);
	t0 = now_ms();
	if (ingest_docs_dir(s, r, path, &rep, NULL, err, sizeof err)) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	long tickets, sections, docs;
	store_counts(s, &tickets, &sections, &docs);
	printf("  indexing docs: %ld sections in %.1f s\n", sections, (now_ms() - t0) / 1000);
	ingest_report_release(&rep);
	char qrels[4096], queries[4096];
	snprintf(qrels, sizeof qrels, "%s/qrels.tsv", dir);
	snprintf(queries, sizeof queries, "%s/queries.jsonl", dir);
	/* Warm-up: fills the document-frequency cache as a running host would. */
	if (eval_run(s, r, qrels, queries, 0, NULL, NULL, &m, err, sizeof err)) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	printf("  first pass (cold caches): p50 %.2f ms, p99 %.2f ms wall\n", m.ms_p50, m.ms_p99);
	if (eval_run(s, r, qrels, queries, 0, NULL, NULL, &m, err, sizeof err)) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	printf("  query latency (k=10, tickets and docs, one core): p50 %.2f ms, p99 %.2f ms wall; "
	       "CPU p50 %.2f ms, p99 %.2f ms\n",
	       m.ms_p50, m.ms_p99, m.cpu_ms_p50, m.cpu_ms_p99);
	printf("  quality on the synthetic queries: MRR@10 %.3f, Recall@1 %.3f, Recall@10 %.3f\n",
	       m.mrr10, m.r1, m.r10);
	snprintf(path, sizeof path, "%s/bench.db", dir);
	double db = file_mb(path);
	snprintf(path, sizeof path, "%s/bench.db-wal", dir);
	double wal = file_mb(path);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("  database %.0f MB (+ %.0f MB WAL), peak RSS %.0f MB\n", db, wal,
	       (double)ru.ru_maxrss / 1024.0);
	rc = 0;
out:
	store_close(s);
	redactor_free(r);
	if (!keep) {
		snprintf(path, sizeof path, "rm -rf '%s'", dir);
		if (system(path) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
	}
	return rc;
}
