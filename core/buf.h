/*
 * buf.h - internal: a growable byte buffer with a hard ceiling,
 * and the one growable array of the library. After a failure a buffer stays
 * failed: callers may chain writes and check once. data is NUL-terminated
 * whenever len > 0.
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

/*
 * A growable array of `type`: BT_ARRAY(int) a = {0}; int *slot =
 * BT_PUSH(&a); (NULL when out of memory, with the error set); free(a.v).
 * Sizes are checked for overflow.
 */
#define BT_ARRAY(type)                                                                                                 \
	struct {                                                                                                       \
		type *v;                                                                                               \
		size_t n, cap;                                                                                         \
	}
int bt__array_grow(void **v, size_t *cap, size_t need, size_t elem);
#define BT_RESERVE(a, need) bt__array_grow((void **)&(a)->v, &(a)->cap, (need), sizeof(*(a)->v))
#define BT_PUSH(a) (BT_RESERVE((a), (a)->n + 1) < 0 ? NULL : &(a)->v[(a)->n++])

#endif
