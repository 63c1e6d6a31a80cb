/*
 * bench_wire.c - bytes on the wire for one month of a 30-member cell (issue
 * 4): the month's meeting (with its attendance) and its 30 dues payments are
 * recorded on a tablet store, and the signed batch that carries them to the
 * office (bt_batch_build, the bytes POSTed to /v1/push) is compared with the
 * baseline measured in the same run: the same records as JSON Lines
 * (docs/format.md), gzip-compressed (zlib's gzip format, level 6 as `gzip` uses).
 * Figures, not a test.
 *
 * Usage: bench_wire [--dir DIR] [--month M] (M: 1-12 of 2025, default 3)
 */
#define _DEFAULT_SOURCE
#include "generate.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

typedef struct {
	bt_buf base, month;
	char meeting_tag[32], dues_tag[32];
	size_t month_records;
} split;

/* The month's meetings and dues go to `month`, everything else to `base`. */
static int sort_line(const char *line, size_t len, void *payload)
{
	split *s = payload;
	char tmp[64 * 1024];
	int in_month = 0;
	if (len < sizeof(tmp)) {
		memcpy(tmp, line, len);
		tmp[len] = '\0';
		in_month = (strstr(tmp, "\"kind\":\"meeting\"") && strstr(tmp, s->meeting_tag)) ||
			   (strstr(tmp, "\"kind\":\"dues\"") && strstr(tmp, s->dues_tag));
	}
	bt_buf *b = in_month ? &s->month : &s->base;
	s->month_records += (size_t)in_month;
	if (bt_buf_put(b, line, len) < 0 || bt_buf_put(b, "\n", 1) < 0)
		return BT_ENOMEM;
	return 0;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_wire: %s: %s\n", what, bt_error_last());
	exit(1);
}

static void import_text(bt_store *s, const bt_buf *b, const char *ts)
{
	bt_import_opts o = BT_IMPORT_OPTS_INIT;
	bt_import *imp = NULL;
	bt_import_stats st;
	o.timestamp = ts;
	o.author = "bench";
	if (bt_import_begin(&imp, s, &o) < 0)
		die("import");
	const char *p = b->data, *end = b->data + b->len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (bt_import_line(imp, p, (size_t)(nl - p)) < 0)
			die("import line");
		p = nl + 1;
	}
	if (bt_import_commit(imp, &st) < 0)
		die("import commit");
	bt_import_free(imp);
}

static size_t gzip_size(const void *data, size_t len)
{
	z_stream z;
	unsigned char out[256 * 1024];
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		exit(1);
	z.next_in = (unsigned char *)data;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = sizeof(out);
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		exit(1);
	size_t n = z.total_out;
	deflateEnd(&z);
	return n;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"dir", required_argument, NULL, 'd'}, {"month", required_argument, NULL, 'm'}, {0}};
	const char *dir = "/tmp";
	int month = 3, c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'd')
			dir = optarg;
		else if (c == 'm')
			month = atoi(optarg);
		else
			return 2;
	}
	if (month < 1 || month > 12)
		return 2;
	split sp;
	memset(&sp, 0, sizeof(sp));
	bt_buf_init(&sp.base, 0);
	bt_buf_init(&sp.month, 0);
	snprintf(sp.meeting_tag, sizeof(sp.meeting_tag), "\"date\":\"2025-%02d-", month);
	snprintf(sp.dues_tag, sizeof(sp.dues_tag), "\"month\":\"2025-%02d\"", month);
	gen_opts g = {1, 30, 30, 2025, 7, 0, BT_DATE_NONE};
	if (gen_commune(&g, sort_line, &sp) < 0)
		die("generate");

	char path[4096];
	snprintf(path, sizeof(path), "%s/bench-wire.db", dir);
	static const char *const suffixes[] = {"", "-wal", "-shm"};
	for (int i = 0; i < 3; i++) {
		char p2[4200];
		snprintf(p2, sizeof(p2), "%s%s", path, suffixes[i]);
		unlink(p2);
	}
	bt_store *s = NULL;
	bt_store_opts so = BT_STORE_OPTS_INIT;
	so.log_id = "tablet-cb0001";
	if (bt_store_init(&s, path, &so) < 0)
		die("store");
	import_text(s, &sp.base, "2025-01-01T08:00:00Z");
	int64_t before = 0;
	if (bt_store_log_head(s, "tablet-cb0001", &before) < 0)
		die("head");
	import_text(s, &sp.month, "2025-03-31T20:00:00Z");

	bt_key *k = NULL;
	bt_buf batch;
	size_t n = 0;
	bt_buf_init(&batch, 0);
	if (bt_key_generate(&k) < 0 || bt_batch_build(&batch, &n, s, "tablet-cb0001", before + 1, 0, k) < 0)
		die("batch");
	size_t gz = gzip_size(sp.month.data, sp.month.len);
	printf("one month (2025-%02d) of a 30-member cell: %zu records (%zu events), %zu bytes of JSON Lines\n", month,
	       sp.month_records, n, sp.month.len);
	printf("  baseline: gzip -6 of the JSON Lines   %6zu bytes\n", gz);
	printf("  bontot signed batch (POST /v1/push)   %6zu bytes   = %.2fx the baseline (goal <= 0.50x)\n", batch.len,
	       (double)batch.len / (double)gz);
	printf("  per event: %.0f bytes on the wire\n", (double)batch.len / (double)(n ? n : 1));

	/* The same month as `bontot dues month` records it now: the meeting and one dues_month. */
	bt_buf two;
	char members[8192] = "", paid_on[16] = "", amount[32] = "";
	size_t at = 0;
	bt_buf_init(&two, 0);
	for (const char *p = sp.month.data, *nl; p && (nl = strchr(p, '\n')); p = nl + 1) {
		const char *m = strstr(p, "\"member\":\"");
		if (strstr(p, "\"kind\":\"meeting\"") && strstr(p, "\"kind\":\"meeting\"") < nl) {
			bt_buf_put(&two, p, (size_t)(nl - p + 1));
		} else if (m && m < nl) {
			const char *q = m + 10, *e = strchr(q, '"');
			at += (size_t)snprintf(members + at, sizeof(members) - at, "%s\"%.*s\"", at ? "," : "", (int)(e - q), q);
			const char *pd = strstr(p, "\"paid_on\":\""), *am = strstr(p, "\"amount\":");
			if (pd && pd < nl)
				snprintf(paid_on, sizeof(paid_on), "%.10s", pd + 11);
			if (am && am < nl)
				snprintf(amount, sizeof(amount), "%.*s", (int)strcspn(am + 9, ",}"), am + 9);
		}
	}
	char line[9000];
	int ln = snprintf(line, sizeof(line),
			  "{\"kind\":\"dues_month\",\"cell\":\"CB-0001\",\"month\":\"2025-%02d\",\"amount\":%s,\"paid_on\":\"%s\","
			  "\"members\":[%s]}\n",
			  month, amount, paid_on, members);
	bt_buf_put(&two, line, (size_t)ln);
	char path2[4200];
	snprintf(path2, sizeof(path2), "%s/bench-wire-2.db", dir);
	for (int i = 0; i < 3; i++) {
		char p2[4300];
		snprintf(p2, sizeof(p2), "%s%s", path2, suffixes[i]);
		unlink(p2);
	}
	bt_store *s2 = NULL;
	if (bt_store_init(&s2, path2, &so) < 0)
		die("store");
	import_text(s2, &sp.base, "2025-01-01T08:00:00Z");
	import_text(s2, &two, "2025-03-31T20:00:00Z");
	bt_buf batch2;
	size_t n2 = 0;
	bt_buf_init(&batch2, 0);
	if (bt_batch_build(&batch2, &n2, s2, "tablet-cb0001", before + 1, 0, k) < 0)
		die("batch");
	printf("  with a dues_month (what bontot dues month records): %zu events, %zu bytes = %.2fx the baseline\n", n2,
	       batch2.len, (double)batch2.len / (double)gz);
	bt_buf_free(&batch2);
	bt_buf_free(&two);
	bt_store_free(s2);
	unlink(path2);
	bt_buf_free(&batch);
	bt_key_free(k);
	bt_store_free(s);
	bt_buf_free(&sp.base);
	bt_buf_free(&sp.month);
	unlink(path);
	return 0;
}
