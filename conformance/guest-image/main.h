/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* main.h - the kernel's entry from entry.S. */
#ifndef GUEST_IMAGE_MAIN_H
#define GUEST_IMAGE_MAIN_H

#include <migctl/types.h>

/* start_info: physical address of struct hvm_start_info (EBX at the PVH entry). */
void kernel_main(u32 start_info) __attribute__((noreturn));

#endif /* GUEST_IMAGE_MAIN_H */
