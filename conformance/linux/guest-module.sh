# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# guest-module.sh - the Linux guest suite's module cases, sourced by /init (guest-init.sh).
#
#   mc.case=module         the module (/lib/modules/migctl.ko): its state
#                          and counters from debugfs and its kernel log
#                          lines; with mc.conv= GPA alone, 64 contiguous
#                          pages converted there through debugfs; with
#                          mc.full=1 instead also unload and load, CPU 1
#                          offline and online, and conversions (64 pages
#                          contiguous, strided and in random order from
#                          mc.conv=), with the counters each moved. Last,
#                          what the reboot notifier does at a power-off.
# shellcheck shell=sh

DBG=/sys/kernel/debug/migctl
# st FIELD: a field of the module's state file.
st() { sed -n "s/^$1: //p" $DBG/state; }
# state NAME: two lines of the state file's fields, "NAME state=..." and
# "NAME counters ..." (one read: each process costs where guests run slowly).
state() {
	awk -v n="$1" -F': ' '{ v[$1] = $2 }
		END {
			print "<2>migctl-linux: " n " state=" v["state"] " version=" v["version"] \
				" features=" v["features"] " out_reason=" v["out_reason"] \
				" kvm_features=" v["kvm_features"] " leaf_valid=" v["leaf_valid"]
			fflush()	# one write, one kernel log record
			print "<2>migctl-linux: " n " counters ctl_reads=" v["ctl_reads"] \
				" ctl_writes=" v["ctl_writes"] " hypercalls=" v["hypercalls"] \
				" psc_writes=" v["psc_writes"] " elided=" v["elided"] " errors=" v["errors"]
			fflush()
		}' $DBG/state >/dev/kmsg
}

# module_load: debugfs mounted, the module loaded, its kernel log lines
# ("migctl: ...", whatever the console's loglevel) relayed.
module_load() {
	grep -qs ' /sys/kernel/debug ' /proc/mounts || mount -t debugfs debugfs /sys/kernel/debug
	insmod /lib/modules/migctl.ko || { k "insmod failed"; return 1; }
	dmesg | sed -n 's/.*\] migctl: /dmesg: /p' | relay
}

# conv NAME FILE: FILE's lines in one write to convert (one batch); the
# counters it moved.
conv() {
	local r l h p d e
	r=$(st requests) l=$(st list_calls) h=$(st hypercalls) p=$(st psc_writes) d=$(st elided) e=$(st errors)
	dd if="$2" of=$DBG/convert bs=65536 2>/dev/null || k "convert $1: write failed"
	k "convert $1 requests=$(($(st requests) - r)) list_calls=$(($(st list_calls) - l)) hypercalls=$(($(st hypercalls) - h)) psc_writes=$(($(st psc_writes) - p)) elided=$(($(st elided) - d)) errors=$(($(st errors) - e))"
}

# pages BASE STEP: 64 lines "GPA 1 shared", page i at BASE + i * STEP pages.
pages() {
	local i=0
	while [ $i -lt 64 ]; do
		printf '0x%x 1 shared\n' $(($1 + i * $2 * 4096))
		i=$((i + 1))
	done
}

# module_full: unload and load, CPU 1 offline and online, conversions.
module_full() {
	local base
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
}

case_module() {
	module_load || return 1
	state loaded
	if [ "$(arg full)" = 1 ]; then
		module_full || return 1
	elif [ -n "$(arg conv)" ]; then
		pages $(($(arg conv))) 1 >/tmp/contiguous
		conv contiguous /tmp/contiguous
	fi
	# The VM ends now, as a power-off: first what the kernel's reboot
	# notifier does then (G-11: write 0 before a shutdown).
	echo "opt-out shutdown" >$DBG/control || k "opt-out failed"
	state shutdown
	return 0
}
