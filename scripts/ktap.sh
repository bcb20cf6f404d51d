# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# ktap.sh - KTAP result lines, totals and kselftest exit codes for the shell tests (sourced).
#
#	. "$(dirname "$0")/../../scripts/ktap.sh"
#	echo "KTAP version 1"; echo "1..2"
#	ktap_result ok first_case
#	ktap_result skip second_case "why it cannot run here"
#	ktap_totals; ktap_exit
#
# A failure's reason follows its "not ok" line as "# NAME: WHY". A program
# that cannot run (some of) its cases still prints its whole plan and one
# result per planned case, so that every case counts as skipped:
#
#	echo "KTAP version 1"; echo "1..3"
#	[ -r /dev/kvm ] || ktap_skip_all 3 "no /dev/kvm" boots migrates resumes
# shellcheck shell=bash

ktap_n=0 ktap_failed=0 ktap_skipped=0

ktap_result() {	# ok|skip|fail NAME [WHY]
	ktap_n=$((ktap_n + 1))
	case $1 in
	ok) echo "ok $ktap_n $2" ;;
	skip) ktap_skipped=$((ktap_skipped + 1)); echo "ok $ktap_n $2 # SKIP ${3:-}" ;;
	*) ktap_failed=$((ktap_failed + 1)); echo "not ok $ktap_n $2"
	   [ -n "${3:-}" ] && echo "# $2: $3" ;;
	esac
	return 0
}

ktap_totals() {
	echo "# Totals: pass:$((ktap_n - ktap_failed - ktap_skipped)) fail:$ktap_failed" \
		"xfail:0 xpass:0 skip:$ktap_skipped error:0"
}

# kselftest's codes: 1 any failed, 4 every case skipped, else 0.
ktap_exit() {
	[ "$ktap_failed" -gt 0 ] && exit 1
	[ "$ktap_n" -gt 0 ] && [ "$ktap_skipped" -eq "$ktap_n" ] && exit 4
	exit 0
}

# Every planned case without a result yet is skipped for WHY; the NAMEs
# name them in order ("not_run" when they run out). Then the totals and
# the exit: 4 when nothing passed or failed before.
ktap_skip_all() {	# PLAN WHY [NAME...]
	local plan=$1 why=$2

	shift 2
	while [ "$ktap_n" -lt "$plan" ]; do
		ktap_result skip "${1:-not_run}" "$why"
		[ $# -gt 0 ] && shift
	done
	ktap_totals
	ktap_exit
}
