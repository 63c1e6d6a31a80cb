/*
 * tls.c - the office's TLS key and self-signed certificate for `bontot
 * serve` (OpenSSL EVP and X509): an ECDSA P-256 key, which GnuTLS (in
 * libmicrohttpd) and curl's OpenSSL both take, and a certificate a tablet
 * trusts by its key's pin, not by a CA or its dates (docs/protocol.md, "TLS").
 */
#include "bontot/sync.h"
#include "error.h"
#include "i18n.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CERT_DAYS (20 * 365) /* a village tablet's pin is the trust, not the dates */

/* Write `what` with `write` to a new file of mode `mode`; never over an existing one. */
static int write_new(const char *path, int mode, int (*write)(FILE *f, void *what), void *what)
{
	int fd, err = 0;
	FILE *f;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode)) < 0)
		return bt__error_set(errno == EEXIST ? BT_EEXISTS : BT_EIO, BT_("cannot create the file %s"), path);
	if (!(f = fdopen(fd, "w"))) {
		close(fd);
		unlink(path);
		return bt__error_set(BT_EIO, BT_("cannot create the file %s"), path);
	}
	if (write(f, what) != 1 || fflush(f) != 0 || fsync(fileno(f)) != 0)
		err = bt__error_set(BT_EIO, BT_("cannot write the file %s"), path);
	fclose(f);
	if (err)
		unlink(path);
	return err;
}

static int write_key(FILE *f, void *key) { return PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL); }
static int write_cert(FILE *f, void *cert) { return PEM_write_X509(f, cert); }

/* The certificate of `key`, self-signed, CN `cn` (NULL, or not a valid CN: "bontot office"). */
static X509 *make_cert(EVP_PKEY *key, const char *cn)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	X509_EXTENSION *san = NULL;
	unsigned char serial[16];
	BIGNUM *bn = NULL;
	X509V3_CTX ctx;
	int ok = x && name && RAND_bytes(serial, sizeof(serial)) == 1;
	serial[0] &= 0x7f; /* a positive serial number */
	ok = ok && (bn = BN_bin2bn(serial, sizeof(serial), NULL)) && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) &&
	     X509_set_version(x, X509_VERSION_3);
	if (ok && !(cn && cn[0] && X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0))) {
		X509_NAME_free(name); /* a name too long for a CN (64 characters) */
		ok = (name = X509_NAME_new()) &&
		     X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)"bontot office", -1, -1, 0);
	}
	ok = ok && X509_set_subject_name(x, name) && X509_set_issuer_name(x, name) &&
	     X509_gmtime_adj(X509_getm_notBefore(x), -86400) && /* a tablet's clock a day behind */
	     X509_time_adj_ex(X509_getm_notAfter(x), CERT_DAYS, 0, NULL) && X509_set_pubkey(x, key);
	if (ok) {
		X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
		ok = (san = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1")) &&
		     X509_add_ext(x, san, -1) && X509_sign(x, key, EVP_sha256()) > 0;
	}
	X509_EXTENSION_free(san);
	X509_NAME_free(name);
	BN_free(bn);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

int bt_tls_make_cert(const char *cert_path, const char *key_path, const char *common_name)
{
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	int err = 0, made_key = 0;
	if (access(cert_path, F_OK) == 0)
		return bt__error_set(BT_EEXISTS, BT_("the TLS certificate %s exists already"), cert_path);
	FILE *f = fopen(key_path, "r");
	if (f) {
		/* A key left without its certificate: used again, so its pin stays the same. */
		key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
		if (!key)
			return bt__error_set(BT_EINVALID, BT_("%s is not a private key (PEM)"), key_path);
	} else if (!(key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"))) {
		return bt__error_set(BT_ERROR, BT_("%s failed (OpenSSL)"), "P-256 keygen");
	} else if ((err = write_new(key_path, 0600, write_key, key)) < 0) {
		EVP_PKEY_free(key);
		return err;
	} else {
		made_key = 1;
	}
	if (!(x = make_cert(key, common_name)))
		err = bt__error_set(BT_ERROR, BT_("%s failed (OpenSSL)"), "X509_sign");
	else
		err = write_new(cert_path, 0644, write_cert, x);
	if (err < 0 && made_key)
		unlink(key_path);
	X509_free(x);
	EVP_PKEY_free(key);
	return err;
}
