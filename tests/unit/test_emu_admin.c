/* Unit tests for the emulated controller's admin command set
 * (driver/emu/emu_admin.c): Identify, Number of Queues, and I/O queue
 * creation and deletion with their validation. */
#include <string.h>

#include "tests/unit/emu_fixture.h"

static void test_identify(void **state)
{
	(void)state;
	struct emu_cfg c;
	struct host h;
	struct nvme_cqe cqe;

	cfg_test(&c);
	c.serial = "SN-TEST-42";
	c.model = "Test Model X";
	c.firmware = "FW7";
	c.mdts = 7;
	c.nn = 3;
	c.ns_bytes = 1u << 20;
	c.lba_shift = 12;
	h_init(&h, &c, NULL);
	h_enable(&h, 8);

	struct nvme_id_ctrl *ic = halloc(&h, 4096);
	struct nvme_sqe s = sqe_admin(nvme_admin_identify, NVME_IDENTIFY_CNS_CTRL, 0, iova(&h, ic));
	assert_int_equal(run(&h, 0, &s, &cqe), 0);
	assert_memory_equal(ic->sn, "SN-TEST-42          ", 20);
	assert_memory_equal(ic->mn, "Test Model X", 12);
	assert_int_equal(ic->mn[12], ' ');
	assert_int_equal(ic->mn[39], ' ');
	assert_memory_equal(ic->fr, "FW7     ", 8);
	assert_int_equal(ic->mdts, 7);
	assert_int_equal(ic->sqes, 0x66);
	assert_int_equal(ic->cqes, 0x44);
	assert_int_equal(ic->nn, 3);
	assert_int_equal(ic->ver, 0x00010400);
	assert_int_equal(ic->vwc & 1, 1);
	assert_int_equal(cqe.sqhd, 1);

	/* Identify data crossing a page: PRP1 at an offset, PRP2 the next page. */
	uint8_t *two = halloc(&h, 8192);
	memset(two, 0xee, 8192);
	s = sqe_admin(nvme_admin_identify, NVME_IDENTIFY_CNS_NS, 0, iova(&h, two + 2048));
	s.prp2 = iova(&h, two + 4096);
	s.nsid = 2;
	assert_int_equal(run(&h, 0, &s, NULL), 0);
	struct nvme_id_ns ns;
	memcpy(&ns, two + 2048, sizeof(ns));
	assert_true(ns.nsze == (1u << 20) >> 12);
	assert_true(ns.ncap == ns.nsze && ns.nuse == ns.nsze);
	assert_int_equal(ns.nlbaf, 1);
	assert_int_equal(ns.flbas & 0xf, 1);
	assert_int_equal(ns.lbaf[0].ds, 9);
	assert_int_equal(ns.lbaf[1].ds, 12);
	assert_int_equal(two[2047], 0xee);
	assert_int_equal(two[2048 + 4096], 0xee);

	/* Active namespace list starting after NSID 1. */
	uint32_t *list = halloc(&h, 4096);
	s = sqe_admin(nvme_admin_identify, NVME_IDENTIFY_CNS_NS_ACTIVE_LIST, 0, iova(&h, list));
	s.nsid = 1;
	assert_int_equal(run(&h, 0, &s, NULL), 0);
	assert_int_equal(list[0], 2);
	assert_int_equal(list[1], 3);
	assert_int_equal(list[2], 0);

	s = sqe_admin(nvme_admin_identify, NVME_IDENTIFY_CNS_NS, 0, iova(&h, list));
	s.nsid = 4;
	assert_int_equal(run(&h, 0, &s, NULL) & ST_MASK, ST(0, NVME_SC_INVALID_NS));
	s = sqe_admin(nvme_admin_identify, 0x55, 0, iova(&h, list));
	assert_int_equal(run(&h, 0, &s, NULL) & ST_MASK, ST(0, NVME_SC_INVALID_FIELD));
	s = sqe_admin(0xc1, 0, 0, 0);
	uint16_t st = run(&h, 0, &s, NULL);
	assert_int_equal(st & ST_MASK, ST(0, NVME_SC_INVALID_OPCODE));
	assert_int_equal(st & NVME_SC_DNR, NVME_SC_DNR);
	h_fini(&h);
}

static void test_features_queues(void **state)
{
	(void)state;
	struct emu_cfg c;
	struct host h;
	struct nvme_cqe cqe;

	cfg_test(&c);
	c.max_io_queues = 4;
	h_init(&h, &c, NULL);
	h_enable(&h, 8);

	struct nvme_sqe s =
	    sqe_admin(nvme_admin_set_features, NVME_FEAT_FID_NUM_QUEUES, 1u << 16 | 7, 0);
	assert_int_equal(run(&h, 0, &s, &cqe), 0);
	assert_int_equal(cqe.dw0, 3u | 1u << 16); /* 4 SQs (capped), 2 CQs */
	s = sqe_admin(nvme_admin_get_features, NVME_FEAT_FID_NUM_QUEUES, 0, 0);
	assert_int_equal(run(&h, 0, &s, &cqe), 0);
	assert_int_equal(cqe.dw0, 3u | 1u << 16);
	s = sqe_admin(nvme_admin_set_features, NVME_FEAT_FID_NUM_QUEUES, 0xffff, 0);
	assert_int_equal(run(&h, 0, &s, NULL) & ST_MASK, ST(0, NVME_SC_INVALID_FIELD));

	/* Only 2 CQs were allocated. */
	uint8_t *mem = halloc(&h, 4096);
	assert_int_equal(create_cq(&h, 3, 4, 1, iova(&h, mem)) & ST_MASK,
			 ST(1, NVME_SC_QID_INVALID));
	assert_int_equal(create_cq(&h, 2, 4, 1, iova(&h, mem)), 0);

	s = sqe_admin(nvme_admin_set_features, NVME_FEAT_FID_NUM_QUEUES, 0, 0);
	assert_int_equal(run(&h, 0, &s, NULL) & ST_MASK, ST(0, NVME_SC_CMD_SEQ_ERROR));
	h_fini(&h);
}

static void test_queue_errors(void **state)
{
	(void)state;
	struct emu_cfg c;
	struct host h;

	cfg_test(&c);
	c.mqes = 63;
	h_init(&h, &c, NULL);
	h_enable(&h, 8);
	uint64_t m = iova(&h, halloc(&h, 8192));

	assert_int_equal(create_cq(&h, 0, 4, 1, m) & ST_MASK, ST(1, NVME_SC_QID_INVALID));
	assert_int_equal(create_cq(&h, 5, 4, 1, m) & ST_MASK, ST(1, NVME_SC_QID_INVALID));
	assert_int_equal(create_cq(&h, 1, 1, 1, m) & ST_MASK, ST(1, NVME_SC_QUEUE_SIZE));
	assert_int_equal(create_cq(&h, 1, 65, 1, m) & ST_MASK, ST(1, NVME_SC_QUEUE_SIZE));
	assert_int_equal(create_cq(&h, 1, 4, 0, m) & ST_MASK, ST(0, NVME_SC_INVALID_FIELD));
	assert_int_equal(create_cq(&h, 1, 4, 1, m + 16) & ST_MASK,
			 ST(0, NVME_SC_PRP_INVALID_OFFSET));
	assert_int_equal(create_cq(&h, 1, 4, 3, m), 0); /* PC + IEN */
	assert_int_equal(create_cq(&h, 1, 4, 1, m) & ST_MASK, ST(1, NVME_SC_QID_INVALID));

	assert_int_equal(create_sq(&h, 1, 4, 2, m + 4096) & ST_MASK, ST(1, NVME_SC_CQ_INVALID));
	assert_int_equal(create_sq(&h, 1, 4, 0, m + 4096) & ST_MASK, ST(1, NVME_SC_CQ_INVALID));
	assert_int_equal(create_sq(&h, 0, 4, 1, m + 4096) & ST_MASK, ST(1, NVME_SC_QID_INVALID));
	assert_int_equal(create_sq(&h, 1, 1, 1, m + 4096) & ST_MASK, ST(1, NVME_SC_QUEUE_SIZE));
	assert_int_equal(create_sq(&h, 1, 4, 1, m + 4096), 0);
	assert_int_equal(create_sq(&h, 1, 4, 1, m + 4096) & ST_MASK, ST(1, NVME_SC_QID_INVALID));

	struct nvme_sqe s = sqe_admin(nvme_admin_delete_cq, 1, 0, 0);
	assert_int_equal(run(&h, 0, &s, NULL) & ST_MASK, ST(1, NVME_SC_INVALID_QUEUE));
	s = sqe_admin(nvme_admin_delete_sq, 2, 0, 0);
	assert_int_equal(run(&h, 0, &s, NULL) & ST_MASK, ST(1, NVME_SC_QID_INVALID));
	s = sqe_admin(nvme_admin_delete_sq, 0, 0, 0);
	assert_int_equal(run(&h, 0, &s, NULL) & ST_MASK, ST(1, NVME_SC_QID_INVALID));
	s = sqe_admin(nvme_admin_delete_sq, 1, 0, 0);
	assert_int_equal(run(&h, 0, &s, NULL), 0);
	s = sqe_admin(nvme_admin_delete_cq, 1, 0, 0);
	assert_int_equal(run(&h, 0, &s, NULL), 0);
	s = sqe_admin(nvme_admin_delete_cq, 1, 0, 0);
	assert_int_equal(run(&h, 0, &s, NULL) & ST_MASK, ST(1, NVME_SC_QID_INVALID));
	/* The qid is free again. */
	assert_int_equal(create_cq(&h, 1, 4, 1, m), 0);
	h_fini(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_identify),
	    cmocka_unit_test(test_features_queues),
	    cmocka_unit_test(test_queue_errors),
	};
	return cmocka_run_group_tests_name("emu_admin", tests, NULL, NULL);
}
