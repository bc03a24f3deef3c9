/* Timestamps for measurements. The invariant TSC (CPUID 8000_0007h EDX[8]:
 * constant rate, never stops in C-states) is read with RDTSCP, which waits
 * for earlier instructions to finish, and converted to ns with a multiplier
 * calibrated against CLOCK_MONOTONIC_RAW (not slewed by NTP). Without an
 * invariant TSC the clock itself is used, and the dataset says so. */
#ifndef IOTLB_TIMER_H
#define IOTLB_TIMER_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct timer {
	bool tsc;	    /* using the TSC */
	double tsc_hz;	    /* calibrated TSC frequency */
	uint64_t mult;	    /* ns = ticks * mult >> 32 */
	const char *source; /* "tsc" or "clock_monotonic_raw" */
};

extern struct timer g_timer;

/* Calibrates (about 50 ms) unless `force_clock`; safe to call again. */
void timer_init(bool force_clock);

static inline uint64_t timer_ticks(void)
{
#if defined(__x86_64__)
	if (g_timer.tsc) {
		uint32_t lo, hi, aux;
		__asm__ __volatile__("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
		return (uint64_t)hi << 32 | lo;
	}
#endif
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint64_t timer_ns(uint64_t ticks)
{
	if (!g_timer.tsc)
		return ticks;
	return (uint64_t)(((unsigned __int128)ticks * g_timer.mult) >> 32);
}

#endif
