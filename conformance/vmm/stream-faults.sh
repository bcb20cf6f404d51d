#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# stream-faults.sh - migration fault trials on real KVM: cut, corrupt, stall, kill, garbage.
#
# The sev-sim migration workload (cpus=2) migrates along a chain of VMMs,
# over the protected channel (every VMM holds lib.sh's KEY). Each chain
# trial first breaks one migration: through faultproxy (built beside this
# script) the encrypted stream is cut or one byte flipped at a random
# offset (the handshake, a record's length, body or tag), or a byte of the
# source's HELLO nonce flipped (the keys no longer match), or the stream
# stalled and then cancelled, or the destination killed mid-stream. Then: the source must still run (query-status), the broken
# destination must exit with the VMM-failure code 125 and an error on
# stderr and no guest output (the guest never resumed there), and a retry
# to a good destination must complete, whose guest then checks every
# page: 0 corrupted. The retried destination is the next trial's source.
# Destination-only trials feed a destination random bytes over TCP (in the
# clear with --migrate-insecure, and where it expects the protected
# channel), and
# restore snapshot files that are truncated, carry garbage after a valid
# header, or name another format version; the intact snapshot then
# restores. Offsets come from MIGCTL_FAULT_SEED (printed).
# Prints "trials run: N, passed: M" and fails unless all passed.
# KTAP on stdout, kselftest exit codes.
#
# Environment: MIGCTL_FAULT_TRIALS (chain trials, default 12, about 1 min;
# 5 when MIGCTL_SLOW > 1, one of each kind; raise for a soak),
# MIGCTL_FAULT_SEED (default: from the clock), and those of lib.sh (memory
# default 128M here; 64M when MIGCTL_SLOW > 1).
#
# Covers: V-9, V-16, V-17

set -u
lib_memory=128M
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

PROXY=${MIGCTL_FAULTPROXY:-$O/conformance/vmm/faultproxy}
MEMLOOP=$O/vmm/tests/images/memloop.elf
TRIALS=${MIGCTL_FAULT_TRIALS:-$(by_platform 12 5)}
SEED=${MIGCTL_FAULT_SEED:-$(($(date +%s) % 100000))}
RANDOM=$SEED
# The first five are one of each kind.
KINDS=(cut flip kill stall hello cut flip)
kind_of() { echo "${KINDS[$((($1 - 1) % ${#KINDS[@]}))]}"; }

run=0 passed=0
declare -A kind_run kind_passed
rnd() { echo $((RANDOM << 15 | RANDOM)); }

trial_end() {	# KIND NAME WHY: one trial's verdict
	run=$((run + 1))
	kind_run[$1]=$((${kind_run[$1]:-0} + 1))
	if [ -z "$3" ]; then
		passed=$((passed + 1))
		kind_passed[$1]=$((${kind_passed[$1]:-0} + 1))
		ok "$2"
	else
		notok "$2" "$3"
	fi
}

# proxy NAME ARGS: faultproxy from the next port to $uri; its URI in $puri.
proxy() {
	local name=$1; shift
	next_port
	puri=tcp:127.0.0.1:$port
	timeout -k 5 "$LIMIT" "$PROXY" --listen "127.0.0.1:$port" --to "${uri#tcp:}" "$@" \
		2>"$tmp/$name.err" &
	pids+=("$!")
	wait_grep "$tmp/$name.err" listening 25
}

# The broken destination NAME (started as $2): exit 125, an error, no guest output.
dest_refused() {
	local name=$1 pid=$2
	wait_exit "$pid" 30 || { why="$name still runs $(scaled 30) s after the fault"; return; }
	[ "$rc" = 125 ] || { why="$name exited $rc, not 125"; return; }
	grep -q "migctl-vmm: .*fail" "$tmp/$name.err" ||
		{ why="$name gave no error: $(tail -n1 "$tmp/$name.err")"; return; }
	[ -s "$tmp/$name.out" ] && { why="$name resumed the guest: $(head -c 80 "$tmp/$name.out")"; return; }
	diag "$name: $(grep -m1 "migctl-vmm: .*fail" "$tmp/$name.err" | cut -c1-160)"
}

not_migrating() {	# SOCK: the source's migration is not (or no longer) active; $reply
	reply=$("$VMM" ctl "$1" query-migrate 2>&1)
	case "$reply" in *'"status":"active"'*|*'"status":"setup"'*) return 1 ;; esac
}

# migration_ended SOCK: wait (30 s) until the source's migration is no longer active.
migration_ended() {
	wait_until 300 not_migrating "$1"
}

rchar() {	# bytes process $1 has read (sockets included)
	sed -n 's/^rchar: //p' /proc/"$1"/io 2>/dev/null
}

# received_or_over PID BYTES SOCK: the destination PID has read BYTES, or
# the migration from SOCK is over.
received_or_over() {
	[ "$(rchar "$1")" -ge "$2" ] 2>/dev/null || not_migrating "$3"
}

# The fault of one chain trial against destination $dpid at $uri, from $sock; sets why.
break_migration() {
	local kind=$1 name=$2 off
	# The first half of the first hop's length: later hops send fewer
	# rounds, and a fault after their END leaves the outcome unknown (the
	# source stays paused: docs/migration-stream.adoc), not a trial.
	off=$(($(rnd) % (stream_len / 2)))
	[ $((RANDOM % 5)) = 0 ] && off=$(($(rnd) % 4096))	# the header and CONFIG
	case $kind in
	cut|flip)
		proxy "$name-proxy" --mode "${kind/cut/close}" --after "$off" --seed "$RANDOM" ||
			{ why="proxy does not listen"; return; }
		diag "$name: $kind at byte $off of about $stream_len"
		migrate "$sock" "$puri" && { why="migration completed through the $kind: $reply"; return; }
		;;
	hello)
		# A byte of the source's HELLO nonce: the destination derives other
		# keys and refuses the source's key confirmation (V-16).
		off=$((16 + RANDOM % 32))
		proxy "$name-proxy" --mode flip --after "$off" --seed "$RANDOM" ||
			{ why="proxy does not listen"; return; }
		diag "$name: flip at byte $off, in the source's HELLO"
		migrate "$sock" "$puri" && { why="migration completed through the flip: $reply"; return; }
		# the source's migrate may fail before the destination has said why
		wait_grep "$tmp/$name.err" "different migration keys" 300 ||
			{ why="the destination does not name the key mismatch: $(tail -n 1 "$tmp/$name.err")"; return; }
		;;
	stall)
		# Nothing moves until a side closes: the source's cancel must cut
		# its blocked send at once (not at the socket timeout).
		proxy "$name-proxy" --mode stall --after "$off" ||
			{ why="proxy does not listen"; return; }
		diag "$name: stall at byte $off, then cancel (32 MiB/s)"
		"$VMM" ctl "$sock" '{"cmd":"set-parameters","max_bandwidth_mib":32}' >/dev/null 2>&1
		"$VMM" ctl "$sock" migrate "$puri" >/dev/null 2>&1
		# The proxy has stopped forwarding: the stream stalls from here.
		wait_grep "$tmp/$name-proxy.err" "stalling after" 300 ||
			{ why="the proxy never stalled: $("$VMM" ctl "$sock" query-migrate 2>&1)"; return; }
		# Running, or paused when the stall came after the pause.
		"$VMM" ctl "$sock" query-status >/dev/null 2>&1 ||
			{ why="the source does not answer during the stall"; return; }
		reply=$("$VMM" ctl "$sock" cancel 2>&1)
		case "$reply" in *cancelling*|*"no active migration"*) ;; *)
			why="cancel: $reply"; return ;; esac
		local t0=$SECONDS
		migration_ended "$sock" || { why="the migration did not end after the cancel"; return; }
		[ $((SECONDS - t0)) -le "$(scaled 5)" ] ||
			{ why="the cancel took $((SECONDS - t0)) s to end the stalled migration"; return; }
		"$VMM" ctl "$sock" '{"cmd":"set-parameters","max_bandwidth_mib":0}' >/dev/null 2>&1
		;;
	kill)
		# Once the destination has read byte OFF of the stream (its
		# rchar), in pre-copy like the cut. Held to 32 MiB/s, the
		# stream takes seconds: polling 10 times a second finds it
		# within about 3 MiB of OFF, far before the END.
		local vpid base
		vpid=$(vmm_pid "$dpid") || { why="no destination process under $dpid"; return; }
		base=$(rchar "$vpid")
		diag "$name: kill -9 of the destination once it has read byte $off of about $stream_len (32 MiB/s)"
		"$VMM" ctl "$sock" '{"cmd":"set-parameters","max_bandwidth_mib":32}' >/dev/null 2>&1
		"$VMM" ctl "$sock" migrate "$uri" >/dev/null 2>&1
		wait_until 300 received_or_over "$vpid" $((base + off)) "$sock"
		diag "$name: killed after $(($(rchar "$vpid") - base)) bytes read"
		kill -9 "$vpid" 2>/dev/null
		{ wait "$dpid"; } 2>/dev/null
		migration_ended "$sock" || { why="the migration did not end after the kill"; return; }
		"$VMM" ctl "$sock" '{"cmd":"set-parameters","max_bandwidth_mib":0}' >/dev/null 2>&1
		;;
	esac
	case "$reply" in *'"status":"completed"'*)
		why="the broken migration completed: $reply"; return ;;
	esac
	diag "$name: source: $(echo "$reply" | sed -n 's/.*"error":"\([^"]*\)".*/\1/p' | cut -c1-150)"
}

checked() { [ "$(grep -c "pages verified" "$tmp/$1.out")" -ge "$CPUS" ]; }

# verified NAME: the resumed guest's check after the migration found 0 corrupted pages.
verified() {
	local c
	wait_until 300 checked "$1"
	c=$(grep "pages verified" "$tmp/$1.out" | sed 's/.* \([0-9]*\) corrupted.*/\1/' | sort -u |
	    tr '\n' ' ')
	[ "$c" = "0 " ] || why="after the retry: corrupted ${c:-unknown (no check printed)}"
}

# One chain trial; returns non-zero when the chain cannot go on (no running source).
chain_trial() {
	local i=$1 kind=$2 name=t$1-$2 dpid
	why=""
	dest "$name"
	dpid=$last
	wait_listen "$name" || why="destination does not listen"
	[ -z "$why" ] && break_migration "$kind" "$name"
	[ -z "$why" ] && ! running "$sock" && why="the source is not running after the fault"
	[ -z "$why" ] && [ "$kind" != kill ] && dest_refused "$name" "$dpid"
	if [ -z "$why" ]; then
		dest "$name-retry"
		if ! wait_listen "$name-retry"; then
			why="retry destination does not listen"
		elif ! migrate "$sock" "$uri"; then
			why="retry failed: $reply"
		else
			sock=$tmp/$name-retry.sock cur=$last
			verified "$name-retry"
		fi
	fi
	trial_end "$kind" "$name" "$why"
	kill "$dpid" 2>/dev/null
	running "$sock"
}

# The chain's first hop goes through a pass-through proxy: the stream's length.
first_hop() {
	# shellcheck disable=SC2046
	vmm src "${SEVSIM[@]}" --memory "$MEM" --cpus "$CPUS" --control "$tmp/src.sock" "$IMAGE" -- \
		$(workload migrate.count=$((TRIALS + 1)))
	sock=$tmp/src.sock cur=$last
	wait_sock "$sock" || { why="source has no control socket"; return 1; }
	wait_converted src "$cur" || return 1
	dest d0
	wait_listen d0 || { why="d0 does not listen"; return 1; }
	proxy p0 --mode pass || { why="proxy does not listen"; return 1; }
	migrate "$sock" "$puri" || { why="first migration: $reply"; return 1; }
	stream_len=$(json_num bytes "${reply#*\"stats\":}")
	sock=$tmp/d0.sock cur=$last
	diag "first hop through the pass-through proxy: $stream_len bytes"
	[ "${stream_len:-0}" -gt 4096 ] || { why="no stream length in: $reply"; return 1; }
	wait_sock "$sock" || { why="d0 has no control socket"; return 1; }
}

# Destination-only trials: a restore or an incoming stream that must be refused.
# refuse_file KIND NAME FILE [TEXT]: --incoming file:FILE must fail cleanly,
# and its error contain TEXT when given.
refuse_file() {
	why=""
	vmm "$2" --incoming "file:$3" --memory 64M
	dest_refused "$2" "$last"
	[ -n "$why" ] || [ -z "${4:-}" ] || grep -qF "$4" "$tmp/$2.err" ||
		why="the refusal does not say \"$4\": $(tail -n 1 "$tmp/$2.err")"
	trial_end "$1" "$2" "$why"
}

# The restored memloop (started as $1) printed two passes, a difference, or ended.
restored_passes() {
	[ "$(tr -cd . <"$tmp/restore.out" | wc -c)" -ge 2 ] || grep -q "memloop bad" "$tmp/restore.out" ||
		ended "$1"
}

# garbage_trial NAME [--migrate-insecure]: a destination on tcp: fed random
# bytes, in the clear or (without the option) expecting the protected channel.
garbage_trial() {
	local name=$1 plain=${2:-}
	why=""
	if [ -n "$plain" ]; then
		nokey=1 vmm "$name-dst" "$plain" --incoming "tcp:127.0.0.1:$((port + 1))" --memory 64M
	else
		vmm "$name-dst" --incoming "tcp:127.0.0.1:$((port + 1))" --memory 64M
	fi
	next_port
	if wait_listen "$name-dst"; then
		timeout -k 5 "$LIMIT" "$PROXY" --to "127.0.0.1:$port" --garbage 1000000 \
			--seed "$RANDOM" 2>"$tmp/$name.err"
		dest_refused "$name-dst" "$last"
	else
		why="does not listen"
	fi
	trial_end garbage-tcp "$name" "$why"
}

dest_only_trials() {
	local snap=$tmp/snap.bin len off ver
	why=""
	vmm snapsrc --memory 64M --control "$tmp/snapsrc.sock" "$MEMLOOP"
	if ! wait_sock "$tmp/snapsrc.sock" || ! migrate "$tmp/snapsrc.sock" "file:$snap"; then
		why="no snapshot of memloop: ${reply:-no control socket}"
		for k in truncated-file:restore-truncated garbage-file:restore-garbage-after-header \
			 version:restore-format-version-next garbage-tcp:garbage-over-tcp \
			 garbage-tcp:garbage-over-tcp-protected retry-file:restore-intact; do
			trial_end "${k%%:*}" "${k#*:}" "$why"
		done
		return
	fi
	len=$(stat -c %s "$snap")
	diag "memloop snapshot: $len bytes"
	off=$(($(rnd) % len))
	head -c "$off" "$snap" >"$tmp/cut.bin"
	diag "snapshot cut at byte $off"
	refuse_file truncated-file restore-truncated "$tmp/cut.bin"
	{ head -c 12 "$snap"; head -c 65536 /dev/urandom; } >"$tmp/garbage.bin"
	refuse_file garbage-file restore-garbage-after-header "$tmp/garbage.bin"
	# The version after this build's own (header offset 8): refused, and the
	# error names it.
	ver=$(od -An -tu1 -j8 -N1 "$snap" | tr -d ' ')
	cp "$snap" "$tmp/vnext.bin"
	printf "\\$(printf %03o $((ver + 1)))" |
		dd of="$tmp/vnext.bin" bs=1 seek=8 conv=notrunc status=none
	refuse_file version restore-format-version-next "$tmp/vnext.bin" \
		"format version $((ver + 1))"
	garbage_trial garbage-over-tcp --migrate-insecure
	garbage_trial garbage-over-tcp-protected
	# The intact snapshot restores and the guest goes on checking its memory.
	why=""
	vmm restore --incoming "file:$snap" --memory 64M --control "$tmp/restore.sock"
	wait_sock "$tmp/restore.sock" && wait_until 300 restored_passes "$last"
	[ "$(tr -cd . <"$tmp/restore.out" | wc -c)" -ge 2 ] && ! grep -q "memloop bad" "$tmp/restore.out" ||
		why="the intact snapshot does not run: $(tail -c 80 "$tmp/restore.out") $(tail -n1 "$tmp/restore.err")"
	"$VMM" ctl "$tmp/restore.sock" quit >/dev/null 2>&1
	trial_end retry-file restore-intact "$why"
}

planned=(first-hop)
for i in $(seq "$TRIALS"); do planned+=("t$i-$(kind_of "$i")"); done
planned+=(chain-final restore-truncated restore-garbage-after-header restore-format-version-next
	  garbage-over-tcp garbage-over-tcp-protected restore-intact)

echo "KTAP version 1"
reason=$(need_image migrate)
[ -z "$reason" ] && [ ! -x "$PROXY" ] && reason="no faultproxy at $PROXY (make)"
[ -z "$reason" ] && [ ! -e "$MEMLOOP" ] && reason="no memloop image at $MEMLOOP (make)"
[ -n "$reason" ] && skip_all "$reason" "${planned[@]}"
echo "1..${#planned[@]}"
diag "seed $SEED (MIGCTL_FAULT_SEED=$SEED reproduces the offsets), $TRIALS chain trials, $CPUS vCPUs, $MEM, $CONVERSIONS conversions per vCPU before the first hop, time limits x$SLOW"
why=""
if first_hop; then
	ok first-hop
	for i in $(seq "$TRIALS"); do
		chain_trial "$i" "$(kind_of "$i")" && continue
		for j in $(seq $((i + 1)) "$TRIALS"); do
			trial_end "$(kind_of "$j")" "t$j-$(kind_of "$j")" "no running source left"
		done
		break
	done
	# The last destination's guest ends after TRIALS + 1 migrations with its final check.
	why=""
	wait_exit "$cur" 60 || why="the guest did not finish"
	c=$(corrupted "$tmp/$(basename "$sock" .sock).out")
	if [ -z "$why" ] && { [ "$rc" != 0 ] || [ "$c" != 0 ]; }; then
		why="final guest: exit $rc, corrupted pages: $c"
	fi
	diag "final guest: exit ${rc:-?}, corrupted pages: $c"
	if [ -z "$why" ]; then ok chain-final; else notok chain-final "$why"; fi
else
	notok first-hop "$why"
	for i in $(seq "$TRIALS"); do
		trial_end "$(kind_of "$i")" "t$i-$(kind_of "$i")" "no chain: $why"
	done
	notok chain-final "no chain"
fi
dest_only_trials
for k in "${!kind_run[@]}"; do
	diag "$k: ${kind_passed[$k]:-0} of ${kind_run[$k]} passed"
done | sort
diag "trials run: $run, passed: $passed"
finish
