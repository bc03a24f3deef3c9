/* NVM command set (NVM Express NVM Command Set; Read, Write and Flush as in
 * NVMe 1.4 section 6) against RAM-backed namespaces. Runs with the SQ lock. */
#include "driver/emu/emu_internal.h"

/* Read / Write: SLBA in CDW11:CDW10, 0-based NLB in CDW12 15:0. */
static uint16_t emu_rw(struct emu *emu, struct emu_sq *sq, struct emu_cmd *cmd, bool write)
{
	const struct nvme_sqe *s = &cmd->sqe;
	uint64_t slba = (uint64_t)s->cdw10 | (uint64_t)s->cdw11 << 32;
	uint64_t nlb = (uint64_t)(s->cdw12 & 0xffff) + 1;
	uint64_t bytes = nlb << emu->cfg.lba_shift;

	if (!(s->nsid >= 1 && s->nsid <= emu->cfg.nn))
		return EMU_GEN_DNR(NVME_SC_INVALID_NS);
	/* MDTS (5.15.2) caps one command's transfer; beyond it the command is
	 * malformed rather than out of range. */
	if (bytes > ((uint64_t)EMU_PAGE_SIZE << emu->cfg.mdts))
		return EMU_GEN_DNR(NVME_SC_INVALID_FIELD);
	if (slba >= emu->ns_blocks || nlb > emu->ns_blocks - slba)
		return EMU_GEN_DNR(NVME_SC_LBA_RANGE);

	enum emu_dma_dir dir = write ? EMU_DMA_FROM_HOST : EMU_DMA_TO_HOST;
	uint16_t st = emu_prp_walk(emu, &sq->xfer, s->prp1, s->prp2, (uint32_t)bytes, s->cid);
	if (!st)
		st = emu_xfer_map(emu, &sq->xfer, dir, s->cid);
	if (st)
		return st;

	uint8_t *media = emu->ns[s->nsid - 1] + (slba << emu->cfg.lba_shift);
	if (write) {
		emu_xfer_from_host(&sq->xfer, media);
		emu_ctr_add(&sq->bytes_written, bytes);
	} else {
		emu_xfer_to_host(&sq->xfer, media);
		emu_ctr_add(&sq->bytes_read, bytes);
	}
	cmd->bytes = bytes;
	return 0;
}

void emu_io_exec(struct emu *emu, struct emu_sq *sq, struct emu_cmd *cmd)
{
	const struct nvme_sqe *s = &cmd->sqe;

	/* No fused commands, no SGLs: FUSE and PSDT must be 0 (4.2). */
	if (s->flags) {
		cmd->status = EMU_GEN_DNR(NVME_SC_INVALID_FIELD);
		return;
	}
	switch (s->opc) {
	case nvme_cmd_flush:
		/* Namespaces are RAM, so the write cache has nothing to write
		 * back. NSID FFFFFFFFh flushes all namespaces. */
		if (s->nsid != NVME_NSID_ALL && !(s->nsid >= 1 && s->nsid <= emu->cfg.nn))
			cmd->status = EMU_GEN_DNR(NVME_SC_INVALID_NS);
		break;
	case nvme_cmd_write:
		cmd->status = emu_rw(emu, sq, cmd, true);
		break;
	case nvme_cmd_read:
		cmd->status = emu_rw(emu, sq, cmd, false);
		break;
	default:
		cmd->status = EMU_GEN_DNR(NVME_SC_INVALID_OPCODE);
		break;
	}
}
