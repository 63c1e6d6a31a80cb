/*
 * export.c - write the current version of every fact in the interchange
 * format. The line is the record's canonical bytes taken verbatim from its
 * event (never re-encoded), so export -> import into an empty store
 * reproduces the same facts, and re-importing into the same store changes
 * nothing.
 */
#include "error.h"
#include "i18n.h"
#include "store_internal.h"

#include <string.h>

int bt_store_export(bt_store *s, int (*write)(const char *data, size_t len, void *payload), void *payload)
{
	static const char marker[] = ",\"rec\":";
	sqlite3_stmt *st = NULL;
	int err = 0, rc;
	/* Dependency order is the kind order; within a kind, the order facts were recorded. */
	if (sqlite3_prepare_v2(s->db,
			       /* Transfers right after members: meetings of a member's former cell need them. */
			       "SELECT e.id, e.bytes FROM current c JOIN event e ON e.id = c.event"
			       " ORDER BY CASE WHEN c.kind = ?1 THEN 3.5 ELSE c.kind END, e.id",
			       -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("reading the store"));
	sqlite3_bind_int(st, 1, (int)BT_KIND_TRANSFER);
	/* One read transaction: a consistent snapshot even if another process writes meanwhile. */
	if ((err = bt_store__exec(s, "BEGIN")) < 0)
		goto done;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *bytes = sqlite3_column_blob(st, 1);
		size_t len = (size_t)sqlite3_column_bytes(st, 1);
		const char *rec = NULL;
		for (size_t i = 0; bytes && i + sizeof(marker) - 1 < len; i++)
			if (memcmp(bytes + i, marker, sizeof(marker) - 1) == 0) {
				rec = bytes + i + sizeof(marker) - 1;
				break;
			}
		if (!rec || bytes[len - 1] != '}') {
			err = bt__error_set(BT_ECORRUPT, BT_("event number %lld is damaged"), (long long)sqlite3_column_int64(st, 0));
			break;
		}
		size_t n = (size_t)(bytes + len - 1 - rec);
		if ((err = write(rec, n, payload)) < 0 || (err = write("\n", 1, payload)) < 0)
			break;
	}
	if (err == 0 && rc != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("reading the store"));
	sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
done:
	sqlite3_finalize(st);
	return err;
}

static const char *rec_of(const char *bytes, size_t len, size_t *rec_len)
{
	static const char marker[] = ",\"rec\":";
	for (size_t i = 0; bytes && i + sizeof(marker) - 1 < len; i++)
		if (memcmp(bytes + i, marker, sizeof(marker) - 1) == 0) {
			const char *rec = bytes + i + sizeof(marker) - 1;
			*rec_len = (size_t)(bytes + len - 1 - rec);
			return rec;
		}
	return NULL;
}

/*
 * Fill a log entry from a row whose columns are kind, key, then at `col`
 * id, log, seq, bytes; ev holds the decoded event the entry borrows from.
 */
static int entry_of(bt_log_entry *e, bt_event *ev, sqlite3_stmt *st, int col)
{
	const uint8_t *bytes = sqlite3_column_blob(st, col + 3);
	size_t len = (size_t)sqlite3_column_bytes(st, col + 3);
	memset(e, 0, sizeof(*e));
	e->id = sqlite3_column_int64(st, col);
	e->log = (const char *)sqlite3_column_text(st, col + 1);
	e->seq = sqlite3_column_int64(st, col + 2);
	e->kind = (bt_kind)sqlite3_column_int(st, 0);
	e->key = (const char *)sqlite3_column_text(st, 1);
	if (bt_event_decode(ev, bytes, len) < 0)
		return bt__error_set(BT_ECORRUPT, BT_("event number %lld: %s"), (long long)e->id, bt_error_last());
	e->ts = ev->ts;
	e->author = ev->author;
	e->rec = rec_of((const char *)bytes, len, &e->rec_len);
	return 0;
}

int bt_store_log(bt_store *s, int64_t limit, bt_kind kind, const char *key,
		 int (*each)(const bt_log_entry *entry, void *payload), void *payload)
{
	sqlite3_stmt *st = NULL, *prev = NULL;
	int err = 0, rc;
	const char *sql = key ? "SELECT kind, key, id, log, seq, bytes FROM event WHERE kind = ?2 AND key = ?3 ORDER BY id DESC LIMIT ?1"
			      : "SELECT kind, key, id, log, seq, bytes FROM event ORDER BY id DESC LIMIT ?1";
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db,
			       "SELECT id, bytes FROM event WHERE kind = ?1 AND key = ?2 AND id < ?3 ORDER BY id DESC LIMIT 1",
			       -1, &prev, NULL) != SQLITE_OK) {
		err = bt_store__db_error(s, BT_EIO, BT_("reading the log"));
		goto done;
	}
	sqlite3_bind_int64(st, 1, limit > 0 ? limit : -1);
	if (key) {
		sqlite3_bind_int(st, 2, (int)kind);
		sqlite3_bind_text(st, 3, key, -1, SQLITE_STATIC);
	}
	if ((err = bt_store__exec(s, "BEGIN")) < 0)
		goto done;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		bt_log_entry e;
		bt_event ev;
		memset(&ev, 0, sizeof(ev));
		if ((err = entry_of(&e, &ev, st, 2)) < 0)
			break;
		sqlite3_bind_int(prev, 1, (int)e.kind);
		sqlite3_bind_text(prev, 2, e.key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(prev, 3, e.id);
		if (sqlite3_step(prev) == SQLITE_ROW) {
			e.supersedes = sqlite3_column_int64(prev, 0);
			e.prev_rec = rec_of(sqlite3_column_blob(prev, 1), (size_t)sqlite3_column_bytes(prev, 1), &e.prev_rec_len);
		}
		err = each(&e, payload);
		sqlite3_reset(prev);
		bt_event_clear(&ev);
		if (err < 0)
			break;
	}
	if (err == 0 && rc != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("reading the log"));
	sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
done:
	sqlite3_finalize(st);
	sqlite3_finalize(prev);
	return err;
}

int bt_store_conflicts(bt_store *s, int all,
		       int (*each)(const bt_log_entry *kept, const bt_log_entry *lost, int settled, void *payload),
		       void *payload)
{
	/* Settled: a later event of the same fact that did not itself lose, after both. */
	static const char sql[] =
		"SELECT c.kind, c.key, w.id, w.log, w.seq, w.bytes, l.id, l.log, l.seq, l.bytes,"
		"  EXISTS(SELECT 1 FROM event e WHERE e.kind = c.kind AND e.key = c.key AND e.id > max(c.event, c.winner)"
		"         AND e.id NOT IN (SELECT event FROM conflict)) AS settled"
		" FROM conflict c JOIN event w ON w.id = c.winner JOIN event l ON l.id = c.event ORDER BY c.event";
	sqlite3_stmt *st = NULL;
	int err = 0, rc;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("reading the log"));
	if ((err = bt_store__exec(s, "BEGIN")) < 0)
		goto done;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		bt_log_entry kept, lost;
		bt_event ek, el;
		int settled = sqlite3_column_int(st, 10);
		if (settled && !all)
			continue;
		memset(&ek, 0, sizeof(ek));
		memset(&el, 0, sizeof(el));
		if ((err = entry_of(&kept, &ek, st, 2)) == 0 && (err = entry_of(&lost, &el, st, 6)) == 0)
			err = each(&kept, &lost, settled, payload);
		bt_event_clear(&ek);
		bt_event_clear(&el);
		if (err != 0)
			break;
	}
	if (err == 0 && rc != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("reading the log"));
	sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
done:
	sqlite3_finalize(st);
	return err < 0 ? err : 0;
}

int bt_store_events(bt_store *s, const char *log, int64_t from_seq,
		    int (*each)(int64_t seq, const uint8_t *bytes, size_t len, void *payload), void *payload)
{
	sqlite3_stmt *st = NULL;
	int err = 0, rc;
	if (sqlite3_prepare_v2(s->db, "SELECT seq, bytes FROM event WHERE log = ?1 AND seq >= ?2 ORDER BY seq", -1, &st,
			       NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("reading the log"));
	sqlite3_bind_text(st, 1, log, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, from_seq);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		err = each(sqlite3_column_int64(st, 0), sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1),
			   payload);
		if (err)
			break;
	}
	if (err == 0 && rc != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("reading the log"));
	sqlite3_finalize(st);
	return err < 0 ? err : 0;
}
