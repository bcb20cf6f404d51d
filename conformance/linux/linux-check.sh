#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# linux-check.sh - the Linux guest suite: the distribution's kernel on migctl-vmm, booted and migrated live.
#
# Each case boots the stock kernel (/boot/vmlinuz-*, linux-image-amd64)
# with one initramfs (conformance/linux/initramfs.sh: busybox, /init from
# guest-init.sh, the static tools of conformance/linux/tools/) whose /init
# runs the case the kernel command line names and ends the VM through the
# exit port. Its lines reach COM1 through the kernel's console.
#
#   no_module_<mode>_boots_without_protocol_access
#       off, v1, v2: the stock kernel without the module boots to init,
#       and migctl-vmm's --stats count no protocol access (control MSR
#       reads and writes, PSC MSR writes, hypercalls): a guest that does
#       not opt in is never charged by the host for the feature.
#   live_migration_2cpus_workload_0_errors
#       a 2-vCPU guest whose memverify rewrites and verifies pages
#       throughout migrates over TCP (pre-shared key) between two
#       migctl-vmm; on the destination memverify goes on and ends with 0
#       errors, the console goes on (markers after arrival), a second
#       workload runs there, and the guest's own exit status is 0. (On
#       the emulated standard KVM migctl-exit's exit-port write does not
#       end the destination's VM; the case then ends it through the
#       control socket and says so.)
#   module_v2_ready_version_2, module_unload_and_load_again,
#   module_cpu1_offline_and_online, module_conversions_coalesced,
#   module_v2_check_guest_no_rule_broken
#       one v2 boot with guest/linux's module: READY at version 2 from
#       debugfs, rmmod and insmod again, CPU 1 offline and online, 64-page
#       conversions through debugfs (contiguous: 1 call; strided: one list
#       call per batch of 32; random order: no more than strided), an
#       opt-out before the power-off (G-11), and --check-guest over the
#       whole trace finding no guest rule broken.
#
# Boot time, migration total time and downtime, and protocol exits are
# diagnostics ('# ...'), never conditions. Needs a standard KVM (make
# linux-check and make check run this through scripts/kvm-run); every time
# limit scales with MIGCTL_SLOW.
#
# Environment: O (build tree, default build), MIGCTL_VMM,
# MIGCTL_LINUX_KERNEL (default: the newest /boot/vmlinuz-*), MIGCTL_SLOW,
# MIGCTL_LINUX_MEMORY (guest RAM: default 256M, 128M when MIGCTL_SLOW > 1),
# MIGCTL_LINUX_KEEP (a directory: the VMMs' consoles and stderr are written
# below it as they run, and kept at the end), MIGCTL_LINUX_CASES (a glob: only the cases it matches run, the others
# are skipped), MIGCTL_LINUX_WORK_SECS (seconds memverify runs in the migration case:
# default 10, 150 when MIGCTL_SLOW > 1; it must outlast the migration).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=../vmm/lib.sh
. "$top/conformance/vmm/lib.sh"
# The kernel's init_size and the initramfs need more than lib.sh's 64M.
MEM=${MIGCTL_LINUX_MEMORY:-$(by_platform 256M 128M)}
LIMIT=$(scaled 30)	# each migctl-vmm's life; a boot takes 3 s natively

TOOLS=$O/conformance/linux/tools
sock=$tmp
# With MIGCTL_LINUX_KEEP the files live there while the VMMs run, and stay.
if [ -n "${MIGCTL_LINUX_KEEP:-}" ]; then
	sock=$tmp	# sockets and the key stay local (a shared folder has no sockets)
	tmp=$(mktemp -d "$MIGCTL_LINUX_KEEP/run.XXXXXX") || exit 1
	keep() { cp "$tmp"/*.out "$tmp"/*.err "$MIGCTL_LINUX_KEEP/" 2>/dev/null; rm -rf "$sock"; }
	lib_cleanup_hooks+=(keep)
fi
MODES=(off v1 v2)
CASES=()
for m in "${MODES[@]}"; do CASES+=("no_module_${m}_boots_without_protocol_access"); done
CASES+=(live_migration_2cpus_workload_0_errors)
MODULE_CASES=(module_v2_ready_version_2 module_unload_and_load_again module_cpu1_offline_and_online
	module_conversions_coalesced module_v2_check_guest_no_rule_broken)
CASES+=("${MODULE_CASES[@]}")
echo "KTAP version 1"

kernel=${MIGCTL_LINUX_KERNEL:-$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)}
[ -n "$kernel" ] && [ -r "$kernel" ] ||
	skip_all "no readable /boot/vmlinuz-* (package linux-image-amd64)" "${CASES[@]}"
[ -x /bin/busybox ] || skip_all "no /bin/busybox (package busybox-static)" "${CASES[@]}"
for f in "$VMM" "$TOOLS/migctl-exit" "$TOOLS/memverify"; do
	[ -x "$f" ] || { echo "# $f is missing: run make O=$O first"; exit 1; }
done
[ -r /dev/kvm ] && [ -w /dev/kvm ] ||
	skip_all "no usable /dev/kvm (run through scripts/kvm-run)" "${CASES[@]}"
kind=$("$top/scripts/kvm-run" --check 2>/dev/null | sed -n 's/^native KVM: \([a-z]*\).*/\1/p')
[ "$kind" = standard ] ||
	skip_all "not a standard KVM here ($kind): scripts/kvm-run runs this suite on one" "${CASES[@]}"
echo "1..${#CASES[@]}"

MODULE=$O/guest/linux/migctl.ko
module_add=()
[ -r "$MODULE" ] && module_add=(--add "$MODULE:/lib/modules/migctl.ko")
if ! "$here/initramfs.sh" -o "$tmp/initramfs.gz" --add "$TOOLS/migctl-exit:/bin/migctl-exit" \
	--add "$TOOLS/memverify:/bin/memverify" "${module_add[@]}" "$here/guest-init.sh" \
	>"$tmp/initramfs.log" 2>&1; then
	sed 's/^/# /' "$tmp/initramfs.log"
	ktap_skip_all ${#CASES[@]} "initramfs.sh failed" "${CASES[@]}"
fi
diag "kernel $kernel, initramfs $(stat -c %s "$tmp/initramfs.gz") bytes, memory $MEM, MIGCTL_SLOW=$SLOW"

# earlyprintk polls COM1's line status, so the console needs no UART
# interrupt; loglevel=4 keeps it short (each byte is an exit), the
# markers are level 2. printk.devkmsg=on: no rate limit on the markers.
CMDLINE=(earlyprintk=serial,ttyS0,115200,keep loglevel=4 acpi=off panic=-1 printk.devkmsg=on)
WORK_SECS=${MIGCTL_LINUX_WORK_SECS:-$(by_platform 10 150)}
WORK_MIB=$(by_platform 32 2)
# Where each byte moved costs 20 times more, the source's downtime target
# scales as lib.sh's does, so that a guest that never stops writing still
# converges; init_on_free=1 leaves the pages the kernel freed (its
# decompression, the initramfs) zero, which the stream sends as such.
DOWNTIME_MS=${MIGCTL_VMM_DOWNTIME_MS:-$(by_platform 300 $((300 * SLOW)))}

now_ms() { echo $((${EPOCHREALTIME/[.,]/} / 1000)); }

# marker NAME TEXT: the rest of the first console line "migctl-linux: TEXT".
marker() { tr -d '\r' <"$tmp/$1.out" | sed -n "s/.*migctl-linux: $2//p" | head -n 1; }

# out_or_gone NAME TEXT: NAME's console holds TEXT, or NAME has ended.
out_or_gone() { grep -qs -- "$2" "$tmp/$1.out" || gone "$1"; }

# wait_line NAME TEXT SECONDS: wait_out that ends when NAME does.
wait_line() { wait_until $(($3 * 10)) out_or_gone "$1" "$2" && grep -qs -- "$2" "$tmp/$1.out"; }

# linux NAME ARGS... -- GUEST-ARGS...: start migctl-vmm on the kernel as vmm() does.
linux() {
	local name=$1 opts=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	vmm "$name" --memory "$MEM" --stats "${opts[@]}" --initrd "$tmp/initramfs.gz" \
		"$kernel" -- "${CMDLINE[@]}" "$@"
}

# stat_sum NAME: the protocol accesses in NAME's --stats line: control
# MSR reads and writes, PSC MSR writes, hypercalls (and protocol_exits).
stat_sum() {
	sed -n 's/^# stats: //p' "$tmp/$1.err" | tail -n 1 | tr ' ' '\n' |
		awk -F= '/^(protocol_exits|rdmsr_0x|wrmsr_0x|hypercalls)/ { n += $2; seen = 1 }
			 END { if (seen) print n }'
}

# fail_with NAME CASE WHY: the end of NAME's console and stderr, then not ok.
fail_with() {
	tr -d '\r' <"$tmp/$1.out" | tail -n 15 | sed 's/^/# serial: /'
	sed 's/^/# stderr: /' "$tmp/$1.err" | tail -n 10
	notok "$2" "$3"
}

# Case 1: no module, each mode: boots to init, no protocol access.
no_module_case() {
	local mode=$1 name=no_module_${1}_boots_without_protocol_access start ms n
	start=$(now_ms)
	linux "boot-$mode" --migctl "$mode" --cpus 1 -- mc.case=boot
	wait_exit "$last" "$(by_platform 30 10)"
	ms=$(($(now_ms) - start))
	diag "$mode: init at $(marker "boot-$mode" 'init uptime=') s of guest uptime, migctl-vmm ran $ms ms"
	diag "$mode: $(sed -n 's/^# stats: //p' "$tmp/boot-$mode.err" | cut -d' ' -f1-8)"
	if [ "$rc" != 0 ] || ! grep -q 'migctl-linux: done' "$tmp/boot-$mode.out"; then
		fail_with "boot-$mode" "$name" "migctl-vmm exit $rc, init did not finish"
		return
	fi
	n=$(stat_sum "boot-$mode")
	if [ -z "$n" ]; then
		fail_with "boot-$mode" "$name" "no '# stats:' line from --stats"
	elif [ "$n" != 0 ]; then
		fail_with "boot-$mode" "$name" "$n protocol accesses by a kernel without the module"
	else
		ok "$name"
	fi
}

# want NAME: the case runs, or is skipped (MIGCTL_LINUX_CASES) and false.
want() {
	# shellcheck disable=SC2053
	[[ $1 == ${MIGCTL_LINUX_CASES:-*} ]] && return 0
	ok "$1" "not in MIGCTL_LINUX_CASES"
	return 1
}

for m in "${MODES[@]}"; do
	want "no_module_${m}_boots_without_protocol_access" && no_module_case "$m"
done

# Case 2: live migration of the running guest, 2 vCPUs, over TCP with the key.
migration_case() {
	local name=live_migration_2cpus_workload_0_errors src dst start ms stats
	start=$(now_ms)
	linux src --cpus 2 --control "$sock/src.sock" --downtime-ms "$DOWNTIME_MS" -- \
		init_on_free=1 mc.case=migrate mc.mib="$WORK_MIB" mc.secs="$WORK_SECS"
	src=$last
	next_port
	vmm dst --incoming "tcp:127.0.0.1:$port" --memory "$MEM" --cpus 2 --stats \
		--control "$sock/dst.sock"
	dst=$last
	if ! wait_line src 'memverify: t=' 60; then
		fail_with src "$name" "memverify did not start on the source"
		return
	fi
	ms=$(($(now_ms) - start))
	diag "source: init at $(marker src 'init uptime=') s of guest uptime, the workload running $ms ms after start"
	if ! wait_listen dst; then
		fail_with dst "$name" "the destination does not listen"
		return
	fi
	if ! migrate "$sock/src.sock" "tcp:127.0.0.1:$port"; then
		fail_with src "$name" "migrate: $reply"
		return
	fi
	stats=$(echo "$reply" | sed 's/.*"stats"://; s/}}$/}/')
	diag "migration: total $(json_num total_ms "$stats") ms, downtime $(json_num downtime_ms "$stats") ms, $(json_num bytes "$stats") bytes, $(json_num rounds "$stats") rounds"
	wait_exit "$src" 30
	# The workload ends WORK_SECS after it started, the rest soon after.
	wait_line dst 'migctl-linux: exit ' $((WORK_SECS / SLOW + 30))
	if ! wait_exit "$dst" 2; then
		# Seen on the emulated standard KVM: migctl-exit's write to the
		# exit port does not end the destination's VM; the guest said how
		# it ended, the control socket ends the VM.
		diag "destination: $(marker dst 'exit port: ' || true) the exit port did not end the VM: quit"
		"$VMM" ctl "$sock/dst.sock" quit >/dev/null 2>&1
		wait_exit "$dst" 2
		rc=$(marker dst 'exit ')
	fi
	tr -d '\r' <"$tmp/dst.out" | sed -n 's/.*migctl-linux: //p' | sed 's/^/# destination: /'
	diag "destination: $(sed -n 's/^# stats: //p' "$tmp/dst.err" | cut -d' ' -f1-8)"
	if grep -q 'memverify: done' "$tmp/src.out"; then
		fail_with src "$name" "memverify ended before the migration did: raise MIGCTL_LINUX_WORK_SECS ($WORK_SECS)"
	elif ! grep -q 'migctl-linux: memverify: t=' "$tmp/dst.out"; then
		fail_with dst "$name" "no memverify progress on the destination"
	elif ! grep -q 'migctl-linux: memverify: done .* errors=0' "$tmp/dst.out"; then
		fail_with dst "$name" "memverify on the destination: $(marker dst 'memverify: done')"
	elif ! grep -q 'migctl-linux: after uptime=' "$tmp/dst.out" ||
		! grep -q 'migctl-linux: memverify again status=0' "$tmp/dst.out"; then
		fail_with dst "$name" "the guest did not go on working after the move"
	elif [ "$rc" != 0 ]; then
		fail_with dst "$name" "the destination's guest ended with $rc"
	else
		ok "$name"
	fi
}

want live_migration_2cpus_workload_0_errors && migration_case

# num FILE TEXT KEY: the number after KEY= on the console line with TEXT.
num() { tr -d '\r' <"$tmp/$1.out" | grep -m1 -- "migctl-linux: $2" | sed -n "s/.* $3=\([0-9-]*\).*/\1/p"; }
# field FILE TEXT KEY: the word after KEY= there.
field() { tr -d '\r' <"$tmp/$1.out" | grep -m1 -- "migctl-linux: $2" | sed -n "s/.* $3=\([^ ]*\).*/\1/p"; }

# result CASE WHY: ok without WHY, else not ok with the console's end.
mod_result() {
	if [ -n "$2" ]; then fail_with mod-con "$1" "$2"; else ok "$1"; fi
}

# Case 3: the module in v2, one boot: state, unload and load, CPU 1
# offline and online, conversions, and --check-guest over the whole trace.
module_case() {
	local c why start ms
	start=$(now_ms)
	: >"$tmp/mod-con.err"
	linux mod --migctl v2 --cpus 2 --check-guest --serial "$tmp/mod-con.out" -- \
		mc.case=module mc.full=1 mc.conv=0x4000000
	wait_exit "$last" "$(by_platform 30 10)"
	ms=$(($(now_ms) - start))
	tr -d '\r' <"$tmp/mod-con.out" | sed -n 's/.*migctl-linux: //p' | grep -v '^memverify' |
		sed 's/^/# guest: /'
	diag "module boot: migctl-vmm ran $ms ms, exit $rc; $(sed -n 's/^# stats: //p' "$tmp/mod.err" | cut -d' ' -f1-8)"
	why=
	[ "$(field mod-con 'loaded ' state)" = ready ] && [ "$(num mod-con 'loaded ' version)" = 2 ] ||
		why="after insmod: state $(field mod-con 'loaded ' state), version $(num mod-con 'loaded ' version), not ready, 2 (v2 preferred)"
	mod_result module_v2_ready_version_2 "$why"
	why=
	[ "$(num mod-con 'unloaded' debugfs)" = 0 ] || why="debugfs still has the module's files after rmmod"
	[ -z "$why" ] && { [ "$(field mod-con reloaded state)" = ready ] || why="after the second insmod: state $(field mod-con reloaded state)"; }
	mod_result module_unload_and_load_again "$why"
	why=
	[ "$(field mod-con 'cpu1 offline' online)" = 0 ] || why="CPU 1 did not go offline: online $(field mod-con 'cpu1 offline' online)"
	[ -z "$why" ] && { [ "$(field mod-con 'cpu1 online' online)" = 0-1 ] || why="CPU 1 did not come back"; }
	[ -z "$why" ] && { [ "$(field mod-con cpu1-online state)" = ready ] || why="state $(field mod-con cpu1-online state) after CPU 1 came back"; }
	mod_result module_cpu1_offline_and_online "$why"
	why=
	for c in contiguous strided random; do
		diag "convert $c: requests $(num mod-con "convert $c" requests), list calls $(num mod-con "convert $c" list_calls), hypercalls $(num mod-con "convert $c" hypercalls), PSC writes $(num mod-con "convert $c" psc_writes), errors $(num mod-con "convert $c" errors)"
		[ "$(num mod-con "convert $c" requests)" = 64 ] && [ "$(num mod-con "convert $c" errors)" = 0 ] ||
			why="convert $c: not 64 requests without error"
	done
	# 64 adjacent pages are one run, one call; 64 apart are 64 runs, a
	# list call per full batch of 32 (MIGCTL_GUEST_BATCH_MAX); in random
	# order adjacent pages merge too: never more calls than strided.
	[ -z "$why" ] && { [ "$(num mod-con 'convert contiguous' hypercalls)" = 1 ] || why="contiguous: $(num mod-con 'convert contiguous' hypercalls) hypercalls, not 1"; }
	[ -z "$why" ] && { [ "$(num mod-con 'convert strided' list_calls)" = 2 ] || why="strided: $(num mod-con 'convert strided' list_calls) list calls, not 2"; }
	[ -z "$why" ] && { c=$(num mod-con 'convert random' hypercalls); [ "${c:-0}" -ge 1 ] && [ "$c" -le 2 ] || why="random: $c hypercalls, not 1 or 2"; }
	mod_result module_conversions_coalesced "$why"
	why=
	sed 's/^/# check-guest: /' "$tmp/mod.out" | grep -v '^# check-guest: # guest:' | tail -n 30
	if ! grep -q '^ok ' "$tmp/mod.out"; then
		why="--check-guest judged no rule (exit $rc)"
	elif grep -q '^not ok ' "$tmp/mod.out"; then
		why="--check-guest: $(grep -m1 '^not ok ' "$tmp/mod.out")"
	elif [ "$rc" != 0 ]; then
		why="migctl-vmm --check-guest exit $rc"
	fi
	mod_result module_v2_check_guest_no_rule_broken "$why"
}

if [ ! -r "$MODULE" ]; then
	for c in "${MODULE_CASES[@]}"; do ok "$c" "no $MODULE (make linux-module; package linux-headers-amd64)"; done
elif [[ module_ == ${MIGCTL_LINUX_CASES:-*} ]]; then
	module_case
else
	for c in "${MODULE_CASES[@]}"; do ok "$c" "not in MIGCTL_LINUX_CASES"; done
fi
finish
