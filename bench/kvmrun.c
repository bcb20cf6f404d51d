/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* kvmrun.c - run the benchmark guest once on /dev/kvm and time its loop. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "migctl.h"
#include "migctl-host.h"
#include "boot.h"
#include "dev/exitport.h"
#include "stats.h"
#include "kvmrun.h"
#include "proto.h"
#include "vcpu.h"
#include "vm.h"

#define KVMRUN_MEM		(64ull << 20)
#define KVMRUN_TIMEOUT_MS	120000

/* What the mark port saw: times and counters at START and STOP. */
struct kvmrun_marks {
	struct proto *proto;
	double t[2];		/* CLOCK_MONOTONIC */
	double cpu[2];		/* CPU time of the thread running the vCPU */
	u64 exits[2];
	u64 calls[2];
	u64 exits_now;		/* bare loops count every exit here */
	int seen;
};

static u64 kvmrun_proto_calls(struct proto *p)
{
	struct migctl_host_counters c;

	if (!p)
		return 0;
	migctl_host_counters(proto_host(p), &c);
	return c.hc_calls + c.msr_psc_writes + c.ctl_reads + c.ctl_accepted + c.ctl_rejected;
}

static void kvmrun_mark(void *opaque, int cpu, u16 port, bool out, u32 size, u32 *data)
{
	struct kvmrun_marks *m = opaque;
	int i = *data == BENCH_MARK_START ? 0 : 1;

	if (!out)
		return;
	/* Called in the thread that runs the vCPU, in both kinds of loop. */
	m->t[i] = stats_now_ns();
	m->cpu[i] = stats_cpu_ns();
	m->exits[i] = m->exits_now;
	m->calls[i] = kvmrun_proto_calls(m->proto);
	m->seen |= 1 << i;
}

int kvmrun_load_image(const char *path, struct kvmrun_image *img)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || st.st_size <= 0) {
		close(fd);
		return -EINVAL;
	}
	img->len = st.st_size;
	img->buf = malloc(img->len);
	n = img->buf ? read(fd, img->buf, img->len) : -1;
	close(fd);
	if (n != (ssize_t)img->len) {
		free(img->buf);
		return -EIO;
	}
	return 0;
}

static int kvmrun_boot(struct vm *vm, const struct kvmrun_image *image,
		       const struct kvmrun_cfg *cfg, const char **why)
{
	struct vcpu_flat32 st = { .ebx = BOOT_START_INFO };
	struct bench_params *p;
	struct boot_image img;
	int ret;

	ret = boot_parse_elf(image->buf, image->len, vm->mem.banks, vm->mem.nr_banks, &img, why);
	if (ret)
		return ret;
	ret = boot_load(&vm->mem, image->buf, &img, "");
	if (ret)
		return ret;
	p = mem_gpa_to_hva(&vm->mem, BENCH_PARAMS_GPA, sizeof(*p));
	*p = (struct bench_params){
		.magic = BENCH_PARAMS_MAGIC, .mode = cfg->mode, .iters = cfg->iters,
		.msr_value = cfg->msr_value, .msr_index = cfg->msr_index,
		.port = BENCH_PORT_EMPTY, .lib_gpa = 32ull << 20, .lib_pages = 256,
		.ram_end = KVMRUN_MEM, .hc_vmmcall = cfg->hc_vmmcall,
	};
	ret = vm_create_vcpus(vm);
	if (ret)
		return ret;
	st.eip = img.entry;
	return vcpu_set_flat32(vm->vcpus[0], &st);
}

/* The minimal loop: every exit counted, MSRs empty or to the library. */
static int kvmrun_bare_loop(struct vm *vm, struct kvmrun_marks *m, bool proto,
			    const char **why)
{
	struct vcpu *vcpu = vm->vcpus[0];
	struct kvm_run *run = vcpu->run;

	for (;;) {
		int ret = vcpu_run_once(vcpu);

		if (ret == -EINTR)
			continue;
		if (ret) {
			*why = "KVM_RUN failed";
			return ret;
		}
		m->exits_now++;
		switch (run->exit_reason) {
		case KVM_EXIT_IO: {
			u32 v = 0;

			memcpy(&v, (u8 *)run + run->io.data_offset, run->io.size);
			if (run->io.port == BENCH_PORT_MARK) {
				m->exits_now--;	/* the mark is not part of the loop */
				kvmrun_mark(m, 0, run->io.port, true, run->io.size, &v);
			} else if (run->io.port == BENCH_PORT_EXIT) {
				return v ? -EPROTO : 0;
			}
			break;
		}
		case KVM_EXIT_X86_RDMSR:
		case KVM_EXIT_X86_WRMSR: {
			u64 data = run->msr.data;
			bool write = run->exit_reason == KVM_EXIT_X86_WRMSR;

			run->msr.error = 0;
			if (proto && vm->exit_ops.msr)
				run->msr.error = vm->exit_ops.msr(vm->exit_ops.opaque, 0, write,
								  run->msr.index, &data) ? 1 : 0;
			if (!write)
				run->msr.data = data;
			break;
		}
		case KVM_EXIT_HYPERCALL:
			run->hypercall.ret = 0;
			if (proto && vm->exit_ops.hypercall)
				run->hypercall.ret = vm->exit_ops.hypercall(vm->exit_ops.opaque, 0,
					run->hypercall.nr, run->hypercall.args[0],
					run->hypercall.args[1], run->hypercall.args[2]);
			break;
		case KVM_EXIT_SHUTDOWN:
			*why = "guest triple-faulted";
			return -EFAULT;
		default:
			*why = "unexpected exit";
			return -EPROTO;
		}
	}
}

/* migctl-vmm's path: vCPU thread from vm_start(), exits through vcpu.c and proto.c. */
static int kvmrun_vmm_loop(struct vm *vm, const char **why)
{
	int ret = vm_start(vm);

	if (ret) {
		*why = "cannot start the vCPU thread";
		return ret;
	}
	ret = vm_wait(vm, KVMRUN_TIMEOUT_MS, -1);
	if (ret != 1) {
		vm_end(vm, VM_END_TIMEOUT, 0);
		*why = "guest did not finish in time";
	}
	vm_join(vm);
	if (ret != 1)
		return -ETIMEDOUT;
	if (vm->end_kind != VM_END_GUEST || vm->end_code) {
		*why = "guest failed";
		return -EPROTO;
	}
	return 0;
}

static int kvmrun_empty_msr(void *opaque, int cpu, bool write, u32 index, u64 *data)
{
	if (!write)
		*data = 0;
	return 0;
}

static int kvmrun_setup(struct vm *vm, const struct kvmrun_cfg *cfg, struct kvmrun_marks *m,
			const char **why)
{
	struct proto_config pc = {
		.max_version = cfg->migctl, .features = MIGCTL_F_ALL,
		.hypercall_works = cfg->hypercall_works, .msr_works = true,
	};
	const char *note;
	int ret;

	if (cfg->loop == KVMRUN_BARE) {
		ret = 0;
		if (cfg->mode == BENCH_MODE_HYPERCALL)
			ret = vm_enable_hypercall_exit(vm);
		if (!ret && cfg->filter_msr)
			ret = vm_set_msr_filter(vm, &cfg->filter_msr, 1);
		*why = "cannot install the MSR filter or enable hypercall exits";
		return ret;
	}
	ret = proto_create(vm, &pc, &m->proto, &note);
	if (ret) {
		*why = "cannot set up the protocol";
		return ret;
	}
	if (cfg->loop == KVMRUN_VMM_EMPTY)
		vm->exit_ops.msr = kvmrun_empty_msr;
	if (cfg->loop == KVMRUN_BARE_PROTO)
		return 0;
	ret = exitport_init(vm);
	if (!ret)
		ret = vm_ioport_register(vm, BENCH_PORT_MARK, 1, kvmrun_mark, m);
	*why = "cannot register the ports";
	return ret;
}

static void kvmrun_collect(const struct kvmrun_cfg *cfg, const struct kvmrun_marks *m,
			   struct vm *vm, struct kvmrun_result *res)
{
	res->ns_per_iter = (m->cpu[1] - m->cpu[0]) / (double)cfg->iters;
	res->wall_ns_per_iter = (m->t[1] - m->t[0]) / (double)cfg->iters;
	res->exits = m->exits[1] - m->exits[0];
	res->proto_calls = m->calls[1] - m->calls[0];
	memcpy(&res->out, mem_gpa_to_hva(&vm->mem, BENCH_PARAMS_GPA, sizeof(res->out)),
	       sizeof(res->out));
}

int kvmrun_once(const struct kvmrun_image *img, const struct kvmrun_cfg *cfg,
		struct kvmrun_result *res, const char **why)
{
	bool bare = cfg->loop == KVMRUN_BARE || cfg->loop == KVMRUN_BARE_PROTO;
	struct vm_config vc = { .mem_size = KVMRUN_MEM, .nr_cpus = 1, .irqchip = !bare };
	struct kvmrun_marks m = { 0 };
	struct vm *vm;
	int ret;

	memset(res, 0, sizeof(*res));
	*why = "cannot create the VM";
	ret = vm_create(&vm, &vc);
	if (ret)
		return ret;
	ret = kvmrun_setup(vm, cfg, &m, why);
	if (!ret)
		ret = kvmrun_boot(vm, img, cfg, why);
	if (!ret)
		ret = bare ? kvmrun_bare_loop(vm, &m, cfg->loop == KVMRUN_BARE_PROTO, why) :
			     kvmrun_vmm_loop(vm, why);
	if (!ret && m.seen != 3) {
		*why = "the guest did not mark its loop";
		ret = -EPROTO;
	}
	if (!ret)
		kvmrun_collect(cfg, &m, vm, res);
	if (!ret && !res->out.done) {
		*why = "the guest did not finish its loop";
		ret = -EPROTO;
	}
	proto_destroy(m.proto);
	vm_destroy(vm);
	return ret;
}
