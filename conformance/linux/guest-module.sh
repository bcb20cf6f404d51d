# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# guest-module.sh - the Linux guest suite's module cases, sourced by /init (guest-init.sh).
#
#   mc.case=module         the module (/lib/modules/migctl.ko): its state
#                          from debugfs; with mc.full=1 also unload and
#                          load, CPU 1 offline and online, and conversions
#                          through debugfs (mc.conv= GPA: 64 pages
#                          contiguous, strided and in random order), with
#                          the counters each moved
# shellcheck shell=sh

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

case_module() {
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

