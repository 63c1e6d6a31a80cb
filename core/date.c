/*
 * date.c - Gregorian day numbers (days since 1970-01-01), parsing and
 * formatting of "YYYY-MM-DD" and "YYYY-MM" (and of dates as people type
 * them, "dd/mm/yyyy"). The conversion is Howard
 * Hinnant's days_from_civil / civil_from_days, exact for every date.
 */
#include "bontot/calendar.h"
#include "error.h"
#include "i18n.h"

#include <string.h>


bt_date bt_date_from_ymd(int y, int m, int d)
{
	y -= m <= 2;
	const int era = (y >= 0 ? y : y - 399) / 400;
	const int yoe = y - era * 400;
	const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void bt_date_to_ymd(bt_date z, int *year, int *month, int *day)
{
	z += 719468;
	const int era = (z >= 0 ? z : z - 146096) / 146097;
	const int doe = z - era * 146097;
	const int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const int mp = (5 * doy + 2) / 153;
	const int d = doy - (153 * mp + 2) / 5 + 1;
	const int m = mp < 10 ? mp + 3 : mp - 9;
	*year = yoe + era * 400 + (m <= 2);
	*month = m;
	*day = d;
}

static int is_leap_year(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int bt_date_days_in_month(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (m < 1 || m > 12)
		return 0;
	return days[m - 1] + (m == 2 && is_leap_year(y));
}

int bt_date_valid(int y, int m, int d)
{
	return y >= BT_DATE_MIN_YEAR && y <= BT_DATE_MAX_YEAR && m >= 1 && m <= 12 && d >= 1 &&
	       d <= bt_date_days_in_month(y, m);
}

int bt_date_weekday(bt_date date)
{
	/* 1970-01-01 was a Thursday (4). */
	int w = (int)((date % 7 + 7 + 3) % 7);
	return w + 1;
}

static int digits(const char *s, size_t n, int *out)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int bt_date_parse(bt_date *out, const char *s, size_t len)
{
	int y, m, d;
	if (len != 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, &y) || digits(s + 5, 2, &m) ||
	    digits(s + 8, 2, &d) || !bt_date_valid(y, m, d))
		return bt__error_set(BT_EINVALID, BT_("invalid date \"%.*s\" (expected YYYY-MM-DD, years %d-%d)"),
				     (int)(len > 40 ? 40 : len), s, BT_DATE_MIN_YEAR, BT_DATE_MAX_YEAR);
	*out = bt_date_from_ymd(y, m, d);
	return 0;
}

/* "d/m/yyyy" or "dd/mm/yyyy": the parts, or -1. */
static int slashed(const char *s, int parts, int v[3])
{
	for (int i = 0; i < parts; i++) {
		size_t n = 0;
		while (s[n] >= '0' && s[n] <= '9')
			n++;
		int last = i == parts - 1;
		if (last ? n != 4 || s[n] != '\0' : n < 1 || n > 2 || s[n] != '/')
			return -1;
		if (digits(s, n, &v[i]) < 0)
			return -1;
		s += n + 1;
	}
	return 0;
}

int bt_date_parse_typed(bt_date *out, const char *text)
{
	int v[3];
	size_t len = strlen(text);
	if (len == 10 && text[4] == '-' && bt_date_parse(out, text, len) == 0)
		return 0;
	if (slashed(text, 3, v) == 0 && bt_date_valid(v[2], v[1], v[0])) {
		*out = bt_date_from_ymd(v[2], v[1], v[0]);
		return 0;
	}
	return bt__error_set(BT_EINVALID, BT_("invalid date \"%.40s\" (write it dd/mm/yyyy, e.g. 07/03/2026, or YYYY-MM-DD)"),
			     text);
}

int bt_month_parse_typed(bt_month *out, const char *text)
{
	int v[3];
	size_t len = strlen(text);
	if (len == 7 && text[4] == '-' && bt_month_parse(out, text, len) == 0)
		return 0;
	if (slashed(text, 2, v) == 0 && v[0] >= 1 && v[0] <= 12 && v[1] >= BT_DATE_MIN_YEAR && v[1] <= BT_DATE_MAX_YEAR) {
		*out = v[1] * 12 + v[0] - 1;
		return 0;
	}
	return bt__error_set(BT_EINVALID, BT_("invalid month \"%.40s\" (write it mm/yyyy, e.g. 03/2026, or YYYY-MM)"), text);
}

static void put_digits(char *out, int value, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		out[i] = (char)('0' + value % 10);
		value /= 10;
	}
}

void bt_date_format(char out[BT_DATE_STR_BYTES], bt_date date)
{
	int y, m, d;
	bt_date_to_ymd(date, &y, &m, &d);
	put_digits(out, ((y % 10000) + 10000) % 10000, 4);
	out[4] = '-';
	put_digits(out + 5, m, 2);
	out[7] = '-';
	put_digits(out + 8, d, 2);
	out[10] = '\0';
}

bt_month bt_month_of(bt_date date)
{
	int y, m, d;
	bt_date_to_ymd(date, &y, &m, &d);
	return y * 12 + m - 1;
}

int bt_month_parse(bt_month *out, const char *s, size_t len)
{
	int y, m;
	if (len != 7 || s[4] != '-' || digits(s, 4, &y) || digits(s + 5, 2, &m) || !bt_date_valid(y, m, 1))
		return bt__error_set(BT_EINVALID, BT_("invalid month \"%.*s\" (expected YYYY-MM)"),
				     (int)(len > 40 ? 40 : len), s);
	*out = y * 12 + m - 1;
	return 0;
}

void bt_month_format(char out[BT_MONTH_STR_BYTES], bt_month month)
{
	put_digits(out, ((month / 12) % 10000 + 10000) % 10000, 4);
	out[4] = '-';
	put_digits(out + 5, month % 12 + 1, 2);
	out[7] = '\0';
}

bt_date bt_month_first_day(bt_month month) { return bt_date_from_ymd(month / 12, month % 12 + 1, 1); }

bt_date bt_month_last_day(bt_month month)
{
	int y = month / 12, m = month % 12 + 1;
	return bt_date_from_ymd(y, m, bt_date_days_in_month(y, m));
}
