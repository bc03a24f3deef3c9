/* Optional raw samples (suite key raw = 1): every timed value of a case,
 * kept in memory and written next to the histogram as raw_samples.csv. */
#ifndef IOTLB_SAMPLES_H
#define IOTLB_SAMPLES_H

#include <stddef.h>
#include <stdint.h>

struct samples {
	uint64_t *v;
	size_t n, cap;
	int on;
	int failed; /* out of memory: samples after that point are missing */
};

static inline void samples_init(struct samples *s, int on)
{
	s->v = NULL;
	s->n = s->cap = 0;
	s->on = on;
	s->failed = 0;
}

void samples_grow(struct samples *s);

static inline void samples_add(struct samples *s, uint64_t v)
{
	if (!s->on)
		return;
	if (s->n == s->cap)
		samples_grow(s);
	if (s->n < s->cap)
		s->v[s->n++] = v;
}

void samples_free(struct samples *s);

#endif
