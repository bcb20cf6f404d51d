#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# linux-migrate.sh - the Linux guest suite's live migration: a running stock kernel moved between two migctl-vmm.
#
# Each case boots the stock kernel (/boot/vmlinuz-*, linux-image-amd64)
# with the suite's initramfs (conformance/linux/suite.sh) whose /init
# runs the case the kernel command line names and ends the VM through the
# exit port. Its lines reach COM1 through the kernel's console.
#
#   live_migration_2cpus_workload_0_errors
#       a 2-vCPU guest whose memverify rewrites and verifies pages
#       throughout migrates over TCP (pre-shared key) between two
#       migctl-vmm; on the destination memverify goes on and ends with 0
#       errors, the console goes on (markers after arrival), a second
#       workload runs there, and the guest's own exit status is 0. (On
#       the emulated standard KVM migctl-exit's exit-port write does not
#       end the destination's VM; the case then ends it through the
#       control socket and says so.)
#
# Migration total time, downtime and protocol exits are diagnostics
# ('# ...'), never conditions. Needs a standard KVM (make linux-check and
# make check run this through scripts/kvm-run); every time limit scales
# with MIGCTL_SLOW.
#
# Environment: as conformance/linux/suite.sh says, and
# MIGCTL_LINUX_WORK_SECS (seconds memverify runs: default 10, 150 when
# MIGCTL_SLOW > 1; it must outlast the migration), MIGCTL_VMM_DOWNTIME_MS.
set -u

# shellcheck source=suite.sh
. "$(dirname "${BASH_SOURCE[0]}")/suite.sh"

CASES=(live_migration_2cpus_workload_0_errors)
suite_start

WORK_SECS=${MIGCTL_LINUX_WORK_SECS:-$(by_platform 10 150)}
WORK_MIB=$(by_platform 32 2)
# Where each byte moved costs 20 times more, the source's downtime target
# scales as lib.sh's does, so that a guest that never stops writing still
# converges; init_on_free=1 leaves the pages the kernel freed (its
# decompression, the initramfs) zero, which the stream sends as such.
DOWNTIME_MS=${MIGCTL_VMM_DOWNTIME_MS:-$(by_platform 300 $((300 * SLOW)))}

# Case 2: live migration of the running guest, 2 vCPUs, over TCP with the key.
migration_case() {
	local name=live_migration_2cpus_workload_0_errors src dst start ms stats
	start=$(now_ms)
	linux src --cpus 2 --control "$sock/src.sock" --downtime-ms "$DOWNTIME_MS" -- \
		init_on_free=1 mc.case=migrate mc.mib="$WORK_MIB" mc.secs="$WORK_SECS"
	src=$last
	next_port
	vmm dst --incoming "tcp:127.0.0.1:$port" --memory "$MEM" --cpus 2 --stats \
		--control "$sock/dst.sock"
	dst=$last
	if ! wait_line src 'memverify: t=' 60; then
		fail_with src "$name" "memverify did not start on the source"
		return
	fi
	ms=$(($(now_ms) - start))
	diag "source: init at $(marker src 'init uptime=') s of guest uptime, the workload running $ms ms after start"
	if ! wait_listen dst; then
		fail_with dst "$name" "the destination does not listen"
		return
	fi
	if ! migrate "$sock/src.sock" "tcp:127.0.0.1:$port"; then
		fail_with src "$name" "migrate: $reply"
		return
	fi
	stats=$(echo "$reply" | sed 's/.*"stats"://; s/}}$/}/')
	diag "migration: total $(json_num total_ms "$stats") ms, downtime $(json_num downtime_ms "$stats") ms, $(json_num bytes "$stats") bytes, $(json_num rounds "$stats") rounds"
	wait_exit "$src" 30
	# The workload ends WORK_SECS after it started, the rest soon after.
	wait_line dst 'migctl-linux: exit ' $((WORK_SECS / SLOW + 30))
	if ! wait_exit "$dst" 2; then
		# Seen on the emulated standard KVM: migctl-exit's write to the
		# exit port does not end the destination's VM; the guest said how
		# it ended, the control socket ends the VM.
		diag "destination: $(marker dst 'exit port: ' || true) the exit port did not end the VM: quit"
		"$VMM" ctl "$sock/dst.sock" quit >/dev/null 2>&1
		wait_exit "$dst" 2
		rc=$(marker dst 'exit ')
	fi
	tr -d '\r' <"$tmp/dst.out" | sed -n 's/.*migctl-linux: //p' | sed 's/^/# destination: /'
	diag "destination: $(sed -n 's/^# stats: //p' "$tmp/dst.err" | cut -d' ' -f1-8)"
	if grep -q 'memverify: done' "$tmp/src.out"; then
		fail_with src "$name" "memverify ended before the migration did: raise MIGCTL_LINUX_WORK_SECS ($WORK_SECS)"
	elif ! grep -q 'migctl-linux: memverify: t=' "$tmp/dst.out"; then
		fail_with dst "$name" "no memverify progress on the destination"
	elif ! grep -q 'migctl-linux: memverify: done .* errors=0' "$tmp/dst.out"; then
		fail_with dst "$name" "memverify on the destination: $(marker dst 'memverify: done')"
	elif ! grep -q 'migctl-linux: after uptime=' "$tmp/dst.out" ||
		! grep -q 'migctl-linux: memverify again status=0' "$tmp/dst.out"; then
		fail_with dst "$name" "the guest did not go on working after the move"
	elif [ "$rc" != 0 ]; then
		fail_with dst "$name" "the destination's guest ended with $rc"
	else
		ok "$name"
	fi
}

want live_migration_2cpus_workload_0_errors && migration_case

want live_migration_2cpus_workload_0_errors && migration_case
finish
