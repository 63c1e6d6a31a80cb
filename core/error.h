/* error.h - internal: set the per-thread error message. */
#ifndef BT_CORE_ERROR_H
#define BT_CORE_ERROR_H

#include "bontot/common.h"

/* Record `code` and a formatted message as this thread's last error; returns code. */
int bt__error_set(int code, const char *fmt, ...) BT_PRINTF(2, 3);

/* Copy a NUL-terminated UTF-8 string, truncating at a character boundary. */
void bt__copy_utf8(char *dst, size_t dst_size, const char *src);

#define bt__oom() bt__error_set(BT_ENOMEM, "out of memory")

#endif
