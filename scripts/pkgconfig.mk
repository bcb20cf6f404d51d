# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# scripts/pkgconfig.mk - install additions for library users: shared host library, pkg-config files.
#
# Included from docs/docs.mk. The top Makefile installs INSTALL_LIB,
# INSTALL_INC (flat, into $(INCDIR)/migctl), INSTALL_PC (into
# $(LIBDIR)/pkgconfig) and the rest; the two things it cannot express, the
# shared library's symlinks and the x86 header's directory, are installed
# by install-migctl-extra below.

# libmigctl-host.so: the sources of host/host.mk, compiled again with -fPIC
# into their own directory. Only the functions the public headers declare
# are exported; the version script is derived from those headers, so a new
# public function is exported without a list to maintain.
HOST_SO_MAJOR	:= $(firstword $(subst ., ,$(VERSION)))
HOST_SONAME	:= libmigctl-host.so.$(HOST_SO_MAJOR)
HOST_SO		:= $(O)/host/libmigctl-host.so.$(VERSION)
HOST_SO_LINKS	:= $(O)/host/$(HOST_SONAME) $(O)/host/libmigctl-host.so
HOST_SO_MAP	:= $(O)/host/libmigctl-host.map
HOST_PUBLIC_H	:= host/migctl-host.h host/statuslog.h host/logstream.h
HOST_PIC_OBJS	:= $(patsubst $(O)/host/%.o,$(O)/host/pic/%.o,$(HOST_OBJS))

$(O)/host/pic/%.o: host/%.c
	$(quiet) CC $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(MIGCTL_HOST_CFLAGS) -fPIC -c -o $@ $<

$(HOST_SO_MAP): $(HOST_PUBLIC_H)
	$(quiet) GEN $@
	@mkdir -p $(@D)
	$(Q){ printf '{\n\tglobal:\n'; \
	  sed -n 's/^[a-z].*[ *]\(migctl_host_[a-z0-9_]*\)(.*/\t\t\1;/p' $^; \
	  printf '\tlocal:\n\t\t*;\n};\n'; } > $@

$(HOST_SO): $(HOST_PIC_OBJS) $(HOST_SO_MAP)
	$(quiet) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -shared -Wl,-soname,$(HOST_SONAME) \
		-Wl,--version-script,$(HOST_SO_MAP) -Wl,-z,defs \
		-o $@ $(HOST_PIC_OBJS) $(MIGCTL_HOST_LDLIBS)
	$(Q)ln -sf $(notdir $@) $(O)/host/$(HOST_SONAME)
	$(Q)ln -sf $(HOST_SONAME) $(O)/host/libmigctl-host.so

# pkg-config files. They depend on PREFIX, LIBDIR and INCDIR, which may
# differ between `make` and `make install`: the rule runs every time and
# replaces the file only when its text changes.
PC_FILES	:= $(O)/guest/migctl-guest.pc $(O)/host/migctl-host.pc
# ${prefix}-relative where possible, so that pkg-config --define-prefix works.
pc_rel		= $(patsubst $(PREFIX)/%,$${prefix}/%,$(1))

.PHONY: FORCE-pc
$(PC_FILES): $(O)/%.pc: %.pc.in FORCE-pc
	@mkdir -p $(@D)
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(call pc_rel,$(LIBDIR))|' \
		-e 's|@INCDIR@|$(call pc_rel,$(INCDIR))|' -e 's|@VERSION@|$(VERSION)|' \
		$< > $@.tmp
	$(Q)if cmp -s $@.tmp $@; then rm -f $@.tmp; \
	else mv $@.tmp $@; printf '  %-8s %s\n' GEN $@; fi

# The x86 header includes "../../migctl-guest.h": it keeps its place below
# the other headers, $(INCDIR)/migctl/arch/x86.
GUEST_ARCH_H	:= guest/arch/x86/migctl-x86.h
GUEST_ARCH_DIR	:= $(INCDIR)/migctl/arch/x86

.PHONY: install-migctl-extra uninstall-migctl-extra
install: install-migctl-extra
uninstall: uninstall-migctl-extra

install-migctl-extra: $(HOST_SO) $(PC_FILES)
	$(Q)$(call install-files,0644,$(GUEST_ARCH_DIR),$(GUEST_ARCH_H))
	$(Q)install -d $(DESTDIR)$(LIBDIR)
	$(Q)ln -sf $(notdir $(HOST_SO)) $(DESTDIR)$(LIBDIR)/$(HOST_SONAME)
	$(Q)ln -sf $(HOST_SONAME) $(DESTDIR)$(LIBDIR)/libmigctl-host.so

uninstall-migctl-extra:
	$(Q)$(call uninstall-files,$(GUEST_ARCH_DIR),$(GUEST_ARCH_H))
	$(Q)$(call uninstall-files,$(LIBDIR),$(HOST_SO_LINKS))
	$(Q)rmdir $(DESTDIR)$(GUEST_ARCH_DIR) $(DESTDIR)$(INCDIR)/migctl/arch 2>/dev/null || true

ALL		+= $(HOST_SO) $(PC_FILES)
INSTALL_LIB	+= $(GUEST_LIB) $(MIGCTL_HOST_LIB) $(HOST_SO)
INSTALL_INC	+= guest/migctl-guest.h $(HOST_PUBLIC_H)
INSTALL_PC	+= $(PC_FILES)
