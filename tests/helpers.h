/* Shared fixtures for the driver tests: an emulated controller behind the
 * emu backend, brought up by the real driver. */
#ifndef IOTLB_TEST_HELPERS_H
#define IOTLB_TEST_HELPERS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "driver/backend/emu.h"
#include "driver/emu/emu.h"
#include "driver/mem/mem.h"
#include "driver/nvme/ctrl.h"

struct fixture {
	struct backend *be;
	struct nvme_ctrl *c;
	struct emu *emu;
	const struct nvme_ns *ns;
	struct err e;
};

/* Opens the emu backend with `emu_opts` and brings the controller up with
 * `o` (NULL = defaults). Fails the test with the error message otherwise. */
void fixture_open(struct fixture *f, const char *emu_opts, const struct nvme_ctrl_opts *o);
void fixture_close(struct fixture *f);

/* Fills a buffer with a pattern derived from `seed`, so a read-back that
 * returns other data, or stale data from another I/O, is detected. */
void fill_pattern(uint8_t *p, size_t len, uint64_t seed);

/* Runs a shell command line with stderr joined to stdout, keeps at most
 * len - 1 bytes of the output in out, and returns the exit status (128 when
 * killed by a signal). */
int run_capture(const char *cmd, char *out, size_t len);

/* Field `col` after the probe name of `probe`'s row in a trace_calls.csv
 * text (case,probe,calls,bytes,fails: 0 calls, 1 bytes, 2 fails); -1 when
 * the row or field is missing. */
long long trace_calls_field(const char *csv, const char *probe, int col);

/* Asserts a driver call returned 0, printing the error message if not. */
#define assert_ok(rc, e)                                                                           \
	do {                                                                                       \
		int rc_ = (rc);                                                                    \
		if (rc_)                                                                           \
			fail_msg("unexpected error %d: %s", rc_, (e)->msg);                        \
	} while (0)

#endif
