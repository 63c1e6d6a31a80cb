#!/usr/bin/env python3
"""Build the independent known-answer table of Vietnamese lunar months.

Not run by the tests: it was run once by a developer (Debian python3 with
python3-ephem, which uses full VSOP87 and ELP2000 series) and its output,
lunar_months.txt, is committed. The C implementation in core/lunar.c uses a
different method (Meeus' series), so agreement between the two is evidence.

Method (the rules Vietnam has used since 1968, UTC+7 civil dates):
  * a month starts on the civil day (UTC+7) of an astronomical new moon;
  * month 11 is the month containing the December solstice;
  * when 13 new moons start between month 11 of one year and month 11 of the
    next, the first month in that span without a major solar term (sun's
    apparent longitude a multiple of 30 degrees) is a leap month and repeats
    the number of the month before it.
Output: one line per lunar month start, "YYYY-MM-DD lunar_year month leap".
"""
import datetime
import math
import sys

import ephem

TZ = 7.0 / 24.0


def civil(d):
    """ephem date (UT) -> datetime.date in UTC+7."""
    dt = ephem.Date(d + TZ).datetime()
    return dt.date()


def sun_lon(d):
    s = ephem.Sun()
    s.compute(ephem.Date(d), epoch=ephem.Date(d))
    return math.degrees(float(ephem.Ecliptic(s, epoch=ephem.Date(d)).lon))


def term_time(target, near):
    """Instant the apparent solar longitude reaches target (degrees), near `near`."""
    lo, hi = near - 20, near + 20

    def f(t):
        return ((sun_lon(t) - target + 180.0) % 360.0) - 180.0

    for _ in range(60):
        mid = (lo + hi) / 2
        if f(mid) < 0:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def major_terms(y0, y1):
    """Civil dates of all major terms from year y0 to y1."""
    out = []
    for y in range(y0, y1 + 1):
        for k in range(12):
            lon = (270 + 30 * k) % 360
            # approximate date: Dec 21 of year-1 + k * 30.44 days
            approx = ephem.Date(datetime.datetime(y - 1, 12, 21)) + 30.4368 * k
            t = term_time(lon, approx)
            out.append((civil(t), lon))
    return sorted(set(out))


def new_moons(y0, y1):
    out = []
    d = ephem.Date(datetime.datetime(y0, 1, 1))
    end = ephem.Date(datetime.datetime(y1, 12, 31))
    while d < end:
        d = ephem.next_new_moon(d)
        out.append(civil(d))
        d = ephem.Date(d + 1)
    return out


def main():
    first, last = int(sys.argv[1]), int(sys.argv[2])
    moons = new_moons(first - 2, last + 2)
    terms = major_terms(first - 2, last + 2)
    solstices = {d.year: d for d, lon in terms if lon == 270}

    def month11(y):
        s = solstices[y]
        return max(i for i, m in enumerate(moons) if m <= s)

    def has_major(i):
        return any(moons[i] <= d < moons[i + 1] for d, _ in terms)

    for y in range(first - 1, last + 1):
        a, b = month11(y), month11(y + 1)
        leap_idx = None
        if b - a == 13:
            for i in range(a + 1, b):
                if not has_major(i):
                    leap_idx = i
                    break
        num, year = 11, y
        for i in range(a, b):
            leap = i == leap_idx
            if i > a and not leap:
                num += 1
                if num == 13:
                    num = 1
                    year = y + 1
            if year >= first and year <= last:
                print(f"{moons[i].isoformat()} {year} {num} {1 if leap else 0}")


if __name__ == "__main__":
    main()
