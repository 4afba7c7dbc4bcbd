/*
 * app.c - the product's operations over the store, the redactor, retrieval, the
 * drafters and the signals sink (see app.h). The CLI and the native messaging
 * protocol are thin layers over these.
 *
 * PII rule: everything written to the store's index tables or to a signal is
 * redacted; originals live only in the vault and in what goes back to the agent.
 */
#include "precedent/app.h"
#include "precedent/draft.h"
#include "precedent/editdist.h"
#include "precedent/error.h"
#include "precedent/limits.h"
#include "precedent/retrieve.h"
#include "precedent/signals.h"
#include "precedent/ticket.h"
#include "precedent/util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define GAP_THRESHOLD_DEFAULT 0.2
#define SIGNALS_FLUSH_MS_DEFAULT 2000 /* CLI: bounded webhook delivery at exit */

static int save_draft_context(app_t *app, const char *draft_id, const ticket_t *t,
			      const char *problem);

void app_new_draft_id(char out[24])
{
	unsigned char r[8];
	size_t got = 0;
	while (got < sizeof r) {
		ssize_t n = getrandom(r + got, sizeof r - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* No CSPRNG: a draft id needs uniqueness, not secrecy. */
			unsigned long long t = (unsigned long long)time(NULL) ^ (unsigned long long)clock();
			memcpy(r, &t, sizeof r);
			break;
		}
		got += (size_t)n;
	}
	snprintf(out, 24, "d_%02x%02x%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5],
		 r[6], r[7]);
}

static int load_custom_patterns(const config_t *c, redact_custom_t **out, size_t *n, char *err,
				size_t errlen)
{
	const cJSON *pats = config_node(c, "redact.patterns");
	const cJSON *p;
	size_t i = 0;
	*out = NULL;
	*n = 0;
	if (!pats)
		return 0;
	if (!cJSON_IsArray(pats)) {
		snprintf(err, errlen, "config redact.patterns must be an array of {label, pattern}");
		return PRECEDENT_ECONFIG;
	}
	*out = xcalloc((size_t)cJSON_GetArraySize(pats) + 1, sizeof **out);
	cJSON_ArrayForEach(p, pats)
	{
		const cJSON *l = cJSON_GetObjectItemCaseSensitive(p, "label");
		const cJSON *r = cJSON_GetObjectItemCaseSensitive(p, "pattern");
		if (!cJSON_IsString(l) || !cJSON_IsString(r)) {
			snprintf(err, errlen, "config redact.patterns[%zu] needs string label and pattern",
				 i);
			free(*out);
			*out = NULL;
			return PRECEDENT_ECONFIG;
		}
		(*out)[i].label = l->valuestring;
		(*out)[i].pattern = r->valuestring;
		i++;
	}
	*n = i;
	return 0;
}

int app_open(app_t *app, const char *db_path, int flags, char *err, size_t errlen)
{
	redact_custom_t *custom = NULL;
	size_t ncustom = 0;
	int rc;
	memset(app, 0, sizeof *app);
	if ((rc = config_load(getenv("PRECEDENT_CONFIG"), &app->config, err, errlen)))
		return rc;
	app->gap_threshold =
	    config_num(app->config, "retrieval.gap_threshold", "PRECEDENT_GAP_THRESHOLD",
		       GAP_THRESHOLD_DEFAULT);
	app->k = (size_t)config_num(app->config, "retrieval.k", NULL, 5);
	if (app->k < 1 || app->k > SEARCH_K_MAX)
		app->k = 5;
	if ((rc = load_custom_patterns(app->config, &custom, &ncustom, err, errlen)))
		goto fail;
	rc = redactor_new(custom, ncustom, &app->redactor, err, errlen);
	free(custom);
	if (rc)
		goto fail;
	app->db_path = config_db_path(db_path);
	if (flags & APP_NO_STORE) {
		snprintf(app->db_error, sizeof app->db_error, "database not opened");
		app->db_error_code = PRECEDENT_EDB;
	} else {
		app->db_error_code = store_open(app->db_path, 0, &app->store, app->db_error,
						sizeof app->db_error);
		/* A shared, read-only index still serves search and stats. */
		if (app->db_error_code == PRECEDENT_EREADONLY &&
		    store_open(app->db_path, STORE_READONLY, &app->store, err, errlen) == 0) {
			app->readonly = 1;
			app->db_error_code = 0;
			err[0] = '\0';
		}
	}
	app->events_path = config_events_path(app->config);
	signals_config_t sc = {
	    .events_path = app->events_path,
	    .webhook_url = config_str(app->config, "signals.webhook_url", "PRECEDENT_WEBHOOK_URL",
				      NULL),
	    .webhook_token = config_str(app->config, "signals.webhook_token",
					"PRECEDENT_WEBHOOK_TOKEN", NULL),
	    /* The long-running host delivers from the module's thread; the CLI flushes
	     * for a bounded time in app_close. */
	    .background = (flags & APP_SIGNALS_BACKGROUND) != 0,
	};
	if ((rc = signals_open(&sc, &app->signals, err, errlen)))
		goto fail;
	app->signals_background = sc.background;
	if (signals_pending(app->signals, &app->signals_pending_at_open))
		app->signals_pending_at_open = 0;
	return 0;
fail:
	app_close(app);
	return rc;
}

void app_close(app_t *app)
{
	size_t pending = 0;
	/* A CLI command that emitted events delivers them before exiting, for at most
	 * signals.flush_ms; whatever is left waits in the outbox for the next run. */
	if (app->signals && !app->signals_background &&
	    !signals_pending(app->signals, &pending) && pending > app->signals_pending_at_open) {
		double ms = config_num(app->config, "signals.flush_ms", "PRECEDENT_SIGNALS_FLUSH_MS",
				       SIGNALS_FLUSH_MS_DEFAULT);
		if (ms > 0 && signals_flush(app->signals, ms > 60000 ? 60000 : (int)ms, NULL) &&
		    *signals_flush_error(app->signals))
			fprintf(stderr, "precedent-host: webhook: %s (kept in the outbox)\n",
				signals_flush_error(app->signals));
	}
	if (app->signals)
		signals_close(app->signals);
	store_close(app->store);
	redactor_free(app->redactor);
	config_free(app->config);
	free(app->db_path);
	free(app->events_path);
	memset(app, 0, sizeof *app);
}

int app_need_store(app_t *app, char *err, size_t errlen)
{
	if (app->store)
		return 0;
	snprintf(err, errlen, "%s", app->db_error);
	return app->db_error_code ? app->db_error_code : PRECEDENT_EDB;
}

cJSON *app_corpus(app_t *app)
{
	long t = 0, s = 0, d = 0;
	cJSON *o = cJSON_CreateObject();
	if (app->store)
		store_counts(app->store, &t, &s, &d);
	cJSON_AddNumberToObject(o, "tickets", (double)t);
	cJSON_AddNumberToObject(o, "doc_sections", (double)s);
	cJSON_AddNumberToObject(o, "docs", (double)d);
	return o;
}

static void vault_add_cb(void *ctx, const char *placeholder, const char *original)
{
	redact_map_add(ctx, placeholder, original);
}

/* The ticket's vault map: placeholders already given to its values. */
static int vault_load(app_t *app, const char *ticket_id, redact_map_t *m)
{
	return store_vault_each(app->store, ticket_id, vault_add_cb, m);
}

static int vault_save(app_t *app, const char *ticket_id, const redact_map_t *m)
{
	for (size_t i = 0; i < redact_map_count(m); i++) {
		const char *ph, *orig;
		int rc;
		redact_map_entry(m, i, &ph, &orig);
		if ((rc = store_vault_put(app->store, ticket_id, ph, orig)))
			return rc;
	}
	return 0;
}

static char *rehydrate(const redact_map_t *m, const char *text)
{
	char *out = NULL;
	size_t outlen;
	if (redact_rehydrate(m, text, strlen(text), &out, &outlen) != 0)
		return xstrdup(text);
	return out;
}

/* The suggested doc area for a gap: the top directory of the nearest doc hit. */
static char *doc_area(const retrieve_result_t *res)
{
	if (!res->ndocs)
		return xstrdup("");
	const char *p = res->docs[0].path;
	const char *slash = strchr(p, '/');
	return slash ? xstrndup(p, (size_t)(slash - p)) : xstrdup(p);
}

static cJSON *sources_json(const retrieve_result_t *res)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < res->ntickets; i++) {
		char ref[300];
		snprintf(ref, sizeof ref, "[#%s]", res->tickets[i].id);
		cJSON_AddItemToArray(a, cJSON_CreateString(ref));
	}
	for (size_t i = 0; i < res->ndocs; i++) {
		buf_t b;
		buf_init(&b, 0);
		buf_printf(&b, "[doc: %s#%s]", res->docs[i].path, res->docs[i].anchor);
		cJSON_AddItemToArray(a, cJSON_CreateString(buf_cstr(&b)));
		buf_release(&b);
	}
	return a;
}

int app_draft(app_t *app, const cJSON *ticket, const cJSON *options, cJSON **result, char *err,
	      size_t errlen)
{
	ticket_t t;
	redact_map_t *m = NULL;
	retrieve_result_t res;
	draft_t d;
	buf_t problem;
	char draft_id[24];
	int rc, have_t = 0, have_res = 0, have_d = 0;
	*result = NULL;
	memset(&res, 0, sizeof res);
	memset(&d, 0, sizeof d);
	buf_init(&problem, 0);
	if ((rc = app_need_store(app, err, errlen)))
		return rc;
	if (app->readonly) {
		snprintf(err, errlen,
			 "%s is read-only: drafting stores the draft and the ticket's vault entries, "
			 "so it needs a writable database (search and stats work read-only)",
			 app->db_path);
		return PRECEDENT_EREADONLY;
	}
	if ((rc = ticket_from_json(ticket, &t, err, errlen)))
		return rc;
	have_t = 1;
	const cJSON *mode = options ? cJSON_GetObjectItemCaseSensitive(options, "mode") : NULL;
	if (mode && (!cJSON_IsString(mode) || (strcmp(mode->valuestring, "auto") &&
					       strcmp(mode->valuestring, "offline") &&
					       strcmp(mode->valuestring, "llm")))) {
		snprintf(err, errlen, "options.mode must be \"auto\", \"offline\" or \"llm\"");
		rc = PRECEDENT_EFIELD;
		goto out;
	}
	m = redact_map_new();
	if ((rc = vault_load(app, t.id, m)) || (rc = ticket_redact(&t, app->redactor, m))) {
		snprintf(err, errlen, "redacting ticket %s: %s", t.id, precedent_strerror(rc));
		goto out;
	}
	ticket_problem_text(&t, &problem);
	if ((rc = retrieve_search(app->store, t.subject, buf_cstr(&problem), app->k, &res))) {
		snprintf(err, errlen, "search failed: %s", store_errmsg(app->store));
		goto out;
	}
	have_res = 1;
	if ((rc = draft_offline(&t, &res, app->gap_threshold, &d))) {
		snprintf(err, errlen, "drafting failed: %s", precedent_strerror(rc));
		goto out;
	}
	have_d = 1;
	app_new_draft_id(draft_id);

	/* Store the draft (redacted), the vault entries and the gap together. */
	char *cit = cJSON_PrintUnformatted(d.citations);
	char *flags = cJSON_PrintUnformatted(d.flags);
	cJSON *src = sources_json(&res);
	char *srcs = cJSON_PrintUnformatted(src);
	store_draft_t sd = {.id = draft_id,
			    .ticket_id = t.id,
			    .mode = "offline",
			    .text = d.text,
			    .citations_json = cit,
			    .flags_json = flags,
			    .sources_json = srcs,
			    .key_terms = res.key_terms,
			    .confidence = d.confidence};
	if (!(rc = store_begin(app->store))) {
		if (!(rc = vault_save(app, t.id, m)) && !(rc = store_draft_insert(app->store, &sd)) &&
		    !(rc = save_draft_context(app, draft_id, &t, buf_cstr(&problem))) && d.weak)
			rc = store_gap_insert(app->store, t.id, draft_id, res.key_terms,
					      res.confidence);
		if (!rc)
			rc = store_commit(app->store);
		if (rc)
			store_rollback(app->store);
	}
	cJSON_free(cit);
	cJSON_free(flags);
	cJSON_free(srcs);
	cJSON_Delete(src);
	if (rc) {
		snprintf(err, errlen, "storing the draft: %s (%s)", precedent_strerror(rc),
			 store_errmsg(app->store));
		goto out;
	}
	if (d.weak) {
		cJSON *ev = cJSON_CreateObject();
		char *area = doc_area(&res);
		cJSON_AddStringToObject(ev, "ticket_id", t.id);
		cJSON_AddStringToObject(ev, "draft_id", draft_id);
		cJSON_AddStringToObject(ev, "key_terms", res.key_terms ? res.key_terms : "");
		cJSON_AddNumberToObject(ev, "best_score", res.confidence);
		cJSON_AddStringToObject(ev, "suggested_doc_area", area);
		free(area);
		rc = signals_emit(app->signals, "knowledge_gap_signal", ev);
		cJSON_Delete(ev);
		if (rc) {
			snprintf(err, errlen, "writing the knowledge_gap_signal to %s failed",
				 app->events_path);
			goto out;
		}
	}

	cJSON *r = cJSON_CreateObject();
	char *text = rehydrate(m, d.text);
	cJSON_AddStringToObject(r, "draft_id", draft_id);
	cJSON_AddStringToObject(r, "ticket_id", t.id);
	cJSON_AddStringToObject(r, "text", text);
	free(text);
	cJSON_AddItemToObject(r, "citations", d.citations);
	d.citations = NULL;
	cJSON_AddItemToObject(r, "flags", d.flags);
	d.flags = NULL;
	cJSON_AddNumberToObject(r, "confidence", round(d.confidence * 1000) / 1000);
	cJSON_AddStringToObject(r, "mode", "offline");
	cJSON_AddBoolToObject(r, "knowledge_gap", d.weak);
	*result = r;
out:
	if (have_d)
		draft_release(&d);
	if (have_res)
		retrieve_result_release(&res);
	if (have_t)
		ticket_release(&t);
	redact_map_free(m);
	buf_release(&problem);
	return rc;
}

static cJSON *search_json(const retrieve_result_t *res)
{
	cJSON *r = cJSON_CreateObject();
	cJSON *ts = cJSON_AddArrayToObject(r, "tickets");
	cJSON *ds = cJSON_AddArrayToObject(r, "docs");
	for (size_t i = 0; i < res->ntickets; i++) {
		const retrieve_ticket_hit_t *h = &res->tickets[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", h->id);
		cJSON_AddStringToObject(o, "subject", h->subject);
		cJSON_AddNumberToObject(o, "score", round(h->score * 10000) / 10000);
		cJSON_AddStringToObject(o, "snippet", h->snippet);
		cJSON_AddStringToObject(o, "terms", h->terms);
		cJSON_AddNumberToObject(o, "coverage", round(h->coverage * 1000) / 1000);
		cJSON_AddStringToObject(o, "resolution_code", h->resolution_code);
		cJSON_AddItemToArray(ts, o);
	}
	for (size_t i = 0; i < res->ndocs; i++) {
		const retrieve_doc_hit_t *h = &res->docs[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "path", h->path);
		cJSON_AddStringToObject(o, "anchor", h->anchor);
		cJSON_AddStringToObject(o, "title", h->heading_path);
		cJSON_AddNumberToObject(o, "score", round(h->score * 10000) / 10000);
		cJSON_AddStringToObject(o, "snippet", h->snippet);
		cJSON_AddStringToObject(o, "terms", h->terms);
		cJSON_AddNumberToObject(o, "coverage", round(h->coverage * 1000) / 1000);
		cJSON_AddItemToArray(ds, o);
	}
	cJSON_AddNumberToObject(r, "confidence", round(res->confidence * 1000) / 1000);
	cJSON_AddStringToObject(r, "key_terms", res->key_terms ? res->key_terms : "");
	if (res->warning)
		cJSON_AddStringToObject(r, "warning", res->warning);
	return r;
}

int app_search(app_t *app, const char *query, const cJSON *ticket, size_t k, cJSON **result,
	       char *err, size_t errlen)
{
	retrieve_result_t res;
	int rc;
	*result = NULL;
	if ((rc = app_need_store(app, err, errlen)))
		return rc;
	redact_map_t *m = redact_map_new();
	if (query) {
		char *red = NULL;
		size_t rl;
		if ((rc = redact_text(app->redactor, m, query, strlen(query), NULL, &red, &rl)))
			goto out;
		rc = retrieve_search(app->store, red, NULL, k, &res);
		free(red);
	} else {
		ticket_t t;
		buf_t problem;
		if ((rc = ticket_from_json(ticket, &t, err, errlen)))
			goto out;
		buf_init(&problem, 0);
		if (!(rc = ticket_redact(&t, app->redactor, m))) {
			ticket_problem_text(&t, &problem);
			rc = retrieve_search(app->store, t.subject, buf_cstr(&problem), k, &res);
		}
		buf_release(&problem);
		ticket_release(&t);
	}
	if (rc) {
		if (!*err)
			snprintf(err, errlen, "search failed: %s", store_errmsg(app->store));
		goto out;
	}
	*result = search_json(&res);
	retrieve_result_release(&res);
out:
	redact_map_free(m);
	return rc;
}

/* Hints for redacting the sent reply: the customer's name and e-mail from the vault. */
static void hints_from_map(const redact_map_t *m, redact_hints_t *h)
{
	memset(h, 0, sizeof *h);
	for (size_t i = 0; i < redact_map_count(m); i++) {
		const char *ph, *orig;
		redact_map_entry(m, i, &ph, &orig);
		if (!h->customer_name && !strncmp(ph, "[NAME_", 6))
			h->customer_name = orig;
		else if (!h->customer_email && !strncmp(ph, "[EMAIL_", 7))
			h->customer_email = orig;
	}
}

static double seconds_since(const char *iso)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	if (!iso || !strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm))
		return -1;
	double s = difftime(time(NULL), timegm(&tm));
	return s < 0 ? 0 : s;
}

/* The draft's refs ("[#123]", "[doc: path#anchor]") from its sources_json; *refs
 * points into the returned tree (caller deletes it). */
static cJSON *draft_refs(const store_draft_t *d, const char ***refs, size_t *n)
{
	cJSON *src = cJSON_Parse(d->sources_json ? d->sources_json : "[]");
	const cJSON *it;
	*refs = NULL;
	*n = 0;
	if (!cJSON_IsArray(src))
		return src;
	*refs = xcalloc((size_t)cJSON_GetArraySize(src) + 1, sizeof **refs);
	cJSON_ArrayForEach(it, src)
	{
		if (cJSON_IsString(it))
			(*refs)[(*n)++] = it->valuestring;
	}
	return src;
}

/* draft_quality_signal for one outcome ("sent", "discarded", "rating"); how (may be
 * NULL): the extension's discard reason and inserted flag. */
static int emit_quality(app_t *app, const store_draft_t *d, const char *kind,
			const editdist_result_t *ed, const editdist_attribution_t *at,
			const char *rating, const char *comment, const app_outcome_t *how)
{
	const char **refs;
	size_t nrefs;
	cJSON *src = draft_refs(d, &refs, &nrefs);
	signals_draft_quality_t q = {
	    .ticket_id = d->ticket_id,
	    .draft_id = d->id,
	    .outcome = kind,
	    .mode = d->mode ? d->mode : "offline",
	    .provider = d->provider,
	    .model = d->model,
	    .confidence = d->confidence < 0 ? 0 : d->confidence > 1 ? 1 : d->confidence,
	    .edit = ed,
	    .attribution = at,
	    .sources = refs,
	    .nsources = nrefs,
	    .rating = rating,
	    .comment = comment,
	    .seconds_to_send = strcmp(kind, "rating") ? seconds_since(d->created_at) : -1,
	    .reason = how ? how->reason : NULL,
	    .inserted = how ? how->inserted : 0,
	};
	cJSON *ev = signals_draft_quality_payload(&q);
	int rc = ev ? signals_emit(app->signals, SIGNALS_DRAFT_QUALITY, ev) : PRECEDENT_EFIELD;
	cJSON_Delete(ev);
	free(refs);
	cJSON_Delete(src);
	return rc;
}

/* The text with every original of the ticket's map replaced by its placeholder
 * (longest originals first), then redacted again with the customer hints: what a
 * rehydrated draft sentence looked like before rehydration. Caller frees. */
static char *dehydrate(app_t *app, redact_map_t *m, const char *text)
{
	buf_t b;
	buf_init(&b, 0);
	buf_puts(&b, text);
	char *cur = buf_steal(&b);
	size_t n = redact_map_count(m);
	int *done = xcalloc(n ? n : 1, sizeof *done);
	for (size_t round = 0; round < n; round++) {
		size_t best = n, bl = 0;
		for (size_t i = 0; i < n; i++) {
			const char *ph, *orig;
			redact_map_entry(m, i, &ph, &orig);
			if (!done[i] && strlen(orig) > bl)
				best = i, bl = strlen(orig);
		}
		if (best == n)
			break;
		done[best] = 1;
		const char *ph, *orig;
		redact_map_entry(m, best, &ph, &orig);
		buf_init(&b, 0);
		for (const char *p = cur, *q; *p; p = q + bl) {
			if (!(q = strstr(p, orig))) {
				buf_puts(&b, p);
				break;
			}
			buf_append(&b, p, (size_t)(q - p));
			buf_puts(&b, ph);
		}
		free(cur);
		cur = buf_steal(&b);
	}
	free(done);
	redact_hints_t h;
	char *red = NULL;
	size_t rl;
	hints_from_map(m, &h);
	if (redact_text(app->redactor, m, cur, strlen(cur), &h, &red, &rl)) {
		free(cur);
		return xstrdup("");
	}
	free(cur);
	return red;
}

/* Attribution rows and source score updates for a sent draft (inside the caller's
 * transaction). Sentence texts are rehydrated here: they are redacted again with the
 * ticket's map before being stored. */
static int store_attribution(app_t *app, const char *draft_id, const editdist_attribution_t *at,
			     redact_map_t *m)
{
	int rc = 0, first = 1;
	sqlite3_stmt *st;
	/* A draft sent again (a correction, a resend) replaces its attribution rows but
	 * counts once in the source scores. */
	if (sqlite3_prepare_v2(store_db(app->store),
			       "DELETE FROM attribution WHERE draft_id = ?1", -1, &st,
			       NULL) != SQLITE_OK)
		return PRECEDENT_EDB;
	sqlite3_bind_text(st, 1, draft_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? 0 : PRECEDENT_EDB;
	first = sqlite3_changes(store_db(app->store)) == 0;
	sqlite3_finalize(st);
	for (size_t i = 0; i < at->count && !rc; i++) {
		const editdist_sentence_t *sen = &at->sentences[i];
		const char *fate = editdist_fate_name(sen->fate);
		char *red = dehydrate(app, m, sen->text);
		store_attribution_t a = {.draft_id = draft_id,
					 .ord = (long)i,
					 .fate = fate,
					 .best_ratio = sen->best_ratio,
					 .words_kept = sen->words_kept,
					 .sentence = red};
		if (!sen->ncites)
			rc = store_attribution_insert(app->store, &a);
		for (size_t k = 0; k < sen->ncites && !rc; k++) {
			a.source_kind = sen->cites[k].kind == EDITDIST_CITE_DOC ? "doc" : "ticket";
			a.source_id = sen->cites[k].ref;
			if (!(rc = store_attribution_insert(app->store, &a)) && first)
				rc = store_source_observe(app->store, a.source_kind, a.source_id, fate);
		}
		free(red);
	}
	return rc;
}

/* Closing the gap loop: the answer to a ticket flagged as a knowledge gap becomes a
 * candidate precedent (tickets.source = 'candidate'), redacted. An imported ticket
 * with the same id is never replaced. *stored = 1 when written. */
static int store_candidate(app_t *app, const store_draft_t *d, const char *red_sent, int *stored)
{
	char *subject = NULL, *problem = NULL, *tags_json = NULL;
	int gap = 0, rc;
	sqlite3_stmt *st;
	*stored = 0;
	if ((rc = store_gap_of_draft(app->store, d->id, &gap)) || !gap)
		return rc;
	if (sqlite3_prepare_v2(store_db(app->store),
			       "SELECT 1 FROM tickets WHERE id=? AND source <> 'candidate'", -1, &st,
			       NULL) != SQLITE_OK)
		return PRECEDENT_EDB;
	sqlite3_bind_text(st, 1, d->ticket_id, -1, SQLITE_STATIC);
	int exists = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (exists)
		return 0;
	rc = store_draft_context_get(app->store, d->id, &subject, &problem, &tags_json);
	if (rc == PRECEDENT_ENOTFOUND) {
		rc = 0; /* a draft from before the draft's context was kept */
		goto out;
	}
	if (rc)
		goto out;
	buf_t tags, hash;
	buf_init(&tags, 0);
	buf_init(&hash, 0);
	cJSON *tj = cJSON_Parse(tags_json), *tg;
	cJSON_ArrayForEach(tg, tj)
	{
		if (!cJSON_IsString(tg))
			continue;
		if (tags.len)
			buf_putc(&tags, ' ');
		buf_puts(&tags, tg->valuestring);
	}
	cJSON_Delete(tj);
	/* The reply without the helpdesk's quoted thread and signature. */
	char *clean = editdist_normalize(red_sent, strlen(red_sent),
					 EDITDIST_NORM_WHITESPACE | EDITDIST_NORM_QUOTES |
					     EDITDIST_NORM_SIGNATURE | EDITDIST_NORM_KEEP_LINES,
					 NULL);
	buf_printf(&hash, "candidate:%s:%zu", d->id, strlen(clean));
	char now[32];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
	store_ticket_t tk = {.id = d->ticket_id,
			     .subject = subject,
			     .problem = problem,
			     .resolution = clean,
			     .answer = clean,
			     .resolution_code = "",
			     .tags = buf_cstr(&tags),
			     .status = "solved",
			     .created_at = d->created_at,
			     .closed_at = now,
			     .body_json = "{}",
			     .content_hash = buf_cstr(&hash),
			     .source = "candidate"};
	int outcome;
	rc = store_ticket_upsert(app->store, &tk, &outcome);
	*stored = !rc && outcome != STORE_SKIPPED;
	/* Retrieval's cached document frequencies drift by one ticket. */
	if (*stored)
		rc = store_df_cache_note(app->store, 0, 1);
	free(clean);
	buf_release(&tags);
	buf_release(&hash);
out:
	free(subject);
	free(problem);
	free(tags_json);
	return rc;
}

/* The draft's ticket as redacted (subject, customer messages, tags), kept with the
 * draft for stats by tag and for candidate precedents. */
static int save_draft_context(app_t *app, const char *draft_id, const ticket_t *t,
			      const char *problem)
{
	cJSON *tags = cJSON_CreateArray();
	for (size_t i = 0; i < t->ntags; i++)
		cJSON_AddItemToArray(tags, cJSON_CreateString(t->tags[i]));
	char *tj = cJSON_PrintUnformatted(tags);
	int rc = store_draft_context_put(app->store, draft_id, t->subject, problem, tj);
	cJSON_free(tj);
	cJSON_Delete(tags);
	return rc;
}

static double round4(double v) { return round(v * 10000) / 10000; }

int app_feedback_sent(app_t *app, const char *draft_id, const char *sent_text, int discarded,
		      cJSON **result, char *err, size_t errlen)
{
	return app_feedback_outcome(app, draft_id, sent_text, discarded, NULL, result, err, errlen);
}

int app_feedback_outcome(app_t *app, const char *draft_id, const char *sent_text, int discarded,
			 const app_outcome_t *how, cJSON **result, char *err, size_t errlen)
{
	store_draft_t d;
	redact_map_t *m = NULL;
	char *draft_text = NULL, *red_sent = NULL;
	editdist_result_t ed;
	editdist_attribution_t at;
	editdist_diff_t diff;
	int rc, have_at = 0, have_diff = 0, candidate = 0;
	*result = NULL;
	memset(&ed, 0, sizeof ed);
	if ((rc = app_need_store(app, err, errlen)))
		return rc;
	if (!discarded && !sent_text) {
		snprintf(err, errlen, "sent_text is required unless discarded");
		return PRECEDENT_EFIELD;
	}
	if ((rc = store_draft_get(app->store, draft_id, &d))) {
		snprintf(err, errlen,
			 rc == PRECEDENT_ENOTFOUND ? "no draft with id %s" : "reading draft %s failed",
			 draft_id);
		return rc;
	}
	m = redact_map_new();
	if ((rc = vault_load(app, d.ticket_id, m)))
		goto out;
	if (!discarded) {
		redact_hints_t h;
		size_t rl;
		/* Metrics on what the agent saw and sent, after normalizing whitespace, the
		 * helpdesk's quoting and signature and citation markers; storage of the
		 * redacted form only. */
		draft_text = rehydrate(m, d.text);
		size_t dl = strlen(draft_text), sl = strlen(sent_text);
		editdist_compare(draft_text, dl, sent_text, sl, EDITDIST_NORM_DEFAULT, &ed);
		editdist_attribute(draft_text, dl, sent_text, sl, &at);
		have_at = 1;
		editdist_word_diff(draft_text, dl, sent_text, sl, &diff);
		have_diff = 1;
		hints_from_map(m, &h);
		if ((rc = redact_text(app->redactor, m, sent_text, sl, &h, &red_sent, &rl)))
			goto out;
	}
	store_feedback_t f = {.draft_id = d.id,
			      .kind = discarded ? "discarded" : "sent",
			      .sent_text = red_sent,
			      .edit_distance = (long)ed.distance,
			      .edit_ratio = ed.ratio,
			      .word_edit_ratio = ed.word_ratio,
			      .has_quality = !discarded,
			      .word_distance = (long)ed.word_distance,
			      .sentences = have_at ? (long)at.count : 0,
			      .kept = have_at ? (long)at.kept : 0,
			      .edited = have_at ? (long)at.edited : 0,
			      .deleted = have_at ? (long)at.deleted : 0,
			      .kept_share = have_at ? at.kept_share : 0,
			      .reason = discarded && how ? how->reason : NULL,
			      .inserted = !how || !how->inserted ? STORE_FLAG_UNKNOWN
					  : how->inserted > 0 ? STORE_FLAG_YES
							      : STORE_FLAG_NO};
	if ((rc = store_begin(app->store)) == 0) {
		/* New placeholders met in the sent text join the vault too. */
		if (!(rc = vault_save(app, d.ticket_id, m)) &&
		    !(rc = store_feedback_insert(app->store, &f)) && !discarded &&
		    !(rc = store_attribution(app, d.id, &at, m)))
			rc = store_candidate(app, &d, red_sent, &candidate);
		if (!rc)
			rc = store_commit(app->store);
		if (rc)
			store_rollback(app->store);
	}
	if (rc) {
		snprintf(err, errlen, "storing feedback: %s (%s)", precedent_strerror(rc),
			 store_errmsg(app->store));
		goto out;
	}
	app_outcome_t said = {.reason = f.reason, .inserted = how ? how->inserted : 0};
	if ((rc = emit_quality(app, &d, f.kind, discarded ? NULL : &ed, have_at ? &at : NULL, NULL,
			       NULL, &said))) {
		snprintf(err, errlen, "writing the draft_quality_signal to %s failed: %s",
			 app->events_path, signals_error(app->signals));
		goto out;
	}
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "draft_id", d.id);
	if (discarded) {
		cJSON_AddBoolToObject(r, "discarded", 1);
		if (f.reason)
			cJSON_AddStringToObject(r, "reason", f.reason);
	} else {
		cJSON_AddNumberToObject(r, "edit_distance", (double)ed.distance);
		cJSON_AddNumberToObject(r, "edit_ratio", round4(ed.ratio));
		cJSON_AddNumberToObject(r, "word_edit_ratio", round4(ed.word_ratio));
		cJSON_AddNumberToObject(r, "word_distance", (double)ed.word_distance);
		cJSON_AddNumberToObject(r, "draft_length", (double)ed.len_a);
		cJSON_AddNumberToObject(r, "sent_length", (double)ed.len_b);
		cJSON *so = cJSON_AddObjectToObject(r, "sentences");
		cJSON_AddNumberToObject(so, "total", (double)at.count);
		cJSON_AddNumberToObject(so, "kept", (double)at.kept);
		cJSON_AddNumberToObject(so, "edited", (double)at.edited);
		cJSON_AddNumberToObject(so, "deleted", (double)at.deleted);
		cJSON_AddNumberToObject(r, "kept_share", round4(at.kept_share));
		/* Per sentence, for the dashboard (the agent's own texts: not stored). */
		cJSON *sa = cJSON_AddArrayToObject(r, "attribution");
		for (size_t i = 0; i < at.count; i++) {
			cJSON *o = cJSON_CreateObject(), *c = cJSON_AddArrayToObject(o, "cites");
			cJSON_AddStringToObject(o, "text", at.sentences[i].text);
			cJSON_AddStringToObject(o, "fate", editdist_fate_name(at.sentences[i].fate));
			for (size_t k = 0; k < at.sentences[i].ncites; k++)
				cJSON_AddItemToArray(c, cJSON_CreateString(at.sentences[i].cites[k].ref));
			cJSON_AddItemToArray(sa, o);
		}
		char *dt = editdist_diff_text(&diff);
		cJSON_AddStringToObject(r, "diff_text", dt);
		free(dt);
		cJSON *dj = editdist_diff_json(&diff);
		if (dj)
			cJSON_AddItemToObject(r, "diff", dj);
		cJSON_AddBoolToObject(r, "candidate_precedent", candidate);
	}
	*result = r;
out:
	if (have_at)
		editdist_attribution_release(&at);
	if (have_diff)
		editdist_diff_release(&diff);
	free(draft_text);
	free(red_sent);
	redact_map_free(m);
	store_draft_release(&d);
	return rc;
}

int app_feedback_rating(app_t *app, const char *draft_id, const char *rating, const char *comment,
			cJSON **result, char *err, size_t errlen)
{
	store_draft_t d;
	char *red = NULL;
	int rc;
	*result = NULL;
	if (strcmp(rating, "up") && strcmp(rating, "down")) {
		snprintf(err, errlen, "rating must be \"up\" or \"down\"");
		return PRECEDENT_EFIELD;
	}
	if ((rc = app_need_store(app, err, errlen)))
		return rc;
	if ((rc = store_draft_get(app->store, draft_id, &d))) {
		snprintf(err, errlen,
			 rc == PRECEDENT_ENOTFOUND ? "no draft with id %s" : "reading draft %s failed",
			 draft_id);
		return rc;
	}
	if (comment) {
		redact_map_t *m = redact_map_new();
		size_t rl;
		if (!(rc = vault_load(app, d.ticket_id, m)))
			rc = redact_text(app->redactor, m, comment, strlen(comment), NULL, &red, &rl);
		redact_map_free(m);
		if (rc) {
			snprintf(err, errlen, "redacting the comment: %s", precedent_strerror(rc));
			goto out;
		}
	}
	store_feedback_t f = {.draft_id = d.id, .kind = "rating", .rating = rating, .comment = red};
	if ((rc = store_feedback_insert(app->store, &f))) {
		snprintf(err, errlen, "storing the rating: %s", store_errmsg(app->store));
		goto out;
	}
	if ((rc = emit_quality(app, &d, "rating", NULL, NULL, rating, red, NULL))) {
		snprintf(err, errlen, "writing the draft_quality_signal failed: %s",
			 signals_error(app->signals));
		goto out;
	}
	*result = cJSON_CreateObject();
	cJSON_AddBoolToObject(*result, "saved", 1);
out:
	free(red);
	store_draft_release(&d);
	return rc;
}

/* ---- stats ----------------------------------------------------------------------- */

#define STATS_NEARLY_UNEDITED 0.05 /* edit_ratio at or below: sent nearly unedited */
#define STATS_ROBOTIC_DEFAULT 0.8  /* nearly-unedited share above which stats warns */
#define STATS_ROBOTIC_MIN_SENT 10  /* ... once this many drafts were sent */
#define STATS_TOP_SOURCES 10

typedef struct dvec {
	double *v;
	size_t n, cap;
} dvec_t;

static void dvec_push(dvec_t *d, double x)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 16;
		d->v = xrealloc(d->v, d->cap * sizeof *d->v);
	}
	d->v[d->n++] = x;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Quantile q of the sorted vector, linear between neighbours (q=0.5: the median). */
static double dvec_quantile(const dvec_t *d, double q)
{
	if (!d->n)
		return 0;
	double pos = q * (double)(d->n - 1);
	size_t lo = (size_t)pos;
	double fr = pos - (double)lo;
	return lo + 1 < d->n ? d->v[lo] + fr * (d->v[lo + 1] - d->v[lo]) : d->v[lo];
}

static double dvec_mean(const dvec_t *d)
{
	double s = 0;
	for (size_t i = 0; i < d->n; i++)
		s += d->v[i];
	return d->n ? s / (double)d->n : 0;
}

/* One group of drafts (everything, a week, a tag). */
typedef struct sgroup {
	char *key;
	long drafts, sent, discarded, up, down, nearly;
	dvec_t er, wr, ks, secs;
} sgroup_t;

typedef struct sgroups {
	sgroup_t *v;
	size_t n, cap;
} sgroups_t;

static sgroup_t *sgroup_find(sgroups_t *g, const char *key)
{
	for (size_t i = 0; i < g->n; i++)
		if (!strcmp(g->v[i].key, key))
			return &g->v[i];
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 8;
		g->v = xrealloc(g->v, g->cap * sizeof *g->v);
	}
	sgroup_t *s = &g->v[g->n++];
	memset(s, 0, sizeof *s);
	s->key = xstrdup(key);
	return s;
}

static void sgroup_release(sgroup_t *s)
{
	free(s->key);
	free(s->er.v);
	free(s->wr.v);
	free(s->ks.v);
	free(s->secs.v);
}

static void sgroups_release(sgroups_t *g)
{
	for (size_t i = 0; i < g->n; i++)
		sgroup_release(&g->v[i]);
	free(g->v);
}

typedef struct srow {
	int sent, discarded;
	double er, wr, ks, secs; /* secs < 0: unknown */
	const char *rating;      /* latest rating or NULL */
} srow_t;

static void sgroup_add(sgroup_t *s, const srow_t *r)
{
	s->drafts++;
	if (r->sent) {
		s->sent++;
		dvec_push(&s->er, r->er);
		dvec_push(&s->wr, r->wr);
		if (r->ks >= 0)
			dvec_push(&s->ks, r->ks);
		if (r->secs >= 0)
			dvec_push(&s->secs, r->secs);
		if (r->er <= STATS_NEARLY_UNEDITED)
			s->nearly++;
	} else if (r->discarded) {
		s->discarded++;
	}
	if (r->rating && !strcmp(r->rating, "up"))
		s->up++;
	else if (r->rating && !strcmp(r->rating, "down"))
		s->down++;
}

/* The summary of a group; name: the key's field name (NULL: none). */
static cJSON *sgroup_json(sgroup_t *s, const char *name)
{
	cJSON *o = cJSON_CreateObject();
	if (s->er.n)
		qsort(s->er.v, s->er.n, sizeof(double), cmp_double);
	if (s->wr.n)
		qsort(s->wr.v, s->wr.n, sizeof(double), cmp_double);
	if (s->ks.n)
		qsort(s->ks.v, s->ks.n, sizeof(double), cmp_double);
	if (s->secs.n)
		qsort(s->secs.v, s->secs.n, sizeof(double), cmp_double);
	if (name)
		cJSON_AddStringToObject(o, name, s->key);
	cJSON_AddNumberToObject(o, "drafts", (double)s->drafts);
	cJSON_AddNumberToObject(o, "sent", (double)s->sent);
	cJSON_AddNumberToObject(o, "discarded", (double)s->discarded);
	cJSON_AddNumberToObject(o, "median_edit_ratio", round4(dvec_quantile(&s->er, 0.5)));
	cJSON_AddNumberToObject(o, "mean_edit_ratio", round4(dvec_mean(&s->er)));
	cJSON_AddNumberToObject(o, "median_word_edit_ratio", round4(dvec_quantile(&s->wr, 0.5)));
	if (s->ks.n)
		cJSON_AddNumberToObject(o, "median_kept_share", round4(dvec_quantile(&s->ks, 0.5)));
	else
		cJSON_AddNullToObject(o, "median_kept_share");
	cJSON_AddNumberToObject(o, "nearly_unedited_share",
				s->sent ? round4((double)s->nearly / (double)s->sent) : 0);
	cJSON *th = cJSON_AddObjectToObject(o, "thumbs");
	cJSON_AddNumberToObject(th, "up", (double)s->up);
	cJSON_AddNumberToObject(th, "down", (double)s->down);
	if (s->secs.n)
		cJSON_AddNumberToObject(o, "median_seconds_to_send",
					round(dvec_quantile(&s->secs, 0.5) * 10) / 10);
	else
		cJSON_AddNullToObject(o, "median_seconds_to_send");
	return o;
}

/* YYYY-MM-DD with an optional time part, or NULL. */
static int valid_since(const char *s)
{
	if (!s)
		return 1;
	int y, mo, d;
	char tail;
	if (strlen(s) < 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &mo, &d, &tail) < 3 || s[4] != '-' ||
	    s[7] != '-' || mo < 1 || mo > 12 || d < 1 || d > 31)
		return 0;
	return s[10] == '\0' || s[10] == 'T' || s[10] == ' ';
}

static double query_double(sqlite3 *db, const char *sql, const char *since)
{
	sqlite3_stmt *st;
	double v = 0;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, since ? since : "", -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int cmp_tag_group(const void *a, const void *b)
{
	const sgroup_t *x = a, *y = b;
	if (x->drafts != y->drafts)
		return x->drafts < y->drafts ? 1 : -1;
	return strcmp(x->key, y->key);
}

static int cmp_week_group(const void *a, const void *b)
{
	return strcmp(((const sgroup_t *)a)->key, ((const sgroup_t *)b)->key);
}

/* Sources whose cited sentences agents delete most: candidates for a doc fix, with
 * the retrieval factor currently applied to them. */
static cJSON *sources_to_fix(sqlite3 *db)
{
	sqlite3_stmt *st;
	cJSON *a = cJSON_CreateArray();
	if (sqlite3_prepare_v2(db,
			       "SELECT s.source_kind, s.source_id, s.sentences, s.kept, s.edited, "
			       "s.deleted, f.factor FROM source_scores s JOIN source_factors f USING "
			       "(source_kind, source_id) WHERE s.deleted > 0 "
			       "ORDER BY f.factor, s.deleted DESC, s.source_id LIMIT ?",
			       -1, &st, NULL) != SQLITE_OK)
		return a;
	sqlite3_bind_int(st, 1, STATS_TOP_SOURCES);
	while (sqlite3_step(st) == SQLITE_ROW) {
		cJSON *o = cJSON_CreateObject();
		const char *kind = (const char *)sqlite3_column_text(st, 0);
		const char *id = (const char *)sqlite3_column_text(st, 1);
		buf_t ref;
		buf_init(&ref, 0);
		if (!strcmp(kind, "doc"))
			buf_printf(&ref, "[doc: %s]", id);
		else
			buf_printf(&ref, "[#%s]", id);
		cJSON_AddStringToObject(o, "kind", kind);
		cJSON_AddStringToObject(o, "id", id);
		cJSON_AddStringToObject(o, "ref", buf_cstr(&ref));
		buf_release(&ref);
		cJSON_AddNumberToObject(o, "sentences", sqlite3_column_double(st, 2));
		cJSON_AddNumberToObject(o, "kept", sqlite3_column_double(st, 3));
		cJSON_AddNumberToObject(o, "edited", sqlite3_column_double(st, 4));
		cJSON_AddNumberToObject(o, "deleted", sqlite3_column_double(st, 5));
		cJSON_AddNumberToObject(o, "retrieval_factor", round4(sqlite3_column_double(st, 6)));
		cJSON_AddItemToArray(a, o);
	}
	sqlite3_finalize(st);
	return a;
}

/* Discarded drafts made since the date, by the reason the extension gave
 * ("unspecified" for older rows and clients that gave none), most frequent first. */
static cJSON *discards_by_reason(sqlite3 *db, const char *since)
{
	sqlite3_stmt *st;
	cJSON *o = cJSON_CreateObject();
	if (sqlite3_prepare_v2(db,
			       "SELECT coalesce(f.reason, 'unspecified') r, count(DISTINCT f.draft_id) n"
			       " FROM feedback f JOIN drafts d ON d.id = f.draft_id"
			       " WHERE f.kind = 'discarded' AND d.created_at >= ?1"
			       " GROUP BY r ORDER BY n DESC, r",
			       -1, &st, NULL) != SQLITE_OK)
		return o;
	sqlite3_bind_text(st, 1, since ? since : "", -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW)
		cJSON_AddNumberToObject(o, (const char *)sqlite3_column_text(st, 0),
					sqlite3_column_double(st, 1));
	sqlite3_finalize(st);
	return o;
}

int app_stats(app_t *app, const char *since, cJSON **result, char *err, size_t errlen)
{
	sgroups_t weeks = {0}, tags = {0};
	sgroup_t all;
	sqlite3_stmt *st = NULL;
	int rc, src;
	*result = NULL;
	memset(&all, 0, sizeof all);
	if (!valid_since(since)) {
		snprintf(err, errlen, "since must be a date, YYYY-MM-DD (optionally with a time)");
		return PRECEDENT_EFIELD;
	}
	if ((rc = app_need_store(app, err, errlen)))
		return rc;
	sqlite3 *db = store_db(app->store);
	all.key = xstrdup("");
	/* One row per draft made since the date, with its latest sent reply and rating. */
	if (sqlite3_prepare_v2(
		db,
		"SELECT date(d.created_at, 'weekday 0', '-6 days'), coalesce(c.tags_json, '[]'),"
		" s.rowid IS NOT NULL, s.edit_ratio, s.word_edit_ratio, coalesce(s.kept_share, -1),"
		" coalesce((julianday(s.created_at) - julianday(d.created_at)) * 86400.0, -1),"
		" EXISTS(SELECT 1 FROM feedback x WHERE x.draft_id = d.id AND x.kind = 'discarded'),"
		" (SELECT r.rating FROM feedback r WHERE r.draft_id = d.id AND r.kind = 'rating'"
		"  ORDER BY r.rowid DESC LIMIT 1)"
		" FROM drafts d LEFT JOIN draft_context c ON c.draft_id = d.id"
		" LEFT JOIN feedback s ON s.rowid = (SELECT max(y.rowid) FROM feedback y"
		"  WHERE y.draft_id = d.id AND y.kind = 'sent')"
		" WHERE d.created_at >= ?1",
		-1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "reading stats: %s", store_errmsg(app->store));
		rc = PRECEDENT_EDB;
		goto out;
	}
	sqlite3_bind_text(st, 1, since ? since : "", -1, SQLITE_STATIC);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		srow_t r = {.sent = sqlite3_column_int(st, 2),
			    .er = sqlite3_column_double(st, 3),
			    .wr = sqlite3_column_double(st, 4),
			    .ks = sqlite3_column_double(st, 5),
			    .secs = sqlite3_column_double(st, 6),
			    .discarded = sqlite3_column_int(st, 7),
			    .rating = (const char *)sqlite3_column_text(st, 8)};
		const char *week = (const char *)sqlite3_column_text(st, 0);
		sgroup_add(&all, &r);
		sgroup_add(sgroup_find(&weeks, week ? week : "unknown"), &r);
		cJSON *tj = cJSON_Parse((const char *)sqlite3_column_text(st, 1)), *tg;
		int ntags = 0;
		cJSON_ArrayForEach(tg, tj)
		{
			if (cJSON_IsString(tg) && *tg->valuestring) {
				sgroup_add(sgroup_find(&tags, tg->valuestring), &r);
				ntags++;
			}
		}
		cJSON_Delete(tj);
		if (!ntags)
			sgroup_add(sgroup_find(&tags, "(untagged)"), &r);
	}
	if (src != SQLITE_DONE) {
		snprintf(err, errlen, "reading stats: %s", store_errmsg(app->store));
		rc = PRECEDENT_EDB;
		goto out;
	}
	cJSON *r = sgroup_json(&all, NULL);
	/* Distribution of edit ratios in tenths (the last bin includes 1). */
	cJSON *dist = cJSON_AddArrayToObject(r, "edit_ratio_histogram");
	long bins[10] = {0};
	for (size_t i = 0; i < all.er.n; i++) {
		int b = (int)(all.er.v[i] * 10);
		bins[b < 0 ? 0 : b > 9 ? 9 : b]++;
	}
	for (int i = 0; i < 10; i++)
		cJSON_AddItemToArray(dist, cJSON_CreateNumber((double)bins[i]));
	cJSON *q = cJSON_AddObjectToObject(r, "edit_ratio_quartiles");
	cJSON_AddNumberToObject(q, "p25", round4(dvec_quantile(&all.er, 0.25)));
	cJSON_AddNumberToObject(q, "p50", round4(dvec_quantile(&all.er, 0.5)));
	cJSON_AddNumberToObject(q, "p75", round4(dvec_quantile(&all.er, 0.75)));
	double robotic = config_num(app->config, "quality.robotic_threshold",
				    "PRECEDENT_ROBOTIC_THRESHOLD", STATS_ROBOTIC_DEFAULT);
	cJSON_AddNumberToObject(r, "robotic_threshold", robotic);
	if (all.sent >= STATS_ROBOTIC_MIN_SENT && (double)all.nearly / (double)all.sent > robotic) {
		char w[256];
		snprintf(w, sizeof w,
			 "%.0f%% of sent drafts went out nearly unedited (edit ratio <= %.2f): check "
			 "that agents review drafts before sending.",
			 100.0 * (double)all.nearly / (double)all.sent, STATS_NEARLY_UNEDITED);
		cJSON_AddStringToObject(r, "warning", w);
	}
	cJSON_AddNumberToObject(
	    r, "knowledge_gaps", query_double(db, "SELECT count(*) FROM gaps WHERE created_at >= ?1", since));
	cJSON_AddNumberToObject(
	    r, "candidate_precedents",
	    query_double(db,
			 "SELECT count(*) FROM tickets WHERE source = 'candidate' AND "
			 "coalesce(closed_at, '') >= ?1",
			 since));
	if (weeks.n)
		qsort(weeks.v, weeks.n, sizeof *weeks.v, cmp_week_group);
	cJSON *wa = cJSON_AddArrayToObject(r, "by_week");
	for (size_t i = 0; i < weeks.n; i++)
		cJSON_AddItemToArray(wa, sgroup_json(&weeks.v[i], "week"));
	if (tags.n)
		qsort(tags.v, tags.n, sizeof *tags.v, cmp_tag_group);
	cJSON *ta = cJSON_AddArrayToObject(r, "by_tag");
	for (size_t i = 0; i < tags.n; i++)
		cJSON_AddItemToArray(ta, sgroup_json(&tags.v[i], "tag"));
	cJSON_AddItemToObject(r, "sources_to_fix", sources_to_fix(db));
	cJSON_AddItemToObject(r, "discarded_by_reason", discards_by_reason(db, since));
	if (since)
		cJSON_AddStringToObject(r, "since", since);
	cJSON_AddItemToObject(r, "corpus", app_corpus(app));
	*result = r;
out:
	sqlite3_finalize(st);
	sgroup_release(&all);
	sgroups_release(&weeks);
	sgroups_release(&tags);
	return rc;
}

/* ---- exports --------------------------------------------------------------------- */

static void csv_field(FILE *out, const char *s, int last)
{
	fputc('"', out);
	for (; s && *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
	fputc(last ? '\n' : ',', out);
}

int app_export_pairs(app_t *app, const char *since, int csv, FILE *out, size_t *count, char *err,
		     size_t errlen)
{
	sqlite3_stmt *st;
	int rc, src;
	*count = 0;
	if (!valid_since(since)) {
		snprintf(err, errlen, "since must be a date, YYYY-MM-DD (optionally with a time)");
		return PRECEDENT_EFIELD;
	}
	if ((rc = app_need_store(app, err, errlen)))
		return rc;
	/* Each draft with its latest sent reply; both redacted as stored. */
	if (sqlite3_prepare_v2(
		store_db(app->store),
		"SELECT d.id, d.ticket_id, d.created_at, s.created_at, d.mode,"
		" coalesce(d.provider, ''), coalesce(d.model, ''), coalesce(c.subject, ''),"
		" coalesce(c.tags_json, '[]'), d.text, s.sent_text, s.edit_ratio, s.word_edit_ratio,"
		" s.kept_share FROM drafts d JOIN feedback s ON s.rowid = (SELECT max(y.rowid)"
		" FROM feedback y WHERE y.draft_id = d.id AND y.kind = 'sent')"
		" LEFT JOIN draft_context c ON c.draft_id = d.id"
		" WHERE s.created_at >= ?1 ORDER BY s.created_at, s.rowid",
		-1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "reading drafts: %s", store_errmsg(app->store));
		return PRECEDENT_EDB;
	}
	sqlite3_bind_text(st, 1, since ? since : "", -1, SQLITE_STATIC);
	static const char *const cols[] = {"draft_id", "ticket_id", "drafted_at", "sent_at",
					   "mode",     "provider",  "model",      "subject",
					   "tags",     "draft",     "sent",       "edit_ratio",
					   "word_edit_ratio", "kept_share"};
	enum { NCOLS = sizeof cols / sizeof cols[0] };
	if (csv)
		for (int i = 0; i < NCOLS; i++)
			csv_field(out, cols[i], i == NCOLS - 1);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		if (csv) {
			for (int i = 0; i < NCOLS; i++) {
				const char *v = (const char *)sqlite3_column_text(st, i);
				char num[32];
				if (i >= 11 && sqlite3_column_type(st, i) != SQLITE_NULL) {
					snprintf(num, sizeof num, "%.4f", sqlite3_column_double(st, i));
					v = num;
				}
				csv_field(out, v, i == NCOLS - 1);
			}
		} else {
			cJSON *o = cJSON_CreateObject();
			for (int i = 0; i < NCOLS; i++) {
				const char *v = (const char *)sqlite3_column_text(st, i);
				if (i == 8) {
					cJSON *t = cJSON_Parse(v ? v : "[]");
					cJSON_AddItemToObject(o, cols[i], t ? t : cJSON_CreateArray());
				} else if (i >= 11) {
					if (sqlite3_column_type(st, i) == SQLITE_NULL)
						cJSON_AddNullToObject(o, cols[i]);
					else
						cJSON_AddNumberToObject(
						    o, cols[i], round4(sqlite3_column_double(st, i)));
				} else {
					cJSON_AddStringToObject(o, cols[i], v ? v : "");
				}
			}
			char *line = cJSON_PrintUnformatted(o);
			fputs(line, out);
			fputc('\n', out);
			cJSON_free(line);
			cJSON_Delete(o);
		}
		(*count)++;
	}
	sqlite3_finalize(st);
	if (src != SQLITE_DONE) {
		snprintf(err, errlen, "reading drafts: %s", store_errmsg(app->store));
		return PRECEDENT_EDB;
	}
	if (fflush(out) != 0 || ferror(out)) {
		snprintf(err, errlen, "writing the export: %s", strerror(errno));
		return PRECEDENT_EIO;
	}
	return 0;
}

/* Knowledge gaps grouped by shared key terms. A gap joins the group whose terms
 * it shares most (at least two, or its only term); a group is labelled by its
 * most frequent terms. A group is closed once a later draft whose key terms share
 * at least two of the label's found precedent (confidence at or above the gap
 * threshold). Open groups first, most frequent first. */
#define GAP_GROUP_TERMS 64
#define GAP_LABEL_TERMS 5

typedef struct gap_term {
	char *term;
	int count, first;
} gap_term_t;

typedef struct gap_group {
	gap_term_t terms[GAP_GROUP_TERMS];
	int nterms, count, order;
	double best_score;
	char first_seen[32], last_seen[32], closed_at[32];
	cJSON *tickets;
} gap_group_t;

static int gap_split(const char *kt, char *buf, size_t buflen, char **v, int max)
{
	int n = 0;
	char *save = NULL;
	snprintf(buf, buflen, "%s", kt ? kt : "");
	for (char *p = strtok_r(buf, " ", &save); p && n < max; p = strtok_r(NULL, " ", &save)) {
		int dup = 0;
		for (int i = 0; i < n; i++)
			dup |= !strcmp(v[i], p);
		if (!dup)
			v[n++] = p;
	}
	return n;
}

static int cmp_gap_term(const void *a, const void *b)
{
	const gap_term_t *x = a, *y = b;
	return x->count != y->count ? y->count - x->count : x->first - y->first;
}

/* The label: the group's most frequent terms (sorts g->terms). */
static void gap_label(gap_group_t *g, buf_t *out, char **v, int *nv)
{
	qsort(g->terms, (size_t)g->nterms, sizeof g->terms[0], cmp_gap_term);
	*nv = 0;
	for (int i = 0; i < g->nterms && i < GAP_LABEL_TERMS; i++) {
		if (out->len)
			buf_putc(out, ' ');
		buf_puts(out, g->terms[i].term);
		v[(*nv)++] = g->terms[i].term;
	}
}

static int cmp_gap_group(const void *a, const void *b)
{
	const gap_group_t *x = a, *y = b;
	int xo = x->closed_at[0] != 0, yo = y->closed_at[0] != 0;
	if (xo != yo)
		return xo - yo;
	if (x->count != y->count)
		return y->count - x->count;
	return strcmp(y->last_seen, x->last_seen);
}

int app_gaps(app_t *app, const char *since, cJSON **result, char *err, size_t errlen)
{
	int rc;
	sqlite3_stmt *st;
	gap_group_t *g = NULL;
	size_t ng = 0, ag = 0;
	int seq = 0;
	*result = NULL;
	if ((rc = app_need_store(app, err, errlen)))
		return rc;
	if (sqlite3_prepare_v2(store_db(app->store),
			       "SELECT key_terms, ticket_id, best_score, created_at FROM gaps "
			       "WHERE created_at >= ?1 ORDER BY created_at, rowid",
			       -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "reading gaps: %s", store_errmsg(app->store));
		return PRECEDENT_EDB;
	}
	sqlite3_bind_text(st, 1, since ? since : "", -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char buf[1024], *v[16];
		int n = gap_split((const char *)sqlite3_column_text(st, 0), buf, sizeof buf, v, 16);
		const char *at = (const char *)sqlite3_column_text(st, 3);
		int best = -1, best_shared = 0;
		for (size_t i = 0; i < ng; i++) {
			int shared = 0;
			for (int k = 0; k < n; k++)
				for (int j = 0; j < g[i].nterms; j++)
					shared += !strcmp(v[k], g[i].terms[j].term);
			if (shared > best_shared) {
				best_shared = shared;
				best = (int)i;
			}
		}
		if (best < 0 || best_shared < (n < 2 ? 1 : 2)) {
			if (ng == ag) {
				ag = ag ? ag * 2 : 16;
				g = xrealloc(g, ag * sizeof *g);
			}
			memset(&g[ng], 0, sizeof g[ng]);
			g[ng].tickets = cJSON_CreateArray();
			g[ng].order = (int)ng;
			snprintf(g[ng].first_seen, sizeof g[ng].first_seen, "%s", at ? at : "");
			best = (int)ng++;
		}
		gap_group_t *gr = &g[best];
		gr->count++;
		snprintf(gr->last_seen, sizeof gr->last_seen, "%s", at ? at : "");
		for (int k = 0; k < n; k++) {
			int j;
			for (j = 0; j < gr->nterms; j++)
				if (!strcmp(gr->terms[j].term, v[k]))
					break;
			if (j < gr->nterms) {
				gr->terms[j].count++;
			} else if (gr->nterms < GAP_GROUP_TERMS) {
				gr->terms[gr->nterms].term = xstrdup(v[k]);
				gr->terms[gr->nterms].count = 1;
				gr->terms[gr->nterms].first = seq++;
				gr->nterms++;
			}
		}
		if (cJSON_GetArraySize(gr->tickets) < 5)
			cJSON_AddItemToArray(gr->tickets, cJSON_CreateString(
							      (const char *)sqlite3_column_text(st, 1)));
		if (sqlite3_column_double(st, 2) > gr->best_score)
			gr->best_score = sqlite3_column_double(st, 2);
	}
	sqlite3_finalize(st);
	/* Labels, then closing by later drafts that found precedent. */
	buf_t *labels = xcalloc(ng ? ng : 1, sizeof *labels);
	sqlite3_stmt *later = NULL;
	sqlite3_prepare_v2(store_db(app->store),
			   "SELECT key_terms, created_at FROM drafts WHERE confidence >= ?1 "
			   "AND created_at >= ?2 ORDER BY created_at",
			   -1, &later, NULL);
	for (size_t i = 0; i < ng; i++) {
		char *lv[GAP_LABEL_TERMS];
		int nl;
		buf_init(&labels[i], 0);
		gap_label(&g[i], &labels[i], lv, &nl);
		if (!later)
			continue;
		sqlite3_reset(later);
		sqlite3_bind_double(later, 1, app->gap_threshold);
		sqlite3_bind_text(later, 2, g[i].last_seen, -1, SQLITE_STATIC);
		while (sqlite3_step(later) == SQLITE_ROW) {
			char buf[1024], *v[16];
			const char *at = (const char *)sqlite3_column_text(later, 1);
			int n = gap_split((const char *)sqlite3_column_text(later, 0), buf, sizeof buf,
					  v, 16);
			int shared = 0;
			if (at && strcmp(at, g[i].last_seen) <= 0)
				continue; /* the gap's own draft or one of the same second */
			for (int k = 0; k < n; k++)
				for (int j = 0; j < nl; j++)
					shared += !strcmp(v[k], lv[j]);
			if (shared >= (nl < 2 ? 1 : 2)) {
				snprintf(g[i].closed_at, sizeof g[i].closed_at, "%s", at ? at : "");
				break;
			}
		}
	}
	sqlite3_finalize(later);
	/* Sort groups with their labels (by index). */
	size_t *ord = xcalloc(ng ? ng : 1, sizeof *ord);
	for (size_t i = 0; i < ng; i++)
		ord[i] = i;
	for (size_t i = 1; i < ng; i++)
		for (size_t j = i; j > 0 && cmp_gap_group(&g[ord[j]], &g[ord[j - 1]]) < 0; j--) {
			size_t t = ord[j];
			ord[j] = ord[j - 1];
			ord[j - 1] = t;
		}
	cJSON *arr = cJSON_CreateArray();
	for (size_t oi = 0; oi < ng; oi++) {
		gap_group_t *gr = &g[ord[oi]];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "terms", buf_cstr(&labels[ord[oi]]));
		cJSON_AddNumberToObject(o, "count", gr->count);
		cJSON_AddItemToObject(o, "tickets", gr->tickets);
		gr->tickets = NULL;
		cJSON_AddNumberToObject(o, "best_score", round(gr->best_score * 1000) / 1000);
		cJSON_AddStringToObject(o, "first_seen", gr->first_seen);
		cJSON_AddStringToObject(o, "last_seen", gr->last_seen);
		cJSON_AddStringToObject(o, "status", gr->closed_at[0] ? "closed" : "open");
		if (gr->closed_at[0])
			cJSON_AddStringToObject(o, "closed_at", gr->closed_at);
		cJSON_AddItemToArray(arr, o);
	}
	for (size_t i = 0; i < ng; i++) {
		for (int j = 0; j < g[i].nterms; j++)
			free(g[i].terms[j].term);
		cJSON_Delete(g[i].tickets);
		buf_release(&labels[i]);
	}
	free(ord);
	free(labels);
	free(g);
	*result = cJSON_CreateObject();
	cJSON_AddItemToObject(*result, "gaps", arr);
	return 0;
}
