/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* main.c - the conformance guest image's kernel: boot, start CPUs, run the scenarios. */
#include "main.h"

#include "console.h"
#include "ktap.h"
#include "machine.h"
#include "migctl-x86.h"
#include "params.h"
#include "scenario.h"
#include "smp.h"
#include "user.h"

/* The kernel's state lives in kernel_main()'s frame; the bss holds only the tables. */
struct kernel {
	struct machine machine;
	struct params params;
	struct migctl_guest_ops ops;
	struct migctl_x86_spinlock lock;
	struct migctl_guest guest;
	struct scenario_env env;
};

static void kernel_help(void)
{
	con_printf("KTAP version 1\n# migctl conformance guest image: host-role scenarios\n");
	params_print_help();
	scenario_print_list();
	con_printf("1..0\n");
	machine_exit(MACHINE_EXIT_PASS);
}

static void kernel_start_cpus(struct kernel *k)
{
	const char *why = NULL;
	u32 n = smp_start(k->params.cpus, &why);

	k->env.cpus = n;
	if (n != k->params.cpus) {
		con_printf("Bail out! %u of %u CPUs online: %s\n", n, k->params.cpus,
			   why ? why : "?");
		machine_exit(MACHINE_EXIT_FAIL);
	}
	report_info("cpus: %u online", n);
}

/* Discovery only: no MSR access, so a scenario may still see an untouched host. */
static void kernel_guest_init(struct kernel *k)
{
	migctl_x86_ops_init(&k->ops, &k->lock);
	migctl_guest_init(&k->guest, &k->ops, 0);
	migctl_guest_discover(&k->guest);
	k->env.guest = &k->guest;
}

void kernel_main(u32 start_info)
{
	struct kernel k = { 0 };
	const char *why;
	char bad[64];
	u32 first = 1;
	int code;

	if (machine_init(&k.machine, start_info, &why)) {
		con_printf("Bail out! %s\n", why);
		machine_exit(MACHINE_EXIT_FAIL);
	}
	smp_init_bsp();
	if (params_parse(&k.params, k.machine.cmdline, bad, sizeof(bad))) {
		con_printf("KTAP version 1\nBail out! bad command-line token '%s' (test=help lists "
			   "the keys)\n", bad);
		machine_exit(MACHINE_EXIT_FAIL);
	}
	if (k.params.help)
		kernel_help();
	if (k.params.resumed) {
		ktap_resume(&k.params.progress);
		first = k.params.progress.next_case;
		report_info("kexec'd kernel resumes at case %u", first);
	} else {
		ktap_begin(scenario_count(k.params.test));
	}
	k.env.params = &k.params;
	k.env.machine = &k.machine;
	probe_host(&k.env.offer);
	kernel_guest_init(&k);
	kernel_start_cpus(&k);
	scenario_run_all(&k.env, first, k.params.resumed);
	code = ktap_finish();
	if (k.env.park)
		scenario_park(&k.env, code);
	machine_exit((u32)code);
}
