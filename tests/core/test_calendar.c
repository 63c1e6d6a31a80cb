/*
 * test_calendar.c - dates, the Vietnamese lunar calendar against an
 * independent ephemeris table, public holidays and working days.
 */
#include "support.h"

#include <stdlib.h>
#include <string.h>

static bt_date D(const char *s)
{
	bt_date d = 0;
	CU_ASSERT_FATAL(bt_date_parse(&d, s, strlen(s)) == 0);
	return d;
}

static void test_date__parse_accepts_only_real_dates(void)
{
	bt_date d;
	const char *bad[] = {"2026-02-29", "2026-13-01", "2026-2-03", "20260203", "2026-02-3", "abcd-ef-gh",
			     "2026-00-10", "1899-12-31", "2200-01-01", "2026-02-30", ""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CU_ASSERT_EQUAL(bt_date_parse(&d, bad[i], strlen(bad[i])), BT_EINVALID);
	CU_ASSERT_EQUAL(bt_date_parse(&d, "2024-02-29", 10), 0);
	char out[BT_DATE_STR_BYTES];
	bt_date_format(out, d);
	CU_ASSERT_STRING_EQUAL(out, "2024-02-29");
	CU_ASSERT_EQUAL(D("1970-01-01"), 0);
	CU_ASSERT_EQUAL(bt_date_weekday(D("2026-11-30")), 1); /* a Monday */
	CU_ASSERT_EQUAL(bt_date_weekday(D("2026-02-14")), 6); /* a Saturday */
}

static void test_date__every_day_round_trips(void)
{
	for (bt_date d = D("1900-01-01"); d <= D("2199-12-31"); d++) {
		int y, m, dd;
		char s[BT_DATE_STR_BYTES];
		bt_date_to_ymd(d, &y, &m, &dd);
		bt_date_format(s, d);
		bt_date back;
		if (bt_date_parse(&back, s, 10) != 0 || back != d) {
			CU_FAIL("date does not round-trip");
			return;
		}
	}
}

/* Every lunar month start 1968-2100 from tests/core/lunar_months.txt (built with PyEphem, full VSOP87/ELP). */
static void test_lunar__every_month_1968_2100_matches_the_ephemeris_table(void)
{
	FILE *f = fopen(BT_TEST_DATA "/core/lunar_months.txt", "r");
	char ds[16];
	int y, m, leap, n = 0, bad = 0;
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	while (fscanf(f, "%15s %d %d %d", ds, &y, &m, &leap) == 4) {
		bt_date d = D(ds), back;
		bt_lunar_date l, prev;
		n++;
		if (bt_lunar_from_solar(&l, d) != 0 || l.year != y || l.month != m || l.leap != leap || l.day != 1) {
			if (bad++ < 5)
				fprintf(stderr, "mismatch at %s: want %d/%d%s, got %d/%d/%d%s\n", ds, y, m, leap ? "L" : "",
					l.year, l.month, l.day, l.leap ? "L" : "");
		}
		/* The day before is the last day (29 or 30) of the previous month. */
		if (bt_lunar_from_solar(&prev, d - 1) != 0 || (prev.day != 29 && prev.day != 30))
			bad++;
		bt_lunar_date q = {y, m, 1, leap};
		if (bt_lunar_to_solar(&back, &q) != 0 || back != d)
			bad++;
	}
	fclose(f);
	CU_ASSERT_EQUAL(n, 1645);
	CU_ASSERT_EQUAL(bad, 0);
}

static void test_lunar__tet_where_vietnam_and_china_differ(void)
{
	/* Vietnam (UTC+7) vs China (UTC+8): 1968-01-30, 1985-02-20, 2007-02-18, 2030-02-03, 2053-02-19 in China. */
	const char *tet[] = {"1968-01-29", "1985-01-21", "2007-02-17", "2030-02-02", "2053-02-18", "2026-02-17"};
	for (size_t i = 0; i < sizeof(tet) / sizeof(tet[0]); i++) {
		bt_lunar_date l;
		CU_ASSERT_EQUAL_FATAL(bt_lunar_from_solar(&l, D(tet[i])), 0);
		CU_ASSERT_EQUAL(l.month, 1);
		CU_ASSERT_EQUAL(l.day, 1);
		CU_ASSERT_EQUAL(l.leap, 0);
		CU_ASSERT_EQUAL(l.year, atoi(tet[i]));
	}
	/* 1985: Vietnam's leap month is 2 (China had a leap 10th month in 1984). */
	bt_lunar_date l;
	CU_ASSERT_EQUAL(bt_lunar_from_solar(&l, D("1985-03-21")), 0);
	CU_ASSERT(l.month == 2 && l.leap == 1 && l.day == 1);
}

static void test_lunar__leap_months_and_invalid_lunar_dates(void)
{
	bt_lunar_date l;
	bt_date d;
	CU_ASSERT_EQUAL(bt_lunar_from_solar(&l, D("2025-07-25")), 0);
	CU_ASSERT(l.year == 2025 && l.month == 6 && l.leap == 1 && l.day == 1);
	CU_ASSERT_EQUAL(bt_lunar_from_solar(&l, D("2023-03-22")), 0);
	CU_ASSERT(l.year == 2023 && l.month == 2 && l.leap == 1);
	bt_lunar_date not_leap = {2026, 6, 1, 1};
	CU_ASSERT_EQUAL(bt_lunar_to_solar(&d, &not_leap), BT_EINVALID);
	bt_lunar_date day31 = {2026, 1, 31, 0};
	CU_ASSERT_EQUAL(bt_lunar_to_solar(&d, &day31), BT_EINVALID);
	/* Giỗ Tổ 2026: 10/3 lunar = 26 April. */
	bt_lunar_date gio_to = {2026, 3, 10, 0};
	CU_ASSERT_EQUAL(bt_lunar_to_solar(&d, &gio_to), 0);
	CU_ASSERT_EQUAL(d, D("2026-04-26"));
}

/* New moons within a minute of local midnight: where simplified methods slip by a day. */
static void test_lunar__far_years_with_new_moon_at_midnight(void)
{
	const struct {
		const char *date;
		int year, month;
	} cases[] = {{"2054-05-08", 2054, 4}, {"2077-11-15", 2077, 10}, {"2085-10-18", 2085, 9}, {"2072-12-09", 2072, 11}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bt_lunar_date l;
		CU_ASSERT_EQUAL_FATAL(bt_lunar_from_solar(&l, D(cases[i].date)), 0);
		CU_ASSERT_EQUAL(l.day, 1);
		CU_ASSERT_EQUAL(l.month, cases[i].month);
		CU_ASSERT_EQUAL(l.year, cases[i].year);
	}
}

static void test_lunar__every_day_1968_2100_round_trips(void)
{
	int bad = 0;
	for (bt_date d = D("1968-01-01"); d <= D("2100-12-31"); d++) {
		bt_lunar_date l;
		bt_date back;
		if (bt_lunar_from_solar(&l, d) != 0 || bt_lunar_to_solar(&back, &l) != 0 || back != d)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static void test_lunar__year_names(void)
{
	char s[64];
	bt_lunar_year_name(s, sizeof(s), 2026);
	CU_ASSERT_STRING_EQUAL(s, "Bính Ngọ");
	bt_lunar_year_name(s, sizeof(s), 2025);
	CU_ASSERT_STRING_EQUAL(s, "Ất Tỵ");
	bt_lunar_year_name(s, sizeof(s), 1968);
	CU_ASSERT_STRING_EQUAL(s, "Mậu Thân");
	bt_lunar_year_name(s, sizeof(s), 2000);
	CU_ASSERT_STRING_EQUAL(s, "Canh Thìn");
}

static int has_holiday(const bt_holiday *list, size_t n, const char *date, bt_holiday_kind kind)
{
	bt_date d = D(date);
	for (size_t i = 0; i < n; i++)
		if (list[i].date == d && list[i].kind == kind)
			return 1;
	return 0;
}

static void test_holidays__2026_default_pattern(void)
{
	bt_calendar *cal;
	bt_holiday *list;
	size_t n;
	CU_ASSERT_EQUAL_FATAL(bt_calendar_new(&cal), 0);
	CU_ASSERT_EQUAL_FATAL(bt_calendar_holidays(&list, &n, cal, 2026), 0);
	CU_ASSERT_EQUAL(n, 12);
	CU_ASSERT(has_holiday(list, n, "2026-01-01", BT_HOLIDAY_NEW_YEAR));
	for (int d = 16; d <= 20; d++) {
		char s[16];
		snprintf(s, sizeof(s), "2026-02-%02d", d);
		CU_ASSERT(has_holiday(list, n, s, BT_HOLIDAY_TET));
	}
	CU_ASSERT_STRING_EQUAL(list[1].name, "Tết Nguyên đán (29 Tết)");
	/* Giỗ Tổ on Sunday 26 April: compensatory Monday 27 April. */
	CU_ASSERT(has_holiday(list, n, "2026-04-26", BT_HOLIDAY_HUNG_KINGS));
	CU_ASSERT(has_holiday(list, n, "2026-04-27", BT_HOLIDAY_COMPENSATORY));
	CU_ASSERT(has_holiday(list, n, "2026-04-30", BT_HOLIDAY_REUNIFICATION));
	CU_ASSERT(has_holiday(list, n, "2026-05-01", BT_HOLIDAY_LABOUR));
	/* 2 Sep on a Wednesday: the adjacent day is Thursday 3 Sep. */
	CU_ASSERT(has_holiday(list, n, "2026-09-02", BT_HOLIDAY_NATIONAL));
	CU_ASSERT(has_holiday(list, n, "2026-09-03", BT_HOLIDAY_NATIONAL));
	for (size_t i = 1; i < n; i++)
		CU_ASSERT(list[i - 1].date < list[i].date);
	free(list);
	bt_calendar_free(cal);
}

static void test_holidays__2023_national_day_on_saturday(void)
{
	/* 2023: 1 Sep (Fri) adjacent, 2 Sep (Sat), compensatory Monday 4 Sep - as decided that year. */
	bt_calendar *cal;
	bt_holiday *list;
	size_t n;
	CU_ASSERT_EQUAL_FATAL(bt_calendar_new(&cal), 0);
	CU_ASSERT_EQUAL_FATAL(bt_calendar_holidays(&list, &n, cal, 2023), 0);
	CU_ASSERT(has_holiday(list, n, "2023-09-01", BT_HOLIDAY_NATIONAL));
	CU_ASSERT(has_holiday(list, n, "2023-09-02", BT_HOLIDAY_NATIONAL));
	CU_ASSERT(has_holiday(list, n, "2023-09-04", BT_HOLIDAY_COMPENSATORY));
	CU_ASSERT(!bt_calendar_is_working(cal, D("2023-09-04")));
	CU_ASSERT(bt_calendar_is_working(cal, D("2023-09-05")));
	free(list);
	bt_calendar_free(cal);
}

static void test_holidays__official_overrides_2026(void)
{
	/* Tết 2026 as decided: Sat 14 Feb - Sun 22 Feb off; Saturday 10 Jan worked. */
	bt_calendar *cal;
	bt_holiday *list;
	size_t n;
	CU_ASSERT_EQUAL_FATAL(bt_calendar_new(&cal), 0);
	CU_ASSERT(!bt_calendar_is_working(cal, D("2026-01-10")));
	CU_ASSERT_EQUAL(bt_calendar_set_override(cal, D("2026-01-10"), 1, "Làm bù"), 0);
	CU_ASSERT(bt_calendar_is_working(cal, D("2026-01-10")));
	CU_ASSERT_EQUAL(bt_calendar_set_override(cal, D("2026-02-23"), 0, "Nghỉ Tết theo quyết định"), 0);
	CU_ASSERT(!bt_calendar_is_working(cal, D("2026-02-23")));
	/* A computed holiday made a working day disappears from the list. */
	CU_ASSERT_EQUAL(bt_calendar_set_override(cal, D("2026-09-03"), 1, NULL), 0);
	CU_ASSERT(bt_calendar_is_working(cal, D("2026-09-03")));
	CU_ASSERT_EQUAL_FATAL(bt_calendar_holidays(&list, &n, cal, 2026), 0);
	CU_ASSERT(has_holiday(list, n, "2026-02-23", BT_HOLIDAY_OVERRIDE));
	CU_ASSERT(!has_holiday(list, n, "2026-09-03", BT_HOLIDAY_NATIONAL));
	CU_ASSERT_EQUAL(n, 12);
	free(list);
	/* Working days: weekdays that are not holidays. */
	CU_ASSERT(bt_calendar_is_working(cal, D("2026-11-30")));
	CU_ASSERT(!bt_calendar_is_working(cal, D("2026-11-29")));
	CU_ASSERT(!bt_calendar_is_working(cal, D("2026-02-17")));
	bt_calendar_free(cal);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{"date: parse accepts only real dates", test_date__parse_accepts_only_real_dates},
		{"date: every day 1900-2199 round-trips", test_date__every_day_round_trips},
		{"lunar: every month 1968-2100 matches the ephemeris table", test_lunar__every_month_1968_2100_matches_the_ephemeris_table},
		{"lunar: Tết where Vietnam and China differ", test_lunar__tet_where_vietnam_and_china_differ},
		{"lunar: leap months and invalid lunar dates", test_lunar__leap_months_and_invalid_lunar_dates},
		{"lunar: far years with new moon at midnight", test_lunar__far_years_with_new_moon_at_midnight},
		{"lunar: every day 1968-2100 round-trips", test_lunar__every_day_1968_2100_round_trips},
		{"lunar: year names", test_lunar__year_names},
		{"holidays: 2026 default pattern", test_holidays__2026_default_pattern},
		{"holidays: 2023 national day on a Saturday", test_holidays__2023_national_day_on_saturday},
		{"holidays: official overrides of 2026", test_holidays__official_overrides_2026},
		CU_TEST_INFO_NULL};
	return bt_test_run("calendar", tests);
}
