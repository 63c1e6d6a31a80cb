/*
 * holidays.c - public holidays (Labor Code 2019, art. 112) and working days.
 *
 * Computed for each year, then corrected by official overrides:
 *   - 1 Jan (Tết Dương lịch);
 *   - Tết Nguyên đán, 5 days. Default pattern: the last day of the lunar year
 *     and days 1-4 of the new year (the government fixes the real days each
 *     year; overrides carry its decision);
 *   - Giỗ Tổ Hùng Vương, 10th day of lunar month 3;
 *   - 30 Apr and 1 May;
 *   - 2 Sep plus one adjacent day. Default: 1 Sep when 2 Sep is a Tuesday,
 *     Friday or Saturday (joining a weekend), 3 Sep otherwise;
 *   - a holiday on a Saturday or Sunday gives a compensatory day (nghỉ bù) on
 *     the next working day that is not itself a holiday.
 * A year's result is cached as a 366-entry map; the cache is dropped whenever
 * an override is added. See docs/calendar.md.
 */
#include "bontot/calendar.h"
#include "buf.h"
#include "error.h"
#include "i18n.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define YEARS (BT_DATE_MAX_YEAR - BT_DATE_MIN_YEAR + 1)

typedef struct {
	bt_date date;
	int working;
	char note[96];
} override;

typedef struct {
	int computed;
	size_t count;
	bt_holiday *list; /* computed + compensatory, date order, before overrides */
	unsigned char off[366]; /* 1 when the day (index from 1 Jan) is a holiday */
} year_cache;

struct bt_calendar {
	override *overrides;
	size_t n_overrides, cap_overrides;
	year_cache *years; /* YEARS entries, lazily filled */
};

int bt_calendar_new(bt_calendar **out)
{
	bt_calendar *cal = calloc(1, sizeof(*cal));
	if (!cal)
		return bt__oom();
	cal->years = calloc(YEARS, sizeof(year_cache));
	if (!cal->years) {
		free(cal);
		return bt__oom();
	}
	*out = cal;
	return 0;
}

static void drop_cache(bt_calendar *cal)
{
	for (int i = 0; i < YEARS; i++) {
		free(cal->years[i].list);
		memset(&cal->years[i], 0, sizeof(year_cache));
	}
}

void bt_calendar_free(bt_calendar *cal)
{
	if (!cal)
		return;
	drop_cache(cal);
	free(cal->years);
	free(cal->overrides);
	free(cal);
}

static const override *find_override(const bt_calendar *cal, bt_date date)
{
	for (size_t i = 0; i < cal->n_overrides; i++)
		if (cal->overrides[i].date == date)
			return &cal->overrides[i];
	return NULL;
}

int bt_calendar_set_override(bt_calendar *cal, bt_date date, int working, const char *note)
{
	override *o = (override *)find_override(cal, date);
	if (!o) {
		if (bt__array_grow((void **)&cal->overrides, &cal->cap_overrides, cal->n_overrides + 1, sizeof(*cal->overrides)) < 0)
			return BT_ENOMEM;
		o = &cal->overrides[cal->n_overrides++];
	}
	o->date = date;
	o->working = working ? 1 : 0;
	bt__copy_utf8(o->note, sizeof(o->note), note ? note : "");
	drop_cache(cal);
	return 0;
}

static int is_weekend(bt_date d) { return bt_date_weekday(d) >= 6; }

static int add(bt_holiday *list, size_t *n, bt_date date, bt_holiday_kind kind, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (list[i].date == date)
			return 0; /* two holidays on one day: keep the first */
	list[*n].date = date;
	list[*n].kind = kind;
	bt__copy_utf8(list[*n].name, sizeof(list[*n].name), name);
	(*n)++;
	return 1;
}

static int by_date(const void *a, const void *b)
{
	const bt_holiday *x = a, *y = b;
	return (x->date > y->date) - (x->date < y->date);
}

static int contains(const bt_holiday *list, size_t n, bt_date d)
{
	for (size_t i = 0; i < n; i++)
		if (list[i].date == d)
			return 1;
	return 0;
}

/* Fill the cache for `year` (computed holidays and compensatory days). */
static int compute_year(bt_calendar *cal, int year)
{
	year_cache *yc = &cal->years[year - BT_DATE_MIN_YEAR];
	bt_holiday list[32];
	size_t n = 0;
	bt_lunar_date l;
	bt_date tet, d;

	if (yc->computed)
		return 0;

	add(list, &n, bt_date_from_ymd(year, 1, 1), BT_HOLIDAY_NEW_YEAR, "Tết Dương lịch");
	l = (bt_lunar_date){year, 1, 1, 0};
	if (year < BT_DATE_MAX_YEAR && bt_lunar_to_solar(&tet, &l) == 0) {
		static const char *const tet_names[5] = {NULL, "Tết Nguyên đán (Mùng 1)", "Tết Nguyên đán (Mùng 2)",
							 "Tết Nguyên đán (Mùng 3)", "Tết Nguyên đán (Mùng 4)"};
		bt_lunar_date eve;
		char eve_name[64];
		/* The eve is the 29th or the 30th of the twelfth month. */
		snprintf(eve_name, sizeof(eve_name), "Tết Nguyên đán (%d Tết)",
			 bt_lunar_from_solar(&eve, tet - 1) == 0 ? eve.day : 30);
		add(list, &n, tet - 1, BT_HOLIDAY_TET, eve_name);
		for (int i = 1; i < 5; i++)
			add(list, &n, tet - 1 + i, BT_HOLIDAY_TET, tet_names[i]);
	}
	l = (bt_lunar_date){year, 3, 10, 0};
	if (year < BT_DATE_MAX_YEAR && bt_lunar_to_solar(&d, &l) == 0)
		add(list, &n, d, BT_HOLIDAY_HUNG_KINGS, "Giỗ Tổ Hùng Vương (10/3 âm lịch)");
	add(list, &n, bt_date_from_ymd(year, 4, 30), BT_HOLIDAY_REUNIFICATION,
	    "Ngày Giải phóng miền Nam, thống nhất đất nước");
	add(list, &n, bt_date_from_ymd(year, 5, 1), BT_HOLIDAY_LABOUR, "Ngày Quốc tế Lao động");
	d = bt_date_from_ymd(year, 9, 2);
	add(list, &n, d, BT_HOLIDAY_NATIONAL, "Quốc khánh");
	{
		int wd = bt_date_weekday(d);
		bt_date adj = (wd == 2 || wd == 5 || wd == 6) ? d - 1 : d + 1;
		add(list, &n, adj, BT_HOLIDAY_NATIONAL, "Quốc khánh (ngày liền kề)");
	}
	qsort(list, n, sizeof(list[0]), by_date);

	/* Compensatory days, in date order, each on the next free weekday. */
	size_t base = n;
	for (size_t i = 0; i < base; i++) {
		if (!is_weekend(list[i].date))
			continue;
		bt_date c = list[i].date + 1;
		while (is_weekend(c) || contains(list, n, c))
			c++;
		char name[sizeof(list[i].name) + 16];
		snprintf(name, sizeof(name), "Nghỉ bù %s", list[i].name);
		add(list, &n, c, BT_HOLIDAY_COMPENSATORY, name);
	}
	qsort(list, n, sizeof(list[0]), by_date);

	/* Every holiday and its compensatory day fall inside the year (Tết is 21 Jan to 20 Feb). */
	bt_date first = bt_date_from_ymd(year, 1, 1);
	yc->list = malloc((n ? n : 1) * sizeof(bt_holiday));
	if (!yc->list)
		return bt__oom();
	memcpy(yc->list, list, n * sizeof(bt_holiday));
	yc->count = n;
	memset(yc->off, 0, sizeof(yc->off));
	for (size_t i = 0; i < n; i++)
		yc->off[list[i].date - first] = 1;
	yc->computed = 1;
	return 0;
}

static int year_index(bt_date date, int *year)
{
	int y, m, d;
	bt_date_to_ymd(date, &y, &m, &d);
	*year = y;
	return y >= BT_DATE_MIN_YEAR && y <= BT_DATE_MAX_YEAR;
}

int bt_calendar_is_working(bt_calendar *cal, bt_date date)
{
	int year;
	const override *o = find_override(cal, date);
	if (o)
		return o->working;
	if (is_weekend(date))
		return 0;
	if (!year_index(date, &year) || compute_year(cal, year) < 0)
		return 1;
	return !cal->years[year - BT_DATE_MIN_YEAR].off[date - bt_date_from_ymd(year, 1, 1)];
}

int bt_calendar_holidays(bt_holiday **out, size_t *count, bt_calendar *cal, int year)
{
	int err;
	bt_holiday *list = NULL;
	size_t n = 0;
	*out = NULL;
	*count = 0;
	if (year < BT_DATE_MIN_YEAR || year > BT_DATE_MAX_YEAR)
		return bt__error_set(BT_EINVALID, BT_("year %d outside the supported range %d-%d"), year, BT_DATE_MIN_YEAR,
				     BT_DATE_MAX_YEAR);
	if ((err = compute_year(cal, year)) < 0)
		return err;
	const year_cache *yc = &cal->years[year - BT_DATE_MIN_YEAR];
	list = malloc((yc->count + cal->n_overrides + 1) * sizeof(*list));
	if (!list)
		return bt__oom();
	for (size_t i = 0; i < yc->count; i++) {
		const override *o = find_override(cal, yc->list[i].date);
		if (o && o->working)
			continue; /* moved by decision */
		list[n++] = yc->list[i];
	}
	for (size_t i = 0; i < cal->n_overrides; i++) {
		const override *o = &cal->overrides[i];
		int y;
		if (o->working || !year_index(o->date, &y) || y != year || contains(list, n, o->date))
			continue;
		list[n].date = o->date;
		list[n].kind = BT_HOLIDAY_OVERRIDE;
		bt__copy_utf8(list[n].name, sizeof(list[n].name), o->note[0] ? o->note : "Nghỉ theo quyết định");
		n++;
	}
	qsort(list, n, sizeof(*list), by_date);
	*out = list;
	*count = n;
	return 0;
}
