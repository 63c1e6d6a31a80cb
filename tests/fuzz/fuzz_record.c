/*
 * fuzz_record.c - libFuzzer target for the parsers of untrusted bytes: an
 * interchange line (bt_record_parse), an event (bt_event_decode) and a
 * rule-set file (bt_rules_parse). Accepts only
 * success or a clean error; on success the canonical bytes must parse back to
 * themselves (one fact, one encoding).
 */
#include "bontot.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bt_record *r = NULL, *again = NULL;
	bt_event ev;
	bt_rules rules;

	if (bt_record_parse(&r, (const char *)data, size) == 0) {
		if (bt_record_parse(&again, r->canonical, r->canonical_len) != 0 ||
		    strcmp(again->canonical, r->canonical) != 0 || strcmp(again->key, r->key) != 0)
			abort();
		bt_record_free(again);
		bt_record_free(r);
	}
	if (bt_event_decode(&ev, data, size) == 0)
		bt_event_clear(&ev);
	(void)bt_rules_parse(&rules, (const char *)data, size);

	return 0;
}
