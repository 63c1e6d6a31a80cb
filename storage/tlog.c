/*
 * tlog.c - the store's transparency log (bontot/tlog.h): its leaves are
 * the events, in the order this store took them (event.id 1, 2, 3...), each
 * hashed over its exact stored bytes; the full subtrees of height 8, 16...
 * are kept in tlog_hash once computed (they never change: the log is
 * append-only).
 */
#include "bontot/tlog.h"
#include "error.h"
#include "i18n.h"
#include "store_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

int bt_store_tlog_size(bt_store *s, uint64_t *size)
{
	/* Events are numbered 1, 2, 3... with no gap (read_events checks it): the largest id is the size, found in O(log n). */
	sqlite3_stmt *st = NULL;
	int err = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT coalesce(max(id), 0) FROM event", -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("reading the log"));
	if (sqlite3_step(st) == SQLITE_ROW)
		*size = (uint64_t)sqlite3_column_int64(st, 0);
	else
		err = bt_store__db_error(s, BT_EIO, BT_("reading the log"));
	sqlite3_finalize(st);
	return err;
}

/*
 * Call each(i, bytes, len) for the events start + 1 ... start + n, which
 * must all be there, in order: the log's entries [start, start + n).
 */
static int read_events(bt_store *s, uint64_t start, size_t n, int (*each)(void *ctx, size_t i, const void *bytes, size_t len),
		       void *ctx)
{
	sqlite3_stmt *st = NULL;
	size_t got = 0;
	int err = 0, rc = SQLITE_DONE;
	if (sqlite3_prepare_v2(s->db, "SELECT id, bytes FROM event WHERE id > ?1 AND id <= ?2 ORDER BY id", -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("reading the log"));
	sqlite3_bind_int64(st, 1, (sqlite3_int64)start);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)(start + n));
	while (err == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((uint64_t)sqlite3_column_int64(st, 0) != start + got + 1)
			err = bt__error_set(BT_ECORRUPT, BT_("the log has a gap at event %llu"), (unsigned long long)(start + got + 1));
		else
			err = each(ctx, got++, sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1));
	}
	if (err == 0 && rc != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("reading the log"));
	if (err == 0 && got != n)
		err = bt__error_set(BT_ENOTFOUND, BT_("the log has %llu entries, not %llu"), (unsigned long long)(start + got),
				    (unsigned long long)(start + n));
	sqlite3_finalize(st);
	return err;
}

static int leaf_of(void *ctx, size_t i, const void *bytes, size_t len) { return bt_tlog_leaf_hash(((uint8_t(*)[BT_HASH_BYTES])ctx)[i], bytes, len); }

static int leaves(void *ctx, uint64_t start, size_t n, uint8_t (*out)[BT_HASH_BYTES]) { return read_events(ctx, start, n, leaf_of, out); }

static int cache_get(void *ctx, int height, uint64_t index, uint8_t out[BT_HASH_BYTES])
{
	bt_store *s = ctx;
	sqlite3_stmt *st = NULL;
	int found = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT hash FROM tlog_hash WHERE height = ?1 AND idx = ?2", -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("reading the log"));
	sqlite3_bind_int(st, 1, height);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)index);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == BT_HASH_BYTES) {
		memcpy(out, sqlite3_column_blob(st, 0), BT_HASH_BYTES);
		found = 1;
	}
	sqlite3_finalize(st);
	return found;
}

static int cache_put(void *ctx, int height, uint64_t index, const uint8_t hash[BT_HASH_BYTES])
{
	bt_store *s = ctx;
	sqlite3_stmt *st = NULL;
	/* A cache: a store opened read-only, or busy, computes again next time. */
	if (sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO tlog_hash(height, idx, hash) VALUES(?1, ?2, ?3)", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int(st, 1, height);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)index);
	sqlite3_bind_blob(st, 3, hash, BT_HASH_BYTES, SQLITE_STATIC);
	sqlite3_step(st);
	sqlite3_finalize(st);
	return 0;
}

void bt_store_tlog_source(bt_store *s, bt_tlog_source *out)
{
	out->leaves = leaves;
	out->cache_get = cache_get;
	out->cache_put = cache_put;
	out->ctx = s;
}

typedef struct {
	bt_buf *out;
	uint64_t start;
} bundle;

/* One entry of a bundle: its uint16 big-endian length, then its bytes. */
static int bundle_entry(void *ctx, size_t i, const void *bytes, size_t len)
{
	bundle *b = ctx;
	bt_buf *out = b->out;
	if (len > 0xffff)
		return bt__error_set(BT_ECORRUPT, BT_("event %llu is too large for an entry bundle"), (unsigned long long)(b->start + i + 1));
	char be[2] = {(char)(uint8_t)(len >> 8), (char)(uint8_t)len};
	bt_buf_put(out, be, 2);
	bt_buf_put(out, bytes, len);
	return out->failed ? BT_ENOMEM : 0;
}

int bt_store_tlog_entries(bt_store *s, uint64_t index, int width, bt_buf *out)
{
	if (width < 1 || width > BT_TLOG_TILE_WIDTH)
		return bt__error_set(BT_EINVALID, BT_("no such tile"));
	bundle b = {out, index * BT_TLOG_TILE_WIDTH};
	return read_events(s, b.start, (size_t)width, bundle_entry, &b);
}

int bt_store_tlog_tile(bt_store *s, int level, uint64_t index, int width, bt_buf *out)
{
	if (level < 0)
		return bt_store_tlog_entries(s, index, width, out);
	if (width < 1 || width > BT_TLOG_TILE_WIDTH)
		return bt__error_set(BT_EINVALID, BT_("no such tile"));
	bt_tlog_source src;
	uint8_t *tile = malloc((size_t)width * BT_HASH_BYTES);
	int err;
	bt_store_tlog_source(s, &src);
	err = tile ? bt_tlog_tile(&src, level, index, width, tile) : bt__oom();
	if (err == 0 && bt_buf_put(out, (const char *)tile, (size_t)width * BT_HASH_BYTES) < 0)
		err = BT_ENOMEM;
	free(tile);
	return err;
}

int bt_store_tlog_cosig_put(bt_store *s, uint64_t size, const char *device, const char *line)
{
	sqlite3_stmt *st = NULL;
	int err = 0;
	if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO tlog_cosig(size, device, line) VALUES(?1, ?2, ?3)", -1, &st, NULL) !=
	    SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("writing the log's cosignatures"));
	sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
	sqlite3_bind_text(st, 2, device, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, line, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("writing the log's cosignatures"));
	sqlite3_finalize(st);
	return err;
}

int bt_store_tlog_cosigs(bt_store *s, uint64_t size, bt_buf *out)
{
	sqlite3_stmt *st = NULL;
	int rc;
	if (sqlite3_prepare_v2(s->db, "SELECT line FROM tlog_cosig WHERE size = ?1 ORDER BY device", -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("reading the log's cosignatures"));
	sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		bt_buf_puts(out, (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return bt_store__db_error(s, BT_EIO, BT_("reading the log's cosignatures"));
	return out->failed ? BT_ENOMEM : 0;
}

int bt_store_receipt_put(bt_store *s, const char *note)
{
	sqlite3_stmt *st = NULL;
	char at[BT_TIMESTAMP_BYTES];
	int err = 0;
	bt_store__now(at);
	if (sqlite3_prepare_v2(s->db, "INSERT INTO receipt(at, note) VALUES(?1, ?2)", -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("writing the receipts"));
	sqlite3_bind_text(st, 1, at, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, note, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("writing the receipts"));
	sqlite3_finalize(st);
	return err;
}

/* ---- what an auditor's bundle carries (sync/audit.c) ---- */

int bt_store_head_sigs(bt_store *s, int (*each)(const char *log, int64_t seq, const char *signer, const uint8_t *sig, void *payload),
		       void *payload)
{
	sqlite3_stmt *st = NULL;
	int err = 0, rc;
	if (sqlite3_prepare_v2(s->db, "SELECT log, seq, signer, sig FROM head_sig ORDER BY log, seq, signer", -1, &st, NULL) !=
	    SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("reading the log"));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 3) != BT_ED25519_SIG_BYTES)
			continue;
		if ((err = each((const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1),
				(const char *)sqlite3_column_text(st, 2), sqlite3_column_blob(st, 3), payload)) != 0)
			break;
	}
	if (err == 0 && rc != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("reading the log"));
	sqlite3_finalize(st);
	return err;
}

int bt_store_tlog_cosigs_each(bt_store *s, int (*each)(uint64_t size, const char *device, const char *line, void *payload),
			      void *payload)
{
	sqlite3_stmt *st = NULL;
	int err = 0, rc;
	if (sqlite3_prepare_v2(s->db, "SELECT size, device, line FROM tlog_cosig ORDER BY size, device", -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("reading the log's cosignatures"));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((err = each((uint64_t)sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
				(const char *)sqlite3_column_text(st, 2), payload)) != 0)
			break;
	if (err == 0 && rc != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("reading the log's cosignatures"));
	sqlite3_finalize(st);
	return err;
}

int bt_store_receipts(bt_store *s, int (*each)(const char *at, const char *note, void *payload), void *payload)
{
	sqlite3_stmt *st = NULL;
	int err = 0, rc;
	if (sqlite3_prepare_v2(s->db, "SELECT at, note FROM receipt ORDER BY id", -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("reading the receipts"));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((err = each((const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1), payload)) != 0)
			break;
	if (err == 0 && rc != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("reading the receipts"));
	sqlite3_finalize(st);
	return err;
}

int bt_store_published_put(bt_store *s, const uint8_t hash[BT_HASH_BYTES], const char *body, size_t len)
{
	sqlite3_stmt *st = NULL;
	int err = 0;
	if (sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO published(hash, body) VALUES(?1, ?2)", -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("writing the receipts"));
	sqlite3_bind_blob(st, 1, hash, BT_HASH_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, body, (int)len, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("writing the receipts"));
	sqlite3_finalize(st);
	return err;
}

int bt_store_published_get(bt_store *s, const uint8_t hash[BT_HASH_BYTES], bt_buf *out)
{
	sqlite3_stmt *st = NULL;
	int err = 0, rc;
	if (sqlite3_prepare_v2(s->db, "SELECT body FROM published WHERE hash = ?1", -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("reading the receipts"));
	sqlite3_bind_blob(st, 1, hash, BT_HASH_BYTES, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		bt_buf_put(out, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
		err = out->failed ? BT_ENOMEM : 1;
	} else if (rc != SQLITE_DONE) {
		err = bt_store__db_error(s, BT_EIO, BT_("reading the receipts"));
	}
	sqlite3_finalize(st);
	return err;
}

int bt_store_tlog_replay(bt_store *s, const uint8_t *const *bytes, const size_t *lens, size_t n)
{
	int err;
	if ((err = bt_store__begin(s)) < 0)
		return err;
	for (size_t i = 0; i < n && err == 0; i++) {
		bt_event ev;
		memset(&ev, 0, sizeof(ev));
		if ((err = bt_event_decode(&ev, bytes[i], lens[i])) == 0)
			err = bt_store__append(s, &ev, bytes[i], lens[i], NULL);
		bt_event_clear(&ev);
	}
	if (err < 0) {
		bt_store__rollback(s);
		return err;
	}
	return bt_store__commit(s);
}
