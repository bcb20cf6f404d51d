#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# linux-console.sh - a busybox shell on the stock kernel's ttyS0: COM1's interrupts, input, and a live migration.
#
# The distribution's kernel boots with console=ttyS0 (Linux's 8250 driver
# on migctl-vmm's 16550A, no earlyprintk) and an initramfs whose /init
# runs a busybox shell on /dev/ttyS0. The shell's input is what the test
# writes to migctl-vmm's standard input (a FIFO, with --serial stdio), its
# output what comes back on standard output: a computed answer proves
# both directions went through the tty layer, which transmits on the
# THR-empty interrupt and receives on the data interrupt, and
# /proc/interrupts must count IRQ 4 for ttyS0.
#
#   shell_on_ttyS0         the shell answers; IRQ 4 counted; the guest's
#                          exit code comes back
#   shell_after_migration  the same shell, migrated live over unix: while
#                          it waits for input, answers on the destination
#                          (COM1's registers and the PIT travel in the VM
#                          state) and exits there
#
# Needs a standard KVM (through scripts/kvm-run here). Time limits scale
# with MIGCTL_SLOW; no check depends on time.
#
# Environment: O (build tree, default build), MIGCTL_VMM, MIGCTL_LINUX_KERNEL
# (default: the newest /boot/vmlinuz-*), MIGCTL_SLOW.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
O=${O:-build}
VMM=${MIGCTL_VMM:-$O/vmm/migctl-vmm}
EXIT_TOOL=$O/conformance/linux/tools/migctl-exit
SLOW=${MIGCTL_SLOW:-1}
# shellcheck source=../../scripts/ktap.sh
. "$top/scripts/ktap.sh"
# shellcheck source=../../conformance/linux/lib.sh
. "$top/conformance/linux/lib.sh"

CASES=(shell_on_ttyS0 shell_after_migration)
echo "KTAP version 1"
echo "1..${#CASES[@]}"

linux_preflight "$VMM" "$EXIT_TOOL" -- "${CASES[@]}"

# Local: a FIFO cannot live on a 9p share (kvm-run's).
tmp=$(mktemp -d /tmp/linux-console.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT

# The shell gets ttyS0 as its controlling terminal and says so once it has
# opened it: input written before that would be lost to the driver's
# start-up, which empties the FIFO.
cat >"$tmp/init" <<'EOF'
#!/bin/sh
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
exec setsid sh -c 'exec sh -i </dev/ttyS0 >/dev/ttyS0 2>&1' </dev/null
EOF
if ! "$top/conformance/linux/initramfs.sh" -o "$tmp/initramfs.gz" \
	--add "$EXIT_TOOL:/bin/migctl-exit" "$tmp/init" >"$tmp/initramfs.log" 2>&1; then
	sed 's/^/# /' "$tmp/initramfs.log"
	ktap_skip_all ${#CASES[@]} "initramfs.sh failed" "${CASES[@]}"
fi

CMDLINE=(console=ttyS0 loglevel=4 acpi=off panic=-1 8250.nr_uarts=1)
MEM=256M
PROMPT='/ # '	# busybox sh's for root in /
LIMIT=$((90 * SLOW))

# wait_for FILE TEXT SECONDS: until FILE holds TEXT. Also false once pid $4 (if given) ended.
wait_for() {
	local end=$((SECONDS + $3))
	while [ "$SECONDS" -lt "$end" ]; do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		[ -n "${4:-}" ] && ! kill -0 "$4" 2>/dev/null && { grep -qF -- "$2" "$1"; return; }
		sleep 0.2
	done
	return 1
}

declare -A in_fd

# vmm NAME ARGS...: a VMM reading FIFO $tmp/NAME.in, writing $tmp/NAME.out and .err; sets pid.
vmm() {
	local name=$1 fd
	shift
	mkfifo "$tmp/$name.in"
	# Held open read-write: the VMM's open does not wait, and no EOF comes early.
	exec {fd}<>"$tmp/$name.in"
	in_fd[$name]=$fd
	timeout -k 5 "$LIMIT" "$VMM" --serial stdio --console-input --timeout "$LIMIT" "$@" \
		<"$tmp/$name.in" >"$tmp/$name.out" 2>"$tmp/$name.err" &
	pid=$!
	pids+=("$pid")
}

# say NAME TEXT: a line to the shell of VMM NAME.
say() {
	printf '%s\n' "$2" >&"${in_fd[$1]}"
}

# The commands; their answers hold text the echoed commands do not.
ask() {	# ask NAME
	say "$1" 'echo "answer-$((6 * 7))-from-$(uname -r)"'
	say "$1" 'grep ttyS0 /proc/interrupts | sed "s/^/ir""q: /"'
}

# check NAME: why the shell's answers in NAME.out are wrong, or nothing.
check_answers() {
	local out=$tmp/$1.out n
	wait_for "$out" "answer-42-from-" $((30 * SLOW)) || { echo "no answer from the shell"; return; }
	wait_for "$out" "irq: " $((30 * SLOW)) || { echo "no ttyS0 line in /proc/interrupts"; return; }
	n=$(sed -n 's/^irq: *4: *\([0-9]*\).*/\1/p' "$out" | tr -d '\r' | head -n 1)
	[ -n "$n" ] && [ "$n" -gt 0 ] ||
		{ echo "IRQ 4 not counted for ttyS0: $(grep 'irq: ' "$out" | head -n 1)"; return; }
}

# finish_vm NAME PID: the shell ends the VM with code 4; sets why unless the VMM exits 4.
finish_vm() {
	local rc
	say "$1" '/bin/migctl-exit 4'
	wait "$2"
	rc=$?
	[ "$rc" -eq 4 ] ||
		why="migctl-vmm exit $rc, not the guest's 4: $(tail -n 2 "$tmp/$1.err" | tr '\n' ' ')"
}

report() {	# report CASE NAME WHY
	if [ -z "$3" ]; then
		ktap_result ok "$1"
		return
	fi
	tail -n 15 "$tmp/$2.out" | tr -d '\r' | sed 's/^/# serial: /'
	sed 's/^/# stderr: /' "$tmp/$2.err"
	ktap_result fail "$1" "$3"
}

# 1. The shell on ttyS0 answers.
why=""
start=$SECONDS
vmm one --memory "$MEM" --initrd "$tmp/initramfs.gz" "$kernel" -- "${CMDLINE[@]}"
if ! wait_for "$tmp/one.out" "$PROMPT" "$LIMIT" "$pid"; then
	why="no shell prompt on ttyS0"
else
	echo "# shell prompt after $((SECONDS - start)) s"
	ask one
	why=$(check_answers one)
	[ -z "$why" ] && finish_vm one "$pid"
fi
grep -m1 'irq: ' "$tmp/one.out" | tr -d '\r' | sed 's/^/# /'
report shell_on_ttyS0 one "$why"

# 2. The shell, waiting for input, migrated live; it answers on the destination.
why=""
vmm src --memory "$MEM" --control "$tmp/src.sock" --initrd "$tmp/initramfs.gz" "$kernel" \
	-- "${CMDLINE[@]}"
src=$pid
vmm dst --memory "$MEM" --incoming "unix:$tmp/dst.in.sock"
dst=$pid
if ! wait_for "$tmp/src.out" "$PROMPT" "$LIMIT" "$src"; then
	why="no shell prompt on the source"
elif ! reply=$("$VMM" ctl "$tmp/src.sock" migrate --wait "unix:$tmp/dst.in.sock" 2>&1) ||
	! [[ $reply == *'"status":"completed"'* ]]; then
	why="the migration did not complete: $reply"
else
	echo "# migrated: $(echo "$reply" | tr -d '\n' | cut -c1-200)"
	ask dst
	why=$(check_answers dst)
	[ -z "$why" ] && finish_vm dst "$dst"
	# The source exits once the destination has the VM.
	if [ -z "$why" ] && ! wait_for /dev/null x 30 "$src" && kill -0 "$src" 2>/dev/null; then
		why="the source still runs after the migration: $(tail -n 2 "$tmp/src.err" | tr '\n' ' ')"
	fi
fi
grep -m1 'irq: ' "$tmp/dst.out" | tr -d '\r' | sed 's/^/# /'
[ -n "$why" ] && { tail -n 5 "$tmp/src.out" | tr -d '\r' | sed 's/^/# source serial: /'; }
report shell_after_migration dst "$why"

ktap_totals
ktap_exit
