/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* request.c - the range rules of G-14, judged on one notification request. */
#include <stdio.h>

#include "request.h"

#define WHY(...)	(snprintf(why, MIGCTL_CHECK_WHY_MAX, __VA_ARGS__), true)

/* Pages from @gpa to the top of the 64-bit space: more would wrap. */
static u64 pages_to_top(gpa_t gpa)
{
	return gpa ? (0 - gpa) >> MIGCTL_PAGE_SHIFT : 1ull << (64 - MIGCTL_PAGE_SHIFT);
}

/*
 * G-14: "a page-aligned GPA, at least one page, no wrap-around, a size
 * hint of at most 2 such that the GPA and the page count are multiples of
 * the hint's size, and zero reserved attribute bits". The host accepts a
 * misaligned hint (H-8: the hint never makes a range invalid); the guest
 * rule is stricter, and only a checker can see the difference.
 */
bool migctl_check_bad_range(gpa_t gpa, u64 npages, u64 attrs, char *why)
{
	u64 hint = attrs & MIGCTL_ATTR_SIZE_MASK;
	u64 unit;

	if (gpa & (MIGCTL_PAGE_SIZE - 1))
		return WHY("gpa 0x%llx is not 4 KiB aligned", (unsigned long long)gpa);
	if (!npages)
		return WHY("npages 0 at gpa 0x%llx", (unsigned long long)gpa);
	if (npages > pages_to_top(gpa))
		return WHY("gpa 0x%llx + 0x%llx pages wraps around",
			   (unsigned long long)gpa, (unsigned long long)npages);
	if (attrs & MIGCTL_ATTR_RESERVED)
		return WHY("reserved attribute bits 0x%llx set (attributes 0x%llx)",
			   (unsigned long long)(attrs & MIGCTL_ATTR_RESERVED),
			   (unsigned long long)attrs);
	if (hint > MIGCTL_ATTR_SIZE_MAX)
		return WHY("size hint %llu > %llu", (unsigned long long)hint,
			   (unsigned long long)MIGCTL_ATTR_SIZE_MAX);
	unit = MIGCTL_SIZE_PAGES(hint);
	if (((gpa >> MIGCTL_PAGE_SHIFT) | npages) & (unit - 1))
		return WHY("size hint %llu (%llu pages) does not divide gpa 0x%llx and "
			   "npages 0x%llx",
			   (unsigned long long)hint, (unsigned long long)unit,
			   (unsigned long long)gpa, (unsigned long long)npages);
	return false;
}

/*
 * Chapter 5, range lists: "Every other bit of a2 is zero in a list
 * request"; G-14: a list page holds "1 to 256 entries".
 */
bool migctl_check_bad_list_head(gpa_t gpa, u64 count, u64 attrs, char *why)
{
	if (gpa & (MIGCTL_PAGE_SIZE - 1))
		return WHY("list page gpa 0x%llx is not 4 KiB aligned",
			   (unsigned long long)gpa);
	if (attrs & ~MIGCTL_ATTR_LIST)
		return WHY("list request with attribute bits 0x%llx besides LIST",
			   (unsigned long long)(attrs & ~MIGCTL_ATTR_LIST));
	if (count < 1 || count > MIGCTL_LIST_MAX)
		return WHY("list of %llu entries, outside 1..%llu",
			   (unsigned long long)count, (unsigned long long)MIGCTL_LIST_MAX);
	return false;
}

/*
 * Chapter 6: the unit is binding ("the GFN must be aligned to it"), bits
 * 11:6 are MBZ, and "a list request has UNIT 0 and ENCRYPTED 0" with 1 to
 * 256 entries. G-14: "an MSR-transport count MUST be within 1 to 4096
 * units", which the encoding (COUNT-1 in 12 bits) cannot break.
 */
bool migctl_check_bad_psc(u64 val, char *why)
{
	u64 unit = val & MIGCTL_ATTR_SIZE_MASK;
	u64 gfn = MIGCTL_PSC_GET_GFN(val);
	u32 count = MIGCTL_PSC_GET_COUNT(val);

	if (val & MIGCTL_PSC_RESERVED)
		return WHY("PSC request 0x%llx sets reserved bits 0x%llx",
			   (unsigned long long)val,
			   (unsigned long long)(val & MIGCTL_PSC_RESERVED));
	if (val & MIGCTL_ATTR_LIST) {
		if (val & (MIGCTL_ATTR_SIZE_MASK | MIGCTL_ATTR_ENCRYPTED))
			return WHY("PSC list request 0x%llx with UNIT or ENCRYPTED set",
				   (unsigned long long)val);
		if (count > MIGCTL_LIST_MAX)
			return WHY("PSC list request of %u entries, outside 1..%llu",
				   count, (unsigned long long)MIGCTL_LIST_MAX);
		return false;
	}
	if (unit > MIGCTL_ATTR_SIZE_MAX)
		return WHY("PSC request 0x%llx has unit %llu > %llu", (unsigned long long)val,
			   (unsigned long long)unit, (unsigned long long)MIGCTL_ATTR_SIZE_MAX);
	if (gfn & (MIGCTL_SIZE_PAGES(unit) - 1))
		return WHY("PSC request 0x%llx: gfn 0x%llx not aligned to unit %llu",
			   (unsigned long long)val, (unsigned long long)gfn,
			   (unsigned long long)unit);
	return false;
}

/* Chapter 5, list entry: attributes "as a2 (SIZE, ENCRYPTED); LIST and bits 11:6 MBZ". */
bool migctl_check_bad_entry(const struct migctl_list_entry *e, char *why)
{
	u64 attrs = e->gpa_attrs & MIGCTL_LIST_ATTR_MASK;

	if (attrs & MIGCTL_ATTR_LIST)
		return WHY("entry has the LIST bit set (gpa_attrs 0x%llx)",
			   (unsigned long long)e->gpa_attrs);
	return migctl_check_bad_range(e->gpa_attrs & MIGCTL_LIST_GPA_MASK, e->npages,
				      attrs, why);
}

void migctl_check_psc_range(u64 val, u64 *gfn, u64 *npages)
{
	*gfn = MIGCTL_PSC_GET_GFN(val);
	*npages = (u64)MIGCTL_PSC_GET_COUNT(val) * MIGCTL_SIZE_PAGES(val & MIGCTL_ATTR_SIZE_MASK);
}
