/*
 * draft.c - the offline extractive drafter.
 *
 * The draft is built only from what retrieval found: the best precedent's
 * recorded resolution and the best doc section's steps, each cited. Nothing is
 * invented: when precedent is weak the draft acknowledges the ticket, promises
 * nothing specific, and carries a weak_precedent flag for the agent.
 */
#include "precedent/draft.h"
#include "precedent/error.h"
#include "precedent/limits.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RESOLUTION_SENTENCES 3
#define MAX_DOC_STEPS 6
/* A doc section is used when it covers at least this share of the best coverage. */
#define DOC_MIN_RELATIVE 0.5
/* Doc sections considered for steps, best first. */
#define DOC_CANDIDATES 3

void draft_flag(cJSON *flags, const char *kind, const char *message)
{
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "kind", kind);
	cJSON_AddStringToObject(f, "message", message);
	cJSON_AddItemToArray(flags, f);
}

cJSON *draft_ticket_citation(const retrieve_ticket_hit_t *h)
{
	cJSON *c = cJSON_CreateObject();
	char ref[300];
	snprintf(ref, sizeof ref, "[#%s]", h->id);
	cJSON_AddStringToObject(c, "ref", ref);
	cJSON_AddStringToObject(c, "kind", "ticket");
	cJSON_AddStringToObject(c, "id", h->id);
	cJSON_AddStringToObject(c, "title", h->subject);
	cJSON_AddStringToObject(c, "snippet", h->snippet);
	if (h->closed_at && *h->closed_at)
		cJSON_AddStringToObject(c, "closed_at", h->closed_at);
	if (h->resolution_code && *h->resolution_code)
		cJSON_AddStringToObject(c, "resolution_code", h->resolution_code);
	if (h->source && strcmp(h->source, "import") != 0)
		cJSON_AddStringToObject(c, "source", h->source);
	return c;
}

cJSON *draft_doc_citation(const retrieve_doc_hit_t *h)
{
	cJSON *c = cJSON_CreateObject();
	buf_t ref, id;
	buf_init(&ref, 0);
	buf_init(&id, 0);
	buf_printf(&id, "%s#%s", h->path, h->anchor);
	buf_printf(&ref, "[doc: %s]", buf_cstr(&id));
	cJSON_AddStringToObject(c, "ref", buf_cstr(&ref));
	cJSON_AddStringToObject(c, "kind", "doc");
	cJSON_AddStringToObject(c, "id", buf_cstr(&id));
	cJSON_AddStringToObject(c, "title", h->heading_path);
	cJSON_AddStringToObject(c, "snippet", h->snippet);
	cJSON_AddStringToObject(c, "path", h->path);
	cJSON_AddStringToObject(c, "anchor", h->anchor);
	buf_release(&ref);
	buf_release(&id);
	return c;
}

int draft_has_placeholder(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '[')
			continue;
		size_t j = i + 1;
		while (j < n && (isupper((unsigned char)s[j]) || s[j] == '_'))
			j++;
		if (j == i + 1 || j >= n)
			continue;
		if (s[j] == ']')
			return 1; /* [NAME] */
		if (s[j - 1] == '_' && j < n && isdigit((unsigned char)s[j])) {
			while (j < n && isdigit((unsigned char)s[j]))
				j++;
			if (j < n && s[j] == ']')
				return 1;
		}
	}
	return 0;
}

/* Next sentence of s from *pos: returns its start and length (trimmed), 0 at the end. */
static size_t next_sentence(const char *s, size_t *pos, const char **start)
{
	size_t i = *pos, n = strlen(s);
	while (i < n && isspace((unsigned char)s[i]))
		i++;
	if (i >= n) {
		*pos = n;
		return 0;
	}
	size_t b = i;
	while (i < n) {
		char c = s[i];
		if (c == '\n')
			break;
		if ((c == '.' || c == '!' || c == '?') &&
		    (i + 1 == n || isspace((unsigned char)s[i + 1]))) {
			i++;
			break;
		}
		i++;
	}
	*pos = i;
	*start = s + b;
	size_t len = i - b;
	while (len && isspace((unsigned char)s[b + len - 1]))
		len--;
	return len;
}

/* Appends sentence + " " + ref, moving the citation inside the final punctuation:
 * "Do X [#12]." */
static void put_cited(buf_t *out, const char *s, size_t n, const char *ref)
{
	char last = n ? s[n - 1] : '\0';
	if (last == '.' || last == '!' || last == '?') {
		buf_append(out, s, n - 1);
		buf_printf(out, " %s%c", ref, last);
	} else {
		buf_append(out, s, n);
		buf_printf(out, " %s.", ref);
	}
}

static int is_step_line(const char *l, size_t n)
{
	size_t i = 0;
	while (i < n && l[i] == ' ')
		i++;
	if (i + 1 < n && (l[i] == '-' || l[i] == '*') && l[i + 1] == ' ')
		return 1;
	size_t d = i;
	while (d < n && isdigit((unsigned char)l[d]))
		d++;
	return d > i && d + 1 < n && (l[d] == '.' || l[d] == ')') && l[d + 1] == ' ';
}

/* Steps from a doc section body: its list items (numbered or bulleted), or its
 * first two sentences. Appends to out; returns how many were used. */
static int put_doc_steps(buf_t *out, const char *body, const char *ref, int prose_ok)
{
	const char *p = body;
	int steps = 0;
	buf_t list;
	buf_init(&list, 0);
	while (*p && steps < MAX_DOC_STEPS) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (is_step_line(p, n) && !draft_has_placeholder(p, n)) {
			const char *q = p;
			size_t m = n;
			while (m && (*q == ' ' || *q == '-' || *q == '*' || isdigit((unsigned char)*q) ||
				     *q == '.' || *q == ')')) {
				q++;
				m--;
			}
			if (m) {
				steps++;
				buf_printf(&list, "%d. %.*s\n", steps, (int)m, q);
			}
		}
		p += n + (nl ? 1 : 0);
	}
	if (steps >= 2) {
		buf_printf(out, "Here are the steps from our documentation %s:\n", ref);
		buf_append(out, list.data, list.len);
	} else if (!prose_ok) {
		steps = 0;
	} else {
		size_t pos = 0;
		const char *s;
		size_t n;
		int used = 0;
		steps = 0;
		while (used < 2 && (n = next_sentence(body, &pos, &s)) > 0) {
			/* Skip headings, tables, code and lead-ins to a list we are not quoting. */
			if (n < 20 || draft_has_placeholder(s, n) || s[0] == '#' || s[0] == '|' ||
			    s[0] == '`' || s[n - 1] == ':')
				continue;
			if (used)
				buf_putc(out, ' ');
			if (used == 1)
				put_cited(out, s, n, ref);
			else
				buf_append(out, s, n);
			used++;
		}
		if (used == 1) {
			buf_printf(out, " %s", ref);
		}
		if (used)
			buf_putc(out, '\n');
		steps = used;
	}
	buf_release(&list);
	return steps;
}

/* Markdown bold/italic markers from doc text read as noise in a reply. */
static void strip_emphasis(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (r[0] == '*' && r[1] == '*') {
			r++;
			continue;
		}
		*w++ = *r;
	}
	*w = '\0';
}

int draft_offline(const ticket_t *t, const retrieve_result_t *res, double gap_threshold,
		  draft_t *out)
{
	buf_t b;
	char msg[512];
	memset(out, 0, sizeof *out);
	out->citations = cJSON_CreateArray();
	out->flags = cJSON_CreateArray();
	out->confidence = res->confidence;
	out->weak = res->confidence < gap_threshold;
	buf_init(&b, DRAFT_CAP);

	if (t->customer_name && *t->customer_name)
		buf_printf(&b, "Hi %s,\n\n", t->customer_name);
	else
		buf_puts(&b, "Hi,\n\n");

	const retrieve_ticket_hit_t *best = res->ntickets ? &res->tickets[0] : NULL;
	const retrieve_doc_hit_t *doc = NULL;

	if (out->weak) {
		buf_puts(&b, "Thank you for the detailed report. I'm looking into this now and will "
			     "get back to you with specific next steps as soon as I have them.\n");
		snprintf(msg, sizeof msg,
			 "Weak precedent (confidence %.2f, threshold %.2f): no resolved ticket or doc "
			 "section covers this ticket well, so the draft gives no specific advice. "
			 "Check the nearest matches before answering.",
			 res->confidence, gap_threshold);
		draft_flag(out->flags, "weak_precedent", msg);
	} else {
		int used_ticket = 0, used_doc = 0;
		buf_puts(&b, "Thanks for reaching out. ");
		if (best && best->coverage >= gap_threshold && best->resolution &&
		    *best->resolution) {
			char ref[300];
			size_t pos = 0, n;
			const char *s;
			int k = 0;
			snprintf(ref, sizeof ref, "[#%s]", best->id);
			buf_puts(&b, "We have resolved this same issue before.\n\n");
			while (k < MAX_RESOLUTION_SENTENCES &&
			       (n = next_sentence(best->resolution, &pos, &s)) > 0) {
				if (draft_has_placeholder(s, n))
					continue;
				if (k)
					buf_putc(&b, ' ');
				/* Cite the first and the last sentence used. */
				if (k == 0)
					put_cited(&b, s, n, ref);
				else
					buf_append(&b, s, n);
				k++;
			}
			if (k) {
				buf_puts(&b, "\n");
				used_ticket = 1;
				cJSON_AddItemToArray(out->citations, draft_ticket_citation(best));
				if (best->resolution_code &&
				    (!strcmp(best->resolution_code, "workaround") ||
				     !strcmp(best->resolution_code, "known_issue"))) {
					snprintf(msg, sizeof msg,
						 "The precedent [#%s] was resolved as %s: check whether a "
						 "permanent fix has shipped since.",
						 best->id, best->resolution_code);
					draft_flag(out->flags, "workaround_precedent", msg);
				}
			}
		}
		/* The best of the first few doc sections that covers the ticket and lists
		 * steps, else the best one's own sentences: a chapter found through its
		 * subsections has few words of its own. */
		for (size_t k = 0; k < 2 * DOC_CANDIDATES && !used_doc; k++) {
			size_t di = k % DOC_CANDIDATES;
			int prose_ok = k >= DOC_CANDIDATES;
			if (di >= res->ndocs)
				continue;
			doc = &res->docs[di];
			if (best && doc->coverage < DOC_MIN_RELATIVE * res->confidence)
				continue;
			buf_t ref, steps;
			buf_init(&ref, 0);
			buf_init(&steps, 0);
			buf_printf(&ref, "[doc: %s#%s]", doc->path, doc->anchor);
			if (put_doc_steps(&steps, doc->body, buf_cstr(&ref), prose_ok) > 0) {
				if (used_ticket)
					buf_putc(&b, '\n');
				buf_append(&b, steps.data, steps.len);
				used_doc = 1;
				cJSON_AddItemToArray(out->citations, draft_doc_citation(doc));
			}
			buf_release(&ref);
			buf_release(&steps);
		}
		if (!used_ticket && !used_doc) {
			buf_puts(&b, "I'm looking into this now and will get back to you with specific "
				     "next steps.\n");
			draft_flag(out->flags, "no_usable_precedent",
				   "The closest precedent had no recorded resolution or steps to "
				   "reuse; the draft gives no specific advice.");
		}
		buf_puts(&b, "\nIf this doesn't resolve it, reply with what you see and I'll dig in "
			     "further.\n");
	}
	buf_puts(&b, "\nBest regards,\n");
	if (b.rc) {
		buf_release(&b);
		draft_release(out);
		return PRECEDENT_ETOOBIG;
	}
	out->text = buf_steal(&b);
	strip_emphasis(out->text);
	return 0;
}

void draft_release(draft_t *d)
{
	free(d->text);
	cJSON_Delete(d->citations);
	cJSON_Delete(d->flags);
	memset(d, 0, sizeof *d);
}
