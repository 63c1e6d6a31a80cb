/*
 * keys.c - device and office keys: Ed25519 through OpenSSL's EVP interface,
 * stored as PEM so that `openssl` itself can read them and check
 * signatures, and the signed log head (docs/protocol.md).
 */
#include "bontot/sync.h"
#include "buf.h"
#include "error.h"
#include "i18n.h"
#include "sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct bt_key {
	EVP_PKEY *pkey;
	int has_private;
};

static int ssl_error(const char *what) { return bt__error_set(BT_ERROR, BT_("%s failed (OpenSSL)"), what); }

int bt_key_generate(bt_key **out)
{
	bt_key *k = calloc(1, sizeof(*k));
	*out = NULL;
	if (!k)
		return bt__oom();
	if (!(k->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"))) {
		free(k);
		return ssl_error("Ed25519 keygen");
	}
	k->has_private = 1;
	*out = k;
	return 0;
}

void bt_key_free(bt_key *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

int bt_key_save_private(const bt_key *k, const char *path)
{
	int fd, err = 0;
	FILE *f;
	if (!k->has_private)
		return bt__error_set(BT_EINVALID, BT_("not a private key"));
	/* O_EXCL: never overwrite a key; 0600: readable by its owner only. */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0)
		return bt__error_set(errno == EEXIST ? BT_EEXISTS : BT_EIO, BT_("cannot create the key file %s"), path);
	if (!(f = fdopen(fd, "w"))) {
		close(fd);
		return bt__error_set(BT_EIO, BT_("cannot create the key file %s"), path);
	}
	if (PEM_write_PrivateKey(f, k->pkey, NULL, NULL, 0, NULL, NULL) != 1)
		err = ssl_error("PEM_write_PrivateKey");
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		err = err ? err : bt__error_set(BT_EIO, BT_("cannot write the key file %s"), path);
	fclose(f);
	if (err)
		unlink(path);
	return err;
}

int bt_key_load_private(bt_key **out, const char *path)
{
	FILE *f = fopen(path, "r");
	bt_key *k;
	*out = NULL;
	if (!f)
		return bt__error_set(BT_ENOTFOUND, BT_("cannot read the key file %s"), path);
	EVP_PKEY *p = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!p || EVP_PKEY_get_base_id(p) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(p);
		return bt__error_set(BT_EINVALID, BT_("%s is not an Ed25519 private key"), path);
	}
	if (!(k = calloc(1, sizeof(*k)))) {
		EVP_PKEY_free(p);
		return bt__oom();
	}
	k->pkey = p;
	k->has_private = 1;
	*out = k;
	return 0;
}

int bt_key_public_pem(char **out, const bt_key *k)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long n;
	*out = NULL;
	if (!b || PEM_write_bio_PUBKEY(b, k->pkey) != 1) {
		BIO_free(b);
		return ssl_error("PEM_write_bio_PUBKEY");
	}
	n = BIO_get_mem_data(b, &data);
	if (n <= 0 || !(*out = malloc((size_t)n + 1))) {
		BIO_free(b);
		return bt__oom();
	}
	memcpy(*out, data, (size_t)n);
	(*out)[n] = '\0';
	BIO_free(b);
	return 0;
}

int bt_key_from_public_pem(bt_key **out, const char *pem, size_t len)
{
	BIO *b = BIO_new_mem_buf(pem, (int)len);
	bt_key *k;
	*out = NULL;
	if (!b || len > 4096)
		return bt__error_set(BT_EINVALID, BT_("not an Ed25519 public key"));
	EVP_PKEY *p = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
	BIO_free(b);
	if (!p || EVP_PKEY_get_base_id(p) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(p);
		return bt__error_set(BT_EINVALID, BT_("not an Ed25519 public key"));
	}
	if (!(k = calloc(1, sizeof(*k)))) {
		EVP_PKEY_free(p);
		return bt__oom();
	}
	k->pkey = p;
	*out = k;
	return 0;
}

int bt_key_public_raw(uint8_t out[BT_ED25519_PUBLIC_BYTES], const bt_key *k)
{
	size_t n = BT_ED25519_PUBLIC_BYTES;
	if (EVP_PKEY_get_raw_public_key(k->pkey, out, &n) != 1 || n != BT_ED25519_PUBLIC_BYTES)
		return ssl_error("EVP_PKEY_get_raw_public_key");
	return 0;
}

int bt_key_from_public_raw(bt_key **out, const uint8_t raw[BT_ED25519_PUBLIC_BYTES])
{
	bt_key *k = calloc(1, sizeof(*k));
	*out = NULL;
	if (!k)
		return bt__oom();
	if (!(k->pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, BT_ED25519_PUBLIC_BYTES))) {
		free(k);
		return ssl_error("EVP_PKEY_new_raw_public_key");
	}
	*out = k;
	return 0;
}

int bt_head_message(bt_buf *out, const char *log, int64_t seq, const uint8_t hash[BT_HASH_BYTES])
{
	char hex[BT_SHA256_HEX_BYTES];
	bt__hex(hex, hash, BT_HASH_BYTES);
	bt_buf_printf(out, "bontot log head v1\n%s\n%lld\n%s\n", log, (long long)seq, hex);
	return out->failed ? BT_ENOMEM : 0;
}

int bt_key_sign(uint8_t sig[BT_ED25519_SIG_BYTES], const bt_key *k, const void *msg, size_t len)
{
	EVP_MD_CTX *ctx = NULL;
	size_t n = BT_ED25519_SIG_BYTES;
	int err = 0;
	if (!k->has_private)
		return bt__error_set(BT_EINVALID, BT_("not a private key"));
	/* Ed25519 signs the message itself (no separate digest). */
	if (!(ctx = EVP_MD_CTX_new()) || EVP_DigestSignInit(ctx, NULL, NULL, NULL, k->pkey) != 1 ||
	    EVP_DigestSign(ctx, sig, &n, msg, len) != 1 || n != BT_ED25519_SIG_BYTES)
		err = ssl_error("Ed25519 sign");
	EVP_MD_CTX_free(ctx);
	return err;
}

int bt_key_verify(const bt_key *k, const void *msg, size_t len, const uint8_t sig[BT_ED25519_SIG_BYTES])
{
	EVP_MD_CTX *ctx = NULL;
	int err = 0;
	if (!(ctx = EVP_MD_CTX_new()) || EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k->pkey) != 1)
		err = ssl_error("Ed25519 verify");
	else if (EVP_DigestVerify(ctx, sig, BT_ED25519_SIG_BYTES, msg, len) != 1)
		err = bt__error_set(BT_EBADSIG, BT_("the signature does not verify"));
	EVP_MD_CTX_free(ctx);
	return err;
}

int bt_head_sign(uint8_t sig[BT_ED25519_SIG_BYTES], const bt_key *k, const char *log, int64_t seq,
		 const uint8_t hash[BT_HASH_BYTES])
{
	bt_buf m;
	int err;
	bt_buf_init(&m, 4096);
	if ((err = bt_head_message(&m, log, seq, hash)) == 0)
		err = bt_key_sign(sig, k, m.data, m.len);
	bt_buf_free(&m);
	return err;
}

int bt_head_verify(const bt_key *k, const char *log, int64_t seq, const uint8_t hash[BT_HASH_BYTES],
		   const uint8_t sig[BT_ED25519_SIG_BYTES])
{
	bt_buf m;
	int err;
	bt_buf_init(&m, 4096);
	if ((err = bt_head_message(&m, log, seq, hash)) == 0 && (err = bt_key_verify(k, m.data, m.len, sig)) == BT_EBADSIG)
		err = bt__error_set(BT_EBADSIG, BT_("the signature of log %s at %lld does not verify"), log, (long long)seq);
	bt_buf_free(&m);
	return err;
}

int bt_request_message(bt_buf *out, const char *device, int64_t counter, const char *method, const char *path)
{
	bt_buf_printf(out, "bontot request v2\n%s\n%lld\n%s %s\n", device, (long long)counter, method, path);
	return out->failed ? BT_ENOMEM : 0;
}
