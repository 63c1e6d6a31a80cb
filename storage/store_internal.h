/*
 * store_internal.h - internal to storage/: the store handle, its prepared
 * statements, and what the storage files give each other. Nothing outside
 * storage/ includes this header; sync/ and cli/ use bontot/store.h.
 *
 * Who does what:
 *   sql.c      helpers around SQLite: errors, binding, stepping, transactions
 *   schema.c   the schema and its migrations
 *   store.c    open, create, close; the prepared statements; settings
 *   log.c      the event log: append, read back, list
 *   fact.c     a fact's versions folded into its state (core/merge.c), and
 *              the findings about versions (CONCURRENT_CHANGE, OUT_OF_SCOPE)
 *   project.c  a fact's state written into the projection tables
 *   accept.c   the acceptance rule: what is refused, what is in scope
 *   findings.c the cell findings kept up to date, listing and settling
 *   import.c   an import (a file, or one typed record), checked as a whole
 *   snapshot.c reading records back for the evaluation, the to-do list, the findings
 *   rebuild.c  verifying the log and replaying it; the projection digest
 *   devices.c  enrolled devices and one-time codes
 *   staff.c    the office's staff accounts, tokens, and who read what
 *   export.c   export of the current facts
 *   query.c    small reads for the commands (members, roster, one fact)
 */
#ifndef BT_STORE_INTERNAL_H
#define BT_STORE_INTERNAL_H

#include "bontot/store.h"
#include "bontot/findings.h"
#include "bontot/sync.h"
#include "buf.h"

#include <sqlite3.h>

/* Statements prepared once per store and reused (bind, step, reset); the SQL is in store.c. */
typedef struct {
	sqlite3_stmt *ev_insert, *ev_versions, *ev_bytes, *ev_other, *ev_by_ref, *ev_head, *ev_hash_at, *ev_count;
	sqlite3_stmt *cur_get, *cur_put, *cur_ref;
	sqlite3_stmt *mk_get, *mk_put, *mc_put, *mc_has, *mc_cells;
	sqlite3_stmt *committee_exists, *cell_exists, *member_row;
	sqlite3_stmt *up_committee, *up_cell, *up_member, *up_exemption, *up_holiday, *up_regulation, *up_target,
		*up_commitment, *up_meeting, *meeting_mtid, *mark_delete, *mark_insert, *up_dues, *up_dues_month,
		*dmm_delete, *dmm_insert, *up_discipline, *up_attestation, *up_transfer, *up_settle;
	sqlite3_stmt *f_delete_cell, *f_delete_fact, *f_insert, *f_facts_of_member, *f_oos_of, *f_fids_of_cell, *f_list;
	sqlite3_stmt *member_transfers;
} bt_store_stmts;

/* A hash set of strings (cells, "member\tcell" pairs...) kept for one transaction. Iterate slots[0..cap), skipping NULL. */
typedef struct {
	char **slots;
	size_t cap, n;
} bt_strset;

/* A hash map from strings to integers. */
typedef struct {
	char **keys;
	int64_t *values;
	size_t cap, n;
} bt_strmap;

/* What a log may record (accept.c). */
typedef struct {
	char log[BT_LOG_ID_MAX_BYTES + 1];
	int scope;                      /* BT_SCOPE_* */
	char cell[BT_ID_MAX_BYTES + 1]; /* BT_SCOPE_CELL: the device's cell */
} bt_log_scope;

enum { BT_SCOPE_NONE = 0, BT_SCOPE_ALL, BT_SCOPE_CELL };

struct bt_store {
	sqlite3 *db;
	char log_id[BT_LOG_ID_MAX_BYTES + 1];
	int64_t head_seq;                 /* last seq of our own log, 0 if empty */
	uint8_t head_hash[BT_HASH_BYTES]; /* its hash, zeros if empty */
	bt_store_stmts st;
	int in_tx;                        /* inside bt_store__begin ... commit/rollback */
	int in_import;
	int fresh_applied;                /* bt_store__refold: whether its fresh event's version counts */
	bt_strset dirty_cells;           /* cells whose findings need recomputing before commit */
	BT_ARRAY(bt_log_scope) scopes;    /* cache: what each log may record */
	bt_strset pending_oos;           /* "member\tcell" pairs whose out-of-scope records need another look */
	bt_strset dirty_members;         /* members whose cells were already added to dirty_cells */
	bt_strmap mids;                   /* member id -> member_key.mid (cleared on rollback and rebuild) */
	struct {                          /* snapshot.c's one-cell queries, prepared once */
		const char *sql;
		sqlite3_stmt *st;
	} snap[16];
	int n_snap;
	bt_strset in_scope;               /* "member\tcell" pairs seen in member_cell in this transaction (accept.c) */
	bt_progress_fn progress;          /* bt_store_set_progress, may be NULL */
	void *progress_payload;
	struct {                          /* what an import already knows of the record it appends (fact.c) */
		const bt_record *rec;
		uint8_t hash[BT_HASH_BYTES];
		int no_current;
	} hint;
};

/* ---- sql.c ---- */

/*
 * Set the error from the database's message; returns code. `what` (here
 * and in the step helpers) is the English text, N_("..."): it is
 * translated only when an error is told, not on every step.
 */
int bt_store__db_error(bt_store *s, int code, const char *what);
/* Run SQL without results. */
int bt_store__exec(bt_store *s, const char *sql);
/* Dates in tables are integers YYYYMMDD (NULL for none); months YYYYMM. */
int64_t bt_store__date_int(bt_date d);
bt_date bt_store__int_date(int64_t v);
int bt_store__month_int(bt_month m);
bt_month bt_store__int_month(int64_t v);
bt_date bt_store__col_date(sqlite3_stmt *st, int i);
/* Bind text (NULL as NULL), a date (BT_DATE_NONE as NULL). */
int bt_store__bind_text(sqlite3_stmt *st, int i, const char *s);
int bt_store__bind_date(sqlite3_stmt *st, int i, bt_date d);
/* Step a statement expected to finish (DONE); resets it. */
int bt_store__step_done(bt_store *s, sqlite3_stmt *st, const char *what);
/* Step expecting at most one row: 1 row (left for the caller to read, then reset), 0 none (reset), <0 error. */
int bt_store__step_row(bt_store *s, sqlite3_stmt *st, const char *what);
/*
 * One write transaction (BEGIN IMMEDIATE). Commit first brings every dirty
 * cell's findings up to date, so a committed store is always consistent.
 * Rollback forgets the transaction's caches. Never nested.
 */
int bt_store__begin(bt_store *s);
int bt_store__commit(bt_store *s);
/* Roll back, forget what the caches learnt in the transaction, and reload our log's head. */
void bt_store__rollback(bt_store *s);
/* Report progress when someone listens: every 1024th item and the last (done == total). */
void bt_store__progress(bt_store *s, const char *stage, uint64_t done, uint64_t total);
/* Read our own log's head (head_seq, head_hash) from the log. */
int bt_store__load_head(bt_store *s);
/* Add a copy of str to a set (no duplicates); *added (may be NULL) says whether it was new. */
int bt_strset_add(bt_strset *set, const char *str, int *added);
int bt_strset_has(const bt_strset *set, const char *str);
/* Empty the set (keeps its memory), free it. */
void bt_strset_clear(bt_strset *set);
void bt_strset_free(bt_strset *set);
/* Map key -> value (replacing). 0 or BT_ENOMEM. */
int bt_strmap_put(bt_strmap *m, const char *key, int64_t value);
/* 1 and *value when key is there, else 0. */
int bt_strmap_get(const bt_strmap *m, const char *key, int64_t *value);
void bt_strmap_clear(bt_strmap *m);
void bt_strmap_free(bt_strmap *m);

/* ---- schema.c ---- */

int bt_store__migrate(bt_store *s, int *needs_rebuild);

/* ---- store.c ---- */

int bt_store__prepare(bt_store *s);
/* Now, UTC, as "YYYY-MM-DDTHH:MM:SSZ": when the store notes something of its own (a rebuild, a receipt, an account). */
void bt_store__now(char out[BT_TIMESTAMP_BYTES]);
void bt_store__finalize(bt_store *s);

/* ---- log.c ---- */

/*
 * Append an event with these exact bytes (already checked) and fold it into
 * its fact: the one path by which anything enters the store. *event_id
 * (may be NULL) receives its local id.
 */
int bt_store__append(bt_store *s, const bt_event *ev, const uint8_t *bytes, size_t len, int64_t *event_id);
/* Decode the event with local id `id`. */
int bt_store__event_by_id(bt_store *s, int64_t id, bt_event *ev);
/* The local id of event "log#seq", or 0. */
int bt_store__event_id_of_ref(bt_store *s, const char *ref, int64_t *id);
/* The record's canonical bytes inside an event's bytes. 0 or BT_ECORRUPT. */
int bt_store__rec_bytes(const uint8_t *bytes, size_t len, const char **rec, size_t *rec_len);

/* ---- fact.c ---- */

/*
 * Fold every version of fact (kind, key) into its state and bring the
 * projections and the fact's findings up to date. `fresh` (may be NULL) is
 * an event just appended (decoded, local id fresh_id): when it is the
 * fact's only version nothing is read back. Cells whose findings may have
 * changed are added to s->dirty_cells.
 */
int bt_store__refold(bt_store *s, bt_kind kind, const char *key, const bt_event *fresh, int64_t fresh_id);
/* The current state of a fact: *event (0 when none), its record hash, its heads ("log#seq,..."), mallocs *heads. */
int bt_store__current(bt_store *s, bt_kind kind, const char *key, int64_t *event, uint8_t hash[BT_HASH_BYTES], char **heads);
/* The fact's current record (merged, or its latest version's), or *out NULL when none. */
int bt_store__current_record(bt_store *s, bt_kind kind, const char *key, bt_record **out);

/* ---- project.c ---- */

/* Write a fact's state (its latest version is `ref`, recorded at `ts`) into the projections. */
int bt_store__project(bt_store *s, const bt_record *state, const char *ts, const char *ref);
/* The integer surrogate of a member id (created on first use). */
int bt_store__member_key(bt_store *s, const char *member, int64_t *mid);
/* Note that `member` has been in `cell`; *added is 1 when that is new. */
int bt_store__member_cell(bt_store *s, const char *member, const char *cell, int *added);
/* Add every cell `member` has been in to the dirty cells. */
int bt_store__dirty_member(bt_store *s, const char *member);
/* Forget the cached member keys (after a rollback or a rebuild). */
void bt_store__mids_clear(bt_store *s);

/* ---- accept.c ---- */

/*
 * What log `log` may record: its scope (BT_SCOPE_*), and the cell when
 * BT_SCOPE_CELL. *out points into a cache that moves on the next call:
 * copy what you keep.
 */
int bt_store__log_scope(bt_store *s, const char *log, const bt_log_scope **out);
/* 1 when a device of `cell` may record `r` (it is about its cell or its cell's members), 0 when not, <0 error. */
int bt_store__in_scope(bt_store *s, const bt_record *r, const char *cell);
/* The member a member-bound record is about (dues, exemption...), or NULL. */
const char *bt_store__member_of(const bt_record *r);
/* Forget cached scopes (a device was added). */
void bt_store__scopes_clear(bt_store *s);

/* ---- findings.c ---- */

/* Recompute the findings of every dirty cell (called by bt_store__commit). */
int bt_store__refresh_findings(bt_store *s);
/* Write a finding (origin 0: of a cell, 1: of a fact's versions). */
int bt_store__finding_put(bt_store *s, const bt_finding *f, int origin);
/* Fill a finding's records from its facts' current versions when it has none. */
int bt_store__finding_refs(bt_store *s, bt_finding *f);
/* The ids of a cell's findings (origin 0), into set (appended). */
int bt_store__finding_ids(bt_store *s, const char *cell, bt_strset *set);

/* ---- snapshot.c ---- */

/* Call each with the records of every cell (cell_id NULL) or one, for `year` (0: all years). No transaction of its own. */
int bt_store__each_cell(bt_store *s, int year, const char *cell_id,
			int (*each)(const char *cell_id, const bt_record *const *records, size_t count, void *payload),
			void *payload);

/* ---- rebuild.c ---- */

/* Empty every projection (before a replay). */
int bt_store__clear_projections(bt_store *s);
/* Replay the whole log into the projections (inside a transaction). */
int bt_store__replay(bt_store *s, size_t *events);

#define BT_ATTENDANCE_SPOKE 4

#endif
