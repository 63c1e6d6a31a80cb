/*
 * lunar.c - the Vietnamese lunar calendar (âm lịch), computed astronomically.
 *
 * Rules (the same as the Chinese calendar since 1645, with Vietnam's meridian):
 *   1. A month starts on the civil day, at UTC+7, of an astronomical new moon.
 *   2. Month 11 is the month that contains the December solstice.
 *   3. When 13 months start between month 11 of one year and month 11 of the
 *      next (a "suì"), the first of them with no major solar term (the sun's
 *      apparent longitude crossing a multiple of 30 degrees) is a leap month
 *      and repeats the number of the month before it.
 * Before month 11 of 1967 North Vietnam used the Chinese reckoning at UTC+8;
 * suì starting earlier are computed at UTC+8.
 *
 * Astronomy: the instant of new moon from Meeus, "Astronomical Algorithms"
 * (2nd ed.), chapter 49, with all periodic and planetary terms (error of a few
 * seconds); the sun's apparent longitude from Meeus chapter 25 with the
 * higher-order equation of centre, nutation and aberration; TT-UT (Delta T)
 * from the Espenak-Meeus polynomials. Whether a month has a major term is
 * decided, as in Ho Ngoc Duc's published method, by the sun's longitude at
 * local midnight at the start of the month and of the next month. The result
 * is checked against an independent table built from full VSOP87/ELP ephemeris
 * (tests/core/lunar_months.txt) for every month 1968-2100.
 */
#include "bontot/calendar.h"
#include "error.h"
#include "i18n.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define PI 3.14159265358979323846
#define RAD(d) ((d) * (PI / 180.0))

/* Julian day of 1970-01-01 00:00 UT. */
#define JD_UNIX_EPOCH 2440587.5

static double delta_t_days(double year)
{
	double t, dt;
	if (year < 1920) {
		double u = (year - 1820) / 100;
		dt = -20 + 32 * u * u;
	} else if (year < 1941) {
		t = year - 1920;
		dt = 21.20 + 0.84493 * t - 0.076100 * t * t + 0.0020936 * t * t * t;
	} else if (year < 1961) {
		t = year - 1950;
		dt = 29.07 + 0.407 * t - t * t / 233 + t * t * t / 2547;
	} else if (year < 1986) {
		t = year - 1975;
		dt = 45.45 + 1.067 * t - t * t / 260 - t * t * t / 718;
	} else if (year < 2005) {
		t = year - 2000;
		dt = 63.86 + 0.3345 * t - 0.060374 * t * t + 0.0017275 * t * t * t +
		     0.000651814 * t * t * t * t + 0.00002373599 * t * t * t * t * t;
	} else if (year < 2050) {
		t = year - 2000;
		dt = 62.92 + 0.32217 * t + 0.005589 * t * t;
	} else if (year < 2150) {
		double u = (year - 1820) / 100;
		dt = -20 + 32 * u * u - 0.5628 * (2150 - year);
	} else {
		double u = (year - 1820) / 100;
		dt = -20 + 32 * u * u;
	}
	return dt / 86400.0;
}

/* Julian Ephemeris Day of true new moon number k (k = 0: 2000-01-06). Meeus ch. 49. */
static double new_moon_jde(int k)
{
	const double T = k / 1236.85, T2 = T * T, T3 = T2 * T, T4 = T3 * T;
	double jde = 2451550.09766 + 29.530588861 * k + 0.00015437 * T2 - 0.000000150 * T3 + 0.00000000073 * T4;
	const double E = 1 - 0.002516 * T - 0.0000074 * T2;
	const double M = RAD(2.5534 + 29.10535670 * k - 0.0000014 * T2 - 0.00000011 * T3);
	const double Mp = RAD(201.5643 + 385.81693528 * k + 0.0107582 * T2 + 0.00001238 * T3 - 0.000000058 * T4);
	const double F = RAD(160.7108 + 390.67050284 * k - 0.0016118 * T2 - 0.00000227 * T3 + 0.000000011 * T4);
	const double Om = RAD(124.7746 - 1.56375588 * k + 0.0020672 * T2 + 0.00000215 * T3);

	jde += -0.40720 * sin(Mp) + 0.17241 * E * sin(M) + 0.01608 * sin(2 * Mp) + 0.01039 * sin(2 * F) +
	       0.00739 * E * sin(Mp - M) - 0.00514 * E * sin(Mp + M) + 0.00208 * E * E * sin(2 * M) -
	       0.00111 * sin(Mp - 2 * F) - 0.00057 * sin(Mp + 2 * F) + 0.00056 * E * sin(2 * Mp + M) -
	       0.00042 * sin(3 * Mp) + 0.00042 * E * sin(M + 2 * F) + 0.00038 * E * sin(M - 2 * F) -
	       0.00024 * E * sin(2 * Mp - M) - 0.00017 * sin(Om) - 0.00007 * sin(Mp + 2 * M) +
	       0.00004 * sin(2 * Mp - 2 * F) + 0.00004 * sin(3 * M) + 0.00003 * sin(Mp + M - 2 * F) +
	       0.00003 * sin(2 * Mp + 2 * F) - 0.00003 * sin(Mp + M + 2 * F) + 0.00003 * sin(Mp - M + 2 * F) -
	       0.00002 * sin(Mp - M - 2 * F) - 0.00002 * sin(3 * Mp + M) + 0.00002 * sin(4 * Mp);

	static const double amp[14] = {0.000325, 0.000165, 0.000164, 0.000126, 0.000110, 0.000062, 0.000060,
				       0.000056, 0.000047, 0.000042, 0.000040, 0.000037, 0.000035, 0.000023};
	static const double a0[14] = {299.77, 251.88, 251.83, 349.42, 84.66,  141.74, 207.14,
				      154.84, 34.52,  207.19, 291.34, 161.72, 239.56, 331.55};
	static const double a1[14] = {0.107408, 0.016321, 26.651886, 36.412478, 18.206239, 53.303771, 2.453732,
				      7.306860, 27.261239, 0.121824,  1.844379,  24.198154, 25.513099, 3.592518};
	for (int i = 0; i < 14; i++) {
		double a = a0[i] + a1[i] * k;
		if (i == 0)
			a -= 0.009173 * T2;
		jde += amp[i] * sin(RAD(a));
	}
	return jde;
}

static double jd_year(double jd) { return 2000.0 + (jd - 2451545.0) / 365.25; }

/* Civil day number (at UTC+tz) of new moon k. */
static bt_date new_moon_day(int k, int tz)
{
	double jde = new_moon_jde(k);
	double jd_ut = jde - delta_t_days(jd_year(jde));
	return (bt_date)floor(jd_ut + 0.5 + tz / 24.0 - (JD_UNIX_EPOCH + 0.5));
}

/* Sun's apparent geocentric longitude in degrees [0, 360) at Julian Day (UT). Meeus ch. 25. */
static double sun_longitude(double jd_ut)
{
	const double jde = jd_ut + delta_t_days(jd_year(jd_ut));
	const double T = (jde - 2451545.0) / 36525.0, T2 = T * T;
	const double L0 = 280.46646 + 36000.76983 * T + 0.0003032 * T2;
	const double M = RAD(357.52911 + 35999.05029 * T - 0.0001537 * T2);
	const double C = (1.914602 - 0.004817 * T - 0.000014 * T2) * sin(M) + (0.019993 - 0.000101 * T) * sin(2 * M) +
			 0.000289 * sin(3 * M);
	const double Om = RAD(125.04 - 1934.136 * T);
	double lon = L0 + C - 0.00569 - 0.00478 * sin(Om);
	lon = fmod(lon, 360.0);
	if (lon < 0)
		lon += 360.0;
	return lon;
}

/* Index 0-11 of the 30-degree sector the sun is in at local midnight starting `day`. */
static int sun_sector(bt_date day, int tz)
{
	double jd_ut = day + JD_UNIX_EPOCH - tz / 24.0;
	return (int)(sun_longitude(jd_ut) / 30.0);
}

/* Index k of the new moon starting the month that contains `day`. */
static int month_k(bt_date day, int tz)
{
	/* k = 0 is 2000-01-06 (day 10962). */
	int k = (int)floor((day - 10962) / 29.530588853);
	while (new_moon_day(k + 1, tz) <= day)
		k++;
	while (new_moon_day(k, tz) > day)
		k--;
	return k;
}

static int tz_for_sui(int greg_year) { return greg_year < 1967 ? 8 : 7; }

/* k of month 11 of Gregorian year y: the month containing the December solstice (270 degrees). */
static int month11_k(int y, int tz)
{
	int k = month_k(bt_date_from_ymd(y, 12, 31), tz);
	/* Sector 9 (270..300) at the month's start means the solstice was in an earlier month. */
	if (sun_sector(new_moon_day(k, tz), tz) >= 9)
		k--;
	return k;
}

/* Offset (1..12) within the suì starting at month-11 index a of the leap month, or 0 for none. */
static int leap_offset(int a, int tz)
{
	int prev = sun_sector(new_moon_day(a + 1, tz), tz);
	for (int i = 1; i <= 12; i++) {
		int next = sun_sector(new_moon_day(a + i + 1, tz), tz);
		if (next == prev)
			return i;
		prev = next;
	}
	return 0;
}

typedef struct {
	int start_year; /* Gregorian year of the suì's month 11 */
	int a, b;       /* k of its month 11 and of the next month 11 */
	int leap;       /* offset of the leap month, 0 if none */
	int tz;
} sui;

static void sui_of_year(sui *s, int y)
{
	s->start_year = y;
	s->tz = tz_for_sui(y);
	s->a = month11_k(y, s->tz);
	s->b = month11_k(y + 1, s->tz);
	s->leap = (s->b - s->a == 13) ? leap_offset(s->a, s->tz) : 0;
}

static int in_range(bt_date day)
{
	int y, m, d;
	bt_date_to_ymd(day, &y, &m, &d);
	return y >= BT_DATE_MIN_YEAR && y <= BT_DATE_MAX_YEAR;
}

int bt_lunar_from_solar(bt_lunar_date *out, bt_date day)
{
	int y, m, d;
	sui s;
	if (!in_range(day))
		return bt__error_set(BT_EINVALID, BT_("date outside the supported range %d-%d"), BT_DATE_MIN_YEAR, BT_DATE_MAX_YEAR);
	bt_date_to_ymd(day, &y, &m, &d);
	sui_of_year(&s, y);
	int k = month_k(day, s.tz);
	if (k < s.a) {
		sui_of_year(&s, y - 1);
		k = month_k(day, s.tz);
	}
	if (k >= s.b) {
		/* Only possible when the time zone changes between suì. */
		sui_of_year(&s, y + 1);
		k = month_k(day, s.tz);
	}
	int off = k - s.a;
	int raw = 11 + off;
	out->leap = 0;
	if (s.leap && off >= s.leap) {
		raw--;
		out->leap = off == s.leap;
	}
	out->year = raw > 12 ? s.start_year + 1 : s.start_year;
	out->month = raw > 12 ? raw - 12 : raw;
	out->day = (int)(day - new_moon_day(k, s.tz)) + 1;
	return 0;
}

int bt_lunar_to_solar(bt_date *out, const bt_lunar_date *l)
{
	sui s;
	if (l->year < BT_DATE_MIN_YEAR || l->year > BT_DATE_MAX_YEAR - 1 || l->month < 1 || l->month > 12 ||
	    l->day < 1 || l->day > 30)
		return bt__error_set(BT_EINVALID, BT_("invalid lunar date"));
	int raw = l->month >= 11 ? l->month : l->month + 12;
	sui_of_year(&s, l->month >= 11 ? l->year : l->year - 1);
	int off = raw - 11;
	if (l->leap) {
		if (!s.leap || s.leap != off + 1)
			return bt__error_set(BT_EINVALID, BT_("lunar year %d has no leap month %d"), l->year, l->month);
		off++;
	} else if (s.leap && s.leap <= off) {
		off++;
	}
	bt_date start = new_moon_day(s.a + off, s.tz);
	bt_date next = new_moon_day(s.a + off + 1, s.tz);
	if (start + l->day - 1 >= next)
		return bt__error_set(BT_EINVALID, BT_("month %d of lunar year %d has no day %d"), l->month, l->year,
				     l->day);
	*out = start + l->day - 1;
	return 0;
}

void bt_lunar_year_name(char *out, size_t out_size, int year)
{
	static const char *const can[10] = {"Giáp", "Ất", "Bính", "Đinh", "Mậu", "Kỷ", "Canh", "Tân", "Nhâm", "Quý"};
	static const char *const chi[12] = {"Tý", "Sửu", "Dần", "Mão", "Thìn", "Tỵ",
					    "Ngọ", "Mùi", "Thân", "Dậu", "Tuất", "Hợi"};
	snprintf(out, out_size, "%s %s", can[((year + 6) % 10 + 10) % 10], chi[((year + 8) % 12 + 12) % 12]);
}
