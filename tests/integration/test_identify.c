/* Controller bring-up and Identify data parsed by the driver. */
#include <errno.h>
#include <string.h>

#include "tests/helpers.h"

static void identify_fields(void **state)
{
	(void)state;
	struct fixture f;
	fixture_open(&f,
		     "serial=SN-ABC-123,model=iotlbench test model,firmware=FW1.2.3,mdts=3,"
		     "ns_size=16m,lba=512,nn=3,queues=5",
		     NULL);
	assert_string_equal(f.c->info.serial, "SN-ABC-123");
	assert_string_equal(f.c->info.model, "iotlbench test model");
	assert_string_equal(f.c->info.firmware, "FW1.2.3");
	/* MDTS = 3: 2^3 pages of 4 KiB. */
	assert_int_equal(f.c->info.max_xfer, 8 * 4096);
	assert_int_equal(f.c->info.version >> 8, 0x0104);
	assert_int_equal(f.c->info.nn, 3);
	assert_int_equal(f.c->nns, 3);
	assert_int_equal(f.c->info.io_queues, 5);
	const struct nvme_ns *ns = f.ns;
	assert_int_equal(ns->nsid, 1);
	assert_int_equal(ns->lba_shift, 9);
	assert_int_equal(ns->nlbas, (16u << 20) >> 9);
	assert_non_null(nvme_ctrl_ns(f.c, 3));
	assert_null(nvme_ctrl_ns(f.c, 4));
	/* Both LBA formats are reported; the one in use is 512 B. */
	assert_true(f.c->ns[0].nlbaf >= 2);
	assert_int_equal(f.c->ns[0].lbaf_ds[f.c->ns[0].flbas], 9);
	fixture_close(&f);
}

static void lba_4k_format(void **state)
{
	(void)state;
	struct fixture f;
	fixture_open(&f, "ns_size=8m,lba=4096", NULL);
	assert_int_equal(f.ns->lba_shift, 12);
	assert_int_equal(f.ns->nlbas, (8u << 20) >> 12);
	fixture_close(&f);
}

static void capabilities(void **state)
{
	(void)state;
	struct fixture f;
	fixture_open(&f, "mqes=255,dstrd=2,to=4", NULL);
	assert_int_equal(f.c->info.max_entries, 256);
	assert_int_equal(f.c->info.dstrd, 2);
	assert_int_equal(f.c->info.timeout_ms, 2000);
	/* Doorbells at stride 16 bytes must still work end to end. */
	struct nvme_queue *q;
	assert_ok(nvme_ctrl_create_queue(f.c, 16, &q, &f.e), &f.e);
	struct dma_buf b;
	assert_ok(backend_dma_alloc(f.be, 4096, MEM_4K, DMA_PROT_READ | DMA_PROT_WRITE, &b, &f.e),
		  &f.e);
	assert_ok(nvme_io_sync(q, nvme_cmd_read, f.ns, 0, &b, 0, 4096, NULL, &f.e), &f.e);
	backend_dma_free(f.be, &b);
	fixture_close(&f);
}

static void ready_delay_within_timeout(void **state)
{
	(void)state;
	/* CSTS.RDY lags CC.EN by 200 ms; CAP.TO = 1 s: bring-up must wait. */
	struct fixture f;
	fixture_open(&f, "ready_us=200000,to=2", NULL);
	assert_true(f.c->enabled);
	fixture_close(&f);
}

static void ready_timeout_is_error(void **state)
{
	(void)state;
	/* RDY takes 1.5 s but CAP.TO promises 500 ms: the driver gives up
	 * after CAP.TO and says so. */
	struct backend *be;
	struct nvme_ctrl *c = NULL;
	struct err e;
	struct backend_cfg cfg = {.emu_opts = "ready_us=1500000,to=1"};
	assert_ok(backend_open("emu", &cfg, &be, &e), &e);
	assert_int_equal(nvme_ctrl_open(&be->dev, NULL, &c, &e), -ETIMEDOUT);
	assert_null(c);
	assert_non_null(strstr(e.msg, "CAP.TO = 500 ms"));
	assert_non_null(strstr(e.msg, "stage 'enable controller'"));
	backend_close(be);
}

static void identify_bad_cns(void **state)
{
	(void)state;
	struct fixture f;
	fixture_open(&f, NULL, NULL);
	struct nvme_sqe cmd = {.opc = nvme_admin_identify, .cdw10 = 0x7e};
	uint32_t status = 0;
	assert_int_equal(nvme_admin_exec(f.c, &cmd, &f.c->scratch, 4096, NULL, &status, &f.e),
			 -EIO);
	assert_int_equal(status & 0x7ff, NVME_SC_INVALID_FIELD);
	assert_non_null(strstr(f.e.msg, "Identify failed: Invalid Field"));
	fixture_close(&f);
}

static void unknown_backend(void **state)
{
	(void)state;
	struct backend *be = NULL;
	struct err e;
	assert_int_equal(backend_open("nosuch", NULL, &be, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "unknown backend 'nosuch'; available: emu"));
}

int main(void)
{
	const struct CMUnitTest t[] = {
	    cmocka_unit_test(identify_fields),	      cmocka_unit_test(lba_4k_format),
	    cmocka_unit_test(capabilities),	      cmocka_unit_test(ready_delay_within_timeout),
	    cmocka_unit_test(ready_timeout_is_error), cmocka_unit_test(identify_bad_cns),
	    cmocka_unit_test(unknown_backend),
	};
	return cmocka_run_group_tests_name("identify", t, NULL, NULL);
}
