# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# conformance/linux/tools/tools.mk - static tools a Linux guest's initramfs carries.

# Static, so that they run on the busybox initramfs without a libc there.
LINUX_TOOL_NAMES := migctl-exit memverify
LINUX_TOOLS	:= $(addprefix $(O)/conformance/linux/tools/,$(LINUX_TOOL_NAMES))

$(LINUX_TOOLS): $(O)/conformance/linux/tools/%: conformance/linux/tools/%.c
	$(quiet) CC $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(BASE_CFLAGS) -O2 -static -o $@ $<

ALL		+= $(LINUX_TOOLS)
# The initramfs builder (conformance/linux/initramfs.sh): contents, same bytes twice.
TESTS		+= conformance/linux/initramfs-test.sh
