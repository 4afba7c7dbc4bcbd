/*
 * embed.h - text embeddings from an OpenAI-compatible endpoint (POST
 * {base}/embeddings: Ollama, llama.cpp server, vLLM, OpenAI), for optional dense
 * re-ranking in retrieve.c. A blocking request with a short timeout: the caller
 * falls back to BM25 when it fails.
 *
 * Ownership: *vecs is malloc'd (n x *dim floats, row i for texts[i]); the caller
 * frees it. The API key is sent as a bearer token and never logged.
 */
#ifndef PRECEDENT_EMBED_H
#define PRECEDENT_EMBED_H

#include <stddef.h>

/* Embeds n texts in one request. Returns 0, or PRECEDENT_ENET (unreachable),
 * PRECEDENT_ETIMEOUT, PRECEDENT_EUPSTREAM (non-2xx), PRECEDENT_EJSON (a reply
 * that is not embeddings) or PRECEDENT_ETOOBIG, with a message in err. */
int embed_texts(const char *base_url, const char *model, const char *api_key, long timeout_ms,
		const char *const *texts, size_t n, float **vecs /* OUT */, size_t *dim /* OUT */,
		char *err, size_t errlen);

#endif
