/* THREAD mode: a device thread that polls CC and the doorbells in the
 * register memory, like a real controller's firmware loop. */
#include <errno.h>
#include <sched.h>
#include <string.h>

#include "driver/emu/emu_internal.h"
#include "driver/util/clock.h"

/* Empty rounds spun with PAUSE before yielding: short enough that a driver
 * sharing a core with the device thread is not starved, long enough that a
 * doorbell on an otherwise idle system is seen within microseconds. */
#define EMU_SPIN_ROUNDS 256

static void *emu_thread_main(void *arg)
{
	struct emu *emu = arg;
	unsigned idle = 0;

	while (!atomic_load_explicit(&emu->stop, memory_order_acquire)) {
		unsigned work = 0;
		emu_round(emu, &work);
		if (work) {
			idle = 0;
			continue;
		}
		if (++idle < EMU_SPIN_ROUNDS) {
			cpu_relax();
		} else {
			idle = 0;
			sched_yield();
		}
	}
	return NULL;
}

int emu_thread_start(struct emu *emu, struct err *e)
{
	atomic_store(&emu->stop, false);
	int rc = pthread_create(&emu->thread, NULL, emu_thread_main, emu);
	if (rc)
		return err_set(e, rc,
			       "emu: cannot start the device thread: %s; use EMU_MODE_INLINE or "
			       "EMU_MODE_MANUAL, or raise the process thread limit",
			       strerror(rc));
	emu->thread_started = true;
	return 0;
}

void emu_thread_stop(struct emu *emu)
{
	if (!emu->thread_started)
		return;
	atomic_store_explicit(&emu->stop, true, memory_order_release);
	pthread_join(emu->thread, NULL);
	emu->thread_started = false;
}
