/*
 * staff.c - the office's staff accounts, their bearer tokens and the log of
 * who read what (bontot/staff.h). Passwords are kept as scrypt hashes with
 * a random salt (N = 2^15, r = 8, p = 1: about 32 MiB and a tenth of a
 * second per check, which makes guessing slow); tokens as their SHA-256,
 * found by it.
 */
#include "bontot/staff.h"
#include "error.h"
#include "i18n.h"
#include "sha256.h"
#include "store_internal.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define SCRYPT_N 32768u
#define SCRYPT_R 8u
#define SCRYPT_P 1u
#define SALT_BYTES 16
#define HASH_BYTES 32

const char *bt_staff_role_name(bt_staff_role role)
{
	return role == BT_STAFF_OFFICE ? "office" : role == BT_STAFF_AUDITOR ? "auditor" : NULL;
}

bt_staff_role bt_staff_role_parse(const char *name)
{
	return !name ? 0 : !strcmp(name, "office") ? BT_STAFF_OFFICE : !strcmp(name, "auditor") ? BT_STAFF_AUDITOR : 0;
}

static int valid_name(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > BT_STAFF_NAME_MAX_BYTES)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
			return 0;
	}
	return 1;
}

static int scrypt(uint8_t out[HASH_BYTES], const char *password, const uint8_t *salt, uint64_t n, uint64_t r, uint64_t p)
{
	if (EVP_PBE_scrypt(password, strlen(password), salt, SALT_BYTES, n, r, p, 64u << 20, out, HASH_BYTES) != 1)
		return bt__error_set(BT_ERROR, BT_("scrypt failed"));
	return 0;
}

int bt_staff_add(bt_store *s, const char *name, bt_staff_role role, const char *password)
{
	uint8_t salt[SALT_BYTES], hash[HASH_BYTES];
	char at[BT_TIMESTAMP_BYTES], params[48];
	sqlite3_stmt *st = NULL;
	int err;
	if (!valid_name(name))
		return bt__error_set(BT_EINVALID, BT_("an account name is 1 to %d letters without accents, digits, \"-\", \"_\" or \".\""),
				     BT_STAFF_NAME_MAX_BYTES);
	if (!bt_staff_role_name(role))
		return bt__error_set(BT_EINVALID, BT_("an account's role is office or auditor"));
	if (!password || strlen(password) < BT_STAFF_PASSWORD_MIN_BYTES)
		return bt__error_set(BT_EINVALID, BT_("a password has at least %d characters"), BT_STAFF_PASSWORD_MIN_BYTES);
	if (RAND_bytes(salt, sizeof(salt)) != 1)
		return bt__error_set(BT_ERROR, BT_("cannot generate random bytes"));
	if ((err = scrypt(hash, password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)) < 0)
		return err;
	snprintf(params, sizeof(params), "scrypt:%u:%u:%u", SCRYPT_N, SCRYPT_R, SCRYPT_P);
	bt_store__now(at);
	if (sqlite3_prepare_v2(s->db, "INSERT INTO staff(name, role, kdf, salt, hash, created) VALUES(?1, ?2, ?3, ?4, ?5, ?6)", -1, &st,
			       NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("writing the accounts"));
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, bt_staff_role_name(role), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, params, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, salt, sizeof(salt), SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, hash, sizeof(hash), SQLITE_STATIC);
	sqlite3_bind_text(st, 6, at, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		err = bt__error_set(BT_EEXISTS, BT_("an account \"%s\" exists already"), name);
	else if (rc != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("writing the accounts"));
	sqlite3_finalize(st);
	OPENSSL_cleanse(hash, sizeof(hash));
	return err;
}

/* Run one statement binding the name; *changes gets the rows it changed. */
static int exec_name(bt_store *s, const char *sql, const char *name, int64_t *changes)
{
	sqlite3_stmt *st = NULL;
	int err = 0;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("writing the accounts"));
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("writing the accounts"));
	else if (changes)
		*changes = sqlite3_changes(s->db);
	sqlite3_finalize(st);
	return err;
}

int bt_staff_remove(bt_store *s, const char *name)
{
	int64_t n = 0;
	int err;
	if ((err = bt_store__exec(s, "BEGIN IMMEDIATE")) < 0)
		return err;
	if ((err = exec_name(s, "UPDATE staff_token SET revoked = 1 WHERE name = ?1", name, NULL)) == 0 &&
	    (err = exec_name(s, "DELETE FROM staff WHERE name = ?1", name, &n)) == 0 && n == 0)
		err = bt__error_set(BT_ENOTFOUND, BT_("no account \"%.64s\""), name);
	if (err == 0 && (err = bt_store__exec(s, "COMMIT")) == 0)
		return 0;
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return err;
}

int bt_staff_list(bt_store *s, int (*each)(const bt_staff_info *info, void *payload), void *payload)
{
	sqlite3_stmt *st = NULL;
	int err = 0, rc;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT s.name, s.role, s.created, (SELECT count(*) FROM staff_token t WHERE t.name = s.name AND"
			       " t.revoked = 0) FROM staff s ORDER BY s.name",
			       -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("reading the accounts"));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		bt_staff_info info = {(const char *)sqlite3_column_text(st, 0), bt_staff_role_parse((const char *)sqlite3_column_text(st, 1)),
				      (const char *)sqlite3_column_text(st, 2), sqlite3_column_int64(st, 3)};
		if ((err = each(&info, payload)) != 0)
			break;
	}
	if (err == 0 && rc != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("reading the accounts"));
	sqlite3_finalize(st);
	return err < 0 ? err : 0;
}

int bt_staff_login(bt_store *s, const char *name, const char *password, bt_staff_role *role)
{
	sqlite3_stmt *st = NULL;
	uint8_t hash[HASH_BYTES];
	unsigned n = 0, r = 0, p = 0;
	int ok = 0, err = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT role, kdf, salt, hash FROM staff WHERE name = ?1", -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("reading the accounts"));
	sqlite3_bind_text(st, 1, name ? name : "", -1, SQLITE_STATIC);
	if (password && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 2) == SALT_BYTES &&
	    sqlite3_column_bytes(st, 3) == HASH_BYTES &&
	    sscanf((const char *)sqlite3_column_text(st, 1), "scrypt:%u:%u:%u", &n, &r, &p) == 3 && n <= (1u << 20) && r <= 32 && p <= 16) {
		if ((err = scrypt(hash, password, sqlite3_column_blob(st, 2), n, r, p)) == 0 &&
		    CRYPTO_memcmp(hash, sqlite3_column_blob(st, 3), HASH_BYTES) == 0) {
			ok = 1;
			if (role)
				*role = bt_staff_role_parse((const char *)sqlite3_column_text(st, 0));
		}
		OPENSSL_cleanse(hash, sizeof(hash));
	}
	sqlite3_finalize(st);
	if (err < 0)
		return err;
	return ok ? 0 : bt__error_set(BT_EDENIED, BT_("wrong account name or password"));
}

/* 0 when the account exists, BT_ENOTFOUND when not. */
static int account_exists(bt_store *s, const char *name)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM staff WHERE name = ?1", -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("reading the accounts"));
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	int found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found ? 0 : bt__error_set(BT_ENOTFOUND, BT_("no account \"%.64s\""), name);
}

int bt_staff_token(bt_store *s, const char *name, char out[BT_STAFF_TOKEN_BYTES])
{
	uint8_t rnd[32], hash[BT_HASH_BYTES];
	char at[BT_TIMESTAMP_BYTES];
	sqlite3_stmt *st = NULL;
	int err = 0;
	if ((err = account_exists(s, name)) < 0)
		return err;
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return bt__error_set(BT_ERROR, BT_("cannot generate random bytes"));
	memcpy(out, "btk_", 4);
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(out + 4 + 2 * i, 3, "%02x", rnd[i]);
	OPENSSL_cleanse(rnd, sizeof(rnd));
	if (bt__sha256(hash, out, strlen(out)) < 0)
		return bt__error_set(BT_ERROR, BT_("SHA-256 failed"));
	bt_store__now(at);
	if (sqlite3_prepare_v2(s->db, "INSERT INTO staff_token(hash, name, created, revoked) VALUES(?1, ?2, ?3, 0)", -1, &st, NULL) !=
	    SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("writing the accounts"));
	sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, at, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("writing the accounts"));
	sqlite3_finalize(st);
	if (err < 0)
		OPENSSL_cleanse(out, BT_STAFF_TOKEN_BYTES);
	return err;
}

int bt_staff_revoke_tokens(bt_store *s, const char *name, int64_t *count)
{
	int err = account_exists(s, name);
	if (err < 0)
		return err;
	int64_t n = 0;
	err = exec_name(s, "UPDATE staff_token SET revoked = 1 WHERE name = ?1 AND revoked = 0", name, &n);
	if (err == 0 && count)
		*count = n;
	return err;
}

int bt_staff_authenticate(bt_store *s, const char *token, char *name, bt_staff_role *role)
{
	uint8_t hash[BT_HASH_BYTES];
	sqlite3_stmt *st = NULL;
	int ok = 0;
	if (!token || strlen(token) != BT_STAFF_TOKEN_BYTES - 1 || strncmp(token, "btk_", 4) != 0 ||
	    bt__sha256(hash, token, strlen(token)) < 0)
		return bt__error_set(BT_EDENIED, BT_("not a valid token"));
	if (sqlite3_prepare_v2(s->db,
			       "SELECT s.name, s.role FROM staff_token t JOIN staff s ON s.name = t.name WHERE t.hash = ?1 AND"
			       " t.revoked = 0",
			       -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("reading the accounts"));
	sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		ok = 1;
		if (name)
			bt__copy_utf8(name, BT_STAFF_NAME_MAX_BYTES + 1, (const char *)sqlite3_column_text(st, 0));
		if (role)
			*role = bt_staff_role_parse((const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	return ok ? 0 : bt__error_set(BT_EDENIED, BT_("this token is unknown or revoked"));
}

int bt_access_log_add(bt_store *s, const char *who, const char *what)
{
	char at[BT_TIMESTAMP_BYTES];
	sqlite3_stmt *st = NULL;
	int err = 0;
	bt_store__now(at);
	if (sqlite3_prepare_v2(s->db, "INSERT INTO access_log(at, who, what) VALUES(?1, ?2, ?3)", -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("writing the access log"));
	sqlite3_bind_text(st, 1, at, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, who, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, what, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("writing the access log"));
	sqlite3_finalize(st);
	return err;
}

int bt_access_log(bt_store *s, int64_t limit, int (*each)(const bt_access_entry *entry, void *payload), void *payload)
{
	sqlite3_stmt *st = NULL;
	int err = 0, rc;
	if (sqlite3_prepare_v2(s->db, "SELECT id, at, who, what FROM access_log ORDER BY id DESC LIMIT ?1", -1, &st, NULL) != SQLITE_OK)
		return bt_store__db_error(s, BT_EIO, BT_("reading the access log"));
	sqlite3_bind_int64(st, 1, limit > 0 ? limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		bt_access_entry e = {sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
				     (const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 3)};
		if ((err = each(&e, payload)) != 0)
			break;
	}
	if (err == 0 && rc != SQLITE_DONE)
		err = bt_store__db_error(s, BT_EIO, BT_("reading the access log"));
	sqlite3_finalize(st);
	return err < 0 ? err : 0;
}
