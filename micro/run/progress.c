#include "micro/run/progress.h"

#include <unistd.h>

#include "driver/util/clock.h"

void progress_init(struct progress *p, FILE *f, unsigned ncases, bool quiet)
{
	p->f = f;
	p->tty = isatty(fileno(f));
	p->quiet = quiet;
	p->n = ncases;
	p->t0_ns = clock_now_ns();
}

static void eta(struct progress *p, unsigned done, char *buf, size_t len)
{
	uint64_t el = clock_now_ns() - p->t0_ns;
	if (!done) {
		snprintf(buf, len, "ETA --");
		return;
	}
	uint64_t left = el / done * (p->n - done) / 1000000000ull;
	snprintf(buf, len, "ETA %llum%02llus", (unsigned long long)(left / 60),
		 (unsigned long long)(left % 60));
}

void progress_case(struct progress *p, unsigned i, const char *name, const char *desc)
{
	if (p->quiet)
		return;
	char e[32];
	eta(p, i, e, sizeof(e));
	if (p->tty) {
		unsigned w = 30, fill = p->n ? i * w / p->n : 0;
		char bar[31];
		for (unsigned k = 0; k < w; k++)
			bar[k] = k < fill ? '#' : '.';
		bar[w] = '\0';
		fprintf(p->f, "\r\033[K[%s] %u/%u %s %s | %.60s", bar, i + 1, p->n, e, name, desc);
	} else {
		fprintf(p->f, "case %u/%u %s: %s\n", i + 1, p->n, name, desc);
	}
	fflush(p->f);
}

void progress_done(struct progress *p, unsigned i, const char *name, const char *status)
{
	if (p->quiet || !status)
		return;
	if (p->tty)
		fprintf(p->f, "\r\033[Kcase %u/%u %s: %s\n", i + 1, p->n, name, status);
	else
		fprintf(p->f, "case %u/%u %s: %s\n", i + 1, p->n, name, status);
	fflush(p->f);
}

void progress_end(struct progress *p)
{
	if (!p->quiet && p->tty)
		fprintf(p->f, "\r\033[K");
	fflush(p->f);
}
