#include "micro/dataset/dataset.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "micro/dataset/rounds.h"

const char *const dataset_results_header =
    "case,kind,backend,page_size,op,io_size,qd,threads,pages,map_size,mappings,churn,ops,"
    "mean_ns,p50_ns,p90_ns,p99_ns,p999_ns,p9999_ns,max_ns,iops,mem_bytes,order,other_pages,"
    "other_page_size,search,verdict,stddev_ns,dma_dir,dma_trans_ns";

static int mkdir_p(const char *path, struct err *e)
{
	char tmp[512];
	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) && errno != EEXIST)
			return err_set(e, errno, "cannot create %s: %s", tmp, strerror(errno));
		*p = '/';
	}
	if (mkdir(tmp, 0755) && errno != EEXIST)
		return err_set(e, errno, "cannot create %s: %s", tmp, strerror(errno));
	return 0;
}

static FILE *open_csv(struct dataset *d, const char *name, const char *header, struct err *e)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/%s", d->dir, name);
	FILE *f = fopen(path, "wx");
	if (!f) {
		err_set(e, errno, "cannot create %s: %s", path, strerror(errno));
		return NULL;
	}
	fprintf(f, "%s\n", header);
	return f;
}

int dataset_open(struct dataset *d, const char *root, const char *run_id, struct err *e)
{
	memset(d, 0, sizeof(*d));
	if (snprintf(d->dir, sizeof(d->dir), "%s/%s", root, run_id) >= (int)sizeof(d->dir))
		return err_set(e, ENAMETOOLONG, "output path %s/%s is too long", root, run_id);
	struct stat st;
	if (stat(d->dir, &st) == 0)
		return err_set(e, EEXIST, "%s already exists; a run never overwrites another",
			       d->dir);
	if (mkdir_p(d->dir, e))
		return -e->code;
	d->results = open_csv(d, "results.csv", dataset_results_header, e);
	if (d->results)
		d->hist = open_csv(d, "latency_hist.csv", "case,lo_ns,hi_ns,count", e);
	if (d->hist)
		d->counters =
		    open_csv(d, "counters.csv", "case,source,event,value,enabled_ns,running_ns", e);
	if (!d->counters) {
		dataset_close(d);
		return -e->code;
	}
	d->meta = json_object_new_object();
	return 0;
}

int dataset_open_raw(struct dataset *d, struct err *e)
{
	d->raw = open_csv(d, "raw_samples.csv", "case,ns", e);
	return d->raw ? 0 : -e->code;
}

int dataset_write_meta(struct dataset *d, struct err *e)
{
	char path[600], tmp[620];
	snprintf(path, sizeof(path), "%s/meta.json", d->dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (json_object_to_file_ext(tmp, d->meta,
				    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE))
		return err_set(e, EIO, "cannot write %s: %s", tmp, json_util_get_last_err());
	if (rename(tmp, path))
		return err_set(e, errno, "cannot rename %s: %s", tmp, strerror(errno));
	return 0;
}

void dataset_flush(struct dataset *d)
{
	FILE *f[] = {d->results, d->hist, d->counters, d->raw};
	for (unsigned i = 0; i < 4; i++)
		if (f[i])
			fflush(f[i]);
}

void dataset_close(struct dataset *d)
{
	FILE *f[] = {d->results, d->hist, d->counters, d->raw};
	for (unsigned i = 0; i < 4; i++)
		if (f[i])
			fclose(f[i]);
	d->results = d->hist = d->counters = d->raw = NULL;
	rounds_free(d);
	if (d->meta)
		json_object_put(d->meta);
	d->meta = NULL;
}
