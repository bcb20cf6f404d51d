# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# Makefile - builds, tests, documents and installs migctl.
#
#   make               build everything into $(O)
#   make check         install missing packages, build, run every test
#   make check-asan    the same tests built with ASan and UBSan
#   make demo          the main demonstration
#   make demo-linux    a running stock Linux guest migrated live, its console before and after
#   make linux-check   the Linux guest suite (conformance/linux/), on a standard KVM
#   make docs          HTML spec and docs, man pages
#   make install       PREFIX=/usr/local DESTDIR= (staged installs)
#   V=1 verbose, WERROR=0 warnings are not errors, O=DIR build directory

VERSION		:= 0.1.0
O		?= build
PREFIX		?= /usr/local
DESTDIR		?=
BINDIR		?= $(PREFIX)/bin
LIBDIR		?= $(PREFIX)/lib
INCDIR		?= $(PREFIX)/include
DATADIR		?= $(PREFIX)/share
MANDIR		?= $(DATADIR)/man
DOCDIR		?= $(DATADIR)/doc/migctl
LIBEXECDIR	?= $(PREFIX)/libexec/migctl

CC		?= gcc
AR		?= ar
WERROR		?= 1
SAN		?=

ifeq ($(V),1)
Q :=
quiet = @true
else
Q := @
quiet = @printf '  %-8s %s\n'
endif

WARN		:= -Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes \
		   -Wno-unused-parameter
ifeq ($(WERROR),1)
WARN		+= -Werror
endif

# Flags for user-space code (host/, vmm/, tests, tools).
CFLAGS		?= -O2 -g
BASE_CFLAGS	:= -std=gnu11 $(WARN) -Iinclude -Ispec -MMD -MP \
		   -DMIGCTL_VERSION_STRING='"$(VERSION)"'
ifneq ($(SAN),)
SAN_FLAGS	:= -fsanitize=address,undefined -fno-omit-frame-pointer \
		   -fno-sanitize-recover=all
endif
# FAULT=NAME builds every part with -DMIGCTL_FAULT_NAME: one rule broken on
# purpose, for the conformance self-test only (make conformance-selftest).
FAULT_FLAGS	:= $(if $(FAULT),-DMIGCTL_FAULT_$(FAULT))
ALL_CFLAGS	= $(BASE_CFLAGS) $(CFLAGS) $(SAN_FLAGS) $(FAULT_FLAGS)
ALL_LDFLAGS	= $(LDFLAGS) $(SAN_FLAGS)

# Flags for code that runs inside a guest (guest/, the guest images).
GUEST_CFLAGS	:= -std=gnu11 $(WARN) -Iinclude -Ispec -MMD -MP -O2 -g \
		   -ffreestanding -nostdlib -fno-pic -fno-pie \
		   -fno-stack-protector -mno-red-zone -mgeneral-regs-only \
		   -fno-asynchronous-unwind-tables -fcf-protection=none \
		   $(FAULT_FLAGS)

# Each fragment appends to these.
ALL		:=	# everything `make` builds
TESTS		:=	# KTAP test programs `make check` runs, in order
KVM_TESTS	:=	# the same, for the programs that need /dev/kvm
# A program with arguments is one word there: "~" stands for each blank.
DOCS		:=	# rendered documentation
INSTALL_BIN	:=	# programs for $(BINDIR)
INSTALL_LIB	:=	# libraries for $(LIBDIR)
INSTALL_PC	:=	# pkg-config files for $(LIBDIR)/pkgconfig
INSTALL_INC	:= spec/migctl.h include/migctl/types.h	# headers for $(INCDIR)/migctl
INSTALL_MAN1	:=	# man pages for $(MANDIR)/man1
INSTALL_DOC	:=	# documents for $(DOCDIR)
CLEAN		:=	# extra files to remove

.PHONY: all check check-asan check-run deps demo demo-linux docs install uninstall \
	clean distclean conformance-selftest bench fuzz
.DEFAULT_GOAL := all

include conformance/lib/lib.mk
include spec/spec.mk
-include guest/guest.mk
-include guest/linux/linux.mk
-include host/host.mk
-include vmm/vmm.mk
-include conformance/conformance.mk
-include docs/docs.mk
-include bench/bench.mk
-include fuzz/fuzz.mk

# Tree-wide rules: SPDX and purpose lines, headers that compile alone.
TESTS		+= scripts/tests/lint.sh scripts/tests/kvm-run-test.sh
KVM_TESTS	+= scripts/tests/demo-test.sh

all: $(ALL)

$(O)/%.o: %.c
	$(quiet) CC $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

deps:
	$(Q)scripts/deps.sh

# The test run: every program in $(TESTS) and $(KVM_TESTS) under one KTAP
# plan, then every compiled test program again as built with ASan and
# UBSan in $(O)-asan (CHECK_SAN=0 leaves that second pass out). Scripts
# run once. The /dev/kvm tests run on a standard KVM through
# scripts/kvm-run: here when /dev/kvm is kvm-amd or kvm-intel, else in a
# Linux VM under QEMU emulation; on a KVM of another kind (kvm-run --check
# says "other") also natively. CHECK_JOBS programs run at once.
CHECK_SAN	?= 1
CHECK_JOBS	?= 2
KVM_RUN		:= scripts/kvm-run
san_of		= $(if $(filter 1,$(CHECK_SAN)),$(filter $(O)-asan/%,$(patsubst $(O)/%,$(O)-asan/%,$(1))))
SAN_TESTS	= $(call san_of,$(TESTS))
SAN_KVM_TESTS	= $(call san_of,$(KVM_TESTS))
NATIVE_KVM	= $(shell $(KVM_RUN) --check | sed -n 's/^native KVM: \([a-z]*\).*/\1/p')
# quoted_tests PREFIX,PROGRAMS: each program one argument of the runner.
quoted_tests	= $(foreach t,$(2),'$(1)$(subst ~, ,$(t))')

check: deps
	$(Q)$(MAKE) --no-print-directory check-run

check-run: all
ifeq ($(CHECK_SAN),1)
	$(Q)$(MAKE) --no-print-directory O=$(O)-asan SAN=1 CHECK_SAN=0 all
endif
	$(Q)O=$(O) conformance/selftest/selftest.sh --build-only --role host,vmm
	$(Q)O=$(O) $(RUNNER) -j $(CHECK_JOBS) \
		$(call quoted_tests,$(KVM_RUN) -- ,$(KVM_TESTS) $(SAN_KVM_TESTS)) \
		$(call quoted_tests,,$(TESTS) $(SAN_TESTS)) \
		$(if $(filter other,$(NATIVE_KVM)),$(call quoted_tests,,$(KVM_TESTS) $(SAN_KVM_TESTS)))

# Only the sanitizer build, for a quicker look.
check-asan: deps
	$(Q)$(MAKE) --no-print-directory O=$(O)-asan SAN=1 CHECK_SAN=0 check-run

# The demo on a standard KVM through scripts/kvm-run: here on kvm-amd or
# kvm-intel, else in a Linux VM under QEMU emulation (see scripts/demo.sh).
demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/demo.sh --standard-kvm $(O)

# A live migration of a stock Linux guest, the same way (scripts/demo-linux.sh).
demo-linux: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/demo-linux.sh --standard-kvm $(O)

docs: $(DOCS)

# install-files MODE DIR FILES: nothing happens for an empty list.
install-files = $(if $(3),install -d $(DESTDIR)$(2) && install -m $(1) $(3) $(DESTDIR)$(2)/,true)
uninstall-files = $(foreach f,$(2),rm -f $(DESTDIR)$(1)/$(notdir $(f)) &&) true

install: all $(DOCS)
	$(quiet) INSTALL $(DESTDIR)$(PREFIX)
	$(Q)$(call install-files,0755,$(BINDIR),$(INSTALL_BIN))
	$(Q)$(call install-files,0644,$(LIBDIR),$(INSTALL_LIB))
	$(Q)$(call install-files,0644,$(LIBDIR)/pkgconfig,$(INSTALL_PC))
	$(Q)$(call install-files,0644,$(INCDIR)/migctl,$(INSTALL_INC))
	$(Q)$(call install-files,0644,$(MANDIR)/man1,$(INSTALL_MAN1))
	$(Q)$(call install-files,0644,$(DOCDIR),$(INSTALL_DOC))

uninstall:
	$(Q)$(call uninstall-files,$(BINDIR),$(INSTALL_BIN))
	$(Q)$(call uninstall-files,$(LIBDIR),$(INSTALL_LIB))
	$(Q)$(call uninstall-files,$(LIBDIR)/pkgconfig,$(INSTALL_PC))
	$(Q)$(call uninstall-files,$(INCDIR)/migctl,$(INSTALL_INC))
	$(Q)$(call uninstall-files,$(MANDIR)/man1,$(INSTALL_MAN1))
	$(Q)$(call uninstall-files,$(DOCDIR),$(INSTALL_DOC))

clean:
	$(Q)rm -rf $(O) $(O)-asan $(CLEAN)

distclean: clean

-include $(shell find $(O) -name '*.d' 2>/dev/null)
