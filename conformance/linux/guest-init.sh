#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# guest-init.sh - /init of the Linux guest suite's initramfs: runs the case mc.case= names.
#
# Every line for the test goes through /dev/kmsg at level 2, so that the
# kernel's console (earlyprintk on COM1, polled) carries it whatever the
# loglevel, as "migctl-linux: TEXT". The VM ends through the exit port
# (migctl-exit) with 0 when the case's guest part went well, 1 if not.
#
# Kernel command line (after migctl-vmm's --):
#   mc.case=boot           markers (CPUs, clocksource, uptime), then exit 0
#   mc.case=migrate        memverify mc.mib= MiB for mc.secs= seconds, its
#                          lines relayed; then "after" markers and a second
#                          short memverify run, its status the VM's
#   mc.case=module         the module (/lib/modules/migctl.ko): its state
#                          from debugfs; with mc.full=1 also unload and
#                          load, CPU 1 offline and online, and conversions
#                          through debugfs (mc.conv= GPA: 64 pages
#                          contiguous, strided and in random order), with
#                          the counters each moved
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev

k() { echo "<2>migctl-linux: $*" >/dev/kmsg; }
arg() { tr ' ' '\n' </proc/cmdline | sed -n "s/^mc\.$1=//p" | head -n 1; }
# quit STATUS: end the VM; if the exit port does not, say so and idle
# (init must not exit: the kernel would panic).
quit() {
	k "exit $1"
	/bin/migctl-exit "$1" 2>&1 | relay
	k "exit port: the VM did not end"
	while :; do sleep 3600; done
}

# Relays each line of standard input to the console.
relay() { while read -r line; do k "$line"; done; }
# memverify MIB SECONDS, its lines relayed; prints its exit status.
memverify() { { { /bin/memverify "$@"; echo $? >&3; } | relay; } 3>&1; }

DBG=/sys/kernel/debug/migctl
# st FIELD: a field of the module's state file.
st() { sed -n "s/^$1: //p" $DBG/state; }
state() { k "$1 state=$(st state) version=$(st version) features=$(st features) out_reason=$(st out_reason)"; }

# conv NAME FILE: FILE's lines in one write to convert (one batch); the
# counters it moved.
conv() {
	local r l h p e
	r=$(st requests) l=$(st list_calls) h=$(st hypercalls) p=$(st psc_writes) e=$(st errors)
	dd if="$2" of=$DBG/convert bs=65536 2>/dev/null || k "convert $1: write failed"
	k "convert $1 requests=$(($(st requests) - r)) list_calls=$(($(st list_calls) - l)) hypercalls=$(($(st hypercalls) - h)) psc_writes=$(($(st psc_writes) - p)) errors=$(($(st errors) - e))"
}

# pages BASE STEP: 64 lines "GPA 1 shared", page i at BASE + i * STEP pages.
pages() {
	local i=0
	while [ $i -lt 64 ]; do
		printf '0x%x 1 shared\n' $(($1 + i * $2 * 4096))
		i=$((i + 1))
	done
}

module_case() {
	local base
	mount -t debugfs debugfs /sys/kernel/debug
	insmod /lib/modules/migctl.ko || { k "insmod failed"; return 1; }
	state loaded
	[ "$(arg full)" = 1 ] || return 0
	rmmod migctl || { k "rmmod failed"; return 1; }
	k "unloaded debugfs=$(ls $DBG 2>/dev/null | wc -l)"
	insmod /lib/modules/migctl.ko || { k "insmod again failed"; return 1; }
	state reloaded
	echo 0 >/sys/devices/system/cpu/cpu1/online || k "cpu1 offline failed"
	k "cpu1 offline online=$(cat /sys/devices/system/cpu/online)"
	state cpu1-offline
	echo 1 >/sys/devices/system/cpu/cpu1/online || k "cpu1 online failed"
	k "cpu1 online online=$(cat /sys/devices/system/cpu/online)"
	state cpu1-online
	base=$(($(arg conv)))
	pages $base 1 >/tmp/contiguous
	pages $((base + 0x100000)) 2 >/tmp/strided
	pages $((base + 0x200000)) 1 | shuf >/tmp/random
	for c in contiguous strided random; do conv $c /tmp/$c; done
	state converted
	# The VM ends now, as a power-off: first what the kernel's reboot
	# notifier does then (G-11: write 0 before a shutdown).
	echo "opt-out shutdown" >$DBG/control || k "opt-out failed"
	state shutdown
	return 0
}

k "init uptime=$(cut -d' ' -f1 /proc/uptime)"
k "nproc=$(grep -c '^processor' /proc/cpuinfo)"
k "clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"

case $(arg case) in
boot)
	k "done"
	quit 0
	;;
migrate)
	status=$(memverify "$(arg mib)" "$(arg secs)")
	k "memverify status=$status"
	# After the move: the clock and the console go on, and it can still work.
	k "after uptime=$(cut -d' ' -f1 /proc/uptime) clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
	[ "$status" = 0 ] || quit 1
	status=$(memverify 4 1)
	k "memverify again status=$status"
	[ "$status" = 0 ] && quit 0
	quit 1
	;;
module)
	module_case
	quit $?
	;;
*)
	k "unknown case '$(arg case)'"
	quit 1
	;;
esac
