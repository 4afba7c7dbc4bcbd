/*
 * bench_redact.c - redaction throughput on ticket-like text, and per-type recall and
 * precision on the labelled PII cases (../shared/data/pii/cases.jsonl) when present.
 *
 * Throughput: a few MB of generated support-ticket prose (a fixed seed, so runs
 * compare) with PII and look-alikes sprinkled in, redacted one ticket at a time
 * with a fresh map per ticket, as ingest does; one core, the full detector set.
 */
#include "precedent/redact.h"
#include "precedent/util.h"

#include <cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_BYTES (4u * 1024u * 1024u)
#define BENCH_MIN_MS 1500.0

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static const char *const prose[] = {
    "Hi team, since this morning the dashboard keeps timing out when we open the reports tab. ",
    "We already cleared the cache and tried a different browser but nothing changed. ",
    "After the upgrade to 4.12.3 the sync job fails with error E1042 on about a third of the "
    "records. ",
    "Could you please check whether the webhook is still configured on your side? ",
    "The export finished but the CSV file only has the header row. ",
    "Our finance team needs the invoice for last month re-issued with the new VAT number. ",
    "I attached the log from 2024-03-06 13:52:58.999, the relevant lines are near the end. ",
    "Thanks for the quick reply yesterday, the workaround helped for a while. ",
    "Order ORD-51554798 never arrived and the tracking page shows no update since Monday. ",
    "We were billed $37,833.59 instead of the quoted price of $31,868.43. ",
    "The batch id 14add2d7bc4d shows up twice in the audit trail. ",
    "Is there a way to bulk-assign tickets to a group without the API? ",
    "Same as ticket #692554 last month, the SSO login loops back to the start page. ",
    "Die Synchronisierung schlägt seit gestern fehl, bitte um Rückmeldung. ",
    "同步任务从昨天开始失败，请尽快处理。 ",
    "We are on build v1.14.11.172 of the agent on Windows and 2.18.5 on macOS. ",
    "Container 7aaeb26c57d2 restarted at 02:54:20 and the queue drained afterwards. ",
    "Everything works fine in staging 🙂 but production shows the error. ",
    "\n\n",
};

static const char *const firsts[] = {"maria",  "j.smith", "noah_b",    "li.wei",
				     "fatima", "sven",	  "anna-lena", "raj.patel"};
static const char *const domains[] = {"acme-logistics.com", "fjord.no", "mail.co.uk", "example.org",
				      "kundenservice.de"};

static void luhn_fix(char *d, size_t n)
{
	int sum = 0;
	for (size_t i = 0; i + 1 < n; i++) {
		int v = d[n - 2 - i] - '0';
		if (!(i & 1)) {
			v *= 2;
			if (v > 9)
				v -= 9;
		}
		sum += v;
	}
	d[n - 1] = (char)('0' + (10 - sum % 10) % 10);
}

static void put_pii(buf_t *b)
{
	char d[32];
	switch (rnd(9)) {
	case 0:
		buf_printf(b, "Please reply to %s%u@%s instead. ", firsts[rnd(8)], rnd(100),
			   domains[rnd(5)]);
		break;
	case 1:
		snprintf(d, sizeof d, "4%015u", rnd(1000000000));
		luhn_fix(d, 16);
		buf_printf(b, "I updated the card to %.4s %.4s %.4s %.4s yesterday. ", d, d + 4,
			   d + 8, d + 12);
		break;
	case 2:
		buf_printf(b, "You can call me on +1 (%u) %u-%04u after 3pm. ", 200 + rnd(700),
			   200 + rnd(700), rnd(10000));
		break;
	case 3:
		buf_printf(b, "Our egress IP is %u.%u.%u.%u now. ", 1 + rnd(220), rnd(256),
			   rnd(256), rnd(256));
		break;
	case 4:
		buf_printf(b, "For the W-9 the SSN is %03u-%02u-%04u. ", 1 + rnd(660), 1 + rnd(98),
			   1 + rnd(9998));
		break;
	case 5:
		buf_puts(b, "Please refund to IBAN DE89 3704 0044 0532 0130 00 as agreed. ");
		break;
	case 6:
		buf_printf(b, "Here is the key we use: AKIA%016u (please don't share). ",
			   rnd(1000000000));
		break;
	case 7:
		buf_printf(b, "Tel. +44 20 %04u %04u ", rnd(10000), rnd(10000));
		break;
	default:
		buf_printf(b, "The callback is https://api.example.com/cb?user=7&token=%08x%08x ",
			   rnd(1u << 31), rnd(1u << 31));
		break;
	}
}

/* Tickets of 0.5-3 KB; offsets[i] is where ticket i starts. */
static char *make_corpus(size_t want, size_t **offsets, size_t *nt, size_t *len)
{
	buf_t b;
	size_t cap = 1024, n = 0;
	size_t *off = xmalloc(cap * sizeof *off);
	buf_init(&b, 0);
	while (b.len < want) {
		if (n + 1 >= cap)
			off = xrealloc(off, (cap *= 2) * sizeof *off);
		off[n++] = b.len;
		size_t target = b.len + 500 + rnd(2500);
		while (b.len < target) {
			if (rnd(6) == 0)
				put_pii(&b);
			else
				buf_puts(&b, prose[rnd(sizeof prose / sizeof prose[0])]);
		}
	}
	off[n] = b.len;
	*offsets = off;
	*nt = n;
	*len = b.len;
	return buf_steal(&b);
}

/* CPU time of this thread in ms: the figure for "one core", steady on a shared machine. */
static double cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int bench_throughput(const redactor_t *r)
{
	size_t *off, nt, len, spans = 0;
	char *text = make_corpus(BENCH_BYTES, &off, &nt, &len);
	double t0 = now_ms(), c0 = cpu_ms(), el, cpu;
	size_t bytes = 0;
	int rounds = 0;
	do {
		for (size_t i = 0; i < nt; i++) {
			redact_map_t *m = redact_map_new();
			char *out;
			size_t ol;
			if (redact_text(r, m, text + off[i], off[i + 1] - off[i], NULL, &out,
					&ol)) {
				fprintf(stderr, "redact_text failed\n");
				return 1;
			}
			if (rounds == 0)
				spans += redact_map_count(m);
			free(out);
			redact_map_free(m);
		}
		bytes += len;
		rounds++;
		el = now_ms() - t0;
		cpu = cpu_ms() - c0;
	} while (cpu < BENCH_MIN_MS);
	double mb = (double)bytes / (1024.0 * 1024.0);
	printf("redact throughput: %.1f MB/s on one core (CPU time; %.1f MB/s wall clock), %zu "
	       "tickets, %.1f MB, "
	       "%d rounds, %zu placeholders/round, JIT %s\n",
	       mb / (cpu / 1000.0), mb / (el / 1000.0), nt, (double)len / (1024.0 * 1024.0), rounds,
	       spans, redactor_jit(r) ? "on" : "off");
	free(text);
	free(off);
	return 0;
}

/* ------------------------------------------------------------------------- */

typedef struct tstat {
	char type[16];
	unsigned total, found, fp;
} tstat_t;

static tstat_t *stat_for(tstat_t *st, size_t *n, const char *type)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(st[i].type, type))
			return &st[i];
	snprintf(st[*n].type, sizeof st[*n].type, "%s", type);
	return &st[(*n)++];
}

static int bench_cases(const redactor_t *r, const char *path)
{
	char *data;
	size_t dlen;
	tstat_t st[32] = {0};
	size_t nst = 0;
	unsigned ncases = 0, kept = 0, lost = 0;
	if (read_file(path, 64u * 1024u * 1024u, &data, &dlen)) {
		printf("pii cases: %s not found, skipped\n", path);
		return 0;
	}
	for (char *line = data, *nl; line < data + dlen; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(data + dlen - line));
		if (!nl)
			nl = data + dlen;
		*nl = 0;
		cJSON *c = cJSON_Parse(line);
		const cJSON *text = cJSON_GetObjectItemCaseSensitive(c, "text");
		if (!cJSON_IsString(text)) {
			cJSON_Delete(c);
			continue;
		}
		ncases++;
		const char *t = text->valuestring;
		size_t tl = strlen(t), ns, ol;
		redact_span_t *sp;
		char *out;
		redact_map_t *m = redact_map_new();
		if (redact_find(r, t, tl, NULL, &sp, &ns) ||
		    redact_text(r, m, t, tl, NULL, &out, &ol)) {
			fprintf(stderr, "redaction failed on case %u\n", ncases);
			return 1;
		}
		const cJSON *p;
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(c, "pii"))
		{
			const cJSON *ty = cJSON_GetObjectItemCaseSensitive(p, "type");
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, "value");
			if (!cJSON_IsString(ty) || !cJSON_IsString(v) || nst >= 31)
				continue;
			tstat_t *s = stat_for(st, &nst, ty->valuestring);
			s->total++;
			s->found += strstr(out, v->valuestring) == NULL;
		}
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(c, "not_pii"))
		{
			if (!cJSON_IsString(p))
				continue;
			if (strstr(out, p->valuestring)) {
				kept++;
				continue;
			}
			lost++;
			/* charge the false positive to the type of the span that took it */
			const char *hit = strstr(t, p->valuestring);
			size_t hs = hit ? (size_t)(hit - t) : 0, he = hs + strlen(p->valuestring);
			const char *ty = "?";
			for (size_t i = 0; i < ns; i++)
				if (sp[i].start < he && hs < sp[i].end) {
					ty = pii_type_name(sp[i].type);
					break;
				}
			if (nst < 31)
				stat_for(st, &nst, ty)->fp++;
		}
		free(sp);
		free(out);
		redact_map_free(m);
		cJSON_Delete(c);
	}
	free(data);
	printf("pii cases: %u cases from %s\n", ncases, path);
	unsigned tf = 0, tt = 0, tfp = 0;
	for (size_t i = 0; i < nst; i++) {
		tstat_t *s = &st[i];
		double rec = s->total ? (double)s->found / s->total : 1.0;
		double prec = (s->found + s->fp) ? (double)s->found / (s->found + s->fp) : 1.0;
		printf("  %-7s recall %3u/%-3u = %.3f  precision %.3f (%u look-alikes redacted)\n",
		       s->type, s->found, s->total, rec, prec, s->fp);
		tf += s->found;
		tt += s->total;
		tfp += s->fp;
	}
	printf("  overall recall %.3f, precision %.3f (look-alikes kept %u/%u)\n",
	       tt ? (double)tf / tt : 1.0, (tf + tfp) ? (double)tf / (tf + tfp) : 1.0, kept,
	       kept + lost);
	return 0;
}

int main(int argc, char **argv)
{
	redactor_t *r;
	char err[256];
	int rc;
	if (redactor_new(NULL, 0, &r, err, sizeof err)) {
		fprintf(stderr, "redactor_new: %s\n", err);
		return 1;
	}
	rc = bench_throughput(r);
	if (!rc)
		rc = bench_cases(r, argc > 1 ? argv[1] : "../shared/data/pii/cases.jsonl");
	redactor_free(r);
	return rc;
}
