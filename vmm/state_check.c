/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* state_check.c - is a VM or vCPU state from elsewhere loadable here: every field checked. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "state_check.h"
#include "vcpu.h"
#include "vm.h"

/*
 * A state from a migration stream is hostile. KVM checks some fields
 * itself, ignores or masks others, and a few it takes as they are and
 * fails later (a VM entry) or never: each is checked here, against the
 * rules a state KVM saved always meets, so a refused field is named
 * before anything is applied.
 */

#define CR0_PE		(1ull << 0)
#define CR0_NW		(1ull << 29)
#define CR0_CD		(1ull << 30)
#define CR0_PG		(1ull << 31)
/* PE MP EM TS ET NE WP AM NW CD PG */
#define CR0_VALID	(0x3full | 1ull << 16 | 1ull << 18 | CR0_NW | CR0_CD | CR0_PG)

#define CR4_PAE		(1ull << 5)
#define CR4_LA57	(1ull << 12)
#define CR4_PCIDE	(1ull << 17)
/* VME PVI TSD DE PSE PAE MCE PGE PCE OSFXSR OSXMMEXCPT: no CPUID bit gates them. */
#define CR4_BASE	0x7ffull

#define EFER_SCE	(1ull << 0)
#define EFER_LME	(1ull << 8)
#define EFER_LMA	(1ull << 10)
#define EFER_NX		(1ull << 11)
#define EFER_SVME	(1ull << 12)
#define EFER_FFXSR	(1ull << 14)
#define EFER_AUTOIBRS	(1ull << 21)

/* Bits 1 (fixed to 1), 3, 5, 15 and 22..63 are reserved. */
#define RFLAGS_FIXED	(1ull << 1)
#define RFLAGS_RSVD	(1ull << 3 | 1ull << 5 | 1ull << 15 | ~0x3fffffull)
#define RFLAGS_VM	(1ull << 17)

#define APIC_BASE_BSP	(1ull << 8)
#define APIC_BASE_EXTD	(1ull << 10)
#define APIC_BASE_EN	(1ull << 11)

#define XFEAT_FP	(1ull << 0)
#define XFEAT_SSE	(1ull << 1)
#define XFEAT_AVX	(1ull << 2)
#define XFEAT_BNDREGS	(1ull << 3)
#define XFEAT_BNDCSR	(1ull << 4)
#define XFEAT_AVX512	(7ull << 5)

/* Offsets in struct kvm_xsave (the standard, non-compacted layout). */
#define XSAVE_MXCSR		24
#define XSAVE_HDR		512
#define XSAVE_HDR_BYTES		64

#define LAPIC_ID		0x20
#define LAPIC_LVTT		0x320
#define LAPIC_TDCR		0x3e0

#define IOAPIC_BASE		0xfec00000ull

/* Exceptions that push an error code: 8, 10-14, 17, 21, 29, 30. */
#define EXC_WITH_ERROR	(1u << 8 | 0x7c00u | 1u << 17 | 1u << 21 | 1u << 29 | 1u << 30)

#define MSR_SYSENTER_ESP	0x175u
#define MSR_SYSENTER_EIP	0x176u
#define MSR_PAT			0x277u
#define MSR_LSTAR		0xc0000082u
#define MSR_CSTAR		0xc0000083u
#define MSR_FS_BASE		0xc0000100u
#define MSR_GS_BASE		0xc0000101u
#define MSR_KERNEL_GS_BASE	0xc0000102u
#define MSR_TSC_AUX		0xc0000103u

/* What the guest CPUID allows, looked up once per check. */
struct chk {
	const struct vm *vm;
	char *why;
	u64 cr4_ok, efer_ok, xcr0_ok;
	u32 phys_bits;
	u32 va_bits;
	bool x2apic, lm;
};

static int chk_fail(struct chk *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int chk_fail(struct chk *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->why, VCPU_WHY_MAX, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static const struct kvm_cpuid_entry2 *chk_leaf(const struct vm *vm, u32 fn, u32 idx)
{
	const struct kvm_cpuid2 *t = vm->cpuid;

	for (u32 i = 0; t && i < t->nent; i++)
		if (t->entries[i].function == fn && t->entries[i].index == idx)
			return &t->entries[i];
	return NULL;
}

static u32 chk_reg(const struct vm *vm, u32 fn, u32 idx, int reg)
{
	const struct kvm_cpuid_entry2 *e = chk_leaf(vm, fn, idx);

	if (!e)
		return 0;
	return reg == 0 ? e->eax : reg == 1 ? e->ebx : reg == 2 ? e->ecx : e->edx;
}

#define BIT_IF(cond, bit)	((cond) ? 1ull << (bit) : 0)

static void chk_init(struct chk *c, const struct vm *vm, char *why)
{
	u32 ecx1 = chk_reg(vm, 1, 0, 2), ebx7 = chk_reg(vm, 7, 0, 1);
	u32 ecx7 = chk_reg(vm, 7, 0, 2), edx7 = chk_reg(vm, 7, 0, 3);
	u32 ecx81 = chk_reg(vm, 0x80000001, 0, 2), edx81 = chk_reg(vm, 0x80000001, 0, 3);
	u32 eax88 = chk_reg(vm, 0x80000008, 0, 0);

	c->vm = vm;
	c->why = why;
	c->cr4_ok = CR4_BASE | BIT_IF(ecx7 & 1u << 2, 11) | BIT_IF(ecx7 & 1u << 16, 12) |
		    BIT_IF(ecx1 & 1u << 5, 13) | BIT_IF(ebx7 & 1u << 0, 16) |
		    BIT_IF(ecx1 & 1u << 17, 17) | BIT_IF(ecx1 & 1u << 26, 18) |
		    BIT_IF(ebx7 & 1u << 7, 20) | BIT_IF(ebx7 & 1u << 20, 21) |
		    BIT_IF(ecx7 & 1u << 3, 22) | BIT_IF((ecx7 & 1u << 7) || (edx7 & 1u << 20), 23);
	c->lm = edx81 & 1u << 29;
	c->efer_ok = EFER_SCE | (c->lm ? EFER_LME | EFER_LMA : 0) |
		     BIT_IF(edx81 & 1u << 20, 11) | BIT_IF(ecx81 & 1u << 2, 12) |
		     BIT_IF(edx81 & 1u << 25, 14) |
		     BIT_IF(chk_reg(vm, 0x80000021, 0, 0) & 1u << 8, 21);
	c->xcr0_ok = chk_leaf(vm, 0xd, 0) ? chk_reg(vm, 0xd, 0, 0) |
					    (u64)chk_reg(vm, 0xd, 0, 3) << 32
					  : XFEAT_FP | XFEAT_SSE;
	c->phys_bits = (eax88 & 0xff) ? eax88 & 0xff : 36;
	if (c->phys_bits > 52)
		c->phys_bits = 52;
	c->va_bits = ecx7 & 1u << 16 ? 57 : 48;
	c->x2apic = ecx1 & 1u << 21;
}

static bool chk_canonical(u64 v, u32 bits)
{
	return (u64)((s64)(v << (64 - bits)) >> (64 - bits)) == v;
}

static int chk_regs(struct chk *c, const struct vcpu_state *st, bool code64)
{
	u64 fl = st->regs.rflags;

	if (!(fl & RFLAGS_FIXED) || (fl & RFLAGS_RSVD))
		return chk_fail(c, "regs.rflags %#llx: reserved bits (bit 1 must be 1; 3, 5, 15 "
				"and 22-63 0)", (unsigned long long)fl);
	if ((st->sregs.efer & EFER_LMA) && (fl & RFLAGS_VM))
		return chk_fail(c, "regs.rflags %#llx: VM (virtual-8086) in long mode",
				(unsigned long long)fl);
	if (code64 ? !chk_canonical(st->regs.rip, c->va_bits) : st->regs.rip >> 32)
		return chk_fail(c, "regs.rip %#llx: not %s", (unsigned long long)st->regs.rip,
				code64 ? "canonical" : "a 32-bit address outside 64-bit code");
	return 0;
}

static int chk_control(struct chk *c, const struct kvm_sregs *s)
{
	bool lma = s->efer & EFER_LMA;

	if (s->cr0 & ~CR0_VALID)
		return chk_fail(c, "sregs.cr0 %#llx: reserved bits %#llx", (unsigned long long)s->cr0,
				(unsigned long long)(s->cr0 & ~CR0_VALID));
	if ((s->cr0 & CR0_PG) && !(s->cr0 & CR0_PE))
		return chk_fail(c, "sregs.cr0 %#llx: PG without PE", (unsigned long long)s->cr0);
	if ((s->cr0 & CR0_NW) && !(s->cr0 & CR0_CD))
		return chk_fail(c, "sregs.cr0 %#llx: NW without CD", (unsigned long long)s->cr0);
	if (s->cr4 & ~c->cr4_ok)
		return chk_fail(c, "sregs.cr4 %#llx: bits %#llx reserved or not in the guest's CPUID",
				(unsigned long long)s->cr4, (unsigned long long)(s->cr4 & ~c->cr4_ok));
	if (s->efer & ~c->efer_ok)
		return chk_fail(c, "sregs.efer %#llx: bits %#llx reserved or not in the guest's CPUID",
				(unsigned long long)s->efer, (unsigned long long)(s->efer & ~c->efer_ok));
	if ((s->efer & EFER_LME) && (s->cr0 & CR0_PG)) {
		if (!(s->cr4 & CR4_PAE) || !lma)
			return chk_fail(c, "sregs: long mode (EFER.LME and CR0.PG) needs CR4.PAE and "
					"EFER.LMA (cr4 %#llx, efer %#llx)",
					(unsigned long long)s->cr4, (unsigned long long)s->efer);
	} else if (lma || s->cs.l) {
		return chk_fail(c, "sregs: EFER.LMA or CS.L outside long mode (efer %#llx, cs.l %u)",
				(unsigned long long)s->efer, s->cs.l);
	}
	if ((s->cr4 & CR4_PCIDE) && !lma)
		return chk_fail(c, "sregs.cr4 %#llx: PCIDE outside long mode",
				(unsigned long long)s->cr4);
	if (s->cr3 >> (lma ? c->phys_bits : 32))
		return chk_fail(c, "sregs.cr3 %#llx: wider than %u bits", (unsigned long long)s->cr3,
				lma ? c->phys_bits : 32);
	if (s->cr8 > 15)
		return chk_fail(c, "sregs.cr8 %#llx: above 15", (unsigned long long)s->cr8);
	return 0;
}

static int chk_seg_fields(struct chk *c, const char *n, const struct kvm_segment *g)
{
	if (g->type > 15 || g->dpl > 3 || g->present > 1 || g->db > 1 || g->s > 1 || g->l > 1 ||
	    g->g > 1 || g->avl > 1 || g->unusable > 1 || g->padding)
		return chk_fail(c, "sregs.%s: a field out of range (type %u dpl %u p %u db %u s %u "
				"l %u g %u avl %u unusable %u padding %u)", n, g->type, g->dpl,
				g->present, g->db, g->s, g->l, g->g, g->avl, g->unusable, g->padding);
	/*
	 * A segment not present (a null selector in 64-bit mode, on some
	 * KVMs without "unusable" set) keeps whatever attributes it had.
	 */
	if (g->unusable || !g->present)
		return 0;
	/* A limit from a descriptor: G scales a 20-bit limit by 4 KiB. */
	if (g->g ? (g->limit & 0xfff) != 0xfff : g->limit > 0xfffff)
		return chk_fail(c, "sregs.%s: limit %#x does not fit G=%u", n, g->limit, g->g);
	return 0;
}

/* The segment registers by their rules. */
enum chk_seg_kind { SEG_CS, SEG_SS, SEG_DATA, SEG_SYS_BASE, SEG_TR, SEG_LDT };

/* Rules by register: @pe protected mode, @lma long mode. */
static int chk_seg(struct chk *c, const char *n, const struct kvm_segment *g,
		   enum chk_seg_kind which, bool pe, bool lma)
{
	bool code = g->type & 8;
	int ret = chk_seg_fields(c, n, g);

	if (ret)
		return ret;
	if (which == SEG_TR) {
		/*
		 * A TSS, busy or available (the destination loads either,
		 * by vendor: state_sregs_for_load()); the 16-bit kinds only
		 * outside long mode.
		 */
		if (g->unusable || g->s ||
		    (state_tss_kind(g->type) != 9 && (lma || state_tss_kind(g->type) != 1)))
			return chk_fail(c, "sregs.tr: not a TSS (type %u s %u unusable %u)",
					g->type, g->s, g->unusable);
		return chk_canonical(g->base, c->va_bits) ? 0 :
			chk_fail(c, "sregs.tr.base %#llx: not canonical", (unsigned long long)g->base);
	}
	if (g->unusable || !g->present)
		return which == SEG_CS ? chk_fail(c, "sregs.cs: unusable or not present") : 0;
	if (which == SEG_LDT) {
		if (g->s || g->type != 2)
			return chk_fail(c, "sregs.ldt: not an LDT (type %u s %u)", g->type, g->s);
		return chk_canonical(g->base, c->va_bits) ? 0 :
			chk_fail(c, "sregs.ldt.base %#llx: not canonical", (unsigned long long)g->base);
	}
	if (pe && !g->s)
		return chk_fail(c, "sregs.%s: a system descriptor (type %u)", n, g->type);
	if (pe && which == SEG_CS && !code)
		return chk_fail(c, "sregs.cs: not a code segment (type %u)", g->type);
	if (which == SEG_CS && g->l && g->db)
		return chk_fail(c, "sregs.cs: both L and D/B");
	if (pe && which == SEG_SS && (code || !(g->type & 2)))
		return chk_fail(c, "sregs.ss: not a writable data segment (type %u)", g->type);
	if (pe && (which == SEG_DATA || which == SEG_SYS_BASE) && code && !(g->type & 2))
		return chk_fail(c, "sregs.%s: execute-only code (type %u)", n, g->type);
	if (which == SEG_SYS_BASE ? !chk_canonical(g->base, c->va_bits) : g->base >> 32)
		return chk_fail(c, "sregs.%s.base %#llx: %s", n, (unsigned long long)g->base,
				which == SEG_SYS_BASE ? "not canonical" : "wider than 32 bits");
	return 0;
}

static int chk_sregs(struct chk *c, const struct kvm_sregs *s)
{
	static const struct { const char *name; size_t off; enum chk_seg_kind which; } segs[] = {
		{ "cs", offsetof(struct kvm_sregs, cs), SEG_CS },
		{ "ss", offsetof(struct kvm_sregs, ss), SEG_SS },
		{ "ds", offsetof(struct kvm_sregs, ds), SEG_DATA },
		{ "es", offsetof(struct kvm_sregs, es), SEG_DATA },
		{ "fs", offsetof(struct kvm_sregs, fs), SEG_SYS_BASE },
		{ "gs", offsetof(struct kvm_sregs, gs), SEG_SYS_BASE },
		{ "tr", offsetof(struct kvm_sregs, tr), SEG_TR },
		{ "ldt", offsetof(struct kvm_sregs, ldt), SEG_LDT },
	};
	bool pe = s->cr0 & CR0_PE, lma = s->efer & EFER_LMA;
	int bits = 0, ret = chk_control(c, s);

	for (size_t i = 0; !ret && i < sizeof(segs) / sizeof(segs[0]); i++)
		ret = chk_seg(c, segs[i].name, (const void *)((const u8 *)s + segs[i].off),
			      segs[i].which, pe, lma);
	if (ret)
		return ret;
	if (!chk_canonical(s->gdt.base, c->va_bits) || !chk_canonical(s->idt.base, c->va_bits) ||
	    s->gdt.padding[0] | s->gdt.padding[1] | s->gdt.padding[2] | s->idt.padding[0] |
	    s->idt.padding[1] | s->idt.padding[2])
		return chk_fail(c, "sregs.gdt/idt: base not canonical or padding not 0 (gdt %#llx, "
				"idt %#llx)", (unsigned long long)s->gdt.base,
				(unsigned long long)s->idt.base);
	if ((s->apic_base & (0xffull | 1ull << 9)) || s->apic_base >> c->phys_bits ||
	    ((s->apic_base & APIC_BASE_EXTD) && (!(s->apic_base & APIC_BASE_EN) || !c->x2apic)))
		return chk_fail(c, "sregs.apic_base %#llx: reserved bits, wider than %u bits, or "
				"x2APIC without xAPIC or CPUID", (unsigned long long)s->apic_base,
				c->phys_bits);
	for (size_t i = 0; i < sizeof(s->interrupt_bitmap) / 8; i++)
		bits += __builtin_popcountll(s->interrupt_bitmap[i]);
	if (bits > 1)
		return chk_fail(c, "sregs.interrupt_bitmap: %d interrupts pending, at most 1", bits);
	return 0;
}

static int chk_xcr0(struct chk *c, u64 v)
{
	if (!(v & XFEAT_FP) || (v & ~c->xcr0_ok) || ((v & XFEAT_AVX) && !(v & XFEAT_SSE)) ||
	    !(v & XFEAT_BNDREGS) != !(v & XFEAT_BNDCSR) ||
	    ((v & XFEAT_AVX512) && ((v & XFEAT_AVX512) != XFEAT_AVX512 || !(v & XFEAT_AVX))))
		return chk_fail(c, "xcrs: XCR0 %#llx is not valid here (supported %#llx; x87 "
				"always, SSE with AVX, both MPX or none, all AVX-512 with AVX)",
				(unsigned long long)v, (unsigned long long)c->xcr0_ok);
	return 0;
}

static int chk_xstate(struct chk *c, const struct vcpu_state *st)
{
	const u8 *x = (const u8 *)st->xsave.region;
	u64 bv, comp, mxcsr = (u64)x[XSAVE_MXCSR] | (u64)x[XSAVE_MXCSR + 1] << 8 |
			      (u64)x[XSAVE_MXCSR + 2] << 16 | (u64)x[XSAVE_MXCSR + 3] << 24;
	u32 seen = 0;

	if (st->xcrs.nr_xcrs > KVM_MAX_XCRS || st->xcrs.flags)
		return chk_fail(c, "xcrs: %u XCRs (at most %u) or flags %#x", st->xcrs.nr_xcrs,
				KVM_MAX_XCRS, st->xcrs.flags);
	for (u32 i = 0; i < st->xcrs.nr_xcrs; i++) {
		const struct kvm_xcr *r = &st->xcrs.xcrs[i];
		int ret;

		if (r->xcr != 0 || r->reserved || seen++)
			return chk_fail(c, "xcrs[%u]: XCR %u (only XCR0, once) reserved %#x", i,
					r->xcr, r->reserved);
		ret = chk_xcr0(c, r->value);
		if (ret)
			return ret;
	}
	if (c->vm->caps.xsave_size > (int)sizeof(st->xsave))
		return chk_fail(c, "xsave: this KVM's XSAVE state has %d bytes, more than the %zu "
				"of the stream's", c->vm->caps.xsave_size, sizeof(st->xsave));
	if (mxcsr >> 16)
		return chk_fail(c, "xsave: MXCSR %#llx has reserved bits", (unsigned long long)mxcsr);
	memcpy(&bv, x + XSAVE_HDR, 8);
	memcpy(&comp, x + XSAVE_HDR + 8, 8);
	if ((bv & ~c->xcr0_ok) || comp)
		return chk_fail(c, "xsave: XSTATE_BV %#llx (supported %#llx) or XCOMP_BV %#llx (must "
				"be 0)", (unsigned long long)bv, (unsigned long long)c->xcr0_ok,
				(unsigned long long)comp);
	for (u32 i = 16; i < XSAVE_HDR_BYTES; i++)
		if (x[XSAVE_HDR + i])
			return chk_fail(c, "xsave: reserved header byte %u is not 0", i);
	for (u32 f = 2; f < 64; f++) {
		u64 end = (u64)chk_reg(c->vm, 0xd, f, 1) + chk_reg(c->vm, 0xd, f, 0);

		if ((bv >> f & 1) && end > sizeof(st->xsave))
			return chk_fail(c, "xsave: component %u ends at byte %llu, past the %zu saved", f,
					(unsigned long long)end, sizeof(st->xsave));
	}
	return 0;
}

static int chk_debug_lapic(struct chk *c, int id, const struct vcpu_state *st)
{
	const struct kvm_debugregs *d = &st->debugregs;
	u32 apic_id, lvtt, tdcr;

	for (int i = 0; i < 9; i++)
		if (d->reserved[i])
			return chk_fail(c, "debugregs.reserved[%d] is not 0", i);
	if (d->flags || d->dr6 >> 32 || d->dr7 >> 32)
		return chk_fail(c, "debugregs: flags %#llx, dr6 %#llx, dr7 %#llx (flags 0, upper "
				"halves 0)", (unsigned long long)d->flags,
				(unsigned long long)d->dr6, (unsigned long long)d->dr7);
	memcpy(&apic_id, st->lapic.regs + LAPIC_ID, 4);
	memcpy(&lvtt, st->lapic.regs + LAPIC_LVTT, 4);
	memcpy(&tdcr, st->lapic.regs + LAPIC_TDCR, 4);
	/* Without KVM_CAP_X2APIC_API, KVM keeps the x2APIC ID in bits 31:24 here too. */
	if ((st->sregs.apic_base & APIC_BASE_EXTD) && apic_id != (u32)id << 24)
		return chk_fail(c, "lapic: x2APIC ID register %#x, not the vCPU's %d", apic_id, id);
	if ((lvtt >> 17 & 3) == 3 || tdcr & ~0xbu)
		return chk_fail(c, "lapic: timer mode 3 (reserved) or divide configuration %#x", tdcr);
	return 0;
}

static int chk_events(struct chk *c, const struct vcpu_state *st)
{
	static const u32 flags_ok = KVM_VCPUEVENT_VALID_NMI_PENDING |
		KVM_VCPUEVENT_VALID_SIPI_VECTOR | KVM_VCPUEVENT_VALID_SHADOW |
		KVM_VCPUEVENT_VALID_SMM;
	const struct kvm_vcpu_events *e = &st->events;
	u8 nr = e->exception.nr;

	if (e->flags & ~flags_ok)
		return chk_fail(c, "events.flags %#x: bits this VMM does not enable", e->flags);
	for (size_t i = 0; i < sizeof(e->reserved); i++)
		if (e->reserved[i])
			return chk_fail(c, "events.reserved[%zu] is not 0", i);
	if (e->exception.injected > 1 || e->exception.pending > 1 ||
	    e->exception.has_error_code > 1 ||
	    e->exception_has_payload || e->exception_payload || e->triple_fault.pending)
		return chk_fail(c, "events.exception: injected %u pending %u has_error_code %u, "
				"payload or triple fault", e->exception.injected,
				e->exception.pending, e->exception.has_error_code);
	if ((e->exception.injected || e->exception.pending) && (nr > 31 || nr == 2 ||
				      (e->exception.has_error_code && !(EXC_WITH_ERROR >> nr & 1))))
		return chk_fail(c, "events.exception.nr %u: not an exception%s", nr,
				e->exception.has_error_code ? " with an error code" : "");
	if (e->interrupt.injected > 1 || e->interrupt.soft > 1 || e->interrupt.shadow & ~3u ||
	    e->nmi.injected > 1 || e->nmi.pending > 2 || e->nmi.masked > 1 || e->nmi.pad ||
	    e->sipi_vector > 0xff)
		return chk_fail(c, "events: interrupt (injected %u soft %u shadow %u), NMI (injected "
				"%u pending %u masked %u) or SIPI vector %u out of range",
				e->interrupt.injected, e->interrupt.soft, e->interrupt.shadow,
				e->nmi.injected, e->nmi.pending, e->nmi.masked, e->sipi_vector);
	/* Both come from the one event being delivered at the exit. */
	if (e->interrupt.injected && e->nmi.injected)
		return chk_fail(c, "events: both an interrupt and an NMI injected");
	if (e->smi.smm > 1 || e->smi.pending > 1 || e->smi.smm_inside_nmi > 1 ||
	    e->smi.latched_init > 1 ||
	    ((e->flags & KVM_VCPUEVENT_VALID_SMM) && (e->smi.smm || e->smi.pending) &&
	     st->mp.mp_state == KVM_MP_STATE_INIT_RECEIVED))
		return chk_fail(c, "events.smi: smm %u pending %u inside_nmi %u latched_init %u "
				"(or SMM with INIT received)", e->smi.smm, e->smi.pending,
				e->smi.smm_inside_nmi, e->smi.latched_init);
	/* KVM takes any value here; x86 vCPUs of a plain VM know these. */
	if (st->mp.mp_state > KVM_MP_STATE_SIPI_RECEIVED ||
	    (!c->vm->cfg.irqchip && (st->mp.mp_state == KVM_MP_STATE_INIT_RECEIVED ||
				     st->mp.mp_state == KVM_MP_STATE_SIPI_RECEIVED)))
		return chk_fail(c, "MP state %u", st->mp.mp_state);
	if (st->tsc_khz && (st->tsc_khz < STATE_TSC_KHZ_MIN || st->tsc_khz > STATE_TSC_KHZ_MAX))
		return chk_fail(c, "tsc_khz %u: outside %u..%u", st->tsc_khz, STATE_TSC_KHZ_MIN,
				STATE_TSC_KHZ_MAX);
	return 0;
}

static bool chk_msr_known(const struct vm *vm, u32 index)
{
	for (u32 i = 0; i < vm->nr_msr_indices; i++)
		if (vm->msr_indices[i] == index)
			return true;
	return false;
}

/* The values KVM refuses (or a guest could not have written) for a few MSRs. */
static int chk_msr_value(struct chk *c, const struct kvm_msr_entry *e)
{
	switch (e->index) {
	case MSR_PAT:
		for (int b = 0; b < 8; b++) {
			u8 t = (u8)(e->data >> (8 * b));

			if (t == 2 || t == 3 || t > 7)
				return chk_fail(c, "MSR %#x (PAT) = %#llx: memory type %u", e->index,
						(unsigned long long)e->data, t);
		}
		return 0;
	case MSR_SYSENTER_ESP: case MSR_SYSENTER_EIP: case MSR_LSTAR: case MSR_CSTAR:
	case MSR_FS_BASE: case MSR_GS_BASE: case MSR_KERNEL_GS_BASE:
		if (!chk_canonical(e->data, c->va_bits))
			return chk_fail(c, "MSR %#x = %#llx: not canonical", e->index,
					(unsigned long long)e->data);
		return 0;
	case MSR_TSC_AUX:
		if (e->data >> 32)
			return chk_fail(c, "MSR %#x (TSC_AUX) = %#llx: upper half not 0", e->index,
					(unsigned long long)e->data);
		return 0;
	}
	return 0;
}

static int chk_msrs(struct chk *c, const struct vcpu_state *st)
{
	const struct vm *vm = c->vm;

	if (st->nr_msrs > VCPU_MAX_MSRS || st->nr_msrs > vm->nr_msr_indices)
		return chk_fail(c, "%u MSRs, more than the %u this KVM saves (at most %u)",
				st->nr_msrs, vm->nr_msr_indices, VCPU_MAX_MSRS);
	for (u32 i = 0; i < st->nr_msrs; i++) {
		const struct kvm_msr_entry *e = &st->msrs[i];
		int ret;

		if (!chk_msr_known(vm, e->index))
			return chk_fail(c, "MSR %#x is not one this KVM saves (KVM_GET_MSR_INDEX_LIST)",
					e->index);
		if (e->reserved)
			return chk_fail(c, "MSR %#x: reserved field %#x is not 0", e->index,
					e->reserved);
		for (u32 j = 0; j < i; j++)
			if (st->msrs[j].index == e->index)
				return chk_fail(c, "MSR %#x appears twice", e->index);
		ret = chk_msr_value(c, e);
		if (ret)
			return ret;
	}
	return 0;
}

int vcpu_state_check(const struct vm *vm, int id, const struct vcpu_state *st, char *why)
{
	bool code64 = (st->sregs.efer & EFER_LMA) && st->sregs.cs.l;
	struct chk c;
	int ret;

	chk_init(&c, vm, why);
	/* The count first: nothing below may index msrs[] past it. */
	ret = chk_msrs(&c, st);
	if (!ret)
		ret = chk_sregs(&c, &st->sregs);
	if (!ret)
		ret = chk_regs(&c, st, code64);
	if (!ret)
		ret = chk_xstate(&c, st);
	if (!ret)
		ret = chk_debug_lapic(&c, id, st);
	if (!ret)
		ret = chk_events(&c, st);
	return ret;
}

static int chk_pic(struct chk *c, u32 i, const struct kvm_pic_state *p)
{
	static const u8 elcr_mask[2] = { 0xf8, 0xde };

	if (p->read_reg_select > 1 || p->poll > 1 || p->special_mask > 1 || p->init_state > 3 ||
	    p->auto_eoi > 1 || p->rotate_on_auto_eoi > 1 || p->special_fully_nested_mode > 1 ||
	    p->init4 > 1 || p->priority_add > 7 || p->irq_base & 7 ||
	    p->elcr_mask != elcr_mask[i] || p->elcr & ~p->elcr_mask)
		return chk_fail(c, "vm.chips[%u] (PIC): a field out of range (init_state %u, "
				"priority_add %u, irq_base %#x, elcr %#x/%#x)", i, p->init_state,
				p->priority_add, p->irq_base, p->elcr, p->elcr_mask);
	return 0;
}

/*
 * KVM's i8254 keeps these: a mode 0-5 (0xff before the guest programs one),
 * an access mode 1-3 (0 before), the read and write state 1-4 (0 before).
 */
static int chk_pit(struct chk *c, const struct kvm_pit_state2 *p)
{
	static const u32 flags_ok = KVM_PIT_FLAGS_SPEAKER_DATA_ON;

	if (p->flags & ~flags_ok)
		return chk_fail(c, "vm.pit.flags %#x: bits this VM does not use (HPET legacy "
				"routing, unknown)", p->flags);
	for (int i = 0; i < 9; i++)
		if (p->reserved[i])
			return chk_fail(c, "vm.pit.reserved[%d] is not 0", i);
	for (int i = 0; i < 3; i++) {
		const struct kvm_pit_channel_state *ch = &p->channels[i];

		if (ch->count > 0x10000 || (ch->mode > 5 && ch->mode != 0xff) || ch->bcd > 1 ||
		    ch->gate > 1 || ch->rw_mode > 3 || ch->count_latched > 3 ||
		    ch->status_latched > 1 || ch->read_state > 4 || ch->write_state > 4)
			return chk_fail(c, "vm.pit.channels[%d]: a field out of range (count %#x, "
					"mode %u, bcd %u, gate %u, rw_mode %u, count_latched %u, "
					"status_latched %u, read_state %u, write_state %u)", i,
					ch->count, ch->mode, ch->bcd, ch->gate, ch->rw_mode,
					ch->count_latched, ch->status_latched, ch->read_state,
					ch->write_state);
	}
	return 0;
}

/* The PIT and COM1: there exactly when this VM has them, each field in range. */
static int chk_devices(struct chk *c, const struct vm_state *st)
{
	static const struct kvm_pit_state2 no_pit;
	static const struct uart_regs no_uart;
	bool pit = c->vm->caps.pit, uart = c->vm->uart;

	if (st->has_pit != pit || st->has_uart != uart)
		return chk_fail(c, "vm: has_pit %u, has_uart %u; this VM has %s PIT and %s UART",
				st->has_pit, st->has_uart, pit ? "a" : "no", uart ? "a" : "no");
	if (!pit && memcmp(&st->pit, &no_pit, sizeof(no_pit)))
		return chk_fail(c, "vm.pit: not 0 without a PIT");
	if (!uart && memcmp(&st->uart, &no_uart, sizeof(no_uart)))
		return chk_fail(c, "vm.uart: not 0 without a UART");
	if (pit && chk_pit(c, &st->pit))
		return -EINVAL;
	if (uart && uart_regs_check(&st->uart, c->why, VCPU_WHY_MAX))
		return -EINVAL;
	return 0;
}

int vm_state_check(const struct vm *vm, const struct vm_state *st, char *why)
{
	u32 want = vm->cfg.irqchip ? 3 : 0;
	struct chk c = { .vm = vm, .why = why };

	if (st->reserved || st->nr_chips != want)
		return chk_fail(&c, "vm: %u irqchips, this VM has %u (reserved %#x)", st->nr_chips,
				want, st->reserved);
	for (u32 i = 0; i < st->nr_chips; i++) {
		const struct kvm_irqchip *k = &st->chips[i];
		const struct kvm_ioapic_state *io = &k->chip.ioapic;
		int ret;

		size_t used = i < 2 ? sizeof(k->chip.pic) : sizeof(k->chip.ioapic);

		if (k->chip_id != i || k->pad)
			return chk_fail(&c, "vm.chips[%u]: chip_id %u (must be %u), pad %#x", i,
					k->chip_id, i, k->pad);
		for (size_t b = used; b < sizeof(k->chip.dummy); b++)
			if (k->chip.dummy[b])
				return chk_fail(&c, "vm.chips[%u]: byte %zu past the chip's state is "
						"not 0", i, b);
		if (i < 2) {
			ret = chk_pic(&c, i, &k->chip.pic);
			if (ret)
				return ret;
			continue;
		}
		if (io->base_address != IOAPIC_BASE || io->id > 0xf || io->ioregsel > 0xff ||
		    io->irr >> KVM_IOAPIC_NUM_PINS || io->pad)
			return chk_fail(&c, "vm.chips[2] (IOAPIC): base %#llx (must be %#llx), id %u, "
					"ioregsel %#x, irr %#x or pad out of range",
					(unsigned long long)io->base_address, IOAPIC_BASE, io->id,
					io->ioregsel, io->irr);
	}
	return chk_devices(&c, st);
}
