/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* console.h - COM1 output and the image's own printf-like formatter. */
#ifndef GUEST_IMAGE_CONSOLE_H
#define GUEST_IMAGE_CONSOLE_H

#include <stdarg.h>
#include <migctl/types.h>

/*
 * Formats %d %i %u %x %X %s %c %p %% with the flags '-', '0' and '#', a
 * field width (or *), a string precision (.N or .*) and the length
 * modifiers l, ll and z. Always terminates buf; returns the length it
 * would have written.
 */
int con_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int con_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Writes to COM1; one call is one uninterrupted chunk (lock held). */
void con_write(const char *s, size_t len);
void con_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void con_vprintf(const char *fmt, va_list ap);

#endif /* GUEST_IMAGE_CONSOLE_H */
