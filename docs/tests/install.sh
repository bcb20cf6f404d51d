#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# install.sh - make install into a DESTDIR, build programs against it with pkg-config, uninstall.
#
# KTAP on stdout; exit 0 pass, 1 fail, 4 skip. Runs from the source tree
# with the build directory ${O:-build}; installs with PREFIX=/opt/migctl
# (outside every default search path, so the pkg-config flags are really
# needed) into a temporary DESTDIR and points pkg-config there with
# PKG_CONFIG_LIBDIR and PKG_CONFIG_SYSROOT_DIR.

# shellcheck source=scripts/ktap.sh
. "$(dirname "$0")/../../scripts/ktap.sh" || exit 1
cd "$(dirname "$0")/../.." || exit 1
O=${O:-build}
CC=${CC:-gcc}
PREFIX=/opt/migctl
PKG_CONFIG=${PKG_CONFIG:-pkg-config}
VERSION=$(sed -n 's/^VERSION[[:space:]]*:=[[:space:]]*//p' Makefile)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/migctl-install.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
stage=$tmp/stage
root=$stage$PREFIX
plan=10
# The cases after make_install, in order; each needs the install.
after_install=(installed_files shared_library pkgconfig_metadata headers_compile_alone
	host_program_shared host_program_static guest_program_freestanding
	conformance_installed make_uninstall)

# A make of the project's own, not tied to the jobserver of a calling make.
pmake() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory O="$O" \
		PREFIX="$PREFIX" DESTDIR="$stage" "$@"
}

# pkg-config on the staged tree; white space squeezed for comparisons.
pc() {
	PKG_CONFIG_LIBDIR=$root/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$stage \
		"$PKG_CONFIG" "$@" | tr -s ' ' | sed 's/^ //; s/ $//'
}

echo "KTAP version 1"
echo "1..$plan"

if ! command -v "$PKG_CONFIG" >/dev/null 2>&1; then
	ktap_skip_all $plan "$PKG_CONFIG not installed (apt-get install pkgconf)" \
		make_install "${after_install[@]}"
fi

# 1: the install itself; nothing else can be checked without it.
if pmake install >"$tmp/install.log" 2>&1; then
	ktap_result ok make_install
else
	sed 's/^/# /' "$tmp/install.log" | tail -n 20
	ktap_result fail make_install "make install failed"
	ktap_skip_all $plan "make install failed" "${after_install[@]}"
fi

# 2: what lands where. Everything below the prefix, in the usual places.
expected="bin/migctl-conformance
bin/migctl-vmm
include/migctl/arch/x86/migctl-x86.h
include/migctl/logstream.h
include/migctl/migctl-guest.h
include/migctl/migctl-host.h
include/migctl/migctl.h
include/migctl/statuslog.h
include/migctl/types.h
lib/libmigctl-guest.a
lib/libmigctl-host.a
lib/libmigctl-host.so
lib/libmigctl-host.so.0
lib/libmigctl-host.so.$VERSION
lib/pkgconfig/migctl-guest.pc
lib/pkgconfig/migctl-host.pc
libexec/migctl/conformance/checker/tests/checker_api_test
libexec/migctl/conformance/checker/tests/checker_good_test
libexec/migctl/conformance/checker/tests/checker_refguest_test
libexec/migctl/conformance/checker/tests/checker_rules_test
libexec/migctl/conformance/guest-image/migctl-test.elf
libexec/migctl/conformance/guest-image/run-host-suite.sh
libexec/migctl/conformance/guest/guest_discovery_test
libexec/migctl/conformance/guest/guest_lifecycle_test
libexec/migctl/conformance/guest/guest_negotiation_test
libexec/migctl/conformance/guest/guest_notify_test
libexec/migctl/conformance/guest/guest_smp_test
libexec/migctl/conformance/lib/runner
share/doc/migctl/conformance.html
share/doc/migctl/guest-embedding.html
share/doc/migctl/host-integration.html
share/doc/migctl/index.html
share/doc/migctl/migctl-conformance.1.html
share/doc/migctl/migctl-vmm.1.html
share/doc/migctl/migctl.html
share/doc/migctl/quickstart.html
share/man/man1/migctl-conformance.1
share/man/man1/migctl-vmm.1"
(cd "$stage" && find . \( -type f -o -type l \) | sed 's|^\./||' | sort) > "$tmp/all"
sed -n "s|^${PREFIX#/}/||p" "$tmp/all" > "$tmp/files"
missing=$(echo "$expected" | sort | comm -23 - "$tmp/files")
outside=$(grep -v "^${PREFIX#/}/" "$tmp/all")
stray=$(grep -v -E '^(bin/|include/migctl/|lib/|libexec/migctl/|share/man/man1/|share/doc/migctl/)' "$tmp/files")
echo "# $(wc -l < "$tmp/files") files installed"
if [ -z "$missing$outside$stray" ]; then
	ktap_result ok installed_files
else
	for f in $missing; do echo "# missing: $f"; done
	for f in $outside $stray; do echo "# unexpected: $f"; done
	ktap_result fail installed_files
fi

# 3: the shared library: links, soname, only the public API exported.
so=$root/lib/libmigctl-host.so.$VERSION
why=""
[ "$(readlink "$root/lib/libmigctl-host.so")" = libmigctl-host.so.0 ] ||
	why="libmigctl-host.so does not point to libmigctl-host.so.0"
[ "$(readlink "$root/lib/libmigctl-host.so.0")" = "libmigctl-host.so.$VERSION" ] ||
	why="libmigctl-host.so.0 does not point to libmigctl-host.so.$VERSION"
readelf -d "$so" 2>/dev/null | grep -q 'SONAME.*\[libmigctl-host.so.0\]' ||
	why="${why:-soname is not libmigctl-host.so.0}"
declared=$(sed -n 's/^[a-z].*[ *]\(migctl_host_[a-z0-9_]*\)(.*/\1/p' \
	"$root"/include/migctl/{migctl-host,statuslog,logstream}.h | sort)
exported=$(nm -D --defined-only "$so" 2>/dev/null | awk '$2 == "T" { print $3 }' | sort)
if [ "$declared" != "$exported" ]; then
	why="${why:-exported symbols differ from the declared API}"
	diff <(echo "$declared") <(echo "$exported") | sed 's/^/# /'
fi
echo "# $(echo "$exported" | wc -l) functions exported"
[ -z "$why" ] && ktap_result ok shared_library || ktap_result fail shared_library "$why"

# 4: pkg-config answers with paths inside the staged prefix.
want_host="-I$root/include/migctl -I$root/include"
want_guest="-I$root/include/migctl -I$root/include/migctl/arch/x86 -I$root/include"
got_host=$(pc --cflags migctl-host 2>&1)
got_guest=$(pc --cflags migctl-guest 2>&1)
libs_host=$(pc --libs migctl-host 2>&1)
ver=$(pc --modversion migctl-host 2>&1)
echo "# migctl-host: $got_host $libs_host"
echo "# migctl-guest: $got_guest $(pc --libs migctl-guest 2>&1)"
if [ "$got_host" = "$want_host" ] && [ "$got_guest" = "$want_guest" ] &&
   [ "$libs_host" = "-L$root/lib -lmigctl-host -lpthread" ] && [ "$ver" = "$VERSION" ]; then
	ktap_result ok pkgconfig_metadata
else
	ktap_result fail pkgconfig_metadata "expected cflags '$want_host' / '$want_guest', version $VERSION"
fi

# 5: every installed header compiles alone with the pkg-config flags;
# the guest's freestanding, the host's hosted.
bad=""
for h in migctl.h types.h migctl-host.h statuslog.h logstream.h; do
	echo "#include \"$h\"" > "$tmp/h.c"
	[ "$h" = types.h ] && echo '#include <migctl/types.h>' > "$tmp/h.c"
	$CC -std=gnu11 -Wall -Wextra -Werror $(pc --cflags migctl-host) -c "$tmp/h.c" \
		-o "$tmp/h.o" 2>"$tmp/h.log" || { bad="$bad $h"; sed 's/^/# /' "$tmp/h.log"; }
done
for h in migctl-guest.h migctl-x86.h; do
	echo "#include \"$h\"" > "$tmp/h.c"
	$CC -std=gnu11 -Wall -Wextra -Werror -ffreestanding -nostdinc \
		-isystem "$($CC -print-file-name=include)" $(pc --cflags migctl-guest) \
		-c "$tmp/h.c" -o "$tmp/h.o" 2>"$tmp/h.log" ||
		{ bad="$bad $h"; sed 's/^/# /' "$tmp/h.log"; }
done
[ -z "$bad" ] && ktap_result ok headers_compile_alone || ktap_result fail headers_compile_alone "failed:$bad"

# 6, 7: a VMM-side program: a version-2 host answers a control-MSR write.
cat > "$tmp/host.c" <<'PROG'
#include <stdio.h>
#include "migctl-host.h"

int main(void)
{
	struct migctl_host_region ram = { 0, 64 << 20 };
	struct migctl_host_config cfg = {
		.min_version = MIGCTL_VERSION_1, .max_version = MIGCTL_VERSION_2,
		.features = MIGCTL_F_MSR_PSC, .encrypted = true, .ram = &ram, .nr_ram = 1,
	};
	u64 ready = MIGCTL_CTL_VALUE(MIGCTL_VERSION_2, MIGCTL_F_MSR_PSC), v = 0;
	struct migctl_host_state st;
	struct migctl_host *h;

	if (migctl_host_create(&cfg, &h))
		return 2;
	if (migctl_host_migratable(h, NULL))
		return 3;	/* encrypted and not READY: V-6 */
	if (migctl_host_msr_write(h, 0, MIGCTL_MSR_CONTROL, ready | (1ull << 1)) != MIGCTL_HOST_GP)
		return 4;	/* reserved bit: H-4 */
	if (migctl_host_msr_write(h, 0, MIGCTL_MSR_CONTROL, ready) != MIGCTL_HOST_ACCEPT)
		return 5;
	if (migctl_host_msr_read(h, 1, MIGCTL_MSR_CONTROL, &v) != MIGCTL_HOST_ACCEPT || v != ready)
		return 6;
	migctl_host_state(h, &st);
	printf("ready=%d version=%u features=%#x migratable=%d\n", st.ready, st.version,
	       st.features, migctl_host_migratable(h, NULL));
	migctl_host_destroy(h);
	return 0;
}
PROG
want="ready=1 version=2 features=0x1 migratable=1"
if $CC -std=gnu11 -Wall -Werror $(pc --cflags migctl-host) "$tmp/host.c" -o "$tmp/host" \
	$(pc --libs migctl-host) 2>"$tmp/cc.log" &&
   readelf -d "$tmp/host" | grep -q 'NEEDED.*libmigctl-host.so.0' &&
   out=$(LD_LIBRARY_PATH=$root/lib "$tmp/host") && [ "$out" = "$want" ]; then
	echo "# $out"
	ktap_result ok host_program_shared
else
	sed 's/^/# /' "$tmp/cc.log"
	ktap_result fail host_program_shared "expected '$want', got '${out:-}' (exit $?)"
fi
out=""
if $CC -std=gnu11 -Wall -Werror $(pc --cflags migctl-host) "$tmp/host.c" -o "$tmp/host-static" \
	-Wl,-Bstatic $(pc --libs-only-L migctl-host) -lmigctl-host -Wl,-Bdynamic -lpthread \
	2>"$tmp/cc.log" && ! readelf -d "$tmp/host-static" | grep -q libmigctl &&
   out=$("$tmp/host-static") && [ "$out" = "$want" ]; then
	ktap_result ok host_program_static
else
	sed 's/^/# /' "$tmp/cc.log"
	ktap_result fail host_program_static "expected '$want', got '${out:-}'"
fi

# 8: a freestanding guest program: no libc, the library's x86 ops. It runs
# in user space: migctl_guest_init() and migctl_guest_discover() use CPUID
# only, never an MSR.
cat > "$tmp/guest.c" <<'PROG'
#include "migctl-guest.h"
#include "migctl-x86.h"

void _start(void);

static void sys_exit(long code)
{
	asm volatile("syscall" : : "a"(60L), "D"(code) : "rcx", "r11", "memory");
	__builtin_unreachable();
}

void _start(void)
{
	struct migctl_x86_spinlock lock = { 0 };
	struct migctl_guest_ops ops;
	struct migctl_guest g;
	u32 s;

	migctl_x86_ops_init(&ops, &lock);
	if (migctl_guest_init(&g, &ops, 0))
		sys_exit(2);
	migctl_guest_discover(&g);
	s = migctl_guest_state(&g);
	sys_exit(s == MIGCTL_GUEST_ABSENT || s == MIGCTL_GUEST_AVAILABLE ||
		 s == MIGCTL_GUEST_UNAVAILABLE ? 0 : 3);
}
PROG
if $CC -std=gnu11 -Wall -Werror -ffreestanding -nostdlib -static -no-pie -fno-pic \
	-fno-stack-protector -mno-red-zone -mgeneral-regs-only $(pc --cflags migctl-guest) \
	"$tmp/guest.c" -o "$tmp/guest" $(pc --libs migctl-guest) 2>"$tmp/cc.log" &&
   [ -z "$(nm -u "$tmp/guest")" ] && "$tmp/guest"; then
	ktap_result ok guest_program_freestanding
else
	st=$?
	sed 's/^/# /' "$tmp/cc.log"
	ktap_result fail guest_program_freestanding "build or run failed (status $st)"
fi

# 9: the installed migctl-conformance runs the installed guest-role suite
# (MIGCTL_LIBEXECDIR points it into the staged tree).
out=$(MIGCTL_LIBEXECDIR=$root/libexec/migctl "$root/bin/migctl-conformance" --role guest 2>&1)
st=$?
verdict=$(echo "$out" | grep -m1 '^# verdict: guest role')
echo "${verdict:-# no verdict line}"
if [ "$st" -eq 0 ] && echo "$verdict" | grep -q 'spec version [0-9]*): PASS'; then
	ktap_result ok conformance_installed
else
	echo "$out" | tail -n 5 | sed 's/^/# /'
	ktap_result fail conformance_installed "migctl-conformance --role guest: exit status $st"
fi

# 10: make uninstall leaves no file behind.
if pmake uninstall >"$tmp/uninstall.log" 2>&1; then
	left=$(cd "$stage" && find . \( -type f -o -type l \) | sed 's|^\./||')
	if [ -z "$left" ]; then
		ktap_result ok make_uninstall
	else
		for f in $left; do echo "# left behind: $f"; done
		ktap_result fail make_uninstall
	fi
else
	sed 's/^/# /' "$tmp/uninstall.log" | tail -n 20
	ktap_result fail make_uninstall "make uninstall failed"
fi

ktap_totals
ktap_exit
