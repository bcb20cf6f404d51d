#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# crafted-stream.sh - migration streams with one out-of-range field each, refused by migctl-vmm --incoming.
#
# The valid stream is a snapshot (file:) of the memloop image taken by a
# real migctl-vmm. craftstream (built beside this script) rewrites it with
# one field out of range in one section - the header, CONFIG, RAM, ROUND,
# STATUS, DEVICE (and the vm state in it), VCPU (its index and size, MSR
# and XCR counts and indices, registers, events), END - and an END digest
# made anew, so that only that field is wrong. Each goes to
# migctl-vmm --incoming file:, which must exit 125 (the VMM failed,
# docs/man/migctl-vmm.1.adoc), print "incoming migration failed:" with
# the text `craftstream --list` gives for the case (it names the section
# and the field), run no guest code (no serial output) and report no
# sanitizer error. The intact snapshot restores and runs.
#
# Live: a running migctl-vmm source migrates through craftstream, as a
# proxy, to a destination on unix: (both without --migrate-key: a proxy
# cannot change a protected stream, and with a key only its holder could
# send one; the checks are the same), once with a CONFIG the destination
# refuses before the source pauses and once with a vCPU state it refuses
# after END, while the source is paused. Each time the destination exits
# 125 naming the field, the source's migrate fails with that reason, and
# the source still runs: query-status says running and its guest goes on
# (memloop prints two more passes).
#
# Every case runs on every platform: a slow one (an emulated KVM, where
# each refused restore costs a few seconds) takes longer, it skips none.
#
# KTAP on stdout, kselftest exit codes.
#
# Covers: V-9

set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

CRAFT=${MIGCTL_CRAFTSTREAM:-$(dirname "$0")/craftstream}
MEMLOOP=$O/vmm/tests/images/memloop.elf
GMEM=16M
LIVE=(live-config-refused live-vcpu-refused)

mapfile -t cases < <("$CRAFT" --list 2>/dev/null)

echo "KTAP version 1"
reason=$(vmm_unusable)
[ -z "$reason" ] && [ ! -x "$CRAFT" ] && reason="no craftstream at $CRAFT (make)"
[ -z "$reason" ] && [ ! -e "$MEMLOOP" ] && reason="no memloop image at $MEMLOOP (make)"
[ -z "$reason" ] && [ "${#cases[@]}" -lt 40 ] && reason="craftstream --list gave ${#cases[@]} cases"
[ -n "$reason" ] && skip_all "$reason" snapshot "${cases[@]%%$'\t'*}" "${LIVE[@]}"
echo "1..$((1 + ${#cases[@]} + ${#LIVE[@]}))"

passes() { tr -cd . <"$tmp/$1.out" | wc -c; }
passes_at_least() { [ "$(passes "$1")" -ge "$2" ]; }
sanitizer_report() { grep -m1 -E 'ERROR: AddressSanitizer|runtime error|LeakSanitizer' "$1"; }

# refused NAME PID EXPECT: the destination NAME exits 125 with EXPECT in its
# error, no guest output, no sanitizer report; sets why.
refused() {
	local name=$1 pid=$2 expect=$3 line
	wait_exit "$pid" 30 || { why="$name still runs $(scaled 30) s after the stream"; return; }
	line=$(grep -m1 "incoming migration failed: " "$tmp/$name.err")
	diag "$name: ${line#migctl-vmm: incoming migration failed: }"
	[ "$rc" = 125 ] || { why="$name exited $rc, not 125: $(tail -n1 "$tmp/$name.err")"; return; }
	case "$line" in *"$expect"*) ;; *)
		why="$name: the error does not say '$expect': ${line:-$(tail -n1 "$tmp/$name.err")}"
		return ;;
	esac
	[ -s "$tmp/$name.out" ] && { why="$name ran guest code: $(head -c 80 "$tmp/$name.out")"; return; }
	line=$(sanitizer_report "$tmp/$name.err") && why="$name: $line"
}

# The valid stream: a snapshot of memloop after its first pass.
snap=$tmp/snap.bin
vmm snapsrc --memory "$GMEM" --control "$tmp/snapsrc.sock" "$MEMLOOP"
why=""
if ! wait_sock "$tmp/snapsrc.sock" || ! wait_until 300 passes_at_least snapsrc 1; then
	why="memloop did not start: $(tail -n1 "$tmp/snapsrc.err")"
elif ! migrate "$tmp/snapsrc.sock" "file:$snap"; then
	why="no snapshot: $reply"
fi
if [ -n "$why" ]; then
	notok snapshot "$why"
	for c in "${cases[@]}" "${LIVE[@]}"; do notok "${c%%$'\t'*}" "no snapshot"; done
	finish
fi
diag "memloop snapshot: $(stat -c %s "$snap") bytes"
ok snapshot

# The intact stream restores and runs; every other case is refused.
for c in "${cases[@]}"; do
	name=${c%%$'\t'*} expect=${c#*$'\t'} why=""
	"$CRAFT" "$name" "$snap" "$tmp/$name.bin" 2>"$tmp/$name.craft"
	crc=$?
	if [ "$crc" != 0 ]; then
		notok "$name" "craftstream exited $crc: $(tail -n1 "$tmp/$name.craft")"
		continue
	fi
	if [ "$name" = none ]; then
		vmm none --incoming "file:$tmp/$name.bin" --memory "$GMEM" --control "$tmp/none.sock"
		wait_sock "$tmp/none.sock" && wait_until 300 passes_at_least none 2
		passes_at_least none 2 || why="the intact snapshot does not run: $(tail -n1 "$tmp/none.err")"
		"$VMM" ctl "$tmp/none.sock" quit >/dev/null 2>&1
		wait_exit "$last" 30
		line=$(sanitizer_report "$tmp/none.err") && why="none: $line"
	else
		vmm "$name" --incoming "file:$tmp/$name.bin" --memory "$GMEM"
		refused "$name" "$last" "$expect"
	fi
	if [ -z "$why" ]; then ok "$name"; else notok "$name" "$why"; fi
done

# The live source for both live cases, in the clear like its destinations.
nokey=1 vmm src --memory "$GMEM" --control "$tmp/src.sock" "$MEMLOOP"
src_pid=$last
wait_sock "$tmp/src.sock" && wait_until 300 passes_at_least src 1

# live CASE NAME: migrate the source through craftstream CASE to a fresh destination.
live() {
	local case=$1 name=$2 expect before dpid
	expect=$(printf '%s\n' "${cases[@]}" | sed -n "s/^$case\t//p")
	why=""
	running "$tmp/src.sock" || { why="the source does not run: $(tail -n1 "$tmp/src.err")"; return; }
	nokey=1 vmm "$name" --incoming "unix:$tmp/$name.in" --memory "$GMEM"
	dpid=$last
	wait_listen "$name" || { why="$name does not listen: $(tail -n1 "$tmp/$name.err")"; return; }
	timeout -k 5 "$LIMIT" "$CRAFT" "$case" --listen "unix:$tmp/$name.proxy" \
		--to "unix:$tmp/$name.in" 2>"$tmp/$name-proxy.err" &
	pids+=("$!")
	wait_grep "$tmp/$name-proxy.err" listening 50 || { why="craftstream does not listen"; return; }
	before=$(passes src)
	migrate "$tmp/src.sock" "unix:$tmp/$name.proxy" && { why="the migration completed: $reply"; return; }
	diag "$name: source: $(echo "$reply" | sed -n 's/.*"error":"\([^"]*\)".*/\1/p' | cut -c1-150)"
	case "$reply" in *"$expect"*) ;; *) why="the source's reply does not say '$expect': $reply"; return ;; esac
	refused "$name" "$dpid" "$expect"
	[ -n "$why" ] && return
	running "$tmp/src.sock" || { why="the source is not running after the refusal"; return; }
	wait_until 300 passes_at_least src $((before + 2)) ||
		why="the source's guest made no progress after the refusal ($before passes, then $(passes src))"
}

for l in "config-vcpu-count-skew:live-config-refused" "vcpu-cr0:live-vcpu-refused"; do
	live "${l%%:*}" "${l#*:}"
	if [ -z "$why" ]; then ok "${l#*:}"; else notok "${l#*:}" "$why"; fi
done
line=$(sanitizer_report "$tmp/src.err") && diag "source: $line"
"$VMM" ctl "$tmp/src.sock" quit >/dev/null 2>&1
wait_exit "$src_pid" 30
finish
