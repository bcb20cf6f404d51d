# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# host/host.mk - the host protocol engine library and its tests.

MIGCTL_HOST_LIB		:= $(O)/host/libmigctl-host.a
MIGCTL_HOST_CFLAGS	:= -Ihost
MIGCTL_HOST_LDLIBS	:= -lpthread

HOST_OBJS	:= $(addprefix $(O)/host/,statuslog.o logstream.o validate.o saved.o \
			ctl_msr.o notify_recv.o host.o)

$(MIGCTL_HOST_LIB): $(HOST_OBJS)
	$(quiet) AR $@
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

HOST_TEST_NAMES	:= control_test notify_test psc_test statuslog_test statuslog_mt_test logstream_test saved_test \
		   vmtype_test interop_test round_test
HOST_TESTS	:= $(addprefix $(O)/host/tests/,$(HOST_TEST_NAMES))

# The harness compares through __typeof__, so literals meet unsigned values;
# case tables leave trailing fields zero.
$(O)/host/tests/%.o: ALL_CFLAGS += $(MIGCTL_HOST_CFLAGS) -Iconformance/lib \
				 -Wno-sign-compare -Wno-missing-field-initializers

$(HOST_TESTS): $(O)/host/tests/%: $(O)/host/tests/%.o $(O)/host/tests/host_test_util.o \
		$(MIGCTL_HOST_LIB) $(TEST_LIB)
	$(quiet) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(MIGCTL_HOST_LDLIBS)

ALL	+= $(MIGCTL_HOST_LIB) $(HOST_TESTS)
TESTS	+= $(HOST_TESTS)
