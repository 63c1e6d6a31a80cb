/*
 * store_internal.h - internal: the store handle and its prepared statements.
 */
#ifndef BT_STORE_INTERNAL_H
#define BT_STORE_INTERNAL_H

#include "bontot/store.h"

#include <sqlite3.h>

/* Statements prepared once per store and reused (bind, step, reset). */
typedef struct {
	sqlite3_stmt *ev_insert, *cur_get, *cur_put, *committee_exists, *cell_exists, *member_get,
		*cell_members_on, *meeting_mtid, *att_delete, *att_insert,
		*up_committee, *up_cell, *up_member, *up_exemption, *up_holiday, *up_regulation, *up_target,
		*up_commitment, *up_meeting, *up_dues, *up_discipline, *up_attestation, *up_transfer, *event_bytes,
		*conflict_put;
} bt_store_stmts;

/* Members looked up during one transaction (import or rebuild), by id. */
typedef struct {
	char id[BT_ID_MAX_BYTES + 1];
	int64_t mid;
	char cell[BT_ID_MAX_BYTES + 1];
	bt_date joined, left;
	int used;
} bt_member_entry;

typedef struct {
	bt_member_entry *slots;
	size_t cap, n;
} bt_member_cache;

#define BT_ATTENDANCE_SPOKE 4

struct bt_store {
	sqlite3 *db;
	char log_id[BT_LOG_ID_MAX_BYTES + 1];
	int64_t head_seq;                /* last seq of our own log, 0 if empty */
	uint8_t head_hash[BT_HASH_BYTES]; /* its hash, zeros if empty */
	bt_store_stmts st;
	int in_import;
	bt_member_cache members; /* valid inside one transaction only; emptied at its end */
};

/* Forget every cached member (call when a transaction ends, committed or not). */
void bt_store__members_clear(bt_store *s);

/* Set the error from the database's message; returns code. */
int bt_store__db_error(bt_store *s, int code, const char *what);

/* Run SQL without results. */
int bt_store__exec(bt_store *s, const char *sql);

/* Create or migrate the schema to the current version (in a transaction). */
int bt_store__migrate(bt_store *s);

/* Prepare every statement of bt_store_stmts. */
int bt_store__prepare(bt_store *s);
void bt_store__finalize(bt_store *s);

/* Apply a record to the projections (after validation, inside a transaction). */
int bt_store__apply(bt_store *s, const bt_record *rec, int64_t event_id, int superseding);

/*
 * Apply event `event_id` (its record `rec`, written by `log` at `ts` as number
 * `seq`) unless the current version of the same fact comes later in the
 * order (ts, log, seq) of DESIGN.md decision 7: then the new version is kept
 * in the log, recorded in `conflict`, and the projections stay. *lost (may be
 * NULL) says which happened. Every replica applying the same events in any
 * order ends with the same projections.
 */
int bt_store__apply_ordered(bt_store *s, const bt_record *rec, int64_t event_id, const char *ts, const char *log,
			    int64_t seq, int *lost);

/*
 * Append an event of another log (a device's, already verified) with its
 * exact bytes, after the same reference checks as an import, and apply it
 * in the order of decision 7. Inside a transaction.
 */
int bt_store__append_foreign(bt_store *s, const bt_event *ev, const uint8_t *bytes, size_t len, int *lost);

/* Dates in tables are integers YYYYMMDD (NULL for none); months YYYYMM. */
int64_t bt_store__date_int(bt_date d);
bt_date bt_store__int_date(int64_t v);

/* Bind text (NULL as NULL). */
int bt_store__bind_text(sqlite3_stmt *st, int i, const char *s);
int bt_store__bind_date(sqlite3_stmt *st, int i, bt_date d);

/* Step a statement expected to finish (DONE); resets it. */
int bt_store__step_done(bt_store *s, sqlite3_stmt *st, const char *what);

#endif
