/*
 * cli.c - the command line of precedent-host, and the switch into native
 * messaging mode when a browser starts the binary.
 *
 * Exit status: 0 success, 1 user error (message on stderr naming the file, line
 * or field), 2 usage.
 */
#include "precedent/cli.h"
#include "precedent/app.h"
#include "precedent/editdist.h"
#include "precedent/error.h"
#include "precedent/eval.h"
#include "precedent/ingest.h"
#include "precedent/install.h"
#include "precedent/limits.h"
#include "precedent/loop.h"
#include "precedent/protocol.h"
#include "precedent/redact.h"
#include "precedent/synth.h"
#include "precedent/util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: precedent-host [--db PATH] COMMAND [ARGS]\n"
    "\n"
    "Commands:\n"
    "  index tickets FILE        import resolved tickets (JSONL, one ticket a line)\n"
    "  index zendesk|freshdesk|csv FILE   import a helpdesk export (docs/retrieval.md)\n"
    "  index docs DIR            import Markdown, HTML and text docs (split at headings)\n"
    "  index customers FILE      import customers (CSV with a header row)\n"
    "  search [--json] [--k N] QUERY   search tickets and doc sections\n"
    "  draft [--json] [--offline] TICKET.json   draft a cited reply for an open ticket\n"
    "  redact [--json]           redact PII from stdin to stdout (--json: spans)\n"
    "  editdist [--json] FILE_A FILE_B   edit metrics between two texts\n"
    "  stats [--json] [--since DATE]     drafts, edit rates, thumbs, gaps\n"
    "  gaps [--json] [--since DATE]      knowledge gaps grouped by key terms\n"
    "  export pairs [--format jsonl|csv] [--since DATE] [--out FILE]\n"
    "                            (draft, sent) pairs, redacted\n"
    "  eval [--json] --qrels FILE [--queries FILE]   Recall@1/5/10, MRR@10, nDCG@10\n"
    "  synth [--tickets N] [--sections N] [--queries N] DIR   synthetic corpus for scale tests\n"
    "  install [--browser B]     register the native messaging host for this user\n"
    "  uninstall                 remove exactly what install wrote\n"
    "  doctor [--json]           check registration, binary, database, config, provider\n"
    "\n"
    "Started by a browser (argv[1] is chrome-extension://... or a Firefox manifest\n"
    "path), it speaks native messaging on stdin/stdout.\n"
    "\n"
    "Options: --db PATH (or PRECEDENT_DB; default $XDG_DATA_HOME/precedent/precedent.db),\n"
    "         --help, --version\n";

static int usage(const char *msg)
{
	if (msg)
		fprintf(stderr, "precedent-host: %s\n", msg);
	fputs(usage_text, stderr);
	return 2;
}

/* Native messaging: Chromium passes the caller's origin, Firefox the manifest
 * path and the extension id. */
static int started_by_browser(int argc, char **argv)
{
	if (argc < 2)
		return 0;
	if (!strncmp(argv[1], "chrome-extension://", 19))
		return 1;
	size_t n = strlen(argv[1]);
	return argc >= 3 && n > 5 && !strcmp(argv[1] + n - 5, ".json") && argv[1][0] == '/';
}

static int run_native(int argc, char **argv)
{
	app_t app;
	session_t s;
	char err[512];
	int out_fd, status;
	signal(SIGPIPE, SIG_IGN);
	/* Frames go to a private copy of stdout; fd 1 becomes stderr so no library
	 * output can ever break the framing. */
	out_fd = dup(1);
	if (out_fd < 0 || dup2(2, 1) < 0) {
		fprintf(stderr, "precedent-host: cannot set up stdout: %s\n", strerror(errno));
		return 1;
	}
	if (app_open(&app, NULL, APP_SIGNALS_BACKGROUND, err, sizeof err) != 0) {
		/* Without config or redactor nothing is safe to do: say so once, then exit. */
		fprintf(stderr, "precedent-host: %s\n", err);
		close(out_fd);
		return 1;
	}
	if (!app.store)
		fprintf(stderr, "precedent-host: %s\n", app.db_error);
	memset(&s, 0, sizeof s);
	s.app = &app;
	s.out_fd = out_fd;
	s.caller = argc > 1 ? argv[1] : "";
	double cap = config_num(app.config, "native_messaging.max_message_bytes",
				"PRECEDENT_NM_MAX_BYTES", NM_IN_CAP_DEFAULT);
	s.in_cap = cap >= 1024 && cap <= NM_IN_CAP_MAX ? (size_t)cap : NM_IN_CAP_DEFAULT;
	status = loop_run_native(&s);
	session_release(&s);
	app_close(&app);
	if (close(out_fd) != 0 && errno != EBADF)
		status = status ? status : 1;
	return status;
}

static int open_app(app_t *app, const char *db)
{
	char err[512];
	if (app_open(app, db, 0, err, sizeof err) != 0) {
		fprintf(stderr, "precedent-host: %s\n", err);
		return 1;
	}
	if (app_need_store(app, err, sizeof err) != 0) {
		fprintf(stderr, "precedent-host: %s\n", err);
		app_close(app);
		return 1;
	}
	return 0;
}

static void print_json(cJSON *j)
{
	char *s = cJSON_Print(j);
	puts(s);
	cJSON_free(s);
}

static int cmd_index(const char *db, int argc, char **argv)
{
	app_t app;
	ingest_report_t rep;
	char err[1024] = "";
	int rc;
	ingest_format_t fmt = INGEST_JSONL;
	if (argc != 3)
		return usage("index needs: tickets|zendesk|freshdesk|csv FILE | docs DIR | customers FILE");
	if (strcmp(argv[1], "docs") && strcmp(argv[1], "customers") &&
	    ingest_format_parse(argv[1], &fmt) != 0)
		return usage("index what? tickets, zendesk, freshdesk, csv, docs or customers");
	if (open_app(&app, db))
		return 1;
	ingest_report_init(&rep);
	FILE *progress = isatty(2) ? stderr : NULL;
	if (strcmp(argv[1], "docs") && strcmp(argv[1], "customers"))
		rc = ingest_tickets_file(app.store, app.redactor, fmt, argv[2], &rep, progress, err,
					 sizeof err);
	else if (!strcmp(argv[1], "docs"))
		rc = ingest_docs_dir(app.store, app.redactor, argv[2], &rep, progress, err, sizeof err);
	else
		rc = ingest_customers_csv(app.store, argv[2], &rep, err, sizeof err);
	if (rc)
		fprintf(stderr, "precedent-host: %s\n", err);
	else
		ingest_report_print(&rep, argv[2], stderr);
	int status = rc ? 1 : 0;
	/* Rejected lines are reported and the rest kept; the exit status says so. */
	if (!rc && rep.rejected > 0 && rep.imported + rep.updated + rep.skipped == 0)
		status = 1;
	ingest_report_release(&rep);
	app_close(&app);
	return status;
}

static int cmd_search(const char *db, int argc, char **argv)
{
	int json = 0;
	size_t k = 10;
	buf_t q;
	int i;
	buf_init(&q, 0);
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--k") && i + 1 < argc)
			k = (size_t)atoi(argv[++i]);
		else {
			if (q.len)
				buf_putc(&q, ' ');
			buf_puts(&q, argv[i]);
		}
	}
	if (q.len == 0) {
		buf_release(&q);
		return usage("search needs a QUERY");
	}
	if (k < 1 || k > SEARCH_K_MAX) {
		buf_release(&q);
		return usage("--k must be from 1 to 100");
	}
	app_t app;
	if (open_app(&app, db)) {
		buf_release(&q);
		return 1;
	}
	cJSON *r = NULL;
	char err[512] = "";
	int rc = app_search(&app, buf_cstr(&q), NULL, k, &r, err, sizeof err);
	if (rc) {
		fprintf(stderr, "precedent-host: %s\n", err);
	} else if (json) {
		print_json(r);
	} else {
		cJSON *h;
		printf("confidence %.2f (terms: %s)\n",
		       cJSON_GetObjectItem(r, "confidence")->valuedouble,
		       cJSON_GetObjectItem(r, "key_terms")->valuestring);
		printf("Tickets:\n");
		cJSON_ArrayForEach(h, cJSON_GetObjectItem(r, "tickets"))
		    printf("  [#%s] %6.2f  %s\n      %s\n", cJSON_GetObjectItem(h, "id")->valuestring,
			   cJSON_GetObjectItem(h, "score")->valuedouble,
			   cJSON_GetObjectItem(h, "subject")->valuestring,
			   cJSON_GetObjectItem(h, "snippet")->valuestring);
		printf("Docs:\n");
		cJSON_ArrayForEach(h, cJSON_GetObjectItem(r, "docs"))
		    printf("  [doc: %s#%s] %6.2f  %s\n      %s\n",
			   cJSON_GetObjectItem(h, "path")->valuestring,
			   cJSON_GetObjectItem(h, "anchor")->valuestring,
			   cJSON_GetObjectItem(h, "score")->valuedouble,
			   cJSON_GetObjectItem(h, "title")->valuestring,
			   cJSON_GetObjectItem(h, "snippet")->valuestring);
	}
	cJSON_Delete(r);
	buf_release(&q);
	app_close(&app);
	return rc ? 1 : 0;
}

static int cmd_draft(const char *db, int argc, char **argv)
{
	int json = 0;
	const char *file = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--offline"))
			; /* the offline drafter is the CLI's drafter */
		else if (!file)
			file = argv[i];
		else
			return usage("draft takes one TICKET.json");
	}
	if (!file)
		return usage("draft needs a TICKET.json");
	char *text = NULL;
	size_t len = 0;
	if (read_file(file, IMPORT_LINE_CAP, &text, &len) != 0) {
		fprintf(stderr, "precedent-host: %s: %s\n", file,
			errno ? strerror(errno) : "file too large");
		return 1;
	}
	cJSON *ticket = utf8_valid(text, len) ? cJSON_ParseWithLength(text, len) : NULL;
	free(text);
	if (!ticket) {
		fprintf(stderr, "precedent-host: %s: not valid UTF-8 JSON\n", file);
		return 1;
	}
	app_t app;
	if (open_app(&app, db)) {
		cJSON_Delete(ticket);
		return 1;
	}
	cJSON *options = cJSON_CreateObject();
	cJSON_AddStringToObject(options, "mode", "offline");
	cJSON *r = NULL;
	char err[512] = "";
	int rc = app_draft(&app, ticket, options, &r, err, sizeof err);
	if (rc) {
		fprintf(stderr, "precedent-host: %s: %s\n", file, err);
	} else if (json) {
		print_json(r);
	} else {
		cJSON *c;
		printf("%s\n", cJSON_GetObjectItem(r, "text")->valuestring);
		printf("---\ndraft %s, confidence %.2f\n", cJSON_GetObjectItem(r, "draft_id")->valuestring,
		       cJSON_GetObjectItem(r, "confidence")->valuedouble);
		cJSON_ArrayForEach(c, cJSON_GetObjectItem(r, "citations"))
		    printf("  %s  %s\n", cJSON_GetObjectItem(c, "ref")->valuestring,
			   cJSON_GetObjectItem(c, "title")->valuestring);
		cJSON_ArrayForEach(c, cJSON_GetObjectItem(r, "flags"))
		    printf("  flag %s: %s\n", cJSON_GetObjectItem(c, "kind")->valuestring,
			   cJSON_GetObjectItem(c, "message")->valuestring);
	}
	cJSON_Delete(r);
	cJSON_Delete(options);
	cJSON_Delete(ticket);
	app_close(&app);
	return rc ? 1 : 0;
}

static int cmd_redact(int argc, char **argv)
{
	int json = argc > 1 && !strcmp(argv[1], "--json");
	redactor_t *r = NULL;
	char err[512];
	buf_t in;
	char chunk[65536];
	size_t n;
	if (argc > 2 || (argc == 2 && !json))
		return usage("redact takes only --json");
	/* Custom patterns come from config like everywhere else. */
	app_t app;
	if (app_open(&app, NULL, APP_NO_STORE, err, sizeof err) != 0) {
		fprintf(stderr, "precedent-host: %s\n", err);
		return 1;
	}
	r = app.redactor;
	buf_init(&in, IMPORT_LINE_CAP * 4);
	while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
		if (buf_append(&in, chunk, n))
			break;
	if (in.rc) {
		fprintf(stderr, "precedent-host: input larger than %u bytes\n", IMPORT_LINE_CAP * 4);
		buf_release(&in);
		app_close(&app);
		return 1;
	}
	const char *text = buf_cstr(&in);
	int rc;
	if (json) {
		redact_span_t *spans = NULL;
		size_t ns = 0;
		rc = redact_find(r, text, in.len, NULL, &spans, &ns);
		if (!rc) {
			redact_map_t *m = redact_map_new();
			char *out = NULL;
			size_t ol;
			cJSON *o = cJSON_CreateObject();
			cJSON *a = cJSON_AddArrayToObject(o, "spans");
			for (size_t i = 0; i < ns; i++) {
				cJSON *sp = cJSON_CreateObject();
				cJSON_AddStringToObject(sp, "type", spans[i].label);
				cJSON_AddNumberToObject(sp, "start", (double)spans[i].start);
				cJSON_AddNumberToObject(sp, "end", (double)spans[i].end);
				cJSON_AddItemToArray(a, sp);
			}
			if (!(rc = redact_text(r, m, text, in.len, NULL, &out, &ol)))
				cJSON_AddStringToObject(o, "text", out);
			print_json(o);
			cJSON_Delete(o);
			free(out);
			redact_map_free(m);
		}
		free(spans);
	} else {
		redact_map_t *m = redact_map_new();
		char *out = NULL;
		size_t ol = 0;
		rc = redact_text(r, m, text, in.len, NULL, &out, &ol);
		if (!rc)
			fwrite(out, 1, ol, stdout);
		free(out);
		redact_map_free(m);
	}
	if (rc)
		fprintf(stderr, "precedent-host: redaction failed: %s\n", precedent_strerror(rc));
	buf_release(&in);
	app_close(&app);
	return rc ? 1 : 0;
}

static int cmd_editdist(int argc, char **argv)
{
	int json = 0;
	const char *files[2] = {NULL, NULL};
	int nf = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (nf < 2)
			files[nf++] = argv[i];
		else
			return usage("editdist takes two files");
	}
	if (nf != 2)
		return usage("editdist needs FILE_A FILE_B");
	char *t[2] = {NULL, NULL};
	size_t l[2];
	for (int i = 0; i < 2; i++) {
		if (read_file(files[i], 64u * 1024 * 1024, &t[i], &l[i]) != 0) {
			fprintf(stderr, "precedent-host: %s: %s\n", files[i],
				errno ? strerror(errno) : "file too large");
			free(t[0]);
			return 1;
		}
	}
	editdist_result_t r;
	editdist_compute(t[0], l[0], t[1], l[1], &r);
	if (json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "edit_distance", (double)r.distance);
		cJSON_AddNumberToObject(o, "edit_ratio", r.ratio);
		cJSON_AddNumberToObject(o, "word_edit_ratio", r.word_ratio);
		cJSON_AddNumberToObject(o, "word_edit_distance", (double)r.word_distance);
		cJSON_AddNumberToObject(o, "length_a", (double)r.len_a);
		cJSON_AddNumberToObject(o, "length_b", (double)r.len_b);
		print_json(o);
		cJSON_Delete(o);
	} else {
		printf("edit_distance %zu\nedit_ratio %.4f\nword_edit_ratio %.4f\n", r.distance, r.ratio,
		       r.word_ratio);
	}
	free(t[0]);
	free(t[1]);
	return 0;
}

static int cmd_stats(const char *db, int argc, char **argv, int gaps)
{
	int json = 0;
	const char *since = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--since") && i + 1 < argc)
			since = argv[++i];
		else
			return usage(gaps ? "gaps takes [--json] [--since DATE]"
					  : "stats takes [--json] [--since DATE]");
	}
	app_t app;
	if (open_app(&app, db))
		return 1;
	cJSON *r = NULL;
	char err[512] = "";
	int rc = gaps ? app_gaps(&app, since, &r, err, sizeof err)
		      : app_stats(&app, since, &r, err, sizeof err);
	if (rc) {
		fprintf(stderr, "precedent-host: %s\n", err);
	} else if (json) {
		print_json(r);
	} else if (gaps) {
		cJSON *g;
		printf("%-6s %-40s %s\n", "count", "key terms", "example tickets");
		cJSON_ArrayForEach(g, cJSON_GetObjectItem(r, "gaps"))
		{
			cJSON *t;
			printf("%-6.0f %-40s", cJSON_GetObjectItem(g, "count")->valuedouble,
			       cJSON_GetObjectItem(g, "terms")->valuestring);
			cJSON_ArrayForEach(t, cJSON_GetObjectItem(g, "tickets"))
			    printf(" #%s", t->valuestring);
			printf("\n");
		}
	} else {
		printf("drafts              %.0f\n", cJSON_GetObjectItem(r, "drafts")->valuedouble);
		printf("sent                %.0f\n", cJSON_GetObjectItem(r, "sent")->valuedouble);
		printf("discarded           %.0f\n", cJSON_GetObjectItem(r, "discarded")->valuedouble);
		printf("median edit ratio   %.3f\n",
		       cJSON_GetObjectItem(r, "median_edit_ratio")->valuedouble);
		printf("nearly unedited     %.1f%%\n",
		       100 * cJSON_GetObjectItem(r, "nearly_unedited_share")->valuedouble);
		cJSON *th = cJSON_GetObjectItem(r, "thumbs");
		printf("thumbs              %.0f up, %.0f down\n",
		       cJSON_GetObjectItem(th, "up")->valuedouble,
		       cJSON_GetObjectItem(th, "down")->valuedouble);
		printf("knowledge gaps      %.0f\n",
		       cJSON_GetObjectItem(r, "knowledge_gaps")->valuedouble);
		cJSON *x;
		if (cJSON_IsNumber(x = cJSON_GetObjectItem(r, "median_seconds_to_send")))
			printf("median time to send %.0f s\n", x->valuedouble);
		cJSON_ArrayForEach(x, cJSON_GetObjectItem(r, "by_week"))
		    printf("week %s  drafts %.0f  sent %.0f  median edit %.3f\n",
			   cJSON_GetObjectItem(x, "week")->valuestring,
			   cJSON_GetObjectItem(x, "drafts")->valuedouble,
			   cJSON_GetObjectItem(x, "sent")->valuedouble,
			   cJSON_GetObjectItem(x, "median_edit_ratio")->valuedouble);
		cJSON_ArrayForEach(x, cJSON_GetObjectItem(r, "by_tag"))
		    printf("tag %-20s drafts %.0f  sent %.0f  median edit %.3f\n",
			   cJSON_GetObjectItem(x, "tag")->valuestring,
			   cJSON_GetObjectItem(x, "drafts")->valuedouble,
			   cJSON_GetObjectItem(x, "sent")->valuedouble,
			   cJSON_GetObjectItem(x, "median_edit_ratio")->valuedouble);
		cJSON_ArrayForEach(x, cJSON_GetObjectItem(r, "sources_to_fix"))
		    printf("doc fix? %s  %.0f of %.0f cited sentences deleted (retrieval x%.2f)\n",
			   cJSON_GetObjectItem(x, "ref")->valuestring,
			   cJSON_GetObjectItem(x, "deleted")->valuedouble,
			   cJSON_GetObjectItem(x, "sentences")->valuedouble,
			   cJSON_GetObjectItem(x, "retrieval_factor")->valuedouble);
		cJSON *w = cJSON_GetObjectItem(r, "warning");
		if (w)
			printf("warning: %s\n", w->valuestring);
	}
	cJSON_Delete(r);
	app_close(&app);
	return rc ? 1 : 0;
}

static int cmd_export(const char *db, int argc, char **argv)
{
	const char *since = NULL, *file = NULL;
	int csv = 0;
	if (argc < 2 || strcmp(argv[1], "pairs"))
		return usage("export takes: pairs [--format jsonl|csv] [--since DATE] [--out FILE]");
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--format") && i + 1 < argc && !strcmp(argv[i + 1], "csv"))
			csv = 1, i++;
		else if (!strcmp(argv[i], "--format") && i + 1 < argc && !strcmp(argv[i + 1], "jsonl"))
			csv = 0, i++;
		else if (!strcmp(argv[i], "--since") && i + 1 < argc)
			since = argv[++i];
		else if (!strcmp(argv[i], "--out") && i + 1 < argc)
			file = argv[++i];
		else
			return usage("export pairs takes [--format jsonl|csv] [--since DATE] [--out FILE]");
	}
	app_t app;
	if (open_app(&app, db))
		return 1;
	FILE *out = file ? fopen(file, "w") : stdout;
	char err[512] = "";
	size_t n = 0;
	int rc = out ? app_export_pairs(&app, since, csv, out, &n, err, sizeof err) : PRECEDENT_EIO;
	if (!out)
		snprintf(err, sizeof err, "%s: %s", file, strerror(errno));
	if (out && file && fclose(out) != 0 && !rc) {
		snprintf(err, sizeof err, "%s: %s", file, strerror(errno));
		rc = PRECEDENT_EIO;
	}
	if (rc)
		fprintf(stderr, "precedent-host: %s\n", err);
	else if (file)
		fprintf(stderr, "precedent-host: %zu pairs written to %s\n", n, file);
	app_close(&app);
	return rc ? 1 : 0;
}

int cli_main(int argc, char **argv)
{
	const char *db = NULL;
	int i = 1;
	if (started_by_browser(argc, argv))
		return run_native(argc, argv);
	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "--version")) {
			printf("precedent-host %s\n", PRECEDENT_VERSION);
			return 0;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage_text, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--db") && i + 1 < argc) {
			db = argv[i + 1];
			/* Subcommands that resolve the path themselves (doctor) see it too. */
			setenv("PRECEDENT_DB", db, 1);
			i += 2;
		} else {
			return usage("unknown option");
		}
	}
	if (i >= argc)
		return usage(NULL);
	const char *cmd = argv[i];
	int sub_argc = argc - i;
	char **sub = argv + i;
	if (!strcmp(cmd, "index"))
		return cmd_index(db, sub_argc, sub);
	if (!strcmp(cmd, "search"))
		return cmd_search(db, sub_argc, sub);
	if (!strcmp(cmd, "draft"))
		return cmd_draft(db, sub_argc, sub);
	if (!strcmp(cmd, "redact"))
		return cmd_redact(sub_argc, sub);
	if (!strcmp(cmd, "editdist"))
		return cmd_editdist(sub_argc, sub);
	if (!strcmp(cmd, "stats"))
		return cmd_stats(db, sub_argc, sub, 0);
	if (!strcmp(cmd, "gaps"))
		return cmd_stats(db, sub_argc, sub, 1);
	if (!strcmp(cmd, "export"))
		return cmd_export(db, sub_argc, sub);
	if (!strcmp(cmd, "eval"))
		return eval_main(db, sub_argc, sub);
	if (!strcmp(cmd, "synth"))
		return synth_main(sub_argc, sub);
	if (!strcmp(cmd, "install") || !strcmp(cmd, "uninstall") || !strcmp(cmd, "doctor"))
		return install_command(sub_argc, sub);
	if (!strcmp(cmd, "native"))
		return run_native(argc - i, argv + i); /* for testing by hand */
	fprintf(stderr, "precedent-host: unknown command '%s'\n", cmd);
	return usage(NULL);
}
