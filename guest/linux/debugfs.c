// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* debugfs.c - /sys/kernel/debug/migctl: the negotiated state, conversions and opt-out for tests. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "migctl_linux.h"

/* A write to "convert" is one batch; it holds at most this many bytes. */
#define MIGCTL_CONVERT_MAX	(64 * 1024)

static int migctl_state_show(struct seq_file *s, void *unused)
{
	struct migctl_linux *m = s->private;
	struct migctl_guest *g = &m->g;
	struct migctl_guest_counters c;
	u32 state = migctl_guest_state(g);

	migctl_guest_counters(g, &c);
	seq_printf(s, "state: %s\n", migctl_linux_state_name(state));
	seq_printf(s, "version: %u\n", g->version);
	seq_printf(s, "features: 0x%x\n", g->features);
	seq_printf(s, "ctl_value: 0x%llx\n", g->ctl_value);
	seq_printf(s, "out_reason: %s\n", migctl_linux_reason_name(g->out_reason));
	seq_printf(s, "base: 0x%x\n", g->base);
	seq_printf(s, "kvm_features: 0x%x\n", g->kvm_features);
	seq_printf(s, "leaf_valid: %u\n", g->leaf_valid);
	seq_printf(s, "host_versions: %u..%u\n", g->host_min, g->host_max);
	seq_printf(s, "offered: 0x%x\n", g->offered);
	seq_printf(s, "psc_index: 0x%x\n", g->psc_index);
	seq_printf(s, "disabled: 0x%x\n", g->disabled);
	seq_printf(s, "insn: %s\n", g->insn == MIGCTL_GUEST_INSN_VMMCALL ? "vmmcall" : "vmcall");
	seq_printf(s, "ram_ranges: %u\n", m->nram);
	seq_printf(s, "list_page: 0x%llx\n", m->list_page ? m->shared.gpa : 0);
	seq_printf(s, "requests: %llu\n", c.requests);
	seq_printf(s, "hypercalls: %llu\n", c.hypercalls);
	seq_printf(s, "psc_writes: %llu\n", c.psc_writes);
	seq_printf(s, "list_calls: %llu\n", c.list_calls);
	seq_printf(s, "pages: %llu\n", c.pages);
	seq_printf(s, "ctl_reads: %llu\n", c.ctl_reads);
	seq_printf(s, "ctl_writes: %llu\n", c.ctl_writes);
	seq_printf(s, "elided: %llu\n", c.elided);
	seq_printf(s, "errors: %llu\n", c.errors);
	seq_printf(s, "faults: %llu\n", c.faults);
	seq_printf(s, "enosys: %llu\n", c.enosys);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(migctl_state);

/* "GPA NPAGES private|shared"; both numbers in C notation (0x.. for hex). */
static int migctl_convert_parse(char *line, u64 *gpa, u64 *npages, bool *encrypted)
{
	char *gpa_s = strsep(&line, " \t");
	char *n_s = strsep(&line, " \t");
	char *how = strim(line ? line : "");

	if (!gpa_s || !n_s || kstrtou64(gpa_s, 0, gpa) || kstrtou64(n_s, 0, npages))
		return -EINVAL;
	if (!strcmp(how, "private"))
		*encrypted = true;
	else if (!strcmp(how, "shared"))
		*encrypted = false;
	else
		return -EINVAL;
	return 0;
}

struct migctl_convert_req {
	u64 gpa;
	u64 npages;
	bool encrypted;
};

/*
 * Every line is checked before anything is sent; then the requests go
 * through one batch, so that contiguous runs coalesce as the library
 * promises, and a final flush sends what is left.
 */
static int migctl_convert(struct migctl_linux *m, char *text)
{
	struct migctl_convert_req *req;
	u32 i, n = 0, max = 1;
	char *p, *line;
	int ret = 0, err;

	for (p = text; *p; p++)
		max += *p == '\n';
	req = kvmalloc_array(max, sizeof(*req), GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	for (p = text; (line = strsep(&p, "\n")) && n < max;) {
		line = strim(line);
		if (!*line)
			continue;
		if (migctl_convert_parse(line, &req[n].gpa, &req[n].npages,
					 &req[n].encrypted)) {
			ret = -EINVAL;
			goto out;
		}
		n++;
	}
	mutex_lock(&m->batch_lock);
	for (i = 0; i < n; i++) {
		err = migctl_guest_batch_add(&m->g, &m->batch, req[i].gpa,
					     req[i].npages, req[i].encrypted);
		if (err && !ret)
			ret = err;
	}
	err = migctl_guest_batch_flush(&m->g, &m->batch);
	mutex_unlock(&m->batch_lock);
	if (!ret)
		ret = err;
out:
	kvfree(req);
	return ret;
}

static ssize_t migctl_convert_write(struct file *file, const char __user *ubuf,
				    size_t len, loff_t *ppos)
{
	struct migctl_linux *m = file->private_data;
	char *text;
	int ret;

	if (len > MIGCTL_CONVERT_MAX)
		return -E2BIG;
	text = memdup_user_nul(ubuf, len);
	if (IS_ERR(text))
		return PTR_ERR(text);
	ret = migctl_convert(m, text);
	kfree(text);
	return ret ? ret : len;
}

static const struct file_operations migctl_convert_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = migctl_convert_write,
	.llseek = noop_llseek,
};

static int migctl_reason_parse(const char *name, u32 *reason)
{
	u32 r;

	for (r = MIGCTL_GUEST_OUT_KEXEC; r <= MIGCTL_GUEST_OUT_ERROR; r++) {
		if (!strcmp(name, migctl_linux_reason_name(r))) {
			*reason = r;
			return 0;
		}
	}
	return -EINVAL;
}

/*
 * "opt-out REASON" as the kernel hook for REASON would; "opt-in" the
 * negotiation again; "resume" and "cpu-online" as after those events;
 * "reset" the discovery and boot-time reset of a load.
 */
static int migctl_control(struct migctl_linux *m, char *cmd)
{
	char *verb = strsep(&cmd, " \t");
	char *arg = strim(cmd ? cmd : "");
	u32 reason;

	if (!strcmp(verb, "opt-out")) {
		if (migctl_reason_parse(arg, &reason))
			return -EINVAL;
		return migctl_guest_opt_out(&m->g, reason);
	}
	if (*arg)
		return -EINVAL;
	if (!strcmp(verb, "opt-in"))
		return migctl_guest_opt_in(&m->g);
	if (!strcmp(verb, "resume"))
		return migctl_guest_resume(&m->g);
	if (!strcmp(verb, "cpu-online"))
		return migctl_guest_cpu_online(&m->g);
	if (!strcmp(verb, "reset"))
		return migctl_linux_reset(m);
	return -EINVAL;
}

static ssize_t migctl_control_write(struct file *file, const char __user *ubuf,
				    size_t len, loff_t *ppos)
{
	struct migctl_linux *m = file->private_data;
	char *text;
	int ret;

	if (len > 64)
		return -EINVAL;
	text = memdup_user_nul(ubuf, len);
	if (IS_ERR(text))
		return PTR_ERR(text);
	ret = migctl_control(m, strim(text));
	kfree(text);
	return ret ? ret : len;
}

static const struct file_operations migctl_control_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.write = migctl_control_write,
	.llseek = noop_llseek,
};

void migctl_linux_debugfs_create(struct migctl_linux *m)
{
	m->debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("state", 0444, m->debugfs, m, &migctl_state_fops);
	debugfs_create_file("convert", 0200, m->debugfs, m, &migctl_convert_fops);
	debugfs_create_file("control", 0200, m->debugfs, m, &migctl_control_fops);
}

void migctl_linux_debugfs_remove(struct migctl_linux *m)
{
	debugfs_remove_recursive(m->debugfs);
}
