/* Signals during a run: the first SIGINT/SIGTERM stops at the next safe
 * point (between operations, so every CSV row already flushed stays whole);
 * a second exits at once with 128 + signal, after putting back the driver
 * binding of a PCI function lent to the kernel's DMA-API benchmark (the
 * one change to the system an exit would otherwise leave behind: the
 * kernel closes the VFIO and IOMMUFD files and their mappings itself). */
#include <string.h>
#include <unistd.h>

#include "driver/host/dmamap_bench.h"
#include "micro/run/runner.h"

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
	if (g_stop) {
		dmab_emergency_restore();
		_exit(128 + sig);
	}
	g_stop = sig;
}

volatile sig_atomic_t *run_signals_install(void)
{
	g_stop = 0;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	return &g_stop;
}
