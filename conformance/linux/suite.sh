# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# conformance/linux/suite.sh - the Linux guest suite's common part: sourced by linux-*.sh, not run.
#
# Sources conformance/vmm/lib.sh (VMMs, sockets, waits, KTAP) and
# conformance/linux/lib.sh (the kernel, the checks before a boot), and
# gives the suite's programs one initramfs (conformance/linux/initramfs.sh:
# busybox, /init from guest-init.sh with the cases of guest-*.sh, the
# static tools of conformance/linux/tools/ and the module when it is
# built) and the helpers to boot it and read its console.
#
# A program sets CASES and calls suite_start, which prints the plan and
# skips every case when something the suite needs is missing.
#
# Environment: O (build tree, default build), MIGCTL_VMM,
# MIGCTL_LINUX_KERNEL (default: the newest /boot/vmlinuz-*), MIGCTL_SLOW,
# MIGCTL_LINUX_MEMORY (guest RAM: default 256M, 128M when MIGCTL_SLOW > 1),
# MIGCTL_LINUX_KEEP (a directory: the VMMs' consoles and stderr are
# written below it as they run, and kept at the end), MIGCTL_LINUX_CASES
# (a glob: only the cases it matches run, the others are skipped).

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=../vmm/lib.sh
. "$top/conformance/vmm/lib.sh"
# shellcheck source=lib.sh
. "$top/conformance/linux/lib.sh"
# The kernel's init_size and the initramfs need more than lib.sh's 64M.
MEM=${MIGCTL_LINUX_MEMORY:-$(by_platform 256M 128M)}
LIMIT=$(scaled 30)	# each migctl-vmm's life; a boot takes 3 s natively

TOOLS=$O/conformance/linux/tools
sock=$tmp
# With MIGCTL_LINUX_KEEP the files live there while the VMMs run, and stay.
if [ -n "${MIGCTL_LINUX_KEEP:-}" ]; then
	sock=$tmp	# sockets and the key stay local (a shared folder has no sockets)
	tmp=$(mktemp -d "$MIGCTL_LINUX_KEEP/run.XXXXXX") || exit 1
	keep() { cp "$tmp"/*.out "$tmp"/*.err "$MIGCTL_LINUX_KEEP/" 2>/dev/null; rm -rf "$sock"; }
	lib_cleanup_hooks+=(keep)
fi
MODULE=$O/guest/linux/migctl.ko

# suite_initramfs OUT [--add SRC:DST]...: the suite's initramfs, with more files.
suite_initramfs() {
	local out=$1 module_add=() f cases=()

	shift
	[ -r "$MODULE" ] && module_add=(--add "$MODULE:/lib/modules/migctl.ko")
	for f in "$here"/guest-*.sh; do
		[ "$f" = "$here/guest-init.sh" ] || cases+=(--add "$f:/etc/migctl/$(basename "$f")")
	done
	"$here/initramfs.sh" -o "$out" --add "$TOOLS/migctl-exit:/bin/migctl-exit" \
		--add "$TOOLS/memverify:/bin/memverify" "${module_add[@]}" "${cases[@]}" "$@" \
		"$here/guest-init.sh"
}

# suite_start: the plan for CASES; the suite's needs, else every case
# skipped; the initramfs, $tmp/initramfs.gz.
suite_start() {
	echo "KTAP version 1"
	echo "1..${#CASES[@]}"
	linux_preflight "$VMM" "$TOOLS/migctl-exit" "$TOOLS/memverify" -- "${CASES[@]}"
	if ! suite_initramfs "$tmp/initramfs.gz" >"$tmp/initramfs.log" 2>&1; then
		sed 's/^/# /' "$tmp/initramfs.log"
		ktap_skip_all ${#CASES[@]} "initramfs.sh failed" "${CASES[@]}"
	fi
	diag "kernel $kernel, initramfs $(stat -c %s "$tmp/initramfs.gz") bytes, memory $MEM, MIGCTL_SLOW=$SLOW"
}

# earlyprintk polls COM1's line status, so the console needs no UART
# interrupt; loglevel=4 keeps it short (each byte is an exit), the
# markers are level 2. printk.devkmsg=on: no rate limit on the markers.
CMDLINE=(earlyprintk=serial,ttyS0,115200,keep loglevel=4 acpi=off panic=-1 printk.devkmsg=on)

now_ms() { echo $((${EPOCHREALTIME/[.,]/} / 1000)); }

# marker NAME TEXT: the rest of the first console line "migctl-linux: TEXT".
marker() { tr -d '\r' <"$tmp/$1.out" | sed -n "s/.*migctl-linux: $2//p" | head -n 1; }

# out_or_gone NAME TEXT: NAME's console holds TEXT, or NAME has ended.
out_or_gone() { grep -qs -- "$2" "$tmp/$1.out" || gone "$1"; }

# wait_line NAME TEXT SECONDS: wait_out that ends when NAME does.
wait_line() { wait_until $(($3 * 10)) out_or_gone "$1" "$2" && grep -qs -- "$2" "$tmp/$1.out"; }

# linux NAME ARGS... -- GUEST-ARGS...: start migctl-vmm on the kernel as vmm() does.
linux() {
	local name=$1 opts=()
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
	shift
	vmm "$name" --memory "$MEM" --stats "${opts[@]}" --initrd "$tmp/initramfs.gz" \
		"$kernel" -- "${CMDLINE[@]}" "$@"
}

# stat_sum NAME: the protocol accesses in NAME's --stats line: control
# MSR reads and writes, PSC MSR writes, hypercalls (and protocol_exits).
stat_sum() {
	sed -n 's/^# stats: //p' "$tmp/$1.err" | tail -n 1 | tr ' ' '\n' |
		awk -F= '/^(protocol_exits|rdmsr_0x|wrmsr_0x|hypercalls)/ { n += $2; seen = 1 }
			 END { if (seen) print n }'
}

# fail_with NAME CASE WHY: the end of NAME's console and stderr, then not ok.
fail_with() {
	tr -d '\r' <"$tmp/$1.out" | tail -n 15 | sed 's/^/# serial: /'
	sed 's/^/# stderr: /' "$tmp/$1.err" | tail -n 10
	notok "$2" "$3"
}

# want NAME: the case runs, or is skipped (MIGCTL_LINUX_CASES) and false.
want() {
	# shellcheck disable=SC2053
	[[ $1 == ${MIGCTL_LINUX_CASES:-*} ]] && return 0
	ok "$1" "not in MIGCTL_LINUX_CASES"
	return 1
}

# num FILE TEXT KEY: the number after KEY= on the console line with TEXT.
num() { tr -d '\r' <"$tmp/$1.out" | grep -m1 -- "migctl-linux: $2" | sed -n "s/.* $3=\([0-9-]*\).*/\1/p"; }
# field FILE TEXT KEY: the word after KEY= there.
field() { tr -d '\r' <"$tmp/$1.out" | grep -m1 -- "migctl-linux: $2" | sed -n "s/.* $3=\([^ ]*\).*/\1/p"; }

