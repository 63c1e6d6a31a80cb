/*
 * store.c - opening and creating stores, the prepared statements, log
 * verification, rebuild and the projection digest.
 */
#include "error.h"
#include "i18n.h"
#include "sha256.h"
#include "store_internal.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int bt_store__db_error(bt_store *s, int code, const char *what)
{
	return bt__error_set(code, "%s: %s", what, s && s->db ? sqlite3_errmsg(s->db) : BT_("cannot open"));
}

int bt_store__exec(bt_store *s, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int code = sqlite3_errcode(s->db) == SQLITE_FULL ? BT_EIO : BT_EIO;
		bt__error_set(code, BT_("database error: %s"), msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return code;
	}
	return 0;
}

int64_t bt_store__date_int(bt_date d)
{
	int y, m, day;
	bt_date_to_ymd(d, &y, &m, &day);
	return (int64_t)y * 10000 + m * 100 + day;
}

bt_date bt_store__int_date(int64_t v) { return bt_date_from_ymd((int)(v / 10000), (int)(v / 100 % 100), (int)(v % 100)); }

int bt_store__bind_text(sqlite3_stmt *st, int i, const char *s)
{
	return s ? sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC) : sqlite3_bind_null(st, i);
}

int bt_store__bind_date(sqlite3_stmt *st, int i, bt_date d)
{
	return d == BT_DATE_NONE ? sqlite3_bind_null(st, i) : sqlite3_bind_int64(st, i, bt_store__date_int(d));
}

int bt_store__step_done(bt_store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return bt_store__db_error(s, BT_EIO, what);
	return 0;
}

static const struct {
	size_t offset;
	const char *sql;
} statements[] = {
#define S(field, sql) {offsetof(bt_store_stmts, field), sql}
	S(ev_insert, "INSERT INTO event(log, seq, hash, kind, key, bytes) VALUES(?1, ?2, ?3, ?4, ?5, ?6)"),
	S(cur_get, "SELECT event, rec_hash FROM current WHERE kind = ?1 AND key = ?2"),
	S(cur_put, "INSERT OR REPLACE INTO current(kind, key, event, rec_hash) VALUES(?1, ?2, ?3, ?4)"),
	S(committee_exists, "SELECT 1 FROM committee WHERE id = ?1"),
	S(cell_exists, "SELECT 1 FROM cell WHERE id = ?1"),
	S(member_get, "SELECT mid, cell, joined, left FROM member WHERE id = ?1"),
	/*
	 * Members of a cell on a date, with whether an exemption covers that date. A member's cell on a
	 * date: the "to" of its last transfer on or before it, else the "from" of its first later one,
	 * else its current cell. Candidates come from the indexes (current cell, transfers).
	 */
	S(cell_members_on, "SELECT m.mid, m.id, EXISTS(SELECT 1 FROM exemption e WHERE e.member = m.id"
			   " AND e.from_date <= ?2 AND (e.to_date IS NULL OR e.to_date >= ?2))"
			   " FROM member m WHERE m.id IN (SELECT id FROM member WHERE cell = ?1"
			   "   UNION SELECT member FROM transfer WHERE from_cell = ?1 UNION SELECT member FROM transfer WHERE to_cell = ?1)"
			   " AND m.joined <= ?2 AND (m.left IS NULL OR m.left > ?2)"
			   " AND COALESCE((SELECT t.to_cell FROM transfer t WHERE t.member = m.id AND t.date <= ?2 ORDER BY t.date DESC LIMIT 1),"
			   "   (SELECT t.from_cell FROM transfer t WHERE t.member = m.id AND t.date > ?2 ORDER BY t.date LIMIT 1),"
			   "   m.cell) = ?1"
			   " ORDER BY m.id"),
	S(meeting_mtid, "SELECT mtid FROM meeting WHERE id = ?1"),
	S(att_delete, "DELETE FROM attendance WHERE meeting = ?1"),
	S(att_insert, "INSERT INTO attendance(meeting, member, status) VALUES(?1, ?2, ?3)"),
	S(up_committee, "INSERT INTO committee(id, name) VALUES(?1, ?2)"
			" ON CONFLICT(id) DO UPDATE SET name = excluded.name"),
	S(up_cell, "INSERT INTO cell(id, committee, name) VALUES(?1, ?2, ?3)"
		   " ON CONFLICT(id) DO UPDATE SET committee = excluded.committee, name = excluded.name"),
	S(up_member, "INSERT INTO member(id, cell, name, born, status, role, joined, left)"
		     " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(id) DO UPDATE SET cell = excluded.cell,"
		     " name = excluded.name, born = excluded.born, status = excluded.status, role = excluded.role,"
		     " joined = excluded.joined, left = excluded.left"),
	S(up_exemption, "INSERT INTO exemption(member, from_date, to_date, reason) VALUES(?1, ?2, ?3, ?4)"
			" ON CONFLICT(member, from_date) DO UPDATE SET to_date = excluded.to_date,"
			" reason = excluded.reason"),
	S(up_holiday, "INSERT INTO holiday(date, working, note) VALUES(?1, ?2, ?3)"
		      " ON CONFLICT(date) DO UPDATE SET working = excluded.working, note = excluded.note"),
	S(up_regulation, "INSERT OR IGNORE INTO regulation(cell, issued) VALUES(?1, ?2)"),
	S(up_target, "INSERT INTO target(id, cell, year, title, done) VALUES(?1, ?2, ?3, ?4, ?5)"
		     " ON CONFLICT(id) DO UPDATE SET cell = excluded.cell, year = excluded.year,"
		     " title = excluded.title, done = excluded.done"),
	S(up_commitment, "INSERT INTO commitment(id, member, year, title, fulfilled) VALUES(?1, ?2, ?3, ?4, ?5)"
			 " ON CONFLICT(id) DO UPDATE SET member = excluded.member, year = excluded.year,"
			 " title = excluded.title, fulfilled = excluded.fulfilled"),
	S(up_meeting, "INSERT INTO meeting(id, cell, date, start, end, flags) VALUES(?1, ?2, ?3, ?4, ?5, ?6)"
		      " ON CONFLICT(id) DO UPDATE SET cell = excluded.cell, date = excluded.date,"
		      " start = excluded.start, end = excluded.end, flags = excluded.flags"),
	S(up_dues, "INSERT INTO dues(member, month, amount, paid_on) VALUES(?1, ?2, ?3, ?4)"
		   " ON CONFLICT(member, month) DO UPDATE SET amount = excluded.amount, paid_on = excluded.paid_on"),
	S(up_discipline, "INSERT INTO discipline(member, date, form) VALUES(?1, ?2, ?3)"
			 " ON CONFLICT(member, date) DO UPDATE SET form = excluded.form"),
	S(up_transfer, "INSERT INTO transfer(member, date, from_cell, to_cell, note) VALUES(?1, ?2, ?3, ?4, ?5)"
		       " ON CONFLICT(member, date) DO UPDATE SET from_cell = excluded.from_cell, to_cell = excluded.to_cell,"
		       " note = excluded.note"),
	S(event_bytes, "SELECT bytes FROM event WHERE id = ?1"),
	S(conflict_put, "INSERT OR REPLACE INTO conflict(event, winner, kind, key) VALUES(?1, ?2, ?3, ?4)"),
	S(up_attestation, "INSERT INTO attestation(subject, year, criterion, pass, note) VALUES(?1, ?2, ?3, ?4, ?5)"
			  " ON CONFLICT(subject, year, criterion) DO UPDATE SET pass = excluded.pass,"
			  " note = excluded.note"),
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
	for (size_t i = 0; i < sizeof(statements) / sizeof(statements[0]); i++) {
		sqlite3_stmt **slot = (sqlite3_stmt **)((char *)&s->st + statements[i].offset);
		sqlite3_finalize(*slot);
		*slot = NULL;
	}
}

void bt_store_free(bt_store *s)
{
	if (!s)
		return;
	bt_store__finalize(s);
	sqlite3_close_v2(s->db);
	free(s->members.slots);
	free(s);
}

const char *bt_store_log_id(const bt_store *s) { return s->log_id; }

static int load_head(bt_store *s)
{
	sqlite3_stmt *st = NULL;
	int err = 0;
	s->head_seq = 0;
	memset(s->head_hash, 0, sizeof(s->head_hash));
	if (sqlite3_prepare_v2(s->db, "SELECT seq, hash FROM event WHERE log = ?1 ORDER BY seq DESC LIMIT 1", -1, &st,
			       NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("reading the log"));
	sqlite3_bind_text(st, 1, s->log_id, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 1) != BT_HASH_BYTES)
			err = bt__error_set(BT_ECORRUPT, BT_("damaged log: a hash of the wrong length"));
		else {
			s->head_seq = sqlite3_column_int64(st, 0);
			memcpy(s->head_hash, sqlite3_column_blob(st, 1), BT_HASH_BYTES);
		}
	} else if (rc != SQLITE_DONE) {
		err = bt_store__db_error(s, BT_EIO, BT_("reading the log"));
	}
	sqlite3_finalize(st);
	return err;
}

static int open_db(bt_store **out, const char *path, int create)
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
	if ((err = bt_store__exec(s, "PRAGMA foreign_keys = ON")) < 0)
		goto fail;
	/* A file that is not SQLite fails here, on first read. */
	if ((err = bt_store__exec(s, "PRAGMA journal_mode = WAL")) < 0) {
		err = bt__error_set(BT_ECORRUPT, BT_("the file \"%s\" is not a bontot store (%s)"), path, bt_error_last());
		goto fail;
	}
	if ((err = bt_store__exec(s, "PRAGMA synchronous = FULL")) < 0 || (err = bt_store__migrate(s)) < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	bt_store_free(s);
	return err;
}

static int read_meta(bt_store *s)
{
	sqlite3_stmt *st = NULL;
	int err = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = 'log_id'", -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("reading the settings"));
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) <= BT_LOG_ID_MAX_BYTES)
		snprintf(s->log_id, sizeof(s->log_id), "%s", (const char *)sqlite3_column_text(st, 0));
	else
		err = bt__error_set(BT_ECORRUPT, BT_("the store has no log id"));
	sqlite3_finalize(st);
	return err;
}

int bt_store_open(bt_store **out, const char *path)
{
	struct stat sb;
	bt_store *s = NULL;
	int err;
	*out = NULL;
	if (stat(path, &sb) != 0)
		return bt__error_set(BT_ENOTFOUND, BT_("there is no store \"%s\" (run: bontot init)"), path);
	if ((err = open_db(&s, path, 0)) < 0)
		return err;
	if ((err = read_meta(s)) < 0 || (err = load_head(s)) < 0 || (err = bt_store__prepare(s)) < 0) {
		bt_store_free(s);
		return err;
	}
	*out = s;
	return 0;
}

int bt_store_init(bt_store **out, const char *path, const bt_store_opts *opts)
{
	struct stat sb;
	bt_store *s = NULL;
	sqlite3_stmt *st = NULL;
	char log_id[BT_LOG_ID_MAX_BYTES + 1];
	int err;
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
	if ((err = open_db(&s, path, 1)) < 0)
		goto fail;
	if (sqlite3_prepare_v2(s->db, "INSERT INTO meta(key, value) VALUES('log_id', ?1)", -1, &st, NULL) != SQLITE_OK) {
		err = bt_store__db_error(s, BT_EIO, BT_("writing the settings"));
		goto fail;
	}
	sqlite3_bind_text(st, 1, log_id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		err = bt_store__db_error(s, BT_EIO, BT_("writing the settings"));
		goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;
	snprintf(s->log_id, sizeof(s->log_id), "%s", log_id);
	if ((err = bt_store__prepare(s)) < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	sqlite3_finalize(st);
	bt_store_free(s);
	if (err != BT_EEXISTS)
		remove(path);
	return err;
}

int bt_store_event_count(bt_store *s, int64_t *out)
{
	sqlite3_stmt *st = NULL;
	int err = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM event", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		err = bt_store__db_error(s, BT_EIO, BT_("counting events"));
	else
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return err;
}

/* Projection tables in digest and rebuild order (children after parents). */
static const struct {
	const char *name, *order;
} projections[] = {
	{"committee", "id"},		  {"cell", "id"},		{"member", "mid"},
	{"exemption", "member, from_date"}, {"holiday", "date"},	{"regulation", "cell, issued"},
	{"target", "id"},		  {"commitment", "id"},		{"meeting", "mtid"},
	{"attendance", "meeting, member"}, {"dues", "member, month"},
	{"discipline", "member, date"},	  {"attestation", "subject, year, criterion"},
	{"transfer", "member, date"},	  {"conflict", "event"},
	{"current", "kind, key"},
};
#define N_PROJECTIONS (sizeof(projections) / sizeof(projections[0]))

int bt_store_projection_digest(bt_store *s, uint8_t out[BT_HASH_BYTES])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int err = 0;
	if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		return bt__error_set(BT_ERROR, BT_("SHA-256 failed"));
	}
	for (size_t t = 0; t < N_PROJECTIONS && err == 0; t++) {
		char sql[160];
		sqlite3_stmt *st = NULL;
		snprintf(sql, sizeof(sql), "SELECT * FROM %s ORDER BY %s", projections[t].name, projections[t].order);
		if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
			err = bt_store__db_error(s, BT_EIO, BT_("reading a table"));
			break;
		}
		EVP_DigestUpdate(md, projections[t].name, strlen(projections[t].name) + 1);
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			int n = sqlite3_column_count(st);
			for (int i = 0; i < n; i++) {
				/* Type tag, 8-byte length, bytes: unambiguous. */
				unsigned char tag = (unsigned char)sqlite3_column_type(st, i);
				const void *p = NULL;
				uint64_t len = 0;
				char num[32];
				if (tag == SQLITE_INTEGER) {
					len = (uint64_t)snprintf(num, sizeof(num), "%lld", (long long)sqlite3_column_int64(st, i));
					p = num;
				} else if (tag != SQLITE_NULL) {
					p = sqlite3_column_blob(st, i);
					len = (uint64_t)sqlite3_column_bytes(st, i);
				}
				EVP_DigestUpdate(md, &tag, 1);
				EVP_DigestUpdate(md, &len, sizeof(len));
				if (len)
					EVP_DigestUpdate(md, p, len);
			}
		}
		if (rc != SQLITE_DONE)
			err = bt_store__db_error(s, BT_EIO, BT_("reading a table"));
		sqlite3_finalize(st);
	}
	unsigned int n = 0;
	if (err == 0 && EVP_DigestFinal_ex(md, out, &n) != 1)
		err = bt__error_set(BT_ERROR, BT_("SHA-256 failed"));
	EVP_MD_CTX_free(md);
	return err;
}

int bt_store_rebuild(bt_store *s, bt_rebuild_stats *stats)
{
	sqlite3_stmt *st = NULL;
	int err, rc;
	memset(stats, 0, sizeof(*stats));
	if (s->in_import)
		return bt__error_set(BT_EINVALID, BT_("an import is in progress"));
	if ((err = bt_store_projection_digest(s, stats->before)) < 0)
		return err;
	if ((err = bt_store__exec(s, "BEGIN IMMEDIATE")) < 0)
		return err;
	for (size_t t = N_PROJECTIONS; t-- > 0;) {
		char sql[64];
		snprintf(sql, sizeof(sql), "DELETE FROM %s", projections[t].name);
		if ((err = bt_store__exec(s, sql)) < 0)
			goto fail;
	}
	/* Emptied tables hand out rowids from 1 again, so replay assigns the same mid / mtid. */
	if (sqlite3_prepare_v2(s->db, "SELECT id, log, seq, hash, kind, key, bytes FROM event ORDER BY id", -1, &st,
			       NULL) != SQLITE_OK) {
		err = bt_store__db_error(s, BT_EIO, BT_("reading the log"));
		goto fail;
	}
	/* Chain state per log: logs are few, keep a small table. */
	struct chain {
		char log[BT_LOG_ID_MAX_BYTES + 1];
		int64_t seq;
		uint8_t hash[BT_HASH_BYTES];
	} *chains = NULL;
	size_t n_chains = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		bt_event ev;
		int64_t id = sqlite3_column_int64(st, 0);
		const uint8_t *bytes = sqlite3_column_blob(st, 6);
		size_t len = (size_t)sqlite3_column_bytes(st, 6);
		if ((err = bt_event_decode(&ev, bytes, len)) < 0) {
			err = bt__error_set(BT_ECORRUPT, BT_("event number %lld: %s"), (long long)id, bt_error_last());
			break;
		}
		struct chain *c = NULL;
		for (size_t i = 0; i < n_chains; i++)
			if (strcmp(chains[i].log, ev.log) == 0)
				c = &chains[i];
		if (!c) {
			struct chain *nc = realloc(chains, (n_chains + 1) * sizeof(*nc));
			if (!nc) {
				bt_event_clear(&ev);
				err = bt__oom();
				break;
			}
			chains = nc;
			c = &chains[n_chains++];
			memset(c, 0, sizeof(*c));
			snprintf(c->log, sizeof(c->log), "%s", ev.log);
		}
		if (ev.seq != c->seq + 1 || memcmp(ev.prev, c->hash, BT_HASH_BYTES) != 0 ||
		    sqlite3_column_bytes(st, 3) != BT_HASH_BYTES ||
		    memcmp(sqlite3_column_blob(st, 3), ev.hash, BT_HASH_BYTES) != 0 ||
		    strcmp((const char *)sqlite3_column_text(st, 1), ev.log) != 0 || sqlite3_column_int64(st, 2) != ev.seq) {
			err = bt__error_set(BT_ECORRUPT, BT_("damaged log at event number %lld (%s #%lld): the hash chain does not match"),
					    (long long)id, ev.log, (long long)ev.seq);
			bt_event_clear(&ev);
			break;
		}
		c->seq = ev.seq;
		memcpy(c->hash, ev.hash, BT_HASH_BYTES);
		err = bt_store__apply_ordered(s, ev.rec, id, ev.ts, ev.log, ev.seq, NULL);
		bt_event_clear(&ev);
		if (err < 0)
			break;
		stats->events++;
	}
	free(chains);
	if (err == 0 && rc != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("reading the log"));
	sqlite3_finalize(st);
	st = NULL;
	if (err < 0)
		goto fail;
	if ((err = bt_store__exec(s, "COMMIT")) < 0)
		goto fail;
	bt_store__members_clear(s);
	return bt_store_projection_digest(s, stats->after);
fail:
	sqlite3_finalize(st);
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	bt_store__members_clear(s);
	return err;
}
