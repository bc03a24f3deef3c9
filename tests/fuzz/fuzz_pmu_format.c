/* libFuzzer target: the sysfs PMU parser. The input becomes a PMU's
 * `format/` files (two terms) and one `events/` file in a private fixture
 * tree, as a kernel with an unusual PMU driver would present them; parsing
 * must give an attr or an error, never crash or overflow a bit field. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpf/pmu_sysfs.h"

static char root[64];

static void put(const char *rel, const uint8_t *d, size_t n)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/bus/event_source/devices/fz/%s", root, rel);
	FILE *f = fopen(path, "w");
	if (f) {
		fwrite(d, 1, n, f);
		fclose(f);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!root[0]) {
		snprintf(root, sizeof(root), "/tmp/iotlb-fuzz-pmu-%d", (int)getpid());
		char d[256];
		snprintf(d, sizeof(d),
			 "mkdir -p %s/bus/event_source/devices/fz/format "
			 "%s/bus/event_source/devices/fz/events",
			 root, root);
		if (system(d) != 0)
			abort();
	}
	/* Three newline-separated parts: format of `event`, format of
	 * `umask`, the event's terms; the type file is the fourth. */
	const uint8_t *part[4] = {data, NULL, NULL, NULL};
	size_t len[4] = {size, 0, 0, 0};
	unsigned k = 0;
	for (size_t i = 0; i < size && k < 3; i++)
		if (data[i] == '\n') {
			len[k] = (size_t)(data + i - part[k]);
			part[++k] = data + i + 1;
			len[k] = size - i - 1;
		}
	put("format/event", part[0], len[0]);
	put("format/umask", part[1] ? part[1] : data, part[1] ? len[1] : 0);
	put("events/e", part[2] ? part[2] : data, part[2] ? len[2] : 0);
	put("type", part[3] ? part[3] : (const uint8_t *)"17", part[3] ? len[3] : 2);
	put("cpumask", part[3] ? part[3] : (const uint8_t *)"0", part[3] ? len[3] : 1);
	struct perf_event_attr attr;
	struct err e;
	pmu_sysfs_event_attr(root, "fz", "e", &attr, &e);
	pmu_sysfs_cpu(root, "fz", &e);
	return 0;
}
