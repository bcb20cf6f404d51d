#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# hostile.sh - a hostile guest on real KVM: every vCPU floods bad requests; the VMM must not notice.
#
# The conformance image's "flood" scenario sends, from every vCPU at once,
# random requests of every shape over the MSR transport, the control MSR
# and the hypercall (docs/reliability.adoc), checks each answer against
# the spec and then checks that its READY state and the status and content
# of its guard pages are unchanged. Meanwhile this script samples the
# VMM's resident memory and the latency of query-status on its control
# socket; afterwards it compares the VMM's own counters with the guest's
# expectation, and migrates a flooded guest so that a wrong status left
# behind on a guard page would arrive down the wrong path.
# KTAP on stdout, kselftest exit codes.
#
# Needs python3 for the control-socket sampler.
# Environment: MIGCTL_FLOOD_COUNT (requests per vCPU, default 64000: 10 s
# on an idle 2-CPU test machine, 30 s on a busy one; 16000 when MIGCTL_SLOW
# > 1), MIGCTL_FLOOD_SEED (default: from the clock, printed),
# MIGCTL_FLOOD_RSS_KIB (allowed growth, default 8192), MIGCTL_FLOOD_LAT_MS
# (slowest allowed query-status, default 1000, times MIGCTL_SLOW like every
# time limit), and those of lib.sh.
#
# Covers: H-4, H-5, H-7, H-8, H-9, H-10, H-11, H-12

set -u
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

COUNT=${MIGCTL_FLOOD_COUNT:-$(by_platform 64000 16000)}
SEED=${MIGCTL_FLOOD_SEED:-$(($(date +%s) % 100000))}
RSS_KIB=${MIGCTL_FLOOD_RSS_KIB:-8192}
LAT_MS=$(scaled "${MIGCTL_FLOOD_LAT_MS:-1000}")

rss_kib() { sed -n 's/^VmRSS:[^0-9]*\([0-9]*\).*/\1/p' /proc/"$1"/status 2>/dev/null; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# One client connection to the control socket for the whole flood: a
# query-status every 0.2 s, one line "MS REPLY" per answer into $2, until
# $3 exists. One connection, so that the latency is the VMM's answer,
# not the start-up of a client process on a busy machine.
sampler() {
	python3 - "$1" "$2" "$3" <<'PY'
import os, socket, sys, time
path, out, stop = sys.argv[1:4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(path)
f = s.makefile("rwb", buffering=0)
with open(out, "w", buffering=1) as o:
    while not os.path.exists(stop):
        t0 = time.monotonic()
        try:
            f.write(b'{"cmd":"query-status"}\n')
            line = f.readline().decode(errors="replace").strip()
        except OSError:
            line = ""
        if not line:
            break	# the VMM closed it: the script asks whether the flood had ended
        o.write("%d %s\n" % ((time.monotonic() - t0) * 1000, line))
        time.sleep(0.2)
PY
}

# The sampler connects, and answers once, while the guest is stopped: on a
# slow platform starting Python takes as long as a whole flood. Sets sp.
start_sampler() {
	"$VMM" ctl "$1" stop >/dev/null || return 1
	sampler "$1" "$tmp/lat" "$tmp/stop" 2>"$tmp/sampler.err" &
	sp=$!
	wait_until 100 eval '[ -s "$tmp/lat" ] || ! kill -0 $sp 2>/dev/null'
	"$VMM" ctl "$1" cont >/dev/null
}

# Samples RSS every 0.2 s, with the control socket sampled by the sampler,
# while the flood runs; sets rss0 rss_max lat_max samples bad_answer
# ctl_seen (control values).
watch_flood() {
	local pid=$1 r
	rss0=$(rss_kib "$pid") rss_max=0
	while kill -0 "$pid" 2>/dev/null && ! grep -q "flood: done" "$tmp/flood.out"; do
		r=$(rss_kib "$pid")
		[ -n "$r" ] && [ "$r" -gt "$rss_max" ] && rss_max=$r
		kill -0 "$sp" 2>/dev/null || break
		sleep 0.2
	done
	kill -0 "$sp" 2>/dev/null || grep -q "flood: done" "$tmp/flood.out" ||
		echo "the control connection closed during the flood" >>"$tmp/sampler.err"
	: >"$tmp/stop"
	wait "$sp"
	# The answers from before start_sampler's cont say paused: not the flood's.
	awk '!flood && /"status":"paused"/ { next } { flood = 1; print }' "$tmp/lat" >"$tmp/lat.flood"
	mv "$tmp/lat.flood" "$tmp/lat"
	samples=$(wc -l <"$tmp/lat")
	lat_max=$(sort -n "$tmp/lat" | tail -1 | cut -d' ' -f1)
	bad_answer=$(grep -v '"status":"running"' "$tmp/lat" | head -1)
	[ -s "$tmp/sampler.err" ] && bad_answer="sampler: $(tail -n1 "$tmp/sampler.err")"
	ctl_seen=$(sed -n 's/.*"control":"\([^"]*\)".*/\1/p' "$tmp/lat" | sort -u | tr '\n' ' ')
}

stat_of() {	# stat_of KEY FILE: KEY=value from the VMM's '# stats:' line
	sed -n "s/^# stats:.* $1=\([0-9]*\).*/\1/p" "$2" | tail -1
}

counters_match() {	# the guest's expected host counters against the VMM's --stats
	local line k want got bad=""
	line=$(grep -o "host counters expected: .*" "$tmp/flood.out" | tail -1)
	[ -n "$line" ] || { echo "the guest printed no expectation"; return 1; }
	for k in requests_ok pages psc_gp ctl_accepted ctl_rejected; do
		want=$(echo "$line" | sed -n "s/.*$k=\([0-9]*\).*/\1/p")
		got=$(stat_of "$k" "$tmp/flood.err")
		echo "$k: guest expects $want, VMM counted ${got:-nothing}" >>"$tmp/counters"
		[ "$want" = "$got" ] || bad="$bad $k"
	done
	[ -z "$bad" ] || { echo "differ:$bad"; return 1; }
}

planned=(flood-answers flood-responsive flood-rss flood-host-counters flood-then-migrate)
echo "KTAP version 1"
command -v python3 >/dev/null || skip_all "no python3 (scripts/deps.sh installs it)" "${planned[@]}"
reason=$(need_image flood) || skip_all "$reason" "${planned[@]}"
echo "1..${#planned[@]}"
diag "seed $SEED, $COUNT requests per vCPU, $CPUS vCPUs, $MEM (MIGCTL_FLOOD_SEED=$SEED reproduces), time limits x$SLOW"

sock=$tmp/flood.sock
vmm flood "${SEVSIM[@]}" --memory "$MEM" --cpus "$CPUS" --stats --control "$sock" "$IMAGE" -- \
	cpus="$CPUS" test=flood flood.count="$COUNT" seed="$SEED"
src=$last
sp=
wait_sock "$sock" && start_sampler "$sock"
if [ -z "$sp" ] || ! pid=$(vmm_pid "$src") || ! wait_out flood "flood: start" 60; then
	for c in "${planned[@]}"; do
		notok "$c" "the flood did not start: $(tail -n2 "$tmp/flood.err" "$tmp/flood.out")"
	done
	finish
fi
t0=$(now_ms)
watch_flood "$pid"
t1=$(now_ms)
wait "$src"; rc=$?
grep -h "^ *# flood: " "$tmp/flood.out" | sed 's/^ *# */# /'
if [ "$rc" = 0 ] && grep -q "^ok 1 flood" "$tmp/flood.out"; then
	ok flood-answers
else
	notok flood-answers "guest exit $rc: $(grep "not ok" "$tmp/flood.out" | head -3 | tr '\n' ' ')"
fi

# The control value query-status showed: 0 before the opt-in, then the guest's.
ready=$(sed -n 's/.*READY with \(0x[0-9a-f]*\).*/\1/p' "$tmp/flood.out" | head -1)
ctl_ok() {
	local v
	for v in $ctl_seen; do [ "$v" = 0 ] || [ "$v" = "$ready" ] || return 1; done
}
diag "flood ran $((t1 - t0)) ms: $samples query-status answers on one connection, slowest ${lat_max:-?} ms, control values: $ctl_seen"
if [ "$samples" -lt 3 ]; then
	notok flood-responsive "only ${samples:-no} samples: the flood was too short to watch, or the sampler failed: $(tail -n 3 "$tmp/sampler.err" 2>/dev/null | tr '\n' ' ')"
elif [ -n "$bad_answer" ]; then
	notok flood-responsive "query-status during the flood: $bad_answer"
elif ! ctl_ok; then
	notok flood-responsive "query-status showed control values $ctl_seen; the guest only had 0 and $ready"
elif [ "${lat_max:-99999}" -gt "$LAT_MS" ]; then
	notok flood-responsive "query-status took $lat_max ms (bound $LAT_MS)"
else
	ok flood-responsive
fi

diag "VmRSS at the start ${rss0:-?} KiB, at most $rss_max KiB during the flood (+$((rss_max - ${rss0:-0})) KiB)"
if [ -z "${rss0:-}" ] || [ "$rss_max" = 0 ]; then
	notok flood-rss "no RSS sample"
elif [ $((rss_max - rss0)) -gt "$RSS_KIB" ]; then
	notok flood-rss "RSS grew by $((rss_max - rss0)) KiB (bound $RSS_KIB)"
else
	ok flood-rss
fi

why=$(counters_match); crc=$?
sed 's/^/# host counter /' "$tmp/counters" 2>/dev/null
if [ "$crc" = 0 ]; then ok flood-host-counters; else notok flood-host-counters "$why"; fi

# A shorter flood, then a live migration: the destination's guest checks
# its guard pages under the new key (a status the flood changed would
# send a page down the wrong path) and that READY came along (V-5).
sock=$tmp/fm.sock
vmm fm "${SEVSIM[@]}" --memory "$MEM" --cpus "$CPUS" --control "$sock" "$IMAGE" -- \
	cpus="$CPUS" test=flood flood.count=$((COUNT / 8 + 1)) seed=$((SEED + 1)) flood.migrate=1
if ! wait_sock "$sock" || ! wait_out fm "waiting for a migration" 60; then
	notok flood-then-migrate "the flood did not finish: $(tail -n2 "$tmp/fm.out")"
	finish
fi
dest fm-dst
if ! wait_listen fm-dst; then
	notok flood-then-migrate "destination does not listen"
elif ! migrate "$sock" "$uri"; then
	notok flood-then-migrate "migration failed: $reply"
else
	wait "$last"; rc=$?
	grep -h "after the migration" "$tmp/fm-dst.out" | sed 's/^ */# /'
	if [ "$rc" = 0 ] && grep -q "^ *ok [0-9]* after the migration: the .* guard pages keep" "$tmp/fm-dst.out"; then
		ok flood-then-migrate
	else
		notok flood-then-migrate "destination guest exit $rc: $(grep "not ok" "$tmp/fm-dst.out" | head -3 | tr '\n' ' ')"
	fi
fi
finish
