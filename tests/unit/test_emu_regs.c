/* Unit tests for the emulated controller's registers and the state machine
 * they drive (driver/emu/emu_regs.c): CAP and VS, enable with its checks and
 * CSTS.CFS, the ready delay, shutdown, read-only registers, the doorbell
 * stride. */
#include "tests/unit/emu_fixture.h"
#include "driver/util/clock.h"

static void test_enable_and_regs(void **state)
{
	(void)state;
	struct emu_cfg c;
	struct host h;

	cfg_test(&c);
	c.mqes = 255;
	c.to_500ms = 7;
	h_init(&h, &c, NULL);

	uint64_t cap = tr_read64(h.t, NVME_REG_CAP);
	assert_int_equal(NVME_CAP_MQES(cap), 255);
	assert_int_equal(NVME_CAP_CQR(cap), 1);
	assert_int_equal(NVME_CAP_TO(cap), 7);
	assert_int_equal(NVME_CAP_DSTRD(cap), 0);
	assert_int_equal(NVME_CAP_CSS(cap) & NVME_CAP_CSS_NVM, NVME_CAP_CSS_NVM);
	assert_int_equal(NVME_CAP_MPSMIN(cap), 0);
	assert_int_equal(NVME_CAP_MPSMAX(cap), 4);
	assert_int_equal(tr_read32(h.t, NVME_REG_VS), 0x00010400);
	assert_int_equal(csts(&h) & 1, 0);

	h_enable(&h, 8);
	assert_int_equal(csts(&h) & 3, 1);

	/* Scribbles on read-only registers are undone. */
	tr_write32(h.t, NVME_REG_CAP, 0);
	tr_write32(h.t, NVME_REG_VS, 0xdead);
	tr_write32(h.t, NVME_REG_CSTS, 0);
	emu_process(h.emu);
	assert_true(tr_read64(h.t, NVME_REG_CAP) == cap);
	assert_int_equal(tr_read32(h.t, NVME_REG_VS), 0x00010400);
	assert_int_equal(csts(&h) & 1, 1);

	/* Shutdown notification completes (SHST = 2). */
	tr_write32(h.t, NVME_REG_CC, cc_on() | NVME_CC_SHN_NORMAL << NVME_CC_SHN_SHIFT);
	emu_process(h.emu);
	assert_int_equal(NVME_CSTS_SHST(csts(&h)), NVME_CSTS_SHST_CMPLT);
	h_fini(&h);
}

static void test_enable_invalid(void **state)
{
	(void)state;
	struct emu_cfg c;
	struct host h;
	struct emu_stats st;

	cfg_test(&c);
	c.mqes = 63;
	h_init(&h, &c, NULL);

	/* Admin queue larger than MQES allows. */
	h_admin_setup(&h, 128);
	tr_write32(h.t, NVME_REG_CC, cc_on());
	emu_process(h.emu);
	assert_int_equal(csts(&h) & 3, 2); /* CFS, not RDY */

	tr_write32(h.t, NVME_REG_CC, 0);
	emu_process(h.emu);
	assert_int_equal(csts(&h) & 3, 0);
	emu_get_stats(h.emu, &st);
	assert_int_equal(st.resets, 1);

	/* Unaligned ASQ. */
	h_admin_setup(&h, 8);
	tr_write64(h.t, NVME_REG_ASQ, iova(&h, h.q[0].sq) + 64);
	tr_write32(h.t, NVME_REG_CC, cc_on());
	emu_process(h.emu);
	assert_int_equal(csts(&h) & 3, 2);
	tr_write32(h.t, NVME_REG_CC, 0);
	emu_process(h.emu);

	/* CC.MPS != 0. */
	h_admin_setup(&h, 8);
	tr_write32(h.t, NVME_REG_CC, cc_on() | 1u << NVME_CC_MPS_SHIFT);
	emu_process(h.emu);
	assert_int_equal(csts(&h) & 3, 2);
	tr_write32(h.t, NVME_REG_CC, 0);
	emu_process(h.emu);

	/* And a valid configuration still works afterwards. */
	h_enable(&h, 8);
	h_fini(&h);
}

static void test_ready_delay(void **state)
{
	(void)state;
	struct emu_cfg c;
	struct host h;

	cfg_test(&c);
	c.ready_us = 60000;
	h_init(&h, &c, NULL);
	h_admin_setup(&h, 8);

	uint64_t t0 = clock_now_ns();
	tr_write32(h.t, NVME_REG_CC, cc_on());
	emu_process(h.emu);
	assert_int_equal(csts(&h) & 1, 0);
	assert_true(wait_csts(&h, 1, 1, 3000));
	assert_true(clock_now_ns() - t0 >= 60000000ull);

	t0 = clock_now_ns();
	tr_write32(h.t, NVME_REG_CC, 0);
	emu_process(h.emu);
	assert_int_equal(csts(&h) & 1, 1);
	assert_true(wait_csts(&h, 1, 0, 3000));
	assert_true(clock_now_ns() - t0 >= 60000000ull);
	h_fini(&h);
}

static void test_dstrd(void **state)
{
	(void)state;
	struct emu_cfg c;
	struct host h;

	cfg_test(&c);
	c.dstrd = 2;
	c.max_io_queues = 3;
	h_init(&h, &c, NULL);
	assert_int_equal(NVME_CAP_DSTRD(tr_read64(h.t, NVME_REG_CAP)), 2);
	assert_true(h.t->regs_len >= 0x1000 + 4 * 2 * 16);
	h_enable(&h, 8);
	ioq(&h, 3, 8, 8);
	uint8_t *w = halloc(&h, 4096), *r = halloc(&h, 4096);
	fill(w, 4096, 5);
	struct nvme_sqe s = sqe_rw(nvme_cmd_write, 8, 8, iova(&h, w), 0);
	assert_int_equal(run(&h, 3, &s, NULL), 0);
	s = sqe_rw(nvme_cmd_read, 8, 8, iova(&h, r), 0);
	assert_int_equal(run(&h, 3, &s, NULL), 0);
	assert_memory_equal(r, w, 4096);

	/* A store at the stride-0 location of SQ 3's doorbell is not a doorbell. */
	struct nvme_sqe f = sqe_rw(nvme_cmd_flush, 0, 1, 0, 0);
	submit_nodb(&h, 3, &f);
	tr_write32(h.t, nvme_sq_db_off(3, 0), h.q[3].tail);
	struct nvme_cqe cqe;
	assert_false(wait_cqe(&h, 3, &cqe, 20));
	ring(&h, 3);
	assert_true(wait_cqe(&h, 3, &cqe, 1000));
	h_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_enable_and_regs),
	    cmocka_unit_test(test_enable_invalid),
	    cmocka_unit_test(test_ready_delay),
	    cmocka_unit_test(test_dstrd),
	};
	return cmocka_run_group_tests_name("emu_regs", tests, NULL, NULL);
}
