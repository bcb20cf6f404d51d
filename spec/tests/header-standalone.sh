#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# header-standalone.sh - spec/migctl.h compiles alone, hosted and freestanding, gnu11 and c11.

cd "$(dirname "$0")/../.." || exit 1
cc=${CC:-cc}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/migctl-header.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

# Included twice: the include guard is part of "compiles alone".
printf '#include "migctl.h"\n#include "migctl.h"\n' > "$tmp/alone.c"

total=4
echo "KTAP version 1"
echo "1..$total"
n=0
failed=0

check() {
	n=$((n + 1))
	name=$1
	shift
	if "$cc" "$@" -Wall -Wextra -Werror -fsyntax-only -Ispec "$tmp/alone.c" \
		> "$tmp/log" 2>&1; then
		echo "ok $n $name"
	else
		sed 's/^/# /' "$tmp/log"
		echo "# command: $cc $* -Wall -Wextra -Werror -fsyntax-only"
		echo "not ok $n $name"
		failed=$((failed + 1))
	fi
}

check gnu11_hosted -std=gnu11
check gnu11_freestanding -std=gnu11 -ffreestanding -nostdlib
check c11_pedantic_hosted -std=c11 -pedantic
check c11_pedantic_freestanding -std=c11 -pedantic -ffreestanding -nostdlib

echo "# Totals: pass:$((total - failed)) fail:$failed skip:0"
[ "$failed" -eq 0 ] || exit 1
exit 0
