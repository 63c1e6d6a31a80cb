/*
 * test_converge.c - the property of docs/offline.md: projections,
 * findings and evaluations are a function of the set of events, never of
 * the order they arrived in.
 *
 * An office and three tablets (two of cell CB-01, one of CB-02) work
 * offline and sync now and then, in-process: the office transfers members,
 * lets one leave, corrects join dates and meetings; the tablets record
 * meetings, corrections, dues, dues months and new members, each as its own
 * store saw things then. Then every log is delivered to fresh replicas in
 * random interleavings and random batch splits. Every replica must end with
 * the same tables (projection digest), the same findings and the same
 * evaluation, byte for byte - the same as the office that received them in
 * the order they happened - and `rebuild` must reproduce each.
 *
 * BT_CONVERGE_RUNS sets the number of interleavings (default 300), and
 * BT_CONVERGE_WORLD the seed of the world (bench/converge.sh runs many);
 * the seed of each interleaving is printed when one fails.
 */
#include "support.h"
#include "store_internal.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng;

static uint64_t next(void)
{
	uint64_t z = (rng += 0x9E3779B97F4A7C15ull); /* splitmix64 */
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static int pick(int n) { return (int)(next() % (uint64_t)n); }

typedef struct {
	const char *log, *cell; /* cell NULL: the office */
	bt_store *s;
	bt_key *key;
	int n_ts;               /* a clock of its own, so corrections order as on real devices */
} device;

enum { OFFICE = 0, T1, T2, T3, N_DEV };
static device dev[N_DEV];
static int clock_day = 0;

static const char *members_of[2][6] = {{"A1", "A2", "A3", "A4", "A5", NULL}, {"B1", "B2", "B3", NULL}};

static void ts_of(device *d, char out[BT_TIMESTAMP_BYTES])
{
	/* Each device's clock runs on its own: some ahead, some behind. */
	int skew = d == &dev[T2] ? -3 : d == &dev[T3] ? 5 : 0;
	int t = clock_day * 60 + d->n_ts++ + skew * 60 + 600;
	char buf[64];
	snprintf(buf, sizeof(buf), "2026-%02d-%02dT%02d:%02d:00Z", 1 + (t / 1440 / 28) % 12, 1 + t / 1440 % 28, t / 60 % 24, t % 60);
	memcpy(out, buf, BT_TIMESTAMP_BYTES - 1);
	out[BT_TIMESTAMP_BYTES - 1] = '\0';
}

/* Record one line on a device as typed (all the checks of a typed record). 0 when it was taken. */
static int type_line(device *d, const char *fmt, ...) BT_PRINTF(2, 3);
static int type_line(device *d, const char *fmt, ...)
{
	char line[8192], ts[BT_TIMESTAMP_BYTES];
	va_list ap;
	bt_record *r = NULL;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (bt_record_parse(&r, line, strlen(line)) < 0)
		return -1;
	bt_import_opts o = BT_IMPORT_OPTS_INIT;
	ts_of(d, ts);
	o.timestamp = ts;
	o.author = d->log;
	bt_record *cur = NULL;
	int exists = bt_store_get(d->s, r->kind, r->key, &cur) == 0;
	bt_record_free(cur);
	bt_error_clear();
	int err = bt_store_record(d->s, r, exists ? BT_RECORD_CORRECTION : BT_RECORD_NEW, &o, NULL);
	bt_record_free(r);
	bt_error_clear();
	return err;
}

/* Send every event of `log` that `to` lacks, signed by `signer`; relayed when the signer is not the log's owner. */
static void deliver(bt_store *from, const char *log, bt_store *to, const bt_key *signer, const char *relay, const char *cell,
		    size_t max)
{
	int64_t have = 0;
	bt_buf b;
	size_t n = 0;
	bt_accept_stats as;
	CU_ASSERT_EQUAL_FATAL(bt_store_log_head(to, log, &have), 0);
	bt_buf_init(&b, 0);
	CU_ASSERT_EQUAL_FATAL(bt_batch_build(&b, &n, from, log, have + 1, max, signer), 0);
	if (n) {
		int err = relay ? bt_store_accept_relayed(to, (const uint8_t *)b.data, b.len, relay, cell, &as)
				: bt_store_accept(to, (const uint8_t *)b.data, b.len, &as);
		if (err)
			fprintf(stderr, "deliver %s: %s\n", log, bt_error_last());
		CU_ASSERT_EQUAL_FATAL(err, 0);
	}
	bt_buf_free(&b);
}

/*
 * A tablet's sync, as the office serves it (sync/server.c): push its log,
 * pull the office's, its cell's other tablets' and those of a cell that
 * shares a member with it.
 */
static void sync_tablet(device *t)
{
	deliver(t->s, t->log, dev[OFFICE].s, t->key, NULL, NULL, 0);
	deliver(dev[OFFICE].s, dev[OFFICE].log, t->s, dev[OFFICE].key, NULL, NULL, 0);
	for (int i = T1; i < N_DEV; i++) {
		if (&dev[i] == t)
			continue;
		int linked = strcmp(dev[i].cell, t->cell) == 0 || bt_store_cells_linked(dev[OFFICE].s, dev[i].cell, t->cell) > 0;
		if (linked)
			deliver(dev[OFFICE].s, dev[i].log, t->s, dev[OFFICE].key, dev[OFFICE].log, dev[i].cell, 0);
	}
}

static const char *BASE =
	"{\"kind\":\"committee\",\"id\":\"DU\",\"name\":\"Đảng ủy xã\"}\n"
	"{\"kind\":\"cell\",\"id\":\"CB-01\",\"committee\":\"DU\",\"name\":\"Chi bộ Một\"}\n"
	"{\"kind\":\"cell\",\"id\":\"CB-02\",\"committee\":\"DU\",\"name\":\"Chi bộ Hai\"}\n";

static void setup_world(void)
{
	static const char *logs[N_DEV] = {"office", "tab-1", "tab-2", "tab-3"};
	static const char *cells[N_DEV] = {NULL, "CB-01", "CB-01", "CB-02"};
	bt_import_stats st;
	for (int i = 0; i < N_DEV; i++) {
		char name[32];
		snprintf(name, sizeof(name), "dev-%s.db", logs[i]);
		dev[i].log = logs[i];
		dev[i].cell = cells[i];
		dev[i].s = bt_test_store(name, logs[i]);
		dev[i].n_ts = 0;
		CU_ASSERT_EQUAL_FATAL(sqlite3_exec(dev[i].s->db, "PRAGMA synchronous = OFF", NULL, NULL, NULL), SQLITE_OK);
		CU_ASSERT_EQUAL_FATAL(bt_key_generate(&dev[i].key), 0);
	}
	CU_ASSERT_EQUAL_FATAL(bt_test_import(dev[OFFICE].s, BASE, &st), 0);
	for (int c = 0; c < 2; c++)
		for (int k = 0; members_of[c][k]; k++)
			CU_ASSERT_EQUAL_FATAL(type_line(&dev[OFFICE],
							"{\"kind\":\"member\",\"id\":\"%s\",\"cell\":\"CB-0%d\",\"name\":\"Đảng viên %s\","
							"\"status\":\"official\",\"role\":\"member\",\"joined\":\"2000-01-01\"}",
							members_of[c][k], c + 1, members_of[c][k]),
					      0);
	for (int i = T1; i < N_DEV; i++) {
		CU_ASSERT_EQUAL_FATAL(bt_store_device_add(dev[OFFICE].s, dev[i].log, dev[i].cell,
							  i == T2 ? BT_ROLE_DEVICE_DEPUTY : BT_ROLE_DEVICE_SECRETARY, dev[i].key),
				      0);
		CU_ASSERT_EQUAL_FATAL(bt_store_device_add(dev[i].s, dev[OFFICE].log, NULL, BT_ROLE_DEVICE_OFFICE, dev[OFFICE].key), 0);
		if (i == T3) {
			/* Before it was enrolled, this tablet recorded dues of another cell's member: authentic, out of its scope. */
			deliver(dev[OFFICE].s, dev[OFFICE].log, dev[i].s, dev[OFFICE].key, NULL, NULL, 0);
			CU_ASSERT_EQUAL_FATAL(type_line(&dev[i], "{\"kind\":\"dues\",\"member\":\"A4\",\"month\":\"2026-01\",\"amount\":5000,"
								 "\"paid_on\":\"2026-01-20\"}"),
					      0);
		}
		CU_ASSERT_EQUAL_FATAL(bt_store_set_setting(dev[i].s, "cell", dev[i].cell), 0);
		CU_ASSERT_EQUAL_FATAL(bt_store_set_setting(dev[i].s, "office_log", dev[OFFICE].log), 0);
		sync_tablet(&dev[i]);
	}
}

/* A tablet records a meeting of its cell on a day of month m, marking whoever its store says is required. */
static void tablet_meeting(device *t, int month, int day, const char *id)
{
	char **req = NULL, att[2048], spk[1024], date[16];
	size_t n = 0, a = 0, sp = 0;
	snprintf(date, sizeof(date), "2026-%02d-%02d", month, day);
	if (bt_store_required(t->s, t->cell, bt_date_from_ymd(2026, month, day), &req, &n) < 0) {
		bt_error_clear();
		return;
	}
	static const char *st[3] = {"present", "excused", "absent"};
	att[a++] = '{';
	spk[sp++] = '[';
	for (size_t i = 0; i < n; i++) {
		int s = pick(10) < 7 ? 0 : pick(3);
		a += (size_t)snprintf(att + a, sizeof(att) - a, "%s\"%s\":\"%s\"", i ? "," : "", req[i], st[s]);
		if (s == 0 && pick(2))
			sp += (size_t)snprintf(spk + sp, sizeof(spk) - sp, "%s\"%s\"", sp > 1 ? "," : "", req[i]);
	}
	att[a++] = '}';
	att[a] = '\0';
	spk[sp++] = ']';
	spk[sp] = '\0';
	bt_strings_free(req, n);
	type_line(t,
		  "{\"kind\":\"meeting\",\"id\":\"%s\",\"cell\":\"%s\",\"date\":\"%s\",\"start\":\"19:%02d\",\"end\":\"21:%02d\","
		  "\"regular\":%s,\"thematic\":%s,\"prepared\":true,\"resolution\":true,\"minutes\":true,\"attendance\":%s,"
		  "\"speakers\":%s}",
		  id, t->cell, date, pick(4) * 10, pick(6) * 10, pick(5) ? "true" : "false", pick(3) ? "false" : "true", att, spk);
}

/* A tablet changes one thing of one of its meetings, as its store has it. */
static void tablet_correct(device *t, int month)
{
	char id[64];
	bt_record *m = NULL;
	snprintf(id, sizeof(id), "%s-2026-%02d-06", t->cell, month);
	if (bt_store_get(t->s, BT_KIND_MEETING, id, &m) < 0) {
		bt_error_clear();
		return;
	}
	/* Rebuild the line from its canonical bytes with one change. */
	char line[8192];
	snprintf(line, sizeof(line), "%s", m->canonical);
	switch (pick(4)) {
	case 0: { /* the end time */
		char *e = strstr(line, "\"end\":\"");
		if (e)
			e[8] = (char)('1' + pick(2)), e[10] = (char)('0' + pick(6));
		break;
	}
	case 1: { /* one member's mark */
		if (m->n_attendance) {
			size_t k = (size_t)pick((int)m->n_attendance);
			char needle[128];
			snprintf(needle, sizeof(needle), "\"%s\":\"", m->attendance[k].member);
			char *p = strstr(line, needle);
			int spoke = 0;
			for (size_t j = 0; j < m->n_speakers; j++)
				spoke |= strcmp(m->speakers[j], m->attendance[k].member) == 0;
			if (p && !spoke) { /* a speaker's mark stays: the tablet would refuse it as typed */
				const char *repl = pick(2) ? "excused" : "present";
				char rest[8192];
				char *q = strchr(p + strlen(needle), '"');
				if (q) {
					snprintf(rest, sizeof(rest), "%s", q);
					snprintf(p + strlen(needle), sizeof(line) - (size_t)(p - line) - strlen(needle), "%s%s", repl, rest);
				}
			}
		}
		break;
	}
	case 2: { /* one more speaker, among those present: with another device's mark change, a speaker not present */
		char *sp = strstr(line, "\"speakers\":["), *end = sp ? strchr(sp, ']') : NULL;
		for (size_t k = 0; end && k < m->n_attendance; k++) {
			const bt_attendance *a = &m->attendance[k];
			int spoke = 0;
			for (size_t j = 0; j < m->n_speakers; j++)
				spoke |= strcmp(m->speakers[j], a->member) == 0;
			if (spoke || a->status != BT_PRESENT || pick(2))
				continue;
			/* The list again, sorted, with the new one in its place. */
			char list[2048], rest[8192];
			size_t at = 0;
			int added = 0;
			for (size_t j = 0; j <= m->n_speakers; j++) {
				const char *next = j < m->n_speakers ? m->speakers[j] : NULL;
				if (!added && (!next || strcmp(a->member, next) < 0)) {
					at += (size_t)snprintf(list + at, sizeof(list) - at, "%s\"%s\"", at ? "," : "", a->member);
					added = 1;
				}
				if (next)
					at += (size_t)snprintf(list + at, sizeof(list) - at, "%s\"%s\"", at ? "," : "", next);
			}
			snprintf(rest, sizeof(rest), "%s", end);
			snprintf(sp + strlen("\"speakers\":["), sizeof(line) - (size_t)(sp - line) - strlen("\"speakers\":["), "%s%s", list,
				 rest);
			break;
		}
		break;
	}
	default: { /* a flag */
		char *f = strstr(line, "\"minutes\":true");
		if (f)
			memcpy(f, "\"minutes\":fals", 14), memmove(f + 15, f + 14, strlen(f + 14) + 1), f[14] = 'e';
		break;
	}
	}
	bt_record_free(m);
	type_line(t, "%s", line);
}

static void run_world(void)
{
	/*
	 * Two tablets of one cell correct one meeting before they see each
	 * other's change: one adds a speaker, the other marks him excused.
	 * Each is valid as typed; merged, a speaker not present. (A4 is one
	 * the office never moves below.)
	 */
	clock_day++;
	type_line(&dev[T1], "{\"kind\":\"meeting\",\"id\":\"CB-01-2026-10-06\",\"cell\":\"CB-01\",\"date\":\"2026-10-06\","
			    "\"start\":\"19:00\",\"end\":\"21:00\",\"regular\":true,\"attendance\":{\"A1\":\"present\",\"A2\":\"present\","
			    "\"A3\":\"present\",\"A4\":\"present\",\"A5\":\"present\"},\"speakers\":[\"A2\"]}");
	sync_tablet(&dev[T1]);
	sync_tablet(&dev[T2]);
	clock_day++;
	type_line(&dev[T1], "{\"kind\":\"meeting\",\"id\":\"CB-01-2026-10-06\",\"cell\":\"CB-01\",\"date\":\"2026-10-06\","
			    "\"start\":\"19:00\",\"end\":\"21:00\",\"regular\":true,\"attendance\":{\"A1\":\"present\",\"A2\":\"present\","
			    "\"A3\":\"present\",\"A4\":\"present\",\"A5\":\"present\"},\"speakers\":[\"A2\",\"A4\"]}");
	type_line(&dev[T2], "{\"kind\":\"meeting\",\"id\":\"CB-01-2026-10-06\",\"cell\":\"CB-01\",\"date\":\"2026-10-06\","
			    "\"start\":\"19:00\",\"end\":\"21:00\",\"regular\":true,\"attendance\":{\"A1\":\"present\",\"A2\":\"present\","
			    "\"A3\":\"present\",\"A4\":\"excused\",\"A5\":\"present\"},\"speakers\":[\"A2\"]}");
	for (int step = 0; step < 160; step++) {
		clock_day++;
		int who = pick(N_DEV), month = 1 + pick(9);
		device *d = &dev[who];
		const char *member = members_of[pick(2)][pick(3)];
		if (who == OFFICE) {
			switch (pick(6)) {
			case 0: { /* a transfer */
				bt_record *m = NULL;
				if (bt_store_get(d->s, BT_KIND_MEMBER, member, &m) == 0) {
					const char *to = member[0] == 'A' ? "CB-02" : "CB-01";
					type_line(d, "{\"kind\":\"transfer\",\"member\":\"%s\",\"date\":\"2026-%02d-01\",\"from\":\"%s\",\"to\":\"%s\"}",
						  member, month, member[0] == 'A' ? "CB-01" : "CB-02", to);
					bt_record_free(m);
				}
				bt_error_clear();
				break;
			}
			case 1: /* a member leaves */
				type_line(d, "{\"kind\":\"member\",\"id\":\"%s\",\"cell\":\"%s\",\"name\":\"Đảng viên %s\",\"status\":\"official\","
					  "\"role\":\"member\",\"joined\":\"2000-01-01\",\"left\":\"2026-%02d-15\"}",
					  member, member[0] == 'A' ? "CB-01" : "CB-02", member, month);
				break;
			case 2: /* a join date corrected */
				type_line(d, "{\"kind\":\"member\",\"id\":\"%s\",\"cell\":\"%s\",\"name\":\"Đảng viên %s\",\"status\":\"official\","
					  "\"role\":\"member\",\"joined\":\"2026-%02d-02\"}",
					  member, member[0] == 'A' ? "CB-01" : "CB-02", member, month);
				break;
			case 3: /* a name corrected */
				type_line(d, "{\"kind\":\"member\",\"id\":\"%s\",\"cell\":\"%s\",\"name\":\"Đồng chí %s\",\"status\":\"official\","
					  "\"role\":\"committee\",\"joined\":\"2000-01-01\"}",
					  member, member[0] == 'A' ? "CB-01" : "CB-02", member);
				break;
			case 4: /* the office corrects a meeting it received */
				tablet_correct(&(device){d->log, pick(2) ? "CB-01" : "CB-02", d->s, d->key, d->n_ts++}, month);
				break;
			default: /* an exemption */
				type_line(d, "{\"kind\":\"exemption\",\"member\":\"%s\",\"from\":\"2026-%02d-01\",\"to\":\"2026-%02d-28\",\"reason\":\"ốm\"}",
					  member, month, month);
			}
		} else {
			char id[64];
			switch (pick(7)) {
			case 0:
			case 1:
				snprintf(id, sizeof(id), "%s-2026-%02d-06", d->cell, month);
				tablet_meeting(d, month, 6, id);
				break;
			case 2: /* a second meeting on the same day under another id: a duplicate, when another device made the first */
				snprintf(id, sizeof(id), "%s-%s-%02d", d->log, d->cell, month);
				tablet_meeting(d, month, 6, id);
				break;
			case 3:
				tablet_correct(d, month);
				break;
			case 4: {
				char **ids = NULL, list[512];
				size_t n = 0, at = 0;
				if (bt_store_members_during(d->s, d->cell, bt_date_from_ymd(2026, month, 1),
							    bt_month_last_day(2026 * 12 + month - 1), &ids, &n) == 0) {
					list[at++] = '[';
					for (size_t i = 0; i < n; i++)
						at += (size_t)snprintf(list + at, sizeof(list) - at, "%s\"%s\"", i ? "," : "", ids[i]);
					list[at++] = ']';
					list[at] = '\0';
					type_line(d, "{\"kind\":\"dues_month\",\"cell\":\"%s\",\"month\":\"2026-%02d\",\"amount\":20000,"
						  "\"paid_on\":\"2026-%02d-06\",\"members\":%s}",
						  d->cell, month, month, list);
				}
				bt_strings_free(ids, n);
				bt_error_clear();
				break;
			}
			case 5:
				type_line(d, "{\"kind\":\"dues\",\"member\":\"%s\",\"month\":\"2026-%02d\",\"amount\":%d,\"paid_on\":\"2026-%02d-%02d\"}",
					  member, month, 10000 + 5000 * pick(3), month, 5 + pick(20));
				break;
			default: { /* a new member, or a tablet's own edit of one */
				char nid[16];
				snprintf(nid, sizeof(nid), "%c%d", d->cell[4] == '1' ? 'N' : 'M', pick(3));
				type_line(d, "{\"kind\":\"member\",\"id\":\"%s\",\"cell\":\"%s\",\"name\":\"Người %s %d\",\"status\":\"probationary\","
					  "\"role\":\"member\",\"joined\":\"2026-%02d-0%d\"}",
					  nid, d->cell, nid, pick(3), month, 1 + pick(9));
			}
			}
		}
		if (who != OFFICE && pick(3) == 0)
			sync_tablet(d);
	}
	/* Everyone syncs twice: the office holds everything, each tablet its cell. */
	for (int round = 0; round < 2; round++)
		for (int i = T1; i < N_DEV; i++)
			sync_tablet(&dev[i]);
}

/* What a replica shows: its tables' digest, its findings, its evaluation. */
typedef struct {
	uint8_t digest[32];
	bt_buf findings, eval;
} view;

static int collect_finding(const bt_finding *f, void *payload)
{
	bt_buf *b = payload;
	return bt_finding_json(b, f, 1) < 0 ? BT_ENOMEM : bt_buf_put(b, "\n", 1);
}

static int collect_eval(const bt_cell_result *r, void *payload)
{
	bt_buf *b = payload;
	return bt_eval_cell_json(b, r) < 0 ? BT_ENOMEM : bt_buf_put(b, "\n", 1);
}

static void view_of(bt_store *s, view *v)
{
	bt_findings_query q = BT_FINDINGS_QUERY_INIT;
	bt_eval_opts o = BT_EVAL_OPTS_INIT;
	o.year = 2026;
	CU_ASSERT_EQUAL(bt_store_projection_digest(s, v->digest), 0);
	bt_buf_init(&v->findings, 0);
	bt_buf_init(&v->eval, 0);
	CU_ASSERT_EQUAL(bt_store_findings(s, &q, collect_finding, &v->findings), 0);
	CU_ASSERT_EQUAL(bt_store_evaluate(s, &o, NULL, collect_eval, &v->eval), 0);
}

static void view_free(view *v)
{
	bt_buf_free(&v->findings);
	bt_buf_free(&v->eval);
}

static int same_view(const view *a, const view *b)
{
	return memcmp(a->digest, b->digest, 32) == 0 && a->findings.len == b->findings.len &&
	       memcmp(a->findings.data, b->findings.data, a->findings.len) == 0 && a->eval.len == b->eval.len &&
	       memcmp(a->eval.data, b->eval.data, a->eval.len) == 0;
}

/*
 * The evaluation as an export keeps it: the findings about versions
 * (CONCURRENT_CHANGE, OUT_OF_SCOPE) are about the log, which an export does
 * not carry; everything else must be the same.
 */
static char *eval_without_version_findings(const bt_buf *eval)
{
	bt_buf out;
	bt_buf_init(&out, 0);
	for (const char *p = eval->data; p && *p;) {
		const char *e = strchr(p, '\n');
		json_t *cell = json_loadb(p, e ? (size_t)(e - p) : strlen(p), 0, NULL), *fs = json_object_get(cell, "findings"), *kept = json_array();
		size_t i;
		json_t *f;
		json_array_foreach(fs, i, f)
		{
			const char *code = json_string_value(json_object_get(f, "code"));
			if (code && strcmp(code, "CONCURRENT_CHANGE") && strcmp(code, "OUT_OF_SCOPE"))
				json_array_append(kept, f);
		}
		json_object_set_new(cell, "findings", kept);
		char *text = json_dumps(cell, JSON_COMPACT | JSON_SORT_KEYS);
		CU_ASSERT_EQUAL(bt_buf_put(&out, text, strlen(text)), 0);
		CU_ASSERT_EQUAL(bt_buf_put(&out, "\n", 1), 0);
		free(text);
		json_decref(cell);
		p = e ? e + 1 : NULL;
	}
	return out.data;
}

static int write_buf(const char *data, size_t len, void *payload) { return bt_buf_put(payload, data, len); }

/* The office's export imports into an empty store and evaluates the same. */
static void check_export_round_trip(const view *office)
{
	bt_buf text;
	bt_import_stats st;
	bt_buf_init(&text, 0);
	CU_ASSERT_EQUAL_FATAL(bt_store_export(dev[OFFICE].s, write_buf, &text), 0);
	bt_store *copy = bt_test_store("export-copy.db", "copy");
	int err = bt_test_import(copy, text.data, &st);
	if (err)
		fprintf(stderr, "  the office's export does not import: %s\n", bt_error_last());
	CU_ASSERT_EQUAL(err, 0);
	view v;
	view_of(copy, &v);
	char *a = eval_without_version_findings(&office->eval), *b = eval_without_version_findings(&v.eval);
	if (!a || !b || strcmp(a, b) != 0) {
		fprintf(stderr, "  the export's evaluation differs:\n--- office\n%s--- imported\n%s", a ? a : "", b ? b : "");
		CU_FAIL("an export imports with another evaluation");
	}
	free(a);
	free(b);
	view_free(&v);
	bt_store_free(copy);
	bt_buf_free(&text);
}

/* A fresh replica, set up as an office would be: every device enrolled, the office's log from the office's key. */
static bt_store *new_replica(int k)
{
	char name[32];
	snprintf(name, sizeof(name), "replica-%d.db", k % 4);
	bt_store *r = bt_test_store(name, "replica");
	CU_ASSERT_EQUAL_FATAL(sqlite3_exec(r->db, "PRAGMA synchronous = OFF", NULL, NULL, NULL), SQLITE_OK);
	CU_ASSERT_EQUAL_FATAL(bt_store_device_add(r, dev[OFFICE].log, NULL, BT_ROLE_DEVICE_OFFICE, dev[OFFICE].key), 0);
	for (int i = T1; i < N_DEV; i++)
		CU_ASSERT_EQUAL_FATAL(bt_store_device_add(r, dev[i].log, dev[i].cell,
							  i == T2 ? BT_ROLE_DEVICE_DEPUTY : BT_ROLE_DEVICE_SECRETARY, dev[i].key),
				      0);
	return r;
}

static void test_converge__any_interleaving_gives_the_same_replica(void)
{
	const char *env = getenv("BT_CONVERGE_RUNS");
	const char *world = getenv("BT_CONVERGE_WORLD");
	int runs = env ? atoi(env) : 300;
	rng = world ? strtoull(world, NULL, 10) : 20261204;
	setup_world();
	run_world();
	/* The office, which received everything in the order it happened. */
	view office;
	view_of(dev[OFFICE].s, &office);
	int64_t heads[N_DEV];
	for (int i = 0; i < N_DEV; i++)
		CU_ASSERT_EQUAL(bt_store_log_head(dev[OFFICE].s, dev[i].log, &heads[i]), 0);
	size_t n_findings = 0;
	for (size_t i = 0; i < office.findings.len; i++)
		n_findings += office.findings.data[i] == '\n';
	fprintf(stderr, "\n  world: %lld+%lld+%lld+%lld events, %zu findings (", (long long)heads[0], (long long)heads[1],
		(long long)heads[2], (long long)heads[3], n_findings);
	for (int c = 0; c < BT_F_COUNT; c++) {
		char code[48];
		snprintf(code, sizeof(code), "\"code\":\"%s\"", bt_finding_code_name((bt_finding_code)c));
		size_t k = 0;
		for (const char *p = office.findings.data; p && (p = strstr(p, code)); p++)
			k++;
		fprintf(stderr, "%s%s %zu", c ? ", " : "", bt_finding_code_name((bt_finding_code)c), k);
	}
	fprintf(stderr, ")\n");
	if (world)
		fprintf(stderr, "  world seed %s, %d interleavings\n", world, runs);
	/* The world must disagree in every way it can, or the test proves little. */
	for (int c = 0; c < BT_F_COUNT; c++) {
		char code[48];
		snprintf(code, sizeof(code), "\"code\":\"%s\"", bt_finding_code_name((bt_finding_code)c));
		if (!strstr(office.findings.data ? office.findings.data : "", code)) {
			fprintf(stderr, "  no %s in the world\n", bt_finding_code_name((bt_finding_code)c));
			if (!world) /* another world (bench/converge.sh) may happen not to raise one */
				CU_FAIL("a kind of finding the world does not raise");
		}
	}

	check_export_round_trip(&office);

	int failures = 0;
	for (int run = 0; run < runs && failures < 3; run++) {
		uint64_t seed = 1000 + (uint64_t)run;
		rng = seed;
		bt_store *r = new_replica(run);
		int64_t sent[N_DEV] = {0};
		for (;;) {
			int left[N_DEV], n_left = 0;
			for (int i = 0; i < N_DEV; i++)
				if (sent[i] < heads[i])
					left[n_left++] = i;
			if (!n_left)
				break;
			int i = left[pick(n_left)];
			size_t k = 1 + (size_t)pick(run % 3 == 0 ? 40 : 6);
			deliver(dev[OFFICE].s, dev[i].log, r, i == OFFICE ? dev[OFFICE].key : dev[i].key, NULL, NULL, k);
			CU_ASSERT_EQUAL_FATAL(bt_store_log_head(r, dev[i].log, &sent[i]), 0);
		}
		view v;
		view_of(r, &v);
		if (!same_view(&v, &office)) {
			failures++;
			fprintf(stderr, "  interleaving %llu differs from the office (digest %s, findings %s, evaluation %s)\n",
				(unsigned long long)seed, memcmp(v.digest, office.digest, 32) ? "differs" : "same",
				v.findings.len == office.findings.len && memcmp(v.findings.data, office.findings.data, v.findings.len) == 0
					? "same"
					: "differ",
				v.eval.len == office.eval.len && memcmp(v.eval.data, office.eval.data, v.eval.len) == 0 ? "same" : "differs");
			if (failures == 1) {
				fprintf(stderr, "--- office findings\n%s--- replica findings\n%s", office.findings.data ? office.findings.data : "",
					v.findings.data ? v.findings.data : "");
			}
			CU_FAIL("an interleaving gave another replica");
		}
		/* Every so often, the replica's rebuild reproduces it. */
		if (run % 25 == 0) {
			bt_rebuild_stats rs;
			CU_ASSERT_EQUAL(bt_store_rebuild(r, &rs), 0);
			CU_ASSERT_EQUAL(memcmp(rs.before, rs.after, 32), 0);
		}
		view_free(&v);
		bt_store_free(r);
	}
	/* Each tablet shows the office's findings and evaluation of its cell. */
	for (int i = T1; i < N_DEV; i++) {
		bt_buf a, b;
		bt_eval_opts o = BT_EVAL_OPTS_INIT;
		o.year = 2026;
		bt_buf_init(&a, 0);
		bt_buf_init(&b, 0);
		CU_ASSERT_EQUAL(bt_store_evaluate(dev[i].s, &o, dev[i].cell, collect_eval, &a), 0);
		CU_ASSERT_EQUAL(bt_store_evaluate(dev[OFFICE].s, &o, dev[i].cell, collect_eval, &b), 0);
		if (!(a.len == b.len && memcmp(a.data, b.data, a.len) == 0)) {
			fprintf(stderr, "  tablet %s differs from the office on cell %s:\n--- tablet\n%s\n--- office\n%s\n", dev[i].log, dev[i].cell,
				a.data, b.data);
			CU_FAIL("a tablet's evaluation of its cell is not the office's");
		}
		bt_buf_free(&a);
		bt_buf_free(&b);
	}
	bt_rebuild_stats rs;
	CU_ASSERT_EQUAL(bt_store_rebuild(dev[OFFICE].s, &rs), 0);
	CU_ASSERT_EQUAL(memcmp(rs.before, rs.after, 32), 0);
	view_free(&office);
	for (int i = 0; i < N_DEV; i++) {
		bt_store_free(dev[i].s);
		bt_key_free(dev[i].key);
	}
}

int main(void)
{
	CU_TestInfo tests[] = {
		{"any interleaving gives the same replica", test_converge__any_interleaving_gives_the_same_replica},
		CU_TEST_INFO_NULL};
	return bt_test_run("converge", tests);
}
