/*
 * test_accept.c - the office accepts what a genuine, enrolled tablet of the
 * cell recorded - once, in order - refuses everything else with nothing
 * applied, and ends with the tablet's evaluation, byte for byte.
 */
#include "buf.h"
#include "support.h"

#include <stdlib.h>
#include <string.h>

/* The commune of two cells both suites start from (tests/support.c). */
#define BASE bt_test_two_cells

static const char *const MONTH =
	"{\"kind\":\"meeting\",\"id\":\"M1\",\"cell\":\"CB\",\"date\":\"2025-02-05\",\"start\":\"19:30\",\"end\":\"21:00\",\"regular\":true,\"prepared\":true,\"resolution\":true,\"minutes\":true,\"attendance\":{\"A\":\"present\",\"B\":\"excused\"},\"speakers\":[\"A\"]}\n"
	"{\"kind\":\"dues\",\"member\":\"A\",\"month\":\"2025-02\",\"amount\":20000,\"paid_on\":\"2025-02-05\"}\n"
	"{\"kind\":\"dues\",\"member\":\"B\",\"month\":\"2025-02\",\"amount\":20000,\"paid_on\":\"2025-02-05\"}\n";

static int collect(const bt_cell_result *r, void *payload) { return bt_eval_cell_json(payload, r); }

static void eval_json(bt_store *s, bt_buf *b, const char *cell)
{
	bt_eval_opts o = BT_EVAL_OPTS_INIT;
	o.year = 2025;
	bt_buf_init(b, 0);
	CU_ASSERT_EQUAL(bt_store_evaluate(s, &o, cell, collect, b), 0);
}

typedef struct {
	bt_store *office, *tablet;
	bt_key *office_key, *tablet_key;
} world;

/* An office with the commune's records; a tablet of CB that received them, then recorded a month offline. */
static void make_world(world *w, const char *tag)
{
	char a[64], b[64];
	bt_buf batch;
	size_t n;
	bt_import_stats st;
	bt_accept_stats as;
	snprintf(a, sizeof(a), "office-%s.db", tag);
	snprintf(b, sizeof(b), "tablet-%s.db", tag);
	w->office = bt_test_store(a, "office");
	w->tablet = bt_test_store(b, "tablet-1");
	CU_ASSERT_EQUAL_FATAL(bt_key_generate(&w->office_key), 0);
	CU_ASSERT_EQUAL_FATAL(bt_key_generate(&w->tablet_key), 0);
	CU_ASSERT_EQUAL_FATAL(bt_test_import(w->office, BASE, &st), 0);
	CU_ASSERT_EQUAL_FATAL(bt_store_device_add(w->tablet, "office", NULL, BT_ROLE_DEVICE_OFFICE, w->office_key), 0);
	bt_buf_init(&batch, 0);
	CU_ASSERT_EQUAL_FATAL(bt_batch_build(&batch, &n, w->office, "office", 1, 0, w->office_key), 0);
	CU_ASSERT_EQUAL_FATAL(bt_store_accept(w->tablet, (const uint8_t *)batch.data, batch.len, &as), 0);
	CU_ASSERT_EQUAL(as.accepted, 6);
	bt_buf_free(&batch);
	CU_ASSERT_EQUAL_FATAL(bt_store_device_add(w->office, "tablet-1", "CB", BT_ROLE_DEVICE_SECRETARY, w->tablet_key), 0);
	/* Enrolled for CB: its own records are of that cell. */
	CU_ASSERT_EQUAL_FATAL(bt_store_set_setting(w->tablet, "cell", "CB"), 0);
	CU_ASSERT_EQUAL_FATAL(bt_test_import(w->tablet, MONTH, &st), 0);
}

static void free_world(world *w)
{
	bt_store_free(w->office);
	bt_store_free(w->tablet);
	bt_key_free(w->office_key);
	bt_key_free(w->tablet_key);
}

static int push(world *w, int64_t from, size_t max, bt_accept_stats *as)
{
	bt_buf b;
	size_t n;
	bt_buf_init(&b, 0);
	CU_ASSERT_EQUAL_FATAL(bt_batch_build(&b, &n, w->tablet, "tablet-1", from, max, w->tablet_key), 0);
	int err = bt_store_accept(w->office, (const uint8_t *)b.data, b.len, as);
	bt_buf_free(&b);
	return err;
}

static void test_accept__a_tablets_month_reaches_the_office_once(void)
{
	world w;
	bt_accept_stats as;
	bt_buf e1, e2;
	make_world(&w, "a");
	/* In two parts over a weak link; the second sent twice. */
	CU_ASSERT_EQUAL(push(&w, 1, 2, &as), 0);
	CU_ASSERT_EQUAL(as.accepted, 2);
	CU_ASSERT_EQUAL(as.head_seq, 2);
	CU_ASSERT_EQUAL(push(&w, 3, 0, &as), 0);
	CU_ASSERT_EQUAL(as.accepted, 1);
	int64_t n = bt_test_events(w.office);
	CU_ASSERT_EQUAL(push(&w, 1, 0, &as), 0); /* everything again: nothing new */
	CU_ASSERT_EQUAL(as.accepted, 0);
	CU_ASSERT_EQUAL(as.already, 3);
	CU_ASSERT_EQUAL(bt_test_events(w.office), n);
	/* The office's evaluation of the cell is the tablet's, byte for byte. */
	eval_json(w.office, &e1, "CB");
	eval_json(w.tablet, &e2, "CB");
	CU_ASSERT(e1.len > 100 && e1.len == e2.len && memcmp(e1.data, e2.data, e1.len) == 0);
	bt_buf_free(&e1);
	bt_buf_free(&e2);
	/* The office's rebuild replays the tablet's events too. */
	bt_rebuild_stats rs;
	CU_ASSERT_EQUAL(bt_store_rebuild(w.office, &rs), 0);
	CU_ASSERT_EQUAL(memcmp(rs.before, rs.after, 32), 0);
	free_world(&w);
}

static void test_accept__refusals_apply_nothing(void)
{
	world w;
	bt_accept_stats as;
	bt_import_stats st;
	uint8_t before[32], after[32];
	make_world(&w, "r");
	CU_ASSERT_EQUAL_FATAL(bt_store_projection_digest(w.office, before), 0);
	int64_t n = bt_test_events(w.office);
	/* A gap: the office holds nothing of tablet-1, the batch starts at 2. */
	CU_ASSERT_EQUAL(push(&w, 2, 0, &as), BT_ECONFLICT);
	/* Nothing of a refused batch is kept. */
	CU_ASSERT_EQUAL(bt_test_events(w.office), n);
	CU_ASSERT_EQUAL(bt_store_projection_digest(w.office, after), 0);
	CU_ASSERT_EQUAL(memcmp(before, after, 32), 0);
	world h;
	make_world(&h, "h");
	/* A device the office does not know, and a revoked one. */
	CU_ASSERT_EQUAL(bt_store_device_revoke(h.office, "tablet-1"), 0);
	CU_ASSERT_EQUAL(push(&h, 1, 3, &as), BT_EDENIED);
	CU_ASSERT_PTR_NOT_NULL(strstr(bt_error_last(), "tablet-1"));
	CU_ASSERT_EQUAL(bt_store_device_revoke(h.office, "tablet-9"), BT_ENOTFOUND);
	free_world(&h);
	/* Signed with a key that is not the enrolled one. */
	bt_key *thief = NULL;
	bt_buf b;
	size_t k;
	CU_ASSERT_EQUAL_FATAL(bt_key_generate(&thief), 0);
	bt_buf_init(&b, 0);
	CU_ASSERT_EQUAL_FATAL(bt_batch_build(&b, &k, w.tablet, "tablet-1", 1, 3, thief), 0);
	CU_ASSERT_EQUAL(bt_store_accept(w.office, (const uint8_t *)b.data, b.len, &as), BT_EBADSIG);
	bt_buf_free(&b);
	bt_key_free(thief);
	/* A fork: a second tablet store claiming the same log with other events, after the office took the first. */
	CU_ASSERT_EQUAL(push(&w, 1, 3, &as), 0);
	bt_store *fake = bt_test_store("fake.db", "tablet-1");
	CU_ASSERT_EQUAL_FATAL(bt_store_device_add(fake, "office", NULL, BT_ROLE_DEVICE_OFFICE, w.office_key), 0);
	bt_buf_init(&b, 0);
	CU_ASSERT_EQUAL_FATAL(bt_batch_build(&b, &k, w.office, "office", 1, 0, w.office_key), 0);
	CU_ASSERT_EQUAL_FATAL(bt_store_accept(fake, (const uint8_t *)b.data, b.len, &as), 0);
	bt_buf_free(&b);
	CU_ASSERT_EQUAL_FATAL(bt_test_import(fake, "{\"kind\":\"dues\",\"member\":\"A\",\"month\":\"2025-03\",\"amount\":1,\"paid_on\":\"2025-03-05\"}\n", &st), 0);
	bt_buf_init(&b, 0);
	CU_ASSERT_EQUAL_FATAL(bt_batch_build(&b, &k, fake, "tablet-1", 1, 0, w.tablet_key), 0);
	n = bt_test_events(w.office);
	CU_ASSERT_EQUAL(bt_store_accept(w.office, (const uint8_t *)b.data, b.len, &as), BT_ECONFLICT);
	CU_ASSERT_EQUAL(bt_test_events(w.office), n);
	bt_buf_free(&b);
	bt_store_free(fake);
	free_world(&w);
}

/* Two versions of one fact from two devices: every replica keeps the same winner, whatever the order. */
static void test_accept__concurrent_versions_converge(void)
{
	world w;
	bt_accept_stats as;
	bt_import_stats st;
	bt_import_opts io = BT_IMPORT_OPTS_INIT;
	make_world(&w, "c");
	CU_ASSERT_EQUAL_FATAL(push(&w, 1, 0, &as), 0);
	/* The office corrects the meeting's end time later in the day than the tablet's version. */
	bt_import *imp = NULL;
	io.timestamp = "2026-11-30T10:00:00Z";
	io.author = "office";
	const char *fix = "{\"kind\":\"meeting\",\"id\":\"M1\",\"cell\":\"CB\",\"date\":\"2025-02-05\",\"start\":\"19:30\",\"end\":\"21:30\",\"regular\":true,\"prepared\":true,\"resolution\":true,\"minutes\":true,\"attendance\":{\"A\":\"present\",\"B\":\"excused\"},\"speakers\":[\"A\"]}";
	CU_ASSERT_EQUAL_FATAL(bt_import_begin(&imp, w.office, &io), 0);
	CU_ASSERT_EQUAL(bt_import_line(imp, fix, strlen(fix)), 0);
	CU_ASSERT_EQUAL(bt_import_commit(imp, &st), 0);
	bt_import_free(imp);
	/* The tablet, offline, corrects it too but earlier (09:00): the office's version wins everywhere. */
	io.timestamp = "2026-11-30T09:00:00Z";
	io.author = "secretary";
	const char *tab = "{\"kind\":\"meeting\",\"id\":\"M1\",\"cell\":\"CB\",\"date\":\"2025-02-05\",\"start\":\"19:30\",\"end\":\"21:10\",\"regular\":true,\"prepared\":true,\"resolution\":true,\"minutes\":true,\"attendance\":{\"A\":\"present\",\"B\":\"excused\"},\"speakers\":[\"A\"]}";
	CU_ASSERT_EQUAL_FATAL(bt_import_begin(&imp, w.tablet, &io), 0);
	CU_ASSERT_EQUAL(bt_import_line(imp, tab, strlen(tab)), 0);
	CU_ASSERT_EQUAL(bt_import_commit(imp, &st), 0);
	bt_import_free(imp);
	CU_ASSERT_EQUAL(push(&w, 4, 0, &as), 0);
	CU_ASSERT_EQUAL(as.accepted, 1);
	CU_ASSERT_EQUAL(as.out_of_scope, 0);
	bt_record *m = NULL;
	CU_ASSERT_EQUAL_FATAL(bt_store_get(w.office, BT_KIND_MEETING, "M1", &m), 0);
	CU_ASSERT_EQUAL(m->end_minute, 21 * 60 + 30);
	bt_record_free(m);
	/* The tablet receives the office's log (its base and the correction): it converges to the same version. */
	bt_buf b;
	size_t k;
	bt_buf_init(&b, 0);
	CU_ASSERT_EQUAL_FATAL(bt_batch_build(&b, &k, w.office, "office", 1, 0, w.office_key), 0);
	CU_ASSERT_EQUAL(bt_store_accept(w.tablet, (const uint8_t *)b.data, b.len, &as), 0);
	CU_ASSERT_EQUAL(as.accepted, 1);
	CU_ASSERT_EQUAL(as.already, 6);
	CU_ASSERT_EQUAL_FATAL(bt_store_get(w.tablet, BT_KIND_MEETING, "M1", &m), 0);
	CU_ASSERT_EQUAL(m->end_minute, 21 * 60 + 30);
	bt_record_free(m);
	bt_buf e1, e2;
	eval_json(w.office, &e1, "CB");
	eval_json(w.tablet, &e2, "CB");
	CU_ASSERT(e1.len == e2.len && memcmp(e1.data, e2.data, e1.len) == 0);
	bt_buf_free(&b);
	bt_buf_free(&e1);
	bt_buf_free(&e2);
	free_world(&w);
}

static void test_accept__enrollment_codes_expire_and_work_once(void)
{
	bt_store *s = bt_test_store("codes.db", "office");
	bt_import_stats st;
	bt_key *k = NULL, *other = NULL;
	char code[BT_ENROLL_CODE_BYTES], old[BT_ENROLL_CODE_BYTES], cell[BT_ID_MAX_BYTES + 1];
	CU_ASSERT_EQUAL_FATAL(bt_test_import(s, BASE, &st), 0);
	CU_ASSERT_EQUAL_FATAL(bt_key_generate(&k), 0);
	CU_ASSERT_EQUAL_FATAL(bt_key_generate(&other), 0);
	/* Expired one second ago: refused, nothing enrolled. */
	CU_ASSERT_EQUAL(bt_store_enroll_code(old, s, "CB", BT_ROLE_DEVICE_SECRETARY, 1000), 0);
	CU_ASSERT_EQUAL(bt_store_enroll(s, old, "tablet-a", k, 1001, cell), BT_EDENIED);
	CU_ASSERT_PTR_NOT_NULL(strstr(bt_error_last(), "hết hạn"));
	/* Unknown code. */
	CU_ASSERT_EQUAL(bt_store_enroll(s, "NOPE-NOPE-NOPE", "tablet-a", k, 1001, cell), BT_EDENIED);
	/* A good code, once; the same device and key again get the same answer; anyone else is refused. */
	CU_ASSERT_EQUAL(bt_store_enroll_code(code, s, "CB", BT_ROLE_DEVICE_SECRETARY, 5000), 0);
	CU_ASSERT_EQUAL(bt_store_enroll(s, code, "tablet-a", k, 1001, cell), 0);
	CU_ASSERT_STRING_EQUAL(cell, "CB");
	CU_ASSERT_EQUAL(bt_store_enroll(s, code, "tablet-a", k, 1002, cell), 0);
	CU_ASSERT_EQUAL(bt_store_enroll(s, code, "tablet-a", other, 1002, cell), BT_EDENIED);
	CU_ASSERT_EQUAL(bt_store_enroll(s, code, "tablet-b", k, 1002, cell), BT_EDENIED);
	CU_ASSERT_PTR_NOT_NULL(strstr(bt_error_last(), "đã được dùng"));
	/* Revoked, the same request no longer passes either. */
	CU_ASSERT_EQUAL(bt_store_device_revoke(s, "tablet-a"), 0);
	CU_ASSERT_EQUAL(bt_store_enroll(s, code, "tablet-a", k, 1003, cell), BT_EDENIED);
	bt_key_free(k);
	bt_key_free(other);
	bt_store_free(s);
}

static void test_accept__enrollment_requests_are_parsed_strictly(void)
{
	bt_key *k = NULL, *got = NULL;
	char *pem = NULL, code[BT_ENROLL_CODE_MAX + 1], device[BT_LOG_ID_MAX_BYTES + 1], body[2048];
	CU_ASSERT_EQUAL_FATAL(bt_key_generate(&k), 0);
	CU_ASSERT_EQUAL_FATAL(bt_key_public_pem(&pem, k), 0);
	int n = snprintf(body, sizeof(body), "ABCD-EFGH-JKLM\ntablet-1\n%s", pem);
	CU_ASSERT_EQUAL(bt_enroll_request_parse(code, device, &got, (const uint8_t *)body, (size_t)n), 0);
	CU_ASSERT_STRING_EQUAL(code, "ABCD-EFGH-JKLM");
	CU_ASSERT_STRING_EQUAL(device, "tablet-1");
	char *again = NULL;
	CU_ASSERT_EQUAL(bt_key_public_pem(&again, got), 0);
	CU_ASSERT_STRING_EQUAL(again, pem);
	free(again);
	bt_key_free(got);
	/* Malformed: each refused with BT_EINVALID and no key. */
	char long_code[200];
	memset(long_code, 'A', 65);
	long_code[65] = '\0';
	const char *bad[] = {"", "no newline", "CODE\nno second newline", "\ntablet-1\nKEY", "CODE\n\nKEY",
			     "CODE\ntablet-1\nnot a key", long_code};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char b[512];
		int m = i == 6 ? snprintf(b, sizeof(b), "%s\ntablet-1\n%s", bad[i], pem) : snprintf(b, sizeof(b), "%s", bad[i]);
		got = (bt_key *)1;
		CU_ASSERT_EQUAL(bt_enroll_request_parse(code, device, &got, (const uint8_t *)b, (size_t)m), BT_EINVALID);
		CU_ASSERT_PTR_NULL(got);
	}
	/* A NUL inside the code or the device id. */
	memcpy(body, "AB\0D", 4);
	got = (bt_key *)1;
	CU_ASSERT_EQUAL(bt_enroll_request_parse(code, device, &got, (const uint8_t *)body, (size_t)n), BT_EINVALID);
	CU_ASSERT_PTR_NULL(got);
	free(pem);
	bt_key_free(k);
}

/* A member the office moved into the tablet's cell is the tablet's to keep up to date, though his record names his old cell. */
static void test_accept__a_member_moved_in_is_the_new_cells(void)
{
	world w;
	bt_accept_stats as;
	bt_import_stats st;
	bt_buf batch;
	size_t n;
	bt_record *z = NULL;
	int64_t head = 0;
	make_world(&w, "moved");
	CU_ASSERT_EQUAL_FATAL(push(&w, 1, 0, &as), 0);
	CU_ASSERT_EQUAL_FATAL(bt_test_import(w.office, "{\"kind\":\"transfer\",\"member\":\"Z\",\"date\":\"2025-03-01\",\"from\":\"CB2\",\"to\":\"CB\"}\n", &st), 0);
	CU_ASSERT_EQUAL_FATAL(bt_store_log_head(w.tablet, "office", &head), 0);
	bt_buf_init(&batch, 0);
	CU_ASSERT_EQUAL_FATAL(bt_batch_build(&batch, &n, w.office, "office", head + 1, 0, w.office_key), 0);
	CU_ASSERT_EQUAL_FATAL(bt_store_accept(w.tablet, (const uint8_t *)batch.data, batch.len, &as), 0);
	bt_buf_free(&batch);
	/* The tablet corrects his name; his record still names CB2, where he was first. */
	CU_ASSERT_EQUAL(bt_test_import(w.tablet, "{\"kind\":\"member\",\"id\":\"Z\",\"cell\":\"CB2\",\"name\":\"Lê Văn Dũng (Tư)\",\"status\":\"official\",\"role\":\"member\",\"joined\":\"2000-01-01\"}\n", &st), 0);
	CU_ASSERT_EQUAL(push(&w, 4, 0, &as), 0);
	CU_ASSERT_EQUAL(as.accepted, 1);
	CU_ASSERT_EQUAL(as.out_of_scope, 0);
	CU_ASSERT_EQUAL_FATAL(bt_store_get(w.office, BT_KIND_MEMBER, "Z", &z), 0);
	CU_ASSERT_STRING_EQUAL(z->name, "Lê Văn Dũng (Tư)");
	bt_record_free(z);
	free_world(&w);
}

/*
 * Authority cannot be borrowed: a copy of the office's store, enrolled
 * under the office's own log id, would have written into the office's chain.
 * The enrollment is refused (the code not spent), and a batch of the
 * office's own log from any device is refused whatever its key.
 */
static void test_accept__the_offices_log_cannot_be_borrowed(void)
{
	bt_store *s = bt_test_store("own.db", "office"), *copy = NULL;
	bt_import_stats st;
	bt_accept_stats as;
	bt_key *k = NULL;
	char code[BT_ENROLL_CODE_BYTES], cell[BT_ID_MAX_BYTES + 1], path[512], copy_path[512];
	CU_ASSERT_EQUAL_FATAL(bt_test_import(s, BASE, &st), 0);
	CU_ASSERT_EQUAL_FATAL(bt_key_generate(&k), 0);
	CU_ASSERT_EQUAL(bt_store_enroll_code(code, s, "CB", BT_ROLE_DEVICE_SECRETARY, 5000), 0);
	CU_ASSERT_EQUAL(bt_store_enroll(s, code, "office", k, 1001, cell), BT_EDENIED);
	CU_ASSERT_PTR_NOT_NULL(strstr(bt_error_last(), "office"));
	/* Typed in lowercase without dashes, the same code still works: it was not spent. */
	char typed[16];
	size_t n = 0;
	for (const char *p = code; *p; p++)
		if (*p != '-')
			typed[n++] = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	typed[n] = '\0';
	CU_ASSERT_EQUAL(bt_store_enroll(s, typed, "tablet-a", k, 1001, cell), 0);
	/* A device somehow enrolled under the office's id (an older store), sending a copy's continuation of the office's log. */
	snprintf(path, sizeof(path), "%s", bt_test_path("own.db"));
	snprintf(copy_path, sizeof(copy_path), "%s", bt_test_path("own-copy.db"));
	bt_store_free(s);
	char *cmd = NULL;
	CU_ASSERT_EQUAL_FATAL(bt_test_sh(&cmd, NULL, "cp '%s' '%s' && (cp '%s-wal' '%s-wal' 2>/dev/null || true)", path, copy_path, path,
					 copy_path), 0);
	free(cmd);
	CU_ASSERT_EQUAL_FATAL(bt_store_open(&s, path), 0);
	CU_ASSERT_EQUAL_FATAL(bt_store_open(&copy, copy_path), 0);
	CU_ASSERT_EQUAL_FATAL(bt_test_import(copy, MONTH, &st), 0);
	bt_key *borrowed = NULL;
	CU_ASSERT_EQUAL_FATAL(bt_key_generate(&borrowed), 0);
	CU_ASSERT_EQUAL(bt_store_device_add(s, "office", "CB", BT_ROLE_DEVICE_SECRETARY, borrowed), 0);
	int64_t before = bt_test_events(s);
	bt_buf b;
	bt_buf_init(&b, 0);
	CU_ASSERT_EQUAL_FATAL(bt_batch_build(&b, &n, copy, "office", 7, 0, borrowed), 0);
	CU_ASSERT_EQUAL(bt_store_accept(s, (const uint8_t *)b.data, b.len, &as), BT_EDENIED);
	CU_ASSERT_PTR_NOT_NULL(strstr(bt_error_last(), "office"));
	CU_ASSERT_EQUAL(bt_test_events(s), before);
	bt_buf_free(&b);
	bt_key_free(borrowed);
	bt_key_free(k);
	bt_store_free(copy);
	bt_store_free(s);
}

typedef struct {
	BT_ARRAY(char *) v;
} seen;

static int seen_event(int64_t entry, const uint8_t *bytes, size_t len, void *payload)
{
	seen *x = payload;
	char **slot = BT_PUSH(&x->v);
	(void)entry;
	if (!slot)
		return BT_ENOMEM;
	*slot = strndup((const char *)bytes, len);
	return 0;
}

static size_t seen_with(const seen *x, const char *needle)
{
	size_t n = 0;
	for (size_t i = 0; i < x->v.n; i++)
		n += strstr(x->v.v[i], needle) != NULL;
	return n;
}

static void seen_free(seen *x)
{
	for (size_t i = 0; i < x->v.n; i++)
		free(x->v.v[i]);
	free(x->v.v);
	memset(&x->v, 0, sizeof(x->v));
}

static void test_accept__a_tablet_receives_only_its_cells_part_of_the_offices_log(void)
{
	bt_store *office = bt_test_store("view.db", "office"), *tablet = bt_test_store("view-t.db", "tablet-v");
	bt_import_stats st;
	bt_key *k = NULL;
	seen x = {{0}};
	int more = 0;
	uint64_t size;
	CU_ASSERT_EQUAL_FATAL(bt_key_generate(&k), 0);
	CU_ASSERT_EQUAL_FATAL(bt_test_import(office, BASE, &st), 0);
	CU_ASSERT_EQUAL_FATAL(bt_test_import(office, "{\"kind\":\"dues\",\"member\":\"Z\",\"month\":\"2025-01\",\"amount\":20000,\"paid_on\":\"2025-01-05\"}\n", &st), 0);
	CU_ASSERT_EQUAL_FATAL(bt_store_tlog_size(office, &size), 0);
	CU_ASSERT_EQUAL_FATAL(bt_store_cell_view(office, "office", "CB", size, NULL, 0, 100, seen_event, &x, &more), 0);
	/* The commune's frame and CB's members; nothing of Z, of cell CB2. */
	CU_ASSERT_EQUAL(x.v.n, 5);
	CU_ASSERT_EQUAL(seen_with(&x, "Nguyễn Văn An"), 1);
	CU_ASSERT_EQUAL(seen_with(&x, "Chi bộ Hai"), 1);
	CU_ASSERT_EQUAL(seen_with(&x, "Lê Văn Dũng"), 0);
	CU_ASSERT_EQUAL(seen_with(&x, "\"member\":\"Z\""), 0);
	CU_ASSERT_FALSE(more);
	seen_free(&x);
	/* Z moves to CB: now his whole history is CB's to see, the earlier records too. */
	CU_ASSERT_EQUAL_FATAL(bt_test_import(office, "{\"kind\":\"transfer\",\"member\":\"Z\",\"date\":\"2025-03-01\",\"from\":\"CB2\",\"to\":\"CB\"}\n", &st), 0);
	CU_ASSERT_EQUAL_FATAL(bt_store_tlog_size(office, &size), 0);
	CU_ASSERT_EQUAL_FATAL(bt_store_cell_view(office, "office", "CB", size, NULL, 0, 100, seen_event, &x, &more), 0);
	CU_ASSERT_EQUAL(x.v.n, 8);
	CU_ASSERT_EQUAL(seen_with(&x, "Lê Văn Dũng"), 1);
	CU_ASSERT_EQUAL(seen_with(&x, "\"member\":\"Z\""), 2); /* the dues and the transfer */
	/* What the tablet holds is not sent again; at most `max` at a time, and it says there is more. */
	seen_free(&x);
	const int64_t held[][2] = {{1, 3}, {5, 5}};
	CU_ASSERT_EQUAL(bt_store_cell_view(office, "office", "CB", size, held, 2, 2, seen_event, &x, &more), 0);
	CU_ASSERT_EQUAL(x.v.n, 2);
	CU_ASSERT(more);
	seen_free(&x);
	/* The tablet takes such events with gaps, refuses another log's, and its rebuild accepts the gaps. */
	CU_ASSERT_EQUAL_FATAL(bt_store_cell_view(office, "office", "CB", size, NULL, 0, 100, seen_event, &x, &more), 0);
	const uint8_t *bytes[16];
	size_t lens[16];
	for (size_t i = 0; i < x.v.n; i++)
		bytes[i] = (const uint8_t *)x.v.v[i], lens[i] = strlen(x.v.v[i]);
	bt_accept_stats as;
	CU_ASSERT_EQUAL(bt_store_accept_proven(tablet, "office", "office", NULL, bytes, lens, x.v.n, &as), BT_EDENIED); /* not its office yet */
	CU_ASSERT_EQUAL_FATAL(bt_store_device_add(tablet, "office", NULL, BT_ROLE_DEVICE_OFFICE, k), 0);
	CU_ASSERT_EQUAL(bt_store_accept_proven(tablet, "office", "office", NULL, bytes, lens, x.v.n, &as), 0);
	CU_ASSERT_EQUAL(as.accepted, 8);
	CU_ASSERT_EQUAL(bt_store_accept_proven(tablet, "office", "office", NULL, bytes, lens, x.v.n, &as), 0);
	CU_ASSERT_EQUAL(as.already, 8);
	CU_ASSERT_EQUAL(as.accepted, 0);
	bt_rebuild_stats rs;
	CU_ASSERT_EQUAL(bt_store_rebuild(tablet, &rs), 0);
	CU_ASSERT_EQUAL(memcmp(rs.before, rs.after, 32), 0);
	/* The tablet's evaluation of CB is the office's. */
	bt_buf e1, e2;
	eval_json(office, &e1, "CB");
	eval_json(tablet, &e2, "CB");
	CU_ASSERT(e1.len > 100 && e1.len == e2.len && memcmp(e1.data, e2.data, e1.len) == 0);
	bt_buf_free(&e1);
	bt_buf_free(&e2);
	seen_free(&x);
	bt_key_free(k);
	bt_store_free(tablet);
	bt_store_free(office);
}

static void test_accept__the_request_for_a_cells_part_is_parsed_strictly(void)
{
	uint64_t size = 0;
	int64_t(*r)[2] = NULL;
	size_t n = 9;
	const char *good = "size 8165\n1-3\n5-5\n9-120\n";
	CU_ASSERT_EQUAL(bt_office_request_parse(good, strlen(good), &size, &r, &n), 0);
	CU_ASSERT_EQUAL(size, 8165);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	CU_ASSERT(r[0][0] == 1 && r[0][1] == 3 && r[1][0] == 5 && r[1][1] == 5 && r[2][0] == 9 && r[2][1] == 120);
	free(r);
	CU_ASSERT_EQUAL(bt_office_request_parse("size 3\n", 7, &size, &r, &n), 0);
	CU_ASSERT_EQUAL(n, 0);
	free(r);
	/* Refused whole: nothing kept. */
	const char *bad[] = {"", "size\n", "size 3", "size -3\n", "size 3\n0-2\n", "size 3\n2-1\n", "size 3\n1-2\n2-4\n",
			     "size 3\n5-6\n1-2\n", "size 3\n1-2", "size 3\n1 2\n", "size 3\n+1-2\n", "size 3\n1-2\n\n",
			     "size 1234567890123456789\n", "size 3\n1-1234567890123456789\n", "SIZE 3\n", "size 3\n1-2\nx"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = NULL;
		CU_ASSERT_EQUAL(bt_office_request_parse(bad[i], strlen(bad[i]), &size, &r, &n), BT_EINVALID);
		CU_ASSERT_PTR_NULL(r);
	}
	/* The length bounds the reading: a body is not a C string. */
	CU_ASSERT_EQUAL(bt_office_request_parse("size 3\n1-2\n", 9, &size, &r, &n), BT_EINVALID);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{"a tablet's month reaches the office once", test_accept__a_tablets_month_reaches_the_office_once},
		{"refusals apply nothing", test_accept__refusals_apply_nothing},
		{"concurrent versions converge", test_accept__concurrent_versions_converge},
		{"enrollment requests are parsed strictly", test_accept__enrollment_requests_are_parsed_strictly},
		{"enrollment codes expire and work once", test_accept__enrollment_codes_expire_and_work_once},
		{"a member moved in is the new cell's", test_accept__a_member_moved_in_is_the_new_cells},
		{"the office's log cannot be borrowed", test_accept__the_offices_log_cannot_be_borrowed},
		{"a tablet receives only its cell's part of the office's log", test_accept__a_tablet_receives_only_its_cells_part_of_the_offices_log},
		{"the request for a cell's part is parsed strictly", test_accept__the_request_for_a_cells_part_is_parsed_strictly},
		CU_TEST_INFO_NULL};
	return bt_test_run("accept", tests);
}
