/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* types.h - migctl's fixed-width types from the kernel's own, for the Linux module. */
#ifndef MIGCTL_TYPES_H
#define MIGCTL_TYPES_H

/*
 * Stands in for include/migctl/types.h when the guest library is compiled
 * into the kernel module: the kernel already defines u8..s64, bool, size_t
 * and uintptr_t, and has no <stdint.h> of a C library. gpa_t is declared
 * as <linux/kvm_types.h> declares it, so both may meet in one file.
 */
#include <linux/types.h>
#include <linux/stddef.h>

typedef u64 gpa_t;

#endif /* MIGCTL_TYPES_H */
