/* pages = auto: find the largest page count whose I/Os do not miss the
 * IOTLB, from latency alone (it must work on a real IOMMU, where no model
 * counters exist), as lmbench-style cache-size tools do: a baseline at one
 * page, doubling from 1 until the median has clearly stepped, then
 * bisection between the last point that fits and the first that misses,
 * to one page. Every point measured is an ordinary results.csv row (its
 * `search` column says auto, `verdict` what the search concluded).
 *
 * The verdict at a point is the share of I/Os in the slow mode, not the
 * median: a random-replacement IOTLB one entry past its reach misses a few
 * per cent of I/Os, which leave the median where it was. The threshold
 * between the modes sits halfway from the median of the first clearly
 * stepped point's reference to its own, so a plateau that creeps up slowly
 * (real hardware: ~30 ns over 8..64 pages before a ~230 ns step) stays
 * below it, where a "rise of any size" rule would take the creep for the
 * step. The slow band ends one step above the slow median, leaving out
 * the scheduler's outliers.
 *
 * Every point after the baseline is measured against a reference beside
 * it in time: its I/Os are cut into CHUNKS rounds, each run right after
 * as many I/Os on page 0 alone (reuse_point_paired), so what the host does
 * to latency over a search (another process's load coming and going, a
 * co-tenant's memory traffic, frequency changes) moves both alike. A
 * baseline measured once at the start could not cancel it: on a CI host a
 * 2-page point was judged to miss twice against it and the search
 * reported 1 page for a 120-entry IOTLB, and a burst of memory traffic
 * over the baseline's runs once asked for a rise larger than the step.
 *
 * The noise is measured, not assumed: per round the slow share of the
 * point minus that of its reference, the point's excess is their median
 * and its uncertainty from their spread (a burst of load from another
 * process shifts a few rounds, not the median, and widens the spread
 * instead of faking a step). A point misses when its excess is above a
 * small floor by more than Z standard errors, fits when below it by as
 * much; in between its budget doubles (up to max_ios). The reference
 * I/Os are not rows: they are part of how a point is measured, as its
 * warm-up is. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver/mem/mem.h"
#include "micro/kinds/keys.h"
#include "micro/kinds/reuse.h"

/* A median rise smaller than this is taken for drift, not a miss step:
 * the smallest miss penalty of the validation presets is 50 ns, the creep
 * of the measured plateaus 30 ns. */
#define STEP_MIN_NS 50
/* ... and smaller than this many standard errors of it, from how far the
 * rise moves from one round to the next. Not the width of the latency
 * distribution (p90 - p50): on a host shared with other work the fast mode
 * widens by more than a miss costs (seen: a 235 ns step never found), and
 * not how far the baseline's median moves over time: a burst of memory
 * traffic lifts whole rounds of the baseline by more than a step, and the
 * rule then asked for more than the step (seen under AddressSanitizer),
 * while the point's rise over its reference beside it holds still. */
#define STEP_SES 8
/* Standard errors a verdict must clear either way. */
#define Z 3.0
/* Excess slow share over the baseline's below which a point fits, however
 * quiet the runs look: on a host loaded several times over, the slow-band
 * share of points that never miss wanders between 0.4 and 2 % (measured
 * on the emulator under a load average of 12 on 2 CPUs). One page past the
 * reach of a 64- or 120-entry random-replacement IOTLB misses on 1.5 to
 * 3.5 % of I/Os, enough; a 256-entry one on ~0.8 %, not (the search may
 * then report one page more than fits). Resolving it takes about
 * (Z / FLOOR)^2 x (noise share) I/Os per point. */
#define FLOOR 0.01
/* The baseline's budget in units of ios: the row that shows a reader the
 * latency of one page alone. */
#define BASE_X 4
/* Rounds a point's I/Os are cut into, each beside its own reference (the
 * median of 16 resists a burst over up to 7 of them). */
#define CHUNKS 16
/* Memory a search may populate (anonymous or THP backing), and the
 * address space it may reserve as sparse memory: 1 TiB, 1024 pages of
 * 1 GiB (a 64-entry random-replacement IOTLB only shows a clear median
 * step at twice its entries: 128), in a 47-bit user address space and the
 * model's 48-bit IOVA space. */
#define POPULATED_MAX (1ull << 30)
#define SPARSE_MAX    (1ull << 40)

#define MAX_POINTS 96

enum verdict { V_FITS, V_MISSES, V_UNSURE };

struct point {
	uint64_t pages, n;
	struct hist *h;
	struct samples v;   /* every timed sample, in order */
	struct samples ref; /* the reference's samples, round by round */
	double share, var;  /* median excess slow share over the rounds, its variance */
	struct ctr_set ctr; /* over the timed part */
	double iops;
	unsigned seq; /* visit order: the row's id suffix */
	bool done;    /* written */
};

struct search {
	struct reuse *x;
	uint64_t ios, max_ios;
	struct point pt[MAX_POINTS];
	unsigned npt;
	uint64_t thr; /* threshold (0 until known) */
	uint64_t top; /* top of the slow band: one step above the slow median */
};

static void sort(double *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
			double t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* The q-quantile of n samples (0 for none or out of memory). */
static uint64_t quantile_of(const uint64_t *v, size_t n, double q)
{
	uint64_t *c = n ? malloc(n * sizeof(*c)) : NULL;
	if (!c)
		return 0;
	memcpy(c, v, n * sizeof(*c));
	qsort(c, n, sizeof(*c), cmp_u64);
	uint64_t m = c[(size_t)(q * (double)(n - 1) + 0.5)];
	free(c);
	return m;
}

/* The median of CHUNKS values and their spread as a standard deviation,
 * from the median absolute deviation (x 1.4826 for a normal spread); v is
 * left sorted. */
static double median_sd(double *v, double *sd)
{
	double dev[CHUNKS];
	sort(v, CHUNKS);
	double med = (v[CHUNKS / 2 - 1] + v[CHUNKS / 2]) / 2;
	for (unsigned k = 0; k < CHUNKS; k++)
		dev[k] = v[k] > med ? v[k] - med : med - v[k];
	sort(dev, CHUNKS);
	*sd = 1.4826 * (dev[CHUNKS / 2 - 1] + dev[CHUNKS / 2]) / 2;
	return med;
}

/* Per round in time, the share of a run's samples in the slow band
 * [thr, top) (a miss adds its penalty, so slow samples sit around the
 * stepped median; what lies far above it, preemption and interrupts on a
 * loaded host, is left out). */
static void round_shares(const struct search *s, const struct samples *v, int64_t shift, double *sh)
{
	size_t per = v->n / CHUNKS;
	uint64_t lo = (uint64_t)((int64_t)s->thr + shift), hi = (uint64_t)((int64_t)s->top + shift);
	for (unsigned k = 0; k < CHUNKS; k++) {
		size_t in = 0;
		for (size_t i = k * per; i < (k + 1) * per; i++)
			in += v->v[i] >= lo && v->v[i] < hi;
		sh[k] = per ? (double)in / (double)per : 0;
	}
}

/* The point's excess slow share over its reference: the median over the
 * rounds of (point's share - reference's share) and its variance,
 * pi/2 sigma^2 / CHUNKS for a median, sigma from the rounds' median
 * absolute deviation (x 1.4826 for a normal spread) but never below the
 * binomial spread of one round's two shares. */
static void slow_share(const struct search *s, struct point *p)
{
	double sp[CHUNKS], sr[CHUNKS], d[CHUNKS];
	/* The reference's band moves with the fast mode: a point over several
	 * pages runs a few ns slower than one page alone even where nothing
	 * misses (caches, the model's lookups), and where the band's lower
	 * edge meets the fast mode's tail a shift of 10 ns moves ~1 % of the
	 * I/Os across it (seen: 2 to 4 pages of a 64-entry IOTLB judged to
	 * miss under AddressSanitizer, 1.3 % over a reference 10 ns faster).
	 * The shift is read at the 10th percentile, which misses of a few per
	 * cent hardly move (the slow mode lies above it), and held within a
	 * quarter of the step, which a point that misses throughout does not
	 * hide behind. */
	int64_t shift = (int64_t)quantile_of(p->v.v, p->v.n, 0.1) -
			(int64_t)quantile_of(p->ref.v, p->ref.n, 0.1);
	int64_t cap = (int64_t)(s->top - s->thr) / 6; /* top - thr = 1.5 steps */
	shift = shift > cap ? cap : shift < -cap ? -cap : shift;
	round_shares(s, &p->v, 0, sp);
	round_shares(s, &p->ref, -shift, sr);
	double bin = 0;
	size_t per = p->v.n / CHUNKS, rper = p->ref.n / CHUNKS;
	for (unsigned k = 0; k < CHUNKS; k++) {
		d[k] = sp[k] - sr[k];
		/* A share of 0 still has the spread of one sample in the run. */
		double a = sp[k] > 0 ? sp[k] : 1.0 / (double)(per ? per : 1);
		double b = sr[k] > 0 ? sr[k] : 1.0 / (double)(rper ? rper : 1);
		bin +=
		    (per ? a * (1 - a) / (double)per : 1) + (rper ? b * (1 - b) / (double)rper : 1);
	}
	bin /= CHUNKS;
	double sd, med = median_sd(d, &sd), var = sd * sd;
	if (var < bin)
		var = bin;
	p->share = med;
	p->var = 1.5708 * var / CHUNKS;
}

/* Measures `pages` with n timed I/Os into a new point, beside its
 * reference unless it is the baseline (`alone`). */
static int measure(struct search *s, uint64_t pages, uint64_t n, bool alone, unsigned *idx,
		   struct err *e)
{
	if (s->npt == MAX_POINTS)
		return err_set(e, E2BIG, "pages = auto: more than %d points measured", MAX_POINTS);
	struct point *p = &s->pt[s->npt];
	memset(p, 0, sizeof(*p));
	p->h = malloc(sizeof(*p->h));
	if (!p->h)
		return err_set(e, ENOMEM, "out of memory");
	samples_init(&p->v, 1);
	samples_init(&p->ref, 1);
	int rc = reuse_buf(s->x, pages, e);
	struct ctr_set before, after;
	uint64_t t0 = 0, ticks = 0;
	if (!rc && alone) {
		rc = reuse_point(s->x, pages, n, p->h, &p->v, &before, &t0, e);
		ticks = timer_ticks() - t0;
		ctr_read(s->x->r->be, &after);
		ctr_zero_like(&p->ctr, &after);
		ctr_accumulate(&p->ctr, &before, &after);
	} else if (!rc) {
		rc = reuse_point_paired(s->x, pages, n, CHUNKS, p->h, &p->v, &p->ref, &p->ctr,
					&ticks, e);
	}
	if (!rc && (p->v.failed || p->ref.failed))
		rc = err_set(e, ENOMEM, "out of memory for %llu samples", (unsigned long long)n);
	if (rc) {
		free(p->h);
		samples_free(&p->v);
		samples_free(&p->ref);
		return rc;
	}
	uint64_t el = timer_ns(ticks);
	p->iops = el ? (double)n * 1e9 / (double)el : 0;
	p->pages = pages;
	p->n = n;
	p->seq = s->npt + 1;
	*idx = s->npt++;
	return 0;
}

/* Writes point i as a row with its verdict. */
static int emit(struct search *s, unsigned i, const char *verdict, struct err *e)
{
	struct point *p = &s->pt[i];
	if (p->done)
		return 0;
	char suffix[16];
	snprintf(suffix, sizeof(suffix), "a%02u", p->seq);
	struct result_row row;
	reuse_row(s->x, &row, suffix, p->pages, p->n);
	row.iops = p->iops;
	row.verdict = verdict;
	p->done = true;
	int rc = case_emit(s->x->r, &row, p->h, &p->ctr, e);
	free(p->h);
	p->h = NULL;
	samples_free(&p->v);
	samples_free(&p->ref);
	return rc;
}

static enum verdict judge(const struct search *s, struct point *p)
{
	slow_share(s, p);
	double d = p->share, var = p->var, fl = FLOOR;
	/* d - Z se > floor and d + Z se < floor, squared (no libm). */
	if (d > fl && (d - fl) * (d - fl) > Z * Z * var)
		return V_MISSES;
	if (d < fl && (fl - d) * (fl - d) > Z * Z * var)
		return V_FITS;
	return V_UNSURE;
}

/* The verdict of point i, measuring its page count again with twice the
 * I/Os while it is within the noise, up to max_ios; still within it at the
 * cap, it fits: a miss is claimed only where the data show one (letting
 * the side of the floor decide there once turned an excess of 1.2 %, the
 * fast mode's tail against a 10 ns timer step, into a false miss at 62 of
 * 62 pages under AddressSanitizer). A "misses" must be seen twice in a row: a burst of
 * load that outlasts half a point's runs looks like a few per cent of
 * misses, one that lifts the whole point like a majority of them; a second
 * measurement rarely meets one again, and a real edge misses both times.
 * Every measurement is written. */
static int decide(struct search *s, unsigned i, enum verdict *out, struct err *e)
{
	bool seen = false;
	for (;;) {
		struct point *p = &s->pt[i];
		enum verdict v = judge(s, p);
		bool capped = p->n * 2 > s->max_ios;
		if (v == V_UNSURE && capped)
			v = V_FITS;
		uint64_t n = p->n;
		if (v == V_MISSES && !seen) {
			seen = true;
		} else if (v != V_UNSURE) {
			*out = v;
			return emit(s, i, v == V_MISSES ? "misses" : "fits", e);
		} else {
			n *= 2;
		}
		uint64_t pages = p->pages;
		int rc = emit(s, i, "unsure", e);
		if (!rc)
			rc = measure(s, pages, n, false, &i, e);
		if (rc)
			return rc;
	}
}

/* The most pages the case's memory allows: sparse memory costs address
 * space only, hugetlb pages come from the pool's free pages, populated
 * memory is capped so that a search on a shared host stays small. */
static uint64_t page_limit(const struct reuse *x, const char **why)
{
	uint64_t ps = x->c->v[P_PAGE_SIZE], kind = x->c->v[P_BACKING], lim;
	if (kind == MEM_KIND_DEFAULT)
		kind = ps == MEM_4K ? MEM_KIND_ANON : MEM_KIND_HUGETLB;
	if (kind == MEM_KIND_SPARSE) {
		lim = SPARSE_MAX / ps;
		*why = "the 1 TiB of address space a sparse search may reserve";
	} else if (ps > MEM_4K && (kind == MEM_KIND_HUGETLB || kind == MEM_KIND_MEMFD)) {
		uint64_t nfree = 0, total = 0;
		lim = mem_hugepool(ps, &nfree, &total) == 0 ? nfree : 0;
		*why = "the free hugepages of the pool (backing = sparse on emu needs none)";
	} else {
		lim = POPULATED_MAX / ps;
		*why = "the 1 GiB a search may populate (backing = sparse on emu populates none)";
	}
	return lim < (1u << 20) ? lim : (1u << 20);
}

/* The median of each of the CHUNKS runs of v, in ns. */
static void run_medians(const struct samples *v, double *med)
{
	size_t per = v->n / CHUNKS;
	for (unsigned k = 0; k < CHUNKS; k++)
		med[k] = (double)quantile_of(v->v + k * per, per, 0.5);
}

/* Whether the point's median has clearly stepped over its reference's:
 * per round, the point's median minus its reference's; their median must
 * be at least STEP_MIN_NS and STEP_SES standard errors (a median of 16:
 * 1.25 sigma / 4, sigma from the rounds' median absolute deviation). A
 * step moves every round alike; a burst moves some rounds, not the median,
 * and widens the spread. */
static bool stepped_over(const struct point *p)
{
	double a[CHUNKS], b[CHUNKS], d[CHUNKS];
	run_medians(&p->v, a);
	run_medians(&p->ref, b);
	for (unsigned k = 0; k < CHUNKS; k++)
		d[k] = a[k] - b[k];
	double sd, med = median_sd(d, &sd), se = 1.25 * sd / 4;
	return med >= STEP_MIN_NS && med >= STEP_SES * se;
}

static void drop(struct search *s)
{
	for (unsigned i = 0; i < s->npt; i++) {
		free(s->pt[i].h);
		samples_free(&s->pt[i].v);
		samples_free(&s->pt[i].ref);
	}
}

/* Writes the points not yet written with no verdict of their own. */
static int flush_rest(struct search *s, const char *verdict, struct err *e)
{
	int rc = 0;
	for (unsigned i = 0; !rc && i < s->npt; i++)
		rc = emit(s, i, verdict, e);
	return rc;
}

int reuse_auto(struct reuse *x, struct err *e)
{
	struct search *s = calloc(1, sizeof(*s));
	if (!s)
		return err_set(e, ENOMEM, "out of memory");
	s->x = x;
	s->ios = x->c->v[P_IOS];
	s->max_ios = x->c->v[P_MAX_IOS] ? x->c->v[P_MAX_IOS] : 16 * s->ios;
	const char *why = "";
	uint64_t limit = page_limit(x, &why);
	unsigned base, stepped = 0, first_d = 0;
	int rc = limit ? measure(s, 1, BASE_X * s->ios, true, &base, e)
		       : err_set(e, ENOMEM, "pages = auto: no memory for one page (%s)", why);
	if (rc)
		goto out;
	/* Doubling: until the median has clearly stepped. */
	first_d = s->npt;
	for (uint64_t p = 1; !stepped && p < limit;) {
		p = 2 * p < limit ? 2 * p : limit;
		unsigned i;
		rc = measure(s, p, s->ios, false, &i, e);
		if (rc == -ENOMEM) {
			err_wrap(e,
				 "pages = auto: no step up to %llu pages; %llu pages do not fit in "
				 "memory",
				 (unsigned long long)s->pt[s->npt - 1].pages,
				 (unsigned long long)p);
			break;
		}
		if (rc)
			goto out;
		if (!stepped_over(&s->pt[i]))
			continue;
		/* A burst of load can lift one point's median past the rise (seen
		 * under AddressSanitizer on a busy host: a false step at 32 pages
		 * put the threshold within the noise and the search ended at 28 of
		 * 62). The page count is measured again: a step is in both, a
		 * burst rarely is; an unconfirmed point is written as unsure. */
		unsigned j;
		rc = measure(s, p, s->ios, false, &j, e);
		if (rc)
			goto out;
		if (stepped_over(&s->pt[j]))
			stepped = j;
		else if ((rc = emit(s, i, "unsure", e)))
			goto out;
	}
	if (!stepped) {
		uint64_t top = s->pt[s->npt - 1].pages;
		if (!rc)
			rc = err_set(
			    e, ENOSPC,
			    "pages = auto: no step up to %llu pages, the most %s allows: "
			    "the IOTLB holds them all, its misses cost less than %d ns, or the "
			    "host's latency moved too much between rounds to tell (rerun on a "
			    "quieter host)",
			    (unsigned long long)top, why, STEP_MIN_NS);
		struct err ignore;
		flush_rest(s, "unsure", &ignore);
		goto out;
	}
	/* The band from the stepped point and its own reference, measured in
	 * the same rounds. */
	const struct point *st = &s->pt[stepped];
	uint64_t m1 = hist_quantile(st->h, 0.5), m0 = quantile_of(st->ref.v, st->ref.n, 0.5);
	s->thr = m0 + (m1 - m0) / 2;
	s->top = m1 + (m1 - m0);
	rc = emit(s, base, "baseline", e);
	/* The bracket: the doubling points in order, the first that misses. */
	uint64_t lo = 1, hi = 0;
	for (unsigned i = first_d; !rc && !hi && i <= stepped; i++) {
		if (s->pt[i].done) /* an unconfirmed step, written as unsure */
			continue;
		enum verdict v = V_FITS;
		rc = decide(s, i, &v, e);
		if (v == V_MISSES)
			hi = s->pt[i].pages;
		else
			lo = s->pt[i].pages;
	}
	/* Points past the bracket are written with their one-shot verdict. */
	for (unsigned i = first_d; !rc && i < s->npt; i++)
		if (!s->pt[i].done)
			rc = emit(s, i, judge(s, &s->pt[i]) == V_MISSES ? "misses" : "unsure", e);
	/* The stepped point's median rose twice by the step, so its slow band
	 * holds most of its I/Os; judged to fit, the host's latency changed
	 * under the search, and no answer beats a wrong one. */
	if (!rc && !hi)
		rc = err_set(e, EAGAIN,
			     "pages = auto: the step seen at %llu pages did not hold when measured "
			     "again (the host's latency changed during the search): run on a "
			     "quieter host, or raise ios",
			     (unsigned long long)s->pt[stepped].pages);
	/* Bisection to one page. */
	while (!rc && hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;
		unsigned i;
		enum verdict v = V_FITS;
		rc = measure(s, mid, s->ios, false, &i, e);
		if (!rc)
			rc = decide(s, i, &v, e);
		if (v == V_MISSES)
			hi = mid;
		else
			lo = mid;
	}
out:
	drop(s);
	free(s);
	return rc;
}
