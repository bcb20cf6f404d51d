/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* state.h - the non-RAM state of a migrating VM: status log, devices, vCPUs. */
#ifndef MIGCTL_VMM_STATE_H
#define MIGCTL_VMM_STATE_H

/*
 * What the source sends after the final round, and how the destination
 * stages it until END verifies and applies it before any vCPU runs (V-5):
 *	STATUS		the host library's encoding of S (logstream.h)
 *	DEVICE migctl	the protocol state (migctl_host_saved_encode())
 *	DEVICE sevsim	LE64 window_gpa, LE64 window_pages (sev-sim only)
 *	DEVICE vm	struct vm_state: KVM clock, PIC, IOAPIC, PIT and COM1's UART
 *	VCPU n		struct vcpu_state of vCPU n
 * vm and VCPU blobs are the VMM's own structs (same build and KVM ABI on
 * both ends); each is checked for its exact size.
 */

#include <stdbool.h>
#include <stddef.h>

#include <migctl/types.h>

struct vm;
struct migctl_host;
struct sevsim_vm;
struct migrate_writer;
struct migrate_reader;
struct migrate_staged;

/**
 * migrate_state_send() - write STATUS, the DEVICE and the VCPU sections
 * @err: receives what failed (a vCPU whose state does not fit is refused).
 */
int migrate_state_send(struct migrate_writer *w, struct vm *vm, struct migctl_host *host,
		       const struct sevsim_vm *sev, char *err, size_t errlen);

/** migrate_staged_create() - room for the state of @nr_vcpus vCPUs. */
struct migrate_staged *migrate_staged_create(u32 nr_vcpus);
void migrate_staged_destroy(struct migrate_staged *s);

/* Reader callbacks' helpers: copy one section; 0 or -EBADMSG with @err. */
int migrate_staged_status(struct migrate_staged *s, const void *blob, size_t len);
/* Keep @blob, from malloc(), as the status log without copying it; frees it on error. */
int migrate_staged_status_take(struct migrate_staged *s, void *blob, size_t len);
/*
 * The receiver's STATUS callback: keeps the reader's buffer @blob as the log
 * (migrate_reader_take_blob()), so a 1 TiB guest's log is held once; copies
 * only a @blob that is not the reader's.
 */
int migrate_staged_status_recv(struct migrate_staged *s, struct migrate_reader *r,
			       const void *blob, size_t len);
int migrate_staged_device(struct migrate_staged *s, const char *name, const void *blob,
			  size_t len, char *err, size_t errlen);
int migrate_staged_vcpu(struct migrate_staged *s, u32 index, const void *blob, size_t len,
			char *err, size_t errlen);

/**
 * migrate_staged_apply_status() - load S and the protocol state (V-5)
 * @sev: the destination's sev-sim state (NULL without): the windows must match.
 */
int migrate_staged_apply_status(struct migrate_staged *s, struct migctl_host *host,
				const struct sevsim_vm *sev, char *err, size_t errlen);

/**
 * migrate_staged_apply_cpus() - KVM clock, irqchips, PIT, UART and every vCPU, after
 * checking the VM state (vm_state_check()) and every vCPU's state
 * (vcpu_state_check()) field by field before any of them is applied.
 */
int migrate_staged_apply_cpus(struct migrate_staged *s, struct vm *vm, char *err,
			      size_t errlen);

#endif /* MIGCTL_VMM_STATE_H */
