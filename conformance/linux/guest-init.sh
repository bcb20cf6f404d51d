#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# guest-init.sh - /init of the Linux guest suite's initramfs: runs the case mc.case= names.
#
# Every line for the test goes through /dev/kmsg at level 2, so that the
# kernel's console (earlyprintk on COM1, polled) carries it whatever the
# loglevel, as "migctl-linux: TEXT". The VM ends through the exit port
# (migctl-exit) with 0 when the case's guest part went well, 1 if not.
#
# Kernel command line (after migctl-vmm's --): mc.case=NAME runs the
# function case_NAME, from this file (boot) or from one of the case files
# below /etc/migctl/ (guest-*.sh, sourced here), with the mc.* arguments
# that file names; its status is the VM's.
#   mc.case=boot           markers (CPUs, clocksource, uptime), then exit 0
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

# The cases of the other files.
for f in /etc/migctl/guest-*.sh; do
	[ -r "$f" ] && . "$f"
done

case_boot() {
	k "done"
	return 0
}

k "init uptime=$(cut -d' ' -f1 /proc/uptime)"
k "nproc=$(grep -c '^processor' /proc/cpuinfo)"
k "clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"

c=$(arg case)
if [ -n "$c" ] && command -v "case_$c" >/dev/null; then
	"case_$c"
	quit $?
fi
k "unknown case '$c'"
quit 1
