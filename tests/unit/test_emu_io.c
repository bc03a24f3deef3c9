/* Unit tests for the emulated controller's NVM command set
 * (driver/emu/emu_io.c): Read and Write against the RAM namespace, Flush,
 * and the command checks (LBA range, MDTS, NSID, opcode, PSDT). */
#include <string.h>

#include "tests/unit/emu_fixture.h"

static void test_rw_prp1_prp2(void **state)
{
	(void)state;
	struct emu_cfg c;
	struct host h;
	struct emu_stats st;
	uint64_t nsb;

	cfg_test(&c);
	h_std(&h, &c, NULL);
	uint8_t *ns = emu_ns_data(h.emu, 1, &nsb);
	assert_non_null(ns);
	assert_true(nsb == c.ns_bytes);
	assert_null(emu_ns_data(h.emu, 2, NULL));

	/* PRP1 only, with an offset inside the page. */
	uint8_t *src = halloc(&h, 8192), *dst = halloc(&h, 8192);
	fill(src + 1024, 2048, 1);
	struct nvme_sqe s = sqe_rw(nvme_cmd_write, 10, 4, iova(&h, src + 1024), 0);
	assert_int_equal(run(&h, 1, &s, NULL), 0);
	assert_memory_equal(ns + 10 * NS_SECT, src + 1024, 2048);
	s = sqe_rw(nvme_cmd_read, 10, 4, iova(&h, dst + 1024), 0);
	assert_int_equal(run(&h, 1, &s, NULL), 0);
	assert_memory_equal(dst + 1024, src + 1024, 2048);
	assert_int_equal(dst[1023], 0);
	assert_int_equal(dst[3072], 0);

	/* PRP1 + PRP2: 8 KiB in two separate pages. */
	uint8_t *p0 = halloc(&h, 4096), *gap = halloc(&h, 4096), *p1 = halloc(&h, 4096);
	(void)gap;
	fill(p0, 4096, 2);
	fill(p1, 4096, 3);
	s = sqe_rw(nvme_cmd_write, 100, 16, iova(&h, p0), iova(&h, p1));
	assert_int_equal(run(&h, 1, &s, NULL), 0);
	assert_memory_equal(ns + 100 * NS_SECT, p0, 4096);
	assert_memory_equal(ns + 100 * NS_SECT + 4096, p1, 4096);
	uint8_t *r0 = halloc(&h, 4096), *r1 = halloc(&h, 4096);
	s = sqe_rw(nvme_cmd_read, 100, 16, iova(&h, r0), iova(&h, r1));
	assert_int_equal(run(&h, 1, &s, NULL), 0);
	assert_memory_equal(r0, p0, 4096);
	assert_memory_equal(r1, p1, 4096);

	/* PRP1 at an offset spilling into PRP2's page. */
	memset(dst, 0, 8192);
	s = sqe_rw(nvme_cmd_read, 100, 8, iova(&h, dst + 3072), iova(&h, dst + 4096));
	assert_int_equal(run(&h, 1, &s, NULL), 0);
	assert_memory_equal(dst + 3072, p0, 4096);

	emu_get_stats(h.emu, &st);
	assert_int_equal(st.bytes_written, 2048 + 8192);
	assert_int_equal(st.bytes_read, 2048 + 8192 + 4096);
	assert_int_equal(st.dma_faults, 0);
	assert_int_equal(st.commands, st.completions);
	h_fini(&h);
}

static void test_io_errors(void **state)
{
	(void)state;
	struct emu_cfg c;
	struct host h;

	cfg_test(&c);
	c.mdts = 1; /* 8 KiB */
	h_std(&h, &c, NULL);
	uint64_t nsze = c.ns_bytes / NS_SECT;
	uint8_t *b = halloc(&h, 16384);

	struct nvme_sqe s = sqe_rw(nvme_cmd_read, nsze - 1, 1, iova(&h, b), 0);
	assert_int_equal(run(&h, 1, &s, NULL), 0);
	s = sqe_rw(nvme_cmd_read, nsze - 1, 2, iova(&h, b), 0);
	assert_int_equal(run(&h, 1, &s, NULL) & ST_MASK, ST(0, NVME_SC_LBA_RANGE));
	s = sqe_rw(nvme_cmd_write, UINT64_MAX - 1, 4, iova(&h, b), 0);
	assert_int_equal(run(&h, 1, &s, NULL) & ST_MASK, ST(0, NVME_SC_LBA_RANGE));
	s = sqe_rw(nvme_cmd_read, 0, 17, iova(&h, b), iova(&h, b + 4096));
	assert_int_equal(run(&h, 1, &s, NULL) & ST_MASK, ST(0, NVME_SC_INVALID_FIELD));
	s = sqe_rw(nvme_cmd_read, 0, 1, iova(&h, b), 0);
	s.nsid = 2;
	assert_int_equal(run(&h, 1, &s, NULL) & ST_MASK, ST(0, NVME_SC_INVALID_NS));
	s.nsid = 0;
	assert_int_equal(run(&h, 1, &s, NULL) & ST_MASK, ST(0, NVME_SC_INVALID_NS));

	s = sqe_rw(0x7e, 0, 1, iova(&h, b), 0);
	assert_int_equal(run(&h, 1, &s, NULL) & ST_MASK, ST(0, NVME_SC_INVALID_OPCODE));
	s = sqe_rw(nvme_cmd_read, 0, 1, iova(&h, b), 0);
	s.flags = 0x40; /* PSDT: SGL, not offered */
	assert_int_equal(run(&h, 1, &s, NULL) & ST_MASK, ST(0, NVME_SC_INVALID_FIELD));

	s = sqe_rw(nvme_cmd_flush, 0, 1, 0, 0);
	assert_int_equal(run(&h, 1, &s, NULL), 0);
	s.nsid = NVME_NSID_ALL;
	assert_int_equal(run(&h, 1, &s, NULL), 0);
	s.nsid = 9;
	assert_int_equal(run(&h, 1, &s, NULL) & ST_MASK, ST(0, NVME_SC_INVALID_NS));
	h_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rw_prp1_prp2),
	    cmocka_unit_test(test_io_errors),
	};
	return cmocka_run_group_tests_name("emu_io", tests, NULL, NULL);
}
