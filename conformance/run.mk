# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# conformance/run.mk - migctl-conformance: installation, `make conformance`, the self-test.

CONF_RUN	:= conformance/run
CONF_SPEC_VERSION := $(shell sed -n 's/^\#define[[:space:]]*MIGCTL_VERSION_MAX[[:space:]]*MIGCTL_VERSION_\([0-9]*\).*/\1/p' spec/migctl.h)

# What each role's run needs from a build tree; the self-test builds only
# these for a fault variant (make O=... FAULT=... conformance-<role>-bins).
.PHONY: conformance conformance-guest-bins conformance-host-bins conformance-vmm-bins \
	install-conformance uninstall-conformance
conformance-guest-bins: $(RUNNER) $(GUEST_SUITE_BINS) $(CHECK_TESTS)
conformance-host-bins: $(RUNNER) $(VMM_BIN)
conformance-vmm-bins: $(RUNNER) $(VMM_BIN)

# The programs migctl-conformance runs, installed below $(LIBEXECDIR) in the
# layout of the build tree. The vmm-role suite's VMM test image comes along.
CONF_LIBEXEC	:= $(RUNNER) $(GUEST_SUITE_BINS) $(CHECK_TESTS) $(GUEST_IMAGE) $(GUEST_IMAGE_RUN) $(KTAP_SH) \
		   $(if $(VMM_SUITE),$(VMM_SUITE) $(O)/conformance/vmm/lib.sh \
			$(filter %/memloop.elf,$(VMM_IMAGES)))
CONF_LIBEXEC_REL = $(patsubst $(O)/%,%,$(CONF_LIBEXEC))

# make conformance [ROLE=guest|host|vmm|all] [HOST=...] [FILTER=GLOB]
conformance: all
	$(Q)O=$(O) $(CONF_RUN) --role $(or $(ROLE),all) $(if $(HOST),--host '$(HOST)') \
		$(if $(FILTER),--filter '$(FILTER)')

install: install-conformance
uninstall: uninstall-conformance

install-conformance: all
	$(quiet) INSTALL $(DESTDIR)$(LIBEXECDIR)
	$(Q)for f in $(CONF_LIBEXEC_REL); do \
		case $$f in *.elf) mode=0644 ;; *) mode=0755 ;; esac; \
		install -D -m $$mode $(O)/$$f $(DESTDIR)$(LIBEXECDIR)/$$f || exit 1; \
	done
	$(Q)install -d $(DESTDIR)$(BINDIR)
	$(Q)sed -e 's|^LIBEXEC = None.*|LIBEXEC = "$(LIBEXECDIR)"|' \
		-e 's|^BINDIR = None.*|BINDIR = "$(BINDIR)"|' \
		-e 's|^SPEC_VERSION = None.*|SPEC_VERSION = "$(CONF_SPEC_VERSION)"|' \
		$(CONF_RUN) > $(DESTDIR)$(BINDIR)/migctl-conformance
	$(Q)chmod 0755 $(DESTDIR)$(BINDIR)/migctl-conformance

uninstall-conformance:
	$(Q)rm -f $(DESTDIR)$(BINDIR)/migctl-conformance \
		$(addprefix $(DESTDIR)$(LIBEXECDIR)/,$(CONF_LIBEXEC_REL))
	$(Q)if [ -d $(DESTDIR)$(LIBEXECDIR) ]; then \
		cd $(DESTDIR)$(LIBEXECDIR) && \
		for d in $(sort $(dir $(CONF_LIBEXEC_REL))); do \
			rmdir -p --ignore-fail-on-non-empty $$d 2>/dev/null; \
		done; \
		rmdir --ignore-fail-on-non-empty $(DESTDIR)$(LIBEXECDIR); \
	fi; true

# The suite's power: every fault variant of conformance/selftest/variants
# must be caught on the rule it breaks. VARIANTS='a b' runs some only.
conformance-selftest: all
	$(Q)O=$(O) conformance/selftest/selftest.sh $(VARIANTS)

# migctl-conformance's own test, then the self-test (about a minute or two:
# six variant builds of a few files each, one suite run per variant).
# The guest variants need no KVM; the host and vmm variants run on one
# (make check builds them first, natively).
TESTS	+= conformance/selftest/selftest.sh~--role~guest
KVM_TESTS += conformance/selftest/run-test.sh conformance/selftest/selftest.sh~--role~host,vmm
CLEAN	+= $(O)-fault
