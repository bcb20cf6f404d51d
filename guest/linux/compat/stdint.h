/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* stdint.h - <stdint.h> for spec/migctl.h inside the kernel module: the kernel's types. */
#ifndef MIGCTL_COMPAT_STDINT_H
#define MIGCTL_COMPAT_STDINT_H

/* <linux/types.h> defines uint8_t..uint64_t, int8_t..int64_t and uintptr_t. */
#include <linux/types.h>

#endif /* MIGCTL_COMPAT_STDINT_H */
