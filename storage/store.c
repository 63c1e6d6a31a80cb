/*
 * store.c - opening, creating and closing stores; the prepared statements
 * (one table, prepared once with SQLITE_PREPARE_PERSISTENT and reused);
 * the settings kept in the meta table.
 */
#include "error.h"
#include "i18n.h"
#include "sha256.h"
#include "store_internal.h"

#include <openssl/rand.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>

static const struct {
	size_t offset;
	const char *sql;
} statements[] = {
#define S(field, sql) {offsetof(bt_store_stmts, field), sql}
	/* ---- the log (log.c) ---- */
	S(ev_insert, "INSERT INTO event(log, seq, hash, kind, key, bytes) VALUES(?1, ?2, ?3, ?4, ?5, ?6)"),
	S(ev_versions, "SELECT id, bytes FROM event WHERE kind = ?1 AND key = ?2 ORDER BY id"),
	S(ev_bytes, "SELECT bytes FROM event WHERE id = ?1"),
	S(ev_other, "SELECT 1 FROM event WHERE kind = ?1 AND key = ?2 AND id <> ?3 LIMIT 1"),
	S(ev_by_ref, "SELECT id FROM event WHERE log = ?1 AND seq = ?2"),
	S(ev_head, "SELECT seq, hash FROM event WHERE log = ?1 ORDER BY seq DESC LIMIT 1"),
	S(ev_count, "SELECT count(*) FROM event"),
	S(ev_hash_at, "SELECT hash FROM event WHERE log = ?1 AND seq = ?2"),
	/* ---- facts (fact.c) ---- */
	S(cur_get, "SELECT event, rec_hash, heads, merged FROM current WHERE kind = ?1 AND key = ?2"),
	S(cur_put, "INSERT OR REPLACE INTO current(kind, key, event, rec_hash, heads, merged) VALUES(?1, ?2, ?3, ?4, ?5, ?6)"),
	S(cur_ref, "SELECT e.log, e.seq FROM current c JOIN event e ON e.id = c.event WHERE c.kind = ?1 AND c.key = ?2"),
	/* ---- projections (project.c) ---- */
	S(mk_get, "SELECT mid FROM member_key WHERE id = ?1"),
	S(mk_put, "INSERT INTO member_key(id) VALUES(?1)"),
	S(mc_put, "INSERT OR IGNORE INTO member_cell(member, cell) VALUES(?1, ?2)"),
	S(mc_has, "SELECT 1 FROM member_cell WHERE member = ?1 AND cell = ?2"),
	S(mc_cells, "SELECT cell FROM member_cell WHERE member = ?1"),
	S(committee_exists, "SELECT 1 FROM committee WHERE id = ?1"),
	S(cell_exists, "SELECT 1 FROM cell WHERE id = ?1"),
	S(member_row, "SELECT m.joined, m.left FROM member m JOIN member_key k ON k.mid = m.mid WHERE k.id = ?1"),
	S(up_committee, "INSERT INTO committee(id, name) VALUES(?1, ?2) ON CONFLICT(id) DO UPDATE SET name = excluded.name"),
	S(up_cell, "INSERT INTO cell(id, committee, name) VALUES(?1, ?2, ?3)"
		   " ON CONFLICT(id) DO UPDATE SET committee = excluded.committee, name = excluded.name"),
	S(up_member, "INSERT OR REPLACE INTO member(mid, cell, name, born, status, role, joined, left)"
		     " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
	S(up_exemption, "INSERT OR REPLACE INTO exemption(member, from_date, to_date, reason) VALUES(?1, ?2, ?3, ?4)"),
	S(up_holiday, "INSERT OR REPLACE INTO holiday(date, working, note) VALUES(?1, ?2, ?3)"),
	S(up_regulation, "INSERT OR IGNORE INTO regulation(cell, issued) VALUES(?1, ?2)"),
	S(up_target, "INSERT OR REPLACE INTO target(id, cell, year, title, done) VALUES(?1, ?2, ?3, ?4, ?5)"),
	S(up_commitment, "INSERT OR REPLACE INTO commitment(id, member, year, title, fulfilled) VALUES(?1, ?2, ?3, ?4, ?5)"),
	S(up_meeting, "INSERT INTO meeting(id, cell, date, start, end, flags, ts, ref) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
		      " ON CONFLICT(id) DO UPDATE SET cell = excluded.cell, date = excluded.date, start = excluded.start,"
		      " end = excluded.end, flags = excluded.flags, ts = excluded.ts, ref = excluded.ref"),
	S(meeting_mtid, "SELECT mtid FROM meeting WHERE id = ?1"),
	S(mark_delete, "DELETE FROM mark WHERE meeting = ?1"),
	S(mark_insert, "INSERT INTO mark(meeting, member, status, spoke) VALUES(?1, ?2, ?3, ?4)"),
	S(up_dues, "INSERT OR REPLACE INTO dues(member, month, amount, paid_on) VALUES(?1, ?2, ?3, ?4)"),
	S(up_dues_month, "INSERT OR REPLACE INTO dues_month(cell, month, amount, paid_on, members, ts, ref)"
			 " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
	S(dmm_delete, "DELETE FROM dues_month_member WHERE cell = ?1 AND month = ?2"),
	S(dmm_insert, "INSERT OR IGNORE INTO dues_month_member(member, cell, month) VALUES(?1, ?2, ?3)"),
	S(up_discipline, "INSERT OR REPLACE INTO discipline(member, date, form) VALUES(?1, ?2, ?3)"),
	S(up_attestation, "INSERT OR REPLACE INTO attestation(subject, year, criterion, pass, note) VALUES(?1, ?2, ?3, ?4, ?5)"),
	S(up_transfer, "INSERT OR REPLACE INTO transfer(member, date, from_cell, to_cell, note) VALUES(?1, ?2, ?3, ?4, ?5)"),
	S(up_settle, "INSERT OR REPLACE INTO settle(finding, cell, note) VALUES(?1, ?2, ?3)"),
	S(member_transfers, "SELECT date, from_cell, to_cell FROM transfer WHERE member = ?1 ORDER BY date"),
	/* ---- findings (findings.c, fact.c) ---- */
	S(f_delete_cell, "DELETE FROM finding WHERE cell = ?1 AND origin = 0"),
	S(f_delete_fact, "DELETE FROM finding WHERE kind = ?1 AND key = ?2 AND origin = 1"),
	S(f_insert, "INSERT OR REPLACE INTO finding(fid, cell, code, kind, key, other_kind, other_key, member, date, field,"
		    " device, refs, origin, resolved) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"),
	S(f_facts_of_member, "SELECT DISTINCT kind, key FROM finding WHERE member = ?1 AND origin = 1"),
	S(f_oos_of, "SELECT DISTINCT kind, key FROM finding WHERE member = ?1 AND cell = ?2 AND origin = 1 AND code = ?3"),
	S(f_fids_of_cell, "SELECT fid FROM finding WHERE cell = ?1 AND origin = 0"),
	/* The findings, the open ones first; ?1 a cell or NULL, ?2 open only, ?3 a year (0: all) up to the date ?4. */
	S(f_list, "SELECT f.fid, f.cell, f.code, f.kind, f.key, f.other_kind, f.other_key, f.member, f.date, f.field, f.device,"
		  "  f.refs, t.note, f.resolved FROM finding f LEFT JOIN settle t ON t.finding = f.fid"
		  " WHERE (?1 IS NULL OR f.cell = ?1) AND (?2 = 0 OR (t.note IS NULL AND f.resolved = 0))"
		  "  AND (?3 = 0 OR f.date IS NULL OR f.date BETWEEN ?3 * 10000 + 101 AND ?4)"
		  " ORDER BY f.cell, t.note IS NOT NULL OR f.resolved, f.date IS NULL, f.date, f.code, f.fid"),
#undef S
};

int bt_store__prepare(bt_store *s)
{
	for (size_t i = 0; i < sizeof(statements) / sizeof(statements[0]); i++) {
		sqlite3_stmt **slot = (sqlite3_stmt **)((char *)&s->st + statements[i].offset);
		if (sqlite3_prepare_v3(s->db, statements[i].sql, -1, SQLITE_PREPARE_PERSISTENT, slot, NULL) != SQLITE_OK)
			return bt_store__db_error(s, BT_EIO, BT_("preparing a statement"));
	}
	return 0;
}

void bt_store__finalize(bt_store *s)
{
	for (int i = 0; i < s->n_snap; i++)
		sqlite3_finalize(s->snap[i].st);
	s->n_snap = 0;
	for (size_t i = 0; i < sizeof(statements) / sizeof(statements[0]); i++) {
		sqlite3_stmt **slot = (sqlite3_stmt **)((char *)&s->st + statements[i].offset);
		sqlite3_finalize(*slot);
		*slot = NULL;
	}
}

void bt_store_set_progress(bt_store *s, bt_progress_fn fn, void *payload)
{
	s->progress = fn;
	s->progress_payload = payload;
}

void bt_store__progress(bt_store *s, const char *stage, uint64_t done, uint64_t total)
{
	if (s->progress && ((done & 1023) == 0 || done == total))
		s->progress(stage, done, total, s->progress_payload);
}

void bt_store_free(bt_store *s)
{
	if (!s)
		return;
	bt_store__finalize(s);
	sqlite3_close_v2(s->db);
	bt_strset_free(&s->dirty_cells);
	bt_strset_free(&s->pending_oos);
	bt_strset_free(&s->dirty_members);
	bt_strset_free(&s->in_scope);
	bt_strmap_free(&s->mids);
	free(s->scopes.v);
	free(s);
}

const char *bt_store_log_id(const bt_store *s) { return s->log_id; }

int bt_store__load_head(bt_store *s)
{
	sqlite3_stmt *st = s->st.ev_head;
	int err = 0, r;
	s->head_seq = 0;
	memset(s->head_hash, 0, sizeof(s->head_hash));
	sqlite3_bind_text(st, 1, s->log_id, -1, SQLITE_STATIC);
	if ((r = bt_store__step_row(s, st, N_("reading the log"))) < 0)
		return r;
	if (r == 1) {
		if (sqlite3_column_bytes(st, 1) != BT_HASH_BYTES)
			err = bt__error_set(BT_ECORRUPT, BT_("damaged log: a hash of the wrong length"));
		else {
			s->head_seq = sqlite3_column_int64(st, 0);
			memcpy(s->head_hash, sqlite3_column_blob(st, 1), BT_HASH_BYTES);
		}
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
	return err;
}

static int open_db(bt_store **out, const char *path, int create, int *needs_rebuild)
{
	bt_store *s = calloc(1, sizeof(*s));
	int err = 0;
	*out = NULL;
	if (!s)
		return bt__oom();
	/* One thread uses a store at a time (store.h): no mutexes. */
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		err = bt_store__db_error(s, BT_EIO, BT_("opening the store"));
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, 5000);
	/* A file that is not SQLite fails here, on first read. */
	if ((err = bt_store__exec(s, "PRAGMA journal_mode = WAL")) < 0) {
		err = bt__error_set(BT_ECORRUPT, BT_("the file \"%s\" is not a bontot store (%s)"), path, bt_error_last());
		goto fail;
	}
	if ((err = bt_store__exec(s, "PRAGMA synchronous = FULL")) < 0 || (err = bt_store__migrate(s, needs_rebuild)) < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	bt_store_free(s);
	return err;
}

int bt_store_open(bt_store **out, const char *path)
{
	struct stat sb;
	bt_store *s = NULL;
	int err, rebuild = 0;
	char id[BT_LOG_ID_MAX_BYTES + 8];
	*out = NULL;
	if (stat(path, &sb) != 0)
		return bt__error_set(BT_ENOTFOUND, BT_("there is no store \"%s\" (run: bontot init)"), path);
	if ((err = open_db(&s, path, 0, &rebuild)) < 0)
		return err;
	if ((err = bt_store__prepare(s)) < 0)
		goto fail;
	if ((err = bt_store_setting(s, "log_id", id, sizeof(id))) < 0 || strlen(id) > BT_LOG_ID_MAX_BYTES) {
		err = bt__error_set(BT_ECORRUPT, BT_("the store has no log id"));
		goto fail;
	}
	bt__copy_utf8(s->log_id, sizeof(s->log_id), id);
	if ((err = bt_store__load_head(s)) < 0)
		goto fail;
	if (rebuild) {
		/* A store from before offline-first: its tables come back from its log, which stays as it was. */
		bt_rebuild_stats rs;
		if ((err = bt_store_rebuild(s, &rs)) < 0)
			goto fail;
	}
	*out = s;
	return 0;
fail:
	bt_store_free(s);
	return err;
}

int bt_store_init(bt_store **out, const char *path, const bt_store_opts *opts)
{
	struct stat sb;
	bt_store *s = NULL;
	char log_id[BT_LOG_ID_MAX_BYTES + 1];
	int err, rebuild = 0;
	*out = NULL;
	if (opts && opts->version != BT_STORE_OPTS_VERSION)
		return bt__error_set(BT_EINVALID, BT_("invalid store options"));
	if (stat(path, &sb) == 0)
		return bt__error_set(BT_EEXISTS, BT_("the file \"%s\" exists; not overwriting it"), path);
	if (opts && opts->log_id) {
		if (strlen(opts->log_id) == 0 || strlen(opts->log_id) > BT_LOG_ID_MAX_BYTES ||
		    strspn(opts->log_id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") !=
			    strlen(opts->log_id))
			return bt__error_set(BT_EINVALID, BT_("invalid log id \"%.64s\""), opts->log_id);
		snprintf(log_id, sizeof(log_id), "%s", opts->log_id);
	} else {
		uint8_t rnd[8];
		char hex[17];
		if (RAND_bytes(rnd, sizeof(rnd)) != 1)
			return bt__error_set(BT_ERROR, BT_("cannot generate random bytes"));
		bt__hex(hex, rnd, sizeof(rnd));
		snprintf(log_id, sizeof(log_id), "bt-%s", hex);
	}
	if ((err = open_db(&s, path, 1, &rebuild)) < 0)
		goto fail;
	if ((err = bt_store__prepare(s)) < 0 || (err = bt_store_set_setting(s, "log_id", log_id)) < 0)
		goto fail;
	snprintf(s->log_id, sizeof(s->log_id), "%s", log_id);
	*out = s;
	return 0;
fail:
	bt_store_free(s);
	if (err != BT_EEXISTS)
		remove(path);
	return err;
}

void bt_store__now(char out[BT_TIMESTAMP_BYTES])
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, BT_TIMESTAMP_BYTES, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int bt_store_setting(bt_store *s, const char *name, char *out, size_t size)
{
	sqlite3_stmt *st = NULL;
	int err = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = ?1", -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("reading the settings"));
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		bt__copy_utf8(out, size, (const char *)sqlite3_column_text(st, 0));
	else
		err = bt__error_set(BT_ENOTFOUND, BT_("setting \"%s\" is not set"), name);
	sqlite3_finalize(st);
	return err;
}

int bt_store_set_setting(bt_store *s, const char *name, const char *value)
{
	sqlite3_stmt *st = NULL;
	int err = 0;
	char before[BT_ID_MAX_BYTES + 1] = "";
	int own_cell = strcmp(name, "cell") == 0;
	if (own_cell && bt_store_setting(s, name, before, sizeof(before)) < 0)
		bt_error_clear();
	if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)", -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("writing the settings"));
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("writing the settings"));
	sqlite3_finalize(st);
	/* The store's own cell decides what its own log may record: what it holds is folded again. */
	bt_store__scopes_clear(s);
	if (err == 0 && own_cell && strcmp(before, value) != 0 && s->head_seq > 0 && !s->in_tx) {
		bt_rebuild_stats rs;
		err = bt_store_rebuild(s, &rs);
	}
	return err;
}
