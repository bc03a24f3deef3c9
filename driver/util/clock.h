/* Monotonic time for timeouts and the emulator's timing model. CLOCK_MONOTONIC
 * is used rather than the TSC here: these are deadlines, not measurements. */
#ifndef IOTLB_CLOCK_H
#define IOTLB_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t clock_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Busy-wait friendly pause: tells the core a spin loop is running (x86 PAUSE). */
static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/* Sleeps for us microseconds (used while waiting on CSTS transitions). */
void clock_sleep_us(uint64_t us);

#endif
