#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# render.sh - `make docs` renders every document and man page without a single message.
#
# KTAP on stdout; exit 0 pass, 1 fail, 4 skip. The rules in docs/docs.mk
# fail on any asciidoctor message (warnings and INFO reports of missing
# anchors alike), so a clean `make docs` is the zero-warning check; this
# test runs it in a temporary build directory, checks what it produced, and
# checks in a copy of the tree that the rule rejects any message.

cd "$(dirname "$0")/../.." || exit 1
adoc=${ASCIIDOCTOR:-asciidoctor}
n=0 failed=0 skipped=0

result() {	# ok|fail name [why]
	n=$((n + 1))
	if [ "$1" = ok ]; then
		echo "ok $n $2"
	else
		failed=$((failed + 1))
		[ -n "${3:-}" ] && echo "# $3"
		echo "not ok $n $2"
	fi
}

echo "KTAP version 1"
echo "1..4"
if ! command -v "$adoc" >/dev/null 2>&1; then
	for t in make_docs docs_produced man_pages_format_cleanly rule_fails_on_any_message; do
		n=$((n + 1))
		echo "ok $n $t # SKIP $adoc is not installed (apt-get install asciidoctor)"
	done
	exit 4
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/migctl-docs.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
out=$tmp/o

# 1: the rule itself: exit 0 and not a word on stderr.
if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory O="$out" docs \
	>"$tmp/stdout" 2>"$tmp/stderr" && ! [ -s "$tmp/stderr" ]; then
	result ok make_docs
else
	sed 's/^/# /' "$tmp/stderr" | tail -n 20
	result fail make_docs "make docs failed or printed messages"
fi

# 2: one HTML page per document, the spec beside them, the man pages.
missing=""
for f in docs/*.adoc; do
	b=$(basename "$f" .adoc)
	grep -q '<title>' "$out/docs/$b.html" 2>/dev/null || missing="$missing $b.html"
done
for f in docs/man/*.adoc; do
	b=$(basename "$f" .adoc)
	grep -q '<title>' "$out/docs/$b.html" 2>/dev/null || missing="$missing $b.html"
	grep -q '^\.TH ' "$out/docs/man/$b" 2>/dev/null || missing="$missing man/$b"
done
grep -q '<title>' "$out/docs/migctl.html" 2>/dev/null || missing="$missing migctl.html"
echo "# $(ls "$out/docs" 2>/dev/null | wc -l) files in docs/"
[ -z "$missing" ] && result ok docs_produced || result fail docs_produced "missing:$missing"

# 3: groff reads the man pages without a warning.
bad=""
if command -v groff >/dev/null 2>&1; then
	for m in "$out"/docs/man/*.[1-9]; do
		[ -e "$m" ] || { bad="$bad (none)"; break; }
		w=$(groff -man -Tutf8 -ww -z "$m" 2>&1)
		[ -z "$w" ] || { bad="$bad $(basename "$m")"; printf '%s\n' "$w" | sed 's/^/# /'; }
	done
	[ -z "$bad" ] && result ok man_pages_format_cleanly ||
		result fail man_pages_format_cleanly "groff warns about:$bad"
else
	n=$((n + 1)) skipped=$((skipped + 1))
	echo "ok $n man_pages_format_cleanly # SKIP groff is not installed"
fi

# 4: the rule's teeth: in a copy of the tree, a document with a reference
# to a missing anchor (an INFO message, not even a warning) fails to build
# and leaves no output behind.
copy=$tmp/tree
mkdir -p "$copy"
# The sources only: no .git, no build directories.
if tar --exclude=./.git --exclude='./build*' -cf - . 2>/dev/null | tar -xf - -C "$copy"; then
	printf '// x\n= Broken\n\nSee <<no-such-anchor>>.\n' > "$copy/docs/zz-broken.adoc"
	if (cd "$copy" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory \
		O="$tmp/o2" "$tmp/o2/docs/zz-broken.html") >"$tmp/broken.log" 2>&1; then
		result fail rule_fails_on_any_message "a document with a broken reference built"
	elif ! grep -q 'no-such-anchor' "$tmp/broken.log" || [ -e "$tmp/o2/docs/zz-broken.html" ]; then
		sed 's/^/# /' "$tmp/broken.log" | tail -n 5
		result fail rule_fails_on_any_message "no message, or output left behind"
	else
		grep -m1 'no-such-anchor' "$tmp/broken.log" | sed 's/^/# /'
		result ok rule_fails_on_any_message
	fi
else
	result fail rule_fails_on_any_message "cannot copy the source tree"
fi

echo "# Totals: pass:$((n - failed - skipped)) fail:$failed xfail:0 xpass:0 skip:$skipped error:0"
[ "$failed" -eq 0 ] || exit 1
exit 0
