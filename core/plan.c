/*
 * plan.c - a cell's meeting calendar for a year (bt_plan_year): where the
 * regular meeting of each month can go, and why a date moved.
 */
#include "bontot/eval.h"
#include "error.h"
#include "i18n.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const weekday_names[8] = {"", N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"), N_("Sunday")};

/* The name of the holiday on `d`, or NULL. */
static const char *holiday_name(const bt_holiday *list, size_t n, bt_date d)
{
	for (size_t i = 0; i < n; i++)
		if (list[i].date == d)
			return list[i].name;
	return NULL;
}

int bt_plan_year(bt_plan_month out[12], bt_calendar *cal, const bt_rules *rules, int year)
{
	bt_holiday *holidays = NULL;
	size_t n_holidays = 0;
	int err;
	if (!cal || !rules || year < BT_DATE_MIN_YEAR || year > BT_DATE_MAX_YEAR)
		return bt__error_set(BT_EINVALID, BT_("plan: invalid arguments"));
	if ((err = bt_calendar_holidays(&holidays, &n_holidays, cal, year)) < 0)
		return err;
	for (int m = 1; m <= 12; m++) {
		bt_plan_month *p = &out[m - 1];
		memset(p, 0, sizeof(*p));
		p->month = m;
		bt_meeting_window(&p->window_first, &p->window_last, cal, rules, year, m);
		bt_date nominal = bt_date_from_ymd(year, m, rules->window_first_day);
		bt_date last = bt_date_from_ymd(year, m, rules->window_last_day);
		p->date = p->window_last; /* when every nominal day is off */
		for (bt_date d = nominal; d <= last; d++)
			if (bt_calendar_is_working(cal, d)) {
				p->date = d;
				break;
			}
		p->thematic = rules->thematic_per_quarter > 0 && m % 3 == 0;
		if (p->date != nominal) {
			const char *h = holiday_name(holidays, n_holidays, nominal);
			int y, mo, dd;
			bt_date_to_ymd(nominal, &y, &mo, &dd);
			p->shifted_from = nominal;
			p->shift = h ? BT_PLAN_HOLIDAY : BT_PLAN_WEEKEND;
			if (h) {
				char name[80];
				bt__copy_utf8(name, sizeof(name), h);
				snprintf(p->reason, sizeof(p->reason), BT_("%02d/%02d/%04d is a day off: %s"), dd, mo, y, name);
			}
			else if (bt_date_weekday(nominal) >= 6)
				snprintf(p->reason, sizeof(p->reason), BT_("%02d/%02d/%04d is a %s"), dd, mo, y,
					 BT_(weekday_names[bt_date_weekday(nominal)]));
			else
				snprintf(p->reason, sizeof(p->reason), BT_("%02d/%02d/%04d is not a working day"), dd, mo, y);
		}
	}
	free(holidays);
	return 0;
}
