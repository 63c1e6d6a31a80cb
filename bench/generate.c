/*
 * generate.c - deterministic workload generator (see generate.h).
 *
 * Realistic mode draws a commune: cells of villages with Vietnamese names,
 * members with names, birth and join dates, a few exempt for age or illness,
 * a regular meeting each month on the first working day from the 5th (the
 * quarter's thematic meeting held together with the third month's regular
 * one), attendance, speakers, dues, targets, commitments, attestations and a
 * realistic sprinkling of lapses: a meeting held late or skipped, a short
 * meeting, unexcused absences, unpaid months, an unfulfilled commitment, a
 * missing residence attestation, rarely a discipline decision.
 * Uniform mode (the benchmark): every member attends and pays every month.
 */
#include "generate.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t next(uint64_t *s)
{
	/* splitmix64 */
	uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static int pick(uint64_t *s, int n) { return (int)(next(s) % (uint64_t)n); }
/* true with probability per_mille / 1000 */
static int chance(uint64_t *s, int per_mille) { return pick(s, 1000) < per_mille; }

static const char *const family[] = {"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ",
				     "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Đào"};
static const char *const middle_m[] = {"Văn", "Hữu", "Đức", "Minh", "Quang", "Xuân", "Công", "Đình", "Bá", "Tiến"};
static const char *const middle_f[] = {"Thị", "Thị", "Ngọc", "Thu", "Thanh", "Hồng", "Kim", "Phương"};
static const char *const given_m[] = {"An", "Bình", "Cường", "Dũng", "Đông", "Đạt", "Hải", "Hiếu", "Hùng",
				      "Khánh", "Long", "Nam", "Phong", "Phúc", "Quân", "Sơn", "Thắng", "Trung",
				      "Tuấn", "Việt", "Vinh", "Ân", "Định", "Lộc"};
static const char *const given_f[] = {"Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh",
				      "Loan", "Mai", "Nga", "Ngân", "Oanh", "Phượng", "Tâm", "Thảo", "Trang", "Vân",
				      "Yến", "Ánh", "Ước", "Ngọc"};
static const char *const villages[] = {"Phú Lộc", "An Bình", "Đông Hải", "Tân Lập", "Hòa Bình", "Thượng Đồng",
				       "Hạ Đồng", "Đại Đồng", "Cẩm Vũ", "Lương Xá", "Mỹ Xá", "Văn Thai",
				       "Quý Dương", "Ngọc Lâm", "Đức Phong", "Tràng Kỹ", "Kim Đôi", "Phượng Hoàng"};
static const char *const target_titles[] = {
	"Hoàn thành 100% kế hoạch thu ngân sách được giao", "Tỷ lệ hộ gia đình văn hóa đạt 90% trở lên",
	"Giữ vững danh hiệu khu dân cư an toàn về an ninh trật tự", "Kết nạp ít nhất 01 đảng viên mới",
	"Hoàn thành chỉ tiêu tuyển quân", "Xây dựng thêm 1 km đường giao thông nông thôn"};
static const char *const commitment_titles[] = {
	"Gương mẫu đi đầu trong phong trào xây dựng nông thôn mới", "Vận động gia đình, dòng họ chấp hành pháp luật",
	"Tích cực học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh",
	"Tham gia đầy đủ các phong trào thi đua của thôn"};

typedef struct {
	char id[32];
	char name[96];
	bt_date joined;
	int exempt;
	int lapse_dues;   /* a member who skips some dues */
	int lapse_absent; /* a member who misses a meeting without reason */
	int quiet;        /* never speaks */
} gen_member;

typedef struct {
	int (*emit)(const char *, size_t, void *);
	void *payload;
	char line[16384];
	int err;
} out_ctx;

static void emit(out_ctx *o, const char *fmt, ...) BT_PRINTF(2, 3);
static void emit(out_ctx *o, const char *fmt, ...)
{
	va_list ap;
	if (o->err)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(o->line, sizeof(o->line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(o->line)) {
		o->err = BT_ENOMEM;
		return;
	}
	o->err = o->emit(o->line, (size_t)n, o->payload);
}

static void date_str(char *out, bt_date d) { bt_date_format(out, d); }

static bt_date first_working_from(bt_calendar *cal, bt_date d)
{
	while (!bt_calendar_is_working(cal, d))
		d++;
	return d;
}

int gen_commune(const gen_opts *g, int (*emit_cb)(const char *, size_t, void *), void *payload)
{
	out_ctx o = {emit_cb, payload, {0}, 0};
	uint64_t rng = g->seed * 2654435761u + 12345;
	bt_calendar *cal = NULL;
	gen_member *members = NULL;
	const bt_date until = g->until == BT_DATE_NONE ? bt_date_from_ymd(g->year, 12, 31) : g->until;
	char d1[BT_DATE_STR_BYTES], d2[BT_DATE_STR_BYTES];

	if (bt_calendar_new(&cal) < 0)
		return BT_ENOMEM;
	if (!(members = calloc((size_t)g->max_members + 1, sizeof(*members)))) {
		bt_calendar_free(cal);
		return BT_ENOMEM;
	}
	emit(&o, "{\"kind\":\"committee\",\"id\":\"DU-01\",\"name\":\"Đảng ủy xã Tân Phong\"}");
	for (int c = 0; c < g->cells && !o.err; c++) {
		char cell[16];
		int n = g->min_members + (g->max_members > g->min_members ? pick(&rng, g->max_members - g->min_members + 1) : 0);
		/* A cell's habits: most are diligent, some are not. */
		int sloppy = g->realistic && chance(&rng, 250);
		snprintf(cell, sizeof(cell), "CB-%04d", c + 1);
		if (g->cells <= (int)(sizeof(villages) / sizeof(villages[0])))
			emit(&o, "{\"kind\":\"cell\",\"id\":\"%s\",\"committee\":\"DU-01\",\"name\":\"Chi bộ thôn %s\"}", cell,
			     villages[c]);
		else
			emit(&o, "{\"kind\":\"cell\",\"id\":\"%s\",\"committee\":\"DU-01\",\"name\":\"Chi bộ thôn %s %d\"}",
			     cell, villages[c % 18], c / 18 + 1);

		for (int k = 0; k < n; k++) {
			gen_member *m = &members[k];
			int female = chance(&rng, 400);
			int age = 25 + pick(&rng, 60);
			int party_years = 1 + pick(&rng, age - 22 > 1 ? age - 22 : 1);
			snprintf(m->id, sizeof(m->id), "DV-%04d-%02d", c + 1, k + 1);
			snprintf(m->name, sizeof(m->name), "%s %s %s", family[pick(&rng, 18)],
				 female ? middle_f[pick(&rng, 8)] : middle_m[pick(&rng, 10)],
				 female ? given_f[pick(&rng, 24)] : given_m[pick(&rng, 24)]);
			bt_date born = bt_date_from_ymd(g->year - age, 1 + pick(&rng, 12), 1 + pick(&rng, 28));
			m->joined = bt_date_from_ymd(g->year - party_years, 1 + pick(&rng, 12), 1 + pick(&rng, 28));
			int probationary = 0;
			if (g->realistic && chance(&rng, 40)) {
				/* joined this year */
				m->joined = bt_date_from_ymd(g->year, 2 + pick(&rng, 8), 1 + pick(&rng, 28));
				probationary = 1;
			}
			m->exempt = g->realistic && age >= 75 && chance(&rng, 600);
			m->lapse_dues = g->realistic && chance(&rng, sloppy ? 150 : 25);
			m->lapse_absent = g->realistic && chance(&rng, sloppy ? 80 : 10);
			m->quiet = g->realistic && chance(&rng, 60);
			if (m->joined > until) {
				m->joined = until; /* keep the member visible in a shortened year */
			}
			date_str(d1, born);
			date_str(d2, m->joined);
			emit(&o,
			     "{\"kind\":\"member\",\"id\":\"%s\",\"cell\":\"%s\",\"name\":\"%s\",\"born\":\"%s\","
			     "\"status\":\"%s\",\"role\":\"%s\",\"joined\":\"%s\",\"left\":null}",
			     m->id, cell, m->name, d1, probationary ? "probationary" : "official",
			     k == 0 ? "secretary" : k == 1 ? "deputy" : k < 4 ? "committee" : "member", d2);
			if (m->exempt)
				emit(&o, "{\"kind\":\"exemption\",\"member\":\"%s\",\"from\":\"%d-01-01\",\"to\":null,"
					 "\"reason\":\"tuổi cao, sức yếu\"}",
				     m->id, g->year - 1 - pick(&rng, 5));
		}
		if (!g->realistic || !chance(&rng, 60))
			emit(&o, "{\"kind\":\"regulation\",\"cell\":\"%s\",\"issued\":\"%d-01-15\"}", cell,
			     g->year - 1 - pick(&rng, 3));
		int n_targets = 3;
		for (int t = 0; t < n_targets; t++) {
			int done = !g->realistic || !chance(&rng, sloppy ? 200 : 40);
			emit(&o, "{\"kind\":\"target\",\"id\":\"T-%04d-%d-%d\",\"cell\":\"%s\",\"year\":%d,\"title\":\"%s\",\"done\":%s}",
			     c + 1, g->year, t + 1, cell, g->year, target_titles[(c + t) % 6], until >= bt_date_from_ymd(g->year, 12, 31) ? (done ? "true" : "false") : "null");
		}

		/* Meetings, one a month; the quarter's thematic meeting joins the third month's regular one. */
		int absent_streak_member = -1;
		for (int mo = 1; mo <= 12 && !o.err; mo++) {
			bt_date day = first_working_from(cal, bt_date_from_ymd(g->year, mo, 5 + (g->realistic ? pick(&rng, 3) : 0)));
			int thematic = mo % 3 == 0;
			if (g->realistic && sloppy && chance(&rng, 60))
				continue; /* skipped this month */
			if (g->realistic && sloppy && chance(&rng, 80))
				day = first_working_from(cal, bt_date_from_ymd(g->year, mo, 14)); /* held late */
			if (day > until)
				break;
			int start = 19 * 60 + 30, len = thematic ? 125 : 100;
			if (g->realistic && chance(&rng, sloppy ? 120 : 15))
				len = 70 + pick(&rng, 15);
			char att[8192], spk[4096];
			size_t ap = 0, sp = 0;
			int first_a = 1, first_s = 1, present = 0;
			att[0] = spk[0] = '\0';
			for (int k = 0; k < n; k++) {
				gen_member *m = &members[k];
				if (m->joined > day || m->exempt)
					continue;
				const char *st = "present";
				if (g->realistic) {
					if (m->lapse_absent && chance(&rng, 120))
						st = "absent";
					else if (chance(&rng, 30))
						st = "excused";
					if (k == absent_streak_member)
						st = "excused";
				}
				ap += (size_t)snprintf(att + ap, sizeof(att) - ap, "%s\"%s\":\"%s\"", first_a ? "" : ",", m->id, st);
				first_a = 0;
				if (strcmp(st, "present") == 0) {
					present++;
					int speaks = !m->quiet && (k < 2 || chance(&rng, g->realistic ? 500 : 400));
					if (speaks) {
						sp += (size_t)snprintf(spk + sp, sizeof(spk) - sp, "%s\"%s\"", first_s ? "" : ",", m->id);
						first_s = 0;
					}
				}
			}
			/* One cell in twelve has a member sick for a whole season. */
			if (g->realistic && c % 12 == 5 && mo == 4)
				absent_streak_member = n - 1;
			if (mo == 7)
				absent_streak_member = -1;
			int prepared = !g->realistic || !chance(&rng, sloppy ? 100 : 10);
			int resolution = !g->realistic || !chance(&rng, sloppy ? 80 : 8);
			int minutes = !g->realistic || !chance(&rng, sloppy ? 50 : 5);
			date_str(d1, day);
			emit(&o,
			     "{\"kind\":\"meeting\",\"id\":\"M-%04d-%d-%02d\",\"cell\":\"%s\",\"date\":\"%s\",\"start\":\"%02d:%02d\","
			     "\"end\":\"%02d:%02d\",\"regular\":true,\"thematic\":%s,\"prepared\":%s,\"resolution\":%s,"
			     "\"minutes\":%s,\"attendance\":{%s},\"speakers\":[%s]}",
			     c + 1, g->year, mo, cell, d1, start / 60, start % 60, (start + len) / 60, (start + len) % 60,
			     thematic ? "true" : "false", prepared ? "true" : "false", resolution ? "true" : "false",
			     minutes ? "true" : "false", att, spk);
			/* Dues, collected at the meeting. */
			for (int k = 0; k < n; k++) {
				gen_member *m = &members[k];
				if (bt_month_of(m->joined) > g->year * 12 + mo - 1)
					continue;
				if (m->lapse_dues && chance(&rng, 250))
					continue;
				emit(&o, "{\"kind\":\"dues\",\"member\":\"%s\",\"month\":\"%d-%02d\",\"amount\":%d,\"paid_on\":\"%s\"}",
				     m->id, g->year, mo, m->exempt ? 10000 : 20000 + 5000 * pick(&rng, 3), d1);
			}
		}
		/* Commitments, attestations, discipline. */
		for (int k = 0; k < n && !o.err; k++) {
			gen_member *m = &members[k];
			if (m->exempt)
				continue;
			if (!g->realistic || !chance(&rng, 30)) {
				int ok = !g->realistic || !chance(&rng, 40);
				emit(&o, "{\"kind\":\"commitment\",\"id\":\"C-%s-%d\",\"member\":\"%s\",\"year\":%d,\"title\":\"%s\",\"fulfilled\":%s}",
				     m->id, g->year, m->id, g->year, commitment_titles[pick(&rng, 4)],
				     until >= bt_date_from_ymd(g->year, 12, 31) ? (ok ? "true" : "false") : "null");
			}
			if (!g->realistic || !chance(&rng, 40)) {
				int pass = !g->realistic || !chance(&rng, 10);
				emit(&o, "{\"kind\":\"attestation\",\"subject\":\"%s\",\"year\":%d,\"criterion\":\"2.4\",\"pass\":%s,"
					 "\"note\":\"%s\"}",
				     m->id, g->year, pass ? "true" : "false",
				     pass ? "Chi hội nơi cư trú nhận xét tốt" : "Nơi cư trú phản ánh chưa gương mẫu");
			}
			if (g->realistic && chance(&rng, 4)) {
				bt_date dd = bt_date_from_ymd(g->year, 3 + pick(&rng, 6), 1 + pick(&rng, 28));
				if (dd <= until) {
					date_str(d1, dd);
					emit(&o, "{\"kind\":\"discipline\",\"member\":\"%s\",\"date\":\"%s\",\"form\":\"khiển trách\"}",
					     m->id, d1);
				}
			}
		}
	}
	free(members);
	bt_calendar_free(cal);
	return o.err;
}
