#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# demo.sh - the main demonstration (make demo): handshake, live migration, elision.
#
# Boots the conformance image with 2 vCPUs under sev-sim on migctl-vmm
# offering version 2, shows the handshake, runs the conversion workload,
# migrates the running VM live to a second migctl-vmm over TCP on
# loopback, prints what the destination's guest found, then boots the
# same image on a host without support to show that it makes no protocol
# exits at all. Cleans up its processes and files, also when interrupted.
set -u

O=${1:-build}
VMM=$O/vmm/migctl-vmm
IMAGE=$O/conformance/guest-image/migctl-test.elf
MEM=128M

for f in "$VMM" "$IMAGE"; do
	[ -e "$f" ] || { echo "demo: $f is missing; run make first" >&2; exit 1; }
done

tmp=$(mktemp -d /tmp/migctl-demo.XXXXXX)
pids=()
cleanup() {
	trap '' INT TERM	# a second ^C must not cut the clean-up short
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo; echo "demo: interrupted"; exit 130' INT TERM

port=$((30000 + $$ % 20000))
sock=$tmp/source.sock
say() { printf '\n== %s\n' "$*"; }
# hex_field VALUE SHIFT MASK
field() { printf '%d' $(( ($1 >> $2) & $3 )); }

say "what this KVM can do"
"$VMM" --probe | sed 's/^/   /'

say "destination: migctl-vmm --incoming tcp:127.0.0.1:$port --sev-sim"
"$VMM" --incoming "tcp:127.0.0.1:$port" --sev-sim --memory $MEM --cpus 2 --stats \
	>"$tmp/dst.out" 2>"$tmp/dst.err" &
pids+=($!)
dst=$!

say "source: migctl-vmm --sev-sim --cpus 2 --migctl v2, running the conversion workload"
"$VMM" --sev-sim --memory $MEM --cpus 2 --migctl v2 --control "$sock" --trace --stats \
	"$IMAGE" -- cpus=2 test=migrate migrate.count=1 >"$tmp/src.out" 2>"$tmp/src.err" &
pids+=($!)
src=$!

# Wait until the guest has opted in (the control MSR read back).
for _ in $(seq 100); do
	grep -q 'kind=rdmsr index=0x4b564d08 result=ok value=0x[1-9a-f]' "$tmp/src.err" && break
	sleep 0.1
done

leaf=$(grep -m1 'leaf=0x4000004d' "$tmp/src.err")
ebx=$(sed -n 's/.* ebx=\(0x[0-9a-f]*\).*/\1/p' <<<"$leaf")
ecx=$(sed -n 's/.* ecx=\(0x[0-9a-f]*\).*/\1/p' <<<"$leaf")
edx=$(sed -n 's/.* edx=\(0x[0-9a-f]*\).*/\1/p' <<<"$leaf")
wr=$(grep -m1 'kind=wrmsr index=0x4b564d08 value=0x[1-9a-f]' "$tmp/src.err" |
	sed -n 's/.* value=\(0x[0-9a-f]*\).*/\1/p')
rd=$(grep -m1 'kind=rdmsr index=0x4b564d08 result=ok value=0x[1-9a-f]' "$tmp/src.err" |
	sed -n 's/.* value=\(0x[0-9a-f]*\).*/\1/p')
say "handshake"
echo "   host offers (CPUID 0x4000004d): versions $(field "${ebx:-0}" 0 255)..$(field "${ebx:-0}" 8 255), features $ecx, MSR transport at $edx"
echo "   guest chose (WRMSR 0x4b564d08):  $wr = READY, version $(field "${wr:-0}" 8 255), features $(printf '%#x' $(( ${wr:-0} >> 32 )))"
echo "   read back   (RDMSR 0x4b564d08):  $rd $([ "$wr" = "$rd" ] && echo confirmed || echo MISMATCH)"

say "live migration to 127.0.0.1:$port"
sleep 1
"$VMM" ctl "$sock" migrate --wait "tcp:127.0.0.1:$port" >"$tmp/migrate.json" 2>&1 &
waiter=$!
pids+=($waiter)
# num KEY JSON: the value of the first "KEY". query-migrate has the live
# figures at the top (round, bytes, remaining); "stats" repeats some of
# the names but is filled only when the migration has ended.
num() { grep -o "\"$1\":[0-9]*" <<<"$2" | head -n 1 | cut -d: -f2; }
mib() { printf '%d.%d MiB' $(($1 >> 20)) $(((($1 * 10) >> 20) % 10)); }
last=
while kill -0 $waiter 2>/dev/null; do
	q=$("$VMM" ctl "$sock" query-migrate 2>/dev/null) || break
	now="$(num round "$q") $(num bytes "$q") $(num remaining "$q")"
	# A line per new report; none before round 0's first one.
	if [ "$now" != "$last" ] && [ "$now" != "0 0 0" ]; then
		set -- $now
		printf '   round %-3s %12s sent, %6s pages remaining\n' "$1" "$(mib "$2")" "$3"
		last=$now
	fi
	sleep 0.25
done
wait $waiter
q=$(cat "$tmp/migrate.json")
status=$(sed -n 's/.*"status":"\([a-z]*\)".*/\1/p' <<<"$q")
echo "   $status: $(sed -n 's/.*"stats":\({[^}]*}\).*/\1/p' <<<"$q")"
[ "$status" = completed ] || { echo "demo: migration did not complete: $q" >&2; exit 1; }

wait "$src" 2>/dev/null
wait "$dst"
rc=$?
say "destination: the guest after the migration"
grep -E 'control MSR still reads|verified|corrupted pages|^ok|^not ok' "$tmp/dst.out" | sed 's/^/   /' | tail -8
echo "   destination protocol counters: $(grep -m1 '# stats:' "$tmp/dst.err" | sed 's/# stats: //')"
echo "   guest verdict: exit $rc ($([ $rc -eq 0 ] && echo pass || echo FAIL))"

say "the same guest, its elision scenario, on a host without support (--migctl off)"
"$VMM" --migctl off --cpus 2 --memory $MEM --stats "$IMAGE" -- cpus=2 expect=off test=elision \
	>"$tmp/off.out" 2>"$tmp/off.err"
off=$?
grep -m1 '# stats:' "$tmp/off.err" | sed 's/# stats: /   /' | tr ' ' '\n' |
	grep -E 'protocol_exits|hypercalls|wrmsr_0x4b564d08|rdmsr_0x4b564d08' | sed 's/^/   /'
echo "   guest verdict: exit $off ($([ $off -eq 0 ] && echo pass || echo FAIL))"
[ $rc -eq 0 ] && [ $off -eq 0 ]
