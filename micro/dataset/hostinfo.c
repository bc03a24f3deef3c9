#include "micro/dataset/hostinfo.h"

#include <dirent.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

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

/* /sys/class/iommu has one entry per IOMMU unit: dmar* (Intel VT-d) or
 * ivhd* (AMD-Vi). */
static const char *iommu_type(void)
{
	DIR *d = opendir("/sys/class/iommu");
	const char *t = "none";
	if (!d)
		return t;
	struct dirent *de;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "dmar", 4))
			t = "intel";
		else if (!strncmp(de->d_name, "ivhd", 4))
			t = "amd";
	closedir(d);
	return t;
}

/* The default domain type of any IOMMU group (DMA, DMA-FQ, identity) gives
 * the mode: strict, lazy (flush queue) or passthrough. */
static const char *iommu_mode(const char *type)
{
	if (!strcmp(type, "none"))
		return "off";
	DIR *d = opendir("/sys/kernel/iommu_groups");
	if (!d)
		return "unknown";
	struct dirent *de;
	const char *mode = "unknown";
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char path[300], t[64];
		snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%s/type", de->d_name);
		if (read_line(path, t, sizeof(t)))
			continue;
		if (!strcmp(t, "DMA"))
			mode = "strict";
		else if (!strcmp(t, "DMA-FQ"))
			mode = "lazy";
		else if (!strcmp(t, "identity"))
			mode = "passthrough";
		break;
	}
	closedir(d);
	return mode;
}

static json_object *hugepages(void)
{
	json_object *o = json_object_new_object();
	DIR *d = opendir("/sys/kernel/mm/hugepages");
	if (!d)
		return o;
	struct dirent *de;
	while ((de = readdir(d))) {
		unsigned long kb;
		if (sscanf(de->d_name, "hugepages-%lukB", &kb) != 1)
			continue;
		char path[300], v[64], key[32];
		snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/%s/nr_hugepages",
			 de->d_name);
		if (read_line(path, v, sizeof(v)))
			continue;
		snprintf(key, sizeof(key), "%lu", kb);
		json_object_object_add(o, key, json_object_new_int64(atoll(v)));
	}
	closedir(d);
	return o;
}

json_object *hostinfo_json(void)
{
	json_object *h = json_object_new_object();
	struct utsname u;
	char buf[1024];
	uname(&u);
	json_object_object_add(h, "hostname", json_object_new_string(u.nodename));
	json_object_object_add(h, "kernel", json_object_new_string(u.release));
	json_object_object_add(h, "kernel_version", json_object_new_string(u.version));
	if (read_line("/proc/cmdline", buf, sizeof(buf)))
		buf[0] = '\0';
	json_object_object_add(h, "cmdline", json_object_new_string(buf));
	cpu_model(buf, sizeof(buf));
	json_object_object_add(h, "cpu_model", json_object_new_string(buf));
	json_object_object_add(h, "cpus", json_object_new_int64(sysconf(_SC_NPROCESSORS_ONLN)));
	const char *t = iommu_type();
	json_object_object_add(h, "iommu_type", json_object_new_string(t));
	json_object_object_add(h, "iommu_mode", json_object_new_string(iommu_mode(t)));
	json_object_object_add(h, "hugepages", hugepages());
	return h;
}
