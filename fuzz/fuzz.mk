# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# fuzz/fuzz.mk - libFuzzer harnesses, their replay drivers, bounded fuzz runs, valgrind.
#
# Included after host/host.mk and vmm/vmm.mk (it builds their sources).
#
#   make fuzz            run every harness FUZZ_SECONDS (60) on a copy of its corpus
#   make fuzz-merge      minimize what `make fuzz` found into fuzz/corpus/<harness>/
#   make fuzz-build      only build the libFuzzer binaries
#   make fuzz-coverage   library lines the committed corpus reaches (gcov)
#   make fuzz-seeds      rewrite the generated seeds in fuzz/corpus/
#
# Harnesses: host_ops (the host library driven by operation sequences),
# logstream (the status-log stream parser), stream (the destination's
# migration stream reader), bzimage (a Linux kernel file's setup header,
# placement and zero page), incoming (the destination's whole incoming
# path: reader, staging, checks and the VM and vCPU state loaded through
# checking stand-ins for the KVM calls). Each is built
# twice: with clang and libFuzzer ($(O)/fuzz/<h>-fuzz) and with $(CC) and
# ASan/UBSan around a plain main() ($(O)/fuzz/<h>-replay) that `make check`
# runs on fuzz/regress/<h>/ and fuzz/corpus/<h>/.

FUZZ_HARNESSES	:= host_ops logstream stream incoming bzimage
FUZZ_SECONDS	?= 60
FUZZ_CC		?= clang

# libFuzzer needs clang and its runtime (Debian: clang, libclang-rt-14-dev).
FUZZ_RT_DIR	:= $(shell $(FUZZ_CC) --print-runtime-dir 2>/dev/null)
FUZZ_HAVE_LF	:= $(if $(wildcard $(FUZZ_RT_DIR)/libclang_rt.fuzzer-x86_64.a),1)

FUZZ_INC	:= -Ifuzz -Ihost -Ivmm/migrate $(VMM_MIGRATE_SODIUM_CFLAGS)
FUZZ_LF_SAN	:= -fsanitize=address,undefined -fno-sanitize-recover=all \
		   -fno-omit-frame-pointer
# The replay drivers: the project's compiler with the SAN=1 flags, always.
FUZZ_RP_SAN	:= -fsanitize=address,undefined -fno-omit-frame-pointer \
		   -fno-sanitize-recover=all

FUZZ_HOST_SRCS	:= $(patsubst $(O)/%.o,%.c,$(HOST_OBJS))
FUZZ_MIGRATE_SRCS := $(patsubst $(O)/%.o,%.c,$(VMM_MIGRATE_OBJS))

FUZZ_SRCS_host_ops	:= fuzz/host_ops.c fuzz/host_ops_step.c fuzz/host_model.c \
			   fuzz/watch.c $(FUZZ_HOST_SRCS)
FUZZ_SRCS_logstream	:= fuzz/logstream.c fuzz/watch.c $(FUZZ_HOST_SRCS)
FUZZ_SRCS_stream	:= fuzz/stream.c fuzz/stream_rt.c fuzz/watch.c $(FUZZ_MIGRATE_SRCS)
# The incoming path with the VMM's core (no KVM is opened: incoming_vm.c).
FUZZ_VMM_SRCS	:= $(patsubst $(O)/%.o,%.c,$(VMM_CORE_OBJS)) vmm/migrate/recv.c \
		   vmm/migrate/state.c vmm/migrate/send.c vmm/migrate/throttle.c
FUZZ_SRCS_incoming	:= fuzz/incoming.c fuzz/incoming_vm.c $(FUZZ_VMM_SRCS) \
			   $(FUZZ_MIGRATE_SRCS) $(FUZZ_HOST_SRCS)
# The bzImage setup header parser, its placement and zero page (vmm/bzimage.c).
FUZZ_SRCS_bzimage	:= fuzz/bzimage.c vmm/bzimage.c vmm/acpi.c vmm/mptable.c vmm/boot.c vmm/mem.c \
			   $(FUZZ_HOST_SRCS)
FUZZ_LIBS_bzimage	:= -lpthread
FUZZ_LIBS_incoming	:= $(VMM_MIGRATE_LDLIBS) $(VMM_LDLIBS)
FUZZ_LIBS_host_ops	:= -lpthread
FUZZ_LIBS_logstream	:= -lpthread
FUZZ_LIBS_stream	:= $(VMM_MIGRATE_LDLIBS)

FUZZ_BINS	:= $(foreach h,$(FUZZ_HARNESSES),$(O)/fuzz/$(h)-fuzz)
FUZZ_REPLAYS	:= $(foreach h,$(FUZZ_HARNESSES),$(O)/fuzz/$(h)-replay)

# Objects: $(O)/fuzz/lf/<src>.o (clang, libFuzzer coverage), and
# $(O)/fuzz/rp/<src>.o (replay). Both rules beat the generic $(O)/%.o.
$(O)/fuzz/lf/%.o: %.c
	$(quiet) FUZZCC $@
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(BASE_CFLAGS) -g -O1 -fsanitize=fuzzer-no-link $(FUZZ_LF_SAN) \
		$(FUZZ_INC) -c -o $@ $<

$(O)/fuzz/rp/%.o: %.c
	$(quiet) CC $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(BASE_CFLAGS) $(CFLAGS) $(FUZZ_RP_SAN) $(FUZZ_INC) -c -o $@ $<

# The VMM's sources and the incoming harness find their headers as vmm.mk has them.
FUZZ_VMM_OBJ_DIRS := $(foreach k,lf rp cov,$(O)/fuzz/$(k)/vmm/%.o $(O)/fuzz/$(k)/fuzz/incoming% \
			$(O)/fuzz/$(k)/fuzz/bzimage.o)
$(FUZZ_VMM_OBJ_DIRS): FUZZ_INC += -Ivmm -Iconformance/lib $(VMM_JSON_CFLAGS)
# struct vcpu_state embeds struct kvm_xsave, whose flexible tail clang flags.
$(O)/fuzz/lf/vmm/%.o $(O)/fuzz/lf/fuzz/incoming%: FUZZ_INC += -Wno-gnu-variable-sized-type-not-at-end

# Line coverage of the corpora: the replay driver built with gcov.
$(O)/fuzz/cov/%.o: %.c
	$(quiet) CC $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(BASE_CFLAGS) -O0 -g --coverage $(FUZZ_INC) -c -o $@ $<

# fuzz_link_rules HARNESS: the libFuzzer binary, the replay and coverage drivers.
define fuzz_link_rules
$(O)/fuzz/$(1)-fuzz: $(patsubst %.c,$(O)/fuzz/lf/%.o,$(FUZZ_SRCS_$(1)))
	$$(quiet) LD $$@
	$$(Q)$$(FUZZ_CC) -fsanitize=fuzzer $$(FUZZ_LF_SAN) -o $$@ $$^ $$(FUZZ_LIBS_$(1))

$(O)/fuzz/$(1)-replay: $(patsubst %.c,$(O)/fuzz/rp/%.o,fuzz/replay.c $(FUZZ_SRCS_$(1)))
	$$(quiet) LD $$@
	$$(Q)$$(CC) $$(LDFLAGS) $$(FUZZ_RP_SAN) -o $$@ $$^ $$(FUZZ_LIBS_$(1))

$(O)/fuzz/$(1)-cov: $(patsubst %.c,$(O)/fuzz/cov/%.o,fuzz/replay.c $(FUZZ_SRCS_$(1)))
	$$(quiet) LD $$@
	$$(Q)$$(CC) $$(LDFLAGS) --coverage -o $$@ $$^ $$(FUZZ_LIBS_$(1))
endef
$(foreach h,$(FUZZ_HARNESSES),$(eval $(call fuzz_link_rules,$(h))))

# The seed writer of the stream harness reuses the migrate tests' sample stream.
FUZZ_STREAM_SEEDS := $(O)/fuzz/stream-seeds
$(O)/fuzz/rp/fuzz/stream_seeds.o: FUZZ_INC += -Ivmm/migrate/tests
$(FUZZ_STREAM_SEEDS): $(patsubst %.c,$(O)/fuzz/rp/%.o,fuzz/stream_seeds.c $(FUZZ_MIGRATE_SRCS))
	$(quiet) LD $@
	$(Q)$(CC) $(LDFLAGS) $(FUZZ_RP_SAN) -o $@ $^ $(VMM_MIGRATE_LDLIBS)

# The incoming harness's seeds and regress inputs: valid streams of its VM, and each with one defect.
FUZZ_INCOMING_SEEDS := $(O)/fuzz/incoming-seeds
$(FUZZ_INCOMING_SEEDS): $(patsubst %.c,$(O)/fuzz/rp/%.o,fuzz/incoming_seeds.c \
			$(filter-out fuzz/incoming.c,$(FUZZ_SRCS_incoming)))
	$(quiet) LD $@
	$(Q)$(CC) $(LDFLAGS) $(FUZZ_RP_SAN) -o $@ $^ $(FUZZ_LIBS_incoming)

.PHONY: fuzz fuzz-build fuzz-merge fuzz-seeds fuzz-coverage

fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	$(Q)O=$(O) FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/fuzz.sh run $(FUZZ_HARNESSES)

fuzz-merge: $(FUZZ_BINS)
	$(Q)O=$(O) fuzz/fuzz.sh merge $(FUZZ_HARNESSES)

fuzz-coverage: $(foreach h,$(FUZZ_HARNESSES),$(O)/fuzz/$(h)-cov)
	$(Q)O=$(O) fuzz/fuzz.sh coverage $(FUZZ_HARNESSES)

# Rewrites the seed-* files of fuzz/corpus/ (commit the result).
fuzz-seeds: $(FUZZ_STREAM_SEEDS) $(FUZZ_INCOMING_SEEDS)
	$(Q)fuzz/seeds.py fuzz/corpus
	$(Q)mkdir -p fuzz/corpus/stream fuzz/corpus/incoming fuzz/regress/incoming
	$(Q)$(FUZZ_STREAM_SEEDS) fuzz/corpus/stream
	$(Q)$(FUZZ_INCOMING_SEEDS) fuzz/corpus/incoming fuzz/regress/incoming

ALL	+= $(FUZZ_REPLAYS) $(if $(FUZZ_HAVE_LF),$(FUZZ_BINS))
# Replays first (seconds), valgrind on the host tests, then the bounded
# fuzz run (FUZZ_CI_SECONDS per harness, FUZZ_CI_JOBS at a time).
TESTS	+= fuzz/replay.sh fuzz/valgrind-host.sh fuzz/run-bounded.sh
CLEAN	+= $(O)/fuzz
