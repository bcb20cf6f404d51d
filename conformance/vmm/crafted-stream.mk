# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# conformance/vmm/crafted-stream.mk - hand-made migration streams with one bad field against migctl-vmm.

CRAFTSTREAM	:= $(O)/conformance/vmm/craftstream
CRAFTED_SH	:= $(O)/conformance/vmm/crafted-stream.sh

# It rewrites streams with the stream module's field coding and the VMM's state structs.
$(O)/conformance/vmm/craftstream.o: ALL_CFLAGS += -Ivmm -Ivmm/migrate $(VMM_MIGRATE_SODIUM_CFLAGS)
$(CRAFTSTREAM): $(O)/conformance/vmm/craftstream.o
	$(quiet) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(VMM_MIGRATE_LDLIBS) -lpthread

# Run from $(O) like every program in $(TESTS), with that tree's VMM (so also the ASan one).
$(CRAFTED_SH): conformance/vmm/crafted-stream.sh
	$(quiet) GEN $@
	@mkdir -p $(@D)
	$(Q)install -m 0755 $< $@

$(CRAFTED_SH): | $(O)/conformance/vmm/lib.sh $(O)/scripts/ktap.sh $(VMM_BIN) $(VMM_IMAGES) \
		 $(CRAFTSTREAM)

ALL		+= $(CRAFTSTREAM) $(CRAFTED_SH)
KVM_TESTS	+= $(CRAFTED_SH)
