#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# demo-linux.sh - make demo-linux: a running stock Linux guest migrated live between two migctl-vmm.
#
# usage: scripts/demo-linux.sh [--standard-kvm] [O]
#
# Boots the distribution's kernel (/boot/vmlinuz-*, linux-image-amd64;
# MIGCTL_LINUX_KERNEL names another) with 2 vCPUs on migctl-vmm and the
# Linux guest suite's initramfs (busybox, conformance/linux/tools, the
# migctl module from guest/linux when it is built), whose /init loads the
# module, converts pages to private through its debugfs and runs
# memverify, a workload that rewrites and verifies pages. While it runs,
# the VM migrates live over TCP on loopback (pre-shared key) to a second
# migctl-vmm. Shows the source's console before the move, the migration's
# figures (rounds, bytes, total time, downtime) and the status log the
# destination received, then the destination's console: the same guest
# going on, memverify ending with 0 errors, a conversion and an opt-out
# after the move, and the guest ending the VM through the exit port.
# Every step is checked; the last line says "demo-linux passed" (exit 0)
# or what FAILED (exit 1). Processes and files are cleaned up, also when
# interrupted (exit 130).
#
# Where it runs: without --standard-kvm, here, on whatever /dev/kvm is.
# With it (make demo-linux), on a standard KVM through scripts/kvm-run:
# here on kvm-amd or kvm-intel (about 30 s), else in a Linux VM under QEMU
# emulation (about 4 minutes with the VM's boot), as make demo does.
set -u

self=$(readlink -f "${BASH_SOURCE[0]}")
top=$(cd "$(dirname "$self")/.." && pwd)

# shellcheck source=demo-lib.sh
. "$(dirname "$self")/demo-lib.sh"

if [ "${1:-}" = --standard-kvm ]; then
	on_standard_kvm "$self" "${2:-build}" 900
fi
O=${1:-build}
VMM=$O/vmm/migctl-vmm
TOOLS=$O/conformance/linux/tools
MODULE=$O/guest/linux/migctl.ko
KERNEL=${MIGCTL_LINUX_KERNEL:-$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)}

say() { printf '\n== %s\n' "$*"; }
failed() {
	echo "   FAILED: $*"
	echo
	echo "== demo-linux FAILED"
	exit 1
}

for f in "$VMM" "$TOOLS/migctl-exit" "$TOOLS/memverify"; do
	[ -x "$f" ] || failed "$f is missing: run make first"
done
[ -n "$KERNEL" ] && [ -r "$KERNEL" ] ||
	failed "no readable /boot/vmlinuz-* (package linux-image-amd64)"
[ -x /bin/busybox ] || failed "no /bin/busybox (package busybox-static)"
[ -r /dev/kvm ] && [ -w /dev/kvm ] || failed "no usable /dev/kvm (make demo-linux runs through scripts/kvm-run)"

if [ "$SLOW" -gt 1 ]; then
	MEM=128M WORK_SECS=100 WORK_MIB=2
else
	MEM=256M WORK_SECS=15 WORK_MIB=32
fi
DOWNTIME_MS=$((300 * SLOW))
CONV=0x4000000		# the guest converts from here (conformance/linux/guest-migrate.sh)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/migctl-demo-linux.XXXXXX") || exit 1
for f in src.out src.err dst.out dst.err; do : >"$tmp/$f"; done
pids=()
cleanup() {
	trap '' INT TERM
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo; echo "demo-linux: interrupted"; exit 130' INT TERM

port=$((30000 + ($$ + 7) % 20000))
line_or_end() { grep -q -- "$1" "$2" || ended "$3"; }
num() { grep -o -m1 "\"$1\":[0-9]*" <<<"$2" | head -n 1 | cut -d: -f2; }
# console FILE: the guest's own lines from a console; of each streak of
# memverify's progress lines the first and the last.
console() {
	tr -d '\r' <"$1" | sed -n 's/.*migctl-linux: //p' | awk '
		/^memverify: t=/ { if (n++ == 0) print; else last = $0; next }
		{ if (last != "") print "   ...\n" last; n = 0; last = ""; print }
		END { if (last != "") print "   ...\n" last }' | sed 's/^/   | /'
}
# shared_runs SOCKET: the status log's shared runs from 1 MiB (gfn 256)
# on, "GFN+NPAGES" each (below, the memory map's reserved pages).
shared_runs() {
	"$VMM" ctl "$1" '{"cmd":"query-status-log","from_gfn":256}' 2>/dev/null |
		grep -o '\[[0-9]*,[0-9]*,"shared"\]' | sed 's/^\[\([0-9]*\),\([0-9]*\).*/\1+\2/' |
		tr '\n' ' '
}

module=()
if [ -r "$MODULE" ]; then
	module=(--add "$MODULE:/lib/modules/migctl.ko")
else
	echo "   (no $MODULE: the guest runs without the module; make linux-module builds it)"
fi
cases=()
for f in "$top"/conformance/linux/guest-*.sh; do
	[ "$f" = "$top/conformance/linux/guest-init.sh" ] ||
		cases+=(--add "$f:/etc/migctl/$(basename "$f")")
done
"$top/conformance/linux/initramfs.sh" -o "$tmp/initramfs.gz" \
	--add "$TOOLS/migctl-exit:/bin/migctl-exit" --add "$TOOLS/memverify:/bin/memverify" \
	"${module[@]}" "${cases[@]}" "$top/conformance/linux/guest-init.sh" >"$tmp/initramfs.log" 2>&1 ||
	failed "initramfs.sh: $(tail -n 1 "$tmp/initramfs.log")"

say "destination: migctl-vmm --incoming tcp:127.0.0.1:$port --migrate-key KEY --cpus 2"
(umask 077 && head -c 32 /dev/urandom >"$tmp/migrate.key")
"$VMM" --incoming "tcp:127.0.0.1:$port" --migrate-key "$tmp/migrate.key" --memory "$MEM" \
	--cpus 2 --control "$tmp/dst.sock" --stats >"$tmp/dst.out" 2>"$tmp/dst.err" &
dst=$!
pids+=("$dst")

say "source: migctl-vmm --cpus 2 --memory $MEM $KERNEL (stock kernel), the initramfs's workload"
guest_args=(mc.case=migrate "mc.mib=$WORK_MIB" "mc.secs=$WORK_SECS")
[ ${#module[@]} -gt 0 ] && guest_args+=("mc.conv=$CONV" mc.hold=1)
"$VMM" --migrate-key "$tmp/migrate.key" --memory "$MEM" --cpus 2 --control "$tmp/src.sock" \
	--downtime-ms $DOWNTIME_MS --stats --initrd "$tmp/initramfs.gz" "$KERNEL" -- \
	earlyprintk=serial,ttyS0,115200,keep loglevel=4 acpi=off panic=-1 printk.devkmsg=on \
	init_on_free=1 "${guest_args[@]}" >"$tmp/src.out" 2>"$tmp/src.err" &
src=$!
pids+=("$src")
start=$SECONDS
until_ok 30 line_or_end 'memverify: t=' "$tmp/src.out" $src
grep -q 'memverify: t=' "$tmp/src.out" ||
	{ console "$tmp/src.out"; failed "the guest's workload did not start: $(tail -n 2 "$tmp/src.err")"; }
until_ok 15 line_or_end 'memverify: t=1 ' "$tmp/src.out" $src
echo "   the kernel: $(tr -d '\r' <"$tmp/src.out" | grep -m1 -o 'Linux version [^ ]* ([^)]*)' || echo '?')"
echo "   booted and running its workload $((SECONDS - start)) s after start; its console:"
console "$tmp/src.out"
before=
if [ ${#module[@]} -gt 0 ]; then
	before=$(shared_runs "$tmp/src.sock")
	echo "   the source's status log (query-status-log): shared pages at ${before:-none}(gfn+count), the rest of RAM above 1 MiB private"
fi

say "live migration to 127.0.0.1:$port"
until_ok 20 line_or_end 'waiting for a migration' "$tmp/dst.err" $dst
grep -q 'waiting for a migration' "$tmp/dst.err" ||
	failed "the destination does not listen: $(tail -n 1 "$tmp/dst.err")"
q=$("$VMM" ctl "$tmp/src.sock" migrate --wait "tcp:127.0.0.1:$port" 2>&1)
st=$(sed -n 's/.*"stats":\({[^}]*}\).*/\1/p' <<<"$q")
grep -q '"status":"completed"' <<<"$q" || failed "the migration did not complete: $q"
echo "   completed: $(num rounds "$st") rounds, $(num bytes "$st") bytes in $(num total_ms "$st") ms," \
	"downtime $(num downtime_ms "$st") ms"
if [ ${#module[@]} -gt 0 ]; then
	after=$(shared_runs "$tmp/dst.sock")
	echo "   the destination's status log: shared pages at ${after:-none}(the same)"
	[ "$after" = "$before" ] || failed "the destination's status log differs from the source's"
fi
until_ok 30 ended $src || failed "the source did not end after the migration"

say "destination: the same guest after the move"
until_ok $((WORK_SECS / SLOW + 60)) ended $dst || failed "the destination's guest did not finish"
wait $dst
rc=$?
echo "   its console (every line here came after the move):"
console "$tmp/dst.out"
echo "   protocol counters: $(sed -n 's/^# stats: //p' "$tmp/dst.err" | cut -d' ' -f1-8)"
grep -q 'migctl-linux: memverify: done .* errors=0' "$tmp/dst.out" ||
	failed "memverify on the destination did not end with 0 errors"
grep -q 'migctl-linux: after uptime=' "$tmp/dst.out" || failed "no console line after the move"
[ $rc -eq 0 ] || failed "the destination's VM ended with status $rc: $(tail -n 1 "$tmp/dst.err")"
echo "   the guest ended the VM through the exit port with status 0"

say "demo-linux passed"
