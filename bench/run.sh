#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# run.sh - runs every benchmark and writes results.md, results.json and the plots.
#
#   bench/run.sh [BUILD_DIR [RESULTS_DIR]]     (make bench calls it)
#
# Each benchmark program prints one JSON document into a scratch directory;
# bench/report.py turns them into the results and draws bench/plots/*.gp.
# BENCH_ROUNDS sets the repetitions of the timed benchmarks (default 9),
# BENCH_QUICK=1 runs short loops for a smoke test (figures not for
# publishing): the migration benchmark then runs one 256 MiB guest per case.
# BENCH_MIGRATION=0 leaves the migration benchmark out (it needs /dev/kvm
# and takes about a quarter of an hour; QEMU is compared where installed).
# Where this machine's KVM is not a standard one, the migration benchmark
# also runs at 256 MiB on scripts/kvm-run's standard KVM
# (BENCH_STANDARD_KVM=0 leaves that out).
set -eu

O=${1:-build}
OUT=${2:-bench/results}
ROUNDS=${BENCH_ROUNDS:-9}
SCALE=1
[ "${BENCH_QUICK:-0}" = 1 ] && { ROUNDS=3; SCALE=0.1; }
here=$(dirname "$0")
raw=$(mktemp -d)
trap 'rm -rf "$raw"' EXIT INT TERM
mkdir -p "$OUT"

step() { printf '  %-8s %s\n' BENCH "$1"; }

machine() {
	model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
	flavour=none
	for m in kvm_pvm kvm_amd kvm_intel; do
		if [ -d "/sys/module/$m" ]; then flavour=$m; break; fi
	done
	hv=no
	grep -qw hypervisor /proc/cpuinfo && hv=yes
	mem=$(sed -n 's/^MemTotal:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/meminfo)
	commit=$(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)
	dirty=$(git -C "$here" status --porcelain 2>/dev/null | head -n 1)
	python3 - "$model" "$(nproc)" "$(uname -r)" "$flavour" "$hv" "$mem" \
		"$commit${dirty:+ (uncommitted changes)}" "$(${CC:-gcc} --version | head -n 1)" \
		"$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$ROUNDS" "$SCALE" \
		"$(cut -d ' ' -f 1 /proc/loadavg)" <<'PY'
import json, sys
a = sys.argv[1:]
print(json.dumps({"cpu_model": a[0], "cores": int(a[1]), "kernel": a[2],
                  "kvm_module": a[3], "host_is_a_guest": a[4] == "yes",
                  "mem_kib": int(a[5] or 0), "commit": a[6], "compiler": a[7],
                  "date": a[8], "rounds": int(a[9]), "scale": float(a[10]),
                  "loadavg_start": float(a[11])}))
PY
}

step machine
machine >"$raw/machine.json"
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	"$O/vmm/migctl-vmm" --probe >"$raw/probe.txt" 2>&1 || true
	step "exits on KVM, the guest library in a guest"
	"$O/bench/kvmbench" "$O/bench/images/bench-guest.elf" "$ROUNDS" "$SCALE" >"$raw/exits.json"
else
	echo "bench: no usable /dev/kvm: the exit benchmarks are left out" >&2
fi
step "guest library in-process: coalescing, cost per call"
"$O/bench/guestbench" "$ROUNDS" >"$raw/guestlib.json"
step "status log from 1 GiB to 1 TiB"
"$O/bench/logbench" "$(( ROUNDS < 5 ? ROUNDS : 5 ))" >"$raw/statuslog.json"
step "sev-sim's firmware path per page, and through loopback TCP"
"$O/bench/fwbench" "$(( ROUNDS < 5 ? ROUNDS : 5 ))" >"$raw/firmware.json"
if [ "${BENCH_MIGRATION:-1}" = 1 ] && [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	step "live migration: migctl-vmm and QEMU over loopback TCP"
	if [ "${BENCH_QUICK:-0}" = 1 ]; then
		mig="--sizes 256 --reps 1 --warmup 0.5"
	else
		# 5 runs at 4 GiB too: its fill rows vary by a third from run
		# to run with the host's first-touch faults (docs/performance.adoc).
		mig="--sizes 256,1024,4096 --reps 5 --reps-big 5"
	fi
	# shellcheck disable=SC2086 # $mig is a list of options
	python3 "$here/migbench.py" --vmm "$O/vmm/migctl-vmm" \
		--image "$O/conformance/guest-image/migctl-test.elf" $mig >"$raw/migration.json"
fi
# The same migrations on a standard KVM where this machine's KVM is another
# kind (or missing): inside one VM of scripts/kvm-run, migctl-vmm and QEMU
# interleaved there. Absolute times are those of software emulation; the
# ratios compare. BENCH_STANDARD_KVM=0 leaves it out.
if [ "${BENCH_MIGRATION:-1}" = 1 ] && [ "${BENCH_STANDARD_KVM:-1}" = 1 ] &&
   [ ! -d /sys/module/kvm_amd ] && [ ! -d /sys/module/kvm_intel ]; then
	step "live migration on a standard KVM (scripts/kvm-run, software emulation)"
	if [ "${BENCH_QUICK:-0}" = 1 ]; then
		std="--reps 1 --workloads dirty"
	else
		std="--reps 3 --workloads idle,dirty"
	fi
	# kvm-run merges a command's stderr into its stdout: the document goes
	# to a file in the shared scratch directory, the progress to the terminal.
	# shellcheck disable=SC2086 # $std is a list of options
	"$here/../scripts/kvm-run" --share "$raw" -- sh -c 'out=$1; shift; exec "$@" >"$out"' sh \
		"$raw/migration-standard.json" python3 "$here/migbench.py" --vmm "$O/vmm/migctl-vmm" \
		--image "$O/conformance/guest-image/migctl-test.elf" --sizes 256 \
		--impls ours,qemu $std >&2 ||
		{ echo "bench: the standard-KVM migration run failed" >&2; rm -f "$raw/migration-standard.json"; }
fi
cut -d ' ' -f 1 /proc/loadavg >"$raw/loadavg_end.txt"
step report
python3 "$here/report.py" "$raw" "$OUT"
