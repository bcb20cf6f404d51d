#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# initramfs-test.sh - KTAP: initramfs.sh's archive holds what it should, the same bytes every time.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../../scripts/ktap.sh
. "$here/../../scripts/ktap.sh"
mk=$here/initramfs.sh
CASES=(contents same_bytes_twice bad_add_refused)

echo "KTAP version 1"
echo "1..${#CASES[@]}"
[ -x /bin/busybox ] || ktap_skip_all ${#CASES[@]} "no /bin/busybox (package busybox-static)" "${CASES[@]}"
command -v cpio >/dev/null || ktap_skip_all ${#CASES[@]} "no cpio (scripts/deps.sh)" "${CASES[@]}"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/initramfs-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
printf '#!/bin/sh\necho init\n' >"$tmp/init"
printf 'data\n' >"$tmp/data"
printf '#!/bin/sh\n' >"$tmp/tool"
chmod 0755 "$tmp/tool"

# contents: /init 0755, busybox and its applet links, --add files in place, no host owner.
"$mk" -o "$tmp/a.gz" --add "$tmp/data:/etc/x/data" --add "$tmp/tool:/bin/tool" "$tmp/init" \
	2>"$tmp/err" && zcat "$tmp/a.gz" | cpio -itv --quiet >"$tmp/list" 2>>"$tmp/err"
why=
grep -q '^-rwxr-xr-x .* root  *root .* init$' "$tmp/list" || why="/init is not root's, mode 0755"
grep -q ' bin/busybox$' "$tmp/list" || why="no bin/busybox"
grep -q ' bin/sh -> busybox$' "$tmp/list" || why="no bin/sh -> busybox"
grep -q '^-rw-r--r-- .* etc/x/data$' "$tmp/list" || why="no etc/x/data"
grep -q '^-rwxr-xr-x .* bin/tool$' "$tmp/list" || why="no executable bin/tool"
grep -q ' dev$' "$tmp/list" && grep -q ' proc$' "$tmp/list" || why="no /dev or /proc"
[ -z "$why" ] && [ -s "$tmp/list" ] && ktap_result ok contents ||
	ktap_result fail contents "${why:-$(head -n 3 "$tmp/err")}"

# same_bytes_twice: other mtimes on the inputs, another run: the same archive.
touch -d @1000000000 "$tmp/init" "$tmp/data" "$tmp/tool"
"$mk" --add "$tmp/data:/etc/x/data" --add "$tmp/tool:/bin/tool" "$tmp/init" >"$tmp/b.gz" 2>>"$tmp/err"
if cmp -s "$tmp/a.gz" "$tmp/b.gz"; then
	ktap_result ok same_bytes_twice
else
	ktap_result fail same_bytes_twice "two runs gave different archives"
fi

# bad_add_refused: each malformed --add fails with a message and writes nothing.
bad=
for a in "$tmp/data" "$tmp/data:etc/rel" "$tmp/data:/etc/../x" "$tmp/none:/etc/n" ":/etc/x"; do
	if "$mk" -o "$tmp/c.gz" --add "$a" "$tmp/init" 2>"$tmp/err.bad" || [ -e "$tmp/c.gz" ] ||
		! grep -q 'initramfs.sh: --add' "$tmp/err.bad"; then
		bad="--add $a: $(head -n 1 "$tmp/err.bad")"
		break
	fi
done
[ -z "$bad" ] && ktap_result ok bad_add_refused || ktap_result fail bad_add_refused "$bad"

ktap_totals
ktap_exit
