/* The emulated controller's options ("mode=thread,base_ns=0,...") as one
 * key table (driver/util/keys.h) over struct emu_cfg, so every emu setting
 * can be given on the command line and the help lists exactly what the
 * parser takes. */
#ifndef IOTLB_EMU_OPTS_H
#define IOTLB_EMU_OPTS_H

#include "driver/emu/emu.h"
#include "driver/util/keys.h"

/* Every key, its field of struct emu_cfg, range, default and help. */
extern const struct key_table emu_opts_keys;

/* `opts` may be NULL or empty. String values point into `storage`, which
 * must outlive cfg and hold at least strlen(opts) + 1 bytes. */
int emu_opts_parse(const char *opts, struct emu_cfg *cfg, char *storage, struct err *e);

/* One line per key (key_help), for --help. */
const char *emu_opts_help(void);

#endif
