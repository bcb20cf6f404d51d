#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# demo-test.sh - make demo's script: it passes, shows what it checked, fails without a handshake, cleans up.
#
# make check runs it on a standard KVM through scripts/kvm-run. No time is
# judged here (bench/ measures): each demo run has a hang guard of
# 60 s x MIGCTL_SLOW, and every wait is on an event with such a bound.
set -u
cd "$(dirname "$0")/../.." || exit 1
O=${O:-build}
SLOW=${MIGCTL_SLOW:-1}
case $SLOW in '' | *[!0-9]* | 0) SLOW=1 ;; esac
LIMIT=$((60 * SLOW))
CASES=(runs_and_passes shows_checked_values_and_zero_exits fails_without_a_handshake
	cleans_up_when_interrupted)
n=0 fail=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
notok() {
	n=$((n + 1)); fail=1; echo "not ok $n $1"; shift
	for m in "$@"; do sed 's/^/# /' <<<"$m"; done
}

echo "KTAP version 1"
echo "1..${#CASES[@]}"
if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ] || [ ! -x "$O/vmm/migctl-vmm" ] ||
   [ ! -e "$O/conformance/guest-image/migctl-test.elf" ]; then
	for c in "${CASES[@]}"; do
		n=$((n + 1)); echo "ok $n $c # SKIP no usable /dev/kvm or $O not built"
	done
	exit 4
fi

# The demo's files go to TMPDIR=$work, so its processes name $work in
# their arguments (control sockets, serial file) and are told apart from
# any other demo on this machine.
work=$(mktemp -d /tmp/migctl-demo-test.XXXXXX) || exit 1
ours() { pgrep -f "$work/"; }
trap 'for p in $(ours); do kill "$p"; done; rm -rf "$work"' EXIT
leftovers() {
	local p
	p=$(ours | head -n 3 | tr '\n' ' ')
	[ -n "$p" ] && echo "processes $p"
	find "$work" -mindepth 1 -maxdepth 1 ! -name 'demo-*' | head -n 3
}
# until_ok SECONDS CMD...: CMD every 0.1 s until it succeeds; false after SECONDS.
until_ok() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.1
	done
}
clean() { [ -z "$(leftovers)" ]; }
demo() { TMPDIR=$work timeout -k 10 "$LIMIT" scripts/demo.sh "$O" >"$work/demo-$1.out" 2>&1; }

demo pass
rc=$?
out=$(cat "$work/demo-pass.out")
if [ $rc -eq 0 ] && clean; then
	ok runs_and_passes
else
	notok runs_and_passes "exit $rc, left: $(leftovers)" "$(tail -n 8 <<<"$out")"
fi

# Every section shows checked, live values: no zero progress line (the
# figures are query-migrate's live ones), conversions during the migration.
missing=
for re in '^   read back .* confirmed$' '^   host state .*READY, control 0x' \
	'^   completed: [0-9]+ rounds' '^   live: the guest made [1-9][0-9]* conversions during' \
	'corrupted pages: 0 of [1-9]' '^   protocol_exits=0$' '^== demo passed$'; do
	grep -Eq -- "$re" <<<"$out" || missing="$missing '$re'"
done
grep -Eq '^   round .* 0\.0 MiB sent, +0 pages remaining' <<<"$out" && missing="$missing (a zero progress line)"
if [ -z "$missing" ]; then
	ok shows_checked_values_and_zero_exits
else
	notok shows_checked_values_and_zero_exits "not shown:$missing" "$(tail -n 30 <<<"$out")"
fi

# A source offering nothing: what is missing, FAILED, exit 1, never "confirmed".
MIGCTL_DEMO_OFFER=off demo off
rc=$?
out=$(cat "$work/demo-off.out")
if [ $rc -eq 1 ] && grep -q '^   handshake FAILED: no offer' <<<"$out" &&
   grep -q 'missing: the guest wrote no value with READY' <<<"$out" &&
   ! grep -q 'confirmed\|== live migration\|demo passed' <<<"$out" && clean; then
	ok fails_without_a_handshake
else
	notok fails_without_a_handshake "exit $rc, left: $(leftovers)" "$(tail -n 12 <<<"$out")"
fi

# SIGTERM to the demo alone (a terminal's ^C would reach its VMMs too) once
# the handshake is confirmed: the source VM runs until it is migrated and
# the destination waits for it, so the demo must end them itself. Its
# clean-up is waited for with a bound. Not SIGINT: bash drops a SIGINT
# that arrives while a foreground command ends normally (it takes it for
# the command's), and the demo, like ^C, would then go on; it handles
# both signals with the same trap.
: >"$work/demo-int.out"	# polled before the job below may have opened it
set -m	# the demo in a process group of its own, and SIGINT not ignored
TMPDIR=$work scripts/demo.sh "$O" >"$work/demo-int.out" 2>&1 &
pid=$!
set +m
started() { grep -q ' confirmed$' "$work/demo-int.out" || ! kill -0 $pid 2>/dev/null; }
until_ok "$LIMIT" started
if kill -0 $pid 2>/dev/null && grep -q ' confirmed$' "$work/demo-int.out"; then
	kill -TERM $pid
	if until_ok $((10 * SLOW)) eval '! kill -0 $pid 2>/dev/null'; then
		wait $pid 2>/dev/null
		rc=$?
	else
		kill -KILL -- -$pid 2>/dev/null
		wait $pid 2>/dev/null
		rc="none: still running $((10 * SLOW)) s after SIGTERM"
	fi
	until_ok $((10 * SLOW)) clean
	if [ "$rc" = 130 ] && clean; then
		ok cleans_up_when_interrupted
	else
		notok cleans_up_when_interrupted "exit $rc, left: $(leftovers)" \
			"$(tail -n 5 "$work/demo-int.out")"
	fi
else
	kill -KILL -- -$pid 2>/dev/null
	wait $pid 2>/dev/null
	notok cleans_up_when_interrupted "the demo ended before its handshake was confirmed" \
		"$(tail -n 5 "$work/demo-int.out")"
fi
exit $fail
