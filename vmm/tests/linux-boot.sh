#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# linux-boot.sh - migctl-vmm boots the distribution's Linux bzImage with an initramfs, 1 to 4 vCPUs.
#
# Each boot case runs the stock kernel (/boot/vmlinuz-*, linux-image-amd64)
# with an initramfs from conformance/linux/initramfs.sh whose /init writes
# markers to /dev/kmsg (the number of CPUs online, the clocksource, the
# e820 map and SMP lines of the kernel's log) and ends the VM through the
# exit port with conformance/linux/tools/migctl-exit. The 2 and 4 vCPU
# boots find their CPUs in the ACPI MADT, with no ACPI error; the 1 vCPU
# boot passes acpi=off and finds it in the MP table. A kernel started with
# kexec -e from a 2 vCPU guest, whose local APICs the first kernel left in
# x2APIC mode, must find the ACPI tables and bring up both CPUs (needs
# /sbin/kexec, package kexec-tools). The kernel's console
# is earlyprintk on COM1, kept after boot, into a file per case. A
# truncated kernel must be refused before any guest runs.
#
# The boots need a standard KVM (kvm-amd or kvm-intel; make check runs
# this test through scripts/kvm-run) and are skipped on another kind. Every
# time limit is scaled by MIGCTL_SLOW; no check depends on it.
#
# Environment: O (build tree, default build), MIGCTL_VMM, MIGCTL_LINUX_KERNEL
# (default: the newest /boot/vmlinuz-*), MIGCTL_SLOW.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
O=${O:-build}
VMM=${MIGCTL_VMM:-$O/vmm/migctl-vmm}
EXIT_TOOL=$O/conformance/linux/tools/migctl-exit
SLOW=${MIGCTL_SLOW:-1}
# shellcheck source=../../scripts/ktap.sh
. "$top/scripts/ktap.sh"
# shellcheck source=../../conformance/linux/lib.sh
. "$top/conformance/linux/lib.sh"

CASES=(boots_1cpu_mptable boots_2cpus_acpi boots_4cpus_acpi kexec_x2apic_acpi
       truncated_kernel_refused)
echo "KTAP version 1"
echo "1..${#CASES[@]}"

# The kernel, busybox and /dev/kvm, or every case skipped; the boots also
# need a standard KVM (make check runs this test through scripts/kvm-run).
linux_preflight --any-kvm "$VMM" "$EXIT_TOOL" -- "${CASES[@]}"
no_boot=$(linux_not_standard)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/linux-boot.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

cat >"$tmp/init" <<'EOF'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
# Level 2: through the console whatever the kernel's loglevel.
k() { echo "<2>migctl-linux: $*" >/dev/kmsg; }
k "nproc=$(grep -c '^processor' /proc/cpuinfo)"
k "online=$(cat /sys/devices/system/cpu/online)"
k "clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
dmesg | grep -E \
	-e 'BIOS-e820|smp: Brought up|smpboot: CPU|Switched to clocksource|x86: Booting SMP' \
	-e 'ACPI|MPTABLE|MultiProcessor' |
	while read -r line; do k "dmesg: $line"; done
k "done"
/bin/migctl-exit 0
EOF
if ! "$top/conformance/linux/initramfs.sh" -o "$tmp/initramfs.gz" \
	--add "$EXIT_TOOL:/bin/migctl-exit" "$tmp/init" >"$tmp/initramfs.log" 2>&1; then
	sed 's/^/# /' "$tmp/initramfs.log"
	ktap_skip_all ${#CASES[@]} "initramfs.sh failed" "${CASES[@]}"
fi
echo "# kernel $kernel, initramfs $(stat -c %s "$tmp/initramfs.gz") bytes"

# earlyprintk polls COM1's line status, so the log needs no UART interrupt;
# loglevel=4 keeps it short (every byte is an exit), the markers are level 2.
CMDLINE=(earlyprintk=serial,ttyS0,115200,keep loglevel=4 panic=-1)
LIMIT=$((60 * SLOW))

# boot CPUS [ARG]...: one run of the initramfs $initrd with $mem of RAM, ARGs
# added to the command line; sets rc, log (COM1), err (stderr).
initrd=$tmp/initramfs.gz mem=256M
boot() {
	local cpus=$1

	shift
	log=$tmp/serial-$cpus-$(basename "$initrd").log err=$tmp/stderr-$cpus.log
	"$VMM" --cpus "$cpus" --memory "$mem" --timeout "$LIMIT" --serial "$log" \
		--initrd "$initrd" "$kernel" -- "${CMDLINE[@]}" "$@" 2>"$err"
	rc=$?
}

# The value after "migctl-linux: NAME" (the console ends its lines with CR LF).
marker() { tr -d '\r' <"$log" | sed -n "s/.*migctl-linux: $1//p" | head -n 1; }

# Why a boot with CPUS vCPUs from TABLES (acpi or mptable) is not what it should be, or nothing.
check_boot() {
	local cpus=$1 tables=$2 want_online=0
	[ "$cpus" -gt 1 ] && want_online=0-$((cpus - 1))
	[ "$rc" -eq 0 ] || { echo "migctl-vmm exit $rc: $(tail -n 3 "$err" | tr '\n' ' ')"; return; }
	grep -q 'migctl-linux: done' "$log" || { echo "init did not finish"; return; }
	[ "$(marker 'nproc=')" = "$cpus" ] || { echo "nproc=$(marker 'nproc='), not $cpus"; return; }
	[ "$(marker 'online=')" = "$want_online" ] ||
		{ echo "CPUs online $(marker 'online='), not $want_online"; return; }
	[ "$(marker 'clocksource=')" = kvm-clock ] ||
		{ echo "clocksource $(marker 'clocksource='), not kvm-clock"; return; }
	# The map migctl-vmm gave: low RAM up to the ACPI and MP table pages,
	# which the kernel prints merged with the legacy hole after them.
	grep -q 'BIOS-e820: \[mem 0x0000000000000000-0x000000000009dfff\] usable' "$log" &&
		grep -q 'BIOS-e820: \[mem 0x000000000009e000-0x00000000000fffff\] reserved' "$log" &&
		grep -q 'BIOS-e820: \[mem 0x0000000000100000-0x000000000fffffff\] usable' "$log" ||
		{ echo "the kernel's e820 is not the VMM's map"; return; }
	if [ "$cpus" -gt 1 ]; then
		grep -q "smp: Brought up 1 node, $cpus CPUs" "$log" ||
			{ echo "no 'smp: Brought up 1 node, $cpus CPUs'"; return; }
	fi
	if [ "$tables" = acpi ]; then
		grep -q 'ACPI: Using ACPI (MADT) for SMP configuration information' "$log" ||
			{ echo "the kernel did not take its CPUs from the ACPI MADT"; return; }
		! grep -qE 'ACPI (BIOS )?Error' "$log" ||
			{ echo "ACPI errors: $(grep -E 'ACPI (BIOS )?Error' "$log" | head -n 2)"; return; }
	else
		grep -q 'MPTABLE: OEM ID: MIGCTL' "$log" ||
			{ echo "acpi=off: the kernel did not read migctl-vmm's MP table"; return; }
	fi
}

for cpus in 1 2 4; do
	name=boots_${cpus}cpus_acpi tables=acpi
	[ "$cpus" = 1 ] && name=boots_1cpu_mptable tables=mptable
	if [ -n "$no_boot" ]; then
		ktap_result skip "$name" "$no_boot"
		continue
	fi
	if [ "$tables" = acpi ]; then
		boot "$cpus"
	else
		boot "$cpus" acpi=off
	fi
	why=$(check_boot "$cpus" "$tables")
	# How long a boot takes is bench/linux-boot.sh's figure, not this test's.
	tr -d '\r' <"$log" | grep 'migctl-linux: ' | sed 's/^.*migctl-linux: /# /'
	if [ -n "$why" ]; then
		tail -n 20 "$log" | sed 's/^/# serial: /'
		sed 's/^/# stderr: /' "$err"
		ktap_result fail "$name" "$why"
	else
		ktap_result ok "$name"
	fi
done

# kexec: the first kernel (2 vCPUs, ACPI, x2APIC) loads the same kernel
# with a second initramfs and jumps to it; the second finds the RSDP
# through the EBDA and its CPUs in the MADT, its local APIC in x2APIC mode.
kexec_initramfs() {
	local adds=(--add "$EXIT_TOOL:/bin/migctl-exit") lib

	cat >"$tmp/init2" <<'EOF'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
k() { echo "<2>migctl-linux: $*" >/dev/kmsg; }
k "second: online=$(cat /sys/devices/system/cpu/online)"
dmesg | grep -E 'x2apic|ACPI: RSDP|ACPI: Using|smp: Brought up|ACPI (BIOS )?Error' |
	while read -r line; do k "dmesg2: $line"; done
k "second: done"
/bin/migctl-exit 0
EOF
	cat >"$tmp/init1" <<'EOF'
#!/bin/sh
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
k() { echo "<2>migctl-linux: $*" >/dev/kmsg; }
dmesg | grep -E 'x2apic|smp: Brought up' | while read -r line; do k "dmesg1: $line"; done
kexec -l /vmlinuz --initrd=/second.gz --append="$(cat /proc/cmdline)" 2>&1 |
	while read -r line; do k "kexec -l: $line"; done
k "first: kexec_loaded=$(cat /sys/kernel/kexec_loaded)"
kexec -e 2>&1 | while read -r line; do k "kexec -e: $line"; done
k "first: kexec -e returned"
/bin/migctl-exit 1
EOF
	"$top/conformance/linux/initramfs.sh" -o "$tmp/second.gz" "${adds[@]}" "$tmp/init2" ||
		return
	adds+=(--add /sbin/kexec:/sbin/kexec --add "$kernel:/vmlinuz"
	       --add "$tmp/second.gz:/second.gz")
	for lib in $(ldd /sbin/kexec | grep -o '/[^ ]*lib[^ ]*'); do
		adds+=(--add "$(readlink -f "$lib"):$lib")
	done
	"$top/conformance/linux/initramfs.sh" -o "$tmp/kexec.gz" "${adds[@]}" "$tmp/init1"
}

# Why the kexec boot is not what it should be, or nothing.
check_kexec() {
	[ "$rc" -eq 0 ] || { echo "migctl-vmm exit $rc: $(tail -n 3 "$err" | tr '\n' ' ')"; return; }
	grep -q 'migctl-linux: dmesg1: .*x2apic enabled' "$log" ||
		{ echo "the first kernel did not enable x2APIC: nothing to check"; return; }
	grep -q 'migctl-linux: second: done' "$log" ||
		{ echo "the second kernel did not reach /init"; return; }
	[ "$(marker 'second: online=')" = 0-1 ] ||
		{ echo "second kernel: CPUs online $(marker 'second: online='), not 0-1"; return; }
	grep -q 'dmesg2: .*x2apic: enabled by BIOS' "$log" ||
		{ echo "the second kernel did not find x2APIC mode on"; return; }
	grep -q 'dmesg2: .*ACPI: Using ACPI (MADT) for SMP configuration' "$log" ||
		{ echo "the second kernel did not take its CPUs from the MADT"; return; }
	! grep -qE 'dmesg2: .*ACPI (BIOS )?Error' "$log" || { echo "ACPI errors after kexec"; return; }
}

if [ -n "$no_boot" ]; then
	ktap_result skip kexec_x2apic_acpi "$no_boot"
elif [ ! -x /sbin/kexec ]; then
	ktap_result skip kexec_x2apic_acpi "no /sbin/kexec (package kexec-tools)"
elif ! kexec_initramfs >"$tmp/kexec-initramfs.log" 2>&1; then
	sed 's/^/# /' "$tmp/kexec-initramfs.log"
	ktap_result fail kexec_x2apic_acpi "could not build the kexec initramfs"
else
	initrd=$tmp/kexec.gz mem=512M	# the kernel and both initramfs in it
	boot 2
	why=$(check_kexec)
	tr -d '\r' <"$log" | grep -E 'migctl-linux: (dmesg1|dmesg2|second|first|kexec)' |
		sed 's/^.*migctl-linux: /# /'
	if [ -n "$why" ]; then
		tr -d '\r' <"$log" | tail -n 20 | sed 's/^/# serial: /'
		ktap_result fail kexec_x2apic_acpi "$why"
	else
		ktap_result ok kexec_x2apic_acpi
	fi
fi

# A kernel cut short is refused, naming what is wrong, before a guest runs.
head -c $(($(stat -c %s "$kernel") / 2)) "$kernel" >"$tmp/truncated"
"$VMM" --memory 256M --timeout "$LIMIT" --initrd "$tmp/initramfs.gz" "$tmp/truncated" \
	-- "${CMDLINE[@]}" >"$tmp/trunc.out" 2>&1
rc=$?
sed 's/^/# /' "$tmp/trunc.out"
if [ "$rc" -eq 125 ] && grep -q 'truncated' "$tmp/trunc.out"; then
	ktap_result ok truncated_kernel_refused
else
	ktap_result fail truncated_kernel_refused "exit $rc, no 'truncated' in the message"
fi

ktap_totals
ktap_exit
