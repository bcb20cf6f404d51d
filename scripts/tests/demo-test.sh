#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# demo-test.sh - make demo's script: it passes, shows the handshake, cleans up, also when interrupted.
set -u
cd "$(dirname "$0")/../.."
O=${O:-build}
n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
notok() { n=$((n + 1)); fail=1; echo "not ok $n $1"; shift; for m in "$@"; do echo "# $m"; done; }
leftovers() {	# processes or files the demo left behind
	pgrep -f "migctl-vmm .*migctl-demo\." >/dev/null && echo "processes"
	ls -d /tmp/migctl-demo.* 2>/dev/null | grep -vxF -f <(printf '%s\n' $before) | head -1
}

echo "KTAP version 1"
echo "1..3"
if [ ! -r /dev/kvm ] || [ ! -x "$O/vmm/migctl-vmm" ]; then
	for c in runs_and_passes shows_handshake_and_zero_exits cleans_up_when_interrupted; do
		n=$((n + 1)); echo "ok $n $c # SKIP no /dev/kvm or migctl-vmm not built"
	done
	exit 4
fi
before=$(ls -d /tmp/migctl-demo.* 2>/dev/null)
start=$(date +%s)
out=$(timeout 120 scripts/demo.sh "$O" 2>&1)
rc=$?
secs=$(( $(date +%s) - start ))
echo "# demo took ${secs} s"
if [ $rc -eq 0 ] && [ $secs -lt 60 ] && [ -z "$(leftovers)" ]; then
	ok runs_and_passes
else
	notok runs_and_passes "exit $rc after $secs s, left: $(leftovers)" "$(tail -5 <<<"$out")"
fi
if grep -q 'read back .*confirmed' <<<"$out" && grep -q 'corrupted pages: 0 of' <<<"$out" &&
   grep -q '^   protocol_exits=0$' <<<"$out" && grep -q '^   completed: ' <<<"$out"; then
	ok shows_handshake_and_zero_exits
else
	notok shows_handshake_and_zero_exits "$(tail -20 <<<"$out")"
fi
# Mid-demo (it takes about 2 s): the guests run, the migration may be on.
timeout -s INT 1 scripts/demo.sh "$O" >/dev/null 2>&1
sleep 1
left=$(leftovers)
[ -z "$left" ] && ok cleans_up_when_interrupted || notok cleans_up_when_interrupted "left: $left"
exit $fail
