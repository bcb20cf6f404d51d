# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# conformance/guest/guest-suite.mk - the guest-role suite: the guest library against scripted hosts.

GUEST_SUITE	 := discovery negotiation notify lifecycle smp
GUEST_SUITE_BINS := $(patsubst %,$(O)/conformance/guest/guest_%_test,$(GUEST_SUITE))
GUEST_SIM_OBJ	 := $(O)/conformance/guest/sim.o
GUEST_SUITE_OBJS := $(GUEST_SIM_OBJ) $(patsubst %,%.o,$(GUEST_SUITE_BINS))

# Built through a pattern chain; keep them for incremental builds.
.SECONDARY: $(GUEST_SUITE_OBJS)

$(O)/conformance/guest/%.o: ALL_CFLAGS += -Iguest

$(O)/conformance/guest/guest_%_test: $(O)/conformance/guest/guest_%_test.o $(GUEST_SIM_OBJ) \
				     $(GUEST_HOSTED_OBJS) $(TEST_LIB)
	$(quiet) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ -lpthread

ALL	+= $(GUEST_SUITE_BINS)
TESTS	+= $(GUEST_SUITE_BINS) conformance/guest/symbols.sh
