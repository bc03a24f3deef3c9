/* Reading the tracer's maps: per-case rows for the dataset, the live view,
 * and the ring-buffer timeline. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bpf/probe_table.h"
#include "bpf/trace_internal.h"

void trace_bucket_bounds(unsigned i, uint64_t *lo, uint64_t *hi)
{
	if (i < TR_SUB) {
		*lo = i;
		*hi = i + 1;
		return;
	}
	unsigned shift = i / TR_SUB - 1, sub = i % TR_SUB;
	*lo = (uint64_t)(TR_SUB + sub) << shift;
	*hi = (uint64_t)(TR_SUB + sub + 1) << shift;
}

const char *trace_case_name(struct trace *t, uint32_t index, char *buf, size_t len)
{
	if (index < t->ncase_names && t->case_names[index])
		return t->case_names[index];
	snprintf(buf, len, "%u", index);
	return buf;
}

static uint32_t hist_key(uint32_t case_index, uint32_t probe)
{
	return (case_index % TR_CASE_SLOTS) * TR_NPROBES + probe;
}

static void zero_slot(struct trace *t, uint32_t index)
{
	static const struct tr_hist zero;
	int fd = bpf_map__fd(t->skel->maps.hists);
	for (uint32_t p = 0; p < TR_NPROBES; p++) {
		uint32_t k = hist_key(index, p);
		bpf_map_update_elem(fd, &k, &zero, BPF_ANY);
	}
}

void trace_set_case(struct trace *t, uint32_t index, const char *name)
{
	pthread_mutex_lock(&t->lock);
	if (index >= t->ncase_names) {
		uint32_t n = index + 64;
		char **p = realloc(t->case_names, n * sizeof(*p));
		if (p) {
			memset(p + t->ncase_names, 0, (n - t->ncase_names) * sizeof(*p));
			t->case_names = p;
			t->ncase_names = n;
		}
	}
	if (index < t->ncase_names && name) {
		free(t->case_names[index]);
		t->case_names[index] = strdup(name);
	}
	pthread_mutex_unlock(&t->lock);
	/* The slot may hold what a case that was never written out left. */
	zero_slot(t, index);
	t->skel->bss->cur_case = index;
}

int trace_write_case(struct trace *t, uint32_t index, FILE *hist, FILE *calls, FILE *counters,
		     struct err *e)
{
	int fd = bpf_map__fd(t->skel->maps.hists);
	char nbuf[16];
	pthread_mutex_lock(&t->lock);
	const char *cname = trace_case_name(t, index, nbuf, sizeof(nbuf));
	struct tr_hist *h = malloc(sizeof(*h));
	if (!h) {
		pthread_mutex_unlock(&t->lock);
		return err_set(e, ENOMEM, "out of memory");
	}
	for (unsigned i = 0; i < probe_ndefs; i++) {
		const struct probe_def *d = &probe_defs[i];
		if (t->st[d->id].state != TS_ATTACHED)
			continue;
		uint32_t k = hist_key(index, d->id);
		if (bpf_map_lookup_elem(fd, &k, h))
			memset(h, 0, sizeof(*h));
		for (unsigned b = 0; hist && b < TR_BUCKETS; b++) {
			if (!h->b[b])
				continue;
			uint64_t lo, hi;
			trace_bucket_bounds(b, &lo, &hi);
			fprintf(hist, "%s,%s,%llu,%llu,%llu\n", cname, d->name,
				(unsigned long long)lo, (unsigned long long)hi,
				(unsigned long long)h->b[b]);
		}
		if (calls)
			fprintf(calls, "%s,%s,%llu,%llu,%llu\n", cname, d->name,
				(unsigned long long)h->calls, (unsigned long long)h->bytes,
				(unsigned long long)h->fails);
		if (counters) {
			fprintf(counters, "%s,bpf,%s.calls,%llu,,\n", cname, d->name,
				(unsigned long long)h->calls);
			fprintf(counters, "%s,bpf,%s.bytes,%llu,,\n", cname, d->name,
				(unsigned long long)h->bytes);
		}
	}
	pthread_mutex_unlock(&t->lock);
	free(h);
	zero_slot(t, index);
	return 0;
}

/* ---- live view ---- */

static void bar(FILE *f, uint64_t v, uint64_t max)
{
	int n = max ? (int)((v * 52 + max - 1) / max) : 0;
	fputc('|', f);
	for (int i = 0; i < 52; i++)
		fputc(i < n ? '@' : ' ', f);
	fputs("|\n", f);
}

static void human(char *buf, size_t len, uint64_t v)
{
	static const char *const unit[] = {"", "K", "M", "G", "T"};
	int u = 0;
	while (v >= 1024 && (v & 1023) == 0 && u < 4) {
		v >>= 10;
		u++;
	}
	snprintf(buf, len, "%llu%s", (unsigned long long)v, unit[u]);
}

void trace_print_live(struct trace *t, FILE *f)
{
	int fd = bpf_map__fd(t->skel->maps.hists);
	struct tr_hist *sum = calloc(TR_NPROBES, sizeof(*sum));
	struct tr_hist *h = malloc(sizeof(*h));
	if (!sum || !h) {
		free(sum);
		free(h);
		return;
	}
	for (uint32_t k = 0; k < TR_CASE_SLOTS * TR_NPROBES; k++) {
		if (bpf_map_lookup_elem(fd, &k, h) || !h->calls)
			continue;
		struct tr_hist *s = &sum[k % TR_NPROBES];
		s->calls += h->calls;
		s->bytes += h->bytes;
		s->fails += h->fails;
		s->sum_ns += h->sum_ns;
		for (unsigned b = 0; b < TR_BUCKETS; b++)
			s->b[b] += h->b[b];
	}
	time_t now = time(NULL);
	char ts[32];
	strftime(ts, sizeof(ts), "%H:%M:%S", localtime(&now));
	fprintf(f, "---- %s ----\n", ts);
	for (unsigned i = 0; i < probe_ndefs; i++) {
		const struct probe_def *d = &probe_defs[i];
		const struct tr_hist *s = &sum[d->id];
		if (t->st[d->id].state != TS_ATTACHED)
			continue;
		fprintf(f, "@%s: calls %llu, bytes %llu, failed %llu", d->name,
			(unsigned long long)s->calls, (unsigned long long)s->bytes,
			(unsigned long long)s->fails);
		uint64_t timed = 0;
		/* bpftrace's hist(): power-of-two rows; our 8 sub-buckets fold in. */
		uint64_t p2[64] = {0};
		for (unsigned b = 0; b < TR_BUCKETS; b++) {
			if (!s->b[b])
				continue;
			uint64_t lo, hi;
			trace_bucket_bounds(b, &lo, &hi);
			unsigned l = lo ? 63u - (unsigned)__builtin_clzll(lo) + 1 : 0;
			p2[l] += s->b[b];
			timed += s->b[b];
		}
		if (!timed) {
			fputs(d->kind == PK_TRACEPOINT ? " (tracepoint: no durations)\n" : "\n", f);
			continue;
		}
		fprintf(f, ", mean %.0f ns\n", (double)s->sum_ns / (double)timed);
		uint64_t max = 0;
		int first = -1, last = -1;
		for (int l = 0; l < 64; l++)
			if (p2[l]) {
				max = p2[l] > max ? p2[l] : max;
				first = first < 0 ? l : first;
				last = l;
			}
		for (int l = first; l <= last; l++) {
			char a[24], b[24], r[56];
			human(a, sizeof(a), l ? 1ull << (l - 1) : 0);
			human(b, sizeof(b), 1ull << l);
			snprintf(r, sizeof(r), "[%s, %s)", a, b);
			fprintf(f, "%-18s %8llu ", r, (unsigned long long)p2[l]);
			bar(f, p2[l], max);
		}
	}
	trace_print_attribution(t, f);
	if (t->skel->bss->events_dropped)
		fprintf(f, "(%llu ring-buffer events dropped)\n",
			(unsigned long long)t->skel->bss->events_dropped);
	fflush(f);
	free(sum);
	free(h);
}

/* ---- ring buffer ---- */

static int on_event(void *ctx, void *data, size_t len)
{
	struct trace *t = ctx;
	const struct tr_event *ev = data;
	if (len < sizeof(*ev))
		return 0;
	const struct probe_def *d = probe_by_id(ev->probe);
	char nbuf[16];
	pthread_mutex_lock(&t->lock);
	fprintf(t->events_f, "%s,%s,%llu,%u,%llu,0x%llx,%llu,%lld\n",
		trace_case_name(t, ev->case_id, nbuf, sizeof(nbuf)), d ? d->name : "?",
		(unsigned long long)ev->ts_ns, ev->tid, (unsigned long long)ev->dur_ns,
		(unsigned long long)ev->addr, (unsigned long long)ev->bytes, (long long)ev->result);
	pthread_mutex_unlock(&t->lock);
	return 0;
}

static void *events_loop(void *arg)
{
	struct trace *t = arg;
	while (!t->events_stop)
		ring_buffer__poll(t->rb, 100);
	return NULL;
}

int trace_events_start(struct trace *t, FILE *f, struct err *e)
{
	t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.events), on_event, t, NULL);
	if (!t->rb)
		return err_set(e, errno, "creating the ring-buffer reader failed: %s",
			       strerror(errno));
	t->events_f = f;
	fprintf(f, "case,probe,ts_ns,tid,dur_ns,addr,bytes,result\n");
	if (pthread_create(&t->events_thread, NULL, events_loop, t))
		return err_set(e, EAGAIN, "starting the ring-buffer reader thread failed");
	t->events_running = 1;
	return 0;
}

bool trace_attribution(const struct trace *t, uint32_t probe_id, struct trace_attr *a)
{
	uint32_t i = probe_id - TR_TP_MAP;
	if (!t->filter_pid || probe_id < TR_TP_MAP || i >= TR_NTP)
		return false;
	a->kept = t->skel->bss->attr_kept[i];
	a->foreign = t->skel->bss->attr_foreign[i];
	a->left = t->skel->bss->attr_left[i];
	return true;
}

/* How each tracepoint was attributed: the rule, then the three counts;
 * a tracepoint that has not fired is not mentioned. */
void trace_print_attribution(const struct trace *t, FILE *f)
{
	static const char *const rule[TR_NTP] = {
	    [TR_TP_MAP - TR_TP_MAP] = "in its context",
	    [TR_TP_UNMAP - TR_TP_MAP] = "by IOVA it mapped",
	    [TR_TP_FAULT - TR_TP_MAP] = "every fault, any process",
	    [TR_TP_QI_SUBMIT - TR_TP_MAP] = "by IOVA range after its map/unmap",
	    [TR_TP_FLUSH - TR_TP_MAP] = "by IOVA range after its unmap",
	    [TR_TP_FLUSH_NP - TR_TP_MAP] = "by IOVA range after its map",
	};
	for (unsigned i = 0; i < probe_ndefs; i++) {
		const struct probe_def *d = &probe_defs[i];
		struct trace_attr a;
		if (t->st[d->id].state != TS_ATTACHED || !trace_attribution(t, d->id, &a) ||
		    !(a.kept | a.left))
			continue;
		fprintf(f,
			"attribution %s to process %d (%s): %llu counted, %llu of them while "
			"another process was on the CPU (interrupts); %llu left out (not its)\n",
			d->name, (int)t->filter_pid, rule[d->id - TR_TP_MAP],
			(unsigned long long)a.kept, (unsigned long long)a.foreign,
			(unsigned long long)a.left);
	}
}

uint64_t trace_timing_lost(const struct trace *t)
{
	return t->skel->bss->timing_lost;
}

uint64_t trace_events_dropped(const struct trace *t)
{
	return t->skel->bss->events_dropped;
}
