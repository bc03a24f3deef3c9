#include "driver/host/pci_cfg.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

int pci_cfg_read_command(int fd, off_t base, uint16_t *cmd, struct err *e)
{
	/* Config space is little-endian (PCI Local Bus 3.0, 6.1). */
	uint8_t b[2];
	ssize_t n = pread(fd, b, sizeof(b), base + PCI_CFG_COMMAND);
	if (n != (ssize_t)sizeof(b))
		return err_set(e, n < 0 ? errno : EIO, "reading the PCI Command register: %s",
			       n < 0 ? strerror(errno) : "short read");
	*cmd = (uint16_t)(b[0] | b[1] << 8);
	return 0;
}

static int write_command(int fd, off_t base, uint16_t cmd, struct err *e)
{
	uint8_t b[2] = {(uint8_t)cmd, (uint8_t)(cmd >> 8)};
	ssize_t n = pwrite(fd, b, sizeof(b), base + PCI_CFG_COMMAND);
	if (n != (ssize_t)sizeof(b))
		return err_set(e, n < 0 ? errno : EIO,
			       "writing the PCI Command register: %s (config space writes need "
			       "root)",
			       n < 0 ? strerror(errno) : "short write");
	return 0;
}

int pci_cfg_enable_master(int fd, off_t base, uint16_t *old, struct err *e)
{
	uint16_t cmd;
	int rc = pci_cfg_read_command(fd, base, &cmd, e);
	if (rc)
		return rc;
	/* All ones means the function did not answer the config read (it was
	 * removed, or is in D3cold): writing would be meaningless. */
	if (cmd == 0xffff)
		return err_set(e, ENODEV,
			       "the device does not answer config reads (Command reads 0xffff): "
			       "it may be powered down or removed");
	*old = cmd;
	if ((cmd & (PCI_CMD_MEMORY | PCI_CMD_MASTER)) == (PCI_CMD_MEMORY | PCI_CMD_MASTER))
		return 0;
	return write_command(fd, base, cmd | PCI_CMD_MEMORY | PCI_CMD_MASTER, e);
}

int pci_cfg_disable_master(int fd, off_t base, struct err *e)
{
	uint16_t cmd;
	int rc = pci_cfg_read_command(fd, base, &cmd, e);
	if (rc || !(cmd & PCI_CMD_MASTER) || cmd == 0xffff)
		return rc;
	return write_command(fd, base, (uint16_t)(cmd & ~PCI_CMD_MASTER), e);
}
