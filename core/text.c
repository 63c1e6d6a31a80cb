/*
 * text.c - Unicode NFC normalisation and display width (utf8proc).
 */
#include "bontot/records.h"
#include "bontot/text.h"
#include "error.h"
#include "i18n.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

int bt_text_nfc(char **out, const char *text, size_t len, int allow_newlines)
{
	int ascii = 1;
	*out = NULL;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c >= 0x80) {
			ascii = 0;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			if (!(allow_newlines && (c == '\n' || c == '\t')))
				return bt__error_set(BT_EINVALID, BT_("text contains a control character (code %u)"), c);
		}
	}
	if (ascii) {
		/* ASCII is already NFC: the common case (ids, dates) skips utf8proc. */
		char *s = malloc(len + 1);
		if (!s)
			return bt__oom();
		memcpy(s, text, len);
		s[len] = '\0';
		*out = s;
		return 0;
	}
	utf8proc_uint8_t *nfc = NULL;
	utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)text, (utf8proc_ssize_t)len, &nfc,
					  UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_REJECTNA);
	if (n < 0) {
		if (n == UTF8PROC_ERROR_NOMEM)
			return bt__oom();
		return bt__error_set(BT_EINVALID, BT_("text is not valid UTF-8"));
	}
	*out = (char *)nfc;
	return 0;
}

size_t bt_text_width(const char *text)
{
	const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)text;
	size_t cols = 0;
	while (*p) {
		utf8proc_int32_t c;
		utf8proc_ssize_t n = utf8proc_iterate(p, -1, &c);
		if (n <= 0) {
			cols++, p++;
			continue;
		}
		int w = utf8proc_charwidth(c);
		cols += w > 0 ? (size_t)w : 0;
		p += n;
	}
	return cols;
}
