/*
 * llm_draft.c - one LLM draft from request to reply (see llm_draft.h).
 *
 * Two threads share the work (loop.h). The worker does everything that touches the store, the
 * redactor or the config, or takes time: redact + retrieve + customer context + prompt + the
 * provider request's body, and at the end citation check, staleness, the durable store of the
 * draft, the native messaging reply and the final frames' text. The loop thread only moves
 * bytes: it starts the prepared stream, turns each provider delta into a draft.delta frame
 * (rehydrated for the agent), runs the context endpoint GET, and hands the job back when the
 * provider is done.
 *
 *   worker: request -> redact, retrieve, context table [-> loop: endpoint GET -> worker: merge]
 *           -> prompt, request body
 *   loop:   submit -> deltas -> done/error/cancel: flush the held-back text, snapshot timing
 *   worker: finish -> citecheck, store (fsync), draft.citations/flags/done or draft.error
 *           frames (posted to the loop), the reply; "auto" falls back to the offline draft.
 *
 * A job is owned by one thread at a time and moves only through loop_work()/loop_post(). The
 * loop keeps the jobs it knows in ls->jobs (from its first hand-over to the loop until its
 * finish goes to the worker); a job there with on_worker set is being worked on by the worker
 * (context merge) and comes back. A job is freed by its finish on the worker, or by the loop
 * once the session has stopped; never while a curl callback of its stream is on the stack
 * (llm.c defers removal itself).
 */
#include "precedent/llm_draft.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "precedent/app.h"
#include "precedent/citecheck.h"
#include "precedent/config.h"
#include "precedent/context.h"
#include "precedent/draft.h"
#include "precedent/error.h"
#include "precedent/limits.h"
#include "precedent/llm.h"
#include "precedent/loop.h"
#include "precedent/prompt.h"
#include "precedent/redact.h"
#include "precedent/retrieve.h"
#include "precedent/store.h"
#include "precedent/ticket.h"
#include "precedent/util.h"
#include "precedent/ws.h"

/* A placeholder cut between two deltas is held back at most this long. */
#define HOLDBACK_MAX 48
/* Draft ids the panel cancelled before the loop knew the draft (it was still being prepared). */
#define RECENT_CANCELS 16
/* ctx_rc when the context endpoint request could not even start (llm's codes are negative). */
#define CTX_NOT_ASKED 1

typedef struct job job_t;

struct llm_session {
	session_t *s;
	uv_loop_t *loop;
	ws_server_t *ws;
	llm_client_t *client;
	char ws_error[256];
	/* loop thread only */
	job_t *jobs;
	int stopped;
	char cancelled[RECENT_CANCELS][24];
	unsigned ncancelled;
	/* jobs handed to the writer, and its own connection (NULL: drafts are not saved) */
	pthread_mutex_t fin_mu;
	job_t *fin_head, *fin_tail;
	store_t *wstore;
};

struct job {
	job_t *next;
	llm_session_t *ls;
	session_t *s;
	cJSON *id; /* the request id (copy) */
	cJSON *ticket_json;
	cJSON *options;
	char draft_id[24];
	int stream;
	int auto_mode;
	int action;
	ticket_t t;
	int have_t;
	redact_map_t *m;
	retrieve_result_t res;
	int have_res;
	prompt_source_t *src;
	char **doc_ids; /* strings owned for src (ids, cleaned snippets), nowned of them */
	size_t nsrc, nowned;
	cJSON *ctx;   /* original values */
	cJSON *flags; /* accumulated */
	char *previous;
	char *language;
	char provider[32];
	char model[128];
	/* settings read from the config on the worker when the request came */
	llm_config_t cfg; /* its strings point at the copies below */
	char *base_url, *model_cfg;
	char key[1024];
	int stale_days;
	size_t token_budget;
	char *ctx_url;
	long ctx_timeout_ms;
	/* the context endpoint's reply, copied on the loop for the worker */
	char *ctx_body;
	size_t ctx_len;
	int ctx_rc;
	char ctx_msg[300];
	/* the stream the worker prepared, or why it could not */
	llm_stream_t *prepared;
	int prep_rc;
	char prep_msg[160];
	buf_t text;    /* redacted, as generated */
	buf_t pending; /* redacted tail not yet sent to the panel (loop) */
	llm_stream_t *stream_h; /* loop */
	llm_stream_t *ctx_h;    /* loop */
	int linked, on_worker, cancelled; /* loop */
	double t_recv, t_sent, t_first, t_done, t_last_delta;
	double delta_gap_max; /* the provider's longest pause between two deltas, as received */
	size_t deltas;
	double search_ms;
	/* how it ended (set on the loop, read by the writer) */
	job_t *fin_next; /* the writer's queue */
	citecheck_result_t cr;
	int have_cr, saved;
	cJSON *cits;
	int done_rc;
	char done_msg[300];
	double ws_p50, ws_p99, ws_max, busy_p50, busy_p99, busy_max;
	size_t ws_n, busy_n;
};

/* ---- small helpers ---- */

static void flag(cJSON *flags, const char *kind, const char *message)
{
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "kind", kind);
	cJSON_AddStringToObject(f, "message", message);
	cJSON_AddItemToArray(flags, f);
}

static char *rehydrate(const redact_map_t *m, const char *text, size_t len)
{
	char *out = NULL;
	size_t outlen;
	if (!m || redact_rehydrate(m, text, len, &out, &outlen) != 0)
		return xstrndup(text, len);
	return out;
}

/* ---- frames to the panel ---- */

struct post_frame {
	llm_session_t *ls;
	size_t len;
	char text[];
};

static void broadcast_task(void *arg)
{
	struct post_frame *f = arg;
	if (!f->ls->stopped && f->ls->ws)
		ws_server_broadcast(f->ls->ws, f->text, f->len);
	free(f);
}

/* Sends frame (taken) to the panel with the job's ids. On the loop thread it is queued to the
 * WebSocket at once (t0: when its data arrived, for the delay figure); from the worker it is
 * posted to the loop, after every frame posted or queued before it. */
static void ws_send(job_t *j, cJSON *frame, double t0)
{
	llm_session_t *ls = j->ls;
	char *txt;
	if (!ls->ws || !j->stream) {
		cJSON_Delete(frame);
		return;
	}
	cJSON_AddStringToObject(frame, "draft_id", j->draft_id);
	if (j->id)
		cJSON_AddItemToObject(frame, "request_id", cJSON_Duplicate(j->id, 0));
	const cJSON *ref = cJSON_GetObjectItemCaseSensitive(j->options, "client_ref");
	if (cJSON_IsString(ref) && strlen(ref->valuestring) <= 128)
		cJSON_AddStringToObject(frame, "client_ref", ref->valuestring);
	txt = cJSON_PrintUnformatted(frame);
	cJSON_Delete(frame);
	if (!txt)
		return;
	size_t n = strlen(txt);
	if (loop_on_loop_thread()) {
		if (!ls->stopped)
			ws_server_broadcast_at(ls->ws, txt, n, t0);
	} else {
		struct post_frame *f = xmalloc(sizeof *f + n + 1);
		f->ls = ls;
		f->len = n;
		memcpy(f->text, txt, n + 1);
		loop_post(broadcast_task, f);
	}
	cJSON_free(txt);
}

/* The job's copy of the LLM settings (worker: the config is the worker's). */
static void settings_from(job_t *j, const config_t *c)
{
	char err[256];
	llm_config_t *cfg = &j->cfg;
	const char *v;
	llm_config_init(cfg);
	cfg->provider = llm_provider_from_name(
	    config_str(c, "llm.provider", "PRECEDENT_LLM_PROVIDER", "offline"));
	if ((v = config_str(c, "llm.base_url", "PRECEDENT_LLM_BASE_URL", NULL)))
		cfg->base_url = j->base_url = xstrdup(v);
	if ((v = config_str(c, "llm.model", "PRECEDENT_LLM_MODEL", NULL)))
		cfg->model = j->model_cfg = xstrdup(v);
	j->key[0] = '\0';
	if (config_api_key(c, j->key, sizeof j->key, err, sizeof err) == 0)
		cfg->api_key = j->key;
	cfg->max_tokens = (int)config_num(c, "llm.max_tokens", NULL, cfg->max_tokens);
	cfg->temperature = config_num(c, "llm.temperature", NULL, cfg->temperature);
	cfg->connect_timeout_ms =
	    (long)config_num(c, "llm.connect_timeout_ms", NULL, (double)cfg->connect_timeout_ms);
	cfg->idle_timeout_ms =
	    (long)config_num(c, "llm.idle_timeout_ms", NULL, (double)cfg->idle_timeout_ms);
	cfg->total_timeout_ms =
	    (long)config_num(c, "llm.timeout_ms", NULL, (double)cfg->total_timeout_ms);
	cfg->max_retries = (int)config_num(c, "llm.max_retries", NULL, cfg->max_retries);
	cfg->backoff_ms = (long)config_num(c, "llm.backoff_ms", NULL, (double)cfg->backoff_ms);
	j->stale_days = (int)config_num(c, "llm.stale_days", NULL, 365);
	j->token_budget = (size_t)config_num(c, "llm.token_budget", NULL, PROMPT_DEFAULT_BUDGET);
	j->ctx_timeout_ms = (long)config_num(c, "context.timeout_ms", NULL, 1500);
}

/* ---- job life ---- */

/* Loop thread: the loop's list of jobs. */
static void job_link(job_t *j)
{
	if (j->linked)
		return;
	j->next = j->ls->jobs;
	j->ls->jobs = j;
	j->linked = 1;
}

static void job_unlink(job_t *j)
{
	job_t **pp;
	if (!j->linked)
		return;
	for (pp = &j->ls->jobs; *pp; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			break;
		}
	j->linked = 0;
}

/* Frees an unlinked job (stream handles are only ever set on the loop's own jobs). */
static void job_free(job_t *j)
{
	if (j->stream_h)
		llm_stream_cancel(j->stream_h);
	if (j->ctx_h)
		llm_stream_cancel(j->ctx_h);
	llm_stream_discard(j->prepared);
	cJSON_Delete(j->id);
	cJSON_Delete(j->ticket_json);
	cJSON_Delete(j->options);
	cJSON_Delete(j->ctx);
	cJSON_Delete(j->flags);
	cJSON_Delete(j->cits);
	if (j->have_cr)
		citecheck_release(&j->cr);
	if (j->have_t)
		ticket_release(&j->t);
	if (j->have_res)
		retrieve_result_release(&j->res);
	redact_map_free(j->m);
	for (size_t i = 0; i < j->nowned; i++)
		free(j->doc_ids[i]);
	free(j->doc_ids);
	free(j->src);
	free(j->previous);
	free(j->language);
	free(j->base_url);
	free(j->model_cfg);
	free(j->ctx_url);
	free(j->ctx_body);
	memset(j->key, 0, sizeof j->key);
	buf_release(&j->text);
	buf_release(&j->pending);
	free(j);
}

/* Sends pending text up to a possibly cut placeholder (all of it when final). Loop thread. */
static void flush_pending(job_t *j, int final, double t0)
{
	size_t cut = j->pending.len;
	if (!final) {
		const char *p = buf_cstr(&j->pending);
		const char *lb = memrchr(p, '[', j->pending.len);
		if (lb && !memchr(lb, ']', j->pending.len - (size_t)(lb - p)) &&
		    j->pending.len - (size_t)(lb - p) < HOLDBACK_MAX)
			cut = (size_t)(lb - p);
	}
	if (cut == 0)
		return;
	char *text = rehydrate(j->m, j->pending.data, cut);
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "type", "draft.delta");
	cJSON_AddStringToObject(f, "text", text);
	free(text);
	ws_send(j, f, t0);
	memmove(j->pending.data, j->pending.data + cut, j->pending.len - cut);
	j->pending.len -= cut;
	j->pending.data[j->pending.len] = '\0';
}

static double r3(double v) { return round(v * 1000) / 1000; }

static cJSON *timing_json(job_t *j)
{
	cJSON *t = cJSON_CreateObject();
	cJSON_AddNumberToObject(t, "request_sent_ms", j->t_sent > 0 ? r3(j->t_sent - j->t_recv) : -1);
	cJSON_AddNumberToObject(t, "search_ms", r3(j->search_ms));
	cJSON_AddNumberToObject(t, "first_token_ms",
				j->t_first > 0 ? round((j->t_first - j->t_recv) * 10) / 10 : -1);
	cJSON_AddNumberToObject(t, "total_ms", round((now_ms() - j->t_recv) * 10) / 10);
	cJSON_AddNumberToObject(t, "deltas", (double)j->deltas);
	cJSON_AddNumberToObject(t, "provider_gap_max_ms", r3(j->delta_gap_max));
	if (j->ls->ws) {
		/* the host's figures since start (lathist.h percentiles; exact maxima) */
		cJSON_AddNumberToObject(t, "ws_write_delay_p50_ms", r3(j->ws_p50));
		cJSON_AddNumberToObject(t, "ws_write_delay_p99_ms", r3(j->ws_p99));
		cJSON_AddNumberToObject(t, "ws_write_delay_max_ms", r3(j->ws_max));
		cJSON_AddNumberToObject(t, "ws_frames", (double)j->ws_n);
	}
	cJSON_AddNumberToObject(t, "loop_busy_p50_ms", r3(j->busy_p50));
	cJSON_AddNumberToObject(t, "loop_busy_p99_ms", r3(j->busy_p99));
	cJSON_AddNumberToObject(t, "loop_busy_max_ms", r3(j->busy_max));
	cJSON_AddNumberToObject(t, "loop_iterations", (double)j->busy_n);
	return t;
}

/* Worker: draft.error to the panel (the held-back text went out on the loop before), then the
 * offline draft for "auto" or the error reply with the partial draft. */
/* The error reply: the draft id, the partial text and the fallback on offer. */
static void error_reply(job_t *j, int rc, const char *message)
{
	char *partial = rehydrate(j->m, buf_cstr(&j->text), j->text.len);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "id", cJSON_Duplicate(j->id, 0));
	cJSON_AddBoolToObject(o, "ok", 0);
	cJSON *e = cJSON_AddObjectToObject(o, "error");
	cJSON_AddStringToObject(e, "code", precedent_errcode(rc));
	cJSON_AddStringToObject(e, "message", message);
	cJSON_AddStringToObject(e, "draft_id", j->draft_id);
	cJSON_AddStringToObject(e, "partial", partial);
	cJSON_AddStringToObject(e, "fallback", "offline");
	protocol_send(j->s, o);
	cJSON_Delete(o);
	free(partial);
}

/* Writer: draft.error to the panel (the held-back text went out on the loop before), then the
 * error reply with the partial draft. 1 instead of the reply when "auto" should answer with
 * the offline draft (fallback(), on the worker). */
static int fail(job_t *j, int rc, const char *message)
{
	char *partial = rehydrate(j->m, buf_cstr(&j->text), j->text.len);
	cJSON *f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "type", "draft.error");
	cJSON *e = cJSON_AddObjectToObject(f, "error");
	cJSON_AddStringToObject(e, "code", precedent_errcode(rc));
	cJSON_AddStringToObject(e, "message", message);
	cJSON_AddStringToObject(f, "partial", partial);
	cJSON_AddStringToObject(f, "fallback", "offline");
	ws_send(j, f, 0);
	free(partial);
	if (j->auto_mode && rc != PRECEDENT_ECANCELLED)
		return 1;
	error_reply(j, rc, message);
	return 0;
}

/* Worker: "auto" answers with the offline draft, saying why the LLM's failed. */
static void fallback(job_t *j)
{
	session_t *s = j->s;
	char err[512] = "";
	cJSON *result = NULL;
	cJSON *opts = j->options ? cJSON_Duplicate(j->options, 1) : cJSON_CreateObject();
	cJSON_DeleteItemFromObjectCaseSensitive(opts, "mode");
	cJSON_AddStringToObject(opts, "mode", "offline");
	int orc = app_draft(s->app, j->ticket_json, opts, &result, err, sizeof err);
	cJSON_Delete(opts);
	if (orc != 0) {
		error_reply(j, j->done_rc, j->done_msg);
		return;
	}
	cJSON *fl = cJSON_GetObjectItemCaseSensitive(result, "flags");
	char m[600];
	snprintf(m, sizeof m, "the LLM draft failed (%s); this is the offline draft", j->done_msg);
	if (cJSON_IsArray(fl))
		flag(fl, "llm_failed", m);
	char *partial = rehydrate(j->m, buf_cstr(&j->text), j->text.len);
	cJSON_AddStringToObject(result, "llm_partial", partial);
	free(partial);
	protocol_send_result(s, j->id, result);
}

static cJSON *citation_for(job_t *j, size_t i)
{
	const prompt_source_t *src = &j->src[i];
	if (src->kind == PROMPT_SRC_TICKET) {
		for (size_t k = 0; k < j->res.ntickets; k++)
			if (!strcmp(j->res.tickets[k].id, src->id))
				return draft_ticket_citation(&j->res.tickets[k]);
	} else {
		for (size_t k = 0; k < j->res.ndocs; k++) {
			const retrieve_doc_hit_t *h = &j->res.docs[k];
			size_t pl = strlen(h->path);
			if (!strncmp(src->id, h->path, pl) && src->id[pl] == '#' &&
			    !strcmp(src->id + pl + 1, h->anchor))
				return draft_doc_citation(h);
		}
	}
	return NULL;
}

/* Writer: citation check and staleness; the citations the draft kept. 0, or a code for fail(). */
static int finish_check(job_t *j)
{
	citecheck_opts_t co;
	buf_t problem;
	const cJSON *v;
	int rc;

	memset(&co, 0, sizeof co);
	co.stale_days = j->stale_days;
	v = cJSON_GetObjectItemCaseSensitive(j->ctx, "product_version");
	if (!cJSON_IsString(v))
		v = cJSON_GetObjectItemCaseSensitive(j->ctx, "version");
	co.customer_version = cJSON_IsString(v) ? v->valuestring : NULL;
	v = cJSON_GetObjectItemCaseSensitive(j->ctx, "plan");
	co.customer_plan = cJSON_IsString(v) ? v->valuestring : NULL;
	buf_init(&problem, 0);
	ticket_problem_text(&j->t, &problem);
	co.ticket_text = buf_cstr(&problem);
	rc = citecheck_run(buf_cstr(&j->text), j->text.len, j->src, j->nsrc, &co, j->flags, &j->cr);
	buf_release(&problem);
	if (rc)
		return rc;
	j->have_cr = 1;
	if (draft_has_placeholder(j->cr.text, strlen(j->cr.text)))
		flag(j->flags, "foreign_placeholder",
		     "the draft holds a placeholder for private data it cannot fill in: check it");
	j->cits = cJSON_CreateArray();
	for (size_t i = 0; i < j->nsrc; i++)
		if (j->cr.cited[i]) {
			cJSON *c = citation_for(j, i);
			if (c)
				cJSON_AddItemToArray(j->cits, c);
		}
	return 0;
}

/* Writer, inside the batch's transaction: the draft (redacted) and the vault, so feedback can
 * find it. 0 or a store code (the job's rows are rolled back to its savepoint). */
static int finish_store(job_t *j, store_t *w)
{
	sqlite3 *db = store_db(w);
	char *cit = cJSON_PrintUnformatted(j->cits);
	char *fl = cJSON_PrintUnformatted(j->flags);
	cJSON *srcs = cJSON_CreateArray();
	char ref[600];
	int rc = 0;
	for (size_t i = 0; i < j->nsrc; i++) {
		buf_t b;
		buf_init(&b, 0);
		buf_printf(&b, "[%s]", prompt_source_ref(&j->src[i], ref, sizeof ref));
		cJSON_AddItemToArray(srcs, cJSON_CreateString(buf_cstr(&b)));
		buf_release(&b);
	}
	char *sj = cJSON_PrintUnformatted(srcs);
	store_draft_t sd;
	memset(&sd, 0, sizeof sd);
	sd.id = j->draft_id;
	sd.ticket_id = j->t.id;
	sd.mode = "llm";
	sd.provider = j->provider;
	sd.model = j->model;
	sd.text = j->cr.text;
	sd.citations_json = cit;
	sd.flags_json = fl;
	sd.sources_json = sj;
	sd.key_terms = j->res.key_terms;
	sd.confidence = j->res.confidence;
	if (sqlite3_exec(db, "SAVEPOINT draft", NULL, NULL, NULL) != SQLITE_OK) {
		rc = PRECEDENT_EDB;
		goto out;
	}
	for (size_t i = 0; i < redact_map_count(j->m) && !rc; i++) {
		const char *ph, *orig;
		redact_map_entry(j->m, i, &ph, &orig);
		rc = store_vault_put(w, j->t.id, ph, orig);
	}
	if (!rc)
		rc = store_draft_insert(w, &sd);
	if (rc)
		sqlite3_exec(db, "ROLLBACK TO draft", NULL, NULL, NULL);
	sqlite3_exec(db, "RELEASE draft", NULL, NULL, NULL);
out:
	cJSON_free(cit);
	cJSON_free(fl);
	cJSON_free(sj);
	cJSON_Delete(srcs);
	return rc;
}

/* Writer, once the draft is stored: the final frames and the reply. */
static void finish_send(job_t *j)
{
	session_t *s = j->s;
	char *text = rehydrate(j->m, j->cr.text, strlen(j->cr.text));
	cJSON *result = cJSON_CreateObject();
	cJSON_AddStringToObject(result, "draft_id", j->draft_id);
	cJSON_AddStringToObject(result, "ticket_id", j->t.id);
	cJSON_AddStringToObject(result, "text", text);
	cJSON_AddItemToObject(result, "citations", j->cits);
	j->cits = NULL;
	cJSON_AddItemToObject(result, "flags", cJSON_Duplicate(j->flags, 1));
	cJSON_AddNumberToObject(result, "confidence", round(j->res.confidence * 1000) / 1000);
	cJSON_AddStringToObject(result, "mode", "llm");
	if (j->action != PROMPT_DRAFT) {
		static const char *const names[] = {"draft",      "shorter",     "more_detailed",
						    "friendlier", "more_formal", "translate",
						    "summary"};
		cJSON_AddStringToObject(result, "action", names[j->action]);
	}
	cJSON *l = cJSON_AddObjectToObject(result, "llm");
	cJSON_AddStringToObject(l, "provider", j->provider);
	cJSON_AddStringToObject(l, "model", j->model);
	cJSON_AddItemToObject(result, "timing", timing_json(j));
	free(text);

	if (j->stream && j->ls->ws) {
		cJSON *f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "type", "draft.citations");
		cJSON_AddItemToObject(f, "citations",
				      cJSON_Duplicate(cJSON_GetObjectItem(result, "citations"), 1));
		ws_send(j, f, 0);
		f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "type", "draft.flags");
		cJSON_AddItemToObject(f, "flags",
				      cJSON_Duplicate(cJSON_GetObjectItem(result, "flags"), 1));
		ws_send(j, f, 0);
		f = cJSON_Duplicate(result, 1);
		cJSON_DeleteItemFromObjectCaseSensitive(f, "draft_id");
		cJSON_AddStringToObject(f, "type", "draft.done");
		ws_send(j, f, 0);
	}
	protocol_send_result(s, j->id, result);
}

/* Worker: "auto" mode's answer after the LLM failed. */
static void fallback_task(void *arg)
{
	job_t *j = arg;
	fallback(j);
	job_free(j);
}

/* Writer: every job the loop has handed over since the last call, as one batch: checks, then
 * one transaction for all their drafts (one commit, one wait for the disk), then frames and
 * replies, each only after its draft is stored. */
static void flush_finished(void *arg)
{
	llm_session_t *ls = arg;
	pthread_mutex_lock(&ls->fin_mu);
	job_t *list = ls->fin_head;
	ls->fin_head = ls->fin_tail = NULL;
	pthread_mutex_unlock(&ls->fin_mu);
	if (!list)
		return; /* an earlier call took them */
	int nok = 0, rc;
	for (job_t *j = list; j; j = j->fin_next) {
		if (j->done_rc)
			continue;
		if ((rc = finish_check(j))) {
			j->done_rc = rc;
			snprintf(j->done_msg, sizeof j->done_msg, "the draft is larger than allowed");
			continue;
		}
		nok++;
	}
	if (nok) {
		int saved = ls->wstore && store_begin_now(ls->wstore) == 0;
		for (job_t *j = list; j && saved; j = j->fin_next)
			if (!j->done_rc)
				j->saved = finish_store(j, ls->wstore) == 0;
		if (saved && store_commit(ls->wstore) != 0) {
			store_rollback(ls->wstore);
			saved = 0;
		}
		for (job_t *j = list; j; j = j->fin_next)
			if (!j->done_rc && (!saved || !j->saved))
				flag(j->flags, "not_saved", "the draft could not be saved; feedback on it "
							    "will not be counted");
	}
	for (job_t *j = list, *next; j; j = next) {
		next = j->fin_next;
		if (!j->done_rc) {
			finish_send(j);
			job_free(j);
		} else if (fail(j, j->done_rc, j->done_msg)) {
			loop_work(fallback_task, j); /* the offline drafter is the worker's */
		} else {
			job_free(j);
		}
	}
}

/* Loop: the job is over here (done, failed, cancelled): the held-back text goes out, the
 * host's figures are read, and the writer finishes it. */
static void to_worker(job_t *j, int rc, const char *message)
{
	llm_session_t *ls = j->ls;
	flush_pending(j, 1, now_ms());
	j->t_done = now_ms();
	if (ls->ws)
		ws_server_write_delay(ls->ws, &j->ws_p50, &j->ws_p99, &j->ws_max, &j->ws_n);
	loop_busy_stats(&j->busy_p50, &j->busy_p99, &j->busy_max, &j->busy_n);
	job_unlink(j);
	j->done_rc = rc;
	snprintf(j->done_msg, sizeof j->done_msg, "%s", message ? message : "");
	j->fin_next = NULL;
	pthread_mutex_lock(&ls->fin_mu);
	if (ls->fin_tail)
		ls->fin_tail->fin_next = j;
	else
		ls->fin_head = j;
	ls->fin_tail = j;
	pthread_mutex_unlock(&ls->fin_mu);
	loop_write(flush_finished, ls);
}

/* ---- provider stream callbacks (loop) ---- */

static void on_delta(void *ud, const char *text, size_t len)
{
	job_t *j = ud;
	double t0 = now_ms();
	if (j->t_first <= 0)
		j->t_first = t0;
	else if (t0 - j->t_last_delta > j->delta_gap_max)
		j->delta_gap_max = t0 - j->t_last_delta;
	j->t_last_delta = t0;
	j->deltas++;
	buf_append(&j->text, text, len);
	if (j->text.rc) {
		/* a runaway reply: stop it here (llm never calls back a cancelled stream) */
		llm_stream_cancel(j->stream_h);
		j->stream_h = NULL;
		to_worker(j, PRECEDENT_ETOOBIG, "the provider's reply is larger than a draft may be");
		return;
	}
	buf_append(&j->pending, text, len);
	flush_pending(j, 0, t0);
}

static void on_sent(void *ud)
{
	job_t *j = ud;
	if (j->t_sent <= 0)
		j->t_sent = now_ms();
}

static void on_done(void *ud, int rc, const char *message)
{
	job_t *j = ud;
	j->stream_h = NULL; /* llm frees it after this call */
	to_worker(j, rc, message);
}

static int recently_cancelled(llm_session_t *ls, const char *draft_id)
{
	for (unsigned i = 0; i < RECENT_CANCELS && i < ls->ncancelled; i++)
		if (!strcmp(ls->cancelled[i], draft_id))
			return 1;
	return 0;
}

/* Loop: the worker prepared the request (or failed to): start it. */
static void stream_submit(void *arg)
{
	job_t *j = arg;
	llm_session_t *ls = j->ls;
	int rc;
	if (ls->stopped) {
		job_unlink(j);
		job_free(j);
		return;
	}
	job_link(j);
	j->on_worker = 0;
	if (j->cancelled || recently_cancelled(ls, j->draft_id)) {
		to_worker(j, PRECEDENT_ECANCELLED, "cancelled by the agent");
		return;
	}
	if (j->prep_rc) {
		to_worker(j, j->prep_rc, j->prep_msg);
		return;
	}
	llm_stream_t *st = j->prepared;
	j->prepared = NULL;
	if ((rc = llm_stream_submit(ls->client, st))) {
		to_worker(j, rc, rc == PRECEDENT_EBUSY ? "too many drafts in flight"
						       : "could not start the provider request");
		return;
	}
	j->stream_h = st;
}

/* Worker: the prompt and the provider request, ready for the loop to start. */
static void prepare_stream(job_t *j)
{
	session_t *s = j->s;
	prompt_t p;
	prompt_message_t *msgs;
	int rc;
	llm_callbacks_t cb = {on_delta, on_done, on_sent};

	msgs = xcalloc(j->t.nmessages ? j->t.nmessages : 1, sizeof *msgs);
	for (size_t i = 0; i < j->t.nmessages; i++) {
		msgs[i].role = j->t.messages[i].role;
		msgs[i].body = j->t.messages[i].body;
	}
	cJSON *red_ctx = context_redact(j->ctx, s->app->redactor, j->m);
	prompt_input_t in = {j->t.subject, msgs,       j->t.nmessages, red_ctx,
			     j->src,       j->nsrc,    j->action,      j->previous,
			     j->language,  j->token_budget};
	rc = prompt_build(&in, &p);
	free(msgs);
	cJSON_Delete(red_ctx);
	if (rc) {
		j->prep_rc = rc;
		snprintf(j->prep_msg, sizeof j->prep_msg, "%s",
			 rc == PRECEDENT_ETOOBIG
			     ? "the ticket alone is larger than the model's token budget"
			     : "the draft action needs the current draft text");
		goto out;
	}
	if (p.sources_used < j->nsrc) {
		char m[160];
		snprintf(m, sizeof m, "%zu lower-ranked sources were left out to fit the model's "
				      "token budget",
			 j->nsrc - p.sources_used);
		flag(j->flags, "sources_trimmed", m);
		j->nsrc = p.sources_used; /* only what the model saw can be cited */
	}
	llm_request_t req = {p.system, p.user};
	rc = llm_stream_prepare(&j->cfg, &req, &cb, j, &j->prepared);
	prompt_release(&p);
	if (rc) {
		j->prep_rc = rc;
		snprintf(j->prep_msg, sizeof j->prep_msg, "%s",
			 rc == PRECEDENT_ETOOBIG ? "the prompt is larger than a request may be"
						 : "the LLM provider is not configured");
	}
out:
	memset(j->key, 0, sizeof j->key); /* in the request's header now */
	j->cfg.api_key = NULL;
	loop_post(stream_submit, j);
}

/* ---- customer context endpoint ---- */

/* Worker: the endpoint's reply merged (or noted as missing), then the provider. */
static void after_ctx(void *arg)
{
	job_t *j = arg;
	char m[400];
	if (j->ctx_rc == 0) {
		if (context_merge_reply(j->ctx, j->ctx_body ? j->ctx_body : "", j->ctx_len) != 0)
			flag(j->flags, "context_missing",
			     "the customer context endpoint did not answer with a JSON object");
	} else if (j->ctx_rc == CTX_NOT_ASKED) {
		flag(j->flags, "context_missing", "the customer context endpoint could not be asked");
	} else {
		snprintf(m, sizeof m, "customer context endpoint failed (%s); drafting without it",
			 j->ctx_msg);
		flag(j->flags, "context_missing", m);
	}
	free(j->ctx_body);
	j->ctx_body = NULL;
	prepare_stream(j);
}

/* Loop: the endpoint answered (or not): copy what the worker needs and hand the job over. */
static void on_ctx_done(void *ud, int rc, const char *message)
{
	job_t *j = ud;
	j->ctx_rc = rc;
	snprintf(j->ctx_msg, sizeof j->ctx_msg, "%s", message ? message : "");
	if (rc == 0) {
		const char *body = llm_stream_body(j->ctx_h, &j->ctx_len);
		j->ctx_body = xstrndup(body, j->ctx_len);
	}
	j->ctx_h = NULL;
	j->on_worker = 1;
	loop_work(after_ctx, j);
}

/* Loop: ask the customer context endpoint. */
static void ctx_start(void *arg)
{
	job_t *j = arg;
	llm_session_t *ls = j->ls;
	if (ls->stopped) {
		job_free(j);
		return;
	}
	job_link(j);
	j->on_worker = 0;
	if (j->cancelled || recently_cancelled(ls, j->draft_id)) {
		to_worker(j, PRECEDENT_ECANCELLED, "cancelled by the agent");
		return;
	}
	llm_callbacks_t cb = {NULL, on_ctx_done, NULL};
	if (llm_http_get(ls->client, j->ctx_url, j->ctx_timeout_ms, CONTEXT_BODY_CAP, &cb, j,
			 &j->ctx_h) != 0) {
		j->ctx_rc = CTX_NOT_ASKED;
		j->on_worker = 1;
		loop_work(after_ctx, j);
	}
}

/* A snippet without the search highlighting ("**term**"), for the model; caller frees. */
static char *strip_highlight(const char *s)
{
	buf_t b;
	buf_init(&b, 0);
	for (; s && *s; s++) {
		if (s[0] == '*' && s[1] == '*') {
			s++;
			continue;
		}
		buf_putc(&b, *s);
	}
	return buf_steal(&b);
}

static char *own(job_t *j, char *str)
{
	j->doc_ids[j->nowned++] = str;
	return str;
}

/* Version and plan a source seems written for, guessed from its text (and a doc's path). */
static void guess_fit(job_t *j, prompt_source_t *p, const char *a, const char *b, const char *c)
{
	buf_t t;
	char v[32];
	buf_init(&t, 0);
	buf_printf(&t, "%s\n%s\n%s", a ? a : "", b ? b : "", c ? c : "");
	if (citecheck_guess_version(buf_cstr(&t), v, sizeof v))
		p->version = own(j, xstrdup(v));
	if (citecheck_guess_plan(buf_cstr(&t), v, sizeof v))
		p->plan = own(j, xstrdup(v));
	buf_release(&t);
}

static void gather_sources(job_t *j)
{
	size_t nt = j->res.ntickets, nd = j->res.ndocs, k = 0;
	j->src = xcalloc(nt + nd + 1, sizeof *j->src);
	j->doc_ids = xcalloc(3 * (nt + nd) + 1, sizeof *j->doc_ids);
	/* interleave best ticket, best doc, ...: each kind keeps its own order */
	for (size_t i = 0; i < nt || i < nd; i++) {
		if (i < nt) {
			const retrieve_ticket_hit_t *h = &j->res.tickets[i];
			prompt_source_t *p = &j->src[k++];
			p->kind = PROMPT_SRC_TICKET;
			p->id = h->id;
			p->title = h->subject;
			p->text = own(j, strip_highlight(h->snippet));
			p->resolution = h->resolution;
			p->date = h->closed_at;
			guess_fit(j, p, h->subject, p->text, h->resolution);
		}
		if (i < nd) {
			const retrieve_doc_hit_t *h = &j->res.docs[i];
			buf_t b;
			buf_init(&b, 0);
			buf_printf(&b, "%s#%s", h->path, h->anchor);
			prompt_source_t *p = &j->src[k++];
			p->kind = PROMPT_SRC_DOC;
			p->id = own(j, buf_steal(&b));
			p->title = h->heading_path && *h->heading_path ? h->heading_path : h->title;
			p->text = h->body && *h->body ? h->body : h->snippet;
			guess_fit(j, p, h->path, p->title, p->text);
		}
	}
	j->nsrc = k;
}

/* Worker, after the search: sources, customer context (page and table here, the endpoint
 * on the loop), then the provider. */
static void after_retrieval(job_t *j)
{
	session_t *s = j->s;
	j->have_res = 1;
	gather_sources(j);

	const char *ctx_sources = "";
	j->ctx = context_lookup(s->app->store, j->ticket_json, &ctx_sources);
	const char *tmpl = config_str(s->app->config, "context.url", "PRECEDENT_CONTEXT_URL", NULL);
	j->ctx_url = context_url(tmpl, j->ticket_json);
	if (j->ctx_url) {
		loop_post(ctx_start, j);
		return;
	}
	if (!*ctx_sources)
		flag(j->flags, "context_missing",
		     "no customer context (page, customers table or endpoint): plan and version "
		     "checks were skipped");
	prepare_stream(j);
}

static void vault_add(void *ctx, const char *placeholder, const char *original)
{
	redact_map_add(ctx, placeholder, original);
}

static const char *opt_str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int provider_configured(const config_t *c)
{
	const char *p = config_str(c, "llm.provider", "PRECEDENT_LLM_PROVIDER", "offline");
	int prov = llm_provider_from_name(p);
	return prov == LLM_PROVIDER_OPENAI || prov == LLM_PROVIDER_ANTHROPIC;
}

/* The offline path's summary of a thread for the agent: each message's opening sentences, in
 * order, and the latest customer message at more length. Nothing leaves the machine, so the
 * text keeps its original values. */
static void offline_summary(session_t *s, const cJSON *id, const cJSON *ticket)
{
	ticket_t t;
	char err[512] = "", did[24];
	buf_t b;
	int rc = ticket_from_json(ticket, &t, err, sizeof err);
	if (rc) {
		protocol_send_error(s, id, rc, err);
		return;
	}
	buf_init(&b, DRAFT_CAP);
	buf_printf(&b, "Summary of \"%s\" (%zu messages):\n", t.subject ? t.subject : "",
		   t.nmessages);
	size_t last_customer = t.nmessages;
	for (size_t i = 0; i < t.nmessages; i++)
		if (t.messages[i].role && !strcmp(t.messages[i].role, "customer"))
			last_customer = i;
	for (size_t i = 0; i < t.nmessages; i++) {
		const char *body = t.messages[i].body ? t.messages[i].body : "";
		size_t n = strlen(body), cut = 0, sentences = 0;
		size_t max = i == last_customer ? 600 : 220;
		/* the first two sentences, within max bytes */
		while (cut < n && cut < max) {
			char c = body[cut++];
			if ((c == '.' || c == '?' || c == '!') && (cut == n || body[cut] == ' ' ||
								   body[cut] == '\n') &&
			    ++sentences == (i == last_customer ? 5u : 2u))
				break;
		}
		cut = utf8_clip(body, n, cut);
		buf_printf(&b, "- %s%s%s: ", t.messages[i].role ? t.messages[i].role : "message",
			   t.messages[i].created_at ? " " : "",
			   t.messages[i].created_at ? t.messages[i].created_at : "");
		for (size_t k = 0; k < cut; k++)
			buf_putc(&b, body[k] == '\n' || body[k] == '\r' ? ' ' : body[k]);
		buf_puts(&b, cut < n ? " [...]\n" : "\n");
	}
	if (t.status && *t.status)
		buf_printf(&b, "Status: %s.\n", t.status);
	app_new_draft_id(did);
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "draft_id", did);
	cJSON_AddStringToObject(r, "ticket_id", t.id);
	cJSON_AddStringToObject(r, "text", buf_cstr(&b));
	cJSON_AddArrayToObject(r, "citations");
	cJSON *fl = cJSON_AddArrayToObject(r, "flags");
	flag(fl, "extractive_summary",
	     "an extractive summary (offline): the opening sentences of each message");
	cJSON_AddNumberToObject(r, "confidence", 0);
	cJSON_AddStringToObject(r, "mode", "offline");
	cJSON_AddStringToObject(r, "action", "summary");
	protocol_send_result(s, id, r);
	buf_release(&b);
	ticket_release(&t);
}

void llm_draft_offline_done(session_t *s, const cJSON *id, const cJSON *options,
			   const cJSON *result)
{
	llm_session_t *ls = s->llm;
	if (!ls || !ls->ws || !cJSON_IsObject(result))
		return;
	cJSON *f = cJSON_Duplicate(result, 1);
	cJSON_AddStringToObject(f, "type", "draft.done");
	if (id)
		cJSON_AddItemToObject(f, "request_id", cJSON_Duplicate(id, 0));
	const cJSON *ref = cJSON_GetObjectItemCaseSensitive(options, "client_ref");
	if (cJSON_IsString(ref) && strlen(ref->valuestring) <= 128)
		cJSON_AddStringToObject(f, "client_ref", ref->valuestring);
	char *txt = cJSON_PrintUnformatted(f);
	cJSON_Delete(f);
	if (!txt)
		return;
	size_t n = strlen(txt);
	struct post_frame *pf = xmalloc(sizeof *pf + n + 1);
	pf->ls = ls;
	pf->len = n;
	memcpy(pf->text, txt, n + 1);
	cJSON_free(txt);
	loop_post(broadcast_task, pf);
}

int llm_draft_request(session_t *s, const cJSON *id, const cJSON *ticket, const cJSON *options)
{
	llm_session_t *ls = s->llm;
	const char *mode = opt_str(options, "mode");
	const char *action = opt_str(options, "action");
	char err[512] = "";
	buf_t problem;
	job_t *j;
	int rc;

	if (!ls)
		return 0;
	if (mode && strcmp(mode, "llm") && strcmp(mode, "auto") && strcmp(mode, "offline"))
		return 0; /* the offline path reports the bad mode */
	int offline = (mode && !strcmp(mode, "offline")) ||
		      (!provider_configured(s->app->config) && !(mode && !strcmp(mode, "llm")));
	if (offline && action && !strcmp(action, "summary")) {
		offline_summary(s, id, ticket);
		return 1;
	}
	if (offline)
		return 0;
	if (!provider_configured(s->app->config)) {
		if (mode && !strcmp(mode, "llm")) {
			protocol_send_error(s, id, PRECEDENT_ECONFIG,
					    "no LLM provider is configured (llm.provider or "
					    "PRECEDENT_LLM_PROVIDER); use mode \"offline\"");
			return 1;
		}
		return 0;
	}
	int act = prompt_action_from_name(action);
	if (act < 0) {
		protocol_send_error(s, id, PRECEDENT_EFIELD,
				    "options.action must be one of shorter, more_detailed, "
				    "friendlier, more_formal, translate, summary");
		return 1;
	}
	if ((rc = app_need_store(s->app, err, sizeof err))) {
		protocol_send_error(s, id, rc, err);
		return 1;
	}

	j = xcalloc(1, sizeof *j);
	j->ls = ls;
	j->s = s;
	j->t_recv = loop_frame_received_ms() > 0 ? loop_frame_received_ms() : now_ms();
	j->id = cJSON_Duplicate(id, 0);
	j->ticket_json = cJSON_Duplicate(ticket, 1);
	j->options = options ? cJSON_Duplicate(options, 1) : NULL;
	j->auto_mode = !mode || !strcmp(mode, "auto");
	j->stream = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(options, "stream"));
	j->action = act;
	j->flags = cJSON_CreateArray();
	buf_init(&j->text, DRAFT_CAP);
	buf_init(&j->pending, 0);
	settings_from(j, s->app->config);
	snprintf(j->provider, sizeof j->provider, "%s", llm_provider_name(j->cfg.provider));
	snprintf(j->model, sizeof j->model, "%s", j->model_cfg ? j->model_cfg : "");
	const cJSON *did = cJSON_GetObjectItemCaseSensitive(options, "draft_id");
	if (cJSON_IsString(did) && strlen(did->valuestring) < sizeof j->draft_id &&
	    strlen(did->valuestring) > 0 && !strpbrk(did->valuestring, "\"\\<>")) {
		snprintf(j->draft_id, sizeof j->draft_id, "%s", did->valuestring);
	} else {
		app_new_draft_id(j->draft_id);
	}

	if ((rc = ticket_from_json(ticket, &j->t, err, sizeof err))) {
		protocol_send_error(s, id, rc, err);
		job_free(j);
		return 1;
	}
	j->have_t = 1;
	j->m = redact_map_new();
	/* the ticket's earlier placeholders, so a value keeps its placeholder */
	if ((rc = store_vault_each(s->app->store, j->t.id, vault_add, j->m)) ||
	    (rc = ticket_redact(&j->t, s->app->redactor, j->m))) {
		protocol_send_error(s, id, rc, "could not redact the ticket");
		job_free(j);
		return 1;
	}
	if (prompt_action_rewrites(act)) {
		const char *prev = opt_str(options, "previous");
		const char *prev_id = opt_str(options, "previous_draft_id");
		if (prev) {
			char *red = NULL;
			size_t rl;
			if (redact_text(s->app->redactor, j->m, prev, strlen(prev), NULL, &red,
					&rl) == 0)
				j->previous = red;
		} else if (prev_id) {
			store_draft_t d;
			if (store_draft_get(s->app->store, prev_id, &d) == 0) {
				j->previous = xstrdup(d.text); /* stored redacted */
				store_draft_release(&d);
			}
		}
		if (!j->previous) {
			protocol_send_error(s, id, PRECEDENT_EFIELD,
					    "this action rewrites a draft: give options.previous "
					    "(text) or options.previous_draft_id");
			job_free(j);
			return 1;
		}
	}
	const char *lang = opt_str(options, "language");
	if (lang)
		j->language = xstrndup(lang, utf8_clip(lang, strlen(lang), 64));

	/* the search, on the worker's own connection (its document-frequency cache fills up) */
	buf_init(&problem, 0);
	ticket_problem_text(&j->t, &problem);
	double t1 = now_ms();
	rc = retrieve_search(s->app->store, j->t.subject, buf_cstr(&problem), s->app->k, &j->res);
	j->search_ms = now_ms() - t1;
	buf_release(&problem);
	if (rc) {
		protocol_send_error(s, id, rc, "search failed");
		job_free(j);
		return 1;
	}
	after_retrieval(j);
	return 1;
}

struct cancel_call {
	llm_session_t *ls;
	const char *draft_id;
	int found;
};

/* Loop: stops the draft's stream (or its context request) now; the worker answers it. A draft
 * the worker is still preparing is remembered and stopped when it reaches the loop. */
static void cancel_on_loop(void *arg)
{
	struct cancel_call *c = arg;
	llm_session_t *ls = c->ls;
	if (ls->stopped)
		return;
	for (job_t *j = ls->jobs; j; j = j->next) {
		if (strcmp(j->draft_id, c->draft_id) != 0)
			continue;
		c->found = 1;
		if (j->on_worker) {
			j->cancelled = 1;
			return;
		}
		if (j->stream_h) {
			llm_stream_cancel(j->stream_h);
			j->stream_h = NULL;
		}
		if (j->ctx_h) {
			llm_stream_cancel(j->ctx_h);
			j->ctx_h = NULL;
		}
		to_worker(j, PRECEDENT_ECANCELLED, "cancelled by the agent");
		return;
	}
	snprintf(ls->cancelled[ls->ncancelled++ % RECENT_CANCELS], sizeof ls->cancelled[0], "%s",
		 c->draft_id);
}

int llm_draft_cancel(session_t *s, const char *draft_id)
{
	llm_session_t *ls = s->llm;
	if (!ls || !draft_id)
		return 0;
	struct cancel_call c = {ls, draft_id, 0};
	loop_call(cancel_on_loop, &c);
	return c.found;
}

struct count_call {
	llm_session_t *ls;
	int n;
};

static void count_on_loop(void *arg)
{
	struct count_call *c = arg;
	for (const job_t *j = c->ls->jobs; j; j = j->next)
		c->n++;
}

int llm_draft_active(const session_t *s)
{
	struct count_call c = {s->llm, 0};
	if (!c.ls)
		return 0;
	loop_call(count_on_loop, &c);
	return c.n;
}

/* ---- session ---- */

static void on_ws_message(void *ud, const char *type, const cJSON *msg)
{
	session_t *s = ud;
	if (!strcmp(type, "draft.cancel")) {
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(msg, "draft_id");
		if (cJSON_IsString(d))
			llm_draft_cancel(s, d->valuestring);
	}
}

int llm_session_start(session_t *s, uv_loop_t *loop)
{
	llm_session_t *ls = xcalloc(1, sizeof *ls);
	char err[256];
	ls->s = s;
	ls->loop = loop;
	if (llm_client_new(loop, &ls->client) != 0) {
		free(ls);
		return PRECEDENT_ENET;
	}
	const char *caller = s->caller && !strncmp(s->caller, "chrome-extension://", 19)
				 ? s->caller
				 : NULL;
	if (ws_server_start(loop, caller, on_ws_message, s, &ls->ws, err, sizeof err) != 0) {
		snprintf(ls->ws_error, sizeof ls->ws_error, "%s", err);
		fprintf(stderr, "precedent-host: %s; drafts will not stream\n", err);
		ls->ws = NULL;
	}
	pthread_mutex_init(&ls->fin_mu, NULL);
	/* the writer's own connection: finished drafts are stored there, never waiting for the
	 * worker's searches (SQLite lets one connection write while others read) */
	if (s->app && s->app->store && !s->app->readonly &&
	    store_open(store_path(s->app->store), 0, &ls->wstore, err, sizeof err) != 0) {
		fprintf(stderr, "precedent-host: %s; LLM drafts will not be saved\n", err);
		ls->wstore = NULL;
	}
	s->llm = ls;
	s->ws = ls->ws;
	return 0;
}

void llm_session_stop(session_t *s)
{
	llm_session_t *ls = s->llm;
	if (!ls)
		return;
	/* the browser is gone: nobody to answer. A job the worker holds comes back to a stopped
	 * session and is freed then. */
	ls->stopped = 1;
	for (job_t **pp = &ls->jobs; *pp;) {
		job_t *j = *pp;
		if (j->on_worker) {
			pp = &j->next;
			continue;
		}
		*pp = j->next;
		j->linked = 0;
		job_free(j);
	}
	ws_server_stop(ls->ws);
	llm_client_free(ls->client);
	ls->client = NULL;
}

void llm_session_free(session_t *s)
{
	llm_session_t *ls = s->llm;
	if (!ls)
		return;
	ws_server_free(ls->ws);
	store_close(ls->wstore);
	pthread_mutex_destroy(&ls->fin_mu);
	free(ls);
	s->llm = NULL;
	s->ws = NULL;
}

struct hello_call {
	llm_session_t *ls;
	const char *origin;
	cJSON *result;
};

/* Loop: the WebSocket server learns the origin (its connection filter reads it). */
static void hello_on_loop(void *arg)
{
	struct hello_call *c = arg;
	llm_session_t *ls = c->ls;
	cJSON *result = c->result;
	cJSON *caps = cJSON_GetObjectItemCaseSensitive(result, "capabilities");
	if (!ls->ws) {
		cJSON_AddNullToObject(result, "ws");
		cJSON_AddStringToObject(result, "ws_error", ls->ws_error);
	} else if (!c->origin || ls->stopped || ws_server_set_origin(ls->ws, c->origin) != 0) {
		cJSON_AddNullToObject(result, "ws");
		cJSON_AddStringToObject(result, "ws_error",
					"hello needs origin: the extension's own origin "
					"(chrome-extension://ID or moz-extension://UUID) that "
					"launched this host");
	} else {
		cJSON *w = cJSON_AddObjectToObject(result, "ws");
		cJSON_AddNumberToObject(w, "port", ws_server_port(ls->ws));
		cJSON_AddStringToObject(w, "token", ws_server_token(ls->ws));
		if (cJSON_IsArray(caps))
			cJSON_AddItemToArray(caps, cJSON_CreateString("draft.stream"));
	}
}

void llm_session_hello(session_t *s, const char *origin, cJSON *result)
{
	llm_session_t *ls = s->llm;
	cJSON *caps = cJSON_GetObjectItemCaseSensitive(result, "capabilities");
	if (!ls)
		return;
	cJSON_DeleteItemFromObjectCaseSensitive(result, "ws");
	struct hello_call c = {ls, origin, result};
	loop_call(hello_on_loop, &c);
	if (cJSON_IsArray(caps) && provider_configured(s->app->config)) {
		cJSON_AddItemToArray(caps, cJSON_CreateString("draft.llm"));
		cJSON_AddItemToArray(caps, cJSON_CreateString("draft.actions"));
	}
}
