/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/* console.c - COM1 output and the image's own printf-like formatter. */
#include "console.h"

#include <migctl/pvh.h>

#include "cpu.h"

/* A spin lock so that lines of several CPUs do not interleave. */
static volatile u32 con_lock;

struct fmt_out {
	char *buf;
	size_t size;
	size_t len;
};

static void out_char(struct fmt_out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

struct fmt_spec {
	int width;
	bool left;
	bool zero;
	bool alt;
	int prec;	/* -1: none */
	int lng;
};

static void out_padded(struct fmt_out *o, const struct fmt_spec *f, const char *s, int n,
		       bool neg)
{
	int pad = f->width - n - (neg ? 1 : 0);

	if (neg && f->zero)
		out_char(o, '-');
	while (!f->left && pad-- > 0)
		out_char(o, f->zero ? '0' : ' ');
	if (neg && !f->zero)
		out_char(o, '-');
	while (n--)
		out_char(o, *s++);
	while (f->left && pad-- > 0)
		out_char(o, ' ');
}

static void out_number(struct fmt_out *o, const struct fmt_spec *f, u64 v, unsigned int base,
		       bool upper, bool neg)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = digits[v % base];
		v /= base;
	} while (v);
	out_padded(o, f, &tmp[sizeof(tmp) - n], n, neg);
}

static u64 arg_unsigned(va_list *ap, int lng)
{
	if (lng >= 1)
		return va_arg(*ap, unsigned long);
	return va_arg(*ap, unsigned int);
}

static s64 arg_signed(va_list *ap, int lng)
{
	if (lng >= 1)
		return va_arg(*ap, long);
	return va_arg(*ap, int);
}

static const char *parse_spec(const char *p, struct fmt_spec *f, va_list *ap)
{
	*f = (struct fmt_spec){ .prec = -1 };
	for (;; p++) {
		if (*p == '-')
			f->left = true;
		else if (*p == '0')
			f->zero = true;
		else if (*p == '#')
			f->alt = true;
		else
			break;
	}
	if (*p == '*') {
		f->width = va_arg(*ap, int);
		p++;
	}
	while (*p >= '0' && *p <= '9')
		f->width = f->width * 10 + (*p++ - '0');
	if (*p == '.') {
		f->prec = 0;
		if (*++p == '*') {
			f->prec = va_arg(*ap, int);
			p++;
		}
		while (*p >= '0' && *p <= '9')
			f->prec = f->prec * 10 + (*p++ - '0');
	}
	while (*p == 'l' || *p == 'z') {
		f->lng++;
		p++;
	}
	if (f->left)
		f->zero = false;
	return p;
}

static void format_one(struct fmt_out *o, char conv, const struct fmt_spec *f, va_list *ap)
{
	const char *s;
	s64 sv;
	int n;
	char c;

	switch (conv) {
	case 'd':
	case 'i':
		sv = arg_signed(ap, f->lng);
		out_number(o, f, sv < 0 ? -(u64)sv : (u64)sv, 10, false, sv < 0);
		break;
	case 'u':
		out_number(o, f, arg_unsigned(ap, f->lng), 10, false, false);
		break;
	case 'x':
	case 'X':
		if (f->alt) {
			out_char(o, '0');
			out_char(o, 'x');
		}
		out_number(o, f, arg_unsigned(ap, f->lng), 16, conv == 'X', false);
		break;
	case 'p':
		out_char(o, '0');
		out_char(o, 'x');
		out_number(o, f, (u64)va_arg(*ap, void *), 16, false, false);
		break;
	case 's':
		s = va_arg(*ap, const char *);
		if (!s)
			s = "(null)";
		for (n = 0; s[n] && (f->prec < 0 || n < f->prec); n++)
			;
		out_padded(o, f, s, n, false);
		break;
	case 'c':
		c = (char)va_arg(*ap, int);
		out_padded(o, f, &c, 1, false);
		break;
	case '%':
		out_char(o, '%');
		break;
	default:
		out_char(o, '%');
		if (conv)
			out_char(o, conv);
		break;
	}
}

int con_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmt_out o = { buf, size, 0 };
	struct fmt_spec f;
	va_list aq;
	const char *p;

	va_copy(aq, ap);
	for (p = fmt; *p; p++) {
		if (*p != '%') {
			out_char(&o, *p);
			continue;
		}
		p = parse_spec(p + 1, &f, &aq);
		format_one(&o, *p, &f, &aq);
		if (!*p)
			break;
	}
	va_end(aq);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int con_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = con_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/*
 * No LSR polling: QEMU's and migctl-vmm's THR always takes the byte, and
 * every LSR read would be one more exit of emulated ring-0 code.
 */
void con_write(const char *s, size_t len)
{
	while (__atomic_exchange_n(&con_lock, 1, __ATOMIC_ACQUIRE))
		asm volatile("pause");
	while (len--)
		cpu_outb(MIGCTL_PVH_COM1, (u8)*s++);
	__atomic_store_n(&con_lock, 0, __ATOMIC_RELEASE);
}

void con_vprintf(const char *fmt, va_list ap)
{
	char buf[256];
	int n = con_vsnprintf(buf, sizeof(buf), fmt, ap);

	con_write(buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

void con_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	con_vprintf(fmt, ap);
	va_end(ap);
}
