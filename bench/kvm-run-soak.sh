#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# kvm-run-soak.sh - the standard-KVM platform's failure rate: the heaviest case, run after run.
#
# usage: bench/kvm-run-soak.sh [RUNS] [-- COMMAND...]
#
# Runs COMMAND (default: the vmm-suite's live migrations, migrate-tcp, the
# heaviest case of make check on the emulated platform) RUNS times
# (default 30) through scripts/kvm-run --mode vm --retries 0, so that
# every platform failure shows. Each run is one of: pass (exit 0), test
# failure (exit 1 or another code), platform failure (exit 75: the VM did
# not boot, panicked, locked up or stopped). Prints one line per run and a
# summary, and writes the table to $SOAK_OUT (default
# bench/results/kvm-run-soak.md) with the commit, the host and the VM's
# settings. The target is 0 platform failures.
set -u
cd "$(dirname "$0")/.." || exit 1
O=${O:-build}
runs=${1:-30}
[ $# -gt 0 ] && shift
[ "${1:-}" = -- ] && shift
if [ $# -gt 0 ]; then
	cmd=("$@")
	what="$*"
else
	cmd=(env MIGCTL_VMM_SUITE_FILTER=migrate-tcp "$O/conformance/vmm/vmm-suite.sh")
	what="MIGCTL_VMM_SUITE_FILTER=migrate-tcp $O/conformance/vmm/vmm-suite.sh"
fi
out=${SOAK_OUT:-bench/results/kvm-run-soak.md}
tmp=$(mktemp -d /tmp/migctl-soak.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT

pass=0 testfail=0 platform=0 total_s=0 rows=""
# write_table DONE: the table of the runs so far, rewritten after each run.
write_table() {
	local done=$1 settings summary f n
	settings=$(sed -n 's/^\(SMP\|MEM\|TCG_THREAD\|CPU_MODEL\|KVM_AMD_PARAMS\)=\${[A-Z_]*:-\(.*\)}.*/\1=\2/p' scripts/kvm-run |
		tr '\n' ' ')
	summary="$done of $runs runs: $pass passed, $testfail test failures, $platform platform failures ($((platform * 100 / done))%); $((total_s / done)) s per run"
	{
		echo "# The standard-KVM platform under soak"
		echo
		echo "Written by \`bench/kvm-run-soak.sh $runs\` on $(date -u +%Y-%m-%d) at commit"
		echo "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo ' (with local changes)')."
		echo
		echo "- command, each run in a fresh VM: \`$what\`"
		echo "- host: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1),"
		echo "  Linux $(uname -r), its own KVM: $(scripts/kvm-run --check | sed -n 's/^native KVM: //p')"
		echo "- VM: $(basename "$(ls -v /boot/vmlinuz-*-amd64 | tail -n 1)"), QEMU $(qemu-system-x86_64 --version | sed -n 's/.*version \([^ ]*\).*/\1/p'), $settings"
		echo
		echo "**$summary.**"
		echo
		echo "| run | result | seconds | ok cases |"
		echo "| --- | --- | --- | --- |"
		printf '%s' "$rows"
		for f in "$tmp"/platform-*.err; do
			[ -e "$f" ] || continue
			n=${f##*/platform-}
			printf '\n## Run %s: what kvm-run said\n\n----\n' "${n%.err}"
			cat "$f"
			printf -- '----\n'
		done
	} >"$out"
}

for i in $(seq "$runs"); do
	start=$SECONDS
	scripts/kvm-run --mode vm --retries 0 -- "${cmd[@]}" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	secs=$((SECONDS - start))
	total_s=$((total_s + secs))
	case $rc in
	0) pass=$((pass + 1)); verdict=pass ;;
	75) platform=$((platform + 1)); verdict="platform failure: $(sed -n 's/^kvm-run: platform failure: //p' "$tmp/err" | head -n 1)"
	    cp "$tmp/err" "$tmp/platform-$i.err" ;;
	*) testfail=$((testfail + 1)); verdict="test failure (exit $rc): $(grep -m1 '^not ok' "$tmp/out")" ;;
	esac
	cases=$(grep -c '^ok ' "$tmp/out")
	printf 'run %2d: %-8s %4d s, %s ok cases\n' "$i" "${verdict%%:*}" "$secs" "$cases"
	rows="$rows| $i | $verdict | $secs | $cases |"$'\n'
	write_table "$i"
done
sed -n 's/^\*\*\(.*\)\.\*\*$/\1/p' "$out"
echo "written: $out"
[ "$platform" -eq 0 ]
