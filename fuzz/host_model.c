/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* host_model.c - the host rules restated for the fuzzer: expected outcomes and page status. */
#include <string.h>

#include "host_model.h"

typedef unsigned __int128 u128;

#define ATTR_RANGE	(MIGCTL_ATTR_SIZE_MASK | MIGCTL_ATTR_ENCRYPTED)

s64 host_model_index(const struct host_model *m, u64 gfn)
{
	unsigned int i;

	for (i = 0; i < m->nr; i++)
		if (gfn >= m->r[i].gfn && gfn - m->r[i].gfn < m->r[i].npages)
			return (s64)(m->r[i].first + (gfn - m->r[i].gfn));
	return -1;
}

/* Pages of [gfn, gfn + npages) that are RAM, summed region by region. */
static u128 ram_overlap(const struct host_model *m, u64 gfn, u64 npages)
{
	u128 lo = gfn, hi = (u128)gfn + npages, sum = 0;
	unsigned int i;

	for (i = 0; i < m->nr; i++) {
		u128 rlo = m->r[i].gfn, rhi = rlo + m->r[i].npages;
		u128 a = lo > rlo ? lo : rlo, b = hi < rhi ? hi : rhi;

		if (a < b)
			sum += b - a;
	}
	return sum;
}

bool host_model_ctl_ok(const struct host_model *m, u64 val)
{
	u32 version = MIGCTL_CTL_GET_VERSION(val), features = MIGCTL_CTL_GET_FEATURES(val);

	if (!m->enabled)
		return false;
	if (!val)
		return true;		/* H-6 */
	if (!(val & MIGCTL_CTL_READY) || (val & MIGCTL_CTL_RESERVED))
		return false;
	if (!version)
		version = 1;
	if (version < m->min_version || version > m->max_version)
		return false;
	if ((features & ~m->offered) || (features && version == 1))
		return false;
	return !m->control || m->control == val;	/* H-5 */
}

int host_model_range(const struct host_model *m, u64 gpa, u64 npages, u64 attrs,
		     struct host_model_req *req)
{
	u128 end = (u128)gpa + (u128)npages * MIGCTL_PAGE_SIZE;

	if ((attrs & ~ATTR_RANGE) || (attrs & MIGCTL_ATTR_SIZE_MASK) > MIGCTL_ATTR_SIZE_MAX)
		return -MIGCTL_KVM_EINVAL;
	if ((gpa & (MIGCTL_PAGE_SIZE - 1)) || !npages)
		return -MIGCTL_KVM_EINVAL;
	if (end > (u128)1 << m->phys_bits)
		return -MIGCTL_KVM_EINVAL;
	if (ram_overlap(m, gpa >> MIGCTL_PAGE_SHIFT, npages) != npages)
		return -MIGCTL_KVM_EINVAL;
	req->gfn = gpa >> MIGCTL_PAGE_SHIFT;
	req->npages = npages;
	req->private = attrs & MIGCTL_ATTR_ENCRYPTED;
	return 0;
}

int host_model_list(const struct host_model *m, u64 gpa, u64 count,
		    const struct migctl_list_entry *ents, bool read_ok,
		    struct host_model_req reqs[MIGCTL_LIST_MAX])
{
	u64 i;
	int err;

	if ((gpa & (MIGCTL_PAGE_SIZE - 1)) || !count)
		return -MIGCTL_KVM_EINVAL;
	if (count > MIGCTL_LIST_MAX)
		return -MIGCTL_KVM_E2BIG;
	if ((u128)gpa + MIGCTL_PAGE_SIZE > (u128)1 << m->phys_bits ||
	    host_model_index(m, gpa >> MIGCTL_PAGE_SHIFT) < 0 || !read_ok)
		return -MIGCTL_KVM_EFAULT;
	for (i = 0; i < count; i++) {
		u64 ga = ents[i].gpa_attrs;

		err = host_model_range(m, ga & MIGCTL_LIST_GPA_MASK, ents[i].npages,
				       ga & MIGCTL_LIST_ATTR_MASK, &reqs[i]);
		if (err)
			return err;
	}
	return (int)count;
}

int host_model_psc(const struct host_model *m, u64 val, const struct migctl_list_entry *ents,
		   bool read_ok, struct host_model_req reqs[MIGCTL_LIST_MAX])
{
	u64 attrs = val & MIGCTL_PSC_ATTR_MASK, unit = attrs & MIGCTL_ATTR_SIZE_MASK;
	u64 gfn = MIGCTL_PSC_GET_GFN(val), count = MIGCTL_PSC_GET_COUNT(val);
	u64 upages;

	if (!(m->offered & MIGCTL_F_MSR_PSC) || (attrs & MIGCTL_PSC_RESERVED))
		return -1;
	if (attrs & MIGCTL_ATTR_LIST) {
		/* A list names its page in 4 KiB units and carries no status. */
		if (!(m->offered & MIGCTL_F_LIST) || attrs != MIGCTL_ATTR_LIST)
			return -1;
		return host_model_list(m, gfn << MIGCTL_PAGE_SHIFT, count, ents, read_ok, reqs);
	}
	if (unit > MIGCTL_ATTR_SIZE_MAX)
		return -1;
	upages = MIGCTL_SIZE_PAGES(unit);
	if (gfn % upages)
		return -1;
	if (host_model_range(m, gfn << MIGCTL_PAGE_SHIFT, count * upages, attrs, &reqs[0]))
		return -1;
	return 1;
}

void host_model_changed(struct host_model *m, u64 first, u64 n)
{
	memset(&m->c[first], 1, n);
	if (first < m->c_lo)
		m->c_lo = first;
	if (first + n > m->c_hi)
		m->c_hi = first + n;
}

/*
 * A valid range may cross only adjacent regions, whose linear indices are
 * consecutive too, so index(gfn + p) = index(gfn) + p.
 */
u64 host_model_apply(struct host_model *m, const struct host_model_req *reqs, int n)
{
	u64 total = 0;
	int i;

	for (i = 0; i < n; i++) {
		s64 idx = host_model_index(m, reqs[i].gfn);

		memset(&m->s[idx], reqs[i].private, reqs[i].npages);
		host_model_changed(m, (u64)idx, reqs[i].npages);
		total += reqs[i].npages;
	}
	return total;
}
