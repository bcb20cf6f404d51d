#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# kvm-run-test.sh - scripts/kvm-run: the VM's KVM, shares, status, and each platform failure.
#
# Runs the VM path (--mode vm) whatever this machine's /dev/kvm is: five
# boots of about 15 s each (two of them fail early on purpose). KTAP on stdout; exit 0 pass, 1 fail.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=scripts/ktap.sh
. scripts/ktap.sh
O=${O:-build}
KVM_RUN=scripts/kvm-run
VMM=$O/vmm/migctl-vmm
top=$(pwd)

tmp=$(mktemp -d /tmp/migctl-kvm-run-test.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

echo "KTAP version 1"
echo "1..9"

# One boot checks what a command sees: the path, the environment, the
# shares, a standard KVM; its stdout and stderr; its exit status.
mkdir -p "$tmp/share/sub"
cd "$tmp/share/sub" || exit 1
KVM_RUN_TEST_VAR='two  words' "$top/$KVM_RUN" --mode vm --share "$tmp/share" -- bash -c '
	echo "cwd=$(pwd)"
	echo "var=$KVM_RUN_TEST_VAR"
	echo "platform=$MIGCTL_KVM_PLATFORM slow=$MIGCTL_SLOW"
	echo from-the-vm >"'"$tmp"'/share/written"
	grep -q "^kvm_amd " /proc/modules && echo "module=kvm_amd"
	echo "npt=$(cat /sys/module/kvm_amd/parameters/npt)"
	"'"$top/$VMM"'" --probe 2>&1 | sed -n "s/^hypercall-transport: \([a-z]*\).*/probe=\1/p"
	echo "to stderr" >&2
	cat <(echo "process substitution")
	exit 3' >"$tmp/out" 2>"$tmp/err"
rc=$?
cd "$top" || exit 1
sed 's/^/# /' "$tmp/out"
if [ $rc -eq 3 ]; then
	ktap_result ok exit_status_returned
else
	ktap_result fail exit_status_returned "exit $rc, expected 3; $(tail -n 3 "$tmp/err")"
fi
if grep -qx "cwd=$tmp/share/sub" "$tmp/out" && grep -qx 'var=two  words' "$tmp/out" &&
   grep -qx 'process substitution' "$tmp/out" &&
   grep -qx 'platform=emulated slow=[1-9][0-9]*' "$tmp/out"; then
	ktap_result ok same_path_and_environment
else
	ktap_result fail same_path_and_environment "output: $(tr '\n' ' ' <"$tmp/out")"
fi
if [ "$(cat "$tmp/share/written" 2>/dev/null)" = from-the-vm ]; then
	ktap_result ok share_writable_at_same_path
else
	ktap_result fail share_writable_at_same_path "the VM's write did not reach $tmp/share"
fi
if grep -qx 'to stderr' "$tmp/out"; then
	ktap_result ok stderr_streamed
else
	ktap_result fail stderr_streamed "COMMAND's stderr is not in the stream"
fi
if [ ! -x "$VMM" ]; then
	ktap_result skip standard_kvm_with_hypercall_exits "$VMM is not built (run make)"
elif grep -qx module=kvm_amd "$tmp/out" && grep -qx npt=Y "$tmp/out" &&
     grep -qx probe=yes "$tmp/out"; then
	ktap_result ok standard_kvm_with_hypercall_exits
else
	ktap_result fail standard_kvm_with_hypercall_exits \
		"want kvm_amd, npt=Y and hypercall-transport yes: $(tr '\n' ' ' <"$tmp/out")"
fi

# platform_case NAME WANT-TEXT ENV... -- ARGS...: kvm-run must exit 75 and say WANT-TEXT.
platform_case() {
	local name=$1 want=$2 rc
	shift 2
	env "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 75 ] && grep -q -- "$want" "$tmp/err"; then
		ktap_result ok "$name"
	else
		ktap_result fail "$name" "exit $rc (want 75), stderr: $(head -c 600 "$tmp/err" | tr '\n' ' ')"
	fi
}

platform_case panic_is_platform_failure 'platform failure: Kernel panic' \
	"$KVM_RUN" --mode vm -- bash -c 'echo c >/proc/sysrq-trigger; sleep 30'
platform_case stopped_vm_is_platform_failure 'no heartbeat for 15 s' \
	MIGCTL_KVM_RUN_HEARTBEAT=15 "$KVM_RUN" --mode vm -- \
	bash -c 'pkill -STOP -f kvm-run-heartbeat; sleep 60'
# A kernel that cannot boot: a platform failure before COMMAND, retried once.
platform_case boot_failure_retried_once 'retrying after a platform failure before COMMAND started (1 of 1)' \
	MIGCTL_KVM_RUN_APPEND=rdinit=/no-such-init "$KVM_RUN" --mode vm -- true
if [ "$(grep -c 'platform failure:' "$tmp/err")" -eq 2 ]; then
	ktap_result ok boot_failure_reported_per_attempt
else
	ktap_result fail boot_failure_reported_per_attempt "$(grep -c 'platform failure:' "$tmp/err") reports, want 2"
fi

ktap_totals
ktap_exit
