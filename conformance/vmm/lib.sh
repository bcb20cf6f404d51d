# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# lib.sh - helpers the shell suites on migctl-vmm share (sourced, not run).
# shellcheck shell=bash
#
# Sourced by vmm-suite.sh, hostile.sh, stream-faults.sh and netns.sh, and
# by badguest/check-guest-test.sh and guest-image/run-host-suite.sh for the
# slowness factor and the skip helpers. It sets O, VMM, IMAGE, SLOW, CPUS,
# MEM, LIMIT, CONVERSIONS, a temporary directory $tmp removed on exit with
# every VMM started through vmm(), and ok/notok/finish over scripts/ktap.sh.
#
# Every wait is for an event (a socket answers, a line appears, a status
# changes), polled every 0.1 s, and every time limit is a time on this
# project's test machines multiplied by SLOW; no check depends on SLOW.
#
# Environment:
#   MIGCTL_SLOW        how many times slower guests run here than on a
#                      machine's own KVM (integer, default 1; scripts/kvm-run
#                      sets it in its emulated VM): scales every time limit,
#                      and above 1 the sizes below default to smaller ones
#   O, MIGCTL_VMM, MIGCTL_TEST_IMAGE
#   MIGCTL_VMM_CPUS    vCPUs of the workload (default 2)
#   MIGCTL_VMM_MEMORY  guest memory (default 256M, or the script's own;
#                      64M when MIGCTL_SLOW > 1)
#   MIGCTL_VMM_LIMIT   seconds a VMM may live (default 150), times SLOW
#   MIGCTL_VMM_ARRIVAL_S  seconds a migrated workload guest has to report
#                      its check of the pages that arrived (default 5),
#                      times SLOW: a guest silent longer hangs
#   MIGCTL_VMM_CONVERSIONS  conversions each vCPU makes under a key before
#                      the next migration starts (default: one per group of
#                      4 pages of its share of the sev-sim window, which is
#                      half the memory: 4096 at 256M with 2 vCPUs; on a
#                      slow platform the window is 4 MiB: 128)
#   MIGCTL_VMM_DOWNTIME_MS  the sources' downtime target on a slow platform
#                      (default 300 times MIGCTL_SLOW)
#   MIGCTL_VMM_PAGES   pages each vCPU of the workload converts and writes
#                      (migrate.pages; default: its share of the window, or
#                      256 when MIGCTL_SLOW > 1)

lib_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Installed by make into $O/conformance/vmm: that tree's VMM; else $O, else build.
if [ -e "$lib_here/../guest-image/migctl-test.elf" ]; then
	O=$(cd "$lib_here/../.." && pwd)
else
	O=${O:-build}
fi

SLOW=${MIGCTL_SLOW:-1}
case $SLOW in
'' | *[!0-9]* | 0*)
	echo "lib.sh: MIGCTL_SLOW='$SLOW' is not a positive integer" >&2
	exit 2 ;;
esac

# by_platform NATIVE SLOW: the default for a machine's own KVM, or for a slow one.
by_platform() {
	if [ "$SLOW" -gt 1 ]; then echo "$2"; else echo "$1"; fi
}

scaled() {	# scaled SECONDS: a time limit on this platform
	echo $(($1 * SLOW))
}

# lib_mib SIZE: migctl-vmm --memory's SIZE (suffix K, M, G, T; bare: MiB) in MiB.
lib_mib() {
	local n=${1%[KkMmGgTt]}
	case $1 in
	*[Kk]) echo $((n / 1024)) ;;
	*[Gg]) echo $((n * 1024)) ;;
	*[Tt]) echo $((n * 1024 * 1024)) ;;
	*) echo "$n" ;;
	esac
}

VMM=${MIGCTL_VMM:-$O/vmm/migctl-vmm}
IMAGE=${MIGCTL_TEST_IMAGE:-$O/conformance/guest-image/migctl-test.elf}
CPUS=${MIGCTL_VMM_CPUS:-2}
# A script may set lib_memory, its own default on a machine's own KVM, before sourcing.
MEM=${MIGCTL_VMM_MEMORY:-$(by_platform "${lib_memory:-256M}" 64M)}
LIMIT=$(scaled "${MIGCTL_VMM_LIMIT:-150}")
# The window is half the memory, at most 65536 pages (migwork.h) shared by
# the vCPUs. On a slow platform it is 4 MiB, each vCPU converts and writes
# PAGES pages of it (migrate.pages) and the downtime target scales, so that
# a live migration of a guest that never stops writing still converges:
# there every byte the VMM moves costs 20 to 200 times more.
if [ "$SLOW" -gt 1 ]; then
	lib_window_mib=4
	SEVSIM=(--sev-sim --sev-sim-window 0x2000000:4M --downtime-ms "${MIGCTL_VMM_DOWNTIME_MS:-$((300 * SLOW))}")
	PAGES=${MIGCTL_VMM_PAGES:-256}
else
	lib_window_mib=$(($(lib_mib "$MEM") / 2))
	[ "$lib_window_mib" -gt 256 ] && lib_window_mib=256
	SEVSIM=(--sev-sim)
	PAGES=${MIGCTL_VMM_PAGES:-}
fi
CONVERSIONS=${MIGCTL_VMM_CONVERSIONS:-$((lib_window_mib * 256 / 4 / CPUS))}
[ "$CONVERSIONS" -gt 0 ] || CONVERSIONS=1

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

# Every VMM started through vmm() holds this pre-shared key, so each tcp:
# and unix: migration between them goes over the protected channel (V-16);
# nokey=1 vmm ... starts one without it (then tcp: needs --migrate-insecure).
(umask 077 && head -c 32 /dev/urandom >"$tmp/migrate.key")
KEY=(--migrate-key "$tmp/migrate.key")

port=$((20000 + $$ % 20000))
next_port() { port=$((port + 1)); }

# shellcheck source=../../scripts/ktap.sh
. "$lib_here/../../scripts/ktap.sh"
ok() { if [ -n "${2:-}" ]; then ktap_result skip "$1" "$2"; else ktap_result ok "$1"; fi; }
notok() { ktap_result fail "$1" "$2"; }
diag() { echo "# $*"; }
finish() { ktap_totals; ktap_exit; }

# skip_all WHY NAME...: when a script cannot run at all, its plan and
# every planned case skipped for WHY (ktap_skip_all), so that a runner
# counts each one; then the totals and exit 4.
skip_all() {
	local why=$1
	shift
	echo "1..$#"
	ktap_skip_all "$#" "$why" "$@"
}

# wait_until TENTHS CMD...: run CMD every 0.1 s until it succeeds, for at
# most TENTHS tenths of a second times SLOW; 1 when it never did.
wait_until() {
	local end now
	now=${EPOCHREALTIME/[.,]/}
	end=$((now + $1 * SLOW * 100000))
	shift
	until "$@"; do
		now=${EPOCHREALTIME/[.,]/}
		[ "$now" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# wait_grep FILE TEXT TENTHS: wait until FILE holds TEXT.
wait_grep() {
	wait_until "$3" grep -qs -- "$2" "$1"
}

ended() { ! kill -0 "$1" 2>/dev/null; }

# wait_exit PID SECONDS: wait until PID (a child) ends; its exit status in
# $rc, or "timeout" after killing it.
wait_exit() {
	if wait_until $(($2 * 10)) ended "$1"; then
		{ wait "$1"; rc=$?; } 2>/dev/null
		return 0
	fi
	kill "$1" 2>/dev/null
	{ wait "$1"; } 2>/dev/null
	rc=timeout
	return 1
}

declare -A lib_pid	# NAME -> the pid vmm() started it as

# vmm NAME ARGS...: start a VMM (with KEY unless nokey is set) in the
# background; its pid in $last, output in $tmp/NAME.*
vmm() {
	local name=$1 key=("${KEY[@]}"); shift
	[ -n "${nokey:-}" ] && key=()
	: >"$tmp/$name.out"; : >"$tmp/$name.err"
	timeout -k 5 "$LIMIT" "$VMM" "${key[@]}" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
	last=$!
	pids+=("$last")
	lib_pid[$name]=$last
}

# gone NAME: the VMM that vmm() started as NAME has ended (false when no
# such VMM is known).
gone() {
	local p=${lib_pid[$1]:-}
	[ -n "$p" ] && ! kill -0 "$p" 2>/dev/null
}

# The migctl-vmm process under the timeout that vmm() started as $1.
vmm_pid() {
	local c
	# No newline ends the list: read fails at its end even when it read a pid.
	read -r c _ 2>/dev/null </proc/"$1"/task/"$1"/children
	[ -n "$c" ] && echo "$c"
}

# lib_stacks PID: what each thread of process PID is doing, as
# diagnostics: its name, scheduler state and kernel wait channel, then,
# with gdb, each thread's user stack. For a run past its time limit,
# taken before it is killed: a hang is then a trace, not a guess.
lib_stacks() {
	local t
	[ -n "${1:-}" ] && [ -d "/proc/$1" ] || return 0
	for t in /proc/"$1"/task/*; do
		echo "# thread ${t##*/} $(cat "$t/comm" 2>/dev/null): state $(sed 's/.*) //; s/ .*//' "$t/stat" 2>/dev/null), wchan $(cat "$t/wchan" 2>/dev/null)"
	done
	command -v gdb >/dev/null || return 0
	timeout 60 gdb -batch -nx -p "$1" -ex "thread apply all bt 16" </dev/null 2>/dev/null |
		grep -E '^(Thread|#[0-9])' | sed 's/^/# gdb: /' | head -n 300
}

# A sev-sim destination for the workload VM on the next port: its URI in $uri.
dest() {
	local name=$1; shift
	next_port
	uri=tcp:127.0.0.1:$port
	vmm "$name" --incoming "$uri" "${SEVSIM[@]}" --memory "$MEM" --cpus "$CPUS" --stats \
		--control "$tmp/$name.sock" "$@"
}

answers() { "$VMM" ctl "$1" query-status >/dev/null 2>&1; }

answers_or_gone() { answers "$1" || gone "$(basename "$1" .sock)"; }
listens() { grep -qs -- "waiting for a migration" "$tmp/$1.err"; }
listens_or_gone() { listens "$1" || gone "$1"; }

# A VMM's start (its guest RAM, an ASan build, a loaded machine) has taken
# over 5 s on a busy two-CPU machine: these waits end when it is up or
# when it has ended (a VMM vmm() started, found by the socket's name), and
# only a VMM that never comes up waits out their 30 s (times SLOW).
wait_sock() {	# wait until control socket $1 (often $tmp/NAME.sock) answers
	wait_until 300 answers_or_gone "$1" && answers "$1"
}

wait_listen() {	# wait until the destination NAME listens
	wait_until 300 listens_or_gone "$1" && listens "$1"
}

# wait_out NAME TEXT SECONDS: wait until NAME's serial output holds TEXT.
wait_out() {
	wait_grep "$tmp/$1.out" "$2" $(($3 * 10))
}

# conversions_of NAME CPU: the last count of conversions under its current
# key that vCPU CPU of the workload guest on NAME printed (migrate.progress).
conversions_of() {
	sed -n "s/.*migrate: cpu $2: generation [0-9]*: \([0-9]*\) conversions.*/\1/p" \
		"$tmp/$1.out" 2>/dev/null | tail -n 1
}

converted() {	# NAME: every vCPU printed at least CONVERSIONS
	local c n
	for ((c = 0; c < CPUS; c++)); do
		n=$(conversions_of "$1" "$c")
		[ "${n:-0}" -ge "$CONVERSIONS" ] || return 1
	done
}

# corrupt_at_arrival NAME: the workload guest on NAME found corrupted
# pages when a migration arrived; prints that line.
corrupt_at_arrival() {
	grep -m1 -s 'generation [0-9]*: [0-9]* pages verified, [1-9][0-9]* corrupted' "$tmp/$1.out"
}

converted_or_ended() { converted "$1" || ended "$2" || corrupt_at_arrival "$1" >/dev/null; }

# arrivals NAME: how many vCPUs of the workload guest on NAME, a
# destination, reported their check of the pages that arrived (one line each).
arrivals() {
	grep -c -s 'migrate: cpu [0-9]*: generation [0-9]*: [0-9]* pages verified' "$tmp/$1.out"
}

arrived() { [ "$(arrivals "$1")" -ge "$CPUS" ]; }

arrived_or_ended() { arrived "$1" || ended "$2"; }

# wait_arrival NAME PID: wait until the guest on destination NAME (its VMM
# started as PID) has checked what arrived. A guest does that as soon as
# it runs again: 0.1 to 0.2 s after the reply natively, 0.4 to 0.5 s on
# the emulated KVM of scripts/kvm-run. One that says nothing for
# ARRIVAL_S (times SLOW) hangs, as a migration that lost pages of its
# kernel or stack can leave it (the no-final-round variant of the
# self-test did, once in a few runs), and waiting out the conversion
# limit (60 s times SLOW) only delayed the verdict. Sets why.
ARRIVAL_S=${MIGCTL_VMM_ARRIVAL_S:-5}
wait_arrival() {
	wait_until $((ARRIVAL_S * 10)) arrived_or_ended "$1" "$2"
	arrived "$1" && return 0
	local said
	said=$(arrivals "$1")
	if ended "$2"; then
		why="$1 ended before its guest checked the pages that arrived ($said of $CPUS vCPUs"
		why+=" reported); its guest's last line: $(tail -n 1 "$tmp/$1.out" 2>/dev/null)"
	else
		why="$1: the guest has not checked the pages that arrived in $(scaled "$ARRIVAL_S") s"
		why+=" ($said of $CPUS vCPUs reported): it hangs"
	fi
	return 1
}

# wait_converted NAME PID: wait until the workload guest on NAME (the VMM
# started as PID) has converted and written under its current key: every
# vCPU CONVERSIONS times. Instead of a time: a slow machine just takes
# longer. Fails at once when PID ended, or when the guest found corrupted
# pages as the migration arrived (no later step can undo that, and a
# broken migration may leave a guest that never converts again); sets why.
wait_converted() {
	local c counts="" bad
	wait_until 600 converted_or_ended "$1" "$2"
	if bad=$(corrupt_at_arrival "$1"); then
		why="$1: the guest found corrupted pages as the migration arrived: ${bad#*# }"
		return 1
	fi
	converted "$1" && return 0
	for ((c = 0; c < CPUS; c++)); do counts+=", cpu $c: $(conversions_of "$1" "$c" | grep . || echo none)"; done
	if ended "$2"; then
		why="$1 ended before every vCPU made $CONVERSIONS conversions ($(tail -n 1 "$tmp/$1.err"))$counts"
	else
		why="$1: not every vCPU made $CONVERSIONS conversions under its key in $(scaled 60) s$counts"
	fi
	return 1
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
	echo "cpus=$CPUS test=migrate migrate.progress=$CONVERSIONS ${PAGES:+migrate.pages=$PAGES }$*"
}

# lib_vmm_error RC FILE: why a VMM that exited RC with stderr FILE could not run.
lib_vmm_error() {
	local line
	line=$(sed -n 's/^migctl-vmm: //p' "$2" | tail -n 1)
	[ -n "$line" ] || line=$(tail -n 1 "$2")
	echo "migctl-vmm cannot run a VM here (exit $1): ${line:-no message}"
}

# Why migctl-vmm cannot run a VM here (no /dev/kvm, no permission, ...), or nothing.
vmm_unusable() {
	local rc
	[ -x "$VMM" ] || { echo "no VMM at $VMM (make)"; return; }
	timeout -k 5 "$(scaled 30)" "$VMM" --probe >/dev/null 2>"$tmp/probe.err" && return
	rc=$?
	lib_vmm_error "$rc" "$tmp/probe.err"
}

need_image() {	# NAME: prints why not and fails unless the image has scenario NAME
	local rc
	[ -x "$VMM" ] || { echo "no VMM at $VMM (make)"; return 1; }
	[ -e "$IMAGE" ] || { echo "no image at $IMAGE (make)"; return 1; }
	timeout -k 5 "$(scaled 30)" "$VMM" "$IMAGE" -- test=help >"$tmp/help.out" 2>"$tmp/help.err"
	rc=$?
	grep -q "^#   $1 " "$tmp/help.out" && return 0
	case $rc in
	125) lib_vmm_error "$rc" "$tmp/help.err" ;;	# the VMM's failure, not the guest's
	124 | 137) echo "$IMAGE did not answer test=help within $(scaled 30) s" ;;
	*) echo "the image has no $1 scenario" ;;
	esac
	return 1
}

json_num() {	# json_num KEY TEXT: the number after "KEY": in TEXT
	echo "$2" | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"
}
