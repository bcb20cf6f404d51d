# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# spec/spec.mk - the specification: rendering and consistency checks.

ASCIIDOCTOR	?= asciidoctor
# Zero warnings: --failure-level=WARN makes any warning fail the build;
# --verbose adds the (INFO-level) reports of references to missing anchors,
# and the rule fails on any message at all.
SPEC_ADOC_FLAGS	:= --failure-level=WARN --verbose -a reproducible \
		   -a revnumber=$(VERSION)
SPEC_SOURCES	:= spec/migctl.adoc $(wildcard spec/chapters/*.adoc) \
		   spec/traceability.adoc

$(O)/spec/migctl.html: $(SPEC_SOURCES)
	$(quiet) ADOC $@
	@mkdir -p $(@D)
	$(Q)log=$$($(ASCIIDOCTOR) $(SPEC_ADOC_FLAGS) -o $@ spec/migctl.adoc 2>&1); \
	if [ $$? -ne 0 ] || [ -n "$$log" ]; then \
		printf '%s\n' "$$log" >&2; rm -f $@; exit 1; \
	fi

# Regenerate the traceability table from the tests' "Covers:" lines.
.PHONY: spec-trace
spec-trace:
	$(Q)scripts/spec-check --update

DOCS	+= $(O)/spec/migctl.html
TESTS	+= spec/tests/header-standalone.sh scripts/spec-check spec/tests/render.sh
