#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# ctlsock-latency.sh - the worst control-socket reply with 50 misbehaving clients, over several runs.
#
# usage: O=build bench/ctlsock-latency.sh [RUNS]
#
# Runs conformance/vmm/ctlsock-hostile.sh RUNS times (default 3) and
# prints, per run, the worst query-status reply it measured, how many
# replies were over its bound, and the load average at the start: on a
# busy machine the worst is the wait for a CPU, so the load goes with the
# figure (docs/reliability.adoc).
set -u
O=${O:-build}
runs=${1:-3}
script=$O/conformance/vmm/ctlsock-hostile.sh
[ -x "$script" ] || { echo "no $script (make O=$O)" >&2; exit 2; }
echo "# commit $(git -C "$(dirname "$0")/.." rev-parse --short HEAD 2>/dev/null || echo ?), kernel $(uname -r), MIGCTL_SLOW=${MIGCTL_SLOW:-1}"
for ((i = 1; i <= runs; i++)); do
	load=$(cut -d' ' -f1 /proc/loadavg)
	line=$(O=$O "$script" 2>&1 | sed -n 's/^# query-status with 50 misbehaving clients: //p')
	echo "run $i: load $load: ${line:-no figure (the script did not get that far)}"
done
