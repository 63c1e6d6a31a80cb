/*
 * test_offline.c - the stories of replicas that saw the world at different
 * times (docs/offline.md), each with a real `bontot serve` office and
 * tablets as separate `bontot` processes on 127.0.0.1: every sync succeeds,
 * what disagrees becomes a finding, and the office and the tablet agree on
 * the cell's evaluation byte for byte.
 *
 * The rule under test: a record that arrives by sync is refused only when
 * its batch cannot be trusted (signature, chain, unknown or revoked device).
 * An authentic record outside its device's scope is kept as evidence but not
 * applied (OUT_OF_SCOPE). Everything else is accepted and applied; where it
 * disagrees with other records a finding is recorded, derived from the
 * records alone, so identical on every replica that holds them.
 *
 * Each story starts its own office (a fresh store and server) from the same
 * small commune: committee DU, cells CB-01 and CB-02, members DV-01
 * (secretary), DV-02, DV-03 of CB-01 and DV-21 of CB-02, all joined
 * 2000-01-01. Each ends the same way (converge() and finish()): a sync round
 * of every tablet, then for each tablet its cell's evaluation equal byte for
 * byte to the office's /v1/evaluation and its findings (`findings --json
 * --cell`) equal byte for byte to the office's, then `rebuild` of every
 * store finds the tables as the log says.
 *
 * Messages may be Vietnamese or English: the suite asserts exit codes,
 * finding codes, ids and JSON fields, never wording (rebuild's "identical"
 * is accepted in either language, and checked by export and findings too).
 */
#include "support.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define B BT_CLI
#define YEAR "2026"
#define AS_OF "2026-12-31"
/* A regular meeting with everything done; attendance and speakers appended. */
#define REGULAR "--start 19:30 --end 21:30 --regular --prepared --resolution --minutes"

static char *out, *err;
static pid_t server = -1;
static int port;
static char story[16];	  /* the story's prefix for its files */
static char office[512];  /* the office's store */
static char auth[512];    /* a file with the auditor's "Authorization: Bearer TOKEN" header */
static char base[512];	  /* the commune every office starts from */

typedef struct {
	char db[512];
	char cell[16];
	char log[48];
} tablet;

/* ---- running commands ---- */

static int vsh(const char *fmt, va_list ap)
{
	char cmd[8192];
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	free(out);
	free(err);
	out = err = NULL;
	int rc = bt_test_sh(&out, &err, "%s", cmd);
	if (!out)
		out = calloc(1, 1);
	if (!err)
		err = calloc(1, 1);
	return rc;
}

static int sh(const char *fmt, ...) BT_PRINTF(1, 2);
static int sh(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = vsh(fmt, ap);
	va_end(ap);
	return rc;
}

/* `bontot --db STORE ARGS`; its exit status, out and err set. */
static int vbt(const char *store, const char *fmt, va_list ap)
{
	char args[6144];
	vsnprintf(args, sizeof(args), fmt, ap);
	return sh("'" B "' --db '%s' %s", store, args);
}

static int bt(const char *store, const char *fmt, ...) BT_PRINTF(2, 3);
static int bt(const char *store, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = vbt(store, fmt, ap);
	va_end(ap);
	return rc;
}

/* An assertion reported at the caller's line. */
#define CHECK_AT(line, cond, what) CU_assertImplementation((cond) ? CU_TRUE : CU_FALSE, (unsigned)(line), (what), __FILE__, "", CU_FALSE)

/* `bontot --db STORE ARGS` must exit with `want`; says what it printed when not. */
static void expect_at(int line, int want, const char *store, const char *fmt, ...) BT_PRINTF(4, 5);
static void expect_at(int line, int want, const char *store, const char *fmt, ...)
{
	char args[6144];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	int rc = bt(store, "%s", args);
	if (rc != want)
		fprintf(stderr, "\n    [%s line %d] bontot --db %s %s: exit %d (expected %d)\n      stdout: %s\n      stderr: %s\n",
			story, line, strrchr(store, '/') ? strrchr(store, '/') + 1 : store, args, rc, want, out, err);
	CHECK_AT(line, rc == want, "bontot exits as expected");
}
#define OK(store, ...) expect_at(__LINE__, 0, (store), __VA_ARGS__)
#define SYNC(t) expect_at(__LINE__, 0, (t)->db, "sync")

/* ---- findings in JSON ---- */

/* The value of "name":"..." in an object's text (no escaped quotes in ids and codes), or "". */
static void field_of(char *v, size_t size, const char *obj, const char *name)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "\"%s\":\"", name);
	const char *p = strstr(obj, pat), *q;
	v[0] = '\0';
	if (!p)
		return;
	p += strlen(pat);
	if (!(q = strchr(p, '"')))
		return;
	size_t n = (size_t)(q - p) < size - 1 ? (size_t)(q - p) : size - 1;
	memcpy(v, p, n);
	v[n] = '\0';
}

typedef struct {
	const char *code, *member, *id_part, *field, *date;
	int settled; /* 0 either, 1 settled, 2 open */
} match;

/*
 * How many findings of a {"findings":[...]} text (or the first cell's
 * findings of a status --json text) match: each condition NULL for any.
 */
static int count_findings(const char *json, match m)
{
	const char *p = json, *end = json + strlen(json);
	const char *items = strstr(json, "\"items\":[");
	if (items && strstr(json, "\"findings\":["))
		end = items; /* status: the findings before the to-dos */
	int n = 0;
	while ((p = strstr(p, "{\"code\":\"")) && p < end) {
		const char *next = strstr(p + 1, "{\"code\":\"");
		if (!next || next > end)
			next = end;
		size_t len = (size_t)(next - p);
		char *obj = malloc(len + 1), v[1024];
		CU_ASSERT_PTR_NOT_NULL_FATAL(obj);
		memcpy(obj, p, len);
		obj[len] = '\0';
		int ok = 1;
		field_of(v, sizeof(v), obj, "code");
		ok &= !m.code || strcmp(v, m.code) == 0;
		field_of(v, sizeof(v), obj, "member");
		ok &= !m.member || strcmp(v, m.member) == 0;
		field_of(v, sizeof(v), obj, "field");
		ok &= !m.field || strcmp(v, m.field) == 0;
		field_of(v, sizeof(v), obj, "date");
		ok &= !m.date || strcmp(v, m.date) == 0;
		field_of(v, sizeof(v), obj, "id");
		ok &= !m.id_part || strstr(v, m.id_part) != NULL;
		if (m.settled)
			ok &= (strstr(obj, "\"settled\":true") != NULL) == (m.settled == 1);
		n += ok;
		free(obj);
		p = next;
	}
	return n;
}

static void expect_findings_at(int line, const char *json, int want, const char *where, match m)
{
	int n = count_findings(json, m);
	if (n != want)
		fprintf(stderr, "\n    [%s line %d] %s: %d findings %s%s%s%s%s%s%s%s, expected %d, in:\n      %s\n", story, line, where, n,
			m.code ? m.code : "*", m.member ? " member=" : "", m.member ? m.member : "", m.id_part ? " id~" : "",
			m.id_part ? m.id_part : "", m.field ? " field=" : "", m.field ? m.field : "", m.settled == 1 ? " settled" : "",
			want, json);
	CHECK_AT(line, n == want, "the findings expected");
}
/* EXPECT(n, where, json, .code = ..., ...): exactly n findings of json match. */
#define EXPECT(n, where, json, ...) expect_findings_at(__LINE__, (json), (n), (where), (match){__VA_ARGS__})

/* The open findings of one cell in a store (`findings --json --cell`), malloc'ed. */
static char *findings_of(const char *store, const char *cell, int all)
{
	CU_ASSERT_EQUAL(bt(store, "findings --json --cell %s%s", cell, all ? " --all" : ""), 0);
	char *s = strdup(out);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	return s;
}

/* Every finding of the office, every cell, settled ones too (`findings --all --json`), malloc'ed. */
static char *office_findings(void)
{
	CU_ASSERT_EQUAL(bt(office, "findings --all --json"), 0);
	char *s = strdup(out);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	return s;
}

/* Two files byte for byte; where they differ when not. */
static void same_files_at(int line, const char *a, const char *b, const char *what)
{
	size_t na = 0, nb = 0;
	char *x = bt_test_read(a, &na), *y = bt_test_read(b, &nb);
	int same = x && y && na == nb && memcmp(x, y, na) == 0;
	if (!same && x && y) {
		size_t i = 0;
		while (i < na && i < nb && x[i] == y[i])
			i++;
		size_t from = i > 80 ? i - 80 : 0;
		fprintf(stderr, "\n    [%s line %d] %s differ at byte %zu:\n      %s: ...%.240s\n      %s: ...%.240s\n", story, line, what, i,
			strrchr(a, '/') + 1, x + from, strrchr(b, '/') + 1, y + from);
	}
	CHECK_AT(line, same, what);
	free(x);
	free(y);
}

/* ---- a story's office and tablets ---- */

static const char *file_of(const char *name)
{
	static char path[8][512];
	static int i;
	char *p = path[i++ % 8];
	snprintf(p, 512, "%s/%s-%s", bt_test_dir(), story, name);
	return p;
}

static void stop_server(void)
{
	if (server > 0) {
		CU_ASSERT(bt_test_stop(server) == 0); /* a clean shutdown */
		server = -1;
	}
}

/* The story's office: a fresh store with the commune, its key, its server. */
static void begin(const char *tag)
{
	stop_server(); /* a story that stopped half-way */
	snprintf(story, sizeof(story), "%s", tag);
	snprintf(office, sizeof(office), "%s", file_of("office.db"));
	if (!base[0]) {
		snprintf(base, sizeof(base), "%s/base.jsonl", bt_test_dir());
		CU_ASSERT_EQUAL_FATAL(
			bt_test_write(base,
				      "{\"kind\":\"committee\",\"id\":\"DU\",\"name\":\"Đảng ủy xã Tân Phong\"}\n"
				      "{\"kind\":\"cell\",\"id\":\"CB-01\",\"committee\":\"DU\",\"name\":\"Chi bộ thôn Phú Lộc\"}\n"
				      "{\"kind\":\"cell\",\"id\":\"CB-02\",\"committee\":\"DU\",\"name\":\"Chi bộ thôn Phú Mỹ\"}\n"
				      "{\"kind\":\"member\",\"id\":\"DV-01\",\"cell\":\"CB-01\",\"name\":\"Nguyễn Văn An\",\"status\":\"official\",\"role\":\"secretary\",\"joined\":\"2000-01-01\"}\n"
				      "{\"kind\":\"member\",\"id\":\"DV-02\",\"cell\":\"CB-01\",\"name\":\"Trần Văn Bình\",\"status\":\"official\",\"role\":\"member\",\"joined\":\"2000-01-01\"}\n"
				      "{\"kind\":\"member\",\"id\":\"DV-03\",\"cell\":\"CB-01\",\"name\":\"Lê Thị Cúc\",\"status\":\"official\",\"role\":\"member\",\"joined\":\"2000-01-01\"}\n"
				      "{\"kind\":\"member\",\"id\":\"DV-21\",\"cell\":\"CB-02\",\"name\":\"Phạm Văn Dũng\",\"status\":\"official\",\"role\":\"secretary\",\"joined\":\"2000-01-01\"}\n"),
			0);
	}
	CU_ASSERT_EQUAL_FATAL(sh("rm -f '%s'*", office), 0);
	CU_ASSERT_EQUAL_FATAL(bt(office, "init --log-id office"), 0);
	CU_ASSERT_EQUAL_FATAL(bt(office, "import '%s'", base), 0);
	CU_ASSERT_EQUAL_FATAL(bt(office, "office init"), 0);
	/* An auditor's token: the office answers reads only with a credential. */
	snprintf(auth, sizeof(auth), "%s", file_of("auth.hdr"));
	CU_ASSERT_EQUAL_FATAL(sh("printf 'mat-khau-kiem-tra\\n' | '" B "' --db '%s' office user add kiemtra --role auditor >/dev/null && "
				 "'" B "' --db '%s' office token kiemtra | tail -n 1 | sed 's/^/Authorization: Bearer /' > '%s'",
				 office, office, auth),
			      0);
	server = bt_test_serve(office, file_of("serve.log"), &port);
}

/* A tablet's store, not yet enrolled: log tablet-<cell>-<n> (tablet-cb01-1). */
static void tablet_init(tablet *t, const char *cell, int n)
{
	char c[16];
	size_t k = 0;
	for (const char *p = cell; *p && k + 1 < sizeof(c); p++)
		if (*p != '-')
			c[k++] = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	c[k] = '\0';
	snprintf(t->cell, sizeof(t->cell), "%s", cell);
	snprintf(t->log, sizeof(t->log), "tablet-%s-%d", c, n);
	char name[64];
	snprintf(name, sizeof(name), "%s.db", t->log);
	snprintf(t->db, sizeof(t->db), "%s", file_of(name));
	CU_ASSERT_EQUAL_FATAL(sh("rm -f '%s'*", t->db), 0);
	CU_ASSERT_EQUAL_FATAL(bt(t->db, "init --log-id %s", t->log), 0);
}

/* A one-time code from the office (the last line `office enroll-code` prints). */
static void code_for(char code[32], const char *cell, const char *role)
{
	CU_ASSERT_EQUAL_FATAL(bt(office, "office enroll-code --cell %s --role %s", cell, role), 0);
	char *last = out + strlen(out);
	while (last > out && (last[-1] == '\n' || last[-1] == ' '))
		last--;
	while (last > out && last[-1] != '\n')
		last--;
	code[0] = '\0';
	sscanf(last, " %31s", code);
	CU_ASSERT_FATAL(code[0] != '\0');
}

/* Enroll with a fresh code (which runs a first sync). `env` prefixes the command (a clock), or "". */
static void tablet_enroll_env(tablet *t, const char *role, const char *env)
{
	char code[32];
	code_for(code, t->cell, role);
	int rc = sh("%s '" B "' --db '%s' enroll --server https://127.0.0.1:%d --code %s", env, t->db, port, code);
	if (rc != 0)
		fprintf(stderr, "\n    [%s] enroll %s: exit %d\n      %s%s\n", story, t->log, rc, out, err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
}

static void tablet_enroll(tablet *t, const char *role) { tablet_enroll_env(t, role, ""); }

/* A new tablet of a cell, enrolled and holding what the office gave it. */
static void tablet_new(tablet *t, const char *cell, int n, const char *role)
{
	tablet_init(t, cell, n);
	tablet_enroll(t, role);
}

/*
 * The end of every story: two sync rounds (the first sends everything, the
 * second brings each tablet what the others sent after it), then each
 * tablet's evaluation of its cell equals the office's /v1/evaluation byte for
 * byte, its open findings of the cell equal the office's (CLI and
 * /v1/findings?open=1 alike), and nothing is refused or left behind.
 */
static void converge_at(int line, tablet *const *ts, int n)
{
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < n; i++)
			expect_at(line, 0, ts[i]->db, "sync");
	for (int i = 0; i < n; i++) {
		const tablet *t = ts[i];
		const char *office_eval = file_of("office-eval.json"), *tab_eval = file_of("tablet-eval.json");
		CHECK_AT(line,
			 sh("curl -sf -k --pinnedpubkey %s -H @'%s' 'https://127.0.0.1:%d/v1/evaluation?year=" YEAR "&as_of=" AS_OF "&cell=%s' > '%s'", bt_test_pin, auth, port,
			    t->cell, office_eval) == 0,
			 "the office's /v1/evaluation answers");
		CHECK_AT(line, bt(t->db, "evaluate --year " YEAR " --as-of " AS_OF " --cell %s --json > '%s'", t->cell, tab_eval) == 0,
			 "the tablet evaluates its cell");
		CHECK_AT(line, sh("grep -q '\"id\":\"%s\"' '%s'", t->cell, tab_eval) == 0, "the evaluation is of the tablet's cell");
		same_files_at(line, tab_eval, office_eval, "the tablet's and the office's evaluations of the cell");
		const char *office_f = file_of("office-findings.json"), *http_f = file_of("http-findings.json"),
			   *tab_f = file_of("tablet-findings.json");
		CHECK_AT(line, bt(t->db, "findings --json --cell %s > '%s'", t->cell, tab_f) == 0, "the tablet lists its findings");
		CHECK_AT(line, bt(office, "findings --json --cell %s > '%s'", t->cell, office_f) == 0, "the office lists its findings");
		CHECK_AT(line, sh("curl -sf -k --pinnedpubkey %s -H @'%s' 'https://127.0.0.1:%d/v1/findings?cell=%s&open=1' > '%s'", bt_test_pin, auth, port, t->cell, http_f) == 0,
			 "the office's /v1/findings answers");
		same_files_at(line, tab_f, office_f, "the tablet's and the office's findings of the cell");
		same_files_at(line, http_f, office_f, "the office's findings over HTTP and from the CLI");
	}
}
#define CONVERGE(...)                                                                                                        \
	do {                                                                                                                 \
		tablet *const ts_[] = {__VA_ARGS__};                                                                         \
		converge_at(__LINE__, ts_, (int)(sizeof(ts_) / sizeof(ts_[0])));                                             \
	} while (0)

/* `rebuild` replays the log into the same tables: exit 0, "identical", the same export and findings. */
static void rebuild_at(int line, const char *store)
{
	const char *before = file_of("before"), *after = file_of("after");
	CHECK_AT(line, sh("'" B "' --db '%s' export > '%s' && '" B "' --db '%s' findings --all --json >> '%s'", store, before, store, before) == 0,
		 "export and findings before rebuild");
	expect_at(line, 0, store, "rebuild");
	CHECK_AT(line, strstr(out, "trùng khớp") || strstr(out, "identical"), "rebuild found the tables as the log says");
	CHECK_AT(line, sh("'" B "' --db '%s' export > '%s' && '" B "' --db '%s' findings --all --json >> '%s'", store, after, store, after) == 0,
		 "export and findings after rebuild");
	same_files_at(line, before, after, "the export and findings before and after rebuild");
}

/* Stop the story's server, then rebuild the office and every tablet. */
static void finish_at(int line, tablet *const *ts, int n)
{
	stop_server();
	rebuild_at(line, office);
	for (int i = 0; i < n; i++)
		rebuild_at(line, ts[i]->db);
}
#define FINISH(...)                                                                                                          \
	do {                                                                                                                 \
		tablet *const ts_[] = {__VA_ARGS__};                                                                         \
		finish_at(__LINE__, ts_, (int)(sizeof(ts_) / sizeof(ts_[0])));                                               \
	} while (0)

/* The open findings of the tablet's cell, on the tablet and at the office: each must show `n` matching. */
#define EXPECT_BOTH(n, t, ...)                                                                                               \
	do {                                                                                                                 \
		char *ft_ = findings_of((t)->db, (t)->cell, 0), *fo_ = findings_of(office, (t)->cell, 0);                    \
		EXPECT((n), "tablet", ft_, __VA_ARGS__);                                                                     \
		EXPECT((n), "office", fo_, __VA_ARGS__);                                                                     \
		free(ft_);                                                                                                   \
		free(fo_);                                                                                                   \
	} while (0)

/* ---- the stories ---- */

/*
 * 1. The transfer story. The office moves DV-02 to CB-02 from 1 July while
 * CB-01's tablet is offline; the tablet records July's meeting with DV-02
 * present and speaking, and July's dues for the three members it knows. Its
 * sync goes through (nothing is refused for being out of date), brings the
 * transfer, and both sides list NOT_IN_CELL for DV-02 at the meeting and in
 * the dues month. The tablet is not stuck afterwards: August's meeting (now
 * without DV-02) reaches the office. Status lists the findings first.
 */
static void test_offline__transfer_out_while_offline(void)
{
	tablet t;
	begin("s01");
	tablet_new(&t, "CB-01", 1, "secretary");
	OK(office, "member transfer DV-02 --to CB-02 --from 2026-07-01");
	OK(t.db, "meeting record --cell CB-01 --date 2026-07-06 " REGULAR " --spoke DV-02");
	OK(t.db, "dues month --cell CB-01 --month 2026-07 --amount 20000 --paid-on 2026-07-06");
	SYNC(&t);
	OK(t.db, "meeting record --cell CB-01 --date 2026-08-05 " REGULAR);
	SYNC(&t);
	OK(office, "meeting show CB-01-2026-08-05");
	/* August's meeting, recorded after the transfer arrived, does not name DV-02. */
	CU_ASSERT_PTR_NULL(strstr(out, "DV-02"));
	OK(t.db, "status --json --cell CB-01 --date 2026-08-10");
	EXPECT(1, "tablet status", out, .code = "NOT_IN_CELL", .member = "DV-02", .id_part = "meeting:CB-01-2026-07-06", .date = "2026-07-06");
	EXPECT(1, "tablet status", out, .code = "NOT_IN_CELL", .member = "DV-02", .id_part = "dues_month:CB-01/2026-07", .field = "members");
	EXPECT(2, "tablet status", out, .code = NULL);
	EXPECT_BOTH(1, &t, .code = "NOT_IN_CELL", .member = "DV-02", .id_part = "meeting:CB-01-2026-07-06");
	EXPECT_BOTH(1, &t, .code = "NOT_IN_CELL", .member = "DV-02", .id_part = "dues_month:CB-01/2026-07");
	EXPECT_BOTH(0, &t, .code = "OUT_OF_SCOPE");
	/* The office holds the July records as the tablet wrote them: kept, not refused. */
	OK(office, "meeting show CB-01-2026-07-06");
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "DV-02"));
	CONVERGE(&t);
	FINISH(&t);
}

/*
 * 2. A transfer in. The office moves DV-21 from CB-02 into CB-01 from 1 July;
 * CB-01's tablet, offline, records July's meeting without him (it does not
 * know him yet). After the syncs both sides list UNMARKED_MEMBER for DV-21
 * at that meeting: he is left out of the count, not counted absent.
 */
static void test_offline__transfer_in_while_offline(void)
{
	tablet t;
	begin("s02");
	tablet_new(&t, "CB-01", 1, "secretary");
	OK(office, "member transfer DV-21 --to CB-01 --from 2026-07-01");
	OK(t.db, "meeting record --cell CB-01 --date 2026-07-06 " REGULAR " --spoke DV-01");
	SYNC(&t);
	EXPECT_BOTH(1, &t, .code = "UNMARKED_MEMBER", .member = "DV-21", .id_part = "meeting:CB-01-2026-07-06", .field = "attendance");
	EXPECT_BOTH(1, &t, .code = NULL);
	CONVERGE(&t);
	FINISH(&t);
}

/*
 * 3. A member added at the office, joined 2 July, while the tablet records
 * the 6 July meeting without him: UNMARKED_MEMBER DV-04 on both sides.
 */
static void test_offline__member_added_at_the_office(void)
{
	tablet t;
	begin("s03");
	tablet_new(&t, "CB-01", 1, "secretary");
	OK(office, "member add --id DV-04 --cell CB-01 --name 'Võ Văn Đức' --joined 2026-07-02");
	OK(t.db, "meeting record --cell CB-01 --date 2026-07-06 " REGULAR);
	SYNC(&t);
	EXPECT_BOTH(1, &t, .code = "UNMARKED_MEMBER", .member = "DV-04", .id_part = "meeting:CB-01-2026-07-06");
	EXPECT_BOTH(1, &t, .code = NULL);
	CONVERGE(&t);
	FINISH(&t);
}

/*
 * 4. A member who left (or died): the office records DV-03 leaving on 1
 * July; the tablet, offline, marks DV-03 present on 6 July. Kept, and listed
 * NOT_IN_CELL DV-03 on both sides.
 */
static void test_offline__member_left_while_offline(void)
{
	tablet t;
	begin("s04");
	tablet_new(&t, "CB-01", 1, "secretary");
	OK(office, "member edit DV-03 --left 2026-07-01");
	OK(t.db, "meeting record --cell CB-01 --date 2026-07-06 " REGULAR);
	SYNC(&t);
	EXPECT_BOTH(1, &t, .code = "NOT_IN_CELL", .member = "DV-03", .id_part = "meeting:CB-01-2026-07-06");
	EXPECT_BOTH(1, &t, .code = NULL);
	CONVERGE(&t);
	FINISH(&t);
}

/*
 * 5. A retroactive transfer, then a tablet's correction of a meeting it had
 * already sent. The June meeting (DV-02 present) reaches the office; the
 * office then moves DV-02 out from 1 June; the tablet, before pulling that,
 * corrects the June meeting (DV-03 excused). The correction goes through,
 * both sides list NOT_IN_CELL DV-02 for June, and the office's export
 * imports whole into an empty store that evaluates CB-01 exactly as the
 * office does.
 */
static void test_offline__retroactive_transfer_and_a_correction(void)
{
	tablet t;
	begin("s05");
	tablet_new(&t, "CB-01", 1, "secretary");
	OK(t.db, "meeting record --cell CB-01 --date 2026-06-05 " REGULAR " --spoke DV-01");
	SYNC(&t);
	OK(office, "member transfer DV-02 --to CB-02 --from 2026-06-01");
	OK(t.db, "meeting record --cell CB-01 --date 2026-06-05 --correct --excused DV-03");
	SYNC(&t);
	EXPECT_BOTH(1, &t, .code = "NOT_IN_CELL", .member = "DV-02", .id_part = "meeting:CB-01-2026-06-05");
	/* The correction applied at the office. */
	OK(office, "export");
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"DV-03\":\"excused\""));
	CONVERGE(&t);
	/* The office's export into an empty store: accepted whole, the same evaluation. */
	char copy[512];
	snprintf(copy, sizeof(copy), "%s", file_of("copy.db"));
	const char *exported = file_of("export.jsonl");
	OK(office, "export '%s'", exported);
	CU_ASSERT_EQUAL(sh("rm -f '%s'*", copy), 0);
	OK(copy, "init --log-id copy");
	OK(copy, "import '%s'", exported);
	const char *office_eval = file_of("office-eval.json"), *copy_eval = file_of("copy-eval.json");
	CU_ASSERT_EQUAL(sh("curl -sf -k --pinnedpubkey %s -H @'%s' 'https://127.0.0.1:%d/v1/evaluation?year=" YEAR "&as_of=" AS_OF "&cell=CB-01' > '%s'", bt_test_pin, auth, port, office_eval), 0);
	OK(copy, "evaluate --year " YEAR " --as-of " AS_OF " --cell CB-01 --json > '%s'", copy_eval);
	same_files_at(__LINE__, copy_eval, office_eval, "the imported export's and the office's evaluations");
	FINISH(&t);
}

/*
 * 6. A cell split: the office creates CB-03 and moves DV-02 and DV-03 into
 * it from 1 July; CB-01's tablet, offline, records July's meeting with
 * everyone it knows. NOT_IN_CELL for both, on both sides.
 */
static void test_offline__cell_split_while_offline(void)
{
	tablet t;
	begin("s06");
	tablet_new(&t, "CB-01", 1, "secretary");
	OK(office, "record cell id=CB-03 committee=DU name='Chi bộ thôn Phú Quý'");
	OK(office, "member transfer DV-02 --to CB-03 --from 2026-07-01");
	OK(office, "member transfer DV-03 --to CB-03 --from 2026-07-01");
	OK(t.db, "meeting record --cell CB-01 --date 2026-07-06 " REGULAR);
	SYNC(&t);
	EXPECT_BOTH(1, &t, .code = "NOT_IN_CELL", .member = "DV-02", .id_part = "meeting:CB-01-2026-07-06");
	EXPECT_BOTH(1, &t, .code = "NOT_IN_CELL", .member = "DV-03", .id_part = "meeting:CB-01-2026-07-06");
	EXPECT_BOTH(2, &t, .code = NULL);
	OK(office, "member list --cell CB-03");
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "DV-02"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "DV-03"));
	CONVERGE(&t);
	FINISH(&t);
}

/*
 * 7. A transfer out and that month's dues month. DV-02 leaves CB-01 on 1
 * July, DV-03 on 15 July; the offline tablet records June's and July's
 * dues months for the three it knows. Only DV-02 in July is NOT_IN_CELL
 * (field "members", dated the month's first day): in June both were in the
 * cell, and DV-03 was in it for part of July. The payment listed in the
 * wrong cell does not count: the office's evaluation of CB-02 misses DV-02's
 * July dues, not his June dues.
 */
static void test_offline__dues_month_after_a_transfer(void)
{
	tablet t;
	begin("s07");
	tablet_new(&t, "CB-01", 1, "secretary");
	OK(office, "member transfer DV-02 --to CB-02 --from 2026-07-01");
	OK(office, "member transfer DV-03 --to CB-02 --from 2026-07-15");
	OK(t.db, "dues month --cell CB-01 --month 2026-06 --amount 20000 --paid-on 2026-06-05");
	OK(t.db, "dues month --cell CB-01 --month 2026-07 --amount 20000 --paid-on 2026-07-06");
	SYNC(&t);
	EXPECT_BOTH(1, &t, .code = "NOT_IN_CELL", .member = "DV-02", .id_part = "dues_month:CB-01/2026-07", .field = "members",
		    .date = "2026-07-01");
	EXPECT_BOTH(1, &t, .code = NULL);
	CU_ASSERT_EQUAL(sh("curl -sf -k --pinnedpubkey %s -H @'%s' 'https://127.0.0.1:%d/v1/evaluation?year=" YEAR "&as_of=" AS_OF "&cell=CB-02'", bt_test_pin, auth, port), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"code\":\"DUES_MISSING\",\"member\":\"DV-02\",\"month\":\"2026-07\""));
	CU_ASSERT_PTR_NULL(strstr(out, "\"code\":\"DUES_MISSING\",\"member\":\"DV-02\",\"month\":\"2026-06\""));
	CONVERGE(&t);
	FINISH(&t);
}

/*
 * 8. Dues for April paid in June, before a July transfer: recorded on the
 * tablet, the office moves DV-02 out from 1 July before the tablet syncs.
 * In April he was in CB-01, so the dues are in scope and right: no finding,
 * and the office's export holds the line.
 */
static void test_offline__old_dues_before_a_transfer(void)
{
	tablet t;
	begin("s08");
	tablet_new(&t, "CB-01", 1, "secretary");
	OK(t.db, "dues pay --member DV-02 --month 2026-04 --amount 20000 --paid-on 2026-06-10");
	OK(office, "member transfer DV-02 --to CB-02 --from 2026-07-01");
	SYNC(&t);
	EXPECT_BOTH(0, &t, .code = NULL);
	char *all = office_findings();
	EXPECT(0, "office, every cell", all, .code = NULL);
	free(all);
	OK(office, "export | grep '\"kind\":\"dues\"' | grep '\"member\":\"DV-02\"' | grep '\"month\":\"2026-04\"'");
	CONVERGE(&t);
	FINISH(&t);
}

/*
 * 9. A record for another cell's member that a tablet signed. The store
 * holds CB-02's DV-21 and his March dues before it is enrolled as a CB-01
 * tablet; its first sync sends them. Authentic, so not refused: the sync
 * exits 0, the office keeps them as evidence with OUT_OF_SCOPE, and does not
 * apply them: CB-02's evaluation still misses DV-21's March dues.
 */
static void test_offline__a_record_outside_the_tablets_cell(void)
{
	tablet t;
	begin("s09");
	tablet_init(&t, "CB-01", 1);
	const char *lines = file_of("other-cell.jsonl");
	CU_ASSERT_EQUAL_FATAL(
		bt_test_write(lines,
			      "{\"kind\":\"committee\",\"id\":\"DU\",\"name\":\"Đảng ủy xã Tân Phong\"}\n"
			      "{\"kind\":\"cell\",\"id\":\"CB-02\",\"committee\":\"DU\",\"name\":\"Chi bộ thôn Phú Mỹ\"}\n"
			      "{\"kind\":\"member\",\"id\":\"DV-21\",\"cell\":\"CB-02\",\"name\":\"Phạm Văn Dũng\",\"status\":\"official\",\"role\":\"secretary\",\"joined\":\"2000-01-01\"}\n"
			      "{\"kind\":\"dues\",\"member\":\"DV-21\",\"month\":\"2026-03\",\"amount\":20000,\"paid_on\":\"2026-03-06\"}\n"),
		0);
	OK(t.db, "import '%s'", lines);
	tablet_enroll(&t, "secretary");
	SYNC(&t);
	char *all = office_findings();
	EXPECT(1, "office, every cell", all, .code = "OUT_OF_SCOPE", .member = "DV-21", .date = "2026-03-01"); /* the dues */
	CU_ASSERT(count_findings(all, (match){.code = "OUT_OF_SCOPE"}) >= 1);
	free(all);
	CU_ASSERT_EQUAL(sh("curl -sf -k --pinnedpubkey %s -H @'%s' 'https://127.0.0.1:%d/v1/evaluation?year=" YEAR "&as_of=" AS_OF "&cell=CB-02'", bt_test_pin, auth, port), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"code\":\"DUES_MISSING\",\"member\":\"DV-21\",\"month\":\"2026-03\""));
	/* Kept as evidence, not applied: the office's current records have no such dues. */
	CU_ASSERT_EQUAL(bt(office, "export"), 0);
	CU_ASSERT_PTR_NULL(strstr(out, "\"member\":\"DV-21\",\"month\":\"2026-03\""));
	CONVERGE(&t);
	FINISH(&t);
}

/*
 * 10. Dues against a corrected joined date: the tablet records DV-03's March
 * dues; the office corrects DV-03's joined date to 1 May. The dues are kept
 * and listed NOT_IN_CELL (field "month") on both sides.
 */
static void test_offline__dues_before_a_corrected_joined_date(void)
{
	tablet t;
	begin("s10");
	tablet_new(&t, "CB-01", 1, "secretary");
	OK(t.db, "dues pay --member DV-03 --month 2026-03 --amount 20000 --paid-on 2026-03-06");
	OK(office, "member edit DV-03 --joined 2026-05-01");
	SYNC(&t);
	EXPECT_BOTH(1, &t, .code = "NOT_IN_CELL", .member = "DV-03", .id_part = "dues:DV-03/2026-03", .field = "month", .date = "2026-03-01");
	EXPECT_BOTH(1, &t, .code = NULL);
	CONVERGE(&t);
	FINISH(&t);
}

/*
 * 11. Relayed pulls between two tablets of one cell: A adds DV-05, B (not
 * having it) records July's meeting. Synced B, A, B, A: all go through and
 * UNMARKED_MEMBER DV-05 is listed, identically, on the office, A and B.
 */
static void test_offline__two_tablets_relay_a_new_member(void)
{
	tablet a, b;
	begin("s11");
	tablet_new(&a, "CB-01", 1, "secretary");
	tablet_new(&b, "CB-01", 2, "deputy");
	OK(a.db, "member add --id DV-05 --cell CB-01 --name 'Hoàng Văn Em' --joined 2026-01-01");
	OK(b.db, "meeting record --cell CB-01 --date 2026-07-06 " REGULAR);
	SYNC(&b);
	SYNC(&a);
	SYNC(&b);
	SYNC(&a);
	EXPECT_BOTH(1, &a, .code = "UNMARKED_MEMBER", .member = "DV-05", .id_part = "meeting:CB-01-2026-07-06");
	EXPECT_BOTH(1, &b, .code = "UNMARKED_MEMBER", .member = "DV-05", .id_part = "meeting:CB-01-2026-07-06");
	CONVERGE(&a, &b);
	FINISH(&a, &b);
}

/*
 * 12. A tablet adds a member, the office records a meeting without him: the
 * tablet adds DV-06 (joined 1 January) offline; the office imports July's
 * meeting marking the three it knows; the tablet's sync goes through and
 * UNMARKED_MEMBER DV-06 is listed everywhere.
 */
static void test_offline__office_meeting_without_a_tablets_new_member(void)
{
	tablet t;
	begin("s12");
	tablet_new(&t, "CB-01", 1, "secretary");
	OK(t.db, "member add --id DV-06 --cell CB-01 --name 'Đặng Thị Phương' --joined 2026-01-01");
	const char *line = file_of("meeting.jsonl");
	CU_ASSERT_EQUAL_FATAL(
		bt_test_write(line, "{\"kind\":\"meeting\",\"id\":\"CB-01-2026-07-06\",\"cell\":\"CB-01\",\"date\":\"2026-07-06\",\"start\":\"19:30\","
				    "\"end\":\"21:30\",\"regular\":true,\"thematic\":false,\"prepared\":true,\"resolution\":true,\"minutes\":true,"
				    "\"attendance\":{\"DV-01\":\"present\",\"DV-02\":\"present\",\"DV-03\":\"present\"},\"speakers\":[\"DV-01\"]}\n"),
		0);
	OK(office, "import '%s'", line);
	SYNC(&t);
	EXPECT_BOTH(1, &t, .code = "UNMARKED_MEMBER", .member = "DV-06", .id_part = "meeting:CB-01-2026-07-06");
	EXPECT_BOTH(1, &t, .code = NULL);
	CONVERGE(&t);
	FINISH(&t);
}

/*
 * 13. A tablet adds a member and the office transfers him: DV-07 added on
 * CB-01's tablet and synced, then moved to CB-02 by the office. A CB-02
 * tablet, which cannot read CB-01's tablet's log, syncs the office's records
 * about him without getting stuck; so does CB-01's tablet; both agree with
 * the office on their cells.
 */
static void test_offline__a_tablets_member_transferred_by_the_office(void)
{
	tablet a, c;
	begin("s13");
	tablet_new(&a, "CB-01", 1, "secretary");
	tablet_new(&c, "CB-02", 1, "secretary");
	OK(a.db, "member add --id DV-07 --cell CB-01 --name 'Bùi Văn Giang' --joined 2026-01-01");
	SYNC(&a);
	OK(office, "member transfer DV-07 --to CB-02 --from 2026-07-01");
	SYNC(&c);
	SYNC(&a);
	OK(office, "member list --cell CB-02");
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "DV-07"));
	OK(c.db, "member list --cell CB-02");
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "DV-07"));
	/* The CB-02 tablet goes on working with him. */
	OK(c.db, "meeting record --cell CB-02 --date 2026-07-06 " REGULAR " --spoke DV-07");
	OK(c.db, "dues pay --member DV-21 --month 2026-07 --amount 20000 --paid-on 2026-07-06");
	SYNC(&c);
	EXPECT_BOTH(0, &c, .code = NULL);
	/*
	 * The cells now share DV-07: CB-01's tablet receives what concerns him,
	 * not the rest of CB-02 - not its meeting, not DV-21 (docs/protocol.md,
	 * "What a tablet receives").
	 */
	SYNC(&a);
	OK(a.db, "export");
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "DV-07"));
	CU_ASSERT_PTR_NULL(strstr(out, "DV-21"));
	CU_ASSERT_PTR_NULL(strstr(out, "CB-02-2026-07-06"));
	OK(c.db, "export");
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "CB-02-2026-07-06"));
	CU_ASSERT_PTR_NULL(strstr(out, "\"DV-01\"")); /* and CB-02's tablet nothing of CB-01's other members */
	CONVERGE(&a, &c);
	FINISH(&a, &c);
}

/* An LD_PRELOAD library that moves the clock by $BT_FAKE_OFFSET seconds; 0 when built. */
static int build_clock_shim(const char *so)
{
	const char *src = file_of("clock.c");
	if (bt_test_write(src, "#define _GNU_SOURCE\n"
			       "#include <dlfcn.h>\n#include <stdlib.h>\n#include <sys/time.h>\n#include <time.h>\n"
			       "static long off(void) { const char *e = getenv(\"BT_FAKE_OFFSET\"); return e ? atol(e) : 0; }\n"
			       "int clock_gettime(clockid_t id, struct timespec *ts) {\n"
			       "  static int (*real)(clockid_t, struct timespec *);\n"
			       "  if (!real) real = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, \"clock_gettime\");\n"
			       "  int r = real(id, ts);\n"
			       "  if (r == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE)) ts->tv_sec += off();\n"
			       "  return r;\n}\n"
			       "time_t time(time_t *t) { struct timespec ts; clock_gettime(CLOCK_REALTIME, &ts); if (t) *t = ts.tv_sec; return ts.tv_sec; }\n"
			       "int gettimeofday(struct timeval *tv, void *tz) { struct timespec ts; (void)tz; clock_gettime(CLOCK_REALTIME, &ts);\n"
			       "  if (tv) { tv->tv_sec = ts.tv_sec; tv->tv_usec = ts.tv_nsec / 1000; } return 0; }\n") != 0)
		return -1;
	if (sh("cc -shared -fPIC -o '%s' '%s' -ldl", so, src) != 0)
		return -1;
	/* It works: `date` a day ahead. */
	if (sh("a=$(date +%%s); b=$(LD_PRELOAD='%s' BT_FAKE_OFFSET=86400 date +%%s); test $((b - a)) -ge 86399", so) != 0)
		return -1;
	return 0;
}

/*
 * 14. A tablet's clock off by minutes or days. Requests are numbered, not
 * timed: two syncs in a row both go through, and so does a sync whose clock
 * runs 6 minutes or 3 days ahead or behind, including after the clock was
 * put back (the number keeps rising). The clock is moved for the tablet's
 * processes only, with an LD_PRELOAD library built here (skipped, and said,
 * without a C compiler). A replayed request is not tested here: the suite
 * cannot capture a signed request (sync/ suites test the counter).
 */
static void test_offline__a_tablets_clock_does_not_matter(void)
{
	tablet a, b;
	char so[512], env[1024];
	begin("s14");
	tablet_new(&a, "CB-01", 1, "secretary");
	SYNC(&a);
	SYNC(&a);
	snprintf(so, sizeof(so), "%s", file_of("clock.so"));
	if (build_clock_shim(so) != 0) {
		fprintf(stderr, "\n    [s14] no LD_PRELOAD clock (no C compiler?): only repeated syncs tested\n");
		CONVERGE(&a);
		FINISH(&a);
		return;
	}
	static const long offsets[] = {360, -360, 3 * 86400, 0, -3 * 86400, 0};
	static const char *const months[] = {"2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"};
	for (size_t k = 0; k < sizeof(offsets) / sizeof(offsets[0]); k++) {
		/* ASan wants to be first among the libraries; the clock library only moves time. */
		snprintf(env, sizeof(env), "ASAN_OPTIONS=\"${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0\" LD_PRELOAD='%s' BT_FAKE_OFFSET=%ld",
			 so, offsets[k]);
		int rc = sh("%s '" B "' --db '%s' dues pay --member DV-01 --month %s --amount 20000 --paid-on %s-05", env, a.db, months[k], months[k]);
		CU_ASSERT_EQUAL(rc, 0);
		/* The tablet's clock did move: the record carries its day. */
		char day[16];
		time_t then = time(NULL) + offsets[k];
		strftime(day, sizeof(day), "%Y-%m-%dT", gmtime(&then));
		OK(a.db, "log -n 1 --json");
		CU_ASSERT_PTR_NOT_NULL(strstr(out, day));
		for (int twice = 0; twice < 2; twice++) {
			rc = sh("%s '" B "' --db '%s' sync", env, a.db);
			if (rc != 0)
				fprintf(stderr, "\n    [s14] sync with the clock off by %ld s: exit %d\n      %s%s\n", offsets[k], rc, out, err);
			CU_ASSERT_EQUAL(rc, 0);
		}
	}
	OK(office, "export | grep -c '\"member\":\"DV-01\",\"month\":\"2026-0[1-6]\"'");
	CU_ASSERT_EQUAL(atoi(out), 6);
	/* A tablet enrolled with its clock 3 days behind. */
	tablet_init(&b, "CB-01", 2);
	snprintf(env, sizeof(env), "ASAN_OPTIONS=\"${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0\" LD_PRELOAD='%s' BT_FAKE_OFFSET=%ld", so,
		 -3 * 86400L);
	tablet_enroll_env(&b, "deputy", env);
	CU_ASSERT_EQUAL(sh("%s '" B "' --db '%s' meeting record --cell CB-01 --date 2026-07-06 " REGULAR " && %s '" B "' --db '%s' sync", env, b.db,
			   env, b.db), 0);
	CONVERGE(&a, &b);
	FINISH(&a, &b);
}

/*
 * 15. An old cell's tablet edits a transferred member's name: the office
 * moves DV-02 to CB-02 from 1 July; CB-01's tablet, offline, corrects his
 * name. The sync goes through; the office applies the name, field by field,
 * and keeps his cell: he is listed in CB-02, not in CB-01.
 */
static void test_offline__old_cells_edit_keeps_the_transfer(void)
{
	tablet t;
	begin("s15");
	tablet_new(&t, "CB-01", 1, "secretary");
	OK(office, "member transfer DV-02 --to CB-02 --from 2026-07-01");
	OK(t.db, "member edit DV-02 --name 'Trần Văn Bính'");
	SYNC(&t);
	OK(office, "member list --cell CB-02");
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "DV-02"));
	OK(office, "member list --cell CB-01");
	CU_ASSERT_PTR_NULL(strstr(out, "DV-02"));
	OK(office, "export | grep '\"kind\":\"member\"' | grep '\"id\":\"DV-02\"'");
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "Trần Văn Bính"));
	/* The tablet sees the same. */
	OK(t.db, "member list --cell CB-01");
	CU_ASSERT_PTR_NULL(strstr(out, "DV-02"));
	CONVERGE(&t);
	FINISH(&t);
}

/*
 * 16. Two tablets of one cell correct one meeting concurrently. Different
 * fields (A excuses DV-02, B moves the end to 22:00): both apply
 * everywhere, no CONCURRENT_CHANGE. The same field differently (A 21:45,
 * B 22:15 a second later): the later value counts everywhere and one
 * CONCURRENT_CHANGE finding (field "start/end": the two are checked
 * together), identical everywhere; settled on A, it shows
 * settled everywhere after the syncs and is no longer open.
 */
static void test_offline__concurrent_corrections_of_a_meeting(void)
{
	tablet a, b;
	begin("s16");
	tablet_new(&a, "CB-01", 1, "secretary");
	tablet_new(&b, "CB-01", 2, "deputy");
	OK(a.db, "meeting record --cell CB-01 --date 2026-07-06 " REGULAR " --spoke DV-01");
	SYNC(&a);
	SYNC(&b);
	/* Different fields. */
	OK(a.db, "meeting record --cell CB-01 --date 2026-07-06 --correct --excused DV-02");
	OK(b.db, "correct meeting CB-01-2026-07-06 end=22:00");
	SYNC(&a);
	SYNC(&b);
	SYNC(&a);
	const char *stores[3] = {office, a.db, b.db};
	for (int i = 0; i < 3; i++) {
		OK(stores[i], "export | grep '\"id\":\"CB-01-2026-07-06\"'");
		CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"DV-02\":\"excused\""));
		CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"end\":\"22:00\""));
	}
	EXPECT_BOTH(0, &a, .code = "CONCURRENT_CHANGE");
	EXPECT_BOTH(0, &b, .code = "CONCURRENT_CHANGE");
	CONVERGE(&a, &b);
	/* The same field. */
	OK(a.db, "correct meeting CB-01-2026-07-06 end=21:45");
	sleep(1); /* a later timestamp */
	OK(b.db, "correct meeting CB-01-2026-07-06 end=22:15");
	SYNC(&a);
	SYNC(&b);
	SYNC(&a);
	for (int i = 0; i < 3; i++) {
		OK(stores[i], "export | grep '\"id\":\"CB-01-2026-07-06\"'");
		CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"end\":\"22:15\""));
		CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"DV-02\":\"excused\""));
	}
	/* start and end are one field: the end must come after the start. */
	EXPECT_BOTH(1, &a, .code = "CONCURRENT_CHANGE", .id_part = "meeting:CB-01-2026-07-06", .field = "start/end");
	EXPECT_BOTH(1, &b, .code = "CONCURRENT_CHANGE");
	CONVERGE(&a, &b);
	/* Settled on A by the short id `findings` shows in brackets. */
	OK(a.db, "findings --cell CB-01");
	char sid[32] = "";
	const char *p = strstr(out, "] CONCURRENT_CHANGE");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	const char *q = p;
	while (q > out && q[-1] != '[')
		q--;
	CU_ASSERT_FATAL(q > out && p - q > 0 && p - q < (long)sizeof(sid));
	memcpy(sid, q, (size_t)(p - q));
	sid[p - q] = '\0';
	OK(a.db, "settle %s --note 'Giữ 22:15 theo biên bản'", sid);
	CONVERGE(&a, &b);
	for (int i = 0; i < 3; i++) {
		char *open = findings_of(stores[i], "CB-01", 0), *all = findings_of(stores[i], "CB-01", 1);
		EXPECT(0, stores[i], open, .code = "CONCURRENT_CHANGE");
		EXPECT(1, stores[i], all, .code = "CONCURRENT_CHANGE", .field = "start/end", .settled = 1);
		free(open);
		free(all);
	}
	FINISH(&a, &b);
}

/*
 * 17. Many tablets each bring an out-of-scope version of one record: eight
 * CB-01 tablets whose stores were given the commune's committee line before
 * they were enrolled (a setup mistake, nothing malicious). Each first sync
 * goes through, the office keeps every version as evidence with its own
 * OUT_OF_SCOPE finding in CB-01, keeps serving, and the committee stays the
 * office's. Eight is what it takes for one fold at the office to meet more
 * logs (the office and eight tablets) than fit its first table of device
 * scopes.
 */
static void test_offline__many_tablets_out_of_scope_on_one_record(void)
{
	enum { N = 8 };
	tablet t[N];
	char line[512];
	begin("s17");
	snprintf(line, sizeof(line), "%s", file_of("committee.jsonl")); /* file_of's buffers rotate */
	CU_ASSERT_EQUAL_FATAL(bt_test_write(line, "{\"kind\":\"committee\",\"id\":\"DU\",\"name\":\"Đảng ủy xã Tân Phong\"}\n"), 0);
	for (int i = 0; i < N; i++) {
		char code[32];
		tablet_init(&t[i], "CB-01", i + 1);
		OK(t[i].db, "import '%s'", line);
		code_for(code, "CB-01", i ? "deputy" : "secretary");
		expect_at(__LINE__, 0, t[i].db, "enroll --server https://127.0.0.1:%d --code %s", port, code);
	}
	/* The office still serves (its log says why when not). */
	int status;
	if (waitpid(server, &status, WNOHANG) == server) {
		server = -1;
		CU_FAIL("the office's server died");
		if (sh("grep -m1 -A6 'ERROR: AddressSanitizer' '%s' || tail -5 '%s'", file_of("serve.log"), file_of("serve.log")) >= 0)
			fprintf(stderr, "\n    [s17] the office's server died:\n%s\n", out);
		return;
	}
	for (int i = 0; i < N; i++)
		SYNC(&t[i]);
	char *f = findings_of(office, "CB-01", 0);
	EXPECT(N, "office", f, .code = "OUT_OF_SCOPE");
	for (int i = 0; i < N; i++) {
		char ref[64];
		snprintf(ref, sizeof(ref), "OUT_OF_SCOPE|%s#1", t[i].log);
		EXPECT(1, "office", f, .code = "OUT_OF_SCOPE", .id_part = ref);
	}
	free(f);
	CONVERGE(&t[0], &t[N - 1]);
	FINISH(&t[0], &t[N - 1]);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{"1 transfer out while offline", test_offline__transfer_out_while_offline},
		{"2 transfer in while offline", test_offline__transfer_in_while_offline},
		{"3 member added at the office", test_offline__member_added_at_the_office},
		{"4 member left while offline", test_offline__member_left_while_offline},
		{"5 retroactive transfer and a correction", test_offline__retroactive_transfer_and_a_correction},
		{"6 cell split while offline", test_offline__cell_split_while_offline},
		{"7 dues month after a transfer", test_offline__dues_month_after_a_transfer},
		{"8 old dues before a transfer", test_offline__old_dues_before_a_transfer},
		{"9 a record outside the tablet's cell", test_offline__a_record_outside_the_tablets_cell},
		{"10 dues before a corrected joined date", test_offline__dues_before_a_corrected_joined_date},
		{"11 two tablets relay a new member", test_offline__two_tablets_relay_a_new_member},
		{"12 office meeting without a tablet's new member", test_offline__office_meeting_without_a_tablets_new_member},
		{"13 a tablet's member transferred by the office", test_offline__a_tablets_member_transferred_by_the_office},
		{"14 a tablet's clock does not matter", test_offline__a_tablets_clock_does_not_matter},
		{"15 old cell's edit keeps the transfer", test_offline__old_cells_edit_keeps_the_transfer},
		{"16 concurrent corrections of a meeting", test_offline__concurrent_corrections_of_a_meeting},
		{"17 many tablets out of scope on one record", test_offline__many_tablets_out_of_scope_on_one_record},
		CU_TEST_INFO_NULL};
	int rc = bt_test_run("offline", tests);
	if (server > 0)
		bt_test_stop(server); /* a story stopped half-way */
	free(out);
	free(err);
	return rc;
}
