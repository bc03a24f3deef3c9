/* Data safety: a write suite against a namespace that starts with a GPT, an
 * ext4 file system or an LVM physical volume is refused, and allowed with
 * --force-destroy-data; read-only suites never need the flag. The images
 * are made by the real tools (sgdisk, mkfs.ext4, pvcreate), so the check
 * meets what a user's disk holds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/helpers.h"

static char dir[128];
static char out[1 << 14];

static int sh(const char *cmd)
{
	return run_capture(cmd, out, sizeof(out));
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/iotlb-safety-%d", getpid());
	char cmd[512];
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p %s && printf '[latency]\\nop = write\\nios = 200\\n' > %s/w.suite && "
		 "printf '[latency]\\nop = read\\nios = 200\\n' > %s/r.suite",
		 dir, dir, dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Runs the write and read suites against an image; checks refusal. */
static void check_image(const char *img, const char *needle)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd),
		 "bin/iotlbench run %s/w.suite --emu-opts ns_size=8m,image=%s --out %s/runs -q",
		 dir, img, dir);
	int rc = sh(cmd);
	if (rc != 1 || !strstr(out, needle) || !strstr(out, "--force-destroy-data"))
		fail_msg("write over %s: exit %d, want 1 and '%s':\n%s", img, rc, needle, out);
	strcat(cmd, " --force-destroy-data");
	rc = sh(cmd);
	if (rc != 0)
		fail_msg("with --force-destroy-data: exit %d:\n%s", rc, out);
	snprintf(cmd, sizeof(cmd),
		 "bin/iotlbench run %s/r.suite --emu-opts ns_size=8m,image=%s --out %s/runs -q",
		 dir, img, dir);
	rc = sh(cmd);
	if (rc != 0)
		fail_msg("read-only suite over %s: exit %d:\n%s", img, rc, out);
}

static void gpt(void **state)
{
	(void)state;
	char img[256], cmd[1024];
	snprintf(img, sizeof(img), "%s/gpt.img", dir);
	snprintf(cmd, sizeof(cmd), "truncate -s 8M %s && sgdisk -o -n 1:2048:0 %s", img, img);
	if (sh(cmd)) {
		printf("skip: sgdisk failed (apt-get install gdisk): %s\n", out);
		skip();
	}
	check_image(img, "partition table of type gpt");
}

static void ext4(void **state)
{
	(void)state;
	char img[256], cmd[1024];
	snprintf(img, sizeof(img), "%s/ext4.img", dir);
	snprintf(cmd, sizeof(cmd), "truncate -s 8M %s && mkfs.ext4 -F -q -L benchdata %s", img,
		 img);
	if (sh(cmd)) {
		printf("skip: mkfs.ext4 failed (apt-get install e2fsprogs): %s\n", out);
		skip();
	}
	check_image(img, "filesystem signature of type ext4, label benchdata");
}

static void lvm(void **state)
{
	(void)state;
	/* pvcreate only writes to block devices: a loop device over the image. */
	char img[256], cmd[1024];
	snprintf(img, sizeof(img), "%s/lvm.img", dir);
	snprintf(cmd, sizeof(cmd),
		 "truncate -s 8M %s && dev=$(losetup --show -f %s) && "
		 "{ pvcreate -qq -ff -y --devices \"$dev\" \"$dev\"; rc=$?; losetup -d \"$dev\"; "
		 "exit $rc; }",
		 img, img);
	if (sh(cmd)) {
		printf("skip: cannot make an LVM physical volume here (needs root, a loop device "
		       "and lvm2): %s\n",
		       out);
		skip();
	}
	check_image(img, "signature of type LVM2_member");
}

static void zeroes_are_fine(void **state)
{
	(void)state;
	char cmd[512];
	snprintf(cmd, sizeof(cmd),
		 "bin/iotlbench run %s/w.suite --emu-opts ns_size=8m --out %s/runs -q", dir, dir);
	int rc = sh(cmd);
	if (rc != 0)
		fail_msg("write to an empty namespace: exit %d:\n%s", rc, out);
}

static void lba_range_arguments(void **state)
{
	(void)state;
	char cmd[512];
	snprintf(
	    cmd, sizeof(cmd),
	    "bin/iotlbench run %s/w.suite --emu-opts ns_size=8m --out %s/runs -q --lba-range %s",
	    dir, dir, "100:50");
	assert_int_equal(sh(cmd), 1);
	assert_non_null(strstr(out, "give START:END with START < END <= 16384"));
	snprintf(
	    cmd, sizeof(cmd),
	    "bin/iotlbench run %s/w.suite --emu-opts ns_size=8m --out %s/runs -q --lba-range 5",
	    dir, dir);
	assert_int_equal(sh(cmd), 2);
	assert_non_null(strstr(out, "expected START:END"));
	snprintf(cmd, sizeof(cmd),
		 "bin/iotlbench run %s/w.suite --emu-opts ns_size=8m --out %s/runs -q "
		 "--lba-range 1000:2000",
		 dir, dir);
	assert_int_equal(sh(cmd), 0);
}

int main(void)
{
	if (access("bin/iotlbench", X_OK) != 0) {
		fprintf(stderr, "bin/iotlbench not built; run from the tree root after make\n");
		return 1;
	}
	const struct CMUnitTest t[] = {
	    cmocka_unit_test(gpt),
	    cmocka_unit_test(ext4),
	    cmocka_unit_test(lvm),
	    cmocka_unit_test(zeroes_are_fine),
	    cmocka_unit_test(lba_range_arguments),
	};
	return cmocka_run_group_tests_name("safety", t, setup, teardown);
}
