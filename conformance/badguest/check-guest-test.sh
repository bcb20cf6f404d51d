#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# check-guest-test.sh - migctl-vmm --check-guest flags each bad guest image by its G-ID, passes the good ones.
#
# Each bad image (conformance/badguest, one tiny PVH kernel on the guest
# library with one mistake built in) runs under `migctl-vmm --check-guest`
# in the mode where its mistake shows; the case passes when the VMM exits
# 1, the expected rule's case is "not ok" and every other rule's case is
# "ok". The good images (the good kernel in off, v1 and v2; the conformance
# image's kexec and sev-sim migration-workload scenarios) must exit 0 with
# every case ok. Two cases run migctl-conformance --role guest --guest end
# to end. KTAP on stdout, kselftest exit codes.
#
# Skips every case, saying why, when migctl-vmm cannot run a VM here.
#
# Environment: O (build directory; default: the one this script was
# installed in by make, else "build"), MIGCTL_VMM, MIGCTL_CONFORMANCE (the
# migctl-conformance to run; default the source tree's conformance/run),
# MIGCTL_CHECK_GUEST_FILTER (glob on case names), MIGCTL_SLOW (time limits
# times this factor, as in conformance/vmm/lib.sh).

set -u

here=$(cd "$(dirname "$0")" && pwd)
# O, VMM, SLOW, scaled(), vmm_unusable(), skip_all(), $tmp and
# scripts/ktap.sh, shared with the vmm-role suites.
# shellcheck source-path=SCRIPTDIR source=../vmm/lib.sh
. "$here/../vmm/lib.sh" || exit 1
IMAGES=$O/conformance/badguest
TEST_IMAGE=$O/conformance/guest-image/migctl-test.elf
CONF=${MIGCTL_CONFORMANCE:-}
if [ -z "$CONF" ]; then
	for c in "$here/../../../conformance/run" "$O/../conformance/run"; do
		[ -x "$c" ] && { CONF=$c; break; }
	done
fi
FILTER=${MIGCTL_CHECK_GUEST_FILTER:-*}
LIMIT=$(scaled 60)	# seconds per run; each takes well under one here

# name, image, --migctl mode, the rule expected to fail ("-": none), extra
# VMM options ("-": none) and the guest command line ("-": none).
CASES="
good-off good.elf off - - -
good-v1 good.elf v1 - - -
good-v2 good.elf v2 - - -
testimage-kexec-v2 @migctl-test.elf v2 - - test=kexec
testimage-migrate-v2 @migctl-test.elf v2 - --sev-sim,--cpus,2 cpus=2,test=migrate,migrate.iters=200
# Covers: G-3
bad-ctl-without-bit17 bad-ctl-without-bit17.elf off G-3 - -
# Covers: G-5
bad-psc-not-offered bad-psc-not-offered.elf v1 G-5 - -
# Covers: G-6
bad-reserved-bits bad-reserved-bits.elf v2 G-6 - -
# Covers: G-7
bad-no-read-back bad-no-read-back.elf v2 G-7 - -
# Covers: G-9
bad-repeat-error bad-repeat-error.elf v2 G-9 - -
# Covers: G-11
bad-no-opt-out bad-no-opt-out.elf v2 G-11 - -
# Covers: G-13
bad-opt-in-before-reset bad-opt-in-before-reset.elf v2 G-13 - -
bad-reset-while-ready bad-reset-while-ready.elf v2 G-13 - -
# Covers: G-14
bad-bad-request bad-bad-request.elf v2 G-14 - -
# Covers: G-16
bad-unaccepted-feature bad-unaccepted-feature.elf v2 G-16 - -
"

# judge NAME OUT RC WANT: the checker's KTAP in file OUT against the expectation.
judge() {
	local name=$1 out=$2 rc=$3 want=$4 plan bad cases
	plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$out" | head -1)
	cases=$(grep -cE '^(not )?ok [0-9]+ G-[0-9]+ ' "$out")
	bad=$(sed -n 's/^not ok [0-9]* \(G-[0-9]*\) .*/\1/p' "$out" | tr '\n' ' ' | sed 's/ $//')
	if [ -z "$plan" ] || [ "$cases" != "$plan" ]; then
		why="KTAP cut short: $cases of ${plan:-no plan} cases (exit status $rc)"
	elif [ "$want" = - ] && { [ "$rc" != 0 ] || [ -n "$bad" ]; }; then
		why="a good guest was judged guilty of '${bad:-?}' (exit status $rc)"
	elif [ "$want" != - ] && [ "$rc" != 1 ]; then
		why="exit status $rc, expected 1 for a violation of $want"
	elif [ "$want" != - ] && [ "$bad" != "$want" ]; then
		why="failed rules '${bad:-none}', expected exactly $want"
	else
		return 0
	fi
	ktap_result fail "$name" "$why"
	sed 's/^/#   /' "$out"
	return 1
}

# run_case NAME IMAGE MODE WANT OPTS CMDLINE (OPTS and CMDLINE comma-separated)
run_case() {
	local name=$1 image=$2 mode=$3 want=$4 opts=() cmd=() rc
	case "$image" in
	@*) image=$(dirname "$TEST_IMAGE")/${image#@} ;;
	*) image=$IMAGES/$image ;;
	esac
	[ "$5" != - ] && IFS=, read -r -a opts <<<"$5"
	[ "$6" != - ] && IFS=, read -r -a cmd <<<"$6"
	if [ ! -e "$image" ]; then
		ktap_result skip "$name" "no image $image (run make)"
		return
	fi
	timeout -k 5 $LIMIT "$VMM" --check-guest --migctl "$mode" --timeout $LIMIT "${opts[@]}" \
		"$image" ${cmd[@]+--} "${cmd[@]}" >"$tmp/$name.out" 2>"$tmp/$name.err"
	rc=$?
	judge "$name" "$tmp/$name.out" "$rc" "$want" && ktap_result ok "$name"
}

# migctl-conformance --role guest --guest IMAGE, only the check-guest suites.
# Covers: G-11
conformance_case() {
	local name=$1 image=$IMAGES/$2 want=$3 rc verdict
	if [ -z "$CONF" ]; then
		ktap_result skip "$name" "migctl-conformance not found (set MIGCTL_CONFORMANCE)"
		return
	fi
	O=$O MIGCTL_VMM=$VMM "$CONF" --role guest --guest "$image" --filter 'guest-check-*' \
		>"$tmp/$name.out" 2>&1
	rc=$?
	verdict=$(sed -n 's/^# verdict: guest role .*): \([A-Z]*\) .*/\1/p' "$tmp/$name.out")
	if [ "$want" = - ] && [ "$rc" = 0 ] && [ "$verdict" = PASS ]; then
		ktap_result ok "$name"
	elif [ "$want" != - ] && [ "$rc" = 1 ] && [ "$verdict" = FAIL ] &&
	     grep -qE "^  not ok [0-9]+ $want " "$tmp/$name.out"; then
		ktap_result ok "$name"
	else
		ktap_result fail "$name" "exit status $rc, verdict '${verdict:-none}', expected $(
			[ "$want" = - ] && echo "0 and PASS" || echo "1, FAIL and $want not ok")"
		sed 's/^/#   /' "$tmp/$name.out"
	fi
}

selected() { case "$1" in $FILTER) return 0 ;; esac; return 1; }

rows=$(echo "$CASES" | grep -v '^#' | grep .)
conf_rows="conformance-good good.elf -
conformance-bad bad-no-opt-out.elf G-11"
names=()
while read -r name _; do selected "$name" && names+=("$name"); done <<<"$rows
$conf_rows"

echo "KTAP version 1"
reason=$(vmm_unusable)
[ -n "$reason" ] && skip_all "$reason" "${names[@]}"
echo "1..${#names[@]}"
while read -r name image mode want opts cmdline; do
	selected "$name" && run_case "$name" "$image" "$mode" "$want" "$opts" "$cmdline"
done <<<"$rows"
while read -r name image want; do
	selected "$name" && conformance_case "$name" "$image" "$want"
done <<<"$conf_rows"

ktap_totals
ktap_exit
