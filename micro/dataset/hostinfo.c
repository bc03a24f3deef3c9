#include "micro/dataset/hostinfo.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "driver/host/sysinfo.h"

static void cpu_model(char *buf, size_t len)
{
	snprintf(buf, len, "unknown");
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return;
	char line[512];
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "model name", 10)) {
			char *c = strchr(line, ':');
			if (c) {
				c += 1 + (c[1] == ' ');
				c[strcspn(c, "\n")] = '\0';
				snprintf(buf, len, "%s", c);
			}
			break;
		}
	fclose(f);
}

/* Hugepage pools: page size in KiB -> pages in the pool. */
static json_object *hugepages(const struct sysinfo *si)
{
	json_object *o = json_object_new_object();
	for (int i = 0; i < si->npools; i++) {
		char key[32];
		snprintf(key, sizeof(key), "%llu", (unsigned long long)si->pools[i].size_kb);
		json_object_object_add(o, key, json_object_new_int64((int64_t)si->pools[i].total));
	}
	return o;
}

json_object *hostinfo_json(void)
{
	json_object *h = json_object_new_object();
	struct utsname u;
	char buf[1024];
	/* The host probe `iotlbench info` prints: one answer per host. */
	struct sysinfo si;
	struct err e;
	sysinfo_probe(&si, &e);
	uname(&u);
	json_object_object_add(h, "hostname", json_object_new_string(u.nodename));
	json_object_object_add(h, "kernel", json_object_new_string(si.kernel));
	json_object_object_add(h, "kernel_version", json_object_new_string(u.version));
	json_object_object_add(h, "cmdline", json_object_new_string(si.cmdline));
	cpu_model(buf, sizeof(buf));
	json_object_object_add(h, "cpu_model", json_object_new_string(buf));
	json_object_object_add(h, "cpus", json_object_new_int64(sysconf(_SC_NPROCESSORS_ONLN)));
	json_object_object_add(h, "iommu_type",
			       json_object_new_string(si.iommu_type[0] ? si.iommu_type : "none"));
	json_object_object_add(h, "iommu_mode", json_object_new_string(si.mode));
	json_object_object_add(h, "hugepages", hugepages(&si));
	return h;
}
