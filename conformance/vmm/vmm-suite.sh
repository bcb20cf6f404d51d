#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# vmm-suite.sh - vmm-role suite: the sev-sim migration workload migrated live, refused, restored.
#
# Every case runs real migctl-vmm processes on 127.0.0.1 with the
# conformance image's "migrate" scenario (engineer-facing summary in
# docs/migration-stream.adoc): all vCPUs convert pages between private and
# shared and write self-checking patterns while the VM migrates; the guest
# verifies every page after each migration and at the end and prints
# "corrupted pages: X of Y". KTAP on stdout, kselftest exit codes.
#
# Usage: vmm-suite.sh [--faults RUNS]
#   --faults RUNS  instead of the suite, run the 4-migration case RUNS
#                  times with each fault build ($O-fault-*/vmm/migctl-vmm,
#                  made by `make vmm-fault-builds`) and report how many runs
#                  of each were caught (corrupted pages or a failed workload).
# Environment: MIGCTL_VMM_SUITE_FILTER (glob on case names), MIGCTL_VMM_HOPS
# (migrations of migrate-tcp, default 4; 2 when MIGCTL_SLOW > 1),
# MIGCTL_VMM_FAULTS (the fault builds to run, default all five), and those
# of lib.sh: O (build directory, when not run from one), MIGCTL_VMM,
# MIGCTL_TEST_IMAGE, MIGCTL_SLOW, MIGCTL_VMM_CPUS, MIGCTL_VMM_MEMORY,
# MIGCTL_VMM_CONVERSIONS, MIGCTL_VMM_LIMIT (default 150 s; 90 with --faults).

set -u

here=$(cd "$(dirname "$0")" && pwd)
# O, VMM, IMAGE, SLOW, CPUS, MEM, LIMIT, $tmp, ok/notok/diag, vmm(), dest(),
# wait_sock(), wait_listen(), wait_converted(), migrate(), corrupted(),
# workload(): shared with the reliability scripts. Installed by make into
# $O/conformance/vmm, the suite runs that tree's VMM (the ASan pass of make
# check thus runs the sanitized VMM).
# shellcheck source=lib.sh
. "$here/lib.sh"
MEMLOOP=$O/vmm/tests/images/memloop.elf
HOPS=${MIGCTL_VMM_HOPS:-$(by_platform 4 2)}
FILTER=${MIGCTL_VMM_SUITE_FILTER:-*}

show() {	# what a VMM and its guest said about a failure, as diagnostics
	{ grep -A 4 "not ok" "$tmp/$1.out" | head -n 24; tail -n 2 "$tmp/$1.out"; } 2>/dev/null |
		sed "s/^/# $1 guest: /"
	tail -n 4 "$tmp/$1.err" 2>/dev/null | sed "s/^/# $1 vmm: /"
}

lost_traps() {	# the guest's report of system calls it had to make again (user.h)
	grep -h "system calls lost" "$@" 2>/dev/null | sed 's/^ *# /# /'
}

# Source boots the workload with migrate.count=HOPS; HOPS live migrations
# over TCP, each to a fresh VMM on the next port, each once every vCPU has
# converted and written CONVERSIONS times under the current key. Sets $why
# on failure; 2: the guest's failure, not the harness's.
hops() {
	local cur=src sock="$tmp/src.sock" i t
	vmm src "${SEVSIM[@]}" --memory "$MEM" --cpus "$CPUS" --stats --control "$sock" "$IMAGE" -- \
		$(workload migrate.count="$HOPS")
	wait_sock "$sock" || { why="source has no control socket"; return 1; }
	for i in $(seq "$HOPS"); do
		wait_converted "$cur" "$last" || return 2
		dest "d$i"
		wait_listen "d$i" || { why="d$i does not listen"; return 1; }
		if ! migrate "$sock" "$uri"; then
			why="hop $i ($cur -> d$i): $reply"
			return 1
		fi
		diag "hop $i: $cur -> d$i: $(echo "$reply" | sed 's/.*"stats"://; s/}}$/}/')"
		# A guest that hangs after a broken migration is the guest's
		# failure, found here rather than at the end of a longer wait.
		t=${EPOCHREALTIME/[.,]/}
		wait_arrival "d$i" "$last" || return 2
		diag "hop $i: the guest checked the pages that arrived" \
			"$(( (${EPOCHREALTIME/[.,]/} - t) / 1000 )) ms after the reply"
		# After the last hop the guest checks its pages and ends, at
		# once when they are few: its exit status is the verdict.
		[ "$i" = "$HOPS" ] && break
		if ! wait_sock "$tmp/d$i.sock"; then
			kill -0 "$last" 2>/dev/null && { why="d$i has no control socket"; return 1; }
			# The migrated guest is already gone: its failure, not the harness's.
			wait "$last"; rc=$?
			why="d$i ended (exit $rc) right after hop $i: $(tail -n1 "$tmp/d$i.err")"
			return 2
		fi
		cur=d$i sock="$tmp/d$i.sock"
	done
	wait "$last"
	rc=$?
	return 0
}

case_hops() {
	local why="" rc=0 c
	hops || { notok "$1" "$why"; return; }
	c=$(corrupted "$tmp/d$HOPS.out")
	diag "$(grep -h 'migrate: .*generation' "$tmp"/d*.out | grep -v ': [0-9]* conversions$' |
		tail -"$CPUS" | sed 's/^ *# //' | tr '\n' ' ')"
	lost_traps "$tmp/d$HOPS.out"
	if [ "$rc" = 0 ] && [ "$c" = 0 ]; then
		diag "$HOPS migrations, $CPUS vCPUs, corrupted pages: 0"
		ok "$1"
	else
		notok "$1" "exit $rc, corrupted pages: $c"
		show "d$HOPS"
	fi
}

# V-2 by construction: the guest changes each group's status once and
# writes nothing (migrate.late), 4 pages every LATE ms per vCPU, while
# pre-copy sends at 4 MiB/s, 4 pages in 4 ms. Round 0 sends only the
# never-backed pages and round 1 starts on the window well inside the
# sweep (3.2 s at LATE 50), so most conversions come after their pages
# were sent, and only the changed set carries them to the destination.
# A VMM that reports pages_status_resent must have resent some: a run
# where no conversion came late proved nothing and fails as such. The
# workload ends after the one migration.
case_late() {
	local sock="$tmp/$1.sock" src rc c late=$((50 * SLOW)) pages=256 hits
	local SEVSIM=(--sev-sim --sev-sim-window 0x2000000:4M --downtime-ms $((300 * SLOW)))
	[ $((pages * CPUS)) -le 1024 ] || pages=$((1024 / CPUS / 4 * 4))
	vmm "$1" "${SEVSIM[@]}" --max-bandwidth 4 --memory "$MEM" --cpus "$CPUS" --stats \
		--control "$sock" "$IMAGE" -- cpus="$CPUS" test=migrate migrate.count=1 \
		migrate.progress=1 migrate.pages="$pages" migrate.late="$late"
	src=$last
	wait_sock "$sock" || { notok "$1" "source has no control socket"; return; }
	CONVERSIONS=1 wait_converted "$1" "$src" || { notok "$1" "$why"; return; }
	dest "$1-dst"
	wait_listen "$1-dst" || { notok "$1" "destination does not listen"; return; }
	migrate "$sock" "$uri" || { notok "$1" "migration: $reply"; return; }
	hits=$(echo "$reply" | sed -n 's/.*"pages_status_resent":\([0-9]*\).*/\1/p')
	diag "$pages pages per vCPU, 4 every $late ms, sent at 4 MiB/s: ${hits:-?} pages resent for their status"
	wait "$src"; rc=$?
	[ "$rc" = 0 ] || { notok "$1" "the source exited $rc after the migration"; return; }
	wait "$last"; rc=$?
	c=$(corrupted "$tmp/$1-dst.out")
	if [ "$rc" = 0 ] && [ "$c" = 0 ] && [ "${hits:-1}" = 0 ]; then
		notok "$1" "no page changed its status after pre-copy sent it: the case proved nothing"
	elif [ "$rc" = 0 ] && [ "$c" = 0 ]; then
		ok "$1"
	else
		notok "$1" "destination exit $rc, corrupted pages: $c"
		show "$1-dst"
	fi
}

# Snapshot to a file (the source stops), restore from it: same verdict.
case_snapshot() {
	local sock="$tmp/snap-src.sock" c rc
	vmm snap-src "${SEVSIM[@]}" --memory "$MEM" --cpus "$CPUS" --control "$sock" "$IMAGE" -- \
		$(workload migrate.count=1)
	local src=$last why
	wait_sock "$sock" || { notok "$1" "source has no control socket"; return; }
	wait_converted snap-src "$src" || { notok "$1" "$why"; return; }
	if ! migrate "$sock" "file:$tmp/snap.bin"; then notok "$1" "snapshot: $reply"; return; fi
	wait "$src"; rc=$?
	[ "$rc" = 0 ] || { notok "$1" "the source exited $rc after the snapshot"; return; }
	diag "snapshot: $(stat -c %s "$tmp/snap.bin") bytes"
	vmm snap-dst --incoming "file:$tmp/snap.bin" "${SEVSIM[@]}" --memory "$MEM" --cpus "$CPUS"
	wait "$last"; rc=$?
	c=$(corrupted "$tmp/snap-dst.out")
	lost_traps "$tmp/snap-dst.out"
	if [ "$rc" = 0 ] && [ "$c" = 0 ]; then
		ok "$1"
	else
		notok "$1" "restore exit $rc, corrupted pages: $c"
		show snap-dst
	fi
}

# retry_intact NAME SOCK SRC-PID WHAT: after WHAT failed, the source
# migrates to a fresh destination; it must complete, the source end with
# 0, and the guest finish there with no corrupted page. Reports NAME.
retry_intact() {
	local name=$1 sock=$2 src=$3 what=$4 rc
	dest "$name-retry"
	wait_listen "$name-retry" || { notok "$name" "retry destination does not listen"; return; }
	migrate "$sock" "$uri" || { notok "$name" "retry after $what failed: $reply"; return; }
	wait "$src"; rc=$?
	[ "$rc" = 0 ] || { notok "$name" "the source exited $rc after the retry"; return; }
	wait "$last"; rc=$?
	[ "$(corrupted "$tmp/$name-retry.out")" = 0 ] ||
		rc="$rc (corrupted $(corrupted "$tmp/$name-retry.out"))"
	if [ "$rc" = 0 ]; then ok "$name"; else notok "$name" "retried guest: exit $rc"; show "$name-retry"; fi
}

# refused NAME WANT GUEST DST-ARGS: a migration the destination (or the
# source) refuses with a message containing WANT. The source must keep
# running, and the guest must show that its memory survived the refusal:
# the "workload" guest (READY, finishes after one migration) is then
# migrated to a well-configured destination, which must complete with no
# corrupted page; the "memloop" guest (never READY, checks its memory on
# every pass and stops at the first difference) must go on passing its
# checks. The refused migration starts once the guest runs: memloop has
# finished a pass, or the workload converted and wrote CONVERSIONS times
# on every vCPU. Nothing depends on how fast the guest runs.
refused() {
	local name=$1 want=$2 guest=$3 dst=$4
	local sock="$tmp/$name.sock" rc src dots why
	if [ "$guest" = memloop ]; then
		vmm "$name" "${SEVSIM[@]}" --memory "$MEM" --cpus 1 --control "$sock" "$MEMLOOP"
	else
		vmm "$name" "${SEVSIM[@]}" --memory "$MEM" --cpus "$CPUS" --control "$sock" "$IMAGE" -- \
			$(workload migrate.count=1)
	fi
	src=$last
	wait_sock "$sock" || { notok "$name" "source has no control socket"; return; }
	if [ "$guest" = memloop ]; then
		wait_passes "$name" 1 || { notok "$name" "memloop ran no pass: $(tail -c 80 "$tmp/$name.out")"; return; }
	else
		wait_converted "$name" "$src" || { notok "$name" "$why"; return; }
	fi
	if [ "$dst" = none ]; then
		next_port
		uri=tcp:127.0.0.1:$port	# nobody listens there
	else
		dest "$name-dst" $dst
		wait_listen "$name-dst" || { notok "$name" "destination does not listen"; return; }
	fi
	if migrate "$sock" "$uri"; then notok "$name" "migrated: $reply"; return; fi
	diag "$(echo "$reply" | sed 's/.*"error":"\([^"]*\)".*/\1/')"
	case "$reply" in *"$want"*) ;; *) notok "$name" "no '$want' in: $reply"; return ;; esac
	"$VMM" ctl "$sock" query-status | grep -q '"status":"running"' ||
		{ notok "$name" "the source is not running after the refusal"; return; }
	if [ "$guest" = memloop ]; then
		dots=$(tr -cd . <"$tmp/$name.out" | wc -c)
		if ! wait_passes "$name" $((dots + 3)); then
			notok "$name" "the source guest stopped passing its memory check: $(tail -c 80 "$tmp/$name.out")"
			return
		fi
		"$VMM" ctl "$sock" quit >/dev/null 2>&1
		wait "$src"
		ok "$name"
		return
	fi
	# The same source, unchanged, migrates to a destination that fits.
	retry_intact "$name" "$sock" "$src" "the refusal"
}

passes() { [ "$(tr -cd . <"$tmp/$1.out" | wc -c)" -ge "$2" ]; }
passes_or_end() { passes "$1" "$2" || grep -q "memloop bad" "$tmp/$1.out" || ended "$src"; }

# wait_passes NAME N: wait (up to 60 s) until memloop on NAME (started as
# $src) printed N passes; fails at once if it reported a difference or ended.
wait_passes() {
	wait_until 600 passes_or_end "$1" "$2"
	! grep -q "memloop bad" "$tmp/$1.out" && passes "$1" "$2"
}

# ctl SOCK ARGS...: one control request; the reply in $reply, 0 unless an error.
ctl() {
	local sock=$1; shift
	reply=$("$VMM" ctl "$sock" "$@" 2>&1)
}

reply_matches() {	# PATTERN SOCK ARGS...
	local pat=$1
	shift
	ctl "$@"
	echo "$reply" | grep -Eq "$pat"
}

# poll_reply TIMEOUT_S PATTERN SOCK ARGS...: repeat a request until the
# reply matches PATTERN (an extended regex); last reply in $reply.
poll_reply() {
	local limit=$1
	shift
	wait_until $((limit * 10)) reply_matches "$@"
}

# A migration held to 8 MiB/s, watched while it runs and cancelled:
# query-migrate reports progress mid-flight, the source runs on, the
# destination ends with an error and without running the guest; then the
# same source, with sane parameters again, migrates intact. Pre-copy (the
# RAM the guest touched, in round 1) must outlast the first 32 MiB step of
# query-migrate's progress by far, for the poll to see it: 128M at least.
case_cancel() {
	local name=$1 sock="$tmp/$1.sock" src rc MEM=$MEM
	# Mid-flight is a pre-copy round with 10 MB sent at 8 MiB/s; with a
	# slow platform's 4 MiB window the whole stream is about 6 MB, so 1 MB
	# at 1 MiB/s. Not round 0 as such: round 0 of a running VM sends only
	# the pages the host never backed and leaves the rest to round 1, so
	# how much it sends depends on what the guest has touched.
	local bw=8 sent='[1-9][0-9]{7}'
	[ "$SLOW" -gt 1 ] && bw=1 sent='[1-9][0-9]{6}'
	[ "$(lib_mib "$MEM")" -ge 128 ] || MEM=128M
	vmm "$name" "${SEVSIM[@]}" --memory "$MEM" --cpus "$CPUS" --control "$sock" "$IMAGE" -- \
		$(workload migrate.count=1)
	src=$last
	wait_sock "$sock" || { notok "$name" "source has no control socket"; return; }
	# The default downtime target, not a slow platform's: the migration
	# must not go to its final round before the cancel.
	ctl "$sock" "{\"cmd\":\"set-parameters\",\"max_bandwidth_mib\":$bw,\"downtime_ms\":300}" ||
		{ notok "$name" "set-parameters: $reply"; return; }
	dest "$name-dst"
	local dst=$last
	wait_listen "$name-dst" || { notok "$name" "destination does not listen"; return; }
	ctl "$tmp/$name-dst.sock" query-status
	case "$reply" in *'"status":"incoming-waiting"'*) ;; *)
		notok "$name" "destination before the stream: $reply"; return ;; esac
	ctl "$sock" migrate "$uri" || { notok "$name" "migrate: $reply"; return; }
	if ! poll_reply 60 "\"status\":\"active\",\"uri\":\"[^\"]*\",\"round\":[0-9]+,\"bytes\":$sent" \
		"$sock" query-migrate; then
		notok "$name" "no progress in query-migrate while active: $reply"; return
	fi
	diag "mid-flight: $(echo "$reply" | sed 's/,"stats".*//')"
	ctl "$tmp/$name-dst.sock" query-status
	case "$reply" in *'"status":"incoming-receiving"'*) ;; *)
		notok "$name" "destination while receiving: $reply"; return ;; esac
	ctl "$sock" cancel || { notok "$name" "cancel: $reply"; return; }
	poll_reply 30 '"status":"failed"' "$sock" query-migrate ||
		{ notok "$name" "not failed after cancel: $reply"; return; }
	case "$reply" in *cancelled*) ;; *) notok "$name" "no 'cancelled' in: $reply"; return ;; esac
	ctl "$sock" query-status
	case "$reply" in *'"status":"running"'*) ;; *)
		notok "$name" "the source is not running after the cancel: $reply"; return ;; esac
	wait "$dst"; rc=$?
	if [ "$rc" = 0 ] || [ -s "$tmp/$name-dst.out" ]; then
		notok "$name" "cancelled destination: exit $rc, guest output: $(head -c 80 "$tmp/$name-dst.out")"
		return
	fi
	diag "destination: exit $rc: $(tail -n 1 "$tmp/$name-dst.err")"
	ctl "$sock" "{\"cmd\":\"set-parameters\",\"max_bandwidth_mib\":0,\"downtime_ms\":$((300 * SLOW))}"
	retry_intact "$name" "$sock" "$src" "the cancel"
}

# A downtime target no round can meet (1 ms) against a guest that keeps
# rewriting 16 MiB (the benchmark's dirty scenario): pre-copy goes on while
# rounds shrink what is left and throttles the vCPUs when they stop
# (auto-converge). The stats carry the estimate; one that converged fits
# the target, one that did not was throttled. The destination runs the
# guest. set-parameters refuses a throttle above 99. Emulated (about 1.4
# MB/s of sev-sim stream) the guest rewrites 2 MiB and pre-copy ends
# after 12 rounds, so that the case stays near a minute.
case_converge() {
	local name=$1 sock="$tmp/$1.sock" rounds thr est
	local mib maxr
	mib=$(by_platform 16 2) maxr=$(by_platform 30 12)
	vmm "$name" "${SEVSIM[@]}" --memory "$MEM" --cpus "$CPUS" --control "$sock" "$IMAGE" -- \
		cpus="$CPUS" test=dirty dirty.mib="$mib"
	wait_sock "$sock" || { notok "$name" "source has no control socket"; return; }
	if ctl "$sock" '{"cmd":"set-parameters","throttle_max_pct":100}' ||
		! echo "$reply" | grep -q 'throttle_max_pct: an integer 0..99'; then
		notok "$name" "throttle 100 not refused: $reply"; return
	fi
	ctl "$sock" "{\"cmd\":\"set-parameters\",\"downtime_ms\":1,\"max_rounds\":$maxr,\"throttle_max_pct\":99}"
	case "$reply" in *'"downtime_ms":1,'*"\"max_rounds\":$maxr,"*'"throttle_max_pct":99'*) ;; *)
		notok "$name" "set-parameters: $reply"; return ;; esac
	wait_out "$name" "# dirty: " 60 || { notok "$name" "the guest does not dirty"; return; }
	dest "$name-dst"
	wait_listen "$name-dst" || { notok "$name" "destination does not listen"; return; }
	migrate "$sock" "$uri" || { notok "$name" "migration: $reply"; return; }
	diag "stats: $(echo "$reply" | sed 's/.*"stats"://; s/}}$/}/')"
	rounds=$(json_num rounds "$reply") thr=$(json_num throttle_pct "$reply")
	est=$(echo "$reply" | sed -n 's/.*"expected_downtime_ms":\([0-9.]*\),.*/\1/p')
	case "$reply" in *'"dirty_rate":'[0-9]*'"converged":'*) ;; *)
		notok "$name" "no dirty rate or converged in the stats"; return ;; esac
	[ -n "$est" ] || { notok "$name" "no expected downtime in the stats"; return; }
	[ "${rounds:-0}" -ge 3 ] || { notok "$name" "$rounds rounds: pre-copy stopped at the first fit"; return; }
	if echo "$reply" | grep -q '"converged":true'; then
		awk "BEGIN { exit !($est <= 1) }" ||
			{ notok "$name" "converged with $est ms expected, above the 1 ms target"; return; }
	elif [ "${thr:-0}" -lt 20 ]; then
		notok "$name" "not converged and not throttled (throttle $thr)"; return
	fi
	running "$tmp/$name-dst.sock" || { notok "$name" "the destination does not run"; return; }
	"$VMM" ctl "$tmp/$name-dst.sock" quit >/dev/null 2>&1
	ok "$name"
}

# On a terminal the source shows each round: MiB sent, dirty rate,
# remaining pages, ETA (the VMM's stderr is a pty made by script(1)).
case_progress() {
	local name=$1 sock="$tmp/$1.sock"
	command -v script >/dev/null || { ok "$name" "script(1) not installed"; return; }
	next_port
	uri=tcp:127.0.0.1:$port
	vmm "$name-dst" --incoming "$uri" --memory 64M --control "$tmp/$name-dst.sock"
	( exec timeout -k 5 $LIMIT script -qefc "$VMM ${KEY[*]} --memory 64M --control $sock $MEMLOOP" \
		/dev/null >"$tmp/$name.tty" 2>&1 </dev/null ) &
	pids+=("$!")
	wait_sock "$sock" || { notok "$name" "source has no control socket"; return; }
	wait_listen "$name-dst" || { notok "$name" "destination does not listen"; return; }
	migrate "$sock" "$uri" || true
	"$VMM" ctl "$tmp/$name-dst.sock" quit >/dev/null 2>&1
	"$VMM" ctl "$sock" quit >/dev/null 2>&1
	local line
	line=$(tr '\r' '\n' <"$tmp/$name.tty" | grep -E 'round [0-9]+ +[0-9.]+ MiB sent +dirty [0-9]+ pages/s +remaining [0-9]+ pages +ETA [0-9]+ ms' | tail -n 1)
	if [ -n "$line" ]; then
		diag "terminal: $line"
		ok "$name"
	else
		notok "$name" "no progress line on the terminal: $(tr '\r' '\n' <"$tmp/$name.tty" | tail -n 3 | tr '\n' '|')"
	fi
}

# Without a key, tcp: is refused on both sides with what to do, and works
# in the clear only when both ask for it with --migrate-insecure.
case_plaintext() {
	local name=$1 sock="$tmp/$1.sock" rc
	nokey=1 vmm "$name" --memory 64M --control "$sock" "$MEMLOOP"
	wait_sock "$sock" || { notok "$name" "source has no control socket"; return; }
	next_port
	uri=tcp:127.0.0.1:$port
	ctl "$sock" migrate --wait "$uri"
	case "$reply" in *"without a key refused"*) ;; *)
		notok "$name" "source: no refusal of tcp: without a key: $reply"; return ;; esac
	nokey=1 vmm "$name-dst" --incoming "$uri" --memory 64M
	wait_exit "$last" 30
	[ "$rc" = 125 ] && grep -q "without a key refused" "$tmp/$name-dst.err" ||
		{ notok "$name" "destination: exit $rc: $(tail -n 1 "$tmp/$name-dst.err")"; return; }
	running "$sock" || { notok "$name" "the source is not running after the refusal"; return; }
	"$VMM" ctl "$sock" quit >/dev/null 2>&1
	sock=$tmp/$name-2.sock
	nokey=1 vmm "$name-2" --migrate-insecure --memory 64M --control "$sock" "$MEMLOOP"
	wait_sock "$sock" || { notok "$name" "second source has no control socket"; return; }
	nokey=1 vmm "$name-2-dst" --migrate-insecure --incoming "$uri" --memory 64M \
		--control "$tmp/$name-2-dst.sock"
	wait_listen "$name-2-dst" || { notok "$name" "insecure destination does not listen"; return; }
	migrate "$sock" "$uri" || { notok "$name" "--migrate-insecure on both: $reply"; return; }
	"$VMM" ctl "$tmp/$name-2-dst.sock" quit >/dev/null 2>&1
	ok "$name"
}

# An upstream-style guest whose boot-time reset the host refused: the
# image's upstream-boot replay on a memory map with an E820 entry a page
# past RAM. The host refuses that request and marks the status log
# unreliable (H-16); the guest writes READY all the same, as upstream
# does. Every migration must then be refused naming the stale log, before
# anything is sent, while the source runs on (V-11). Only a version-1
# guest can be READY with such a log, and version 1 needs the hypercall
# transport (H-15): on a KVM without hypercall exits the case skips.
case_unreliable() {
	local name=$1 sock="$tmp/$1.sock" src CPUS=1 line
	line=$("$VMM" --probe 2>/dev/null | grep -m1 '^hypercall-transport:')
	case "$line" in *": yes"*) ;; *)
		ok "$name" "no hypercall transport on this KVM, so no version 1 (H-15)"; return ;;
	esac
	vmm "$name" "${SEVSIM[@]}" --memory "$MEM" --cpus 1 --migctl v1 --control "$sock" "$IMAGE" \
		-- test=upstream-boot upstream.map=past-ram upstream.verdict=1
	src=$last
	wait_sock "$sock" || { notok "$name" "source has no control socket"; return; }
	if ! wait_out "$name" "upstream: verdict: " 60; then
		notok "$name" "the guest did not reach its verdict: $(tail -n 2 "$tmp/$name.out" | tr '\n' ' ')"
		return
	fi
	grep -q "verdict: refuse: may be stale" "$tmp/$name.out" ||
		{ notok "$name" "the guest saw no refused reset: $(grep verdict "$tmp/$name.out")"; return; }
	wait_out "$name" "upstream: parked" 60 || { notok "$name" "the guest did not park"; return; }
	dest "$name-dst" --migctl v1
	wait_listen "$name-dst" || { notok "$name" "destination does not listen"; return; }
	if migrate "$sock" "$uri"; then notok "$name" "migrated with a stale log: $reply"; return; fi
	diag "$(echo "$reply" | sed 's/.*"error":"\([^"]*\)".*/\1/')"
	case "$reply" in *"may be stale"*) ;; *)
		notok "$name" "no 'may be stale' in: $reply"; return ;;
	esac
	case "$reply" in *"refused: vcpu "*"hypercall 12 gpa 0x"*"npages 0x"*"(V-11)"*) ;; *)
		notok "$name" "the refusal does not name the refused request (V-11): $reply"; return ;;
	esac
	running "$sock" || { notok "$name" "the source is not running after the refusal"; return; }
	ctl "$tmp/$name-dst.sock" query-status
	case "$reply" in *'"status":"incoming-waiting"'*) ;; *)
		notok "$name" "the destination received something: $reply"; return ;;
	esac
	grep -q "Totals: pass:1 fail:0" "$tmp/$name.out" ||
		{ notok "$name" "the guest's own checks failed"; show "$name"; return; }
	"$VMM" ctl "$tmp/$name-dst.sock" quit >/dev/null 2>&1
	"$VMM" ctl "$sock" quit >/dev/null 2>&1
	ok "$name"
}

run_case() {	# name function [args]
	local name=$1
	# shellcheck disable=SC2254
	case "$name" in $FILTER) ;; *) return ;; esac
	"$2" "$name" "${@:3}"
}

fault_selftest() {
	local runs=$1 f caught valid
	LIMIT=$(scaled "${MIGCTL_VMM_LIMIT:-90}")	# a broken migration may leave a hung guest
	echo "KTAP version 1"
	echo "1..$(echo ${MIGCTL_VMM_FAULTS:-x x x x x} | wc -w)"
	for f in ${MIGCTL_VMM_FAULTS:-no-changed-set status-first no-final-round no-pause-wait \
		 status-after-resume}; do
		caught=0 valid=0
		VMM=$O-fault-$f/vmm/migctl-vmm
		if [ ! -x "$VMM" ]; then ok "fault-$f" "not built: make vmm-fault-builds"; continue; fi
		for r in $(seq "$runs"); do
			why="" rc=1
			hops
			case $? in
			0) c=$(corrupted "$tmp/d$HOPS.out") ;;
			2) c="guest failed: $why" ;;
			*) c="failed: $why" ;;
			esac
			# A refused connection is the harness's failure, not the fault's.
			case "$c" in *"cannot connect"*|*"does not listen"*|*"no control socket"*)
				diag "fault $f run $r: not counted: $c"; continue ;; esac
			valid=$((valid + 1))
			if [ "$rc" != 0 ] || [ "$c" != 0 ]; then caught=$((caught + 1)); fi
			diag "fault $f run $r: exit $rc, corrupted pages: $c"
			for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
			wait 2>/dev/null
			pids=()
		done
		diag "fault $f: caught $caught of $valid runs"
		if [ "$valid" -gt 0 ] && [ "$caught" = "$valid" ]; then ok "fault-$f"; else
			notok "fault-$f" "caught $caught of $valid runs"; fi
	done
	ktap_exit
}

[ "${1:-}" = --faults ] && fault_selftest "${2:-3}"

planned=()
for c in migrate-tcp migrate-late-status snapshot-restore refuse-sevsim-not-ready refuse-version-skew \
	 refuse-memory-mismatch refuse-destination-gone refuse-unreliable-log refuse-wrong-key tcp-plaintext-explicit \
	 cancel-and-retry progress-on-terminal converge-throttled; do
	# shellcheck disable=SC2254
	case "$c" in $FILTER) planned+=("$c") ;; esac
done
echo "KTAP version 1"
reason=$(need_image migrate) || skip_all "$reason" "${planned[@]}"
echo "1..${#planned[@]}"
diag "$CPUS vCPUs, $MEM, $HOPS hops, $CONVERSIONS conversions per vCPU before each migration, time limits x$SLOW"
# Covers: V-1, V-2, V-3, V-4, V-5, V-9
run_case migrate-tcp case_hops
# Covers: V-2
run_case migrate-late-status case_late
# Covers: V-5, V-9
run_case snapshot-restore case_snapshot
# Covers: V-6, V-9
run_case refuse-sevsim-not-ready refused "not READY" memloop ""
# Covers: V-8, V-9
run_case refuse-version-skew refused "version skew" workload "--migctl v1"
# Covers: V-8, V-9
# A destination with another memory size: 128M, or 64M when the source has 128M.
run_case refuse-memory-mismatch refused "memory layout mismatch" workload \
	"--memory $([ "$(lib_mib "$MEM")" = 128 ] && echo 64M || echo 128M)"
# Covers: V-9
run_case refuse-destination-gone refused "Connection refused" workload none
# Covers: V-11, H-16
run_case refuse-unreliable-log case_unreliable
# The destination of refuse-wrong-key holds another key (the last --migrate-key counts).
(umask 077 && head -c 32 /dev/urandom >"$tmp/other.key")
# Covers: V-16, V-9
run_case refuse-wrong-key refused "different migration keys" workload \
	"--migrate-key $tmp/other.key"
# Covers: V-16
run_case tcp-plaintext-explicit case_plaintext
# Covers: V-9
run_case cancel-and-retry case_cancel
run_case progress-on-terminal case_progress
run_case converge-throttled case_converge
finish
