# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# lib.sh - helpers the reliability scripts of conformance/vmm share (sourced, not run).
# shellcheck shell=bash
#
# Sourced by hostile.sh, stream-faults.sh and netns.sh after they set
# nothing; it sets O, VMM, IMAGE, CPUS, MEM, LIMIT, a temporary directory
# $tmp removed on exit with every VMM started through vmm(), and
# ok/notok/finish over scripts/ktap.sh. The same style as vmm-suite.sh.
# Environment: O, MIGCTL_VMM, MIGCTL_TEST_IMAGE, MIGCTL_VMM_CPUS (default 2),
# MIGCTL_VMM_MEMORY (default 256M), MIGCTL_VMM_LIMIT (seconds a VMM may live,
# default 150).

lib_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Installed by make into $O/conformance/vmm: that tree's VMM; else $O, else build.
if [ -e "$lib_here/../guest-image/migctl-test.elf" ]; then
	O=$(cd "$lib_here/../.." && pwd)
else
	O=${O:-build}
fi
VMM=${MIGCTL_VMM:-$O/vmm/migctl-vmm}
IMAGE=${MIGCTL_TEST_IMAGE:-$O/conformance/guest-image/migctl-test.elf}
CPUS=${MIGCTL_VMM_CPUS:-2}
MEM=${MIGCTL_VMM_MEMORY:-256M}
LIMIT=${MIGCTL_VMM_LIMIT:-150}

tmp=$(mktemp -d /tmp/migctl-rel.XXXXXX)
pids=()
lib_cleanup_hooks=()
lib_cleanup() {
	local h p
	for h in "${lib_cleanup_hooks[@]}"; do "$h"; done
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap lib_cleanup EXIT
trap 'exit 130' INT TERM

port=$((20000 + $$ % 20000))
next_port() { port=$((port + 1)); }

# shellcheck source=../../scripts/ktap.sh
. "$lib_here/../../scripts/ktap.sh"
ok() { if [ -n "${2:-}" ]; then ktap_result skip "$1" "$2"; else ktap_result ok "$1"; fi; }
notok() { ktap_result fail "$1" "$2"; }
diag() { echo "# $*"; }
finish() { ktap_totals; ktap_exit; }

# vmm NAME ARGS...: start a VMM in the background; its pid in $last, output in $tmp/NAME.*
vmm() {
	local name=$1; shift
	: >"$tmp/$name.out"; : >"$tmp/$name.err"
	timeout -k 5 "$LIMIT" "$VMM" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
	last=$!
	pids+=("$last")
}

# The migctl-vmm process under the timeout that vmm() started as $1.
vmm_pid() {
	local c
	# No newline ends the list: read fails at its end even when it read a pid.
	read -r c _ 2>/dev/null </proc/"$1"/task/"$1"/children
	[ -n "$c" ] && echo "$c"
}

# A sev-sim destination for the workload VM on the next port: its URI in $uri.
dest() {
	local name=$1; shift
	next_port
	uri=tcp:127.0.0.1:$port
	vmm "$name" --incoming "$uri" --sev-sim --memory "$MEM" --cpus "$CPUS" --stats \
		--control "$tmp/$name.sock" "$@"
}

wait_sock() {	# wait until a control socket answers
	for _ in $(seq 50); do
		"$VMM" ctl "$1" query-status >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# wait_grep FILE TEXT TENTHS: wait, at most TENTHS tenths of a second,
# until FILE holds TEXT.
wait_grep() {
	for _ in $(seq "$3"); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

wait_listen() {	# wait until the destination NAME listens
	wait_grep "$tmp/$1.err" "waiting for a migration" 50
}

# wait_out NAME TEXT SECONDS: wait until NAME's serial output holds TEXT.
wait_out() {
	wait_grep "$tmp/$1.out" "$2" $(($3 * 10))
}

# migrate SOCK URI: run the migration to its end; reply JSON in $reply.
migrate() {
	reply=$("$VMM" ctl "$1" migrate --wait "$2" 2>&1)
	case "$reply" in *'"status":"completed"'*) return 0 ;; esac
	return 1
}

running() {	# the VM behind control socket $1 answers and runs
	"$VMM" ctl "$1" query-status 2>/dev/null | grep -q '"status":"running"'
}

corrupted() {	# the guest's last count of corrupted pages in file $1, or "none"
	sed -n 's/.*corrupted pages: \([0-9]*\) of.*/\1/p' "$1" | tail -1 | grep . || echo none
}

workload() {	# the guest command line of the migration workload
	echo "cpus=$CPUS test=migrate $*"
}

need_image() {	# NAME: skip reason unless the image has scenario NAME
	[ -x "$VMM" ] || { echo "no VMM at $VMM"; return 1; }
	[ -e "$IMAGE" ] || { echo "no image at $IMAGE"; return 1; }
	"$VMM" "$IMAGE" -- test=help 2>/dev/null | grep -q "#   $1 " || {
		echo "the image has no $1 scenario"; return 1; }
}

json_num() {	# json_num KEY TEXT: the number after "KEY": in TEXT
	echo "$2" | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"
}
