/*
 * fuzz_batch.c - libFuzzer target for a device's batch (bt_batch_open), fed
 * both as received bytes and as the body of a correctly signed batch, so
 * that the fuzzer also reaches the inflation and the event checks behind the
 * signature. Accepts only success or a clean error.
 */
#include "bontot.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bt_key *key;
	if (!key && bt_key_generate(&key) < 0)
		abort();
	bt_batch *batch = NULL;
	if (bt_batch_open(&batch, data, size, key, 1 << 20) == 0)
		bt_batch_free(batch);

	/* The input as the body of a batch signed with the right key. */
	if (size > 0 && size < 65536) {
		uint8_t h[150 + 1], *z;
		uLongf zlen = compressBound((uLong)size);
		uint32_t n = 1 + data[0] % 3;
		uint8_t zero[32] = {0};
		if (!(z = malloc(zlen)) || compress2(z, &zlen, data, (uLong)size, 1) != Z_OK)
			abort();
		uint8_t *msg = malloc(151 + zlen);
		if (!msg)
			abort();
		memcpy(h, "BTB1", 4);
		h[4] = 1;
		h[5] = 1;
		h[6] = 'f';
		memset(h + 7, 0, 8);
		h[14] = 1;
		for (int i = 0; i < 4; i++)
			h[15 + i] = (uint8_t)(n >> (24 - 8 * i));
		memcpy(h + 19, zero, 32);
		memcpy(h + 51, zero, 32);
		if (bt_head_sign(h + 83, key, "f", 1 + n - 1, zero) < 0)
			abort();
		for (int i = 0; i < 4; i++)
			h[147 + i] = (uint8_t)((uint32_t)zlen >> (24 - 8 * i));
		memcpy(msg, h, 151);
		memcpy(msg + 151, z, zlen);
		batch = NULL;
		if (bt_batch_open(&batch, msg, 151 + zlen, key, 1 << 20) == 0)
			bt_batch_free(batch);
		free(msg);
		free(z);
	}
	return 0;
}
