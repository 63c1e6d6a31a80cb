/*
 * bontot/staff.h - the office's staff accounts and the credentials that
 * read the office's data (docs/protocol.md, "Who may read"): office clerks
 * and auditors with a password (kept as a salted scrypt hash), bearer tokens
 * for scripts (kept as their SHA-256, revocable), and the log of who read
 * what. Tablets authenticate with their device key instead (bontot/sync.h).
 */
#ifndef BONTOT_STAFF_H
#define BONTOT_STAFF_H

#include "bontot/common.h"
#include "bontot/store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
	BT_STAFF_OFFICE = 1, /* the commune office: reads and settles */
	BT_STAFF_AUDITOR     /* the inspection committee, the district: reads */
} bt_staff_role;

/* "office" or "auditor"; NULL for no role. */
const char *bt_staff_role_name(bt_staff_role role);
/* The role named so, or 0. */
bt_staff_role bt_staff_role_parse(const char *name);

#define BT_STAFF_NAME_MAX_BYTES 64
#define BT_STAFF_PASSWORD_MIN_BYTES 8
#define BT_STAFF_TOKEN_BYTES 69 /* "btk_" + 64 hex digits + NUL */

/*
 * Add an account. `name`: 1 to 64 of a-z A-Z 0-9 - _ . (it is typed at a
 * login); `password`: at least 8 bytes, kept only as a salted scrypt hash.
 * BT_EEXISTS when the name is taken, BT_EINVALID for a bad name or password.
 */
int bt_staff_add(bt_store *store, const char *name, bt_staff_role role, const char *password) BT_WARN_UNUSED;

/* Remove an account and revoke its tokens. BT_ENOTFOUND when there is none. */
int bt_staff_remove(bt_store *store, const char *name) BT_WARN_UNUSED;

typedef struct {
	const char *name;
	bt_staff_role role;
	const char *created;  /* "YYYY-MM-DDTHH:MM:SSZ" */
	int64_t tokens;       /* tokens not revoked */
} bt_staff_info;

/* Call `each` for every account, by name; strings are borrowed for the call. */
int bt_staff_list(bt_store *store, int (*each)(const bt_staff_info *info, void *payload), void *payload) BT_WARN_UNUSED;

/*
 * Check a name and password (the dashboard's login). 0 and *role, or
 * BT_EDENIED - the same for an unknown name and a wrong password.
 */
int bt_staff_login(bt_store *store, const char *name, const char *password, bt_staff_role *role) BT_WARN_UNUSED;

/* A new bearer token for the account: "btk_" and 64 hex digits, shown once; only its SHA-256 is kept. */
int bt_staff_token(bt_store *store, const char *name, char out[BT_STAFF_TOKEN_BYTES]) BT_WARN_UNUSED;

/* Revoke every token of the account; *count (may be NULL) gets how many. BT_ENOTFOUND for no account. */
int bt_staff_revoke_tokens(bt_store *store, const char *name, int64_t *count) BT_WARN_UNUSED;

/*
 * Whose token this is: 0 with the account's name (BT_STAFF_NAME_MAX_BYTES +
 * 1) and role, or BT_EDENIED for an unknown or revoked token.
 */
int bt_staff_authenticate(bt_store *store, const char *token, char *name, bt_staff_role *role) BT_WARN_UNUSED;

/* ---- who read what ---- */

/* Append to the access log: who (a staff name or a device id) read or exported what. */
int bt_access_log_add(bt_store *store, const char *who, const char *what) BT_WARN_UNUSED;

typedef struct {
	int64_t id;
	const char *at;   /* "YYYY-MM-DDTHH:MM:SSZ" */
	const char *who;
	const char *what; /* e.g. "GET /v1/evaluation?year=2026" */
} bt_access_entry;

/* The access log, newest first, at most `limit` (0: all). */
int bt_access_log(bt_store *store, int64_t limit, int (*each)(const bt_access_entry *entry, void *payload),
		  void *payload) BT_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
