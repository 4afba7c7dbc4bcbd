/*
 * ingest.c - importers for tickets (JSONL), docs (Markdown trees) and customers
 * (CSV). Every text is redacted before it is stored; originals of imported tickets
 * are not kept anywhere (history needs no rehydration).
 */
#include "precedent/ingest.h"
#include "precedent/docstruct.h"
#include "precedent/error.h"
#include "precedent/limits.h"
#include "precedent/ticket.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define BATCH 2000

void ingest_report_init(ingest_report_t *r)
{
	memset(r, 0, sizeof *r);
	buf_init(&r->rejections, 0);
}

void ingest_report_release(ingest_report_t *r) { buf_release(&r->rejections); }

void ingest_reject(ingest_report_t *r, const char *where, long line, const char *reason)
{
	r->rejected++;
	if (r->rejected <= INGEST_MAX_REJECTIONS) {
		if (line > 0)
			buf_printf(&r->rejections, "%s:%ld: %s\n", where, line, reason);
		else
			buf_printf(&r->rejections, "%s: %s\n", where, reason);
	}
}

void ingest_report_print(const ingest_report_t *r, const char *what, FILE *out)
{
	fprintf(out, "%s: imported %ld, updated %ld, skipped %ld (unchanged), rejected %ld\n", what,
		r->imported, r->updated, r->skipped, r->rejected);
	if (r->rejections.len)
		fputs(r->rejections.data, out);
	if (r->rejected > INGEST_MAX_REJECTIONS)
		fprintf(out, "... and %ld more rejected\n", r->rejected - INGEST_MAX_REJECTIONS);
}

void ingest_count(ingest_report_t *r, int outcome)
{
	if (outcome == STORE_INSERTED)
		r->imported++;
	else if (outcome == STORE_UPDATED)
		r->updated++;
	else
		r->skipped++;
}

static int store_fail(store_t *s, const char *what, int rc, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s (%s)", what, precedent_strerror(rc), store_errmsg(s));
	store_rollback(s);
	return rc;
}

/* Redacts and stores one parsed ticket. */
static int import_ticket(store_t *s, const redactor_t *r, ticket_t *t, int *outcome)
{
	redact_map_t *m = redact_map_new();
	buf_t problem, answer, tags;
	char hash[17];
	int rc;
	buf_init(&problem, 0);
	buf_init(&answer, 0);
	buf_init(&tags, 0);
	if ((rc = ticket_redact(t, r, m)))
		goto out;
	ticket_problem_text(t, &problem);
	ticket_answer_text(t, &answer);
	for (size_t i = 0; i < t->ntags; i++) {
		if (i)
			buf_putc(&tags, ' ');
		buf_puts(&tags, t->tags[i]);
	}
	cJSON *j = ticket_to_json(t);
	char *body = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	hash_hex(body, strlen(body), hash);
	store_ticket_t st = {
	    .id = t->id,
	    .subject = t->subject,
	    .problem = buf_cstr(&problem),
	    .resolution = t->resolution ? t->resolution : "",
	    .answer = buf_cstr(&answer),
	    .resolution_code = t->resolution_code,
	    .tags = buf_cstr(&tags),
	    .status = t->status,
	    .created_at = t->created_at,
	    .closed_at = t->closed_at,
	    .body_json = body,
	    .content_hash = hash,
	    .source = "import",
	};
	rc = store_ticket_upsert(s, &st, outcome);
	cJSON_free(body);
out:
	buf_release(&problem);
	buf_release(&answer);
	buf_release(&tags);
	redact_map_free(m);
	return rc;
}

int ingest_store_ticket(store_t *s, const redactor_t *r, const cJSON *ticket, int *outcome,
			char *why, size_t whylen)
{
	ticket_t t;
	int rc;
	*outcome = STORE_SKIPPED;
	if ((rc = ticket_from_json(ticket, &t, why, whylen)))
		return rc;
	rc = import_ticket(s, r, &t, outcome);
	ticket_release(&t);
	return rc;
}

int ingest_tickets_jsonl(store_t *s, const redactor_t *r, const char *path, ingest_report_t *rep,
			 FILE *progress, char *err, size_t errlen)
{
	return ingest_tickets_file(s, r, INGEST_JSONL, path, rep, progress, err, errlen);
}

void ingest_slug(const char *h, size_t len, buf_t *out)
{
	size_t start = out->len;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)h[i];
		if (c >= 0x80)
			buf_putc(out, (char)c); /* keep non-ASCII letters as they are */
		else if (isalnum(c))
			buf_putc(out, (char)tolower(c));
		else if (c == ' ' || c == '-')
			buf_putc(out, '-');
		else if (c == '_')
			buf_putc(out, '_');
	}
	if (out->len == start)
		buf_puts(out, "section");
}

static void trim(const char **s, size_t *n)
{
	while (*n && isspace((unsigned char)**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n && isspace((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

/* A heading line: 1-6 '#', a space, text (trailing #s dropped). */
static int heading_level(const char *line, size_t n, const char **text, size_t *tlen)
{
	int level = 0;
	while ((size_t)level < n && line[level] == '#')
		level++;
	if (level == 0 || level > 6 || ((size_t)level < n && line[level] != ' ' && line[level] != '\t'))
		return 0;
	*text = line + level;
	*tlen = n - (size_t)level;
	while (*tlen && ((*text)[*tlen - 1] == '#' || isspace((unsigned char)(*text)[*tlen - 1])))
		(*tlen)--;
	trim(text, tlen);
	return *tlen ? level : 0;
}

typedef struct {
	ingest_section_t *v;
	size_t n, alloc;
} secvec_t;

static void push_section(secvec_t *sv, buf_t *body, const char *anchor, const char *title,
			 const char *hpath)
{
	const char *b = buf_cstr(body);
	size_t bl = body->len;
	trim(&b, &bl);
	if (bl == 0 && sv->n > 0 && strcmp(anchor, "") == 0)
		return;
	if (sv->n == sv->alloc) {
		sv->alloc = sv->alloc ? sv->alloc * 2 : 8;
		sv->v = xrealloc(sv->v, sv->alloc * sizeof *sv->v);
	}
	ingest_section_t *s = &sv->v[sv->n++];
	s->anchor = xstrdup(anchor);
	s->title = xstrdup(title);
	s->heading_path = xstrdup(hpath);
	s->body = xstrndup(b, bl);
}

static int anchor_taken(const secvec_t *sv, const char *a)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i].anchor, a) == 0)
			return 1;
	return 0;
}

int ingest_split_markdown(const char *text, size_t len, const char *fallback_title,
			  char **doc_title, ingest_section_t **secs, size_t *nsecs)
{
	secvec_t sv = {0};
	buf_t body, anchor, hpath;
	char *stack[7] = {0}; /* heading text per level */
	char *cur_title = NULL;
	int in_fence = 0;
	const char *p = text, *end = text + len;
	buf_init(&body, 0);
	buf_init(&anchor, 0);
	buf_init(&hpath, 0);
	*doc_title = NULL;
	cur_title = xstrdup(fallback_title);
	buf_puts(&hpath, fallback_title);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *ht;
		size_t hl;
		int level;
		if (n >= 3 && (strncmp(p, "```", 3) == 0 || strncmp(p, "~~~", 3) == 0))
			in_fence = !in_fence;
		if (!in_fence && (level = heading_level(p, n, &ht, &hl)) > 0) {
			if (body.len || sv.n == 0 || anchor.len)
				push_section(&sv, &body, buf_cstr(&anchor), cur_title, buf_cstr(&hpath));
			buf_reset(&body);
			if (!*doc_title && level == 1)
				*doc_title = xstrndup(ht, hl);
			free(stack[level]);
			stack[level] = xstrndup(ht, hl);
			for (int l = level + 1; l < 7; l++) {
				free(stack[l]);
				stack[l] = NULL;
			}
			buf_reset(&hpath);
			for (int l = 1; l < 7; l++) {
				if (!stack[l])
					continue;
				if (hpath.len)
					buf_puts(&hpath, " > ");
				buf_puts(&hpath, stack[l]);
			}
			free(cur_title);
			cur_title = xstrndup(ht, hl);
			buf_reset(&anchor);
			ingest_slug(ht, hl, &anchor);
			if (anchor_taken(&sv, buf_cstr(&anchor))) {
				size_t base = anchor.len;
				for (int k = 1;; k++) {
					anchor.len = base;
					buf_printf(&anchor, "-%d", k);
					if (!anchor_taken(&sv, buf_cstr(&anchor)))
						break;
				}
			}
		} else {
			buf_append(&body, p, n);
			buf_putc(&body, '\n');
		}
		p += n + (nl ? 1 : 0);
	}
	push_section(&sv, &body, buf_cstr(&anchor), cur_title, buf_cstr(&hpath));
	/* Drop an empty leading preamble when headings follow. */
	if (sv.n > 1 && sv.v[0].anchor[0] == '\0' && sv.v[0].body[0] == '\0') {
		ingest_sections_free(sv.v, 1);
		memmove(sv.v, sv.v + 1, (sv.n - 1) * sizeof *sv.v);
		sv.n--;
	}
	if (!*doc_title)
		*doc_title = xstrdup(fallback_title);
	for (size_t i = 0; i < sv.n; i++) {
		if (sv.v[i].anchor[0] == '\0') {
			free(sv.v[i].anchor);
			sv.v[i].anchor = xstrdup("top");
		}
	}
	for (int l = 0; l < 7; l++)
		free(stack[l]);
	free(cur_title);
	buf_release(&body);
	buf_release(&anchor);
	buf_release(&hpath);
	*secs = sv.v;
	*nsecs = sv.n;
	return 0;
}

void ingest_sections_free(ingest_section_t *secs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(secs[i].anchor);
		free(secs[i].title);
		free(secs[i].heading_path);
		free(secs[i].body);
	}
}

static int has_suffix(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcasecmp(s + a - b, suf) == 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collects doc files under dir (relative paths, sorted). */
static void collect(const char *root, const char *rel, char ***files, size_t *n, size_t *alloc,
		    int depth)
{
	buf_t full;
	DIR *d;
	struct dirent *e;
	if (depth > 32)
		return;
	buf_init(&full, 0);
	buf_printf(&full, "%s%s%s", root, *rel ? "/" : "", rel);
	d = opendir(buf_cstr(&full));
	if (!d) {
		buf_release(&full);
		return;
	}
	while ((e = readdir(d))) {
		struct stat st;
		buf_t child, path;
		if (e->d_name[0] == '.')
			continue;
		buf_init(&child, 0);
		buf_init(&path, 0);
		buf_printf(&child, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
		buf_printf(&path, "%s/%s", root, buf_cstr(&child));
		if (stat(buf_cstr(&path), &st) == 0) {
			if (S_ISDIR(st.st_mode)) {
				collect(root, buf_cstr(&child), files, n, alloc, depth + 1);
			} else if (S_ISREG(st.st_mode) &&
				   (has_suffix(e->d_name, ".md") || has_suffix(e->d_name, ".markdown") ||
				    has_suffix(e->d_name, ".html") || has_suffix(e->d_name, ".htm") ||
				    has_suffix(e->d_name, ".txt"))) {
				if (*n == *alloc) {
					*alloc = *alloc ? *alloc * 2 : 64;
					*files = xrealloc(*files, *alloc * sizeof **files);
				}
				(*files)[(*n)++] = buf_steal(&child);
			}
		}
		buf_release(&child);
		buf_release(&path);
	}
	closedir(d);
	buf_release(&full);
}

/* ---- HTML and plain text to the Markdown the splitter reads ---------------- */

static int tag_is(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(name, *list))
			return 1;
	return 0;
}

/* Appends code point cp as UTF-8 (invalid ones as U+FFFD). */
static void put_cp(buf_t *out, unsigned long cp)
{
	if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		cp = 0xFFFD;
	if (cp < 0x80) {
		buf_putc(out, (char)cp);
	} else if (cp < 0x800) {
		buf_putc(out, (char)(0xC0 | (cp >> 6)));
		buf_putc(out, (char)(0x80 | (cp & 0x3F)));
	} else if (cp < 0x10000) {
		buf_putc(out, (char)(0xE0 | (cp >> 12)));
		buf_putc(out, (char)(0x80 | ((cp >> 6) & 0x3F)));
		buf_putc(out, (char)(0x80 | (cp & 0x3F)));
	} else {
		buf_putc(out, (char)(0xF0 | (cp >> 18)));
		buf_putc(out, (char)(0x80 | ((cp >> 12) & 0x3F)));
		buf_putc(out, (char)(0x80 | ((cp >> 6) & 0x3F)));
		buf_putc(out, (char)(0x80 | (cp & 0x3F)));
	}
}

/* Decodes the entity at h[i] ('&'); returns the bytes consumed (1: a plain '&'). */
static size_t put_entity(const char *h, size_t i, size_t len, buf_t *out)
{
	static const struct {
		const char *name;
		unsigned long cp;
	} ents[] = {{"amp", '&'},    {"lt", '<'},      {"gt", '>'},      {"quot", '"'},
		    {"apos", '\''},  {"nbsp", ' '},    {"copy", 0xA9},   {"reg", 0xAE},
		    {"hellip", 0x2026}, {"mdash", 0x2014}, {"ndash", 0x2013}, {"rsquo", 0x2019},
		    {"lsquo", 0x2018}, {"rdquo", 0x201D}, {"ldquo", 0x201C}, {"trade", 0x2122},
		    {"euro", 0x20AC}};
	size_t j = i + 1;
	while (j < len && j - i < 12 && h[j] != ';' && (isalnum((unsigned char)h[j]) || h[j] == '#'))
		j++;
	if (j >= len || h[j] != ';' || j == i + 1) {
		buf_putc(out, '&');
		return 1;
	}
	char name[16];
	size_t nl = j - i - 1;
	memcpy(name, h + i + 1, nl);
	name[nl] = '\0';
	if (name[0] == '#') {
		unsigned long cp = (name[1] == 'x' || name[1] == 'X') ? strtoul(name + 2, NULL, 16)
								      : strtoul(name + 1, NULL, 10);
		put_cp(out, cp == 0xA0 ? ' ' : cp);
		return j - i + 1;
	}
	for (size_t k = 0; k < sizeof ents / sizeof ents[0]; k++)
		if (!strcmp(name, ents[k].name)) {
			put_cp(out, ents[k].cp);
			return j - i + 1;
		}
	buf_putc(out, '&');
	return 1;
}

void ingest_html_to_text(const char *h, size_t len, buf_t *out, int md)
{
	static const char *const skip[] = {"script", "style", "head", "noscript", "template",
					   "svg", "iframe", NULL};
	static const char *const block[] = {"p", "div", "br", "tr", "table", "ul", "ol",
					    "section", "article", "header", "footer", "blockquote",
					    "pre", "hr", "dd", "dt", "dl", "nav", "main", "aside",
					    "figure", "figcaption", "form", "title", NULL};
	int space = 1, pre = 0;
	size_t i = 0;
	while (i < len) {
		char c = h[i];
		if (c == '<') {
			if (i + 4 <= len && !strncmp(h + i, "<!--", 4)) {
				const char *e = memmem(h + i + 4, len - i - 4, "-->", 3);
				i = e ? (size_t)(e - h) + 3 : len;
				continue;
			}
			size_t j = i + 1;
			int closing = j < len && h[j] == '/';
			if (closing)
				j++;
			char name[16];
			size_t nl = 0;
			while (j < len && isalnum((unsigned char)h[j]) && nl < sizeof name - 1)
				name[nl++] = (char)tolower((unsigned char)h[j++]);
			name[nl] = '\0';
			if (nl == 0 && !(j < len && (h[j] == '!' || h[j] == '?'))) {
				buf_putc(out, '<'); /* a lone '<' in text */
				space = 0;
				i++;
				continue;
			}
			/* The end of the tag, quotes in attributes respected. */
			char q = 0;
			while (j < len && (q || h[j] != '>')) {
				if (q && h[j] == q)
					q = 0;
				else if (!q && (h[j] == '"' || h[j] == '\''))
					q = h[j];
				j++;
			}
			i = j < len ? j + 1 : len;
			if (nl == 0)
				continue; /* <!DOCTYPE>, <?xml?> */
			if (!closing && tag_is(name, skip)) {
				/* Skip to </name>. */
				size_t k = i;
				for (;;) {
					const char *e = memchr(h + k, '<', len - k);
					if (!e) {
						i = len;
						break;
					}
					k = (size_t)(e - h) + 1;
					if (k + nl + 1 <= len && h[k] == '/' &&
					    !strncasecmp(h + k + 1, name, nl)) {
						const char *gt = memchr(h + k, '>', len - k);
						i = gt ? (size_t)(gt - h) + 1 : len;
						break;
					}
				}
				continue;
			}
			if (nl == 2 && name[0] == 'h' && name[1] >= '1' && name[1] <= '6') {
				buf_puts(out, "\n\n");
				if (md && !closing) {
					for (int l = 0; l < name[1] - '0'; l++)
						buf_putc(out, '#');
					buf_putc(out, ' ');
				}
				space = 1;
				continue;
			}
			if (!strcmp(name, "pre"))
				pre = !closing;
			if (!strcmp(name, "li") && !closing) {
				buf_puts(out, "\n- ");
				space = 1;
			} else if (tag_is(name, block)) {
				buf_putc(out, '\n');
				space = 1;
			} else if (!strcmp(name, "td") || !strcmp(name, "th")) {
				buf_putc(out, ' ');
				space = 1;
			}
			continue;
		}
		if (c == '&') {
			i += put_entity(h, i, len, out);
			space = 0;
			continue;
		}
		if (!pre && (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f')) {
			if (!space)
				buf_putc(out, ' ');
			space = 1;
			i++;
			continue;
		}
		/* Text lines that would read as Markdown headings or fences are not. */
		if (md && (c == '#' || c == '`') && out->len && out->data[out->len - 1] == '\n')
			buf_putc(out, ' ');
		buf_putc(out, c);
		space = 0;
		i++;
	}
}

/* Plain text: a line underlined with === (---) is a level-1 (level-2)
 * heading; lines that would read as Markdown headings or fences are not. */
static void text_to_markdown(const char *t, size_t len, buf_t *out)
{
	const char *p = t, *end = t + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *next = nl ? nl + 1 : end;
		size_t nn = 0;
		char under = 0;
		if (next < end) {
			const char *nl2 = memchr(next, '\n', (size_t)(end - next));
			nn = nl2 ? (size_t)(nl2 - next) : (size_t)(end - next);
			while (nn && (next[nn - 1] == '\r' || next[nn - 1] == ' '))
				nn--;
			if (nn >= 3 && (next[0] == '=' || next[0] == '-')) {
				under = next[0];
				for (size_t k = 0; k < nn; k++)
					if (next[k] != under)
						under = 0;
			}
		}
		size_t tn = n;
		while (tn && (p[tn - 1] == '\r' || p[tn - 1] == ' '))
			tn--;
		if (under && tn > 0) {
			buf_puts(out, under == '=' ? "# " : "## ");
			buf_append(out, p, tn);
			buf_putc(out, '\n');
			const char *nl2 = memchr(next, '\n', (size_t)(end - next));
			p = nl2 ? nl2 + 1 : end;
			continue;
		}
		if (n && (p[0] == '#' || (n >= 3 && (!strncmp(p, "```", 3) || !strncmp(p, "~~~", 3)))))
			buf_putc(out, ' ');
		buf_append(out, p, n);
		buf_putc(out, '\n');
		p = next;
	}
}

static char *redact_copy(const redactor_t *r, redact_map_t *m, const char *s)
{
	char *out;
	size_t outlen;
	if (redact_text(r, m, s, strlen(s), NULL, &out, &outlen) != 0)
		return NULL;
	return out;
}

int ingest_docs_outline(store_t *s, char *err, size_t errlen)
{
	size_t changed = 0;
	int rc = store_begin(s);
	if (!rc && !(rc = docstruct_rebuild(s, NULL, &changed)) && changed)
		rc = store_df_cache_clear(s, 1);
	if (!rc)
		rc = store_commit(s);
	return rc ? store_fail(s, "doc outline", rc, err, errlen) : 0;
}

int ingest_docs_dir(store_t *s, const redactor_t *r, const char *dir, ingest_report_t *rep,
		    FILE *progress, char *err, size_t errlen)
{
	return ingest_docs_dir_opts(s, r, dir, rep, progress, 0, err, errlen);
}

int ingest_docs_dir_opts(store_t *s, const redactor_t *r, const char *dir, ingest_report_t *rep,
			 FILE *progress, unsigned flags, char *err, size_t errlen)
{
	char **files = NULL;
	size_t n = 0, alloc = 0;
	struct stat st;
	int rc = 0;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: %s", dir, errno ? strerror(errno) : "not a directory");
		return PRECEDENT_EIO;
	}
	collect(dir, "", &files, &n, &alloc, 0);
	if (n)
		qsort(files, n, sizeof *files, cmp_str);
	if ((rc = store_begin(s))) {
		rc = store_fail(s, dir, rc, err, errlen);
		goto out;
	}
	for (size_t i = 0; i < n && !rc; i++) {
		buf_t path;
		char *text = NULL, *title = NULL;
		size_t len = 0, nsecs = 0;
		ingest_section_t *secs = NULL;
		int outcome;
		char hash[17];
		buf_init(&path, 0);
		buf_printf(&path, "%s/%s", dir, files[i]);
		int frc = read_file(buf_cstr(&path), DOC_FILE_CAP, &text, &len);
		if (frc) {
			ingest_reject(rep, files[i], 0,
			       frc == PRECEDENT_ETOOBIG ? "file too large" : strerror(errno));
		} else if (!utf8_valid(text, len)) {
			ingest_reject(rep, files[i], 0, "not valid UTF-8");
		} else {
			const char *base = strrchr(files[i], '/');
			redact_map_t *m = redact_map_new();
			buf_t conv;
			buf_init(&conv, 0);
			if (has_suffix(files[i], ".html") || has_suffix(files[i], ".htm")) {
				ingest_html_to_text(text, len, &conv, 1);
				free(text);
				text = buf_steal(&conv);
			} else if (has_suffix(files[i], ".txt")) {
				text_to_markdown(text, len, &conv);
				free(text);
				text = buf_steal(&conv);
			}
			buf_release(&conv);
			char *red = redact_copy(r, m, text);
			hash_hex(red ? red : "", red ? strlen(red) : 0, hash);
			ingest_split_markdown(red ? red : "", red ? strlen(red) : 0,
					      base ? base + 1 : files[i], &title, &secs, &nsecs);
			store_section_t *ss = xcalloc(nsecs ? nsecs : 1, sizeof *ss);
			for (size_t k = 0; k < nsecs; k++) {
				ss[k].anchor = secs[k].anchor;
				ss[k].title = secs[k].title;
				ss[k].heading_path = secs[k].heading_path;
				ss[k].body = secs[k].body;
			}
			rc = store_doc_replace(s, files[i], title, hash, ss, nsecs, &outcome);
			if (rc)
				rc = store_fail(s, files[i], rc, err, errlen);
			else
				ingest_count(rep, outcome);
			free(ss);
			ingest_sections_free(secs, nsecs);
			free(secs);
			free(title);
			free(red);
			redact_map_free(m);
		}
		free(text);
		buf_release(&path);
		if (progress && i && i % 1000 == 0)
			fprintf(progress, "%s: %zu of %zu files\n", dir, i, n);
	}
	size_t restructured = 0;
	if (!rc && !(flags & INGEST_DOCS_NO_OUTLINE) &&
	    (rc = docstruct_rebuild(s, NULL, &restructured)))
		rc = store_fail(s, dir, rc, err, errlen);
	if (!rc && rep->imported + rep->updated + restructured > 0 &&
	    (rc = store_df_cache_clear(s, 1)))
		rc = store_fail(s, dir, rc, err, errlen);
	if (!rc && (rc = store_commit(s)))
		rc = store_fail(s, dir, rc, err, errlen);
out:
	for (size_t i = 0; i < n; i++)
		free(files[i]);
	free(files);
	return rc;
}


#define CSV_MAX_COLS 64

int ingest_customers_csv(store_t *s, const char *path, ingest_report_t *rep, char *err,
			 size_t errlen)
{
	FILE *f = fopen(path, "rb");
	buf_t rec;
	size_t hs[CSV_MAX_COLS], fs[CSV_MAX_COLS];
	char *header[CSV_MAX_COLS] = {0};
	int nh, rc = 0;
	long lineno = 0;
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return PRECEDENT_EIO;
	}
	buf_init(&rec, IMPORT_LINE_CAP);
	nh = ingest_csv_record(f, &rec, hs, CSV_MAX_COLS, &lineno);
	if (nh <= 0) {
		snprintf(err, errlen, "%s: no header row", path);
		rc = PRECEDENT_EINVAL;
		goto out;
	}
	int col_id = -1;
	for (int i = 0; i < nh; i++) {
		header[i] = xstrdup(rec.data + hs[i]);
		if (strcmp(header[i], "external_id") == 0)
			col_id = i;
	}
	if (col_id < 0) {
		snprintf(err, errlen, "%s:1: header has no external_id column", path);
		rc = PRECEDENT_EINVAL;
		goto out;
	}
	if ((rc = store_begin(s))) {
		rc = store_fail(s, path, rc, err, errlen);
		goto out;
	}
	for (;;) {
		long at = lineno + 1;
		int nf = ingest_csv_record(f, &rec, fs, CSV_MAX_COLS, &lineno);
		if (nf == 0)
			break;
		if (nf < 0) {
			ingest_reject(rep, path, at, "unterminated quoted field");
			break;
		}
		if (rec.rc || !utf8_valid(rec.data, rec.len ? rec.len - 1 : 0)) {
			ingest_reject(rep, path, at, rec.rc ? "record too long" : "not valid UTF-8");
			rec.rc = 0;
			continue;
		}
		if (nf == 1 && rec.data[0] == '\0')
			continue;
		store_customer_t c = {0};
		cJSON *extra = cJSON_CreateObject();
		for (int i = 0; i < nf && i < nh; i++) {
			const char *v = rec.data + fs[i];
			if (!strcmp(header[i], "external_id"))
				c.external_id = v;
			else if (!strcmp(header[i], "name"))
				c.name = v;
			else if (!strcmp(header[i], "email"))
				c.email = v;
			else if (!strcmp(header[i], "organization"))
				c.organization = v;
			else if (!strcmp(header[i], "plan"))
				c.plan = v;
			else if (!strcmp(header[i], "product_version"))
				c.product_version = v;
			else if (!strcmp(header[i], "region"))
				c.region = v;
			else
				cJSON_AddStringToObject(extra, header[i], v);
		}
		char *ej = cJSON_PrintUnformatted(extra);
		c.extra_json = ej;
		if (!c.external_id || !*c.external_id) {
			ingest_reject(rep, path, at, "missing external_id");
		} else if ((rc = store_customer_upsert(s, &c))) {
			cJSON_free(ej);
			cJSON_Delete(extra);
			rc = store_fail(s, path, rc, err, errlen);
			goto out;
		} else {
			rep->imported++;
		}
		cJSON_free(ej);
		cJSON_Delete(extra);
	}
	if ((rc = store_commit(s)))
		rc = store_fail(s, path, rc, err, errlen);
out:
	for (int i = 0; i < CSV_MAX_COLS; i++)
		free(header[i]);
	buf_release(&rec);
	fclose(f);
	return rc;
}
