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

/* LLM streaming (llm, sse, ws; added by the llm module). */
/* One SSE line from a provider; a longer line ends the stream as malformed. */
#define SSE_LINE_CAP (256u * 1024u)
/* The data of one SSE event (all its data: lines joined). */
#define SSE_EVENT_CAP (1024u * 1024u)
/* A provider's error body kept for the message (non-2xx replies). */
#define LLM_ERRBODY_CAP (16u * 1024u)
/* A request body sent to a provider (the prompt plus JSON framing). */
#define LLM_REQUEST_CAP (2u * 1024u * 1024u)
/* An assembled prompt (system + user text). */
#define PROMPT_CAP (1024u * 1024u)
/* One WebSocket message from the panel (auth, draft.cancel are tiny). */
#define WS_IN_CAP (16u * 1024u)
/* Frames queued for one WebSocket session before it counts as a stalled reader. */
#define WS_QUEUE_MAX 4096
/* Bytes queued for one WebSocket session. */
#define WS_QUEUE_BYTES_MAX (8u * 1024u * 1024u)
/* Messages a WebSocket client may send per second before it counts as a flood. */
#define WS_IN_RATE_MAX 50
/* WebSocket connections at once (tabs, panels). */
#define WS_CLIENTS_MAX 32
/* LLM streams (drafts) in flight at once. */
#define LLM_STREAMS_MAX 64
/* A customer context reply from an HTTP endpoint. */
#define CONTEXT_BODY_CAP (64u * 1024u)
/* One signal event (a JSONL line, an outbox entry, a webhook body). */
#define SIGNAL_EVENT_CAP (1024u * 1024u)

/* One ticket export read as a whole JSON document (an array of tickets, or
 * {"tickets": [...]}); larger exports must be line-delimited (added by retrieval). */
#define IMPORT_DOC_CAP (512u * 1024u * 1024u)
/* A reply from an embeddings endpoint (added by retrieval). */
#define EMBED_RESPONSE_CAP (32u * 1024u * 1024u)
/* index.import: file content sent inline by the options page's file picker (all
 * files of one request together); JSON-escaped it must still fit NM_IN_CAP_DEFAULT
 * (added by ext6). Larger files are imported by path. */
#define IMPORT_INLINE_CAP (4u * 1024u * 1024u)
/* index.import: files in one inline docs request (added by ext6). */
#define IMPORT_INLINE_FILES_MAX 500

#endif
