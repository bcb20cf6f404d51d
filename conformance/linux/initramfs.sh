#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# initramfs.sh - builds a gzip'd newc initramfs: busybox-static, an /init script and extra files.
#
# usage: conformance/linux/initramfs.sh [-o OUT] [--busybox PATH]
#            [--add SRC:DST]... INIT
#
# The archive holds /bin/busybox with a link per applet in /bin, the empty
# directories /dev /proc /sys /tmp /etc /root /lib/modules, INIT as /init
# (mode 0755) and each --add file SRC at DST (its mode kept, parents
# made). /dev/console is not in it: the kernel's built-in initramfs has
# it. The output is deterministic: the same inputs give the same bytes
# (sorted names, owner 0:0, mtime SOURCE_DATE_EPOCH or 0, cpio
# --reproducible, gzip -n).
#
#   -o OUT          where to write the archive (default: stdout)
#   --busybox PATH  the static busybox to use (default /bin/busybox, from
#                   busybox-static)
#   --add SRC:DST   a file (static binary, module, data) to put at DST
#
# Exit status: 0, or 1 with a message on stderr (missing input, bad DST).
set -eu

die() { echo "initramfs.sh: $*" >&2; exit 1; }

out=-
busybox=/bin/busybox
adds=()
init=
while [ $# -gt 0 ]; do
	case $1 in
	-o) [ $# -ge 2 ] || die "-o needs a file"; out=$2; shift 2 ;;
	--busybox) [ $# -ge 2 ] || die "--busybox needs a path"; busybox=$2; shift 2 ;;
	--add) [ $# -ge 2 ] || die "--add needs SRC:DST"; adds+=("$2"); shift 2 ;;
	--add=*) adds+=("${1#--add=}"); shift ;;
	-h|--help) sed -n '4,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) die "unknown option $1" ;;
	*) [ -z "$init" ] || die "one INIT only ('$1' is extra)"; init=$1; shift ;;
	esac
done
[ -n "$init" ] || die "no INIT script given (try --help)"
[ -f "$init" ] || die "INIT $init is not a file"
[ -x "$busybox" ] || die "$busybox is missing (package busybox-static)"
command -v cpio >/dev/null || die "cpio is missing (scripts/deps.sh installs it)"

dir=$(mktemp -d "${TMPDIR:-/tmp}/initramfs.XXXXXX")
trap 'rm -rf "$dir"' EXIT
root=$dir/root
mkdir -p "$root"/{bin,dev,proc,sys,tmp,etc,root,lib/modules}
cp "$busybox" "$root/bin/busybox"
chmod 0755 "$root/bin/busybox"
for applet in $("$busybox" --list | LC_ALL=C sort -u); do
	case $applet in
	*/*|''|busybox) continue ;;
	esac
	ln -s busybox "$root/bin/$applet"
done
cp "$init" "$root/init"
chmod 0755 "$root/init"

for a in ${adds[@]+"${adds[@]}"}; do
	src=${a%%:*}
	dst=${a#*:}
	[ "$src" != "$a" ] && [ -n "$src" ] && [ -n "$dst" ] || die "--add $a: not SRC:DST"
	case $dst in
	/*) ;;
	*) die "--add $a: DST must be an absolute path" ;;
	esac
	case /$dst/ in
	*/../*|*/./*) die "--add $a: DST may not hold . or .. components" ;;
	esac
	[ -f "$src" ] || die "--add $a: $src is not a file"
	mkdir -p "$root$(dirname "$dst")"
	cp "$src" "$root$dst"
done

# Deterministic metadata: one time stamp, no host owners, sorted entries.
stamp=${SOURCE_DATE_EPOCH:-0}
find "$root" -exec touch -h -d "@$stamp" {} +
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
	cpio -o -H newc --reproducible --owner=0:0 --quiet) >"$dir/archive.cpio"
if [ "$out" = - ]; then
	gzip -n -9 <"$dir/archive.cpio"
else
	gzip -n -9 <"$dir/archive.cpio" >"$out.tmp"
	mv "$out.tmp" "$out"
fi
