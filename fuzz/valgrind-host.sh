#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# valgrind-host.sh - KTAP: every host library test program under valgrind, no leaks, no errors.
#
# Runs each $O/host/tests/* program in-process (--no-fork, so valgrind
# sees the cases themselves) under memcheck with --leak-check=full. An
# ASan build cannot run under valgrind: then every case is skipped, since
# the plain build's run covers it.
set -u
cd "$(dirname "$0")/.."
O=${O:-build}

progs=""
for t in "$O"/host/tests/*; do
	case "$t" in *.o|*.d) continue ;; esac
	[ -f "$t" ] && [ -x "$t" ] && progs="$progs $t"
done
set -- $progs

echo "KTAP version 1"
if [ $# -eq 0 ]; then
	echo "1..0 # SKIP no host test programs in $O/host/tests (run make)"
	exit 4
fi
echo "1..$#"
n=0
fail=0
skipped=0
for t in "$@"; do
	n=$((n + 1))
	name=valgrind_$(basename "$t")
	if ! command -v valgrind >/dev/null 2>&1; then
		echo "ok $n $name # SKIP valgrind is not installed (apt-get install valgrind)"
		skipped=$((skipped + 1))
		continue
	fi
	if grep -aq __asan_init "$t"; then
		echo "ok $n $name # SKIP built with ASan; valgrind runs on the plain build"
		skipped=$((skipped + 1))
		continue
	fi
	log=$t.valgrind.log
	timeout 600 valgrind --leak-check=full --error-exitcode=99 --log-file="$log" \
		"$t" --no-fork >"$t.valgrind.out" 2>&1
	rc=$?
	errs=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$log" | tail -n 1)
	if [ "$rc" -eq 0 ] && [ "${errs:-x}" = 0 ]; then
		leaks=$(grep -E 'no leaks are possible|definitely lost' "$log" | head -n 1)
		echo "# $(basename "$t"): $(grep -c '^ok ' "$t.valgrind.out") cases, 0 errors," \
		     "${leaks#==*== }"
		echo "ok $n $name"
	else
		echo "# $(basename "$t"): exit $rc, valgrind errors ${errs:-?}; see $log"
		grep -E 'Invalid|uninitialised|definitely lost|indirectly lost|possibly lost' "$log" |
			head -n 5 | sed 's/^/# /'
		echo "not ok $n $name"
		fail=1
	fi
done
[ $fail -ne 0 ] && exit 1
[ $skipped -eq $# ] && exit 4
exit 0
