# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# conformance/checker/checker.mk - the guest-behaviour checker of migctl-vmm and its tests.

MIGCTL_CHECK_LIB	:= $(O)/conformance/checker/libmigctl-check.a
MIGCTL_CHECK_CFLAGS	:= -Iconformance/checker
MIGCTL_CHECK_LDLIBS	:= -lpthread

CHECK_OBJS	:= $(addprefix $(O)/conformance/checker/,guestcheck.o rules_ctl_msr.o rules_notify.o \
			request.o ranges.o)

$(MIGCTL_CHECK_LIB): $(CHECK_OBJS)
	$(quiet) AR $@
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

CHECK_TEST_NAMES := checker_rules_test checker_good_test checker_api_test
CHECK_TESTS	:= $(addprefix $(O)/conformance/checker/tests/,$(CHECK_TEST_NAMES))

# Trace tables leave trailing fields zero; the harness compares through
# __typeof__, so literals meet unsigned values.
$(O)/conformance/checker/tests/%.o: ALL_CFLAGS += $(MIGCTL_CHECK_CFLAGS) -Iconformance/lib \
	-Wno-sign-compare -Wno-missing-field-initializers

$(CHECK_TESTS): $(O)/conformance/checker/tests/%: $(O)/conformance/checker/tests/%.o \
		$(O)/conformance/checker/tests/trace.o $(MIGCTL_CHECK_LIB) $(TEST_LIB)
	$(quiet) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(MIGCTL_CHECK_LDLIBS)

.SECONDARY: $(CHECK_TESTS:=.o) $(O)/conformance/checker/tests/trace.o

# The reference guest library behind a tap that feeds the checker as a VMM
# would; built only when the guest-role suite (its scripted host) is there.
ifneq ($(GUEST_SIM_OBJ),)
CHECK_REF_TEST	:= $(O)/conformance/checker/tests/checker_refguest_test

$(CHECK_REF_TEST).o: ALL_CFLAGS += -Iguest -Iconformance/guest

$(CHECK_REF_TEST): $(CHECK_REF_TEST).o $(O)/conformance/checker/tests/trace.o \
		$(GUEST_SIM_OBJ) $(GUEST_HOSTED_OBJS) $(MIGCTL_CHECK_LIB) $(TEST_LIB)
	$(quiet) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(MIGCTL_CHECK_LDLIBS)

.SECONDARY: $(CHECK_REF_TEST).o
CHECK_TESTS	+= $(CHECK_REF_TEST)
endif

ALL	+= $(MIGCTL_CHECK_LIB) $(CHECK_TESTS)
TESTS	+= $(CHECK_TESTS)
