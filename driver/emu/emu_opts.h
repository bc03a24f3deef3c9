/* Parses the emulated controller's options ("mode=thread,base_ns=0,...")
 * into an emu_cfg, so every emu setting can be given on the command line. */
#ifndef IOTLB_EMU_OPTS_H
#define IOTLB_EMU_OPTS_H

#include "driver/emu/emu.h"

/* `opts` may be NULL or empty. String values point into `storage`, which
 * must outlive cfg and hold at least strlen(opts) + 1 bytes. */
int emu_opts_parse(const char *opts, struct emu_cfg *cfg, char *storage, struct err *e);

/* One line per key, for --help. */
const char *emu_opts_help(void);

#endif
