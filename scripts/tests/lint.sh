#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# lint.sh - tree-wide rules: SPDX lines, purpose lines, headers that compile alone.
set -u
cd "$(dirname "$0")/../.."

n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
notok() { n=$((n + 1)); fail=1; echo "not ok $n $1"; }

echo "KTAP version 1"
echo "1..3"

# Every source file names the licence on its first line (after a shebang).
files=$(git ls-files '*.c' '*.h' '*.S' '*.sh' '*.mk' '*.ld' '*.lds' '*.adoc' \
	'*.py' Makefile .ci/run scripts/deps.sh scripts/demo.sh scripts/spec-check 2>/dev/null)
bad=0
for f in $files; do
	[ -f "$f" ] || continue
	case "$(head -n 1 "$f")" in
	'#!'*) line=$(sed -n 2p "$f") ;;
	*) line=$(head -n 1 "$f") ;;
	esac
	case "$line" in
	*"SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause"*) ;;
	*) echo "# $f: no SPDX line"; bad=1 ;;
	esac
done
[ $bad -eq 0 ] && ok "spdx_on_every_source_file" || notok "spdx_on_every_source_file"

# The line after the SPDX line says what the file is for.
bad=0
for f in $(git ls-files '*.c' '*.h'); do
	[ -f "$f" ] || continue		# deleted, not yet committed
	purpose=$(sed -n 2p "$f")
	case "$purpose" in
	'/*'*|'//'*) ;;
	*) echo "# $f: line 2 is not a one-line purpose comment"; bad=1 ;;
	esac
done
[ $bad -eq 0 ] && ok "purpose_line_on_every_c_file" || notok "purpose_line_on_every_c_file"

# Headers compile alone: user-space ones hosted, guest-side ones freestanding.
cc=${CC:-cc}
common="-std=gnu11 -Wall -Wextra -Werror -fsyntax-only -Iinclude -Ispec -Ihost -Iguest -Iconformance/lib"
free="-ffreestanding -nostdlib -mno-red-zone -mgeneral-regs-only"
bad=0
for h in $(git ls-files '*.h'); do
	[ -f "$h" ] || continue
	case "$h" in
	# Kernel headers: kbuild compiles them, with W=1 (make linux-module).
	guest/linux/*) continue ;;
	guest/*|conformance/guest-image/*|vmm/migrate/sevsim_prf.h) flags="$common $free -Iguest/arch/x86 -I$(dirname "$h")" ;;
	*) flags="$common -I$(dirname "$h") -I$(dirname "$(dirname "$h")")" ;;
	esac
	if ! printf '#include "%s"\n' "$h" | $cc $flags -x c - -o /dev/null 2>/tmp/lint.$$; then
		echo "# $h does not compile alone:"
		sed 's/^/#   /' /tmp/lint.$$ | head -5
		bad=1
	fi
done
rm -f /tmp/lint.$$
[ $bad -eq 0 ] && ok "headers_compile_alone" || notok "headers_compile_alone"
exit $fail
