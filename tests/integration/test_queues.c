/* Queue depths from 1 to 1024 with ring wrap-around, several queue pairs on
 * several threads, and queue creation limits. */
#include <errno.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>

#include "tests/helpers.h"
#include "driver/util/array.h"
#include "driver/util/clock.h"

/* Keeps `qd` commands in flight on one queue until `total` have completed;
 * checks each context comes back exactly once and data round-trips. */
static void run_depth(struct fixture *f, struct nvme_queue *q, uint32_t qd, uint32_t total)
{
	struct dma_buf b;
	size_t io = 512;
	assert_ok(backend_dma_alloc(f->be, (size_t)qd * io, MEM_4K, DMA_PROT_READ | DMA_PROT_WRITE,
				    &b, &f->e),
		  &f->e);
	uint8_t *seen = calloc(total, 1);
	assert_non_null(seen);
	uint32_t submitted = 0, completed = 0;
	struct nvme_done d[256];
	while (completed < total) {
		while (submitted < total && submitted - completed < qd) {
			uint32_t slot = submitted % qd;
			int rc =
			    nvme_queue_rw(q, nvme_cmd_write, f->ns, submitted % f->ns->nlbas, &b,
					  slot * io, io, (void *)(uintptr_t)(submitted + 1));
			assert_int_equal(rc, 0);
			submitted++;
		}
		unsigned n = nvme_queue_poll(q, d, 256);
		for (unsigned i = 0; i < n; i++) {
			assert_int_equal(d[i].status, 0);
			uintptr_t id = (uintptr_t)d[i].ctx;
			assert_true(id >= 1 && id <= total);
			assert_int_equal(seen[id - 1], 0);
			seen[id - 1] = 1;
			completed++;
		}
	}
	assert_int_equal(nvme_queue_inflight(q), 0);
	/* The queue wrapped several times: the driver's indices agree with a
	 * simple model of the ring. */
	assert_int_equal(q->sq_tail, total % q->entries);
	assert_int_equal(q->cq_head, total % q->entries);
	free(seen);
	backend_dma_free(f->be, &b);
}

static void depths(void **state)
{
	(void)state;
	struct fixture f;
	fixture_open(&f, "mode=inline,base_ns=0,bw=0,mqes=1024", NULL);
	const uint32_t qds[] = {1, 2, 7, 32, 255, 1023, 1024};
	for (size_t i = 0; i < ARRAY_SIZE(qds); i++) {
		struct nvme_queue *q;
		assert_ok(nvme_ctrl_create_queue(f.c, (uint16_t)(qds[i] + 1), &q, &f.e), &f.e);
		assert_int_equal(q->ncids, qds[i]);
		run_depth(&f, q, qds[i], qds[i] * 3 + 17);
		assert_ok(nvme_ctrl_delete_queue(f.c, q, &f.e), &f.e);
	}
	fixture_close(&f);
}

static void depth_full_queue_busy(void **state)
{
	(void)state;
	/* With every CID in use, a further submit says -EBUSY and changes
	 * nothing; manual mode keeps the device from consuming anything. */
	struct fixture f;
	fixture_open(&f, "mode=manual,base_ns=0,bw=0", NULL);
	struct nvme_queue *q;
	assert_ok(nvme_ctrl_create_queue(f.c, 5, &q, &f.e), &f.e);
	struct dma_buf b;
	assert_ok(backend_dma_alloc(f.be, 4096, MEM_4K, DMA_PROT_READ | DMA_PROT_WRITE, &b, &f.e),
		  &f.e);
	for (int i = 0; i < 4; i++)
		assert_int_equal(nvme_queue_rw(q, nvme_cmd_read, f.ns, 0, &b, 0, 512, NULL), 0);
	uint16_t tail = q->sq_tail;
	assert_int_equal(nvme_queue_rw(q, nvme_cmd_read, f.ns, 0, &b, 0, 512, NULL), -EBUSY);
	assert_int_equal(q->sq_tail, tail);
	struct nvme_done d[8];
	unsigned got = 0;
	while (got < 4)
		got += nvme_queue_poll(q, d + got, 8 - got);
	assert_int_equal(nvme_queue_inflight(q), 0);
	backend_dma_free(f.be, &b);
	fixture_close(&f);
}

struct worker {
	struct fixture *f;
	struct nvme_queue *q;
	uint32_t index;
	int failures;
};

/* Each thread owns a queue pair and a disjoint LBA range. */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct fixture *f = w->f;
	struct err e;
	struct dma_buf b;
	const size_t io = 4096;
	if (backend_dma_alloc(f->be, 2 * io, MEM_4K, DMA_PROT_READ | DMA_PROT_WRITE, &b, &e)) {
		w->failures++;
		return NULL;
	}
	uint64_t base = (uint64_t)w->index * 1024;
	for (uint32_t i = 0; i < 200; i++) {
		uint64_t lba = base + (i % 64) * (io >> f->ns->lba_shift);
		fill_pattern(b.va, io, w->index * 100000 + i);
		if (nvme_io_sync(w->q, nvme_cmd_write, f->ns, lba, &b, 0, io, NULL, &e) ||
		    nvme_io_sync(w->q, nvme_cmd_read, f->ns, lba, &b, io, io, NULL, &e) ||
		    memcmp(b.va, b.va + io, io) != 0)
			w->failures++;
	}
	backend_dma_free(f->be, &b);
	return NULL;
}

static void threads_in_mode(const char *opts)
{
	struct fixture f;
	fixture_open(&f, opts, NULL);
	enum { N = 4 };
	struct worker w[N];
	pthread_t th[N];
	for (uint32_t i = 0; i < N; i++) {
		w[i] = (struct worker){.f = &f, .index = i};
		assert_ok(nvme_ctrl_create_queue(f.c, 32, &w[i].q, &f.e), &f.e);
	}
	for (uint32_t i = 0; i < N; i++)
		assert_int_equal(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
	for (uint32_t i = 0; i < N; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].failures, 0);
		assert_int_equal(w[i].q->st.completed, 400);
	}
	fixture_close(&f);
}

static void threads_inline(void **state)
{
	(void)state;
	threads_in_mode("mode=inline,base_ns=0,bw=0");
}

static void threads_device_thread(void **state)
{
	(void)state;
	threads_in_mode("mode=thread,base_ns=1000,bw=0");
}

static void creation_limits(void **state)
{
	(void)state;
	struct fixture f;
	struct nvme_ctrl_opts o;
	nvme_ctrl_opts_default(&o);
	o.io_queues = 8;
	fixture_open(&f, "queues=2,mqes=63", &o);
	assert_int_equal(f.c->info.io_queues, 2);
	struct nvme_queue *q1, *q2, *q3;
	assert_int_equal(nvme_ctrl_create_queue(f.c, 65, &q1, &f.e), -EINVAL);
	assert_non_null(strstr(f.e.msg, "allows 2 to 64"));
	assert_int_equal(nvme_ctrl_create_queue(f.c, 1, &q1, &f.e), -EINVAL);
	assert_ok(nvme_ctrl_create_queue(f.c, 64, &q1, &f.e), &f.e);
	assert_ok(nvme_ctrl_create_queue(f.c, 2, &q2, &f.e), &f.e);
	assert_int_equal(nvme_ctrl_create_queue(f.c, 2, &q3, &f.e), -ENOSPC);
	/* Deleting one frees its QID for the next. */
	uint16_t qid = q1->qid;
	assert_ok(nvme_ctrl_delete_queue(f.c, q1, &f.e), &f.e);
	assert_ok(nvme_ctrl_create_queue(f.c, 8, &q3, &f.e), &f.e);
	assert_int_equal(q3->qid, qid);
	struct dma_buf b;
	assert_ok(backend_dma_alloc(f.be, 4096, MEM_4K, DMA_PROT_READ | DMA_PROT_WRITE, &b, &f.e),
		  &f.e);
	assert_ok(nvme_io_sync(q3, nvme_cmd_read, f.ns, 0, &b, 0, 4096, NULL, &f.e), &f.e);
	assert_ok(nvme_io_sync(q2, nvme_cmd_read, f.ns, 0, &b, 0, 4096, NULL, &f.e), &f.e);
	backend_dma_free(f.be, &b);
	fixture_close(&f);
}

/* Polls for 2 ms with nothing outstanding: whatever the device posts now
 * answers no command, and the driver counts it as unmatched. */
static void expect_no_completions(struct nvme_queue *q)
{
	struct nvme_done d[8];
	assert_int_equal(nvme_queue_inflight(q), 0);
	uint64_t end = clock_now_ns() + 2000000;
	while (clock_now_ns() < end)
		assert_int_equal(nvme_queue_poll(q, d, 8), 0);
	if (q->st.bad_cqes || q->st.late_cqes)
		fail_msg("queue %u: %llu completions matched no command (%llu late): the device "
			 "ran commands nobody submitted",
			 q->qid, (unsigned long long)q->st.bad_cqes,
			 (unsigned long long)q->st.late_cqes);
}

/* A queue deleted with its tail doorbell at 3, 4 or 5 and re-created under
 * the same QID must start empty: the old doorbell value announces nothing
 * (emu_sq_setup). Only a device that looks at doorbells on its own sees
 * the stale value before the driver's first write replaces it: the device
 * thread does, inline mode runs a queue only when its doorbell is written. */
static void recreate_in_mode(const char *opts)
{
	struct fixture f;
	fixture_open(&f, opts, NULL);
	struct dma_buf b;
	assert_ok(backend_dma_alloc(f.be, 4096, MEM_4K, DMA_PROT_READ | DMA_PROT_WRITE, &b, &f.e),
		  &f.e);
	for (int round = 0; round < 3; round++) {
		struct nvme_queue *q;
		assert_ok(nvme_ctrl_create_queue(f.c, 8, &q, &f.e), &f.e);
		assert_int_equal(q->qid, 1);
		expect_no_completions(q);
		for (int i = 0; i < 3 + round; i++)
			assert_ok(nvme_io_sync(q, nvme_cmd_read, f.ns, 0, &b, 0, 512, NULL, &f.e),
				  &f.e);
		expect_no_completions(q);
		assert_ok(nvme_ctrl_delete_queue(f.c, q, &f.e), &f.e);
	}
	/* The deleted queues' counts stay with the controller. */
	struct nvme_queue_stats st;
	nvme_ctrl_stats(f.c, &st);
	assert_int_equal(st.bad_cqes + st.late_cqes, 0);
	assert_true(st.completed >= 3 + 4 + 5);
	backend_dma_free(f.be, &b);
	fixture_close(&f);
}

static void recreate_same_qid(void **state)
{
	(void)state;
	recreate_in_mode("mode=thread,base_ns=0,bw=0");
	recreate_in_mode("mode=inline,base_ns=0,bw=0");
}

int main(void)
{
	const struct CMUnitTest t[] = {
	    cmocka_unit_test(depths),	       cmocka_unit_test(depth_full_queue_busy),
	    cmocka_unit_test(threads_inline),  cmocka_unit_test(threads_device_thread),
	    cmocka_unit_test(creation_limits), cmocka_unit_test(recreate_same_qid),
	};
	return cmocka_run_group_tests_name("queues", t, NULL, NULL);
}
