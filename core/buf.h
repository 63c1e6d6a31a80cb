/*
 * buf.h - internal: a growable byte buffer with a hard ceiling (STYLE.md 6).
 * After a failure the buffer stays failed: callers may chain writes and check
 * once. data is NUL-terminated whenever len > 0.
 */
#ifndef BT_CORE_BUF_H
#define BT_CORE_BUF_H

#include "bontot/eval.h"

#define BT_BUF_DEFAULT_LIMIT ((size_t)1 << 30)

int bt_buf_grow(bt_buf *b, size_t extra);
int bt_buf_puts(bt_buf *b, const char *s);
int bt_buf_printf(bt_buf *b, const char *fmt, ...) BT_PRINTF(2, 3);
/* Append s as a JSON string (NULL as null). */
int bt_buf_json_string(bt_buf *b, const char *s);

#endif
