# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# conformance/lib/lib.mk - the KTAP test harness, the runner, their self-tests.

TEST_LIB	:= $(O)/conformance/lib/test.o
RUNNER		:= $(O)/conformance/lib/runner

$(RUNNER): $(O)/conformance/lib/runner.o
	$(quiet) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^

HARNESS_SELFTEST := $(O)/conformance/lib/harness_test
HARNESS_VICTIM	 := $(O)/conformance/lib/harness_victim

$(HARNESS_SELFTEST): $(O)/conformance/lib/harness_test.o $(TEST_LIB)
	$(quiet) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^

$(HARNESS_VICTIM): $(O)/conformance/lib/harness_victim.o $(TEST_LIB)
	$(quiet) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^

# The self-test runs the victim (a program whose cases fail, hang and skip
# on purpose) and the runner itself, so it needs both built.
$(HARNESS_SELFTEST): | $(HARNESS_VICTIM) $(RUNNER)

ALL	+= $(RUNNER) $(TEST_LIB) $(HARNESS_SELFTEST) $(HARNESS_VICTIM)
TESTS	+= $(HARNESS_SELFTEST)
