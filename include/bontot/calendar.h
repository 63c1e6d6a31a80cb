/*
 * bontot/calendar.h - civil dates, the Vietnamese lunar calendar, public
 * holidays and working days (docs/calendar.md).
 *
 * Dates are day numbers: days since 1970-01-01 in the proleptic Gregorian
 * calendar (negative before it). Lunar conversion follows the Vietnamese rules
 * (month starts on the civil day of the new moon at UTC+7, 105 degrees E; month
 * 11 holds the December solstice; the first month without a major solar term
 * of a 13-month year is leap). Before lunar month 11 of 1967 Vietnam used the
 * Chinese reckoning at UTC+8 and so do we. Supported range: 1900-2199; exact
 * (checked against an independent ephemeris) 1968-2100. See docs/calendar.md.
 */
#ifndef BONTOT_CALENDAR_H
#define BONTOT_CALENDAR_H

#include "bontot/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef int32_t bt_date;

#define BT_DATE_NONE INT32_MIN
#define BT_DATE_MIN_YEAR 1900
#define BT_DATE_MAX_YEAR 2199
#define BT_DATE_STR_BYTES 11 /* "YYYY-MM-DD" plus NUL */

/* Day number of a Gregorian date. No validation: use bt_date_valid first. */
bt_date bt_date_from_ymd(int year, int month, int day);

/* Split a day number into year, month (1-12) and day (1-31). */
void bt_date_to_ymd(bt_date date, int *year, int *month, int *day);

/* 1 when year/month/day is a real date inside the supported range. */
int bt_date_valid(int year, int month, int day);

/* Days in a Gregorian month. */
int bt_date_days_in_month(int year, int month);

/* ISO weekday: 1 = Monday ... 7 = Sunday. */
int bt_date_weekday(bt_date date);

/*
 * Parse exactly "YYYY-MM-DD" (len bytes, no terminator needed).
 * Returns 0, or BT_EINVALID for anything else (including 2026-02-30).
 */
int bt_date_parse(bt_date *out, const char *text, size_t len) BT_WARN_UNUSED;

/*
 * A date as a person types it: "dd/mm/yyyy" or "d/m/yyyy" (the way dates
 * are written in Vietnam), or "YYYY-MM-DD". Files keep the ISO form only
 * (bt_date_parse). BT_EINVALID, with a message showing both forms.
 */
int bt_date_parse_typed(bt_date *out, const char *text) BT_WARN_UNUSED;

/* Write "YYYY-MM-DD" and a NUL into out (BT_DATE_STR_BYTES bytes). */
void bt_date_format(char out[BT_DATE_STR_BYTES], bt_date date);

/* A month as year * 12 + (month - 1). */
typedef int32_t bt_month;
#define BT_MONTH_STR_BYTES 8 /* "YYYY-MM" plus NUL */
bt_month bt_month_of(bt_date date);
int bt_month_parse(bt_month *out, const char *text, size_t len) BT_WARN_UNUSED;
/* A month as a person types it: "mm/yyyy", "m/yyyy" or "YYYY-MM". */
int bt_month_parse_typed(bt_month *out, const char *text) BT_WARN_UNUSED;
void bt_month_format(char out[BT_MONTH_STR_BYTES], bt_month month);
bt_date bt_month_first_day(bt_month month);
bt_date bt_month_last_day(bt_month month);

/* ---- lunar calendar ---- */

typedef struct {
	int year;  /* lunar year (the Gregorian year in which it mostly falls) */
	int month; /* 1-12 */
	int day;   /* 1-30 */
	int leap;  /* 1 when this is the leap (nhuận) repetition of `month` */
} bt_lunar_date;

/* Convert a civil date to the Vietnamese lunar date. BT_EINVALID out of range. */
int bt_lunar_from_solar(bt_lunar_date *out, bt_date date) BT_WARN_UNUSED;

/*
 * Convert a lunar date to the civil date. BT_EINVALID when the lunar date does
 * not exist (a leap flag on a month that is not leap that year, day 30 of a
 * 29-day month) or is out of range.
 */
int bt_lunar_to_solar(bt_date *out, const bt_lunar_date *lunar) BT_WARN_UNUSED;

/* The sexagenary (can chi) name of a lunar year, e.g. "Bính Ngọ" for 2026. Static storage. */
void bt_lunar_year_name(char *out, size_t out_size, int lunar_year);

/* ---- holidays and working days ---- */

typedef enum {
	BT_HOLIDAY_NEW_YEAR = 1,   /* Tết Dương lịch, 1 Jan */
	BT_HOLIDAY_TET,            /* Tết Nguyên đán, 5 days */
	BT_HOLIDAY_HUNG_KINGS,     /* Giỗ Tổ Hùng Vương, 10/3 lunar */
	BT_HOLIDAY_REUNIFICATION,  /* 30 Apr */
	BT_HOLIDAY_LABOUR,         /* 1 May */
	BT_HOLIDAY_NATIONAL,       /* Quốc khánh, 2 Sep and one adjacent day */
	BT_HOLIDAY_COMPENSATORY,   /* nghỉ bù for a holiday on a weekend */
	BT_HOLIDAY_OVERRIDE        /* made non-working by an official decision */
} bt_holiday_kind;

typedef struct {
	bt_date date;
	bt_holiday_kind kind;
	char name[128]; /* Vietnamese, UTF-8 NFC */
} bt_holiday;

typedef struct bt_calendar bt_calendar;

/* A calendar with the computed holidays and no overrides. Free with bt_calendar_free. */
int bt_calendar_new(bt_calendar **out) BT_WARN_UNUSED;
void bt_calendar_free(bt_calendar *cal);

/*
 * Record an official decision about one date: working = 0 makes it a
 * non-working day (an extra Tết day), working = 1 makes it a working day
 * (a weekend day swapped, a computed holiday moved). A later override of the
 * same date replaces the earlier one. `note` may be NULL; it is copied.
 */
int bt_calendar_set_override(bt_calendar *cal, bt_date date, int working, const char *note) BT_WARN_UNUSED;

/*
 * The public holidays of a year that are non-working days, in date order, after
 * overrides: computed holidays, compensatory days, and dates made non-working
 * (weekend days made non-working are listed only when an override names them).
 * *out is allocated; free it with free(). Returns 0 or BT_EINVALID / BT_ENOMEM.
 */
int bt_calendar_holidays(bt_holiday **out, size_t *count, bt_calendar *cal, int year) BT_WARN_UNUSED;

/*
 * 1 when `date` is a working day: not Saturday, Sunday or a public holiday,
 * unless an override makes it working. 0 otherwise. Dates outside the
 * supported range count as Saturday/Sunday only.
 */
int bt_calendar_is_working(bt_calendar *cal, bt_date date);

#ifdef __cplusplus
}
#endif
#endif
