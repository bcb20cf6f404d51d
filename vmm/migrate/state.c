/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* state.c - the non-RAM state of a migrating VM: status log, devices, vCPUs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migctl-host.h"
#include "state.h"
#include "stream.h"
#include "stream-priv.h"
#include "../sevsim_vm.h"
#include "../state_check.h"
#include "../state_load.h"
#include "../vcpu.h"
#include "../vm.h"

struct migrate_staged {
	void *status;
	size_t status_len;
	bool have_saved, have_vm, have_sevsim;
	struct migctl_host_saved saved;
	struct vm_state vm;
	u64 window_gpa, window_pages;
	u32 nr_vcpus;
	bool *have_vcpu;
	struct vcpu_state *vcpus;
};

static int state_send_status(struct migrate_writer *w, struct migctl_host *host)
{
	struct migctl_host_log *log = migctl_host_log(host);
	size_t len = migctl_host_log_stream_size(log), used;
	void *buf = malloc(len);
	int ret;

	if (!buf)
		return -ENOMEM;
	ret = migctl_host_log_save(log, buf, len, &used);
	if (!ret)
		ret = migrate_writer_status(w, buf, used);
	free(buf);
	return ret;
}

int migrate_state_send(struct migrate_writer *w, struct vm *vm, struct migctl_host *host,
		       const struct sevsim_vm *sev, char *err, size_t errlen)
{
	u8 saved[MIGCTL_HOST_SAVED_SIZE], win[16];
	char why[VCPU_WHY_MAX];
	struct migctl_host_saved s;
	struct vm_state vs;
	struct vcpu_state *cs;
	int ret = state_send_status(w, host);

	snprintf(err, errlen, "%s", strerror(-ret));
	if (ret)
		return ret;
	migctl_host_export(host, &s);
	migctl_host_saved_encode(&s, saved);
	ret = migrate_writer_device(w, "migctl", saved, sizeof(saved));
	if (!ret && sev) {
		put_le64(win, sev->window_gpa);
		put_le64(win + 8, sev->window_pages);
		ret = migrate_writer_device(w, "sevsim", win, sizeof(win));
	}
	if (!ret)
		ret = vm_save_state(vm, &vs);
	if (!ret)
		ret = migrate_writer_device(w, "vm", &vs, sizeof(vs));
	cs = ret ? NULL : malloc(sizeof(*cs));
	if (!ret && !cs)
		ret = -ENOMEM;
	snprintf(err, errlen, "%s", strerror(-ret));
	for (int i = 0; !ret && i < vm->nr_vcpus; i++) {
		ret = vcpu_save(vm->vcpus[i], cs, why);
		if (ret) {
			snprintf(err, errlen, "vCPU %d: %s", i, why);
			break;
		}
		ret = migrate_writer_vcpu(w, i, cs, sizeof(*cs));
		snprintf(err, errlen, "%s", strerror(-ret));
	}
	free(cs);
	return ret;
}

struct migrate_staged *migrate_staged_create(u32 nr_vcpus)
{
	struct migrate_staged *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->nr_vcpus = nr_vcpus;
	s->have_vcpu = calloc(nr_vcpus, sizeof(bool));
	s->vcpus = calloc(nr_vcpus, sizeof(struct vcpu_state));
	if (!s->have_vcpu || !s->vcpus) {
		migrate_staged_destroy(s);
		return NULL;
	}
	return s;
}

void migrate_staged_destroy(struct migrate_staged *s)
{
	if (!s)
		return;
	free(s->status);
	free(s->have_vcpu);
	free(s->vcpus);
	free(s);
}

int migrate_staged_status(struct migrate_staged *s, const void *blob, size_t len)
{
	free(s->status);
	s->status = malloc(len);
	if (!s->status)
		return -ENOMEM;
	memcpy(s->status, blob, len);
	s->status_len = len;
	return 0;
}

int migrate_staged_status_take(struct migrate_staged *s, void *blob, size_t len)
{
	/* Checked only where it is applied (migrate_staged_apply_status()). */
	free(s->status);
	s->status = blob;
	s->status_len = len;
	return 0;
}

int migrate_staged_status_recv(struct migrate_staged *s, struct migrate_reader *r,
			       const void *blob, size_t len)
{
	void *own = migrate_reader_take_blob(r, blob);

	if (own)
		return migrate_staged_status_take(s, own, len);
	return migrate_staged_status(s, blob, len);
}

/* Each device once: a second copy would silently replace the first. */
static int staged_once(bool *have, const char *name, char *err, size_t errlen)
{
	if (*have) {
		snprintf(err, errlen, "device '%s' appears twice in the stream", name);
		return -EBADMSG;
	}
	*have = true;
	return 0;
}

int migrate_staged_device(struct migrate_staged *s, const char *name, const void *blob,
			  size_t len, char *err, size_t errlen)
{
	if (!strcmp(name, "migctl")) {
		if (migctl_host_saved_decode(blob, len, &s->saved))
			goto bad;
		return staged_once(&s->have_saved, name, err, errlen);
	} else if (!strcmp(name, "sevsim")) {
		if (len != 16)
			goto bad;
		s->window_gpa = get_le64(blob);
		s->window_pages = get_le64((const u8 *)blob + 8);
		return staged_once(&s->have_sevsim, name, err, errlen);
	} else if (!strcmp(name, "vm")) {
		if (len != sizeof(s->vm))
			goto bad;
		memcpy(&s->vm, blob, len);
		return staged_once(&s->have_vm, name, err, errlen);
	}
	snprintf(err, errlen, "unknown device '%s' in the stream", name);
	return -EBADMSG;
bad:
	snprintf(err, errlen, "device '%s': malformed state (%zu bytes)", name, len);
	return -EBADMSG;
}

int migrate_staged_vcpu(struct migrate_staged *s, u32 index, const void *blob, size_t len,
			char *err, size_t errlen)
{
	if (index >= s->nr_vcpus || len != sizeof(struct vcpu_state)) {
		snprintf(err, errlen, "vCPU %u: malformed state (%zu bytes, this VMM's is %zu)",
			 index, len, sizeof(struct vcpu_state));
		return -EBADMSG;
	}
	if (s->have_vcpu[index]) {
		snprintf(err, errlen, "vCPU %u: state appears twice in the stream", index);
		return -EBADMSG;
	}
	memcpy(&s->vcpus[index], blob, len);
	s->have_vcpu[index] = true;
	return 0;
}

int migrate_staged_apply_status(struct migrate_staged *s, struct migctl_host *host,
				const struct sevsim_vm *sev, char *err, size_t errlen)
{
	const char *why = "";

	if (!s->status || !s->have_saved) {
		snprintf(err, errlen, "the stream lacks the status log or the protocol state");
		return -EBADMSG;
	}
	if (sev && (!s->have_sevsim || s->window_gpa != sev->window_gpa ||
		    s->window_pages != sev->window_pages)) {
		snprintf(err, errlen, "sev-sim window mismatch: source %#llx+%llu pages, "
			 "here %#llx+%llu pages (use the same --sev-sim-window)",
			 (unsigned long long)s->window_gpa, (unsigned long long)s->window_pages,
			 (unsigned long long)sev->window_gpa,
			 (unsigned long long)sev->window_pages);
		return -EINVAL;
	}
	if (!sev && s->have_sevsim) {
		snprintf(err, errlen, "device 'sevsim' in a stream without sev-sim");
		return -EBADMSG;
	}
	if (migctl_host_log_load(migctl_host_log(host), s->status, s->status_len)) {
		snprintf(err, errlen, "the status log does not load (corrupt or another layout)");
		return -EINVAL;
	}
	if (migctl_host_import(host, &s->saved, &why)) {
		snprintf(err, errlen, "the protocol state does not import: %s", why);
		return -EINVAL;
	}
	return 0;
}

/*
 * The VM state and every vCPU's state are there and may be loaded here,
 * field by field, before any of them is applied.
 */
static int state_check_cpus(struct migrate_staged *s, struct vm *vm, char *err, size_t errlen)
{
	char why[VCPU_WHY_MAX];

	if (!s->have_vm) {
		snprintf(err, errlen, "the stream lacks the VM state");
		return -EBADMSG;
	}
	if (vm_state_check(vm, &s->vm, why)) {
		snprintf(err, errlen, "device 'vm': bad state: %s", why);
		return -EBADMSG;
	}
	if (s->nr_vcpus != (u32)vm->nr_vcpus) {
		snprintf(err, errlen, "%u vCPU states for %d vCPUs", s->nr_vcpus, vm->nr_vcpus);
		return -EBADMSG;
	}
	for (u32 i = 0; i < s->nr_vcpus; i++) {
		if (!s->have_vcpu[i]) {
			snprintf(err, errlen, "the stream lacks the state of vCPU %u", i);
			return -EBADMSG;
		}
		if (vcpu_state_check(vm, (int)i, &s->vcpus[i], why)) {
			snprintf(err, errlen, "vCPU %u: bad state: %s", i, why);
			return -EBADMSG;
		}
	}
	return 0;
}

int migrate_staged_apply_cpus(struct migrate_staged *s, struct vm *vm, char *err,
			      size_t errlen)
{
	char why[VCPU_WHY_MAX];
	int ret = state_check_cpus(s, vm, err, errlen);

	if (ret)
		return ret;
	ret = vm_restore_state(vm, &s->vm, why);
	if (ret) {
		snprintf(err, errlen, "cannot restore the clock and irqchips: %s", why);
		return ret;
	}
	for (u32 i = 0; i < s->nr_vcpus; i++) {
		ret = vcpu_restore(vm->vcpus[i], &s->vcpus[i], why);
		if (ret) {
			snprintf(err, errlen, "cannot restore vCPU %u: %s", i, why);
			return ret;
		}
	}
	return 0;
}
