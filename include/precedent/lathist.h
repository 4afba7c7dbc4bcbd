/*
 * lathist.h - a latency histogram for the host's own figures (token -> frame delay, loop
 * iteration time): constant time to add a sample and a few microseconds to read a percentile,
 * so the loop thread can keep and report them without sorting anything.
 *
 * Bins: 10 us wide up to 1 ms, 100 us to 10 ms, 1 ms to 100 ms, 10 ms to 1 s, then one bin
 * for the rest; a percentile is its bin's upper edge (the exact maximum is kept beside).
 * Ownership: plain data, zero-initialised is empty; no allocation.
 */
#ifndef PRECEDENT_LATHIST_H
#define PRECEDENT_LATHIST_H

#include <stddef.h>
#include <stdint.h>

#define LATHIST_BINS 371

typedef struct lathist {
	uint32_t bin[LATHIST_BINS];
	uint64_t n;
	double max; /* ms */
} lathist_t;

static inline size_t lathist_bin(double ms)
{
	double us = ms * 1000.0;
	if (us < 0)
		us = 0;
	if (us < 1000)
		return (size_t)(us / 10);
	if (us < 10000)
		return 100 + (size_t)((us - 1000) / 100);
	if (us < 100000)
		return 190 + (size_t)((us - 10000) / 1000);
	if (us < 1000000)
		return 280 + (size_t)((us - 100000) / 10000);
	return LATHIST_BINS - 1;
}

/* The upper edge of bin i, in ms. */
static inline double lathist_edge(size_t i)
{
	if (i < 100)
		return (double)(i + 1) * 0.01;
	if (i < 190)
		return 1.0 + (double)(i - 99) * 0.1;
	if (i < 280)
		return 10.0 + (double)(i - 189);
	if (i < LATHIST_BINS - 1)
		return 100.0 + (double)(i - 279) * 10.0;
	return 1e9;
}

static inline void lathist_add(lathist_t *h, double ms)
{
	h->bin[lathist_bin(ms)]++;
	h->n++;
	if (ms > h->max)
		h->max = ms;
}

/* The p-th percentile (0 < p <= 100) in ms, never above the maximum; 0 when empty. */
static inline double lathist_pct(const lathist_t *h, double p)
{
	if (!h->n)
		return 0;
	uint64_t want = (uint64_t)((double)h->n * p / 100.0 + 0.999999);
	uint64_t seen = 0;
	if (want < 1)
		want = 1;
	for (size_t i = 0; i < LATHIST_BINS; i++) {
		seen += h->bin[i];
		if (seen >= want)
			return lathist_edge(i) < h->max ? lathist_edge(i) : h->max;
	}
	return h->max;
}

#endif
