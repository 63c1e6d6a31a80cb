/*
 * accept.c - the office side of a push: enrolled devices, and accepting a
 * device's batch into the office store (bontot/sync.h). All-or-nothing:
 * one transaction, and any refusal rolls it back.
 */
#include "bontot/sync.h"
#include "error.h"
#include "i18n.h"
#include "store_internal.h"
#include "sha256.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <stdlib.h>
#include <string.h>

int bt_store_device_add(bt_store *s, const char *id, const char *cell, bt_device_role role, const bt_key *key)
{
	sqlite3_stmt *st = NULL;
	char *pem = NULL;
	int err, rc;
	if (!id || !*id || strlen(id) > BT_LOG_ID_MAX_BYTES || role < BT_ROLE_DEVICE_SECRETARY || role > BT_ROLE_DEVICE_OFFICE)
		return bt__error_set(BT_EINVALID, BT_("invalid device"));
	if ((err = bt_key_public_pem(&pem, key)) < 0)
		return err;
	if (role == BT_ROLE_DEVICE_OFFICE)
		goto insert; /* the office is not of a cell */
	if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM cell WHERE id = ?1", -1, &st, NULL) != SQLITE_OK) {
		err = bt_store__db_error(s, BT_EIO, BT_("reading the store"));
		goto done;
	}
	sqlite3_bind_text(st, 1, cell, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	st = NULL;
	if (rc != SQLITE_ROW) {
		err = bt__error_set(BT_ENOTFOUND, BT_("no cell \"%.64s\""), cell);
		goto done;
	}
insert:
	if (sqlite3_prepare_v2(s->db, "INSERT INTO device(id, cell, role, public_key) VALUES(?1, ?2, ?3, ?4)", -1, &st, NULL) !=
	    SQLITE_OK) {
		err = bt_store__db_error(s, BT_EIO, BT_("writing the settings"));
		goto done;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, cell ? cell : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, role == BT_ROLE_DEVICE_SECRETARY ? "secretary" : role == BT_ROLE_DEVICE_DEPUTY ? "deputy" : "office",
			  -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, pem, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
		err = bt__error_set(BT_EEXISTS, BT_("device \"%s\" is already enrolled"), id);
	else if (rc != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("writing the settings"));
done:
	sqlite3_finalize(st);
	free(pem);
	return err;
}

int bt_store_device_revoke(bt_store *s, const char *id)
{
	sqlite3_stmt *st = NULL;
	int err = 0;
	if (sqlite3_prepare_v2(s->db, "UPDATE device SET revoked = 1 WHERE id = ?1", -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("writing the settings"));
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("writing the settings"));
	else if (sqlite3_changes(s->db) == 0)
		err = bt__error_set(BT_ENOTFOUND, BT_("no device \"%.64s\""), id);
	sqlite3_finalize(st);
	return err;
}

/* The member's current cell, or NULL (then the member's record is refused by the checks anyway). */
static int member_cell_is(bt_store *s, const char *member, const char *cell)
{
	sqlite3_stmt *st = s->st.member_get;
	int yes = 0;
	sqlite3_bind_text(st, 1, member, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		yes = strcmp((const char *)sqlite3_column_text(st, 1), cell) == 0;
	sqlite3_reset(st);
	return yes;
}

/* May a device of `cell` record this? */
static int in_scope(bt_store *s, const bt_record *r, const char *cell)
{
	switch (r->kind) {
	case BT_KIND_MEMBER:
	case BT_KIND_MEETING:
	case BT_KIND_TARGET:
	case BT_KIND_REGULATION:
		return strcmp(r->cell, cell) == 0;
	case BT_KIND_EXEMPTION:
	case BT_KIND_DUES:
	case BT_KIND_COMMITMENT:
	case BT_KIND_DISCIPLINE:
		return member_cell_is(s, r->member, cell);
	case BT_KIND_ATTESTATION:
		return strcmp(r->criterion, "1.3") != 0 && member_cell_is(s, r->subject, cell);
	default: /* committees, cells, holidays, transfers: the office's */
		return 0;
	}
}

static int accept(bt_store *s, const uint8_t *data, size_t len, const char *signer, bt_accept_stats *stats);

int bt_store_accept(bt_store *s, const uint8_t *data, size_t len, bt_accept_stats *stats)
{
	return accept(s, data, len, NULL, stats);
}

int bt_store_accept_relayed(bt_store *s, const uint8_t *data, size_t len, const char *office, bt_accept_stats *stats)
{
	return accept(s, data, len, office, stats);
}

/* signer NULL: the batch's own device signs it; else the enrolled office relays another log. */
static int accept(bt_store *s, const uint8_t *data, size_t len, const char *signer, bt_accept_stats *stats)
{
	sqlite3_stmt *st = NULL;
	bt_batch *b = NULL;
	bt_key *key = NULL;
	char log[BT_LOG_ID_MAX_BYTES + 1], cell[BT_ID_MAX_BYTES + 1];
	int err = 0, began = 0, office = 0;
	int64_t head_seq = 0;
	uint8_t head[BT_HASH_BYTES];

	memset(stats, 0, sizeof(*stats));
	memset(head, 0, sizeof(head));
	/* Who sent it: the log id in the header names the device. */
	if (len < 7 || memcmp(data, "BTB1", 4) != 0 || data[5] == 0 || data[5] > BT_LOG_ID_MAX_BYTES || len < 6u + data[5])
		return bt__error_set(BT_ECORRUPT, BT_("damaged batch: %s"), BT_("not a batch"));
	memcpy(log, data + 6, data[5]);
	log[data[5]] = '\0';
	if (sqlite3_prepare_v2(s->db, "SELECT cell, public_key, revoked, role FROM device WHERE id = ?1", -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("reading the settings"));
	sqlite3_bind_text(st, 1, signer ? signer : log, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		err = bt__error_set(BT_EDENIED, BT_("unknown device \"%s\""), signer ? signer : log);
		goto done;
	}
	if (sqlite3_column_int(st, 2)) {
		err = bt__error_set(BT_EDENIED, BT_("device \"%s\" is revoked"), log);
		goto done;
	}
	bt__copy_utf8(cell, sizeof(cell), (const char *)sqlite3_column_text(st, 0));
	office = strcmp((const char *)sqlite3_column_text(st, 3), "office") == 0;
	if (signer && !office) {
		err = bt__error_set(BT_EDENIED, BT_("only the office relays other devices' logs"));
		goto done;
	}
	if ((err = bt_key_from_public_pem(&key, (const char *)sqlite3_column_text(st, 1),
					  (size_t)sqlite3_column_bytes(st, 1))) < 0)
		goto done;
	sqlite3_finalize(st);
	st = NULL;
	if ((err = bt_batch_open(&b, data, len, key, 0)) < 0)
		goto done;
	stats->events = b->n_events;

	if ((err = bt_store__exec(s, "BEGIN IMMEDIATE")) < 0)
		goto done;
	began = 1;
	if (sqlite3_prepare_v2(s->db, "SELECT seq, hash FROM event WHERE log = ?1 ORDER BY seq DESC LIMIT 1", -1, &st, NULL) !=
	    SQLITE_OK) {
		err = bt_store__db_error(s, BT_EIO, BT_("reading the log"));
		goto done;
	}
	sqlite3_bind_text(st, 1, log, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 1) == BT_HASH_BYTES) {
		head_seq = sqlite3_column_int64(st, 0);
		memcpy(head, sqlite3_column_blob(st, 1), BT_HASH_BYTES);
	}
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(s->db, "SELECT hash FROM event WHERE log = ?1 AND seq = ?2", -1, &st, NULL) != SQLITE_OK) {
		err = bt_store__db_error(s, BT_EIO, BT_("reading the log"));
		goto done;
	}
	for (size_t i = 0; i < b->n_events; i++) {
		const bt_event *ev = &b->events[i];
		if (ev->seq <= head_seq) {
			/* Held already: it must be the very same event. */
			int same = 0;
			sqlite3_bind_text(st, 1, log, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 2, ev->seq);
			if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == BT_HASH_BYTES)
				same = memcmp(sqlite3_column_blob(st, 0), ev->hash, BT_HASH_BYTES) == 0;
			sqlite3_reset(st);
			if (!same) {
				err = bt__error_set(BT_ECONFLICT, BT_("log %s forks at event %lld: not what the office holds"), log,
						    (long long)ev->seq);
				goto done;
			}
			stats->already++;
			continue;
		}
		if (ev->seq != head_seq + 1 || memcmp(ev->prev, head, BT_HASH_BYTES) != 0) {
			err = bt__error_set(BT_ECONFLICT, BT_("log %s: the office holds events up to %lld, the batch continues from %lld"),
					    log, (long long)head_seq, (long long)ev->seq);
			goto done;
		}
		if (!office && !in_scope(s, ev->rec, cell)) {
			err = bt__error_set(BT_EDENIED, BT_("event %lld of %s: a device of cell %s may not record this %s"),
					    (long long)ev->seq, log, cell, bt_kind_name(ev->rec->kind));
			goto done;
		}
		int lost = 0;
		if ((err = bt_store__append_foreign(s, ev, b->bytes[i], b->lens[i], &lost)) < 0) {
			char msg[1024];
			bt__copy_utf8(msg, sizeof(msg), bt_error_last());
			err = bt__error_set(err, BT_("event %lld of %s: %s"), (long long)ev->seq, log, msg);
			goto done;
		}
		stats->accepted++;
		stats->lost += (size_t)lost;
		head_seq = ev->seq;
		memcpy(head, ev->hash, BT_HASH_BYTES);
	}
	if ((err = bt_store__exec(s, "COMMIT")) < 0)
		goto done;
	began = 0;
	stats->head_seq = head_seq;
done:
	sqlite3_finalize(st);
	if (began)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	bt_store__members_clear(s);
	bt_batch_free(b);
	bt_key_free(key);
	return err;
}

int bt_store_enroll_code(char out[BT_ENROLL_CODE_BYTES], bt_store *s, const char *cell, bt_device_role role, int64_t expires)
{
	static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"; /* no 0/O, 1/I: read aloud on the phone */
	uint8_t rnd[12], hash[BT_HASH_BYTES];
	sqlite3_stmt *st = NULL;
	int err = 0;
	if (role != BT_ROLE_DEVICE_SECRETARY && role != BT_ROLE_DEVICE_DEPUTY)
		return bt__error_set(BT_EINVALID, BT_("invalid device"));
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return bt__error_set(BT_ERROR, BT_("cannot generate random bytes"));
	for (int i = 0, k = 0; i < 14; i++)
		out[i] = (i == 4 || i == 9) ? '-' : alphabet[rnd[k++] & 31];
	out[14] = '\0';
	OPENSSL_cleanse(rnd, sizeof(rnd));
	if (bt__sha256(hash, out, 14) < 0)
		return bt__error_set(BT_ERROR, BT_("SHA-256 failed"));
	if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM cell WHERE id = ?1", -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("reading the store"));
	sqlite3_bind_text(st, 1, cell, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return bt__error_set(BT_ENOTFOUND, BT_("no cell \"%.64s\""), cell);
	if (sqlite3_prepare_v2(s->db, "INSERT INTO enroll_code(code_hash, cell, role, expires) VALUES(?1, ?2, ?3, ?4)", -1, &st,
			       NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("writing the settings"));
	sqlite3_bind_blob(st, 1, hash, BT_HASH_BYTES, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, cell, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, role == BT_ROLE_DEVICE_SECRETARY ? "secretary" : "deputy", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, expires);
	if (sqlite3_step(st) != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("writing the settings"));
	sqlite3_finalize(st);
	return err;
}

/* *same = 1 when `id` is enrolled for `cell` with exactly this public key. */
static int same_device(bt_store *s, const char *id, const char *cell, const bt_key *key, int *same)
{
	sqlite3_stmt *st = NULL;
	char *pem = NULL;
	int err;
	*same = 0;
	if ((err = bt_key_public_pem(&pem, key)) < 0)
		return err;
	if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM device WHERE id = ?1 AND cell = ?2 AND public_key = ?3 AND revoked = 0",
			       -1, &st, NULL) != SQLITE_OK) {
		free(pem);
		return bt_store__db_error(s, BT_EIO, BT_("reading the settings"));
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, cell, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, pem, -1, SQLITE_STATIC);
	*same = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	free(pem);
	return 0;
}

int bt_store_enroll(bt_store *s, const char *code, const char *device_id, const bt_key *key, int64_t now, char *cell_out)
{
	uint8_t hash[BT_HASH_BYTES];
	sqlite3_stmt *st = NULL;
	char cell[BT_ID_MAX_BYTES + 1], role[16];
	int err = 0, began = 0;
	if (!code || strlen(code) > 64 || bt__sha256(hash, code, strlen(code)) < 0)
		return bt__error_set(BT_EDENIED, BT_("invalid enrollment code"));
	if ((err = bt_store__exec(s, "BEGIN IMMEDIATE")) < 0)
		return err;
	began = 1;
	if (sqlite3_prepare_v2(s->db, "SELECT cell, role, expires, used FROM enroll_code WHERE code_hash = ?1", -1, &st, NULL) !=
	    SQLITE_OK) {
		err = bt_store__db_error(s, BT_EIO, BT_("reading the settings"));
		goto done;
	}
	sqlite3_bind_blob(st, 1, hash, BT_HASH_BYTES, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		err = bt__error_set(BT_EDENIED, BT_("invalid enrollment code"));
		goto done;
	}
	if (sqlite3_column_int(st, 3)) {
		/* The same device asking again (its answer was lost on the way): the same answer. */
		int same = 0;
		bt__copy_utf8(cell, sizeof(cell), (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		st = NULL;
		if ((err = same_device(s, device_id, cell, key, &same)) < 0)
			goto done;
		if (same) {
			if (cell_out)
				memcpy(cell_out, cell, strlen(cell) + 1);
			err = 0;
			goto done;
		}
		err = bt__error_set(BT_EDENIED, BT_("this enrollment code was already used"));
		goto done;
	}
	if (sqlite3_column_int64(st, 2) < now) {
		err = bt__error_set(BT_EDENIED, BT_("this enrollment code has expired"));
		goto done;
	}
	bt__copy_utf8(cell, sizeof(cell), (const char *)sqlite3_column_text(st, 0));
	bt__copy_utf8(role, sizeof(role), (const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	st = NULL;
	if ((err = bt_store_device_add(s, device_id, cell,
				       strcmp(role, "secretary") == 0 ? BT_ROLE_DEVICE_SECRETARY : BT_ROLE_DEVICE_DEPUTY, key)) < 0)
		goto done;
	if (sqlite3_prepare_v2(s->db, "UPDATE enroll_code SET used = 1 WHERE code_hash = ?1", -1, &st, NULL) != SQLITE_OK) {
		err = bt_store__db_error(s, BT_EIO, BT_("writing the settings"));
		goto done;
	}
	sqlite3_bind_blob(st, 1, hash, BT_HASH_BYTES, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		err = bt_store__db_error(s, BT_EIO, BT_("writing the settings"));
		goto done;
	}
	if ((err = bt_store__exec(s, "COMMIT")) == 0) {
		began = 0;
		if (cell_out)
			memcpy(cell_out, cell, strlen(cell) + 1);
	}
done:
	sqlite3_finalize(st);
	if (began)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return err;
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
	if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)", -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("writing the settings"));
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("writing the settings"));
	sqlite3_finalize(st);
	return err;
}

int bt_store_log_head(bt_store *s, const char *log, int64_t *seq)
{
	sqlite3_stmt *st = NULL;
	int err = 0;
	*seq = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT max(seq) FROM event WHERE log = ?1", -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("reading the log"));
	sqlite3_bind_text(st, 1, log, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		*seq = sqlite3_column_int64(st, 0);
	else
		err = bt_store__db_error(s, BT_EIO, BT_("reading the log"));
	sqlite3_finalize(st);
	return err;
}

int bt_store_device_lookup(bt_store *s, const char *id, char cell[BT_ID_MAX_BYTES + 1], bt_device_role *role,
			   int *revoked, bt_key **key)
{
	sqlite3_stmt *st = NULL;
	int err = 0;
	if (key)
		*key = NULL;
	if (sqlite3_prepare_v2(s->db, "SELECT cell, role, revoked, public_key FROM device WHERE id = ?1", -1, &st, NULL) !=
	    SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("reading the settings"));
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		err = bt__error_set(BT_ENOTFOUND, BT_("no device \"%.64s\""), id);
	} else {
		const char *r = (const char *)sqlite3_column_text(st, 1), *pem = (const char *)sqlite3_column_text(st, 3);
		bt__copy_utf8(cell, BT_ID_MAX_BYTES + 1, (const char *)sqlite3_column_text(st, 0));
		*role = strcmp(r, "secretary") == 0 ? BT_ROLE_DEVICE_SECRETARY
			: strcmp(r, "deputy") == 0  ? BT_ROLE_DEVICE_DEPUTY
						    : BT_ROLE_DEVICE_OFFICE;
		*revoked = sqlite3_column_int(st, 2);
		if (key)
			err = bt_key_from_public_pem(key, pem, strlen(pem));
	}
	sqlite3_finalize(st);
	return err;
}

int bt_store_devices(bt_store *s, int (*each)(const bt_device_info *device, void *payload), void *payload)
{
	sqlite3_stmt *st = NULL;
	int err = 0, rc;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT d.id, d.cell, d.role, d.revoked, d.public_key,"
			       "  (SELECT coalesce(max(seq), 0) FROM event e WHERE e.log = d.id) FROM device d ORDER BY d.id",
			       -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("reading the settings"));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		bt_device_info d;
		const char *role = (const char *)sqlite3_column_text(st, 2);
		d.id = (const char *)sqlite3_column_text(st, 0);
		d.cell = (const char *)sqlite3_column_text(st, 1);
		d.role = strcmp(role, "secretary") == 0 ? BT_ROLE_DEVICE_SECRETARY
			 : strcmp(role, "deputy") == 0  ? BT_ROLE_DEVICE_DEPUTY
							: BT_ROLE_DEVICE_OFFICE;
		d.revoked = sqlite3_column_int(st, 3);
		d.public_key = (const char *)sqlite3_column_text(st, 4);
		d.head_seq = sqlite3_column_int64(st, 5);
		if ((err = each(&d, payload)) != 0)
			break;
	}
	if (err == 0 && rc != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("reading the settings"));
	sqlite3_finalize(st);
	return err < 0 ? err : 0;
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
