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
#       workload runs there, and the guest ends the destination's VM
#       through the exit port (migctl-exit: iopl(3), outb to 0xf4 from
#       user mode) with status 0.
#   live_migration_status_log_convert_opt_out
#       the same guest loads the module (v2: all RAM private, its list
#       page shared) before the move and converts two ranges to shared
#       through debugfs: the source's status log (query-status-log on the
#       control socket, from 1 MiB on) holds exactly those shared runs and
#       the list page, and so does the destination's after the move. After
#       the move the guest converts again (a third range shared, part of
#       the first back to private) and opts out through debugfs:
#       the destination's log holds the new runs and its query-status
#       says not READY, control 0; its --stats count the protocol exits.
#       Skipped when the module is not built (make linux-module).
#
# Migration total time, downtime and protocol exits are diagnostics
# ('# ...'), never conditions. Needs a standard KVM (make linux-check and
# make check run this through scripts/kvm-run); every time limit scales
# with MIGCTL_SLOW.
#
# Environment: as conformance/linux/suite.sh says, and
# MIGCTL_LINUX_WORK_SECS (seconds memverify runs: default 10, 100 when
# MIGCTL_SLOW > 1; it must outlast the migration), MIGCTL_VMM_DOWNTIME_MS.
set -u

# shellcheck source=suite.sh
. "$(dirname "${BASH_SOURCE[0]}")/suite.sh"

CASES=(live_migration_2cpus_workload_0_errors live_migration_status_log_convert_opt_out)
suite_start

WORK_SECS=${MIGCTL_LINUX_WORK_SECS:-$(by_platform 10 100)}
WORK_MIB=$(by_platform 32 2)
# Where each byte moved costs 20 times more, the source's downtime target
# scales as lib.sh's does, so that a guest that never stops writing still
# converges; init_on_free=1 leaves the pages the kernel freed (its
# decompression, the initramfs) zero, which the stream sends as such.
DOWNTIME_MS=${MIGCTL_VMM_DOWNTIME_MS:-$(by_platform 300 $((300 * SLOW)))}
# The guest converts at CONV (GPA; gfn CONV_GFN) before and after the move.
CONV=0x4000000
CONV_GFN=$((CONV >> 12))
HOLD=$(by_platform 3 15)	# seconds the guest waits after its opt-out
# The shared runs ("[GFN,NPAGES]" each, by GFN) the guest sets before and
# after the move, besides the module's list page (all the rest private).
SET_BEFORE="$CONV_GFN,16 $((CONV_GFN + 256)),4"
SET_AFTER="$((CONV_GFN + 4)),12 $((CONV_GFN + 256)),4 $((CONV_GFN + 512)),8"
HAVE_MODULE=0
[ -r "$MODULE" ] && HAVE_MODULE=1

# log_shared SOCKET: the shared runs of the status log behind SOCKET from
# 1 MiB on, "[GFN,NPAGES]" each, or "?" and the reply when the list is not
# whole. (Below 1 MiB the pages the guest's memory map reserves, which its
# reset leaves alone, stay as the log began: shared.)
log_shared() {
	local r
	r=$("$VMM" ctl "$1" '{"cmd":"query-status-log","from_gfn":256}' 2>&1)
	case "$r" in *'"next_gfn":null}}'*) ;; *) echo "? $r"; return ;; esac
	echo "$r" | grep -o '\[[0-9]*,[0-9]*,"shared"\]' | sed 's/,"shared"//' | tr -d '\n'
}

# expect_shared RUNS: "[GFN,NPAGES]" for each "GFN,NPAGES" of RUNS and the
# list page the source's guest named, in GFN order.
expect_shared() {
	local lp
	lp=$(field src 'mig-before ' list_page)
	[[ $lp == 0x[0-9a-f]* ]] || lp=0
	# shellcheck disable=SC2086
	printf '%s\n' $1 "$((lp >> 12)),1" | sort -t, -k1,1n | sed 's/.*/[&]/' | tr -d '\n'
}

# Case 1 and 2: live migration of the running guest, 2 vCPUs, over TCP
# with the key; with the module, conversions and an opt-out around it.
migration_case() {
	local name=live_migration_2cpus_workload_0_errors log=live_migration_status_log_convert_opt_out
	local src dst start ms stats why='' mod_args=() st log_before log_after
	[ $HAVE_MODULE = 1 ] && mod_args=("mc.conv=$CONV" "mc.hold=$HOLD")
	start=$(now_ms)
	linux src --cpus 2 --control "$sock/src.sock" --downtime-ms "$DOWNTIME_MS" -- \
		init_on_free=1 mc.case=migrate mc.mib="$WORK_MIB" mc.secs="$WORK_SECS" "${mod_args[@]}"
	src=$last
	next_port
	vmm dst --incoming "tcp:127.0.0.1:$port" --memory "$MEM" --cpus 2 --stats \
		--control "$sock/dst.sock"
	dst=$last
	if ! wait_line src 'memverify: t=' "$(by_platform 30 150)"; then
		fail_with src "$name" "memverify did not start on the source"
		ok "$log" "the guest did not start its workload"
		return
	fi
	ms=$(($(now_ms) - start))
	diag "source: init at $(marker src 'init uptime=') s of guest uptime, the workload running $ms ms after start"
	if [ $HAVE_MODULE = 1 ]; then
		diag "source: mig-before $(marker src 'mig-before ')"
		log_before=$(expect_shared "$SET_BEFORE")
		log_after=$(expect_shared "$SET_AFTER")
		st=$(log_shared "$sock/src.sock")
		[ "$st" = "$log_before" ] ||
			why="the source's status log: shared runs '$st', the guest set '$log_before'"
	fi
	if ! wait_listen dst; then
		fail_with dst "$name" "the destination does not listen"
		ok "$log" "no migration"
		return
	fi
	if ! migrate "$sock/src.sock" "tcp:127.0.0.1:$port"; then
		fail_with src "$name" "migrate: $reply"
		ok "$log" "no migration"
		return
	fi
	stats=$(echo "$reply" | sed 's/.*"stats"://; s/}}$/}/')
	diag "migration: total $(json_num total_ms "$stats") ms, downtime $(json_num downtime_ms "$stats") ms, $(json_num bytes "$stats") bytes, $(json_num rounds "$stats") rounds"
	if [ $HAVE_MODULE = 1 ] && [ -z "$why" ]; then
		st=$(log_shared "$sock/dst.sock")
		[ "$st" = "$log_before" ] ||
			why="the destination's status log after the move: shared runs '$st', the guest set '$log_before'"
	fi
	wait_exit "$src" 30
	if [ $HAVE_MODULE = 1 ] && [ -z "$why" ]; then
		# The workload ends WORK_SECS after it started; then the guest
		# converts, opts out and holds HOLD seconds for this look.
		if ! wait_line dst 'migctl-linux: mig-out ' $((WORK_SECS / SLOW + 30)); then
			why="the guest did not convert and opt out after the move"
		else
			st=$(log_shared "$sock/dst.sock")
			reply=$("$VMM" ctl "$sock/dst.sock" query-status 2>&1)
			diag "destination: mig-after $(marker dst 'mig-after ')"
			diag "destination: mig-out $(marker dst 'mig-out ')"
			diag "destination: query-status $reply"
			if [ "$st" != "$log_after" ]; then
				why="the destination's status log after the guest's conversions: shared runs '$st', the guest set '$log_after'"
			elif [[ $reply != *'"ready":false,"control":"0"'* ]]; then
				why="the destination does not see the guest's opt-out: $reply"
			fi
		fi
	fi
	# The workload ends WORK_SECS after it started, the rest soon after.
	wait_line dst 'migctl-linux: exit ' $((WORK_SECS / SLOW + 30))
	wait_exit "$dst" 10
	tr -d '\r' <"$tmp/dst.out" | sed -n 's/.*migctl-linux: //p' | grep -v '^memverify: t=' |
		sed 's/^/# destination: /'
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
	elif [ "$rc" = timeout ]; then
		fail_with dst "$name" "the guest's exit-port write ($(marker dst 'exit ')) did not end the destination's VM"
	elif [ "$rc" != 0 ]; then
		fail_with dst "$name" "the destination's guest ended with $rc"
	else
		ok "$name"
	fi
	if [ $HAVE_MODULE = 0 ]; then
		ok "$log" "no $MODULE (make linux-module; package linux-headers-amd64)"
	elif [ -n "$why" ]; then
		fail_with dst "$log" "$why"
	elif [ "$(stat_sum dst)" = 0 ]; then
		fail_with dst "$log" "the destination's --stats count no protocol access"
	else
		ok "$log"
	fi
}

# shellcheck disable=SC2053
if [[ live_migration_2cpus_workload_0_errors == ${MIGCTL_LINUX_CASES:-*} ||
	live_migration_status_log_convert_opt_out == ${MIGCTL_LINUX_CASES:-*} ]]; then
	migration_case
else
	for c in "${CASES[@]}"; do ok "$c" "not in MIGCTL_LINUX_CASES"; done
fi
finish
