/* The iotlbench command line, run as a user runs it: exit codes, messages
 * that name the cause, and the output of `run` and `model`. Run from the
 * source tree root (tests/run.sh does). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/helpers.h"
#include "driver/util/array.h"

static char out[1 << 16];

static int sh(const char *cmd)
{
	return run_capture(cmd, out, sizeof(out));
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void expect(int rc, int want, const char *needle)
{
	if (rc != want || (needle && !strstr(out, needle)))
		fail_msg("exit %d (want %d), output lacks '%s':\n%s", rc, want,
			 needle ? needle : "", out);
}

static void help_version_unknown(void **state)
{
	(void)state;
	expect(sh("bin/iotlbench"), 2, "usage: iotlbench COMMAND");
	expect(sh("bin/iotlbench help"), 0, "commands:");
	expect(sh("bin/iotlbench --help"), 0, "emulated controller options");
	expect(sh("bin/iotlbench version"), 0, "iotlbench 0.");
	/* help and run --help list every kind's keys from the descriptors. */
	expect(sh("bin/iotlbench help"), 0, "  reuse: ");
	expect(sh("bin/iotlbench help"), 0, "      pages      (required)");
	expect(sh("bin/iotlbench run --help"), 0, "--set KEY=VALUE");
	expect(sh("bin/iotlbench run --help"), 0, "      threads    1 ");
	expect(sh("bin/iotlbench run --nosuch"), 2, "iotlbench run --help");
	expect(sh("bin/iotlbench frobnicate"), 2, "unknown command 'frobnicate'");
}

static void run_errors(void **state)
{
	(void)state;
	expect(sh("bin/iotlbench run"), 2, "expected exactly one SUITE");
	expect(sh("bin/iotlbench run /nonexistent.suite"), 1, "cannot open /nonexistent.suite");
	expect(sh("bin/iotlbench run nosuchsuite"), 1, "cannot open nosuchsuite");
	expect(sh("bin/iotlbench run nosuchsuite"), 1, "shipped suites: churn, count, default");
	/* Device limits are checked before the first case, naming the limit. */
	expect(sh("bin/iotlbench run quick --set qd=4096 --out /tmp/iotlb-cli-none"), 1,
	       "qd = 4096: the controller's queues hold at most 1024 entries");
	expect(sh("bin/iotlbench run quick --emu-opts lba=4096 --out /tmp/iotlb-cli-none"), 1,
	       "io_size 512 is not a multiple of namespace 1's 4096-byte LBAs: add --set "
	       "io_size=4096");
	expect(sh("bin/iotlbench run quick --set io_size=8k"), 1,
	       "--set io_size=8k: io_size 8192 exceeds page_size 4096");
	expect(sh("bin/iotlbench run quick --cpu 4095"), 1, "--cpu 4095: this machine has CPUs");
	/* A namespace smaller than one I/O used to divide by zero mid-run. */
	expect(sh("bin/iotlbench run quick --emu-opts ns_size=1k --out /tmp/iotlb-cli-none"), 1,
	       "exceeds namespace 1 (1024 bytes)");
	expect(sh("bin/iotlbench run quick --set backing=memfd --out /tmp/iotlb-cli-none"), 1,
	       "sets backing: the emu backend takes backing = default or sparse; memfd memory "
	       "matters to a real device");
	expect(sh("bin/iotlbench run quick --backend nosuch --out /tmp/iotlb-cli-none"), 1,
	       "unknown backend 'nosuch'; available: emu");
	expect(sh("bin/iotlbench run quick --preset nosuch --out /tmp/iotlb-cli-none"), 1,
	       "unknown IOMMU preset 'nosuch'");
	expect(sh("bin/iotlbench run quick --emu-opts lba=1000 --out /tmp/iotlb-cli-none"), 1,
	       "lba=1000: allowed values are 512 and 4096");
	expect(sh("bin/iotlbench run quick --set qdepth=4"), 1, "--set qdepth: unknown key");
	expect(sh("bin/iotlbench run quick --cpu x"), 2, "--cpu: 'x' is not");
	expect(sh("bin/iotlbench run quick --bogus"), 2, NULL);
	char path[64];
	snprintf(path, sizeof(path), "/tmp/iotlb-cli-%d.suite", getpid());
	write_file(path, "[reuse]\npages = 4\nqdepth = 4\n");
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "bin/iotlbench run %s", path);
	expect(sh(cmd), 1, ":3: unknown key 'qdepth'; allowed:");
	write_file(path, "[reuse]\npages = 4\nio_size = 3000\n");
	expect(sh(cmd), 1, ":3: io_size = 3000: must be a multiple of 512");
	write_file(path, "[latency]\nio_size = 64k\nios = 10\n");
	snprintf(cmd, sizeof(cmd),
		 "bin/iotlbench run %s --emu-opts mdts=1 --out /tmp/iotlb-cli-none", path);
	expect(sh(cmd), 1, "io_size 64 KiB exceeds the controller's MDTS of 8 KiB");
	unlink(path);
}

static void run_quick(void **state)
{
	(void)state;
	char cmd[256];
	snprintf(cmd, sizeof(cmd),
		 "bin/iotlbench run quick --preset amd-epyc-7713 --out /tmp/iotlb-cli-%d "
		 "--set ios=500 --set ops=5",
		 getpid());
	expect(sh(cmd), 0, "cases, backend emu, preset amd-epyc-7713, clock ");
	assert_non_null(strstr(out, "12 cases, 0 skipped, 0 failed"));
	assert_non_null(strstr(out, "case 12/12"));
	/* The end-of-run summary, and summary.json for scripts. */
	assert_non_null(strstr(out, "summary of "));
	assert_non_null(strstr(out, "\n  4 KiB pages: ")); /* a reach, or why none was found */
	char path[128];
	snprintf(path, sizeof(path), "/tmp/iotlb-cli-%d/latest/summary.json", getpid());
	assert_int_equal(access(path, R_OK), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf /tmp/iotlb-cli-%d", getpid());
	assert_int_equal(system(cmd), 0);
}

/* Without --out a run goes to the checkout's datasets/runs wherever it is
 * started from, never to ./datasets of the working directory. */
static void default_out_is_the_checkout(void **state)
{
	(void)state;
	char here[512], tmp[64], cmd[1024];
	assert_non_null(getcwd(here, sizeof(here)));
	snprintf(tmp, sizeof(tmp), "/tmp/iotlb-cwd-%d", getpid());
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p %s && cd %s && %s/bin/iotlbench run quick --set ios=50 --set ops=2 "
		 "--set mappings=1,2 -q",
		 tmp, tmp, here);
	expect(sh(cmd), 0, NULL);
	char path[640];
	snprintf(path, sizeof(path), "%s/datasets", tmp);
	assert_int_not_equal(access(path, F_OK), 0);
	/* The run linked itself as the checkout's newest. */
	snprintf(path, sizeof(path), "%s/datasets/runs/latest/meta.json", here);
	assert_int_equal(access(path, R_OK), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	assert_int_equal(system(cmd), 0);
}

/* Cases the hugepage pools cannot hold are named once, with the fix, and
 * skipped, not failed one by one. */
static void pools_said_once(void **state)
{
	(void)state;
	char path[64], cmd[256];
	snprintf(path, sizeof(path), "/tmp/iotlb-pool-%d.suite", getpid());
	write_file(path, "[reuse]\npage_size = 1g\npages = 1,2,3\nios = 10\n");
	snprintf(cmd, sizeof(cmd), "bin/iotlbench run %s --out /tmp/iotlb-cli-none", path);
	int rc = sh(cmd);
	if (access("/sys/kernel/mm/hugepages/hugepages-1048576kB", F_OK) == 0) {
		unlink(path);
		printf("skip: this host has a 1 GiB pool; the no-pool note cannot be checked\n");
		skip();
	}
	expect(rc, 0, "note: 3 cases of 1 GiB pages will be skipped (the largest needs 3)");
	const char *first = strstr(out, "no 1 GiB hugepage pool");
	assert_non_null(first);
	assert_null(strstr(first + 1, "no 1 GiB hugepage pool"));
	assert_non_null(strstr(out, "(3 cases, 3 skipped, 0 failed)"));
	unlink(path);
}

static void model_replay(void **state)
{
	(void)state;
	char path[64], cmd[256];
	snprintf(path, sizeof(path), "/tmp/iotlb-cli-%d.csv", getpid());
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "iova,len,dir\n");
	/* 300 distinct pages, twice: 600 accesses, 600 lookups. */
	for (int r = 0; r < 2; r++)
		for (int i = 0; i < 300; i++)
			fprintf(f, "%d,512,w\n", 0x10000000 + i * 4096);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "bin/iotlbench model --preset qemu-vtd --trace %s", path);
	expect(sh(cmd), 0, "\niotlb_lookup 600\n");
	/* 300 pages fit QEMU's 1024 entries: only the first pass misses. */
	assert_non_null(strstr(out, "\niotlb_miss 300\n"));
	assert_non_null(strstr(out, "accesses 600\n"));
	snprintf(cmd, sizeof(cmd), "bin/iotlbench model --preset none --trace %s", path);
	expect(sh(cmd), 0, "\niotlb_lookup 0\n");
	snprintf(cmd, sizeof(cmd),
		 "bin/iotlbench model --preset qemu-vtd --page-size 3k --trace %s", path);
	expect(sh(cmd), 1, "page size 3072: allowed 4k, 2m, 1g");
	expect(sh("bin/iotlbench model --preset qemu-vtd"), 2, "usage: iotlbench model");
	expect(sh("bin/iotlbench model --preset qemu-vtd --trace /nonexistent.csv"), 1,
	       "cannot open trace /nonexistent.csv");
	unlink(path);
}

/* Without CAP_BPF/CAP_PERFMON, tracing says what is missing and how to get
 * it, and nothing runs. The test drops to user nobody with setpriv. */
static void trace_without_privileges(void **state)
{
	(void)state;
	if (geteuid() != 0 || system("command -v setpriv >/dev/null 2>&1") != 0) {
		printf(
		    "skip: needs root and setpriv (util-linux) to drop to an unprivileged user\n");
		skip();
	}
	char cwd[512], cmd[1536];
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	snprintf(cmd, sizeof(cmd),
		 "cd /tmp && setpriv --reuid=65534 --regid=65534 --clear-groups "
		 "%s/bin/iotlbench run %s/micro/suites/quick.suite --trace --out /tmp/iotlb-nobody",
		 cwd, cwd);
	expect(sh(cmd), 1, "tracing needs CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN): run as root");
	snprintf(cmd, sizeof(cmd),
		 "cd /tmp && setpriv --reuid=65534 --regid=65534 --clear-groups "
		 "%s/bin/iotlbench trace -- true",
		 cwd);
	int rc = sh(cmd);
	assert_int_not_equal(rc, 0);
	assert_non_null(strstr(out, "setcap cap_bpf,cap_perfmon+ep"));
}

/* A traced command that exits ends the trace at once, not at the end of
 * the printing interval (it used to sleep the whole --interval first). */
static void trace_ends_with_its_command(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		printf("skip: tracing needs root (CAP_BPF, CAP_PERFMON) here\n");
		skip();
	}
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	int rc = sh("bin/iotlbench trace --probes iommu:map --interval 3600 -- true");
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (rc && strstr(out, "forbids BPF")) {
		printf("skip: %s\n", out);
		skip();
	}
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "@iommu:map: calls 0"));
	assert_true(b.tv_sec - a.tv_sec < 60);
}

/* Every command answers -h/--help with exit 0 and its options; a wrong
 * option exits 2 and points at that help. */
static void every_command_has_help(void **state)
{
	(void)state;
	static const struct {
		const char *cmd, *needle;
	} c[] = {
	    {"run", "--lba-range START:END"},
	    {"model", "--page-size 4k|2m|1g"},
	    {"devices", "--root DIR"},
	    {"info", "--root DIR"},
	    {"trace", "--interval SEC"},
	    {"suites", "--help"},
	    {"presets", "--help"},
	    {"report", "--single-file"},
	    {"report", "--reference NAME"},
	    {"compare", "--fail-above PCT"},
	};
	char cmd[128], want[64];
	for (unsigned i = 0; i < ARRAY_SIZE(c); i++) {
		snprintf(cmd, sizeof(cmd), "bin/iotlbench %s --help", c[i].cmd);
		snprintf(want, sizeof(want), "usage: iotlbench %s", c[i].cmd);
		expect(sh(cmd), 0, want);
		expect(sh(cmd), 0, c[i].needle);
		snprintf(cmd, sizeof(cmd), "bin/iotlbench %s -h", c[i].cmd);
		expect(sh(cmd), 0, want);
		snprintf(cmd, sizeof(cmd), "bin/iotlbench %s --no-such-option", c[i].cmd);
		snprintf(want, sizeof(want), "iotlbench %s --help", c[i].cmd);
		expect(sh(cmd), 2, want);
		/* ...and `help` names the command. */
		snprintf(want, sizeof(want), "\n  %s", c[i].cmd);
		expect(sh("bin/iotlbench help"), 0, want);
	}
	expect(sh("bin/iotlbench suites"), 0, "quick ");
	expect(sh("bin/iotlbench presets"), 0, "intel-e5-2660v2 ");
	/* --verbose: what each preset's numbers rest on. */
	expect(sh("bin/iotlbench presets --verbose"), 0, "\n    guessed: ");
	expect(sh("bin/iotlbench presets --help"), 0, "--verbose");
}

/* `make install`'s script: the installed program finds its suites, presets
 * and R analysis under PREFIX/share from any working directory, and the man
 * page and bash completion are there and work. */
static void installed_program_works(void **state)
{
	(void)state;
	char dir[64], cmd[512];
	snprintf(dir, sizeof(dir), "/tmp/iotlb-inst-%d", getpid());
	snprintf(cmd, sizeof(cmd), "sh scripts/install.sh %s", dir);
	expect(sh(cmd), 0, "installed:");
	snprintf(cmd, sizeof(cmd),
		 "cd / && %s/bin/iotlbench run quick --set ios=20 --set ops=2 --set mappings=1,2 "
		 "--out %s/runs",
		 dir, dir);
	expect(sh(cmd), 0, "12 cases, 0 skipped, 0 failed");
	snprintf(cmd, sizeof(cmd), "cd / && %s/bin/iotlbench presets", dir);
	expect(sh(cmd), 0, "/share/iotlbench/presets.ini");
	snprintf(cmd, sizeof(cmd), "head -c 400 %s/share/man/man1/iotlbench.1", dir);
	expect(sh(cmd), 0, ".TH IOTLBENCH \"1\"");
	snprintf(
	    cmd, sizeof(cmd),
	    "PATH=%s/bin:$PATH bash -c '. %s/share/bash-completion/completions/iotlbench; "
	    "COMP_WORDS=(iotlbench run --pre); COMP_CWORD=2; _iotlbench; echo \"${COMPREPLY[*]}\"'",
	    dir, dir);
	expect(sh(cmd), 0, "--preset");
	/* report and compare run the installed analysis (PREFIX/share/iotlbench/
	 * analysis): from /, outside any checkout, on the run made above. */
	snprintf(cmd, sizeof(cmd), "test -f %s/share/iotlbench/analysis/R/pipeline.R", dir);
	expect(sh(cmd), 0, NULL);
	if (sh("command -v Rscript") != 0) {
		printf("skip: Rscript not installed (make deps): installed report not run\n");
	} else {
		snprintf(cmd, sizeof(cmd),
			 "cd / && %s/bin/iotlbench report %s/runs/latest --out %s/report", dir, dir,
			 dir);
		expect(sh(cmd), 0, "report written to");
		snprintf(cmd, sizeof(cmd), "test -s %s/report/index.html", dir);
		expect(sh(cmd), 0, NULL);
		snprintf(cmd, sizeof(cmd),
			 "cd / && %s/bin/iotlbench compare %s/runs/latest %s/runs/latest", dir, dir,
			 dir);
		expect(sh(cmd), 0, "matched cases");
	}
	/* An installed copy whose analysis is gone says where it looked and how to
	 * put it back. */
	snprintf(cmd, sizeof(cmd), "rm -rf %s/share/iotlbench/analysis", dir);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "cd / && %s/bin/iotlbench report /tmp", dir);
	expect(sh(cmd), 1, "make install PREFIX=");
	snprintf(cmd, sizeof(cmd), "cd / && %s/bin/iotlbench compare /tmp /tmp", dir);
	expect(sh(cmd), 2, "the R analysis was not found");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* report and compare on the checked-in reference runs: the IOTLB model
 * (emu-small, 64 entries) against the same suite without one (-nommu)
 * is slower in most cases beyond any noise, a run against itself is not. */
static void report_and_compare(void **state)
{
	(void)state;
	/* Without R neither can run, and both say how to get it. */
	expect(sh("PATH=/nonexistent bin/iotlbench report datasets/reference/emu-small"), 1,
	       "Rscript not found in PATH: install R");
	expect(sh("PATH=/nonexistent bin/iotlbench compare a b"), 2, "'make deps'");
	if (sh("command -v Rscript") != 0) {
		printf("skip: Rscript not installed (make deps): report and compare not run\n");
		skip();
		return;
	}
	const char *base = "datasets/reference/emu-small-nommu";
	const char *slow = "datasets/reference/emu-small";
	char cmd[512], dir[64];
	snprintf(dir, sizeof(dir), "/tmp/iotlb-cmp-%d", getpid());
	snprintf(cmd, sizeof(cmd), "bin/iotlbench report %s %s --out %s/report --single-file", base,
		 slow, dir);
	expect(sh(cmd), 0, "report written to");
	snprintf(cmd, sizeof(cmd),
		 "grep -c 'img src=\"data:image/png;base64,' %s/report/index.html", dir);
	expect(sh(cmd), 0, NULL);
	snprintf(cmd, sizeof(cmd), "ls %s/report", dir);
	expect(sh(cmd), 0, "fig_reuse_sweep.pdf");
	/* Without --fail-above the table is printed and the status is 0. */
	snprintf(cmd, sizeof(cmd), "bin/iotlbench compare %s %s --out %s", base, slow, dir);
	expect(sh(cmd), 0,
	       "NEW : run 20261129-153746-default-emu, host vm, preset intel-e5-2660v2");
	assert_non_null(strstr(out, "reuse-0009"));
	assert_non_null(strstr(out, "new  emu, 4 KiB pages: 64 entries"));
	assert_non_null(strstr(out, "base emu, 4 KiB pages: no step"));
	snprintf(cmd, sizeof(cmd), "head -1 %s/compare.csv", dir);
	expect(sh(cmd), 0, "p50_ratio,p50_lo,p50_hi");
	snprintf(cmd, sizeof(cmd), "bin/iotlbench compare %s %s --fail-above 5", base, slow);
	expect(sh(cmd), 1, "REGRESSION");
	snprintf(cmd, sizeof(cmd), "bin/iotlbench compare %s %s --fail-above 0", slow, slow);
	expect(sh(cmd), 0, "72 matched cases");
	/* Bad input is 2, never a verdict. */
	snprintf(cmd, sizeof(cmd), "bin/iotlbench compare %s /nonexistent --fail-above 5", base);
	expect(sh(cmd), 2, "/nonexistent: no such directory");
	expect(sh("bin/iotlbench compare a b --fail-above lots"), 2, "not a percentage");
	expect(sh("bin/iotlbench compare a"), 2, "expected two run directories");
	expect(sh("bin/iotlbench report"), 2, "expected at least one DATASET");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* The README's kind table is the generated one, so it cannot drift from the
 * descriptors: regenerate it with `bin/iotlbench help kinds --markdown`. */
static void readme_kind_table_is_generated(void **state)
{
	(void)state;
	expect(sh("bin/iotlbench help kinds --markdown"), 0, "| `reuse` |");
	char table[sizeof(out)];
	snprintf(table, sizeof(table), "%s", out);
	FILE *f = fopen("README.md", "r");
	assert_non_null(f);
	static char readme[1 << 17];
	size_t n = fread(readme, 1, sizeof(readme) - 1, f);
	readme[n] = '\0';
	fclose(f);
	if (!strstr(readme, table))
		fail_msg("README.md lacks the table `bin/iotlbench help kinds --markdown` "
			 "prints; paste it in:\n%s",
			 table);
}

int main(void)
{
	if (access("bin/iotlbench", X_OK) != 0) {
		fprintf(stderr,
			"skip: bin/iotlbench not built; run from the tree root after make\n");
		return 1;
	}
	const struct CMUnitTest t[] = {
	    cmocka_unit_test(help_version_unknown),
	    cmocka_unit_test(readme_kind_table_is_generated),
	    cmocka_unit_test(every_command_has_help),
	    cmocka_unit_test(installed_program_works),
	    cmocka_unit_test(run_errors),
	    cmocka_unit_test(run_quick),
	    cmocka_unit_test(default_out_is_the_checkout),
	    cmocka_unit_test(pools_said_once),
	    cmocka_unit_test(model_replay),
	    cmocka_unit_test(trace_without_privileges),
	    cmocka_unit_test(trace_ends_with_its_command),
	    cmocka_unit_test(report_and_compare),
	};
	return cmocka_run_group_tests_name("cli", t, NULL, NULL);
}
