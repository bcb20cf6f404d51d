# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# conformance/vmm/reliability.mk - reliability tests on real KVM: hostile guest, stream faults, two hosts.

FAULTPROXY	:= $(O)/conformance/vmm/faultproxy
REL_SCRIPTS	:= $(addprefix $(O)/conformance/vmm/,hostile.sh stream-faults.sh netns.sh \
			   ctlsock-hostile.sh)
REL_LIB		:= $(O)/conformance/vmm/lib.sh

$(FAULTPROXY): $(O)/conformance/vmm/faultproxy.o
	$(quiet) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^

# The scripts run from $(O) like every program in $(TESTS), with the VMM and images of that tree.
$(REL_SCRIPTS) $(REL_LIB): $(O)/conformance/vmm/%: conformance/vmm/%
	$(quiet) GEN $@
	@mkdir -p $(@D)
	$(Q)install -m 0755 $< $@

$(REL_SCRIPTS): | $(REL_LIB) $(KTAP_SH) $(VMM_BIN) $(GUEST_IMAGE) $(FAULTPROXY)
# The control-socket test boots the VMM's own test images (memloop, hang).
$(O)/conformance/vmm/ctlsock-hostile.sh: | $(VMM_IMAGES)

ALL	+= $(FAULTPROXY) $(REL_SCRIPTS) $(REL_LIB)
KVM_TESTS	+= $(REL_SCRIPTS)
