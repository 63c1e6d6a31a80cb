/*
 * export.c - write the current version of every fact in the interchange
 * format. The line is the record's canonical bytes taken verbatim from its
 * event (never re-encoded), so export -> import into an empty store
 * reproduces the same facts, and re-importing into the same store changes
 * nothing.
 */
#include "error.h"
#include "store_internal.h"

#include <string.h>

int bt_store_export(bt_store *s, int (*write)(const char *data, size_t len, void *payload), void *payload)
{
	static const char marker[] = ",\"rec\":";
	sqlite3_stmt *st = NULL;
	int err = 0, rc;
	/* Dependency order is the kind order; within a kind, the order facts were recorded. */
	if (sqlite3_prepare_v2(s->db,
			       "SELECT e.id, e.bytes FROM current c JOIN event e ON e.id = c.event ORDER BY c.kind, e.id",
			       -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, "đọc kho dữ liệu");
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
			err = bt__error_set(BT_ECORRUPT, "sự kiện số %lld hỏng", (long long)sqlite3_column_int64(st, 0));
			break;
		}
		size_t n = (size_t)(bytes + len - 1 - rec);
		if ((err = write(rec, n, payload)) < 0 || (err = write("\n", 1, payload)) < 0)
			break;
	}
	if (err == 0 && rc != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, "đọc kho dữ liệu");
	sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
done:
	sqlite3_finalize(st);
	return err;
}
