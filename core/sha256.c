/*
 * sha256.c - SHA-256 (FIPS 180-4) through OpenSSL's EVP interface, and hex.
 */
#include "sha256.h"

#include <openssl/evp.h>

/*
 * One digest context per thread, fetched once and reused: EVP_Digest would
 * allocate a context and look the algorithm up on every call, which costs
 * more than hashing a small record.
 */
static _Thread_local EVP_MD_CTX *ctx;
static _Thread_local EVP_MD *md;

int bt__sha256(uint8_t out[BT_SHA256_BYTES], const void *data, size_t len)
{
	unsigned int n = 0;
	if (!md && !(md = EVP_MD_fetch(NULL, "SHA256", NULL)))
		return -1;
	if (!ctx && !(ctx = EVP_MD_CTX_new()))
		return -1;
	if (EVP_DigestInit_ex(ctx, md, NULL) != 1 || EVP_DigestUpdate(ctx, data, len) != 1 ||
	    EVP_DigestFinal_ex(ctx, out, &n) != 1 || n != BT_SHA256_BYTES)
		return -1;
	return 0;
}

void bt__hex(char *out, const uint8_t *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[data[i] >> 4];
		out[2 * i + 1] = digits[data[i] & 15];
	}
	out[2 * len] = '\0';
}
