/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* mem.h - the memory functions GCC may call even in freestanding code. */
#ifndef GUEST_IMAGE_MEM_H
#define GUEST_IMAGE_MEM_H

#include <stddef.h>

void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#endif /* GUEST_IMAGE_MEM_H */
