#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# linux-boot.sh - how long the distribution's Linux kernel takes to reach /init on migctl-vmm.
#
# usage: O=build bench/linux-boot.sh [RUNS]
#        O=build scripts/kvm-run -- bench/linux-boot.sh [RUNS]   (no standard KVM here)
#
# Boots /boot/vmlinuz-* (or MIGCTL_LINUX_KERNEL) RUNS times (default 3)
# with 1, 2 and 4 vCPUs and 256 MiB, as vmm/tests/linux-boot.sh does: an
# initramfs from conformance/linux/initramfs.sh whose /init prints a line
# on the earlyprintk console and ends the VM with migctl-exit. Per boot:
# the host's time from starting migctl-vmm to that line in the COM1 file
# (read from a FIFO as the lines come), the guest's uptime then (from kvm-clock, so without
# the kernel's decompression) and migctl-vmm's whole run. Then the median
# of each. The load average goes with the figures: on a busy machine they
# include the wait for a CPU.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/.." && pwd)
O=${O:-build}
runs=${1:-3}
VMM=${MIGCTL_VMM:-$O/vmm/migctl-vmm}
EXIT_TOOL=$O/conformance/linux/tools/migctl-exit
kernel=${MIGCTL_LINUX_KERNEL:-$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)}
for f in "$VMM" "$EXIT_TOOL" "$kernel"; do
	[ -r "$f" ] || { echo "linux-boot.sh: no $f (make O=$O; linux-image-amd64)" >&2; exit 2; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/linux-boot-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/init" <<'EOI'
#!/bin/sh
mount -t proc proc /proc
mount -t devtmpfs dev /dev
echo "<2>migctl-linux: init uptime=$(cut -d' ' -f1 /proc/uptime)" >/dev/kmsg
/bin/migctl-exit 0
EOI
"$top/conformance/linux/initramfs.sh" -o "$tmp/initramfs.gz" \
	--add "$EXIT_TOOL:/bin/migctl-exit" "$tmp/init" || exit 2

now_ms() { echo $((${EPOCHREALTIME/[.,]/} / 1000)); }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "# commit $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo ?), kernel $(uname -r)," \
	"guest $(basename "$kernel"), MIGCTL_SLOW=${MIGCTL_SLOW:-1}, load $(cut -d' ' -f1-3 /proc/loadavg)"
limit=$((120 * ${MIGCTL_SLOW:-1}))
for cpus in 1 2 4; do
	: >"$tmp/to-init" && : >"$tmp/uptime" && : >"$tmp/total"
	for ((i = 1; i <= runs; i++)); do
		log=$tmp/serial.log
		rm -f "$tmp/com1" && mkfifo "$tmp/com1"
		start=$(now_ms)
		"$VMM" --cpus "$cpus" --memory 256M --timeout "$limit" --serial "$tmp/com1" \
			--initrd "$tmp/initramfs.gz" "$kernel" -- \
			earlyprintk=serial,ttyS0,115200,keep loglevel=4 acpi=off panic=-1 \
			2>"$tmp/err" &
		pid=$!
		# Blocking reads, no polling: on a one-CPU machine a poller would
		# take the CPU from the guest it times.
		seen=
		while IFS= read -r line; do
			[ -z "$seen" ] && [[ $line == *"migctl-linux: init"* ]] && seen=$(($(now_ms) - start))
			printf '%s\n' "$line"
		done <"$tmp/com1" >"$log"
		wait "$pid"
		rc=$?
		total=$(($(now_ms) - start))
		up=$(tr -d '\r' <"$log" | sed -n 's/.*migctl-linux: init uptime=//p' | head -n 1)
		if [ "$rc" -ne 0 ] || [ -z "$up" ]; then
			echo "$cpus vCPUs run $i: failed (exit $rc): $(tail -n 2 "$tmp/err" | tr '\n' ' ')"
			continue
		fi
		echo "$cpus vCPUs run $i: init after $seen ms (guest uptime ${up} s), migctl-vmm ran $total ms"
		echo "$seen" >>"$tmp/to-init"
		echo "$up" >>"$tmp/uptime"
		echo "$total" >>"$tmp/total"
	done
	[ -s "$tmp/to-init" ] &&
		echo "$cpus vCPUs median: init after $(median <"$tmp/to-init") ms (guest uptime" \
			"$(median <"$tmp/uptime") s), migctl-vmm ran $(median <"$tmp/total") ms"
done
