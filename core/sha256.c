/*
 * sha256.c - SHA-256 (FIPS 180-4) through OpenSSL's EVP interface, and hex.
 */
#include "sha256.h"

#include <openssl/evp.h>
#include <pthread.h>

/*
 * One digest context per thread, fetched once and reused: EVP_Digest would
 * allocate a context and look the algorithm up on every call, which costs
 * more than hashing a small record.  A thread-specific key frees both when
 * the thread ends (the server answers on its own thread; without this every
 * thread that hashed would leak its context).
 */
static _Thread_local EVP_MD_CTX *ctx;
static _Thread_local EVP_MD *md;
static pthread_key_t cleanup_key;
static pthread_once_t cleanup_once = PTHREAD_ONCE_INIT;
static int cleanup_ok;

static void thread_done(void *unused)
{
	(void)unused;
	EVP_MD_CTX_free(ctx);
	EVP_MD_free(md);
	ctx = NULL;
	md = NULL;
}

static void make_key(void)
{
	cleanup_ok = pthread_key_create(&cleanup_key, thread_done) == 0;
}

int bt__sha256(uint8_t out[BT_SHA256_BYTES], const void *data, size_t len) { return bt__sha256_2(out, NULL, 0, data, len); }

int bt__sha256_2(uint8_t out[BT_SHA256_BYTES], const void *a, size_t alen, const void *data, size_t len)
{
	unsigned int n = 0;
	if (!ctx) {
		/* first use on this thread: arrange for the cleanup, then allocate */
		pthread_once(&cleanup_once, make_key);
		if (cleanup_ok)
			pthread_setspecific(cleanup_key, (void *)1);
		if (!md && !(md = EVP_MD_fetch(NULL, "SHA256", NULL)))
			return -1;
		if (!(ctx = EVP_MD_CTX_new()))
			return -1;
	}
	if (EVP_DigestInit_ex(ctx, md, NULL) != 1 || (alen && EVP_DigestUpdate(ctx, a, alen) != 1) ||
	    EVP_DigestUpdate(ctx, data, len) != 1 ||
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
