/*
 * import_job.c - index.import: one background import at a time (see import_job.h).
 *
 * The loop thread checks the request and prepares the input (inline files are
 * written to a private temporary directory); a thread of the job's own then opens
 * its own store connection and runs the CLI's importers. Writers take turns: ticket
 * records are committed in batches bounded in rows and in time (store_batch_due),
 * so a draft stored meanwhile waits a fraction of a second at most; docs in groups
 * of DOCS_PER_TX files, a transaction each (each group is a directory of symbolic
 * links handed to ingest_docs_dir_opts, so the stored paths stay relative to the
 * agent's directory), then the doc outline once, in a transaction of its own.
 * The thread publishes counts under the job's mutex; index.status reads them.
 */
#include "precedent/import_job.h"
#include "precedent/error.h"
#include "precedent/ingest.h"
#include "precedent/limits.h"
#include "precedent/store.h"
#include "precedent/util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TICKETS_PER_TX 2000 /* as the CLI; store_batch_due() bounds the time too */
#define DOCS_PER_TX 50	    /* doc files per transaction */
#define SNIFF_BYTES 65536 /* read to guess a ticket export's format */
#define DOCS_DEPTH_MAX 32

typedef enum { KIND_TICKETS, KIND_DOCS, KIND_CUSTOMERS } kind_t;
static const char *const kind_names[] = {"tickets", "docs", "customers"};

enum { ST_RUNNING, ST_DONE, ST_FAILED, ST_CANCELLED };
static const char *const state_names[] = {"running", "done", "failed", "cancelled"};

struct import_job {
	/* Fixed before the thread starts; read-only afterwards. */
	long id;
	kind_t kind;
	ingest_format_t fmt;
	char *input;  /* what the importer reads: the path, or a file or directory in tmpdir */
	char *source; /* what the agent named: the path, or the inline file's name */
	char *tmpdir; /* inline files (and docs link groups) live here; NULL: none yet */
	char *db_path;
	const redactor_t *redactor;
	char started_at[32];
	double t0;
	long bytes_total;
	pthread_t thread;
	int have_thread;
	atomic_int cancel;
	/* Shared with the thread, under mu. */
	pthread_mutex_t mu;
	int state;
	long records, bytes, files_done, files_total;
	long imported, updated, skipped, rejected;
	double elapsed_ms; /* set when finished */
	char *rejections;  /* the report's "where:line: reason" lines, when finished */
	int err_code;
	char err[512];
};

/* ---- small helpers ------------------------------------------------------------------ */

static int has_suffix_ci(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && strcasecmp(s + n - m, suf) == 0;
}

static int is_doc_name(const char *name)
{
	return has_suffix_ci(name, ".md") || has_suffix_ci(name, ".markdown") ||
	       has_suffix_ci(name, ".html") || has_suffix_ci(name, ".htm") ||
	       has_suffix_ci(name, ".txt");
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void rmtree(const char *dir)
{
	if (dir)
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A private directory under $TMPDIR (or /tmp), mode 0700. Caller frees. */
static char *make_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	buf_t b;
	buf_init(&b, 0);
	buf_printf(&b, "%s/precedent-import-XXXXXX", base && *base ? base : "/tmp");
	char *t = buf_steal(&b);
	if (!mkdtemp(t)) {
		free(t);
		return NULL;
	}
	return t;
}

/* mkdir -p of path's parent directories below root (root exists). */
static int make_parents(const char *root, const char *rel)
{
	buf_t p;
	int rc = 0;
	buf_init(&p, 0);
	buf_puts(&p, root);
	for (const char *s = rel, *slash; !rc && (slash = strchr(s, '/')); s = slash + 1) {
		buf_putc(&p, '/');
		buf_append(&p, s, (size_t)(slash - s));
		if (mkdir(buf_cstr(&p), 0700) != 0 && errno != EEXIST)
			rc = PRECEDENT_EIO;
	}
	buf_release(&p);
	return rc;
}

/* Writes len bytes to root/rel (new file, 0600). */
static int write_new_file(const char *root, const char *rel, const char *data, size_t len)
{
	buf_t p;
	int rc = 0;
	buf_init(&p, 0);
	buf_printf(&p, "%s/%s", root, rel);
	int fd = open(buf_cstr(&p), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		rc = PRECEDENT_EIO;
	while (!rc && len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			rc = PRECEDENT_EIO;
		else
			data += n, len -= (size_t)n;
	}
	if (fd >= 0 && close(fd) != 0)
		rc = PRECEDENT_EIO;
	buf_release(&p);
	return rc;
}

/* An inline file's name made safe: '/'-separated segments, none empty, "." or "..",
 * no control characters or backslashes. Returns a copy or NULL. */
static char *clean_name(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 1024 || name[0] == '/')
		return NULL;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == '\\' || name[i] == 0x7f)
			return NULL;
	for (const char *s = name;;) {
		const char *e = strchr(s, '/');
		size_t l = e ? (size_t)(e - s) : strlen(s);
		if (l == 0 || (l == 1 && s[0] == '.') || (l == 2 && s[0] == '.' && s[1] == '.'))
			return NULL;
		if (!e)
			break;
		s = e + 1;
	}
	return xstrdup(name);
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

/* ---- publishing progress -------------------------------------------------------------- */

static void publish(import_job_t *j, const ingest_report_t *rep, long records, long bytes)
{
	pthread_mutex_lock(&j->mu);
	j->imported = rep->imported;
	j->updated = rep->updated;
	j->skipped = rep->skipped;
	j->rejected = rep->rejected;
	if (records >= 0)
		j->records = records;
	if (bytes >= 0)
		j->bytes = bytes;
	pthread_mutex_unlock(&j->mu);
}

/* ---- tickets: the CLI's record path (ingest_store_ticket) with cancel and progress ---- */

typedef struct tickets_ctx {
	import_job_t *j;
	store_t *s;
	FILE *f;
	ingest_report_t *rep;
	long in_tx, seen;
	int rc;
	char *err;
	size_t errlen;
} tickets_ctx_t;

static int ticket_cb(void *vctx, long line, const cJSON *ticket, const char *why)
{
	tickets_ctx_t *c = vctx;
	char reason[512];
	int outcome, rc;
	if (atomic_load(&c->j->cancel)) {
		c->rc = PRECEDENT_ECANCELLED;
		snprintf(c->err, c->errlen, "the import was cancelled after %ld records", c->seen);
		return 1;
	}
	c->seen++;
	if (!ticket) {
		ingest_reject(c->rep, c->j->source, line, why);
	} else if ((rc = ingest_store_ticket(c->s, c->j->redactor, ticket, &outcome, reason,
					     sizeof reason)) == PRECEDENT_EFIELD) {
		ingest_reject(c->rep, c->j->source, line, reason);
	} else if (rc) {
		snprintf(c->err, c->errlen, "%s:%ld: %s (%s)", c->j->source, line,
			 precedent_strerror(rc), store_errmsg(c->s));
		c->rc = rc;
		return 1;
	} else {
		ingest_count(c->rep, outcome);
	}
	if (++c->in_tx >= TICKETS_PER_TX || store_batch_due(c->s)) {
		if ((rc = store_commit(c->s)) || (rc = store_begin(c->s))) {
			snprintf(c->err, c->errlen, "%s: %s (%s)", c->j->source,
				 precedent_strerror(rc), store_errmsg(c->s));
			c->rc = rc;
			return 1;
		}
		c->in_tx = 0;
	}
	publish(c->j, c->rep, c->seen, ftell(c->f));
	return 0;
}

static int import_tickets(import_job_t *j, store_t *s, ingest_report_t *rep, char *err,
			  size_t errlen)
{
	tickets_ctx_t c = {.j = j, .s = s, .rep = rep, .err = err, .errlen = errlen};
	int rc;
	c.f = fopen(j->input, "rb");
	if (!c.f) {
		snprintf(err, errlen, "%s: %s", j->source, strerror(errno));
		return PRECEDENT_EIO;
	}
	if ((rc = store_begin(s))) {
		snprintf(err, errlen, "%s: %s (%s)", j->source, precedent_strerror(rc),
			 store_errmsg(s));
		fclose(c.f);
		return rc;
	}
	ingest_parse_stream(j->fmt, c.f, ticket_cb, &c);
	if (!c.rc && ferror(c.f)) {
		snprintf(err, errlen, "%s: read error: %s", j->source, strerror(errno));
		c.rc = PRECEDENT_EIO;
	}
	/* What was stored stays (imports are incremental): a finished or cancelled
	 * import commits its open batch; after a store error the open batch is rolled
	 * back and the earlier ones stay. Either way the cached document frequencies
	 * no longer hold once tickets changed. */
	int changed = rep->imported + rep->updated > 0;
	if (c.rc && c.rc != PRECEDENT_ECANCELLED) {
		store_rollback(s);
		if (changed && store_begin(s) == 0 &&
		    (store_df_cache_note(s, 0, rep->imported + rep->updated) != 0 ||
		     store_commit(s) != 0))
			store_rollback(s);
	} else if ((changed && (rc = store_df_cache_note(s, 0, rep->imported + rep->updated))) ||
		   (rc = store_commit(s))) {
		snprintf(err, errlen, "%s: %s (%s)", j->source, precedent_strerror(rc),
			 store_errmsg(s));
		store_rollback(s);
		c.rc = rc;
	}
	if (!c.rc && rep->imported + rep->updated > 0)
		store_df_cache_prefill(s, 0); /* a miss only costs the first queries time */
	publish(j, rep, c.seen, ftell(c.f));
	fclose(c.f);
	return c.rc;
}

/* ---- docs: groups of files, each a transaction of ingest_docs_dir ------------------------ */

typedef struct strv {
	char **v;
	size_t n, cap;
} strv_t;

static void strv_push(strv_t *a, char *s)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 64;
		a->v = xrealloc(a->v, a->cap * sizeof *a->v);
	}
	a->v[a->n++] = s;
}

static void strv_release(strv_t *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The doc files under root/rel as ingest_docs_dir finds them (hidden entries
 * skipped, symbolic links followed, .md/.markdown/.html/.htm/.txt). */
static void list_docs(import_job_t *j, const char *root, const char *rel, strv_t *out, int depth)
{
	buf_t dir;
	DIR *d;
	struct dirent *e;
	if (depth > DOCS_DEPTH_MAX)
		return;
	buf_init(&dir, 0);
	buf_printf(&dir, "%s%s%s", root, *rel ? "/" : "", rel);
	if (!(d = opendir(buf_cstr(&dir)))) {
		buf_release(&dir);
		return;
	}
	while ((e = readdir(d)) && !atomic_load(&j->cancel)) {
		struct stat st;
		buf_t child, path;
		if (e->d_name[0] == '.')
			continue;
		buf_init(&child, 0);
		buf_init(&path, 0);
		buf_printf(&child, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
		buf_printf(&path, "%s/%s", root, buf_cstr(&child));
		if (stat(buf_cstr(&path), &st) == 0) {
			if (S_ISDIR(st.st_mode))
				list_docs(j, root, buf_cstr(&child), out, depth + 1);
			else if (S_ISREG(st.st_mode) && is_doc_name(e->d_name))
				strv_push(out, buf_steal(&child));
		}
		buf_release(&child);
		buf_release(&path);
	}
	closedir(d);
	buf_release(&dir);
}

static int import_docs(import_job_t *j, store_t *s, ingest_report_t *rep, char *err, size_t errlen)
{
	strv_t files = {0};
	int rc = 0;
	char *links = NULL;
	list_docs(j, j->input, "", &files, 0);
	if (files.n)
		qsort(files.v, files.n, sizeof *files.v, cmp_str);
	pthread_mutex_lock(&j->mu);
	j->files_total = (long)files.n;
	pthread_mutex_unlock(&j->mu);
	size_t per_tx = DOCS_PER_TX, committed = 0;
	for (size_t i = 0; i < files.n && !rc; i += per_tx) {
		if (atomic_load(&j->cancel)) {
			snprintf(err, errlen, "the import was cancelled after %zu of %zu files", i,
				 files.n);
			rc = PRECEDENT_ECANCELLED;
			break;
		}
		/* This group's files as links at their relative paths. */
		rmtree(links);
		free(links);
		if (!(links = make_tmpdir())) {
			snprintf(err, errlen, "cannot make a temporary directory: %s",
				 strerror(errno));
			rc = PRECEDENT_EIO;
			break;
		}
		size_t end = i + per_tx < files.n ? i + per_tx : files.n;
		for (size_t k = i; k < end && !rc; k++) {
			buf_t target, link;
			buf_init(&target, 0);
			buf_init(&link, 0);
			buf_printf(&target, "%s/%s", j->input, files.v[k]);
			buf_printf(&link, "%s/%s", links, files.v[k]);
			if (make_parents(links, files.v[k]) ||
			    symlink(buf_cstr(&target), buf_cstr(&link)) != 0) {
				snprintf(err, errlen, "cannot prepare %s: %s", files.v[k],
					 strerror(errno));
				rc = PRECEDENT_EIO;
			}
			buf_release(&target);
			buf_release(&link);
		}
		if (!rc)
			rc = ingest_docs_dir_opts(s, j->redactor, links, rep, NULL,
						  INGEST_DOCS_NO_OUTLINE, err, errlen);
		if (!rc)
			committed++;
		pthread_mutex_lock(&j->mu);
		j->files_done = (long)end;
		pthread_mutex_unlock(&j->mu);
		publish(j, rep, (long)end, -1);
	}
	rmtree(links);
	free(links);
	strv_release(&files);
	/* The outline over what was committed, also after a cancel or an error (whose
	 * message is kept). */
	if (committed) {
		char oerr[256];
		int orc = ingest_docs_outline(s, oerr, sizeof oerr);
		if (orc && !rc) {
			snprintf(err, errlen, "%s", oerr);
			rc = orc;
		}
	}
	return rc;
}

/* ---- the thread ------------------------------------------------------------------------ */

static void *job_main(void *arg)
{
	import_job_t *j = arg;
	store_t *s = NULL;
	ingest_report_t rep;
	char err[512] = "";
	int rc;
	ingest_report_init(&rep);
	if ((rc = store_open(j->db_path, 0, &s, err, sizeof err)) == 0) {
		if (j->kind == KIND_TICKETS)
			rc = import_tickets(j, s, &rep, err, sizeof err);
		else if (j->kind == KIND_DOCS)
			rc = import_docs(j, s, &rep, err, sizeof err);
		else
			rc = ingest_customers_csv(s, j->input, &rep, err, sizeof err);
	}
	store_close(s);
	/* Inline input is gone before anyone sees the import finished. */
	if (j->tmpdir)
		rmtree(j->tmpdir);
	/* Rejections name the agent's file, not the temporary copy. */
	buf_t lines;
	buf_init(&lines, 0);
	const char *p = rep.rejections.len ? rep.rejections.data : "";
	size_t inlen = strlen(j->input);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		if (j->tmpdir && l >= inlen && !strncmp(p, j->input, inlen) && p[inlen] == ':') {
			buf_puts(&lines, j->source);
			buf_append(&lines, p + inlen, l - inlen);
		} else {
			buf_append(&lines, p, l);
		}
		buf_putc(&lines, '\n');
		p += l + (nl ? 1 : 0);
	}
	publish(j, &rep, -1, -1);
	pthread_mutex_lock(&j->mu);
	j->rejections = buf_steal(&lines);
	j->elapsed_ms = now_ms() - j->t0;
	j->state = rc == 0 ? ST_DONE : rc == PRECEDENT_ECANCELLED ? ST_CANCELLED : ST_FAILED;
	j->err_code = rc;
	snprintf(j->err, sizeof j->err, "%s", rc ? err : "");
	if (j->kind == KIND_CUSTOMERS)
		j->records = rep.imported + rep.updated + rep.skipped + rep.rejected;
	pthread_mutex_unlock(&j->mu);
	ingest_report_release(&rep);
	return NULL;
}

/* ---- the request ------------------------------------------------------------------------ */

/* Guesses a ticket export's format from its name and first bytes: CSV by extension
 * or when it does not start with JSON; the contract's shape when records carry
 * "messages"; Freshdesk's and Zendesk's API field names otherwise. */
static ingest_format_t sniff_format(const char *name, const char *path)
{
	char head[SNIFF_BYTES + 1];
	size_t n = 0;
	if (has_suffix_ci(name, ".csv") || has_suffix_ci(name, ".tsv"))
		return INGEST_CSV;
	FILE *f = fopen(path, "rb");
	if (f) {
		n = fread(head, 1, SNIFF_BYTES, f);
		fclose(f);
	}
	head[n] = '\0';
	const char *p = head;
	if (!strncmp(p, "\xEF\xBB\xBF", 3))
		p += 3;
	while (*p && isspace((unsigned char)*p))
		p++;
	if (*p && *p != '{' && *p != '[')
		return INGEST_CSV;
	if (strstr(p, "\"messages\""))
		return INGEST_JSONL;
	if (strstr(p, "\"description_text\"") || strstr(p, "\"conversations\"") ||
	    strstr(p, "\"fr_due_by\""))
		return INGEST_FRESHDESK;
	if (strstr(p, "\"comments\"") || strstr(p, "\"plain_body\"") ||
	    strstr(p, "\"requester_id\"") || strstr(p, "\"users\""))
		return INGEST_ZENDESK;
	return INGEST_JSONL;
}

static void job_free_now(import_job_t *j)
{
	if (!j)
		return;
	if (j->tmpdir)
		rmtree(j->tmpdir);
	free(j->input);
	free(j->source);
	free(j->tmpdir);
	free(j->db_path);
	free(j->rejections);
	pthread_mutex_destroy(&j->mu);
	free(j);
}

/* Writes the inline file(s) of the request into j->tmpdir and points j->input at
 * them: the file itself (tickets, customers) or the directory (docs). */
static int take_inline(import_job_t *j, const cJSON *inl, char *err, size_t errlen)
{
	const cJSON *one = cJSON_IsObject(inl) ? inl : NULL, *it;
	size_t total = 0, count = 0, common = 0;
	int rc = 0;
	char **names = NULL;
	if (!one && !cJSON_IsArray(inl)) {
		snprintf(err, errlen,
			 "field inline must be {name, content} (or, for docs, a list)");
		return PRECEDENT_EFIELD;
	}
	if (!one && j->kind != KIND_DOCS) {
		snprintf(err, errlen, "a list of inline files is for docs; %s take one file",
			 kind_names[j->kind]);
		return PRECEDENT_EFIELD;
	}
	count = one ? 1 : (size_t)cJSON_GetArraySize(inl);
	if (count == 0 || count > IMPORT_INLINE_FILES_MAX) {
		snprintf(err, errlen, "inline needs 1 to %d files", IMPORT_INLINE_FILES_MAX);
		return count ? PRECEDENT_ETOOBIG : PRECEDENT_EFIELD;
	}
	names = xcalloc(count, sizeof *names);
	size_t i = 0;
	for (it = one ? one : inl->child; it && i < count; it = one ? NULL : it->next, i++) {
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(it, "name");
		const cJSON *ct = cJSON_GetObjectItemCaseSensitive(it, "content");
		if (!cJSON_IsString(nm) || !cJSON_IsString(ct)) {
			snprintf(err, errlen, "inline file %zu needs name and content (strings)",
				 i + 1);
			rc = PRECEDENT_EFIELD;
			goto out;
		}
		if (!(names[i] = clean_name(nm->valuestring))) {
			snprintf(err, errlen,
				 "inline file name \"%.200s\" is not a usable file name",
				 nm->valuestring);
			rc = PRECEDENT_EFIELD;
			goto out;
		}
		if (j->kind == KIND_DOCS && !is_doc_name(names[i])) {
			snprintf(
			    err, errlen,
			    "%.200s: docs are Markdown (.md, .markdown), HTML (.html, .htm) or "
			    "text (.txt) files",
			    names[i]);
			rc = PRECEDENT_EINVAL;
			goto out;
		}
		total += strlen(ct->valuestring);
		if (total > IMPORT_INLINE_CAP) {
			snprintf(err, errlen,
				 "inline files are larger than %u MiB: import them by path instead",
				 IMPORT_INLINE_CAP >> 20);
			rc = PRECEDENT_ETOOBIG;
			goto out;
		}
	}
	/* A folder picked in the browser names every file under the folder's own name:
	 * drop it, so paths are relative to the folder as with `index docs DIR`. */
	if (j->kind == KIND_DOCS) {
		const char *slash = strchr(names[0], '/');
		common = slash ? (size_t)(slash - names[0]) + 1 : 0;
		for (size_t k = 1; k < count && common; k++)
			if (strncmp(names[k], names[0], common) != 0)
				common = 0;
	}
	if (!(j->tmpdir = make_tmpdir())) {
		snprintf(err, errlen, "cannot make a temporary directory: %s", strerror(errno));
		rc = PRECEDENT_EIO;
		goto out;
	}
	i = 0;
	for (it = one ? one : inl->child; it && i < count; it = one ? NULL : it->next, i++) {
		const cJSON *ct = cJSON_GetObjectItemCaseSensitive(it, "content");
		const char *rel = j->kind == KIND_DOCS ? names[i] + common : base_name(names[i]);
		if (make_parents(j->tmpdir, rel) ||
		    write_new_file(j->tmpdir, rel, ct->valuestring, strlen(ct->valuestring))) {
			snprintf(err, errlen, "cannot write %s to a temporary file: %s", rel,
				 strerror(errno));
			rc = PRECEDENT_EIO;
			goto out;
		}
	}
	buf_t in;
	buf_init(&in, 0);
	if (j->kind == KIND_DOCS)
		buf_puts(&in, j->tmpdir);
	else
		buf_printf(&in, "%s/%s", j->tmpdir, base_name(names[0]));
	j->input = buf_steal(&in);
	if (one)
		j->source = xstrdup(base_name(names[0]));
	else if (common)
		j->source = xstrndup(names[0], common - 1);
	else
		j->source = xstrdup(count == 1 ? names[0] : "selected files");
	j->bytes_total = (long)total;
out:
	for (size_t k = 0; k < count; k++)
		free(names[k]);
	free(names);
	return rc;
}

/* Checks the agent's path and points j->input at it; a single docs file is taken
 * as an inline file of that name. */
static int take_path(import_job_t *j, const char *path, char *err, size_t errlen)
{
	struct stat st;
	buf_t full;
	int rc = 0;
	buf_init(&full, 0);
	if (path[0] == '~' && (path[1] == '/' || !path[1]) && getenv("HOME"))
		buf_printf(&full, "%s%s", getenv("HOME"), path + 1);
	else
		buf_puts(&full, path);
	const char *p = buf_cstr(&full);
	if (p[0] != '/') {
		snprintf(err, errlen, "path must be absolute (e.g. /home/you/export.jsonl): %.300s",
			 path);
		rc = PRECEDENT_EINVAL;
		goto out;
	}
	while (full.len > 1 && full.data[full.len - 1] == '/')
		full.data[--full.len] = '\0';
	if (stat(p, &st) != 0) {
		snprintf(err, errlen, "%.400s: %s", p, strerror(errno));
		rc = errno == ENOENT || errno == ENOTDIR ? PRECEDENT_ENOTFOUND : PRECEDENT_EIO;
		goto out;
	}
	int is_dir = S_ISDIR(st.st_mode);
	if (!is_dir && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%.400s is not a regular file or directory", p);
		rc = PRECEDENT_EINVAL;
		goto out;
	}
	if (is_dir && j->kind != KIND_DOCS) {
		snprintf(err, errlen, "%.400s is a directory: %s are imported from one file", p,
			 kind_names[j->kind]);
		rc = PRECEDENT_EINVAL;
		goto out;
	}
	if (access(p, is_dir ? R_OK | X_OK : R_OK) != 0) {
		snprintf(err, errlen, "%.400s: %s", p, strerror(errno));
		rc = PRECEDENT_EIO;
		goto out;
	}
	if (!is_dir) {
		/* Open it once now: an unreadable file fails here, not in the background. */
		int fd = open(p, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			snprintf(err, errlen, "%.400s: %s", p, strerror(errno));
			rc = PRECEDENT_EIO;
			goto out;
		}
		close(fd);
	}
	if (j->kind == KIND_DOCS && !is_dir) {
		char *text = NULL;
		size_t len = 0;
		if (!is_doc_name(p)) {
			snprintf(
			    err, errlen,
			    "%.400s: docs are Markdown (.md, .markdown), HTML (.html, .htm) or "
			    "text (.txt) files, or a directory of them",
			    p);
			rc = PRECEDENT_EINVAL;
			goto out;
		}
		if ((rc = read_file(p, DOC_FILE_CAP, &text, &len))) {
			snprintf(err, errlen, "%.400s: %s", p,
				 rc == PRECEDENT_ETOOBIG ? "file too large" : strerror(errno));
			goto out;
		}
		if (!(j->tmpdir = make_tmpdir()) ||
		    write_new_file(j->tmpdir, base_name(p), text, len)) {
			snprintf(err, errlen, "cannot copy %.400s to a temporary directory: %s", p,
				 strerror(errno));
			rc = PRECEDENT_EIO;
		}
		free(text);
		if (rc)
			goto out;
		j->input = xstrdup(j->tmpdir);
	} else {
		j->input = xstrdup(p);
	}
	j->source = xstrdup(p);
	j->bytes_total = is_dir ? 0 : (long)st.st_size;
out:
	buf_release(&full);
	return rc;
}

int import_job_running(import_job_t *j)
{
	if (!j)
		return 0;
	pthread_mutex_lock(&j->mu);
	int r = j->state == ST_RUNNING;
	pthread_mutex_unlock(&j->mu);
	return r;
}

int import_job_start(import_job_t **slot, app_t *app, const cJSON *msg, cJSON **result, char *err,
		     size_t errlen)
{
	import_job_t *j = NULL;
	int rc;
	*result = NULL;
	if (*slot && import_job_running(*slot)) {
		pthread_mutex_lock(&(*slot)->mu);
		snprintf(err, errlen,
			 "an import is already running (%s from %.300s, %ld records so far): one "
			 "import at a time; wait for it to finish",
			 kind_names[(*slot)->kind], (*slot)->source, (*slot)->records);
		pthread_mutex_unlock(&(*slot)->mu);
		return PRECEDENT_EBUSY;
	}
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(msg, "kind");
	const cJSON *format = cJSON_GetObjectItemCaseSensitive(msg, "format");
	const cJSON *path = cJSON_GetObjectItemCaseSensitive(msg, "path");
	const cJSON *inl = cJSON_GetObjectItemCaseSensitive(msg, "inline");
	if (cJSON_IsNull(path))
		path = NULL;
	if (cJSON_IsNull(inl))
		inl = NULL;
	int k = -1;
	for (int i = 0; i < 3 && cJSON_IsString(kind); i++)
		if (!strcmp(kind->valuestring, kind_names[i]))
			k = i;
	if (k < 0) {
		snprintf(err, errlen, "field kind must be \"tickets\", \"docs\" or \"customers\"");
		return PRECEDENT_EFIELD;
	}
	ingest_format_t fmt = INGEST_JSONL;
	int auto_fmt = 1;
	if (format && !cJSON_IsNull(format)) {
		const char *fv = cJSON_IsString(format) ? format->valuestring : "";
		int known;
		if (!strcmp(fv, "auto"))
			known = 1;
		else if (k == KIND_TICKETS)
			auto_fmt = !(known = ingest_format_parse(fv, &fmt) == 0);
		else
			known = k == KIND_CUSTOMERS && !strcmp(fv, "csv");
		if (!known) {
			if (k == KIND_TICKETS)
				snprintf(err, errlen,
					 "field format must be \"auto\", \"jsonl\", "
					 "\"csv\", \"zendesk\" or \"freshdesk\"");
			else
				snprintf(
				    err, errlen,
				    "field format: %s take no format (leave it out or \"auto\")",
				    kind_names[k]);
			return PRECEDENT_EFIELD;
		}
	}
	if (!!path == !!inl) {
		snprintf(err, errlen,
			 "give either path (a local file%s) or inline ({name, content} from a file "
			 "picker)",
			 k == KIND_DOCS ? " or directory" : "");
		return PRECEDENT_EFIELD;
	}
	if (path && (!cJSON_IsString(path) || !*path->valuestring)) {
		snprintf(err, errlen, "field path must be a non-empty string");
		return PRECEDENT_EFIELD;
	}
	if ((rc = app_need_store(app, err, errlen)))
		return rc;
	if (app->readonly) {
		snprintf(err, errlen, "%s is read-only: importing needs a writable database",
			 app->db_path);
		return PRECEDENT_EREADONLY;
	}
	j = xcalloc(1, sizeof *j);
	pthread_mutex_init(&j->mu, NULL);
	j->kind = (kind_t)k;
	j->fmt = fmt;
	if ((rc = path ? take_path(j, path->valuestring, err, errlen)
		       : take_inline(j, inl, err, errlen)))
		goto fail;
	if (j->kind == KIND_TICKETS && auto_fmt)
		j->fmt = sniff_format(j->source, j->input);
	j->db_path = xstrdup(app->db_path);
	j->redactor = app->redactor;
	j->id = *slot ? (*slot)->id + 1 : 1;
	j->state = ST_RUNNING;
	j->t0 = now_ms();
	now_iso8601(j->started_at, sizeof j->started_at);
	atomic_init(&j->cancel, 0);
	if (pthread_create(&j->thread, NULL, job_main, j) != 0) {
		snprintf(err, errlen, "could not start the import thread: %s", strerror(errno));
		rc = PRECEDENT_EBUSY;
		goto fail;
	}
	j->have_thread = 1;
	import_job_free(slot); /* the previous, finished job */
	*slot = j;
	*result = import_job_status(j);
	return 0;
fail:
	job_free_now(j);
	return rc;
}

/* One rejection line, "where:line: reason" or "where: reason", as an object. */
static cJSON *rejection_json(const char *line, size_t len)
{
	cJSON *o = cJSON_CreateObject();
	char *s = xstrndup(line, len);
	char *sep = strstr(s, ": ");
	long ln = 0;
	if (sep) {
		*sep = '\0';
		char *colon = strrchr(s, ':');
		if (colon && colon[1] && strspn(colon + 1, "0123456789") == strlen(colon + 1)) {
			ln = strtol(colon + 1, NULL, 10);
			*colon = '\0';
		}
	}
	cJSON_AddStringToObject(o, "where", sep ? s : "");
	if (ln > 0)
		cJSON_AddNumberToObject(o, "line", (double)ln);
	else
		cJSON_AddNullToObject(o, "line");
	cJSON_AddStringToObject(o, "reason", sep ? sep + 2 : s);
	free(s);
	return o;
}

cJSON *import_job_status(import_job_t *j)
{
	if (!j)
		return cJSON_CreateNull();
	cJSON *o = cJSON_CreateObject();
	pthread_mutex_lock(&j->mu);
	cJSON_AddNumberToObject(o, "job", (double)j->id);
	cJSON_AddStringToObject(o, "state", state_names[j->state]);
	cJSON_AddStringToObject(o, "kind", kind_names[j->kind]);
	const char *fmt = j->kind == KIND_DOCS	      ? "docs"
			  : j->kind == KIND_CUSTOMERS ? "csv"
			  : j->fmt == INGEST_JSONL    ? "jsonl"
						      : ingest_format_name(j->fmt);
	cJSON_AddStringToObject(o, "format", fmt);
	cJSON_AddStringToObject(o, "source", j->source);
	cJSON_AddStringToObject(o, "started_at", j->started_at);
	double el = j->state == ST_RUNNING ? now_ms() - j->t0 : j->elapsed_ms;
	cJSON_AddNumberToObject(o, "elapsed_ms", (double)(long)el);
	cJSON_AddNumberToObject(o, "records", (double)j->records);
	cJSON_AddNumberToObject(o, "bytes", (double)j->bytes);
	cJSON_AddNumberToObject(o, "bytes_total", (double)j->bytes_total);
	if (j->kind == KIND_DOCS) {
		cJSON_AddNumberToObject(o, "files", (double)j->files_done);
		cJSON_AddNumberToObject(o, "files_total", (double)j->files_total);
	}
	cJSON_AddNumberToObject(o, "imported", (double)j->imported);
	cJSON_AddNumberToObject(o, "updated", (double)j->updated);
	cJSON_AddNumberToObject(o, "skipped", (double)j->skipped);
	cJSON_AddNumberToObject(o, "rejected", (double)j->rejected);
	cJSON *rj = cJSON_AddArrayToObject(o, "rejections");
	long listed = 0;
	for (const char *p = j->rejections ? j->rejections : ""; *p;) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		if (l) {
			cJSON_AddItemToArray(rj, rejection_json(p, l));
			listed++;
		}
		p += l + (nl ? 1 : 0);
	}
	if (j->state != ST_RUNNING) {
		cJSON_AddNumberToObject(o, "more_rejections",
					(double)(j->rejected > listed ? j->rejected - listed : 0));
		/* as the CLI's exit status: rejected lines alone are not a failure unless
		 * nothing else could be read */
		cJSON_AddBoolToObject(
		    o, "ok",
		    j->state == ST_DONE &&
			!(j->rejected > 0 && j->imported + j->updated + j->skipped == 0));
	}
	if (j->state == ST_FAILED || j->state == ST_CANCELLED) {
		cJSON *e = cJSON_AddObjectToObject(o, "error");
		cJSON_AddStringToObject(e, "code", precedent_errcode(j->err_code));
		cJSON_AddStringToObject(e, "message",
					*j->err ? j->err : precedent_strerror(j->err_code));
	}
	pthread_mutex_unlock(&j->mu);
	return o;
}

void import_job_free(import_job_t **slot)
{
	import_job_t *j = *slot;
	if (!j)
		return;
	atomic_store(&j->cancel, 1);
	if (j->have_thread)
		pthread_join(j->thread, NULL);
	job_free_now(j);
	*slot = NULL;
}
