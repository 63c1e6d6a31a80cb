/*
 * log.c - the event log (docs/storage.md, "The log is the truth"): append
 * an event with its exact bytes, read events back, list the history.
 * The log has no UPDATE and no DELETE: triggers refuse both.
 */
#include "error.h"
#include "i18n.h"
#include "store_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int bt_store__append(bt_store *s, const bt_event *ev, const uint8_t *bytes, size_t len, int64_t *event_id)
{
	sqlite3_stmt *st = s->st.ev_insert;
	int err;
	sqlite3_bind_text(st, 1, ev->log, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, ev->seq);
	sqlite3_bind_blob(st, 3, ev->hash, BT_HASH_BYTES, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, (int)ev->rec->kind);
	sqlite3_bind_text(st, 5, ev->rec->key, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 6, bytes, (int)len, SQLITE_STATIC);
	if ((err = bt_store__step_done(s, st, N_("writing the log"))) < 0)
		return err;
	int64_t id = sqlite3_last_insert_rowid(s->db);
	if (event_id)
		*event_id = id;
	return bt_store__refold(s, ev->rec->kind, ev->rec->key, ev, id);
}

int bt_store__event_by_id(bt_store *s, int64_t id, bt_event *ev)
{
	sqlite3_stmt *st = s->st.ev_bytes;
	int r, err;
	sqlite3_bind_int64(st, 1, id);
	if ((r = bt_store__step_row(s, st, N_("reading the log"))) <= 0)
		return r < 0 ? r : bt__error_set(BT_ECORRUPT, BT_("event number %lld is missing"), (long long)id);
	err = bt_event_decode(ev, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (err < 0)
		return bt__error_set(BT_ECORRUPT, BT_("event number %lld: %s"), (long long)id, bt_error_last());
	return 0;
}

int bt_store__event_id_of_ref(bt_store *s, const char *ref, int64_t *id)
{
	sqlite3_stmt *st = s->st.ev_by_ref;
	size_t log_len;
	int64_t seq;
	int r;
	*id = 0;
	if (!bt_ref_parse(ref, &log_len, &seq))
		return 0;
	sqlite3_bind_text(st, 1, ref, (int)log_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, seq);
	if ((r = bt_store__step_row(s, st, N_("reading the log"))) <= 0)
		return r;
	*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return 0;
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

int bt_store_log_head(bt_store *s, const char *log, int64_t *seq)
{
	sqlite3_stmt *st = s->st.ev_head;
	int r;
	*seq = 0;
	sqlite3_bind_text(st, 1, log, -1, SQLITE_STATIC);
	if ((r = bt_store__step_row(s, st, N_("reading the log"))) <= 0)
		return r;
	*seq = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return 0;
}

int bt_store_logs(bt_store *s, int (*each)(const char *log, int64_t head_seq, void *payload), void *payload)
{
	sqlite3_stmt *st = NULL;
	int err = 0, rc;
	if (sqlite3_prepare_v2(s->db, "SELECT log, max(seq) FROM event GROUP BY log ORDER BY log", -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("reading the log"));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((err = each((const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1), payload)) != 0)
			break;
	if (err == 0 && rc != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("reading the log"));
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

/* The record's bytes inside an event's bytes (after the envelope's ,"rec":). */
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

int bt_store__rec_bytes(const uint8_t *bytes, size_t len, const char **rec, size_t *rec_len)
{
	*rec = rec_of((const char *)bytes, len, rec_len);
	return *rec && len && bytes[len - 1] == '}' ? 0 : BT_ECORRUPT;
}

/* Fill a log entry from a row: kind, key, id, log, seq, bytes from column `col`; ev holds what it borrows. */
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
