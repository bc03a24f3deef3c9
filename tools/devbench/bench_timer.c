/* What measuring costs: the timer read plus conversion and the histogram
 * insert, per sample, against an empty loop. Reported in ns per I/O. */
#include <stdio.h>
#include <stdlib.h>

#include "micro/measure/hist.h"
#include "micro/measure/timer.h"

static volatile uint64_t sink;

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 20000000ull;
	timer_init(false);
	struct hist *h = malloc(sizeof(*h));
	hist_reset(h);
	struct timespec a, b;
	/* Empty loop: the baseline the measured loop is compared with. */
	clock_gettime(CLOCK_MONOTONIC_RAW, &a);
	for (uint64_t i = 0; i < n; i++)
		sink += i;
	clock_gettime(CLOCK_MONOTONIC_RAW, &b);
	double base = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
	/* What every timed I/O pays: two timestamps, a conversion, an insert. */
	clock_gettime(CLOCK_MONOTONIC_RAW, &a);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t t0 = timer_ticks();
		sink += i;
		hist_add(h, timer_ns(timer_ticks() - t0));
	}
	clock_gettime(CLOCK_MONOTONIC_RAW, &b);
	double meas = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
	printf("clock source: %s (TSC %.0f MHz)\n", g_timer.source, g_timer.tsc_hz / 1e6);
	printf("timer + histogram overhead: %.1f ns per I/O (%llu samples, loop %.2f ns)\n",
	       (meas - base) / (double)n, (unsigned long long)n, base / (double)n);
	printf("median back-to-back timestamp delta: %llu ns\n",
	       (unsigned long long)hist_quantile(h, 0.5));
	free(h);
	return 0;
}
