/*
 * sha256.c - SHA-256 (FIPS 180-4) through OpenSSL's EVP interface, and hex.
 */
#include "sha256.h"

#include <openssl/evp.h>

int bt__sha256(uint8_t out[BT_SHA256_BYTES], const void *data, size_t len)
{
	unsigned int n = 0;
	if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1 || n != BT_SHA256_BYTES)
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
