#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# selftest.sh - the conformance suite proves its power: each fault-switch variant must be caught.
#
# For every line of conformance/selftest/variants: build the variant with
# `make O=$O-fault/<name> FAULT=<NAME> conformance-<role>-bins` (only what
# the role's run needs), run migctl-conformance's suite of that role
# against it, and judge: caught when the run fails and at least one
# failing test covers a rule the switch breaks (by the tests' Covers:
# lines, through scripts/spec-check --covers-of). KTAP on stdout, one case
# per variant; exit 0 when every variant is caught, 1 otherwise.
#
# Usage: selftest.sh [--role ROLE[,ROLE]] [--build-only] [NAME...]
#   (default: every variant). --role keeps the variants of those roles;
#   --build-only builds them and runs nothing (make check builds the host
#   and vmm variants here, then runs them on a standard KVM, where the
#   builds are up to date).
# Environment: O (the normal build, default build; its runner, image and
# driver are used for the host and vmm roles), MIGCTL_SELFTEST_JOBS (make
# -j, default: the number of CPUs), MIGCTL_SELFTEST_TABLE (another table),
# MIGCTL_SELFTEST_HOPS (migrations of the vmm variants' migrate-tcp, default 8).

set -u
cd "$(dirname "$0")/../.." || exit 1
O=${O:-build}
JOBS=${MIGCTL_SELFTEST_JOBS:-$(nproc 2>/dev/null || echo 2)}
TABLE=${MIGCTL_SELFTEST_TABLE:-conformance/selftest/variants}
RUN=conformance/run

tmp=$(mktemp -d "${TMPDIR:-/tmp}/migctl-selftest.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

roles=
build_only=0
while [ $# -gt 0 ]; do
	case $1 in
	--role) roles=${2//,/ }; shift 2 ;;
	--build-only) build_only=1; shift ;;
	*) break ;;
	esac
done

variants=$(grep -v -E '^[[:space:]]*(#|$)' "$TABLE")
if [ -n "$roles" ]; then
	variants=$(echo "$variants" | while read -r name role rest; do
		case " $roles " in *" $role "*) echo "$name $role $rest" ;; esac
	done)
fi
if [ $# -gt 0 ]; then
	want=" $* "
	variants=$(echo "$variants" | while read -r name rest; do
		case "$want" in *" $name "*) echo "$name $rest" ;; esac
	done)
fi
plan=$(echo "$variants" | grep -c .)

# A make of the project's own, not tied to the jobserver of a calling make.
pmake() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -j"$JOBS" "$@"
}

# The suite of ROLE against the variant in DIR: migctl-conformance's KTAP in $tmp/out.
run_role() {	# role dir filter
	case $1 in
	guest)
		O=$2 "$RUN" --role guest --filter "$3" ;;
	host)
		O=$O MIGCTL_VMM=$2/vmm/migctl-vmm "$RUN" --role host --host migctl-vmm \
			--filter "$3" ;;
	vmm)
		# A race the fault opens may be missed by one migration and hit
		# by the next (no-pause-wait on an emulated KVM: missed by both
		# of 2 hops in 1 run of 3): up to 8 hops, and the first
		# corrupted arrival ends the run.
		O=$O MIGCTL_VMM=$2/vmm/migctl-vmm MIGCTL_VMM_HOPS=${MIGCTL_SELFTEST_HOPS:-8} \
			"$RUN" --role vmm --filter "$3" ;;
	esac
}

# Failing test names at every depth; a failing script suite stands for the
# script, whose Covers: lines name it by path.
failing_names() {	# ktap
	sed -n 's/^[[:space:]]*not ok [0-9][0-9]* \([^#]*\).*/\1/p' "$1" | sed 's/[[:space:]]*$//' |
		sed 's|^vmm-migration$|conformance/vmm/vmm-suite.sh|;
		     s|^host-.*|conformance/guest-image/run-host-suite.sh|' | sort -u
}

if [ $build_only -eq 1 ]; then
	while read -r name role _; do
		[ -n "$name" ] || continue
		fault=$(echo "$name" | tr 'a-z-' 'A-Z_')
		pmake O="$O-fault/$name" FAULT="$fault" "conformance-$role-bins" >"$tmp/build" 2>&1 ||
			{ cat "$tmp/build" >&2; echo "selftest: $name does not build" >&2; exit 1; }
	done <<<"$variants"
	exit 0
fi

echo "KTAP version 1"
echo "1..$plan"
n=0 caught=0
while read -r name role rules filter; do
	[ -n "$name" ] || continue
	n=$((n + 1))
	fault=$(echo "$name" | tr 'a-z-' 'A-Z_')
	dir=$O-fault/$name
	if ! grep -r -q --include='*.[ch]' "MIGCTL_FAULT_$fault\b" guest host vmm; then
		echo "# $name: MISSED ($rules): no switch MIGCTL_FAULT_$fault in guest/, host/, vmm/"
		echo "not ok $n $name"
		continue
	fi
	if ! pmake O="$dir" FAULT="$fault" "conformance-$role-bins" >"$tmp/build" 2>&1; then
		sed 's/^/# build: /' "$tmp/build" | tail -n 10
		echo "# $name: MISSED ($rules): the variant does not build"
		echo "not ok $n $name"
		continue
	fi
	run_role "$role" "$dir" "$filter" >"$tmp/out" 2>&1
	status=$?
	failing_names "$tmp/out" >"$tmp/names"
	: >"$tmp/hits"
	if [ -s "$tmp/names" ]; then
		mapfile -t names <"$tmp/names"
		scripts/spec-check --covers-of "${names[@]}" >"$tmp/covers"
		# The tests that cover a broken rule, the most specific first.
		while IFS=$'\t' read -r test ids; do
			for id in ${rules//,/ }; do
				case ",$ids," in *",$id,"*)
					echo "$(echo "$ids" | tr ',' '\n' | wc -l) $test"; break ;;
				esac
			done
		done <"$tmp/covers" | sort -n -s -k1,1 | cut -d' ' -f2- >"$tmp/hits"
	fi
	nfail=$(grep -c . "$tmp/names")
	nhits=$(grep -c . "$tmp/hits")
	hits=$(head -n 4 "$tmp/hits" | paste -s -d, - | sed 's/,/, /g')
	[ "$nhits" -gt 4 ] && hits="$hits and $((nhits - 4)) more"
	grep -E '^# verdict:' "$tmp/out"
	if [ "$status" -eq 1 ] && [ "$nhits" -gt 0 ]; then
		caught=$((caught + 1))
		echo "# $name: caught ($rules) by $nhits failing tests: $hits"
		echo "ok $n $name"
	else
		if [ "$status" -ne 1 ]; then
			echo "# $name: MISSED ($rules): the $role-role suite passed (exit status $status)"
		else
			echo "# $name: MISSED ($rules): $nfail failing tests, none covers $rules:" \
				"$(head -n 8 "$tmp/names" | tr '\n' ' ')"
		fi
		echo "not ok $n $name"
	fi
done <<<"$variants"
echo "# conformance self-test: $caught of $plan variants caught"
echo "# Totals: pass:$caught fail:$((plan - caught)) xfail:0 xpass:0 skip:0 error:0"
[ "$caught" -eq "$plan" ] || exit 1
exit 0
