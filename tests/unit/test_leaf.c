/* The IOMMU leaf size under control and verified: the VT-d page-table dump
 * parser (on tests/fixtures/vtd/domain_translation_struct, written in the
 * layout of drivers/iommu/intel/debugfs.c: a 2 MiB leaf at 0x200000, four
 * 4 KiB PTEs at 0x400000, a 1 GiB leaf at 0x40000000, one PTE at
 * 0xfffff000), its reader's messages, the VT-d capability decoding, the
 * iommu_huge run setting and each backend's answer to it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "driver/backend/backend.h"
#include "driver/backend/emu.h"
#include "driver/host/vtd_cap.h"
#include "driver/host/vtd_debugfs.h"
#include "driver/iommu/iommu.h"
#include "driver/iommu/pgtable.h"
#include "driver/mem/mem.h"
#include "micro/run/suite.h"
#include "tests/helpers.h"
#include "tests/unit/sysfs_fixture.h"

#define SAMPLE "tests/fixtures/vtd/domain_translation_struct"
#define DUMP   "/sys/kernel/debug/iommu/intel/0000:00:01.0/domain_translation_struct"

static char *sample(void)
{
	FILE *f = fopen(SAMPLE, "r");
	assert_non_null(f);
	static char buf[8192];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* Counts over [iova, iova + len) as "4k 2m 1g". */
static void expect(const char *text, uint64_t iova, uint64_t len, uint64_t n4k, uint64_t n2m,
		   uint64_t n1g)
{
	struct vtd_leaves lv;
	struct err e = {0};
	assert_ok(vtd_leaves_parse(text, iova, len, &lv, &e), &e);
	assert_int_equal(lv.n[VTD_LEAF_4K], n4k);
	assert_int_equal(lv.n[VTD_LEAF_2M], n2m);
	assert_int_equal(lv.n[VTD_LEAF_1G], n1g);
}

static void parse_sample(void **state)
{
	(void)state;
	const char *t = sample();
	expect(t, 0x200000, 2u << 20, 0, 1, 0);	  /* the 2 MiB buffer */
	expect(t, 0x400000, 16384, 4, 0, 0);	  /* the four PTEs */
	expect(t, 0x401000, 4096, 1, 0, 0);	  /* one of them */
	expect(t, 0x40000000, 1u << 30, 0, 0, 1); /* the 1 GiB leaf */
	expect(t, 0x40200000, 4096, 0, 0, 1);	  /* inside it */
	/* Straddling the 2 MiB leaf's end and the first PTE. */
	expect(t, 0x3ff000, 8192, 1, 1, 0);
	expect(t, 0x404000, 4096, 0, 0, 0); /* just past the PTEs */
	expect(t, 0, 0, 0, 0, 0);	    /* no range: totals only */
	struct vtd_leaves lv;
	struct err e = {0};
	assert_ok(vtd_leaves_parse(t, 0, UINT64_MAX >> 1, &lv, &e), &e);
	assert_int_equal(lv.total, 7);
	assert_int_equal(lv.n[VTD_LEAF_4K] + lv.n[VTD_LEAF_2M] + lv.n[VTD_LEAF_1G], lv.total);
}

static void expect_error(const char *text, int code, const char *words)
{
	struct vtd_leaves lv;
	struct err e = {0};
	assert_int_equal(vtd_leaves_parse(text, 0, 1u << 30, &lv, &e), -code);
	if (!strstr(e.msg, words))
		fail_msg("message '%s' lacks '%s'", e.msg, words);
}

static void parse_errors(void **state)
{
	(void)state;
	const char *dev = "Device 0000:00:01.0 @0x1000\n";
	char t[512];
	/* A 2 MiB leaf without PS is not the kernel's layout. */
	snprintf(t, sizeof(t), "%s0x0000000000200 |\t0x0\t0x1003\t0x2003\t0x120000003\n", dev);
	expect_error(t, EPROTO, "lacks PS");
	snprintf(t, sizeof(t), "%s0x0000000000200 |\t0x0\t0x1\t0x2\t0x3\t0x4\t0x5\n", dev);
	expect_error(t, EPROTO, "more than five");
	snprintf(t, sizeof(t), "%s0x0000000000200 |\t0x0\t0x1\n", dev);
	expect_error(t, EPROTO, "3 to 5");
	snprintf(t, sizeof(t), "%s0x0000000000200 \t0x0\t0x1\t0x2\n", dev);
	expect_error(t, EPROTO, "IOVA_PFN");
	snprintf(t, sizeof(t), "%s0x0000000000200 |\t0x0\tzz\t0x2\n", dev);
	expect_error(t, EPROTO, "not hex");
	expect_error("0x0000000000200 |\t0x0\t0x1\t0x80\n", EPROTO, "before the 'Device'");
	expect_error("", ENOENT, "no page table");
	expect_error("DMA Remapping is not enabled on dmar0\n", ENODEV, "intel_iommu=on");
}

/* The reader says what is missing, and reads through hostfs. */
static void read_messages(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	struct vtd_leaves lv;
	struct err e = {0};
	assert_int_equal(vtd_leaves_read("0000:00:01.0", 0, 4096, &lv, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "mount -t debugfs"));
	fx_dir(&f, "/sys/kernel/debug/iommu/amd");
	assert_int_equal(vtd_leaves_read("0000:00:01.0", 0, 4096, &lv, &e), -ENOENT);
	assert_non_null(strstr(e.msg, "not Intel VT-d"));
	fx_file(&f, DUMP, sample());
	assert_ok(vtd_leaves_read("0000:00:01.0", 0x200000, 4u << 20, &lv, &e), &e);
	assert_int_equal(lv.n[VTD_LEAF_2M], 1);
	assert_int_equal(lv.n[VTD_LEAF_4K], 4);
	fx_fini(&f);
}

/* Fields put into a register where VT-d 11.4.2/11.4.3 place them come back
 * out of the decoder. */
static void caps_decode(void **state)
{
	(void)state;
	struct vtd_caps c;
	char s[32];
	uint64_t cap = (1ull << 34) | (47ull << 16) | (0x4ull << 8) | (1ull << 39) | 2;
	uint64_t ecap = (1ull << 1) | (1ull << 6);
	vtd_caps_decode(cap, ecap, &c);
	assert_string_equal(vtd_sizes_text(c.sl_leaf_sizes, s, sizeof(s)), "4k,2m");
	assert_int_equal(c.mgaw, 48);
	assert_int_equal(c.sagaw, 4);
	assert_true(c.psi);
	assert_false(c.caching_mode);
	assert_int_equal(c.ndoms_log2, 8);
	assert_true(c.qi);
	assert_true(c.pass_through);
	assert_false(c.scalable_mode);
	vtd_caps_decode(cap | (1ull << 35) | (1ull << 7), ecap | (1ull << 43), &c);
	assert_string_equal(vtd_sizes_text(c.sl_leaf_sizes, s, sizeof(s)), "4k,2m,1g");
	assert_true(c.caching_mode);
	assert_true(c.scalable_mode);
	/* No SLLPS bits: 4 KiB leaves only; the reserved bits 36-37 add none. */
	vtd_caps_decode((3ull << 36), 0, &c);
	assert_string_equal(vtd_sizes_text(c.sl_leaf_sizes, s, sizeof(s)), "4k");
}

static const char *suite_text = "[global]\niommu_huge = off\n[map]\nmap_size = 4k\nops = 2\n";

static void suite_key(void **state)
{
	(void)state;
	struct suite s;
	struct err e = {0};
	assert_ok(suite_load_string(suite_text, "h.suite", NULL, 0, &s, &e), &e);
	assert_int_equal(s.iommu_huge, IOMMU_HUGE_OFF);
	suite_free(&s);
	const char *on[] = {"iommu_huge=on"};
	assert_ok(suite_load_string(suite_text, "h.suite", on, 1, &s, &e), &e);
	assert_int_equal(s.iommu_huge, IOMMU_HUGE_ON);
	suite_free(&s);
	assert_ok(suite_load_string("[map]\nops = 2\n", "h.suite", NULL, 0, &s, &e), &e);
	assert_int_equal(s.iommu_huge, IOMMU_HUGE_DEFAULT);
	suite_free(&s);
	const char *bad[] = {"iommu_huge=4k"};
	assert_int_not_equal(suite_load_string(suite_text, "h.suite", bad, 1, &s, &e), 0);
	assert_non_null(strstr(e.msg, "default, on, off"));
	/* One value for the run: a case section may not set it. */
	assert_int_not_equal(
	    suite_load_string("[map]\niommu_huge = off\nops = 2\n", "h.suite", NULL, 0, &s, &e), 0);
	assert_non_null(strstr(e.msg, "[global]"));
	assert_non_null(strstr(e.msg, "h.suite:2"));
}

static int open_with(const char *name, enum iommu_huge h, struct backend **b, struct err *e)
{
	struct backend_cfg cfg = {.device = "0000:00:04.0", .iommu_huge = h};
	*b = NULL;
	return backend_open(name, &cfg, b, e);
}

/* Backends that cannot choose refuse before they touch anything, and the
 * message names the reason and the backends that can. */
static void backend_refusals(void **state)
{
	(void)state;
	struct backend *b;
	struct err e = {0};
	assert_int_equal(open_with("vfio", IOMMU_HUGE_OFF, &b, &e), -EINVAL);
	assert_null(b);
	assert_non_null(strstr(e.msg, "VFIO type1"));
	assert_non_null(strstr(e.msg, "use --backend iommufd"));
	const char *no_choice[] = {"pagemap", "kernel"};
	for (unsigned i = 0; i < 2; i++)
		for (int h = IOMMU_HUGE_ON; h <= IOMMU_HUGE_OFF; h++) {
			assert_int_equal(open_with(no_choice[i], (enum iommu_huge)h, &b, &e),
					 -EINVAL);
			assert_non_null(strstr(e.msg, "cannot choose IOPTE sizes"));
			assert_non_null(strstr(e.msg, "iommufd"));
		}
	/* vfio with on passes the setting (it is what type1 does) and gets as
	 * far as the device check, whatever this host has. */
	e.msg[0] = '\0';
	int rc = open_with("vfio", IOMMU_HUGE_ON, &b, &e);
	if (!rc)
		backend_close(b);
	assert_null(strstr(e.msg, "iommu_huge"));
}

/* The level of the model's leaf that maps a 2 MiB-page buffer (1 = 4 KiB,
 * 2 = 2 MiB) with the setting h, through the backend as a run maps it. */
static unsigned emu_leaf_level(enum iommu_huge h, uint64_t *leaf_sizes)
{
	struct backend *b;
	struct err e = {0};
	assert_ok(open_with("emu", h, &b, &e), &e);
	struct iommu *m = backend_emu_model(b);
	*leaf_sizes = m->cfg.leaf_sizes;
	assert_ok(backend_set_mem_kind(b, MEM_KIND_SPARSE, &e), &e);
	struct dma_buf buf;
	assert_ok(
	    backend_dma_alloc(b, 4u << 20, 2u << 20, DMA_PROT_READ | DMA_PROT_WRITE, &buf, &e), &e);
	unsigned level = 0, found = 0;
	for (unsigned d = 0; d < IOMMU_MAX_DOMAINS; d++)
		if (m->dom[d].used && pgtable_find(&m->dom[d].pt, buf.iova + (2u << 20), &level))
			found++;
	assert_int_equal(found, 1);
	backend_dma_free(b, &buf);
	backend_close(b);
	return level;
}

/* On emu the setting is the model's leaf sizes: off leaves 4 KiB only, on
 * keeps the preset's, and the mappings follow. */
static void emu_leaf_sizes(void **state)
{
	(void)state;
	uint64_t sizes;
	assert_int_equal(emu_leaf_level(IOMMU_HUGE_ON, &sizes), 2);
	assert_true(sizes & 2); /* the default preset offers 2 MiB leaves */
	assert_int_equal(emu_leaf_level(IOMMU_HUGE_OFF, &sizes), 1);
	assert_int_equal(sizes, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(parse_sample),   cmocka_unit_test(parse_errors),
	    cmocka_unit_test(read_messages),  cmocka_unit_test(caps_decode),
	    cmocka_unit_test(suite_key),      cmocka_unit_test(backend_refusals),
	    cmocka_unit_test(emu_leaf_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
