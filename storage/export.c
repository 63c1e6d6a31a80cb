/*
 * export.c - write the current state of every fact in the interchange
 * format (docs/format.md). A fact whose state is its latest version's
 * record is written with those bytes, taken verbatim from its event; a
 * state merged from several versions with its merged canonical bytes. The
 * order is fixed by the facts alone (kind, then key), so two replicas with
 * the same facts export the same file. The cell findings are written last
 * as {"kind":"finding"...} lines: importing the file into an empty store
 * accepts them again, so a store's export always imports.
 */
#include "error.h"
#include "i18n.h"
#include "store_internal.h"

#include <string.h>

/* Kinds in the order a person reads a file: who, then what happened. */
static const int kind_order[] = {BT_KIND_COMMITTEE, BT_KIND_CELL,	   BT_KIND_MEMBER,     BT_KIND_TRANSFER,
				 BT_KIND_EXEMPTION, BT_KIND_HOLIDAY,	   BT_KIND_REGULATION, BT_KIND_TARGET,
				 BT_KIND_COMMITMENT, BT_KIND_MEETING,	   BT_KIND_DUES,       BT_KIND_DUES_MONTH,
				 BT_KIND_DISCIPLINE, BT_KIND_ATTESTATION, BT_KIND_SETTLE};

int bt_store_export(bt_store *s, int (*write)(const char *data, size_t len, void *payload), void *payload)
{
	sqlite3_stmt *st = NULL;
	int err = 0, rc = SQLITE_DONE;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT e.id, e.bytes, c.merged FROM current c JOIN event e ON e.id = c.event"
			       " WHERE c.kind = ?1 ORDER BY c.key",
			       -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("reading the store"));
	/* One read transaction: a consistent snapshot even if another process writes meanwhile. */
	if ((err = bt_store__exec(s, "BEGIN")) < 0)
		goto done;
	uint64_t total = 0, written = 0;
	sqlite3_stmt *count = NULL;
	if (s->progress && sqlite3_prepare_v2(s->db, "SELECT count(*) FROM current", -1, &count, NULL) == SQLITE_OK &&
	    sqlite3_step(count) == SQLITE_ROW)
		total = (uint64_t)sqlite3_column_int64(count, 0);
	sqlite3_finalize(count);
	for (size_t k = 0; k < sizeof(kind_order) / sizeof(kind_order[0]) && err == 0; k++) {
		sqlite3_bind_int(st, 1, kind_order[k]);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			const char *rec;
			size_t n;
			if (sqlite3_column_type(st, 2) != SQLITE_NULL) {
				rec = sqlite3_column_blob(st, 2);
				n = (size_t)sqlite3_column_bytes(st, 2);
			} else if (bt_store__rec_bytes(sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1), &rec, &n) < 0) {
				err = bt__error_set(BT_ECORRUPT, BT_("event number %lld is damaged"), (long long)sqlite3_column_int64(st, 0));
				break;
			}
			if ((err = write(rec, n, payload)) < 0 || (err = write("\n", 1, payload)) < 0)
				break;
			bt_store__progress(s, "export", ++written, total);
		}
		if (err == 0 && rc != SQLITE_DONE)
			err = bt_store__db_error(s, BT_EIO, BT_("reading the store"));
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (err == 0 && sqlite3_prepare_v2(s->db, "SELECT fid, cell, code FROM finding WHERE origin = 0 ORDER BY fid", -1, &st, NULL) !=
			    SQLITE_OK)
		err = bt_store__db_error(s, BT_EIO, BT_("reading the findings"));
	while (err == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		bt_buf b;
		bt_buf_init(&b, 0);
		bt_buf_puts(&b, "{\"cell\":");
		bt_buf_json_string(&b, (const char *)sqlite3_column_text(st, 1));
		bt_buf_printf(&b, ",\"code\":\"%s\",\"id\":", bt_finding_code_name((bt_finding_code)sqlite3_column_int(st, 2)));
		bt_buf_json_string(&b, (const char *)sqlite3_column_text(st, 0));
		bt_buf_puts(&b, ",\"kind\":\"finding\"}\n");
		err = b.failed ? BT_ENOMEM : write(b.data, b.len, payload);
		bt_buf_free(&b);
	}
	if (err == 0 && st && rc != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("reading the findings"));
	sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
done:
	sqlite3_finalize(st);
	return err;
}
