/*
 * rebuild.c - verify the whole log and replay it into the projections
 * (`bontot rebuild`), and the digest that shows two stores hold the same
 * tables. Projections are a function of the set of events, so replaying
 * in any order gives the same digest; the digest reads members and
 * meetings by their ids, never by the integers this store gave them.
 */
#include "bontot/sync.h"
#include "error.h"
#include "i18n.h"
#include "store_internal.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Every projection, children first (the order of clearing), with the query the digest reads. */
static const struct {
	const char *table, *digest;
} projections[] = {
	{"finding", "SELECT fid, cell, code, kind, key, other_kind, other_key, member, date, field, device, refs, origin, resolved"
		    " FROM finding ORDER BY fid"},
	{"settle", "SELECT finding, cell, note FROM settle ORDER BY finding"},
	{"dues_month_member", "SELECT k.id, d.cell, d.month FROM dues_month_member d JOIN member_key k ON k.mid = d.member ORDER BY 1, 2, 3"},
	{"dues_month", "SELECT cell, month, amount, paid_on, members, ts, ref FROM dues_month ORDER BY cell, month"},
	{"dues", "SELECT k.id, d.month, d.amount, d.paid_on FROM dues d JOIN member_key k ON k.mid = d.member ORDER BY 1, 2"},
	{"mark", "SELECT m.id, k.id, a.status, a.spoke FROM mark a JOIN meeting m ON m.mtid = a.meeting"
		 " JOIN member_key k ON k.mid = a.member ORDER BY 1, 2"},
	{"meeting", "SELECT id, cell, date, start, end, flags, ts, ref FROM meeting ORDER BY id"},
	{"attestation", "SELECT subject, year, criterion, pass, note FROM attestation ORDER BY subject, year, criterion"},
	{"discipline", "SELECT member, date, form FROM discipline ORDER BY member, date"},
	{"transfer", "SELECT member, date, from_cell, to_cell, note FROM transfer ORDER BY member, date"},
	{"commitment", "SELECT id, member, year, title, fulfilled FROM commitment ORDER BY id"},
	{"target", "SELECT id, cell, year, title, done FROM target ORDER BY id"},
	{"regulation", "SELECT cell, issued FROM regulation ORDER BY cell, issued"},
	{"holiday", "SELECT date, working, note FROM holiday ORDER BY date"},
	{"exemption", "SELECT member, from_date, to_date, reason FROM exemption ORDER BY member, from_date"},
	{"member", "SELECT k.id, m.cell, m.name, m.born, m.status, m.role, m.joined, m.left FROM member m"
		   " JOIN member_key k ON k.mid = m.mid ORDER BY 1"},
	{"member_cell", "SELECT member, cell FROM member_cell ORDER BY member, cell"},
	{"cell", "SELECT id, committee, name FROM cell ORDER BY id"},
	{"committee", "SELECT id, name FROM committee ORDER BY id"},
	{"current", "SELECT c.kind, c.key, e.log, e.seq, c.rec_hash, c.heads FROM current c JOIN event e ON e.id = c.event"
		    " ORDER BY c.kind, c.key"},
	{"member_key", NULL},
};
#define N_PROJECTIONS (sizeof(projections) / sizeof(projections[0]))

/* What one table holds: a digest of its rows and their number. */
typedef struct {
	uint8_t digest[BT_HASH_BYTES];
	int64_t rows;
} table_sum;

/*
 * The digest over every projection, and (tables may be NULL) each table's
 * own digest and row count, in one pass.
 */
static int digest_tables(bt_store *s, uint8_t out[BT_HASH_BYTES], table_sum *tables)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new(), *one = EVP_MD_CTX_new();
	int err = 0;
	if (!md || !one || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		EVP_MD_CTX_free(one);
		return bt__error_set(BT_ERROR, BT_("SHA-256 failed"));
	}
	for (size_t t = 0; t < N_PROJECTIONS && err == 0; t++) {
		sqlite3_stmt *st = NULL;
		int64_t rows = 0;
		if (!projections[t].digest)
			continue;
		if (sqlite3_prepare_v2(s->db, projections[t].digest, -1, &st, NULL) != SQLITE_OK ||
		    EVP_DigestInit_ex(one, EVP_sha256(), NULL) != 1) {
			sqlite3_finalize(st);
			err = bt_store__db_error(s, BT_EIO, BT_("reading a table"));
			break;
		}
		EVP_DigestUpdate(md, projections[t].table, strlen(projections[t].table) + 1);
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			int n = sqlite3_column_count(st);
			rows++;
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
				EVP_DigestUpdate(one, &tag, 1);
				EVP_DigestUpdate(one, &len, sizeof(len));
				if (len) {
					EVP_DigestUpdate(md, p, len);
					EVP_DigestUpdate(one, p, len);
				}
			}
		}
		if (rc != SQLITE_DONE)
			err = bt_store__db_error(s, BT_EIO, BT_("reading a table"));
		sqlite3_finalize(st);
		unsigned int n = 0;
		if (err == 0 && tables) {
			tables[t].rows = rows;
			if (EVP_DigestFinal_ex(one, tables[t].digest, &n) != 1)
				err = bt__error_set(BT_ERROR, BT_("SHA-256 failed"));
		}
	}
	unsigned int n = 0;
	if (err == 0 && EVP_DigestFinal_ex(md, out, &n) != 1)
		err = bt__error_set(BT_ERROR, BT_("SHA-256 failed"));
	EVP_MD_CTX_free(md);
	EVP_MD_CTX_free(one);
	return err;
}

int bt_store_projection_digest(bt_store *s, uint8_t out[BT_HASH_BYTES]) { return digest_tables(s, out, NULL); }

int bt_store__clear_projections(bt_store *s)
{
	int err;
	for (size_t t = 0; t < N_PROJECTIONS; t++) {
		char sql[64];
		snprintf(sql, sizeof(sql), "DELETE FROM %s", projections[t].table);
		if ((err = bt_store__exec(s, sql)) < 0)
			return err;
	}
	bt_store__mids_clear(s);
	return 0;
}

/* Chain state per log while verifying: logs are few. */
typedef struct {
	char log[BT_LOG_ID_MAX_BYTES + 1];
	int64_t seq;
	uint8_t hash[BT_HASH_BYTES];
	int proven; /* on a tablet, the office's log or another tablet's: may come proved, only the cell's part, with gaps */
} chain;

int bt_store__replay(bt_store *s, size_t *events)
{
	sqlite3_stmt *st = NULL;
	BT_ARRAY(chain) chains = {0};
	int err = 0, rc;
	int64_t total = 0;
	*events = 0;
	if (bt_store__step_row(s, s->st.ev_count, N_("reading the log")) == 1) {
		total = sqlite3_column_int64(s->st.ev_count, 0);
		sqlite3_reset(s->st.ev_count);
	}
	/* Emptied tables hand out rowids from 1 again; nothing depends on them but this store. */
	if (sqlite3_prepare_v2(s->db, "SELECT id, log, seq, hash, bytes FROM event ORDER BY id", -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("reading the log"));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		bt_event ev;
		int64_t id = sqlite3_column_int64(st, 0);
		const uint8_t *bytes = sqlite3_column_blob(st, 4);
		size_t len = (size_t)sqlite3_column_bytes(st, 4);
		if ((err = bt_event_decode(&ev, bytes, len)) < 0) {
			err = bt__error_set(BT_ECORRUPT, BT_("event number %lld: %s"), (long long)id, bt_error_last());
			break;
		}
		chain *c = NULL;
		for (size_t i = 0; i < chains.n; i++)
			if (strcmp(chains.v[i].log, ev.log) == 0)
				c = &chains.v[i];
		if (!c) {
			if (!(c = BT_PUSH(&chains))) {
				bt_event_clear(&ev);
				err = BT_ENOMEM;
				break;
			}
			memset(c, 0, sizeof(*c));
			snprintf(c->log, sizeof(c->log), "%s", ev.log);
			char cell[BT_ID_MAX_BYTES + 1];
			bt_device_role role;
			int revoked;
			c->proven = strcmp(ev.log, s->log_id) != 0 && bt_store_device_lookup(s, ev.log, cell, &role, &revoked, NULL) == 0 &&
				    (role == BT_ROLE_DEVICE_OFFICE || role == BT_ROLE_DEVICE_RELAYED);
			bt_error_clear();
		}
		/* A proven log may skip what is not the cell's; where it does not skip, it still chains. */
		int chained = ev.seq == c->seq + 1 ? memcmp(ev.prev, c->hash, BT_HASH_BYTES) == 0 : c->proven && ev.seq > c->seq;
		if (!chained ||
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
		err = bt_store__refold(s, ev.rec->kind, ev.rec->key, &ev, id);
		bt_event_clear(&ev);
		if (err < 0)
			break;
		(*events)++;
		bt_store__progress(s, "rebuild", *events, (uint64_t)total);
	}
	free(chains.v);
	if (err == 0 && rc != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("reading the log"));
	sqlite3_finalize(st);
	return err;
}

/* Keep what the rebuild found in rebuild_log: every table's rows before, and those that differed. */
static int keep_history(bt_store *s, const bt_rebuild_stats *stats, const table_sum *before)
{
	bt_buf b;
	sqlite3_stmt *st = NULL;
	char at[BT_TIMESTAMP_BYTES];
	int err;
	bt_store__now(at);
	bt_buf_init(&b, 0);
	bt_buf_puts(&b, "{\"before\":{");
	for (size_t t = 0, k = 0; t < N_PROJECTIONS; t++)
		if (projections[t].digest)
			bt_buf_printf(&b, "%s\"%s\":%lld", k++ ? "," : "", projections[t].table, (long long)before[t].rows);
	bt_buf_puts(&b, "},\"differed\":[");
	for (size_t i = 0; i < stats->n_differed; i++)
		bt_buf_printf(&b, "%s{\"table\":\"%s\",\"before\":%lld,\"after\":%lld}", i ? "," : "", stats->differed[i].table,
			      (long long)stats->differed[i].rows_before, (long long)stats->differed[i].rows_after);
	bt_buf_puts(&b, "]}");
	if (b.failed)
		return BT_ENOMEM;
	if (sqlite3_prepare_v2(s->db, "INSERT INTO rebuild_log(at, events, tables) VALUES(?1, ?2, ?3)", -1, &st, NULL) != SQLITE_OK) {
		bt_buf_free(&b);
		return bt_store__db_error(s, BT_EIO, BT_("writing the rebuild history"));
	}
	sqlite3_bind_text(st, 1, at, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)stats->events);
	sqlite3_bind_text(st, 3, b.data, (int)b.len, SQLITE_STATIC);
	err = bt_store__step_done(s, st, N_("writing the rebuild history"));
	sqlite3_finalize(st);
	bt_buf_free(&b);
	return err;
}

int bt_store_rebuild(bt_store *s, bt_rebuild_stats *stats)
{
	table_sum before[N_PROJECTIONS], after[N_PROJECTIONS];
	int err;
	memset(stats, 0, sizeof(*stats));
	memset(before, 0, sizeof(before));
	memset(after, 0, sizeof(after));
	if (s->in_import)
		return bt__error_set(BT_EINVALID, BT_("an import is in progress"));
	if ((err = bt_store__begin(s)) < 0)
		return err;
	if ((err = digest_tables(s, stats->before, before)) < 0)
		goto fail;
	bt_store__scopes_clear(s);
	if ((err = bt_store__clear_projections(s)) < 0 || (err = bt_store__replay(s, &stats->events)) < 0)
		goto fail;
	/* The findings as the log says, then the tables as they now are. */
	if ((err = bt_store__refresh_findings(s)) < 0 || (err = digest_tables(s, stats->after, after)) < 0)
		goto fail;
	for (size_t t = 0; t < N_PROJECTIONS; t++)
		if (projections[t].digest && memcmp(before[t].digest, after[t].digest, BT_HASH_BYTES) != 0 &&
		    stats->n_differed < BT_REBUILD_TABLES_MAX) {
			bt_rebuild_table *d = &stats->differed[stats->n_differed++];
			d->table = projections[t].table;
			d->rows_before = before[t].rows;
			d->rows_after = after[t].rows;
		}
	if ((err = keep_history(s, stats, before)) < 0)
		goto fail;
	return bt_store__commit(s);
fail:
	bt_store__rollback(s);
	return err;
}
