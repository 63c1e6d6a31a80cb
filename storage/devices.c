/*
 * devices.c - enrolled devices, one-time enrollment codes, and the
 * counters that protect devices' signed requests from replay
 * (docs/protocol.md, "Enrollment" and "Signed requests").
 */
#include "bontot/sync.h"
#include "error.h"
#include "i18n.h"
#include "sha256.h"
#include "store_internal.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdlib.h>
#include <string.h>

static const char *role_name(bt_device_role role)
{
	switch (role) {
	case BT_ROLE_DEVICE_SECRETARY: return "secretary";
	case BT_ROLE_DEVICE_DEPUTY: return "deputy";
	case BT_ROLE_DEVICE_OFFICE: return "office";
	default: return "relayed";
	}
}

static bt_device_role role_of(const char *r)
{
	return strcmp(r, "secretary") == 0 ? BT_ROLE_DEVICE_SECRETARY
	       : strcmp(r, "deputy") == 0  ? BT_ROLE_DEVICE_DEPUTY
	       : strcmp(r, "office") == 0  ? BT_ROLE_DEVICE_OFFICE
					   : BT_ROLE_DEVICE_RELAYED;
}

int bt_store_device_add(bt_store *s, const char *id, const char *cell, bt_device_role role, const bt_key *key)
{
	sqlite3_stmt *st = NULL;
	char *pem = NULL;
	int err, rc;
	if (!id || !*id || strlen(id) > BT_LOG_ID_MAX_BYTES || role < BT_ROLE_DEVICE_SECRETARY || role > BT_ROLE_DEVICE_OFFICE)
		return bt__error_set(BT_EINVALID, BT_("invalid device"));
	if ((err = bt_key_public_pem(&pem, key)) < 0)
		return err;
	if (sqlite3_prepare_v2(s->db, "INSERT INTO device(id, cell, role, public_key, enrolled_size)"
			       "  VALUES(?1, ?2, ?3, ?4, (SELECT coalesce(max(id), 0) FROM event))", -1, &st, NULL) !=
	    SQLITE_OK) {
		err = bt_store__db_error(s, BT_EIO, BT_("writing the settings"));
		goto done;
	}
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, cell ? cell : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, role_name(role), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, pem, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
		err = bt__error_set(BT_EEXISTS, BT_("device \"%s\" is already enrolled"), id);
	else if (rc != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("writing the settings"));
	bt_store__scopes_clear(s);
done:
	sqlite3_finalize(st);
	free(pem);
	return err;
}

int bt_store_device_revoke(bt_store *s, const char *id)
{
	sqlite3_stmt *st = NULL;
	int err = 0;
	if (sqlite3_prepare_v2(s->db, "UPDATE device SET revoked = 1, revoked_size = coalesce(revoked_size, (SELECT coalesce(max(id), 0) FROM event))"
			       "  WHERE id = ?1", -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("writing the settings"));
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("writing the settings"));
	else if (sqlite3_changes(s->db) == 0)
		err = bt__error_set(BT_ENOTFOUND, BT_("no device \"%.64s\""), id);
	sqlite3_finalize(st);
	return err;
}

static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"; /* no 0/O, 1/I: read aloud on the phone */

int bt_enroll_code_normalize(char out[BT_ENROLL_CODE_BYTES], const char *typed)
{
	size_t n = 0;
	for (const char *p = typed; p && *p; p++) {
		char c = *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
		if (c == '-' || c == ' ')
			continue;
		if (n == 12 || !c || !strchr(alphabet, c))
			return bt__error_set(BT_EINVALID, BT_("an enrollment code is 12 letters and digits, like K7QM-9XDP-4RTA"));
		out[n + n / 4] = c;
		if (n % 4 == 3 && n < 11)
			out[n + n / 4 + 1] = '-';
		n++;
	}
	if (n != 12)
		return bt__error_set(BT_EINVALID, BT_("an enrollment code is 12 letters and digits, like K7QM-9XDP-4RTA"));
	out[14] = '\0';
	return 0;
}

int bt_enroll_code_parse(char code[BT_ENROLL_CODE_BYTES], char written[BT_ENROLL_PINNED_CODE_BYTES], const char *typed)
{
	char typed_chars[24];
	size_t n = 0;
	for (const char *p = typed; p && *p; p++) {
		char c = *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
		if (c == '-' || c == ' ')
			continue;
		if (n == 24 || !strchr(alphabet, c)) {
			n = 0; /* refused below */
			break;
		}
		typed_chars[n++] = c;
	}
	if (n != 12 && n != 24)
		return bt__error_set(BT_EINVALID, BT_("an enrollment code is 24 letters and digits, like K7QM-9XDP-4RTA-WX3C-PN8E-JH5G (or 12, with the office's pin given apart)"));
	for (size_t i = 0; i < n; i++) {
		written[i + i / 4] = typed_chars[i];
		if (i % 4 == 3 && i + 1 < n)
			written[i + i / 4 + 1] = '-';
	}
	written[n + n / 4 - 1] = '\0';
	memcpy(code, written, BT_ENROLL_CODE_BYTES - 1);
	code[BT_ENROLL_CODE_BYTES - 1] = '\0';
	return n == 24;
}

int bt_enroll_code_pinned(char out[BT_ENROLL_PINNED_CODE_BYTES], const char *code, const char *pin)
{
	static const char domain[] = "bontot enroll fingerprint v1\n";
	char written[BT_ENROLL_CODE_BYTES];
	uint8_t msg[sizeof(domain) - 1 + BT_ENROLL_CODE_BYTES + 33], spki[36], hash[BT_HASH_BYTES];
	size_t n = 0;
	if (bt_enroll_code_normalize(written, code) < 0)
		return BT_EINVALID;
	/* "sha256//" and 44 characters of base64, one '=' of padding: 32 bytes. */
	if (!pin || strncmp(pin, "sha256//", 8) != 0 || strlen(pin) != 8 + 44 || pin[8 + 43] != '=' ||
	    EVP_DecodeBlock(spki, (const unsigned char *)pin + 8, 44) != 33)
		return bt__error_set(BT_EINVALID, BT_("not a TLS pin (sha256// and the base64 hash)"));
	memcpy(msg, domain, sizeof(domain) - 1), n += sizeof(domain) - 1;
	memcpy(msg + n, written, BT_ENROLL_CODE_BYTES - 1), n += BT_ENROLL_CODE_BYTES - 1;
	msg[n++] = '\n';
	memcpy(msg + n, spki, 32), n += 32;
	if (bt__sha256(hash, msg, n) < 0)
		return bt__error_set(BT_ERROR, BT_("SHA-256 failed"));
	memcpy(out, written, BT_ENROLL_CODE_BYTES - 1);
	for (int i = 0, at = BT_ENROLL_CODE_BYTES - 1; i < 12; i++) {
		int bit = 5 * i; /* 60 bits, 5 a character, most significant first */
		unsigned v = ((unsigned)hash[bit / 8] << 8 | hash[bit / 8 + 1]) >> (11 - bit % 8);
		if (i % 4 == 0)
			out[at++] = '-';
		out[at++] = alphabet[v & 31];
	}
	out[BT_ENROLL_PINNED_CODE_BYTES - 1] = '\0';
	return 0;
}

int bt_store_enroll_code(char out[BT_ENROLL_CODE_BYTES], bt_store *s, const char *cell, bt_device_role role, int64_t expires)
{
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
	char written[BT_ENROLL_CODE_BYTES];
	if (!code || bt_enroll_code_normalize(written, code) < 0 || bt__sha256(hash, written, 14) < 0)
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
	/*
	 * A log id is bound to one key, once: never the office's own (a copy of
	 * the office's store would write into the office's chain), never a log
	 * this store already holds. The code is not spent.
	 */
	if (strcmp(device_id, s->log_id) == 0) {
		err = bt__error_set(BT_EDENIED, BT_("the device id \"%s\" is the office's own log: a tablet needs a store of its own (bontot init)"),
				    device_id);
		goto done;
	}
	int64_t held = 0;
	if ((err = bt_store_log_head(s, device_id, &held)) < 0)
		goto done;
	if (held) {
		err = bt__error_set(BT_EEXISTS, BT_("the device id \"%s\" is a log this office already holds: a tablet needs a store of its own (bontot init)"),
				    device_id);
		goto done;
	}
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
		*role = role_of(r);
		*revoked = sqlite3_column_int(st, 2);
		if (key && pem[0])
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
			       "  (SELECT coalesce(max(seq), 0) FROM event e WHERE e.log = d.id), coalesce(d.enrolled_size, -1),"
			       "  coalesce(d.revoked_size, -1) FROM device d ORDER BY d.id",
			       -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("reading the settings"));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		bt_device_info d;
		const char *role = (const char *)sqlite3_column_text(st, 2);
		d.id = (const char *)sqlite3_column_text(st, 0);
		d.cell = (const char *)sqlite3_column_text(st, 1);
		d.role = role_of(role);
		d.revoked = sqlite3_column_int(st, 3);
		d.public_key = (const char *)sqlite3_column_text(st, 4);
		d.head_seq = sqlite3_column_int64(st, 5);
		d.enrolled_size = sqlite3_column_int64(st, 6);
		d.revoked_size = sqlite3_column_int64(st, 7);
		if ((err = each(&d, payload)) != 0)
			break;
	}
	if (err == 0 && rc != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("reading the settings"));
	sqlite3_finalize(st);
	return err < 0 ? err : 0;
}

int bt_store_device_counter(bt_store *s, const char *id, int64_t counter, int64_t *last)
{
	sqlite3_stmt *st = NULL;
	int err = 0;
	if (last)
		*last = 0;
	if (sqlite3_prepare_v2(s->db, "UPDATE device SET last_counter = ?2 WHERE id = ?1 AND last_counter < ?2", -1, &st, NULL) !=
	    SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("writing the settings"));
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, counter);
	if (sqlite3_step(st) != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("writing the settings"));
	sqlite3_finalize(st);
	if (err < 0 || sqlite3_changes(s->db) > 0)
		return err;
	if (sqlite3_prepare_v2(s->db, "SELECT last_counter FROM device WHERE id = ?1", -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("reading the settings"));
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	int64_t have = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (last)
		*last = have;
	return bt__error_set(BT_EDENIED, BT_("request number %lld of device \"%.64s\" is not above the last one taken (%lld): "
					     "a replay, or a tablet restored from a copy"),
			     (long long)counter, id, (long long)have);
}
