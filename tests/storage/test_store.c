/*
 * test_store.c - the store: schema, import (atomic, idempotent, line and
 * field in every refusal), export round trip, rebuild equivalence, a
 * tampered log, a process killed mid-import, and a full disk.
 */
#include "generate.h"
#include "store_internal.h"
#include "support.h"
#include "buf.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

static const char *const BASE =
	"{\"kind\":\"committee\",\"id\":\"DU\",\"name\":\"Đảng ủy xã\"}\n"
	"{\"kind\":\"cell\",\"id\":\"CB\",\"committee\":\"DU\",\"name\":\"Chi bộ Một\"}\n"
	"{\"kind\":\"cell\",\"id\":\"CB2\",\"committee\":\"DU\",\"name\":\"Chi bộ Hai\"}\n"
	"{\"kind\":\"member\",\"id\":\"A\",\"cell\":\"CB\",\"name\":\"Nguyễn Văn An\",\"status\":\"official\",\"role\":\"secretary\",\"joined\":\"2000-01-01\"}\n"
	"{\"kind\":\"member\",\"id\":\"B\",\"cell\":\"CB\",\"name\":\"Trần Thị Bình\",\"status\":\"official\",\"role\":\"member\",\"joined\":\"2025-03-10\"}\n"
	"{\"kind\":\"member\",\"id\":\"Z\",\"cell\":\"CB2\",\"name\":\"Lê Văn Dũng\",\"status\":\"official\",\"role\":\"member\",\"joined\":\"2000-01-01\"}\n"
	"{\"kind\":\"regulation\",\"cell\":\"CB\",\"issued\":\"2024-01-15\"}\n"
	"{\"kind\":\"meeting\",\"id\":\"M1\",\"cell\":\"CB\",\"date\":\"2025-02-05\",\"start\":\"19:30\",\"end\":\"21:00\",\"regular\":true,\"prepared\":true,\"resolution\":true,\"minutes\":true,\"attendance\":{\"A\":\"present\"},\"speakers\":[\"A\"]}\n"
	"{\"kind\":\"dues\",\"member\":\"A\",\"month\":\"2025-02\",\"amount\":20000,\"paid_on\":\"2025-02-05\"}\n"
	"{\"kind\":\"holiday\",\"date\":\"2025-02-05\",\"working\":true,\"note\":\"làm bù\"}\n";

static void test_store__init_open_and_not_a_store(void)
{
	bt_store *s = bt_test_store("a.db", "test-log"), *t = NULL;
	CU_ASSERT_STRING_EQUAL(bt_store_log_id(s), "test-log");
	bt_store_free(s);
	CU_ASSERT_EQUAL(bt_store_init(&t, bt_test_path("a.db"), NULL), BT_EEXISTS);
	CU_ASSERT_EQUAL(bt_store_open(&t, bt_test_path("a.db")), 0);
	CU_ASSERT_STRING_EQUAL(bt_store_log_id(t), "test-log");
	bt_store_free(t);
	CU_ASSERT_EQUAL(bt_store_open(&t, bt_test_path("missing.db")), BT_ENOTFOUND);
	bt_test_write(bt_test_path("junk.db"), "this is not a database, just some text that is long enough.................................................");
	CU_ASSERT_EQUAL(bt_store_open(&t, bt_test_path("junk.db")), BT_ECORRUPT);
	CU_ASSERT_PTR_NULL(t);
	/* A random log id when none is given. */
	remove(bt_test_path("r.db"));
	CU_ASSERT_EQUAL(bt_store_init(&t, bt_test_path("r.db"), NULL), 0);
	CU_ASSERT(strncmp(bt_store_log_id(t), "bt-", 3) == 0 && strlen(bt_store_log_id(t)) == 19);
	bt_store_free(t);
}

static void test_import__good_file_then_the_same_file_again_adds_nothing(void)
{
	bt_store *s = bt_test_store("b.db", "test-log");
	bt_import_stats st;
	uint8_t d1[32], d2[32];
	CU_ASSERT_EQUAL_FATAL(bt_test_import(s, BASE, &st), 0);
	CU_ASSERT_EQUAL(st.records, 10);
	CU_ASSERT_EQUAL(st.added, 10);
	CU_ASSERT_EQUAL(bt_test_events(s), 10);
	CU_ASSERT_EQUAL(bt_store_projection_digest(s, d1), 0);
	CU_ASSERT_EQUAL_FATAL(bt_test_import(s, BASE, &st), 0);
	CU_ASSERT_EQUAL(st.added, 0);
	CU_ASSERT_EQUAL(st.unchanged, 10);
	CU_ASSERT_EQUAL(bt_test_events(s), 10);
	CU_ASSERT_EQUAL(bt_store_projection_digest(s, d2), 0);
	CU_ASSERT_EQUAL(memcmp(d1, d2, 32), 0);
	/* Key order and decomposed Unicode do not make a new fact. */
	CU_ASSERT_EQUAL(bt_test_import(s, "{\"name\":\"Đảng ủy xã\",\"id\":\"DU\",\"kind\":\"committee\"}\n"
					  "{\"kind\":\"member\",\"id\":\"A\",\"cell\":\"CB\",\"name\":\"Nguye\xcc\x82\xcc\x83n Văn An\",\"status\":\"official\",\"role\":\"secretary\",\"joined\":\"2000-01-01\",\"left\":null}\n",
			&st), 0);
	CU_ASSERT_EQUAL(st.unchanged, 2);
	CU_ASSERT_EQUAL(bt_test_events(s), 10);
	bt_store_free(s);
}

/* A changed fact is a new event that supersedes; the old version stays in the log. */
static void test_import__a_changed_record_supersedes_and_keeps_the_old(void)
{
	bt_store *s = bt_test_store("c.db", "test-log");
	bt_import_stats st;
	CU_ASSERT_EQUAL_FATAL(bt_test_import(s, BASE, &st), 0);
	CU_ASSERT_EQUAL_FATAL(bt_test_import(s, "{\"kind\":\"meeting\",\"id\":\"M1\",\"cell\":\"CB\",\"date\":\"2025-02-05\",\"start\":\"19:30\",\"end\":\"21:30\",\"regular\":true,\"prepared\":true,\"resolution\":true,\"minutes\":true,\"attendance\":{\"A\":\"present\"},\"speakers\":[\"A\"]}\n", &st), 0);
	CU_ASSERT_EQUAL(st.changed, 1);
	CU_ASSERT_EQUAL(bt_test_events(s), 11);
	sqlite3_stmt *q;
	CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(s->db, "SELECT end FROM meeting WHERE id = 'M1'", -1, &q, NULL), SQLITE_OK);
	CU_ASSERT_EQUAL(sqlite3_step(q), SQLITE_ROW);
	CU_ASSERT_EQUAL(sqlite3_column_int(q, 0), 21 * 60 + 30);
	sqlite3_finalize(q);
	CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(s->db, "SELECT count(*) FROM event WHERE key = 'M1'", -1, &q, NULL), SQLITE_OK);
	CU_ASSERT_EQUAL(sqlite3_step(q), SQLITE_ROW);
	CU_ASSERT_EQUAL(sqlite3_column_int(q, 0), 2);
	sqlite3_finalize(q);
	/* The log does not allow UPDATE or DELETE. */
	CU_ASSERT_NOT_EQUAL(sqlite3_exec(s->db, "DELETE FROM event", NULL, NULL, NULL), SQLITE_OK);
	CU_ASSERT_NOT_EQUAL(sqlite3_exec(s->db, "UPDATE event SET bytes = x'00'", NULL, NULL, NULL), SQLITE_OK);
	CU_ASSERT_EQUAL(bt_test_events(s), 11);
	bt_store_free(s);
}

/* Each bad file is refused naming the line and the field, and the store is exactly as before. */
static void test_import__bad_records_change_nothing_and_name_line_and_field(void)
{
	static const struct {
		const char *line, *expect;
	} cases[] = {
		{"{\"kind\":\"meating\",\"id\":\"X\"}", "\"kind\""},
		{"{\"kind\":\"dues\",\"member\":\"A\",\"month\":\"2025-03\",\"amount\":1,\"paid_on\":\"2025-02-31\"}", "\"paid_on\""},
		{"{\"kind\":\"meeting\",\"id\":\"M2\",\"cell\":\"CB\",\"date\":\"2025-03-05\",\"start\":\"21:00\",\"end\":\"19:00\",\"attendance\":{\"A\":\"present\",\"B\":\"present\"}}", "\"end\""},
		{"{\"kind\":\"meeting\",\"id\":\"M2\",\"cell\":\"CB\",\"date\":\"2025-03-12\",\"start\":\"19:00\",\"end\":\"21:00\",\"attendance\":{\"A\":\"present\",\"B\":\"present\",\"Q\":\"present\"}}", "\"Q\""},
		{"{\"kind\":\"meeting\",\"id\":\"M2\",\"cell\":\"CB\",\"date\":\"2025-03-12\",\"start\":\"19:00\",\"end\":\"21:00\",\"attendance\":{\"A\":\"present\"}}", "B"},
		{"{\"kind\":\"meeting\",\"id\":\"M2\",\"cell\":\"CB\",\"date\":\"2025-03-12\",\"start\":\"19:00\",\"end\":\"21:00\",\"attendance\":{\"A\":\"present\",\"B\":\"present\",\"Z\":\"present\"}}", "Z"},
		{"{\"kind\":\"meeting\",\"id\":\"M2\",\"cell\":\"CB\",\"date\":\"2025-03-01\",\"start\":\"19:00\",\"end\":\"21:00\",\"attendance\":{\"A\":\"present\",\"B\":\"present\"}}", "B"},
		{"{\"kind\":\"meeting\",\"id\":\"M2\",\"cell\":\"NOPE\",\"date\":\"2025-03-12\",\"start\":\"19:00\",\"end\":\"21:00\",\"attendance\":{}}", "\"cell\""},
		{"{\"kind\":\"cell\",\"id\":\"CB9\",\"committee\":\"DU9\",\"name\":\"x\"}", "\"committee\""},
		{"{\"kind\":\"member\",\"id\":\"C\",\"cell\":\"CB9\",\"name\":\"x\",\"status\":\"official\",\"role\":\"member\",\"joined\":\"2001-01-01\"}", "\"cell\""},
		{"{\"kind\":\"dues\",\"member\":\"B\",\"month\":\"2025-02\",\"amount\":1,\"paid_on\":\"2025-02-05\"}", "\"month\""},
		{"{\"kind\":\"dues\",\"member\":\"Q\",\"month\":\"2025-02\",\"amount\":1,\"paid_on\":\"2025-02-05\"}", "\"member\""},
		{"{\"kind\":\"attestation\",\"subject\":\"A\",\"year\":2025,\"criterion\":\"1.3\",\"pass\":true}", "\"subject\""},
		{"{\"kind\":\"attestation\",\"subject\":\"CB\",\"year\":2025,\"criterion\":\"2.4\",\"pass\":true}", "\"subject\""},
		{"{\"kind\":\"exemption\",\"member\":\"Q\",\"from\":\"2025-01-01\"}", "\"member\""},
		{"{\"kind\":\"commitment\",\"id\":\"K\",\"member\":\"Q\",\"year\":2025,\"title\":\"x\"}", "\"member\""},
		{"{\"kind\":\"target\",\"id\":\"T\",\"cell\":\"Q\",\"year\":2025,\"title\":\"x\"}", "\"cell\""},
		{"{\"kind\":\"discipline\",\"member\":\"Q\",\"date\":\"2025-01-01\",\"form\":\"x\"}", "\"member\""},
		{"{\"kind\":\"meeting\",\"id\":\"M2\",\"cell\":\"CB\",\"date\":\"2025-03-12\",\"start\":\"19:00\",\"end\":\"21:00\",\"attendance\":{\"A\":\"present\",\"B\":\"excused\"},\"speakers\":[\"B\"]}", "\"speakers\""},
		{"{\"kind\":\"transfer\",\"member\":\"B\",\"date\":\"2025-03-01\",\"from\":\"CB\",\"to\":\"CB2\"}", "\"date\""},
		{"{\"kind\":\"meeting\",\"id\":\"M2\",\"cell\":\"CB\",\"date\":\"2025-02-05\",\"start\":\"19:00\",\"end\":\"21:00\",\"attendance\":{\"A\":\"present\"}}", "\"date\""},
		{"{\"kind\":\"committee\",\"id\":\"DU2\"", NULL},
	};
	bt_store *s = bt_test_store("d.db", "test-log");
	bt_import_stats st;
	uint8_t before[32], after[32];
	CU_ASSERT_EQUAL_FATAL(bt_test_import(s, BASE, &st), 0);
	CU_ASSERT_EQUAL_FATAL(bt_store_projection_digest(s, before), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* Good lines before the bad one (line 3) must be rolled back too. */
		char file[4096];
		snprintf(file, sizeof(file),
			 "{\"kind\":\"committee\",\"id\":\"NEW\",\"name\":\"Mới\"}\n"
			 "{\"kind\":\"dues\",\"member\":\"A\",\"month\":\"2025-04\",\"amount\":20000,\"paid_on\":\"2025-04-07\"}\n"
			 "%s\n{\"kind\":\"committee\",\"id\":\"AFTER\",\"name\":\"Sau\"}\n",
			 cases[i].line);
		int err = bt_test_import(s, file, &st);
		CU_ASSERT(err < 0);
		CU_ASSERT_EQUAL(st.error_line, 3);
		CU_ASSERT_PTR_NOT_NULL(strstr(bt_error_last(), "dòng 3"));
		if (cases[i].expect && !strstr(bt_error_last(), cases[i].expect)) {
			fprintf(stderr, "case %zu (%s): \"%s\" does not name %s\n", i, cases[i].line, bt_error_last(), cases[i].expect);
			CU_FAIL("message does not name the field");
		}
		CU_ASSERT_EQUAL(bt_test_events(s), 10);
		CU_ASSERT_EQUAL(bt_store_projection_digest(s, after), 0);
		CU_ASSERT_EQUAL(memcmp(before, after, 32), 0);
	}
	bt_store_free(s);
}

static int collect(const bt_cell_result *r, void *payload)
{
	bt_buf *b = payload;
	return bt_eval_cell_json(b, r);
}

static int eval_json(bt_store *s, bt_buf *b, int year)
{
	bt_eval_opts o = BT_EVAL_OPTS_INIT;
	o.year = year;
	bt_buf_init(b, 0);
	return bt_store_evaluate(s, &o, NULL, collect, b);
}

static int write_buf(const char *data, size_t len, void *payload) { return bt_buf_put(payload, data, len); }

static int emit_import(const char *line, size_t len, void *payload) { return bt_import_line(payload, line, len); }

static int emit_buf(const char *line, size_t len, void *payload)
{
	bt_buf *b = payload;
	int err = bt_buf_put(b, line, len);
	return err ? err : bt_buf_put(b, "\n", 1);
}

static void import_sample(bt_store *s, const gen_opts *g)
{
	bt_import *imp = NULL;
	bt_import_opts io = BT_IMPORT_OPTS_INIT;
	bt_import_stats st;
	io.timestamp = "2026-11-30T00:00:00Z";
	io.author = "test";
	CU_ASSERT_EQUAL_FATAL(bt_import_begin(&imp, s, &io), 0);
	int err = gen_commune(g, emit_import, imp);
	if (err)
		fprintf(stderr, "sample import: %s\n", bt_error_last());
	CU_ASSERT_EQUAL_FATAL(err, 0);
	CU_ASSERT_EQUAL_FATAL(bt_import_commit(imp, &st), 0);
	bt_import_free(imp);
}

/* export -> import into an empty store: the same evaluation, byte for byte; and export is stable. */
static void test_export__round_trip_evaluates_identically(void)
{
	gen_opts g = {6, 10, 30, 2025, 7, 1, BT_DATE_NONE};
	bt_store *s = bt_test_store("e1.db", "test-log"), *t = bt_test_store("e2.db", "test-log");
	bt_buf out1, out2, ev1, ev2;
	bt_import_stats st;
	import_sample(s, &g);
	bt_buf_init(&out1, 0);
	CU_ASSERT_EQUAL_FATAL(bt_store_export(s, write_buf, &out1), 0);
	CU_ASSERT_EQUAL_FATAL(bt_test_import(t, out1.data, &st), 0);
	CU_ASSERT_EQUAL(st.added, (size_t)bt_test_events(s));
	bt_buf_init(&out2, 0);
	CU_ASSERT_EQUAL_FATAL(bt_store_export(t, write_buf, &out2), 0);
	CU_ASSERT_EQUAL(out1.len, out2.len);
	CU_ASSERT(out1.len == out2.len && memcmp(out1.data, out2.data, out1.len) == 0);
	CU_ASSERT_EQUAL(eval_json(s, &ev1, 2025), 0);
	CU_ASSERT_EQUAL(eval_json(t, &ev2, 2025), 0);
	CU_ASSERT(ev1.len > 1000 && ev1.len == ev2.len && memcmp(ev1.data, ev2.data, ev1.len) == 0);
	/* Re-importing the export into the original changes nothing. */
	CU_ASSERT_EQUAL(bt_test_import(s, out1.data, &st), 0);
	CU_ASSERT_EQUAL(st.added + st.changed, 0);
	/* The store's evaluation equals the evaluation of the generated records held in memory. */
	bt_buf gen, mem;
	bt_test_records rs = {0};
	bt_buf_init(&gen, 0);
	bt_buf_init(&mem, 0);
	CU_ASSERT_EQUAL(gen_commune(&g, emit_buf, &gen), 0);
	for (char *p = gen.data, *nl; (nl = strchr(p, '\n')); p = nl + 1) {
		*nl = '\0';
		bt_test_add(&rs, "%s", p);
	}
	for (int c = 1; c <= g.cells; c++) {
		char id[16];
		bt_cell_result *r = NULL;
		bt_eval_opts o = BT_EVAL_OPTS_INIT;
		o.year = 2025;
		snprintf(id, sizeof(id), "CB-%04d", c);
		CU_ASSERT_EQUAL_FATAL(bt_eval_cell(&r, (const bt_record *const *)rs.v, rs.n, id, &o), 0);
		CU_ASSERT_EQUAL(bt_eval_cell_json(&mem, r), 0);
		bt_cell_result_free(r);
	}
	CU_ASSERT(mem.len == ev1.len && memcmp(mem.data, ev1.data, mem.len) == 0);
	bt_test_records_free(&rs);
	bt_buf_free(&mem);
	bt_buf_free(&gen);
	bt_buf_free(&out1);
	bt_buf_free(&out2);
	bt_buf_free(&ev1);
	bt_buf_free(&ev2);
	bt_store_free(s);
	bt_store_free(t);
}

static void test_rebuild__reproduces_the_projections_exactly(void)
{
	gen_opts g = {4, 10, 20, 2025, 3, 1, BT_DATE_NONE};
	bt_store *s = bt_test_store("f.db", "test-log");
	bt_rebuild_stats rs;
	bt_import_stats st;
	bt_buf ev1, ev2;
	import_sample(s, &g);
	/* Some superseded facts too. */
	CU_ASSERT_EQUAL(bt_test_import(s, "{\"kind\":\"committee\",\"id\":\"DU-01\",\"name\":\"Đảng ủy xã Tân Phong (mới)\"}\n", &st), 0);
	CU_ASSERT_EQUAL(eval_json(s, &ev1, 2025), 0);
	CU_ASSERT_EQUAL_FATAL(bt_store_rebuild(s, &rs), 0);
	CU_ASSERT_EQUAL(rs.events, (size_t)bt_test_events(s));
	CU_ASSERT_EQUAL(memcmp(rs.before, rs.after, 32), 0);
	CU_ASSERT_EQUAL(eval_json(s, &ev2, 2025), 0);
	CU_ASSERT(ev1.len == ev2.len && memcmp(ev1.data, ev2.data, ev1.len) == 0);
	/* Damaged projections are repaired by the log. */
	CU_ASSERT_EQUAL(sqlite3_exec(s->db, "DELETE FROM dues WHERE month = 202503", NULL, NULL, NULL), SQLITE_OK);
	CU_ASSERT_EQUAL(sqlite3_exec(s->db, "UPDATE mark SET spoke = 0", NULL, NULL, NULL), SQLITE_OK);
	CU_ASSERT_EQUAL_FATAL(bt_store_rebuild(s, &rs), 0);
	CU_ASSERT_NOT_EQUAL(memcmp(rs.before, rs.after, 32), 0);
	bt_buf_free(&ev2);
	CU_ASSERT_EQUAL(eval_json(s, &ev2, 2025), 0);
	CU_ASSERT(ev1.len == ev2.len && memcmp(ev1.data, ev2.data, ev1.len) == 0);
	bt_buf_free(&ev1);
	bt_buf_free(&ev2);
	bt_store_free(s);
}

/* Shuffle the lines of text in place (Fisher-Yates, splitmix64 from seed); returns the lines as one text. */
static char *shuffled(const char *text, uint64_t seed, int reverse)
{
	BT_ARRAY(const char *) lines = {0};
	BT_ARRAY(size_t) lens = {0};
	for (const char *p = text, *nl; *p; p = nl + 1) {
		if (!(nl = strchr(p, '\n')))
			break;
		*BT_PUSH(&lines) = p;
		*BT_PUSH(&lens) = (size_t)(nl - p);
	}
	for (size_t i = lines.n; i > 1 && !reverse; i--) {
		uint64_t z = (seed += 0x9E3779B97F4A7C15ull);
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
		z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
		size_t j = (size_t)((z ^ (z >> 31)) % i);
		const char *t = lines.v[i - 1];
		size_t tl = lens.v[i - 1];
		lines.v[i - 1] = lines.v[j], lens.v[i - 1] = lens.v[j];
		lines.v[j] = t, lens.v[j] = tl;
	}
	char *out = malloc(strlen(text) + 2), *q = out;
	for (size_t k = 0; k < lines.n; k++) {
		size_t i = reverse ? lines.n - 1 - k : k;
		memcpy(q, lines.v[i], lens.v[i]);
		q += lens.v[i];
		*q++ = '\n';
	}
	*q = '\0';
	free(lines.v);
	free(lens.v);
	return out;
}

static int collect_finding(const bt_finding *f, void *payload) { return bt_finding_json(payload, f, 1); }

/*
 * A file is checked as a whole: any order of its lines imports into the
 * same facts, the same findings and the same evaluation (the log records
 * the order the lines came in, and only that differs). Over the fixtures and
 * random commune-years, shuffled and reversed.
 */
static void test_import__any_order_of_the_lines_imports_the_same(void)
{
	static const char *const TRANSFERS =
		"{\"kind\":\"transfer\",\"member\":\"A\",\"date\":\"2025-03-01\",\"from\":\"CB\",\"to\":\"CB2\"}\n"
		"{\"kind\":\"exemption\",\"member\":\"B\",\"from\":\"2025-04-01\",\"to\":null,\"reason\":\"ốm\"}\n"
		"{\"kind\":\"meeting\",\"id\":\"M2\",\"cell\":\"CB\",\"date\":\"2025-03-12\",\"start\":\"19:00\",\"end\":\"21:00\",\"attendance\":{\"B\":\"present\"}}\n"
		"{\"kind\":\"meeting\",\"id\":\"M3\",\"cell\":\"CB2\",\"date\":\"2025-03-12\",\"start\":\"19:00\",\"end\":\"21:00\",\"attendance\":{\"A\":\"present\",\"Z\":\"present\"}}\n"
		"{\"kind\":\"meeting\",\"id\":\"M4\",\"cell\":\"CB\",\"date\":\"2025-04-07\",\"start\":\"19:00\",\"end\":\"21:00\",\"attendance\":{}}\n"
		"{\"kind\":\"dues_month\",\"cell\":\"CB2\",\"month\":\"2025-03\",\"amount\":20000,\"paid_on\":\"2025-03-12\",\"members\":[\"A\",\"Z\"]}\n";
	BT_ARRAY(char *) files = {0};
	char *fixture = malloc(strlen(BASE) + strlen(TRANSFERS) + 1);
	strcpy(fixture, BASE);
	strcat(fixture, TRANSFERS);
	*BT_PUSH(&files) = fixture;
	for (int seed = 1; seed <= 4; seed++) {
		gen_opts g = {3, 5, 12, 2025, (uint64_t)seed * 7, 1, BT_DATE_NONE};
		bt_buf b;
		bt_buf_init(&b, 0);
		CU_ASSERT_EQUAL_FATAL(gen_commune(&g, emit_buf, &b), 0);
		*BT_PUSH(&files) = b.data;
	}
	for (size_t f = 0; f < files.n; f++) {
		bt_buf first[3];
		for (int v = 0; v < 6; v++) {
			char name[32];
			snprintf(name, sizeof(name), "order-%zu-%d.db", f, v);
			bt_store *s = bt_test_store(name, "test-log");
			char *text = v == 0 ? strdup(files.v[f]) : shuffled(files.v[f], (uint64_t)(f * 100 + (size_t)v), v == 1);
			bt_import_stats st;
			int err = bt_test_import(s, text, &st);
			if (err)
				fprintf(stderr, "file %zu order %d: %s\n", f, v, bt_error_last());
			CU_ASSERT_EQUAL_FATAL(err, 0);
			bt_buf got[3];
			bt_findings_query q = BT_FINDINGS_QUERY_INIT;
			q.open_only = 0;
			bt_buf_init(&got[0], 0);
			bt_buf_init(&got[1], 0);
			CU_ASSERT_EQUAL(bt_store_export(s, write_buf, &got[0]), 0);
			CU_ASSERT_EQUAL(bt_store_findings(s, &q, collect_finding, &got[1]), 0);
			CU_ASSERT_EQUAL(eval_json(s, &got[2], 2025), 0);
			for (int k = 0; k < 3; k++) {
				if (v == 0) {
					first[k] = got[k];
					continue;
				}
				CU_ASSERT(got[k].len == first[k].len && (!got[k].len || memcmp(got[k].data, first[k].data, got[k].len) == 0));
				bt_buf_free(&got[k]);
			}
			free(text);
			bt_store_free(s);
		}
		for (int k = 0; k < 3; k++)
			bt_buf_free(&first[k]);
	}
	for (size_t f = 0; f < files.n; f++)
		free(files.v[f]);
	free(files.v);
}

/* A rewritten event breaks the chain: rebuild refuses and changes nothing. */
static void test_rebuild__refuses_a_tampered_log(void)
{
	bt_store *s = bt_test_store("g.db", "test-log");
	bt_rebuild_stats rs;
	uint8_t before[32], after[32];
	bt_import_stats st;
	CU_ASSERT_EQUAL_FATAL(bt_test_import(s, BASE, &st), 0);
	CU_ASSERT_EQUAL_FATAL(bt_store_projection_digest(s, before), 0);
	CU_ASSERT_EQUAL_FATAL(sqlite3_exec(s->db, "DROP TRIGGER event_no_update", NULL, NULL, NULL), SQLITE_OK);
	/* Change the amount of the dues in event 9, keeping valid JSON: the hash no longer matches. */
	CU_ASSERT_EQUAL_FATAL(sqlite3_exec(s->db, "UPDATE event SET bytes = CAST(replace(CAST(bytes AS TEXT), '20000', '30000') AS BLOB) WHERE seq = 9", NULL, NULL, NULL), SQLITE_OK);
	CU_ASSERT_EQUAL(bt_store_rebuild(s, &rs), BT_ECORRUPT);
	CU_ASSERT_PTR_NOT_NULL(strstr(bt_error_last(), "9"));
	CU_ASSERT_EQUAL(bt_store_projection_digest(s, after), 0);
	CU_ASSERT_EQUAL(memcmp(before, after, 32), 0);
	bt_store_free(s);
}

static int integrity_ok(bt_store *s)
{
	sqlite3_stmt *q;
	int ok = 0;
	if (sqlite3_prepare_v2(s->db, "PRAGMA integrity_check", -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
		ok = strcmp((const char *)sqlite3_column_text(q, 0), "ok") == 0;
	sqlite3_finalize(q);
	return ok;
}

typedef struct {
	bt_import *imp;
	int fd;
	size_t n;
} kill_ctx;

static int emit_and_signal(const char *line, size_t len, void *payload)
{
	kill_ctx *k = payload;
	int err = bt_import_line(k->imp, line, len);
	if (++k->n == 20000) {
		/* Tell the parent we are deep inside the transaction. */
		if (write(k->fd, "x", 1) != 1)
			_exit(3);
	}
	return err;
}

/* SIGKILL in the middle of a large import leaves the store exactly as before it. */
static void test_import__killed_mid_import_leaves_the_store_as_before(void)
{
	bt_store *s = bt_test_store("k.db", "test-log");
	bt_import_stats st;
	uint8_t before[32], after[32];
	int fds[2];
	CU_ASSERT_EQUAL_FATAL(bt_test_import(s, BASE, &st), 0);
	CU_ASSERT_EQUAL_FATAL(bt_store_projection_digest(s, before), 0);
	bt_store_free(s);
	CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		bt_store *c = NULL;
		bt_import *imp = NULL;
		bt_import_opts io = BT_IMPORT_OPTS_INIT;
		gen_opts g = {400, 30, 30, 2025, 9, 0, BT_DATE_NONE};
		io.timestamp = "2026-11-30T00:00:00Z";
		io.author = "child";
		close(fds[0]);
		if (bt_store_open(&c, bt_test_path("k.db")) || bt_import_begin(&imp, c, &io))
			_exit(2);
		kill_ctx k = {imp, fds[1], 0};
		gen_commune(&g, emit_and_signal, &k);
		/* Never reached in time: the parent kills us first. Sleep rather than commit. */
		sleep(60);
		_exit(1);
	}
	close(fds[1]);
	char c;
	CU_ASSERT_EQUAL(read(fds[0], &c, 1), 1);
	kill(pid, SIGKILL);
	int status;
	waitpid(pid, &status, 0);
	close(fds[0]);
	CU_ASSERT(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	CU_ASSERT_EQUAL_FATAL(bt_store_open(&s, bt_test_path("k.db")), 0);
	CU_ASSERT(integrity_ok(s));
	CU_ASSERT_EQUAL(bt_test_events(s), 10);
	CU_ASSERT_EQUAL(bt_store_projection_digest(s, after), 0);
	CU_ASSERT_EQUAL(memcmp(before, after, 32), 0);
	/* And the store still takes writes. */
	CU_ASSERT_EQUAL(bt_test_import(s, "{\"kind\":\"committee\",\"id\":\"AFTER\",\"name\":\"Sau\"}\n", &st), 0);
	CU_ASSERT_EQUAL(bt_test_events(s), 11);
	bt_store_free(s);
}

/* A full disk (the database may not grow) fails the import cleanly and keeps everything. */
static void test_import__full_disk_fails_cleanly(void)
{
	bt_store *s = bt_test_store("full.db", "test-log");
	bt_import_stats st;
	uint8_t before[32], after[32];
	CU_ASSERT_EQUAL_FATAL(bt_test_import(s, BASE, &st), 0);
	CU_ASSERT_EQUAL_FATAL(bt_store_projection_digest(s, before), 0);
	sqlite3_stmt *q;
	CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(s->db, "PRAGMA page_count", -1, &q, NULL), SQLITE_OK);
	CU_ASSERT_EQUAL(sqlite3_step(q), SQLITE_ROW);
	int pages = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %d", pages + 2);
	CU_ASSERT_EQUAL(sqlite3_exec(s->db, sql, NULL, NULL, NULL), SQLITE_OK);
	bt_import *imp = NULL;
	bt_import_opts io = BT_IMPORT_OPTS_INIT;
	io.timestamp = "2026-11-30T00:00:00Z";
	io.author = "test";
	gen_opts g = {50, 30, 30, 2025, 5, 0, BT_DATE_NONE};
	CU_ASSERT_EQUAL_FATAL(bt_import_begin(&imp, s, &io), 0);
	int err = gen_commune(&g, emit_import, imp);
	if (err == 0)
		err = bt_import_commit(imp, &st);
	CU_ASSERT_EQUAL(err, BT_EIO);
	CU_ASSERT_PTR_NOT_NULL(strstr(bt_error_last(), "full"));
	bt_import_free(imp);
	CU_ASSERT(integrity_ok(s));
	CU_ASSERT_EQUAL(bt_test_events(s), 10);
	CU_ASSERT_EQUAL(bt_store_projection_digest(s, after), 0);
	CU_ASSERT_EQUAL(memcmp(before, after, 32), 0);
	bt_store_free(s);
}

static void test_store__calendar_uses_holiday_records(void)
{
	bt_store *s = bt_test_store("h.db", "test-log");
	bt_import_stats st;
	bt_calendar *cal = NULL;
	CU_ASSERT_EQUAL_FATAL(bt_test_import(s, BASE, &st), 0);
	CU_ASSERT_EQUAL_FATAL(bt_store_calendar(s, &cal), 0);
	CU_ASSERT_TRUE(bt_calendar_is_working(cal, bt_date_from_ymd(2025, 2, 5)));
	bt_calendar_free(cal);
	bt_cell_records *cr = NULL;
	size_t n = 0;
	CU_ASSERT_EQUAL_FATAL(bt_store_load_cell(&cr, s, "CB", 2025), 0);
	const bt_record *const *recs = bt_cell_records_list(cr, &n);
	CU_ASSERT_EQUAL(n, 6); /* cell, 2 members, regulation, meeting, dues */
	CU_ASSERT_EQUAL(recs[0]->kind, BT_KIND_CELL);
	for (size_t i = 0; i < n; i++)
		if (recs[i]->kind == BT_KIND_MEETING) {
			CU_ASSERT_EQUAL(recs[i]->n_attendance, 1);
			CU_ASSERT_STRING_EQUAL(recs[i]->attendance[0].member, "A");
			CU_ASSERT_EQUAL(recs[i]->n_speakers, 1);
		}
	bt_cell_records_free(cr);
	CU_ASSERT_EQUAL(bt_store_load_cell(&cr, s, "NOPE", 2025), BT_ENOTFOUND);
	bt_store_free(s);
}

static bt_record *rec(const char *line)
{
	bt_record *r = NULL;
	CU_ASSERT_EQUAL_FATAL(bt_record_parse(&r, line, strlen(line)), 0);
	return r;
}

typedef struct {
	int n;
	int64_t ids[16], supersedes[16];
	char recs[16][512];
} log_seen;

static int collect_log(const bt_log_entry *e, void *payload)
{
	log_seen *l = payload;
	if (l->n < 16) {
		l->ids[l->n] = e->id;
		l->supersedes[l->n] = e->supersedes;
		snprintf(l->recs[l->n], sizeof(l->recs[0]), "%.*s", (int)e->rec_len, e->rec);
		l->n++;
	}
	return 0;
}

/* One fact, one event: new facts refuse duplicates, corrections refuse the unknown, and nothing is erased. */
static void test_record__new_correction_and_log(void)
{
	bt_store *s = bt_test_store("rec.db", "test-log");
	bt_import_stats st;
	bt_import_opts o = BT_IMPORT_OPTS_INIT;
	int64_t id = -1;
	o.timestamp = "2026-11-30T09:00:00Z";
	o.author = "bí thư";
	CU_ASSERT_EQUAL_FATAL(bt_test_import(s, BASE, &st), 0);
	const char *m2 = "{\"kind\":\"meeting\",\"id\":\"M2\",\"cell\":\"CB\",\"date\":\"2025-03-12\",\"start\":\"19:30\",\"end\":\"21:00\",\"regular\":true,\"attendance\":{\"A\":\"present\",\"B\":\"absent\"},\"speakers\":[\"A\"]}";
	bt_record *r = rec(m2);
	int rc = bt_store_record(s, r, BT_RECORD_NEW, &o, &id);
	if (rc)
		fprintf(stderr, "record: %s\n", bt_error_last());
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(id, 11);
	/* The same meeting again: already recorded. */
	CU_ASSERT_EQUAL(bt_store_record(s, r, BT_RECORD_NEW, &o, &id), BT_EEXISTS);
	CU_ASSERT_EQUAL(id, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(bt_error_last(), "M2"));
	bt_record_free(r);
	/* A wrong attendance mark corrected: B was excused. */
	r = rec("{\"kind\":\"meeting\",\"id\":\"M2\",\"cell\":\"CB\",\"date\":\"2025-03-12\",\"start\":\"19:30\",\"end\":\"21:00\",\"regular\":true,\"attendance\":{\"A\":\"present\",\"B\":\"excused\"},\"speakers\":[\"A\"]}");
	CU_ASSERT_EQUAL(bt_store_record(s, r, BT_RECORD_CORRECTION, &o, &id), 0);
	CU_ASSERT_EQUAL(id, 12);
	/* The same correction again changes nothing. */
	CU_ASSERT_EQUAL(bt_store_record(s, r, BT_RECORD_CORRECTION, &o, &id), 0);
	CU_ASSERT_EQUAL(id, 0);
	bt_record_free(r);
	/* A correction of something never recorded. */
	r = rec("{\"kind\":\"meeting\",\"id\":\"M9\",\"cell\":\"CB\",\"date\":\"2025-03-12\",\"start\":\"19:30\",\"end\":\"21:00\",\"attendance\":{\"A\":\"present\",\"B\":\"present\"}}");
	CU_ASSERT_EQUAL(bt_store_record(s, r, BT_RECORD_CORRECTION, &o, &id), BT_ENOTFOUND);
	bt_record_free(r);
	/* Dues for a month before the member joined: refused, naming the field. */
	r = rec("{\"kind\":\"dues\",\"member\":\"B\",\"month\":\"2025-01\",\"amount\":1,\"paid_on\":\"2025-03-05\"}");
	CU_ASSERT_EQUAL(bt_store_record(s, r, BT_RECORD_NEW, &o, &id), BT_EINVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(bt_error_last(), "\"month\""));
	bt_record_free(r);
	CU_ASSERT_EQUAL(bt_test_events(s), 12);

	/* The log, newest first; the correction points at what it replaced. */
	log_seen l;
	memset(&l, 0, sizeof(l));
	CU_ASSERT_EQUAL(bt_store_log(s, 3, 0, NULL, collect_log, &l), 0);
	CU_ASSERT_EQUAL(l.n, 3);
	CU_ASSERT_EQUAL(l.ids[0], 12);
	CU_ASSERT_EQUAL(l.supersedes[0], 11);
	CU_ASSERT_EQUAL(l.supersedes[1], 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(l.recs[0], "\"B\":\"excused\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(l.recs[1], "\"B\":\"absent\""));
	memset(&l, 0, sizeof(l));
	CU_ASSERT_EQUAL(bt_store_log(s, 0, BT_KIND_MEETING, "M2", collect_log, &l), 0);
	CU_ASSERT_EQUAL(l.n, 2);
	/* Evaluation and rebuild see the newest version. */
	bt_rebuild_stats rs;
	CU_ASSERT_EQUAL(bt_store_rebuild(s, &rs), 0);
	CU_ASSERT_EQUAL(memcmp(rs.before, rs.after, 32), 0);
	bt_store_free(s);
}

/* A transfer: the old cell's meetings before it still need the member, after it no longer; export keeps it. */
static void test_import__transfer_history_validates_and_round_trips(void)
{
	bt_store *s = bt_test_store("tr.db", "test-log"), *t = bt_test_store("tr2.db", "test-log");
	bt_import_stats st;
	bt_buf out, ev1, ev2;
	CU_ASSERT_EQUAL_FATAL(bt_test_import(s, BASE, &st), 0);
	CU_ASSERT_EQUAL_FATAL(bt_test_import(s,
		"{\"kind\":\"transfer\",\"member\":\"A\",\"date\":\"2025-03-01\",\"from\":\"CB\",\"to\":\"CB2\",\"note\":\"chuyển nơi cư trú\"}\n"
		"{\"kind\":\"member\",\"id\":\"A\",\"cell\":\"CB2\",\"name\":\"Nguyễn Văn An\",\"status\":\"official\",\"role\":\"secretary\",\"joined\":\"2000-01-01\"}\n"
		"{\"kind\":\"meeting\",\"id\":\"M2\",\"cell\":\"CB\",\"date\":\"2025-03-12\",\"start\":\"19:00\",\"end\":\"21:00\",\"attendance\":{\"B\":\"present\"}}\n"
		"{\"kind\":\"meeting\",\"id\":\"M3\",\"cell\":\"CB2\",\"date\":\"2025-03-12\",\"start\":\"19:00\",\"end\":\"21:00\",\"attendance\":{\"A\":\"present\",\"Z\":\"present\"}}\n",
		&st), 0);
	/* After the move, A is not of CB; before it, A was required there (BASE's M1 of 5 February is valid). */
	CU_ASSERT_EQUAL(bt_test_import(s, "{\"kind\":\"meeting\",\"id\":\"M4\",\"cell\":\"CB\",\"date\":\"2025-04-07\",\"start\":\"19:00\",\"end\":\"21:00\",\"attendance\":{\"A\":\"present\",\"B\":\"present\"}}\n", &st), BT_EINVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(bt_error_last(), "A"));
	CU_ASSERT_EQUAL(bt_test_import(s, "{\"kind\":\"meeting\",\"id\":\"M5\",\"cell\":\"CB\",\"date\":\"2025-02-20\",\"start\":\"19:00\",\"end\":\"21:00\",\"attendance\":{\"B\":\"present\"}}\n", &st), BT_EINVALID);
	/* B had not joined yet (and A, still of CB, has no mark): the first finding by code is named. */
	CU_ASSERT_PTR_NOT_NULL(strstr(bt_error_last(), "B"));
	/* Transfer to a cell that does not exist, or to the same cell. */
	CU_ASSERT_EQUAL(bt_test_import(s, "{\"kind\":\"transfer\",\"member\":\"B\",\"date\":\"2025-06-01\",\"from\":\"CB\",\"to\":\"CB9\"}\n", &st), BT_ENOTFOUND);
	CU_ASSERT_EQUAL(bt_test_import(s, "{\"kind\":\"transfer\",\"member\":\"B\",\"date\":\"2025-06-01\",\"from\":\"CB\",\"to\":\"CB\"}\n", &st), BT_EINVALID);
	/* Export, import into an empty store: the same facts and the same evaluation. */
	bt_buf_init(&out, 0);
	CU_ASSERT_EQUAL_FATAL(bt_store_export(s, write_buf, &out), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out.data, "\"kind\":\"transfer\""));
	CU_ASSERT_EQUAL(bt_test_import(t, out.data, &st), 0);
	CU_ASSERT_EQUAL(eval_json(s, &ev1, 2025), 0);
	CU_ASSERT_EQUAL(eval_json(t, &ev2, 2025), 0);
	CU_ASSERT(ev1.len == ev2.len && memcmp(ev1.data, ev2.data, ev1.len) == 0);
	/* A is listed in both cells, evaluated in CB2 only. */
	CU_ASSERT_PTR_NOT_NULL(strstr(ev1.data, "{\"id\":\"A\",\"name\":\"Nguyễn Văn An\",\"evaluated\":false,\"four_good\":null}"));
	/* The required roster follows the history. */
	char **req = NULL;
	size_t n = 0;
	CU_ASSERT_EQUAL(bt_store_required(s, "CB", bt_date_from_ymd(2025, 2, 20), &req, &n), 0);
	CU_ASSERT(n == 1 && strcmp(req[0], "A") == 0); /* B joined on 10 March */
	bt_strings_free(req, n);
	CU_ASSERT_EQUAL(bt_store_required(s, "CB", bt_date_from_ymd(2025, 3, 20), &req, &n), 0);
	CU_ASSERT(n == 1 && strcmp(req[0], "B") == 0);
	bt_strings_free(req, n);
	bt_rebuild_stats rs;
	CU_ASSERT_EQUAL(bt_store_rebuild(s, &rs), 0);
	CU_ASSERT_EQUAL(memcmp(rs.before, rs.after, 32), 0);
	bt_buf_free(&out);
	bt_buf_free(&ev1);
	bt_buf_free(&ev2);
	bt_store_free(s);
	bt_store_free(t);
}

/*
 * A retroactive transfer: the office moves A out of CB from a date before a
 * meeting CB already holds with A's mark. The transfer is taken (the
 * disagreement is a finding about the meeting, counted in stats.findings);
 * the store's export, with its finding lines, imports into an empty store
 * with the same findings and evaluation; the same file without them is
 * refused, naming the meeting's line.
 */
static void test_import__a_retroactive_transfer_and_its_export(void)
{
	bt_store *s = bt_test_store("retro.db", "office-log"), *t = bt_test_store("retro2.db", "copy"),
		 *u = bt_test_store("retro3.db", "copy-2");
	bt_import_stats st;
	bt_buf out, e1, e2, f1, f2;
	bt_findings_query q = BT_FINDINGS_QUERY_INIT;
	CU_ASSERT_EQUAL_FATAL(bt_test_import(s, BASE, &st), 0);
	CU_ASSERT_EQUAL_FATAL(bt_test_import(s, "{\"kind\":\"meeting\",\"id\":\"M2\",\"cell\":\"CB\",\"date\":\"2025-03-12\",\"start\":\"19:00\",\"end\":\"21:00\",\"attendance\":{\"A\":\"present\",\"B\":\"present\"}}\n", &st), 0);
	CU_ASSERT_EQUAL(bt_test_import(s, "{\"kind\":\"transfer\",\"member\":\"A\",\"date\":\"2025-03-01\",\"from\":\"CB\",\"to\":\"CB2\"}\n", &st), 0);
	CU_ASSERT_EQUAL(st.findings, 1);
	bt_buf_init(&out, 0);
	bt_buf_init(&f1, 0);
	bt_buf_init(&f2, 0);
	CU_ASSERT_EQUAL_FATAL(bt_store_export(s, write_buf, &out), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out.data, "{\"cell\":\"CB\",\"code\":\"NOT_IN_CELL\",\"id\":\"NOT_IN_CELL|meeting:M2|A\",\"kind\":\"finding\"}"));
	CU_ASSERT_EQUAL(bt_test_import(t, out.data, &st), 0);
	CU_ASSERT_EQUAL(eval_json(s, &e1, 2025), 0);
	CU_ASSERT_EQUAL(eval_json(t, &e2, 2025), 0);
	CU_ASSERT(e1.len == e2.len && memcmp(e1.data, e2.data, e1.len) == 0); /* the evaluation names facts, not events */
	CU_ASSERT_PTR_NOT_NULL(strstr(e1.data, "\"findings\":[{\"code\":\"NOT_IN_CELL\",\"id\":\"NOT_IN_CELL|meeting:M2|A\",\"records\":[\"meeting:M2\"]"));
	CU_ASSERT_EQUAL(bt_store_findings(s, &q, collect_finding, &f1), 0);
	CU_ASSERT_EQUAL(bt_store_findings(t, &q, collect_finding, &f2), 0);
	/* The same findings, but for the events they name (each store's own log). */
	CU_ASSERT(f1.len > 0 && f2.len > 0);
	/* Without the finding lines, the meeting's line is refused. */
	char *cut = strstr(out.data, "{\"cell\":\"CB\",\"code\"");
	CU_ASSERT_PTR_NOT_NULL_FATAL(cut);
	*cut = '\0';
	CU_ASSERT_EQUAL(bt_test_import(u, out.data, &st), BT_EINVALID);
	CU_ASSERT_PTR_NOT_NULL(strstr(bt_error_last(), "\"attendance\""));
	CU_ASSERT_EQUAL(bt_test_events(u), 0);
	bt_buf_free(&out);
	bt_buf_free(&e1);
	bt_buf_free(&e2);
	bt_buf_free(&f1);
	bt_buf_free(&f2);
	bt_store_free(s);
	bt_store_free(t);
	bt_store_free(u);
}

/*
 * A store as the previous release wrote it - schema version 5, version-1
 * events (no "base") - opens: its schema is migrated, its tables come back
 * from its log, and new corrections build on its events. A newer store is
 * refused.
 */
static const char *const V5_SCHEMA =
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE event(id INTEGER PRIMARY KEY, log TEXT NOT NULL, seq INTEGER NOT NULL, hash BLOB NOT NULL,"
	"  kind INTEGER NOT NULL, key TEXT NOT NULL, bytes BLOB NOT NULL, UNIQUE(log, seq));"
	"CREATE TRIGGER event_no_update BEFORE UPDATE ON event BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;"
	"CREATE TRIGGER event_no_delete BEFORE DELETE ON event BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;"
	"CREATE TABLE current(kind INTEGER NOT NULL, key TEXT NOT NULL, event INTEGER NOT NULL, rec_hash BLOB NOT NULL,"
	"  PRIMARY KEY(kind, key)) WITHOUT ROWID;"
	"CREATE TABLE committee(id TEXT PRIMARY KEY, name TEXT NOT NULL);"
	"CREATE TABLE cell(id TEXT PRIMARY KEY, committee TEXT NOT NULL, name TEXT NOT NULL);"
	"CREATE TABLE member(mid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, cell TEXT NOT NULL, name TEXT NOT NULL,"
	"  born INTEGER, status INTEGER NOT NULL, role INTEGER NOT NULL, joined INTEGER NOT NULL, left INTEGER);"
	"CREATE TABLE exemption(member TEXT, from_date INTEGER, to_date INTEGER, reason TEXT, PRIMARY KEY(member, from_date));"
	"CREATE TABLE holiday(date INTEGER PRIMARY KEY, working INTEGER NOT NULL, note TEXT);"
	"CREATE TABLE regulation(cell TEXT, issued INTEGER, PRIMARY KEY(cell, issued));"
	"CREATE TABLE target(id TEXT PRIMARY KEY, cell TEXT, year INTEGER, title TEXT, done INTEGER);"
	"CREATE TABLE commitment(id TEXT PRIMARY KEY, member TEXT, year INTEGER, title TEXT, fulfilled INTEGER);"
	"CREATE TABLE meeting(mtid INTEGER PRIMARY KEY, id TEXT UNIQUE, cell TEXT, date INTEGER, start INTEGER, end INTEGER,"
	"  flags INTEGER);"
	"CREATE TABLE attendance(meeting INTEGER, member INTEGER, status INTEGER, PRIMARY KEY(meeting, member));"
	"CREATE TABLE dues(member INTEGER, month INTEGER, amount INTEGER, paid_on INTEGER, PRIMARY KEY(member, month));"
	"CREATE TABLE discipline(member TEXT, date INTEGER, form TEXT, PRIMARY KEY(member, date));"
	"CREATE TABLE attestation(subject TEXT, year INTEGER, criterion TEXT, pass INTEGER, note TEXT,"
	"  PRIMARY KEY(subject, year, criterion));"
	"CREATE INDEX event_fact ON event(kind, key, id);"
	"CREATE TABLE transfer(member TEXT, date INTEGER, from_cell TEXT, to_cell TEXT, note TEXT, PRIMARY KEY(member, date));"
	"CREATE TABLE device(id TEXT PRIMARY KEY, cell TEXT NOT NULL, role TEXT NOT NULL, public_key TEXT NOT NULL,"
	"  revoked INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE conflict(event INTEGER PRIMARY KEY, winner INTEGER NOT NULL, kind INTEGER NOT NULL, key TEXT NOT NULL);"
	"CREATE TABLE enroll_code(code_hash BLOB PRIMARY KEY, cell TEXT NOT NULL, role TEXT NOT NULL, expires INTEGER NOT NULL,"
	"  used INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;"
	"INSERT INTO meta VALUES('log_id', 'old-office');"
	"PRAGMA user_version = 5; PRAGMA application_id = 1651469940;";

/* Append a version-1 event of `rec` (canonical JSON) to the raw database, chaining from *prev. */
static void v1_event(sqlite3 *db, int64_t seq, uint8_t prev[32], const char *rec)
{
	char hex[65], text[2048];
	bt_event ev;
	bt_record *r = NULL;
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", prev[i]);
	CU_ASSERT_EQUAL_FATAL(bt_record_parse(&r, rec, strlen(rec)), 0);
	snprintf(text, sizeof(text), "{\"v\":1,\"log\":\"old-office\",\"seq\":%lld,\"prev\":\"%s\",\"ts\":\"2025-06-0%lldT08:00:00Z\","
		 "\"author\":\"văn phòng\",\"rec\":%s}", (long long)seq, hex, (long long)seq, r->canonical);
	CU_ASSERT_EQUAL_FATAL(bt_event_decode(&ev, (const uint8_t *)text, strlen(text)), 0);
	sqlite3_stmt *st;
	CU_ASSERT_EQUAL_FATAL(sqlite3_prepare_v2(db, "INSERT INTO event(log, seq, hash, kind, key, bytes) VALUES('old-office', ?1, ?2, ?3, ?4, ?5)", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_blob(st, 2, ev.hash, 32, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, (int)r->kind);
	sqlite3_bind_text(st, 4, r->key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 5, text, (int)strlen(text), SQLITE_TRANSIENT);
	CU_ASSERT_EQUAL(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	memcpy(prev, ev.hash, 32);
	bt_event_clear(&ev);
	bt_record_free(r);
}

static void test_store__a_previous_release_store_opens_and_rebuilds(void)
{
	sqlite3 *db = NULL;
	bt_store *s = NULL;
	uint8_t prev[32] = {0};
	const char *path = bt_test_path("v5.db");
	remove(path);
	CU_ASSERT_EQUAL_FATAL(sqlite3_open(path, &db), SQLITE_OK);
	CU_ASSERT_EQUAL_FATAL(sqlite3_exec(db, V5_SCHEMA, NULL, NULL, NULL), SQLITE_OK);
	v1_event(db, 1, prev, "{\"kind\":\"committee\",\"id\":\"DU\",\"name\":\"Đảng ủy xã\"}");
	v1_event(db, 2, prev, "{\"kind\":\"cell\",\"id\":\"CB\",\"committee\":\"DU\",\"name\":\"Chi bộ Một\"}");
	v1_event(db, 3, prev, "{\"kind\":\"member\",\"id\":\"A\",\"cell\":\"CB\",\"name\":\"Nguyễn Văn An\",\"status\":\"official\",\"role\":\"member\",\"joined\":\"2000-01-01\"}");
	/* A version-1 correction: it replaces the whole record (role and name both). */
	v1_event(db, 4, prev, "{\"kind\":\"member\",\"id\":\"A\",\"cell\":\"CB\",\"name\":\"Nguyễn Văn Ân\",\"status\":\"official\",\"role\":\"secretary\",\"joined\":\"2000-01-01\"}");
	sqlite3_close(db);
	CU_ASSERT_EQUAL_FATAL(bt_store_open(&s, path), 0);
	CU_ASSERT_STRING_EQUAL(bt_store_log_id(s), "old-office");
	bt_record *m = NULL;
	CU_ASSERT_EQUAL_FATAL(bt_store_get(s, BT_KIND_MEMBER, "A", &m), 0);
	CU_ASSERT_STRING_EQUAL(m->name, "Nguyễn Văn Ân");
	CU_ASSERT_EQUAL(m->role, BT_ROLE_SECRETARY);
	bt_record_free(m);
	/* A new correction continues the old chain and is based on the old version. */
	bt_import_stats st;
	CU_ASSERT_EQUAL(bt_test_import(s, "{\"kind\":\"member\",\"id\":\"A\",\"cell\":\"CB\",\"name\":\"Nguyễn Văn Ân\",\"status\":\"official\",\"role\":\"secretary\",\"joined\":\"2001-01-01\"}\n", &st), 0);
	CU_ASSERT_EQUAL(st.changed, 1);
	CU_ASSERT_EQUAL(bt_test_events(s), 5);
	bt_rebuild_stats rs;
	CU_ASSERT_EQUAL(bt_store_rebuild(s, &rs), 0);
	CU_ASSERT_EQUAL(memcmp(rs.before, rs.after, 32), 0);
	CU_ASSERT_EQUAL(sqlite3_exec(s->db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	bt_store_free(s);
	CU_ASSERT_EQUAL(bt_store_open(&s, path), BT_ECORRUPT);
	CU_ASSERT_PTR_NOT_NULL(strstr(bt_error_last(), "99"));
}

/* Kill `bontot meeting record` at random moments: the meeting is recorded whole or not at all. */
static void test_record__killed_cli_never_leaves_half_a_meeting(void)
{
	bt_store *s = bt_test_store("kill2.db", "test-log");
	bt_import_stats st;
	int recorded = 0, killed = 0;
	CU_ASSERT_EQUAL_FATAL(bt_test_import(s, BASE, &st), 0);
	bt_store_free(s);
	srand(12345);
	for (int i = 0; i < 24; i++) {
		char date[16], id[48];
		snprintf(date, sizeof(date), "2025-%02d-%02d", 4 + i / 8, 5 + i % 8);
		snprintf(id, sizeof(id), "CB-%s", date);
		pid_t pid = fork();
		CU_ASSERT_FATAL(pid >= 0);
		if (pid == 0) {
			int fd = open("/dev/null", O_WRONLY);
			if (fd >= 0) {
				dup2(fd, 1);
				dup2(fd, 2);
			}
			execl(BT_CLI, BT_CLI, "--db", bt_test_path("kill2.db"), "meeting", "record", "--cell", "CB", "--date", date,
			      "--start", "19:00", "--end", "21:00", "--regular", "--spoke", "A", (char *)NULL);
			_exit(127);
		}
		/* 0 to 120 ms: before, during or after the write (slower under sanitizers). */
		struct timespec delay = {0, (long)(rand() % 120) * 1000000L};
		nanosleep(&delay, NULL);
		kill(pid, SIGKILL);
		int status;
		waitpid(pid, &status, 0);
		killed += WIFSIGNALED(status);
		CU_ASSERT_EQUAL_FATAL(bt_store_open(&s, bt_test_path("kill2.db")), 0);
		CU_ASSERT(integrity_ok(s));
		bt_record *m = NULL;
		if (bt_store_get(s, BT_KIND_MEETING, id, &m) == 0) {
			recorded++;
			CU_ASSERT_EQUAL(m->n_attendance, 2); /* A and B, both required after 10 March */
			sqlite3_stmt *q;
			CU_ASSERT_EQUAL(sqlite3_prepare_v2(s->db, "SELECT count(*) FROM mark a JOIN meeting m ON m.mtid = a.meeting WHERE m.id = ?1", -1, &q, NULL), SQLITE_OK);
			sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
			CU_ASSERT_EQUAL(sqlite3_step(q), SQLITE_ROW);
			CU_ASSERT_EQUAL(sqlite3_column_int(q, 0), 2);
			sqlite3_finalize(q);
			bt_record_free(m);
		}
		bt_store_free(s);
	}
	/* The projections always equal a replay of the log. */
	bt_rebuild_stats rs;
	CU_ASSERT_EQUAL_FATAL(bt_store_open(&s, bt_test_path("kill2.db")), 0);
	CU_ASSERT_EQUAL(bt_store_rebuild(s, &rs), 0);
	CU_ASSERT_EQUAL(memcmp(rs.before, rs.after, 32), 0);
	CU_ASSERT_EQUAL(rs.events, (size_t)(10 + recorded));
	bt_store_free(s);
	fprintf(stderr, "(%d of 24 recorded, %d killed while running)\n", recorded, killed);
}

/*
 * The same fact twice in one file: the same content again changes nothing;
 * other content is refused whatever the order of the two lines, and
 * whether or not the store holds one of them already.
 */
static void test_import__the_same_fact_twice_in_any_order(void)
{
	static const char *held = "{\"kind\":\"committee\",\"id\":\"DU\",\"name\":\"Đảng ủy xã\"}\n";
	static const char *other = "{\"kind\":\"committee\",\"id\":\"DU\",\"name\":\"Tên khác\"}\n";
	bt_store *s = bt_test_store("twice.db", "test-log");
	bt_import_stats st;
	uint8_t before[32], after[32];
	char file[1024];
	CU_ASSERT_EQUAL_FATAL(bt_test_import(s, BASE, &st), 0);
	CU_ASSERT_EQUAL_FATAL(bt_store_projection_digest(s, before), 0);
	for (int order = 0; order < 2; order++) {
		snprintf(file, sizeof(file), "%s%s", order ? other : held, order ? held : other);
		CU_ASSERT_EQUAL(bt_test_import(s, file, &st), BT_EINVALID);
		CU_ASSERT_EQUAL(st.error_line, 2);
		CU_ASSERT_PTR_NOT_NULL(strstr(bt_error_last(), "dòng 2"));
		CU_ASSERT_EQUAL(bt_store_projection_digest(s, after), 0);
		CU_ASSERT_EQUAL(memcmp(before, after, 32), 0);
	}
	/* Twice the same: fine, once new and once unchanged, or twice unchanged. */
	snprintf(file, sizeof(file), "%s%s", held, held);
	CU_ASSERT_EQUAL(bt_test_import(s, file, &st), 0);
	CU_ASSERT_EQUAL(st.unchanged, 2);
	snprintf(file, sizeof(file), "%s%s", other, other);
	CU_ASSERT_EQUAL(bt_test_import(s, file, &st), 0);
	CU_ASSERT_EQUAL(st.changed, 1);
	CU_ASSERT_EQUAL(st.unchanged, 1);
	bt_store_free(s);
}

/*
 * What a file may not say as typed but a store may hold - a speaker not
 * marked present (two devices' corrections merged), two meetings on one
 * date of which the later recorded counts - imports when the file lists
 * the finding; a transfer before joining (a join date corrected later) is
 * a finding too; and the store's export imports into an empty store with
 * the same evaluation.
 */
static void test_import__findings_a_file_lists_and_their_export(void)
{
	bt_store *s = bt_test_store("listed.db", "office-log"), *t = bt_test_store("listed2.db", "copy");
	bt_import_stats st;
	bt_buf out, e1, e2;
	CU_ASSERT_EQUAL_FATAL(bt_test_import(s, BASE, &st), 0);
	/* A speaker not present, accepted by the file. */
	CU_ASSERT_EQUAL(bt_test_import(s, "{\"kind\":\"meeting\",\"id\":\"M2\",\"cell\":\"CB\",\"date\":\"2025-03-12\",\"start\":\"19:00\",\"end\":\"21:00\",\"attendance\":{\"A\":\"present\",\"B\":\"excused\"},\"speakers\":[\"B\"]}\n"
				       "{\"kind\":\"finding\",\"id\":\"SPEAKER_NOT_PRESENT|meeting:M2|B\"}\n", &st), 0);
	/* A meeting recorded later on the same date as M1, under another id: it counts (it sorts first by id). */
	CU_ASSERT_EQUAL(bt_test_import_at(s, "{\"kind\":\"meeting\",\"id\":\"M0\",\"cell\":\"CB\",\"date\":\"2025-02-05\",\"start\":\"19:00\",\"end\":\"20:00\",\"regular\":true,\"attendance\":{\"A\":\"absent\"}}\n"
					  "{\"kind\":\"finding\",\"id\":\"DUPLICATE_MEETING|meeting:M1|M0\"}\n",
					  "2026-12-01T00:00:00Z", &st), 0);
	/* Z's transfer, then his join date corrected to after it: a finding about a record held, said, not refused. */
	CU_ASSERT_EQUAL(bt_test_import(s, "{\"kind\":\"transfer\",\"member\":\"Z\",\"date\":\"2025-04-01\",\"from\":\"CB2\",\"to\":\"CB\"}\n", &st), 0);
	CU_ASSERT_EQUAL(bt_test_import(s, "{\"kind\":\"member\",\"id\":\"Z\",\"cell\":\"CB2\",\"name\":\"Lê Văn Dũng\",\"status\":\"official\",\"role\":\"member\",\"joined\":\"2025-05-10\"}\n", &st), 0);
	CU_ASSERT_EQUAL(st.findings, 1);
	/* Typed in one file, the same is refused at the transfer's line. */
	bt_store *u = bt_test_store("listed3.db", "typed");
	CU_ASSERT_EQUAL_FATAL(bt_test_import(u, BASE, &st), 0);
	CU_ASSERT_EQUAL(bt_test_import(u, "{\"kind\":\"member\",\"id\":\"Z\",\"cell\":\"CB2\",\"name\":\"Lê Văn Dũng\",\"status\":\"official\",\"role\":\"member\",\"joined\":\"2025-05-10\"}\n"
				       "{\"kind\":\"transfer\",\"member\":\"Z\",\"date\":\"2025-04-01\",\"from\":\"CB2\",\"to\":\"CB\"}\n", &st), BT_EINVALID);
	CU_ASSERT_EQUAL(st.error_line, 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(bt_error_last(), "\"date\""));
	bt_store_free(u);
	bt_buf_init(&out, 0);
	CU_ASSERT_EQUAL_FATAL(bt_store_export(s, write_buf, &out), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out.data, "\"id\":\"SPEAKER_NOT_PRESENT|meeting:M2|B\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(out.data, "\"id\":\"DUPLICATE_MEETING|meeting:M1|M0\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(out.data, "\"id\":\"NOT_IN_CELL|transfer:Z/2025-04-01|Z\""));
	int err = bt_test_import(t, out.data, &st);
	if (err)
		fprintf(stderr, "\n  the export does not import: %s\n", bt_error_last());
	CU_ASSERT_EQUAL(err, 0);
	CU_ASSERT_EQUAL(eval_json(s, &e1, 2025), 0);
	CU_ASSERT_EQUAL(eval_json(t, &e2, 2025), 0);
	CU_ASSERT(e1.len == e2.len && memcmp(e1.data, e2.data, e1.len) == 0);
	/* M0 counts in both: M1's regular meeting with A present does not. */
	CU_ASSERT_PTR_NOT_NULL(e2.data ? strstr(e2.data, "DUPLICATE_MEETING|meeting:M1|M0") : NULL);
	bt_buf_free(&out);
	bt_buf_free(&e1);
	bt_buf_free(&e2);
	bt_store_free(s);
	bt_store_free(t);
}

static int fail_commit(void *payload)
{
	(void)payload;
	return 1; /* as a full disk or an I/O error at COMMIT would */
}

/* A commit that fails leaves the store as it was, and the next record continues the log where it really ends. */
static void test_record__a_failed_commit_then_the_next_record(void)
{
	for (int held = 0; held < 2; held++) {
		bt_store *s = bt_test_store(held ? "cf1.db" : "cf0.db", "y");
		bt_import_opts o = BT_IMPORT_OPTS_INIT;
		bt_rebuild_stats rs;
		o.timestamp = "2026-03-06T20:00:00Z";
		o.author = "test";
		bt_record *a = rec("{\"kind\":\"committee\",\"id\":\"DU0\",\"name\":\"x\"}"),
			  *b = rec("{\"kind\":\"committee\",\"id\":\"DU1\",\"name\":\"x\"}"),
			  *c = rec("{\"kind\":\"committee\",\"id\":\"DU2\",\"name\":\"x\"}");
		if (held)
			CU_ASSERT_EQUAL(bt_store_record(s, a, BT_RECORD_NEW, &o, NULL), 0);
		sqlite3_commit_hook(s->db, fail_commit, NULL);
		CU_ASSERT(bt_store_record(s, b, BT_RECORD_NEW, &o, NULL) < 0);
		sqlite3_commit_hook(s->db, NULL, NULL);
		CU_ASSERT_EQUAL(bt_test_events(s), held);
		CU_ASSERT_EQUAL(bt_store_record(s, c, BT_RECORD_NEW, &o, NULL), 0);
		CU_ASSERT_EQUAL(bt_store_record(s, b, BT_RECORD_NEW, &o, NULL), 0);
		CU_ASSERT_EQUAL(bt_test_events(s), held + 2);
		CU_ASSERT_EQUAL(bt_store_rebuild(s, &rs), 0);
		bt_record_free(a);
		bt_record_free(b);
		bt_record_free(c);
		bt_store_free(s);
	}
}

static int count_user(const bt_staff_info *u, void *payload)
{
	if (strcmp(u->name, "kiemtra") == 0)
		CU_ASSERT_EQUAL(u->role, BT_STAFF_AUDITOR);
	++*(int *)payload;
	return 0;
}

static int first_read(const bt_access_entry *e, void *payload)
{
	snprintf(payload, 128, "%s: %s", e->who, e->what);
	return 1; /* newest first: one is enough */
}

/* Staff accounts: the password only as a hash, tokens that work until revoked, who read what. */
static void test_staff__accounts_tokens_and_reads(void)
{
	bt_store *s = bt_test_store("staff.db", "office");
	bt_staff_role role = 0;
	char token[BT_STAFF_TOKEN_BYTES], name[BT_STAFF_NAME_MAX_BYTES + 1];
	CU_ASSERT_EQUAL(bt_staff_add(s, "kiemtra", BT_STAFF_AUDITOR, "mat-khau-dai"), 0);
	CU_ASSERT_EQUAL(bt_staff_add(s, "kiemtra", BT_STAFF_OFFICE, "mat-khau-khac"), BT_EEXISTS);
	CU_ASSERT_EQUAL(bt_staff_add(s, "cán bộ", BT_STAFF_OFFICE, "mat-khau-dai"), BT_EINVALID);
	CU_ASSERT_EQUAL(bt_staff_add(s, "vanphong", BT_STAFF_OFFICE, "ngan"), BT_EINVALID);
	CU_ASSERT_EQUAL(bt_staff_add(s, "vanphong", 0, "mat-khau-dai"), BT_EINVALID);
	CU_ASSERT_EQUAL(bt_staff_add(s, "vanphong", BT_STAFF_OFFICE, "mat-khau-van-phong"), 0);
	int n = 0;
	CU_ASSERT_EQUAL(bt_staff_list(s, count_user, &n), 0);
	CU_ASSERT_EQUAL(n, 2);
	/* The password is not kept: no column holds it. */
	sqlite3_stmt *st = NULL;
	CU_ASSERT_EQUAL(sqlite3_prepare_v2(s->db, "SELECT count(*) FROM staff WHERE instr(CAST(hash AS TEXT), 'mat-khau') OR instr(kdf, 'mat-khau')", -1, &st, NULL), SQLITE_OK);
	CU_ASSERT_EQUAL(sqlite3_step(st), SQLITE_ROW);
	CU_ASSERT_EQUAL(sqlite3_column_int(st, 0), 0);
	sqlite3_finalize(st);
	/* Login: the right password; a wrong one and an unknown name look the same. */
	CU_ASSERT_EQUAL(bt_staff_login(s, "kiemtra", "mat-khau-dai", &role), 0);
	CU_ASSERT_EQUAL(role, BT_STAFF_AUDITOR);
	CU_ASSERT_EQUAL(bt_staff_login(s, "kiemtra", "mat-khau-sai", &role), BT_EDENIED);
	char wrong[256];
	snprintf(wrong, sizeof(wrong), "%s", bt_error_last());
	CU_ASSERT_EQUAL(bt_staff_login(s, "khong-co", "mat-khau-dai", &role), BT_EDENIED);
	CU_ASSERT_STRING_EQUAL(bt_error_last(), wrong);
	/* Tokens: shown once, kept as a hash, revocable; an account removed takes its tokens with it. */
	CU_ASSERT_EQUAL(bt_staff_token(s, "khong-co", token), BT_ENOTFOUND);
	CU_ASSERT_EQUAL(bt_staff_token(s, "kiemtra", token), 0);
	CU_ASSERT_EQUAL(strlen(token), BT_STAFF_TOKEN_BYTES - 1);
	CU_ASSERT_EQUAL(bt_staff_authenticate(s, token, name, &role), 0);
	CU_ASSERT_STRING_EQUAL(name, "kiemtra");
	token[10] = token[10] == 'a' ? 'b' : 'a';
	CU_ASSERT_EQUAL(bt_staff_authenticate(s, token, name, &role), BT_EDENIED);
	CU_ASSERT_EQUAL(bt_staff_authenticate(s, "", name, &role), BT_EDENIED);
	int64_t revoked = 0;
	CU_ASSERT_EQUAL(bt_staff_token(s, "kiemtra", token), 0);
	CU_ASSERT_EQUAL(bt_staff_revoke_tokens(s, "kiemtra", &revoked), 0);
	CU_ASSERT_EQUAL(revoked, 2);
	CU_ASSERT_EQUAL(bt_staff_authenticate(s, token, name, &role), BT_EDENIED);
	CU_ASSERT_EQUAL(bt_staff_token(s, "vanphong", token), 0);
	CU_ASSERT_EQUAL(bt_staff_remove(s, "vanphong"), 0);
	CU_ASSERT_EQUAL(bt_staff_authenticate(s, token, name, &role), BT_EDENIED);
	CU_ASSERT_EQUAL(bt_staff_remove(s, "vanphong"), BT_ENOTFOUND);
	/* Who read what, newest first. */
	char last[128] = "";
	CU_ASSERT_EQUAL(bt_access_log_add(s, "kiemtra", "evaluation year=2026"), 0);
	CU_ASSERT_EQUAL(bt_access_log_add(s, "kiemtra", "findings all"), 0);
	CU_ASSERT_EQUAL(bt_access_log(s, 0, first_read, last), 0);
	CU_ASSERT_STRING_EQUAL(last, "kiemtra: findings all");
	bt_store_free(s);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{"init, open, and a file that is not a store", test_store__init_open_and_not_a_store},
		{"staff: accounts, tokens and reads", test_staff__accounts_tokens_and_reads},
		{"import: a good file, then the same file again adds nothing", test_import__good_file_then_the_same_file_again_adds_nothing},
		{"import: a changed record supersedes and keeps the old", test_import__a_changed_record_supersedes_and_keeps_the_old},
		{"import: bad records change nothing and name line and field", test_import__bad_records_change_nothing_and_name_line_and_field},
		{"export: round trip evaluates identically", test_export__round_trip_evaluates_identically},
		{"import: any order of the lines imports the same", test_import__any_order_of_the_lines_imports_the_same},
		{"rebuild reproduces the projections exactly", test_rebuild__reproduces_the_projections_exactly},
		{"rebuild refuses a tampered log", test_rebuild__refuses_a_tampered_log},
		{"import: killed mid-import leaves the store as before", test_import__killed_mid_import_leaves_the_store_as_before},
		{"import: a full disk fails cleanly", test_import__full_disk_fails_cleanly},
		{"store: calendar and cell loading", test_store__calendar_uses_holiday_records},
		{"record: new, correction, and the log", test_record__new_correction_and_log},
		{"store: a previous release's store opens and rebuilds", test_store__a_previous_release_store_opens_and_rebuilds},
		{"import: transfer history validates and round-trips", test_import__transfer_history_validates_and_round_trips},
		{"import: a retroactive transfer and its export", test_import__a_retroactive_transfer_and_its_export},
		{"record: a killed CLI never leaves half a meeting", test_record__killed_cli_never_leaves_half_a_meeting},
		{"import: the same fact twice, in any order", test_import__the_same_fact_twice_in_any_order},
		{"import: findings a file lists, and their export", test_import__findings_a_file_lists_and_their_export},
		{"record: a failed commit, then the next record", test_record__a_failed_commit_then_the_next_record},
		CU_TEST_INFO_NULL};
	return bt_test_run("store", tests);
}
