/*
 * timestamp.c: the fixed commit time form, converted with the proleptic
 * Gregorian day count (no time zone database, no locale: the same bytes on
 * every machine).
 */
#include <string.h>

#include "fmt.h"
#include "timestamp.h"

#define US_PER_DAY INT64_C(86400000000)

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* Read exactly n decimal digits. */
static bool
digits(const char *s, int n, int64_t *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

static int
days_in_month(int64_t y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

bool
timestamp_parse(const char *s, size_t len, int64_t *us)
{
	int64_t y, mo, d, h, mi, sec, frac;

	if (len != TIMESTAMP_LEN || s[4] != '-' || s[7] != '-' || s[10] != ' ' ||
	    s[13] != ':' || s[16] != ':' || s[19] != '.' || s[26] != '+' ||
	    s[27] != '0' || s[28] != '0')
		return false;
	if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
	    !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) ||
	    !digits(s + 17, 2, &sec) || !digits(s + 20, 6, &frac))
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, (int)mo) ||
	    h > 23 || mi > 59 || sec > 59)
		return false;
	*us = days_from_civil(y, (int)mo, (int)d) * US_PER_DAY +
	    ((h * 60 + mi) * 60 + sec) * INT64_C(1000000) + frac;
	return true;
}

/*
 * The form has four digits of year, as it has for every commit time a
 * server's clock could give; a year outside 0-9999 keeps its last four.
 */
char *
timestamp_format(int64_t us, char buf[TIMESTAMP_BUFSIZE])
{
	int64_t days = us / US_PER_DAY, rest = us % US_PER_DAY, y;
	int m, d;
	char *p;

	if (rest < 0) {
		rest += US_PER_DAY;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	p = fmt_fixed(buf, (uint64_t)(y < 0 ? -y : y), 4);
	*p++ = '-';
	p = fmt_fixed(p, (uint64_t)m, 2);
	*p++ = '-';
	p = fmt_fixed(p, (uint64_t)d, 2);
	*p++ = ' ';
	p = fmt_fixed(p, (uint64_t)(rest / INT64_C(3600000000)), 2);
	*p++ = ':';
	p = fmt_fixed(p, (uint64_t)(rest / 60000000 % 60), 2);
	*p++ = ':';
	p = fmt_fixed(p, (uint64_t)(rest / 1000000 % 60), 2);
	*p++ = '.';
	p = fmt_fixed(p, (uint64_t)(rest % 1000000), 6);
	memcpy(p, "+00", 4);
	return buf;
}
