/*
 * store.c - SQLite schema, migrations and typed writes (see store.h).
 *
 * Migrations are an append-only list: migration i brings user_version from i to
 * i+1, each in one transaction. A database whose user_version is above what this
 * binary knows is refused with a clear message rather than touched.
 */
#include "precedent/store.h"
#include "precedent/error.h"
#include "precedent/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STMT_CACHE 8

struct store {
	sqlite3 *db;
	/* Statements of the bulk import path, prepared once (keyed by their SQL text's
	 * address: the SQL is always a string literal of this file). */
	struct {
		const char *sql;
		sqlite3_stmt *st;
	} cache[STMT_CACHE];
	double tx_started_ms;   /* when the open write transaction began */
	double last_commit_ms;  /* when this connection last committed */
	char *path;
	char *vault_path;
	int readonly;
};

static const char *const migrations[] = {
    /* 0 -> 1: the first schema */
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
    "CREATE TABLE tickets("
    "  rowid INTEGER PRIMARY KEY,"
    "  id TEXT NOT NULL UNIQUE,"
    "  subject TEXT NOT NULL DEFAULT '',"
    "  problem TEXT NOT NULL DEFAULT '',"
    "  resolution TEXT NOT NULL DEFAULT '',"
    "  answer TEXT NOT NULL DEFAULT '',"
    "  resolution_code TEXT NOT NULL DEFAULT '',"
    "  tags TEXT NOT NULL DEFAULT '',"
    "  status TEXT NOT NULL DEFAULT '',"
    "  created_at TEXT, closed_at TEXT,"
    "  body_json TEXT NOT NULL DEFAULT '{}',"
    "  content_hash TEXT NOT NULL DEFAULT '',"
    "  source TEXT NOT NULL DEFAULT 'import',"
    "  imported_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
    "CREATE VIRTUAL TABLE tickets_fts USING fts5(subject, problem, resolution, answer, tags,"
    "  content='tickets', content_rowid='rowid', tokenize='porter unicode61 remove_diacritics 2');"
    "CREATE TRIGGER tickets_ai AFTER INSERT ON tickets BEGIN"
    "  INSERT INTO tickets_fts(rowid, subject, problem, resolution, answer, tags)"
    "  VALUES (new.rowid, new.subject, new.problem, new.resolution, new.answer, new.tags); END;"
    "CREATE TRIGGER tickets_ad AFTER DELETE ON tickets BEGIN"
    "  INSERT INTO tickets_fts(tickets_fts, rowid, subject, problem, resolution, answer, tags)"
    "  VALUES ('delete', old.rowid, old.subject, old.problem, old.resolution, old.answer, old.tags); END;"
    "CREATE TRIGGER tickets_au AFTER UPDATE ON tickets BEGIN"
    "  INSERT INTO tickets_fts(tickets_fts, rowid, subject, problem, resolution, answer, tags)"
    "  VALUES ('delete', old.rowid, old.subject, old.problem, old.resolution, old.answer, old.tags);"
    "  INSERT INTO tickets_fts(rowid, subject, problem, resolution, answer, tags)"
    "  VALUES (new.rowid, new.subject, new.problem, new.resolution, new.answer, new.tags); END;"
    "CREATE TABLE docs(path TEXT PRIMARY KEY, title TEXT NOT NULL DEFAULT '',"
    "  content_hash TEXT NOT NULL DEFAULT '',"
    "  imported_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
    "CREATE TABLE doc_sections("
    "  rowid INTEGER PRIMARY KEY,"
    "  doc_path TEXT NOT NULL REFERENCES docs(path) ON DELETE CASCADE,"
    "  anchor TEXT NOT NULL, title TEXT NOT NULL DEFAULT '',"
    "  heading_path TEXT NOT NULL DEFAULT '', body TEXT NOT NULL DEFAULT '',"
    "  ord INTEGER NOT NULL DEFAULT 0, UNIQUE(doc_path, anchor));"
    "CREATE VIRTUAL TABLE sections_fts USING fts5(title, body,"
    "  content='doc_sections', content_rowid='rowid', tokenize='porter unicode61 remove_diacritics 2');"
    "CREATE TRIGGER sections_ai AFTER INSERT ON doc_sections BEGIN"
    "  INSERT INTO sections_fts(rowid, title, body) VALUES (new.rowid, new.heading_path, new.body); END;"
    "CREATE TRIGGER sections_ad AFTER DELETE ON doc_sections BEGIN"
    "  INSERT INTO sections_fts(sections_fts, rowid, title, body)"
    "  VALUES ('delete', old.rowid, old.heading_path, old.body); END;"
    "CREATE TABLE drafts("
    "  id TEXT PRIMARY KEY, ticket_id TEXT NOT NULL,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
    "  mode TEXT NOT NULL, provider TEXT, model TEXT,"
    "  text TEXT NOT NULL, citations_json TEXT NOT NULL DEFAULT '[]',"
    "  flags_json TEXT NOT NULL DEFAULT '[]', sources_json TEXT NOT NULL DEFAULT '[]',"
    "  key_terms TEXT NOT NULL DEFAULT '', confidence REAL NOT NULL DEFAULT 0);"
    "CREATE INDEX drafts_ticket ON drafts(ticket_id);"
    "CREATE TABLE feedback("
    "  rowid INTEGER PRIMARY KEY, draft_id TEXT NOT NULL REFERENCES drafts(id),"
    "  kind TEXT NOT NULL, sent_text TEXT,"
    "  edit_distance INTEGER, edit_ratio REAL, word_edit_ratio REAL,"
    "  rating TEXT, comment TEXT,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
    "CREATE INDEX feedback_draft ON feedback(draft_id);"
    "CREATE TABLE gaps("
    "  rowid INTEGER PRIMARY KEY, ticket_id TEXT NOT NULL, draft_id TEXT,"
    "  key_terms TEXT NOT NULL DEFAULT '', best_score REAL NOT NULL DEFAULT 0,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
    "  closed_at TEXT);",
    /* 1 -> 2: the FTS5 vocabularies, for document frequencies at query time
     * (retrieve.c reads them instead of counting doclists) */
    "CREATE VIRTUAL TABLE tickets_vocab USING fts5vocab(tickets_fts, 'row');"
    "CREATE VIRTUAL TABLE sections_vocab USING fts5vocab(sections_fts, 'row');",
    /* 2 -> 3: the quality loop. draft_context: the draft's ticket as redacted at
     * drafting time (subject, problem, tags), for stats by tag and candidate
     * precedents. feedback: word distance and sentence fates. attribution: one row
     * per draft sentence and cited source (source_kind NULL: cites nothing).
     * source_scores: decayed counts of cited sentences and of deleted ones per source;
     * source_factors: the bounded retrieval factor 1 - 0.3 * deleted / (sentences + 2). */
    "CREATE TABLE draft_context("
    "  draft_id TEXT PRIMARY KEY, subject TEXT NOT NULL DEFAULT '',"
    "  problem TEXT NOT NULL DEFAULT '', tags_json TEXT NOT NULL DEFAULT '[]');"
    "ALTER TABLE feedback ADD COLUMN word_distance INTEGER;"
    "ALTER TABLE feedback ADD COLUMN sentences INTEGER;"
    "ALTER TABLE feedback ADD COLUMN kept INTEGER;"
    "ALTER TABLE feedback ADD COLUMN edited INTEGER;"
    "ALTER TABLE feedback ADD COLUMN deleted INTEGER;"
    "ALTER TABLE feedback ADD COLUMN kept_share REAL;"
    "CREATE TABLE attribution("
    "  rowid INTEGER PRIMARY KEY, draft_id TEXT NOT NULL, ord INTEGER NOT NULL,"
    "  fate TEXT NOT NULL, best_ratio REAL, words_kept REAL,"
    "  source_kind TEXT, source_id TEXT, sentence TEXT NOT NULL DEFAULT '',"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
    "CREATE INDEX attribution_draft ON attribution(draft_id);"
    "CREATE INDEX attribution_source ON attribution(source_kind, source_id);"
    "CREATE TABLE source_scores("
    "  source_kind TEXT NOT NULL, source_id TEXT NOT NULL,"
    "  weight REAL NOT NULL DEFAULT 0, deleted_weight REAL NOT NULL DEFAULT 0,"
    "  sentences INTEGER NOT NULL DEFAULT 0, kept INTEGER NOT NULL DEFAULT 0,"
    "  edited INTEGER NOT NULL DEFAULT 0, deleted INTEGER NOT NULL DEFAULT 0,"
    "  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
    "  PRIMARY KEY(source_kind, source_id));"
    "CREATE VIEW source_factors AS SELECT source_kind, source_id,"
    "  1.0 - 0.3 * deleted_weight / (weight + 2.0) AS factor FROM source_scores;",
    /* 3 -> 4: document frequencies cached by retrieval (an fts5vocab lookup
     * counts the term's whole doclist); importers clear a kind's rows when they
     * change it. kind: 0 tickets, 1 doc sections. */
    "CREATE TABLE df_cache(kind INTEGER NOT NULL, term TEXT NOT NULL, df INTEGER NOT NULL,"
    "  PRIMARY KEY(kind, term)) WITHOUT ROWID;",
    /* 4 -> 5: embeddings for optional dense re-ranking (float32 blobs), per kind
     * (0 tickets, 1 doc sections), row, model and hash of the embedded text. */
    "CREATE TABLE embeddings(kind INTEGER NOT NULL, row INTEGER NOT NULL,"
    "  model TEXT NOT NULL, hash TEXT NOT NULL, vec BLOB NOT NULL,"
    "  PRIMARY KEY(kind, row, model)) WITHOUT ROWID;",
    /* 5 -> 6: how a draft ended without being sent, from the extension: reason
     * ("regenerated", "ticket_changed", "tab_closed", ...) of a discarded draft,
     * and whether the draft was inserted into the composer (NULL: not reported). */
    "ALTER TABLE feedback ADD COLUMN reason TEXT;"
    "ALTER TABLE feedback ADD COLUMN inserted INTEGER;",
    /* 6 -> 7: the doc outline (docstruct.c). parent: the enclosing section's rowid
     * (from heading levels, or inferred between sibling sections); sub: titles and
     * leads of the descendants, indexed as a third, low-weight FTS column so a
     * chapter is found by what its subsections say. The FTS table is rebuilt with
     * that column; its vocabulary and the docs' cached frequencies go with it. */
    "ALTER TABLE doc_sections ADD COLUMN parent INTEGER;"
    "ALTER TABLE doc_sections ADD COLUMN sub TEXT NOT NULL DEFAULT '';"
    "DROP TABLE sections_vocab;"
    "DROP TRIGGER sections_ai;"
    "DROP TRIGGER sections_ad;"
    "DROP TABLE sections_fts;"
    "CREATE VIRTUAL TABLE sections_fts USING fts5(title, body, sub,"
    "  content='doc_sections', content_rowid='rowid', tokenize='porter unicode61 remove_diacritics 2');"
    "CREATE TRIGGER sections_ai AFTER INSERT ON doc_sections BEGIN"
    "  INSERT INTO sections_fts(rowid, title, body, sub)"
    "  VALUES (new.rowid, new.heading_path, new.body, new.sub); END;"
    "CREATE TRIGGER sections_ad AFTER DELETE ON doc_sections BEGIN"
    "  INSERT INTO sections_fts(sections_fts, rowid, title, body, sub)"
    "  VALUES ('delete', old.rowid, old.heading_path, old.body, old.sub); END;"
    "CREATE TRIGGER sections_au AFTER UPDATE OF heading_path, body, sub ON doc_sections BEGIN"
    "  INSERT INTO sections_fts(sections_fts, rowid, title, body, sub)"
    "  VALUES ('delete', old.rowid, old.heading_path, old.body, old.sub);"
    "  INSERT INTO sections_fts(rowid, title, body, sub)"
    "  VALUES (new.rowid, new.heading_path, new.body, new.sub); END;"
    "INSERT INTO sections_fts(rowid, title, body, sub)"
    "  SELECT rowid, heading_path, body, sub FROM doc_sections;"
    "CREATE VIRTUAL TABLE sections_vocab USING fts5vocab(sections_fts, 'row');"
    "DELETE FROM df_cache WHERE kind = 1;",
};
#define N_MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

/* The vault database: originals of PII, never part of the shareable index. */
static const char vault_schema[] =
    "CREATE TABLE IF NOT EXISTS vault.vault("
    "  ticket_id TEXT NOT NULL, placeholder TEXT NOT NULL, original TEXT NOT NULL,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
    "  PRIMARY KEY(ticket_id, placeholder));"
    "CREATE TABLE IF NOT EXISTS vault.customers("
    "  external_id TEXT PRIMARY KEY, name TEXT, email TEXT, organization TEXT, plan TEXT,"
    "  product_version TEXT, region TEXT, extra_json TEXT NOT NULL DEFAULT '{}');"
    "CREATE INDEX IF NOT EXISTS vault.customers_email ON customers(email);";

sqlite3 *store_db(store_t *s) { return s->db; }
const char *store_path(const store_t *s) { return s->path; }
const char *store_errmsg(store_t *s) { return sqlite3_errmsg(s->db); }

static int map_sqlite_error(int src)
{
	switch (src & 0xff) {
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return PRECEDENT_ECORRUPT;
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
		return PRECEDENT_EREADONLY;
	case SQLITE_FULL:
		return PRECEDENT_EFULL;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return PRECEDENT_EBUSY;
	default:
		return PRECEDENT_EDB;
	}
}

static int exec(store_t *s, const char *sql)
{
	int src = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	return src == SQLITE_OK ? 0 : map_sqlite_error(src);
}

/* Fairness between writers: a connection that just committed waits a moment
 * before taking the write lock again, so a writer polling in the busy handler
 * (every BUSY_POLL_MS) gets its turn between a bulk import's batches. */
#define YIELD_MS 4.0
#define BUSY_POLL_MS 2
#define BUSY_TIMEOUT_MS 10000
#define BATCH_MAX_MS 150.0

int store_begin(store_t *s)
{
	double since = now_ms() - s->last_commit_ms;
	if (s->last_commit_ms > 0 && since < YIELD_MS)
		sqlite3_sleep((int)(YIELD_MS - since) + 1);
	int rc = exec(s, "BEGIN IMMEDIATE");
	if (!rc)
		s->tx_started_ms = now_ms();
	return rc;
}

int store_begin_now(store_t *s)
{
	int rc = exec(s, "BEGIN IMMEDIATE");
	if (!rc)
		s->tx_started_ms = now_ms();
	return rc;
}

int store_commit(store_t *s)
{
	int rc = exec(s, "COMMIT");
	if (!rc)
		s->last_commit_ms = now_ms();
	return rc;
}

int store_batch_due(store_t *s)
{
	return !sqlite3_get_autocommit(s->db) && now_ms() - s->tx_started_ms >= BATCH_MAX_MS;
}

/* SQLite's default busy handler backs off to 100 ms sleeps, which loses every race
 * against a bulk writer that re-takes the lock at once; poll briefly instead. */
static int busy_handler(void *ctx, int count)
{
	(void)ctx;
	if ((long)count * BUSY_POLL_MS >= BUSY_TIMEOUT_MS)
		return 0;
	sqlite3_sleep(BUSY_POLL_MS);
	return 1;
}
void store_rollback(store_t *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

int store_schema_version(store_t *s)
{
	sqlite3_stmt *st;
	int v = -1;
	if (sqlite3_prepare_v2(s->db, "PRAGMA main.user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Creates the file with mode 0600 before SQLite does, so it never exists with a
 * wider mode. Existing files keep their mode. */
static void create_private(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
}

static int open_error(store_t *s, int src, const char *what, char *err, size_t errlen)
{
	int rc = map_sqlite_error(src);
	const char *msg = s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(src);
	switch (rc) {
	case PRECEDENT_ECORRUPT:
		snprintf(err, errlen,
			 "%s: the file is not a Precedent database or is corrupt (%s); move it away "
			 "and re-import, or pass another --db",
			 s->path, msg);
		break;
	case PRECEDENT_EREADONLY:
		snprintf(err, errlen,
			 "%s: cannot write the database (%s): check the permissions of the file and "
			 "its directory",
			 s->path, msg);
		break;
	case PRECEDENT_EFULL:
		snprintf(err, errlen, "%s: disk full while %s", s->path, what);
		break;
	default:
		snprintf(err, errlen, "%s: %s failed: %s", s->path, what, msg);
	}
	return rc;
}

static int migrate(store_t *s, char *err, size_t errlen)
{
	int v = store_schema_version(s);
	int src;
	if (v < 0)
		return open_error(s, sqlite3_errcode(s->db), "reading the schema version", err, errlen);
	if (v > N_MIGRATIONS) {
		snprintf(err, errlen,
			 "%s: database schema version %d is newer than this precedent-host supports "
			 "(%d); upgrade precedent-host",
			 s->path, v, N_MIGRATIONS);
		return PRECEDENT_ESCHEMA;
	}
	if (v == N_MIGRATIONS)
		return 0;
	if (s->readonly) {
		snprintf(err, errlen, "%s: database needs migration (version %d -> %d) but is open read-only",
			 s->path, v, N_MIGRATIONS);
		return PRECEDENT_EREADONLY;
	}
	for (; v < N_MIGRATIONS; v++) {
		char pragma[64];
		if ((src = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL)) != SQLITE_OK)
			return open_error(s, src, "starting a migration", err, errlen);
		snprintf(pragma, sizeof pragma, "PRAGMA main.user_version=%d", v + 1);
		if ((src = sqlite3_exec(s->db, migrations[v], NULL, NULL, NULL)) != SQLITE_OK ||
		    (src = sqlite3_exec(s->db, pragma, NULL, NULL, NULL)) != SQLITE_OK ||
		    (src = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK) {
			int rc = open_error(s, src, "migrating the schema", err, errlen);
			store_rollback(s);
			return rc;
		}
	}
	return 0;
}

static int first_read(store_t *s)
{
	int src;
	sqlite3_extended_result_codes(s->db, 0);
	sqlite3_busy_handler(s->db, busy_handler, NULL);
	if ((src = sqlite3_exec(s->db, s->readonly ? "PRAGMA query_only=1" : "PRAGMA journal_mode=WAL",
				NULL, NULL, NULL)) != SQLITE_OK)
		return src;
	return sqlite3_exec(s->db,
			    "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
			    "SELECT count(*) FROM sqlite_master;",
			    NULL, NULL, NULL);
}

/* file:PATH?immutable=1 with the URI's special characters escaped. */
static char *immutable_uri(const char *path)
{
	buf_t b;
	buf_init(&b, 0);
	buf_puts(&b, "file:");
	for (const char *p = path; *p; p++) {
		if (*p == '?' || *p == '#' || *p == '%')
			buf_printf(&b, "%%%02X", (unsigned char)*p);
		else
			buf_putc(&b, *p);
	}
	buf_puts(&b, "?mode=ro&immutable=1");
	return buf_steal(&b);
}

int store_open(const char *path, int flags, store_t **out, char *err, size_t errlen)
{
	store_t *s = xcalloc(1, sizeof *s);
	int rc = 0, src;
	*out = NULL;
	s->path = xstrdup(path);
	s->readonly = (flags & STORE_READONLY) != 0;
	buf_t vp;
	buf_init(&vp, 0);
	buf_printf(&vp, "%s.vault", path);
	s->vault_path = buf_steal(&vp);

	if (!s->readonly) {
		char *dir = xstrdup(path);
		char *slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = '\0';
			if (mkdir_p(dir) != 0) {
				snprintf(err, errlen, "cannot create directory %s: %s", dir, strerror(errno));
				free(dir);
				rc = errno == EROFS || errno == EACCES ? PRECEDENT_EREADONLY : PRECEDENT_EIO;
				goto out;
			}
		}
		free(dir);
		create_private(s->path);
		create_private(s->vault_path);
	}
	src = sqlite3_open_v2(s->path, &s->db,
			      s->readonly ? SQLITE_OPEN_READONLY
					  : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
			      NULL);
	if (src != SQLITE_OK) {
		rc = open_error(s, src, "opening", err, errlen);
		goto out;
	}
	sqlite3_extended_result_codes(s->db, 0);
	sqlite3_busy_handler(s->db, busy_handler, NULL);
	/* The first statement that reads the file tells a corrupt file apart. */
	src = first_read(s);
	if (src != SQLITE_OK && s->readonly && !access(s->path, R_OK)) {
		/* A WAL database in a directory we cannot write (a shared, centrally built
		 * index): SQLite cannot create the -shm file, so read it as immutable. */
		char *uri = immutable_uri(s->path);
		sqlite3_close_v2(s->db);
		s->db = NULL;
		src = sqlite3_open_v2(uri, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
		free(uri);
		if (src == SQLITE_OK)
			src = first_read(s);
	}
	if (src != SQLITE_OK) {
		rc = open_error(s, src, "opening", err, errlen);
		goto out;
	}
	if ((rc = migrate(s, err, errlen)))
		goto out;
	if (!s->readonly) {
		char *q = sqlite3_mprintf("ATTACH DATABASE %Q AS vault", s->vault_path);
		src = sqlite3_exec(s->db, q, NULL, NULL, NULL);
		sqlite3_free(q);
		if (src == SQLITE_OK)
			src = sqlite3_exec(s->db, "PRAGMA vault.journal_mode=WAL", NULL, NULL, NULL);
		if (src == SQLITE_OK)
			src = sqlite3_exec(s->db, vault_schema, NULL, NULL, NULL);
		if (src != SQLITE_OK) {
			rc = open_error(s, src, "opening the vault", err, errlen);
			goto out;
		}
	}
	*out = s;
	s = NULL;
out:
	store_close(s);
	return rc;
}

void store_close(store_t *s)
{
	if (!s)
		return;
	for (int i = 0; i < STMT_CACHE; i++)
		sqlite3_finalize(s->cache[i].st);
	if (s->db)
		sqlite3_close_v2(s->db);
	free(s->path);
	free(s->vault_path);
	free(s);
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static int step_done(store_t *s, sqlite3_stmt *st)
{
	int src = sqlite3_step(st);
	sqlite3_finalize(st);
	return src == SQLITE_DONE || src == SQLITE_ROW ? 0 : map_sqlite_error(src);
}

static int prepare(store_t *s, const char *sql, sqlite3_stmt **st)
{
	int src = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);
	return src == SQLITE_OK ? 0 : map_sqlite_error(src);
}

/* A cached statement, reset and unbound, owned by the store: never finalize it. */
static int prepare_cached(store_t *s, const char *sql, sqlite3_stmt **st)
{
	int i, src;
	for (i = 0; i < STMT_CACHE && s->cache[i].sql; i++) {
		if (s->cache[i].sql == sql) {
			*st = s->cache[i].st;
			sqlite3_reset(*st);
			sqlite3_clear_bindings(*st);
			return 0;
		}
	}
	src = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
	if (src != SQLITE_OK)
		return map_sqlite_error(src);
	if (i < STMT_CACHE) {
		s->cache[i].sql = sql;
		s->cache[i].st = *st;
	}
	return 0;
}

/* Finishes a statement from prepare_cached (finalizes it when the cache was full). */
static void done_cached(store_t *s, sqlite3_stmt *st)
{
	for (int i = 0; i < STMT_CACHE; i++) {
		if (s->cache[i].st == st) {
			sqlite3_reset(st);
			return;
		}
	}
	sqlite3_finalize(st);
}

static const char sql_ticket_hash[] = "SELECT content_hash FROM tickets WHERE id=?";
static const char sql_ticket_update[] =
    "UPDATE tickets SET subject=?2, problem=?3, resolution=?4, "
    "resolution_code=?5, tags=?6, status=?7, created_at=?8, closed_at=?9, "
    "body_json=?10, content_hash=?11, source=?12, answer=?13, "
    "imported_at=strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id=?1";
static const char sql_ticket_insert[] =
    "INSERT INTO tickets(id, subject, problem, resolution, resolution_code, "
    "tags, status, created_at, closed_at, body_json, content_hash, source, answer) "
    "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)";

int store_ticket_upsert(store_t *s, const store_ticket_t *t, int *outcome)
{
	sqlite3_stmt *st;
	int rc, src;
	*outcome = STORE_SKIPPED;
	if ((rc = prepare_cached(s, sql_ticket_hash, &st)))
		return rc;
	bind_text(st, 1, t->id);
	src = sqlite3_step(st);
	int exists = src == SQLITE_ROW;
	int same = exists && t->content_hash &&
		   strcmp((const char *)sqlite3_column_text(st, 0), t->content_hash) == 0;
	done_cached(s, st);
	if (src != SQLITE_ROW && src != SQLITE_DONE)
		return map_sqlite_error(src);
	if (same)
		return 0;
	if ((rc = prepare_cached(s, exists ? sql_ticket_update : sql_ticket_insert, &st)))
		return rc;
	bind_text(st, 1, t->id);
	bind_text(st, 2, t->subject ? t->subject : "");
	bind_text(st, 3, t->problem ? t->problem : "");
	bind_text(st, 4, t->resolution ? t->resolution : "");
	bind_text(st, 5, t->resolution_code ? t->resolution_code : "");
	bind_text(st, 6, t->tags ? t->tags : "");
	bind_text(st, 7, t->status ? t->status : "");
	bind_text(st, 8, t->created_at);
	bind_text(st, 9, t->closed_at);
	bind_text(st, 10, t->body_json ? t->body_json : "{}");
	bind_text(st, 11, t->content_hash ? t->content_hash : "");
	bind_text(st, 12, t->source ? t->source : "import");
	bind_text(st, 13, t->answer ? t->answer : "");
	src = sqlite3_step(st);
	done_cached(s, st);
	if (src != SQLITE_DONE)
		return map_sqlite_error(src);
	*outcome = exists ? STORE_UPDATED : STORE_INSERTED;
	return 0;
}

int store_doc_replace(store_t *s, const char *path, const char *title, const char *hash,
		      const store_section_t *sections, size_t n, int *outcome)
{
	sqlite3_stmt *st;
	int rc;
	*outcome = STORE_SKIPPED;
	if ((rc = prepare(s, "SELECT content_hash FROM docs WHERE path=?", &st)))
		return rc;
	bind_text(st, 1, path);
	int src = sqlite3_step(st);
	int exists = src == SQLITE_ROW;
	int same = exists && strcmp((const char *)sqlite3_column_text(st, 0), hash) == 0;
	sqlite3_finalize(st);
	if (src != SQLITE_ROW && src != SQLITE_DONE)
		return map_sqlite_error(src);
	if (same)
		return 0;
	if ((rc = prepare(s, "DELETE FROM doc_sections WHERE doc_path=?", &st)))
		return rc;
	bind_text(st, 1, path);
	if ((rc = step_done(s, st)))
		return rc;
	if ((rc = prepare(s, "INSERT OR REPLACE INTO docs(path, title, content_hash) VALUES (?,?,?)",
			  &st)))
		return rc;
	bind_text(st, 1, path);
	bind_text(st, 2, title);
	bind_text(st, 3, hash);
	if ((rc = step_done(s, st)))
		return rc;
	if ((rc = prepare(s,
			  "INSERT INTO doc_sections(doc_path, anchor, title, heading_path, body, ord) "
			  "VALUES (?,?,?,?,?,?)",
			  &st)))
		return rc;
	for (size_t i = 0; i < n; i++) {
		sqlite3_reset(st);
		bind_text(st, 1, path);
		bind_text(st, 2, sections[i].anchor);
		bind_text(st, 3, sections[i].title);
		bind_text(st, 4, sections[i].heading_path);
		bind_text(st, 5, sections[i].body);
		sqlite3_bind_int64(st, 6, (sqlite3_int64)i);
		src = sqlite3_step(st);
		if (src != SQLITE_DONE) {
			sqlite3_finalize(st);
			return map_sqlite_error(src);
		}
	}
	sqlite3_finalize(st);
	*outcome = exists ? STORE_UPDATED : STORE_INSERTED;
	return 0;
}

static long count_of(store_t *s, const char *sql)
{
	sqlite3_stmt *st;
	long n = -1;
	if (prepare(s, sql, &st))
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

int store_counts(store_t *s, long *tickets, long *sections, long *docs)
{
	*tickets = count_of(s, "SELECT count(*) FROM tickets");
	*sections = count_of(s, "SELECT count(*) FROM doc_sections");
	*docs = count_of(s, "SELECT count(*) FROM docs");
	return *tickets < 0 || *sections < 0 || *docs < 0 ? PRECEDENT_EDB : 0;
}

int store_vault_put(store_t *s, const char *ticket_id, const char *placeholder, const char *original)
{
	sqlite3_stmt *st;
	int rc;
	if ((rc = prepare(s,
			  "INSERT OR IGNORE INTO vault.vault(ticket_id, placeholder, original) "
			  "VALUES (?,?,?)",
			  &st)))
		return rc;
	bind_text(st, 1, ticket_id);
	bind_text(st, 2, placeholder);
	bind_text(st, 3, original);
	return step_done(s, st);
}

int store_vault_each(store_t *s, const char *ticket_id, store_vault_fn fn, void *ctx)
{
	sqlite3_stmt *st;
	int rc, src;
	if ((rc = prepare(s,
			  "SELECT placeholder, original FROM vault.vault WHERE ticket_id=? "
			  "ORDER BY rowid",
			  &st)))
		return rc;
	bind_text(st, 1, ticket_id);
	while ((src = sqlite3_step(st)) == SQLITE_ROW)
		fn(ctx, (const char *)sqlite3_column_text(st, 0),
		   (const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	return src == SQLITE_DONE ? 0 : map_sqlite_error(src);
}

int store_draft_insert(store_t *s, const store_draft_t *d)
{
	sqlite3_stmt *st;
	int rc;
	if ((rc = prepare(s,
			  "INSERT INTO drafts(id, ticket_id, mode, provider, model, text, "
			  "citations_json, flags_json, sources_json, key_terms, confidence) "
			  "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
			  &st)))
		return rc;
	bind_text(st, 1, d->id);
	bind_text(st, 2, d->ticket_id);
	bind_text(st, 3, d->mode ? d->mode : "offline");
	bind_text(st, 4, d->provider);
	bind_text(st, 5, d->model);
	bind_text(st, 6, d->text ? d->text : "");
	bind_text(st, 7, d->citations_json ? d->citations_json : "[]");
	bind_text(st, 8, d->flags_json ? d->flags_json : "[]");
	bind_text(st, 9, d->sources_json ? d->sources_json : "[]");
	bind_text(st, 10, d->key_terms ? d->key_terms : "");
	sqlite3_bind_double(st, 11, d->confidence);
	return step_done(s, st);
}

static char *col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return t ? xstrdup((const char *)t) : NULL;
}

int store_draft_get(store_t *s, const char *id, store_draft_t *d)
{
	sqlite3_stmt *st;
	int rc, src;
	memset(d, 0, sizeof *d);
	if ((rc = prepare(s,
			  "SELECT id, ticket_id, created_at, mode, provider, model, text, "
			  "citations_json, flags_json, sources_json, key_terms, confidence "
			  "FROM drafts WHERE id=?",
			  &st)))
		return rc;
	bind_text(st, 1, id);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		d->id = col_dup(st, 0);
		d->ticket_id = col_dup(st, 1);
		d->created_at = col_dup(st, 2);
		d->mode = col_dup(st, 3);
		d->provider = col_dup(st, 4);
		d->model = col_dup(st, 5);
		d->text = col_dup(st, 6);
		d->citations_json = col_dup(st, 7);
		d->flags_json = col_dup(st, 8);
		d->sources_json = col_dup(st, 9);
		d->key_terms = col_dup(st, 10);
		d->confidence = sqlite3_column_double(st, 11);
		rc = 0;
	} else {
		rc = src == SQLITE_DONE ? PRECEDENT_ENOTFOUND : map_sqlite_error(src);
	}
	sqlite3_finalize(st);
	return rc;
}

void store_draft_release(store_draft_t *d)
{
	free(d->id);
	free(d->ticket_id);
	free(d->created_at);
	free(d->mode);
	free(d->provider);
	free(d->model);
	free(d->text);
	free(d->citations_json);
	free(d->flags_json);
	free(d->sources_json);
	free(d->key_terms);
	memset(d, 0, sizeof *d);
}

int store_feedback_insert(store_t *s, const store_feedback_t *f)
{
	sqlite3_stmt *st;
	int rc;
	if ((rc = prepare(s,
			  "INSERT INTO feedback(draft_id, kind, sent_text, edit_distance, edit_ratio, "
			  "word_edit_ratio, rating, comment) VALUES (?,?,?,?,?,?,?,?)",
			  &st)))
		return rc;
	bind_text(st, 1, f->draft_id);
	bind_text(st, 2, f->kind);
	bind_text(st, 3, f->sent_text);
	if (f->sent_text) {
		sqlite3_bind_int64(st, 4, f->edit_distance);
		sqlite3_bind_double(st, 5, f->edit_ratio);
		sqlite3_bind_double(st, 6, f->word_edit_ratio);
	}
	bind_text(st, 7, f->rating);
	bind_text(st, 8, f->comment);
	if ((rc = step_done(s, st)))
		return rc;
	sqlite3_int64 row = sqlite3_last_insert_rowid(s->db);
	if (f->reason || f->inserted != STORE_FLAG_UNKNOWN) {
		/* Schema 6: the discard reason and the inserted flag of the row just written. */
		if ((rc = prepare(s, "UPDATE feedback SET reason=?2, inserted=?3 WHERE rowid=?1", &st)))
			return rc;
		sqlite3_bind_int64(st, 1, row);
		bind_text(st, 2, f->reason);
		if (f->inserted != STORE_FLAG_UNKNOWN)
			sqlite3_bind_int(st, 3, f->inserted == STORE_FLAG_YES);
		if ((rc = step_done(s, st)))
			return rc;
	}
	if (!f->sent_text || !f->has_quality)
		return 0;
	/* The quality columns of the row just written (schema 3). */
	if ((rc = prepare(s,
			  "UPDATE feedback SET word_distance=?2, sentences=?3, kept=?4, edited=?5, "
			  "deleted=?6, kept_share=?7 WHERE rowid=?1",
			  &st)))
		return rc;
	sqlite3_bind_int64(st, 1, row);
	sqlite3_bind_int64(st, 2, f->word_distance);
	sqlite3_bind_int64(st, 3, f->sentences);
	sqlite3_bind_int64(st, 4, f->kept);
	sqlite3_bind_int64(st, 5, f->edited);
	sqlite3_bind_int64(st, 6, f->deleted);
	sqlite3_bind_double(st, 7, f->kept_share);
	return step_done(s, st);
}

int store_gap_insert(store_t *s, const char *ticket_id, const char *draft_id,
		     const char *key_terms, double best_score)
{
	sqlite3_stmt *st;
	int rc;
	if ((rc = prepare(s,
			  "INSERT INTO gaps(ticket_id, draft_id, key_terms, best_score) VALUES (?,?,?,?)",
			  &st)))
		return rc;
	bind_text(st, 1, ticket_id);
	bind_text(st, 2, draft_id);
	bind_text(st, 3, key_terms);
	sqlite3_bind_double(st, 4, best_score);
	return step_done(s, st);
}

int store_customer_upsert(store_t *s, const store_customer_t *c)
{
	sqlite3_stmt *st;
	int rc;
	if ((rc = prepare(s,
			  "INSERT OR REPLACE INTO vault.customers(external_id, name, email, "
			  "organization, plan, product_version, region, extra_json) "
			  "VALUES (?,?,?,?,?,?,?,?)",
			  &st)))
		return rc;
	bind_text(st, 1, c->external_id);
	bind_text(st, 2, c->name);
	bind_text(st, 3, c->email);
	bind_text(st, 4, c->organization);
	bind_text(st, 5, c->plan);
	bind_text(st, 6, c->product_version);
	bind_text(st, 7, c->region);
	bind_text(st, 8, c->extra_json ? c->extra_json : "{}");
	return step_done(s, st);
}

/* ---- the quality loop (schema 3) ------------------------------------------------ */

int store_draft_context_put(store_t *s, const char *draft_id, const char *subject,
			    const char *problem, const char *tags_json)
{
	sqlite3_stmt *st;
	int rc;
	if ((rc = prepare(s,
			  "INSERT OR REPLACE INTO draft_context(draft_id, subject, problem, tags_json) "
			  "VALUES (?,?,?,?)",
			  &st)))
		return rc;
	bind_text(st, 1, draft_id);
	bind_text(st, 2, subject ? subject : "");
	bind_text(st, 3, problem ? problem : "");
	bind_text(st, 4, tags_json ? tags_json : "[]");
	return step_done(s, st);
}

int store_draft_context_get(store_t *s, const char *draft_id, char **subject, char **problem,
			    char **tags_json)
{
	sqlite3_stmt *st;
	int rc, src;
	*subject = *problem = *tags_json = NULL;
	if ((rc = prepare(s, "SELECT subject, problem, tags_json FROM draft_context WHERE draft_id=?",
			  &st)))
		return rc;
	bind_text(st, 1, draft_id);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		*subject = col_dup(st, 0);
		*problem = col_dup(st, 1);
		*tags_json = col_dup(st, 2);
		rc = 0;
	} else {
		rc = src == SQLITE_DONE ? PRECEDENT_ENOTFOUND : map_sqlite_error(src);
	}
	sqlite3_finalize(st);
	return rc;
}

int store_attribution_insert(store_t *s, const store_attribution_t *a)
{
	sqlite3_stmt *st;
	int rc;
	if ((rc = prepare(s,
			  "INSERT INTO attribution(draft_id, ord, fate, best_ratio, words_kept, "
			  "source_kind, source_id, sentence) VALUES (?,?,?,?,?,?,?,?)",
			  &st)))
		return rc;
	bind_text(st, 1, a->draft_id);
	sqlite3_bind_int64(st, 2, a->ord);
	bind_text(st, 3, a->fate);
	sqlite3_bind_double(st, 4, a->best_ratio);
	sqlite3_bind_double(st, 5, a->words_kept);
	bind_text(st, 6, a->source_kind);
	bind_text(st, 7, a->source_id);
	bind_text(st, 8, a->sentence ? a->sentence : "");
	return step_done(s, st);
}

int store_source_observe(store_t *s, const char *kind, const char *id, const char *fate)
{
	sqlite3_stmt *st;
	int rc;
	int kept = !strcmp(fate, "kept"), edited = !strcmp(fate, "edited"),
	    deleted = !strcmp(fate, "deleted");
	/* Decayed counts: each observation ages the older ones by STORE_SOURCE_DECAY, so a
	 * source recovers as later drafts keep its sentences. */
	if ((rc = prepare(s,
			  "INSERT INTO source_scores(source_kind, source_id, weight, deleted_weight, "
			  "sentences, kept, edited, deleted) VALUES (?1, ?2, 1, ?3, 1, ?4, ?5, ?3) "
			  "ON CONFLICT(source_kind, source_id) DO UPDATE SET "
			  "weight = weight * ?6 + 1, deleted_weight = deleted_weight * ?6 + ?3, "
			  "sentences = sentences + 1, kept = kept + ?4, edited = edited + ?5, "
			  "deleted = deleted + ?3, "
			  "updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now')",
			  &st)))
		return rc;
	bind_text(st, 1, kind);
	bind_text(st, 2, id);
	sqlite3_bind_int(st, 3, deleted);
	sqlite3_bind_int(st, 4, kept);
	sqlite3_bind_int(st, 5, edited);
	sqlite3_bind_double(st, 6, STORE_SOURCE_DECAY);
	return step_done(s, st);
}

void store_source_factors(sqlite3 *db, int doc, const sqlite3_int64 *rowids, size_t n,
			  double *out)
{
	sqlite3_stmt *st = NULL;
	int any = 0;
	for (size_t i = 0; i < n; i++)
		out[i] = 1.0;
	/* Nothing observed for this kind (the usual case): no lookups at all. */
	if (sqlite3_prepare_v2(db, "SELECT EXISTS(SELECT 1 FROM source_scores WHERE source_kind=?)",
			       -1, &st, NULL) != SQLITE_OK)
		return; /* an older schema: no adjustment */
	sqlite3_bind_text(st, 1, doc ? "doc" : "ticket", -1, SQLITE_STATIC);
	any = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (!any)
		return;
	const char *sql =
	    doc ? "SELECT f.factor FROM doc_sections d JOIN source_factors f ON f.source_kind='doc' "
		  "AND f.source_id = d.doc_path || '#' || d.anchor WHERE d.rowid=?"
		: "SELECT f.factor FROM tickets t JOIN source_factors f ON f.source_kind='ticket' "
		  "AND f.source_id = t.id WHERE t.rowid=?";
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return;
	for (size_t i = 0; i < n; i++) {
		double f = 1.0;
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, rowids[i]);
		if (sqlite3_step(st) == SQLITE_ROW)
			f = sqlite3_column_double(st, 0);
		if (!(f >= STORE_SOURCE_FACTOR_MIN))
			f = STORE_SOURCE_FACTOR_MIN;
		if (f > 1.0)
			f = 1.0;
		out[i] = f;
	}
	sqlite3_finalize(st);
}

double store_source_factor(sqlite3 *db, int doc, sqlite3_int64 rowid)
{
	double f;
	store_source_factors(db, doc, &rowid, 1, &f);
	return f;
}

int store_gap_of_draft(store_t *s, const char *draft_id, int *found)
{
	sqlite3_stmt *st;
	int rc, src;
	*found = 0;
	if ((rc = prepare(s, "SELECT 1 FROM gaps WHERE draft_id=? LIMIT 1", &st)))
		return rc;
	bind_text(st, 1, draft_id);
	src = sqlite3_step(st);
	*found = src == SQLITE_ROW;
	sqlite3_finalize(st);
	return src == SQLITE_ROW || src == SQLITE_DONE ? 0 : map_sqlite_error(src);
}
int store_df_cache_note(store_t *s, int kind, long changed)
{
	sqlite3_stmt *st;
	int rc;
	char key[32];
	long drift = 0;
	if (changed <= 0)
		return 0;
	snprintf(key, sizeof key, "df_cache_drift_%d", kind);
	if ((rc = prepare(s, "SELECT CAST(value AS INTEGER) FROM meta WHERE key=?", &st)))
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		drift = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	drift += changed;
	/* max(rowid): the size of the corpus in O(log n), good enough for a share */
	long rows = count_of(s, kind ? "SELECT coalesce(max(rowid), 0) FROM doc_sections"
				     : "SELECT coalesce(max(rowid), 0) FROM tickets");
	if (rows < STORE_DF_DRIFT_MIN_ROWS || drift * 100 > rows * STORE_DF_DRIFT_PERCENT) {
		if ((rc = store_df_cache_clear(s, kind)))
			return rc;
		drift = 0;
	}
	if ((rc = prepare(s, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", &st)))
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, drift);
	return step_done(s, st);
}

int store_df_cache_prefill(store_t *s, int kind)
{
	sqlite3_stmt *st;
	int rc;
	long have = 0;
	if ((rc = prepare(s, "SELECT count(*) FROM (SELECT 1 FROM df_cache WHERE kind=? LIMIT 1)",
			  &st)))
		return rc;
	sqlite3_bind_int(st, 1, kind);
	if (sqlite3_step(st) == SQLITE_ROW)
		have = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	long rows = count_of(s, kind ? "SELECT coalesce(max(rowid), 0) FROM doc_sections"
				     : "SELECT coalesce(max(rowid), 0) FROM tickets");
	if (have || rows < STORE_DF_PREFILL_MIN_ROWS)
		return 0;
	/* Read the vocabulary outside any write transaction (a full pass over the
	 * index: seconds at a million tickets), then write the common terms at once. */
	size_t n = 0, alloc = 0;
	char **terms = NULL;
	sqlite3_int64 *dfs = NULL;
	if ((rc = prepare(s, kind ? "SELECT term, doc FROM sections_vocab WHERE doc >= ?"
				  : "SELECT term, doc FROM tickets_vocab WHERE doc >= ?",
			  &st)))
		return rc;
	sqlite3_bind_int64(st, 1, STORE_DF_PREFILL_MIN_DF);
	int src;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 256;
			terms = xrealloc(terms, alloc * sizeof *terms);
			dfs = xrealloc(dfs, alloc * sizeof *dfs);
		}
		terms[n] = xstrdup((const char *)sqlite3_column_text(st, 0));
		dfs[n++] = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	rc = src == SQLITE_DONE ? 0 : map_sqlite_error(src);
	if (!rc && n && !(rc = store_begin(s))) {
		if (!(rc = prepare(s, "INSERT OR REPLACE INTO df_cache(kind, term, df) VALUES (?,?,?)",
				   &st))) {
			for (size_t i = 0; i < n && !rc; i++) {
				sqlite3_reset(st);
				sqlite3_bind_int(st, 1, kind);
				sqlite3_bind_text(st, 2, terms[i], -1, SQLITE_STATIC);
				sqlite3_bind_int64(st, 3, dfs[i]);
				if (sqlite3_step(st) != SQLITE_DONE)
					rc = PRECEDENT_EDB;
			}
			sqlite3_finalize(st);
		}
		if (rc)
			store_rollback(s);
		else
			rc = store_commit(s);
	}
	for (size_t i = 0; i < n; i++)
		free(terms[i]);
	free(terms);
	free(dfs);
	return rc;
}

int store_df_cache_clear(store_t *s, int kind)
{
	sqlite3_stmt *st;
	int rc;
	if ((rc = prepare(s, "DELETE FROM df_cache WHERE kind=?", &st)))
		return rc;
	sqlite3_bind_int(st, 1, kind);
	return step_done(s, st);
}
