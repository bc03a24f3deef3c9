/* Unit tests for the emulated controller's DMA (driver/emu/emu_dma.c): PRP
 * lists and their chaining, PRP offset checks, and the translation hook that
 * sees every chunk, including what a failing chunk does. */
#include <string.h>

#include "tests/unit/emu_fixture.h"

static void test_rw_prp_list_chain(void **state)
{
	(void)state;
	struct emu_cfg c;
	struct host h;

	cfg_test(&c);
	h_std(&h, &c, NULL);
	uint8_t *ns = emu_ns_data(h.emu, 1, NULL);

	/* 6 pages: PRP1 + 5 via the list. The first list page starts 3 entries
	 * before its end: 2 data entries and a chain pointer; the second list
	 * page holds the other 3. */
	enum { NP = 6 };
	uint8_t *pg[NP], *rd[NP];
	for (int i = 0; i < NP; i++) {
		pg[i] = halloc(&h, 4096);
		fill(pg[i], 4096, 10 + (unsigned)i);
		rd[i] = halloc(&h, 4096);
	}
	uint64_t *l1 = halloc(&h, 4096), *l2 = halloc(&h, 4096);
	uint64_t *l1e = l1 + 512 - 3;
	l1e[0] = iova(&h, pg[1]);
	l1e[1] = iova(&h, pg[2]);
	l1e[2] = iova(&h, l2);
	for (int i = 0; i < 3; i++)
		l2[i] = iova(&h, pg[3 + i]);
	struct nvme_sqe s = sqe_rw(nvme_cmd_write, 64, NP * 8, iova(&h, pg[0]), iova(&h, l1e));
	assert_int_equal(run(&h, 1, &s, NULL), 0);
	for (int i = 0; i < NP; i++)
		assert_memory_equal(ns + 64 * NS_SECT + (size_t)i * 4096, pg[i], 4096);

	uint64_t *m1 = halloc(&h, 4096), *m2 = halloc(&h, 4096);
	uint64_t *m1e = m1 + 512 - 3;
	m1e[0] = iova(&h, rd[1]);
	m1e[1] = iova(&h, rd[2]);
	m1e[2] = iova(&h, m2);
	for (int i = 0; i < 3; i++)
		m2[i] = iova(&h, rd[3 + i]);
	s = sqe_rw(nvme_cmd_read, 64, NP * 8, iova(&h, rd[0]), iova(&h, m1e));
	assert_int_equal(run(&h, 1, &s, NULL), 0);
	for (int i = 0; i < NP; i++)
		assert_memory_equal(rd[i], pg[i], 4096);
	h_fini(&h);
}

static void test_prp_offset_invalid(void **state)
{
	(void)state;
	struct emu_cfg c;
	struct host h;
	struct emu_stats st;

	cfg_test(&c);
	h_std(&h, &c, NULL);
	uint8_t *b = halloc(&h, 3 * 4096);
	uint64_t *list = halloc(&h, 4096);

	struct nvme_sqe s = sqe_rw(nvme_cmd_read, 0, 1, iova(&h, b) + 2, 0);
	uint16_t stt = run(&h, 1, &s, NULL);
	assert_int_equal(stt & ST_MASK, ST(0, NVME_SC_PRP_INVALID_OFFSET));
	/* Second page pointer with an offset. */
	s = sqe_rw(nvme_cmd_read, 0, 16, iova(&h, b), iova(&h, b) + 4096 + 512);
	assert_int_equal(run(&h, 1, &s, NULL) & ST_MASK, ST(0, NVME_SC_PRP_INVALID_OFFSET));
	/* List entry with an offset. */
	list[0] = iova(&h, b) + 4096;
	list[1] = iova(&h, b) + 8192 + 8;
	s = sqe_rw(nvme_cmd_read, 0, 24, iova(&h, b), iova(&h, list));
	assert_int_equal(run(&h, 1, &s, NULL) & ST_MASK, ST(0, NVME_SC_PRP_INVALID_OFFSET));
	/* List pointer not dword aligned. */
	list[1] = iova(&h, b) + 8192;
	s = sqe_rw(nvme_cmd_read, 0, 24, iova(&h, b), iova(&h, list) + 1);
	assert_int_equal(run(&h, 1, &s, NULL) & ST_MASK, ST(0, NVME_SC_PRP_INVALID_OFFSET));
	/* The same list, correct, works. */
	s = sqe_rw(nvme_cmd_read, 0, 24, iova(&h, b), iova(&h, list));
	assert_int_equal(run(&h, 1, &s, NULL), 0);
	emu_get_stats(h.emu, &st);
	assert_int_equal(st.bytes_read, 24 * NS_SECT);
	h_fini(&h);
}

static void test_xlate_hook(void **state)
{
	(void)state;
	struct emu_cfg c;
	struct host h;
	struct xl xl;
	struct emu_stats st;

	memset(&xl, 0, sizeof(xl));
	xl.fail_kind = -1;
	cfg_test(&c);
	h_std(&h, &c, &xl);
	uint8_t *ns = emu_ns_data(h.emu, 1, NULL);
	assert_int_equal(xl.calls[EMU_DMA_SQE], 2); /* Create I/O CQ and SQ */
	assert_int_equal(xl.calls[EMU_DMA_CQE], 2);

	/* 3 pages, PRP1 at an offset: 4 data chunks; the third fails. */
	uint8_t *buf = halloc(&h, 4 * 4096);
	uint64_t *l2 = halloc(&h, 4096);
	l2[0] = iova(&h, buf + 4096);
	l2[1] = iova(&h, buf + 8192);
	l2[2] = iova(&h, buf + 12288);
	fill(ns, 3 * 4096, 77);
	memset(buf, 0xa5, 4 * 4096);
	unsigned plist = xl.calls[EMU_DMA_PRP_LIST];
	xl.data_calls = 0;
	xl.fail_data_at = 3;
	struct nvme_sqe s = sqe_rw(nvme_cmd_read, 0, 24, iova(&h, buf + 2048), iova(&h, l2));
	assert_int_equal(run(&h, 1, &s, NULL) & ST_MASK, ST(0, NVME_SC_DATA_XFER_ERROR));
	assert_true(xl.data_calls >= 3);
	assert_int_equal(xl.calls[EMU_DMA_PRP_LIST], plist + 1);
	for (size_t i = 0; i < 4 * 4096; i++)
		if (buf[i] != 0xa5)
			fail_msg("host buffer modified at %zu despite the fault", i);
	emu_get_stats(h.emu, &st);
	assert_int_equal(st.dma_faults, 1);
	assert_int_equal(st.bytes_read, 0);

	/* A failed write leaves the namespace alone. */
	uint8_t before[3 * 4096];
	memcpy(before, ns, sizeof(before));
	xl.data_calls = 0;
	xl.fail_data_at = 4;
	s = sqe_rw(nvme_cmd_write, 0, 24, iova(&h, buf + 2048), iova(&h, l2));
	assert_int_equal(run(&h, 1, &s, NULL) & ST_MASK, ST(0, NVME_SC_DATA_XFER_ERROR));
	assert_memory_equal(ns, before, sizeof(before));

	/* No failure: the same read succeeds, chunk by chunk. */
	xl.data_calls = 0;
	xl.fail_data_at = 0;
	s = sqe_rw(nvme_cmd_read, 0, 24, iova(&h, buf + 2048), iova(&h, l2));
	assert_int_equal(run(&h, 1, &s, NULL), 0);
	assert_int_equal(xl.data_calls, 4);
	assert_memory_equal(buf + 2048, ns, 3 * 4096);
	assert_false(xl.crossed);

	/* A failing PRP list fetch is a data transfer error too. */
	xl.fail_kind = EMU_DMA_PRP_LIST;
	s = sqe_rw(nvme_cmd_read, 0, 24, iova(&h, buf + 2048), iova(&h, l2));
	assert_int_equal(run(&h, 1, &s, NULL) & ST_MASK, ST(0, NVME_SC_DATA_XFER_ERROR));
	emu_get_stats(h.emu, &st);
	assert_int_equal(st.dma_faults, 3);

	/* A failing SQE fetch is controller fatal. */
	xl.fail_kind = EMU_DMA_SQE;
	s = sqe_rw(nvme_cmd_flush, 0, 1, 0, 0);
	submit(&h, 1, &s);
	emu_process(h.emu);
	assert_int_equal(csts(&h) & 2, 2);
	h_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rw_prp_list_chain),
	    cmocka_unit_test(test_prp_offset_invalid),
	    cmocka_unit_test(test_xlate_hook),
	};
	return cmocka_run_group_tests_name("emu_dma", tests, NULL, NULL);
}
