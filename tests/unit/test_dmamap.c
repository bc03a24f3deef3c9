/* The kernel DMA-API benchmark without the kernel: the ioctl struct as
 * include/linux/map_benchmark.h lays it out, the dmamap kind's keys, its
 * result rows (mean and stddev only), and the dma-api backend's refusals
 * and its put-back of the function's binding, against fixture sysfs trees
 * (hostfs). The ioctl itself runs in the guest (tests/vm/guest/kernel.sh). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "driver/backend/backend.h"
#include "driver/host/dmamap_bench.h"
#include "micro/dataset/dataset.h"
#include "micro/dataset/rows.h"
#include "micro/kinds/kind.h"
#include "micro/run/suite.h"
#include "tests/unit/sysfs_fixture.h"

#define BDF "0000:00:10.0"

#define assert_msg(e, needle)                                                                      \
	do {                                                                                       \
		if (!strstr((e)->msg, (needle)))                                                   \
			fail_msg("message lacks '%s': %s", (needle), (e)->msg);                    \
	} while (0)

/* The struct the kernel copies in and out: 4 x u64 results, 7 x 32-bit
 * inputs, 76 reserved bytes. _IOWR encodes its size, so the ioctl number
 * pins it too (include/uapi/asm-generic/ioctl.h: dir 3 << 30, size << 16,
 * type 'd' << 8, nr 1). */
static void struct_layout(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct map_benchmark), 136);
	assert_int_equal(offsetof(struct map_benchmark, avg_map_100ns), 0);
	assert_int_equal(offsetof(struct map_benchmark, map_stddev), 8);
	assert_int_equal(offsetof(struct map_benchmark, avg_unmap_100ns), 16);
	assert_int_equal(offsetof(struct map_benchmark, unmap_stddev), 24);
	assert_int_equal(offsetof(struct map_benchmark, threads), 32);
	assert_int_equal(offsetof(struct map_benchmark, seconds), 36);
	assert_int_equal(offsetof(struct map_benchmark, node), 40);
	assert_int_equal(offsetof(struct map_benchmark, dma_bits), 44);
	assert_int_equal(offsetof(struct map_benchmark, dma_dir), 48);
	assert_int_equal(offsetof(struct map_benchmark, dma_trans_ns), 52);
	assert_int_equal(offsetof(struct map_benchmark, granule), 56);
	assert_int_equal(offsetof(struct map_benchmark, expansion), 60);
	unsigned long want = (3ul << 30) | (136ul << 16) | ((unsigned long)'d' << 8) | 1ul;
	assert_int_equal((unsigned long)DMA_MAP_BENCHMARK, want);
}

static void keys(void **state)
{
	(void)state;
	struct suite s;
	struct err e = {0};
	const char *text = "[dmamap]\nthreads = 1,4\ngranule = 16\ndir = from_device\n"
			   "dma_trans_ns = 100\nnode = any\n";
	if (suite_load_string(text, "d.suite", NULL, 0, &s, &e))
		fail_msg("%s", e.msg);
	assert_int_equal(s.ncases, 2);
	assert_int_equal(case_value(&s.cases[1], "threads"), 4);
	assert_int_equal(case_value(&s.cases[0], "granule"), 16);
	assert_int_equal(case_value(&s.cases[0], "dir"), DMA_MAP_FROM_DEVICE);
	assert_int_equal(case_value(&s.cases[0], "dma_trans_ns"), 100);
	assert_int_equal((int64_t)case_value(&s.cases[0], "node"), DMA_MAP_NUMA_NO_NODE);
	assert_int_equal(case_value(&s.cases[0], "seconds"), 1);
	assert_int_equal(case_value(&s.cases[0], "dma_bits"), 64);
	char d[256];
	case_describe(&s.cases[0], d, sizeof(d));
	assert_non_null(strstr(d, "dir=from_device"));
	suite_free(&s);
	assert_int_equal(suite_load_string("[dmamap]\nnode = 3\n", "d.suite", NULL, 0, &s, &e), 0);
	assert_int_equal(case_value(&s.cases[0], "node"), 3);
	suite_free(&s);
	/* The kernel's own limits: threads 1..1024, granule 1..1024, seconds
	 * 1..300, dma_trans_ns <= 10 ms; a direction it knows. */
	static const char *const bad[] = {
	    "[dmamap]\nthreads = 0\n",
	    "[dmamap]\nthreads = 1025\n",
	    "[dmamap]\ngranule = 1025\n",
	    "[dmamap]\nseconds = 301\n",
	    "[dmamap]\ndma_trans_ns = 10000001\n",
	    "[dmamap]\ndir = sideways\n",
	    "[dmamap]\nnode = -2\n",
	    "[dmamap]\ndma_bits = 12\n",
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		e.msg[0] = '\0';
		if (!suite_load_string(bad[i], "d.suite", NULL, 0, &s, &e)) {
			suite_free(&s);
			fail_msg("accepted: %s", bad[i]);
		}
	}
}

/* A moments row: the mean and stddev, nothing the kernel does not give. */
static void moments_row(void **state)
{
	(void)state;
	char root[] = "/tmp/iotlb-dmamap-XXXXXX";
	assert_non_null(mkdtemp(root));
	struct dataset ds;
	struct err e = {0};
	if (dataset_open(&ds, root, "r", &e))
		fail_msg("%s", e.msg);
	struct row_moments m = {1200.0, 300.0};
	struct result_row row = {.case_id = "dmamap-0001-map",
				 .kind = "dmamap",
				 .backend = "dma-api",
				 .page_size = 4096,
				 .op = "map",
				 .map_size = 65536,
				 .has_map_size = 1,
				 .threads = 2,
				 .has_threads = 1,
				 .moments = &m,
				 .dma_dir = "to_device",
				 .dma_trans_ns = 50,
				 .has_trans = 1};
	assert_int_equal(dataset_emit_row(&ds, &row, NULL, NULL, &e), 0);
	dataset_flush(&ds);
	char path[512], head[1024], line[1024];
	snprintf(path, sizeof(path), "%s/r/results.csv", root);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(head, sizeof(head), f));
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	/* Column by column against the header. */
	const char *want[][2] = {{"case", "dmamap-0001-map"},
				 {"threads", "2"},
				 {"qd", ""},
				 {"map_size", "65536"},
				 {"ops", ""},
				 {"mean_ns", "1200.0"},
				 {"p50_ns", ""},
				 {"p99_ns", ""},
				 {"max_ns", ""},
				 {"iops", ""},
				 {"stddev_ns", "300.0"},
				 {"dma_dir", "to_device"},
				 {"dma_trans_ns", "50"}};
	head[strcspn(head, "\n")] = '\0';
	line[strcspn(line, "\n")] = '\0';
	for (unsigned w = 0; w < sizeof(want) / sizeof(want[0]); w++) {
		char hb[1024], lb[1024];
		snprintf(hb, sizeof(hb), "%s", head);
		snprintf(lb, sizeof(lb), "%s", line);
		int col = -1, i = 0;
		for (char *p = hb, *t; (t = strsep(&p, ",")); i++)
			if (!strcmp(t, want[w][0]))
				col = i;
		if (col < 0)
			fail_msg("no column %s in %s", want[w][0], head);
		char *p = lb, *t = NULL;
		for (i = 0; i <= col; i++)
			t = strsep(&p, ",");
		if (!t || strcmp(t, want[w][1]))
			fail_msg("%s = '%s', want '%s' (%s)", want[w][0], t ? t : "(none)",
				 want[w][1], line);
	}
	/* No histogram rows: the kernel gives no distribution. */
	snprintf(path, sizeof(path), "%s/r/latency_hist.csv", root);
	f = fopen(path, "r");
	assert_non_null(f);
	int lines = 0;
	while (fgets(line, sizeof(line), f))
		lines++;
	fclose(f);
	assert_int_equal(lines, 1);
	dataset_close(&ds);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
}

/* A root guest with debugfs mounted, the benchmark driver built in and the
 * function BDF free: each test then takes one of these away. */
static void good_tree(struct fx *f, const char *driver)
{
	fx_init(f);
	fx_creds(f, 0, 0x000001ffffffffffull);
	fx_file(f, "/proc/self/mounts",
		"sysfs /sys sysfs rw 0 0\ndebugfs /sys/kernel/debug debugfs rw 0 0\n");
	fx_dir(f, "/sys/bus/pci/drivers/" DMAB_DRIVER);
	fx_file(f, "/sys/bus/pci/drivers/" DMAB_DRIVER "/unbind", "");
	fx_file(f, "/sys/bus/pci/drivers_probe", "");
	fx_pci(f, BDF, "0x00ff00", "0x1b36", "0x0005", driver, 3, NULL);
	fx_file(f, "/sys/bus/pci/devices/" BDF "/driver_override", "(null)\n");
	if (driver) {
		char p[128];
		snprintf(p, sizeof(p), "/sys/bus/pci/drivers/%s/unbind", driver);
		fx_file(f, p, "");
	}
}

static int open_fails(struct err *e)
{
	struct backend_cfg cfg = {.device = BDF};
	struct backend *b = NULL;
	int rc = backend_open("dma-api", &cfg, &b, e);
	if (!rc) {
		backend_close(b);
		fail_msg("dma-api opened " BDF " in a fixture tree");
	}
	return rc;
}

static void first_line(struct fx *f, const char *rel, char *buf, size_t len)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s%s", f->root, rel);
	FILE *fp = fopen(p, "r");
	buf[0] = '\0';
	if (fp) {
		if (!fgets(buf, (int)len, fp))
			buf[0] = '\0';
		fclose(fp);
	}
	buf[strcspn(buf, "\n")] = '\0';
}

static void refusals(void **state)
{
	(void)state;
	struct fx f;
	struct err e;

	struct backend_cfg none = {0};
	struct backend *b = NULL;
	assert_int_not_equal(backend_open("dma-api", &none, &b, &e), 0);
	assert_msg(&e, "--device BDF");

	good_tree(&f, NULL);
	fx_creds(&f, 1000, 0);
	open_fails(&e);
	assert_msg(&e, "run as root");
	fx_fini(&f);

	good_tree(&f, NULL);
	fx_file(&f, "/proc/self/mounts", "sysfs /sys sysfs rw 0 0\n");
	open_fails(&e);
	assert_msg(&e, "mount -t debugfs none /sys/kernel/debug");
	fx_fini(&f);

	good_tree(&f, NULL);
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s/sys/bus/pci/drivers/" DMAB_DRIVER "/unbind", f.root);
	unlink(p);
	snprintf(p, sizeof(p), "%s/sys/bus/pci/drivers/" DMAB_DRIVER, f.root);
	rmdir(p);
	open_fails(&e);
	assert_msg(&e, "CONFIG_DMA_MAP_BENCHMARK=y");
	fx_fini(&f);

	/* A function a driver serves (its data, for a storage controller):
	 * refused, nothing written. */
	good_tree(&f, "nvme");
	open_fails(&e);
	assert_int_equal(e.code, EBUSY);
	assert_msg(&e, "is bound to nvme");
	assert_msg(&e, "echo " BDF " > /sys/bus/pci/drivers/nvme/unbind");
	char got[128];
	first_line(&f, "/sys/bus/pci/drivers/nvme/unbind", got, sizeof(got));
	assert_string_equal(got, "");
	first_line(&f, "/sys/bus/pci/devices/" BDF "/driver_override", got, sizeof(got));
	assert_string_equal(got, "(null)");
	fx_fini(&f);

	/* The driver serves one device: another already has it. */
	good_tree(&f, NULL);
	fx_link(&f, "/sys/bus/pci/drivers/" DMAB_DRIVER "/0000:00:11.0",
		"../../../../devices/pci0000:00/0000:00:11.0");
	open_fails(&e);
	assert_msg(&e, "0000:00:11.0 is already bound to " DMAB_DRIVER);
	fx_fini(&f);
}

/* The bind is tried and fails (a fixture's driver link never changes, as
 * when the kernel's probe fails): the way back must run, and the override
 * be cleared again. From pci-stub, the function is probed again so its
 * driver comes back. */
static void failed_bind_restores(void **state)
{
	(void)state;
	struct fx f;
	struct err e;
	char got[128];

	good_tree(&f, NULL);
	open_fails(&e);
	assert_msg(&e, "did not bind to " DMAB_DRIVER);
	first_line(&f, "/sys/bus/pci/devices/" BDF "/driver_override", got, sizeof(got));
	assert_string_equal(got, ""); /* "\n" written over "dma_map_benchmark": cleared */
	first_line(&f, "/sys/bus/pci/drivers/" DMAB_DRIVER "/unbind", got, sizeof(got));
	assert_string_equal(got, BDF);
	fx_fini(&f);

	good_tree(&f, "pci-stub");
	fx_file(&f, "/sys/bus/pci/devices/" BDF "/driver_override", "pci-stub\n");
	open_fails(&e);
	first_line(&f, "/sys/bus/pci/drivers/pci-stub/unbind", got, sizeof(got));
	assert_string_equal(got, BDF);
	first_line(&f, "/sys/bus/pci/devices/" BDF "/driver_override", got, sizeof(got));
	assert_string_equal(got, "pci-stub");
	first_line(&f, "/sys/bus/pci/drivers_probe", got, sizeof(got));
	assert_string_equal(got, BDF);
	fx_fini(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(struct_layout),	    cmocka_unit_test(keys),
	    cmocka_unit_test(moments_row),	    cmocka_unit_test(refusals),
	    cmocka_unit_test(failed_bind_restores),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
