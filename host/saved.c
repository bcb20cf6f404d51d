/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* saved.c - protocol state across migration: export, checks, import, wire form. */
#include <errno.h>
#include <string.h>

#include "byteorder.h"
#include "ctl_msr.h"
#include "host-priv.h"

void migctl_host_export(struct migctl_host *h, struct migctl_host_saved *s)
{
	memset(s, 0, sizeof(*s));
	s->magic = MIGCTL_HOST_SAVED_MAGIC;
	s->format = MIGCTL_HOST_SAVED_VERSION;
	s->control = migctl_host_ctl_get(h);
	if (migctl_host_enabled(h)) {
		s->min_version = h->cfg.min_version;
		s->max_version = h->cfg.max_version;
	}
	s->features = h->offered;
	s->flags = (h->hc_offered ? MIGCTL_HOST_SAVED_F_HYPERCALL : 0) |
		   (h->cfg.encrypted ? MIGCTL_HOST_SAVED_F_ENCRYPTED : 0);
	s->psc_msr = (h->offered & MIGCTL_F_MSR_PSC) ? h->cfg.psc_msr : 0;
}

static const char *import_refusal(const struct migctl_host *h, const struct migctl_host_saved *s,
				  int *err)
{
	*err = -EINVAL;
	if (s->magic != MIGCTL_HOST_SAVED_MAGIC || s->format != MIGCTL_HOST_SAVED_VERSION ||
	    s->flags & ~MIGCTL_HOST_SAVED_F_ALL || s->reserved)
		return "malformed protocol state";
	if (s->control && !s->max_version)
		return "malformed protocol state: READY without an offer";
	*err = -EOPNOTSUPP;
	if (!!(s->flags & MIGCTL_HOST_SAVED_F_ENCRYPTED) != h->cfg.encrypted)
		return "memory encryption differs between source and destination";
	if (s->max_version && !migctl_host_enabled(h))
		return "the destination does not offer the migration protocol";
	if ((s->flags & MIGCTL_HOST_SAVED_F_HYPERCALL) && !h->hc_offered)
		return "the destination does not offer the hypercall transport";
	if (s->features & ~h->offered)
		return "the destination does not offer every feature the source offered";
	if (s->psc_msr && s->psc_msr != h->cfg.psc_msr)
		return "the MSR transport index differs";
	if (migctl_host_ctl_check(h, s->control))
		return "the destination does not offer the negotiated version and features";
	*err = 0;
	return NULL;
}

int migctl_host_check_import(struct migctl_host *h, const struct migctl_host_saved *s,
			     const char **why)
{
	const char *reason;
	int err;

	reason = import_refusal(h, s, &err);
	if (reason && why)
		*why = reason;
	return err;
}

int migctl_host_import(struct migctl_host *h, const struct migctl_host_saved *s,
		       const char **why)
{
	int err = migctl_host_check_import(h, s, why);

	if (err)
		return err;
	migctl_host_ctl_set(h, s->control);
	return 0;
}

void migctl_host_saved_encode(const struct migctl_host_saved *s, u8 buf[MIGCTL_HOST_SAVED_SIZE])
{
	migctl_put_le32(buf, s->magic);
	migctl_put_le32(buf + 4, s->format);
	migctl_put_le64(buf + 8, s->control);
	migctl_put_le32(buf + 16, s->min_version);
	migctl_put_le32(buf + 20, s->max_version);
	migctl_put_le32(buf + 24, s->features);
	migctl_put_le32(buf + 28, s->flags);
	migctl_put_le32(buf + 32, s->psc_msr);
	migctl_put_le32(buf + 36, s->reserved);
}

int migctl_host_saved_decode(const u8 *buf, size_t len, struct migctl_host_saved *s)
{
	struct migctl_host_saved t;

	if (!buf || len != MIGCTL_HOST_SAVED_SIZE)
		return -EINVAL;
	t.magic = migctl_get_le32(buf);
	t.format = migctl_get_le32(buf + 4);
	t.control = migctl_get_le64(buf + 8);
	t.min_version = migctl_get_le32(buf + 16);
	t.max_version = migctl_get_le32(buf + 20);
	t.features = migctl_get_le32(buf + 24);
	t.flags = migctl_get_le32(buf + 28);
	t.psc_msr = migctl_get_le32(buf + 32);
	t.reserved = migctl_get_le32(buf + 36);
	if (t.magic != MIGCTL_HOST_SAVED_MAGIC || t.format != MIGCTL_HOST_SAVED_VERSION ||
	    t.flags & ~MIGCTL_HOST_SAVED_F_ALL || t.reserved)
		return -EINVAL;
	*s = t;
	return 0;
}
