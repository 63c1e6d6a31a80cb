/*
 * schema.c - the database schema, versioned (PRAGMA user_version) and
 * migrated forward in one transaction. Each entry of `migrations` takes the
 * schema from version i to i + 1; entries are never edited once released,
 * only appended. Documented in docs/storage.md.
 */
#include "error.h"
#include "i18n.h"
#include "store_internal.h"

#include <stdio.h>

#define BT_APPLICATION_ID 0x626f6e74 /* "bont" */

static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	/* The log: append-only. id is the local order in which events were applied. */
	"CREATE TABLE event("
	"  id INTEGER PRIMARY KEY,"
	"  log TEXT NOT NULL, seq INTEGER NOT NULL, hash BLOB NOT NULL,"
	"  kind INTEGER NOT NULL, key TEXT NOT NULL, bytes BLOB NOT NULL,"
	"  UNIQUE(log, seq));"
	"CREATE TRIGGER event_no_update BEFORE UPDATE ON event"
	"  BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;"
	"CREATE TRIGGER event_no_delete BEFORE DELETE ON event"
	"  BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;"
	/* The current version of each fact: (kind, key) -> event, and a hash of its record. */
	"CREATE TABLE current(kind INTEGER NOT NULL, key TEXT NOT NULL, event INTEGER NOT NULL,"
	"  rec_hash BLOB NOT NULL, PRIMARY KEY(kind, key)) WITHOUT ROWID;"
	/* Projections. Dates are INTEGER YYYYMMDD, months YYYYMM. */
	"CREATE TABLE committee(id TEXT PRIMARY KEY, name TEXT NOT NULL);"
	"CREATE TABLE cell(id TEXT PRIMARY KEY, committee TEXT NOT NULL, name TEXT NOT NULL);"
	"CREATE TABLE member(mid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, cell TEXT NOT NULL,"
	"  name TEXT NOT NULL, born INTEGER, status INTEGER NOT NULL, role INTEGER NOT NULL,"
	"  joined INTEGER NOT NULL, left INTEGER);"
	"CREATE INDEX member_cell ON member(cell, id);"
	"CREATE TABLE exemption(member TEXT NOT NULL, from_date INTEGER NOT NULL, to_date INTEGER,"
	"  reason TEXT, PRIMARY KEY(member, from_date)) WITHOUT ROWID;"
	"CREATE TABLE holiday(date INTEGER PRIMARY KEY, working INTEGER NOT NULL, note TEXT);"
	"CREATE TABLE regulation(cell TEXT NOT NULL, issued INTEGER NOT NULL,"
	"  PRIMARY KEY(cell, issued)) WITHOUT ROWID;"
	"CREATE TABLE target(id TEXT PRIMARY KEY, cell TEXT NOT NULL, year INTEGER NOT NULL,"
	"  title TEXT NOT NULL, done INTEGER);"
	"CREATE INDEX target_cell ON target(cell, year);"
	"CREATE TABLE commitment(id TEXT PRIMARY KEY, member TEXT NOT NULL, year INTEGER NOT NULL,"
	"  title TEXT NOT NULL, fulfilled INTEGER);"
	"CREATE INDEX commitment_member ON commitment(member, year);"
	"CREATE TABLE meeting(mtid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, cell TEXT NOT NULL,"
	"  date INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL, flags INTEGER NOT NULL);"
	"CREATE INDEX meeting_cell ON meeting(cell, date);"
	/* status: 0 present, 1 excused, 2 absent; plus 4 when the member spoke. */
	"CREATE TABLE attendance(meeting INTEGER NOT NULL REFERENCES meeting(mtid),"
	"  member INTEGER NOT NULL REFERENCES member(mid), status INTEGER NOT NULL,"
	"  PRIMARY KEY(meeting, member)) WITHOUT ROWID;"
	"CREATE TABLE dues(member INTEGER NOT NULL REFERENCES member(mid), month INTEGER NOT NULL,"
	"  amount INTEGER NOT NULL, paid_on INTEGER NOT NULL, PRIMARY KEY(member, month)) WITHOUT ROWID;"
	"CREATE TABLE discipline(member TEXT NOT NULL, date INTEGER NOT NULL, form TEXT NOT NULL,"
	"  PRIMARY KEY(member, date)) WITHOUT ROWID;"
	"CREATE TABLE attestation(subject TEXT NOT NULL, year INTEGER NOT NULL, criterion TEXT NOT NULL,"
	"  pass INTEGER NOT NULL, note TEXT, PRIMARY KEY(subject, year, criterion)) WITHOUT ROWID;"
	"CREATE INDEX attestation_year ON attestation(year, subject);",
	/* 1 -> 2: find the versions of one fact in the log (bontot log, corrections). */
	"CREATE INDEX event_fact ON event(kind, key, id);",
	/* 2 -> 3: transfers between cells (bontot's extension of SPEC 5): the history of a member's cell. */
	"CREATE TABLE transfer(member TEXT NOT NULL, date INTEGER NOT NULL, from_cell TEXT NOT NULL,"
	"  to_cell TEXT NOT NULL, note TEXT, PRIMARY KEY(member, date)) WITHOUT ROWID;"
	"CREATE INDEX transfer_from ON transfer(from_cell);"
	"CREATE INDEX transfer_to ON transfer(to_cell);",
	/* 3 -> 4: devices enrolled at the office, and versions that lost to a concurrent one (DESIGN 5, 7). */
	"CREATE TABLE device(id TEXT PRIMARY KEY, cell TEXT NOT NULL, role TEXT NOT NULL, public_key TEXT NOT NULL,"
	"  revoked INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE conflict(event INTEGER PRIMARY KEY, winner INTEGER NOT NULL, kind INTEGER NOT NULL, key TEXT NOT NULL);",
	/* 4 -> 5: one-time enrollment codes (only their hash is kept). */
	("CREATE TABLE enroll_code(code_hash BLOB PRIMARY KEY, cell TEXT NOT NULL, role TEXT NOT NULL,"
	 "  expires INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"),
};

#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

static int pragma_int(bt_store *s, const char *sql, int *out)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = sqlite3_column_int(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_OK ? 0 : bt_store__db_error(s, BT_EIO, BT_("reading the database settings"));
}

int bt_store__migrate(bt_store *s)
{
	int version = 0, app = 0, err;
	char sql[64];
	if ((err = pragma_int(s, "PRAGMA user_version", &version)) < 0 ||
	    (err = pragma_int(s, "PRAGMA application_id", &app)) < 0)
		return err;
	if (version > SCHEMA_VERSION)
		return bt__error_set(BT_ECORRUPT, BT_("the store has schema version %d, newer than this program (%d)"), version,
				     SCHEMA_VERSION);
	if (version > 0 && app != BT_APPLICATION_ID)
		return bt__error_set(BT_ECORRUPT, BT_("the file is not a bontot store"));
	if (version == SCHEMA_VERSION)
		return 0;
	if ((err = bt_store__exec(s, "BEGIN IMMEDIATE")) < 0)
		return err;
	for (int v = version; v < SCHEMA_VERSION; v++)
		if ((err = bt_store__exec(s, migrations[v])) < 0)
			goto fail;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", SCHEMA_VERSION);
	if ((err = bt_store__exec(s, sql)) < 0)
		goto fail;
	snprintf(sql, sizeof(sql), "PRAGMA application_id = %d", BT_APPLICATION_ID);
	if ((err = bt_store__exec(s, sql)) < 0 || (err = bt_store__exec(s, "COMMIT")) < 0)
		goto fail;
	return 0;
fail:
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return err;
}
