/* Bus mastering through configuration space. The Command register sits at
 * offset 04h of every function's header (PCI Local Bus 3.0, 6.2.2; PCIe Base
 * 4.0, 7.5.1.1.3): bit 1 Memory Space Enable lets the CPU reach the BARs,
 * bit 2 Bus Master Enable lets the function issue DMA. Both backends reach
 * config space as a file: sysfs `config` (offset 0) or the VFIO config
 * region (its region offset). */
#ifndef IOTLB_PCI_CFG_H
#define IOTLB_PCI_CFG_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "driver/util/err.h"

#define PCI_CFG_COMMAND 0x04
#define PCI_CMD_MEMORY	(1u << 1)
#define PCI_CMD_MASTER	(1u << 2)

int pci_cfg_read_command(int fd, off_t base, uint16_t *cmd, struct err *e);
/* Sets Memory Space and Bus Master Enable; *old gets the previous value
 * so the caller can put bus mastering back as it found it. */
int pci_cfg_enable_master(int fd, off_t base, uint16_t *old, struct err *e);
/* Clears Bus Master Enable: after this the function cannot DMA. */
int pci_cfg_disable_master(int fd, off_t base, struct err *e);

#endif
