/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* main.c - migctl-vmm: boot a PVH image or a bzImage on KVM and report the guest's result. */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>

#include "migctl.h"
#include "boot.h"
#include "bzimage.h"
#include "checkguest.h"
#include "ctlclient.h"
#include "ctlsock.h"
#include "dev/exitport.h"
#include "dev/serial.h"
#include "migration.h"
#include "options.h"
#include "probe.h"
#include "proto.h"
#include "vcpu.h"
#include "vm.h"
#include "vmm.h"


static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "migctl-vmm: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(VMM_EXIT_FAILURE);
}

static void vmm_check_kvm(void)
{
	if (access("/dev/kvm", F_OK))
		die("/dev/kvm does not exist: load the KVM module (modprobe kvm_amd or "
		    "kvm_intel) or run on a host with virtualization enabled");
	if (access("/dev/kvm", R_OK | W_OK))
		die("no permission to open /dev/kvm: add yourself to the 'kvm' group "
		    "(usermod -aG kvm $USER, then log in again) or run as root");
}

static void vmm_check_memory(u64 size)
{
	struct sysinfo si;
	u64 host;

	if (sysinfo(&si))
		return;
	host = (u64)si.totalram * si.mem_unit;
	if (size > host)
		die("--memory %llu MiB exceeds the host's %llu MiB of RAM: use a smaller --memory",
		    (unsigned long long)(size >> 20), (unsigned long long)(host >> 20));
}

/* A whole regular, non-empty file (@what names it in messages). */
static void *vmm_read_file(const char *path, const char *what, size_t *len)
{
	struct stat st;
	ssize_t n;
	void *buf;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("cannot open %s %s: %s", what, path, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0)
		die("%s %s is not a regular, non-empty file", what, path);
	*len = st.st_size;
	buf = malloc(*len);
	if (!buf)
		die("%s %s: out of memory", what, path);
	n = read(fd, buf, *len);
	if (n != (ssize_t)*len)
		die("cannot read %s %s: %s", what, path, n < 0 ? strerror(errno) : "short read");
	close(fd);
	return buf;
}

static void vmm_read_image(struct vmm *v)
{
	v->image = vmm_read_file(v->opt.image, "image", &v->image_len);
}

static void vmm_run_probe(struct vmm *v)
{
	int ret = probe_run(&v->probe);

	if (ret == -EACCES || ret == -ENOENT)
		vmm_check_kvm();
	if (v->opt.probe) {
		probe_print(&v->probe, stdout);
		exit(ret ? VMM_EXIT_FAILURE : 0);
	}
	if (v->opt.trace) {
		fprintf(stderr, "# probe: hypercall-transport=%s (%s)\n",
			v->probe.hypercall ? "yes" : "no", v->probe.hypercall_why);
		fprintf(stderr, "# probe: msr-transport=%s (%s)\n",
			v->probe.msr_filter ? "yes" : "no", v->probe.msr_why);
	}
	if (ret)
		die("cannot create a VM for the start-up probe: %s", strerror(-ret));
}

static void vmm_setup_vm(struct vmm *v)
{
	static const u32 versions[] = { 0, MIGCTL_VERSION_1, MIGCTL_VERSION_2 };
	struct vm_config cfg = { v->opt.memory, v->opt.cpus, true };
	struct proto_config pc = {
		.max_version = versions[v->opt.migctl],
		.features = v->opt.features,
		.hypercall_works = v->probe.hypercall,
		.msr_works = v->probe.msr_filter,
		.trace = v->opt.trace,
		.encrypted = v->opt.sevsim,
		.check_guest = v->opt.check_guest,
	};
	char err[160];
	const char *note;
	int ret;

	ret = vm_create(&v->vm, &cfg);
	if (ret)
		die("cannot create the VM (%llu MiB, %d vCPUs): %s",
		    (unsigned long long)(v->opt.memory >> 20), v->opt.cpus, strerror(-ret));
	ret = proto_create(v->vm, &pc, &v->proto, &note);
	if (ret)
		die("cannot set up the migctl protocol: %s", strerror(-ret));
	if (note)
		fprintf(stderr, "migctl-vmm: note: %s\n", note);
	if (serial_create(v->vm, v->serial_fd, &v->serial) || exitport_init(v->vm))
		die("cannot register the serial port and the exit port");
	/* --check-guest without --serial: the guest's lines are diagnostics of its KTAP. */
	if (v->opt.check_guest && !v->opt.serial)
		serial_set_prefix(v->serial, "# guest: ");
	/*
	 * --serial stdio: a terminal on standard input is the guest's console
	 * input. A pipe only with --console-input: scripts run the VMM with
	 * their own standard input (a loop's list, say), which it must not eat.
	 */
	if (!v->opt.serial && (v->opt.console_input || isatty(STDIN_FILENO)))
		serial_set_input(v->serial, STDIN_FILENO);
	if (!v->opt.sevsim)
		return;
	v->sevsim = true;
	if (sevsim_vm_window(v->vm, v->opt.window_gpa, v->opt.window_size, &v->sev, err,
			     sizeof(err)))
		die("%s", err);
	/* An incoming VM gets its generation from the stream (source's + 1). */
	ret = sevsim_vm_setup(v->vm, &v->sev, 1);
	if (ret)
		die("cannot set up sev-sim (key page at %#llx): %s",
		    (unsigned long long)MIGCTL_SEVSIM_KEY_GPA, strerror(-ret));
}

/* A Linux bzImage: the 64-bit boot protocol, vCPU 0 at the kernel's 64-bit entry. */
static void vmm_boot_linux(struct vmm *v)
{
	struct hvm_memmap_table_entry map[BOOT_MAX_E820];
	struct mem *mem = &v->vm->mem;
	struct bzimage bz;
	const char *why = NULL;
	size_t initrd_len = 0;
	void *initrd = NULL;
	u64 addr = 0, size = 0;
	int ret;

	ret = bzimage_parse(v->image, v->image_len, &bz, &why);
	if (ret)
		die("%s: %s", v->opt.image, why);
	if (v->opt.initrd)
		initrd = vmm_read_file(v->opt.initrd, "initrd", &initrd_len);
	ret = bzimage_place(&bz, mem->banks, mem->nr_banks, initrd_len, strlen(v->opt.cmdline),
			    &why);
	if (ret)
		die("%s: %s", v->opt.image, why);
	ret = boot_check_e820(proto_host(v->proto), map, bzimage_e820(mem, map), &why, &addr,
			      &size);
	if (ret)
		die("the memory map for the guest breaks V-12: RAM entry %#llx+%#llx: %s",
		    (unsigned long long)addr, (unsigned long long)size, why);
	ret = bzimage_load(mem, v->image, &bz, initrd, v->opt.cmdline, v->opt.cpus);
	if (ret)
		die("cannot load %s: %s", v->opt.image, strerror(-ret));
	free(initrd);
	ret = vm_create_vcpus(v->vm);
	if (ret)
		die("cannot create %d vCPUs: %s", v->opt.cpus, strerror(-ret));
	ret = vcpu_set_long64(v->vm->vcpus[0], &(struct vcpu_long64){
		.rip = bz.load_addr + BZIMAGE_ENTRY64, .rsp = BZIMAGE_STACK,
		.rsi = BZIMAGE_ZERO_PAGE, .cr3 = BZIMAGE_PML4,
		.gdt_base = BZIMAGE_GDT, .gdt_limit = 4 * 8 - 1 });
	if (ret)
		die("cannot set the boot CPU's registers: %s", strerror(-ret));
}

static void vmm_boot(struct vmm *v)
{
	struct boot_image img;
	struct vcpu_flat32 st = { .ebx = BOOT_START_INFO };
	const char *why = NULL;
	u64 addr = 0, size = 0;
	int ret;

	if (bzimage_detect(v->image, v->image_len)) {
		vmm_boot_linux(v);
		return;
	}
	if (v->opt.initrd)
		die("--initrd %s: %s is not a Linux bzImage, and a PVH image takes no initrd",
		    v->opt.initrd, v->opt.image);
	ret = boot_parse_elf(v->image, v->image_len, v->vm->mem.banks, v->vm->mem.nr_banks,
			     &img, &why);
	if (ret)
		die("%s: %s", v->opt.image, why);
	ret = boot_check_map(proto_host(v->proto), &v->vm->mem, &why, &addr, &size);
	if (ret)
		die("the memory map for the guest breaks V-12: RAM entry %#llx+%#llx: %s",
		    (unsigned long long)addr, (unsigned long long)size, why);
	ret = boot_load(&v->vm->mem, v->image, &img, v->opt.cmdline);
	if (ret)
		die("cannot load %s: %s", v->opt.image, strerror(-ret));
	ret = vm_create_vcpus(v->vm);
	if (ret)
		die("cannot create %d vCPUs: %s", v->opt.cpus, strerror(-ret));
	st.eip = img.entry;
	ret = vcpu_set_flat32(v->vm->vcpus[0], &st);
	if (ret)
		die("cannot set the boot CPU's registers: %s", strerror(-ret));
}

static long vmm_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Wait for the guest, the timeout or a signal; the VM has ended on return. */
static void vmm_wait(struct vmm *v)
{
	long deadline = v->opt.timeout ? vmm_now_ms() + v->opt.timeout * 1000L : 0;

	for (;;) {
		int left = deadline ? (int)(deadline - vmm_now_ms()) : -1;
		struct signalfd_siginfo si;
		int ret;

		if (deadline && left <= 0) {
			vm_end(v->vm, VM_END_TIMEOUT, 0);
			return;
		}
		ret = vm_wait(v->vm, left, v->sig_fd);
		if (ret == 1)
			return;
		if (ret == 2 && read(v->sig_fd, &si, sizeof(si)) == sizeof(si)) {
			vm_end(v->vm, VM_END_SIGNAL, si.ssi_signo);
			return;
		}
		if (ret < 0)
			die("waiting for the guest: %s", strerror(-ret));
	}
}

static int vmm_result(struct vmm *v)
{
	int code = v->vm->end_code;

	switch (v->vm->end_kind) {
	case VM_END_GUEST:
		if (code == 0 || code == 1 || code == 4)
			return code;
		fprintf(stderr, "migctl-vmm: guest wrote %#x to the exit port (not 0, 1 or 4)\n",
			code);
		return 1;
	case VM_END_SHUTDOWN:
		fprintf(stderr, "migctl-vmm: guest shut down (triple fault)\n");
		return 1;
	case VM_END_TIMEOUT:
		fprintf(stderr, "migctl-vmm: timeout: the guest did not finish within %u s\n",
			v->opt.timeout);
		/* Where it was stuck: the vCPU threads have ended, the vCPUs remain. */
		for (int i = 0; i < v->vm->nr_vcpus; i++)
			vcpu_describe(v->vm->vcpus[i], stderr);
		return 1;
	case VM_END_SIGNAL:
		fprintf(stderr, "migctl-vmm: stopped by %s\n", strsignal(code));
		return VMM_EXIT_FAILURE;
	case VM_END_MIGRATED:
		if (!strncmp(v->migrated_to, "file:", 5))
			fprintf(stderr, "migctl-vmm: the VM is saved in %s; restore it with "
				"--incoming %s\n", v->migrated_to + 5, v->migrated_to);
		else
			fprintf(stderr, "migctl-vmm: the VM migrated to %s; the destination "
				"reports its result\n", v->migrated_to);
		return 0;
	case VM_END_QUIT:
		fprintf(stderr, "migctl-vmm: stopped by the quit command\n");
		return VMM_EXIT_FAILURE;
	default:
		fprintf(stderr, "migctl-vmm: the VM failed\n");
		return VMM_EXIT_FAILURE;
	}
}

static void vmm_signals(struct vmm *v)
{
	sigset_t set;

	/* Before any thread exists, so every vCPU thread inherits the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL))
		die("cannot block SIGINT/SIGTERM");
	v->sig_fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (v->sig_fd < 0)
		die("signalfd: %s", strerror(errno));
	signal(SIGPIPE, SIG_IGN);
}

static void vmm_open_serial(struct vmm *v)
{
	/* --check-guest: stdout carries the checker's KTAP. */
	v->serial_fd = v->opt.check_guest ? STDERR_FILENO : STDOUT_FILENO;
	if (!v->opt.serial)
		return;
	v->serial_fd = open(v->opt.serial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (v->serial_fd < 0)
		die("cannot open --serial %s: %s", v->opt.serial, strerror(errno));
}

/* The destination: a VM like the source's, its state from the stream. */
static void vmm_incoming(struct vmm *v)
{
	int ret = vm_create_vcpus(v->vm);

	if (ret)
		die("cannot create %d vCPUs: %s", v->opt.cpus, strerror(-ret));
	if (migration_incoming(v, v->opt.incoming)) {
		control_destroy(v->control);	/* removes the socket */
		exit(VMM_EXIT_FAILURE);
	}
}

/* The RAM the guest must notify is what its memory map says, PVH or Linux. */
static struct checkguest *vmm_check_guest(struct vmm *v)
{
	struct hvm_memmap_table_entry map[BOOT_MAX_E820];
	struct checkguest *cg;
	int n, ret;

	if (!v->opt.check_guest)
		return NULL;
	if (bzimage_detect(v->image, v->image_len))
		n = bzimage_e820(&v->vm->mem, map);
	else
		n = boot_pvh_map(&v->vm->mem, map);
	ret = checkguest_create(v->vm, v->proto, map, n, &cg);
	if (ret)
		die("cannot set up --check-guest: %s", strerror(-ret));
	return cg;
}

/* --check-guest: the verdict is the checker's; a failed VMM stays 125. */
static int vmm_check_verdict(struct vmm *v, struct checkguest *cg, int result)
{
	int verdict = checkguest_finish(cg, v->vm, stdout);

	checkguest_destroy(cg);
	return result == VMM_EXIT_FAILURE ? result : verdict;
}

static void vmm_control(struct vmm *v)
{
	char err[256];

	if (v->opt.control && control_create(v, v->opt.control, &v->control, err, sizeof(err)))
		die("%s", err);
}

int main(int argc, char **argv)
{
	struct vmm v = { .incoming_lock = PTHREAD_MUTEX_INITIALIZER, .incoming_fd = -1 };
	struct checkguest *check;
	char err[256];
	int result;

	if (argc > 1 && !strcmp(argv[1], "ctl"))
		return control_client(argc - 2, argv + 2);

	if (options_parse(argc, argv, &v.opt, err, sizeof(err))) {
		fprintf(stderr, "migctl-vmm: %s\nTry 'migctl-vmm --help'.\n", err);
		return VMM_EXIT_FAILURE;
	}
	if (v.opt.help) {
		fputs(options_usage(), stdout);
		return 0;
	}
	if (v.opt.version) {
		printf("migctl-vmm %s (protocol versions 1..%u)\n", MIGCTL_VERSION_STRING,
		       MIGCTL_VERSION_MAX);
		return 0;
	}
	vmm_check_kvm();
	if (!v.opt.probe && !v.opt.incoming) {
		vmm_read_image(&v);
		vmm_check_memory(v.opt.memory);
	}
	vmm_signals(&v);
	v.quit_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (v.quit_fd < 0)
		die("eventfd: %s", strerror(errno));
	vmm_run_probe(&v);
	vmm_open_serial(&v);
	if (v.opt.incoming)
		vmm_check_memory(v.opt.memory);
	vmm_setup_vm(&v);
	check = vmm_check_guest(&v);
	if (v.opt.incoming) {
		vmm_control(&v);	/* answers while the stream comes in */
		vmm_incoming(&v);
	} else {
		vmm_boot(&v);
		if (vm_start(v.vm))
			die("cannot start the vCPU threads");
		vmm_control(&v);
	}
	vmm_wait(&v);
	control_destroy(v.control);
	vm_join(v.vm);
	migration_destroy(&v);
	/* Before the result: the guest's output first, bounded if nobody reads it. */
	serial_flush(v.serial, SERIAL_FLUSH_STALL_MS);
	if (serial_dropped(v.serial))
		fprintf(stderr, "migctl-vmm: note: %llu bytes of guest serial output dropped: "
			"its reader did not keep up\n", (unsigned long long)serial_dropped(v.serial));
	result = vmm_result(&v);
	if (check)
		result = vmm_check_verdict(&v, check, result);
	if (v.opt.stats)
		proto_print_stats(v.proto, stderr);
	proto_destroy(v.proto);
	serial_destroy(v.serial);	/* its input drives the VM's IRQ 4 until then */
	vm_destroy(v.vm);
	free(v.image);
	return result;
}
