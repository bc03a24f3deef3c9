/* Shared host side of the emulated-controller unit tests (test_emu_*.c):
 * the controller is driven the way a host driver would drive it, with raw
 * register stores, hand-built SQEs and CQEs polled by phase tag. No driver
 * code is involved. Each test program links emu_fixture.o. */
#ifndef IOTLB_TEST_EMU_FIXTURE_H
#define IOTLB_TEST_EMU_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>

#include "driver/emu/emu.h"
#include "driver/nvme/spec.h"

#define ARENA_LEN   (8u << 20)
#define ARENA_IOVA  0x7e0000000000ull /* far from any host pointer */
#define NQ	    4
#define ST(sct, sc) ((uint16_t)((sct) << 8 | (sc)))
#define ST_MASK	    0x7ffu /* SCT + SC, without CRD/M/DNR */
#define NS_SECT	    512u

/* A translation hook standing in for an IOMMU: IOVAs are offsets into the
 * host's arena, everything outside faults, and chosen chunks can be made to
 * fail. */
struct xl {
	uint8_t *arena;
	unsigned calls[4];
	unsigned data_calls;
	unsigned fail_data_at; /* fail the Nth DATA chunk (1-based), 0 = never */
	int fail_kind;	       /* fail every chunk of this kind, -1 = none */
	uint64_t cost[4];
	bool crossed; /* a chunk crossed a 4 KiB IOVA boundary */
};

/* The host's view of one queue pair (index 0 = admin). */
struct hq {
	struct nvme_sqe *sq;
	struct nvme_cqe *cq;
	uint16_t sqsz, cqsz, tail, head;
	uint8_t phase;
};

struct host {
	struct emu_cfg cfg;
	struct emu *emu;
	struct transport *t;
	uint8_t *arena;
	size_t used;
	struct xl *xl;
	struct hq q[NQ + 1];
	uint16_t cid;
};

/* Controller life: defaults for the tests (MANUAL mode, no timing, 4 MiB
 * namespace, 4 I/O queues), creation with an optional translation hook
 * (NULL: IOVAs are host pointers), destruction. */
void cfg_test(struct emu_cfg *c);
void h_init(struct host *h, const struct emu_cfg *cfg, struct xl *xl);
void h_fini(struct host *h);

/* Zeroed, page-aligned memory from the host arena, and its bus address. */
void *halloc(struct host *h, size_t len);
uint64_t iova(struct host *h, const void *p);

/* Gives the controller a chance to run (MANUAL: one emu_process round). */
void h_poll(struct host *h);

/* Registers: CSTS, CSTS polled until (CSTS & mask) == want or ms pass, a CC
 * value that enables with 64/16-byte entries, the admin queue registers for
 * an sz-entry admin pair, and that pair enabled (CSTS.RDY awaited). */
uint32_t csts(struct host *h);
bool wait_csts(struct host *h, uint32_t mask, uint32_t want, uint64_t ms);
uint32_t cc_on(void);
void h_admin_setup(struct host *h, uint16_t sz);
void h_enable(struct host *h, uint16_t sz);

/* Submission: an SQE placed at the tail (given a cid if it has none), the
 * tail doorbell rung, or both. */
void submit_nodb(struct host *h, unsigned qi, struct nvme_sqe *s);
void ring(struct host *h, unsigned qi);
void submit(struct host *h, unsigned qi, struct nvme_sqe *s);

/* Completion: the CQE at the head if its phase is current (peek), the same
 * and the head doorbell advanced (reap), reap retried for ms. */
bool peek(struct host *h, unsigned qi, struct nvme_cqe *out);
bool reap(struct host *h, unsigned qi, struct nvme_cqe *out);
bool wait_cqe(struct host *h, unsigned qi, struct nvme_cqe *out, uint64_t ms);
uint16_t status_of(const struct nvme_cqe *c);

/* Submits s on queue qi, waits for its CQE (into out unless NULL), checks its
 * cid and sqid and returns its status field without the phase tag. */
uint16_t run(struct host *h, unsigned qi, struct nvme_sqe *s, struct nvme_cqe *out);

struct nvme_sqe sqe_admin(uint8_t opc, uint32_t cdw10, uint32_t cdw11, uint64_t prp1);
struct nvme_sqe sqe_rw(uint8_t opc, uint64_t slba, uint32_t nlb, uint64_t prp1, uint64_t prp2);

/* Create I/O CQ / SQ admin commands, their status; ioq creates pair qid with
 * queues from the arena and asserts both succeed. */
uint16_t create_cq(struct host *h, uint16_t qid, uint16_t size, uint32_t flags, uint64_t base);
uint16_t create_sq(struct host *h, uint16_t qid, uint16_t size, uint16_t cqid, uint64_t base);
void ioq(struct host *h, uint16_t qid, uint16_t cqsz, uint16_t sqsz);

/* A data pattern derived from seed. */
void fill(uint8_t *p, size_t n, unsigned seed);

/* Standard bring-up: MANUAL controller, 16-entry admin queue, I/O pair 1. */
void h_std(struct host *h, const struct emu_cfg *cfg, struct xl *xl);

#endif
