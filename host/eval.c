/*
 * eval.c - retrieval evaluation (see eval.h). The queries go through the same
 * path as a real ticket: parse, redact, retrieve.
 */
#include "precedent/eval.h"
#include "precedent/app.h"
#include "precedent/error.h"
#include "precedent/limits.h"
#include "precedent/ticket.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct judged {
	char *qid;
	char **gold;
	size_t ngold;
	int seen;
} judged_t;

typedef struct qrels {
	judged_t *v;
	size_t n, alloc;
} qrels_t;

static judged_t *qrels_find(qrels_t *q, const char *id)
{
	for (size_t i = 0; i < q->n; i++)
		if (strcmp(q->v[i].qid, id) == 0)
			return &q->v[i];
	return NULL;
}

static void qrels_free(qrels_t *q)
{
	for (size_t i = 0; i < q->n; i++) {
		for (size_t j = 0; j < q->v[i].ngold; j++)
			free(q->v[i].gold[j]);
		free(q->v[i].gold);
		free(q->v[i].qid);
	}
	free(q->v);
}

static int qrels_load(const char *path, qrels_t *q, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	long lineno = 0;
	ssize_t n;
	int rc = 0;
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return PRECEDENT_EIO;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		char *t1 = strchr(line, '\t');
		char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		if (!t1 || t1 == line || (t2 && t2 == t1 + 1) || (!t2 && !t1[1])) {
			snprintf(err, errlen, "%s:%ld: expected query_id<TAB>gold_id<TAB>relevance", path,
				 lineno);
			rc = PRECEDENT_EINVAL;
			goto out;
		}
		*t1 = '\0';
		if (t2) {
			*t2 = '\0';
			if (atof(t2 + 1) <= 0)
				continue; /* judged not relevant */
		}
		judged_t *j = qrels_find(q, line);
		if (!j) {
			if (q->n == q->alloc) {
				q->alloc = q->alloc ? q->alloc * 2 : 64;
				q->v = xrealloc(q->v, q->alloc * sizeof *q->v);
			}
			j = &q->v[q->n++];
			memset(j, 0, sizeof *j);
			j->qid = xstrdup(line);
		}
		j->gold = xrealloc(j->gold, (j->ngold + 1) * sizeof *j->gold);
		j->gold[j->ngold++] = xstrdup(t1 + 1);
	}
out:
	free(line);
	fclose(f);
	return rc;
}

static int is_gold(const judged_t *j, const char *id, const char *anchor)
{
	for (size_t i = 0; i < j->ngold; i++) {
		const char *g = j->gold[i];
		if (strcmp(g, id) == 0)
			return 1;
		/* path#anchor names one section */
		const char *hash = anchor ? strchr(g, '#') : NULL;
		if (hash && (size_t)(hash - g) == strlen(id) && !strncmp(g, id, (size_t)(hash - g)) &&
		    !strcmp(hash + 1, anchor))
			return 1;
	}
	return 0;
}

static double cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int eval_run(store_t *s, const redactor_t *r, const char *qrels_path, const char *queries_path,
	     int subject_only, const retrieve_options_t *opt, FILE *per_query, eval_metrics_t *m,
	     char *err, size_t errlen)
{
	qrels_t q = {0};
	FILE *f = NULL;
	char *line = NULL;
	size_t cap = 0;
	long lineno = 0;
	ssize_t n;
	double *lat = NULL, *cpu = NULL;
	size_t nlat = 0, alat = 0;
	int rc;
	memset(m, 0, sizeof *m);
	if ((rc = qrels_load(qrels_path, &q, err, errlen)))
		goto out;
	if (!(f = fopen(queries_path, "r"))) {
		snprintf(err, errlen, "%s: %s", queries_path, strerror(errno));
		rc = PRECEDENT_EIO;
		goto out;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		char why[256];
		ticket_t t;
		lineno++;
		if (n <= 1)
			continue;
		cJSON *j = utf8_valid(line, (size_t)n) ? cJSON_ParseWithLength(line, (size_t)n) : NULL;
		if (!j || ticket_from_json(j, &t, why, sizeof why) != 0) {
			snprintf(err, errlen, "%s:%ld: %s", queries_path, lineno,
				 j ? why : "not valid UTF-8 JSON");
			cJSON_Delete(j);
			rc = PRECEDENT_EINVAL;
			goto out;
		}
		cJSON_Delete(j);
		judged_t *jd = qrels_find(&q, t.id);
		if (!jd || jd->seen) {
			ticket_release(&t);
			continue;
		}
		jd->seen = 1;
		redact_map_t *map = redact_map_new();
		buf_t problem;
		retrieve_result_t res;
		buf_init(&problem, 0);
		rc = ticket_redact(&t, r, map);
		if (!rc && !subject_only)
			ticket_problem_text(&t, &problem);
		double t0 = now_ms(), c0 = cpu_ms();
		if (!rc)
			rc = retrieve_search_opts(s, t.subject, subject_only ? NULL : buf_cstr(&problem),
						  10, opt, &res);
		double dt = now_ms() - t0, dc = cpu_ms() - c0;
		buf_release(&problem);
		redact_map_free(map);
		if (rc) {
			snprintf(err, errlen, "%s:%ld: search failed: %s", queries_path, lineno,
				 precedent_strerror(rc));
			ticket_release(&t);
			goto out;
		}
		if (nlat == alat) {
			alat = alat ? alat * 2 : 256;
			lat = xrealloc(lat, alat * sizeof *lat);
			cpu = xrealloc(cpu, alat * sizeof *cpu);
		}
		cpu[nlat] = dc;
		lat[nlat++] = dt;
		/* The ranked list: tickets when a judgement names a ticket hit, else docs;
		 * a query judged on both kinds is scored on tickets then docs. */
		int first = 0, nrel = 0;
		double dcg = 0;
		size_t rank = 0;
		for (size_t i = 0; i < res.ntickets && rank < 10; i++, rank++)
			if (is_gold(jd, res.tickets[i].id, NULL)) {
				nrel++;
				dcg += 1.0 / log2((double)rank + 2);
				if (!first)
					first = (int)rank + 1;
			}
		if (!first && nrel == 0) {
			rank = 0;
			for (size_t i = 0; i < res.ndocs && rank < 10; i++, rank++) {
				/* A document judged by path counts once, not once per section. */
				int again = 0;
				for (size_t pj = 0; pj < i && !again; pj++)
					again = strcmp(res.docs[pj].path, res.docs[i].path) == 0 &&
						is_gold(jd, res.docs[pj].path, res.docs[pj].anchor);
				if (!again && (size_t)nrel < jd->ngold &&
				    is_gold(jd, res.docs[i].path, res.docs[i].anchor)) {
					nrel++;
					dcg += 1.0 / log2((double)rank + 2);
					if (!first)
						first = (int)rank + 1;
				}
			}
		}
		double idcg = 0;
		for (size_t i = 0; i < jd->ngold && i < 10; i++)
			idcg += 1.0 / log2((double)i + 2);
		m->queries++;
		m->r1 += first == 1;
		m->r5 += first >= 1 && first <= 5;
		m->r10 += first >= 1 && first <= 10;
		m->mrr10 += first ? 1.0 / first : 0;
		m->ndcg10 += idcg > 0 ? dcg / idcg : 0;
		m->mean_confidence += res.confidence;
		if (per_query)
			fprintf(per_query, "%s\t%d\t%.3f\t%s\n", t.id, first, res.confidence,
				res.ntickets ? res.tickets[0].id : (res.ndocs ? res.docs[0].path : "-"));
		retrieve_result_release(&res);
		ticket_release(&t);
	}
	for (size_t i = 0; i < q.n; i++)
		if (!q.v[i].seen)
			m->missing++;
	if (m->queries) {
		double nq = (double)m->queries;
		m->r1 /= nq;
		m->r5 /= nq;
		m->r10 /= nq;
		m->mrr10 /= nq;
		m->ndcg10 /= nq;
		m->mean_confidence /= nq;
		qsort(lat, nlat, sizeof *lat, cmp_double);
		m->ms_p50 = lat[nlat / 2];
		m->ms_p99 = lat[(size_t)((double)(nlat - 1) * 0.99)];
		qsort(cpu, nlat, sizeof *cpu, cmp_double);
		m->cpu_ms_p50 = cpu[nlat / 2];
		m->cpu_ms_p99 = cpu[(size_t)((double)(nlat - 1) * 0.99)];
	}
	rc = 0;
out:
	free(lat);
	free(cpu);
	free(line);
	if (f)
		fclose(f);
	qrels_free(&q);
	return rc;
}

void eval_print(const eval_metrics_t *m, int json, FILE *out)
{
	if (json) {
		fprintf(out,
			"{\"queries\": %ld, \"missing\": %ld, \"recall@1\": %.4f, \"recall@5\": %.4f, "
			"\"recall@10\": %.4f, \"mrr@10\": %.4f, \"ndcg@10\": %.4f, "
			"\"mean_confidence\": %.4f, \"ms_p50\": %.3f, \"ms_p99\": %.3f, "
			"\"cpu_ms_p50\": %.3f, \"cpu_ms_p99\": %.3f}\n",
			m->queries, m->missing, m->r1, m->r5, m->r10, m->mrr10, m->ndcg10,
			m->mean_confidence, m->ms_p50, m->ms_p99, m->cpu_ms_p50, m->cpu_ms_p99);
		return;
	}
	fprintf(out, "queries    %ld%s\n", m->queries, m->missing ? " (some judged queries missing)" : "");
	if (m->missing)
		fprintf(out, "missing    %ld\n", m->missing);
	fprintf(out, "Recall@1   %.3f\nRecall@5   %.3f\nRecall@10  %.3f\nMRR@10     %.3f\n"
		     "nDCG@10    %.3f\nconfidence %.3f (mean)\nlatency    p50 %.2f ms, p99 %.2f ms "
		     "(CPU p50 %.2f ms, p99 %.2f ms)\n",
		m->r1, m->r5, m->r10, m->mrr10, m->ndcg10, m->mean_confidence, m->ms_p50, m->ms_p99,
		m->cpu_ms_p50, m->cpu_ms_p99);
}

int eval_main(const char *db, int argc, char **argv)
{
	const char *qrels = NULL, *queries = NULL;
	int json = 0, subject_only = 0, per = 0, status = 1;
	retrieve_options_t opt = {0};
	buf_t qpath;
	app_t app;
	char err[1024] = "";
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--qrels") && i + 1 < argc)
			qrels = argv[++i];
		else if (!strcmp(argv[i], "--queries") && i + 1 < argc)
			queries = argv[++i];
		else if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--subject-only"))
			subject_only = 1;
		else if (!strcmp(argv[i], "--per-query"))
			per = 1;
		else if (!strcmp(argv[i], "--feedback"))
			opt.feedback = 1;
		else if (!strcmp(argv[i], "--no-boosts"))
			opt.no_boosts = 1;
		else {
			fprintf(stderr, "precedent-host: usage: eval [--json] [--subject-only] "
					"[--per-query] [--feedback] [--no-boosts] --qrels FILE "
					"[--queries FILE]\n");
			return 2;
		}
	}
	if (!qrels) {
		fprintf(stderr, "precedent-host: eval needs --qrels FILE\n");
		return 2;
	}
	/* Dense re-ranking as the host would do it (off unless configured). */
	if (getenv("PRECEDENT_EMBED_URL") && *getenv("PRECEDENT_EMBED_URL")) {
		opt.embed_url = getenv("PRECEDENT_EMBED_URL");
		opt.embed_model = getenv("PRECEDENT_EMBED_MODEL") ? getenv("PRECEDENT_EMBED_MODEL")
								    : "nomic-embed-text";
		opt.embed_key = getenv("PRECEDENT_EMBED_API_KEY");
	}
	buf_init(&qpath, 0);
	if (!queries) {
		const char *slash = strrchr(qrels, '/');
		if (slash)
			buf_append(&qpath, qrels, (size_t)(slash - qrels + 1));
		buf_puts(&qpath, "queries.jsonl");
		queries = buf_cstr(&qpath);
	}
	if (app_open(&app, db, 0, err, sizeof err) != 0) {
		fprintf(stderr, "precedent-host: %s\n", err);
		buf_release(&qpath);
		return 1;
	}
	if (app_need_store(&app, err, sizeof err) == 0) {
		eval_metrics_t m;
		if (eval_run(app.store, app.redactor, qrels, queries, subject_only, &opt,
			     per ? stdout : NULL, &m, err, sizeof err) == 0) {
			eval_print(&m, json, stdout);
			status = m.queries > 0 ? 0 : 1;
			if (!m.queries)
				fprintf(stderr, "precedent-host: no judged query found in %s\n", queries);
		}
	}
	if (err[0])
		fprintf(stderr, "precedent-host: %s\n", err);
	app_close(&app);
	buf_release(&qpath);
	return status;
}
