#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# run-host-suite.sh - host-role suite: the guest image under migctl-vmm and QEMU, as KTAP.
#
# Runs the image against every host configuration below, nests each run's
# KTAP two spaces deeper and judges the run by its exit code, its KTAP and
# (for elision) the VMM's --stats counters. A run fails when it hangs past
# the timeout, when its KTAP is cut short (fewer results than its plan) or
# when it bails out.
#
# The vmm-upstream runs replay upstream Linux's calls (sc-upstream.c) on
# an encrypted VM (sev-sim) and then act on the verdict the spec's
# interoperability table gives: the guest's verdict line must be the one
# upstream_expect() computes here, a "migrate" must complete with every
# checked page intact on the destination, a "refuse" must be refused by
# the source with that reason while it runs on.
#
# Environment: O (build directory; default: the one this script was
# installed in by make, else "build"), MIGCTL_VMM,
# MIGCTL_TEST_IMAGE, QEMU (default qemu-system-x86_64), MIGCTL_RUN_TIMEOUT
# (seconds per run, default 30, times MIGCTL_SLOW as in
# conformance/vmm/lib.sh; a run takes 0.5 s natively), MIGCTL_HOST_SUITE_FILTER
# (glob on run names). A run past its limit fails with its threads' stacks.

# Covers: V-6, V-11

set -u

here=$(cd "$(dirname "$0")" && pwd)
# Installed by make into $O/conformance/guest-image, beside the image.
# O, VMM, IMAGE, SLOW, scaled(), vmm_unusable(), $tmp and scripts/ktap.sh,
# shared with the vmm-role suites.
# shellcheck source-path=SCRIPTDIR source=../vmm/lib.sh
. "$here/../vmm/lib.sh" || exit 1
QEMU=${QEMU:-qemu-system-x86_64}
TIMEOUT=$(scaled "${MIGCTL_RUN_TIMEOUT:-30}")
FILTER=${MIGCTL_HOST_SUITE_FILTER:-*}

# name, host, vCPUs, what the host offers (--migctl and expect=), v2 features
# (--features and features=, "-" for the default), the image's test= glob.
# Host vmm-sevsim is migctl-vmm with --sev-sim: the migration workload runs
# (without a migration: every page must verify).
RUNS="vmm-off-cpus1 vmm 1 off - *
vmm-off-cpus2 vmm 2 off - *
vmm-off-cpus4 vmm 4 off - *
vmm-v1-cpus1 vmm 1 v1 - *
vmm-v1-cpus2 vmm 2 v1 - *
vmm-v1-cpus4 vmm 4 v1 - *
vmm-v2-cpus1 vmm 1 v2 - *
vmm-v2-cpus2 vmm 2 v2 - *
vmm-v2-cpus4 vmm 4 v2 - *
vmm-v2-no-features-cpus4 vmm 4 v2 none *
vmm-v2-msr-psc-cpus2 vmm 2 v2 msr-psc *
vmm-off-elision-stats vmm 1 off - elision
vmm-sevsim-migrate-cpus2 vmm-sevsim 2 v2 - migrate
vmm-upstream-boot-off vmm-upstream 2 off - upstream-boot
vmm-upstream-boot-v1 vmm-upstream 2 v1 - upstream-boot
vmm-upstream-boot-v2 vmm-upstream 2 v2 - upstream-boot
vmm-upstream-past-ram-v1 vmm-upstream 2 v1 - upstream-boot:past-ram
vmm-upstream-past-ram-v2 vmm-upstream 2 v2 - upstream-boot:past-ram
vmm-upstream-unaligned-v2 vmm-upstream 2 v2 - upstream-boot:unaligned
vmm-upstream-kexec-v1 vmm-upstream 2 v1 - upstream-kexec
vmm-upstream-kexec-v2 vmm-upstream 2 v2 - upstream-kexec
vmm-upstream-cpu-offline-v1 vmm-upstream 2 v1 - upstream-cpu-offline
vmm-upstream-cpu-offline-v2 vmm-upstream 2 v2 - upstream-cpu-offline
vmm-upstream-suspend-v1 vmm-upstream 2 v1 - upstream-suspend
vmm-upstream-suspend-v2 vmm-upstream 2 v2 - upstream-suspend
qemu-cpus1 qemu 1 off - *
qemu-cpus4 qemu 4 off - *"

selected=$(echo "$RUNS" | while read -r name rest; do
	# shellcheck disable=SC2254
	case "$name" in $FILTER) echo "$name $rest" ;; esac
done)
plan=$(echo "$selected" | grep -c .)

# Why a host cannot run at all, or nothing. migctl-vmm says for itself
# why it cannot run a VM here (vmm_why: no /dev/kvm, no permission, ...).
host_missing() {
	if [ "${1%-*}" = vmm ] && [ -n "$vmm_why" ]; then
		echo "$vmm_why"
	elif [ "${1%-*}" = vmm ] && ! "$VMM" --help 2>/dev/null | grep -q -- --sev-sim; then
		echo "this migctl-vmm has no --sev-sim"
	elif [ "$1" = qemu ] && { [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; }; then
		echo "/dev/kvm is not accessible"
	elif [ "$1" = qemu ] && ! command -v "$QEMU" >/dev/null; then
		echo "$QEMU not installed (apt-get install qemu-system-x86)"
	fi
}

# What migctl-vmm's start-up probe found: whether it offers hypercall 12 (H-1).
vmm_hc=any
probe_vmm() {
	local line

	[ -x "$VMM" ] || return
	line=$("$VMM" --probe 2>/dev/null | grep -m1 '^hypercall-transport:')
	[ -n "$line" ] || return
	echo "# migctl-vmm --probe: $line"
	case "$line" in
	*": yes"*) vmm_hc=1 ;;
	*": no"*) vmm_hc=0 ;;
	esac
}

run_host() {	# host cpus mode features test
	local expect=$3 feat=() sev=() args

	# Without the hypercall transport a host offers no version 1 (H-15):
	# upstream guests opt in on bit 17 alone and would notify nobody.
	[ "${1%-sevsim}" = vmm ] && [ "$3" = v1 ] && [ "$vmm_hc" = 0 ] && expect=off
	args=("cpus=$2" "expect=$expect" "test=$5")

	# The image checks bit 16 against the probe: scenarios needing it skip when 0.
	[ "${1%-sevsim}" = vmm ] && [ "$3" != off ] && args+=("hc=$vmm_hc")
	if [ "$1" = vmm-sevsim ]; then
		sev=(--sev-sim)
		args+=("migrate.iters=300")
	fi

	if [ "$4" != - ]; then
		args+=("features=$4")
		feat=(--features "$4")
	fi
	if [ "${1%-sevsim}" = vmm ]; then
		timeout -k 5 $((TIMEOUT + 5)) "$VMM" --cpus "$2" --migctl "$3" "${feat[@]}" \
			"${sev[@]}" --stats --timeout "$TIMEOUT" "$IMAGE" -- "${args[@]}" &
	else
		timeout -k 5 "$TIMEOUT" "$QEMU" -accel kvm -cpu host,-arch-capabilities -M q35 \
			-m 64M -smp "$2" -nodefaults -display none -no-reboot -serial stdio \
			-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
			-kernel "$IMAGE" -append "${args[*]}" &
	fi
	limited $!
}

# limited PID: waits for the run under timeout(1) that is PID and returns
# its status; a twentieth before its time limit (by the clock: each poll costs
# more than its sleep on a slow platform), the stacks of a run still going
# are kept in $tmp/stacks. migctl-vmm's own --timeout then prints where
# each vCPU was.
limited() {
	local stall=$((SECONDS + TIMEOUT - TIMEOUT / 20 - 1))

	: >"$tmp/stacks"
	while kill -0 "$1" 2>/dev/null && [ $SECONDS -lt $stall ]; do
		sleep 0.1
	done
	kill -0 "$1" 2>/dev/null && lib_stacks "$(vmm_pid "$1")" >"$tmp/stacks"
	wait "$1"
}

# The guest's verdict from the host's exit status: pass, skip or fail.
verdict() {	# host status
	case "${1%-sevsim}:$2" in
	vmm:0 | qemu:1) echo pass ;;
	vmm:4 | qemu:9) echo skip ;;
	*) echo fail ;;
	esac
}

# Checks the nested KTAP: plan met, no bail-out; prints a reason if not.
ktap_problem() {	# out
	local want got

	if grep -q '^Bail out!' "$1"; then
		grep -m1 '^Bail out!' "$1"
		return
	fi
	want=$(grep -m1 -E '^1\.\.[0-9]+' "$1" | sed 's/^1\.\.//; s/[^0-9].*//')
	got=$(grep -c -E '^(not )?ok [0-9]+' "$1")
	if [ -z "$want" ]; then
		echo "no KTAP plan in the guest's output"
	elif [ "$got" -ne "$want" ]; then
		echo "KTAP cut short: $got of $want results"
	fi
}

# For the elision run: the VMM saw no control-MSR access and no notification.
stats_problem() {	# err
	local line key

	line=$(grep -m1 '^# stats:' "$1") || { echo "no --stats line from migctl-vmm"; return; }
	for key in rdmsr_0x4b564d08 wrmsr_0x4b564d08 hypercalls wrmsr_0x4b564d40; do
		case " ${line#\# stats: } " in
		*" $key=0 "*) ;;
		*" $key="*) echo "$key is not 0: $line"; return ;;
		*) echo "$key missing: $line"; return ;;
		esac
	done
}

# The spec's verdict for an upstream guest on this host, by the
# interoperability table: no bit 17 (off, or v1 without the hypercall
# transport, H-15): not offered; bit 17 without version 1: its READY is
# refused; one CPU offline or a suspend withdraws READY for good (V-6); a
# refused reset marks the log unreliable (H-16, V-11); an entry starting
# inside a page is refused by KVM before the host sees it (V-12).
upstream_expect() {	# mode case map
	if [ "$1" = off ] || { [ "$1" = v1 ] && [ "$vmm_hc" = 0 ]; }; then
		echo "refuse: not offered"
	elif [ "$vmm_hc" = 0 ]; then
		echo "refuse: not READY"
	else
		case "$2:$3" in
		upstream-cpu-offline:* | upstream-suspend:*) echo "refuse: not READY" ;;
		*:past-ram) echo "refuse: may be stale" ;;
		*) echo migrate ;;
		esac
	fi
}

verdict_or_end() { grep -qs "upstream: verdict: " "$tmp/$1.out" || ended "$2"; }
line_or_end() { grep -qs "$3" "$tmp/$1.out" || ended "$2"; }

# Runs one vmm-upstream case and judges it: prints the nested KTAP, then
# sets $problem (empty: pass) and $status.
run_upstream() {	# name cpus mode case[:map]
	local name=$1 CPUS=$2 mode=$3 case=${4%%:*} map=vmm want got src dst code
	local sock="$tmp/$1.sock"

	[ "$4" != "$case" ] && map=${4#*:}
	want=$(upstream_expect "$mode" "$case" "$map")
	problem="" status=1
	vmm "$name" "${SEVSIM[@]}" --memory "$MEM" --cpus "$CPUS" --migctl "$mode" \
		--control "$sock" "$IMAGE" -- cpus="$CPUS" test="$case" upstream.map="$map" \
		upstream.verdict=1
	src=$last
	wait_until 600 verdict_or_end "$name" "$src"
	got=$(sed -n 's/.*# upstream: verdict: //p' "$tmp/$name.out" | head -n 1)
	echo "# $name: verdict of the guest: '${got:-none}', of the spec: '$want'"
	if [ "$got" != "$want" ]; then
		problem="the guest's verdict is '${got:-none}', the spec's '$want'"
	elif [ "$want" = migrate ]; then
		upstream_migrate "$name" "$mode" "$src"
	else
		upstream_refused "$name" "$mode" "$src" "${want#refuse: }"
	fi
	sed 's/^/  /' "$tmp/$name.out"
	[ -s "$tmp/$name-dst.out" ] && sed 's/^/  /' "$tmp/$name-dst.out"
	if [ -z "$problem" ]; then
		cat "$tmp/$name.out" "$tmp/$name-dst.out" 2>/dev/null >"$tmp/$name.all"
		problem=$(ktap_problem "$tmp/$name.all")
	fi
	[ -n "$problem" ] && tail -n 3 "$tmp/$name.err" "$tmp/$name-dst.err" 2>/dev/null |
		sed 's/^/# stderr: /'
	# Both VMMs end now whatever happened: a destination left waiting
	# would hold the wait below until its time limit.
	"$VMM" ctl "$sock" quit >/dev/null 2>&1
	"$VMM" ctl "$tmp/$name-dst.sock" quit >/dev/null 2>&1
	wait 2>/dev/null
}

# The migration must complete and the guest end on the destination with
# every checked page intact (its exit status).
upstream_migrate() {	# name mode src
	if ! wait_until 600 line_or_end "$1" "$3" "waiting for a migration"; then
		problem="the guest never waited for the migration"
		return
	fi
	dest "$1-dst" --migctl "$2"
	dst=$last
	wait_listen "$1-dst" || { problem="the destination does not listen"; return; }
	if ! migrate "$tmp/$1.sock" "$uri"; then
		problem="the host refused or failed a migration the spec allows: $reply"
		return
	fi
	wait_exit "$dst" "$TIMEOUT"
	status=$rc
	echo "# $1: migrated; the destination's guest ended with $status"
	[ "$status" = 0 ] || problem="the guest on the destination failed (exit status $status)"
}

# The source must refuse with the reason and run on; the guest then holds
# its exit code (scenario_park) until the driver quits it.
upstream_refused() {	# name mode src reason
	if ! wait_until 600 line_or_end "$1" "$3" "upstream: parked"; then
		problem="the guest did not stay up for the refusal"
		return
	fi
	dest "$1-dst" --migctl "$2"
	wait_listen "$1-dst" || { problem="the destination does not listen"; return; }
	if migrate "$tmp/$1.sock" "$uri"; then
		problem="the host migrated a VM the spec says it must refuse ($4)"
		return
	fi
	echo "# $1: refused: $(echo "$reply" | sed 's/.*"error":"\([^"]*\)".*/\1/')"
	case "$reply" in
	*"$4"*) ;;
	*) problem="the refusal does not say '$4': $reply"; return ;;
	esac
	running "$tmp/$1.sock" || { problem="the source does not run on after the refusal"; return; }
	code=$(sed -n 's/.*upstream: parked (exit code \([0-9]*\) held).*/\1/p' "$tmp/$1.out")
	status=${code:-1}
	[ "$status" = 0 ] || problem="the guest's checks failed (exit code ${code:-none})"
}

echo "KTAP version 1"
echo "1..$plan"
vmm_why=$(vmm_unusable)
[ -z "$vmm_why" ] && probe_vmm
echo "$selected" > "$tmp/runs"
while read -r name host cpus mode features glob; do
	[ -n "$name" ] || continue
	why=$(host_missing "$host")
	if [ -n "$why" ]; then
		ktap_result skip "$name" "$why"
		continue
	fi
	if [ ! -r "$IMAGE" ]; then
		ktap_result fail "$name" "guest image not built ($IMAGE)"
		continue
	fi
	if [ "$host" = vmm-upstream ]; then
		run_upstream "$name" "$cpus" "$mode" "$glob"
		if [ -n "$problem" ]; then ktap_result fail "$name" "$problem"
		else ktap_result ok "$name"; fi
		continue
	fi
	start=$(date +%s.%N)
	run_host "$host" "$cpus" "$mode" "$features" "$glob" </dev/null >"$tmp/out" 2>"$tmp/err"
	status=$?
	secs=$(echo "$(date +%s.%N) - $start" | bc 2>/dev/null || echo "?")
	sed 's/^/  /' "$tmp/out"
	echo "# $name: exit status $status after ${secs}s"
	if [ "$status" -eq 124 ] || [ "$status" -eq 137 ] || [ -s "$tmp/stacks" ] ||
		grep -q 'migctl-vmm: timeout:' "$tmp/err"; then
		sed 's/^/# stderr: /' "$tmp/err" | tail -n 60
		# Each vCPU's RIP (migctl-vmm's timeout report) in the image's symbols.
		sed -n 's/^  rip=\([0-9a-f]*\) .*/\1/p' "$tmp/err" | while read -r rip; do
			echo "# rip $rip: $(addr2line -f -e "$IMAGE" "0x$rip" 2>/dev/null | head -n 1)"
		done
		cat "$tmp/stacks"
		ktap_result fail "$name" "timeout after ${TIMEOUT}s: the guest hung"
		continue
	fi
	problem=$(ktap_problem "$tmp/out")
	[ -z "$problem" ] && [ "$glob" = elision ] && problem=$(stats_problem "$tmp/err")
	v=$(verdict "$host" "$status")
	if [ -n "$problem" ]; then
		sed 's/^/# stderr: /' "$tmp/err" | tail -n 5
		ktap_result fail "$name" "$problem"
	elif [ "$v" = skip ]; then
		ktap_result skip "$name" "the guest image skipped every scenario"
	elif [ "$v" = fail ]; then
		sed 's/^/# stderr: /' "$tmp/err" | tail -n 5
		ktap_result fail "$name" "the guest image failed (exit status $status)"
	else
		ktap_result ok "$name"
	fi
done < "$tmp/runs"
ktap_totals
ktap_exit
