# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# conformance/badguest/badguest.mk - guest images that break one G rule each, for migctl-vmm --check-guest.

# One tiny PVH kernel on the guest library; faults.c is built once per
# image with the mistake it makes (BADGUEST_FAULT), "none" for the good one.
BADGUEST_DIR	:= conformance/badguest
BADGUEST_FAULTS	:= ctl-without-bit17 psc-not-offered reserved-bits no-read-back repeat-error \
		   no-opt-out opt-in-before-reset reset-while-ready bad-request unaccepted-feature
BADGUEST_GOOD	:= $(O)/$(BADGUEST_DIR)/good.elf
BADGUEST_IMAGES	:= $(BADGUEST_GOOD) $(addprefix $(O)/$(BADGUEST_DIR)/bad-,$(addsuffix .elf,$(BADGUEST_FAULTS)))
BADGUEST_OBJS	:= $(O)/$(BADGUEST_DIR)/entry.o $(O)/$(BADGUEST_DIR)/kernel.o
BADGUEST_LDS	:= $(BADGUEST_DIR)/badguest.ld
# GUEST_CFLAGS only, also when SAN=1: a bare-metal kernel has no sanitizer runtime.
BADGUEST_CFLAGS	:= $(GUEST_CFLAGS) -Iguest -Iguest/arch/x86 -I$(BADGUEST_DIR) \
		   -fno-tree-loop-distribute-patterns
BADGUEST_TEST	:= $(O)/$(BADGUEST_DIR)/check-guest-test.sh

$(O)/$(BADGUEST_DIR)/%.o: $(BADGUEST_DIR)/%.c
	$(quiet) CC $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(BADGUEST_CFLAGS) -c -o $@ $<

$(O)/$(BADGUEST_DIR)/%.o: $(BADGUEST_DIR)/%.S
	$(quiet) AS $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(BADGUEST_CFLAGS) -c -o $@ $<

# A static pattern: "faults-%.o" alone would also match the .d files make remakes.
BADGUEST_FAULT_OBJS := $(addprefix $(O)/$(BADGUEST_DIR)/faults-,$(addsuffix .o,none $(BADGUEST_FAULTS)))

$(BADGUEST_FAULT_OBJS): $(O)/$(BADGUEST_DIR)/faults-%.o: $(BADGUEST_DIR)/faults.c
	$(quiet) CC $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(BADGUEST_CFLAGS) -DBADGUEST_FAULT='"$*"' -c -o $@ $<

badguest_link = $(CC) -nostdlib -static -no-pie -Wl,-T,$(BADGUEST_LDS) -Wl,--build-id=none \
		-Wl,-z,noexecstack -Wl,-z,max-page-size=4096 -o $@ $(1) $(GUEST_LIB)

$(BADGUEST_GOOD): $(BADGUEST_OBJS) $(O)/$(BADGUEST_DIR)/faults-none.o $(GUEST_LIB) $(BADGUEST_LDS)
	$(quiet) LD $@
	$(Q)$(call badguest_link,$(BADGUEST_OBJS) $(O)/$(BADGUEST_DIR)/faults-none.o)

$(O)/$(BADGUEST_DIR)/bad-%.elf: $(BADGUEST_OBJS) $(O)/$(BADGUEST_DIR)/faults-%.o $(GUEST_LIB) \
		$(BADGUEST_LDS)
	$(quiet) LD $@
	$(Q)$(call badguest_link,$(BADGUEST_OBJS) $(O)/$(BADGUEST_DIR)/faults-$*.o)

.SECONDARY: $(BADGUEST_OBJS) $(BADGUEST_FAULT_OBJS)

$(BADGUEST_TEST): $(BADGUEST_DIR)/check-guest-test.sh
	$(quiet) GEN $@
	@mkdir -p $(@D)
	$(Q)install -m 0755 $< $@

# The test boots the images under the VMM, the conformance image's kexec
# scenario too, and runs migctl-conformance with the runner. It sources
# lib.sh of the vmm suites (conformance/vmm/reliability.mk) and ktap.sh.
$(BADGUEST_TEST): | $(VMM_BIN) $(BADGUEST_IMAGES) $(GUEST_IMAGE) $(RUNNER) $(KTAP_SH) \
		$(O)/conformance/vmm/lib.sh

ALL	+= $(BADGUEST_IMAGES) $(BADGUEST_TEST)
KVM_TESTS	+= $(BADGUEST_TEST)
