/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* ktap.c - KTAP version 1 output: scenarios are test cases, report() checks their subtests. */
#include "ktap.h"

#include <stdarg.h>

#include "console.h"

/* Only the boot CPU prints results; other CPUs hand their findings to it. */
static struct ktap_progress ktap;
static bool ktap_in_case;

void ktap_begin(u32 plan)
{
	ktap = (struct ktap_progress){ .next_case = 1 };
	con_printf("KTAP version 1\n1..%u\n", plan);
}

void ktap_resume(const struct ktap_progress *p)
{
	ktap = *p;
	ktap_in_case = p->sub_next > 1;
}

void ktap_progress_get(struct ktap_progress *p)
{
	*p = ktap;
}

void ktap_case_begin(const char *name)
{
	ktap.sub_next = 1;
	ktap.sub_failed = 0;
	ktap_in_case = true;
	con_printf("  KTAP version 1\n  # Subtest: %s\n", name);
}

/* The nested plan comes last because a scenario learns its checks as it runs. */
void ktap_case_end(const char *name, const char *reason)
{
	u32 n = ktap.next_case++;

	con_printf("  1..%u\n", ktap.sub_next - 1);
	if (reason) {
		ktap.skipped++;
		con_printf("ok %u %s # SKIP %s\n", n, name, reason);
	} else if (ktap.sub_failed) {
		ktap.failed++;
		con_printf("not ok %u %s\n", n, name);
	} else {
		ktap.passed++;
		con_printf("ok %u %s\n", n, name);
	}
	ktap_in_case = false;
}

static void report_line(const char *result, const char *fmt, va_list ap, const char *directive)
{
	char desc[200];

	con_vsnprintf(desc, sizeof(desc), fmt, ap);
	con_printf("  %s %u %s%s\n", result, ktap.sub_next++, desc, directive);
}

bool report(bool cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report_line(cond ? "ok" : "not ok", fmt, ap, "");
	va_end(ap);
	if (!cond)
		ktap.sub_failed++;
	return cond;
}

void report_skip(const char *desc, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	va_start(ap, fmt);
	con_vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	con_printf("  ok %u %s # SKIP %s\n", ktap.sub_next++, desc, why);
}

void report_info(const char *fmt, ...)
{
	char line[220];
	va_list ap;

	va_start(ap, fmt);
	con_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	con_printf("%s# %s\n", ktap_in_case ? "  " : "", line);
}

u32 ktap_case_failures(void)
{
	return ktap.sub_failed;
}

int ktap_finish(void)
{
	con_printf("# Totals: pass:%u fail:%u xfail:0 xpass:0 skip:%u error:0\n", ktap.passed,
		   ktap.failed, ktap.skipped);
	if (ktap.failed)
		return 1;
	if (!ktap.passed && ktap.skipped)
		return 4;
	return 0;
}
