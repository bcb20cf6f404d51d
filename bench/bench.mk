# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# bench/bench.mk - the benchmarks: programs, their guest image, `make bench`.

BENCH_DIR	:= bench
BENCH_OUT	:= $(O)/bench
BENCH_RESULTS	?= $(BENCH_DIR)/results

# The benchmark guest: 64-bit PVH image with the freestanding guest library.
BENCH_IMAGE	:= $(BENCH_OUT)/images/bench-guest.elf
BENCH_IMAGE_LDS	:= $(BENCH_DIR)/images/bench-guest.ld
BENCH_IMAGE_OBJS := $(BENCH_OUT)/images/entry.o $(BENCH_OUT)/images/bench-guest.o
BENCH_IMAGE_CFLAGS := $(GUEST_CFLAGS) -Iguest -Iguest/arch/x86 -I$(BENCH_DIR)/images \
		      -fno-tree-loop-distribute-patterns

$(BENCH_OUT)/images/%.o: $(BENCH_DIR)/images/%.c
	$(quiet) CC $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(BENCH_IMAGE_CFLAGS) -c -o $@ $<

$(BENCH_OUT)/images/%.o: $(BENCH_DIR)/images/%.S
	$(quiet) AS $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(BENCH_IMAGE_CFLAGS) -c -o $@ $<

$(BENCH_IMAGE): $(BENCH_IMAGE_OBJS) $(GUEST_LIB) $(BENCH_IMAGE_LDS)
	$(quiet) LD $@
	$(Q)$(CC) -nostdlib -static -no-pie -Wl,-T,$(BENCH_IMAGE_LDS) -Wl,--build-id=none \
		-Wl,-z,noexecstack -Wl,-z,max-page-size=4096 \
		-o $@ $(BENCH_IMAGE_OBJS) $(GUEST_LIB)

# Host programs. kvmbench links migctl-vmm's own objects (as vmm/tests/kvm_test does).
$(BENCH_OUT)/%.o: ALL_CFLAGS += $(MIGCTL_HOST_CFLAGS) -Ivmm -Iguest -I$(BENCH_DIR)

BENCH_KVM	:= $(BENCH_OUT)/kvmbench
BENCH_GUESTLIB	:= $(BENCH_OUT)/guestbench
BENCH_LOG	:= $(BENCH_OUT)/logbench
BENCH_STATUS	:= $(BENCH_OUT)/statusbench
BENCH_SECURE	:= $(BENCH_OUT)/securebench
BENCH_FW	:= $(BENCH_OUT)/fwbench
BENCH_PROGS	:= $(BENCH_KVM) $(BENCH_GUESTLIB) $(BENCH_LOG) $(BENCH_STATUS) $(BENCH_SECURE) \
		   $(BENCH_FW)

$(BENCH_KVM): $(BENCH_OUT)/kvmbench.o $(BENCH_OUT)/kvmrun.o $(BENCH_OUT)/stats.o \
	      $(VMM_CORE_OBJS) $(VMM_MIGRATE_OBJS) $(MIGCTL_HOST_LIB)
$(BENCH_GUESTLIB): $(BENCH_OUT)/guestbench.o $(BENCH_OUT)/simplat.o $(BENCH_OUT)/stats.o \
		   $(GUEST_HOSTED_OBJS)
$(BENCH_LOG): $(BENCH_OUT)/logbench.o $(BENCH_OUT)/stats.o $(O)/vmm/mem.o $(MIGCTL_HOST_LIB)
# statusbench: the receive path of --incoming (stream reader, staging) without KVM.
$(BENCH_STATUS): $(BENCH_OUT)/statusbench.o $(BENCH_OUT)/stats.o $(O)/vmm/migrate/state.o \
		 $(VMM_CORE_OBJS) $(VMM_MIGRATE_OBJS) $(MIGCTL_HOST_LIB)

# securebench: the migration channel over loopback TCP, plaintext and protected.
$(BENCH_SECURE): $(BENCH_OUT)/securebench.o $(BENCH_OUT)/stats.o $(VMM_MIGRATE_OBJS)
# fwbench: sev-sim's firmware path per page, and both ends through loopback TCP.
$(BENCH_FW): $(BENCH_OUT)/fwbench.o $(BENCH_OUT)/stats.o $(VMM_MIGRATE_OBJS)

$(BENCH_PROGS):
	$(quiet) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o %.a,$^) $(MIGCTL_HOST_LDLIBS) \
		$(VMM_MIGRATE_LDLIBS) $(VMM_LDLIBS)

# `make bench`: install what is missing (gnuplot), build, run, write $(BENCH_RESULTS).
.PHONY: bench-run

bench: deps
	$(Q)$(MAKE) --no-print-directory bench-run

bench-run: $(BENCH_PROGS) $(BENCH_IMAGE) $(VMM_BIN) $(GUEST_IMAGE)
	$(Q)$(BENCH_DIR)/run.sh $(O) $(BENCH_RESULTS)


# Built with everything else so that they keep compiling; run only by `make bench`.
ALL		+= $(BENCH_PROGS) $(BENCH_IMAGE)
