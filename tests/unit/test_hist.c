/* The log-linear histogram: every value from 1 ns to 100 s lands in a
 * bucket that contains it and is at most 1 % wide; quantiles agree with
 * exact ones from sorted samples within that error; merging is addition. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tests/helpers.h"
#include "micro/measure/hist.h"

static void buckets_cover_range(void **state)
{
	(void)state;
	/* Walk 1 ns .. 100 s multiplying by 1.0007 (every bucket is hit). */
	unsigned last = 0;
	for (double x = 1; x <= 1e11; x *= 1.0007) {
		uint64_t v = (uint64_t)x;
		unsigned i = hist_index(v);
		assert_true(i < HIST_BUCKETS);
		assert_true(i >= last); /* monotonic */
		last = i;
		uint64_t lo, hi;
		hist_bounds(i, &lo, &hi);
		assert_true(lo <= v && v < hi);
		if (lo >= 128)
			assert_true((double)(hi - lo) / (double)lo <= 1.0 / 128 + 1e-12);
		else
			assert_int_equal(hi - lo, 1);
	}
	/* Adjacent buckets tile the line without gaps. */
	for (unsigned i = 0; i + 1 < HIST_BUCKETS; i++) {
		uint64_t lo, hi, lo2, hi2;
		hist_bounds(i, &lo, &hi);
		hist_bounds(i + 1, &lo2, &hi2);
		assert_int_equal(hi, lo2);
	}
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void quantiles_match_exact(void **state)
{
	(void)state;
	enum { N = 200000 };
	uint64_t *v = malloc(N * sizeof(*v));
	struct hist *h = malloc(sizeof(*h));
	hist_reset(h);
	uint64_t s = 12345;
	for (int i = 0; i < N; i++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		/* Log-normal-ish: 2 us body with a long tail to ~10 ms. */
		double u = (double)(s % 1000000) / 1e6;
		v[i] = (uint64_t)(2000.0 * exp(6.0 * u * u * u));
		hist_add(h, v[i]);
	}
	qsort(v, N, sizeof(*v), cmp);
	const double qs[] = {0.5, 0.9, 0.99, 0.999, 0.9999};
	for (unsigned k = 0; k < 5; k++) {
		uint64_t exact = v[(size_t)ceil(qs[k] * N) - 1];
		uint64_t got = hist_quantile(h, qs[k]);
		double rel = fabs((double)got - (double)exact) / (double)exact;
		if (rel > 0.01)
			fail_msg("q%.4f: histogram %llu, exact %llu", qs[k],
				 (unsigned long long)got, (unsigned long long)exact);
	}
	assert_int_equal(hist_quantile(h, 1.0), v[N - 1]);
	assert_int_equal(hist_quantile(h, 0.0), v[0]);
	assert_int_equal(h->count, N);
	double mean = 0;
	for (int i = 0; i < N; i++)
		mean += (double)v[i];
	assert_true(fabs(hist_mean(h) - mean / N) < 1e-6 * mean / N + 1);
	free(v);
	free(h);
}

static void merge_is_addition(void **state)
{
	(void)state;
	struct hist *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b)), *all = malloc(sizeof(*all));
	hist_reset(a);
	hist_reset(b);
	hist_reset(all);
	for (uint64_t i = 1; i < 100000; i += 7) {
		hist_add(i % 3 ? a : b, i * 13);
		hist_add(all, i * 13);
	}
	hist_merge(a, b);
	assert_int_equal(a->count, all->count);
	assert_int_equal(a->sum, all->sum);
	assert_int_equal(a->min, all->min);
	assert_int_equal(a->max, all->max);
	assert_memory_equal(a->b, all->b, sizeof(a->b));
	free(a);
	free(b);
	free(all);
}

static void edges(void **state)
{
	(void)state;
	struct hist *h = malloc(sizeof(*h));
	hist_reset(h);
	assert_int_equal(hist_quantile(h, 0.5), 0);
	hist_add(h, 0);
	hist_add(h, 1ull << 40); /* beyond 137 s: counted, kept in max */
	assert_int_equal(h->overflow, 1);
	assert_int_equal(h->max, 1ull << 40);
	assert_int_equal(hist_quantile(h, 1.0), 1ull << 40);
	free(h);
}

int main(void)
{
	const struct CMUnitTest t[] = {
	    cmocka_unit_test(buckets_cover_range),
	    cmocka_unit_test(quantiles_match_exact),
	    cmocka_unit_test(merge_is_addition),
	    cmocka_unit_test(edges),
	};
	return cmocka_run_group_tests_name("hist", t, NULL, NULL);
}
