/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* migctl-host.h - the host protocol engine: CPUID, MSRs, hypercall 12, policy. */
#ifndef MIGCTL_HOST_H
#define MIGCTL_HOST_H

/*
 * The host role of migctl as a library any VMM can call. It never calls
 * KVM, never prints (only through cfg.log) and never exits. One struct
 * migctl_host per VM; every function may be called concurrently from
 * several vCPU threads (control state under a mutex, the status log with
 * atomics).
 *
 * Build: host/host.mk sets MIGCTL_HOST_LIB ($(O)/host/libmigctl-host.a,
 * link it with -lpthread) and MIGCTL_HOST_CFLAGS (-Ihost) for the
 * includer's objects.
 *
 * Wiring it to KVM (the VMM does this, the library does not):
 *
 * CPUID (H-1, H-2, H-3). Take the table from KVM_GET_SUPPORTED_CPUID, call
 * migctl_host_cpuid() on every entry (it patches the KVM base leaves in
 * place and leaves all others alone), append an entry for every function
 * migctl_host_cpuid_leaves() names that the table lacks (zeroed regs, then
 * migctl_host_cpuid() on it), and give the SAME table to KVM_SET_CPUID2 on
 * every vCPU. KVM returns zeros for missing leaves below the max leaf, so
 * base+2..base+0x4c need no entries.
 *
 * MSRs (H-3..H-7, H-10). Enable KVM_CAP_X86_USER_SPACE_MSR with
 * KVM_MSR_EXIT_REASON_FILTER and install KVM_X86_SET_MSR_FILTER with one
 * range per index from migctl_host_msr_indices(), read and write denied
 * (bitmap bit 0), so that every access exits to user space. Then:
 *	KVM_EXIT_X86_RDMSR:
 *		r = migctl_host_msr_read(h, vcpu, run->msr.index, &v);
 *		run->msr.data = v; run->msr.error = (r != MIGCTL_HOST_ACCEPT);
 *	KVM_EXIT_X86_WRMSR:
 *		r = migctl_host_msr_write(h, vcpu, run->msr.index, run->msr.data);
 *		run->msr.error = (r != MIGCTL_HOST_ACCEPT);
 * msr.error = 1 makes KVM inject #GP. MIGCTL_HOST_UNHANDLED means the index
 * is not the protocol's; the VMM handles (or #GPs) it itself. If the
 * filter cannot be installed the VMM must not offer the protocol (V-10):
 * configure max_version = 0.
 *
 * Hypercall 12 (H-8, H-9, H-11). Only if KVM_CHECK_EXTENSION(
 * KVM_CAP_EXIT_HYPERCALL) has bit 12 (MIGCTL_HC_MAP_GPA_RANGE), enable it
 * with KVM_ENABLE_CAP args[0] = 1 << 12, and probe that a hypercall really
 * exits (on PVM-style KVM it does not); only then set cfg.hypercall (V-10).
 *	KVM_EXIT_HYPERCALL:
 *		run->hypercall.ret = (u64)migctl_host_hypercall(h, vcpu,
 *			run->hypercall.nr, run->hypercall.args[0],
 *			run->hypercall.args[1], run->hypercall.args[2]);
 * The change is recorded (S and C, V-1) before the call returns, so the
 * vCPU may re-enter at once. KVM itself returns -KVM_EPERM at CPL > 0 and
 * already rejects some bad ranges; the library checks everything again.
 *
 * Guest memory. Range lists (MIGCTL_F_LIST) name a guest page the library
 * reads exactly once per request through cfg.mem.read; the VMM implements
 * it as a bounds-checked memcpy from its guest memory mapping.
 *
 * Migration (V-2, V-5, V-6, V-8, V-11, V-13..V-15). The status log
 * (statuslog.h, reached through migctl_host_log()) gives fetch-and-clear
 * of the changed set, a round's fetch of every dirty log then C
 * (migctl_host_round_collect()) and the stream encoding of S;
 * migctl_host_export()/import() carry the protocol state;
 * migctl_host_migratable(), migctl_host_check_import() and the generation
 * of migctl_host_state() are the policy checks.
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include <migctl/types.h>
#include "migctl.h"
#include "statuslog.h"
#include "logstream.h"

/* Results of migctl_host_msr_read() / migctl_host_msr_write(). */
#define MIGCTL_HOST_ACCEPT	0	/* completed; RDMSR value is valid */
#define MIGCTL_HOST_GP		1	/* inject #GP (run->msr.error = 1) */
#define MIGCTL_HOST_UNHANDLED	2	/* not a protocol MSR; VMM decides */

/* Log levels for cfg.log; the library logs rarely (rejections at DEBUG). */
#define MIGCTL_HOST_LOG_ERR	3
#define MIGCTL_HOST_LOG_INFO	6
#define MIGCTL_HOST_LOG_DEBUG	7

/* Upper bounds for the arrays filled by the query functions below. */
#define MIGCTL_HOST_CPUID_LEAVES_MAX	3
#define MIGCTL_HOST_MSR_INDICES_MAX	2

/* Default physical address width when cfg.phys_bits is 0. */
#define MIGCTL_HOST_PHYS_BITS_DEFAULT	52

/*
 * VM types (cfg.vm_type, H-14): the values of KVM_CREATE_VM's type
 * argument (KVM_X86_*_VM), so that a VMM passes the type it created the VM
 * with. migctl governs the first three, whose hypercall-12 exits come from
 * the guest's own VMCALL/VMMCALL. For the others the VMM owns page state
 * through guest_memfd and KVM_SET_MEMORY_ATTRIBUTES, and KVM itself raises
 * hypercall-12 exits for SEV-SNP page-state changes and TDX MapGPA: those
 * are conversions the VMM performs, never migctl notifications.
 */
#define MIGCTL_HOST_VM_DEFAULT		0 /* KVM_X86_DEFAULT_VM (also SEV via KVM_SEV_INIT) */
#define MIGCTL_HOST_VM_SW_PROTECTED	1 /* KVM_X86_SW_PROTECTED_VM */
#define MIGCTL_HOST_VM_SEV		2 /* KVM_X86_SEV_VM */
#define MIGCTL_HOST_VM_SEV_ES		3 /* KVM_X86_SEV_ES_VM */
#define MIGCTL_HOST_VM_SNP		4 /* KVM_X86_SNP_VM */
#define MIGCTL_HOST_VM_TDX		5 /* KVM_X86_TDX_VM */

/*
 * migctl_host_hypercall()'s answer for a VM type migctl does not govern:
 * not a value for the guest. The VMM performs the conversion the exit asks
 * for by its platform's rules. It is positive, so a VMM that passed it on
 * regardless would make the guest see a failure (a GHCB page-state-change
 * error, a TDVMCALL invalid-operand status), never a silent success.
 */
#define MIGCTL_HOST_HC_NOT_MIGCTL	((s64)1)

/**
 * struct migctl_host_mem - guest memory access for list pages
 * @read: copy @len bytes at guest-physical @gpa to @buf; 0 or -errno.
 *        Called at most once per list request, never with a range outside
 *        the configured RAM.
 * @arg: passed to @read.
 */
struct migctl_host_mem {
	int (*read)(void *arg, gpa_t gpa, void *buf, size_t len);
	void *arg;
};

/**
 * struct migctl_host_config - what the host offers and the VM's layout
 * @min_version: lowest version offered (1..max_version); ignored when off.
 * @max_version: highest version offered, at most MIGCTL_VERSION_MAX;
 *               0 = protocol off (H-3).
 * @features: MIGCTL_F_* offered; must be 0 unless max_version >= 2.
 * @hypercall: offer hypercall 12 (CPUID bit 16). Set only after the VMM
 *             found that hypercall exits work (H-1, V-10). Without it a
 *             version-1 guest has no transport, so version 1 is not
 *             offered (H-15): @min_version is raised to 2, and an offer of
 *             version 1 only becomes no offer at all.
 * @psc_msr: MSR transport index (0 = MIGCTL_MSR_PSC_DEFAULT); must lie in
 *           MIGCTL_MSR_PSC_FIRST..MIGCTL_MSR_PSC_LAST (H-2).
 * @cpuid_base: KVM CPUID base (0 = MIGCTL_CPUID_BASE_FIRST).
 * @phys_bits: guest physical address width (0 = 52).
 * @encrypted: the VM has encrypted memory: the log starts all private and
 *             the VM is migratable only when READY (H-13, V-6). Required
 *             for MIGCTL_HOST_VM_SEV and _SEV_ES.
 * @vm_type: MIGCTL_HOST_VM_*. For a type migctl does not govern
 *           (migctl_host_vm_type_governed() false) max_version must be 0
 *           and every hypercall exit is answered MIGCTL_HOST_HC_NOT_MIGCTL.
 * @ram: guest RAM regions, byte addresses and sizes, page-aligned, sorted,
 *       non-overlapping; holes between them are not RAM. Copied.
 * @nr_ram: number of @ram entries (1..MIGCTL_HOST_LOG_REGIONS_MAX).
 * @mem: guest memory reader, needed if MIGCTL_F_LIST is offered. Copied.
 * @log: optional diagnostics sink; @log_arg is passed to it.
 */
struct migctl_host_config {
	u32 min_version;
	u32 max_version;
	u32 features;
	bool hypercall;
	u32 psc_msr;
	u32 cpuid_base;
	u32 phys_bits;
	bool encrypted;
	u32 vm_type;
	const struct migctl_host_region *ram;
	unsigned int nr_ram;
	struct migctl_host_mem mem;
	void (*log)(void *arg, int level, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));
	void *log_arg;
};

/* Transports, as struct migctl_host_refusal names them. */
#define MIGCTL_HOST_VIA_HYPERCALL	1
#define MIGCTL_HOST_VIA_MSR		2

/**
 * struct migctl_host_refusal - a refused notification (H-16)
 * @via: MIGCTL_HOST_VIA_HYPERCALL or MIGCTL_HOST_VIA_MSR.
 * @vcpu: the vCPU that sent it.
 * @error: why, as a negative KVM error (-MIGCTL_KVM_EINVAL, _E2BIG,
 *         _EFAULT); the MSR transport answered it with #GP.
 * @control: the control MSR value when it was refused.
 * @a0, @a1, @a2: the hypercall's arguments, or the MSR value in @a0.
 */
struct migctl_host_refusal {
	u32 via;
	u32 vcpu;
	s32 error;
	u32 pad;
	u64 control;
	u64 a0, a1, a2;
};

/**
 * struct migctl_host_state - VM-wide protocol state
 * @enabled: the protocol is offered (max_version != 0).
 * @ready: the guest has opted in.
 * @control: the accepted control MSR value (0 when not READY).
 * @version: negotiated version (1 for an upstream value of 1); 0 if not READY.
 * @features: negotiated features; 0 if not READY.
 * @generation: incremented on every change of @control or @unreliable; a
 *              VMM compares it before and after a migration to detect an
 *              opt-out, a new opt-in or a refusal in between (V-7).
 * @unreliable: a notification was refused while the guest was not READY
 *              with version 2 or later, so a guest that ignores errors may
 *              have left the status log stale (H-16); the VM is not
 *              migratable until the VM is reset or the guest opts in with
 *              a version-2 value.
 * @refusal: the first such refusal, valid when @unreliable.
 */
struct migctl_host_state {
	bool enabled;
	bool ready;
	u64 control;
	u32 version;
	u32 features;
	u64 generation;
	bool unreliable;
	struct migctl_host_refusal refusal;
};

/**
 * struct migctl_host_counters - monotonic statistics
 * @hc_calls: hypercall 12 requests (all outcomes).
 * @msr_psc_writes: WRMSR to the MSR transport (all outcomes).
 * @lists: list requests (both transports, all outcomes).
 * @ok: requests of either transport that were applied.
 * @pages: 4 KiB pages whose status was recorded (applied requests).
 * @einval, @e2big, @efault, @enosys: hypercall errors by code.
 * @psc_gp: MSR transport accesses that raised #GP.
 * @ctl_reads: RDMSR of the control MSR that were accepted.
 * @ctl_accepted, @ctl_rejected: WRMSR of the control MSR by outcome
 *                               (rejected = #GP).
 * @not_migctl: hypercall exits of a VM type migctl does not govern,
 *              answered MIGCTL_HOST_HC_NOT_MIGCTL (H-14).
 */
struct migctl_host_counters {
	u64 hc_calls;
	u64 msr_psc_writes;
	u64 lists;
	u64 ok;
	u64 pages;
	u64 einval;
	u64 e2big;
	u64 efault;
	u64 enosys;
	u64 psc_gp;
	u64 ctl_reads;
	u64 ctl_accepted;
	u64 ctl_rejected;
	u64 not_migctl;
};

/*
 * Protocol state carried by the migration stream (V-5, V-8). Fixed layout,
 * little-endian on the wire via migctl_host_export_bytes(); no pointers.
 */
#define MIGCTL_HOST_SAVED_MAGIC		0x5453434du /* "MCST" */
#define MIGCTL_HOST_SAVED_VERSION	1u
#define MIGCTL_HOST_SAVED_SIZE		40u

/**
 * struct migctl_host_saved - the protocol state of a VM
 * @magic: MIGCTL_HOST_SAVED_MAGIC.
 * @format: MIGCTL_HOST_SAVED_VERSION.
 * @control: accepted control MSR value, 0 if not READY.
 * @min_version, @max_version, @features: the source's offer.
 * @flags: MIGCTL_HOST_SAVED_F_*.
 * @psc_msr: the MSR transport index offered, 0 if not offered.
 * @reserved: zero.
 */
struct migctl_host_saved {
	u32 magic;
	u32 format;
	u64 control;
	u32 min_version;
	u32 max_version;
	u32 features;
	u32 flags;
	u32 psc_msr;
	u32 reserved;
};

#define MIGCTL_HOST_SAVED_F_HYPERCALL	(1u << 0)
#define MIGCTL_HOST_SAVED_F_ENCRYPTED	(1u << 1)
#define MIGCTL_HOST_SAVED_F_ALL		0x3u

_Static_assert(sizeof(struct migctl_host_saved) == MIGCTL_HOST_SAVED_SIZE,
	       "saved protocol state is 40 bytes");

struct migctl_host;

/**
 * migctl_host_create() - create the engine for one VM
 * @cfg: configuration; checked, copied (including @cfg->ram).
 * @out: the new engine.
 *
 * The VM starts not READY, every RAM page private if @cfg->encrypted, shared
 * otherwise (H-13). The status log is allocated here, once, sized from the
 * RAM layout only.
 *
 * Return: 0, -EINVAL for a bad configuration, -ENOMEM.
 */
int migctl_host_create(const struct migctl_host_config *cfg, struct migctl_host **out);

/**
 * migctl_host_vm_type_governed() - do migctl's rules apply to this VM type
 * @vm_type: MIGCTL_HOST_VM_*.
 *
 * Return: true for MIGCTL_HOST_VM_DEFAULT, _SEV and _SEV_ES (H-14).
 */
bool migctl_host_vm_type_governed(u32 vm_type);

/** migctl_host_destroy() - free everything; NULL is allowed. */
void migctl_host_destroy(struct migctl_host *host);

/**
 * migctl_host_cpuid() - patch one CPUID entry for the protocol
 * @function: CPUID leaf (EAX input).
 * @index: sub-leaf (ECX input); ignored, the protocol leaves have none.
 * @regs: EAX, EBX, ECX, EDX as the VMM would install them; patched.
 *
 * base+0: signature, max leaf raised to base+1 (v1) or base+0x4d (v2).
 * base+1: bits 16 and 17 set or cleared per the offer, other bits kept.
 * base+0x4d: the versioned leaf for a v2 offer, all zero otherwise.
 * With the protocol off base+0 is left alone.
 *
 * Return: true if @regs belong to the protocol (patched), false if left as
 * they were.
 */
bool migctl_host_cpuid(const struct migctl_host *host, u32 function, u32 index, u32 regs[4]);

/**
 * migctl_host_cpuid_leaves() - functions the CPUID table must contain
 * @leaves: filled with up to MIGCTL_HOST_CPUID_LEAVES_MAX functions.
 *
 * Return: how many (0 when the protocol is off).
 */
unsigned int migctl_host_cpuid_leaves(const struct migctl_host *host,
				      u32 leaves[MIGCTL_HOST_CPUID_LEAVES_MAX]);

/**
 * migctl_host_msr_indices() - MSRs the VMM must route to the library
 * @indices: filled with up to MIGCTL_HOST_MSR_INDICES_MAX indices: the
 *           control MSR (always, so that protocol-off #GPs are the
 *           library's) and the MSR transport's index when offered.
 *
 * Return: how many.
 */
unsigned int migctl_host_msr_indices(const struct migctl_host *host,
				     u32 indices[MIGCTL_HOST_MSR_INDICES_MAX]);

/**
 * migctl_host_msr_read() - RDMSR exit
 * @vcpu: vCPU id, for diagnostics only (the state is VM-wide).
 * @index: MSR index.
 * @val: the value to return to the guest when accepted (0 otherwise).
 *
 * Return: MIGCTL_HOST_ACCEPT, MIGCTL_HOST_GP or MIGCTL_HOST_UNHANDLED.
 */
int migctl_host_msr_read(struct migctl_host *host, unsigned int vcpu, u32 index, u64 *val);

/**
 * migctl_host_msr_write() - WRMSR exit
 * @vcpu: vCPU id, for diagnostics only.
 * @index: MSR index.
 * @val: the value the guest wrote.
 *
 * The control MSR follows H-4..H-7; the MSR transport H-10 (applied and
 * recorded before this returns). A #GP changes nothing.
 *
 * Return: MIGCTL_HOST_ACCEPT, MIGCTL_HOST_GP or MIGCTL_HOST_UNHANDLED.
 */
int migctl_host_msr_write(struct migctl_host *host, unsigned int vcpu, u32 index, u64 val);

/**
 * migctl_host_hypercall() - KVM_EXIT_HYPERCALL
 * @vcpu: vCPU id, for diagnostics only.
 * @nr: hypercall number; anything but 12 gets -KVM_ENOSYS.
 * @a0: GPA (or list page GPA with MIGCTL_ATTR_LIST).
 * @a1: number of 4 KiB pages (or list entries).
 * @a2: attributes. A list request carries MIGCTL_ATTR_LIST and no other
 *      bit (each entry has its own size hint and ENCRYPTED bit); the MSR
 *      transport's LIST requests likewise have unit 4K and no ENCRYPTED.
 *
 * Return: the value for run->hypercall.ret: 0 once the change is recorded,
 * -MIGCTL_KVM_ENOSYS when hypercalls are not offered, -MIGCTL_KVM_EINVAL,
 * -MIGCTL_KVM_E2BIG or -MIGCTL_KVM_EFAULT (nothing changed). For a VM type
 * migctl does not govern: MIGCTL_HOST_HC_NOT_MIGCTL, which is not a value
 * for the guest; nothing is recorded.
 */
s64 migctl_host_hypercall(struct migctl_host *host, unsigned int vcpu, u64 nr,
			  u64 a0, u64 a1, u64 a2);

/** migctl_host_state() - snapshot the VM-wide protocol state. */
void migctl_host_state(struct migctl_host *host, struct migctl_host_state *st);

/**
 * migctl_host_migratable() - may this VM be migrated now (V-6)
 * @why: if not NULL, set to a static human-readable reason when false.
 *
 * An unencrypted VM always is; an encrypted one only while READY and while
 * its status log is reliable (H-16, V-11: migctl_host_state() and
 * migctl_host_refusal_str() give the refused request). A VM of a type
 * migctl does not govern never is: migctl cannot say where its pages must
 * go (H-14).
 */
bool migctl_host_migratable(struct migctl_host *host, const char **why);

/**
 * migctl_host_refusal_str() - describe a refused notification for a message
 * @r: the refusal, from migctl_host_state().
 * @buf: receives a NUL-terminated description, truncated to @len.
 * @len: size of @buf.
 *
 * Return: the length the full description has, as snprintf().
 */
int migctl_host_refusal_str(const struct migctl_host_refusal *r, char *buf, size_t len);

/**
 * migctl_host_reset() - VM reset: withdraw READY, keep the status log
 *
 * Also clears the mark of an unreliable status log (H-16): the guest that
 * boots next rebuilds the log from scratch before it may opt in.
 */
void migctl_host_reset(struct migctl_host *host);

/** migctl_host_counters() - snapshot the statistics. */
void migctl_host_counters(struct migctl_host *host, struct migctl_host_counters *c);

/**
 * migctl_host_check_memory_map() - may the guest be given this memory map (V-12)
 * @map: the RAM entries of the memory map the VMM gives the guest (E820
 *       type 1, PVH memory map RAM), byte addresses and sizes, any order.
 * @n: number of entries.
 * @why: if not NULL, set to a static reason on failure.
 * @bad: if not NULL, set to the index of the first offending entry.
 *
 * A guest that resets its log entry by entry, as upstream Linux does at
 * every boot, sends each entry as one request: an entry that starts inside
 * a page is refused by KVM before the VMM sees it, and one that ends
 * inside a page or reaches past RAM is refused by H-8. Check the map
 * before the guest boots.
 *
 * Return: 0, or -EINVAL when an entry is empty, wraps, starts inside a
 * page, or touches a page (its end rounded up to 4 KiB) that is not RAM of
 * the configuration.
 */
int migctl_host_check_memory_map(struct migctl_host *host, const struct migctl_host_region *map,
				 unsigned int n, const char **why, unsigned int *bad);

/** migctl_host_log() - the VM's status log (owned by @host). */
struct migctl_host_log *migctl_host_log(struct migctl_host *host);

/**
 * migctl_host_export() - protocol state for the migration stream (V-5)
 * @s: filled; send it with migctl_host_saved_encode().
 */
void migctl_host_export(struct migctl_host *host, struct migctl_host_saved *s);

/**
 * migctl_host_check_import() - can this host take over that state (V-8)
 * @s: the source's state.
 * @why: if not NULL, set to a static reason on failure.
 *
 * The destination must offer the negotiated version and features, every
 * feature and transport the source offered (the guest read that CPUID at
 * boot), the same MSR transport index and the same encryption. Call it
 * before the source pauses.
 *
 * Return: 0 or -EINVAL (malformed), -EOPNOTSUPP (not offered here).
 */
int migctl_host_check_import(struct migctl_host *host, const struct migctl_host_saved *s,
			     const char **why);

/**
 * migctl_host_import() - install the source's protocol state (V-5)
 *
 * Runs migctl_host_check_import() first; changes nothing on failure.
 * Return: as migctl_host_check_import().
 */
int migctl_host_import(struct migctl_host *host, const struct migctl_host_saved *s,
		       const char **why);

/**
 * migctl_host_saved_encode() - little-endian wire form of @s
 * @buf: MIGCTL_HOST_SAVED_SIZE bytes.
 */
void migctl_host_saved_encode(const struct migctl_host_saved *s, u8 buf[MIGCTL_HOST_SAVED_SIZE]);

/**
 * migctl_host_saved_decode() - parse the wire form
 * Return: 0, or -EINVAL for a bad magic, format, flags or reserved field.
 */
int migctl_host_saved_decode(const u8 *buf, size_t len, struct migctl_host_saved *s);

#endif /* MIGCTL_HOST_H */
