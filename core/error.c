/*
 * error.c - the per-thread "last error" message (see bontot/common.h).
 * Modelled on libgit2's giterr: the library sets it where the failure is
 * detected, callers read it once the error code has surfaced.
 */
#include "error.h"
#include "i18n.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char last_message[1024];
static _Thread_local int last_code;

int bt__error_set(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_message, sizeof(last_message), fmt, ap);
	va_end(ap);
	last_code = code;
	return code;
}

const char *bt_error_last(void) { return last_message; }

int bt_error_last_code(void) { return last_code; }

void bt_error_clear(void)
{
	last_message[0] = '\0';
	last_code = 0;
}

const char *bt_error_name(int code)
{
	switch (code) {
	case BT_OK: return "BT_OK";
	case BT_ERROR: return "BT_ERROR";
	case BT_ENOTFOUND: return "BT_ENOTFOUND";
	case BT_EINVALID: return "BT_EINVALID";
	case BT_ECONFLICT: return "BT_ECONFLICT";
	case BT_EBADSIG: return "BT_EBADSIG";
	case BT_ECORRUPT: return "BT_ECORRUPT";
	case BT_ENOMEM: return "BT_ENOMEM";
	case BT_EIO: return "BT_EIO";
	case BT_ENET: return "BT_ENET";
	case BT_EDENIED: return "BT_EDENIED";
	case BT_EEXISTS: return "BT_EEXISTS";
	default: return "BT_E?";
	}
}

void bt__copy_utf8(char *dst, size_t dst_size, const char *src)
{
	size_t n = strlen(src);
	if (dst_size == 0)
		return;
	if (n >= dst_size) {
		n = dst_size - 1;
		/* Back off over continuation bytes so no character is cut in two. */
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

void bt_messages_init(const char *localedir)
{
	if (localedir)
		bindtextdomain(BT_TEXT_DOMAIN, localedir);
	bind_textdomain_codeset(BT_TEXT_DOMAIN, "UTF-8");
}
