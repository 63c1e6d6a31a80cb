/*
 * fuzz_note.c - libFuzzer target for what a tablet or an auditor parses of
 * the office's transparency log: a checkpoint (a signed note) against a
 * verifier key, a cosignature line, and a tile path (which must print back
 * exactly as it was given when it parses). Accepts only success or a clean
 * error.
 */
#include "bontot.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bt_key *key;
static char vkey[256];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!key && (bt_key_generate(&key) < 0 || bt_tlog_vkey(vkey, sizeof(vkey), "bontot/office", key) < 0))
		abort();
	uint64_t n = 0;
	uint8_t root[BT_HASH_BYTES];
	int err = bt_tlog_checkpoint_verify((const char *)data, size, vkey, &n, root);
	if (err == 0)
		abort(); /* nobody but this process holds the key */
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	/* The input as a verifier key, too. */
	if (bt_tlog_checkpoint_verify("bontot/office\n1\nAAAA\n\n", 22, text, &n, root) == 0)
		abort();
	int64_t t;
	if (bt_tlog_cosignature_verify("x\n", 2, text, strlen(text), "bontot-witness/t", key, &t) == 0)
		abort();
	int level, width;
	uint64_t index;
	if (bt_tlog_tile_path_parse(text, &level, &index, &width) == 0) {
		char back[128];
		bt_tlog_tile_path(back, sizeof(back), level, index, width);
		if (strcmp(back, text) != 0)
			abort();
	}
	free(text);
	return 0;
}
