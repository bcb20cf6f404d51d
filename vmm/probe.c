/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* probe.c - find out at start-up which protocol transports this KVM delivers. */
#define _GNU_SOURCE	/* gettid() */
#include <cpuid.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "migctl.h"
#include "probe.h"
#include "vcpu.h"
#include "vm.h"

#define PROBE_MEM		(2ull << 20)
/*
 * A step is a few instructions that end in an exit; the limit only catches
 * a KVM that never delivers one. It is wall-clock time, so it must cover a
 * loaded machine and software emulation too: at 300 ms a loaded emulated
 * KVM once timed out on the MSR step and the VMM then offered nothing.
 */
#define PROBE_STEP_MS		5000
#define PROBE_KICK_MS		10
/* The probe guest's low memory. */
#define PROBE_GDT		0x1000
#define PROBE_IDT		0x2000
#define PROBE_STUBS		0x3000
#define PROBE_MSR_CODE		0x4000
#define PROBE_HC_CODE		0x5000
#define PROBE_STACK		0x8000
#define PROBE_NR_VECTORS	32
/* Ports the probe guest reports on. */
#define PROBE_PORT_HC_RET	0xf5	/* hypercall returned: EAX */
#define PROBE_PORT_VECTOR	0xf6	/* exception taken: vector */
#define PROBE_PORT_MSR_DONE	0xf7	/* both RDMSRs completed */

enum probe_event {
	PROBE_EV_HYPERCALL,
	PROBE_EV_PORT,
	PROBE_EV_SHUTDOWN,
	PROBE_EV_TIMEOUT,
	PROBE_EV_EXIT,		/* some other exit: reason in exit_reason */
	PROBE_EV_ERROR,
};

struct probe_step {
	u16 port;
	u32 value;
	u32 exit_reason;
	int msrs_seen;		/* RDMSR/WRMSR exits on the filtered indices */
	int err;
};

static const u8 probe_msr_code[] = {
	0xb9, 0x08, 0x4d, 0x56, 0x4b,	/* mov ecx, MIGCTL_MSR_CONTROL */
	0x0f, 0x32,			/* rdmsr */
	0xb9, 0x40, 0x4d, 0x56, 0x4b,	/* mov ecx, MIGCTL_MSR_PSC_DEFAULT */
	0x0f, 0x32,			/* rdmsr */
	0xe6, PROBE_PORT_MSR_DONE,	/* out PROBE_PORT_MSR_DONE, al */
	0xf4,				/* hlt */
};

static const u8 probe_hc_code[] = {
	0xb8, MIGCTL_HC_MAP_GPA_RANGE, 0, 0, 0,	/* mov eax, 12 */
	0x31, 0xdb,				/* xor ebx, ebx: a0 = 0 */
	0xb9, 0x01, 0x00, 0x00, 0x00,		/* mov ecx, 1: a1 = 1 page */
	0xba, MIGCTL_ATTR_ENCRYPTED, 0, 0, 0,	/* mov edx, encrypted 4K */
	0x0f, 0x01, 0x00,			/* vmmcall/vmcall, patched */
	0xe7, PROBE_PORT_HC_RET,		/* out PROBE_PORT_HC_RET, eax */
	0xf4,					/* hlt */
};
#define PROBE_HC_MODRM_OFF	19

_Static_assert(MIGCTL_MSR_CONTROL == 0x4b564d08u && MIGCTL_MSR_PSC_DEFAULT == 0x4b564d40u,
	       "probe code encodes these indices");

static bool probe_is_amd(void)
{
	unsigned int a, b, c, d;

	__cpuid(0, a, b, c, d);
	/* "AuthenticAMD" / "HygonGenuine": EBX "Auth" / "Hygo" */
	return b == 0x68747541u || b == 0x6f677948u;
}

static void probe_write_guest(struct vm *vm, bool amd)
{
	u8 *lo = mem_gpa_to_hva(&vm->mem, 0, PROBE_STACK);
	u64 *gdt = (u64 *)(lo + PROBE_GDT);
	u32 *idt = (u32 *)(lo + PROBE_IDT);

	gdt[VCPU_FLAT_CS / 8] = 0x00cf9b000000ffffull;	/* flat 32-bit code */
	gdt[VCPU_FLAT_DS / 8] = 0x00cf93000000ffffull;	/* flat data */
	for (int v = 0; v < PROBE_NR_VECTORS; v++) {
		u32 stub = PROBE_STUBS + v * 8;
		u8 *s = lo + stub;

		/* mov al, v; out PROBE_PORT_VECTOR, al; hlt; jmp to the hlt */
		memcpy(s, (u8[]){ 0xb0, v, 0xe6, PROBE_PORT_VECTOR, 0xf4, 0xeb, 0xfd }, 7);
		idt[v * 2] = (VCPU_FLAT_CS << 16) | (stub & 0xffff);
		idt[v * 2 + 1] = (stub & 0xffff0000u) | 0x8e00;	/* 32-bit interrupt gate */
	}
	memcpy(lo + PROBE_MSR_CODE, probe_msr_code, sizeof(probe_msr_code));
	memcpy(lo + PROBE_HC_CODE, probe_hc_code, sizeof(probe_hc_code));
	lo[PROBE_HC_CODE + PROBE_HC_MODRM_OFF] = amd ? 0xd9 : 0xc1;
}

static int probe_arm(timer_t timer, int ms, int interval_ms)
{
	struct itimerspec its = {
		.it_value = { ms / 1000, (ms % 1000) * 1000000L },
		.it_interval = { 0, interval_ms * 1000000L },
	};

	return timer_settime(timer, 0, &its, NULL) ? -errno : 0;
}

static long probe_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Run from @rip until the guest reports, exits in an unexpected way, or time runs out. */
static enum probe_event probe_step(struct vcpu *vcpu, timer_t timer, u32 rip,
				   struct probe_step *st)
{
	struct kvm_run *run = vcpu->run;
	long deadline = probe_now_ms() + PROBE_STEP_MS;
	enum probe_event ev;

	memset(st, 0, sizeof(*st));
	st->err = vcpu_set_rip(vcpu, rip);
	if (st->err || (st->err = probe_arm(timer, PROBE_STEP_MS, PROBE_KICK_MS)))
		return PROBE_EV_ERROR;
	for (;;) {
		int ret = vcpu_run_once(vcpu);

		if (ret == -EINTR) {
			if (probe_now_ms() < deadline)
				continue;
			ev = PROBE_EV_TIMEOUT;
			break;
		}
		if (ret) {
			st->err = ret;
			ev = PROBE_EV_ERROR;
			break;
		}
		st->exit_reason = run->exit_reason;
		if (run->exit_reason == KVM_EXIT_X86_RDMSR || run->exit_reason == KVM_EXIT_X86_WRMSR) {
			st->msrs_seen++;
			run->msr.data = 0;
			run->msr.error = 0;
			continue;
		}
		if (run->exit_reason == KVM_EXIT_IO && run->io.direction == KVM_EXIT_IO_OUT) {
			memcpy(&st->value, (u8 *)run + run->io.data_offset, run->io.size);
			st->port = run->io.port;
			ev = PROBE_EV_PORT;
			break;
		}
		if (run->exit_reason == KVM_EXIT_IO)
			continue;
		if (run->exit_reason == KVM_EXIT_HYPERCALL)
			st->value = run->hypercall.nr;
		ev = run->exit_reason == KVM_EXIT_HYPERCALL ? PROBE_EV_HYPERCALL :
		     run->exit_reason == KVM_EXIT_SHUTDOWN ? PROBE_EV_SHUTDOWN : PROBE_EV_EXIT;
		break;
	}
	probe_arm(timer, 0, 0);
	return ev;
}

static const char *probe_vector_name(u32 v)
{
	switch (v) {
	case 6: return "#UD";
	case 13: return "#GP";
	case 14: return "#PF";
	case 8: return "#DF";
	default: return "an exception";
	}
}

/* Describe an unexpected end of a step in @buf. */
static void probe_explain(enum probe_event ev, const struct probe_step *st, const char *what,
			  char *buf)
{
	switch (ev) {
	case PROBE_EV_PORT:
		if (st->port == PROBE_PORT_VECTOR)
			snprintf(buf, PROBE_WHY_MAX, "%s: guest got %s (vector %u)", what,
				 probe_vector_name(st->value), st->value);
		else if (st->port == PROBE_PORT_HC_RET)
			snprintf(buf, PROBE_WHY_MAX, "%s: KVM answered %d in the guest",
				 what, (int)st->value);
		else
			snprintf(buf, PROBE_WHY_MAX, "%s: guest wrote port %#x", what, st->port);
		break;
	case PROBE_EV_SHUTDOWN:
		snprintf(buf, PROBE_WHY_MAX, "%s: guest triple-faulted", what);
		break;
	case PROBE_EV_TIMEOUT:
		snprintf(buf, PROBE_WHY_MAX, "%s: no exit within %d ms (guest spins)", what,
			 PROBE_STEP_MS);
		break;
	case PROBE_EV_ERROR:
		snprintf(buf, PROBE_WHY_MAX, "%s: probe failed: %s", what, strerror(-st->err));
		break;
	default:
		snprintf(buf, PROBE_WHY_MAX, "%s: unexpected exit %s", what,
			 vcpu_exit_name(st->exit_reason));
		break;
	}
}

static void probe_msr(struct vm *vm, struct vcpu *vcpu, timer_t timer, struct probe_result *r)
{
	static const u32 msrs[] = { MIGCTL_MSR_CONTROL, MIGCTL_MSR_PSC_DEFAULT };
	struct probe_step st;
	enum probe_event ev;
	int ret;

	ret = vm_set_msr_filter(vm, msrs, 2);
	if (ret) {
		snprintf(r->msr_why, PROBE_WHY_MAX, "MSR filter not available: %s",
			 ret == -ENOTSUP ? "KVM lacks KVM_CAP_X86_USER_SPACE_MSR or "
			 "KVM_CAP_X86_MSR_FILTER" : strerror(-ret));
		return;
	}
	ev = probe_step(vcpu, timer, PROBE_MSR_CODE, &st);
	if (ev == PROBE_EV_PORT && st.port == PROBE_PORT_MSR_DONE && st.msrs_seen == 2) {
		r->msr_filter = true;
		snprintf(r->msr_why, PROBE_WHY_MAX, "filtered RDMSR exits delivered");
		return;
	}
	probe_explain(ev, &st, "MSR exit not delivered", r->msr_why);
}

static void probe_hypercall(struct vm *vm, struct vcpu *vcpu, timer_t timer,
			    struct probe_result *r)
{
	struct probe_step st;
	enum probe_event ev;
	int ret;

	r->hypercall_cap = vm->caps.hypercall_exit_mask;
	ret = vm_enable_hypercall_exit(vm);
	if (ret) {
		snprintf(r->hypercall_why, PROBE_WHY_MAX,
			 "KVM_CAP_EXIT_HYPERCALL does not offer hypercall %u: %s",
			 MIGCTL_HC_MAP_GPA_RANGE, strerror(-ret));
		return;
	}
	ev = probe_step(vcpu, timer, PROBE_HC_CODE, &st);
	if (ev == PROBE_EV_HYPERCALL && st.value == MIGCTL_HC_MAP_GPA_RANGE) {
		r->hypercall = true;
		snprintf(r->hypercall_why, PROBE_WHY_MAX, "KVM_EXIT_HYPERCALL delivered");
		return;
	}
	probe_explain(ev, &st, "hypercall exit not delivered", r->hypercall_why);
}

static int probe_timer(timer_t *timer)
{
	struct sigevent sev = {
		.sigev_notify = SIGEV_THREAD_ID,
		.sigev_signo = SIGUSR1,
	};

	sev._sigev_un._tid = gettid();
	return timer_create(CLOCK_MONOTONIC, &sev, timer) ? -errno : 0;
}

static int probe_vm(struct probe_result *r)
{
	struct vm_config cfg = { .mem_size = PROBE_MEM, .nr_cpus = 1 };
	struct vcpu_flat32 st = {
		.esp = PROBE_STACK, .gdt_base = PROBE_GDT, .gdt_limit = 0x1f,
		.idt_base = PROBE_IDT, .idt_limit = PROBE_NR_VECTORS * 8 - 1,
	};
	struct vm *vm;
	timer_t timer;
	int ret;

	ret = vm_create(&vm, &cfg);
	if (ret)
		return ret;
	r->quirk_off = vm->caps.quirk_fix_hypercall_off;
	probe_write_guest(vm, probe_is_amd());
	ret = vm_create_vcpus(vm);
	if (ret)
		goto err_vm;
	ret = vcpu_set_flat32(vm->vcpus[0], &st);
	if (ret)
		goto err_vm;
	ret = probe_timer(&timer);
	if (ret)
		goto err_vm;
	probe_msr(vm, vm->vcpus[0], timer, r);
	probe_hypercall(vm, vm->vcpus[0], timer, r);
	timer_delete(timer);
err_vm:
	vm_destroy(vm);
	return ret;
}

int probe_run(struct probe_result *r)
{
	sigset_t kick, old;
	struct timespec t0, t1;
	int ret;

	memset(r, 0, sizeof(*r));
	r->insn = probe_is_amd() ? "vmmcall" : "vmcall";
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = vcpu_signal_init();
	sigemptyset(&kick);
	sigaddset(&kick, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &kick, &old);
	if (!ret)
		ret = probe_vm(r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r->usec = (t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000;
	if (ret) {
		if (!r->hypercall_why[0])
			snprintf(r->hypercall_why, PROBE_WHY_MAX, "no probe VM: %s", strerror(-ret));
		if (!r->msr_why[0])
			snprintf(r->msr_why, PROBE_WHY_MAX, "no probe VM: %s", strerror(-ret));
	}
	return ret;
}

void probe_print(const struct probe_result *r, FILE *f)
{
	fprintf(f, "hypercall-transport: %s (%s with %s)\n", r->hypercall ? "yes" : "no",
		r->hypercall_why, r->insn);
	fprintf(f, "msr-transport: %s (%s)\n", r->msr_filter ? "yes" : "no", r->msr_why);
	fprintf(f, "exit-hypercall-cap: %#llx\n", (unsigned long long)r->hypercall_cap);
	fprintf(f, "fix-hypercall-quirk: %s\n", r->quirk_off ? "disabled" : "enabled (cannot disable)");
	fprintf(f, "probe-time-us: %ld\n", r->usec);
}
