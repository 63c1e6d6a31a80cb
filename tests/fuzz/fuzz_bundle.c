/*
 * fuzz_bundle.c - libFuzzer target for what an auditor parses: a bundle
 * (bontot audit verify). Each input is tried twice: as a whole bundle, and
 * as a change to a true bundle made once at start (an office's store in
 * memory, a few records, its export) - the first 4 bytes choose where, the
 * rest is written over it - so the fuzzer reaches past the tar into the
 * manifest, the entries, the signatures and the recomputation. Accepts only
 * a report (verified or not) or a clean error.
 */
#include "bontot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bt_buf bundle;

static const char *const LINES[] = {
	"{\"kind\":\"committee\",\"id\":\"DU\",\"name\":\"Đảng ủy xã\"}",
	"{\"kind\":\"cell\",\"id\":\"CB\",\"committee\":\"DU\",\"name\":\"Chi bộ Một\"}",
	"{\"kind\":\"member\",\"id\":\"A\",\"cell\":\"CB\",\"name\":\"Nguyễn Văn An\",\"status\":\"official\",\"role\":\"secretary\",\"joined\":\"2000-01-01\"}",
	"{\"kind\":\"meeting\",\"id\":\"M1\",\"cell\":\"CB\",\"date\":\"2025-02-05\",\"start\":\"19:30\",\"end\":\"21:00\",\"regular\":true,\"prepared\":true,\"resolution\":true,\"minutes\":true,\"attendance\":{\"A\":\"present\"},\"speakers\":[\"A\"]}",
	"{\"kind\":\"dues\",\"member\":\"A\",\"month\":\"2025-02\",\"amount\":20000,\"paid_on\":\"2025-02-05\"}",
	NULL};

static void die(const char *what)
{
	fprintf(stderr, "fuzz_bundle: %s: %s\n", what, bt_error_last());
	abort();
}

static void make_bundle(void)
{
	bt_store *s = NULL;
	bt_key *k = NULL;
	bt_import *imp = NULL;
	bt_import_stats st;
	bt_store_opts o = BT_STORE_OPTS_INIT;
	bt_import_opts io = BT_IMPORT_OPTS_INIT;
	o.log_id = "office";
	io.timestamp = "2025-03-01T08:00:00Z";
	io.author = "fuzz";
	if (bt_store_init(&s, ":memory:", &o) < 0 || bt_key_generate(&k) < 0 || bt_import_begin(&imp, s, &io) < 0)
		die("the office's store");
	for (int i = 0; LINES[i]; i++)
		if (bt_import_line(imp, LINES[i], strlen(LINES[i])) < 0)
			die("a record");
	if (bt_import_commit(imp, &st) < 0)
		die("the import");
	bt_import_free(imp);
	bt_buf_init(&bundle, 0);
	if (bt_audit_export(&bundle, s, k, 2025, BT_DATE_NONE) < 0)
		die("the export");
	bt_store_free(s);
	bt_key_free(k);
}

static void check(const uint8_t *d, size_t n)
{
	bt_audit_report r;
	if (bt_audit_verify(&r, d, n, NULL) == 0)
		bt_audit_report_free(&r);
	bt_error_clear();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!bundle.data)
		make_bundle();
	check(data, size);
	if (size < 4)
		return 0;
	size_t at = ((size_t)data[0] << 24 | (size_t)data[1] << 16 | (size_t)data[2] << 8 | data[3]) % bundle.len;
	uint8_t *copy = malloc(bundle.len);
	if (!copy)
		return 0;
	memcpy(copy, bundle.data, bundle.len);
	size_t n = size - 4 < bundle.len - at ? size - 4 : bundle.len - at;
	memcpy(copy + at, data + 4, n);
	check(copy, bundle.len);
	free(copy);
	return 0;
}
