# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# docs/docs.mk - user documentation and man pages (AsciiDoc), install additions, their tests.

ASCIIDOCTOR	?= asciidoctor
# Zero warnings, as for the spec: --failure-level=WARN fails on a warning,
# --verbose adds the INFO-level reports (references to missing anchors),
# and the rule fails on any message at all.
DOCS_ADOC_FLAGS	:= --failure-level=WARN --verbose -a reproducible \
		   -a revnumber=$(VERSION) -a migctl-version=$(VERSION)

DOCS_SRCS	:= $(wildcard docs/*.adoc)
DOCS_HTML	:= $(patsubst docs/%.adoc,$(O)/docs/%.html,$(DOCS_SRCS))
DOCS_MAN_SRCS	:= $(wildcard docs/man/*.adoc)
DOCS_MAN1	:= $(patsubst docs/man/%.adoc,$(O)/docs/man/%,$(filter %.1.adoc,$(DOCS_MAN_SRCS)))
DOCS_MAN_HTML	:= $(patsubst docs/man/%.adoc,$(O)/docs/%.html,$(DOCS_MAN_SRCS))
# The spec beside the docs, so that the HTML set links within itself both
# in $(O)/docs and once installed flat into $(DOCDIR).
DOCS_SPEC	:= $(O)/docs/migctl.html
# The benchmark plots, beside the HTML that shows them (performance.adoc
# finds them in bench/results/ when read in the source tree).
DOCS_IMAGES	:= $(patsubst bench/results/%,$(O)/docs/%,$(wildcard bench/results/*.png))

# docs-adoc OUTPUT SOURCE EXTRA-FLAGS: render, failing on any message.
docs-adoc = log=$$($(ASCIIDOCTOR) $(DOCS_ADOC_FLAGS) $(3) -o $(1) $(2) 2>&1); \
	if [ $$? -ne 0 ] || [ -n "$$log" ]; then \
		printf '%s\n' "$$log" >&2; rm -f $(1); exit 1; \
	fi

$(O)/docs/%.html: docs/%.adoc
	$(quiet) ADOC $@
	@mkdir -p $(@D)
	$(Q)$(call docs-adoc,$@,$<,)

$(O)/docs/%.html: docs/man/%.adoc
	$(quiet) ADOC $@
	@mkdir -p $(@D)
	$(Q)$(call docs-adoc,$@,$<,-d manpage)

$(O)/docs/man/%: docs/man/%.adoc
	$(quiet) MAN $@
	@mkdir -p $(@D)
	$(Q)$(call docs-adoc,$@,$<,-b manpage)

$(O)/docs/%.png: bench/results/%.png
	$(quiet) CP $@
	@mkdir -p $(@D)
	$(Q)cp $< $@

$(O)/docs/performance.html: DOCS_ADOC_FLAGS += -a imagesdir=.
# The figures: bench/report.py generates them from bench/results/results.json.
$(O)/docs/performance.html: bench/results/summary.adoc

$(DOCS_SPEC): $(O)/spec/migctl.html
	$(quiet) CP $@
	@mkdir -p $(@D)
	$(Q)cp $< $@

DOCS		+= $(DOCS_HTML) $(DOCS_MAN_HTML) $(DOCS_MAN1) $(DOCS_SPEC) $(DOCS_IMAGES)
INSTALL_MAN1	+= $(DOCS_MAN1)
INSTALL_DOC	+= $(DOCS_HTML) $(DOCS_MAN_HTML) $(DOCS_SPEC) $(DOCS_IMAGES)
TESTS		+= docs/tests/render.sh docs/tests/snippets.py docs/tests/install.sh
# README.md, docs/performance.adoc and bench/results/ agree with results.json.
TESTS		+= docs/tests/figures.py
# It runs every migctl-vmm and QEMU command the docs show.
KVM_TESTS	+= docs/tests/commands.py

include scripts/pkgconfig.mk
