/* Log-linear latency histogram: values from 1 ns to 2^37 ns (137 s) in
 * buckets whose width is at most 1/128 of their lower bound (< 1 % relative
 * error), in constant memory (31 groups of 128 counters), mergeable by
 * addition. Group 0 holds 0..127 exactly; group k >= 1 splits
 * [128 << (k-1), 256 << (k-1)) into 128 equal buckets.
 * Debian packages no C HDR histogram; GSL's histograms search arbitrary
 * ranges in O(log n) per sample, where this index is a few instructions in
 * the timing loop. */
#ifndef IOTLB_HIST_H
#define IOTLB_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS 7 /* 128 sub-buckets per power of two */
#define HIST_SUB      (1u << HIST_SUB_BITS)
#define HIST_GROUPS   31 /* up to 2^37 ns */
#define HIST_BUCKETS  (HIST_GROUPS * HIST_SUB)

struct hist {
	uint64_t count;
	uint64_t sum;
	uint64_t min;
	uint64_t max;
	uint64_t overflow; /* samples above the range (kept in max and sum) */
	uint64_t b[HIST_BUCKETS];
};

void hist_reset(struct hist *h);

/* Bucket of value v (ns). Values below 128 get exact buckets. */
static inline unsigned hist_index(uint64_t v)
{
	if (v < HIST_SUB)
		return (unsigned)v;
	unsigned msb = 63u - (unsigned)__builtin_clzll(v);
	unsigned shift = msb - HIST_SUB_BITS;
	return (shift + 1u) * HIST_SUB + (unsigned)((v >> shift) - HIST_SUB);
}

static inline void hist_add(struct hist *h, uint64_t v)
{
	unsigned i = hist_index(v);
	if (i >= HIST_BUCKETS) {
		h->overflow++;
		i = HIST_BUCKETS - 1;
	}
	h->b[i]++;
	h->count++;
	h->sum += v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

/* Lower and upper (exclusive) bound of bucket i. */
void hist_bounds(unsigned i, uint64_t *lo, uint64_t *hi);

void hist_merge(struct hist *dst, const struct hist *src);

/* Value at quantile q (0..1): the midpoint of the bucket holding it,
 * clamped to the exact min and max. 0 for an empty histogram. */
uint64_t hist_quantile(const struct hist *h, double q);

static inline double hist_mean(const struct hist *h)
{
	return h->count ? (double)h->sum / (double)h->count : 0.0;
}

#endif
