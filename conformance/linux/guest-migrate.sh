# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# guest-migrate.sh - the Linux guest suite's migration case, sourced by /init (guest-init.sh).
#
#   mc.case=migrate        with the module (/lib/modules/migctl.ko) and
#                          mc.conv= GPA: loaded (its boot-time reset makes
#                          all RAM private, its list page shared), then two
#                          ranges converted to shared through debugfs
#                          ("mig-before": 16 pages at GPA, 4 at GPA + 1
#                          MiB; list_page= the list page's GPA); memverify
#                          mc.mib= MiB for mc.secs= seconds, its lines
#                          relayed (the move happens meanwhile); then
#                          "after" markers, 8 more pages shared at GPA +
#                          2 MiB and the first 4 of GPA's back to private
#                          ("mig-after"), an opt-out through debugfs
#                          control ("mig-out"), mc.hold= seconds for the
#                          host to look, and a second short memverify run.
#                          Its status is the VM's. Without the module
#                          only memverify and the markers.
# shellcheck shell=sh

MIG_DBG=/sys/kernel/debug/migctl
# mig_st FIELD: a field of the module's state file.
mig_st() { sed -n "s/^$1: //p" $MIG_DBG/state; }
mig_state() {
	k "$1 state=$(mig_st state) version=$(mig_st version) out_reason=$(mig_st out_reason) list_page=$(mig_st list_page) requests=$(mig_st requests) pages=$(mig_st pages) errors=$(mig_st errors)"
}
# mig_convert NAME LINE...: the lines ("GPA NPAGES private|shared") in one
# write to convert.
mig_convert() {
	local name=$1
	shift
	printf '%s\n' "$@" >/tmp/mig-convert
	dd if=/tmp/mig-convert of=$MIG_DBG/convert bs=65536 2>/dev/null || k "$name: convert failed"
}

case_migrate() {
	local status base module=0
	base=$(($(arg conv)))
	if [ -r /lib/modules/migctl.ko ] && [ "$base" != 0 ]; then
		mount -t debugfs debugfs /sys/kernel/debug
		insmod /lib/modules/migctl.ko || { k "insmod failed"; return 1; }
		module=1
		mig_convert mig-before "$(printf '0x%x 16 shared' $base)" \
			"$(printf '0x%x 4 shared' $((base + 0x100000)))"
		mig_state mig-before
	fi
	status=$(memverify "$(arg mib)" "$(arg secs)")
	k "memverify status=$status"
	# After the move: the clock and the console go on, and it can still work.
	k "after uptime=$(cut -d' ' -f1 /proc/uptime) clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
	[ "$status" = 0 ] || return 1
	if [ $module = 1 ]; then
		mig_convert mig-after "$(printf '0x%x 8 shared' $((base + 0x200000)))" \
			"$(printf '0x%x 4 private' $base)"
		mig_state mig-after
		echo "opt-out shutdown" >$MIG_DBG/control || k "mig-out: opt-out failed"
		mig_state mig-out
		sleep "$(arg hold)"
	fi
	status=$(memverify 4 1)
	k "memverify again status=$status"
	[ "$status" = 0 ]
}
