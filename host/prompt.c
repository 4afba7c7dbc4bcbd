/*
 * prompt.c - prompt assembly. The user message is built in sections (ticket, customer context,
 * sources, task), each measured with the same rough token estimate; sources are added best
 * first until the budget is spent, so the lowest-ranked ones are the ones dropped, and a long
 * thread loses its oldest messages before the newest customer message is ever touched.
 */
#include "precedent/prompt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "precedent/error.h"
#include "precedent/limits.h"
#include "precedent/util.h"

/* Per-source and per-message clips keep one huge item from crowding out the rest. */
#define SOURCE_TEXT_MAX 2400
#define MESSAGE_TEXT_MAX 6000

static const char *const action_names[] = {"draft",       "shorter",     "more_detailed",
					   "friendlier",  "more_formal", "translate",
					   "summary"};

int prompt_action_from_name(const char *name)
{
	if (!name || !*name)
		return PROMPT_DRAFT;
	for (size_t i = 0; i < sizeof action_names / sizeof action_names[0]; i++)
		if (strcmp(name, action_names[i]) == 0)
			return (int)i;
	return -1;
}

int prompt_action_rewrites(int a)
{
	return a == PROMPT_SHORTER || a == PROMPT_MORE_DETAILED || a == PROMPT_FRIENDLIER ||
	       a == PROMPT_MORE_FORMAL || a == PROMPT_TRANSLATE;
}

size_t prompt_estimate_tokens(const char *s, size_t n)
{
	size_t ascii = 0, wide = 0, other = 0;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t k = utf8_decode(s + i, n - i, &cp);
		if (cp < 0x80)
			ascii++;
		else if ((cp >= 0x3000 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF) ||
			 (cp >= 0xF900 && cp <= 0xFAFF))
			wide++; /* CJK: about one token each */
		else
			other++; /* accented Latin, Cyrillic...: about two bytes a token */
		i += k;
	}
	return (ascii + 3) / 4 + wide + (other + 1) / 2;
}

const char *prompt_source_ref(const prompt_source_t *s, char *out, size_t outlen)
{
	if (s->kind == PROMPT_SRC_DOC)
		snprintf(out, outlen, "doc: %s", s->id ? s->id : "");
	else
		snprintf(out, outlen, "#%s", s->id ? s->id : "");
	return out;
}

static const char system_base[] =
    "You are a tier-2 support engineer drafting a reply for a human agent, who will review and "
    "edit it before anything is sent.\n"
    "Rules:\n"
    "1. Use only facts found in the numbered sources below and in the ticket itself. Do not use "
    "outside knowledge about the product.\n"
    "2. Cite every factual claim inline, right after it, with the source's marker exactly as it "
    "is shown: a past ticket as [#<id>], a documentation section as [doc: <path>#<anchor>]. "
    "Never invent a marker and never cite a source that does not say what you claim.\n"
    "3. If the sources do not answer part of the question, say plainly what is not known yet or "
    "what the agent must check; do not guess.\n"
    "4. Never promise refunds, credits, dates, fixes or features that the sources do not "
    "support.\n"
    "5. Placeholders such as [EMAIL_1] or [NAME_1] stand for private data: keep them exactly as "
    "they are, and never use a placeholder that appears only in a source (it belongs to another "
    "customer).\n"
    "6. Write in the same language as the customer's latest message";

static const char *task_text(int action)
{
	switch (action) {
	case PROMPT_SHORTER:
		return "Rewrite the current draft below to be clearly shorter: keep the essential "
		       "steps and every citation marker that still applies, drop the rest.";
	case PROMPT_MORE_DETAILED:
		return "Rewrite the current draft below with more detail: add steps and "
		       "explanations only from the sources, each cited.";
	case PROMPT_FRIENDLIER:
		return "Rewrite the current draft below in a warmer, friendlier tone. Keep the "
		       "facts and every citation marker.";
	case PROMPT_MORE_FORMAL:
		return "Rewrite the current draft below in a more formal, professional tone. Keep "
		       "the facts and every citation marker.";
	case PROMPT_TRANSLATE:
		return "Translate the current draft below into the target language. Keep every "
		       "citation marker and placeholder unchanged.";
	case PROMPT_SUMMARY:
		return "Summarize this ticket's thread for the agent (not for the customer): the "
		       "problem, what was tried, what the customer is waiting for, and which sources "
		       "look relevant (cited). Use short bullet points.";
	default:
		return "Write the reply to the customer's latest message. Start with a short "
		       "greeting, give the answer or the next steps, each claim cited, and end by "
		       "saying what is still unknown, if anything.";
	}
}

static void put_clipped(buf_t *b, const char *s, size_t max)
{
	size_t n = strlen(s);
	size_t k = utf8_clip(s, n, max);
	buf_append(b, s, k);
	if (k < n)
		buf_puts(b, " [...]");
}

static void put_source(buf_t *b, size_t num, const prompt_source_t *s)
{
	char ref[600];
	buf_printf(b, "[%zu] [%s] %s", num, prompt_source_ref(s, ref, sizeof ref),
		   s->title ? s->title : "");
	if (s->date && *s->date)
		buf_printf(b, " (%s %.10s)", s->kind == PROMPT_SRC_TICKET ? "closed" : "updated",
			   s->date);
	if (s->version && *s->version)
		buf_printf(b, " (version %s)", s->version);
	if (s->plan && *s->plan)
		buf_printf(b, " (plan %s)", s->plan);
	buf_putc(b, '\n');
	if (s->text && *s->text) {
		buf_puts(b, s->kind == PROMPT_SRC_TICKET ? "Problem: " : "");
		put_clipped(b, s->text, SOURCE_TEXT_MAX);
		buf_putc(b, '\n');
	}
	if (s->resolution && *s->resolution) {
		buf_puts(b, "Resolution: ");
		put_clipped(b, s->resolution, SOURCE_TEXT_MAX);
		buf_putc(b, '\n');
	}
	buf_putc(b, '\n');
}

static void put_context(buf_t *b, const cJSON *ctx)
{
	const cJSON *it;
	if (!cJSON_IsObject(ctx) || !ctx->child)
		return;
	buf_puts(b, "Customer context:\n");
	cJSON_ArrayForEach(it, ctx)
	{
		if (!it->string || it->string[0] == '_')
			continue;
		if (cJSON_IsString(it) && it->valuestring[0]) {
			buf_printf(b, "- %s: ", it->string);
			put_clipped(b, it->valuestring, 300);
			buf_putc(b, '\n');
		} else if (cJSON_IsNumber(it)) {
			buf_printf(b, "- %s: %g\n", it->string, it->valuedouble);
		} else if (cJSON_IsBool(it)) {
			buf_printf(b, "- %s: %s\n", it->string, cJSON_IsTrue(it) ? "yes" : "no");
		}
	}
	buf_putc(b, '\n');
}

static void put_message(buf_t *b, const prompt_message_t *m)
{
	const char *role = m->role && *m->role ? m->role : "customer";
	buf_printf(b, "--- %s ---\n", role);
	put_clipped(b, m->body ? m->body : "", MESSAGE_TEXT_MAX);
	buf_putc(b, '\n');
}

int prompt_build(const prompt_input_t *in, prompt_t *out)
{
	buf_t sys, ticket, ctx, src, task, user;
	size_t budget = in->token_budget ? in->token_budget : PROMPT_DEFAULT_BUDGET;
	size_t used, first_msg = 0;
	int rc = 0;

	memset(out, 0, sizeof *out);
	if (in->action < PROMPT_DRAFT || in->action > PROMPT_SUMMARY)
		return PRECEDENT_EINVAL;
	if (prompt_action_rewrites(in->action) && (!in->previous || !*in->previous))
		return PRECEDENT_EINVAL;
	buf_init(&sys, PROMPT_CAP);
	buf_init(&ticket, PROMPT_CAP);
	buf_init(&ctx, PROMPT_CAP);
	buf_init(&src, PROMPT_CAP);
	buf_init(&task, PROMPT_CAP);
	buf_init(&user, PROMPT_CAP);

	buf_puts(&sys, system_base);
	if (in->language && *in->language)
		buf_printf(&sys, " (expected: %s)", in->language);
	buf_puts(&sys, ".\n");

	/* the task and the draft being rewritten are never trimmed */
	buf_printf(&task, "Task: %s\n", task_text(in->action));
	if (in->action == PROMPT_TRANSLATE)
		buf_printf(&task, "Target language: %s\n",
			   in->language && *in->language ? in->language
							 : "the customer's language");
	if (prompt_action_rewrites(in->action)) {
		buf_puts(&task, "\nCurrent draft:\n");
		buf_puts(&task, in->previous);
		buf_putc(&task, '\n');
	}
	put_context(&ctx, in->context);

	used = prompt_estimate_tokens(sys.data, sys.len) +
	       prompt_estimate_tokens(buf_cstr(&task), task.len) +
	       prompt_estimate_tokens(buf_cstr(&ctx), ctx.len) + 16;

	/* the ticket: drop the oldest messages while the thread would take more than half of
	 * what the instructions leave, so sources keep room; the newest message always stays */
	for (;;) {
		buf_reset(&ticket);
		buf_printf(&ticket, "Ticket\nSubject: %s\n\n", in->subject ? in->subject : "");
		for (size_t i = first_msg; i < in->nmessages; i++)
			put_message(&ticket, &in->messages[i]);
		buf_putc(&ticket, '\n');
		size_t t = prompt_estimate_tokens(buf_cstr(&ticket), ticket.len);
		size_t room = budget > used ? budget - used : 0;
		if (t <= room / 2 || first_msg + 1 >= in->nmessages) {
			if (used + t > budget) {
				rc = PRECEDENT_ETOOBIG;
				goto out;
			}
			used += t;
			break;
		}
		first_msg++;
	}
	out->messages_dropped = first_msg;

	/* sources, best first, while they fit */
	if (in->nsources > 0) {
		buf_puts(&src, "Sources:\n\n");
		used += 4;
	}
	for (size_t i = 0; i < in->nsources; i++) {
		buf_t one;
		buf_init(&one, PROMPT_CAP);
		put_source(&one, i + 1, &in->sources[i]);
		size_t t = prompt_estimate_tokens(buf_cstr(&one), one.len);
		if (used + t > budget) {
			buf_release(&one);
			break;
		}
		used += t;
		buf_append(&src, one.data, one.len);
		buf_release(&one);
		out->sources_used++;
	}
	if (in->nsources > 0 && out->sources_used == 0)
		buf_puts(&src, "(none fit; say that no precedent is available)\n\n");
	if (in->nsources == 0)
		buf_puts(&src, "Sources: none were found. Say that no precedent is available and "
			       "ask for what is needed to investigate.\n\n");

	buf_append(&user, buf_cstr(&ticket), ticket.len);
	buf_append(&user, buf_cstr(&ctx), ctx.len);
	buf_append(&user, buf_cstr(&src), src.len);
	buf_append(&user, buf_cstr(&task), task.len);
	rc = sys.rc ? sys.rc : user.rc;
	if (rc)
		goto out;
	out->tokens = used;
	out->system = buf_steal(&sys);
	out->user = buf_steal(&user);
out:
	buf_release(&sys);
	buf_release(&ticket);
	buf_release(&ctx);
	buf_release(&src);
	buf_release(&task);
	buf_release(&user);
	return rc;
}

void prompt_release(prompt_t *p)
{
	free(p->system);
	free(p->user);
	memset(p, 0, sizeof *p);
}
