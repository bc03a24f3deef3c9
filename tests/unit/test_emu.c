/* Unit tests for the emulated NVMe controller, driven the way a host driver
 * would: raw register stores, hand-built SQEs, CQEs polled by phase tag.
 * No driver code is involved. */
#include <pthread.h>
#include <string.h>

#include "tests/unit/emu_fixture.h"
#include "driver/util/clock.h"

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

static void test_cq_full_backpressure(void **state)
{
	(void)state;
	struct emu_cfg c;
	struct host h;
	struct nvme_cqe cqe;
	struct emu_stats st;

	cfg_test(&c);
	h_init(&h, &c, NULL);
	h_enable(&h, 8);
	ioq(&h, 1, 4, 8); /* CQ holds 3 entries */

	struct emu_stats st0;
	emu_get_stats(h.emu, &st0);
	uint16_t cids[6];
	for (int i = 0; i < 6; i++) {
		struct nvme_sqe s = sqe_rw(nvme_cmd_flush, 0, 1, 0, 0);
		submit_nodb(&h, 1, &s);
		cids[i] = s.cid;
	}
	ring(&h, 1);
	for (int i = 0; i < 4; i++)
		emu_process(h.emu);

	/* Three entries with phase 1, the fourth slot untouched. */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(h.q[1].cq[i].status & 1, 1);
		assert_int_equal(h.q[1].cq[i].cid, cids[i]);
	}
	assert_int_equal(h.q[1].cq[3].status, 0);
	assert_int_equal(h.q[1].cq[3].cid, 0);
	emu_get_stats(h.emu, &st);
	assert_int_equal(st.completions - st0.completions, 3);
	assert_int_equal(st.commands - st0.commands, 6);

	/* Consume them: the rest follows, wrapping with phase 0. */
	for (int i = 0; i < 3; i++) {
		assert_true(reap(&h, 1, &cqe));
		assert_int_equal(cqe.cid, cids[i]);
	}
	for (int i = 3; i < 6; i++) {
		assert_true(wait_cqe(&h, 1, &cqe, 1000));
		assert_int_equal(cqe.cid, cids[i]);
		assert_int_equal(status_of(&cqe), 0);
	}
	assert_int_equal(h.q[1].phase, 0); /* the host side saw a wrap */
	assert_false(wait_cqe(&h, 1, &cqe, 20));
	h_fini(&h);
}

static void test_phase_wrap(void **state)
{
	(void)state;
	struct emu_cfg c;
	struct host h;
	struct nvme_cqe cqe;

	cfg_test(&c);
	h_init(&h, &c, NULL);
	h_enable(&h, 8);
	ioq(&h, 1, 3, 5);

	for (unsigned i = 0; i < 10; i++) {
		uint8_t expect = (uint8_t)(((i / 3) & 1) ? 0 : 1);
		struct nvme_sqe s = sqe_rw(nvme_cmd_flush, 0, 1, 0, 0);
		assert_int_equal(run(&h, 1, &s, &cqe), 0);
		assert_int_equal(cqe.status & 1, expect);
		assert_int_equal(cqe.sqhd, (i + 1) % 5);
	}
	h_fini(&h);
}

static void test_inject(void **state)
{
	(void)state;
	struct emu_cfg c;
	struct host h;
	struct nvme_cqe cqe;
	struct err e;

	cfg_test(&c);
	h_std(&h, &c, NULL);
	uint8_t *b = halloc(&h, 4096);
	uint8_t *ns = emu_ns_data(h.emu, 1, NULL);

	/* Bad arguments. */
	assert_true(emu_inject(h.emu, 99, -1, EMU_FAULT_DROP, 0, 1, &e) < 0);
	assert_non_null(strstr(e.msg, "queue 99"));
	assert_true(emu_inject(h.emu, 1, 300, EMU_FAULT_DROP, 0, 1, &e) < 0);
	assert_true(emu_inject(h.emu, 1, -1, EMU_FAULT_DROP, 0, 0, &e) < 0);
	assert_true(emu_inject(h.emu, 1, -1, (enum emu_fault_kind)9, 0, 1, &e) < 0);
	assert_true(emu_inject(h.emu, 1, -1, EMU_FAULT_STATUS, 0x8000, 1, &e) < 0);

	/* STATUS: the write is not executed. */
	assert_int_equal(
	    emu_inject(h.emu, 1, nvme_cmd_write, EMU_FAULT_STATUS, ST(0, NVME_SC_INTERNAL), 1, &e),
	    0);
	memset(b, 0x5a, 4096);
	struct nvme_sqe s = sqe_rw(nvme_cmd_read, 0, 1, iova(&h, b), 0);
	assert_int_equal(run(&h, 1, &s, NULL), 0); /* reads do not match */
	memset(b, 0x5a, 4096);
	s = sqe_rw(nvme_cmd_write, 0, 1, iova(&h, b), 0);
	assert_int_equal(run(&h, 1, &s, NULL), ST(0, NVME_SC_INTERNAL));
	assert_int_equal(ns[0], 0);
	s = sqe_rw(nvme_cmd_write, 0, 1, iova(&h, b), 0);
	assert_int_equal(run(&h, 1, &s, NULL), 0);
	assert_int_equal(ns[0], 0x5a);

	/* DROP: consumed, never completed; the next command completes. */
	assert_int_equal(emu_inject(h.emu, 1, -1, EMU_FAULT_DROP, 0, 1, &e), 0);
	s = sqe_rw(nvme_cmd_flush, 0, 1, 0, 0);
	submit(&h, 1, &s);
	assert_false(wait_cqe(&h, 1, &cqe, 30));
	s = sqe_rw(nvme_cmd_flush, 0, 1, 0, 0);
	assert_int_equal(run(&h, 1, &s, &cqe), 0);

	/* Admin-queue rule. */
	assert_int_equal(emu_inject(h.emu, 0, nvme_admin_get_features, EMU_FAULT_STATUS,
				    ST(1, NVME_SC_FEATURE_NOT_SAVEABLE), 1, &e),
			 0);
	s = sqe_admin(nvme_admin_get_features, NVME_FEAT_FID_NUM_QUEUES, 0, 0);
	assert_int_equal(run(&h, 0, &s, NULL), ST(1, NVME_SC_FEATURE_NOT_SAVEABLE));

	/* FATAL: CFS, nothing more is processed, a reset recovers. */
	assert_int_equal(emu_inject(h.emu, 1, nvme_cmd_read, EMU_FAULT_FATAL, 0, 1, &e), 0);
	assert_int_equal(emu_inject(h.emu, 1, nvme_cmd_flush, EMU_FAULT_DROP, 0, 5, &e), 0);
	s = sqe_rw(nvme_cmd_read, 0, 1, iova(&h, b), 0);
	submit(&h, 1, &s);
	emu_process(h.emu);
	assert_int_equal(csts(&h) & 2, 2);
	s = sqe_rw(nvme_cmd_write, 0, 1, iova(&h, b), 0);
	submit(&h, 1, &s);
	assert_false(wait_cqe(&h, 1, &cqe, 30));

	tr_write32(h.t, NVME_REG_CC, 0);
	assert_true(wait_csts(&h, 3, 0, 1000));
	h_enable(&h, 16);
	ioq(&h, 1, 8, 8);
	/* The reset cleared the five-flush DROP rule on queue 1. */
	s = sqe_rw(nvme_cmd_flush, 0, 1, 0, 0);
	assert_int_equal(run(&h, 1, &s, NULL), 0);
	struct emu_stats st;
	emu_get_stats(h.emu, &st);
	assert_int_equal(st.resets, 1);
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

static void test_xlate_cost_and_timing(void **state)
{
	(void)state;
	struct emu_cfg c;
	struct host h;
	struct xl xl;
	struct nvme_cqe cqe;

	memset(&xl, 0, sizeof(xl));
	xl.fail_kind = -1;
	cfg_test(&c);
	h_std(&h, &c, &xl);
	uint8_t *b = halloc(&h, 4096);

	/* The translation cost of the data chunk delays the completion. */
	xl.cost[EMU_DMA_DATA] = 80 * 1000000ull;
	uint64_t t0 = clock_now_ns();
	struct nvme_sqe s = sqe_rw(nvme_cmd_read, 0, 8, iova(&h, b), 0);
	submit(&h, 1, &s);
	emu_process(h.emu);
	assert_false(peek(&h, 1, &cqe));
	assert_true(wait_cqe(&h, 1, &cqe, 3000));
	assert_true(clock_now_ns() - t0 >= 80 * 1000000ull);
	assert_int_equal(cqe.cid, s.cid);
	h_fini(&h);

	/* Bandwidth term: a 64 KiB read submitted first completes after a
	 * 512 B read submitted behind it. */
	cfg_test(&c);
	c.bytes_per_sec = 640u * 1024; /* 64 KiB -> 100 ms, 512 B -> 0.8 ms */
	h_std(&h, &c, NULL);
	b = halloc(&h, 4096);
	uint8_t *big = halloc(&h, 65536);
	uint64_t *list = halloc(&h, 4096);
	for (int i = 0; i < 15; i++)
		list[i] = iova(&h, big + 4096 * (i + 1));
	struct nvme_sqe sb = sqe_rw(nvme_cmd_read, 0, 128, iova(&h, big), iova(&h, list));
	struct nvme_sqe ss = sqe_rw(nvme_cmd_read, 0, 1, iova(&h, b), 0);
	submit_nodb(&h, 1, &sb);
	submit_nodb(&h, 1, &ss);
	ring(&h, 1);
	assert_true(wait_cqe(&h, 1, &cqe, 3000));
	assert_int_equal(cqe.cid, ss.cid);
	assert_true(wait_cqe(&h, 1, &cqe, 3000));
	assert_int_equal(cqe.cid, sb.cid);
	assert_int_equal(status_of(&cqe), 0);
	h_fini(&h);

	/* base_ns: nothing is posted before the service time. */
	cfg_test(&c);
	c.base_ns = 50 * 1000000ull;
	h_init(&h, &c, NULL);
	h_enable(&h, 8); /* admin commands pay it too; run() waits */
	ioq(&h, 1, 8, 8);
	t0 = clock_now_ns();
	s = sqe_rw(nvme_cmd_flush, 0, 1, 0, 0);
	submit(&h, 1, &s);
	emu_process(h.emu);
	assert_false(peek(&h, 1, &cqe));
	assert_true(wait_cqe(&h, 1, &cqe, 3000));
	assert_true(clock_now_ns() - t0 >= 50 * 1000000ull);
	h_fini(&h);
}

static void test_delete_sq_aborts(void **state)
{
	(void)state;
	struct emu_cfg c;
	struct host h;
	struct nvme_cqe cqe;

	cfg_test(&c);
	c.bytes_per_sec = 400; /* a 4 KiB read takes 10 s; data-less commands are instant */
	h_init(&h, &c, NULL);
	h_enable(&h, 8);
	ioq(&h, 1, 8, 8);
	uint8_t *buf = halloc(&h, 4096);

	/* One command fetched (pending for 10 s), then two left unfetched. */
	struct nvme_sqe a = sqe_rw(nvme_cmd_read, 0, 8, iova(&h, buf), 0);
	submit(&h, 1, &a);
	emu_process(h.emu);
	struct nvme_sqe b1 = sqe_rw(nvme_cmd_flush, 0, 1, 0, 0);
	struct nvme_sqe b2 = sqe_rw(nvme_cmd_flush, 0, 1, 0, 0);
	submit_nodb(&h, 1, &b1);
	submit_nodb(&h, 1, &b2);
	ring(&h, 1);

	struct nvme_sqe d = sqe_admin(nvme_admin_delete_sq, 1, 0, 0);
	submit(&h, 0, &d);
	uint16_t got[3] = {0};
	for (int i = 0; i < 3; i++) {
		assert_true(wait_cqe(&h, 1, &cqe, 1000));
		assert_int_equal(status_of(&cqe) & ST_MASK, ST(0, NVME_SC_ABORT_QUEUE));
		got[i] = cqe.cid;
	}
	assert_int_equal(got[0], a.cid);
	assert_int_equal(got[1], b1.cid);
	assert_int_equal(got[2], b2.cid);
	assert_true(wait_cqe(&h, 0, &cqe, 1000));
	assert_int_equal(cqe.cid, d.cid);
	assert_int_equal(status_of(&cqe), 0);
	h_fini(&h);
}

static void test_bad_doorbell_and_reset(void **state)
{
	(void)state;
	struct emu_cfg c;
	struct host h;
	struct emu_stats st0, st;
	struct nvme_cqe cqe;

	cfg_test(&c);
	h_std(&h, &c, NULL);
	emu_get_stats(h.emu, &st0);

	struct nvme_sqe s = sqe_rw(nvme_cmd_flush, 0, 1, 0, 0);
	submit_nodb(&h, 1, &s);
	tr_write32(h.t, nvme_sq_db_off(1, 0), 16); /* == size: invalid */
	tr_write32(h.t, nvme_sq_db_off(7, 0), 1);  /* no such queue */
	tr_write32(h.t, nvme_cq_db_off(1, 0), 99);
	for (int i = 0; i < 3; i++)
		emu_process(h.emu);
	emu_get_stats(h.emu, &st);
	assert_int_equal(st.commands, st0.commands);
	assert_false(peek(&h, 1, &cqe));
	ring(&h, 1);
	tr_write32(h.t, nvme_cq_db_off(1, 0), 0);
	assert_true(wait_cqe(&h, 1, &cqe, 1000));
	assert_int_equal(cqe.cid, s.cid);

	/* Reset drops the I/O queues and zeroes the doorbells. */
	tr_write32(h.t, NVME_REG_CC, 0);
	assert_true(wait_csts(&h, 1, 0, 1000));
	assert_int_equal(tr_read32(h.t, nvme_sq_db_off(1, 0)), 0);
	h_enable(&h, 8);
	ioq(&h, 1, 4, 4); /* qid 1 is free again */
	s = sqe_rw(nvme_cmd_flush, 0, 1, 0, 0);
	assert_int_equal(run(&h, 1, &s, NULL), 0);
	emu_get_stats(h.emu, &st);
	assert_int_equal(st.resets, 1);
	h_fini(&h);
}

static void rw_roundtrip(struct host *h, unsigned qi)
{
	uint8_t *w = halloc(h, 8192), *r = halloc(h, 8192);
	fill(w, 8192, 9);
	struct nvme_sqe s = sqe_rw(nvme_cmd_write, 32, 16, iova(h, w), iova(h, w + 4096));
	assert_int_equal(run(h, qi, &s, NULL), 0);
	s = sqe_rw(nvme_cmd_read, 32, 16, iova(h, r), iova(h, r + 4096));
	assert_int_equal(run(h, qi, &s, NULL), 0);
	assert_memory_equal(r, w, 8192);
}

static void test_thread_mode(void **state)
{
	(void)state;
	struct emu_cfg c;
	struct host h;

	cfg_test(&c);
	c.mode = EMU_MODE_THREAD;
	h_init(&h, &c, NULL);
	assert_null(h.t->notify);
	assert_null(h.t->idle);
	h_enable(&h, 8);
	ioq(&h, 1, 8, 8);
	rw_roundtrip(&h, 1);
	h_fini(&h);
}

static void test_inline_mode(void **state)
{
	(void)state;
	struct emu_cfg c;
	struct host h;
	struct nvme_cqe cqe;

	cfg_test(&c);
	c.mode = EMU_MODE_INLINE;
	h_init(&h, &c, NULL);
	assert_non_null(h.t->notify);
	assert_non_null(h.t->idle);
	h_enable(&h, 8);
	ioq(&h, 1, 8, 8);
	/* The doorbell store itself executes the command. */
	struct nvme_sqe s = sqe_rw(nvme_cmd_flush, 0, 1, 0, 0);
	submit(&h, 1, &s);
	assert_true(reap(&h, 1, &cqe));
	assert_int_equal(cqe.cid, s.cid);
	rw_roundtrip(&h, 1);
	h_fini(&h);
}

/* INLINE mode with several driver threads, each owning one queue pair and
 * ringing doorbells and polling concurrently, as the benchmarks do. */
struct worker {
	struct host *h;
	unsigned qi;
	uint8_t *w, *r;
	int errors;
};

static void *worker_main(void *arg)
{
	struct worker *wk = arg;
	struct host *h = wk->h;
	struct hq *q = &h->q[wk->qi];
	uint16_t cid = 0;

	for (unsigned i = 0; i < 300; i++) {
		uint64_t lba = (uint64_t)wk->qi * 1024 + (i % 8) * 8;
		for (int dir = 0; dir < 2; dir++) {
			uint8_t *buf = dir ? wk->r : wk->w;
			if (!dir)
				fill(buf, 4096, wk->qi * 1000 + i);
			struct nvme_sqe s =
			    sqe_rw(dir ? nvme_cmd_read : nvme_cmd_write, lba, 8, iova(h, buf), 0);
			s.cid = ++cid ? cid : ++cid;
			q->sq[q->tail] = s;
			q->tail = (uint16_t)((q->tail + 1) % q->sqsz);
			tr_write32(h->t, nvme_sq_db_off((uint16_t)wk->qi, 0), q->tail);
			struct nvme_cqe cqe;
			uint64_t end = clock_now_ns() + 2000000000ull;
			bool got = false;
			while (!(got = reap(h, wk->qi, &cqe)) && clock_now_ns() < end)
				h->t->idle(h->t);
			if (!got || cqe.cid != s.cid || status_of(&cqe))
				wk->errors++;
		}
		if (memcmp(wk->w, wk->r, 4096))
			wk->errors++;
	}
	return NULL;
}

static void test_inline_threads(void **state)
{
	(void)state;
	struct emu_cfg c;
	struct host h;
	struct worker wk[3];
	pthread_t th[3];
	struct emu_stats st0, st;

	cfg_test(&c);
	c.mode = EMU_MODE_INLINE;
	h_init(&h, &c, NULL);
	h_enable(&h, 8);
	for (unsigned i = 0; i < 3; i++) {
		ioq(&h, (uint16_t)(i + 1), 8, 4);
		wk[i] = (struct worker){
		    .h = &h, .qi = i + 1, .w = halloc(&h, 4096), .r = halloc(&h, 4096)};
	}
	emu_get_stats(h.emu, &st0);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&th[i], NULL, worker_main, &wk[i]), 0);
	for (unsigned i = 0; i < 3; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(wk[i].errors, 0);
	}
	emu_get_stats(h.emu, &st);
	assert_int_equal(st.commands - st0.commands, 3 * 300 * 2);
	assert_int_equal(st.completions - st0.completions, 3 * 300 * 2);
	assert_int_equal(st.bytes_written - st0.bytes_written, 3 * 300 * 4096);
	assert_int_equal(st.bytes_read - st0.bytes_read, 3 * 300 * 4096);
	h_fini(&h);
}

static void test_create_validation(void **state)
{
	(void)state;
	struct emu_cfg c;
	static char dummy;
	struct emu *emu = (struct emu *)(void *)&dummy;
	struct err e;

	emu_destroy(NULL);
	cfg_test(&c);
	c.lba_shift = 10;
	assert_true(emu_create(&c, &emu, &e) < 0);
	assert_null(emu);
	assert_non_null(strstr(e.msg, "lba_shift"));
	cfg_test(&c);
	c.ns_bytes = 4096 + 100;
	assert_true(emu_create(&c, &emu, &e) < 0);
	assert_non_null(strstr(e.msg, "ns_bytes"));
	cfg_test(&c);
	c.ns_bytes = 0;
	assert_true(emu_create(&c, &emu, &e) < 0);
	cfg_test(&c);
	c.mqes = 0;
	assert_true(emu_create(&c, &emu, &e) < 0);
	assert_non_null(strstr(e.msg, "mqes"));
	cfg_test(&c);
	c.mdts = 0;
	assert_true(emu_create(&c, &emu, &e) < 0);
	cfg_test(&c);
	c.nn = 0;
	assert_true(emu_create(&c, &emu, &e) < 0);
	cfg_test(&c);
	c.serial = "this serial number is far too long";
	assert_true(emu_create(&c, &emu, &e) < 0);
	assert_non_null(strstr(e.msg, "serial"));
	cfg_test(&c);
	c.mode = (enum emu_mode)7;
	assert_true(emu_create(&c, &emu, &e) < 0);
	assert_true(emu_create(NULL, &emu, &e) < 0);

	cfg_test(&c);
	c.serial = NULL; /* falls back to the default */
	assert_int_equal(emu_create(&c, &emu, &e), 0);
	emu_destroy(emu);
}

/* Garbage from the host must be answered, never crash the controller. */
static void test_fuzz(void **state)
{
	(void)state;
	struct emu_cfg c;
	struct host h;
	struct xl xl;
	struct nvme_cqe cqe;
	static const uint8_t ops[] = {0, 1, 2, 3, 0x7f, 0xff};
	static const uint8_t aops[] = {0x06, 0x09, 0x0a, 0x02, 0x7f, 0x05, 0x01, 0x0c};

	memset(&xl, 0, sizeof(xl));
	xl.fail_kind = -1;
	cfg_test(&c);
	c.mdts = 4;
	h_std(&h, &c, &xl);
	uint8_t *pool = halloc(&h, 64 * 4096);
	uint64_t seed = 0x9e3779b97f4a7c15ull;
#define RND() (seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17, seed)
	for (int i = 0; i < 3000; i++) {
		struct nvme_sqe s;
		uint64_t r[8];
		for (int k = 0; k < 8; k++)
			r[k] = RND();
		memcpy(&s, r, sizeof(s));
		s.opc = ops[r[0] % sizeof(ops)];
		s.flags = (r[1] & 7) ? 0 : s.flags;
		s.cid = 0;
		s.nsid = (uint32_t)(r[2] % 3);
		s.cdw12 &= (r[3] & 1) ? 0x7f : 0xffff;
		if (r[4] & 1)
			s.cdw11 = 0;
		if (r[4] & 2)
			s.cdw10 &= 0x1fff;
		if (r[5] & 1)
			s.prp1 = iova(&h, pool) + (r[6] % (64 * 4096));
		if (r[5] & 2)
			s.prp2 = iova(&h, pool) + (r[7] % (64 * 4096));
		assert_true(run(&h, 1, &s, &cqe) <= NVME_STATUS_DEVICE_MASK);
	}
	for (int i = 0; i < 1000; i++) {
		struct nvme_sqe s;
		uint64_t r[8];
		for (int k = 0; k < 8; k++)
			r[k] = RND();
		memcpy(&s, r, sizeof(s));
		s.opc = aops[r[0] % sizeof(aops)];
		s.flags = 0;
		s.cid = 0;
		s.nsid = (uint32_t)(r[2] % 4);
		s.cdw10 = (uint32_t)(r[3] & 0x000f00ff) | (uint32_t)(r[3] >> 40 & 2);
		if (s.opc == 0x05 || s.opc == 0x01)
			s.cdw10 = (uint32_t)((r[3] & 0xff) << 16) | (uint32_t)(2 + r[4] % 3);
		s.prp1 = iova(&h, pool) + ((r[5] & 1) ? (r[6] % (64 * 4096)) : 0);
		assert_true(run(&h, 0, &s, &cqe) <= NVME_STATUS_DEVICE_MASK);
	}
#undef RND
	assert_int_equal(csts(&h) & 3, 1);
	assert_false(xl.crossed);
	rw_roundtrip(&h, 1);
	h_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rw_prp1_prp2),
	    cmocka_unit_test(test_rw_prp_list_chain),
	    cmocka_unit_test(test_prp_offset_invalid),
	    cmocka_unit_test(test_io_errors),
	    cmocka_unit_test(test_cq_full_backpressure),
	    cmocka_unit_test(test_phase_wrap),
	    cmocka_unit_test(test_inject),
	    cmocka_unit_test(test_xlate_hook),
	    cmocka_unit_test(test_xlate_cost_and_timing),
	    cmocka_unit_test(test_delete_sq_aborts),
	    cmocka_unit_test(test_bad_doorbell_and_reset),
	    cmocka_unit_test(test_thread_mode),
	    cmocka_unit_test(test_inline_mode),
	    cmocka_unit_test(test_inline_threads),
	    cmocka_unit_test(test_create_validation),
	    cmocka_unit_test(test_fuzz),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
