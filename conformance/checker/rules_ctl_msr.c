/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* rules_ctl_msr.c - the control MSR rules: G-6 (choice), G-7 (read-back), G-13 (opt-in after reset), G-17. */
#include "guestcheck-priv.h"
#include "rules_ctl_msr.h"

/* Discovery is invisible (CPUID); a read outside a read-back may be one. */
static void check_maybe_discovery(struct migctl_check *c)
{
	if (c->nego == NEGO_RETRY || c->nego == NEGO_UNAVAILABLE)
		c->nego = NEGO_IDLE;
	c->retried = false;
	c->spoke_v2 = false;
	c->enosys = false;
}

/*
 * G-7: "On a #GP from the write or the read, or on a different value, it
 * MAY retry once with the value 1 when the host offers version 1;
 * otherwise it MUST treat migration as unavailable".
 */
static void check_refused(struct migctl_check *c, u64 val)
{
	if (c->min <= MIGCTL_VERSION_1 && val != MIGCTL_CTL_READY && !c->retried) {
		c->nego = NEGO_RETRY;
		c->retried = true;
	} else {
		c->nego = NEGO_UNAVAILABLE;
	}
}

/*
 * G-6: "exactly one version that lies in the host's [min, max] ... the
 * highest such version, together with a subset of the offered features,
 * with every reserved bit zero. To select version 1 it MUST write the
 * value 1 (features 0)." Chapter 3: "A value with READY clear is only
 * valid as 0."
 */
static void check_choice(struct migctl_check *c, u32 vcpu, u64 val)
{
	u32 field = MIGCTL_CTL_GET_VERSION(val);
	u32 version = field ? field : MIGCTL_VERSION_1;
	u32 chosen = MIGCTL_CTL_GET_FEATURES(val);
	u32 offered = c->features & MIGCTL_F_ALL;

	if (!(val & MIGCTL_CTL_READY)) {
		migctl_check_report(c, 6, vcpu, "control MSR write 0x%llx: READY clear but other "
				    "bits set (only 0 is valid without READY)", ULL(val));
		return;
	}
	if (val & MIGCTL_CTL_RESERVED)
		migctl_check_report(c, 6, vcpu, "control MSR write 0x%llx sets reserved bits "
				    "0x%llx", ULL(val), ULL(val & MIGCTL_CTL_RESERVED));
	if (version < c->min || version > c->max)
		migctl_check_report(c, 6, vcpu, "control MSR write 0x%llx: version %u outside the "
				    "offered [%u, %u]", ULL(val), version, c->min, c->max);
	if (chosen & ~offered)
		migctl_check_report(c, 6, vcpu, "control MSR write 0x%llx chooses features 0x%x "
				    "not offered (leaf ECX 0x%x, defined 0x%x)", ULL(val),
				    chosen & ~offered, c->features, MIGCTL_F_ALL);
	else if (version == MIGCTL_VERSION_1 && chosen)
		migctl_check_report(c, 6, vcpu, "control MSR write 0x%llx chooses features 0x%x "
				    "with version 1", ULL(val), chosen);
	if (version == MIGCTL_VERSION_1 && !chosen && !(val & MIGCTL_CTL_RESERVED) &&
	    val != MIGCTL_CTL_READY)
		migctl_check_report(c, 6, vcpu, "control MSR write 0x%llx selects version 1; the "
				    "value must be 1", ULL(val));
	/*
	 * A version-1-only guest rightly writes 1 to a version-2 host; only a
	 * guest that has shown it speaks version 2 since the last possible
	 * discovery, and has not been refused (G-7's retry), is held to it.
	 */
	if (version == MIGCTL_VERSION_1 && c->min <= MIGCTL_VERSION_1 &&
	    c->max >= MIGCTL_VERSION_2 && c->spoke_v2 && !c->retried)
		migctl_check_report(c, 6, vcpu, "control MSR write 0x%llx chooses version 1, but "
				    "the guest uses version 2 and the host offers [%u, %u]",
				    ULL(val), c->min, c->max);
}

/* G-7 and G-13 on a READY write, before its answer changes the state. */
static void check_opt_in(struct migctl_check *c, u32 vcpu, u64 val)
{
	if (c->nego == NEGO_UNAVAILABLE)
		migctl_check_report(c, 7, vcpu, "READY write 0x%llx after the negotiation failed "
				    "(no READY writes until the next discovery)", ULL(val));
	else if (c->nego == NEGO_RETRY && val != MIGCTL_CTL_READY)
		migctl_check_report(c, 7, vcpu, "retry after a refused READY value writes 0x%llx; "
				    "only the value 1 may be retried", ULL(val));
	else if (c->nego == NEGO_CONFIRM && !c->confirm_optional && c->confirm_vcpu == vcpu)
		migctl_check_report(c, 7, vcpu, "READY write 0x%llx before reading back 0x%llx",
				    ULL(val), ULL(c->confirm_value));
	/*
	 * G-13: "It MUST NOT opt in before this reset is complete." Checked
	 * once per VM boot: a kexec inside it is invisible to the VMM.
	 */
	if (!c->reset_done && !c->covered.lost) {
		u64 gap = 0;
		u32 i;

		for (i = 0; i < c->nr_ram; i++) {
			gap = migctl_check_ranges_first_gap(&c->covered, c->ram[i].start,
							    c->ram[i].end);
			if (gap < c->ram[i].end)
				break;
		}
		if (i < c->nr_ram)
			migctl_check_report(c, 13, vcpu, "READY write 0x%llx before the boot-time "
					    "reset: RAM at gpa 0x%llx not yet notified encrypted "
					    "in this boot", ULL(val),
					    ULL(gap << MIGCTL_PAGE_SHIFT));
		else
			c->reset_done = true;
	}
}

void migctl_check_ctl_write(struct migctl_check *c, u32 vcpu, u64 val, bool gp)
{
	struct check_vcpu *cpu = &c->vcpu[vcpu];

	if (!val) {
		/* Opt-out (G-11); maybe before a kexec into another kernel. */
		if (!gp) {
			c->host_value = 0;
			c->reset_reported = false;
		}
		c->spoke_v2 = false;
		if (c->nego == NEGO_CONFIRM || c->nego == NEGO_READY)
			c->nego = NEGO_IDLE;
		return;
	}
	check_choice(c, vcpu, val);
	if (!(val & MIGCTL_CTL_READY)) {
		if (!gp)
			c->host_value = val;
		return;
	}
	check_opt_in(c, vcpu, val);
	if (MIGCTL_CTL_GET_VERSION(val) >= MIGCTL_VERSION_2)
		c->spoke_v2 = true;
	if (gp) {
		/* Nothing to read back: a read after this may be a new discovery. */
		check_refused(c, val);
		return;
	}
	cpu->after_ready_write = true;
	c->host_value = val;
	c->reset_reported = false;
	c->nego = NEGO_CONFIRM;
	c->confirm_value = val;
	c->confirm_vcpu = vcpu;
	/*
	 * G-7, G-17: without a valid versioned leaf the write of 1 decides. A
	 * host with the leaf cannot tell a guest that never read it (upstream
	 * Linux) from one that chose version 1: unless the guest has shown it
	 * speaks version 2, its read-back is allowed, not required.
	 */
	c->confirm_optional = val == MIGCTL_CTL_READY &&
			      (c->max < MIGCTL_VERSION_2 || !c->spoke_v2);
}

void migctl_check_ctl_read(struct migctl_check *c, u32 vcpu, u64 val, bool gp,
			   bool read_back)
{
	/* G-17: "MUST NOT read the control MSR" without a valid versioned leaf. */
	if (c->max < MIGCTL_VERSION_2)
		migctl_check_report(c, 17, vcpu, "control MSR read (%s) on a host without a "
				    "versioned leaf, whose control MSR may be write-only",
				    gp ? "#GP" : "answered");
	if (!gp)
		c->host_value = val;
	if (c->nego == NEGO_CONFIRM) {
		if (!gp && val == c->confirm_value)
			c->nego = NEGO_READY;
		else
			check_refused(c, c->confirm_value);
	} else if (!read_back) {
		check_maybe_discovery(c);
	}
}

