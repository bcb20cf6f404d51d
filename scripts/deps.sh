#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# deps.sh - installs the Debian packages migctl needs, when they are missing.
#
# Idempotent and silent when everything is installed. Needs root (or sudo)
# only when something is missing; otherwise says exactly what to install.
set -eu

# gcc, make, binutils, libc6-dev: building
# python3: the spec checks
# asciidoctor: make docs
# qemu-system-x86: the QEMU host conformance runs
# libsodium-dev: the protected migration channel, sev-sim's keys
# libxxhash-dev: the migration stream's END checksum (XXH3-128), at memory speed
# libgcrypt20-dev: the sev-sim firmware path (libgcrypt's AES-128-OCB, 0.61 us
#   a page with AES-NI against 0.88 us through OpenSSL 3; bench/fwbench.c)
# libssl-dev: sevsim_test checks that seal against OpenSSL's AES-128-OCB
# libjson-c-dev: the VMM's control socket parses and checks requests with json-c
# pkgconf: the install test builds programs with pkg-config
# gnuplot-nox: make bench draws its plots
# clang, libclang-rt-14-dev: the libFuzzer harnesses (fuzz/)
# valgrind: the host library tests under memcheck (fuzz/valgrind-host.sh)
# iproute2: ip netns and tc for the two-host test (conformance/vmm/netns.sh)
# iptables: iptables-legacy, packet loss in that test where the kernel has no
#   sch_netem (the statistic match of the legacy ip_tables)
# linux-image-amd64, busybox-static, cpio: scripts/kvm-run's Linux VM with a
#   standard KVM (kvm-amd) under QEMU, where this machine has none; also the
#   Linux guest on migctl-vmm (conformance/linux/initramfs.sh, linux-boot.sh)
# kmod: modprobe in that VM
# linux-headers-amd64: builds the guest/linux/ kernel module against the
#   headers of linux-image-amd64's kernel (the two meta-packages move together)
# kexec-tools: kexec -l/-e into a second kernel, the opt-out and boot-time
#   reset of the guest/linux/ module across kexec
PACKAGES="gcc make binutils libc6-dev python3 asciidoctor qemu-system-x86
libsodium-dev libxxhash-dev libgcrypt20-dev libssl-dev libjson-c-dev pkgconf gnuplot-nox clang libclang-rt-14-dev valgrind iproute2
iptables linux-image-amd64 busybox-static cpio kmod linux-headers-amd64 kexec-tools"

missing=""
for pkg in $PACKAGES; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
	[ "$status" = "installed" ] || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0

echo "deps: installing missing packages:$missing"
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		SUDO="sudo -n"
	else
		echo "deps: not root; run as root: apt-get install -y$missing" >&2
		exit 1
	fi
else
	SUDO=""
fi
export DEBIAN_FRONTEND=noninteractive
# Package lists may be absent or stale on a fresh machine.
if ! $SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null 2>&1; then
	$SUDO apt-get update -q >/dev/null
	if ! $SUDO apt-get install -y -q --no-install-recommends $missing; then
		echo "deps: apt-get install failed for:$missing" >&2
		exit 1
	fi
fi
echo "deps: installed:$missing"
