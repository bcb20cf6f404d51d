# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# guest-kexec.sh - the Linux guest suite's kexec case, sourced by /init (guest-init.sh).
#
#   mc.case=kexec          the module loaded (state "first ..."), then
#                          kexec -l of /vmlinuz with /second.gz (the suite's
#                          own initramfs) and this command line with
#                          mc.case=module, and kexec -e: the second kernel
#                          loads the module again and powers off as
#                          mc.case=module does. Needs /sbin/kexec, /vmlinuz
#                          and /second.gz in the initramfs.
# shellcheck shell=sh

case_kexec() {
	local cmdline

	module_load || return 1
	state first
	cmdline=$(sed 's/mc\.case=kexec/mc.case=module/' /proc/cmdline)
	/sbin/kexec -l /vmlinuz --initrd=/second.gz --append="$cmdline" 2>&1 | relay
	k "kexec loaded=$(cat /sys/kernel/kexec_loaded)"
	# The reboot notifiers run (the module's opts out), then the jump.
	/sbin/kexec -e 2>&1 | relay
	k "kexec -e returned"
	return 1
}
