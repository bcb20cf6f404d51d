/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* host_ops_step.c - the operations of the host_ops harness, each checked against the model. */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "host_ops.h"

enum {
	OP_CTL_WRITE,
	OP_CTL_READ,
	OP_PSC_WRITE,
	OP_PSC_READ,
	OP_OTHER_MSR,
	OP_HYPERCALL,
	OP_EXPORT,
	OP_IMPORT,
	OP_MIGRATABLE,
	OP_RESET,
	OP_CPUID,
	OP_LOGSTREAM,
	OP_NR
};

/* --- Values: raw ones, and ones aimed at the layout's edges --------------- */

static const struct host_model_region *pick_region(struct host_ops *o)
{
	return &o->m.r[fuzz_u8(&o->in) % o->m.nr];
}

static u64 gen_gfn(struct host_ops *o)
{
	const struct host_model_region *r;

	switch (fuzz_u8(&o->in) % 4) {
	case 0:
		return fuzz_u64(&o->in) >> MIGCTL_PAGE_SHIFT;
	case 1:
		r = pick_region(o);
		return r->gfn + fuzz_u16(&o->in) % (r->npages + 1);
	case 2:
		r = pick_region(o);
		return r->gfn + r->npages - 1 - fuzz_u8(&o->in) % 4;
	default:
		return (1ull << (o->m.phys_bits - MIGCTL_PAGE_SHIFT)) - 1 - fuzz_u8(&o->in) % 4;
	}
}

static u64 gen_gpa(struct host_ops *o)
{
	u8 sel = fuzz_u8(&o->in);

	if (sel % 8 == 0)
		return fuzz_u64(&o->in);
	return gen_gfn(o) << MIGCTL_PAGE_SHIFT | (sel & 8 ? fuzz_u16(&o->in) & 0xfff : 0);
}

static u64 gen_npages(struct host_ops *o)
{
	switch (fuzz_u8(&o->in) % 4) {
	case 0:
		return 1 + fuzz_u8(&o->in) % 16;
	case 1:
		return fuzz_u64(&o->in);
	case 2:
		return pick_region(o)->npages;
	default:
		return fuzz_u16(&o->in);
	}
}

/* Size hints 0..15, ENCRYPTED, LIST; sometimes any 64 bits. */
static u64 gen_attrs(struct host_ops *o)
{
	u8 sel = fuzz_u8(&o->in);

	return sel & 0x80 ? fuzz_u64(&o->in) : sel & 0x3f;
}

static u64 gen_ctl(struct host_ops *o)
{
	u64 v;

	switch (fuzz_u8(&o->in) % 6) {
	case 0:
		return fuzz_u64(&o->in);
	case 1:
		return 0;
	case 2:
		v = fuzz_u8(&o->in) % 4;
		return MIGCTL_CTL_VALUE(v, fuzz_u8(&o->in) % 8);
	case 3:
		return o->m.control;
	case 4:
		v = MIGCTL_CTL_VALUE(2, fuzz_u8(&o->in) % 4);
		return v ^ 1ull << (fuzz_u8(&o->in) % 64);
	default:
		return MIGCTL_CTL_READY;
	}
}

static u64 gen_psc(struct host_ops *o)
{
	u8 sel = fuzz_u8(&o->in);
	u64 attrs, gfn, count;

	if (sel % 8 == 0)
		return fuzz_u64(&o->in);
	attrs = sel & 0x80 ? fuzz_u16(&o->in) & 0xfff : fuzz_u8(&o->in) & 0x3f;
	gfn = gen_gfn(o);
	count = 1 + fuzz_u16(&o->in) % MIGCTL_PSC_COUNT_MAX;
	return MIGCTL_PSC_VALUE(gfn, count, attrs);
}

/* The guest's list page: @count entries from the input (the rest zero). */
static void fill_list(struct host_ops *o, u64 count)
{
	u64 i, n = count < MIGCTL_LIST_MAX ? count : MIGCTL_LIST_MAX;

	memset(o->list, 0, sizeof(o->list));
	o->read_ok = fuzz_u8(&o->in) % 16 != 0;
	for (i = 0; i < n && !fuzz_input_empty(&o->in); i++) {
		u64 gpa = gen_gpa(o);

		o->list[i].gpa_attrs = (gpa & MIGCTL_LIST_GPA_MASK) |
				       (gen_attrs(o) & MIGCTL_LIST_ATTR_MASK);
		o->list[i].npages = gen_npages(o);
	}
}

/* --- Guest operations ------------------------------------------------------ */

/* H-16: a refused notification, unless the guest is READY with version 2. */
static void model_refused(struct host_model *m)
{
	bool v2_ready = (m->control & MIGCTL_CTL_READY) && MIGCTL_CTL_GET_VERSION(m->control) >= 2;

	if (!m->unreliable && !v2_ready) {
		m->unreliable = true;
		m->generation++;
	}
}

static void op_ctl_write(struct host_ops *o)
{
	struct host_model *m = &o->m;
	u64 val = gen_ctl(o);
	bool ok = host_model_ctl_ok(m, val);
	int r = migctl_host_msr_write(o->h, fuzz_u8(&o->in), MIGCTL_MSR_CONTROL, val);

	FUZZ_ASSERT(r == (ok ? MIGCTL_HOST_ACCEPT : MIGCTL_HOST_GP));
	if (!ok) {
		o->exp.ctl_rejected++;
		return;
	}
	o->exp.ctl_accepted++;
	/* One step for a new value, a log made reliable by a v2 opt-in, or both. */
	if (m->control != val ||
	    (m->unreliable && (val & MIGCTL_CTL_READY) && MIGCTL_CTL_GET_VERSION(val) >= 2))
		m->generation++;
	if ((val & MIGCTL_CTL_READY) && MIGCTL_CTL_GET_VERSION(val) >= 2)
		m->unreliable = false;
	m->control = val;
}

static void op_ctl_read(struct host_ops *o)
{
	u64 val = ~0ull;
	int r = migctl_host_msr_read(o->h, fuzz_u8(&o->in), MIGCTL_MSR_CONTROL, &val);

	/* H-3 off: #GP; H-7: 0 when not READY, else the accepted value. */
	FUZZ_ASSERT(r == (o->m.enabled ? MIGCTL_HOST_ACCEPT : MIGCTL_HOST_GP));
	FUZZ_ASSERT(val == (o->m.enabled ? o->m.control : 0));
	if (r == MIGCTL_HOST_ACCEPT)
		o->exp.ctl_reads++;
}

static void op_psc_write(struct host_ops *o)
{
	struct host_model_req reqs[MIGCTL_LIST_MAX];
	u64 val = gen_psc(o);
	int n, r;

	if (val & MIGCTL_ATTR_LIST)
		fill_list(o, MIGCTL_PSC_GET_COUNT(val));
	n = host_model_psc(&o->m, val, o->list, o->read_ok, reqs);
	r = migctl_host_msr_write(o->h, fuzz_u8(&o->in), o->m.psc_msr, val);
	FUZZ_ASSERT(r == (n >= 0 ? MIGCTL_HOST_ACCEPT : MIGCTL_HOST_GP));
	o->exp.msr_psc_writes++;
	if ((o->m.offered & MIGCTL_F_MSR_PSC) && (val & MIGCTL_ATTR_LIST))
		o->exp.lists++;
	if (n < 0) {
		o->exp.psc_gp++;
		if (o->m.offered & MIGCTL_F_MSR_PSC)
			model_refused(&o->m);
		return;
	}
	o->exp.ok++;
	o->exp.pages += host_model_apply(&o->m, reqs, n);
}

static void op_psc_read(struct host_ops *o)
{
	u64 val = ~0ull;

	FUZZ_ASSERT(migctl_host_msr_read(o->h, 0, o->m.psc_msr, &val) == MIGCTL_HOST_GP);
	FUZZ_ASSERT(val == 0);
	o->exp.psc_gp++;
}

static void op_other_msr(struct host_ops *o)
{
	u8 sel = fuzz_u8(&o->in);
	u32 index = sel & 1 ? fuzz_u32(&o->in) : MIGCTL_MSR_KVM_FIRST + fuzz_u8(&o->in);
	u64 val = fuzz_u64(&o->in);

	if (index == MIGCTL_MSR_CONTROL || index == o->m.psc_msr)
		return;
	if (sel & 2) {
		FUZZ_ASSERT(migctl_host_msr_read(o->h, 0, index, &val) == MIGCTL_HOST_UNHANDLED);
		FUZZ_ASSERT(val == 0);
	} else {
		FUZZ_ASSERT(migctl_host_msr_write(o->h, 0, index, val) == MIGCTL_HOST_UNHANDLED);
	}
}

static void count_hc_error(struct host_ops *o, s64 ret)
{
	switch (-ret) {
	case MIGCTL_KVM_EINVAL:
		o->exp.einval++;
		break;
	case MIGCTL_KVM_E2BIG:
		o->exp.e2big++;
		break;
	case MIGCTL_KVM_EFAULT:
		o->exp.efault++;
		break;
	case MIGCTL_KVM_ENOSYS:
		o->exp.enosys++;
		break;
	default:
		FUZZ_ASSERT(!"a hypercall error the spec does not name");
	}
}

static void op_hypercall(struct host_ops *o)
{
	struct host_model_req reqs[MIGCTL_LIST_MAX];
	u8 sel = fuzz_u8(&o->in);
	u64 nr = sel % 16 ? MIGCTL_HC_MAP_GPA_RANGE : fuzz_u64(&o->in);
	u64 a0 = gen_gpa(o), a1 = gen_npages(o), a2 = gen_attrs(o);
	s64 want, ret;
	int n = 0;

	if (a2 & MIGCTL_ATTR_LIST)
		fill_list(o, a1);
	if (!o->m.hypercall || nr != MIGCTL_HC_MAP_GPA_RANGE) {
		want = -MIGCTL_KVM_ENOSYS;		/* H-3, H-9 */
	} else if (a2 & MIGCTL_ATTR_LIST) {
		o->exp.lists++;
		if (!(o->m.offered & MIGCTL_F_LIST) || a2 != MIGCTL_ATTR_LIST)
			want = -MIGCTL_KVM_EINVAL;	/* H-8: bit 5 reserved */
		else
			want = n = host_model_list(&o->m, a0, a1, o->list, o->read_ok, reqs);
	} else {
		want = host_model_range(&o->m, a0, a1, a2, &reqs[0]);
		n = 1;
	}
	ret = migctl_host_hypercall(o->h, sel, nr, a0, a1, a2);
	FUZZ_ASSERT(ret == (want > 0 ? 0 : want));
	o->exp.hc_calls++;
	if (ret) {
		count_hc_error(o, ret);
		if (ret != -MIGCTL_KVM_ENOSYS)
			model_refused(&o->m);
		return;
	}
	o->exp.ok++;
	o->exp.pages += host_model_apply(&o->m, reqs, n);
}

/* --- VMM operations -------------------------------------------------------- */

static void op_export(struct host_ops *o)
{
	const struct host_model *m = &o->m;
	struct migctl_host_saved s, t;
	u8 buf[MIGCTL_HOST_SAVED_SIZE];
	const char *why = NULL;

	migctl_host_export(o->h, &s);
	FUZZ_ASSERT(s.magic == MIGCTL_HOST_SAVED_MAGIC && s.format == MIGCTL_HOST_SAVED_VERSION);
	FUZZ_ASSERT(s.control == m->control && s.reserved == 0);
	FUZZ_ASSERT(s.min_version == (m->enabled ? m->min_version : 0));
	FUZZ_ASSERT(s.max_version == m->max_version && s.features == m->offered);
	FUZZ_ASSERT(s.flags == ((m->hypercall ? MIGCTL_HOST_SAVED_F_HYPERCALL : 0) |
				(m->encrypted ? MIGCTL_HOST_SAVED_F_ENCRYPTED : 0)));
	FUZZ_ASSERT(s.psc_msr == (m->offered & MIGCTL_F_MSR_PSC ? m->psc_msr : 0));
	migctl_host_saved_encode(&s, buf);
	FUZZ_ASSERT(migctl_host_saved_decode(buf, sizeof(buf), &t) == 0);
	FUZZ_ASSERT(!memcmp(&s, &t, sizeof(s)));
	/* A host takes back its own state, and nothing changes. */
	FUZZ_ASSERT(migctl_host_check_import(o->h, &s, &why) == 0);
	FUZZ_ASSERT(migctl_host_import(o->h, &s, &why) == 0);
}

static bool saved_malformed(const struct migctl_host_saved *s)
{
	return s->magic != MIGCTL_HOST_SAVED_MAGIC || s->format != MIGCTL_HOST_SAVED_VERSION ||
	       (s->flags & ~MIGCTL_HOST_SAVED_F_ALL) || s->reserved ||
	       (s->control && !s->max_version);
}

/* V-8 as the header states it: may this host take over @s? */
static bool saved_fits(struct host_model *m, const struct migctl_host_saved *s)
{
	u64 cur = m->control;
	bool ok;

	if (!!(s->flags & MIGCTL_HOST_SAVED_F_ENCRYPTED) != m->encrypted ||
	    (s->max_version && !m->enabled) ||
	    ((s->flags & MIGCTL_HOST_SAVED_F_HYPERCALL) && !m->hypercall) ||
	    (s->features & ~m->offered) || (s->psc_msr && s->psc_msr != m->psc_msr))
		return false;
	m->control = 0;		/* the negotiated value, as if freshly written */
	ok = !s->control || host_model_ctl_ok(m, s->control);
	m->control = cur;
	return ok;
}

static void mutate_saved(struct host_ops *o, struct migctl_host_saved *s)
{
	u32 *w = (u32 *)s;
	unsigned int k, n = fuzz_u8(&o->in) % 4;

	for (k = 0; k <= n; k++) {
		unsigned int f = fuzz_u8(&o->in) % (sizeof(*s) / sizeof(u32));
		u8 how = fuzz_u8(&o->in);

		w[f] = how & 1 ? fuzz_u32(&o->in) : w[f] ^ 1u << (how >> 3);
	}
}

static void op_import(struct host_ops *o)
{
	struct host_model *m = &o->m;
	struct migctl_host_saved s;
	const char *why = NULL;
	int r1, r2;

	migctl_host_export(o->h, &s);
	mutate_saved(o, &s);
	r1 = migctl_host_check_import(o->h, &s, &why);
	FUZZ_ASSERT(r1 == 0 || why);
	r2 = migctl_host_import(o->h, &s, &why);
	FUZZ_ASSERT(r1 == r2);
	if (saved_malformed(&s))
		FUZZ_ASSERT(r1 == -EINVAL);
	else
		FUZZ_ASSERT(r1 == (saved_fits(m, &s) ? 0 : -EOPNOTSUPP));
	if (r1)
		return;		/* check_state(): nothing changed */
	if (m->control != s.control)
		m->generation++;
	m->control = s.control;
}

static void op_migratable(struct host_ops *o)
{
	const struct host_model *m = &o->m;
	const char *why = NULL;
	bool want = !m->encrypted || (m->enabled && (m->control & MIGCTL_CTL_READY) &&
				      !m->unreliable);
	bool got = migctl_host_migratable(o->h, &why);

	FUZZ_ASSERT(got == want);
	FUZZ_ASSERT(got || (why && why[0]));
}

static void op_reset(struct host_ops *o)
{
	migctl_host_reset(o->h);
	if (o->m.control || o->m.unreliable)
		o->m.generation++;
	o->m.control = 0;
	o->m.unreliable = false;	/* H-16: the next boot rebuilds the log */
}

static void check_versioned_leaf(const struct host_model *m, const u32 regs[4])
{
	u32 min = regs[1] & MIGCTL_LEAF_EBX_MIN_MASK;
	u32 max = (regs[1] & MIGCTL_LEAF_EBX_MAX_MASK) >> MIGCTL_LEAF_EBX_MAX_SHIFT;

	if (m->max_version < 2) {
		FUZZ_ASSERT(!regs[0] && !regs[1] && !regs[2] && !regs[3]);
		return;
	}
	/* H-2 */
	FUZZ_ASSERT(regs[0] == MIGCTL_LEAF_MAGIC && !(regs[1] & MIGCTL_LEAF_EBX_RESERVED));
	FUZZ_ASSERT(min == m->min_version && max == m->max_version && 1 <= min && min <= max);
	FUZZ_ASSERT(regs[2] == m->offered && !(regs[2] & ~MIGCTL_F_ALL));
	if (m->offered & MIGCTL_F_MSR_PSC)
		FUZZ_ASSERT(regs[3] == m->psc_msr && regs[3] >= MIGCTL_MSR_PSC_FIRST &&
			    regs[3] <= MIGCTL_MSR_PSC_LAST);
	else
		FUZZ_ASSERT(regs[3] == 0);
}

static void op_cpuid(struct host_ops *o)
{
	const struct host_model *m = &o->m;
	u8 sel = fuzz_u8(&o->in);
	u32 fn = sel & 1 ? fuzz_u32(&o->in) : m->cpuid_base + sel / 2 % 0x50;
	u32 regs[4], orig[4], base = m->cpuid_base, bits, leaves[MIGCTL_HOST_CPUID_LEAVES_MAX];
	u32 msrs[MIGCTL_HOST_MSR_INDICES_MAX];
	bool patched;
	int i;

	for (i = 0; i < 4; i++)
		orig[i] = regs[i] = fuzz_u32(&o->in);
	patched = migctl_host_cpuid(o->h, fn, fuzz_u32(&o->in), regs);
	if (fn == base && m->enabled) {		/* H-1 */
		FUZZ_ASSERT(patched && regs[1] == MIGCTL_KVM_SIG_EBX &&
			    regs[2] == MIGCTL_KVM_SIG_ECX && regs[3] == MIGCTL_KVM_SIG_EDX);
		FUZZ_ASSERT(regs[0] >= base + (m->max_version >= 2 ? MIGCTL_CPUID_LEAF_OFFSET :
							  MIGCTL_CPUID_FEATURES_OFFSET));
	} else if (fn == base + MIGCTL_CPUID_FEATURES_OFFSET) {	/* H-1, H-3 */
		bits = (1u << MIGCTL_KVM_FEATURE_HC_MAP_GPA_RANGE) |
		       (1u << MIGCTL_KVM_FEATURE_MIGRATION_CONTROL);
		FUZZ_ASSERT(patched && (regs[0] & ~bits) == (orig[0] & ~bits));
		FUZZ_ASSERT(!!(regs[0] & 1u << MIGCTL_KVM_FEATURE_MIGRATION_CONTROL) == m->enabled);
		FUZZ_ASSERT(!!(regs[0] & 1u << MIGCTL_KVM_FEATURE_HC_MAP_GPA_RANGE) == m->hypercall);
	} else if (fn == base + MIGCTL_CPUID_LEAF_OFFSET) {
		FUZZ_ASSERT(patched);
		check_versioned_leaf(m, regs);
	} else {
		FUZZ_ASSERT(!patched && !memcmp(regs, orig, sizeof(regs)));
	}
	FUZZ_ASSERT(migctl_host_cpuid_leaves(o->h, leaves) ==
		    (m->enabled ? (m->max_version >= 2 ? 3u : 2u) : 0u));
	/* The VMM routes exactly these MSRs to the library (V-10). */
	FUZZ_ASSERT(migctl_host_msr_indices(o->h, msrs) == (m->offered & MIGCTL_F_MSR_PSC ? 2u : 1u));
	FUZZ_ASSERT(msrs[0] == MIGCTL_MSR_CONTROL);
	if (m->offered & MIGCTL_F_MSR_PSC)
		FUZZ_ASSERT(msrs[1] == m->psc_msr);
}

/* Save S and load it back: S stays, every page becomes changed (V-5). */
static void op_logstream(struct host_ops *o)
{
	size_t need = migctl_host_log_stream_size(o->log), used = 0, shorter;

	FUZZ_ASSERT(need <= sizeof(o->stream));
	shorter = fuzz_u16(&o->in) % need;
	FUZZ_ASSERT(migctl_host_log_save(o->log, o->stream, shorter, &used) == -ENOSPC);
	FUZZ_ASSERT(used == need);
	FUZZ_ASSERT(migctl_host_log_save(o->log, o->stream, sizeof(o->stream), &used) == 0);
	FUZZ_ASSERT(used == need);
	FUZZ_ASSERT(migctl_host_log_load(o->log, o->stream, used) == 0);
	host_model_changed(&o->m, 0, o->m.pages);
}

void host_ops_step(struct host_ops *o)
{
	static void (*const ops[OP_NR])(struct host_ops *) = {
		[OP_CTL_WRITE] = op_ctl_write,	 [OP_CTL_READ] = op_ctl_read,
		[OP_PSC_WRITE] = op_psc_write,	 [OP_PSC_READ] = op_psc_read,
		[OP_OTHER_MSR] = op_other_msr,	 [OP_HYPERCALL] = op_hypercall,
		[OP_EXPORT] = op_export,	 [OP_IMPORT] = op_import,
		[OP_MIGRATABLE] = op_migratable, [OP_RESET] = op_reset,
		[OP_CPUID] = op_cpuid,		 [OP_LOGSTREAM] = op_logstream,
	};

	ops[fuzz_u8(&o->in) % OP_NR](o);
}
