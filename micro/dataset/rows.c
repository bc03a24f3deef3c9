#include "micro/dataset/rows.h"

#include <errno.h>
#include <stdio.h>

#include "micro/dataset/rounds.h"

static void opt_u64(FILE *f, int has, uint64_t v)
{
	if (has)
		fprintf(f, ",%llu", (unsigned long long)v);
	else
		fputs(",", f);
}

/* The results.csv row and its latency_hist.csv buckets. */
static void write_result(struct dataset *d, const struct result_row *row, const struct hist *h)
{
	FILE *f = d->results;
	fprintf(f, "%s,%s,%s,%llu,%s", row->case_id, row->kind, row->backend,
		(unsigned long long)row->page_size, row->op);
	opt_u64(f, row->has_io, row->io_size);
	opt_u64(f, row->has_qd, row->qd);
	opt_u64(f, row->has_qd || row->has_threads, row->threads);
	opt_u64(f, row->has_pages, row->pages);
	opt_u64(f, row->has_map_size, row->map_size);
	opt_u64(f, row->has_mappings, row->mappings);
	const struct row_moments *m = row->moments;
	if (m) {
		/* ops, mean, p50 ... p99.99, max, iops: only the mean is known. */
		fprintf(f, ",%s,,%.1f,,,,,,,", row->churn, m->mean_ns);
	} else {
		fprintf(f, ",%s,%llu", row->churn, (unsigned long long)h->count);
		const double qs[] = {0.5, 0.9, 0.99, 0.999, 0.9999};
		fprintf(f, ",%.1f", hist_mean(h));
		for (unsigned i = 0; i < 5; i++)
			fprintf(f, ",%llu", (unsigned long long)hist_quantile(h, qs[i]));
		fprintf(f, ",%llu,%.1f", (unsigned long long)(h->count ? h->max : 0), row->iops);
	}
	opt_u64(f, row->has_mem, row->mem_bytes);
	fprintf(f, ",%s", row->order ? row->order : "");
	opt_u64(f, row->has_other, row->other_pages);
	opt_u64(f, row->has_other, row->other_page_size);
	fprintf(f, ",%s,%s", row->search ? row->search : "", row->verdict ? row->verdict : "");
	if (m)
		fprintf(f, ",%.1f", m->stddev_ns);
	else
		fputc(',', f);
	fprintf(f, ",%s", row->dma_dir ? row->dma_dir : "");
	opt_u64(f, row->has_trans, row->dma_trans_ns);
	fputc('\n', f);
	for (unsigned i = 0; !m && i < HIST_BUCKETS; i++) {
		if (!h->b[i])
			continue;
		uint64_t lo, hi;
		hist_bounds(i, &lo, &hi);
		fprintf(d->hist, "%s,%llu,%llu,%llu\n", row->case_id, (unsigned long long)lo,
			(unsigned long long)hi, (unsigned long long)h->b[i]);
	}
}

/* A row held over rounds (rounds.h): its sum, written, then let go. */
static void write_held(struct dataset *d, struct round_acc *a)
{
	struct result_row sum;
	rounds_row(a, &sum);
	write_result(d, &sum, a->h);
	rounds_forget(d, a);
}

static int write_error(struct dataset *d, struct err *e)
{
	if (ferror(d->results) || ferror(d->hist) || ferror(d->counters) ||
	    (d->raw && ferror(d->raw)))
		return err_set(e, EIO, "writing the dataset in %s failed (disk full?)", d->dir);
	return 0;
}

int dataset_emit_row(struct dataset *d, const struct result_row *row, const struct hist *h,
		     const struct ctr_set *ctr, struct err *e)
{
	/* Counters and raw samples are per-I/O sums: written every round. */
	for (unsigned i = 0; ctr && i < ctr->n; i++)
		fprintf(d->counters, "%s,%s,%s,%llu,,\n", row->case_id, ctr->source, ctr->name[i],
			(unsigned long long)ctr->val[i]);
	if (row->raw && row->raw->on) {
		if (!d->raw && dataset_open_raw(d, e))
			return -e->code;
		for (size_t i = 0; i < row->raw->n; i++)
			fprintf(d->raw, "%s,%llu\n", row->case_id,
				(unsigned long long)row->raw->v[i]);
		if (row->raw->failed)
			fprintf(stderr,
				"iotlbench: %s: out of memory for raw samples; "
				"raw_samples.csv holds the first %zu\n",
				row->case_id, row->raw->n);
	}
	if (d->rounds > 1 && !row->moments) {
		/* A case measured in rounds: one row for all of them, written
		 * at the last (rounds.h). */
		struct round_acc *a = rounds_add(d, row, h);
		if (!a)
			return err_set(e, ENOMEM, "%s: out of memory holding its rounds",
				       row->case_id);
		if (d->round + 1 == d->rounds)
			write_held(d, a);
		return write_error(d, e);
	}
	write_result(d, row, h);
	return write_error(d, e);
}

unsigned dataset_flush_rounds(struct dataset *d, struct err *e)
{
	unsigned n = 0;
	for (; rounds_held(d); n++)
		write_held(d, rounds_at(d, 0));
	write_error(d, e);
	return n;
}

void dataset_emit_leaves(struct dataset *d, const char *case_id, uint64_t n4k, uint64_t n2m,
			 uint64_t n1g)
{
	fprintf(d->counters,
		"%s,iommu_debugfs,leaf_4k,%llu,,\n%s,iommu_debugfs,leaf_2m,%llu,,\n"
		"%s,iommu_debugfs,leaf_1g,%llu,,\n",
		case_id, (unsigned long long)n4k, case_id, (unsigned long long)n2m, case_id,
		(unsigned long long)n1g);
}
