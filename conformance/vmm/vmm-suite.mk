# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# conformance/vmm/vmm-suite.mk - the vmm-role suite and the fault builds of its self-test.

VMM_SUITE	:= $(O)/conformance/vmm/vmm-suite.sh
# One migctl-vmm per fault switch of vmm/migrate/fault.h, each in its own tree.
VMM_FAULTS	:= NO_CHANGED_SET STATUS_FIRST NO_FINAL_ROUND NO_PAUSE_WAIT STATUS_AFTER_RESUME
vmm_fault_dir	= $(O)-fault-$(subst _,-,$(shell echo $(1) | tr A-Z a-z))

$(VMM_SUITE): conformance/vmm/vmm-suite.sh
	$(quiet) GEN $@
	@mkdir -p $(@D)
	$(Q)install -m 0755 $< $@

# The suite needs the VMM, its test images, the conformance image and the
# helpers it sources (lib.sh: conformance/vmm/reliability.mk; ktap.sh).
$(VMM_SUITE): | $(VMM_BIN) $(VMM_IMAGES) $(GUEST_IMAGE) $(O)/conformance/vmm/lib.sh \
		$(O)/scripts/ktap.sh

.PHONY: vmm-fault-builds vmm-fault-selftest
vmm-fault-builds:
	$(Q)$(foreach f,$(VMM_FAULTS),$(MAKE) --no-print-directory O=$(call vmm_fault_dir,$(f)) \
		CFLAGS="$(CFLAGS) -DMIGCTL_FAULT_$(f)" $(call vmm_fault_dir,$(f))/vmm/migctl-vmm &&) true

# make vmm-fault-selftest RUNS=3: each fault build through the 4-migration case.
vmm-fault-selftest: all vmm-fault-builds
	$(Q)O=$(O) $(VMM_SUITE) --faults $(or $(RUNS),3)

ALL	+= $(VMM_SUITE)
KVM_TESTS	+= $(VMM_SUITE)
CLEAN	+= $(foreach f,$(VMM_FAULTS),$(call vmm_fault_dir,$(f)))
