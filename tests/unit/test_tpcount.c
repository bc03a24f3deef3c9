/* Tracepoints counted system-wide per case (bpf/tpcount.c), the kernel
 * backend's counters.csv rows of source `kernel`. A tracepoint the test
 * drives itself (raw_syscalls:sys_enter, one hit per system call) must
 * count at least the calls made between begin and read; one the kernel
 * lacks must be written as `unsupported` with its reason, never as 0.
 * Needs root to mount tracefs and count system-wide. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/mount.h>
#include <sys/syscall.h>

#include "bpf/tpcount.h"
#include "tests/unit/sysfs_fixture.h"

static void counts_and_refuses(void **state)
{
	(void)state;
	struct fx f;
	fx_init(&f);
	char mnt[300];
	snprintf(mnt, sizeof(mnt), "%s/sys/kernel/tracing", f.root);
	fx_mkdirs(mnt);
	if (geteuid() != 0 || mount("nodev", mnt, "tracefs", 0, NULL)) {
		fx_fini(&f);
		printf("skip: needs root to mount tracefs and count tracepoints system-wide\n");
		skip();
	}
	static const char *const names[] = {"raw_syscalls:sys_enter", "iotlb_none:no_such", NULL};
	struct tpcount t;
	unsigned ok = tpcount_open(&t, names);
	umount(mnt);
	fx_fini(&f);
	if (!t.ev[0].ok && strstr(t.ev[0].why, "no such tracepoint")) {
		tpcount_close(&t);
		printf("skip: this kernel has no raw_syscalls tracepoints\n");
		skip();
	}
	if (!t.ev[0].ok)
		fail_msg("raw_syscalls:sys_enter: %s", t.ev[0].why);
	assert_int_equal(ok, 1);
	assert_false(t.ev[1].ok);
	assert_non_null(strstr(t.ev[1].why, "no such tracepoint"));
	tpcount_begin(&t);
	for (int i = 0; i < 200; i++)
		syscall(SYS_getppid);
	uint64_t v = 0;
	assert_true(tpcount_read(&t, 0, &v));
	assert_true(v >= 200);
	char buf[512] = "";
	FILE *m = fmemopen(buf, sizeof(buf), "w");
	tpcount_write(&t, "c1", m);
	fclose(m);
	assert_non_null(strstr(buf, "c1,kernel,raw_syscalls:sys_enter,"));
	assert_non_null(strstr(buf, "c1,kernel,iotlb_none:no_such,unsupported,,\n"));
	tpcount_close(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {cmocka_unit_test(counts_and_refuses)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
