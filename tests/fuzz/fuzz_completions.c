/* libFuzzer target: a hostile device. Eight real commands are outstanding;
 * the input is written into the completion queue as raw 16-byte CQEs (any
 * CID, SQ ID, phase, status) and the driver polls. It must never hand out a
 * completion it cannot match, never hand one out twice, and keep its
 * in-flight count consistent. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_dev d;
	if (fuzz_dev_open(&d, 16)) {
		fuzz_dev_close(&d);
		return 0;
	}
	const struct nvme_ns *ns = nvme_ctrl_ns(d.c, 1);
	int token[8], seen[8] = {0};
	for (int i = 0; i < 8; i++)
		if (nvme_queue_rw(d.q, nvme_cmd_read, ns, 0, &d.buf, (size_t)i * 4096, 512,
				  &token[i]))
			abort();
	struct nvme_queue *q = d.q;
	size_t ncqe = size / sizeof(struct nvme_cqe);
	for (size_t i = 0; i < ncqe && i < 64; i++) {
		/* The device writes the entry at the driver's head onward. */
		struct nvme_cqe c;
		memcpy(&c, data + i * sizeof(c), sizeof(c));
		uint16_t slot = (uint16_t)((q->cq_head + i % 4) % q->entries);
		memcpy((void *)&q->cq[slot], &c, sizeof(c));
		struct nvme_done done[16];
		unsigned n = nvme_queue_poll(q, done, 16);
		for (unsigned k = 0; k < n; k++) {
			int idx = (int)((int *)done[k].ctx - token);
			if (idx < 0 || idx >= 8)
				abort(); /* a context the driver never had */
			if (seen[idx]++ && !(done[k].status & NVME_HOST_MASK))
				abort(); /* the same command completed twice */
		}
		if (nvme_queue_inflight(q) > 8)
			abort();
	}
	/* Do not let the emulator chase the fuzzer's leftovers at close. */
	fuzz_dev_close(&d);
	return 0;
}
