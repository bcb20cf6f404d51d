# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# conformance/guest-image/image.mk - the conformance guest image (PVH) and its host-suite driver.

GUEST_IMAGE_DIR	 := conformance/guest-image
GUEST_IMAGE	 := $(O)/$(GUEST_IMAGE_DIR)/migctl-test.elf
GUEST_IMAGE_LDS	 := $(GUEST_IMAGE_DIR)/migctl-test.ld
GUEST_IMAGE_OBJS := $(O)/$(GUEST_IMAGE_DIR)/entry.o $(O)/$(GUEST_IMAGE_DIR)/sevsim_prf.o \
		    $(patsubst %.c,$(O)/%.o,$(wildcard $(GUEST_IMAGE_DIR)/*.c))
# GUEST_CFLAGS only, also when SAN=1: a bare-metal kernel has no sanitizer runtime.
GUEST_IMAGE_CFLAGS := $(GUEST_CFLAGS) -Iguest -Iguest/arch/x86 -I$(GUEST_IMAGE_DIR) -Ivmm/migrate \
		      -fno-tree-loop-distribute-patterns
GUEST_IMAGE_RUN	 := $(O)/$(GUEST_IMAGE_DIR)/run-host-suite.sh
# The KTAP helpers the drivers source, where they are relative to the
# drivers in the source tree; check-guest-test.sh (badguest.mk) uses it too.
KTAP_SH		 := $(O)/scripts/ktap.sh

$(O)/$(GUEST_IMAGE_DIR)/%.o: $(GUEST_IMAGE_DIR)/%.c
	$(quiet) CC $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(GUEST_IMAGE_CFLAGS) -c -o $@ $<

# The sev-sim keystream the VMM uses too, built freestanding for the image's ring-3 tasks.
$(O)/$(GUEST_IMAGE_DIR)/sevsim_prf.o: vmm/migrate/sevsim_prf.c
	$(quiet) CC $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(GUEST_IMAGE_CFLAGS) -c -o $@ $<

$(O)/$(GUEST_IMAGE_DIR)/%.o: $(GUEST_IMAGE_DIR)/%.S
	$(quiet) AS $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(GUEST_IMAGE_CFLAGS) -c -o $@ $<

$(GUEST_IMAGE): $(GUEST_IMAGE_OBJS) $(GUEST_LIB) $(GUEST_IMAGE_LDS)
	$(quiet) LD $@
	$(Q)$(CC) -nostdlib -static -no-pie -Wl,-T,$(GUEST_IMAGE_LDS) -Wl,--build-id=none \
		-Wl,-z,noexecstack -Wl,-z,max-page-size=4096 \
		-o $@ $(GUEST_IMAGE_OBJS) $(GUEST_LIB)

# The driver runs from $(O) like every program in $(TESTS). It sources
# lib.sh of the vmm suites (conformance/vmm/reliability.mk) and ktap.sh.
$(GUEST_IMAGE_RUN): $(GUEST_IMAGE_DIR)/run-host-suite.sh | $(KTAP_SH) $(O)/conformance/vmm/lib.sh
	$(quiet) GEN $@
	@mkdir -p $(@D)
	$(Q)install -m 0755 $< $@

$(KTAP_SH): scripts/ktap.sh
	$(quiet) GEN $@
	@mkdir -p $(@D)
	$(Q)install -m 0644 $< $@

ALL	+= $(GUEST_IMAGE) $(GUEST_IMAGE_RUN) $(KTAP_SH)
KVM_TESTS	+= $(GUEST_IMAGE_RUN)
