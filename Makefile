# iotlbench build. One Makefile for GNU make 4.3 and bmake (Debian 12):
# POSIX suffix rules, explicit file lists, no GNU- or BSD-only constructs.

VERSION = 0.1.0
CC = cc
AR = ar
OPT = -O2
SANFLAGS =
CFLAGS = -std=gnu11 $(OPT) -g -Wall -Wextra -Werror -pthread -D_GNU_SOURCE $(SANFLAGS) $(EXTRA_CFLAGS)
LDFLAGS = -pthread $(SANFLAGS)
LIBS = -lnvme -linih -ljson-c -lcsv
TEST_LIBS = -lcmocka

UTIL_OBJS = driver/util/err.o driver/util/clock.o driver/util/parse.o driver/util/inifile.o
NVME_OBJS = driver/nvme/prp.o driver/nvme/queue.o driver/nvme/admin.o \
	driver/nvme/ctrl.o driver/nvme/ready.o driver/nvme/status.o driver/nvme/io.o
EMU_OBJS = driver/emu/emu_admin.o driver/emu/emu_core.o driver/emu/emu_cq.o \
	driver/emu/emu_dma.o driver/emu/emu_inject.o driver/emu/emu_io.o driver/emu/emu_regs.o \
	driver/emu/emu_sq.o driver/emu/emu_thread.o
IOMMU_OBJS = driver/iommu/cache.o driver/iommu/pgtable.o driver/iommu/iommu.o \
	driver/iommu/preset.o driver/iommu/replay.o
BACKEND_OBJS = driver/backend/registry.o driver/backend/emu.o driver/backend/emu_opts.o \
	driver/mem/mem.o
DRIVER_OBJS = $(UTIL_OBJS) $(NVME_OBJS) $(EMU_OBJS) $(IOMMU_OBJS) $(BACKEND_OBJS)
DRIVER_HDRS = driver/transport.h driver/dma.h driver/util/err.h driver/util/clock.h \
	driver/util/parse.h driver/util/inifile.h driver/iommu/cache.h driver/iommu/pgtable.h \
	driver/iommu/iommu.h driver/iommu/preset.h driver/iommu/replay.h driver/nvme/spec.h driver/nvme/queue.h driver/nvme/prp.h \
	driver/nvme/ctrl.h driver/nvme/admin.h driver/emu/emu.h driver/emu/emu_internal.h \
	driver/backend/backend.h driver/backend/emu_opts.h driver/mem/mem.h

MICRO_OBJS = micro/main.o micro/cmd_run.o micro/cmd_model.o micro/smoke.o
MICRO_HDRS = micro/smoke.h micro/cmd.h micro/version.h

TESTS = tests/unit/test_prp tests/unit/test_parse tests/unit/test_emu tests/unit/test_cache \
	tests/unit/test_iommu tests/unit/test_preset tests/unit/test_replay tests/integration/test_model \
	tests/integration/test_identify tests/integration/test_io \
	tests/integration/test_queues tests/integration/test_errors \
	tests/integration/test_cli
TEST_HDRS = tests/helpers.h
TEST_HELPER_OBJS = tests/helpers.o

BENCH = bin/bench-hotpath bin/bench-model
BENCH_OBJS = micro/bench_hotpath.o micro/bench_model.o

LIB = build/libiotlb.a
BIN = bin/iotlbench

all: $(BIN) $(BENCH)

bin/bench-hotpath: $(LIB) micro/bench_hotpath.o
	@mkdir -p bin
	$(CC) $(LDFLAGS) -o $@ micro/bench_hotpath.o $(LIB) $(LIBS)

bin/bench-model: $(LIB) micro/bench_model.o
	@mkdir -p bin
	$(CC) $(LDFLAGS) -o $@ micro/bench_model.o $(LIB) $(LIBS)

$(BIN): $(LIB) $(MICRO_OBJS)
	@mkdir -p bin
	$(CC) $(LDFLAGS) -o $@ $(MICRO_OBJS) $(LIB) $(LIBS)

$(LIB): $(DRIVER_OBJS)
	@mkdir -p build
	rm -f $@
	$(AR) rcs $@ $(DRIVER_OBJS)

$(DRIVER_OBJS): $(DRIVER_HDRS)
$(MICRO_OBJS) $(BENCH_OBJS): $(DRIVER_HDRS) $(MICRO_HDRS)
$(TEST_HELPER_OBJS): $(DRIVER_HDRS) $(TEST_HDRS)

micro/version.h: FORCE
	sh scripts/gen-version.sh $@ $(VERSION)

FORCE:

.SUFFIXES: .c .o
.c.o:
	$(CC) $(CFLAGS) -c $< -o $@

# Test programs: one per file, linked against the driver library.
.c:
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(TEST_HELPER_OBJS) $(LIB) $(TEST_LIBS) $(LIBS)

$(TESTS): $(LIB) $(TEST_HELPER_OBJS) $(DRIVER_HDRS) $(TEST_HDRS)

tests: $(TESTS)

# Set-up: installs missing Debian packages (root) or says how (non-root).
deps:
	sh scripts/deps.sh

# The main job: a smoke benchmark on the emulated controller.
run: deps
	$(MAKE) all
	./$(BIN) run micro/suites/smoke.suite --backend emu

# Every test suite of the project, ending with one summary line.
test: deps
	$(MAKE) all tests
	sh tests/run.sh $(TESTS)

# Driver instructions per I/O under callgrind (README, Performance).
bench-hotpath: deps
	$(MAKE) all
	sh scripts/bench-hotpath.sh

# IOMMU model lookups per second on the hit path (README, Performance).
bench-model: deps
	$(MAKE) all
	./bin/bench-model

clean:
	rm -f $(DRIVER_OBJS) $(MICRO_OBJS) $(BENCH_OBJS) $(TEST_HELPER_OBJS) $(TESTS) $(LIB) $(BIN) micro/version.h
	rm -rf build bin tests/logs

.PHONY: all deps run test tests clean bench-hotpath bench-model FORCE
