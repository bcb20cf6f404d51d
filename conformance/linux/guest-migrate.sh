# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# guest-migrate.sh - the Linux guest suite's migration case, sourced by /init (guest-init.sh).
#
#   mc.case=migrate        memverify mc.mib= MiB for mc.secs= seconds, its
#                          lines relayed; then "after" markers and a second
#                          short memverify run, its status the VM's
# shellcheck shell=sh

case_migrate() {
	local status

	status=$(memverify "$(arg mib)" "$(arg secs)")
	k "memverify status=$status"
	# After the move: the clock and the console go on, and it can still work.
	k "after uptime=$(cut -d' ' -f1 /proc/uptime) clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
	[ "$status" = 0 ] || return 1
	status=$(memverify 4 1)
	k "memverify again status=$status"
	[ "$status" = 0 ]
}
