#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# run-bounded.sh - KTAP: each libFuzzer harness for FUZZ_CI_SECONDS on its corpus; any crash fails.
#
# FUZZ_CI_SECONDS (default 60) per harness, except incoming:
# FUZZ_CI_SECONDS_INCOMING (default 15; its corpus starts at valid
# streams, so seconds reach the apply code) and bzimage:
# FUZZ_CI_SECONDS_BZIMAGE (default 15; one small parser), FUZZ_CI_JOBS (default: CPUs)
# harnesses at a time. Skips only when clang or the libFuzzer runtime is
# not installed; a missing binary with both present is a failure (make
# builds them). Work, logs and crashers stay in $O/fuzz/ci/<harness>/.
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
secs=${FUZZ_CI_SECONDS:-60}
jobs=${FUZZ_CI_JOBS:-$(nproc 2>/dev/null || echo 1)}
harnesses="host_ops logstream stream incoming bzimage"
cc=${FUZZ_CC:-clang}

echo "KTAP version 1"
echo "1..5"

have_libfuzzer() {
	local rt

	command -v "$cc" >/dev/null 2>&1 || return 1
	rt=$("$cc" --print-runtime-dir 2>/dev/null) || return 1
	[ -f "$rt/libclang_rt.fuzzer-x86_64.a" ]
}

if ! have_libfuzzer; then
	n=0
	for h in $harnesses; do
		n=$((n + 1))
		echo "ok $n fuzz_$h # SKIP $cc or its libFuzzer runtime is not installed" \
		     "(apt-get install clang libclang-rt-14-dev)"
	done
	exit 4
fi

# Start them, at most $jobs at a time.
running=0
for h in $harnesses; do
	[ -x "$O/fuzz/$h-fuzz" ] || continue
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
	hsecs=$secs
	[ "$h" = incoming ] && hsecs=${FUZZ_CI_SECONDS_INCOMING:-15}
	[ "$h" = bzimage ] && hsecs=${FUZZ_CI_SECONDS_BZIMAGE:-15}
	fuzz/fuzz.sh one "$h" "$hsecs" "$O/fuzz/ci/$h" >/dev/null &
	running=$((running + 1))
done
wait

n=0
fail=0
for h in $harnesses; do
	n=$((n + 1))
	dir=$O/fuzz/ci/$h
	if [ ! -x "$O/fuzz/$h-fuzz" ]; then
		echo "# $O/fuzz/$h-fuzz is not built (run make)"
		echo "not ok $n fuzz_$h"
		fail=1
		continue
	fi
	echo "# $(cat "$dir/summary" 2>/dev/null || echo "$h: no summary")"
	crash=$(find "$dir/crashes" -type f 2>/dev/null | head -n 1)
	if [ -z "$crash" ] && grep -q ' exit=0$' "$dir/summary" 2>/dev/null; then
		echo "ok $n fuzz_$h"
		continue
	fi
	fail=1
	grep -E 'invariant broken|ERROR: |SUMMARY: ' "$dir/log" | head -n 5 | sed 's/^/# /'
	if [ -n "$crash" ]; then
		echo "# input: $crash (base64 $(base64 -w0 "$crash" | head -c 600))"
		echo "# save it in fuzz/regress/$h/ and replay: $O/fuzz/$h-replay $crash"
	fi
	echo "not ok $n fuzz_$h"
done
exit $fail
