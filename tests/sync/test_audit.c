/*
 * test_audit.c - the auditors' bundle (docs/audit.md): an office that
 * holds its own records and two tablets' (one later revoked), a witness's
 * cosignature, two published evaluations; the bundle of it verifies, and a
 * campaign of mutations - of the bundle (every byte of a sample of events,
 * truncations, reordered, dropped and duplicated entries, swapped keys,
 * forged receipts) and of the office's store (a forked history, an edited
 * event, an edited projection row) - is detected every time, each
 * problem named. The counts are printed.
 */
#include "buf.h"
#include "support.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

/* The commune of two cells both suites start from (tests/support.c). */
#define BASE bt_test_two_cells

static const char *const MONTH =
	"{\"kind\":\"meeting\",\"id\":\"M1\",\"cell\":\"CB\",\"date\":\"2025-02-05\",\"start\":\"19:30\",\"end\":\"21:00\",\"regular\":true,\"prepared\":true,\"resolution\":true,\"minutes\":true,\"attendance\":{\"A\":\"present\",\"B\":\"present\"},\"speakers\":[\"A\"]}\n"
	"{\"kind\":\"dues\",\"member\":\"A\",\"month\":\"2025-02\",\"amount\":20000,\"paid_on\":\"2025-02-05\"}\n"
	"{\"kind\":\"dues\",\"member\":\"B\",\"month\":\"2025-02\",\"amount\":20000,\"paid_on\":\"2025-02-05\"}\n";

static const char *const MONTH2 =
	"{\"kind\":\"meeting\",\"id\":\"M2\",\"cell\":\"CB2\",\"date\":\"2025-02-06\",\"start\":\"19:30\",\"end\":\"21:00\",\"regular\":true,\"prepared\":true,\"resolution\":true,\"minutes\":true,\"attendance\":{\"Z\":\"present\"},\"speakers\":[\"Z\"]}\n"
	"{\"kind\":\"dues\",\"member\":\"Z\",\"month\":\"2025-02\",\"amount\":20000,\"paid_on\":\"2025-02-06\"}\n";

typedef struct {
	bt_store *office, *t1, *t2;
	bt_key *office_key, *k1, *k2;
	char vkey[256];
} world;

static void push(bt_store *from, const char *log, bt_key *key, bt_store *to)
{
	bt_buf b;
	size_t n;
	bt_accept_stats as;
	bt_buf_init(&b, 0);
	CU_ASSERT_EQUAL_FATAL(bt_batch_build(&b, &n, from, log, 1, 0, key), 0);
	CU_ASSERT_EQUAL_FATAL(bt_store_accept(to, (const uint8_t *)b.data, b.len, &as), 0);
	bt_buf_free(&b);
}

static void publish(world *w, int year)
{
	bt_rules rules;
	bt_eval_opts o = BT_EVAL_OPTS_INIT;
	bt_buf body, receipt;
	CU_ASSERT_EQUAL_FATAL(bt_rules_builtin(&rules, NULL), 0);
	o.year = year;
	o.rules = &rules;
	bt_buf_init(&body, 0);
	bt_buf_init(&receipt, 0);
	CU_ASSERT_EQUAL_FATAL(bt_audit_publish(&body, &receipt, w->office, w->office_key, &o, NULL), 0);
	bt_buf_free(&body);
	bt_buf_free(&receipt);
}

/* The tablet witnesses the office's tree as it is now: its cosignature, kept by the office. */
static void witness(world *w, bt_store *tablet, bt_key *key)
{
	uint64_t size;
	uint8_t root[BT_HASH_BYTES];
	bt_tlog_source src;
	bt_buf text, line;
	char name[128];
	bt_store_tlog_source(w->office, &src);
	CU_ASSERT_EQUAL_FATAL(bt_store_tlog_size(w->office, &size), 0);
	CU_ASSERT_EQUAL_FATAL(bt_tlog_root(&src, size, root), 0);
	bt_buf_init(&text, 0);
	bt_buf_init(&line, 0);
	CU_ASSERT_EQUAL_FATAL(bt_tlog_checkpoint_text(&text, "bontot/office", size, root), 0);
	bt_tlog_witness_name(name, sizeof(name), bt_store_log_id(tablet));
	CU_ASSERT_EQUAL_FATAL(bt_tlog_cosign(&line, name, key, text.data, text.len, 1700000000), 0);
	CU_ASSERT_EQUAL_FATAL(bt_store_tlog_cosig_put(w->office, size, bt_store_log_id(tablet), line.data), 0);
	bt_buf_free(&text);
	bt_buf_free(&line);
}

/*
 * An office with the commune's records; tablet-1 of CB and tablet-2 of
 * CB2 each push a month; tablet-1 witnesses; an evaluation is published;
 * the office records more and revokes tablet-2.
 */
static void make_world(world *w, const char *tag)
{
	char a[64], b[64], c[64];
	bt_import_stats st;
	memset(w, 0, sizeof(*w));
	snprintf(a, sizeof(a), "office-%s.db", tag);
	snprintf(b, sizeof(b), "t1-%s.db", tag);
	snprintf(c, sizeof(c), "t2-%s.db", tag);
	w->office = bt_test_store(a, "office");
	w->t1 = bt_test_store(b, "tablet-1");
	w->t2 = bt_test_store(c, "tablet-2");
	CU_ASSERT_EQUAL_FATAL(bt_key_generate(&w->office_key), 0);
	CU_ASSERT_EQUAL_FATAL(bt_key_generate(&w->k1), 0);
	CU_ASSERT_EQUAL_FATAL(bt_key_generate(&w->k2), 0);
	CU_ASSERT_EQUAL_FATAL(bt_test_import(w->office, BASE, &st), 0);
	CU_ASSERT_EQUAL_FATAL(bt_store_device_add(w->office, "tablet-1", "CB", BT_ROLE_DEVICE_SECRETARY, w->k1), 0);
	CU_ASSERT_EQUAL_FATAL(bt_store_device_add(w->office, "tablet-2", "CB2", BT_ROLE_DEVICE_SECRETARY, w->k2), 0);
	/* The tablets received the commune's records from the office. */
	CU_ASSERT_EQUAL_FATAL(bt_store_device_add(w->t1, "office", NULL, BT_ROLE_DEVICE_OFFICE, w->office_key), 0);
	CU_ASSERT_EQUAL_FATAL(bt_store_device_add(w->t2, "office", NULL, BT_ROLE_DEVICE_OFFICE, w->office_key), 0);
	push(w->office, "office", w->office_key, w->t1);
	push(w->office, "office", w->office_key, w->t2);
	CU_ASSERT_EQUAL_FATAL(bt_store_set_setting(w->t1, "cell", "CB"), 0);
	CU_ASSERT_EQUAL_FATAL(bt_store_set_setting(w->t2, "cell", "CB2"), 0);
	CU_ASSERT_EQUAL_FATAL(bt_test_import(w->t1, MONTH, &st), 0);
	CU_ASSERT_EQUAL_FATAL(bt_test_import(w->t2, MONTH2, &st), 0);
	push(w->t1, "tablet-1", w->k1, w->office);
	push(w->t2, "tablet-2", w->k2, w->office);
	witness(w, w->t1, w->k1);
	publish(w, 2025);
	CU_ASSERT_EQUAL_FATAL(bt_test_import(w->office,
					     "{\"kind\":\"member\",\"id\":\"C\",\"cell\":\"CB\",\"name\":\"Phạm Văn Cường\",\"status\":\"official\","
					     "\"role\":\"member\",\"joined\":\"2025-03-01\"}\n",
					     &st),
			      0);
	CU_ASSERT_EQUAL_FATAL(bt_store_device_revoke(w->office, "tablet-2"), 0);
	CU_ASSERT_EQUAL_FATAL(bt_tlog_vkey(w->vkey, sizeof(w->vkey), "bontot/office", w->office_key), 0);
}

static void free_world(world *w)
{
	bt_store_free(w->office);
	bt_store_free(w->t1);
	bt_store_free(w->t2);
	bt_key_free(w->office_key);
	bt_key_free(w->k1);
	bt_key_free(w->k2);
}

static void export(world *w, bt_buf *out)
{
	bt_buf_init(out, 0);
	CU_ASSERT_EQUAL_FATAL(bt_audit_export(out, w->office, w->office_key, 2025, BT_DATE_NONE), 0);
}

/* Verify; the number of problems (-1: the check itself failed). */
static long verify(const void *data, size_t len, const char *vkey, bt_audit_report *keep)
{
	bt_audit_report r;
	if (bt_audit_verify(&r, data, len, vkey) < 0)
		return -1;
	long n = (long)r.n_problems;
	if (keep)
		*keep = r;
	else
		bt_audit_report_free(&r);
	return n;
}

static int has_problem(const bt_audit_report *r, const char *code, const char *log, int64_t seq)
{
	for (size_t i = 0; i < r->n_problems && i < BT_AUDIT_PROBLEMS_KEPT; i++)
		if ((!code || strcmp(r->problems[i].code, code) == 0) && (!log || strcmp(r->problems[i].log, log) == 0) &&
		    (seq < 0 || r->problems[i].seq == seq))
			return 1;
	return 0;
}

/* A problem of that code at entry `leaf` of the log. */
static int has_problem_at(const bt_audit_report *r, const char *code, int64_t leaf)
{
	for (size_t i = 0; i < r->n_problems && i < BT_AUDIT_PROBLEMS_KEPT; i++)
		if (strcmp(r->problems[i].code, code) == 0 && r->problems[i].leaf == leaf)
			return 1;
	return 0;
}

/* ---- a tar file, taken apart and put back (independent of the library's writer) ---- */

typedef struct {
	char name[101];
	char *data;
	size_t len;
} tfile;

typedef struct {
	tfile f[512];
	size_t n;
} tarball;

static void tar_split(tarball *t, const char *d, size_t len)
{
	size_t at = 0;
	t->n = 0;
	while (at + 512 <= len && d[at]) {
		size_t size = (size_t)strtoull(d + at + 124, NULL, 8);
		CU_ASSERT_FATAL(t->n < 512);
		tfile *f = &t->f[t->n++];
		snprintf(f->name, sizeof(f->name), "%s", d + at);
		f->data = malloc(size + 1);
		memcpy(f->data, d + at + 512, size);
		f->data[size] = '\0';
		f->len = size;
		at += 512 + (size + 511) / 512 * 512;
	}
}

static void tar_join(const tarball *t, bt_buf *out)
{
	static const char zero[1024];
	bt_buf_init(out, 0);
	for (size_t i = 0; i < t->n; i++) {
		char h[512];
		memset(h, 0, sizeof(h));
		memcpy(h, t->f[i].name, strlen(t->f[i].name) < 99 ? strlen(t->f[i].name) : 99);
		snprintf(h + 100, 8, "%07o", 0644);
		snprintf(h + 108, 8, "%07o", 0);
		snprintf(h + 116, 8, "%07o", 0);
		snprintf(h + 124, 12, "%011llo", (unsigned long long)t->f[i].len);
		snprintf(h + 136, 12, "%011o", 0);
		memset(h + 148, ' ', 8);
		h[156] = '0';
		memcpy(h + 257, "ustar", 6);
		memcpy(h + 263, "00", 2);
		unsigned sum = 0;
		for (size_t k = 0; k < 512; k++)
			sum += (unsigned char)h[k];
		snprintf(h + 148, 8, "%06o", sum);
		h[155] = ' ';
		bt_buf_put(out, h, 512);
		bt_buf_put(out, t->f[i].data, t->f[i].len);
		if (t->f[i].len % 512)
			bt_buf_put(out, zero, 512 - t->f[i].len % 512);
	}
	bt_buf_put(out, zero, 1024);
}

static tfile *tar_get(tarball *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->f[i].name, name) == 0)
			return &t->f[i];
	return NULL;
}

static void tar_free(tarball *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->f[i].data);
	t->n = 0;
}

/* Replace a file's content (a copy of data). */
static void tar_set(tarball *t, const char *name, const char *data, size_t len)
{
	tfile *f = tar_get(t, name);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	free(f->data);
	f->data = malloc(len + 1);
	memcpy(f->data, data, len);
	f->data[len] = '\0';
	f->len = len;
}

static long verify_tar(const tarball *t, const char *vkey, bt_audit_report *keep)
{
	bt_buf b;
	tar_join(t, &b);
	long n = verify(b.data, b.len, vkey, keep);
	bt_buf_free(&b);
	return n;
}

/* The offsets of the entries in an entry bundle. */
static size_t entry_offsets(const tfile *f, size_t *off, size_t *len, size_t max)
{
	size_t at = 0, n = 0;
	while (at + 2 <= f->len && n < max) {
		size_t l = (size_t)((unsigned char)f->data[at] << 8 | (unsigned char)f->data[at + 1]);
		off[n] = at + 2;
		len[n++] = l;
		at += 2 + l;
	}
	return n;
}

static size_t mutations, detected;

static void count(long problems)
{
	mutations++;
	detected += problems > 0;
	CU_ASSERT(problems > 0);
}

/* ---- the tests ---- */

static void test_audit__a_true_bundle_verifies_and_recomputes_what_was_published(void)
{
	world w;
	bt_buf b;
	bt_audit_report r;
	make_world(&w, "true");
	export(&w, &b);
	CU_ASSERT_EQUAL(verify(b.data, b.len, w.vkey, &r), 0);
	for (size_t i = 0; i < r.n_problems && i < 5; i++)
		fprintf(stderr, "unexpected: %s %s\n", r.problems[i].code, r.problems[i].message);
	CU_ASSERT_EQUAL(r.size, (uint64_t)bt_test_events(w.office));
	CU_ASSERT_EQUAL(r.logs, 3);            /* the office's and two tablets' */
	CU_ASSERT_EQUAL(r.cosignatures, 1);
	CU_ASSERT_EQUAL(r.receipts, 2);        /* published in the middle, and at the export */
	CU_ASSERT_EQUAL(r.evaluations, 2);
	CU_ASSERT(r.heads >= 3);
	CU_ASSERT_FALSE(r.vkey_from_bundle);
	bt_audit_report_free(&r);
	/* Without the auditor's key: it verifies against the bundle's own and says so. */
	CU_ASSERT_EQUAL(verify(b.data, b.len, NULL, &r), 0);
	CU_ASSERT(r.vkey_from_bundle);
	CU_ASSERT_STRING_EQUAL(r.vkey, w.vkey);
	bt_audit_report_free(&r);
	/* Two exports of one store are both true; the export is written where the office keeps what it published. */
	bt_buf b2;
	export(&w, &b2);
	CU_ASSERT_EQUAL(verify(b2.data, b2.len, w.vkey, NULL), 0);
	bt_buf_free(&b2);
	/* A tar reader that is not ours lists it (tar from Debian's package). */
	char *out = NULL;
	CU_ASSERT_EQUAL(bt_test_write(bt_test_path("true.tar"), ""), 0);
	FILE *f = fopen(bt_test_path("true.tar"), "wb");
	CU_ASSERT_EQUAL(fwrite(b.data, 1, b.len, f), b.len);
	fclose(f);
	CU_ASSERT_EQUAL(bt_test_sh(&out, NULL, "tar tf '%s'", bt_test_path("true.tar")), 0);
	CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "checkpoint\n"));
	CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "tile/entries/000.p/"));
	CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "tile/0/000.p/"));
	CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "manifest.json\n"));
	CU_ASSERT_PTR_NOT_NULL(out && strstr(out, "published/"));
	free(out);
	bt_buf_free(&b);
	free_world(&w);
}

static void test_audit__every_changed_byte_of_an_event_is_named(void)
{
	world w;
	bt_buf b;
	tarball t;
	make_world(&w, "bytes");
	export(&w, &b);
	tar_split(&t, b.data, b.len);
	bt_buf_free(&b);
	char path[64];
	bt_tlog_tile_path(path, sizeof(path), -1, 0, (int)bt_test_events(w.office));
	tfile *f = tar_get(&t, path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	size_t off[256], len[256], n = entry_offsets(f, off, len, 256);
	CU_ASSERT_EQUAL_FATAL(n, (size_t)bt_test_events(w.office));
	/* A sample: the office's first event, a tablet's event in the middle, the office's last. */
	size_t sample[] = {0, 7, n - 1}, before = mutations, det_before = detected, named = 0;
	char *orig = malloc(f->len);
	memcpy(orig, f->data, f->len);
	for (size_t s = 0; s < sizeof(sample) / sizeof(sample[0]); s++) {
		size_t e = sample[s];
		bt_event ev;
		memset(&ev, 0, sizeof(ev));
		CU_ASSERT_EQUAL_FATAL(bt_event_decode(&ev, (const uint8_t *)orig + off[e], len[e]), 0);
		for (size_t i = 0; i < len[e]; i++) {
			bt_audit_report r;
			f->data[off[e] + i] ^= 0x20;
			long p = verify_tar(&t, w.vkey, &r);
			count(p);
			/* Named by its log and number, or (when it no longer reads as an event) by its place in the log. */
			named += has_problem(&r, NULL, ev.log, ev.seq) || has_problem_at(&r, "EVENT_UNREADABLE", (int64_t)e);
			bt_audit_report_free(&r);
			f->data[off[e] + i] ^= 0x20;
		}
		bt_event_clear(&ev);
	}
	CU_ASSERT_EQUAL(named, mutations - before);
	printf("\n  every byte of 3 events changed: %zu mutations, %zu detected, %zu named by event\n", mutations - before,
	       detected - det_before, named);
	free(orig);
	tar_free(&t);
	free_world(&w);
}

static void test_audit__a_bundle_cut_reordered_or_with_entries_dropped_or_doubled_fails(void)
{
	world w;
	bt_buf b;
	tarball t;
	size_t before = mutations, det_before = detected;
	make_world(&w, "shape");
	export(&w, &b);
	/* Cut anywhere: at every 512-byte block and in the middle of some. */
	for (size_t cut = 0; cut < b.len - 1024; cut += cut < 4096 ? 97 : 512) {
		long p = verify(b.data, cut, w.vkey, NULL);
		count(p);
		if (p == 0)
			fprintf(stderr, "undetected: cut at %zu of %zu\n", cut, b.len);
	}
	/* Any single bit of the whole file's first 4 KiB (headers, the checkpoint, the start of the entries). */
	char *copy = malloc(b.len);
	memcpy(copy, b.data, b.len);
	for (size_t i = 0; i < 4096 && i < b.len; i += 3) {
		bt_audit_report r;
		copy[i] ^= 0x04;
		long p = verify(copy, b.len, w.vkey, &r);
		/* A byte of padding or of the tar header's unused fields changes nothing that is checked: only those may pass. */
		int padding = 0;
		{
			size_t at = 0;
			while (at + 512 <= b.len && b.data[at]) {
				size_t size = (size_t)strtoull(b.data + at + 124, NULL, 8);
				if (i >= at && i < at + 512 && (i - at >= 345 || (i - at >= 265 && i - at < 329) || (i - at >= 136 && i - at < 148) ||
							       (i - at >= 100 && i - at < 124)))
					padding = 1;
				if (i >= at + 512 + size && i < at + 512 + (size + 511) / 512 * 512)
					padding = 1;
				at += 512 + (size + 511) / 512 * 512;
			}
		}
		if (!padding) {
			count(p);
			if (p == 0)
				fprintf(stderr, "undetected: byte %zu\n", i);
		}
		bt_audit_report_free(&r);
		copy[i] ^= 0x04;
	}
	free(copy);
	tar_split(&t, b.data, b.len);
	bt_buf_free(&b);
	char path[64];
	int64_t n = bt_test_events(w.office);
	bt_tlog_tile_path(path, sizeof(path), -1, 0, (int)n);
	tfile *f = tar_get(&t, path);
	size_t off[256], len[256], k = entry_offsets(f, off, len, 256);
	char *orig = malloc(f->len);
	size_t orig_len = f->len;
	memcpy(orig, f->data, f->len);
	bt_buf m;
	/* Two entries swapped. */
	for (size_t i = 0; i + 1 < k; i += 2) {
		bt_audit_report r;
		bt_buf_init(&m, 0);
		bt_buf_put(&m, orig, off[i] - 2);
		bt_buf_put(&m, orig + off[i + 1] - 2, len[i + 1] + 2);
		bt_buf_put(&m, orig + off[i] - 2, len[i] + 2);
		bt_buf_put(&m, orig + off[i + 1] + len[i + 1], orig_len - off[i + 1] - len[i + 1]);
		tar_set(&t, path, m.data, m.len);
		long p = verify_tar(&t, w.vkey, &r);
		count(p);
		bt_audit_report_free(&r);
		bt_buf_free(&m);
	}
	/* One entry dropped; one doubled. */
	for (size_t i = 0; i < k; i++) {
		bt_buf_init(&m, 0);
		bt_buf_put(&m, orig, off[i] - 2);
		bt_buf_put(&m, orig + off[i] + len[i], orig_len - off[i] - len[i]);
		tar_set(&t, path, m.data, m.len);
		count(verify_tar(&t, w.vkey, NULL));
		bt_buf_free(&m);
		bt_buf_init(&m, 0);
		bt_buf_put(&m, orig, off[i] + len[i]);
		bt_buf_put(&m, orig + off[i] - 2, orig_len - off[i] + 2);
		tar_set(&t, path, m.data, m.len);
		count(verify_tar(&t, w.vkey, NULL));
		bt_buf_free(&m);
	}
	tar_set(&t, path, orig, orig_len);
	CU_ASSERT_EQUAL(verify_tar(&t, w.vkey, NULL), 0);
	/* A file of the bundle missing. */
	for (size_t i = 0; i < t.n; i++) {
		tfile keep = t.f[i];
		memmove(&t.f[i], &t.f[i + 1], (t.n - i - 1) * sizeof(tfile));
		t.n--;
		count(verify_tar(&t, w.vkey, NULL));
		memmove(&t.f[i + 1], &t.f[i], (t.n - i) * sizeof(tfile));
		t.f[i] = keep;
		t.n++;
	}
	CU_ASSERT_EQUAL(verify_tar(&t, w.vkey, NULL), 0);
	printf("\n  cut, flipped, reordered, dropped, doubled, missing: %zu mutations, %zu detected\n", mutations - before,
	       detected - det_before);
	free(orig);
	tar_free(&t);
	free_world(&w);
}

/* Replace the first occurrence of `from` in the manifest by `to`. */
static int manifest_edit(tarball *t, const char *from, const char *to)
{
	tfile *f = tar_get(t, "manifest.json");
	char *p = f ? strstr(f->data, from) : NULL;
	if (!p)
		return -1;
	bt_buf m;
	bt_buf_init(&m, 0);
	bt_buf_put(&m, f->data, (size_t)(p - f->data));
	bt_buf_puts(&m, to);
	bt_buf_puts(&m, p + strlen(from));
	tar_set(t, "manifest.json", m.data, m.len);
	bt_buf_free(&m);
	return 0;
}

static void test_audit__swapped_keys_forged_signatures_and_receipts_fail(void)
{
	world w;
	bt_buf b;
	tarball t;
	bt_audit_report r;
	size_t before = mutations, det_before = detected;
	make_world(&w, "keys");
	export(&w, &b);
	tar_split(&t, b.data, b.len);
	bt_buf_free(&b);
	tfile *mf = tar_get(&t, "manifest.json");
	char *orig = strdup(mf->data);
	/* tablet-1's key swapped for another: its signed heads no longer verify. */
	bt_key *other = NULL;
	char *pem1 = NULL, *pem_other = NULL;
	CU_ASSERT_EQUAL_FATAL(bt_key_generate(&other), 0);
	CU_ASSERT_EQUAL_FATAL(bt_key_public_pem(&pem1, w.k1), 0);
	CU_ASSERT_EQUAL_FATAL(bt_key_public_pem(&pem_other, other), 0);
	/* PEM in JSON: its newlines are \n escapes. */
	json_t *j1 = json_string(pem1), *j2 = json_string(pem_other);
	char *s1 = json_dumps(j1, JSON_ENCODE_ANY), *s2 = json_dumps(j2, JSON_ENCODE_ANY);
	CU_ASSERT_EQUAL_FATAL(manifest_edit(&t, s1, s2), 0);
	count(verify_tar(&t, w.vkey, &r));
	CU_ASSERT(has_problem(&r, "BAD_SIGNATURE", "tablet-1", -1));
	bt_audit_report_free(&r);
	tar_set(&t, "manifest.json", orig, strlen(orig));
	/* The office's key swapped in the manifest: against the auditor's key, refused; even the checkpoint no longer verifies. */
	char *pem_office = NULL;
	CU_ASSERT_EQUAL_FATAL(bt_key_public_pem(&pem_office, w.office_key), 0);
	json_t *j3 = json_string(pem_office);
	char *s3 = json_dumps(j3, JSON_ENCODE_ANY);
	CU_ASSERT_EQUAL_FATAL(manifest_edit(&t, s3, s2), 0);
	count(verify_tar(&t, w.vkey, &r));
	CU_ASSERT(has_problem(&r, "KEY_MISMATCH", NULL, -1));
	bt_audit_report_free(&r);
	/* Without the auditor's key the bundle's own key is used: then the checkpoint's signature is not by it. */
	count(verify_tar(&t, NULL, &r));
	CU_ASSERT(has_problem(&r, "CHECKPOINT_SIGNATURE", NULL, -1));
	bt_audit_report_free(&r);
	tar_set(&t, "manifest.json", orig, strlen(orig));
	/* Another office's bundle, checked with this office's key. */
	{
		char other_vkey[256];
		CU_ASSERT_EQUAL(bt_tlog_vkey(other_vkey, sizeof(other_vkey), "bontot/office", other), 0);
		count(verify_tar(&t, other_vkey, &r));
		CU_ASSERT(has_problem(&r, "KEY_MISMATCH", NULL, -1));
		bt_audit_report_free(&r);
	}
	/* A signed head's signature changed; a head dropped (tablet-1's events then covered by no signature). */
	{
		char *p = strstr(orig, "\"signer\":\"tablet-1\",\"sig\":\"");
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		char *copy = strdup(orig);
		char *q = copy + (p - orig) + strlen("\"signer\":\"tablet-1\",\"sig\":\"") + 10;
		*q = *q == 'A' ? 'B' : 'A';
		tar_set(&t, "manifest.json", copy, strlen(copy));
		count(verify_tar(&t, w.vkey, &r));
		CU_ASSERT(has_problem(&r, "BAD_SIGNATURE", "tablet-1", -1) || has_problem(&r, "MANIFEST_DAMAGED", NULL, -1));
		bt_audit_report_free(&r);
		free(copy);
		char *start = orig + (p - orig);
		while (start > orig && *start != '{')
			start--;
		char *end = strchr(p, '}');
		copy = malloc(strlen(orig) + 1);
		size_t head = (size_t)(start - orig);
		memcpy(copy, orig, head);
		/* Drop the object and one separating comma. */
		const char *rest = end + 1;
		if (*rest == ',')
			rest++;
		else if (head && copy[head - 1] == '\n' && head >= 2 && copy[head - 2] == ',')
			head -= 2;
		strcpy(copy + head, rest);
		tar_set(&t, "manifest.json", copy, strlen(copy));
		count(verify_tar(&t, w.vkey, &r));
		CU_ASSERT(has_problem(&r, "NOT_SIGNED", "tablet-1", -1));
		bt_audit_report_free(&r);
		free(copy);
	}
	/* A key's validity moved: tablet-2 revoked before its batch. */
	{
		char *p = strstr(orig, "\"log\":\"tablet-2\"");
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		char *rv = strstr(p, "\"revoked_size\":");
		CU_ASSERT_PTR_NOT_NULL_FATAL(rv);
		char *copy = strdup(orig), *c = copy + (rv - orig) + strlen("\"revoked_size\":");
		char *digits_end = c;
		while (*digits_end >= '0' && *digits_end <= '9')
			digits_end++;
		bt_buf m;
		bt_buf_init(&m, 0);
		bt_buf_put(&m, copy, (size_t)(c - copy));
		bt_buf_puts(&m, "1");
		bt_buf_puts(&m, digits_end);
		tar_set(&t, "manifest.json", m.data, m.len);
		count(verify_tar(&t, w.vkey, &r));
		CU_ASSERT(has_problem(&r, "KEY_REVOKED", "tablet-2", -1));
		bt_audit_report_free(&r);
		bt_buf_free(&m);
		free(copy);
	}
	tar_set(&t, "manifest.json", orig, strlen(orig));
	/* A receipt changed by one character: its signature fails. A published evaluation swapped: the receipt's hash fails. */
	{
		char *p = strstr(orig, "year 2025");
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		char *copy = strdup(orig);
		copy[(p - orig) + 8] = '4';
		tar_set(&t, "manifest.json", copy, strlen(copy));
		count(verify_tar(&t, w.vkey, &r));
		CU_ASSERT(has_problem(&r, "RECEIPT_SIGNATURE", NULL, -1));
		bt_audit_report_free(&r);
		free(copy);
	}
	tar_set(&t, "manifest.json", orig, strlen(orig));
	/* A cosignature changed. */
	{
		char *p = strstr(orig, "bontot-witness/tablet-1 ");
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		char *copy = strdup(orig), *c = copy + (p - orig) + strlen("bontot-witness/tablet-1 ") + 20;
		*c = *c == 'A' ? 'B' : 'A';
		tar_set(&t, "manifest.json", copy, strlen(copy));
		count(verify_tar(&t, w.vkey, &r));
		CU_ASSERT(has_problem(&r, "HISTORY_REWRITTEN", "tablet-1", -1));
		bt_audit_report_free(&r);
		free(copy);
	}
	tar_set(&t, "manifest.json", orig, strlen(orig));
	/* The rule set's numbers in the bundle changed: not the ones the evaluation was computed with. */
	{
		tfile *rf = tar_get(&t, "rules/KH-2023.1.json");
		CU_ASSERT_PTR_NOT_NULL_FATAL(rf);
		char *keep = strdup(rf->data), *copy = strdup(rf->data), *p = strstr(copy, "\"attendance_min_percent\":85");
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		p[strlen("\"attendance_min_percent\":")] = '7';
		tar_set(&t, "rules/KH-2023.1.json", copy, strlen(copy));
		count(verify_tar(&t, w.vkey, &r));
		CU_ASSERT(has_problem(&r, "RULES_DIFFER", NULL, -1));
		bt_audit_report_free(&r);
		tar_set(&t, "rules/KH-2023.1.json", keep, strlen(keep));
		free(keep);
		free(copy);
	}
	CU_ASSERT_EQUAL(verify_tar(&t, w.vkey, NULL), 0);
	printf("\n  keys, signatures, validity, rules, receipts, cosignatures: %zu mutations, %zu detected\n", mutations - before,
	       detected - det_before);
	json_decref(j1);
	json_decref(j2);
	json_decref(j3);
	free(s1);
	free(s2);
	free(s3);
	free(pem1);
	free(pem_other);
	free(pem_office);
	free(orig);
	bt_key_free(other);
	tar_free(&t);
	free_world(&w);
}

static void sql(const char *path, const char *stmt)
{
	sqlite3 *db = NULL;
	CU_ASSERT_EQUAL_FATAL(sqlite3_open(path, &db), SQLITE_OK);
	char *e = NULL;
	int rc = sqlite3_exec(db, stmt, NULL, NULL, &e);
	if (rc != SQLITE_OK)
		fprintf(stderr, "sql: %s\n", e);
	CU_ASSERT_EQUAL(rc, SQLITE_OK);
	sqlite3_free(e);
	sqlite3_close(db);
}

static void test_audit__an_office_that_rewrites_its_store_is_caught(void)
{
	world w;
	bt_buf b;
	bt_audit_report r;
	size_t before = mutations, det_before = detected;
	char path[512];

	/* An edited projection row (the office's members' dues deleted behind the log's back): the published evaluation is not the events'. */
	make_world(&w, "proj");
	snprintf(path, sizeof(path), "%s", bt_test_path("office-proj.db"));
	sql(path, "DELETE FROM dues");
	export(&w, &b);
	count(verify(b.data, b.len, w.vkey, &r));
	CU_ASSERT(has_problem(&r, "VERDICT_DIFFERS", NULL, -1));
	{
		int named = 0;
		for (size_t i = 0; i < r.n_problems; i++)
			named += strcmp(r.problems[i].code, "VERDICT_DIFFERS") == 0 && strcmp(r.problems[i].cell, "CB") == 0 &&
				 (strcmp(r.problems[i].member, "A") == 0 || strcmp(r.problems[i].member, "B") == 0);
		CU_ASSERT(named >= 1);
	}
	bt_audit_report_free(&r);
	bt_buf_free(&b);
	free_world(&w);

	/* An event's bytes edited in the store (its trigger dropped): the chain, the tablet's signature or the witness says so. */
	for (int which = 0; which < 3; which++) {
		make_world(&w, "edit");
		snprintf(path, sizeof(path), "%s", bt_test_path("office-edit.db"));
		/* 0: an office import in the middle; 1: a tablet's event; 2: the office's last event (only the witnesses and receipts see it). */
		const char *where = which == 0 ? "id = 3" : which == 1 ? "log = 'tablet-1' AND seq = 2" : "id = (SELECT max(id) FROM event)";
		char stmt[1024];
		snprintf(stmt, sizeof(stmt),
			 "DROP TRIGGER event_no_update;"
			 "UPDATE event SET bytes = CAST(replace(CAST(bytes AS TEXT), 'Nguy', 'NGUY') AS BLOB),"
			 "  hash = hash WHERE %s;"
			 "UPDATE event SET bytes = CAST(replace(CAST(bytes AS TEXT), '\"20', '\"21') AS BLOB) WHERE %s AND"
			 "  instr(CAST(bytes AS TEXT), 'NGUY') = 0;"
			 "DELETE FROM tlog_hash;",
			 where, where);
		sql(path, stmt);
		export(&w, &b);
		count(verify(b.data, b.len, w.vkey, &r));
		/* Named: the office's event, the tablet's event; the office's newest (witnessed by no one yet): by what was published from it. */
		if (which == 0)
			CU_ASSERT(has_problem(&r, "EVENT_CHANGED", "office", 3) && has_problem(&r, "HISTORY_REWRITTEN", "tablet-1", -1));
		if (which == 1)
			CU_ASSERT(has_problem(&r, "EVENT_CHANGED", "tablet-1", 2) && has_problem(&r, "HISTORY_REWRITTEN", "tablet-1", -1));
		if (which == 2) {
			int named = 0;
			for (size_t i = 0; i < r.n_problems; i++)
				named += strcmp(r.problems[i].code, "VERDICT_DIFFERS") == 0 && strcmp(r.problems[i].member, "C") == 0;
			CU_ASSERT(named == 1);
		}
		bt_audit_report_free(&r);
		bt_buf_free(&b);
		free_world(&w);
	}

	/* A forked history: another store under the office's key and log id, its own version of the commune, keeping the witness's cosignature. */
	make_world(&w, "fork");
	{
		bt_store *fork = bt_test_store("fork.db", "office");
		bt_import_stats st;
		char *base = strdup(BASE);
		char *p = strstr(base, "Trần Thị Bình");
		memcpy(p, "Trần Thị Bính", strlen("Trần Thị Bính"));
		CU_ASSERT_EQUAL_FATAL(bt_test_import(fork, base, &st), 0);
		free(base);
		CU_ASSERT_EQUAL_FATAL(bt_store_device_add(fork, "tablet-1", "CB", BT_ROLE_DEVICE_SECRETARY, w.k1), 0);
		CU_ASSERT_EQUAL_FATAL(bt_store_device_add(fork, "tablet-2", "CB2", BT_ROLE_DEVICE_SECRETARY, w.k2), 0);
		push(w.t1, "tablet-1", w.k1, fork);
		push(w.t2, "tablet-2", w.k2, fork);
		/* What the witness cosigned of the true office, shown with the fork. */
		sqlite3 *db = NULL;
		CU_ASSERT_EQUAL_FATAL(sqlite3_open(bt_test_path("office-fork.db"), &db), SQLITE_OK);
		sqlite3_stmt *st2 = NULL;
		CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db, "SELECT size, device, line FROM tlog_cosig", -1, &st2, NULL), SQLITE_OK);
		while (sqlite3_step(st2) == SQLITE_ROW)
			CU_ASSERT_EQUAL(bt_store_tlog_cosig_put(fork, (uint64_t)sqlite3_column_int64(st2, 0),
								(const char *)sqlite3_column_text(st2, 1), (const char *)sqlite3_column_text(st2, 2)),
					0);
		sqlite3_finalize(st2);
		sqlite3_close(db);
		bt_buf_init(&b, 0);
		CU_ASSERT_EQUAL_FATAL(bt_audit_export(&b, fork, w.office_key, 2025, BT_DATE_NONE), 0);
		count(verify(b.data, b.len, w.vkey, &r));
		CU_ASSERT(has_problem(&r, "HISTORY_REWRITTEN", "tablet-1", -1));
		bt_audit_report_free(&r);
		bt_buf_free(&b);
		bt_store_free(fork);
	}
	free_world(&w);
	printf("\n  the office's store rewritten (projection row, events, a fork): %zu mutations, %zu detected\n", mutations - before,
	       detected - det_before);
	printf("  mutation campaign: %zu mutations, %zu detected (%.1f%%)\n", mutations, detected,
	       mutations ? 100.0 * (double)detected / (double)mutations : 0.0);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{"a true bundle verifies and recomputes what was published", test_audit__a_true_bundle_verifies_and_recomputes_what_was_published},
		{"every changed byte of an event is named", test_audit__every_changed_byte_of_an_event_is_named},
		{"a bundle cut, reordered, with entries dropped or doubled fails",
		 test_audit__a_bundle_cut_reordered_or_with_entries_dropped_or_doubled_fails},
		{"swapped keys, forged signatures and receipts fail", test_audit__swapped_keys_forged_signatures_and_receipts_fail},
		{"an office that rewrites its store is caught", test_audit__an_office_that_rewrites_its_store_is_caught},
		CU_TEST_INFO_NULL};
	return bt_test_run("audit", tests);
}
