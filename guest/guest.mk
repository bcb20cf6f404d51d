# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# guest/guest.mk - the freestanding guest library, its hosted twin for tests, its suite.

# The library proper, built freestanding for guest kernels and images.
# -fno-tree-loop-distribute-patterns keeps the compiler from turning loops
# into memset/memcpy calls: the library links against nothing.
GUEST_LIB_SRCS	:= guest/guest.c guest/notify_send.c
GUEST_ARCH_SRCS	:= guest/arch/x86/x86.c
GUEST_LIB	:= $(O)/guest/libmigctl-guest.a
GUEST_LIB_OBJS	:= $(patsubst %.c,$(O)/%.o,$(GUEST_LIB_SRCS) $(GUEST_ARCH_SRCS))
GUEST_LIB_CFLAGS := $(GUEST_CFLAGS) -Iguest -fno-tree-loop-distribute-patterns

$(O)/guest/%.o: guest/%.c
	$(quiet) CC $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(GUEST_LIB_CFLAGS) -c -o $@ $<

$(GUEST_LIB): $(GUEST_LIB_OBJS)
	$(quiet) AR $@
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

# The same sources for user-space tests, with $(ALL_CFLAGS) so that
# sanitizer builds cover them; arch/x86 is bare-metal only.
GUEST_HOSTED_OBJS := $(patsubst guest/%.c,$(O)/guest/hosted/%.o,$(GUEST_LIB_SRCS))

$(O)/guest/hosted/%.o: guest/%.c
	$(quiet) CC $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -Iguest -c -o $@ $<

ALL	+= $(GUEST_LIB) $(GUEST_HOSTED_OBJS)

include conformance/guest/guest-suite.mk
