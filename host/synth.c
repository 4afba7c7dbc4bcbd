/*
 * synth.c - the synthetic corpus generator (see synth.h).
 */
#include "precedent/synth.h"
#include "precedent/error.h"
#include "precedent/util.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct rng {
	uint64_t s;
} rng_t;

static uint64_t rnd(rng_t *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545F4914F6CDD1DULL;
}

static size_t below(rng_t *r, size_t n) { return n ? (size_t)(rnd(r) % n) : 0; }

/* Common support prose, most frequent first (drawn Zipf-like). */
static const char *const filler[] = {
    "the", "to", "and", "a", "is", "in", "we", "it", "our", "for", "not", "on", "with", "this",
    "when", "can", "after", "but", "account", "users", "error", "page", "login", "invoice",
    "settings", "email", "customer", "report", "export", "data", "payment", "update", "system",
    "file", "screen", "button", "shows", "since", "again", "still", "working", "works", "team",
    "today", "yesterday", "morning", "problem", "issue", "help", "please", "urgent", "new", "old",
    "version", "app", "mobile", "browser", "change", "changed", "import", "sync", "api", "key",
    "admin", "role", "access", "message", "click", "open", "close", "save", "load", "slow",
    "fails", "failed", "missing", "wrong", "empty", "list", "view", "download", "upload", "link",
    "time", "date", "number", "field", "value", "name", "address", "plan", "billing", "tax",
    "month", "week", "every", "all", "some", "none", "only", "also", "then", "now",
};
#define NFILLER (sizeof filler / sizeof filler[0])

static const char *const syl[] = {"ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "xe", "zu",
				  "bra", "pli", "dro", "fen", "gur", "hal", "jor", "kes", "mun",
				  "nor", "pat", "qui", "ros", "tem", "vax", "wil", "yor", "zen"};
#define NSYL (sizeof syl / sizeof syl[0])

/* The i-th made-up word (distinct for distinct i). */
static void word(size_t i, char *out, size_t outlen)
{
	size_t n = 0;
	i += NSYL * NSYL; /* at least three syllables */
	out[0] = '\0';
	while (i && n + 4 < outlen) {
		n += (size_t)snprintf(out + n, outlen - n, "%s", syl[i % NSYL]);
		i /= NSYL;
	}
}

/* Zipf(1) sampling over n items by inverting the harmonic CDF approximately. */
static size_t zipf(rng_t *r, size_t n)
{
	double u = (double)(rnd(r) >> 11) / 9007199254740992.0;
	double h = log((double)n) + 0.5772;
	size_t k = (size_t)exp(u * h);
	return k >= 1 && k <= n ? k - 1 : below(r, n);
}

#define TOPIC_TERMS 5

typedef struct topic {
	size_t rare[TOPIC_TERMS];
	size_t domain[2];
	int code; /* error code or -1 */
} topic_t;

static void put_filler(buf_t *b, rng_t *r)
{
	buf_puts(b, filler[zipf(r, NFILLER)]);
}

static void put_word(buf_t *b, size_t i)
{
	char w[40];
	word(i, w, sizeof w);
	buf_puts(b, w);
}

static void put_topic_word(buf_t *b, rng_t *r, const topic_t *t)
{
	size_t k = below(r, TOPIC_TERMS + 3);
	if (k < TOPIC_TERMS)
		put_word(b, t->rare[k]);
	else if (k < TOPIC_TERMS + 2)
		put_word(b, t->domain[k - TOPIC_TERMS]);
	else if (t->code >= 0)
		buf_printf(b, "E-%04d", t->code);
	else
		put_word(b, t->rare[0]);
}

/* n words, a share topical (per mille), JSON-safe (no quotes or backslashes). */
static void sentence(buf_t *b, rng_t *r, const topic_t *t, size_t n, unsigned topical)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_putc(b, i % 12 == 11 ? '.' : ' ');
		if (i % 12 == 11)
			buf_putc(b, ' ');
		if (below(r, 1000) < topical)
			put_topic_word(b, r, t);
		else
			put_filler(b, r);
	}
	buf_putc(b, '.');
}

static void make_topics(topic_t *tp, size_t nt, rng_t *r, size_t vocab, size_t ndomain)
{
	for (size_t i = 0; i < nt; i++) {
		for (int k = 0; k < TOPIC_TERMS; k++)
			tp[i].rare[k] = ndomain + below(r, vocab);
		tp[i].domain[0] = below(r, ndomain);
		tp[i].domain[1] = below(r, ndomain);
		tp[i].code = below(r, 10) < 3 ? (int)below(r, 10000) : -1;
	}
}

/* A ticket's own detail word, so a query can name one ticket. */
static size_t detail_of(size_t ticket, size_t vocab, size_t ndomain)
{
	return ndomain + vocab + ticket;
}

static const char *const names[] = {"Anna Berg", "Luis Ortega", "Mei Chen", "Tom Hughes",
				    "Priya Nair", "Jonas Weber"};

static void write_ticket(FILE *f, size_t i, const topic_t *t, rng_t *r, size_t vocab,
			 size_t ndomain, buf_t *b)
{
	buf_reset(b);
	buf_printf(b, "{\"id\": \"S-%zu\", \"subject\": \"", i);
	put_word(b, t->rare[0]);
	buf_putc(b, ' ');
	put_filler(b, r);
	buf_putc(b, ' ');
	put_word(b, t->rare[1 + below(r, TOPIC_TERMS - 1)]);
	buf_putc(b, ' ');
	put_word(b, t->domain[0]);
	buf_puts(b, "\", \"status\": \"solved\", \"tags\": [\"");
	put_word(b, t->domain[0]);
	buf_puts(b, "\"], \"messages\": [{\"role\": \"customer\", \"body\": \"Hi team,\\n\\n");
	sentence(b, r, t, 25 + below(r, 40), 250);
	buf_puts(b, " Reference ");
	put_word(b, detail_of(i, vocab, ndomain));
	buf_puts(b, ".\\n\\nBest regards,\\n");
	buf_puts(b, names[below(r, sizeof names / sizeof names[0])]);
	buf_puts(b, "\"}, {\"role\": \"agent\", \"body\": \"");
	sentence(b, r, t, 20 + below(r, 20), 300);
	buf_puts(b, "\"}], \"resolution\": \"");
	sentence(b, r, t, 10 + below(r, 15), 400);
	buf_printf(b,
		   "\", \"resolution_code\": \"config_change\", \"created_at\": "
		   "\"2025-%02zu-%02zuT10:00:00Z\", \"closed_at\": \"2025-%02zu-%02zuT12:00:00Z\"}\n",
		   1 + i % 12, 1 + i % 28, 1 + i % 12, 1 + i % 28);
	fwrite(b->data, 1, b->len, f);
}

int synth_write(const synth_config_t *c, const char *dir, char *err, size_t errlen)
{
	rng_t r = {0x9E3779B97F4A7C15ULL ^ ((uint64_t)c->seed * 0xBF58476D1CE4E5B9ULL)};
	size_t nt = c->tickets / 40 > 200 ? c->tickets / 40 : 200;
	size_t vocab = nt * 3 + 1000, ndomain = 400;
	topic_t *tp = xcalloc(nt, sizeof *tp);
	size_t *topic_of = xcalloc(c->tickets ? c->tickets : 1, sizeof *topic_of);
	buf_t path, b;
	FILE *f = NULL;
	int rc = 0;
	buf_init(&path, 0);
	buf_init(&b, 0);
	rnd(&r);
	make_topics(tp, nt, &r, vocab, ndomain);
	if (mkdir_p(dir) != 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		rc = PRECEDENT_EIO;
		goto out;
	}
	buf_printf(&path, "%s/tickets.jsonl", dir);
	if (!(f = fopen(buf_cstr(&path), "w")))
		goto ioerr;
	for (size_t i = 0; i < c->tickets; i++) {
		topic_of[i] = zipf(&r, nt);
		write_ticket(f, i, &tp[topic_of[i]], &r, vocab, ndomain, &b);
	}
	if (fclose(f) != 0) {
		f = NULL;
		goto ioerr;
	}
	f = NULL;
	/* Docs: pages of five sections, one topic each. */
	buf_reset(&path);
	buf_printf(&path, "%s/docs", dir);
	if (mkdir_p(buf_cstr(&path)) != 0)
		goto ioerr;
	for (size_t p = 0; p * 5 < c->sections; p++) {
		buf_reset(&path);
		buf_printf(&path, "%s/docs/page-%zu.md", dir, p);
		if (!(f = fopen(buf_cstr(&path), "w")))
			goto ioerr;
		buf_reset(&b);
		buf_printf(&b, "# Guide %zu\n\n", p);
		for (size_t s = 0; s < 5 && p * 5 + s < c->sections; s++) {
			const topic_t *t = &tp[below(&r, nt)];
			buf_puts(&b, "## ");
			put_word(&b, t->rare[0]);
			buf_putc(&b, ' ');
			put_word(&b, t->domain[0]);
			buf_printf(&b, " %zu\n\n", s);
			sentence(&b, &r, t, 40 + below(&r, 40), 300);
			buf_puts(&b, "\n\n");
		}
		fwrite(b.data, 1, b.len, f);
		if (fclose(f) != 0) {
			f = NULL;
			goto ioerr;
		}
		f = NULL;
	}
	/* Queries: a paraphrase of one ticket, naming its detail. */
	FILE *q = NULL, *qr = NULL;
	buf_reset(&path);
	buf_printf(&path, "%s/queries.jsonl", dir);
	q = fopen(buf_cstr(&path), "w");
	buf_reset(&path);
	buf_printf(&path, "%s/qrels.tsv", dir);
	qr = fopen(buf_cstr(&path), "w");
	if (!q || !qr) {
		if (q)
			fclose(q);
		if (qr)
			fclose(qr);
		goto ioerr;
	}
	for (size_t k = 0; k < c->queries && c->tickets; k++) {
		size_t i = below(&r, c->tickets);
		const topic_t *t = &tp[topic_of[i]];
		buf_reset(&b);
		buf_printf(&b, "{\"id\": \"SQ-%zu\", \"subject\": \"", k);
		put_word(&b, t->rare[below(&r, TOPIC_TERMS)]);
		buf_putc(&b, ' ');
		put_filler(&b, &r);
		buf_putc(&b, ' ');
		put_word(&b, t->domain[1]);
		buf_puts(&b, "\", \"messages\": [{\"role\": \"customer\", \"body\": \"Hello,\\n\\n");
		sentence(&b, &r, t, 15 + below(&r, 25), 250);
		buf_puts(&b, " About ");
		put_word(&b, detail_of(i, vocab, ndomain));
		buf_puts(&b, ".\\n\\nThanks,\\nPat\"}]}\n");
		fwrite(b.data, 1, b.len, q);
		fprintf(qr, "SQ-%zu\tS-%zu\t1\n", k, i);
	}
	int close_q = fclose(q), close_qr = fclose(qr); /* both files, whatever the first says */
	if (close_q != 0 || close_qr != 0)
		goto ioerr;
	goto out;
ioerr:
	snprintf(err, errlen, "%s: %s", buf_cstr(&path), strerror(errno));
	rc = PRECEDENT_EIO;
	if (f)
		fclose(f);
out:
	free(tp);
	free(topic_of);
	buf_release(&path);
	buf_release(&b);
	return rc;
}

int synth_main(int argc, char **argv)
{
	synth_config_t c = {.tickets = 10000, .sections = 1000, .queries = 500, .seed = 1};
	const char *dir = NULL;
	char err[512];
	for (int i = 1; i < argc; i++) {
		if (i + 1 < argc && !strcmp(argv[i], "--tickets"))
			c.tickets = strtoul(argv[++i], NULL, 10);
		else if (i + 1 < argc && !strcmp(argv[i], "--sections"))
			c.sections = strtoul(argv[++i], NULL, 10);
		else if (i + 1 < argc && !strcmp(argv[i], "--queries"))
			c.queries = strtoul(argv[++i], NULL, 10);
		else if (i + 1 < argc && !strcmp(argv[i], "--seed"))
			c.seed = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (argv[i][0] != '-' && !dir)
			dir = argv[i];
		else
			dir = NULL, i = argc;
	}
	if (!dir) {
		fprintf(stderr, "precedent-host: usage: synth [--tickets N] [--sections N] "
				"[--queries N] [--seed S] DIR\n");
		return 2;
	}
	if (synth_write(&c, dir, err, sizeof err) != 0) {
		fprintf(stderr, "precedent-host: %s\n", err);
		return 1;
	}
	fprintf(stderr, "%s: %zu tickets, %zu doc sections, %zu queries with qrels\n", dir,
		c.tickets, c.sections, c.queries);
	return 0;
}
