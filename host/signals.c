/*
 * signals.c - draft_quality_signal and knowledge_gap_signal events: validation,
 * durable JSONL append, and webhook delivery through a local outbox.
 *
 * Durability: each event is one write(2) of a whole line on an O_APPEND descriptor
 * under flock(2) (several host processes may share the file), followed by fsync.
 * A file that does not end in '\n' (a crash mid-write) gets one first, so a torn
 * line never swallows the next event.
 *
 * Outbox: with a webhook, every event is also appended to the outbox file. Its
 * delivery position (a byte offset) lives in <outbox>.pos, replaced atomically
 * (write, fsync, rename) after each delivered event. Delivery is at least once: a
 * crash between a 2xx and the position update re-sends that event, and receivers
 * dedupe on the event "id". When everything is delivered the outbox is truncated
 * (position first, so a crash re-sends rather than skips). <outbox>.lock keeps a
 * second process from flushing at the same time.
 */
#include "precedent/signals.h"
#include "precedent/error.h"
#include "precedent/limits.h"
#include "precedent/util.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>
#include <curl/curl.h>

struct signals {
	char *jsonl_path, *outbox_path, *pos_path, *lock_path, *rejected_path;
	char *url, *auth_header;
	int jsonl_fd, outbox_fd; /* outbox_fd -1 without a webhook */
	long timeout_ms, backoff_min_ms, backoff_max_ms;
	int failures;		/* consecutive failed deliveries (backoff exponent) */
	double next_attempt_ms; /* now_ms() before which flush does not try again */
	int curl_inited;
	char err[256];	/* last emit error (caller's thread) */
	char ferr[256]; /* last flush error */
	/* threads: emit (caller) and the background deliverer share the outbox */
	pthread_mutex_t ob_mu;	  /* outbox descriptor: open, append, compact */
	pthread_mutex_t flush_mu; /* one flush at a time in this process */
	pthread_mutex_t mu;	  /* wake, closing */
	pthread_cond_t cv;
	pthread_t worker;
	int worker_started, wake, closing;
	long close_grace_ms;
	atomic_llong abort_at; /* now_ms() after which transfers abort; 0: never */
};

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int errno_code(int e)
{
	if (e == ENOSPC || e == EDQUOT)
		return PRECEDENT_EFULL;
	if (e == EROFS || e == EACCES || e == EPERM)
		return PRECEDENT_EREADONLY;
	return PRECEDENT_EIO;
}

int signals_default_path(char *out, size_t outlen)
{
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	int n;
	if (xdg && xdg[0] == '/')
		n = snprintf(out, outlen, "%s/precedent/events.jsonl", xdg);
	else if (home && home[0])
		n = snprintf(out, outlen, "%s/.local/share/precedent/events.jsonl", home);
	else
		return PRECEDENT_ECONFIG;
	return n < 0 || (size_t)n >= outlen ? PRECEDENT_ETOOBIG : 0;
}

/* ---- durable append ------------------------------------------------------------ */

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Opens for appending, mode 0600, and makes sure the file ends with '\n'. */
static int open_append(const char *path, int *fd_out, char *err, size_t errlen)
{
	char *dir = xstrdup(path);
	char *slash = strrchr(dir, '/');
	int rc = 0, fd = -1;
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir_p(dir)) {
			rc = errno_code(errno);
			seterr(err, errlen, "cannot create directory %s: %s", dir, strerror(errno));
			goto out;
		}
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = errno_code(errno);
		seterr(err, errlen, "cannot open %s: %s", path, strerror(errno));
		goto out;
	}
	struct stat st;
	if (fstat(fd, &st) == 0 && (st.st_mode & 077))
		(void)fchmod(fd, st.st_mode & 0700);
	if (st.st_size > 0) {
		int rfd = open(path, O_RDONLY | O_CLOEXEC);
		char last = '\n';
		if (rfd >= 0) {
			if (pread(rfd, &last, 1, st.st_size - 1) != 1)
				last = '\n';
			close(rfd);
		}
		if (last != '\n' && (flock(fd, LOCK_EX) != 0 || write_all(fd, "\n", 1) != 0 ||
				     flock(fd, LOCK_UN) != 0)) {
			rc = errno_code(errno);
			seterr(err, errlen, "cannot write %s: %s", path, strerror(errno));
			goto out;
		}
	}
	*fd_out = fd;
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	free(dir);
	return rc;
}

static int append_line(int fd, const char *line, size_t n, const char *path, char *err,
		       size_t errlen)
{
	int rc = 0;
	if (flock(fd, LOCK_EX) != 0) {
		rc = PRECEDENT_EIO;
		seterr(err, errlen, "cannot lock %s: %s", path, strerror(errno));
		return rc;
	}
	if (write_all(fd, line, n) != 0 || fsync(fd) != 0) {
		rc = errno_code(errno);
		seterr(err, errlen, "cannot write %s: %s", path, strerror(errno));
	}
	flock(fd, LOCK_UN);
	return rc;
}

/* ---- open / close --------------------------------------------------------------- */

static char *concat(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *p = xmalloc(la + lb + 1);
	memcpy(p, a, la);
	memcpy(p + la, b, lb + 1);
	return p;
}

static void *deliver_main(void *arg);

int signals_open(const signals_config_t *cfg, signals_t **out, char *err, size_t errlen)
{
	signals_t *s = NULL;
	int rc = 0;
	*out = NULL;
	if (!cfg || !cfg->events_path || !cfg->events_path[0]) {
		seterr(err, errlen, "signals: no events file configured");
		return PRECEDENT_ECONFIG;
	}
	s = xcalloc(1, sizeof *s);
	s->jsonl_fd = s->outbox_fd = -1;
	pthread_mutex_init(&s->ob_mu, NULL);
	pthread_mutex_init(&s->flush_mu, NULL);
	pthread_mutex_init(&s->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cv, &ca);
	pthread_condattr_destroy(&ca);
	atomic_init(&s->abort_at, 0);
	s->close_grace_ms = cfg->close_grace_ms > 0 ? cfg->close_grace_ms : 500;
	s->jsonl_path = xstrdup(cfg->events_path);
	s->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 5000;
	s->backoff_min_ms = cfg->backoff_min_ms > 0 ? cfg->backoff_min_ms : 200;
	s->backoff_max_ms = cfg->backoff_max_ms > 0 ? cfg->backoff_max_ms : 30000;
	if (cfg->webhook_url && cfg->webhook_url[0]) {
		if (strncmp(cfg->webhook_url, "http://", 7) != 0 &&
		    strncmp(cfg->webhook_url, "https://", 8) != 0) {
			rc = PRECEDENT_ECONFIG;
			seterr(err, errlen,
			       "signals: webhook URL must start with http:// or https://");
			goto out;
		}
		s->url = xstrdup(cfg->webhook_url);
		if (cfg->webhook_token && cfg->webhook_token[0])
			s->auth_header = concat("Authorization: Bearer ", cfg->webhook_token);
		s->outbox_path = cfg->outbox_path && cfg->outbox_path[0]
				     ? xstrdup(cfg->outbox_path)
				     : concat(s->jsonl_path, ".outbox");
		s->pos_path = concat(s->outbox_path, ".pos");
		s->lock_path = concat(s->outbox_path, ".lock");
		s->rejected_path = concat(s->outbox_path, ".rejected");
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			rc = PRECEDENT_ENET;
			seterr(err, errlen, "signals: libcurl initialisation failed");
			goto out;
		}
		s->curl_inited = 1;
		if (cfg->background) {
			s->wake = 1; /* events left by an earlier run */
			if (pthread_create(&s->worker, NULL, deliver_main, s) != 0) {
				rc = PRECEDENT_EIO;
				seterr(err, errlen, "signals: cannot start the delivery thread");
				goto out;
			}
			s->worker_started = 1;
		}
	}
	*out = s;
	s = NULL;
out:
	if (s)
		signals_close(s);
	return rc;
}

/* Opens the events file (and the outbox) on first use: a host that emits nothing
 * creates nothing. */
static int ensure_open(signals_t *s)
{
	int rc;
	if (s->jsonl_fd < 0 &&
	    (rc = open_append(s->jsonl_path, &s->jsonl_fd, s->err, sizeof s->err)))
		return rc;
	rc = 0;
	pthread_mutex_lock(&s->ob_mu);
	if (s->url && s->outbox_fd < 0)
		rc = open_append(s->outbox_path, &s->outbox_fd, s->err, sizeof s->err);
	pthread_mutex_unlock(&s->ob_mu);
	return rc;
}

/* For flush/pending: the outbox if one exists (from this run or an earlier one).
 * Returns 1 when there is an outbox to read, 0 when not, or a negative error. */
static int outbox_ready(signals_t *s)
{
	int rc = 1;
	if (!s->url)
		return 0;
	pthread_mutex_lock(&s->ob_mu);
	if (s->outbox_fd < 0) {
		if (access(s->outbox_path, F_OK) != 0)
			rc = 0;
		else if ((rc = open_append(s->outbox_path, &s->outbox_fd, s->ferr,
					   sizeof s->ferr)) == 0)
			rc = 1;
	}
	pthread_mutex_unlock(&s->ob_mu);
	return rc;
}

void signals_close(signals_t *s)
{
	if (!s)
		return;
	if (s->worker_started) {
		/* a transfer under way gets close_grace_ms, then is aborted; what is not
		 * delivered stays in the outbox for the next run */
		pthread_mutex_lock(&s->mu);
		s->closing = 1;
		atomic_store(&s->abort_at, (long long)(now_ms() + (double)s->close_grace_ms));
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
		pthread_join(s->worker, NULL);
	}
	pthread_mutex_destroy(&s->ob_mu);
	pthread_mutex_destroy(&s->flush_mu);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	if (s->jsonl_fd >= 0)
		close(s->jsonl_fd);
	if (s->outbox_fd >= 0)
		close(s->outbox_fd);
	if (s->curl_inited)
		curl_global_cleanup();
	free(s->jsonl_path);
	free(s->outbox_path);
	free(s->pos_path);
	free(s->lock_path);
	free(s->rejected_path);
	free(s->url);
	if (s->auth_header) {
		explicit_bzero(s->auth_header, strlen(s->auth_header));
		free(s->auth_header);
	}
	free(s);
}

const char *signals_error(const signals_t *s)
{
	return s ? s->err : "";
}

/* ---- validation ------------------------------------------------------------------ */

static const cJSON *field(const cJSON *o, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(o, name);
}

enum { OPT = 0, REQ = 1 };	 /* the key must be present */
enum { NONULL = 0, NULLOK = 1 }; /* null is allowed */
enum { ANY = 0, NONEMPTY = 1 };	 /* strings: "" refused */

static int want_string(const cJSON *o, const char *name, int required, int nullable, int nonempty,
		       char *err, size_t errlen)
{
	const cJSON *f = field(o, name);
	if (!f) {
		if (!required)
			return 0;
		seterr(err, errlen, "missing field \"%s\"", name);
		return PRECEDENT_EFIELD;
	}
	if (nullable && cJSON_IsNull(f))
		return 0;
	if (!cJSON_IsString(f) || (nonempty && !f->valuestring[0])) {
		seterr(err, errlen, "field \"%s\" must be a %sstring%s", name,
		       nonempty ? "non-empty " : "", nullable ? " or null" : "");
		return PRECEDENT_EFIELD;
	}
	return 0;
}

static int want_enum(const cJSON *o, const char *name, int required, int nullable,
		     const char *const *vals, char *err, size_t errlen)
{
	int rc = want_string(o, name, required, nullable, NONEMPTY, err, errlen);
	const cJSON *f = field(o, name);
	if (rc || !f || cJSON_IsNull(f))
		return rc;
	for (; *vals; vals++)
		if (strcmp(f->valuestring, *vals) == 0)
			return 0;
	seterr(err, errlen, "field \"%s\" has an unknown value \"%s\"", name, f->valuestring);
	return PRECEDENT_EFIELD;
}

#define BIG 9007199254740992.0 /* 2^53: integers JSON readers keep exactly */

/* A number within [min, max]; an integer when want_int. */
static int want_number(const cJSON *o, const char *name, int required, int nullable, double min,
		       double max, int want_int, char *err, size_t errlen)
{
	const cJSON *f = field(o, name);
	if (!f) {
		if (!required)
			return 0;
		seterr(err, errlen, "missing field \"%s\"", name);
		return PRECEDENT_EFIELD;
	}
	if (nullable && cJSON_IsNull(f))
		return 0;
	if (!cJSON_IsNumber(f) || !isfinite(f->valuedouble) || f->valuedouble < min ||
	    f->valuedouble > max || (want_int && f->valuedouble != floor(f->valuedouble))) {
		if (want_int)
			seterr(err, errlen, "field \"%s\" must be a non-negative integer%s", name,
			       nullable ? " or null" : "");
		else if (max == 1)
			seterr(err, errlen, "field \"%s\" must be a number in 0..1%s", name,
			       nullable ? " or null" : "");
		else
			seterr(err, errlen, "field \"%s\" must be a number%s", name,
			       nullable ? " or null" : "");
		return PRECEDENT_EFIELD;
	}
	return 0;
}

static int validate_envelope(const char *type, const cJSON *ev, char *err, size_t errlen)
{
	char want[96];
	const cJSON *f;
	int rc;
	snprintf(want, sizeof want, "precedent.%s/%d", type, SIGNALS_SCHEMA_VERSION);
	if ((rc = want_string(ev, "schema", REQ, NONULL, NONEMPTY, err, errlen)))
		return rc;
	if (strcmp(field(ev, "schema")->valuestring, want) != 0) {
		seterr(err, errlen, "field \"schema\" must be \"%s\"", want);
		return PRECEDENT_EFIELD;
	}
	if ((rc = want_string(ev, "type", REQ, NONULL, NONEMPTY, err, errlen)))
		return rc;
	if (strcmp(field(ev, "type")->valuestring, type) != 0) {
		seterr(err, errlen, "field \"type\" must be \"%s\"", type);
		return PRECEDENT_EFIELD;
	}
	if ((rc = want_string(ev, "id", REQ, NONULL, NONEMPTY, err, errlen)))
		return rc;
	f = field(ev, "id");
	if (strlen(f->valuestring) != 32 || strspn(f->valuestring, "0123456789abcdef") != 32) {
		seterr(err, errlen, "field \"id\" must be 32 lower-case hex digits");
		return PRECEDENT_EFIELD;
	}
	if ((rc = want_string(ev, "ts", REQ, NONULL, NONEMPTY, err, errlen)))
		return rc;
	f = field(ev, "ts");
	struct tm tm = {0};
	const char *end = strptime(f->valuestring, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end || (*end == '.' && strspn(end + 1, "0123456789") != 3) ||
	    strcmp(end + (*end == '.' ? 4 : 0), "Z") != 0) {
		seterr(err, errlen,
		       "field \"ts\" must be an ISO-8601 UTC time (YYYY-MM-DDTHH:MM:SS[.mmm]Z)");
		return PRECEDENT_EFIELD;
	}
	return 0;
}

static int validate_sources(const cJSON *ev, char *err, size_t errlen)
{
	static const char *const kinds[] = {"ticket", "doc", NULL};
	static const char *const counts[] = {"sentences", "kept", "edited", "deleted"};
	const cJSON *arr = field(ev, "sources"), *it;
	int rc, i = 0;
	if (!cJSON_IsArray(arr)) {
		seterr(err, errlen, "field \"sources\" must be an array");
		return PRECEDENT_EFIELD;
	}
	cJSON_ArrayForEach(it, arr)
	{
		char sub[128];
		if (!cJSON_IsObject(it)) {
			seterr(err, errlen, "sources[%d] must be an object", i);
			return PRECEDENT_EFIELD;
		}
		if ((rc = want_enum(it, "kind", REQ, NONULL, kinds, sub, sizeof sub)) ||
		    (rc = want_string(it, "id", REQ, NONULL, NONEMPTY, sub, sizeof sub)) ||
		    (rc = want_string(it, "ref", REQ, NONULL, NONEMPTY, sub, sizeof sub))) {
			seterr(err, errlen, "sources[%d]: %s", i, sub);
			return rc;
		}
		for (size_t k = 0; k < sizeof counts / sizeof *counts; k++) {
			if ((rc = want_number(it, counts[k], OPT, NONULL, 0, BIG, 1, sub,
					      sizeof sub))) {
				seterr(err, errlen, "sources[%d]: %s", i, sub);
				return rc;
			}
		}
		i++;
	}
	return 0;
}

static int validate_sentences(const cJSON *ev, char *err, size_t errlen)
{
	static const char *const ints[] = {"total", "kept", "edited", "deleted"};
	const cJSON *o = field(ev, "sentences");
	char sub[128];
	int rc;
	if (!o || cJSON_IsNull(o))
		return 0;
	if (!cJSON_IsObject(o)) {
		seterr(err, errlen, "field \"sentences\" must be an object or null");
		return PRECEDENT_EFIELD;
	}
	for (size_t k = 0; k < sizeof ints / sizeof *ints; k++) {
		if ((rc = want_number(o, ints[k], REQ, NONULL, 0, BIG, 1, sub, sizeof sub))) {
			seterr(err, errlen, "sentences: %s", sub);
			return rc;
		}
	}
	if ((rc = want_number(o, "kept_share", REQ, NONULL, 0, 1, 0, sub, sizeof sub))) {
		seterr(err, errlen, "sentences: %s", sub);
		return rc;
	}
	return 0;
}

static int validate_draft_quality(const cJSON *ev, char *err, size_t errlen)
{
	static const char *const outcomes[] = {"sent", "discarded", "rating", NULL};
	static const char *const ratings[] = {"up", "down", NULL};
	int rc;
	if ((rc = want_string(ev, "draft_id", REQ, NONULL, NONEMPTY, err, errlen)) ||
	    (rc = want_enum(ev, "outcome", REQ, NONULL, outcomes, err, errlen)) ||
	    (rc = want_string(ev, "mode", OPT, NONULL, NONEMPTY, err, errlen)) ||
	    (rc = want_string(ev, "provider", REQ, NULLOK, NONEMPTY, err, errlen)) ||
	    (rc = want_string(ev, "model", REQ, NULLOK, ANY, err, errlen)) ||
	    (rc = want_number(ev, "confidence", REQ, NONULL, 0, 1, 0, err, errlen)) ||
	    (rc = validate_sources(ev, err, errlen)))
		return rc;
	/* edit scores: numbers once the reply was sent, null before */
	int sent = strcmp(field(ev, "outcome")->valuestring, "sent") == 0;
	int nul = sent ? NONULL : NULLOK;
	if ((rc = want_number(ev, "edit_distance", REQ, nul, 0, BIG, 1, err, errlen)) ||
	    (rc = want_number(ev, "edit_ratio", REQ, nul, 0, 1, 0, err, errlen)) ||
	    (rc = want_number(ev, "word_edit_ratio", REQ, nul, 0, 1, 0, err, errlen)) ||
	    (rc = want_number(ev, "word_distance", OPT, NULLOK, 0, BIG, 1, err, errlen)) ||
	    (rc = want_number(ev, "draft_length", OPT, NULLOK, 0, BIG, 1, err, errlen)) ||
	    (rc = want_number(ev, "sent_length", OPT, NULLOK, 0, BIG, 1, err, errlen)) ||
	    (rc = validate_sentences(ev, err, errlen)) ||
	    (rc = want_enum(ev, "rating", OPT, NULLOK, ratings, err, errlen)) ||
	    (rc = want_string(ev, "comment", OPT, NULLOK, ANY, err, errlen)) ||
	    (rc = want_number(ev, "seconds_to_send", OPT, NULLOK, 0, BIG, 0, err, errlen)) ||
	    (rc = want_string(ev, "reason", OPT, NULLOK, NONEMPTY, err, errlen)))
		return rc;
	const cJSON *ins = field(ev, "inserted");
	if (ins && !cJSON_IsBool(ins) && !cJSON_IsNull(ins)) {
		seterr(err, errlen, "field \"inserted\" must be true, false or null");
		return PRECEDENT_EFIELD;
	}
	if (strcmp(field(ev, "outcome")->valuestring, "rating") == 0 &&
	    !cJSON_IsString(field(ev, "rating"))) {
		seterr(err, errlen, "field \"rating\" is required when outcome is \"rating\"");
		return PRECEDENT_EFIELD;
	}
	return 0;
}

static int validate_knowledge_gap(const cJSON *ev, char *err, size_t errlen)
{
	const cJSON *terms = field(ev, "key_terms"), *t;
	int rc;
	if (!cJSON_IsArray(terms)) {
		seterr(err, errlen, "field \"key_terms\" must be an array of strings");
		return PRECEDENT_EFIELD;
	}
	cJSON_ArrayForEach(t, terms)
	{
		if (!cJSON_IsString(t) || !t->valuestring[0]) {
			seterr(err, errlen, "field \"key_terms\" must hold non-empty strings");
			return PRECEDENT_EFIELD;
		}
	}
	if ((rc = want_string(ev, "draft_id", OPT, NONULL, NONEMPTY, err, errlen)) ||
	    (rc = want_number(ev, "best_score", REQ, NONULL, -BIG, BIG, 0, err, errlen)) ||
	    (rc = want_number(ev, "confidence", OPT, NULLOK, 0, 1, 0, err, errlen)) ||
	    (rc = want_string(ev, "suggested_doc_area", OPT, NULLOK, ANY, err, errlen)))
		return rc;
	return 0;
}

int signals_validate(const char *type, const cJSON *ev, char *err, size_t errlen)
{
	int rc;
	if (!type) {
		seterr(err, errlen, "no event type");
		return PRECEDENT_ETYPE;
	}
	int dq = strcmp(type, SIGNALS_DRAFT_QUALITY) == 0;
	int kg = strcmp(type, SIGNALS_KNOWLEDGE_GAP) == 0;
	if (!dq && !kg) {
		seterr(err, errlen, "unknown event type \"%s\"", type);
		return PRECEDENT_ETYPE;
	}
	if (!cJSON_IsObject(ev)) {
		seterr(err, errlen, "event is not a JSON object");
		return PRECEDENT_EFIELD;
	}
	if ((rc = validate_envelope(type, ev, err, errlen)) ||
	    (rc = want_string(ev, "ticket_id", REQ, NONULL, NONEMPTY, err, errlen)))
		return rc;
	return dq ? validate_draft_quality(ev, err, errlen)
		  : validate_knowledge_gap(ev, err, errlen);
}

/* ---- canonical forms ------------------------------------------------------------- */

/* "#123", "[#123]", "doc: path#a", "[doc: path#a]" -> kind and id (malloc'd). */
static int parse_ref(const char *ref, int *kind, char **id)
{
	size_t n = strlen(ref);
	const char *p = ref;
	if (n >= 2 && p[0] == '[' && p[n - 1] == ']') {
		p++;
		n -= 2;
	}
	while (n && *p == ' ') {
		p++;
		n--;
	}
	while (n && p[n - 1] == ' ')
		n--;
	if (n > 1 && *p == '#') {
		*kind = EDITDIST_CITE_TICKET;
		*id = xstrndup(p + 1, n - 1);
		return 0;
	}
	if (n > 4 && strncasecmp(p, "doc:", 4) == 0) {
		p += 4;
		n -= 4;
		while (n && *p == ' ') {
			p++;
			n--;
		}
		if (!n)
			return -1;
		*kind = EDITDIST_CITE_DOC;
		*id = xstrndup(p, n);
		return 0;
	}
	return -1;
}

/* A source object {kind, id, ref}; counts are added by the caller. */
static cJSON *source_object(int kind, const char *id)
{
	cJSON *so = cJSON_CreateObject();
	buf_t ref;
	int doc = kind == EDITDIST_CITE_DOC;
	buf_init(&ref, 0);
	buf_printf(&ref, doc ? "[doc: %s]" : "[#%s]", id);
	cJSON_AddStringToObject(so, "kind", doc ? "doc" : "ticket");
	cJSON_AddStringToObject(so, "id", id);
	cJSON_AddStringToObject(so, "ref", buf_cstr(&ref));
	buf_release(&ref);
	return so;
}

/* Older or simpler payload forms to the documented ones (see signals_emit). */
static void canon_event(const char *type, cJSON *ev)
{
	cJSON *f = cJSON_GetObjectItemCaseSensitive(ev, "key_terms");
	if (strcmp(type, SIGNALS_KNOWLEDGE_GAP) == 0 && cJSON_IsString(f)) {
		cJSON *arr = cJSON_CreateArray();
		const char *p = f->valuestring;
		while (arr && *p) {
			while (*p == ' ' || *p == '\t' || *p == '\n')
				p++;
			size_t n = strcspn(p, " \t\n");
			if (n) {
				char *w = xstrndup(p, n);
				cJSON_AddItemToArray(arr, cJSON_CreateString(w));
				free(w);
			}
			p += n;
		}
		if (arr)
			cJSON_ReplaceItemInObjectCaseSensitive(ev, "key_terms", arr);
	}
	f = cJSON_GetObjectItemCaseSensitive(ev, "sources");
	if (cJSON_IsArray(f)) {
		int n = cJSON_GetArraySize(f);
		for (int i = 0; i < n; i++) {
			cJSON *it = cJSON_GetArrayItem(f, i);
			int kind;
			char *id;
			if (cJSON_IsString(it) && parse_ref(it->valuestring, &kind, &id) == 0) {
				cJSON *so = source_object(kind, id);
				if (so)
					cJSON_ReplaceItemInArray(f, i, so);
				free(id);
			}
		}
	}
	f = cJSON_GetObjectItemCaseSensitive(ev, "seconds_to_send");
	if (cJSON_IsNumber(f) && f->valuedouble < 0)
		cJSON_SetNumberValue(f, 0); /* clock skew between draft and send */
}

/* ---- emit -------------------------------------------------------------------------- */

static void event_id(char out[33])
{
	unsigned char r[16];
	static const char hex[] = "0123456789abcdef";
	size_t got = 0;
	while (got < sizeof r) {
		ssize_t n = getrandom(r + got, sizeof r - got, 0);
		if (n <= 0) {
			/* no entropy source: time and counter still give a unique id */
			static unsigned long ctr;
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			unsigned long long v = (unsigned long long)ts.tv_sec * 1000000000ull +
					       (unsigned long long)ts.tv_nsec;
			for (size_t i = 0; i < sizeof r; i++)
				r[i] = (unsigned char)((v >> (8 * (i % 8))) ^ (ctr++ * 131u) ^
						       (unsigned)getpid());
			break;
		}
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof r; i++) {
		out[2 * i] = hex[r[i] >> 4];
		out[2 * i + 1] = hex[r[i] & 15];
	}
	out[32] = '\0';
}

static void ts_now(char out[48], size_t n)
{
	struct timespec ts;
	struct tm tm;
	char base[32];
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, n, "%s.%03dZ", base, (int)(ts.tv_nsec / 1000000) % 1000);
}

int signals_emit(signals_t *s, const char *type, const cJSON *payload)
{
	return signals_emit_id(s, type, payload, NULL);
}

int signals_emit_id(signals_t *s, const char *type, const cJSON *payload, char *id_out)
{
	static const char *const reserved[] = {"schema", "type", "id", "ts"};
	char schema[96], id[33], ts[48];
	cJSON *ev = NULL;
	char *line = NULL;
	int rc = 0;
	s->err[0] = '\0';
	if (!type || (strcmp(type, SIGNALS_DRAFT_QUALITY) && strcmp(type, SIGNALS_KNOWLEDGE_GAP))) {
		seterr(s->err, sizeof s->err, "unknown event type \"%s\"", type ? type : "(null)");
		return PRECEDENT_ETYPE;
	}
	if (!cJSON_IsObject(payload)) {
		seterr(s->err, sizeof s->err, "payload is not a JSON object");
		return PRECEDENT_EFIELD;
	}
	for (size_t i = 0; i < sizeof reserved / sizeof *reserved; i++) {
		if (field(payload, reserved[i])) {
			seterr(s->err, sizeof s->err, "payload uses the reserved key \"%s\"",
			       reserved[i]);
			return PRECEDENT_EFIELD;
		}
	}
	snprintf(schema, sizeof schema, "precedent.%s/%d", type, SIGNALS_SCHEMA_VERSION);
	event_id(id);
	ts_now(ts, sizeof ts);
	ev = cJSON_CreateObject();
	if (!ev || !cJSON_AddStringToObject(ev, "schema", schema) ||
	    !cJSON_AddStringToObject(ev, "type", type) || !cJSON_AddStringToObject(ev, "id", id) ||
	    !cJSON_AddStringToObject(ev, "ts", ts)) {
		rc = PRECEDENT_ENOMEM;
		goto out;
	}
	const cJSON *it;
	cJSON_ArrayForEach(it, payload)
	{
		cJSON *dup = cJSON_Duplicate(it, 1);
		if (!dup) {
			rc = PRECEDENT_ENOMEM;
			goto out;
		}
		cJSON_AddItemToObject(ev, it->string, dup);
	}
	canon_event(type, ev);
	if ((rc = signals_validate(type, ev, s->err, sizeof s->err)))
		goto out;
	if ((rc = ensure_open(s)))
		goto out;
	line = cJSON_PrintUnformatted(ev);
	if (!line) {
		rc = PRECEDENT_ENOMEM;
		goto out;
	}
	size_t n = strlen(line);
	if (n + 1 > SIGNAL_EVENT_CAP) {
		rc = PRECEDENT_ETOOBIG;
		seterr(s->err, sizeof s->err, "event of %zu bytes is over the %u-byte cap", n,
		       SIGNAL_EVENT_CAP);
		goto out;
	}
	line[n] = '\n'; /* cJSON's buffer: replace the NUL, write n + 1 bytes */
	if ((rc = append_line(s->jsonl_fd, line, n + 1, s->jsonl_path, s->err, sizeof s->err)))
		goto out;
	if (s->url) {
		pthread_mutex_lock(&s->ob_mu);
		rc = append_line(s->outbox_fd, line, n + 1, s->outbox_path, s->err, sizeof s->err);
		pthread_mutex_unlock(&s->ob_mu);
		if (rc)
			goto out;
	}
	if (s->worker_started) {
		pthread_mutex_lock(&s->mu);
		s->wake = 1;
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
	}
	if (id_out)
		memcpy(id_out, id, sizeof id);
out:
	if (rc == PRECEDENT_ENOMEM)
		seterr(s->err, sizeof s->err, "out of memory");
	if (line)
		cJSON_free(line);
	cJSON_Delete(ev);
	return rc;
}

/* ---- outbox ---------------------------------------------------------------------------- */

static int read_pos(const signals_t *s, off_t *pos)
{
	char buf[32] = {0};
	*pos = 0;
	int fd = open(s->pos_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : PRECEDENT_EIO;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n < 0)
		return PRECEDENT_EIO;
	*pos = (off_t)strtoll(buf, NULL, 10);
	if (*pos < 0)
		*pos = 0;
	return 0;
}

/* Replaces <outbox>.pos atomically and durably. */
static int write_pos(signals_t *s, off_t pos)
{
	char buf[32], *tmp = concat(s->pos_path, ".tmp");
	int rc = 0, n = snprintf(buf, sizeof buf, "%lld\n", (long long)pos);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write_all(fd, buf, (size_t)n) != 0 || fsync(fd) != 0) {
		rc = errno_code(errno);
		seterr(s->ferr, sizeof s->ferr, "cannot write %s: %s", tmp, strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	if (!rc && rename(tmp, s->pos_path) != 0) {
		rc = errno_code(errno);
		seterr(s->ferr, sizeof s->ferr, "cannot rename %s: %s", tmp, strerror(errno));
	}
	if (rc)
		unlink(tmp);
	free(tmp);
	return rc;
}

/* Reads the line starting at pos. 0 with *line (caller frees, no '\n') and *next;
 * PRECEDENT_EEOF when no complete line is there; PRECEDENT_ETOOBIG for a line over
 * the cap (*next skips it). */
static int read_line_at(int fd, off_t pos, char **line, off_t *next)
{
	buf_t b;
	char chunk[8192];
	int rc = PRECEDENT_EEOF;
	off_t at = pos;
	*line = NULL;
	buf_init(&b, 0);
	for (;;) {
		ssize_t n = pread(fd, chunk, sizeof chunk, at);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = PRECEDENT_EIO;
			break;
		}
		if (n == 0)
			break;
		char *nl = memchr(chunk, '\n', (size_t)n);
		size_t take = nl ? (size_t)(nl - chunk) : (size_t)n;
		if (b.len + take < SIGNAL_EVENT_CAP)
			buf_append(&b, chunk, take);
		else
			b.rc = PRECEDENT_ETOOBIG;
		at += (off_t)take;
		if (nl) {
			*next = at + 1;
			rc = b.rc ? PRECEDENT_ETOOBIG : 0;
			break;
		}
	}
	if (rc == 0)
		*line = buf_steal(&b);
	buf_release(&b);
	return rc;
}

int signals_pending(signals_t *s, size_t *count)
{
	off_t pos, next;
	char *line;
	int rc;
	*count = 0;
	if ((rc = outbox_ready(s)) <= 0)
		return rc;
	int fd = open(s->outbox_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return PRECEDENT_EIO;
	if ((rc = read_pos(s, &pos)))
		goto out;
	for (;;) {
		rc = read_line_at(fd, pos, &line, &next);
		if (rc == PRECEDENT_EEOF) {
			rc = 0;
			break;
		}
		if (rc && rc != PRECEDENT_ETOOBIG)
			break;
		free(line);
		if (!rc || rc == PRECEDENT_ETOOBIG)
			(*count)++;
		pos = next;
	}
out:
	close(fd);
	return rc;
}

static size_t discard_body(char *p, size_t size, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return size * n;
}

/* Aborts a transfer once signals_close()'s grace period is over. */
static int xfer_abort(void *ud, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
	signals_t *s = ud;
	long long at = atomic_load(&s->abort_at);
	(void)a;
	(void)b;
	(void)c;
	(void)d;
	return at > 0 && now_ms() > (double)at;
}

/* POSTs one event. Returns 0 (2xx), 1 (rejected: move aside), or PRECEDENT_ENET. */
static int post_event(signals_t *s, const char *line, const char *type, const char *id,
		      long budget_ms)
{
	CURL *c = curl_easy_init();
	struct curl_slist *hdr = NULL;
	char h1[128], h2[128];
	long status = 0;
	int rc = PRECEDENT_ENET;
	if (!c)
		return PRECEDENT_ENET;
	snprintf(h1, sizeof h1, "X-Precedent-Event: %s", type ? type : "");
	snprintf(h2, sizeof h2, "X-Precedent-Event-Id: %s", id ? id : "");
	hdr = curl_slist_append(hdr, "Content-Type: application/json");
	hdr = curl_slist_append(hdr, h1);
	hdr = curl_slist_append(hdr, h2);
	hdr = curl_slist_append(hdr, "Expect:");
	if (s->auth_header)
		hdr = curl_slist_append(hdr, s->auth_header);
	long t = budget_ms < s->timeout_ms ? budget_ms : s->timeout_ms;
	if (t < 100)
		t = 100;
	curl_easy_setopt(c, CURLOPT_URL, s->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, line);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(line));
	curl_easy_setopt(c, CURLOPT_USERAGENT, "precedent-host/" PRECEDENT_VERSION);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, t);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, t < 3000 ? t : 3000L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard_body);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, xfer_abort);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, s);
	CURLcode cc = curl_easy_perform(c);
	if (cc == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		if (status >= 200 && status < 300)
			rc = 0;
		else if (status == 408 || status == 429 || status >= 500 || status < 200)
			rc = PRECEDENT_ENET;
		else
			rc = 1;
		if (rc)
			seterr(s->ferr, sizeof s->ferr, "webhook answered HTTP %ld", status);
	} else {
		/* the URL may carry credentials: name the error, not the URL */
		seterr(s->ferr, sizeof s->ferr, "webhook: %s", curl_easy_strerror(cc));
	}
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	return rc;
}

static long backoff_ms(const signals_t *s)
{
	long d = s->backoff_min_ms;
	for (int i = 1; i < s->failures && d < s->backoff_max_ms; i++)
		d *= 2;
	return d < s->backoff_max_ms ? d : s->backoff_max_ms;
}

static void sleep_ms(long ms)
{
	if (ms > 0)
		poll(NULL, 0, (int)ms);
}

/* With the outbox locked: if everything up to pos is delivered, empty it. */
static int compact(signals_t *s, off_t pos)
{
	struct stat st;
	int rc = 0;
	pthread_mutex_lock(&s->ob_mu);
	if (flock(s->outbox_fd, LOCK_EX) != 0) {
		pthread_mutex_unlock(&s->ob_mu);
		return PRECEDENT_EIO;
	}
	if (fstat(s->outbox_fd, &st) == 0 && st.st_size == pos && pos > 0) {
		if (!(rc = write_pos(s, 0)) && ftruncate(s->outbox_fd, 0) != 0)
			rc = errno_code(errno);
	}
	flock(s->outbox_fd, LOCK_UN);
	pthread_mutex_unlock(&s->ob_mu);
	return rc;
}

/* The flush itself; nosleep: stop at the first failure instead of waiting to retry
 * (the background deliverer waits on its condition variable instead). */
static int flush_impl(signals_t *s, int max_ms, size_t *delivered, int nosleep)
{
	double start = now_ms();
	off_t pos, next;
	int rc = 0, lock_fd = -1, rfd = -1;
	size_t done = 0;
	if (delivered)
		*delivered = 0;
	s->ferr[0] = '\0';
	if ((rc = outbox_ready(s)) <= 0)
		return rc;
	rc = 0;
	if (start < s->next_attempt_ms)
		return PRECEDENT_ENET; /* still backing off */
	lock_fd = open(s->lock_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (lock_fd < 0) {
		seterr(s->ferr, sizeof s->ferr, "cannot open %s: %s", s->lock_path,
		       strerror(errno));
		return PRECEDENT_EIO;
	}
	if (flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
		close(lock_fd);
		return PRECEDENT_EBUSY;
	}
	rfd = open(s->outbox_path, O_RDONLY | O_CLOEXEC);
	if (rfd < 0 || (rc = read_pos(s, &pos))) {
		rc = PRECEDENT_EIO;
		goto out;
	}
	for (;;) {
		char *line = NULL;
		rc = read_line_at(rfd, pos, &line, &next);
		if (rc == PRECEDENT_EEOF) {
			rc = compact(s, pos);
			break;
		}
		if (rc && rc != PRECEDENT_ETOOBIG)
			break;
		int res = 1; /* oversize or unparsable lines are set aside like rejected ones */
		if (!rc) {
			cJSON *ev = cJSON_Parse(line);
			const cJSON *ty = ev ? field(ev, "type") : NULL,
				    *id = ev ? field(ev, "id") : NULL;
			if (ev) {
				for (;;) {
					long left = (long)((double)max_ms - (now_ms() - start));
					if (left <= 0) {
						/* out of budget: ENET while the endpoint is failing
						 */
						res = s->failures ? PRECEDENT_ENET
								  : PRECEDENT_ETIMEOUT;
						break;
					}
					res = post_event(
					    s, line, cJSON_IsString(ty) ? ty->valuestring : NULL,
					    cJSON_IsString(id) ? id->valuestring : NULL, left);
					if (res >= 0)
						break;
					s->failures++;
					long wait = backoff_ms(s);
					s->next_attempt_ms = now_ms() + (double)wait;
					if (nosleep ||
					    now_ms() - start + (double)wait >= (double)max_ms)
						break;
					sleep_ms(wait);
				}
			}
			cJSON_Delete(ev);
		}
		if (res == 1 && line) {
			int rj = -1;
			size_t l = strlen(line);
			char *w = xmalloc(l + 2);
			memcpy(w, line, l);
			w[l] = '\n';
			if (open_append(s->rejected_path, &rj, s->ferr, sizeof s->ferr) == 0) {
				append_line(rj, w, l + 1, s->rejected_path, s->ferr,
					    sizeof s->ferr);
				close(rj);
			}
			free(w);
		}
		free(line);
		if (res < 0) {
			rc = res;
			break;
		}
		if (res == 0) {
			s->failures = 0;
			s->next_attempt_ms = 0;
			done++;
		}
		if ((rc = write_pos(s, next)))
			break;
		pos = next;
	}
out:
	if (rfd >= 0)
		close(rfd);
	flock(lock_fd, LOCK_UN);
	close(lock_fd);
	if (delivered)
		*delivered = done;
	return rc;
}

int signals_flush(signals_t *s, int max_ms, size_t *delivered)
{
	int rc;
	if (delivered)
		*delivered = 0;
	if (s->worker_started) { /* the deliverer owns the retry state: just wake it */
		pthread_mutex_lock(&s->mu);
		s->wake = 1;
		pthread_cond_signal(&s->cv);
		pthread_mutex_unlock(&s->mu);
		return PRECEDENT_EBUSY;
	}
	if (pthread_mutex_trylock(&s->flush_mu) != 0)
		return PRECEDENT_EBUSY;
	rc = flush_impl(s, max_ms, delivered, 0);
	pthread_mutex_unlock(&s->flush_mu);
	return rc;
}

const char *signals_flush_error(const signals_t *s)
{
	return s ? s->ferr : "";
}

/* The background deliverer: flushes when woken by an emit, and again at the retry
 * time after a failure, until signals_close(). */
static void *deliver_main(void *arg)
{
	signals_t *s = arg;
	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->wake && !s->closing) {
			if (s->next_attempt_ms > 0) {
				double at = s->next_attempt_ms;
				struct timespec ts = {.tv_sec = (time_t)(at / 1000.0),
						      .tv_nsec = (long)(fmod(at, 1000.0) * 1e6)};
				if (pthread_cond_timedwait(&s->cv, &s->mu, &ts) != 0 &&
				    now_ms() >= s->next_attempt_ms)
					s->wake = 1;
			} else {
				pthread_cond_wait(&s->cv, &s->mu);
			}
		}
		if (!s->wake)
			break; /* closing, nothing new */
		s->wake = 0;
		int closing = s->closing;
		pthread_mutex_unlock(&s->mu);
		pthread_mutex_lock(&s->flush_mu);
		int rc = flush_impl(s, 3600 * 1000, NULL, 1);
		pthread_mutex_unlock(&s->flush_mu);
		pthread_mutex_lock(&s->mu);
		if (rc == 0)
			s->next_attempt_ms = 0;
		if (closing || s->closing)
			break;
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* ---- payload builders ---------------------------------------------------------------- */

typedef struct src_acc {
	int kind; /* EDITDIST_CITE_* */
	char *id;
	size_t sentences, kept, edited, deleted;
} src_acc_t;

static src_acc_t *src_find(src_acc_t **v, size_t *n, int kind, const char *id)
{
	for (size_t i = 0; i < *n; i++)
		if ((*v)[i].kind == kind && strcmp((*v)[i].id, id) == 0)
			return &(*v)[i];
	*v = xrealloc(*v, (*n + 1) * sizeof **v);
	src_acc_t *a = &(*v)[(*n)++];
	memset(a, 0, sizeof *a);
	a->kind = kind;
	a->id = xstrdup(id);
	return a;
}

static void add_str_or_null(cJSON *o, const char *name, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, name, v);
	else
		cJSON_AddNullToObject(o, name);
}

cJSON *signals_draft_quality_payload(const signals_draft_quality_t *q)
{
	if (!q || !q->ticket_id || !q->draft_id || !q->outcome)
		return NULL;
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "ticket_id", q->ticket_id);
	cJSON_AddStringToObject(o, "draft_id", q->draft_id);
	cJSON_AddStringToObject(o, "outcome", q->outcome);
	if (q->mode)
		cJSON_AddStringToObject(o, "mode", q->mode);
	add_str_or_null(o, "provider", q->provider);
	add_str_or_null(o, "model", q->model);
	cJSON_AddNumberToObject(o, "confidence", q->confidence);

	/* sources: every ref the draft used, credited with its sentences' fates */
	src_acc_t *acc = NULL;
	size_t nacc = 0;
	for (size_t i = 0; i < q->nsources; i++) {
		int kind;
		char *id;
		if (q->sources[i] && parse_ref(q->sources[i], &kind, &id) == 0) {
			src_find(&acc, &nacc, kind, id);
			free(id);
		}
	}
	if (q->attribution) {
		for (size_t i = 0; i < q->attribution->count; i++) {
			const editdist_sentence_t *sen = &q->attribution->sentences[i];
			for (size_t k = 0; k < sen->ncites; k++) {
				src_acc_t *a = src_find(&acc, &nacc, (int)sen->cites[k].kind,
							sen->cites[k].ref);
				a->sentences++;
				if (sen->fate == EDITDIST_KEPT)
					a->kept++;
				else if (sen->fate == EDITDIST_EDITED)
					a->edited++;
				else
					a->deleted++;
			}
		}
	}
	cJSON *arr = cJSON_AddArrayToObject(o, "sources");
	for (size_t i = 0; i < nacc; i++) {
		cJSON *so = source_object(acc[i].kind, acc[i].id);
		if (so && q->attribution) {
			cJSON_AddNumberToObject(so, "sentences", (double)acc[i].sentences);
			cJSON_AddNumberToObject(so, "kept", (double)acc[i].kept);
			cJSON_AddNumberToObject(so, "edited", (double)acc[i].edited);
			cJSON_AddNumberToObject(so, "deleted", (double)acc[i].deleted);
		}
		if (so)
			cJSON_AddItemToArray(arr, so);
		free(acc[i].id);
	}
	free(acc);

	const editdist_result_t *e = q->edit;
	const editdist_attribution_t *at = q->attribution;
	if (e) {
		cJSON_AddNumberToObject(o, "edit_distance", (double)e->distance);
		cJSON_AddNumberToObject(o, "edit_ratio", e->ratio);
		cJSON_AddNumberToObject(o, "word_edit_ratio", e->word_ratio);
		cJSON_AddNumberToObject(o, "word_distance", (double)e->word_distance);
		cJSON_AddNumberToObject(o, "draft_length", (double)e->len_a);
		cJSON_AddNumberToObject(o, "sent_length", (double)e->len_b);
	} else {
		cJSON_AddNullToObject(o, "edit_distance");
		cJSON_AddNullToObject(o, "edit_ratio");
		cJSON_AddNullToObject(o, "word_edit_ratio");
	}
	if (at) {
		cJSON *so = cJSON_AddObjectToObject(o, "sentences");
		cJSON_AddNumberToObject(so, "total", (double)at->count);
		cJSON_AddNumberToObject(so, "kept", (double)at->kept);
		cJSON_AddNumberToObject(so, "edited", (double)at->edited);
		cJSON_AddNumberToObject(so, "deleted", (double)at->deleted);
		cJSON_AddNumberToObject(so, "kept_share", at->kept_share);
	}
	add_str_or_null(o, "rating", q->rating);
	add_str_or_null(o, "comment", q->comment);
	/* 1.1: why a draft was discarded, whether it had been inserted */
	if (q->reason)
		cJSON_AddStringToObject(o, "reason", q->reason);
	if (q->inserted)
		cJSON_AddBoolToObject(o, "inserted", q->inserted > 0);
	if (q->seconds_to_send >= 0)
		cJSON_AddNumberToObject(o, "seconds_to_send", q->seconds_to_send);
	else
		cJSON_AddNullToObject(o, "seconds_to_send");
	return o;
}

cJSON *signals_knowledge_gap_payload(const signals_knowledge_gap_t *g)
{
	if (!g || !g->ticket_id)
		return NULL;
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "ticket_id", g->ticket_id);
	if (g->draft_id)
		cJSON_AddStringToObject(o, "draft_id", g->draft_id);
	cJSON *arr = cJSON_AddArrayToObject(o, "key_terms");
	for (size_t i = 0; i < g->nterms; i++)
		if (g->key_terms[i] && g->key_terms[i][0])
			cJSON_AddItemToArray(arr, cJSON_CreateString(g->key_terms[i]));
	cJSON_AddNumberToObject(o, "best_score", g->best_score);
	if (g->confidence >= 0)
		cJSON_AddNumberToObject(o, "confidence", g->confidence);
	add_str_or_null(o, "suggested_doc_area", g->suggested_doc_area);
	return o;
}
