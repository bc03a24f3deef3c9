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
CFLAGS = -std=gnu11 $(OPT) -g -Wall -Wextra -Werror -pthread -D_GNU_SOURCE $(SANFLAGS) $(EXTRA_CFLAGS)
LDFLAGS = -pthread $(SANFLAGS)
LIBS = -lnvme -linih -ljson-c -lcsv -lblkid -lbpf -lelf -lz -lpfm
TEST_LIBS = -lcmocka -lm -ljson-c

UTIL_OBJS = driver/util/err.o driver/util/clock.o driver/util/parse.o driver/util/inifile.o \
	driver/util/probes.o
NVME_OBJS = driver/nvme/prp.o driver/nvme/queue.o driver/nvme/admin.o \
	driver/nvme/ctrl.o driver/nvme/ready.o driver/nvme/status.o driver/nvme/io.o
EMU_OBJS = driver/emu/emu_admin.o driver/emu/emu_core.o driver/emu/emu_cq.o \
	driver/emu/emu_dma.o driver/emu/emu_inject.o driver/emu/emu_io.o driver/emu/emu_regs.o \
	driver/emu/emu_sq.o driver/emu/emu_thread.o
IOMMU_OBJS = driver/iommu/cache.o driver/iommu/pgtable.o driver/iommu/iommu.o \
	driver/iommu/preset.o driver/iommu/replay.o
BACKEND_OBJS = driver/backend/registry.o driver/backend/emu.o driver/backend/emu_opts.o \
	driver/backend/hostfs.o driver/backend/iommufd.o driver/backend/iova.o \
	driver/backend/pagemap.o driver/backend/pci.o driver/backend/pci_cfg.o \
	driver/backend/precheck.o driver/backend/real_common.o driver/backend/sysinfo.o \
	driver/backend/vfio.o driver/backend/vfio_dev.o driver/backend/vfio_info.o \
	driver/mem/mem.o driver/mem/mem_pool.o driver/mem/physaddr.o
DRIVER_OBJS = $(UTIL_OBJS) $(NVME_OBJS) $(EMU_OBJS) $(IOMMU_OBJS) $(BACKEND_OBJS)
DRIVER_HDRS = driver/transport.h driver/dma.h driver/util/err.h driver/util/clock.h \
	driver/util/parse.h driver/util/inifile.h driver/util/probes.h driver/iommu/cache.h driver/iommu/pgtable.h \
	driver/iommu/iommu.h driver/iommu/preset.h driver/iommu/replay.h driver/nvme/spec.h driver/nvme/queue.h driver/nvme/prp.h \
	driver/nvme/ctrl.h driver/nvme/admin.h driver/emu/emu.h driver/emu/emu_internal.h \
	driver/backend/backend.h driver/backend/emu_opts.h driver/mem/mem.h \
	driver/backend/hostfs.h driver/backend/iova.h driver/backend/pci.h driver/backend/pci_cfg.h \
	driver/backend/precheck.h driver/backend/real.h driver/backend/real_internal.h \
	driver/backend/sysinfo.h driver/backend/vfio_dev.h driver/backend/vfio_info.h \
	driver/backend/uapi/iommufd_abi.h

BPF_OBJS = bpf/pmu_sysfs.o bpf/perf_cpu.o bpf/perf_set.o bpf/probe_table.o bpf/kcheck.o \
	bpf/privs.o bpf/trace.o bpf/trace_out.o bpf/observe.o
BPF_HDRS = bpf/trace_abi.h bpf/trace.h bpf/trace_internal.h bpf/probe_table.h bpf/kcheck.h \
	bpf/privs.h bpf/pmu_sysfs.h bpf/perf_cpu.h bpf/perf_set.h bpf/observe.h
BPF_SKEL = build/bpf/iotlb.skel.h

MICRO_LIB_OBJS = $(BPF_OBJS) micro/suite.o micro/runner.o micro/dataset.o micro/hostinfo.o \
	micro/counters.o micro/progress.o micro/timer.o micro/hist.o micro/bench_util.o \
	micro/bench_map.o micro/bench_count.o micro/bench_churn.o micro/bench_reuse.o \
	micro/bench_latency.o micro/samples.o micro/safety.o micro/bench_prog.o
MICRO_OBJS = micro/main.o micro/cmd_run.o micro/cmd_model.o micro/cmd_devices.o micro/cmd_info.o \
	micro/cmd_trace.o
MICRO_HDRS = micro/cmd.h micro/version.h micro/suite.h micro/runner.h micro/dataset.h \
	micro/hostinfo.h micro/counters.h micro/progress.h micro/timer.h micro/hist.h \
	micro/bench_util.h micro/samples.h micro/safety.h micro/bench_prog.h $(BPF_HDRS)

TESTS = tests/unit/test_prp tests/unit/test_parse tests/unit/test_emu tests/unit/test_cache \
	tests/unit/test_iommu tests/unit/test_preset tests/unit/test_replay tests/unit/test_suite \
	tests/unit/test_hist tests/unit/test_pmu_sysfs tests/unit/test_pci tests/unit/test_iova \
	tests/unit/test_mem tests/unit/test_backend_errors tests/unit/test_sysinfo \
	tests/unit/test_uapi_abi tests/integration/test_model \
	tests/integration/test_identify tests/integration/test_io \
	tests/integration/test_queues tests/integration/test_errors \
	tests/integration/test_cli tests/integration/test_runner tests/integration/test_safety \
	tests/integration/test_trace
# Tests that run in one process (the CLI and runner tests spawn bin/iotlbench).
MEMCHECK_TESTS = tests/unit/test_prp tests/unit/test_parse tests/unit/test_emu \
	tests/unit/test_cache tests/unit/test_iommu tests/unit/test_preset tests/unit/test_replay \
	tests/unit/test_suite tests/unit/test_hist tests/unit/test_pmu_sysfs \
	tests/integration/test_model tests/integration/test_identify tests/integration/test_io tests/integration/test_queues \
	tests/integration/test_errors
TEST_HDRS = tests/helpers.h tests/unit/sysfs_fixture.h
TEST_HELPER_OBJS = tests/helpers.o

BENCH = bin/bench-hotpath bin/bench-model bin/bench-timer bin/bench-ioctl bin/bench-trace \
	bin/bench-trace-map
BENCH_OBJS = micro/bench_hotpath.o micro/bench_model.o micro/bench_timer.o micro/bench_ioctl.o \
	micro/bench_trace.o micro/bench_trace_map.o

LIB = build/libiotlb.a
MLIB = build/libiotlb-micro.a
BIN = bin/iotlbench

all: $(BIN) $(BENCH)

bin/bench-hotpath: $(LIB) micro/bench_hotpath.o
	@mkdir -p bin
	$(CC) $(LDFLAGS) -o $@ micro/bench_hotpath.o $(LIB) $(LIBS)

bin/bench-timer: $(MLIB) micro/bench_timer.o
	@mkdir -p bin
	$(CC) $(LDFLAGS) -o $@ micro/bench_timer.o $(MLIB) $(LIB) $(LIBS)

bin/bench-ioctl: $(MLIB) micro/bench_ioctl.o
	@mkdir -p bin
	$(CC) $(LDFLAGS) -Wl,--wrap=ioctl -o $@ micro/bench_ioctl.o $(MLIB) $(LIB) $(LIBS)

bin/bench-trace: $(MLIB) micro/bench_trace.o
	@mkdir -p bin
	$(CC) $(LDFLAGS) -o $@ micro/bench_trace.o $(MLIB) $(LIB) $(LIBS)

bin/bench-trace-map: $(MLIB) micro/bench_trace_map.o
	@mkdir -p bin
	$(CC) $(LDFLAGS) -o $@ micro/bench_trace_map.o $(MLIB) $(LIB) $(LIBS)

bin/bench-model: $(LIB) micro/bench_model.o
	@mkdir -p bin
	$(CC) $(LDFLAGS) -o $@ micro/bench_model.o $(LIB) $(LIBS)

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

$(BPF_OBJS): $(BPF_SKEL) $(BPF_HDRS)

STAMP = build/flags.stamp

$(STAMP): FORCE
	sh scripts/gen-flags.sh $@ $(CC) $(CFLAGS) $(LDFLAGS)

$(DRIVER_OBJS) $(MICRO_OBJS) $(MICRO_LIB_OBJS) $(BENCH_OBJS) $(TEST_HELPER_OBJS): $(STAMP)
$(DRIVER_OBJS): $(DRIVER_HDRS)
$(MICRO_OBJS) $(MICRO_LIB_OBJS) $(BENCH_OBJS): $(DRIVER_HDRS) $(MICRO_HDRS)
$(TEST_HELPER_OBJS): $(DRIVER_HDRS) $(TEST_HDRS)

micro/version.h: FORCE
	sh scripts/gen-version.sh $@ $(VERSION)

FORCE:

.SUFFIXES: .c .o
.c.o:
	$(CC) $(CFLAGS) -c $< -o $@

# Test programs: one per file, linked against the driver library.
.c:
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(TEST_HELPER_OBJS) $(MLIB) $(LIB) $(TEST_LIBS) $(LIBS)

$(TESTS): $(STAMP) $(MLIB) $(LIB) $(TEST_HELPER_OBJS) $(DRIVER_HDRS) $(MICRO_HDRS) $(TEST_HDRS)

tests: $(TESTS)

# Set-up: installs missing Debian packages (root) or says how (non-root).
deps:
	sh scripts/deps.sh

# The main job: the default suite on the emulated controller, then its report.
# A second run without the IOMMU model (preset none) is the baseline the
# report's "how much does the IOMMU cost" compares against.
run: deps
	$(MAKE) all
	sh scripts/hugepages.sh 512
	./$(BIN) run default --backend emu --preset none --out datasets/runs/baseline --quiet
	./$(BIN) run default --backend emu
	Rscript analysis/report.R datasets/runs/latest datasets/runs/baseline/latest --out datasets/runs/latest/report
	@echo "dataset: datasets/runs/latest/  report: datasets/runs/latest/report/index.html"

# The report of the newest run (or DATASETS="dir ..." OUT=dir).
DATASETS = datasets/runs/latest
report: deps
	Rscript analysis/report.R $(DATASETS)

# The report of the checked-in reference runs, without running anything.
report-demo: deps
	Rscript analysis/report.R datasets/reference/emu-small datasets/reference/emu-small-nommu --out report
	Rscript analysis/report.R datasets/reference/guest-vfio datasets/reference/guest-iommufd datasets/reference/guest-pagemap --out report/guest
	@echo "reports: report/index.html (emu) and report/guest/index.html (QEMU guest)"

# Programs and scripts run inside the QEMU guest (tests/vm/README.md).
GUEST_TESTS = tests/vm/guest/test_guest_backends tests/vm/guest/test_guest_trace \
	tests/vm/guest/suites.sh tests/vm/guest/sigint.sh
GUEST_PROGS = tests/vm/guest/test_guest_backends tests/vm/guest/test_guest_trace

# The guest's test programs too: a stale one would test an old library.
$(GUEST_PROGS): $(STAMP) $(MLIB) $(LIB) $(TEST_HELPER_OBJS) $(DRIVER_HDRS) $(MICRO_HDRS) $(TEST_HDRS)

SKIP_VM = 0

# Every test suite of the project, ending with one summary line: the C and R
# tests here, then the guest tests (SKIP_VM=1 leaves the guest out).
test: deps
	$(MAKE) all tests $(GUEST_PROGS)
	GUEST_TESTS="$(GUEST_TESTS)" sh tests/run.sh $(TESTS) R:analysis/run-tests.R VM:$(SKIP_VM)

# Only the tests in a QEMU guest with emulated VT-d and NVMe; the first run
# builds the guest kernel (about 10 to 20 minutes on 2 cores), later runs reuse it.
test-vm: deps
	$(MAKE) all $(GUEST_PROGS)
	sh tests/vm/test-vm.sh $(GUEST_TESTS)

# Driver instructions per I/O under callgrind (README, Performance).
FUZZ_TARGETS = fuzz_suite fuzz_preset fuzz_replay fuzz_emu_cmd fuzz_completions fuzz_pmu_format
FUZZ_SECONDS = 60

# libFuzzer (clang) targets, each run for FUZZ_SECONDS from its corpus.
fuzz: deps
	sh tests/fuzz/build.sh $(FUZZ_TARGETS)
	FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run.sh $(FUZZ_TARGETS)

# The sources of the library and runner, for builds outside this Makefile.
print-srcs:
	@echo $(DRIVER_OBJS:.o=.c) $(MICRO_LIB_OBJS:.o=.c)

# Valgrind memcheck over the unit and in-process integration tests.
memcheck: deps
	$(MAKE) all tests
	sh scripts/memcheck.sh $(MEMCHECK_TESTS)

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

# Dataset bytes and memory of 1 M and 10 M I/O runs; timer overhead.
# In the QEMU guest (tests/vm): backend bookkeeping over the bare DMA ioctls
# and map/unmap latency per backend and page size; tracing overhead on real
# VFIO/IOMMUFD map/unmap.
bench-ioctl: deps
	$(MAKE) all
	sh scripts/bench-ioctl.sh

bench-trace-guest: deps
	$(MAKE) all
	sh scripts/bench-trace-guest.sh

bench-dataset: deps
	$(MAKE) all
	sh scripts/bench-dataset.sh

clean:
	rm -f $(DRIVER_OBJS) $(MICRO_OBJS) $(MICRO_LIB_OBJS) $(BENCH_OBJS) $(TEST_HELPER_OBJS) $(TESTS) $(GUEST_PROGS) $(LIB) $(BIN) micro/version.h
	rm -rf build bin tests/logs

.PHONY: all deps run report report-demo test test-vm tests clean bench-trace bench-ioctl bench-trace-guest fuzz print-srcs memcheck bench-hotpath bench-model bench-dataset FORCE
