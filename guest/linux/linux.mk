# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# guest/linux/linux.mk - `make linux-module`: the migctl kernel module, in $(O)/guest/linux.

include guest/linux/kdir.mk

# The module's suites depend on linux-module and find the module here.
LINUX_MODULE	:= $(O)/guest/linux/migctl.ko

.PHONY: linux-module
linux-module:
	$(Q)$(MAKE) --no-print-directory -C guest/linux O=$(abspath $(O)) \
		KVER=$(KVER) KDIR=$(KDIR)

# scripts/deps.sh installs the headers; `make` leaves the module out only
# where they are missing (`make linux-module` then says what to install).
ifneq ($(wildcard $(KDIR)/Makefile),)
ALL		+= linux-module
endif
