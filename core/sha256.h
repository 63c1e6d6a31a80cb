/* sha256.h - internal: SHA-256 and lower-case hex. */
#ifndef BT_CORE_SHA256_H
#define BT_CORE_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define BT_SHA256_BYTES 32
#define BT_SHA256_HEX_BYTES 65

/* Returns 0, or -1 if OpenSSL failed. */
int bt__sha256(uint8_t out[BT_SHA256_BYTES], const void *data, size_t len);
/* SHA-256 of a (alen bytes) followed by data. */
int bt__sha256_2(uint8_t out[BT_SHA256_BYTES], const void *a, size_t alen, const void *data, size_t len);
/* Writes 2 * len hex digits and a NUL. */
void bt__hex(char *out, const uint8_t *data, size_t len);

#endif
