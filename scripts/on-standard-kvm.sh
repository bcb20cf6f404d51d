# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# on-standard-kvm.sh - a demo re-runs itself on a standard KVM: sourced by scripts/demo*.sh, not run.

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
