# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# conformance/linux/lib.sh - what every Linux guest test needs before it boots: sourced, not run.
#
# The tests that boot the distribution's kernel on migctl-vmm
# (vmm/tests/linux-*.sh, conformance/linux/linux-*.sh) share these
# checks, so that each skips for the same reasons with the same words.
# Needs scripts/ktap.sh (ktap_skip_all) sourced first, and $top.
#
# Environment: MIGCTL_LINUX_KERNEL (default: the newest /boot/vmlinuz-*).

# linux_kernel: the kernel the tests boot.
linux_kernel() {
	echo "${MIGCTL_LINUX_KERNEL:-$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)}"
}

# linux_not_standard: why this /dev/kvm cannot run a stock kernel, or
# nothing. A KVM of another kind (kvm-run --check: "other") does not run
# its ring 0; make check runs these tests through scripts/kvm-run on one.
linux_not_standard() {
	local kind

	kind=$("$top/scripts/kvm-run" --check 2>/dev/null | sed -n 's/^native KVM: \([a-z]*\).*/\1/p')
	[ "$kind" = standard ] ||
		echo "not a standard KVM here (${kind:-unknown}): scripts/kvm-run runs this test on one"
}

# linux_preflight [--any-kvm] TOOL... -- CASE...: sets $kernel; when the
# kernel, busybox or a usable /dev/kvm is missing, or (without --any-kvm)
# /dev/kvm is not a standard KVM, the plan and every CASE skipped with
# the reason, and exit. A missing TOOL (a build product) ends the test
# as failed: make builds it.
linux_preflight() {
	local any=0 tools=() why=

	[ "${1:-}" = --any-kvm ] && { any=1; shift; }
	while [ $# -gt 0 ] && [ "$1" != -- ]; do tools+=("$1"); shift; done
	shift
	kernel=$(linux_kernel)
	if [ -z "$kernel" ] || [ ! -r "$kernel" ]; then
		why="no readable /boot/vmlinuz-* (package linux-image-amd64)"
	elif [ ! -x /bin/busybox ]; then
		why="no /bin/busybox (package busybox-static)"
	fi
	[ -n "$why" ] && ktap_skip_all $# "$why" "$@"
	for f in "${tools[@]}"; do
		[ -x "$f" ] || { echo "# $f is missing: run make O=${O:-build} first"; exit 1; }
	done
	if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
		why="no usable /dev/kvm (run through scripts/kvm-run)"
	elif [ "$any" = 0 ]; then
		why=$(linux_not_standard)
	fi
	[ -n "$why" ] && ktap_skip_all $# "$why" "$@"
	return 0
}
