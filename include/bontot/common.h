/*
 * bontot/common.h - error codes, the per-thread error message, and version.
 *
 * Every fallible function of the library returns 0 on success or one of the
 * negative BT_E* codes below; the human-readable detail (what was wrong and
 * where: line, field, record id) is kept per thread and read with
 * bt_error_last(). The list of codes is append-only.
 */
#ifndef BONTOT_COMMON_H
#define BONTOT_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BT_VERSION "0.1.0"

#if defined(__GNUC__)
#define BT_WARN_UNUSED __attribute__((warn_unused_result))
#define BT_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define BT_WARN_UNUSED
#define BT_PRINTF(a, b)
#endif

/* Error codes: append-only. */
enum {
	BT_OK = 0,
	BT_ERROR = -1,     /* generic failure */
	BT_ENOTFOUND = -2, /* a referenced thing does not exist */
	BT_EINVALID = -3,  /* bad input: a record, an argument, a file */
	BT_ECONFLICT = -4, /* the input contradicts what is stored */
	BT_EBADSIG = -5,   /* a signature does not verify */
	BT_ECORRUPT = -6,  /* stored or received bytes are damaged */
	BT_ENOMEM = -7,    /* out of memory, or a size limit was hit */
	BT_EIO = -8,       /* file or database I/O failed */
	BT_ENET = -9,      /* network failure */
	BT_EDENIED = -10,  /* not allowed */
	BT_EEXISTS = -11   /* the thing to create already exists */
};

/*
 * The message describing the last error on this thread. Never NULL; "" when
 * no error was recorded. Borrowed: valid until the next library call on the
 * same thread.
 */
const char *bt_error_last(void);

/* The code of the last error on this thread (0 when none). */
int bt_error_last_code(void);

/* Forget the last error on this thread. */
void bt_error_clear(void);

/*
 * Messages are English in the code and Vietnamese in the catalog "bontot"
 * (cli/po/vi.po): after setlocale(LC_ALL, ""), call this so that a vi_VN
 * locale gets Vietnamese. `localedir` is where <lang>/LC_MESSAGES/bontot.mo
 * lives (NULL: the system's default). Evaluation reasons and holiday names
 * are always Vietnamese: they are part of the evaluation JSON.
 */
void bt_messages_init(const char *localedir);

/* A short English name for an error code ("BT_EINVALID"). Static storage. */
const char *bt_error_name(int code);

#ifdef __cplusplus
}
#endif
#endif
