/* Unit tests for the emulated controller's submission and completion queues
 * (driver/emu/emu_sq.c, emu_cq.c): CQE posting against a full CQ, phase tags,
 * the timing model that decides when a completion is due, SQ deletion
 * aborting its commands, doorbell checks, and the injected faults that SQ
 * dispatch applies (driver/emu/emu_inject.c). */
#include <string.h>

#include "tests/unit/emu_fixture.h"
#include "driver/util/clock.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cq_full_backpressure),
	    cmocka_unit_test(test_phase_wrap),
	    cmocka_unit_test(test_inject),
	    cmocka_unit_test(test_xlate_cost_and_timing),
	    cmocka_unit_test(test_delete_sq_aborts),
	    cmocka_unit_test(test_bad_doorbell_and_reset),
	};
	return cmocka_run_group_tests_name("emu_queues", tests, NULL, NULL);
}
