/* Unit tests for the emulated controller as a whole (driver/emu/emu_core.c,
 * emu_thread.c): configuration checks on creation, THREAD and INLINE modes
 * (INLINE with concurrent driver threads), and random commands that must be
 * answered without harming the controller. */
#include <pthread.h>
#include <string.h>

#include "tests/unit/emu_fixture.h"
#include "driver/util/clock.h"

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
	    cmocka_unit_test(test_thread_mode),	   cmocka_unit_test(test_inline_mode),
	    cmocka_unit_test(test_inline_threads), cmocka_unit_test(test_create_validation),
	    cmocka_unit_test(test_fuzz),
	};
	return cmocka_run_group_tests_name("emu_core", tests, NULL, NULL);
}
