# iotlbench build. One Makefile for GNU make 4.3 and bmake (Debian 12):
# POSIX suffix rules, explicit file lists, no GNU- or BSD-only constructs.

VERSION = 0.1.0
CC = cc
AR = ar
OPT = -O2
# `make test SANITIZE=1`: AddressSanitizer and UndefinedBehaviorSanitizer.
# Nested references pick the flags without a conditional, which GNU make
# and bmake spell differently.
SANITIZE = 0
SANFLAGS_0 =
SANFLAGS_1 = -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
SANFLAGS = $(SANFLAGS_$(SANITIZE))
CFLAGS = -std=gnu11 $(OPT) -g -Wall -Wextra -Werror -pthread -D_GNU_SOURCE -I. $(SANFLAGS) $(EXTRA_CFLAGS)
LDFLAGS = -pthread $(SANFLAGS)
LIBS = -lnvme -linih -ljson-c -lcsv -lblkid -lbpf -lelf -lz -lpfm -luring
TEST_LIBS = -lcmocka -lm -ljson-c

UTIL_OBJS = build/driver/util/keys.o build/driver/util/err.o build/driver/util/clock.o build/driver/util/parse.o build/driver/util/inifile.o \
	build/driver/util/probes.o build/driver/util/hostfs.o
NVME_OBJS = build/driver/nvme/prp.o build/driver/nvme/queue.o build/driver/nvme/admin.o \
	build/driver/nvme/ctrl.o build/driver/nvme/ready.o build/driver/nvme/status.o build/driver/nvme/io.o
EMU_OBJS = build/driver/emu/emu_admin.o build/driver/emu/emu_core.o build/driver/emu/emu_cq.o \
	build/driver/emu/emu_dma.o build/driver/emu/emu_inject.o build/driver/emu/emu_io.o build/driver/emu/emu_regs.o \
	build/driver/emu/emu_sq.o build/driver/emu/emu_thread.o build/driver/emu/emu_opts.o
IOMMU_OBJS = build/driver/iommu/cache.o build/driver/iommu/pgtable.o build/driver/iommu/iommu.o \
	build/driver/iommu/preset.o build/driver/iommu/replay.o
HOST_OBJS = build/driver/host/pci.o build/driver/host/pci_cfg.o build/driver/host/precheck.o \
	build/driver/host/sysinfo.o build/driver/host/vfio_dev.o build/driver/host/vfio_info.o \
	build/driver/host/blockdev.o build/driver/host/vtd_cap.o build/driver/host/vtd_debugfs.o \
	build/driver/host/dmamap_bench.o
MEM_OBJS = build/driver/mem/mem.o build/driver/mem/mem_pool.o build/driver/mem/physaddr.o
BACKEND_OBJS = build/driver/backend/registry.o build/driver/backend/emu.o \
	build/driver/backend/iommufd.o build/driver/backend/iova.o build/driver/backend/pagemap.o \
	build/driver/backend/real_common.o build/driver/backend/vfio.o build/driver/backend/kernel.o \
	build/driver/backend/dma_api.o
KIO_OBJS = build/driver/kio/kio.o
DRIVER_OBJS = $(UTIL_OBJS) $(NVME_OBJS) $(EMU_OBJS) $(IOMMU_OBJS) $(HOST_OBJS) $(MEM_OBJS) $(BACKEND_OBJS) $(KIO_OBJS)
BPF_OBJS = build/bpf/pmu_sysfs.o build/bpf/uncore_iio.o build/bpf/uncore_iio_table.o build/bpf/perf_cpu.o build/bpf/perf_set.o build/bpf/probe_table.o build/bpf/kcheck.o \
	build/bpf/privs.o build/bpf/trace.o build/bpf/trace_out.o build/bpf/observe.o build/bpf/tpcount.o
BPF_SKEL = build/bpf/iotlb.skel.h

# micro/: the iotlbench program. Everything but the CLI goes into a library
# that the tests and the developer benchmarks link too.
MEASURE_OBJS = build/micro/measure/timer.o build/micro/measure/hist.o \
	build/micro/measure/samples.o build/micro/measure/counters.o
DATASET_OBJS = build/micro/dataset/dataset.o build/micro/dataset/rows.o build/micro/dataset/rounds.o \
	build/micro/dataset/meta.o build/micro/dataset/hostinfo.o
# Benchmark kinds: one file and one descriptor each, listed in kinds/table.c.
KIND_OBJS = build/micro/kinds/table.o build/micro/kinds/kind.o build/micro/kinds/keys.o build/micro/kinds/case.o \
	build/micro/kinds/map.o build/micro/kinds/count.o build/micro/kinds/churn.o \
	build/micro/kinds/reuse.o build/micro/kinds/reuse_auto.o build/micro/kinds/latency.o \
	build/micro/kinds/dmamap.o
RUN_OBJS = build/micro/run/iommu_info.o build/micro/run/suite.o build/micro/run/limits.o build/micro/run/runner.o build/micro/run/signals.o \
	build/micro/run/safety.o build/micro/run/progress.o
MICRO_LIB_OBJS = $(BPF_OBJS) $(MEASURE_OBJS) $(DATASET_OBJS) $(KIND_OBJS) $(RUN_OBJS)
MICRO_OBJS = build/micro/cli/main.o build/micro/cli/help.o build/micro/cli/opts.o build/micro/cli/paths.o build/micro/cli/cmd_list.o build/micro/cli/cmd_run.o \
	build/micro/cli/cmd_model.o build/micro/cli/cmd_report.o build/micro/cli/cmd_compare.o build/micro/cli/rscript.o build/micro/cli/cmd_devices.o build/micro/cli/cmd_info.o \
	build/micro/cli/cmd_trace.o

# Every test program, in two lists: those that run in one process (valgrind
# memcheck runs them all) and those that spawn bin/iotlbench or load BPF
# programs (memcheck would follow the child or the kernel, not the test).
INPROC_TESTS = build/tests/unit/test_prp build/tests/unit/test_parse build/tests/unit/test_keys \
	build/tests/unit/test_emu_admin build/tests/unit/test_emu_core \
	build/tests/unit/test_emu_dma build/tests/unit/test_emu_io \
	build/tests/unit/test_emu_queues build/tests/unit/test_emu_regs \
	build/tests/unit/test_cache build/tests/unit/test_iommu build/tests/unit/test_preset \
	build/tests/unit/test_replay build/tests/unit/test_suite build/tests/unit/test_hist \
	build/tests/unit/test_pmu_sysfs build/tests/unit/test_uncore_iio build/tests/unit/test_pci build/tests/unit/test_iova \
	build/tests/unit/test_mem build/tests/unit/test_backend_errors build/tests/unit/test_sysinfo \
	build/tests/unit/test_uapi_abi build/tests/unit/test_kernel_backend build/tests/unit/test_tpcount \
	build/tests/unit/test_leaf \
	build/tests/unit/test_dmamap \
	build/tests/integration/test_model \
	build/tests/integration/test_identify build/tests/integration/test_io \
	build/tests/integration/test_queues build/tests/integration/test_errors \
	build/tests/integration/test_kind_extension
SPAWN_TESTS = build/tests/integration/test_cli build/tests/integration/test_runner \
	build/tests/integration/test_safety build/tests/integration/test_trace
TESTS = $(INPROC_TESTS) $(SPAWN_TESTS)
# Programs run inside the QEMU guest (tests/vm/README.md).
GUEST_PROGS = build/tests/vm/guest/test_guest_backends build/tests/vm/guest/test_guest_trace
TEST_HELPER_OBJS = build/tests/helpers.o build/tests/unit/emu_fixture.o

BENCH = bin/bench-hotpath bin/bench-model bin/bench-timer bin/bench-ioctl bin/bench-trace \
	bin/bench-trace-map bin/bench-kio bin/guest_shm.so
# Developer benchmark programs (tools/devbench/), apart from the CLI.
BENCH_OBJS = build/tools/devbench/bench_hotpath.o build/tools/devbench/bench_model.o \
	build/tools/devbench/bench_kio.o \
	build/tools/devbench/bench_timer.o build/tools/devbench/bench_ioctl.o \
	build/tools/devbench/bench_trace.o build/tools/devbench/bench_trace_map.o \
	build/tools/devbench/bench_prog.o

LIB = build/libiotlb.a
MLIB = build/libiotlb-micro.a
BIN = bin/iotlbench

all: $(BIN) $(BENCH)

# fio's System V shared memory as an anonymous mapping, for the guest
# kernel without CONFIG_SYSVIPC (scripts/bench-kernel-vs-fio.sh).
bin/guest_shm.so: tools/devbench/guest_shm.c
	@mkdir -p bin
	$(CC) -std=gnu11 $(OPT) -Wall -Wextra -Werror -D_GNU_SOURCE -shared -fPIC -o $@ tools/devbench/guest_shm.c

bin/bench-hotpath: $(LIB) build/tools/devbench/bench_hotpath.o
	@mkdir -p bin
	$(CC) $(LDFLAGS) -o $@ build/tools/devbench/bench_hotpath.o $(LIB) $(LIBS)

bin/bench-kio: $(LIB) build/tools/devbench/bench_kio.o
	@mkdir -p bin
	$(CC) $(LDFLAGS) -o $@ build/tools/devbench/bench_kio.o $(LIB) $(LIBS)

bin/bench-timer: $(MLIB) $(LIB) build/tools/devbench/bench_timer.o
	@mkdir -p bin
	$(CC) $(LDFLAGS) -o $@ build/tools/devbench/bench_timer.o $(MLIB) $(LIB) $(LIBS)

bin/bench-ioctl: $(MLIB) $(LIB) build/tools/devbench/bench_ioctl.o build/tools/devbench/bench_prog.o
	@mkdir -p bin
	$(CC) $(LDFLAGS) -Wl,--wrap=ioctl -o $@ build/tools/devbench/bench_ioctl.o build/tools/devbench/bench_prog.o $(MLIB) $(LIB) $(LIBS)

bin/bench-trace: $(MLIB) $(LIB) build/tools/devbench/bench_trace.o build/tools/devbench/bench_prog.o
	@mkdir -p bin
	$(CC) $(LDFLAGS) -o $@ build/tools/devbench/bench_trace.o build/tools/devbench/bench_prog.o $(MLIB) $(LIB) $(LIBS)

bin/bench-trace-map: $(MLIB) $(LIB) build/tools/devbench/bench_trace_map.o build/tools/devbench/bench_prog.o
	@mkdir -p bin
	$(CC) $(LDFLAGS) -o $@ build/tools/devbench/bench_trace_map.o build/tools/devbench/bench_prog.o $(MLIB) $(LIB) $(LIBS)

bin/bench-model: $(LIB) build/tools/devbench/bench_model.o
	@mkdir -p bin
	$(CC) $(LDFLAGS) -o $@ build/tools/devbench/bench_model.o $(LIB) $(LIBS)

$(BIN): $(MLIB) $(LIB) $(MICRO_OBJS)
	@mkdir -p bin
	$(CC) $(LDFLAGS) -o $@ $(MICRO_OBJS) $(MLIB) $(LIB) $(LIBS)

$(MLIB): $(MICRO_LIB_OBJS)
	@mkdir -p build
	rm -f $@
	$(AR) rcs $@ $(MICRO_LIB_OBJS)

$(LIB): $(DRIVER_OBJS)
	@mkdir -p build
	rm -f $@
	$(AR) rcs $@ $(DRIVER_OBJS)

# The BPF programs and their skeleton (bpf/build.sh: clang -target bpf,
# vmlinux.h from the running kernel's BTF, bpftool gen skeleton).
$(BPF_SKEL): bpf/iotlb.bpf.c bpf/trace_abi.h bpf/build.sh
	sh bpf/build.sh $(BPF_SKEL)

# BPF loader objects include the skeleton; main and runner the version.
$(BPF_OBJS): $(BPF_SKEL)
build/micro/cli/main.o build/micro/dataset/meta.o: build/version.h

STAMP = build/flags.stamp

# Every object and test program depends on the compiler and flags (a change
# rebuilds all) and, through build/deps.mk (written by scripts/cc.sh from the
# compiler's -MMD output), on its own source and the headers it includes.
ALL_OBJS = $(DRIVER_OBJS) $(MICRO_OBJS) $(MICRO_LIB_OBJS) $(BENCH_OBJS) $(TEST_HELPER_OBJS)
$(ALL_OBJS): $(STAMP)
	sh scripts/cc.sh obj $@ $(CC) $(CFLAGS)

$(STAMP): FORCE
	sh scripts/gen-flags.sh $@ $(CC) $(CFLAGS) $(LDFLAGS)

build/version.h: FORCE
	sh scripts/gen-version.sh $@ $(VERSION)

FORCE:

# Test programs: one per file, linked against both libraries.
$(TESTS) $(GUEST_PROGS): $(STAMP) $(MLIB) $(LIB) $(TEST_HELPER_OBJS)
	sh scripts/cc.sh prog $@ $(CC) $(CFLAGS) $(LDFLAGS) -- $(TEST_HELPER_OBJS) $(MLIB) $(LIB) $(TEST_LIBS) $(LIBS)

-include build/deps.mk

tests: $(TESTS)

# Set-up: installs missing Debian packages (root) or says how (non-root).
deps:
	sh scripts/deps.sh

# Campaigns (campaign/, README.md "Campaigns"): Ansible and ssh on the
# controller; the tests' loopback hosts also need openssh-server's sshd.
CAMPAIGN_PKGS = ansible-core openssh-client
deps-campaign:
	sh scripts/deps.sh $(CAMPAIGN_PKGS) openssh-server

# One campaign over an inventory's hosts: INVENTORY=file [SUITES="quick map"]
# [CAMPAIGN=id] [CAMPAIGN_ROOT=dir]; the same command again resumes it.
INVENTORY =
SUITES =
CAMPAIGN =
CAMPAIGN_ROOT =
campaign:
	sh scripts/deps.sh $(CAMPAIGN_PKGS)
	CAMPAIGN="$(CAMPAIGN)" CAMPAIGN_ROOT="$(CAMPAIGN_ROOT)" sh campaign/run.sh "$(INVENTORY)" "$(SUITES)"

# The campaign against three loopback sshd hosts (tests/campaign/test.sh),
# on its own: about 20 min of wall time on 2 shared cores, too long for every
# `make test` (README, Tests).
test-campaign: deps deps-campaign
	sh tests/campaign/test.sh

# A three-host campaign of the quick suite against one host's (README, Performance).
bench-campaign: deps deps-campaign
	$(MAKE) all
	sh scripts/bench-campaign.sh

# The main job: the default suite on the emulated controller, then its report.
# A second run without the IOMMU model (preset none) is the baseline the
# report's "how much does the IOMMU cost" compares against.
run: deps
	$(MAKE) all
	sh scripts/hugepages.sh 512
	./$(BIN) run default --backend emu --preset none --out datasets/runs/baseline --no-summary
	./$(BIN) run default --backend emu
	./$(BIN) report datasets/runs/latest datasets/runs/baseline/latest --out datasets/runs/latest/report
	@echo "dataset: datasets/runs/latest/  report: datasets/runs/latest/report/index.html"

# The report of the newest run (or DATASETS="dir ..." OUT=dir).
DATASETS = datasets/runs/latest
OUT =
report: deps
	OUT="$(OUT)" sh scripts/report.sh $(DATASETS)

# The report of the checked-in reference runs, without running anything.
report-demo: deps
	Rscript analysis/report.R datasets/reference/emu-small datasets/reference/emu-small-nommu --out report
	Rscript analysis/report.R datasets/reference/guest-vfio datasets/reference/guest-iommufd datasets/reference/guest-pagemap --out report/guest
	@echo "reports: report/index.html (emu) and report/guest/index.html (QEMU guest)"

# Programs and scripts run inside the QEMU guest (tests/vm/README.md).
GUEST_TESTS = $(GUEST_PROGS) \
	tests/vm/guest/suites.sh tests/vm/guest/sigint.sh tests/vm/guest/limits.sh \
	tests/vm/guest/kernel.sh tests/vm/guest/leaves.sh tests/vm/guest/backing.sh

SKIP_VM = 0

# Every test suite of the project, ending with one summary line: the C and R
# tests here, the campaign on loopback hosts (README, Campaigns: 10 min of
# CPU, 20 min of wall time on 2 shared cores, hence its own limit), then the
# guest tests (SKIP_VM=1 leaves the guest out).
test: deps
	$(MAKE) all tests $(GUEST_PROGS)
	SANITIZE=$(SANITIZE) GUEST_TESTS="$(GUEST_TESTS)" sh tests/run.sh $(TESTS) R:analysis/run-tests.R:1800 SH:tests/report/browser.sh SH:tests/reach/validate-subset.sh VM:$(SKIP_VM)

# The IOTLB-reach inference against the configured truth of the emulated
# controller: the whole matrix (several minutes), table on stdout and in
# validate-reach.csv.
validate-reach: deps
	$(MAKE) all
	Rscript scripts/validate-reach.R --out validate-reach.csv

# Only the tests in a QEMU guest with emulated VT-d and NVMe; the first run
# builds the guest kernel (about 10 to 20 minutes on 2 cores), later runs reuse it.
test-vm: deps
	$(MAKE) all $(GUEST_PROGS)
	sh tests/vm/test-vm.sh $(GUEST_TESTS)

FUZZ_TARGETS = fuzz_suite fuzz_preset fuzz_replay fuzz_emu_cmd fuzz_completions fuzz_pmu_format
FUZZ_SECONDS = 60

# libFuzzer (clang) targets, each run for FUZZ_SECONDS from its corpus.
fuzz: deps
	sh tests/fuzz/build.sh $(FUZZ_TARGETS)
	FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run.sh $(FUZZ_TARGETS)

# Each patch in tests/mutation/list puts a past bug back into a temporary
# copy of the tree; the test named beside it must fail (tests/mutation/run.sh;
# MUTATION_VM=1 also runs the guest-only ones). The checkout is not touched.
mutation: deps
	$(MAKE) all tests
	MAKE=$(MAKE) sh tests/mutation/run.sh tests/mutation/list

# The same targets for minutes each (README, Tests: what 60 s per target found).
FUZZ_LONG_SECONDS = 300
fuzz-long: deps
	sh tests/fuzz/build.sh $(FUZZ_TARGETS)
	FUZZ_SECONDS=$(FUZZ_LONG_SECONDS) sh tests/fuzz/run.sh $(FUZZ_TARGETS)

# The sources of the library and runner, for builds outside this Makefile.
print-srcs:
	@echo $(DRIVER_OBJS:.o=.c) $(MICRO_LIB_OBJS:.o=.c) | sed 's|build/||g'

# The libraries they link with (one list: the fuzz build once lacked -luring).
print-libs:
	@echo $(LIBS)

# Valgrind memcheck over the unit and in-process integration tests.
memcheck: deps
	$(MAKE) all tests
	sh scripts/memcheck.sh $(INPROC_TESTS)

# Installs the program, its suites and presets, the man page and bash
# completion under $(DESTDIR)$(PREFIX) (scripts/install.sh).
PREFIX = /usr/local
install: all
	sh scripts/install.sh "$(DESTDIR)$(PREFIX)"

# Driver instructions per I/O under callgrind (README, Performance).
bench-hotpath: deps
	$(MAKE) all
	sh scripts/bench-hotpath.sh

# IOMMU model lookups per second on the hit path (README, Performance).
bench-model: deps
	$(MAKE) all
	./bin/bench-model

# USDT probe cost on map/unmap (README, Performance).
bench-trace: deps
	$(MAKE) all
	./bin/bench-trace
	BENCH_TRACE_PROBES=usdt sh scripts/bench-trace.sh

# In the QEMU guest (tests/vm): backend bookkeeping over the bare DMA ioctls
# and map/unmap latency per backend and page size.
bench-ioctl: deps
	$(MAKE) all
	sh scripts/bench-ioctl.sh

# In the QEMU guest: tracing overhead on real VFIO/IOMMUFD map/unmap.
bench-trace-guest: deps
	$(MAKE) all
	sh scripts/bench-trace-guest.sh

bench-kio: deps
	$(MAKE) all
	sh scripts/bench-kio.sh

bench-kernel-vs-fio: deps
	$(MAKE) all
	sh scripts/bench-kernel-vs-fio.sh

# Dataset bytes and memory of 1 M and 10 M I/O runs; timer overhead.
bench-dataset: deps
	$(MAKE) all
	sh scripts/bench-dataset.sh

clean:
	rm -rf build bin tests/logs

.PHONY: all install deps deps-campaign campaign test-campaign bench-campaign run report report-demo test test-vm validate-reach tests clean bench-trace bench-ioctl bench-trace-guest bench-kernel-vs-fio bench-kio fuzz fuzz-long mutation print-srcs print-libs memcheck bench-hotpath bench-model bench-dataset FORCE
