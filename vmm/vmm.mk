# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# vmm/vmm.mk - migctl-vmm, its tests and the tiny guest images they boot.

VMM_BIN		:= $(O)/vmm/migctl-vmm
VMM_CORE_OBJS	:= $(addprefix $(O)/vmm/,vm.o vcpu.o state_check.o state_load.o guest_cpuid.o mem.o boot.o probe.o proto.o options.o \
			dev/serial.o dev/uart.o dev/exitport.o sevsim_vm.o)
# The Linux x86 boot protocol (bzImage, zero page, 64-bit entry), the MP and ACPI tables.
VMM_CORE_OBJS	+= $(addprefix $(O)/vmm/,bzimage.o mptable.o acpi.o)
# json-c parses and checks the control socket's requests (vmm/ctlreq.c).
VMM_JSON_CFLAGS	:= $(or $(shell pkg-config --cflags json-c 2>/dev/null),-I/usr/include/json-c)
VMM_JSON_LDLIBS	:= $(or $(shell pkg-config --libs json-c 2>/dev/null),-ljson-c)
VMM_LDLIBS	:= -lpthread $(VMM_JSON_LDLIBS)

$(O)/vmm/%.o: ALL_CFLAGS += $(MIGCTL_HOST_CFLAGS) -Iconformance/lib -Ivmm \
			     $(VMM_MIGRATE_SODIUM_CFLAGS) $(VMM_JSON_CFLAGS)

include vmm/migrate/migrate.mk

# The VM-side migration: send, receive and state, over the stream modules.
VMM_MIGRATION_OBJS := $(addprefix $(O)/vmm/,migrate/send.o migrate/recv.o migrate/state.o migrate/throttle.o \
			migration.o ctlsock.o ctlreq.o ctlclient.o) $(VMM_MIGRATE_OBJS)

# --check-guest: the guest-rule checker (conformance/checker/checker.mk builds it).
VMM_CHECK_LIB	:= $(O)/conformance/checker/libmigctl-check.a
$(O)/vmm/checkguest.o: ALL_CFLAGS += -Iconformance/checker

$(VMM_BIN): $(O)/vmm/main.o $(O)/vmm/checkguest.o $(VMM_CORE_OBJS) $(VMM_MIGRATION_OBJS) \
	    $(MIGCTL_HOST_LIB) $(VMM_CHECK_LIB)
	$(quiet) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(MIGCTL_HOST_LDLIBS) $(VMM_MIGRATE_LDLIBS) $(VMM_LDLIBS)

# Freestanding test images: 32-bit PVH code, linked at 1 MiB. Never sanitized.
# ELF64 files, except those in VMM_IMAGE32_NAMES: ELF32 (i386) files, as
# QEMU and Xen boot them too.
VMM_IMAGE_NAMES	:= hello exit4 exit7 triple info msr psc hc hang smp resume memloop keypage \
		   flood elf32
VMM_IMAGE32_NAMES := elf32
VMM_IMAGES	:= $(addprefix $(O)/vmm/tests/images/,$(addsuffix .elf,$(VMM_IMAGE_NAMES)))
VMM_IMAGE_LDS	:= vmm/tests/images/image.lds

.SECONDARY: $(VMM_IMAGES:.elf=.o)

# -m32 assembles an i386 object and links with -m elf_i386; --oformat
# overrides the script's ELF64 output format.
VMM_IMAGES32	:= $(addprefix $(O)/vmm/tests/images/,$(VMM_IMAGE32_NAMES))
$(addsuffix .o,$(VMM_IMAGES32)): VMM_IMAGE_ARCH := -m32
$(addsuffix .elf,$(VMM_IMAGES32)): VMM_IMAGE_ARCH := -m32 -Wl,--oformat,elf32-i386

$(O)/vmm/tests/images/%.o: vmm/tests/images/%.S vmm/tests/images/pvh.h
	$(quiet) AS $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(GUEST_CFLAGS) $(VMM_IMAGE_ARCH) -c -o $@ $<

$(O)/vmm/tests/images/%.elf: $(O)/vmm/tests/images/%.o $(VMM_IMAGE_LDS)
	$(quiet) LD $@
	$(Q)$(CC) $(GUEST_CFLAGS) $(VMM_IMAGE_ARCH) -static -no-pie -Wl,--build-id=none \
		-Wl,--no-warn-rwx-segments -Wl,-T,$(VMM_IMAGE_LDS) -o $@ $<

VMM_TEST_NAMES	:= options_test boot_test guest_cpuid_test kvm_test image_test migrate_test \
		   ctlreq_test serial_test uart_test
VMM_TEST_NAMES	+= bzimage_test
VMM_TESTS	:= $(addprefix $(O)/vmm/tests/,$(VMM_TEST_NAMES))
VMM_TEST_RUN	:= $(O)/vmm/tests/run.o

$(O)/vmm/tests/options_test: $(O)/vmm/tests/options_test.o $(O)/vmm/options.o $(TEST_LIB)
$(O)/vmm/tests/boot_test: $(O)/vmm/tests/boot_test.o $(O)/vmm/boot.o $(O)/vmm/mem.o \
			  $(MIGCTL_HOST_LIB) $(TEST_LIB)
$(O)/vmm/tests/bzimage_test: $(O)/vmm/tests/bzimage_test.o $(O)/vmm/bzimage.o $(O)/vmm/mptable.o \
			     $(O)/vmm/acpi.o $(O)/vmm/boot.o $(O)/vmm/mem.o $(O)/vmm/guest_cpuid.o $(MIGCTL_HOST_LIB) \
			     $(TEST_LIB)
$(O)/vmm/tests/ctlreq_test: $(O)/vmm/tests/ctlreq_test.o $(O)/vmm/ctlreq.o $(TEST_LIB)
# serial.o refers to vm_ioport_register(): the core objects, though no VM is made.
$(O)/vmm/tests/serial_test: $(O)/vmm/tests/serial_test.o $(VMM_CORE_OBJS) $(VMM_MIGRATE_OBJS) \
			    $(MIGCTL_HOST_LIB) $(TEST_LIB)
$(O)/vmm/tests/uart_test: $(O)/vmm/tests/uart_test.o $(O)/vmm/dev/uart.o $(TEST_LIB)
$(O)/vmm/tests/guest_cpuid_test: $(O)/vmm/tests/guest_cpuid_test.o $(O)/vmm/guest_cpuid.o $(TEST_LIB)
$(O)/vmm/tests/kvm_test: $(O)/vmm/tests/kvm_test.o $(VMM_TEST_RUN) $(VMM_CORE_OBJS) \
			 $(VMM_MIGRATE_OBJS) $(MIGCTL_HOST_LIB) $(TEST_LIB)
$(O)/vmm/tests/image_test: $(O)/vmm/tests/image_test.o $(VMM_TEST_RUN) $(VMM_CORE_OBJS) \
			   $(VMM_MIGRATE_OBJS) $(MIGCTL_HOST_LIB) $(TEST_LIB)
$(O)/vmm/tests/migrate_test: $(O)/vmm/tests/migrate_test.o $(VMM_TEST_RUN) $(VMM_CORE_OBJS) \
			     $(VMM_MIGRATION_OBJS) $(MIGCTL_HOST_LIB) $(TEST_LIB)
# They boot the images; image_test through the real binary.
$(O)/vmm/tests/kvm_test $(O)/vmm/tests/image_test $(O)/vmm/tests/migrate_test: \
	| $(VMM_BIN) $(VMM_IMAGES)

$(VMM_TESTS):
	$(quiet) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o %.a,$^) $(MIGCTL_HOST_LDLIBS) \
		$(VMM_MIGRATE_LDLIBS) $(VMM_LDLIBS)

ALL		+= $(VMM_BIN) $(VMM_IMAGES) $(VMM_TESTS)
# These boot guests; the others need no KVM.
VMM_KVM_TESTS	:= $(filter %/kvm_test %/image_test %/migrate_test,$(VMM_TESTS))
TESTS		+= $(filter-out $(VMM_KVM_TESTS),$(VMM_TESTS))
KVM_TESTS	+= $(VMM_KVM_TESTS)
# The distribution's Linux kernel booted with an initramfs (conformance/linux/).
KVM_TESTS	+= vmm/tests/linux-boot.sh
INSTALL_BIN	+= $(VMM_BIN)
