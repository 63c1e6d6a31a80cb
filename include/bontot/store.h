/*
 * bontot/store.h - the local store: an SQLite database holding the
 * append-only, hash-chained event log and the projection tables built from
 * it (docs/storage.md).
 *
 * Every change is an event: an import (bt_import_*) or a typed record
 * (bt_store_record) appends events to the store's own log, an accepted batch
 * (bt_store_accept, bontot/sync.h) another device's, and each is applied to
 * the projections in the same transaction. A store is used from one thread
 * at a time.
 */
#ifndef BONTOT_STORE_H
#define BONTOT_STORE_H

#include "bontot/event.h"
#include "bontot/findings.h"
#include "bontot/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bt_store bt_store;

typedef struct {
	int version;        /* BT_STORE_OPTS_VERSION */
	const char *log_id; /* bt_store_init: id of the new store's log; NULL: random "bt-<16 hex>" */
} bt_store_opts;

#define BT_STORE_OPTS_VERSION 1
#define BT_STORE_OPTS_INIT {BT_STORE_OPTS_VERSION, NULL}

/*
 * Create a new store at `path` (BT_EEXISTS if a file is there) with the
 * current schema and an empty log, and open it. Free with bt_store_free.
 */
int bt_store_init(bt_store **out, const char *path, const bt_store_opts *opts) BT_WARN_UNUSED;

/*
 * Open an existing store, migrating its schema forward if it is older.
 * BT_ENOTFOUND when there is no file, BT_ECORRUPT when it is not a bontot store.
 */
int bt_store_open(bt_store **out, const char *path) BT_WARN_UNUSED;

void bt_store_free(bt_store *store);

/*
 * How far long work is: called from inside the store while the findings of
 * the cells a transaction touched are brought up to date (stage "findings",
 * the cells done: an import's check and commit), a rebuild ("rebuild", the
 * events replayed) and an export ("export", the records written), every
 * 1024th item and at the last (done == total). `total` is 0 when unknown.
 * The callback must not use the store. NULL stops the reports.
 */
typedef void (*bt_progress_fn)(const char *stage, uint64_t done, uint64_t total, void *payload);
void bt_store_set_progress(bt_store *store, bt_progress_fn fn, void *payload);

/* The id of the store's own log. Borrowed, valid while the store is open. */
const char *bt_store_log_id(const bt_store *store);

/* ---- import ---- */

typedef struct {
	int version;              /* BT_IMPORT_OPTS_VERSION */
	const char *timestamp;    /* "YYYY-MM-DDTHH:MM:SSZ" written into each event (required) */
	const char *author;       /* who records (required) */
} bt_import_opts;

#define BT_IMPORT_OPTS_VERSION 1
#define BT_IMPORT_OPTS_INIT {BT_IMPORT_OPTS_VERSION, NULL, NULL}

typedef struct {
	size_t lines;     /* lines read, blank ones included */
	size_t records;   /* records seen */
	size_t added;     /* new facts */
	size_t changed;   /* facts that supersede an earlier version (kept in the log) */
	size_t unchanged; /* already recorded exactly so */
	size_t findings;  /* findings the import raised about records already in the store (docs/offline.md) */
	size_t error_line; /* the line of the error, 0 if none */
} bt_import_stats;

typedef struct bt_import bt_import;

/*
 * Start an import: one transaction that bt_import_commit makes durable and
 * bt_import_free (without commit) rolls back. Nothing is visible to others
 * and nothing is kept until commit; a crash before it leaves the store as it
 * was. One import at a time per store.
 *
 * The file is checked as a whole, against the store as it will be once the
 * whole file is applied: the order of its lines never matters (a member may
 * come after the meeting that names it). Each line is checked on its own as
 * it comes (bt_import_line); what needs other records is checked at the end
 * (bt_import_check, bt_import_commit).
 */
int bt_import_begin(bt_import **out, bt_store *store, const bt_import_opts *opts) BT_WARN_UNUSED;

/*
 * Feed the next line (without its newline; a trailing CR is ignored; blank
 * lines are skipped). A bad line returns BT_EINVALID with a message that
 * names the line and the field; after an error the import can only be freed.
 * A line {"kind":"finding","id":...} (bontot export writes them) accepts a
 * finding the file's records raise (docs/format.md).
 */
int bt_import_line(bt_import *imp, const char *text, size_t len) BT_WARN_UNUSED;

/*
 * Check the file as a whole, writing nothing yet: every record's
 * references exist (a cell's committee, a member's cell, the member of dues,
 * a transfer's cells...); no record raises a finding (bontot/findings.h) -
 * a mark for a member not in the cell that day, a member required at a
 * meeting without a mark, two meetings of a cell on one date, dues for a
 * month before joining - unless the file accepts it or it is settled; on an
 * enrolled tablet, every record is within its cell. Findings raised about
 * records already in the store (a transfer that makes an old meeting's mark
 * NOT_IN_CELL) do not stop the import: they are counted in stats->findings.
 * The first error (by line) is returned with its line and field.
 */
int bt_import_check(bt_import *imp, bt_import_stats *stats) BT_WARN_UNUSED;

/* bt_import_check, then commit. On failure nothing was kept. Stats are filled either way. */
int bt_import_commit(bt_import *imp, bt_import_stats *stats) BT_WARN_UNUSED;

/* Roll back anything not committed and free. Accepts NULL. */
void bt_import_free(bt_import *imp);

/* The running statistics of an import. */
void bt_import_get_stats(const bt_import *imp, bt_import_stats *stats);

/* ---- recording one fact ---- */

typedef enum {
	BT_RECORD_NEW = 1,   /* a new fact: refused (BT_EEXISTS) if one with the same key is recorded */
	BT_RECORD_CORRECTION /* a new version of a recorded fact: refused (BT_ENOTFOUND) if there is none */
} bt_record_mode;

/*
 * Record one fact as one event of the store's log, in its own transaction,
 * after the same checks as an import (references, required attendance,
 * the tablet's cell...). A correction supersedes the current version, which
 * stays in the log; it changes the fields in which it differs from the
 * current state (docs/offline.md). *event_id (may be NULL) receives the new
 * event's id, or 0 when a correction changed nothing. Returns 0, BT_EINVALID
 * / BT_ENOTFOUND (bad or dangling record, message names the field),
 * BT_EEXISTS, BT_EDENIED (outside this tablet's cell), BT_EIO.
 */
int bt_store_record(bt_store *store, const bt_record *rec, bt_record_mode mode, const bt_import_opts *opts,
		    int64_t *event_id) BT_WARN_UNUSED;

/* ---- reading facts ---- */

/*
 * The current member records of `cell_id` - its members after their last
 * transfer - (NULL: every member), in the Vietnamese order of their names
 * (bt_vi_name_compare), then by id. *out is an array of *count records;
 * free with bt_records_free.
 */
int bt_store_members(bt_store *store, const char *cell_id, bt_record ***out, size_t *count) BT_WARN_UNUSED;

/*
 * The ids of the members required at a meeting of `cell_id` on `date`: in
 * the cell that day and not exempt (bontot/membership.h). Sorted by id.
 * *out is an array of *count strings; free with bt_strings_free.
 */
int bt_store_required(bt_store *store, const char *cell_id, bt_date date, char ***out, size_t *count) BT_WARN_UNUSED;

/*
 * The ids of the members in `cell_id` on at least one day from `first` to
 * `last` (bontot/membership.h): who a month's dues are asked of. Sorted by
 * id; free with bt_strings_free.
 */
int bt_store_members_during(bt_store *store, const char *cell_id, bt_date first, bt_date last, char ***out,
			    size_t *count) BT_WARN_UNUSED;

/* The current record of a fact (kind and key, see docs/format.md), or BT_ENOTFOUND. Free with bt_record_free. */
int bt_store_get(bt_store *store, bt_kind kind, const char *key, bt_record **out) BT_WARN_UNUSED;

void bt_records_free(bt_record **records, size_t count);
void bt_strings_free(char **strings, size_t count);

/*
 * The to-do list of a cell on `date` (bontot/status.h) from the store's
 * records and holiday overrides. `rules` NULL: the default rule set.
 */
int bt_store_status(bt_status *out, bt_store *store, const char *cell_id, bt_date date, const bt_rules *rules) BT_WARN_UNUSED;

/* The ids of every cell, sorted. Free with bt_strings_free. */
int bt_store_cells(bt_store *store, char ***out, size_t *count) BT_WARN_UNUSED;

/* ---- the log ---- */

typedef struct {
	int64_t id;             /* local order */
	const char *log;        /* the log that wrote it, and its position there */
	int64_t seq;
	const char *ts;
	const char *author;
	bt_kind kind;
	const char *key;        /* the fact's identity within its kind */
	int64_t supersedes;     /* id of the version it replaced, 0 for a first version */
	const char *rec;        /* canonical record bytes (not NUL-terminated) */
	size_t rec_len;
	const char *prev_rec;   /* the replaced version's record bytes, NULL for a first version */
	size_t prev_rec_len;
} bt_log_entry;

/*
 * Call `each` for the events of the log, newest first, at most `limit` (0:
 * all). When `kind` is not 0 and `key` not NULL, only the versions of that
 * fact. Strings are borrowed for the call.
 */
int bt_store_log(bt_store *store, int64_t limit, bt_kind kind, const char *key,
		 int (*each)(const bt_log_entry *entry, void *payload), void *payload) BT_WARN_UNUSED;

/*
 * Call `each(seq, bytes, len, payload)` for the events of `log` from
 * `from_seq` on, in order, with their exact bytes (borrowed for the call).
 * `each` returns 0 to go on, 1 to stop, or a negative code.
 */
int bt_store_events(bt_store *store, const char *log, int64_t from_seq,
		    int (*each)(int64_t seq, const uint8_t *bytes, size_t len, void *payload), void *payload) BT_WARN_UNUSED;

/* ---- findings (bontot/findings.h, docs/offline.md) ---- */

typedef struct {
	int version;      /* BT_FINDINGS_QUERY_VERSION */
	const char *cell; /* NULL: every cell */
	int open_only;    /* 1: leave out the settled ones */
	int year;         /* not 0: findings dated in that year (up to `until`) and undated ones */
	bt_date until;    /* BT_DATE_NONE: 31 December */
} bt_findings_query;

#define BT_FINDINGS_QUERY_VERSION 1
#define BT_FINDINGS_QUERY_INIT {BT_FINDINGS_QUERY_VERSION, NULL, 0, 0, BT_DATE_NONE}

/*
 * Call `each` for the findings the store holds, by cell, the open ones
 * first, then by date, code and id (the same order on every replica).
 * The finding is borrowed for the call. `each` returns 0 to go on, 1 to stop.
 */
int bt_store_findings(bt_store *store, const bt_findings_query *query, int (*each)(const bt_finding *f, void *payload),
		      void *payload) BT_WARN_UNUSED;

/* The finding named by its id or the start of its short id (at least 4 hex digits). BT_ENOTFOUND, BT_EINVALID (ambiguous). */
int bt_store_finding_find(bt_store *store, const char *id, bt_finding *out) BT_WARN_UNUSED;

/* ---- export, rebuild, verification ---- */

/*
 * Write every current record in the interchange format, one line each, by
 * kind (committees, cells, members, transfers, ...), then by key - an order
 * fixed by the facts alone - and then the cell findings as "finding" lines
 * (docs/format.md). `write` returns 0 or a negative code to stop.
 */
int bt_store_export(bt_store *store, int (*write)(const char *data, size_t len, void *payload),
		    void *payload) BT_WARN_UNUSED;

/* One table a rebuild found different from what the log says. */
typedef struct {
	const char *table;   /* the table's name (static) */
	int64_t rows_before; /* its rows before the rebuild */
	int64_t rows_after;  /* and after */
} bt_rebuild_table;

#define BT_REBUILD_TABLES_MAX 32

typedef struct {
	size_t events;
	uint8_t before[BT_HASH_BYTES]; /* projection digest before */
	uint8_t after[BT_HASH_BYTES];  /* projection digest after */
	size_t n_differed;             /* tables whose contents differed (0: identical) */
	bt_rebuild_table differed[BT_REBUILD_TABLES_MAX];
} bt_rebuild_stats;

/*
 * Check the whole log (each event's bytes against its hash, the chain of
 * prev hashes, canonical encoding), then drop the projections and replay the
 * log into them, in one transaction. BT_ECORRUPT (and nothing changed) if the
 * log does not verify. The tables that differed, with their row counts
 * before and after, are in stats and, with every table's count before, in
 * the store's rebuild history (table rebuild_log, docs/storage.md), written
 * in the same transaction. Reports progress (stage "rebuild", events).
 */
int bt_store_rebuild(bt_store *store, bt_rebuild_stats *stats) BT_WARN_UNUSED;

/* SHA-256 over the contents of every projection table, in a fixed order. */
int bt_store_projection_digest(bt_store *store, uint8_t out[BT_HASH_BYTES]) BT_WARN_UNUSED;

/* Number of events in the log. */
int bt_store_event_count(bt_store *store, int64_t *out) BT_WARN_UNUSED;

/* ---- evaluation ---- */

/* A calendar with the store's holiday overrides applied. Free with bt_calendar_free. */
int bt_store_calendar(bt_store *store, bt_calendar **out) BT_WARN_UNUSED;

/*
 * Evaluate every cell (sorted by id), or only `cell_id` when not NULL, calling
 * `each` with each result (borrowed for the call). opts->calendar NULL: the
 * store's calendar. Every table is read once into a compact snapshot
 * (docs/storage.md, "Reading for the evaluation"), then one cell's records
 * at a time are assembled from it: memory grows with the store, not only
 * with one cell.
 */
int bt_store_evaluate(bt_store *store, const bt_eval_opts *opts, const char *cell_id,
		      int (*each)(const bt_cell_result *result, void *payload), void *payload) BT_WARN_UNUSED;
/*
 * The evaluation as JSON (docs/evaluation.md): head, every cell (or the
 * one), tail - the bytes the office serves and signs receipts for. opts->rules is required.
 */
int bt_store_evaluation_json(bt_buf *out, bt_store *store, const bt_eval_opts *opts, const char *cell_id) BT_WARN_UNUSED;

/*
 * Call `each` for every cell (sorted by id), or only `cell_id` when not NULL,
 * with that cell's records for `year` (as bt_store_load_cell gives them;
 * borrowed for the call). The store is read once, in one snapshot.
 */
int bt_store_each_cell(bt_store *store, int year, const char *cell_id,
		       int (*each)(const char *cell_id, const bt_record *const *records, size_t count, void *payload),
		       void *payload) BT_WARN_UNUSED;

/*
 * Load every current record about one cell for `year` (0: all years): the
 * cell, its members and their exemptions, dues, commitments, discipline and
 * attestations, its meetings with attendance and speakers, targets,
 * regulations and its own attestations - exactly what bt_store_evaluate
 * gives bt_eval_cell. Fields the evaluation does not read (titles, notes,
 * exemption reasons, dues amounts) are left NULL / 0. Free with
 * bt_cell_records_free.
 */
typedef struct bt_cell_records bt_cell_records;
int bt_store_load_cell(bt_cell_records **out, bt_store *store, const char *cell_id, int year) BT_WARN_UNUSED;

/* The loaded records (borrowed until bt_cell_records_free; never bt_record_free them). */
const bt_record *const *bt_cell_records_list(const bt_cell_records *records, size_t *count);

void bt_cell_records_free(bt_cell_records *records);

#ifdef __cplusplus
}
#endif
#endif
