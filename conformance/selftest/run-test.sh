#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# run-test.sh - tests migctl-conformance itself: roles, verdict lines, exit codes, --list, bad usage.
#
# KTAP on stdout; exit 0 pass, 1 fail. Runs conformance/run from the
# source tree on the build directory ${O:-build} (built by make).

set -u
# shellcheck source=scripts/ktap.sh
. "$(dirname "$0")/../../scripts/ktap.sh" || exit 1
cd "$(dirname "$0")/../.." || exit 1
export O=${O:-build}
RUN=conformance/run
VMM=${MIGCTL_VMM:-$O/vmm/migctl-vmm}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/migctl-run-test.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

# check NAME WANT-STATUS VERDICT-REGEX ARGS...: run, then judge the exit
# status, the verdict line and the closing totals line.
check() {
	local name=$1 want=$2 verdict=$3 status
	shift 3
	"$RUN" "$@" >"$tmp/out" 2>"$tmp/err"
	status=$?
	grep -E '^# verdict:' "$tmp/out"
	if [ "$status" -ne "$want" ]; then
		sed 's/^/# stderr: /' "$tmp/err" | tail -n 5
		ktap_result fail "$name" "exit status $status, expected $want"
	elif ! grep -q -E "^# verdict: $verdict" "$tmp/out"; then
		ktap_result fail "$name" "no verdict line matching '$verdict'"
	elif ! tail -n 1 "$tmp/out" | grep -q -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$'; then
		ktap_result fail "$name" "the last line is not 'N passed, N failed, N skipped'"
	elif [ "$(head -n 1 "$tmp/out")" != "KTAP version 1" ]; then
		ktap_result fail "$name" "output does not start with 'KTAP version 1'"
	else
		ktap_result ok "$name"
	fi
}

kvm_ok() { [ -r /dev/kvm ] && [ -w /dev/kvm ] && [ -x "$VMM" ]; }

echo "KTAP version 1"
echo "1..8"

check guest_role_passes 0 \
	'guest role \(migctl guest library, spec version [0-9]+\): PASS \([1-9][0-9]* passed, 0 failed' \
	--role guest

if kvm_ok; then
	check host_role_migctl_vmm_v2 0 \
		'host role \(migctl-vmm, spec version [0-9]+\): PASS \([1-9][0-9]* passed, 0 failed' \
		--role host --host migctl-vmm --filter 'vmm-v2*'
	check host_role_command_template 0 'host role \(.*\): PASS \(2 passed, 0 failed' \
		--role host --host "$VMM --cpus {cpus} --migctl v2 {image} -- {cmdline}"
else
	ktap_result skip host_role_migctl_vmm_v2 "/dev/kvm or migctl-vmm not available"
	ktap_result skip host_role_command_template "/dev/kvm or migctl-vmm not available"
fi

# A host whose guest reports a failed scenario: FAIL, exit status 1.
check failing_host_fails 1 'host role \(.*\): FAIL \(0 passed, 1 failed' \
	--role host --host 'printf "KTAP version 1\n1..1\nnot ok 1 ctl-invalid\n" # {image}'

# A host that prints no KTAP at all is a failure, never a pass.
check silent_host_fails 1 'host role \(.*\): FAIL' --role host --host 'true {image}'

# --list: every role, the guest cases and the host runs by name.
if "$RUN" --list >"$tmp/list" 2>&1 && grep -q '^guest guest-discovery disc\.v1_host$' "$tmp/list" &&
   grep -q '^host host-all vmm-v2-cpus1$' "$tmp/list" && grep -q '^vmm ' "$tmp/list"; then
	echo "# --list: $(grep -c . "$tmp/list") lines"
	ktap_result ok list_names_tests_of_every_role
else
	head -n 5 "$tmp/list" | sed 's/^/# /'
	ktap_result fail list_names_tests_of_every_role "--list lacks guest, host or vmm tests"
fi

# --filter narrows: only matching cases are listed and run.
if "$RUN" --list --role guest --filter 'disc.v1_host' >"$tmp/list" 2>&1 &&
   [ "$(cat "$tmp/list")" = "guest guest-discovery disc.v1_host" ]; then
	ktap_result ok filter_narrows_by_name
else
	ktap_result fail filter_narrows_by_name "--filter disc.v1_host listed: $(head -c 200 "$tmp/list")"
fi

# Bad usage: exit status 2 and a message, no KTAP.
bad=""
for args in "--role nonsense" "--bogus" "--host no-placeholder" "--role guest --host qemu"; do
	# shellcheck disable=SC2086
	"$RUN" $args >"$tmp/out" 2>"$tmp/err"
	status=$?
	if [ "$status" -ne 2 ] || [ ! -s "$tmp/err" ] || [ -s "$tmp/out" ]; then
		bad="$bad '$args' (exit status $status)"
	fi
done
[ -z "$bad" ] && ktap_result ok bad_usage_exits_2 || ktap_result fail bad_usage_exits_2 "not refused:$bad"

ktap_totals
ktap_exit
