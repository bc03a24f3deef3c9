/* libFuzzer target: a hostile driver. Each 64-byte chunk of the input is
 * written as a raw SQE (any opcode, CID, PRPs, queue IDs) onto the admin or
 * the I/O queue and announced by its doorbell; the emulated controller must
 * answer every command with a status and never crash. Every DMA goes
 * through the IOMMU model, so wild PRPs fault instead of touching memory. */
#include <stdint.h>
#include <string.h>

#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_dev d;
	if (fuzz_dev_open(&d, 8)) {
		fuzz_dev_close(&d);
		return 0;
	}
	for (size_t off = 0; off + 65 <= size && off < 65 * 64; off += 65) {
		/* The first byte picks the queue; the SQE keeps the rest raw. */
		struct nvme_queue *q = (data[off] & 1) ? d.c->admin : d.q;
		struct nvme_sqe *sqe = &q->sq[q->sq_tail];
		memcpy(sqe, data + off + 1, sizeof(*sqe));
		/* Point some PRPs at the real buffer so data paths run too. */
		if (data[off] & 2)
			sqe->prp1 = dma_addr(&d.buf, (size_t)(sqe->prp1 & 0xfffc) % d.buf.len);
		q->sq_tail = (uint16_t)((q->sq_tail + 1) % q->entries);
		*q->sq_db = q->sq_tail;
		emu_process(d.emu);
		struct nvme_done done[8];
		/* CIDs are the fuzzer's: the driver discards what it cannot
		 * match, and the CQ head moves on. */
		nvme_queue_poll(q, done, 8);
		if (data[off] & 4)
			emu_process(d.emu);
	}
	fuzz_dev_close(&d);
	return 0;
}
