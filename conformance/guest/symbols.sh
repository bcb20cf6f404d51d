#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# symbols.sh - checks that the guest library is freestanding: guest flags, no imports, no global state.
#
# KTAP on stdout; exit 0 when every check passes, 1 otherwise. Uses
# ${O:-build}/guest/libmigctl-guest.a, built by `make`.

O=${O:-build}
CC=${CC:-gcc}
NM=${NM:-nm}
case $O in
/*) LIB=$O/guest/libmigctl-guest.a ;;
*) LIB=$(pwd)/$O/guest/libmigctl-guest.a ;;
esac
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

# The freestanding flags of the top Makefile's GUEST_CFLAGS plus the
# library's own; kept here so that this check does not depend on make.
FLAGS="-std=gnu11 -Wall -Wextra -Wstrict-prototypes -Wmissing-prototypes
	-Wno-unused-parameter -Werror -I$ROOT/include -I$ROOT/spec -I$ROOT/guest
	-ffreestanding -nostdlib -fno-pic -fno-pie -fno-stack-protector
	-mno-red-zone -mgeneral-regs-only -fno-asynchronous-unwind-tables
	-fcf-protection=none -fno-tree-loop-distribute-patterns"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
n=0
failed=0

result() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		failed=1
	fi
}

# Undefined symbols of the objects in $1 (an archive or object) that no
# object in it defines.
imports() {
	$NM -A --defined-only "$1" 2>/dev/null | awk 'NF >= 3 { print $NF }' | sort -u >"$TMP/def"
	$NM -A -u "$1" 2>/dev/null | awk '{ print $NF }' | sort -u >"$TMP/undef"
	comm -23 "$TMP/undef" "$TMP/def"
}

echo "KTAP version 1"
echo "1..5"

if [ -f "$LIB" ]; then r=0; else r=1; echo "# $LIB missing: run make"; fi
result $r library_built

# An embedder links the library with nothing else: it must import nothing.
missing=$(imports "$LIB")
if [ -f "$LIB" ] && [ -z "$missing" ]; then r=0; else r=1; fi
for s in $missing; do echo "# undefined: $s"; done
result $r no_undefined_symbols

# Every global symbol carries the library's prefix: no clash with a kernel.
bad=$($NM -g --defined-only "$LIB" 2>/dev/null | awk 'NF == 3 { print $3 }' | grep -v '^migctl_')
if [ -f "$LIB" ] && [ -z "$bad" ]; then r=0; else r=1; fi
for s in $bad; do echo "# unprefixed global: $s"; done
result $r globals_prefixed

# No global mutable state: nothing in .data or .bss.
data=$($NM "$LIB" 2>/dev/null | awk 'NF == 3 && $2 ~ /^[bBdDcC]$/ { print $3 }')
if [ -f "$LIB" ] && [ -z "$data" ]; then r=0; else r=1; fi
for s in $data; do echo "# writable data: $s"; done
result $r no_writable_data

# The sources build freestanding at every optimisation level, and the
# compiler invents no memset/memcpy call at any of them.
r=0
for opt in -O0 -O1 -O2 -Os -O3; do
	objs=
	for src in "$ROOT"/guest/*.c "$ROOT"/guest/arch/x86/*.c; do
		obj="$TMP/$(basename "$src" .c)$opt.o"
		# shellcheck disable=SC2086
		if ! $CC $FLAGS $opt -c -o "$obj" "$src" 2>"$TMP/err"; then
			echo "# $src $opt does not build freestanding:"
			sed 's/^/# /' "$TMP/err"
			r=1
		fi
		objs="$objs $obj"
	done
	# shellcheck disable=SC2086
	if [ $r = 0 ] && $CC -r -nostdlib -o "$TMP/all$opt.o" $objs 2>"$TMP/err"; then
		for s in $(imports "$TMP/all$opt.o"); do
			echo "# $opt imports $s"
			r=1
		done
	else
		r=1
	fi
done
result $r builds_freestanding

exit $failed
