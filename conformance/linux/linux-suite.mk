# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# conformance/linux/linux-suite.mk - `make linux-check`: the Linux guest suite on a standard KVM.

LINUX_CHECK	:= conformance/linux/linux-check.sh conformance/linux/linux-migrate.sh

# Through scripts/kvm-run, as make check runs every /dev/kvm program: here
# on kvm-amd or kvm-intel, else in a Linux VM under QEMU emulation, where
# a build tree outside the checkout is shared too. Every program runs,
# and the target fails if one did.
.PHONY: linux-check
linux-check: all
	$(Q)rc=0; for t in $(LINUX_CHECK); do \
		O=$(O) $(KVM_RUN) $(if $(filter $(CURDIR)/%,$(abspath $(O))),,--share $(abspath $(O))) \
			-- $$t || rc=1; \
	done; exit $$rc

KVM_TESTS	+= $(LINUX_CHECK)
