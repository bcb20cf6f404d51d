/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* options.c - the migctl-vmm command line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migctl.h"
#include "mem.h"
#include "options.h"

#define OPTIONS_MAX_TIMEOUT	(7 * 24 * 3600)
/* The sev-sim window's alignment (MIGCTL_SEVSIM_WINDOW_ALIGN, vmm/migrate). */
#define MIGCTL_SEVSIM_WINDOW_ALIGN_OPT	(2ull << 20)

int options_parse_size(const char *s, u64 *out)
{
	unsigned long long v;
	unsigned int shift = 20;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || !v)
		return -EINVAL;
	switch (*end) {
	case 'b': case 'B': shift = 0; end++; break;
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	case 't': case 'T': shift = 40; end++; break;
	case '\0': break;
	default: return -EINVAL;
	}
	if (shift && (!strcmp(end, "iB") || !strcmp(end, "B")))
		end += strlen(end);
	if (*end || v > (~0ull >> shift))
		return -EINVAL;
	*out = (u64)v << shift;
	return 0;
}

static int options_parse_features(const char *s, u32 *out)
{
	char buf[64], *tok, *save;

	if (!strcmp(s, "none")) {
		*out = 0;
		return 0;
	}
	if (!strcmp(s, "all")) {
		*out = MIGCTL_F_ALL;
		return 0;
	}
	if (strlen(s) >= sizeof(buf) || !*s)
		return -EINVAL;
	strcpy(buf, s);
	*out = 0;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "msr-psc"))
			*out |= MIGCTL_F_MSR_PSC;
		else if (!strcmp(tok, "list"))
			*out |= MIGCTL_F_LIST;
		else
			return -EINVAL;
	}
	return 0;
}

static int options_parse_uint(const char *s, unsigned int min, unsigned int max,
			      unsigned int *out)
{
	unsigned long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* "GPA:SIZE", both with size suffixes allowed for SIZE, GPA in hex or decimal. */
static int options_parse_window(const char *s, struct options *o)
{
	const char *colon = strchr(s, ':');
	char *end;
	u64 gpa, size;

	if (!colon || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	gpa = strtoull(s, &end, 0);
	if (errno || end != colon || options_parse_size(colon + 1, &size))
		return -EINVAL;
	if ((gpa | size) & (MIGCTL_SEVSIM_WINDOW_ALIGN_OPT - 1) || gpa + size < gpa)
		return -EINVAL;
	o->window_gpa = gpa;
	o->window_size = size;
	return 0;
}

static int options_join(char *const argv[], int argc, char *dst, char *err, size_t errlen)
{
	size_t len = 0;

	dst[0] = '\0';
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]);

		if (len + n + (i ? 1 : 0) >= OPTIONS_CMDLINE_MAX) {
			snprintf(err, errlen, "guest command line longer than %d bytes",
				 OPTIONS_CMDLINE_MAX - 1);
			return -EINVAL;
		}
		if (i)
			dst[len++] = ' ';
		memcpy(dst + len, argv[i], n + 1);
		len += n;
	}
	return 0;
}

/* One option with a value; returns 0 or -EINVAL with @err set. */
static int options_value(struct options *o, const char *name, const char *val,
			 char *err, size_t errlen)
{
	unsigned int u;

	if (!strcmp(name, "memory")) {
		if (options_parse_size(val, &o->memory) || o->memory < MEM_MIN_SIZE ||
		    o->memory > MEM_MAX_SIZE || (o->memory & 0xfff))
			goto bad;
	} else if (!strcmp(name, "cpus")) {
		if (options_parse_uint(val, 1, OPTIONS_MAX_CPUS, &u))
			goto bad;
		o->cpus = u;
	} else if (!strcmp(name, "migctl")) {
		if (!strcmp(val, "off"))
			o->migctl = OPTIONS_MIGCTL_OFF;
		else if (!strcmp(val, "v1"))
			o->migctl = OPTIONS_MIGCTL_V1;
		else if (!strcmp(val, "v2"))
			o->migctl = OPTIONS_MIGCTL_V2;
		else
			goto bad;
	} else if (!strcmp(name, "features")) {
		if (options_parse_features(val, &o->features))
			goto bad;
		o->features_given = true;
	} else if (!strcmp(name, "serial")) {
		if (!*val)
			goto bad;
		o->serial = strcmp(val, "stdio") ? val : NULL;
	} else if (!strcmp(name, "initrd")) {
		if (!*val)
			goto bad;
		o->initrd = val;
	} else if (!strcmp(name, "sev-sim-window")) {
		if (options_parse_window(val, o))
			goto bad;
	} else if (!strcmp(name, "incoming")) {
		if (!*val)
			goto bad;
		o->incoming = val;
	} else if (!strcmp(name, "migrate-key")) {
		if (!*val)
			goto bad;
		o->migrate_key = val;
	} else if (!strcmp(name, "control")) {
		if (!*val)
			goto bad;
		o->control = val;
	} else if (!strcmp(name, "downtime-ms")) {
		if (options_parse_uint(val, 1, OPTIONS_MAX_DOWNTIME_MS, &o->downtime_ms))
			goto bad;
	} else if (!strcmp(name, "max-rounds")) {
		if (options_parse_uint(val, 1, OPTIONS_MAX_ROUNDS, &o->max_rounds))
			goto bad;
	} else if (!strcmp(name, "throttle-max")) {
		if (options_parse_uint(val, 0, OPTIONS_MAX_THROTTLE, &o->throttle_max))
			goto bad;
	} else if (!strcmp(name, "max-bandwidth")) {
		if (options_parse_uint(val, 0, OPTIONS_MAX_BANDWIDTH, &o->max_bandwidth))
			goto bad;
	} else if (!strcmp(name, "dirty-log")) {
		if (!strcmp(val, "auto"))
			o->dirty_log = MEM_DIRTY_AUTO;
		else if (!strcmp(val, "manual"))
			o->dirty_log = MEM_DIRTY_MANUAL;
		else if (!strcmp(val, "get"))
			o->dirty_log = MEM_DIRTY_GET;
		else
			goto bad;
	} else if (!strcmp(name, "timeout")) {
		if (options_parse_uint(val, 1, OPTIONS_MAX_TIMEOUT, &u))
			goto bad;
		o->timeout = u;
	} else if (!strcmp(name, "control-idle")) {
		if (options_parse_uint(val, 1, OPTIONS_MAX_TIMEOUT, &o->control_idle))
			goto bad;
	} else {
		snprintf(err, errlen, "unknown option --%s", name);
		return -EINVAL;
	}
	return 0;
bad:
	snprintf(err, errlen, "bad value for --%s: '%s'", name, val);
	return -EINVAL;
}

static bool options_flag(struct options *o, const char *name)
{
	struct { const char *name; bool *flag; } flags[] = {
		{ "trace", &o->trace }, { "stats", &o->stats }, { "probe", &o->probe },
		{ "sev-sim", &o->sevsim }, { "check-guest", &o->check_guest },
		{ "help", &o->help }, { "version", &o->version },
		{ "migrate-insecure", &o->migrate_insecure },
		{ "console-input", &o->console_input },
	};

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if (!strcmp(name, flags[i].name)) {
			*flags[i].flag = true;
			return true;
		}
	}
	return false;
}

static int options_check(struct options *o, char *err, size_t errlen)
{
	if (o->help || o->version || o->probe)
		return 0;
	if (o->window_size && !o->sevsim) {
		snprintf(err, errlen, "--sev-sim-window needs --sev-sim");
		return -EINVAL;
	}
	if (o->check_guest && o->incoming) {
		snprintf(err, errlen, "--check-guest judges a guest from its boot, not an "
			 "--incoming one");
		return -EINVAL;
	}
	if (o->migrate_key && o->migrate_insecure) {
		snprintf(err, errlen, "--migrate-key and --migrate-insecure contradict each other");
		return -EINVAL;
	}
	if (o->initrd && o->incoming) {
		snprintf(err, errlen, "--initrd goes with a kernel to boot, not with --incoming");
		return -EINVAL;
	}
	if (!o->image && !o->incoming) {
		snprintf(err, errlen, "no IMAGE given");
		return -EINVAL;
	}
	if (o->features_given && o->features && o->migctl != OPTIONS_MIGCTL_V2) {
		snprintf(err, errlen, "--features needs --migctl v2 (features are a version 2 offer)");
		return -EINVAL;
	}
	if (o->migctl != OPTIONS_MIGCTL_V2)
		o->features = 0;
	return 0;
}

/* "--name", "--name=value" or "--name value" at argv[*i]; advances *i. */
static int options_long(struct options *o, int argc, char *const argv[], int *i,
			char *err, size_t errlen)
{
	const char *a = argv[*i] + 2, *eq = strchr(a, '=');
	size_t n = eq ? (size_t)(eq - a) : strlen(a);
	char name[32];

	if (n >= sizeof(name)) {
		snprintf(err, errlen, "unknown option --%s", a);
		return -EINVAL;
	}
	memcpy(name, a, n);
	name[n] = '\0';
	if (options_flag(o, name)) {
		if (!eq)
			return 0;
		snprintf(err, errlen, "option --%s takes no value", name);
		return -EINVAL;
	}
	if (!eq && *i + 1 >= argc) {
		snprintf(err, errlen, "option --%s needs a value", name);
		return -EINVAL;
	}
	return options_value(o, name, eq ? eq + 1 : argv[++*i], err, errlen);
}

int options_parse(int argc, char *const argv[], struct options *o, char *err, size_t errlen)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->memory = OPTIONS_DEFAULT_MEMORY;
	o->cpus = 1;
	o->migctl = OPTIONS_MIGCTL_V2;
	o->features = MIGCTL_F_ALL;
	o->downtime_ms = OPTIONS_DEFAULT_DOWNTIME_MS;
	o->max_rounds = OPTIONS_DEFAULT_MAX_ROUNDS;
	o->throttle_max = OPTIONS_MAX_THROTTLE;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "-V")) {
			options_flag(o, a[1] == 'h' ? "help" : "version");
		} else if (a[0] == '-' && a[1] == '-') {
			if (options_long(o, argc, argv, &i, err, errlen))
				return -EINVAL;
		} else if (a[0] == '-' && a[1]) {
			snprintf(err, errlen, "unknown option %s", a);
			return -EINVAL;
		} else if (o->image) {
			snprintf(err, errlen,
				 "unexpected argument '%s' (guest command line goes after --)", a);
			return -EINVAL;
		} else {
			o->image = a;
		}
	}
	if (options_join(argv + i, argc - i, o->cmdline, err, errlen))
		return -EINVAL;
	return options_check(o, err, errlen);
}

const char *options_usage(void)
{
	return
	"usage: migctl-vmm [options] IMAGE [-- guest command line...]\n"
	"       migctl-vmm [options] --incoming URI\n"
	"       migctl-vmm ctl SOCKET COMMAND [--wait] [URI]\n"
	"\n"
	"Boots a PVH image, ELF32 or ELF64, or a Linux bzImage (64-bit boot protocol)\n"
	"on /dev/kvm (COM1 at 0x3f8, exit port 0xf4).\n"
	"\n"
	"  --memory SIZE      guest RAM, suffix K/M/G/T (bare number: MiB), default 64M;\n"
	"                     above 3G the rest is placed at 4G\n"
	"  --cpus N           vCPUs, 1..64, default 1 (APs start via INIT/SIPI)\n"
	"  --migctl MODE      protocol the host offers: off, v1, v2 (default v2)\n"
	"  --features LIST    v2 features: msr-psc,list | none | all (default all)\n"
	"  --serial FILE      COM1 output to FILE, or stdio (default)\n"
	"  --console-input    with stdio, standard input feeds COM1 even when it is\n"
	"                     a pipe (by default only a terminal does)\n"
	"  --initrd FILE      initial RAM disk for a bzImage kernel\n"
	"  --timeout SECONDS  stop the guest after this time: message 'timeout', exit 1\n"
	"  --sev-sim          simulated memory encryption: RAM starts private, key page\n"
	"                     at 0xfeb00000 (reserved in e820), window of private pages\n"
	"  --sev-sim-window GPA:SIZE\n"
	"                     the window (2 MiB aligned; default: the upper half of\n"
	"                     the RAM bank at 1 MiB)\n"
	"  --incoming URI     destination: wait for a migration stream on tcp:HOST:PORT,\n"
	"                     unix:PATH or file:PATH (restore), then run the guest\n"
	"  --migrate-key FILE pre-shared key (32 bytes or 64 hex digits, mode 0600):\n"
	"                     tcp: and unix: migrations, both ways, are encrypted and\n"
	"                     authenticated; both sides need the same key\n"
	"  --migrate-insecure allow tcp: migrations in the clear (no key)\n"
	"  --control PATH     JSON-lines control socket (migrate, query-migrate, cancel,\n"
	"                     set-parameters, stop, cont, query-status, quit); see 'ctl'\n"
	"  --downtime-ms N    pre-copy ends when the rest fits N ms and another round\n"
	"                     would not shrink it (default 300)\n"
	"  --max-rounds N     or after N pre-copy rounds (default 30)\n"
	"  --throttle-max PCT auto-converge: when rounds stop shrinking above the\n"
	"                     target, slow the vCPUs, up to PCT percent (99; 0: off)\n"
	"  --max-bandwidth MIB  pre-copy at most MIB MiB/s (default 0: unlimited)\n"
	"  --dirty-log MODE   auto (manual protect where KVM has it), manual\n"
	"                     (KVM_CLEAR_DIRTY_LOG, else the migration fails) or get\n"
	"                     (KVM_GET_DIRTY_LOG alone); default auto\n"
	"  --control-idle S   close a control client after S seconds without a\n"
	"                     request (default 60)\n"
	"  ctl ... --wait     (client) answer a migrate when it has ended\n"
	"  --trace            one line on stderr per protocol exchange (MSR, hypercall)\n"
	"                     and the protocol CPUID leaves installed; CPUID itself\n"
	"                     never exits on KVM, so guest CPUID reads are not traced\n"
	"  --check-guest      judge the guest's protocol use by the spec's guest rules:\n"
	"                     KTAP on stdout (one case per judged G rule), the serial\n"
	"                     output on stderr as '# guest: ' lines unless --serial;\n"
	"                     exit 0 when no rule was broken, 1 otherwise\n"
	"  --stats            one '# stats: key=value ...' line on stderr at exit, and\n"
	"                     the JSON record of each outgoing migration\n"
	"  --probe            print what this KVM can do (hypercall exits, MSR filter)\n"
	"  -h, --help         this text\n"
	"  -V, --version      the version\n"
	"\n"
	"Transports are offered only where the start-up probe found they work:\n"
	"hypercall 12 needs KVM_EXIT_HYPERCALL delivery, the control MSR and the\n"
	"MSR transport need the MSR filter.\n"
	"\n"
	"Exit status: the guest's result written to port 0xf4 (0 pass, 1 fail,\n"
	"4 skip); 1 also for any other value, a triple fault or the timeout;\n"
	"125 when the VMM itself fails (bad options, KVM errors, SIGINT/SIGTERM).\n";
}
