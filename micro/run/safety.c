#include "micro/run/safety.h"

#include <blkid/blkid.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "driver/util/hostfs.h"

/* Signatures live near the start (partition tables, most superblocks, LVM
 * labels) or within the last megabyte (GPT backup header, MD 0.90/1.0
 * superblocks); the middle is left as a hole of zeroes. */
#define PROBE_SPAN (1u << 20)

static int read_span(struct nvme_queue *q, const struct nvme_ns *ns, struct dma_buf *b,
		     uint64_t byte_off, uint64_t len, int fd, struct err *e)
{
	uint64_t lba = byte_off >> ns->lba_shift;
	for (uint64_t done = 0; done < len;) {
		uint64_t chunk = len - done < b->len ? len - done : b->len;
		if (chunk > q->max_xfer)
			chunk = q->max_xfer;
		if (nvme_io_sync(q, nvme_cmd_read, ns, lba + (done >> ns->lba_shift), b, 0, chunk,
				 NULL, e))
			return err_wrap(e, "reading namespace %u for the data-safety check",
					ns->nsid);
		if (pwrite(fd, b->va, chunk, (off_t)(byte_off + done)) != (ssize_t)chunk)
			return err_set(e, errno, "data-safety check: cannot stage blocks: %s",
				       strerror(errno));
		done += chunk;
	}
	return 0;
}

static int probe(int fd, char *what, size_t len, struct err *e)
{
	blkid_probe pr = blkid_new_probe();
	if (!pr)
		return err_set(e, ENOMEM, "libblkid: cannot allocate a probe");
	int rc = blkid_probe_set_device(pr, fd, 0, 0);
	if (!rc) {
		blkid_probe_enable_superblocks(pr, 1);
		blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_USAGE |
							  BLKID_SUBLKS_LABEL);
		blkid_probe_enable_partitions(pr, 1);
		rc = blkid_do_fullprobe(pr);
	}
	if (rc < 0) {
		blkid_free_probe(pr);
		return err_set(e, EIO, "libblkid could not probe the namespace's blocks");
	}
	what[0] = '\0';
	if (rc == 0) {
		const char *type = NULL, *usage = NULL, *label = NULL, *pttype = NULL;
		blkid_probe_lookup_value(pr, "PTTYPE", &pttype, NULL);
		blkid_probe_lookup_value(pr, "TYPE", &type, NULL);
		blkid_probe_lookup_value(pr, "USAGE", &usage, NULL);
		blkid_probe_lookup_value(pr, "LABEL", &label, NULL);
		if (pttype)
			snprintf(what, len, "a partition table of type %s", pttype);
		else
			snprintf(what, len, "a %s signature of type %s%s%s", usage ? usage : "data",
				 type ? type : "?", label ? ", label " : "", label ? label : "");
	}
	blkid_free_probe(pr);
	return 0;
}

int safety_check_blockdev(const char *dev_path, struct err *e)
{
	int fd = hostfs_open(dev_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, errno, "data-safety check: cannot open %s: %s", dev_path,
			       strerror(errno));
	char what[256];
	int rc = probe(fd, what, sizeof(what), e);
	close(fd);
	if (!rc && what[0])
		rc = err_set(e, EEXIST,
			     "%s holds %s: a write benchmark would destroy it; use another "
			     "device, or pass --force-destroy-data",
			     dev_path, what);
	return rc;
}

int safety_check(struct nvme_ctrl *c, const struct nvme_ns *ns, struct err *e)
{
	uint64_t bytes = ns->nlbas << ns->lba_shift;
	struct nvme_queue *q = NULL;
	struct dma_buf b = {0};
	int fd = memfd_create("iotlbench-safety", MFD_CLOEXEC);
	if (fd < 0)
		return err_set(e, errno, "data-safety check: memfd_create: %s", strerror(errno));
	int rc = ftruncate(fd, (off_t)bytes)
		     ? err_set(e, errno, "data-safety check: ftruncate: %s", strerror(errno))
		     : 0;
	if (!rc)
		rc = nvme_ctrl_create_queue(c, 2, &q, e);
	if (!rc)
		rc = dma_alloc(c->dev, 128 << 10, 4096, DMA_PROT_READ | DMA_PROT_WRITE, &b, e);
	uint64_t head = bytes < PROBE_SPAN ? bytes : PROBE_SPAN;
	if (!rc)
		rc = read_span(q, ns, &b, 0, head, fd, e);
	if (!rc && bytes > head)
		rc = read_span(q, ns, &b, bytes - head, head, fd, e);
	char what[256];
	if (!rc)
		rc = probe(fd, what, sizeof(what), e);
	if (!rc && what[0])
		rc = err_set(
		    e, EEXIST,
		    "namespace %u holds %s: a write benchmark would destroy it; use another "
		    "namespace or device, or pass --force-destroy-data",
		    ns->nsid, what);
	struct err ignore;
	if (b.va)
		dma_free(c->dev, &b);
	if (q)
		nvme_ctrl_delete_queue(c, q, &ignore);
	close(fd);
	return rc;
}
