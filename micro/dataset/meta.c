#include "micro/dataset/meta.h"

#include <time.h>

#include "build/version.h"
#include "micro/dataset/hostinfo.h"

static void iso_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

void meta_init(struct dataset *d, const struct meta_run *m)
{
	json_object *o = d->meta;
	char now[32];
	iso_now(now, sizeof(now));
	json_object_object_add(o, "run_id", json_object_new_string(m->run_id));
	json_object_object_add(o, "suite", json_object_new_string(m->suite));
	json_object_object_add(o, "suite_file", json_object_new_string(m->suite_file));
	json_object_object_add(o, "description", json_object_new_string(m->description));
	json_object *sets = json_object_new_array();
	for (unsigned i = 0; i < m->noverrides; i++)
		json_object_array_add(sets, json_object_new_string(m->overrides[i]));
	json_object_object_add(o, "overrides", sets);
	json_object_object_add(o, "grid", m->grid);
	json_object_object_add(o, "backend", json_object_new_string(m->backend));
	json_object_object_add(o, "preset", str_or_null(m->preset));
	json_object_object_add(o, "emu_opts", str_or_null(m->emu_opts));
	json_object *dev = json_object_new_object();
	json_object_object_add(dev, "bdf", str_or_null(m->bdf));
	json_object_object_add(dev, "model", json_object_new_string(m->model));
	json_object_object_add(dev, "serial", json_object_new_string(m->serial));
	json_object_object_add(dev, "firmware", json_object_new_string(m->firmware));
	json_object_object_add(dev, "mdts_bytes", json_object_new_int64((int64_t)m->mdts_bytes));
	json_object_object_add(o, "device", dev);
	json_object *host = hostinfo_json();
	if (m->iommu_model) /* the emulated device sits behind the model, not the host IOMMU */
		json_object_object_add(host, "iommu_type", json_object_new_string("model"));
	json_object_object_add(o, "host", host);
	json_object *clk = json_object_new_object();
	json_object_object_add(clk, "source", json_object_new_string(m->clock_source));
	json_object_object_add(clk, "tsc_hz", m->tsc_hz ? json_object_new_double(m->tsc_hz) : NULL);
	json_object_object_add(o, "clock", clk);
	json_object *v = json_object_new_object();
	json_object_object_add(v, "version", json_object_new_string(IOTLB_VERSION));
	json_object_object_add(v, "revision", json_object_new_string(IOTLB_REVISION));
	json_object_object_add(o, "iotlbench", v);
	json_object_object_add(o, "start_time", json_object_new_string(now));
	json_object_object_add(o, "end_time", NULL);
	json_object_object_add(o, "complete", json_object_new_boolean(0));
	json_object_object_add(o, "skipped_cases", json_object_new_array());
	json_object_object_add(o, "failed_cases", json_object_new_array());
	json_object_object_add(o, "recoveries", json_object_new_array());
}

void meta_case_problem(struct dataset *d, const char *list, const char *name, const char *msg)
{
	json_object *a = NULL;
	json_object_object_get_ex(d->meta, list, &a);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "case", json_object_new_string(name));
	json_object_object_add(o, "reason", json_object_new_string(msg));
	json_object_array_add(a, o);
}

void meta_end(struct dataset *d, bool complete)
{
	char now[32];
	iso_now(now, sizeof(now));
	json_object_object_add(d->meta, "end_time", json_object_new_string(now));
	json_object_object_add(d->meta, "complete", json_object_new_boolean(complete));
}
