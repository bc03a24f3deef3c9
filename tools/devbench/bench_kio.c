/* The kernel backend's own work per I/O: QD1 reads of one 4 KiB buffer at
 * random LBAs through driver/kio (io_uring on a block device with O_DIRECT),
 * without timestamps (valgrind cannot run RDTSCP). Run under callgrind with
 * collection toggled on kio_rw and kio_reap (scripts/bench-kio.sh): the
 * count is what the backend executes in user space between the latency
 * kind's two timestamps (preparing the SQE, io_uring_submit, waiting for
 * and taking the CQE), liburing's user-space part included; the kernel's
 * side of io_uring_enter(2) is not counted by valgrind.
 * usage: bench-kio DEVICE [IOS] [KERNEL-OPTS] */
#include <stdio.h>
#include <stdlib.h>

#include "driver/kio/kio.h"

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench-kio DEVICE [IOS] [KERNEL-OPTS]\n");
		return 2;
	}
	unsigned long ios = argc > 2 ? strtoul(argv[2], NULL, 10) : 10000;
	struct err e = {0};
	struct kio_dev d;
	struct kio_ring *r = NULL;
	struct dma_buf b = {.len = 4096, .page_size = 4096, .page_shift = 12};
	if (posix_memalign((void **)&b.va, 4096, 4096)) {
		fprintf(stderr, "bench-kio: out of memory\n");
		return 1;
	}
	int rc = kio_dev_open(argv[1], argc > 3 ? argv[3] : NULL, &d, &e);
	if (rc) {
		fprintf(stderr, "bench-kio: %s\n", e.msg);
		free(b.va);
		return 1;
	}
	rc = kio_ring_open(&d, 1, &b, &r, &e);
	if (rc) {
		fprintf(stderr, "bench-kio: %s\n", e.msg);
		kio_dev_close(&d);
		free(b.va);
		return 1;
	}
	uint64_t blocks = d.ns.nlbas >> (12 - d.ns.lba_shift), seed = 88172645463325252ull;
	unsigned long errors = 0;
	for (unsigned long i = 0; i < ios; i++) {
		seed ^= seed << 13; /* xorshift64 */
		seed ^= seed >> 7;
		seed ^= seed << 17;
		uint64_t lba = (seed % blocks) << (12 - d.ns.lba_shift);
		struct kio_done done;
		if (kio_rw(r, false, &d.ns, lba, &b, 0, 4096, NULL) ||
		    kio_reap(r, &done, 1, true) != 1 || done.res)
			errors++;
	}
	printf("ios %lu errors %lu\n", ios, errors);
	kio_ring_close(r);
	kio_dev_close(&d);
	free(b.va);
	return errors ? 1 : 0;
}
