#include "bpf/observe.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf/perf_set.h"
#include "bpf/trace.h"

struct observe {
	struct trace *t;
	struct perf_set ps;
	bool counters;
	FILE *hist, *calls, *events;
};

static FILE *open_csv(const char *dir, const char *name, const char *header, struct err *e)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f) {
		err_set(e, errno, "creating %s: %s", path, strerror(errno));
		return NULL;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	if (header)
		fprintf(f, "%s\n", header);
	return f;
}

int observe_open(const struct observe_opts *o, const char *dir, FILE *report, struct observe **out,
		 struct err *e)
{
	struct observe *ob = calloc(1, sizeof(*ob));
	if (!ob)
		return err_set(e, ENOMEM, "out of memory");
	if (o->trace) {
		char exe[512];
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		exe[n > 0 ? n : 0] = '\0';
		struct trace_opts to = {.probes = o->probes,
					.usdt_pid = getpid(),
					.usdt_binary = exe,
					.filter_pid = getpid(),
					.events = o->events};
		if (trace_open(&to, &ob->t, e)) {
			free(ob);
			return err_wrap(e, "--trace");
		}
		trace_report(ob->t, report);
		ob->hist = open_csv(dir, "trace_hist.csv", "case,probe,lo_ns,hi_ns,count", e);
		ob->calls =
		    ob->hist ? open_csv(dir, "trace_calls.csv", "case,probe,calls,bytes,fails", e)
			     : NULL;
		if (ob->calls && o->events)
			ob->events = open_csv(dir, "trace_events.csv", NULL, e);
		if (!ob->calls ||
		    (o->events && (!ob->events || trace_events_start(ob->t, ob->events, e)))) {
			observe_close(ob);
			return -e->code;
		}
	}
	if (o->counters) {
		if (perf_set_open(&ob->ps, o->events_spec, o->bdf, e)) {
			observe_close(ob);
			return err_wrap(e, "--counters");
		}
		ob->counters = true;
		fprintf(report, "counters:\n");
		perf_set_report(&ob->ps, report);
	}
	*out = ob;
	return 0;
}

void observe_set_lba_shift(struct observe *ob, unsigned shift)
{
	if (ob && ob->t)
		trace_set_lba_shift(ob->t, shift);
}

void observe_case_begin(struct observe *ob, unsigned index, const char *case_id)
{
	if (!ob)
		return;
	if (ob->t)
		trace_set_case(ob->t, index, case_id);
	if (ob->counters)
		perf_set_begin(&ob->ps);
}

int observe_case_end(struct observe *ob, unsigned index, const char *case_id, FILE *counters,
		     struct err *e)
{
	if (!ob)
		return 0;
	if (ob->counters)
		perf_set_write(&ob->ps, case_id, counters);
	if (ob->t && trace_write_case(ob->t, index, ob->hist, ob->calls, counters, e))
		return -e->code;
	if ((ob->hist && (fflush(ob->hist) || ferror(ob->hist))) ||
	    (ob->calls && (fflush(ob->calls) || ferror(ob->calls))))
		return err_set(e, EIO, "writing the trace files failed (disk full?)");
	return 0;
}

const struct perf_set *observe_counters(const struct observe *ob)
{
	return ob && ob->counters ? &ob->ps : NULL;
}

void observe_close(struct observe *ob)
{
	if (!ob)
		return;
	if (ob->t && trace_events_dropped(ob->t))
		fprintf(stderr,
			"iotlbench: %llu trace events dropped (ring buffer full): trace_events.csv "
			"is incomplete; the histograms are not affected\n",
			(unsigned long long)trace_events_dropped(ob->t));
	if (ob->t && trace_timing_lost(ob->t))
		fprintf(stderr,
			"iotlbench: %llu timed probe exits had no entry time (a probe attached "
			"mid-call, or threads sharing a timing slot): those calls are counted "
			"without a duration\n",
			(unsigned long long)trace_timing_lost(ob->t));
	if (ob->t)
		trace_print_attribution(ob->t, stderr);
	trace_close(ob->t);
	if (ob->counters)
		perf_set_close(&ob->ps);
	if (ob->hist)
		fclose(ob->hist);
	if (ob->calls)
		fclose(ob->calls);
	if (ob->events)
		fclose(ob->events);
	free(ob);
}
