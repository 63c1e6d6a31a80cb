/*
 * buf.c - the growable byte buffer with a hard ceiling and the
 * growable array every module uses (buf.h). Nothing read from a file or the
 * network grows past its limit.
 */
#include "buf.h"
#include "error.h"
#include "i18n.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bt_buf_init(bt_buf *b, size_t limit)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->limit = limit ? limit : BT_BUF_DEFAULT_LIMIT;
	b->failed = 0;
}

void bt_buf_free(bt_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

int bt_buf_grow(bt_buf *b, size_t extra)
{
	if (b->failed)
		return BT_ENOMEM;
	if (extra > b->limit || b->len + extra + 1 > b->limit) {
		b->failed = 1;
		return bt__error_set(BT_ENOMEM, BT_("data over the limit of %zu bytes"), b->limit);
	}
	size_t need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap > b->limit / 2 ? b->limit : cap * 2;
	char *d = realloc(b->data, cap);
	if (!d) {
		b->failed = 1;
		return bt__oom();
	}
	b->data = d;
	b->cap = cap;
	return 0;
}

int bt_buf_put(bt_buf *b, const char *s, size_t n)
{
	if (bt_buf_grow(b, n) < 0)
		return BT_ENOMEM;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int bt_buf_puts(bt_buf *b, const char *s) { return bt_buf_put(b, s, strlen(s)); }

int bt_buf_printf(bt_buf *b, const char *fmt, ...)
{
	va_list ap;
	char small[256];
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return bt__error_set(BT_ERROR, BT_("formatting error"));
	if ((size_t)n < sizeof(small))
		return bt_buf_put(b, small, (size_t)n);
	if (bt_buf_grow(b, (size_t)n) < 0)
		return BT_ENOMEM;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

int bt_buf_json_string(bt_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	if (!s)
		return bt_buf_put(b, "null", 4);
	if (bt_buf_put(b, "\"", 1) < 0)
		return BT_ENOMEM;
	const char *run = s;
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if (bt_buf_put(b, run, (size_t)(p - run)) < 0)
			return BT_ENOMEM;
		char esc[7] = {'\\', 0};
		size_t n = 2;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\t': esc[1] = 't'; break;
		case '\r': esc[1] = 'r'; break;
		default:
			esc[1] = 'u'; esc[2] = '0'; esc[3] = '0';
			esc[4] = hex[c >> 4]; esc[5] = hex[c & 15];
			n = 6;
		}
		if (bt_buf_put(b, esc, n) < 0)
			return BT_ENOMEM;
		run = p + 1;
	}
	if (bt_buf_puts(b, run) < 0)
		return BT_ENOMEM;
	return bt_buf_put(b, "\"", 1);
}

int bt__array_grow(void **v, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t c = *cap ? *cap : 8;
	while (c < need) {
		if (c > SIZE_MAX / 2)
			return bt__oom();
		c *= 2;
	}
	if (elem && c > SIZE_MAX / elem)
		return bt__oom();
	void *n = realloc(*v, c * elem);
	if (!n)
		return bt__oom();
	*v = n;
	*cap = c;
	return 0;
}
