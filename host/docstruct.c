/*
 * docstruct.c - the outline of the doc corpus (see docstruct.h).
 *
 * One pass over doc_sections in outline order (path with numbers compared as
 * numbers, then position in the file) finds each section's parent: from heading
 * paths inside a file, else by title inclusion among the earlier siblings. A
 * second pass writes, for each section with children, its descendants' titles
 * and leads (preorder, bounded) into `sub`. Only rows whose parent or sub
 * changed are written. Memory: per section its title stems and a lead of
 * DOCSTRUCT_LEAD bytes; bodies are read one row at a time.
 */
#include "precedent/docstruct.h"
#include "precedent/error.h"
#include "precedent/stem.h"
#include "precedent/util.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#define TITLE_STEMS_MAX 16
#define STEM_TEXT_CAP (64u * 1024u) /* bytes of a body read for its words */
#define SCAN_BACK (4 * DOCSTRUCT_WINDOW)

typedef struct dsec {
	sqlite3_int64 rowid, old_parent; /* old_parent -1: NULL */
	long parent;                     /* index, -1: none */
	long group;                      /* explicit parent index, or -(dir id) - 2 */
	uint64_t old_sub;                /* hash of the stored sub */
	char *lead;                      /* title + lead of the body */
	uint32_t tstem[TITLE_STEMS_MAX];
	int ntstem;
	long first_child, next_sibling; /* children in outline order */
} dsec_t;

int docstruct_natcmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			while (*a == '0')
				a++;
			while (*b == '0')
				b++;
			size_t la = 0, lb = 0;
			while (isdigit((unsigned char)a[la]))
				la++;
			while (isdigit((unsigned char)b[lb]))
				lb++;
			if (la != lb)
				return la < lb ? -1 : 1;
			int c = memcmp(a, b, la);
			if (c)
				return c;
			a += la;
			b += lb;
			continue;
		}
		if (*a != *b)
			return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
		a++;
		b++;
	}
	return *a ? 1 : *b ? -1 : 0;
}

static int natural_collation(void *ctx, int na, const void *a, int nb, const void *b)
{
	(void)ctx;
	char *x = xstrndup(a, (size_t)na), *y = xstrndup(b, (size_t)nb);
	int c = docstruct_natcmp(x, y);
	free(x);
	free(y);
	return c;
}

static uint32_t fnv32(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static uint64_t fnv64(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static size_t uniq_u32(uint32_t *v, size_t n)
{
	size_t k = 0;
	if (n)
		qsort(v, n, sizeof *v, cmp_u32);
	for (size_t i = 0; i < n; i++)
		if (k == 0 || v[k - 1] != v[i])
			v[k++] = v[i];
	return k;
}

/* Content words of a title: lower-cased words of 2+ characters that are not
 * stop words, stemmed as the index stems them. */
static int title_stems(stem_tok_t *tok, const char *title, uint32_t *out)
{
	int n = 0;
	const char *p = title;
	while (*p && n < TITLE_STEMS_MAX) {
		while (*p && !isalnum((unsigned char)*p) && (unsigned char)*p < 0x80)
			p++;
		const char *w = p;
		while (*p && (isalnum((unsigned char)*p) || (unsigned char)*p >= 0x80))
			p++;
		size_t len = (size_t)(p - w);
		if (len < 2 || len >= 64)
			continue;
		char word[64], st[128];
		for (size_t i = 0; i < len; i++)
			word[i] = (char)tolower((unsigned char)w[i]);
		word[len] = '\0';
		if (stem_is_stopword(word))
			continue;
		stem_text(tok, word, st, sizeof st);
		if (*st)
			out[n++] = fnv32(st, strlen(st));
	}
	return (int)uniq_u32(out, (size_t)n);
}

typedef struct stems {
	uint32_t *v;
	size_t n, alloc;
} stems_t;

static void stems_cb(void *ctx, const char *stem, size_t n)
{
	stems_t *s = ctx;
	if (s->n == s->alloc) {
		s->alloc = s->alloc ? s->alloc * 2 : 256;
		s->v = xrealloc(s->v, s->alloc * sizeof *s->v);
	}
	s->v[s->n++] = fnv32(stem, n);
}

static int contains_all(const stems_t *set, const uint32_t *need, int n)
{
	for (int i = 0; i < n; i++)
		if (!bsearch(&need[i], set->v, set->n, sizeof *set->v, cmp_u32))
			return 0;
	return 1;
}

static int same_stems(const dsec_t *a, const dsec_t *b)
{
	return a->ntstem == b->ntstem &&
	       memcmp(a->tstem, b->tstem, (size_t)a->ntstem * sizeof a->tstem[0]) == 0;
}

/* "Title" and the first DOCSTRUCT_LEAD bytes of body, cut at a word. */
static char *make_lead(const char *title, const char *body)
{
	buf_t b;
	buf_init(&b, 0);
	buf_puts(&b, title);
	size_t n = strlen(body);
	if (n > DOCSTRUCT_LEAD) {
		n = utf8_clip(body, n, DOCSTRUCT_LEAD);
		while (n > 0 && !isspace((unsigned char)body[n - 1]))
			n--;
	}
	if (n) {
		buf_puts(&b, ". ");
		for (size_t i = 0; i < n; i++)
			buf_putc(&b, body[i] == '\n' ? ' ' : body[i]);
	}
	return buf_steal(&b);
}

static const char *dir_end(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s : path;
}

/* Appends the preorder descendants of v[p] to out, depth-bounded, until the cap. */
static void collect_sub(const dsec_t *v, long p, int depth, buf_t *out)
{
	for (long c = v[p].first_child; c >= 0 && out->len < DOCSTRUCT_SUB_CAP;
	     c = v[c].next_sibling) {
		size_t room = DOCSTRUCT_SUB_CAP - out->len;
		size_t n = strlen(v[c].lead);
		if (out->len)
			buf_putc(out, '\n');
		buf_append(out, v[c].lead, n < room ? n : utf8_clip(v[c].lead, n, room));
		if (depth + 1 < DOCSTRUCT_DEPTH)
			collect_sub(v, c, depth + 1, out);
	}
}

int docstruct_rebuild(store_t *s, size_t *nparents, size_t *nchanged)
{
	sqlite3 *db = store_db(s);
	sqlite3_stmt *st = NULL, *up = NULL;
	stem_tok_t tok;
	dsec_t *v = NULL;
	size_t n = 0, alloc = 0, withp = 0;
	stems_t all = {0};
	/* the current file's heading stack (indices and heading paths) */
	long *stack = NULL;
	char **stack_path = NULL;
	size_t depth = 0;
	char *cur_path = NULL, *cur_dir = NULL;
	long group_id = 0, dir_group = 0, file_group = 0, top_group_file = -1;
	int single = 0;
	sqlite3_stmt *cnt = NULL;
	buf_t text, sub;
	int rc = 0, src;
	buf_init(&text, 0);
	buf_init(&sub, 0);
	if (nparents)
		*nparents = 0;
	if (nchanged)
		*nchanged = 0;
	if ((rc = stem_open(db, &tok)))
		return rc;
	if (sqlite3_create_collation_v2(db, "precedent_natural", SQLITE_UTF8, NULL,
					natural_collation, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
			       "SELECT rowid, doc_path, heading_path, title, body, parent, sub"
			       " FROM doc_sections"
			       " ORDER BY doc_path COLLATE precedent_natural, doc_path, ord, rowid",
			       -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
			       "SELECT count(*) FROM doc_sections GROUP BY doc_path"
			       " ORDER BY doc_path COLLATE precedent_natural, doc_path",
			       -1, &cnt, NULL) != SQLITE_OK) {
		rc = PRECEDENT_EDB;
		goto out;
	}
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		const char *path = (const char *)sqlite3_column_text(st, 1);
		const char *hpath = (const char *)sqlite3_column_text(st, 2);
		const char *title = (const char *)sqlite3_column_text(st, 3);
		const char *body = (const char *)sqlite3_column_text(st, 4);
		const char *old = (const char *)sqlite3_column_text(st, 6);
		path = path ? path : "";
		hpath = hpath ? hpath : "";
		title = title ? title : "";
		body = body ? body : "";
		old = old ? old : "";
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 256;
			v = xrealloc(v, alloc * sizeof *v);
			stack = xrealloc(stack, alloc * sizeof *stack);
			stack_path = xrealloc(stack_path, alloc * sizeof *stack_path);
		}
		dsec_t *d = &v[n];
		memset(d, 0, sizeof *d);
		d->rowid = sqlite3_column_int64(st, 0);
		d->old_parent = sqlite3_column_type(st, 5) == SQLITE_NULL
				    ? -1
				    : sqlite3_column_int64(st, 5);
		d->old_sub = fnv64(old, strlen(old));
		d->parent = -1;
		d->first_child = d->next_sibling = -1;
		d->lead = make_lead(title, body);
		d->ntstem = title_stems(&tok, title, d->tstem);

		/* Heading levels: the nearest enclosing heading path in this file. */
		if (!cur_path || strcmp(cur_path, path) != 0) {
			free(cur_path);
			cur_path = xstrdup(path);
			while (depth)
				free(stack_path[--depth]);
			/* the file's section count: the two queries walk the same order */
			single = 0;
			if (cnt && sqlite3_step(cnt) == SQLITE_ROW)
				single = sqlite3_column_int64(cnt, 0) == 1;
			if (!single && top_group_file != (long)n) {
				top_group_file = (long)n;
				file_group = -(++group_id) - 2;
			}
		}
		size_t hl = strlen(hpath);
		while (depth) {
			const char *sp = stack_path[depth - 1];
			size_t sl = strlen(sp);
			if (sl < hl && strncmp(hpath, sp, sl) == 0 && strncmp(hpath + sl, " > ", 3) == 0)
				break;
			free(stack_path[--depth]);
		}
		if (depth) {
			d->parent = stack[depth - 1];
			d->group = d->parent;
		} else if (!single) {
			/* an article's own top sections: siblings only of each other */
			d->group = file_group;
		} else {
			/* one section per file: the files of a directory are siblings */
			size_t dl = (size_t)(dir_end(path) - path);
			if (!cur_dir || strlen(cur_dir) != dl || strncmp(cur_dir, path, dl) != 0) {
				free(cur_dir);
				cur_dir = xstrndup(path, dl);
				dir_group = -(++group_id) - 2;
			}
			d->group = dir_group;
		}
		stack[depth] = (long)n;
		stack_path[depth++] = xstrdup(hpath);

		/* Title inclusion among earlier siblings (only where levels say nothing:
		 * the section's own siblings, in the same group). */
		{
			int seen = 0;
			all.n = 0;
			buf_reset(&text);
			buf_puts(&text, title);
			buf_putc(&text, '\n');
			size_t bl = strlen(body);
			buf_append(&text, body, bl < STEM_TEXT_CAP ? bl : utf8_clip(body, bl, STEM_TEXT_CAP));
			stem_each(&tok, buf_cstr(&text), text.len, stems_cb, &all);
			all.n = uniq_u32(all.v, all.n);
			for (long j = (long)n - 1; j >= 0 && (long)n - j <= SCAN_BACK &&
						   seen < DOCSTRUCT_WINDOW;
			     j--) {
				if (v[j].group != d->group)
					continue;
				seen++;
				if (v[j].ntstem == 0 || same_stems(&v[j], d))
					continue;
				if (contains_all(&all, v[j].tstem, v[j].ntstem)) {
					d->parent = j;
					break;
				}
			}
		}
		n++;
	}
	if (src != SQLITE_DONE) {
		rc = PRECEDENT_EDB;
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	/* children lists in outline order */
	for (long i = (long)n - 1; i >= 0; i--) {
		long p = v[i].parent;
		if (p >= 0) {
			v[i].next_sibling = v[p].first_child;
			v[p].first_child = i;
			withp++;
		}
	}
	if (sqlite3_prepare_v2(db, "UPDATE doc_sections SET parent = ?1, sub = ?2 WHERE rowid = ?3",
			       -1, &up, NULL) != SQLITE_OK) {
		rc = PRECEDENT_EDB;
		goto out;
	}
	for (size_t i = 0; i < n && !rc; i++) {
		sqlite3_int64 parent = v[i].parent >= 0 ? v[v[i].parent].rowid : -1;
		buf_reset(&sub);
		collect_sub(v, (long)i, 0, &sub);
		if (parent == v[i].old_parent && fnv64(buf_cstr(&sub), sub.len) == v[i].old_sub)
			continue;
		sqlite3_reset(up);
		if (parent >= 0)
			sqlite3_bind_int64(up, 1, parent);
		else
			sqlite3_bind_null(up, 1);
		sqlite3_bind_text(up, 2, buf_cstr(&sub), (int)sub.len, SQLITE_STATIC);
		sqlite3_bind_int64(up, 3, v[i].rowid);
		if (sqlite3_step(up) != SQLITE_DONE)
			rc = PRECEDENT_EDB;
		else if (nchanged)
			(*nchanged)++;
	}
	if (!rc && nparents)
		*nparents = withp;
out:
	sqlite3_finalize(st);
	sqlite3_finalize(cnt);
	sqlite3_finalize(up);
	stem_close(&tok);
	for (size_t i = 0; i < n; i++)
		free(v[i].lead);
	while (depth)
		free(stack_path[--depth]);
	free(stack_path);
	free(stack);
	free(v);
	free(all.v);
	free(cur_path);
	free(cur_dir);
	buf_release(&text);
	buf_release(&sub);
	return rc;
}
