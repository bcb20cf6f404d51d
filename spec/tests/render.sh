#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# render.sh - the spec renders with asciidoctor without a single warning.

cd "$(dirname "$0")/../.." || exit 1
adoc=${ASCIIDOCTOR:-asciidoctor}

echo "KTAP version 1"
echo "1..2"
if ! command -v "$adoc" > /dev/null 2>&1; then
	echo "ok 1 renders_without_warnings # SKIP $adoc is not installed (apt-get install asciidoctor)"
	echo "ok 2 rule_anchors_in_html # SKIP $adoc is not installed"
	echo "# Totals: pass:0 fail:0 skip:2"
	exit 4
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/migctl-render.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
failed=0

# --verbose also reports references to anchors that do not exist.
if "$adoc" --failure-level=WARN --verbose -a reproducible -o "$tmp/migctl.html" \
	spec/migctl.adoc > "$tmp/log" 2>&1 && ! [ -s "$tmp/log" ]; then
	echo "ok 1 renders_without_warnings"
else
	sed 's/^/# /' "$tmp/log"
	echo "not ok 1 renders_without_warnings"
	failed=$((failed + 1))
fi

# Every rule anchor of the sources must be a link target in the HTML.
missing=0
for id in $(cat spec/migctl.adoc spec/chapters/*.adoc |
	    sed -n 's/.*\[\[\([GHV]-[0-9]*\)[],].*/\1/p' | sort -u); do
	if ! grep -q "id=\"$id\"" "$tmp/migctl.html" 2>/dev/null; then
		echo "# rule anchor $id is not in the rendered HTML"
		missing=$((missing + 1))
	fi
done
if [ "$missing" -eq 0 ] && [ -s "$tmp/migctl.html" ]; then
	echo "ok 2 rule_anchors_in_html"
else
	echo "not ok 2 rule_anchors_in_html"
	failed=$((failed + 1))
fi

echo "# Totals: pass:$((2 - failed)) fail:$failed skip:0"
[ "$failed" -eq 0 ] || exit 1
exit 0
