/*
 * test_eval.c - every rule and boundary of the evaluation and its JSON
 * output (docs/evaluation.md), on small hand-built cells.
 *
 * The fixture is a "perfect" cell for 2025: members M01..Mnn who joined long
 * ago, a regular meeting each month on the first working day from the 5th
 * (19:30-21:30, everyone present, everyone speaks; thematic in the last month
 * of each quarter), dues every month, a done target, a regulation, a
 * fulfilled commitment and a positive 2.4 attestation for each member. Each
 * test removes or changes one thing and checks exactly what fails.
 */
#include "support.h"

#include <stdlib.h>
#include <string.h>

#define YEAR 2025

static bt_date D(const char *s)
{
	bt_date d = 0;
	CU_ASSERT_FATAL(bt_date_parse(&d, s, strlen(s)) == 0);
	return d;
}

typedef struct {
	int members;
	int skip_month;    /* 0 none: leave this month's meeting to the test */
	int skip_dues;     /* leave out all dues */
	int skip_targets, skip_regulation, skip_commitments, skip_attestations;
} fx_opts;

static void member_line(bt_test_records *rs, int k, const char *joined, const char *left)
{
	bt_test_add(rs,
		    "{\"kind\":\"member\",\"id\":\"M%02d\",\"cell\":\"CB\",\"name\":\"Đảng viên %d\",\"status\":\"official\","
		    "\"role\":\"member\",\"joined\":\"%s\",\"left\":%s%s%s}",
		    k, k, joined, left ? "\"" : "", left ? left : "null", left ? "\"" : "");
}

/* Attendance of members 1..n, all present except the listed overrides ("M03:excused,M04:absent"). */
static void attendance(char *out, size_t size, int first, int n, const char *overrides)
{
	size_t p = 0;
	out[0] = '\0';
	for (int k = first; k <= n; k++) {
		/* Room for any int: "M", a sign and 10 digits; the key adds a colon. */
		char id[16], key[sizeof(id) + 1];
		const char *st = "present";
		snprintf(id, sizeof(id), "M%02d", k);
		snprintf(key, sizeof(key), "%s:", id);
		const char *o = overrides ? strstr(overrides, key) : NULL;
		if (o) {
			o += strlen(key);
			st = strncmp(o, "excused", 7) == 0 ? "excused" : strncmp(o, "absent", 6) == 0 ? "absent" : "skip";
		}
		if (strcmp(st, "skip") == 0)
			continue;
		p += (size_t)snprintf(out + p, size - p, "%s\"%s\":\"%s\"", p ? "," : "", id, st);
	}
}

static void speakers_list(char *out, size_t size, int first, int n, const char *overrides)
{
	size_t p = 0;
	out[0] = '\0';
	for (int k = first; k <= n; k++) {
		char key[16];
		snprintf(key, sizeof(key), "M%02d:", k);
		if (overrides && strstr(overrides, key))
			continue;
		p += (size_t)snprintf(out + p, size - p, "%s\"M%02d\"", p ? "," : "", k);
	}
}

static void meeting(bt_test_records *rs, const char *id, const char *date, const char *start, const char *end,
		    int regular, int thematic, const char *att, const char *spk, const char *flags)
{
	bt_test_add(rs,
		    "{\"kind\":\"meeting\",\"id\":\"%s\",\"cell\":\"CB\",\"date\":\"%s\",\"start\":\"%s\",\"end\":\"%s\","
		    "\"regular\":%s,\"thematic\":%s,%s\"attendance\":{%s},\"speakers\":[%s]}",
		    id, date, start, end, regular ? "true" : "false", thematic ? "true" : "false",
		    flags ? flags : "\"prepared\":true,\"resolution\":true,\"minutes\":true,", att, spk);
}

static bt_calendar *cal;

static void fixture(bt_test_records *rs, const fx_opts *o)
{
	bt_test_add(rs, "{\"kind\":\"committee\",\"id\":\"DU\",\"name\":\"Đảng ủy xã\"}");
	bt_test_add(rs, "{\"kind\":\"cell\",\"id\":\"CB\",\"committee\":\"DU\",\"name\":\"Chi bộ thôn Thử\"}");
	for (int k = 1; k <= o->members; k++)
		member_line(rs, k, "2000-01-01", NULL);
	if (!o->skip_regulation)
		bt_test_add(rs, "{\"kind\":\"regulation\",\"cell\":\"CB\",\"issued\":\"2024-01-15\"}");
	if (!o->skip_targets)
		bt_test_add(rs, "{\"kind\":\"target\",\"id\":\"T1\",\"cell\":\"CB\",\"year\":%d,\"title\":\"Chỉ tiêu\",\"done\":true}",
			    YEAR);
	for (int m = 1; m <= 12; m++) {
		char id[32], date[BT_DATE_STR_BYTES], att[4096], spk[2048];
		bt_date d = bt_date_from_ymd(YEAR, m, 5);
		while (!bt_calendar_is_working(cal, d))
			d++;
		bt_date_format(date, d);
		if (m != o->skip_month) {
			snprintf(id, sizeof(id), "MT-%02d", m);
			attendance(att, sizeof(att), 1, o->members, NULL);
			speakers_list(spk, sizeof(spk), 1, o->members, NULL);
			meeting(rs, id, date, "19:30", "21:30", 1, m % 3 == 0, att, spk, NULL);
		}
		for (int k = 1; k <= o->members && !o->skip_dues; k++)
			bt_test_add(rs, "{\"kind\":\"dues\",\"member\":\"M%02d\",\"month\":\"%d-%02d\",\"amount\":20000,\"paid_on\":\"%s\"}",
				    k, YEAR, m, date);
	}
	for (int k = 1; k <= o->members; k++) {
		if (!o->skip_commitments)
			bt_test_add(rs, "{\"kind\":\"commitment\",\"id\":\"C%02d\",\"member\":\"M%02d\",\"year\":%d,\"title\":\"Nêu gương\",\"fulfilled\":true}",
				    k, k, YEAR);
		if (!o->skip_attestations)
			bt_test_add(rs, "{\"kind\":\"attestation\",\"subject\":\"M%02d\",\"year\":%d,\"criterion\":\"2.4\",\"pass\":true}",
				    k, YEAR);
	}
}

static bt_cell_result *eval_at(bt_test_records *rs, const char *as_of, const bt_rules *rules)
{
	bt_cell_result *r = NULL;
	bt_eval_opts o = BT_EVAL_OPTS_INIT;
	o.year = YEAR;
	o.as_of = as_of ? D(as_of) : BT_DATE_NONE;
	o.rules = rules;
	o.calendar = cal;
	CU_ASSERT_EQUAL_FATAL(bt_eval_cell(&r, (const bt_record *const *)rs->v, rs->n, "CB", &o), 0);
	return r;
}

/* Count reasons with this code (and, when not NULL, this meeting / member / value) in a criterion. */
static int count(const bt_criterion_result *c, bt_reason_code code, const char *meeting, const char *member,
		 const char *value)
{
	int n = 0;
	for (size_t i = 0; i < c->n_reasons; i++) {
		const bt_reason *r = &c->reasons[i];
		if (r->code == code && (!meeting || strcmp(r->meeting, meeting) == 0) &&
		    (!member || strcmp(r->member, member) == 0) && (!value || strcmp(r->value, value) == 0))
			n++;
	}
	return n;
}

static const bt_member_result *member(const bt_cell_result *r, const char *id)
{
	for (size_t k = 0; k < r->n_members; k++)
		if (strcmp(r->members[k].id, id) == 0)
			return &r->members[k];
	CU_FAIL_FATAL("member not in result");
	return NULL;
}

static void test_eval__perfect_cell_is_four_good(void)
{
	bt_test_records rs = {0};
	fx_opts o = {.members = 10};
	fixture(&rs, &o);
	bt_cell_result *r = eval_at(&rs, NULL, NULL);
	for (int i = 0; i < 4; i++) {
		CU_ASSERT_TRUE(r->crit[i].pass);
		CU_ASSERT_EQUAL(r->crit[i].n_reasons, 0);
	}
	CU_ASSERT_TRUE(r->four_good);
	CU_ASSERT_EQUAL(r->members_evaluated, 10);
	CU_ASSERT_EQUAL(r->members_four_good, 10);
	bt_cell_result_free(r);
	bt_test_records_free(&rs);
}

/* 20 required, 17 present passes (85% exactly); 16 fails with "16/20". */
static void test_eval__attendance_85_percent_exactly_passes(void)
{
	for (int excused = 3; excused <= 4; excused++) {
		bt_test_records rs = {0};
		fx_opts o = {.members = 20, .skip_month = 2};
		char att[4096], spk[2048], ov[256] = "";
		fixture(&rs, &o);
		for (int k = 1; k <= excused; k++)
			snprintf(ov + strlen(ov), sizeof(ov) - strlen(ov), "M%02d:excused,", 20 - k + 1);
		attendance(att, sizeof(att), 1, 20, ov);
		speakers_list(spk, sizeof(spk), 1, 20, ov);
		meeting(&rs, "FEB", "2025-02-05", "19:30", "21:30", 1, 0, att, spk, NULL);
		bt_cell_result *r = eval_at(&rs, NULL, NULL);
		if (excused == 3) {
			CU_ASSERT_EQUAL(count(&r->crit[1], BT_R_ATTENDANCE_BELOW_MIN, NULL, NULL, NULL), 0);
		} else {
			CU_ASSERT_EQUAL(count(&r->crit[1], BT_R_ATTENDANCE_BELOW_MIN, "FEB", NULL, "16/20"), 1);
			CU_ASSERT_FALSE(r->crit[1].pass);
		}
		bt_cell_result_free(r);
		bt_test_records_free(&rs);
	}
}

static void test_eval__duration_90_minutes_passes_89_fails(void)
{
	const char *ends[2] = {"21:00", "20:59"};
	for (int i = 0; i < 2; i++) {
		bt_test_records rs = {0};
		fx_opts o = {.members = 6, .skip_month = 2};
		char att[1024], spk[512];
		fixture(&rs, &o);
		attendance(att, sizeof(att), 1, 6, NULL);
		speakers_list(spk, sizeof(spk), 1, 6, NULL);
		meeting(&rs, "FEB", "2025-02-05", "19:30", ends[i], 1, 0, att, spk, NULL);
		bt_cell_result *r = eval_at(&rs, NULL, NULL);
		CU_ASSERT_EQUAL(count(&r->crit[1], BT_R_DURATION_TOO_SHORT, "FEB", NULL, i ? "89/90" : NULL), i);
		CU_ASSERT_EQUAL(r->crit[1].pass, !i);
		bt_cell_result_free(r);
		bt_test_records_free(&rs);
	}
}

/* HD 42 (a second rule set, chosen explicitly): regular + thematic needs 120 minutes. */
static void test_eval__hd42_requires_120_minutes_when_regular_and_thematic(void)
{
	bt_test_records rs = {0};
	fx_opts o = {.members = 6, .skip_month = 3};
	char att[1024], spk[512];
	bt_rules hd42, kh;
	CU_ASSERT_EQUAL_FATAL(bt_rules_builtin(&hd42, "HD42-2025"), 0);
	CU_ASSERT_EQUAL_FATAL(bt_rules_builtin(&kh, "KH-2023"), 0);
	fixture(&rs, &o);
	attendance(att, sizeof(att), 1, 6, NULL);
	speakers_list(spk, sizeof(spk), 1, 6, NULL);
	meeting(&rs, "MAR", "2025-03-05", "19:30", "21:10", 1, 1, att, spk, NULL);
	bt_cell_result *r = eval_at(&rs, NULL, &kh);
	CU_ASSERT_TRUE(r->crit[1].pass);
	bt_cell_result_free(r);
	r = eval_at(&rs, NULL, &hd42);
	CU_ASSERT_EQUAL(count(&r->crit[1], BT_R_DURATION_TOO_SHORT, "MAR", NULL, "100/120"), 1);
	/* The other meetings of the fixture last 120 minutes: they pass. */
	CU_ASSERT_EQUAL(r->crit[1].n_reasons, 1);
	bt_cell_result_free(r);
	/* The JSON names the rule set. */
	bt_buf b;
	bt_buf_init(&b, 0);
	CU_ASSERT_EQUAL(bt_eval_json_head(&b, YEAR, D("2025-12-31"), &hd42), 0);
	CU_ASSERT_STRING_EQUAL(b.data, "{\"year\":2025,\"as_of\":\"2025-12-31\",\"rules\":\"HD42-2025.1\",\"cells\":[");
	bt_buf_free(&b);
	bt_test_records_free(&rs);
}

/* Excused from 2 meetings in a row passes, 3 fails; a meeting present in between resets the count. */
static void test_eval__consecutive_excused_two_pass_three_fail(void)
{
	const char *patterns[3] = {"EE.", "EEE", "EPEE"};
	const int expect[3] = {0, 1, 0};
	for (int p = 0; p < 3; p++) {
		bt_test_records rs = {0};
		fx_opts o = {.members = 10};
		fixture(&rs, &o);
		/* Drop MT-01..MT-04 from the fixture and add our own. */
		size_t k = 0;
		for (size_t i = 0; i < rs.n; i++) {
			bt_record *r = rs.v[i];
			if (r->kind == BT_KIND_MEETING && strcmp(r->id, "MT-05") < 0) {
				bt_record_free(r);
				continue;
			}
			rs.v[k++] = r;
		}
		rs.n = k;
		const char *dates[4] = {"2025-01-06", "2025-02-05", "2025-03-05", "2025-04-07"};
		for (int m = 0; m < 4; m++) {
			char att[1024], spk[512], ov[32] = "", id[16];
			char c = patterns[p][m];
			if (c == 0)
				c = '.';
			if (c == 'E')
				snprintf(ov, sizeof(ov), "M10:excused");
			attendance(att, sizeof(att), 1, 10, ov);
			speakers_list(spk, sizeof(spk), 1, 10, "M10:");
			snprintf(id, sizeof(id), "X-%d", m + 1);
			meeting(&rs, id, dates[m], "19:30", "21:30", 1, m == 2, att, spk, NULL);
		}
		bt_cell_result *r = eval_at(&rs, NULL, NULL);
		CU_ASSERT_EQUAL(count(&r->crit[1], BT_R_CONSECUTIVE_EXCUSED_ABSENCES, NULL, "M10", NULL), expect[p]);
		CU_ASSERT_EQUAL(count(&member(r, "M10")->crit[2], BT_R_CONSECUTIVE_EXCUSED_ABSENCES, p == 1 ? "X-3" : NULL, "M10", NULL),
				expect[p]);
		CU_ASSERT_EQUAL(member(r, "M10")->crit[2].pass, !expect[p]);
		bt_cell_result_free(r);
		bt_test_records_free(&rs);
	}
}

static void test_eval__unexcused_absence_fails_cell_and_member(void)
{
	bt_test_records rs = {0};
	fx_opts o = {.members = 10, .skip_month = 2};
	char att[1024], spk[512];
	fixture(&rs, &o);
	attendance(att, sizeof(att), 1, 10, "M07:absent");
	speakers_list(spk, sizeof(spk), 1, 10, "M07:");
	meeting(&rs, "FEB", "2025-02-05", "19:30", "21:30", 1, 0, att, spk, NULL);
	bt_cell_result *r = eval_at(&rs, NULL, NULL);
	CU_ASSERT_EQUAL(count(&r->crit[1], BT_R_UNEXCUSED_ABSENCE, "FEB", "M07", NULL), 1);
	CU_ASSERT_FALSE(r->crit[1].pass);
	CU_ASSERT_EQUAL(count(&member(r, "M07")->crit[2], BT_R_UNEXCUSED_ABSENCE, "FEB", "M07", NULL), 1);
	CU_ASSERT_FALSE(member(r, "M07")->four_good);
	CU_ASSERT_TRUE(member(r, "M06")->four_good);
	bt_cell_result_free(r);
	bt_test_records_free(&rs);
}

/* 30 present: 10 speakers pass (a third), 9 fail. */
static void test_eval__speakers_a_third_of_those_present(void)
{
	for (int speakers = 10; speakers >= 9; speakers--) {
		bt_test_records rs = {0};
		fx_opts o = {.members = 30, .skip_month = 2};
		char att[4096], spk[2048], ov[512] = "";
		fixture(&rs, &o);
		attendance(att, sizeof(att), 1, 30, NULL);
		for (int k = speakers + 1; k <= 30; k++)
			snprintf(ov + strlen(ov), sizeof(ov) - strlen(ov), "M%02d:,", k);
		speakers_list(spk, sizeof(spk), 1, 30, ov);
		meeting(&rs, "FEB", "2025-02-05", "19:30", "21:30", 1, 0, att, spk, NULL);
		bt_cell_result *r = eval_at(&rs, NULL, NULL);
		CU_ASSERT_EQUAL(count(&r->crit[1], BT_R_FEW_SPEAKERS, "FEB", NULL, speakers == 9 ? "9/30" : NULL), speakers == 9);
		bt_cell_result_free(r);
		bt_test_records_free(&rs);
	}
}

/* The window of a month, with one meeting at `date`; returns 1 if it was out of window. */
static int out_of_window(int month, const char *date)
{
	bt_test_records rs = {0};
	fx_opts o = {.members = 4, .skip_month = month};
	char att[512], spk[256];
	fixture(&rs, &o);
	attendance(att, sizeof(att), 1, 4, NULL);
	speakers_list(spk, sizeof(spk), 1, 4, NULL);
	meeting(&rs, "W", date, "08:00", "10:00", 1, month % 3 == 0, att, spk, NULL);
	bt_cell_result *r = eval_at(&rs, NULL, NULL);
	int out = count(&r->crit[1], BT_R_MEETING_OUT_OF_WINDOW, "W", NULL, NULL);
	CU_ASSERT_EQUAL(count(&r->crit[1], BT_R_MEETING_MISSING, NULL, NULL, NULL), 0);
	bt_cell_result_free(r);
	bt_test_records_free(&rs);
	return out;
}

static void test_eval__window_extended_by_a_weekend_at_either_end(void)
{
	/* October 2025: the 5th is a Sunday, so Friday 3 Oct (the last working day before) is in. */
	CU_ASSERT_EQUAL(bt_date_weekday(D("2025-10-05")), 7);
	CU_ASSERT_EQUAL(out_of_window(10, "2025-10-03"), 0);
	CU_ASSERT_EQUAL(out_of_window(10, "2025-10-02"), 1);
	/* May 2025: the 10th is a Saturday, so Monday 12 May is in, Tuesday 13 is not. */
	CU_ASSERT_EQUAL(bt_date_weekday(D("2025-05-10")), 6);
	CU_ASSERT_EQUAL(out_of_window(5, "2025-05-12"), 0);
	CU_ASSERT_EQUAL(out_of_window(5, "2025-05-13"), 1);
	/* A meeting held on the weekend inside the window is in the window. */
	CU_ASSERT_EQUAL(out_of_window(5, "2025-05-11"), 0);
}

static void test_eval__window_not_extended_on_a_weekday(void)
{
	/* June 2025: the 5th (Thursday) and the 10th (Tuesday) are working days. */
	CU_ASSERT_EQUAL(bt_date_weekday(D("2025-06-10")), 2);
	CU_ASSERT_EQUAL(out_of_window(6, "2025-06-05"), 0);
	CU_ASSERT_EQUAL(out_of_window(6, "2025-06-10"), 0);
	CU_ASSERT_EQUAL(out_of_window(6, "2025-06-11"), 1);
	CU_ASSERT_EQUAL(out_of_window(6, "2025-06-04"), 1);
}

static void test_eval__window_extended_by_a_holiday_override(void)
{
	/* Make Tuesday 10 June 2025 a day off: Wednesday 11 June joins the window. */
	CU_ASSERT_EQUAL(bt_calendar_set_override(cal, D("2025-06-10"), 0, "Nghỉ theo quyết định"), 0);
	int out = out_of_window(6, "2025-06-11");
	CU_ASSERT_EQUAL(bt_calendar_set_override(cal, D("2025-06-10"), 1, NULL), 0);
	CU_ASSERT_EQUAL(out, 0);
}

/* On 10 June the June meeting is due (the window's last day); on 9 June it is not. */
static void test_eval__as_of_cut_for_the_month_meeting(void)
{
	bt_test_records rs = {0};
	fx_opts o = {.members = 4, .skip_month = 6};
	fixture(&rs, &o);
	bt_cell_result *r = eval_at(&rs, "2025-06-09", NULL);
	CU_ASSERT_EQUAL(count(&r->crit[1], BT_R_MEETING_MISSING, NULL, NULL, NULL), 0);
	bt_cell_result_free(r);
	r = eval_at(&rs, "2025-06-10", NULL);
	CU_ASSERT_EQUAL(count(&r->crit[1], BT_R_MEETING_MISSING, NULL, NULL, "2025-06-10"), 1);
	CU_ASSERT_EQUAL(r->crit[1].reasons[0].month, YEAR * 12 + 5);
	bt_cell_result_free(r);
	bt_test_records_free(&rs);
}

/* Q1 needs a thematic meeting by 31 March; not due on 30 March. */
static void test_eval__as_of_cut_for_the_quarter(void)
{
	bt_test_records rs = {0};
	fx_opts o = {.members = 4, .skip_month = 3};
	char att[512], spk[256];
	fixture(&rs, &o);
	attendance(att, sizeof(att), 1, 4, NULL);
	speakers_list(spk, sizeof(spk), 1, 4, NULL);
	meeting(&rs, "MAR", "2025-03-05", "19:30", "21:30", 1, 0, att, spk, NULL); /* regular, not thematic */
	bt_cell_result *r = eval_at(&rs, "2025-03-30", NULL);
	CU_ASSERT_EQUAL(count(&r->crit[1], BT_R_THEMATIC_MISSING, NULL, NULL, NULL), 0);
	bt_cell_result_free(r);
	r = eval_at(&rs, "2025-03-31", NULL);
	CU_ASSERT_EQUAL(count(&r->crit[1], BT_R_THEMATIC_MISSING, NULL, NULL, NULL), 1);
	CU_ASSERT_EQUAL(r->crit[1].reasons[0].quarter, 1);
	bt_cell_result_free(r);
	bt_test_records_free(&rs);
}

/* Dues for a month are due on its last day; a member who joins mid-year owes from that month. */
static void test_eval__dues_as_of_cut_and_mid_year_join(void)
{
	bt_test_records rs = {0};
	fx_opts o = {.members = 4, .skip_dues = 1};
	fixture(&rs, &o);
	for (int m = 1; m <= 2; m++)
		for (int k = 1; k <= 4; k++)
			bt_test_add(&rs, "{\"kind\":\"dues\",\"member\":\"M%02d\",\"month\":\"2025-%02d\",\"amount\":1,\"paid_on\":\"2025-%02d-06\"}",
				    k, m, m);
	bt_cell_result *r = eval_at(&rs, "2025-03-30", NULL);
	CU_ASSERT_EQUAL(count(&member(r, "M01")->crit[2], BT_R_DUES_MISSING, NULL, NULL, NULL), 0);
	bt_cell_result_free(r);
	r = eval_at(&rs, "2025-03-31", NULL);
	CU_ASSERT_EQUAL(count(&member(r, "M01")->crit[2], BT_R_DUES_MISSING, NULL, "M01", NULL), 1);
	CU_ASSERT_EQUAL(member(r, "M01")->crit[2].reasons[0].month, YEAR * 12 + 2);
	bt_cell_result_free(r);
	/* Dues paid after the as-of date are not seen. */
	bt_test_add(&rs, "{\"kind\":\"dues\",\"member\":\"M01\",\"month\":\"2025-03\",\"amount\":1,\"paid_on\":\"2025-04-02\"}");
	r = eval_at(&rs, "2025-04-01", NULL);
	CU_ASSERT_EQUAL(count(&member(r, "M01")->crit[2], BT_R_DUES_MISSING, NULL, "M01", NULL), 1);
	bt_cell_result_free(r);
	r = eval_at(&rs, "2025-04-02", NULL);
	CU_ASSERT_EQUAL(count(&member(r, "M01")->crit[2], BT_R_DUES_MISSING, NULL, "M01", NULL), 0);
	bt_cell_result_free(r);
	bt_test_records_free(&rs);

	/* A member who joined on 20 May owes May to December only. */
	fx_opts o2 = {.members = 4};
	fixture(&rs, &o2);
	member_line(&rs, 5, "2025-05-20", NULL);
	for (int m = 5; m <= 12; m++)
		bt_test_add(&rs, "{\"kind\":\"dues\",\"member\":\"M05\",\"month\":\"2025-%02d\",\"amount\":1,\"paid_on\":\"2025-%02d-25\"}", m, m);
	bt_test_add(&rs, "{\"kind\":\"commitment\",\"id\":\"C05\",\"member\":\"M05\",\"year\":2025,\"title\":\"x\",\"fulfilled\":true}");
	bt_test_add(&rs, "{\"kind\":\"attestation\",\"subject\":\"M05\",\"year\":2025,\"criterion\":\"2.4\",\"pass\":true}");
	r = eval_at(&rs, NULL, NULL);
	CU_ASSERT_TRUE(member(r, "M05")->evaluated);
	CU_ASSERT_EQUAL(count(&member(r, "M05")->crit[2], BT_R_DUES_MISSING, NULL, NULL, NULL), 0);
	/* Not required before joining: January-May meetings do not list M05 and nothing fails for them.
	 * From June M05 is required but unmarked (UNMARKED_MEMBER): left out of the count, not an absence. */
	for (int m = 1; m <= 5; m++) {
		char id[16];
		snprintf(id, sizeof(id), "MT-%02d", m);
		CU_ASSERT_EQUAL(count(&r->crit[1], BT_R_ATTENDANCE_BELOW_MIN, id, NULL, NULL), 0);
	}
	CU_ASSERT_EQUAL(count(&r->crit[1], BT_R_ATTENDANCE_BELOW_MIN, "MT-06", NULL, NULL), 0);
	CU_ASSERT_EQUAL(count(&r->crit[1], BT_R_UNEXCUSED_ABSENCE, NULL, NULL, NULL), 0);
	/* Marked at no meeting, so counted at none: not NEVER_SPOKE either (the findings say what is missing). */
	CU_ASSERT_EQUAL(count(&member(r, "M05")->crit[2], BT_R_NEVER_SPOKE, NULL, "M05", NULL), 0);
	bt_cell_result_free(r);
	bt_test_records_free(&rs);
}

/* Members who left or are exempt at as-of are listed but not evaluated, and not in 1.4's count. */
static void test_eval__left_and_exempt_members_are_not_evaluated(void)
{
	bt_test_records rs = {0};
	fx_opts o = {.members = 4};
	fixture(&rs, &o);
	member_line(&rs, 5, "2000-01-01", "2025-03-01");
	member_line(&rs, 6, "2000-01-01", NULL);
	bt_test_add(&rs, "{\"kind\":\"exemption\",\"member\":\"M06\",\"from\":\"2024-06-01\",\"to\":null,\"reason\":\"tuổi cao\"}");
	member_line(&rs, 7, "2000-01-01", "2024-12-31"); /* left before the year: not listed */
	bt_cell_result *r = eval_at(&rs, NULL, NULL);
	CU_ASSERT_EQUAL(r->n_members, 6);
	CU_ASSERT_FALSE(member(r, "M05")->evaluated);
	CU_ASSERT_FALSE(member(r, "M06")->evaluated);
	CU_ASSERT_EQUAL(r->members_evaluated, 4);
	CU_ASSERT_EQUAL(r->members_four_good, 4);
	/* M05 was required at January and February meetings but is not marked there: not present, not absent. */
	CU_ASSERT_EQUAL(count(&r->crit[1], BT_R_UNEXCUSED_ABSENCE, NULL, NULL, NULL), 0);
	bt_buf b;
	bt_buf_init(&b, 0);
	CU_ASSERT_EQUAL(bt_eval_cell_json(&b, r), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(b.data, "{\"id\":\"M06\",\"name\":\"Đảng viên 6\",\"evaluated\":false,\"four_good\":null}"));
	bt_buf_free(&b);
	bt_cell_result_free(r);
	/* Evaluated while still in the cell: as of 28 Feb M05 is evaluated. */
	r = eval_at(&rs, "2025-02-28", NULL);
	CU_ASSERT_TRUE(member(r, "M05")->evaluated);
	bt_cell_result_free(r);
	bt_test_records_free(&rs);
}

/* A member moved to another cell on 1 July counts in the old cell before and in the new one after. */
static void test_eval__transfer_keeps_the_history_of_both_cells(void)
{
	bt_test_records rs = {0};
	fx_opts o = {.members = 4};
	fixture(&rs, &o);
	/* The fixture's M04 record says CB; its current version moves it to CB2, with the transfer. */
	size_t k = 0;
	for (size_t i = 0; i < rs.n; i++) {
		if (rs.v[i]->kind == BT_KIND_MEMBER && strcmp(rs.v[i]->id, "M04") == 0) {
			bt_record_free(rs.v[i]);
			continue;
		}
		rs.v[k++] = rs.v[i];
	}
	rs.n = k;
	bt_test_add(&rs, "{\"kind\":\"cell\",\"id\":\"CB2\",\"committee\":\"DU\",\"name\":\"Chi bộ Hai\"}");
	bt_test_add(&rs, "{\"kind\":\"member\",\"id\":\"M04\",\"cell\":\"CB2\",\"name\":\"Đảng viên 4\",\"status\":\"official\",\"role\":\"member\",\"joined\":\"2000-01-01\"}");
	bt_test_add(&rs, "{\"kind\":\"transfer\",\"member\":\"M04\",\"date\":\"2025-07-01\",\"from\":\"CB\",\"to\":\"CB2\"}");
	/* CB's meetings after July still list M04 (the fixture): those marks are ignored; before, it counts. */
	bt_cell_result *r = eval_at(&rs, NULL, NULL);
	CU_ASSERT_FALSE(member(r, "M04")->evaluated);
	CU_ASSERT_EQUAL(r->members_evaluated, 3);
	CU_ASSERT_EQUAL(r->crit[1].n_reasons, 0);
	bt_cell_result_free(r);
	r = eval_at(&rs, "2025-06-30", NULL);
	CU_ASSERT_TRUE(member(r, "M04")->evaluated);
	CU_ASSERT_EQUAL(r->members_evaluated, 4);
	bt_cell_result_free(r);
	/* In CB2 from July: listed and evaluated at year end, absent from CB2's (non-existent) meetings. */
	bt_eval_opts eo = BT_EVAL_OPTS_INIT;
	eo.year = YEAR;
	eo.calendar = cal;
	CU_ASSERT_EQUAL_FATAL(bt_eval_cell(&r, (const bt_record *const *)rs.v, rs.n, "CB2", &eo), 0);
	CU_ASSERT_EQUAL(r->n_members, 1);
	CU_ASSERT_TRUE(member(r, "M04")->evaluated);
	bt_cell_result_free(r);
	eo.as_of = D("2025-06-30");
	CU_ASSERT_EQUAL_FATAL(bt_eval_cell(&r, (const bt_record *const *)rs.v, rs.n, "CB2", &eo), 0);
	CU_ASSERT_EQUAL(r->n_members, 0);
	bt_cell_result_free(r);
	bt_test_records_free(&rs);
}

/* A member exempt for a period is not required at meetings in it. */
static void test_eval__exempt_member_not_required_during_exemption(void)
{
	bt_test_records rs = {0};
	fx_opts o = {.members = 4, .skip_month = 2};
	char att[512], spk[256];
	fixture(&rs, &o);
	bt_test_add(&rs, "{\"kind\":\"exemption\",\"member\":\"M04\",\"from\":\"2025-02-01\",\"to\":\"2025-02-28\",\"reason\":\"ốm\"}");
	attendance(att, sizeof(att), 1, 3, NULL);
	speakers_list(spk, sizeof(spk), 1, 3, NULL);
	meeting(&rs, "FEB", "2025-02-05", "19:30", "21:30", 1, 0, att, spk, NULL);
	bt_cell_result *r = eval_at(&rs, NULL, NULL);
	CU_ASSERT_EQUAL(r->crit[1].n_reasons, 0);
	CU_ASSERT_TRUE(member(r, "M04")->evaluated);
	CU_ASSERT_TRUE(r->four_good);
	bt_cell_result_free(r);
	bt_test_records_free(&rs);
}

/* 4 evaluated: 2 four-good passes (50%), 1 fails. No evaluated member fails too. */
static void test_eval__four_good_half_boundary(void)
{
	for (int good = 2; good >= 1; good--) {
		bt_test_records rs = {0};
		fx_opts o = {.members = 4, .skip_attestations = 1};
		fixture(&rs, &o);
		for (int k = 1; k <= good; k++)
			bt_test_add(&rs, "{\"kind\":\"attestation\",\"subject\":\"M%02d\",\"year\":2025,\"criterion\":\"2.4\",\"pass\":true}", k);
		bt_cell_result *r = eval_at(&rs, NULL, NULL);
		CU_ASSERT_EQUAL(r->members_four_good, (size_t)good);
		CU_ASSERT_EQUAL(r->crit[3].pass, good == 2);
		CU_ASSERT_EQUAL(count(&r->crit[3], BT_R_FOUR_GOOD_BELOW_HALF, NULL, NULL, "1/4"), good == 1);
		CU_ASSERT_EQUAL(count(&member(r, "M04")->crit[3], BT_R_ATTESTATION_MISSING, NULL, "M04", NULL), 1);
		bt_cell_result_free(r);
		bt_test_records_free(&rs);
	}
	bt_test_records rs = {0};
	fx_opts o = {.members = 0};
	fixture(&rs, &o);
	bt_cell_result *r = eval_at(&rs, NULL, NULL);
	CU_ASSERT_EQUAL(count(&r->crit[3], BT_R_FOUR_GOOD_BELOW_HALF, NULL, NULL, "0/0"), 1);
	bt_cell_result_free(r);
	bt_test_records_free(&rs);
}

static void test_eval__targets_due_at_year_end(void)
{
	bt_test_records rs = {0};
	fx_opts o = {.members = 2, .skip_targets = 1};
	fixture(&rs, &o);
	bt_cell_result *r = eval_at(&rs, "2025-12-30", NULL);
	CU_ASSERT_TRUE(r->crit[0].pass);
	bt_cell_result_free(r);
	r = eval_at(&rs, NULL, NULL);
	CU_ASSERT_EQUAL(count(&r->crit[0], BT_R_TARGETS_MISSING, NULL, NULL, NULL), 1);
	bt_cell_result_free(r);
	bt_test_add(&rs, "{\"kind\":\"target\",\"id\":\"OPEN\",\"cell\":\"CB\",\"year\":2025,\"title\":\"x\",\"done\":null}");
	bt_test_add(&rs, "{\"kind\":\"target\",\"id\":\"FAILED\",\"cell\":\"CB\",\"year\":2025,\"title\":\"y\",\"done\":false}");
	bt_test_add(&rs, "{\"kind\":\"target\",\"id\":\"OTHER-YEAR\",\"cell\":\"CB\",\"year\":2024,\"title\":\"z\",\"done\":false}");
	r = eval_at(&rs, "2025-06-30", NULL);
	CU_ASSERT_EQUAL(count(&r->crit[0], BT_R_TARGET_NOT_DONE, NULL, NULL, "FAILED"), 1);
	CU_ASSERT_EQUAL(r->crit[0].n_reasons, 1);
	bt_cell_result_free(r);
	r = eval_at(&rs, NULL, NULL);
	CU_ASSERT_EQUAL(count(&r->crit[0], BT_R_TARGET_NOT_DONE, NULL, NULL, "OPEN"), 1);
	CU_ASSERT_EQUAL(r->crit[0].n_reasons, 2);
	bt_cell_result_free(r);
	bt_test_records_free(&rs);
}

static void test_eval__regulation_and_cell_attestation(void)
{
	bt_test_records rs = {0};
	fx_opts o = {.members = 2, .skip_regulation = 1};
	fixture(&rs, &o);
	bt_test_add(&rs, "{\"kind\":\"regulation\",\"cell\":\"CB\",\"issued\":\"2025-07-01\"}");
	bt_cell_result *r = eval_at(&rs, "2025-06-30", NULL);
	CU_ASSERT_EQUAL(count(&r->crit[2], BT_R_REGULATION_MISSING, NULL, NULL, NULL), 1);
	bt_cell_result_free(r);
	r = eval_at(&rs, "2025-07-01", NULL);
	CU_ASSERT_TRUE(r->crit[2].pass);
	bt_cell_result_free(r);
	bt_test_add(&rs, "{\"kind\":\"attestation\",\"subject\":\"CB\",\"year\":2025,\"criterion\":\"1.3\",\"pass\":false,\"note\":\"mất đoàn kết\"}");
	r = eval_at(&rs, NULL, NULL);
	CU_ASSERT_EQUAL(count(&r->crit[2], BT_R_ATTESTED_FAIL, NULL, NULL, "1.3"), 1);
	CU_ASSERT_FALSE(r->four_good);
	bt_cell_result_free(r);
	bt_test_records_free(&rs);
}

static void test_eval__discipline_and_member_attestations(void)
{
	bt_test_records rs = {0};
	fx_opts o = {.members = 4};
	fixture(&rs, &o);
	bt_test_add(&rs, "{\"kind\":\"discipline\",\"member\":\"M01\",\"date\":\"2025-05-02\",\"form\":\"khiển trách\"}");
	bt_test_add(&rs, "{\"kind\":\"discipline\",\"member\":\"M02\",\"date\":\"2024-05-02\",\"form\":\"khiển trách\"}");
	bt_test_add(&rs, "{\"kind\":\"attestation\",\"subject\":\"M03\",\"year\":2025,\"criterion\":\"2.1\",\"pass\":false}");
	bt_test_add(&rs, "{\"kind\":\"attestation\",\"subject\":\"M04\",\"year\":2025,\"criterion\":\"2.2\",\"pass\":false}");
	bt_cell_result *r = eval_at(&rs, NULL, NULL);
	CU_ASSERT_EQUAL(count(&member(r, "M01")->crit[0], BT_R_DISCIPLINED, NULL, "M01", "khiển trách"), 1);
	CU_ASSERT_TRUE(member(r, "M02")->four_good);
	CU_ASSERT_EQUAL(count(&member(r, "M03")->crit[0], BT_R_ATTESTED_FAIL, NULL, "M03", "2.1"), 1);
	CU_ASSERT_EQUAL(count(&member(r, "M04")->crit[1], BT_R_ATTESTED_FAIL, NULL, "M04", "2.2"), 1);
	CU_ASSERT_EQUAL(r->members_four_good, 1);
	bt_cell_result_free(r);
	/* Before the decision's date it is not seen. */
	r = eval_at(&rs, "2025-05-01", NULL);
	CU_ASSERT_TRUE(member(r, "M01")->crit[0].pass);
	bt_cell_result_free(r);
	bt_test_records_free(&rs);
}

static void test_eval__commitments(void)
{
	bt_test_records rs = {0};
	fx_opts o = {.members = 3, .skip_commitments = 1};
	fixture(&rs, &o);
	bt_test_add(&rs, "{\"kind\":\"commitment\",\"id\":\"C1\",\"member\":\"M01\",\"year\":2025,\"title\":\"a\",\"fulfilled\":null}");
	bt_test_add(&rs, "{\"kind\":\"commitment\",\"id\":\"C2\",\"member\":\"M02\",\"year\":2025,\"title\":\"b\",\"fulfilled\":false}");
	bt_cell_result *r = eval_at(&rs, "2025-11-30", NULL);
	CU_ASSERT_TRUE(member(r, "M01")->crit[1].pass);
	CU_ASSERT_EQUAL(count(&member(r, "M02")->crit[1], BT_R_COMMITMENT_UNFULFILLED, NULL, "M02", "C2"), 1);
	CU_ASSERT_TRUE(member(r, "M03")->crit[1].pass); /* missing, but not yet due */
	bt_cell_result_free(r);
	r = eval_at(&rs, NULL, NULL);
	CU_ASSERT_EQUAL(count(&member(r, "M01")->crit[1], BT_R_COMMITMENT_UNFULFILLED, NULL, "M01", "C1"), 1);
	CU_ASSERT_EQUAL(count(&member(r, "M03")->crit[1], BT_R_COMMITMENT_MISSING, NULL, "M03", NULL), 1);
	bt_cell_result_free(r);
	bt_test_records_free(&rs);
}

static void test_eval__flags_and_never_spoke(void)
{
	bt_test_records rs = {0};
	fx_opts o = {.members = 3};
	fixture(&rs, &o);
	/* Remove M03 from every speaker list by superseding: rebuild the fixture's meetings here. */
	size_t k = 0;
	for (size_t i = 0; i < rs.n; i++) {
		if (rs.v[i]->kind == BT_KIND_MEETING) {
			bt_record_free(rs.v[i]);
			continue;
		}
		rs.v[k++] = rs.v[i];
	}
	rs.n = k;
	for (int m = 1; m <= 12; m++) {
		char id[16], date[16], att[512], spk[256];
		bt_date d = bt_date_from_ymd(YEAR, m, 5);
		while (!bt_calendar_is_working(cal, d))
			d++;
		bt_date_format(date, d);
		snprintf(id, sizeof(id), "MT-%02d", m);
		attendance(att, sizeof(att), 1, 3, NULL);
		speakers_list(spk, sizeof(spk), 1, 3, "M03:");
		meeting(&rs, id, date, "19:30", "21:30", 1, m % 3 == 0, att, spk,
			m == 4 ? "\"prepared\":false,\"resolution\":false,\"minutes\":false," : NULL);
	}
	bt_cell_result *r = eval_at(&rs, NULL, NULL);
	CU_ASSERT_EQUAL(count(&member(r, "M03")->crit[2], BT_R_NEVER_SPOKE, NULL, "M03", NULL), 1);
	CU_ASSERT_EQUAL(count(&r->crit[1], BT_R_PREPARATION_MISSING, "MT-04", NULL, NULL), 1);
	CU_ASSERT_EQUAL(count(&r->crit[1], BT_R_RESOLUTION_MISSING, "MT-04", NULL, NULL), 1);
	CU_ASSERT_EQUAL(count(&r->crit[1], BT_R_MINUTES_MISSING, "MT-04", NULL, NULL), 1);
	CU_ASSERT_EQUAL(r->crit[1].n_reasons, 3);
	bt_cell_result_free(r);
	bt_test_records_free(&rs);
}

/* The same records in any order give byte-identical JSON; the JSON has the shape docs/evaluation.md gives. */
static void test_eval__json_is_deterministic_and_shaped(void)
{
	bt_test_records rs = {0};
	fx_opts o = {.members = 3, .skip_month = 2};
	fixture(&rs, &o);
	bt_buf a, b;
	bt_buf_init(&a, 0);
	bt_buf_init(&b, 0);
	bt_cell_result *r = eval_at(&rs, NULL, NULL);
	CU_ASSERT_EQUAL(bt_eval_cell_json(&a, r), 0);
	bt_cell_result_free(r);
	/* Reverse the records. */
	for (size_t i = 0; i < rs.n / 2; i++) {
		bt_record *t = rs.v[i];
		rs.v[i] = rs.v[rs.n - 1 - i];
		rs.v[rs.n - 1 - i] = t;
	}
	r = eval_at(&rs, NULL, NULL);
	CU_ASSERT_EQUAL(bt_eval_cell_json(&b, r), 0);
	bt_cell_result_free(r);
	CU_ASSERT_EQUAL(a.len, b.len);
	CU_ASSERT(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	CU_ASSERT(strncmp(a.data, "{\"id\":\"CB\",\"name\":\"Chi bộ thôn Thử\",\"four_good\":false,\"criteria\":{\"1.1\":{\"pass\":true,\"reasons\":[]},"
		  "\"1.2\":{\"pass\":false,\"reasons\":[{\"code\":\"MEETING_MISSING\",\"month\":\"2025-02\",\"value\":\"2025-02-10\","
		  "\"message\":\"Tháng 02/2025 chưa có buổi sinh hoạt chi bộ định kỳ (hạn cuối 10/02/2025)\"}]},", 300) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(a.data, "\"members_evaluated\":3,\"members_four_good\":3,\"members\":[{\"id\":\"M01\""));
	bt_buf_free(&a);
	bt_buf_free(&b);
	bt_test_records_free(&rs);
}

static void test_eval__records_after_as_of_are_invisible(void)
{
	bt_test_records rs = {0};
	fx_opts o = {.members = 3};
	fixture(&rs, &o);
	/* A short meeting recorded for later in the year is not seen in June. */
	char att[256], spk[128];
	attendance(att, sizeof(att), 1, 3, NULL);
	speakers_list(spk, sizeof(spk), 1, 3, NULL);
	meeting(&rs, "LATE", "2025-07-20", "19:30", "19:40", 0, 0, att, spk, NULL);
	bt_cell_result *r = eval_at(&rs, "2025-06-30", NULL);
	CU_ASSERT_EQUAL(r->crit[1].n_reasons, 0);
	bt_cell_result_free(r);
	r = eval_at(&rs, "2025-07-20", NULL);
	CU_ASSERT_EQUAL(count(&r->crit[1], BT_R_DURATION_TOO_SHORT, "LATE", NULL, "10/90"), 1);
	bt_cell_result_free(r);
	bt_test_records_free(&rs);
}

static void test_eval__default_as_of_stays_in_the_year(void)
{
	CU_ASSERT_EQUAL(bt_eval_default_as_of(2026, D("2026-11-30")), D("2026-11-30"));
	CU_ASSERT_EQUAL(bt_eval_default_as_of(2025, D("2026-11-30")), D("2025-12-31"));
	CU_ASSERT_EQUAL(bt_eval_default_as_of(2027, D("2026-11-30")), D("2027-01-01"));
}

/* The year's plan moves meetings off weekends and Tết, and says why. */
static void test_plan__meetings_move_off_weekends_and_tet(void)
{
	bt_plan_month p[12];
	bt_rules r;
	CU_ASSERT_EQUAL_FATAL(bt_rules_builtin(&r, NULL), 0);
	CU_ASSERT_EQUAL_FATAL(bt_plan_year(p, cal, &r, 2027), 0);
	/* February 2027: Tết runs 5-9 Feb with compensatory days on the 10th and 11th. */
	CU_ASSERT_EQUAL(p[1].window_first, D("2027-02-04"));
	CU_ASSERT_EQUAL(p[1].window_last, D("2027-02-12"));
	CU_ASSERT_EQUAL(p[1].date, D("2027-02-12"));
	CU_ASSERT_EQUAL(p[1].shift, BT_PLAN_HOLIDAY);
	CU_ASSERT_PTR_NOT_NULL(strstr(p[1].reason, "Tết Nguyên đán"));
	/* September 2027: the 5th is a Sunday. */
	CU_ASSERT_EQUAL(p[8].date, D("2027-09-06"));
	CU_ASSERT_EQUAL(p[8].shift, BT_PLAN_WEEKEND);
	CU_ASSERT_PTR_NOT_NULL(strstr(p[8].reason, "Chủ Nhật"));
	/* March 2027: the 5th is a Friday, on time; thematic with the quarter's last month. */
	CU_ASSERT_EQUAL(p[2].date, D("2027-03-05"));
	CU_ASSERT_EQUAL(p[2].shift, BT_PLAN_ON_TIME);
	CU_ASSERT_STRING_EQUAL(p[2].reason, "");
	CU_ASSERT_TRUE(p[2].thematic);
	CU_ASSERT_FALSE(p[3].thematic);
	/* Every planned date is inside its window and is a working day. */
	for (int m = 0; m < 12; m++) {
		CU_ASSERT(p[m].date >= p[m].window_first && p[m].date <= p[m].window_last);
		CU_ASSERT(bt_calendar_is_working(cal, p[m].date));
	}
}

static void test_rules__file_parsing(void)
{
	bt_rules r;
	const char *ok = "{\"id\":\"XA-2027\",\"version\":3,\"attendance_min_percent\":90,\"require_minutes\":false}";
	CU_ASSERT_EQUAL(bt_rules_parse(&r, ok, strlen(ok)), 0);
	CU_ASSERT_EQUAL(r.attendance_min_percent, 90);
	CU_ASSERT_EQUAL(r.require_minutes, 0);
	CU_ASSERT_EQUAL(r.min_duration_minutes, 90);
	char label[64];
	bt_rules_label(label, sizeof(label), &r);
	CU_ASSERT_STRING_EQUAL(label, "XA-2027.3");
	const char *bad[] = {"{\"version\":1}", "{\"id\":\"x\"}", "{\"id\":\"x\",\"version\":1,\"attendence\":80}",
			     "{\"id\":\"x\",\"version\":1,\"attendance_min_percent\":101}", "[1]", "{",
			     "{\"id\":\"KH-2023\",\"version\":1,\"attendance_min_percent\":50}"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(bt_rules_parse(&r, bad[i], strlen(bad[i])), BT_EINVALID);
	CU_ASSERT_EQUAL(bt_rules_builtin(&r, "NO-SUCH"), BT_ENOTFOUND);
}

int main(void)
{
	if (bt_calendar_new(&cal) < 0)
		return 1;
	CU_TestInfo tests[] = {
		{"a perfect cell is four-good", test_eval__perfect_cell_is_four_good},
		{"attendance: 85% exactly passes, 16/20 fails", test_eval__attendance_85_percent_exactly_passes},
		{"duration: 90 minutes passes, 89 fails", test_eval__duration_90_minutes_passes_89_fails},
		{"HD42 requires 120 minutes when regular and thematic", test_eval__hd42_requires_120_minutes_when_regular_and_thematic},
		{"two consecutive excused pass, three fail", test_eval__consecutive_excused_two_pass_three_fail},
		{"unexcused absence fails cell and member", test_eval__unexcused_absence_fails_cell_and_member},
		{"speakers: a third of those present", test_eval__speakers_a_third_of_those_present},
		{"window extended by a weekend at either end", test_eval__window_extended_by_a_weekend_at_either_end},
		{"window not extended on a weekday", test_eval__window_not_extended_on_a_weekday},
		{"window extended by a holiday override", test_eval__window_extended_by_a_holiday_override},
		{"as-of cut for the month's meeting", test_eval__as_of_cut_for_the_month_meeting},
		{"as-of cut for the quarter", test_eval__as_of_cut_for_the_quarter},
		{"dues: as-of cut and mid-year join", test_eval__dues_as_of_cut_and_mid_year_join},
		{"left and exempt members are not evaluated", test_eval__left_and_exempt_members_are_not_evaluated},
		{"exempt member not required during exemption", test_eval__exempt_member_not_required_during_exemption},
		{"a transfer keeps the history of both cells", test_eval__transfer_keeps_the_history_of_both_cells},
		{"four-good: the 50% boundary", test_eval__four_good_half_boundary},
		{"targets are due at year end", test_eval__targets_due_at_year_end},
		{"regulation and cell attestation", test_eval__regulation_and_cell_attestation},
		{"discipline and member attestations", test_eval__discipline_and_member_attestations},
		{"commitments", test_eval__commitments},
		{"preparation, resolution, minutes, never spoke", test_eval__flags_and_never_spoke},
		{"JSON is deterministic and shaped as documented", test_eval__json_is_deterministic_and_shaped},
		{"records after as-of are invisible", test_eval__records_after_as_of_are_invisible},
		{"default as-of stays in the year", test_eval__default_as_of_stays_in_the_year},
		{"plan: meetings move off weekends and Tết", test_plan__meetings_move_off_weekends_and_tet},
		{"rules: rule-set files", test_rules__file_parsing},
		CU_TEST_INFO_NULL};
	int rc = bt_test_run("eval", tests);
	bt_calendar_free(cal);
	return rc;
}
