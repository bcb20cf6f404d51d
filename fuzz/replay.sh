#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# replay.sh - KTAP: saved crashers and corpus inputs through each harness's sanitized replay driver.
#
# fuzz/regress/<h>/ holds inputs that once crashed or broke an invariant;
# fuzz/corpus/<h>/ the seed corpus. Both must pass on every build, with
# $(CC) and ASan/UBSan, without libFuzzer.
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
harnesses="host_ops logstream stream incoming bzimage"

echo "KTAP version 1"
echo "1..5"
n=0
fail=0
for h in $harnesses; do
	n=$((n + 1))
	bin=$O/fuzz/$h-replay
	log=$O/fuzz/replay-$h.log
	dirs=""
	for d in fuzz/regress/$h fuzz/corpus/$h; do
		[ -d "$d" ] && dirs="$dirs $d"
	done
	if [ ! -x "$bin" ]; then
		echo "# $bin is not built (run make)"
		echo "not ok $n replay_$h"
		fail=1
		continue
	fi
	# shellcheck disable=SC2086
	if "$bin" $dirs >"$log" 2>&1; then
		echo "# $h: $(tail -n 1 "$log") from${dirs:- nothing}"
		echo "ok $n replay_$h"
	else
		grep -E 'invariant broken|ERROR: |SUMMARY: |runtime error' "$log" | head -n 5 |
			sed 's/^/# /'
		echo "# full report: $log"
		echo "not ok $n replay_$h"
		fail=1
	fi
done
exit $fail
