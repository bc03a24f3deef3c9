#include "micro/measure/timer.h"

#include <string.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif

struct timer g_timer = {.tsc = false, .tsc_hz = 0, .mult = 0, .source = "clock_monotonic_raw"};

static bool tsc_invariant(void)
{
#if defined(__x86_64__)
	unsigned a, b, c, d;
	if (!__get_cpuid(0x80000000u, &a, &b, &c, &d) || a < 0x80000007u)
		return false;
	__get_cpuid(0x80000007u, &a, &b, &c, &d);
	return (d >> 8) & 1u;
#else
	return false;
#endif
}

static uint64_t raw_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void timer_init(bool force_clock)
{
	g_timer.tsc = false;
	g_timer.source = "clock_monotonic_raw";
	g_timer.tsc_hz = 0;
	if (force_clock || !tsc_invariant())
		return;
	g_timer.tsc = true;
	/* Two 25 ms windows; keep the second so page faults and frequency
	 * ramp-up of the first do not skew the rate. */
	double hz = 0;
	for (int i = 0; i < 2; i++) {
		uint64_t c0 = raw_ns(), t0 = timer_ticks();
		while (raw_ns() - c0 < 25000000ull)
			;
		uint64_t c1 = raw_ns(), t1 = timer_ticks();
		hz = (double)(t1 - t0) * 1e9 / (double)(c1 - c0);
	}
	if (hz < 1e8) { /* implausible: a hypervisor that traps RDTSC oddly */
		g_timer.tsc = false;
		return;
	}
	g_timer.tsc_hz = hz;
	g_timer.mult = (uint64_t)(1e9 / hz * 4294967296.0);
	g_timer.source = "tsc";
}
