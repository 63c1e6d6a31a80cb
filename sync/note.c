/*
 * note.c - checkpoints of the office's transparency log as C2SP signed
 * notes (tlog-checkpoint, signed-note): the text, one Ed25519 signature
 * line, the verifier key, and the verification an auditor or a tablet does.
 */
#include "bontot/tlog.h"
#include "buf.h"
#include "error.h"
#include "i18n.h"
#include "sha256.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EM_DASH "\xe2\x80\x94"

void bt_tlog_origin(char *out, size_t size, const char *office_log) { snprintf(out, size, "bontot/%s", office_log); }

static void b64(char *out, const uint8_t *data, size_t len) { EVP_EncodeBlock((unsigned char *)out, data, (int)len); }

/* Decode standard base64 exactly into want bytes; 0 or -1. */
static int unb64(uint8_t *out, size_t want, const char *text, size_t len)
{
	uint8_t buf[512];
	if (len == 0 || len % 4 || len / 4 * 3 > sizeof(buf))
		return -1;
	int n = EVP_DecodeBlock(buf, (const unsigned char *)text, (int)len);
	if (n < 0)
		return -1;
	size_t pad = (text[len - 1] == '=') + (text[len - 2] == '=');
	if ((size_t)n - pad != want)
		return -1;
	memcpy(out, buf, want);
	return 0;
}

/* SHA-256(name || 0x0A || type || public key)[:4] as a big-endian number (type 0x01: a note's key, 0x04: a cosigner's). */
static int key_id_of(uint32_t *id, const char *name, uint8_t type, const uint8_t pub[BT_ED25519_PUBLIC_BYTES])
{
	uint8_t buf[256 + 2 + BT_ED25519_PUBLIC_BYTES], h[BT_HASH_BYTES];
	size_t n = strlen(name);
	if (n > 256)
		return bt__error_set(BT_EINVALID, BT_("a key name is at most 256 bytes"));
	memcpy(buf, name, n);
	buf[n] = '\n';
	buf[n + 1] = type;
	memcpy(buf + n + 2, pub, BT_ED25519_PUBLIC_BYTES);
	if (bt__sha256(h, buf, n + 2 + BT_ED25519_PUBLIC_BYTES) < 0)
		return bt__error_set(BT_ERROR, BT_("SHA-256 failed"));
	*id = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
	return 0;
}

static int key_id(uint32_t *id, const char *name, const uint8_t pub[BT_ED25519_PUBLIC_BYTES]) { return key_id_of(id, name, 0x01, pub); }

/* A verifier key "<name>+<key ID>+<base64(type || public key)>" (type 0x01: a note's signer, 0x04: a cosigner). */
static int vkey_of(char *out, size_t size, const char *name, uint8_t type, const bt_key *key)
{
	uint8_t pub[1 + BT_ED25519_PUBLIC_BYTES];
	char enc[64];
	uint32_t id;
	int err;
	pub[0] = type;
	if ((err = bt_key_public_raw(pub + 1, key)) < 0 || (err = key_id_of(&id, name, type, pub + 1)) < 0)
		return err;
	b64(enc, pub, sizeof(pub));
	if ((size_t)snprintf(out, size, "%s+%08x+%s", name, id, enc) >= size)
		return bt__error_set(BT_EINVALID, BT_("the verifier key does not fit"));
	return 0;
}

int bt_tlog_vkey(char *out, size_t size, const char *origin, const bt_key *key) { return vkey_of(out, size, origin, 0x01, key); }

int bt_tlog_checkpoint_text(bt_buf *out, const char *origin, uint64_t size, const uint8_t root[BT_HASH_BYTES])
{
	char root64[64];
	b64(root64, root, BT_HASH_BYTES);
	bt_buf_printf(out, "%s\n%llu\n%s\n", origin, (unsigned long long)size, root64);
	return out->failed ? BT_ENOMEM : 0;
}

/* Sign out[start..] as a note by `name` with `key`: the blank line and the signature line. */
static int sign_note(bt_buf *out, size_t start, const char *name, const bt_key *key)
{
	uint8_t pub[BT_ED25519_PUBLIC_BYTES], sig[4 + BT_ED25519_SIG_BYTES];
	char sig64[128];
	uint32_t id;
	int err;
	if (out->failed)
		return BT_ENOMEM;
	if ((err = bt_key_public_raw(pub, key)) < 0 || (err = key_id(&id, name, pub)) < 0 ||
	    (err = bt_key_sign(sig + 4, key, out->data + start, out->len - start)) < 0)
		return err;
	sig[0] = (uint8_t)(id >> 24), sig[1] = (uint8_t)(id >> 16), sig[2] = (uint8_t)(id >> 8), sig[3] = (uint8_t)id;
	b64(sig64, sig, sizeof(sig));
	bt_buf_printf(out, "\n" EM_DASH " %s %s\n", name, sig64);
	return out->failed ? BT_ENOMEM : 0;
}

int bt_tlog_receipt(bt_buf *out, const char *origin, uint64_t size, const uint8_t root[BT_HASH_BYTES], const char *rules_label,
		    int year, bt_date as_of, const char *cell, const uint8_t body_sha256[BT_HASH_BYTES], const bt_key *key)
{
	char root64[64], hex[BT_SHA256_HEX_BYTES], day[BT_DATE_STR_BYTES];
	size_t start = out->len;
	b64(root64, root, BT_HASH_BYTES);
	bt__hex(hex, body_sha256, BT_HASH_BYTES);
	bt_date_format(day, as_of);
	bt_buf_printf(out, "bontot evaluation receipt v1\n%s\n%llu\n%s\nrules %s\nyear %d\nas_of %s\ncell %s\nsha256 %s\n", origin,
		      (unsigned long long)size, root64, rules_label, year, day, cell && *cell ? cell : "*", hex);
	return sign_note(out, start, origin, key);
}

int bt_tlog_checkpoint(bt_buf *out, const char *origin, uint64_t size, const uint8_t root[BT_HASH_BYTES], const bt_key *key)
{
	size_t start = out->len;
	int err = bt_tlog_checkpoint_text(out, origin, size, root);
	return err < 0 ? err : sign_note(out, start, origin, key);
}

int bt_note_open(const char *note, size_t len, const char *vkey, size_t *text_out)
{
	/* The verifier key: name+id+base64(0x01 || key). */
	const char *p1 = strchr(vkey, '+'), *p2 = p1 ? strchr(p1 + 1, '+') : NULL;
	uint8_t pub[1 + BT_ED25519_PUBLIC_BYTES];
	char name[257];
	uint32_t id, want;
	if (!p1 || !p2 || p1 == vkey || (size_t)(p1 - vkey) >= sizeof(name) || p2 - p1 != 9 ||
	    unb64(pub, sizeof(pub), p2 + 1, strlen(p2 + 1)) < 0 || pub[0] != 0x01)
		return bt__error_set(BT_EINVALID, BT_("not a verifier key (NAME+ID+KEY)"));
	memcpy(name, vkey, (size_t)(p1 - vkey));
	name[p1 - vkey] = '\0';
	char idhex[9];
	memcpy(idhex, p1 + 1, 8);
	idhex[8] = '\0';
	want = (uint32_t)strtoul(idhex, NULL, 16);
	if (key_id(&id, name, pub + 1) < 0 || id != want)
		return bt__error_set(BT_EINVALID, BT_("the verifier key's id does not match its key"));
	if (len > BT_NOTE_MAX_BYTES || memchr(note, '\0', len))
		return bt__error_set(BT_ECORRUPT, BT_("not a checkpoint"));
	/* The text ends at the last blank line. */
	size_t text_len = 0;
	for (size_t i = len; i >= 2; i--)
		if (note[i - 1] == '\n' && note[i - 2] == '\n' && i - 1 < len) {
			text_len = i - 1;
			break;
		}
	if (!text_len || note[len - 1] != '\n')
		return bt__error_set(BT_ECORRUPT, BT_("not a checkpoint: no signatures"));
	bt_key *key = NULL;
	int err = bt_key_from_public_raw(&key, pub + 1), verified = 0;
	if (err < 0)
		return err;
	/* Each signature line: em dash, space, name, space, base64(id || signature). */
	for (size_t i = text_len + 1; i < len && err == 0;) {
		const char *line = note + i, *eol = memchr(line, '\n', len - i);
		size_t n = (size_t)(eol - line), nl = strlen(name);
		i += n + 1;
		if (n < 4 || memcmp(line, EM_DASH " ", 4) != 0) {
			err = bt__error_set(BT_ECORRUPT, BT_("not a checkpoint: a signature line is malformed"));
			break;
		}
		uint8_t sig[4 + BT_ED25519_SIG_BYTES];
		if (n > 4 + nl && memcmp(line + 4, name, nl) == 0 && line[4 + nl] == ' ' &&
		    unb64(sig, sizeof(sig), line + 5 + nl, n - 5 - nl) == 0 &&
		    ((uint32_t)sig[0] << 24 | (uint32_t)sig[1] << 16 | (uint32_t)sig[2] << 8 | sig[3]) == id) {
			if (bt_key_verify(key, note, text_len, sig + 4) < 0) {
				err = bt__error_set(BT_EBADSIG, BT_("the checkpoint's signature by %s does not verify"), name);
				break;
			}
			verified = 1;
		}
	}
	bt_key_free(key);
	if (err < 0)
		return err;
	if (!verified)
		return bt__error_set(BT_EBADSIG, BT_("the checkpoint carries no signature by %s"), name);
	*text_out = text_len;
	return 0;
}

int bt_tlog_checkpoint_verify(const char *note, size_t len, const char *vkey, uint64_t *size, uint8_t root[BT_HASH_BYTES])
{
	size_t text_len;
	int err = bt_note_open(note, len, vkey, &text_len);
	if (err < 0)
		return err;
	const char *p1 = strchr(vkey, '+');
	char name[257];
	memcpy(name, vkey, (size_t)(p1 - vkey));
	name[p1 - vkey] = '\0';
	/* origin, size, root. */
	const char *l2 = memchr(note, '\n', text_len), *l3 = l2 ? memchr(l2 + 1, '\n', text_len - (size_t)(l2 + 1 - note)) : NULL;
	const char *l4 = l3 ? memchr(l3 + 1, '\n', text_len - (size_t)(l3 + 1 - note)) : NULL;
	if (!l4 || (size_t)(l2 - note) != strlen(name) || memcmp(note, name, strlen(name)) != 0)
		return bt__error_set(BT_ECORRUPT, BT_("not a checkpoint of %s"), name);
	char num[24];
	size_t nn = (size_t)(l3 - l2 - 1);
	if (nn == 0 || nn >= sizeof(num) || (nn > 1 && l2[1] == '0'))
		return bt__error_set(BT_ECORRUPT, BT_("not a checkpoint: bad tree size"));
	memcpy(num, l2 + 1, nn);
	num[nn] = '\0';
	char *end;
	unsigned long long sz = strtoull(num, &end, 10);
	if (*end || unb64(root, BT_HASH_BYTES, l3 + 1, (size_t)(l4 - l3 - 1)) < 0)
		return bt__error_set(BT_ECORRUPT, BT_("not a checkpoint: bad tree size or root"));
	*size = sz;
	return 0;
}

void bt_tlog_witness_name(char *out, size_t size, const char *device_log) { snprintf(out, size, "bontot-witness/%s", device_log); }

int bt_tlog_witness_vkey(char *out, size_t size, const char *name, const bt_key *key) { return vkey_of(out, size, name, 0x04, key); }

/* "cosignature/v1\ntime T\n" and the checkpoint's text: what a cosigner signs. */
static int cosigned_message(bt_buf *m, const char *text, size_t len, int64_t timestamp)
{
	bt_buf_printf(m, "cosignature/v1\ntime %lld\n", (long long)timestamp);
	bt_buf_put(m, text, len);
	return m->failed ? BT_ENOMEM : 0;
}

int bt_tlog_cosign(bt_buf *out, const char *name, const bt_key *key, const char *text, size_t len, int64_t timestamp)
{
	uint8_t pub[BT_ED25519_PUBLIC_BYTES], sig[4 + 8 + BT_ED25519_SIG_BYTES];
	char sig64[160];
	uint32_t id;
	bt_buf m;
	int err;
	if (timestamp < 0)
		return bt__error_set(BT_EINVALID, BT_("a cosignature's time is not before 1970"));
	bt_buf_init(&m, 0);
	if ((err = bt_key_public_raw(pub, key)) < 0 || (err = key_id_of(&id, name, 0x04, pub)) < 0 ||
	    (err = cosigned_message(&m, text, len, timestamp)) < 0 || (err = bt_key_sign(sig + 12, key, m.data, m.len)) < 0) {
		bt_buf_free(&m);
		return err;
	}
	bt_buf_free(&m);
	sig[0] = (uint8_t)(id >> 24), sig[1] = (uint8_t)(id >> 16), sig[2] = (uint8_t)(id >> 8), sig[3] = (uint8_t)id;
	for (int i = 0; i < 8; i++)
		sig[4 + i] = (uint8_t)((uint64_t)timestamp >> (56 - 8 * i));
	b64(sig64, sig, sizeof(sig));
	bt_buf_printf(out, EM_DASH " %s %s\n", name, sig64);
	return out->failed ? BT_ENOMEM : 0;
}

int bt_tlog_cosignature_verify(const char *text, size_t len, const char *line, size_t line_len, const char *name, const bt_key *key,
			       int64_t *timestamp)
{
	uint8_t pub[BT_ED25519_PUBLIC_BYTES], sig[4 + 8 + BT_ED25519_SIG_BYTES];
	size_t nl = strlen(name);
	uint32_t id;
	int err;
	if (line_len <= 5 + nl || memcmp(line, EM_DASH " ", 4) != 0 || memcmp(line + 4, name, nl) != 0 || line[4 + nl] != ' ' ||
	    unb64(sig, sizeof(sig), line + 5 + nl, line_len - 5 - nl) < 0)
		return bt__error_set(BT_EBADSIG, BT_("not a cosignature by %s"), name);
	if ((err = bt_key_public_raw(pub, key)) < 0 || (err = key_id_of(&id, name, 0x04, pub)) < 0)
		return err;
	if (((uint32_t)sig[0] << 24 | (uint32_t)sig[1] << 16 | (uint32_t)sig[2] << 8 | sig[3]) != id)
		return bt__error_set(BT_EBADSIG, BT_("not a cosignature by %s"), name);
	uint64_t t = 0;
	for (int i = 0; i < 8; i++)
		t = t << 8 | sig[4 + i];
	if (t > (uint64_t)INT64_MAX)
		return bt__error_set(BT_EBADSIG, BT_("not a cosignature by %s"), name);
	bt_buf m;
	bt_buf_init(&m, 0);
	if ((err = cosigned_message(&m, text, len, (int64_t)t)) == 0 && bt_key_verify(key, m.data, m.len, sig + 12) < 0)
		err = bt__error_set(BT_EBADSIG, BT_("the cosignature by %s does not verify"), name);
	bt_buf_free(&m);
	if (err == 0 && timestamp)
		*timestamp = (int64_t)t;
	return err;
}
