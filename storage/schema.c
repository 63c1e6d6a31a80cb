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
	/* 2 -> 3: transfers between cells (bontot's extension of the interchange format): the history of a member's cell. */
	"CREATE TABLE transfer(member TEXT NOT NULL, date INTEGER NOT NULL, from_cell TEXT NOT NULL,"
	"  to_cell TEXT NOT NULL, note TEXT, PRIMARY KEY(member, date)) WITHOUT ROWID;"
	"CREATE INDEX transfer_from ON transfer(from_cell);"
	"CREATE INDEX transfer_to ON transfer(to_cell);",
	/* 3 -> 4: devices enrolled at the office, and versions that lost to a concurrent one (docs/protocol.md). */
	"CREATE TABLE device(id TEXT PRIMARY KEY, cell TEXT NOT NULL, role TEXT NOT NULL, public_key TEXT NOT NULL,"
	"  revoked INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE conflict(event INTEGER PRIMARY KEY, winner INTEGER NOT NULL, kind INTEGER NOT NULL, key TEXT NOT NULL);",
	/* 4 -> 5: one-time enrollment codes (only their hash is kept). */
	("CREATE TABLE enroll_code(code_hash BLOB PRIMARY KEY, cell TEXT NOT NULL, role TEXT NOT NULL,"
	 "  expires INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"),
	/*
	 * 5 -> 6: offline-first (docs/offline.md). Projections become a function
	 * of the set of events: facts merged field by field from their versions,
	 * members and meetings keyed by interned integers that never reach the
	 * digest, marks that may name members this store does not know, dues
	 * months, settled findings, and the findings themselves. The old
	 * projections are dropped and rebuilt from the log when the store opens.
	 */
	("DROP TABLE IF EXISTS attendance; DROP TABLE IF EXISTS dues; DROP TABLE IF EXISTS meeting;"
	 "DROP TABLE IF EXISTS member; DROP TABLE IF EXISTS committee; DROP TABLE IF EXISTS cell;"
	 "DROP TABLE IF EXISTS exemption; DROP TABLE IF EXISTS holiday; DROP TABLE IF EXISTS regulation;"
	 "DROP TABLE IF EXISTS target; DROP TABLE IF EXISTS commitment; DROP TABLE IF EXISTS discipline;"
	 "DROP TABLE IF EXISTS attestation; DROP TABLE IF EXISTS transfer; DROP TABLE IF EXISTS conflict;"
	 "DROP TABLE IF EXISTS current;"
	 /* The state of each fact: its latest version that counts, the versions no other has seen, the merged record. */
	 "CREATE TABLE current(kind INTEGER NOT NULL, key TEXT NOT NULL, event INTEGER NOT NULL, rec_hash BLOB NOT NULL,"
	 "  heads TEXT NOT NULL, merged BLOB, PRIMARY KEY(kind, key)) WITHOUT ROWID;"
	 "CREATE TABLE member_key(mid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE);"
	 /* Every cell a member has been in, by an applied version of the member or a transfer: who a device may write about. */
	 "CREATE TABLE member_cell(member TEXT NOT NULL, cell TEXT NOT NULL, PRIMARY KEY(member, cell)) WITHOUT ROWID;"
	 "CREATE INDEX member_cell_cell ON member_cell(cell);"
	 "CREATE TABLE committee(id TEXT PRIMARY KEY, name TEXT NOT NULL);"
	 "CREATE TABLE cell(id TEXT PRIMARY KEY, committee TEXT NOT NULL, name TEXT NOT NULL);"
	 "CREATE TABLE member(mid INTEGER PRIMARY KEY, cell TEXT NOT NULL, name TEXT NOT NULL, born INTEGER,"
	 "  status INTEGER NOT NULL, role INTEGER NOT NULL, joined INTEGER NOT NULL, left INTEGER);"
	 "CREATE TABLE exemption(member TEXT NOT NULL, from_date INTEGER NOT NULL, to_date INTEGER, reason TEXT,"
	 "  PRIMARY KEY(member, from_date)) WITHOUT ROWID;"
	 "CREATE TABLE holiday(date INTEGER PRIMARY KEY, working INTEGER NOT NULL, note TEXT);"
	 "CREATE TABLE regulation(cell TEXT NOT NULL, issued INTEGER NOT NULL, PRIMARY KEY(cell, issued)) WITHOUT ROWID;"
	 "CREATE TABLE target(id TEXT PRIMARY KEY, cell TEXT NOT NULL, year INTEGER NOT NULL, title TEXT NOT NULL, done INTEGER);"
	 "CREATE INDEX target_cell ON target(cell, year);"
	 "CREATE TABLE commitment(id TEXT PRIMARY KEY, member TEXT NOT NULL, year INTEGER NOT NULL, title TEXT NOT NULL,"
	 "  fulfilled INTEGER);"
	 "CREATE INDEX commitment_member ON commitment(member, year);"
	 "CREATE TABLE meeting(mtid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, cell TEXT NOT NULL, date INTEGER NOT NULL,"
	 "  start INTEGER NOT NULL, end INTEGER NOT NULL, flags INTEGER NOT NULL, ts TEXT NOT NULL, ref TEXT NOT NULL);"
	 "CREATE INDEX meeting_cell ON meeting(cell, date);"
	 /* status 0 present, 1 excused, 2 absent, NULL for a speaker without a mark; spoke 0/1. */
	 "CREATE TABLE mark(meeting INTEGER NOT NULL, member INTEGER NOT NULL, status INTEGER, spoke INTEGER NOT NULL,"
	 "  PRIMARY KEY(meeting, member)) WITHOUT ROWID;"
	 "CREATE TABLE dues(member INTEGER NOT NULL, month INTEGER NOT NULL, amount INTEGER NOT NULL, paid_on INTEGER NOT NULL,"
	 "  PRIMARY KEY(member, month)) WITHOUT ROWID;"
	 /* members: the listed ids separated by tabs. */
	 "CREATE TABLE dues_month(cell TEXT NOT NULL, month INTEGER NOT NULL, amount INTEGER NOT NULL, paid_on INTEGER NOT NULL,"
	 "  members TEXT NOT NULL, ts TEXT NOT NULL, ref TEXT NOT NULL, PRIMARY KEY(cell, month)) WITHOUT ROWID;"
	 "CREATE TABLE dues_month_member(member INTEGER NOT NULL, cell TEXT NOT NULL, month INTEGER NOT NULL,"
	 "  PRIMARY KEY(member, cell, month)) WITHOUT ROWID;"
	 "CREATE INDEX dues_month_member_cell ON dues_month_member(cell, month);"
	 "CREATE TABLE discipline(member TEXT NOT NULL, date INTEGER NOT NULL, form TEXT NOT NULL,"
	 "  PRIMARY KEY(member, date)) WITHOUT ROWID;"
	 "CREATE TABLE attestation(subject TEXT NOT NULL, year INTEGER NOT NULL, criterion TEXT NOT NULL, pass INTEGER NOT NULL,"
	 "  note TEXT, PRIMARY KEY(subject, year, criterion)) WITHOUT ROWID;"
	 "CREATE INDEX attestation_year ON attestation(year, subject);"
	 "CREATE TABLE transfer(member TEXT NOT NULL, date INTEGER NOT NULL, from_cell TEXT NOT NULL, to_cell TEXT NOT NULL,"
	 "  note TEXT, PRIMARY KEY(member, date)) WITHOUT ROWID;"
	 "CREATE TABLE settle(finding TEXT PRIMARY KEY, cell TEXT NOT NULL, note TEXT NOT NULL) WITHOUT ROWID;"
	 /*
	  * origin 0: found in a cell's records (recomputed per cell); 1: about a fact's versions (recomputed
	  * per fact). resolved: a later version saw both sides of a CONCURRENT_CHANGE (settled by a correction).
	  */
	 "CREATE TABLE finding(fid TEXT PRIMARY KEY, cell TEXT NOT NULL, code INTEGER NOT NULL, kind INTEGER NOT NULL,"
	 "  key TEXT NOT NULL, other_kind INTEGER NOT NULL, other_key TEXT NOT NULL, member TEXT NOT NULL, date INTEGER,"
	 "  field TEXT NOT NULL, device TEXT NOT NULL, refs TEXT NOT NULL, origin INTEGER NOT NULL,"
	 "  resolved INTEGER NOT NULL) WITHOUT ROWID;"
	 "CREATE INDEX finding_cell ON finding(cell, origin);"
	 "CREATE INDEX finding_fact ON finding(kind, key, origin);"
	 "CREATE INDEX finding_member ON finding(member, origin);"
	 /* Replay protection for a device's signed requests that does not depend on its clock. */
	 "ALTER TABLE device ADD COLUMN last_counter INTEGER NOT NULL DEFAULT 0;"),
	/* 6 -> 7: what each rebuild found: every table's rows before it, and the tables that differed (JSON). */
	"CREATE TABLE rebuild_log(id INTEGER PRIMARY KEY, at TEXT NOT NULL, events INTEGER NOT NULL, tables TEXT NOT NULL);",
	/* 7 -> 8: the office's staff accounts, their bearer tokens (SHA-256 only), and who read what (bontot/staff.h). */
	"CREATE TABLE staff(name TEXT PRIMARY KEY, role TEXT NOT NULL, kdf TEXT NOT NULL, salt BLOB NOT NULL, hash BLOB NOT NULL,"
	"  created TEXT NOT NULL);"
	"CREATE TABLE staff_token(hash BLOB PRIMARY KEY, name TEXT NOT NULL, created TEXT NOT NULL, revoked INTEGER NOT NULL);"
	"CREATE TABLE access_log(id INTEGER PRIMARY KEY, at TEXT NOT NULL, who TEXT NOT NULL, what TEXT NOT NULL);",
	/* 8 -> 9: the transparency log's full subtrees of height 8, 16... (bontot/tlog.h), a cache of what the events say. */
	"CREATE TABLE tlog_hash(height INTEGER NOT NULL, idx INTEGER NOT NULL, hash BLOB NOT NULL, PRIMARY KEY(height, idx))"
	"  WITHOUT ROWID;",
	/* 9 -> 10: the tablets' cosignatures of the checkpoint of each tree size (docs/audit.md), served with it. */
	"CREATE TABLE tlog_cosig(size INTEGER NOT NULL, device TEXT NOT NULL, line TEXT NOT NULL, PRIMARY KEY(size, device))"
	"  WITHOUT ROWID;",
	/* 10 -> 11: the signed evaluation receipts the office published (docs/audit.md). */
	"CREATE TABLE receipt(id INTEGER PRIMARY KEY, at TEXT NOT NULL, note TEXT NOT NULL);",
	/*
	 * 11 -> 12: what an auditor's bundle needs (docs/audit.md): the signed
	 * head of every batch this store took (the device's signature over
	 * its chain), where in the transparency log each device's key became
	 * valid and stopped being so, and the evaluations published (by their
	 * SHA-256, once each).
	 */
	("CREATE TABLE head_sig(log TEXT NOT NULL, seq INTEGER NOT NULL, signer TEXT NOT NULL, sig BLOB NOT NULL,"
	 "  PRIMARY KEY(log, seq, signer)) WITHOUT ROWID;"
	 "ALTER TABLE device ADD COLUMN enrolled_size INTEGER;"
	 "ALTER TABLE device ADD COLUMN revoked_size INTEGER;"
	 "CREATE TABLE published(hash BLOB PRIMARY KEY, body BLOB NOT NULL) WITHOUT ROWID;"),
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

int bt_store__migrate(bt_store *s, int *needs_rebuild)
{
	int version = 0, app = 0, err;
	*needs_rebuild = 0;
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
	/* A store that had projections before version 6 gets them back from its log. */
	*needs_rebuild = version > 0 && version < 6;
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
