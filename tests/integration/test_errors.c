/* Every error the device can report, injected or provoked, comes back with
 * the status the spec prescribes and leaves the driver usable. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tests/helpers.h"
#include "driver/util/clock.h"

struct efix {
	struct fixture f;
	struct nvme_queue *q;
	struct dma_buf b;
};

static void efix_open(struct efix *x, const char *opts, uint32_t io_timeout_ms)
{
	struct nvme_ctrl_opts o;
	nvme_ctrl_opts_default(&o);
	o.io_timeout_ms = io_timeout_ms;
	fixture_open(&x->f, opts, &o);
	assert_ok(nvme_ctrl_create_queue(x->f.c, 16, &x->q, &x->f.e), &x->f.e);
	assert_ok(backend_dma_alloc(x->f.be, 65536, MEM_4K, DMA_PROT_READ | DMA_PROT_WRITE, &x->b,
				    &x->f.e),
		  &x->f.e);
}

static void efix_close(struct efix *x)
{
	backend_dma_free(x->f.be, &x->b);
	fixture_close(&x->f);
}

/* Waits for one completion and returns it. */
static struct nvme_done wait_one(struct nvme_queue *q)
{
	struct nvme_done d;
	while (!nvme_queue_poll(q, &d, 1))
		;
	return d;
}

/* A write then read of one block must succeed and round-trip. */
static void assert_usable(struct efix *x)
{
	fill_pattern(x->b.va, 4096, 77);
	assert_ok(nvme_io_sync(x->q, nvme_cmd_write, x->f.ns, 8, &x->b, 0, 4096, NULL, &x->f.e),
		  &x->f.e);
	assert_ok(nvme_io_sync(x->q, nvme_cmd_read, x->f.ns, 8, &x->b, 4096, 4096, NULL, &x->f.e),
		  &x->f.e);
	assert_memory_equal(x->b.va, x->b.va + 4096, 4096);
}

static void invalid_opcode(void **state)
{
	(void)state;
	struct efix x;
	efix_open(&x, "base_ns=0,bw=0", 5000);
	struct nvme_sqe cmd = {.opc = 0x7c, .nsid = 1};
	assert_int_equal(nvme_queue_submit(x.q, &cmd, NULL, 0, 0, &x), 0);
	struct nvme_done d = wait_one(x.q);
	assert_ptr_equal(d.ctx, &x);
	assert_int_equal(NVME_STATUS_SCT(d.status), NVME_SCT_GENERIC);
	assert_int_equal(NVME_STATUS_SC(d.status), NVME_SC_INVALID_OPCODE);
	assert_non_null(strstr(nvme_status_str(d.status), "Invalid Command Opcode"));
	assert_usable(&x);
	efix_close(&x);
}

static void lba_out_of_range(void **state)
{
	(void)state;
	struct efix x;
	efix_open(&x, "base_ns=0,bw=0", 5000);
	/* Hand-built so the driver's own range check does not stop it. */
	uint64_t slba = x.f.ns->nlbas - 1;
	struct nvme_sqe cmd = {.opc = nvme_cmd_read,
			       .nsid = 1,
			       .cdw10 = (uint32_t)slba,
			       .cdw11 = (uint32_t)(slba >> 32),
			       .cdw12 = 1};
	assert_int_equal(nvme_queue_submit(x.q, &cmd, &x.b, 0, 1024, NULL), 0);
	struct nvme_done d = wait_one(x.q);
	assert_int_equal(d.status & 0x7ff, NVME_SC_LBA_RANGE);
	char buf[256];
	assert_non_null(strstr(nvme_status_desc(d.status, buf, sizeof(buf)), "SC 0x80"));
	/* Invalid namespace. */
	cmd.nsid = 99;
	cmd.cdw10 = cmd.cdw11 = 0;
	assert_int_equal(nvme_queue_submit(x.q, &cmd, &x.b, 0, 1024, NULL), 0);
	d = wait_one(x.q);
	assert_int_equal(d.status & 0x7ff, NVME_SC_INVALID_NS);
	assert_usable(&x);
	efix_close(&x);
}

static void injected_status(void **state)
{
	(void)state;
	struct efix x;
	efix_open(&x, "base_ns=0,bw=0", 5000);
	assert_ok(emu_inject(x.f.emu, x.q->qid, nvme_cmd_read, EMU_FAULT_STATUS,
			     NVME_SC_DATA_XFER_ERROR, 2, &x.f.e),
		  &x.f.e);
	uint32_t status = 0;
	/* Writes are not matched by the rule. */
	assert_ok(nvme_io_sync(x.q, nvme_cmd_write, x.f.ns, 0, &x.b, 0, 512, NULL, &x.f.e), &x.f.e);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(
		    nvme_io_sync(x.q, nvme_cmd_read, x.f.ns, 0, &x.b, 0, 512, &status, &x.f.e),
		    -EIO);
		assert_int_equal(status & 0x7ff, NVME_SC_DATA_XFER_ERROR);
		assert_non_null(strstr(x.f.e.msg, "Data Transfer Error"));
	}
	assert_usable(&x);
	efix_close(&x);
}

static void timeout_then_reset(void **state)
{
	(void)state;
	struct efix x;
	efix_open(&x, "base_ns=0,bw=0", 100);
	assert_ok(emu_inject(x.f.emu, x.q->qid, -1, EMU_FAULT_DROP, 0, 1, &x.f.e), &x.f.e);
	uint32_t status = 0;
	uint64_t t0 = clock_now_ns();
	assert_int_equal(nvme_io_sync(x.q, nvme_cmd_read, x.f.ns, 0, &x.b, 0, 512, &status, &x.f.e),
			 -ETIMEDOUT);
	uint64_t waited = clock_now_ns() - t0;
	assert_int_equal(status, NVME_HOST_TIMEOUT);
	assert_true(waited >= 100000000ull);
	assert_true(waited < 5000000000ull);
	assert_non_null(strstr(x.f.e.msg, "timed out"));
	assert_int_equal(x.q->st.timeouts, 1);
	/* The timed-out CID stays out of use until a reset; others still work. */
	assert_int_equal(x.q->nfree, x.q->ncids - 1);
	assert_usable(&x);
	assert_ok(nvme_ctrl_reset(x.f.c, &x.f.e), &x.f.e);
	assert_int_equal(x.q->nfree, x.q->ncids);
	assert_usable(&x);
	efix_close(&x);
}

static void fatal_then_reset(void **state)
{
	(void)state;
	struct efix x;
	efix_open(&x, "base_ns=0,bw=0", 5000);
	assert_ok(emu_inject(x.f.emu, x.q->qid, nvme_cmd_write, EMU_FAULT_FATAL, 0, 1, &x.f.e),
		  &x.f.e);
	uint32_t status = 0;
	uint64_t t0 = clock_now_ns();
	assert_int_equal(
	    nvme_io_sync(x.q, nvme_cmd_write, x.f.ns, 0, &x.b, 0, 512, &status, &x.f.e), -EIO);
	assert_int_equal(status, NVME_HOST_CTRL_FATAL);
	assert_non_null(strstr(x.f.e.msg, "CSTS.CFS"));
	/* Detected from CSTS.CFS, long before the 5 s command timeout. */
	assert_true(clock_now_ns() - t0 < 1000000000ull);
	assert_true(tr_read32(x.f.c->tr, NVME_REG_CSTS) & NVME_CSTS_BIT_CFS);
	assert_ok(nvme_ctrl_reset(x.f.c, &x.f.e), &x.f.e);
	assert_false(tr_read32(x.f.c->tr, NVME_REG_CSTS) & NVME_CSTS_BIT_CFS);
	assert_usable(&x);
	efix_close(&x);
}

static void reset_aborts_inflight(void **state)
{
	(void)state;
	struct efix x;
	efix_open(&x, "base_ns=0,bw=0", 5000);
	/* Eight commands the device swallows: still outstanding at reset. */
	assert_ok(emu_inject(x.f.emu, x.q->qid, -1, EMU_FAULT_DROP, 0, 8, &x.f.e), &x.f.e);
	int ctx[8];
	for (int i = 0; i < 8; i++)
		assert_int_equal(
		    nvme_queue_rw(x.q, nvme_cmd_read, x.f.ns, 0, &x.b, 0, 512, &ctx[i]), 0);
	assert_int_equal(nvme_queue_inflight(x.q), 8);
	uint64_t resets_before;
	struct emu_stats st;
	emu_get_stats(x.f.emu, &st);
	resets_before = st.resets;
	assert_ok(nvme_ctrl_reset(x.f.c, &x.f.e), &x.f.e);
	emu_get_stats(x.f.emu, &st);
	assert_int_equal(st.resets, resets_before + 1);
	struct nvme_done d[16];
	unsigned n = 0;
	for (int tries = 0; tries < 1000 && n < 8; tries++)
		n += nvme_queue_poll(x.q, d + n, 16 - n);
	assert_int_equal(n, 8);
	int seen[8] = {0};
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(d[i].status, NVME_HOST_ABORTED);
		int k = (int)((int *)d[i].ctx - ctx);
		assert_true(k >= 0 && k < 8);
		seen[k]++;
	}
	for (int i = 0; i < 8; i++)
		assert_int_equal(seen[i], 1);
	assert_int_equal(nvme_queue_inflight(x.q), 0);
	assert_usable(&x);
	efix_close(&x);
}

static void admin_injected_error(void **state)
{
	(void)state;
	struct efix x;
	efix_open(&x, "base_ns=0,bw=0", 5000);
	assert_ok(emu_inject(x.f.emu, 0, nvme_admin_create_cq, EMU_FAULT_STATUS,
			     NVME_SCT_CMD_SPECIFIC << 8 | NVME_SC_QID_INVALID, 1, &x.f.e),
		  &x.f.e);
	struct nvme_queue *q2;
	assert_int_equal(nvme_ctrl_create_queue(x.f.c, 8, &q2, &x.f.e), -EIO);
	assert_non_null(strstr(x.f.e.msg, "creating I/O CQ"));
	assert_non_null(strstr(x.f.e.msg, "SCT 1 SC 0x01"));
	/* The QID was not consumed: the next attempt gets it and works. */
	assert_ok(nvme_ctrl_create_queue(x.f.c, 8, &q2, &x.f.e), &x.f.e);
	assert_ok(nvme_io_sync(q2, nvme_cmd_read, x.f.ns, 0, &x.b, 0, 512, NULL, &x.f.e), &x.f.e);
	efix_close(&x);
}

/* A hostile or broken device: completions with an unknown CID, another
 * queue's SQ ID, or a CID that is not outstanding are consumed and counted,
 * never handed to the caller; a reset brings the queue back. */
static void malformed_completions(void **state)
{
	(void)state;
	struct efix x;
	efix_open(&x, "mode=manual,base_ns=0,bw=0", 5000);
	int a, b;
	assert_int_equal(nvme_queue_rw(x.q, nvme_cmd_read, x.f.ns, 0, &x.b, 0, 512, &a), 0);
	assert_int_equal(nvme_queue_rw(x.q, nvme_cmd_read, x.f.ns, 8, &x.b, 4096, 512, &b), 0);
	/* The device has not run (manual mode); forge its CQEs. */
	uint16_t cid_a = x.q->sq[0].cid;
	struct nvme_cqe forged[4] = {
	    {.cid = 900, .sqid = x.q->qid, .status = 1}, /* CID out of range */
	    /* Another queue's CQE for the same CID says Invalid Field (SC 0x02):
	     * if it were taken for a's, a would come back failed. */
	    {.cid = cid_a, .sqid = (uint16_t)(x.q->qid + 1), .status = 1 | 0x02 << 1},
	    {.cid = cid_a, .sqid = x.q->qid, .status = 1}, /* the real one */
	    {.cid = cid_a, .sqid = x.q->qid, .status = 1}, /* a duplicate */
	};
	for (int i = 0; i < 4; i++)
		memcpy((void *)&x.q->cq[i], &forged[i], sizeof(forged[i]));
	struct nvme_done d[8];
	unsigned n = 0;
	for (int tries = 0; tries < 4; tries++)
		n += nvme_queue_poll(x.q, d + n, 8 - n);
	assert_int_equal(n, 1);
	assert_ptr_equal(d[0].ctx, &a);
	assert_int_equal(d[0].status, 0);
	assert_int_equal(x.q->st.bad_cqes, 3);
	assert_int_equal(nvme_queue_inflight(x.q), 1);
	/* An entry with the old phase is not a completion at all. */
	struct nvme_cqe stale = {.cid = 1, .sqid = x.q->qid, .status = 0};
	memcpy((void *)&x.q->cq[4], &stale, sizeof(stale));
	assert_int_equal(nvme_queue_poll(x.q, d, 8), 0);
	/* The driver and device now disagree about the CQ: reset. The one
	 * outstanding command comes back aborted, then I/O works again. */
	assert_ok(nvme_ctrl_reset(x.f.c, &x.f.e), &x.f.e);
	n = 0;
	for (int tries = 0; tries < 100 && n < 1; tries++)
		n += nvme_queue_poll(x.q, d, 8);
	assert_int_equal(n, 1);
	assert_ptr_equal(d[0].ctx, &b);
	assert_int_equal(d[0].status, NVME_HOST_ABORTED);
	assert_usable(&x);
	efix_close(&x);
}

static void bad_emu_config(void **state)
{
	(void)state;
	struct backend *be = NULL;
	struct err e;
	/* 1000 bytes is no whole number of 512-byte LBAs. Any other failure
	 * (presets not found, an option parser that rejects the key) is not
	 * the error this test is about. */
	struct backend_cfg cfg = {.emu_opts = "ns_size=1000"};
	assert_int_equal(backend_open("emu", &cfg, &be, &e), -EINVAL);
	assert_null(be);
	assert_int_equal(e.code, EINVAL);
	printf("%s\n", e.msg);
	assert_non_null(strstr(e.msg, "backend emu"));
	assert_non_null(strstr(e.msg, " 1000 "));
	assert_non_null(strstr(e.msg, "multiple of the 512-byte LBA size"));
	/* The same size in whole LBAs opens. */
	cfg.emu_opts = "ns_size=1024";
	assert_ok(backend_open("emu", &cfg, &be, &e), &e);
	backend_close(be);
}

int main(void)
{
	const struct CMUnitTest t[] = {
	    cmocka_unit_test(invalid_opcode),	     cmocka_unit_test(lba_out_of_range),
	    cmocka_unit_test(injected_status),	     cmocka_unit_test(timeout_then_reset),
	    cmocka_unit_test(fatal_then_reset),	     cmocka_unit_test(reset_aborts_inflight),
	    cmocka_unit_test(admin_injected_error),  cmocka_unit_test(bad_emu_config),
	    cmocka_unit_test(malformed_completions),
	};
	return cmocka_run_group_tests_name("errors", t, NULL, NULL);
}
