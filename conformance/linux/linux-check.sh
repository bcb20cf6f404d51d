#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# linux-check.sh - the Linux guest suite: the distribution's kernel on migctl-vmm, with and without the module.
#
# Each case boots the stock kernel (/boot/vmlinuz-*, linux-image-amd64)
# with the suite's initramfs (conformance/linux/suite.sh) whose /init
# runs the case the kernel command line names and ends the VM through the
# exit port. Its lines reach COM1 through the kernel's console.
#
#   no_module_<mode>_boots_without_protocol_access
#       off, v1, v2: the stock kernel without the module boots to init,
#       and migctl-vmm's --stats count no protocol access (control MSR
#       reads and writes, PSC MSR writes, hypercalls): a guest that does
#       not opt in is never charged by the host for the feature.
#   module_v2_ready_version_2, module_unload_and_load_again,
#   module_cpu1_offline_and_online, module_conversions_coalesced,
#   module_v2_check_guest_no_rule_broken
#       one v2 boot with guest/linux's module: READY at version 2 from
#       debugfs, rmmod and insmod again, CPU 1 offline and online, 64-page
#       conversions through debugfs (contiguous: 1 call; strided: one list
#       call per batch of 32; random order: no more than strided), an
#       opt-out before the power-off (G-11), and --check-guest over the
#       whole trace finding no guest rule broken.
#
# Boot time and protocol exits are diagnostics ('# ...'), never
# conditions. Needs a standard KVM (make linux-check and make check run
# this through scripts/kvm-run); every time limit scales with MIGCTL_SLOW.
# The live migration of a Linux guest is linux-migrate.sh's.
#
# Environment: as conformance/linux/suite.sh says.
set -u

# shellcheck source=suite.sh
. "$(dirname "${BASH_SOURCE[0]}")/suite.sh"

MODES=(off v1 v2)
CASES=()
for m in "${MODES[@]}"; do CASES+=("no_module_${m}_boots_without_protocol_access"); done
MODULE_CASES=(module_v2_ready_version_2 module_unload_and_load_again module_cpu1_offline_and_online
	module_conversions_coalesced module_v2_check_guest_no_rule_broken)
CASES+=("${MODULE_CASES[@]}")
suite_start

# Case 1: no module, each mode: boots to init, no protocol access.
no_module_case() {
	local mode=$1 name=no_module_${1}_boots_without_protocol_access start ms n
	start=$(now_ms)
	linux "boot-$mode" --migctl "$mode" --cpus 1 -- mc.case=boot
	wait_exit "$last" "$(by_platform 30 10)"
	ms=$(($(now_ms) - start))
	diag "$mode: init at $(marker "boot-$mode" 'init uptime=') s of guest uptime, migctl-vmm ran $ms ms"
	diag "$mode: $(sed -n 's/^# stats: //p' "$tmp/boot-$mode.err" | cut -d' ' -f1-8)"
	if [ "$rc" != 0 ] || ! grep -q 'migctl-linux: done' "$tmp/boot-$mode.out"; then
		fail_with "boot-$mode" "$name" "migctl-vmm exit $rc, init did not finish"
		return
	fi
	n=$(stat_sum "boot-$mode")
	if [ -z "$n" ]; then
		fail_with "boot-$mode" "$name" "no '# stats:' line from --stats"
	elif [ "$n" != 0 ]; then
		fail_with "boot-$mode" "$name" "$n protocol accesses by a kernel without the module"
	else
		ok "$name"
	fi
}

for m in "${MODES[@]}"; do
	want "no_module_${m}_boots_without_protocol_access" && no_module_case "$m"
done

# result CASE WHY: ok without WHY, else not ok with the console's end.
mod_result() {
	if [ -n "$2" ]; then fail_with mod-con "$1" "$2"; else ok "$1"; fi
}

# Case 3: the module in v2, one boot: state, unload and load, CPU 1
# offline and online, conversions, and --check-guest over the whole trace.
module_case() {
	local c why start ms
	start=$(now_ms)
	: >"$tmp/mod-con.err"
	linux mod --migctl v2 --cpus 2 --check-guest --serial "$tmp/mod-con.out" -- \
		mc.case=module mc.full=1 mc.conv=0x4000000
	wait_exit "$last" "$(by_platform 30 10)"
	ms=$(($(now_ms) - start))
	tr -d '\r' <"$tmp/mod-con.out" | sed -n 's/.*migctl-linux: //p' | grep -v '^memverify' |
		sed 's/^/# guest: /'
	diag "module boot: migctl-vmm ran $ms ms, exit $rc; $(sed -n 's/^# stats: //p' "$tmp/mod.err" | cut -d' ' -f1-8)"
	why=
	[ "$(field mod-con 'loaded ' state)" = ready ] && [ "$(num mod-con 'loaded ' version)" = 2 ] ||
		why="after insmod: state $(field mod-con 'loaded ' state), version $(num mod-con 'loaded ' version), not ready, 2 (v2 preferred)"
	mod_result module_v2_ready_version_2 "$why"
	why=
	[ "$(num mod-con 'unloaded' debugfs)" = 0 ] || why="debugfs still has the module's files after rmmod"
	[ -z "$why" ] && { [ "$(field mod-con reloaded state)" = ready ] || why="after the second insmod: state $(field mod-con reloaded state)"; }
	mod_result module_unload_and_load_again "$why"
	why=
	[ "$(field mod-con 'cpu1 offline' online)" = 0 ] || why="CPU 1 did not go offline: online $(field mod-con 'cpu1 offline' online)"
	[ -z "$why" ] && { [ "$(field mod-con 'cpu1 online' online)" = 0-1 ] || why="CPU 1 did not come back"; }
	[ -z "$why" ] && { [ "$(field mod-con cpu1-online state)" = ready ] || why="state $(field mod-con cpu1-online state) after CPU 1 came back"; }
	mod_result module_cpu1_offline_and_online "$why"
	why=
	for c in contiguous strided random; do
		diag "convert $c: requests $(num mod-con "convert $c" requests), list calls $(num mod-con "convert $c" list_calls), hypercalls $(num mod-con "convert $c" hypercalls), PSC writes $(num mod-con "convert $c" psc_writes), errors $(num mod-con "convert $c" errors)"
		[ "$(num mod-con "convert $c" requests)" = 64 ] && [ "$(num mod-con "convert $c" errors)" = 0 ] ||
			why="convert $c: not 64 requests without error"
	done
	# 64 adjacent pages are one run, one call; 64 apart are 64 runs, a
	# list call per full batch of 32 (MIGCTL_GUEST_BATCH_MAX); in random
	# order adjacent pages merge too: never more calls than strided.
	[ -z "$why" ] && { [ "$(num mod-con 'convert contiguous' hypercalls)" = 1 ] || why="contiguous: $(num mod-con 'convert contiguous' hypercalls) hypercalls, not 1"; }
	[ -z "$why" ] && { [ "$(num mod-con 'convert strided' list_calls)" = 2 ] || why="strided: $(num mod-con 'convert strided' list_calls) list calls, not 2"; }
	[ -z "$why" ] && { c=$(num mod-con 'convert random' hypercalls); [ "${c:-0}" -ge 1 ] && [ "$c" -le 2 ] || why="random: $c hypercalls, not 1 or 2"; }
	mod_result module_conversions_coalesced "$why"
	why=
	sed 's/^/# check-guest: /' "$tmp/mod.out" | grep -v '^# check-guest: # guest:' | tail -n 30
	if ! grep -q '^ok ' "$tmp/mod.out"; then
		why="--check-guest judged no rule (exit $rc)"
	elif grep -q '^not ok ' "$tmp/mod.out"; then
		why="--check-guest: $(grep -m1 '^not ok ' "$tmp/mod.out")"
	elif [ "$rc" != 0 ]; then
		why="migctl-vmm --check-guest exit $rc"
	fi
	mod_result module_v2_check_guest_no_rule_broken "$why"
}

if [ ! -r "$MODULE" ]; then
	for c in "${MODULE_CASES[@]}"; do ok "$c" "no $MODULE (make linux-module; package linux-headers-amd64)"; done
elif [[ module_ == ${MIGCTL_LINUX_CASES:-*} ]]; then
	module_case
else
	for c in "${MODULE_CASES[@]}"; do ok "$c" "not in MIGCTL_LINUX_CASES"; done
fi
finish
