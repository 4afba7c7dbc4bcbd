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
#define NEARLY_UNEDITED 0.05

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
	}
	app->events_path = config_events_path(app->config);
	signals_config_t sc = {
	    .events_path = app->events_path,
	    .webhook_url = config_str(app->config, "signals.webhook_url", "PRECEDENT_WEBHOOK_URL",
				      NULL),
	};
	if ((rc = signals_open(&sc, &app->signals, err, errlen)))
		goto fail;
	return 0;
fail:
	app_close(app);
	return rc;
}

void app_close(app_t *app)
{
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
		    d.weak)
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
	return difftime(time(NULL), timegm(&tm));
}

static int emit_quality(app_t *app, const store_draft_t *d, const char *kind,
			const editdist_result_t *ed, const char *rating, const char *comment)
{
	cJSON *ev = cJSON_CreateObject();
	cJSON *sources = cJSON_Parse(d->sources_json ? d->sources_json : "[]");
	cJSON_AddStringToObject(ev, "ticket_id", d->ticket_id);
	cJSON_AddStringToObject(ev, "draft_id", d->id);
	cJSON_AddStringToObject(ev, "outcome", kind);
	cJSON_AddStringToObject(ev, "mode", d->mode ? d->mode : "offline");
	if (d->provider)
		cJSON_AddStringToObject(ev, "provider", d->provider);
	else
		cJSON_AddNullToObject(ev, "provider");
	if (d->model)
		cJSON_AddStringToObject(ev, "model", d->model);
	else
		cJSON_AddNullToObject(ev, "model");
	cJSON_AddItemToObject(ev, "sources", sources ? sources : cJSON_CreateArray());
	cJSON_AddNumberToObject(ev, "confidence", d->confidence);
	if (ed) {
		cJSON_AddNumberToObject(ev, "edit_distance", (double)ed->distance);
		cJSON_AddNumberToObject(ev, "edit_ratio", ed->ratio);
		cJSON_AddNumberToObject(ev, "word_edit_ratio", ed->word_ratio);
	} else {
		cJSON_AddNullToObject(ev, "edit_distance");
		cJSON_AddNullToObject(ev, "edit_ratio");
		cJSON_AddNullToObject(ev, "word_edit_ratio");
	}
	if (rating)
		cJSON_AddStringToObject(ev, "rating", rating);
	else
		cJSON_AddNullToObject(ev, "rating");
	if (comment)
		cJSON_AddStringToObject(ev, "comment", comment);
	else
		cJSON_AddNullToObject(ev, "comment");
	double secs = seconds_since(d->created_at);
	if (secs >= 0)
		cJSON_AddNumberToObject(ev, "seconds_to_send", secs);
	else
		cJSON_AddNullToObject(ev, "seconds_to_send");
	int rc = signals_emit(app->signals, "draft_quality_signal", ev);
	cJSON_Delete(ev);
	return rc;
}

int app_feedback_sent(app_t *app, const char *draft_id, const char *sent_text, int discarded,
		      cJSON **result, char *err, size_t errlen)
{
	store_draft_t d;
	redact_map_t *m = NULL;
	char *draft_text = NULL, *red_sent = NULL;
	editdist_result_t ed;
	int rc;
	*result = NULL;
	if ((rc = app_need_store(app, err, errlen)))
		return rc;
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
		/* Metrics on what the agent saw and sent, storage of the redacted form. */
		draft_text = rehydrate(m, d.text);
		editdist_compute(draft_text, strlen(draft_text), sent_text, strlen(sent_text), &ed);
		hints_from_map(m, &h);
		if ((rc = redact_text(app->redactor, m, sent_text, strlen(sent_text), &h, &red_sent,
				      &rl)))
			goto out;
	}
	store_feedback_t f = {.draft_id = d.id,
			      .kind = discarded ? "discarded" : "sent",
			      .sent_text = red_sent,
			      .edit_distance = discarded ? 0 : (long)ed.distance,
			      .edit_ratio = discarded ? 0 : ed.ratio,
			      .word_edit_ratio = discarded ? 0 : ed.word_ratio};
	if ((rc = store_begin(app->store)) == 0) {
		/* New placeholders met in the sent text join the vault too. */
		if (!(rc = vault_save(app, d.ticket_id, m)) &&
		    !(rc = store_feedback_insert(app->store, &f)))
			rc = store_commit(app->store);
		if (rc)
			store_rollback(app->store);
	}
	if (rc) {
		snprintf(err, errlen, "storing feedback: %s (%s)", precedent_strerror(rc),
			 store_errmsg(app->store));
		goto out;
	}
	if ((rc = emit_quality(app, &d, f.kind, discarded ? NULL : &ed, NULL, NULL))) {
		snprintf(err, errlen, "writing the draft_quality_signal to %s failed", app->events_path);
		goto out;
	}
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "draft_id", d.id);
	if (discarded) {
		cJSON_AddBoolToObject(r, "discarded", 1);
	} else {
		cJSON_AddNumberToObject(r, "edit_distance", (double)ed.distance);
		cJSON_AddNumberToObject(r, "edit_ratio", round(ed.ratio * 10000) / 10000);
		cJSON_AddNumberToObject(r, "word_edit_ratio", round(ed.word_ratio * 10000) / 10000);
	}
	*result = r;
out:
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
		if (!vault_load(app, d.ticket_id, m))
			rc = redact_text(app->redactor, m, comment, strlen(comment), NULL, &red, &rl);
		redact_map_free(m);
		if (rc)
			goto out;
	}
	store_feedback_t f = {.draft_id = d.id, .kind = "rating", .rating = rating, .comment = red};
	if ((rc = store_feedback_insert(app->store, &f))) {
		snprintf(err, errlen, "storing the rating: %s", store_errmsg(app->store));
		goto out;
	}
	if ((rc = emit_quality(app, &d, "rating", NULL, rating, red))) {
		snprintf(err, errlen, "writing the draft_quality_signal failed");
		goto out;
	}
	*result = cJSON_CreateObject();
	cJSON_AddBoolToObject(*result, "saved", 1);
out:
	free(red);
	store_draft_release(&d);
	return rc;
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

int app_stats(app_t *app, const char *since, cJSON **result, char *err, size_t errlen)
{
	int rc;
	*result = NULL;
	if ((rc = app_need_store(app, err, errlen)))
		return rc;
	sqlite3 *db = store_db(app->store);
	cJSON *r = cJSON_CreateObject();
	double drafts = query_double(db, "SELECT count(*) FROM drafts WHERE created_at >= ?1", since);
	double sent = query_double(db,
				   "SELECT count(DISTINCT f.draft_id) FROM feedback f WHERE "
				   "f.kind='sent' AND f.created_at >= ?1",
				   since);
	double discarded = query_double(db,
					"SELECT count(DISTINCT draft_id) FROM feedback WHERE "
					"kind='discarded' AND created_at >= ?1",
					since);
	double nearly = query_double(db,
				     "SELECT count(*) FROM feedback WHERE kind='sent' AND "
				     "edit_ratio <= 0.05 AND created_at >= ?1",
				     since);
	double nsent_rows = query_double(
	    db, "SELECT count(*) FROM feedback WHERE kind='sent' AND created_at >= ?1", since);
	double mean = query_double(
	    db, "SELECT avg(edit_ratio) FROM feedback WHERE kind='sent' AND created_at >= ?1", since);
	/* Median: the middle row (lower middle for an even count). */
	double median = query_double(db,
				     "SELECT edit_ratio FROM feedback WHERE kind='sent' AND "
				     "created_at >= ?1 ORDER BY edit_ratio LIMIT 1 OFFSET "
				     "(SELECT (count(*) - 1) / 2 FROM feedback WHERE kind='sent' AND "
				     "created_at >= ?1)",
				     since);
	double up = query_double(
	    db, "SELECT count(*) FROM feedback WHERE kind='rating' AND rating='up' AND created_at >= ?1",
	    since);
	double down = query_double(db,
				   "SELECT count(*) FROM feedback WHERE kind='rating' AND "
				   "rating='down' AND created_at >= ?1",
				   since);
	double gaps = query_double(db, "SELECT count(*) FROM gaps WHERE created_at >= ?1", since);
	cJSON_AddNumberToObject(r, "drafts", drafts);
	cJSON_AddNumberToObject(r, "sent", sent);
	cJSON_AddNumberToObject(r, "discarded", discarded);
	cJSON_AddNumberToObject(r, "median_edit_ratio", round(median * 10000) / 10000);
	cJSON_AddNumberToObject(r, "mean_edit_ratio", round(mean * 10000) / 10000);
	cJSON_AddNumberToObject(r, "nearly_unedited_share",
				nsent_rows > 0 ? round(nearly / nsent_rows * 10000) / 10000 : 0);
	cJSON *th = cJSON_AddObjectToObject(r, "thumbs");
	cJSON_AddNumberToObject(th, "up", up);
	cJSON_AddNumberToObject(th, "down", down);
	cJSON_AddNumberToObject(r, "knowledge_gaps", gaps);
	/* Distribution of edit ratios in tenths. */
	cJSON *dist = cJSON_AddArrayToObject(r, "edit_ratio_histogram");
	for (int i = 0; i < 10; i++) {
		char sql[256];
		snprintf(sql, sizeof sql,
			 "SELECT count(*) FROM feedback WHERE kind='sent' AND created_at >= ?1 AND "
			 "edit_ratio >= %.1f AND edit_ratio %s %.1f",
			 i / 10.0, i == 9 ? "<=" : "<", (i + 1) / 10.0);
		cJSON_AddItemToArray(dist, cJSON_CreateNumber(query_double(db, sql, since)));
	}
	/* By ISO week. */
	cJSON *weeks = cJSON_AddArrayToObject(r, "by_week");
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db,
			       "SELECT strftime('%Y-W%W', d.created_at) AS wk, count(DISTINCT d.id),"
			       " count(f.rowid), avg(f.edit_ratio),"
			       " sum(CASE WHEN f.edit_ratio <= 0.05 THEN 1 ELSE 0 END)"
			       " FROM drafts d LEFT JOIN feedback f ON f.draft_id = d.id AND "
			       "f.kind='sent' WHERE d.created_at >= ?1 GROUP BY wk ORDER BY wk",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, since ? since : "", -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			cJSON *w = cJSON_CreateObject();
			double n = sqlite3_column_double(st, 2);
			cJSON_AddStringToObject(w, "week", (const char *)sqlite3_column_text(st, 0));
			cJSON_AddNumberToObject(w, "drafts", sqlite3_column_double(st, 1));
			cJSON_AddNumberToObject(w, "sent", n);
			cJSON_AddNumberToObject(w, "mean_edit_ratio",
						round(sqlite3_column_double(st, 3) * 10000) / 10000);
			cJSON_AddNumberToObject(w, "nearly_unedited_share",
						n > 0 ? sqlite3_column_double(st, 4) / n : 0);
			cJSON_AddItemToArray(weeks, w);
		}
		sqlite3_finalize(st);
	}
	if (nsent_rows >= 10 && nearly / nsent_rows > 0.8)
		cJSON_AddStringToObject(r, "warning",
					"More than 80% of drafts are sent nearly unedited: check that "
					"agents review drafts before sending.");
	cJSON_AddItemToObject(r, "corpus", app_corpus(app));
	*result = r;
	return 0;
}

int app_gaps(app_t *app, const char *since, cJSON **result, char *err, size_t errlen)
{
	int rc;
	sqlite3_stmt *st;
	*result = NULL;
	if ((rc = app_need_store(app, err, errlen)))
		return rc;
	/* Grouped by their three leading key terms (the subject's strongest terms). */
	if (sqlite3_prepare_v2(store_db(app->store),
			       "SELECT key_terms, ticket_id, best_score, created_at FROM gaps "
			       "WHERE created_at >= ?1 ORDER BY created_at DESC",
			       -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "reading gaps: %s", store_errmsg(app->store));
		return PRECEDENT_EDB;
	}
	sqlite3_bind_text(st, 1, since ? since : "", -1, SQLITE_STATIC);
	cJSON *groups = cJSON_CreateObject();
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *kt = (const char *)sqlite3_column_text(st, 0);
		char key[256];
		int words = 0;
		size_t kl = 0;
		for (const char *p = kt ? kt : ""; *p && kl < sizeof key - 1; p++) {
			if (*p == ' ' && ++words == 3)
				break;
			key[kl++] = *p;
		}
		key[kl] = '\0';
		cJSON *g = cJSON_GetObjectItemCaseSensitive(groups, key);
		if (!g) {
			g = cJSON_AddObjectToObject(groups, key);
			cJSON_AddStringToObject(g, "terms", key);
			cJSON_AddNumberToObject(g, "count", 0);
			cJSON_AddArrayToObject(g, "tickets");
			cJSON_AddNumberToObject(g, "best_score", 0);
		}
		cJSON *c = cJSON_GetObjectItemCaseSensitive(g, "count");
		cJSON_SetNumberValue(c, c->valuedouble + 1);
		cJSON *tk = cJSON_GetObjectItemCaseSensitive(g, "tickets");
		if (cJSON_GetArraySize(tk) < 5)
			cJSON_AddItemToArray(tk, cJSON_CreateString(
						     (const char *)sqlite3_column_text(st, 1)));
		cJSON *bs = cJSON_GetObjectItemCaseSensitive(g, "best_score");
		if (sqlite3_column_double(st, 2) > bs->valuedouble)
			cJSON_SetNumberValue(bs, sqlite3_column_double(st, 2));
	}
	sqlite3_finalize(st);
	/* Most frequent first. */
	cJSON *arr = cJSON_CreateArray();
	while (cJSON_GetArraySize(groups) > 0) {
		cJSON *best = NULL, *g;
		cJSON_ArrayForEach(g, groups)
		{
			if (!best || cJSON_GetObjectItem(g, "count")->valuedouble >
					 cJSON_GetObjectItem(best, "count")->valuedouble)
				best = g;
		}
		cJSON_AddItemToArray(arr, cJSON_DetachItemViaPointer(groups, best));
	}
	cJSON_Delete(groups);
	*result = cJSON_CreateObject();
	cJSON_AddItemToObject(*result, "gaps", arr);
	return 0;
}
