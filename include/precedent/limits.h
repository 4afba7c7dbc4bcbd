/*
 * limits.h - every size that comes from outside has a named cap here.
 * Buffers built from outside input refuse to grow past their cap.
 */
#ifndef PRECEDENT_LIMITS_H
#define PRECEDENT_LIMITS_H

#define PRECEDENT_VERSION "0.1.0"
#define PRECEDENT_PROTOCOL 1

/* Native messaging: browser->host frames (default, config may lower/raise up to MAX). */
#define NM_IN_CAP_DEFAULT (8u * 1024u * 1024u)
#define NM_IN_CAP_MAX (64u * 1024u * 1024u)
/* Native messaging: host->browser frames (Chromium's own limit is 1 MiB). */
#define NM_OUT_CAP (1024u * 1024u)
/* One line of a JSONL/CSV import. */
#define IMPORT_LINE_CAP (16u * 1024u * 1024u)
/* One Markdown/HTML/text doc file. */
#define DOC_FILE_CAP (8u * 1024u * 1024u)
/* One text field of a ticket (subject, body, resolution) kept for indexing. */
#define FIELD_CAP (1024u * 1024u)
/* Messages per ticket. */
#define TICKET_MESSAGES_MAX 2000
/* Search results per kind. */
#define SEARCH_K_MAX 100
/* Sent reply text in feedback.sent. */
#define SENT_TEXT_CAP (1024u * 1024u)
/* A drafted reply. */
#define DRAFT_CAP (256u * 1024u)

#endif
