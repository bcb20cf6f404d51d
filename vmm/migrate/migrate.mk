# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# vmm/migrate/migrate.mk - migration stream, channels and sev-sim: objects, tests.
#
# Included by vmm/vmm.mk. The VMM links $(VMM_MIGRATE_OBJS) and adds
# $(VMM_MIGRATE_LDLIBS) to its link line.

VMM_MIGRATE_SODIUM_CFLAGS := $(shell pkg-config --cflags libsodium 2>/dev/null)
# sevsim.c seals pages with libgcrypt (AES-128-OCB): Debian libgcrypt20-dev.
VMM_MIGRATE_SODIUM_CFLAGS += $(shell pkg-config --cflags libgcrypt 2>/dev/null)
# The stream's END checksum is XXH3-128: xxHash, Debian libxxhash-dev.
VMM_MIGRATE_SODIUM_CFLAGS += $(shell pkg-config --cflags libxxhash 2>/dev/null)
VMM_MIGRATE_LDLIBS	:= $(or $(shell pkg-config --libs libsodium 2>/dev/null),-lsodium) \
			   $(or $(shell pkg-config --libs libgcrypt 2>/dev/null),-lgcrypt) \
			   $(or $(shell pkg-config --libs libxxhash 2>/dev/null),-lxxhash)

VMM_MIGRATE_OBJS	:= $(addprefix $(O)/vmm/migrate/,stream.o stream_config.o \
			   stream_reader.o stream_hash.o channel.o secure.o sevsim.o sevsim_prf.o sevsim_prf_x86.o \
			   converge.o)

# The conformance guest image compiles sevsim_prf.c freestanding; building
# it here with the guest flags keeps it that way.
VMM_MIGRATE_PRF_GUEST	:= $(O)/vmm/migrate/sevsim_prf.guest.o

$(O)/vmm/migrate/%.o: ALL_CFLAGS += $(VMM_MIGRATE_SODIUM_CFLAGS)
$(O)/vmm/migrate/tests/%.o: ALL_CFLAGS += -Iconformance/lib -Ivmm/migrate

$(VMM_MIGRATE_PRF_GUEST): vmm/migrate/sevsim_prf.c
	$(quiet) CC $@
	@mkdir -p $(@D)
	$(Q)$(CC) $(GUEST_CFLAGS) -c -o $@ $<

VMM_MIGRATE_TESTS	:= $(addprefix $(O)/vmm/migrate/tests/,stream_test \
			   stream_bad_test channel_test secure_test sevsim_test converge_test)

$(VMM_MIGRATE_TESTS): %: %.o $(VMM_MIGRATE_OBJS) $(TEST_LIB)
	$(quiet) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(VMM_MIGRATE_LDLIBS)

# sevsim_test checks the seal against OpenSSL's AES-128-OCB (Debian libssl-dev).
$(O)/vmm/migrate/tests/sevsim_test: VMM_MIGRATE_LDLIBS += \
	$(or $(shell pkg-config --libs libcrypto 2>/dev/null),-lcrypto)

ALL	+= $(VMM_MIGRATE_OBJS) $(VMM_MIGRATE_PRF_GUEST) $(VMM_MIGRATE_TESTS)
TESTS	+= $(VMM_MIGRATE_TESTS)

# state_test stages STATUS as --incoming does (state.o): the VMM's core and the host library.
VMM_MIGRATE_STATE_TEST	:= $(O)/vmm/migrate/tests/state_test

$(VMM_MIGRATE_STATE_TEST): %: %.o $(O)/vmm/migrate/state.o $(VMM_CORE_OBJS) \
			   $(VMM_MIGRATE_OBJS) $(MIGCTL_HOST_LIB) $(TEST_LIB)
	$(quiet) LD $@
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(MIGCTL_HOST_LDLIBS) $(VMM_MIGRATE_LDLIBS) $(VMM_LDLIBS)

ALL	+= $(VMM_MIGRATE_STATE_TEST)
TESTS	+= $(VMM_MIGRATE_STATE_TEST)
