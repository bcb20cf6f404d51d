/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* guestcheck-priv.h - the checker's state, shared by its files, never by its users. */
#ifndef MIGCTL_GUESTCHECK_PRIV_H
#define MIGCTL_GUESTCHECK_PRIV_H

#include <pthread.h>

#include "guestcheck.h"
#include "ranges.h"

#define MIGCTL_CHECK_RULES	17
/* Spans the checker remembers per set before it stops judging with it. */
#define MIGCTL_CHECK_SPANS_MAX	65536

/* The guest's negotiation state (chapter 7, guest transitions). */
enum check_nego {
	NEGO_IDLE,		/* DISCOVER/RESET/OFF/PAUSED: no opt-in under way */
	NEGO_CONFIRM,		/* a READY write was accepted, read-back pending */
	NEGO_READY,		/* the read-back matched */
	NEGO_RETRY,		/* refused once: one more READY write, the value 1 */
	NEGO_UNAVAILABLE,	/* refused for good until the next discovery */
};

enum check_transport { VIA_HC, VIA_PSC };

/* One notification, in the form both transports share. */
struct check_note {
	enum check_transport via;
	bool list;
	u64 a0, a1, a2;		/* the hypercall's arguments, or the PSC value in a0 */
	bool failed;		/* error answer that G-9 forbids repeating */
	bool ok;		/* recorded by the host */
};

struct check_vcpu {
	bool after_ready_write;	/* its last protocol event was a READY write */
	struct migctl_list_entry *list;
	u32 nlist;
	bool have_list;		/* @list belongs to its next list request */
	bool last_failed;	/* its last notification got an error answer */
	struct check_note last;
	u64 last_hash, last_event;
};

struct migctl_check {
	pthread_mutex_t lock;

	/* The offer as a conforming guest reads it (G-2, G-15). */
	bool ctl;		/* bit 17 */
	bool hc;		/* bit 16 */
	u32 min, max;
	u32 features;		/* leaf ECX as installed */
	u32 psc;		/* PSC MSR index, 0 when the transport is not offered */
	u32 psc_bad;		/* an index EDX named that the guest must not believe */
	struct migctl_check_span *ram;
	u32 nr_ram;
	u32 nr_vcpus;
	struct check_vcpu *vcpu;

	/* The host's state, as its answers show it. */
	u64 host_value;		/* accepted control value, 0 when not READY */

	/* The guest's state, as far as the trace shows it. */
	enum check_nego nego;
	u64 confirm_value;
	u32 confirm_vcpu;
	bool confirm_optional;	/* the value 1 from a guest that may not know the leaf */
	bool retried;		/* the one retry of G-7 is used up */
	bool spoke_v2;		/* version-2 use since the last possible discovery */
	bool enosys;		/* a hypercall got -KVM_ENOSYS */
	u64 enosys_event;
	bool reset_reported;	/* G-13 "reset while READY" reported for this opt-in */
	bool reset_done;	/* every RAM range was notified encrypted this boot */
	struct migctl_check_ranges covered;	/* notified encrypted this boot */
	struct migctl_check_ranges shared;	/* notified shared, not since encrypted */

	/* Output. */
	u64 event;		/* index of the event being judged */
	u64 nr_events;
	struct migctl_check_violation *keep;
	u32 nkeep, keep_cap;
	u64 total;
	u64 per_rule[MIGCTL_CHECK_RULES + 1];
};

/*
 * migctl_check_report() - record a violation of G-@rule by the event being judged
 * Called with the lock held; counts what it cannot keep.
 */
void migctl_check_report(struct migctl_check *c, u32 rule, u32 vcpu, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define ULL(x)	((unsigned long long)(x))

#endif /* MIGCTL_GUESTCHECK_PRIV_H */
