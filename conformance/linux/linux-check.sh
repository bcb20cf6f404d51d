#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# linux-check.sh - the Linux guest suite: the distribution's kernel on migctl-vmm, with and without the module.
#
# Each case boots the stock kernel (/boot/vmlinuz-*, linux-image-amd64)
# with the suite's initramfs (conformance/linux/suite.sh) whose /init
# runs the case the kernel command line names and ends the VM through the
# exit port. Its lines reach COM1 through the kernel's console. The cases
# of one boot share it; every boot is its own, so no case depends on
# another boot's.
#
#   no_module_<mode>_boots_without_protocol_access
#       off, v1, v2: the stock kernel without the module boots to init,
#       and migctl-vmm's --stats count no protocol access (control MSR
#       reads and writes, PSC MSR writes, hypercalls): a guest that does
#       not opt in is never charged by the host for the feature.
#   module_off_host_offers_nothing_0_accesses_G3_G8
#       --migctl off, guest/linux's module loaded: debugfs says "absent",
#       the kernel log "the host offers no migctl", 64 pages converted
#       through debugfs are elided, and --stats count no protocol access
#       over the whole boot (G-3, G-8: no control-MSR access without bit
#       17, no notification without a transport).
#   module_v1_ready_version_1_hypercall_G6, module_v1_no_control_read_G17
#       --migctl v1 (bit 17 and the control MSR, no versioned leaf; the
#       hypercall transport): READY at version 1 with features 0 (G-6),
#       64 contiguous pages in 1 hypercall and no PSC write; --stats count
#       no read of the control MSR (G-17) and --check-guest over the whole
#       boot finds no rule broken.
#   module_v2_ready_version_2, module_unload_and_load_again,
#   module_cpu1_offline_and_online, module_conversions_coalesced,
#   module_v2_check_guest_no_rule_broken
#       one v2 boot: READY at version 2 from debugfs, rmmod and insmod
#       again, CPU 1 offline and online, 64-page conversions through
#       debugfs (contiguous: 1 call; strided: one list call per batch of
#       32; random order: no more than strided), an opt-out before the
#       power-off (G-11), and --check-guest over the whole trace finding
#       no guest rule broken.
#   module_kexec_opt_out_reset_opt_in_G11_G13,
#   module_kexec_check_guest_no_rule_broken
#       v2, 1 vCPU: the module loaded, kexec -l and kexec -e into the same
#       kernel, which loads it again. migctl-vmm's --trace of the control
#       MSR and the notifications must read: the first kernel's reset
#       and READY, then before the jump one write of 0 per CPU from the
#       kernel's own kvm_pv_reboot_notify() and one from the module's
#       reboot notifier (G-11), then the second kernel's read of the
#       control MSR finding 0, its reset, and only then READY and its
#       read-back (G-13); --check-guest over both kernels finds no rule
#       broken. Needs /sbin/kexec (package kexec-tools).
#   module_qemu_host_offers_nothing_0_hypercalls_G8
#       the same kernel, initramfs and module under qemu-system-x86_64
#       -accel kvm (package qemu-system-x86), whose KVM leaves offer no
#       migctl: debugfs says "absent", the kernel log "the host offers no
#       migctl", and the module's counters show 0 control-MSR accesses,
#       0 hypercalls and 0 PSC writes after 64 pages converted (G-8).
#
# Boot time and protocol exits of each boot are diagnostics ('# ...'),
# never conditions. Needs a standard KVM (make linux-check and make check
# run this through scripts/kvm-run); every time limit scales with
# MIGCTL_SLOW. The live migration of a Linux guest is linux-migrate.sh's.
#
# Environment: as conformance/linux/suite.sh says.
# Covers: G-3, G-6, G-8, G-11, G-13, G-17
set -u

# shellcheck source=suite.sh
. "$(dirname "${BASH_SOURCE[0]}")/suite.sh"

MODES=(off v1 v2)
CASES=()
for m in "${MODES[@]}"; do CASES+=("no_module_${m}_boots_without_protocol_access"); done
OFF_CASES=(module_off_host_offers_nothing_0_accesses_G3_G8)
V1_CASES=(module_v1_ready_version_1_hypercall_G6 module_v1_no_control_read_G17)
V2_CASES=(module_v2_ready_version_2 module_unload_and_load_again module_cpu1_offline_and_online
	module_conversions_coalesced module_v2_check_guest_no_rule_broken)
KEXEC_CASES=(module_kexec_opt_out_reset_opt_in_G11_G13 module_kexec_check_guest_no_rule_broken)
QEMU_CASES=(module_qemu_host_offers_nothing_0_hypercalls_G8)
CASES+=("${OFF_CASES[@]}" "${V1_CASES[@]}" "${V2_CASES[@]}" "${KEXEC_CASES[@]}" "${QEMU_CASES[@]}")
suite_start

# A GPA in RAM at every MEM the suite uses (128M and up), for conversions.
CONV=0x4000000

# stat_key NAME KEY: KEY's value on NAME's '# stats:' line.
stat_key() {
	sed -n 's/^# stats: //p' "$tmp/$1.err" | tail -n 1 | tr ' ' '\n' | sed -n "s/^$2=//p"
}

# figures LABEL NAME CONSOLE MS: a boot's figures, as diagnostics.
figures() {
	diag "$1: init at $(marker "$3" 'init uptime=') s of guest uptime, the VMM ran $4 ms, protocol exits $(stat_key "$2" protocol_exits)"
}

# Case 1: no module, each mode: boots to init, no protocol access.
no_module_case() {
	local mode=$1 name=no_module_${1}_boots_without_protocol_access start ms n
	start=$(now_ms)
	linux "boot-$mode" --migctl "$mode" --cpus 1 -- mc.case=boot
	wait_exit "$last" "$(by_platform 30 10)"
	ms=$(($(now_ms) - start))
	figures "no module, $mode" "boot-$mode" "boot-$mode" "$ms"
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

for m in "${MODES[@]}"; do
	want "no_module_${m}_boots_without_protocol_access" && no_module_case "$m"
done

# module_boot NAME VMM-ARGS... -- GUEST-ARGS...: as linux() does, a boot
# of $initrd (default: the suite's initramfs) with $mem (default MEM),
# with ACPI when $acpi is "on", whose console goes to $tmp/NAME-con.out
# (stdout stays free for --check-guest's KTAP); waits for its end ($rc),
# prints the guest's lines and the boot's figures. fail_with NAME-con
# shows both ends.
module_boot() {
	local name=$1 start opts=() cmdline=() a
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	for a in "${CMDLINE[@]}"; do
		[ "$a" = acpi=off ] && [ "${acpi:-}" = on ] || cmdline+=("$a")
	done
	start=$(now_ms)
	: >"$tmp/$name-con.out"
	vmm "$name" --memory "${mem:-$MEM}" --stats --serial "$tmp/$name-con.out" "${opts[@]}" \
		--initrd "${initrd:-$tmp/initramfs.gz}" "$kernel" -- "${cmdline[@]}" "$@"
	wait_exit "$last" "$(by_platform 30 10)"
	ms=$(($(now_ms) - start))
	cp "$tmp/$name.err" "$tmp/$name-con.err"
	tr -d '\r' <"$tmp/$name-con.out" | sed -n 's/.*migctl-linux: //p' | sed "s/^/# $name: /"
	figures "$name" "$name" "$name-con" "$ms"
}

# result CON CASE WHY: ok without WHY, else not ok with CON's console end.
result() {
	if [ -n "$3" ]; then fail_with "$1" "$2" "$3"; else ok "$2"; fi
}

# checked NAME: why --check-guest's KTAP in $tmp/NAME.out is not a pass
# of every judged rule ($rc its exit status), or nothing; check_diag NAME
# shows that KTAP.
check_diag() { sed 's/^/# check-guest: /' "$tmp/$1.out" | tail -n 30; }
checked() {
	if ! grep -q '^ok ' "$tmp/$1.out"; then
		echo "--check-guest judged no rule (exit $rc)"
	elif grep -q '^not ok ' "$tmp/$1.out"; then
		echo "--check-guest: $(grep -m1 '^not ok ' "$tmp/$1.out")"
	elif [ "$rc" != 0 ]; then
		echo "migctl-vmm --check-guest exit $rc"
	fi
}

# elided CON: why the module on CON did not find an empty offer and elide
# its 64-page conversion, or nothing.
elided() {
	local c
	[ "$(field "$1" 'loaded ' state)" = absent ] ||
		{ echo "debugfs state $(field "$1" 'loaded ' state), not absent"; return; }
	grep -q 'migctl-linux: dmesg: the host offers no migctl' "$tmp/$1.out" ||
		{ echo "no 'the host offers no migctl' in the kernel log"; return; }
	[ "$(num "$1" 'convert contiguous' requests)" = 64 ] && [ "$(num "$1" 'convert contiguous' errors)" = 0 ] ||
		{ echo "convert: not 64 requests without error"; return; }
	[ "$(num "$1" 'convert contiguous' elided)" -gt 0 ] 2>/dev/null ||
		{ echo "convert: nothing elided"; return; }
	for c in ctl_reads ctl_writes hypercalls psc_writes; do
		[ "$(num "$1" 'shutdown counters' "$c")" = 0 ] ||
			{ echo "the module's counters: $c=$(num "$1" 'shutdown counters' "$c"), not 0"; return; }
	done
}

# The module in off: absent, conversions elided, nothing the host sees.
off_case() {
	local name=${OFF_CASES[0]} why n
	module_boot off --migctl off --cpus 1 -- mc.case=module mc.conv=$CONV
	why=$(elided off-con)
	n=$(stat_sum off)
	[ -z "$why" ] && [ "$rc" != 0 ] && why="migctl-vmm exit $rc"
	[ -z "$why" ] && [ "${n:-x}" != 0 ] && why="--stats: ${n:-no} protocol accesses, not 0"
	result off-con "$name" "$why"
}

# The module in v1: READY at version 1, the hypercall carries conversions.
v1_case() {
	local why
	module_boot v1 --migctl v1 --cpus 1 --check-guest -- mc.case=module mc.conv=$CONV
	why=
	[ "$(field v1-con 'loaded ' state)" = ready ] && [ "$(num v1-con 'loaded ' version)" = 1 ] &&
		[ "$(field v1-con 'loaded ' features)" = 0x0 ] ||
		why="after insmod: state $(field v1-con 'loaded ' state), version $(num v1-con 'loaded ' version), features $(field v1-con 'loaded ' features), not ready, 1, 0x0"
	[ -z "$why" ] && { [ "$(num v1-con 'convert contiguous' hypercalls)" = 1 ] &&
		[ "$(num v1-con 'convert contiguous' psc_writes)" = 0 ] &&
		[ "$(num v1-con 'convert contiguous' errors)" = 0 ] ||
		why="convert contiguous: $(num v1-con 'convert contiguous' hypercalls) hypercalls, $(num v1-con 'convert contiguous' psc_writes) PSC writes, $(num v1-con 'convert contiguous' errors) errors, not 1, 0, 0"; }
	[ -z "$why" ] && [ "$(marker v1-con 'exit ')" != 0 ] && why="the guest ended with '$(marker v1-con 'exit ')'"
	result v1-con "${V1_CASES[0]}" "$why"
	check_diag v1
	why=$(checked v1)
	[ -z "$why" ] && { [ "$(stat_key v1 rdmsr_0x4b564d08)" = 0 ] ||
		why="--stats: $(stat_key v1 rdmsr_0x4b564d08) reads of the control MSR without a versioned leaf"; }
	result v1-con "${V1_CASES[1]}" "$why"
}

# The module in v2, one boot: state, unload and load, CPU 1 offline and
# online, conversions, and --check-guest over the whole trace.
v2_case() {
	local c why
	module_boot mod --migctl v2 --cpus 2 --check-guest -- mc.case=module mc.full=1 mc.conv=$CONV
	why=
	[ "$(field mod-con 'loaded ' state)" = ready ] && [ "$(num mod-con 'loaded ' version)" = 2 ] ||
		why="after insmod: state $(field mod-con 'loaded ' state), version $(num mod-con 'loaded ' version), not ready, 2 (v2 preferred)"
	result mod-con module_v2_ready_version_2 "$why"
	why=
	[ "$(num mod-con 'unloaded' debugfs)" = 0 ] || why="debugfs still has the module's files after rmmod"
	[ -z "$why" ] && { [ "$(field mod-con 'reloaded ' state)" = ready ] || why="after the second insmod: state $(field mod-con 'reloaded ' state)"; }
	result mod-con module_unload_and_load_again "$why"
	why=
	[ "$(field mod-con 'cpu1 offline' online)" = 0 ] || why="CPU 1 did not go offline: online $(field mod-con 'cpu1 offline' online)"
	[ -z "$why" ] && { [ "$(field mod-con 'cpu1 online' online)" = 0-1 ] || why="CPU 1 did not come back"; }
	[ -z "$why" ] && { [ "$(field mod-con 'cpu1-online ' state)" = ready ] || why="state $(field mod-con 'cpu1-online ' state) after CPU 1 came back"; }
	result mod-con module_cpu1_offline_and_online "$why"
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
	result mod-con module_conversions_coalesced "$why"
	check_diag mod
	result mod-con module_v2_check_guest_no_rule_broken "$(checked mod)"
}

# trace_seq NAME: the guest's protocol accesses in NAME's --trace, one
# word each, in order: R0 or R1 a read of the control MSR that found 0 or
# not, W0 or W1 a write of 0 or of a READY value, N a notification (a
# hypercall or a write of another protocol MSR; a run of them is one N),
# X anything else; a refused access ends its word with '!'.
trace_seq() {
	sed -n 's/^# trace: //p' "$tmp/$1.err" | awk '
		/ kind=cpuid / { next }
		{
			v = $0; sub(/.* value=/, "", v); sub(/ .*/, "", v)
			if ($0 ~ / kind=hypercall /)
				w = "N"
			else if ($0 ~ / kind=(rd|wr)msr index=0x4b564d08 /)
				w = ($0 ~ / kind=rdmsr / ? "R" : "W") (v == "0" ? "0" : "1")
			else if ($0 ~ / kind=wrmsr /)
				w = "N"
			else
				w = "X"
			if ($0 ~ / result=/ && $0 !~ / result=(ok|0)( |$)/)
				w = w "!"
			if (w == "N" && last == "N")
				next
			printf "%s%s", sep, w
			sep = " "
			last = w
		}
		END { print "" }'
}

# The initramfs of the first kernel: the suite's, then a second archive,
# uncompressed (the kernel and the suite's initramfs are compressed
# already, and gzip is slow where guests are), with kexec and its
# libraries, the kernel and the suite's initramfs for the second kernel.
# Linux unpacks archives laid end to end; one that is not compressed
# must start 4-byte aligned.
kexec_initramfs() {
	local root=$tmp/kexec-root lib pad
	mkdir -p "$root/sbin" || return
	cp /sbin/kexec "$root/sbin/kexec" && cp "$kernel" "$root/vmlinuz" &&
		cp "$tmp/initramfs.gz" "$root/second.gz" || return
	for lib in $(ldd /sbin/kexec | grep -o '/[^ ]*lib[^ ]*'); do
		mkdir -p "$root$(dirname "$lib")" && cp "$(readlink -f "$lib")" "$root$lib" || return
	done
	pad=$(((4 - $(stat -c %s "$tmp/initramfs.gz") % 4) % 4))
	{
		cat "$tmp/initramfs.gz" && head -c "$pad" /dev/zero &&
			(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
				cpio -o -H newc --reproducible --owner=0:0 --quiet)
	} >"$tmp/kexec.img"
}

# kexec in v2 with the module in both kernels: the trace's order, and
# --check-guest over both. One vCPU: the kernel's own reboot notifier
# writes 0 once per CPU, the module's once.
kexec_case() {
	local c why seq want="R0 N W1 R1 W0 W0 R0 N W1 R1 W0"
	if [ ! -x /sbin/kexec ]; then
		for c in "${KEXEC_CASES[@]}"; do ok "$c" "no /sbin/kexec (package kexec-tools)"; done
		return
	fi
	if ! kexec_initramfs >"$tmp/kexec-initramfs.log" 2>&1; then
		sed 's/^/# /' "$tmp/kexec-initramfs.log"
		for c in "${KEXEC_CASES[@]}"; do notok "$c" "could not build the kexec initramfs"; done
		return
	fi
	# The first kernel's initramfs holds the kernel and the second archive;
	# kexec -l copies both again. With ACPI: the second kernel finds its
	# local APIC in the x2APIC mode the first left it in, which Linux 6.1
	# handles from the MADT but not from the MP table of acpi=off.
	initrd=$tmp/kexec.img mem=256M acpi=on module_boot kx --migctl v2 --cpus 1 --trace --check-guest -- mc.case=kexec
	diag "kexec: the second kernel reached init at $(tr -d '\r' <"$tmp/kx-con.out" | sed -n 's/.*migctl-linux: init uptime=//p' | sed -n 2p) s of its uptime"
	seq=$(trace_seq kx)
	diag "kexec: the trace's control-MSR accesses and notifications: $seq"
	why=
	[ "$(field kx-con 'first ' state)" = ready ] || why="first kernel: state $(field kx-con 'first ' state), not ready"
	[ -z "$why" ] && { grep -q 'migctl-linux: kexec loaded=1' "$tmp/kx-con.out" || why="kexec -l did not load the kernel"; }
	[ -z "$why" ] && { [ "$(grep -c 'migctl-linux: init uptime=' "$tmp/kx-con.out")" = 2 ] || why="no second kernel reached /init"; }
	[ -z "$why" ] && { [ "$(field kx-con 'loaded ' state)" = ready ] && [ "$(num kx-con 'loaded ' version)" = 2 ] ||
		why="second kernel: state $(field kx-con 'loaded ' state), version $(num kx-con 'loaded ' version), not ready, 2"; }
	[ -z "$why" ] && { [ "$seq" = "$want" ] || why="trace '$seq', not '$want' (reset, READY; 0 from the kernel and from the module; the new kernel's read finds 0, reset, READY; 0 at the power-off)"; }
	[ -z "$why" ] && diag "G-11: the first kernel wrote 0 before the jump (the kernel's and the module's reboot notifiers); G-13: the second kernel read 0, reset, then opted in"
	result kx-con "${KEXEC_CASES[0]}" "$why"
	check_diag kx
	result kx-con "${KEXEC_CASES[1]}" "$(checked kx)"
}

# The same kernel, initramfs and module under QEMU with KVM, which offers
# no migctl: the module finds nothing and elides. qboot (QEMU's own
# minimal firmware) loads the kernel as migctl-vmm does; the exit port
# is QEMU's isa-debug-exit, whose status is (CODE << 1) | 1.
qemu_case() {
	local name=${QEMU_CASES[0]} qemu start ms why
	qemu=$(command -v qemu-system-x86_64) ||
		{ ok "$name" "no qemu-system-x86_64 (package qemu-system-x86)"; return; }
	start=$(now_ms)
	: >"$tmp/qemu.out"
	timeout -k 5 "$LIMIT" "$qemu" -nodefaults -no-user-config -machine pc -bios qboot.rom \
		-accel kvm -m "$MEM" -smp 1 -display none -no-reboot -serial "file:$tmp/qemu.out" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$kernel" \
		-initrd "$tmp/initramfs.gz" -append "${CMDLINE[*]} mc.case=module mc.conv=$CONV" \
		</dev/null >"$tmp/qemu.err" 2>&1 &
	wait_exit $! "$(by_platform 30 10)"
	ms=$(($(now_ms) - start))
	tr -d '\r' <"$tmp/qemu.out" | sed -n 's/.*migctl-linux: //p' | sed 's/^/# qemu: /'
	diag "qemu: init at $(marker qemu 'init uptime=') s of guest uptime, QEMU ran $ms ms, exit $rc"
	why=$(elided qemu)
	[ -z "$why" ] && [ "$rc" != 1 ] && why="QEMU exit $rc, not 1 (the guest's 0 through isa-debug-exit)"
	result qemu "$name" "$why"
}

# group FUNC CASE...: FUNC's boot, which its CASEs share, when one of
# them is wanted (MIGCTL_LINUX_CASES) and the module is built; else
# each CASE skipped with the reason.
group() {
	local f=$1 c
	shift
	if [ ! -r "$MODULE" ]; then
		for c; do ok "$c" "no $MODULE (make linux-module; package linux-headers-amd64)"; done
		return
	fi
	for c; do
		# shellcheck disable=SC2053
		[[ $c == ${MIGCTL_LINUX_CASES:-*} ]] && { "$f"; return; }
	done
	for c; do ok "$c" "not in MIGCTL_LINUX_CASES"; done
}

group off_case "${OFF_CASES[@]}"
group v1_case "${V1_CASES[@]}"
group v2_case "${V2_CASES[@]}"
group kexec_case "${KEXEC_CASES[@]}"
group qemu_case "${QEMU_CASES[@]}"
finish
