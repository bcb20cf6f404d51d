# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# demo-lib.sh - what the demos share: running on a standard KVM, waiting on events. Sourced, not run.
# shellcheck shell=bash

# on_standard_kvm SELF O SECONDS: run SELF O on a standard KVM through
# scripts/kvm-run (here on kvm-amd or kvm-intel, else in its Linux VM,
# with O shared when it lies outside the checkout), for at most SECONDS,
# after a line saying where; never returns.
on_standard_kvm() {
	local self=$1 O=$2 secs=$3 top kvm_run kind share=()

	top=$(cd "$(dirname "$self")/.." && pwd)
	kvm_run=$top/scripts/kvm-run
	if "$kvm_run" --check | grep -qx 'runs on: native'; then
		exec "$self" "$O"
	fi
	kind=$("$kvm_run" --check | sed -n 's/^native KVM: //p')
	case $kind in
	none*) kind="no /dev/kvm here" ;;
	other*) kind="/dev/kvm here is not a standard KVM ($(sed 's/^other (\([^;]*\);.*/\1/; s/ *$//' <<<"$kind"))" ;;
	*) kind="/dev/kvm here is $kind" ;;
	esac
	echo "$kind: running the demo in a Linux VM with a standard KVM under QEMU emulation"
	case $(readlink -f "$O")/ in
	"$top"/*) ;;
	*) share=(--share "$(readlink -f "$O")") ;;
	esac
	exec "$kvm_run" "${share[@]}" --timeout "$secs" -- "$self" "$O"
}

# The platform's slowness factor (kvm-run's VM sets it): every wait scales with it.
SLOW=${MIGCTL_SLOW:-1}
case $SLOW in '' | *[!0-9]* | 0) SLOW=1 ;; esac

# ended PID: the process has ended.
ended() { ! kill -0 "$1" 2>/dev/null; }

# until_ok SECONDS CMD...: CMD every 0.1 s until it succeeds; false after SECONDS x SLOW.
until_ok() {
	local end=$((SECONDS + $1 * SLOW))

	shift
	until "$@"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.1
	done
}
