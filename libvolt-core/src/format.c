/*
 * Human formatting and parsing of sizes and durations.
 *
 * Parsing is done by hand on integers rather than with strtod(): the
 * result must not depend on the locale, and overflow must be exact.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <volt/core/error.h>
#include <volt/core/format.h>

#include "shared/macro.h"

/* Print @v with three significant digits, trailing zeros dropped. */
static void print_3sig(char *buf, double v, const char *unit)
{
	char num[VOLT_FORMAT_BUF_SIZE];
	size_t n;

	snprintf(num, sizeof(num), v < 10 ? "%.2f" : v < 100 ? "%.1f" : "%.0f", v);
	n = strlen(num);
	if (memchr(num, '.', n)) {
		while (num[n - 1] == '0')
			num[--n] = '\0';
		if (num[n - 1] == '.')
			num[--n] = '\0';
	}
	snprintf(buf, VOLT_FORMAT_BUF_SIZE, "%s%s", num, unit);
}

/* Would @v print as @limit or more once rounded to three significant digits? */
static int rounds_to(double v, double limit)
{
	double r = v < 10 ? 0.005 : v < 100 ? 0.05 : 0.5;

	return v + r >= limit;
}

VOLT_API const char *volt_format_size(char buf[VOLT_FORMAT_BUF_SIZE], uint64_t bytes)
{
	static const char *const units[] = { " KiB", " MiB", " GiB", " TiB", " PiB", " EiB" };
	double v;
	size_t u = 0;

	if (bytes < 1024) {
		snprintf(buf, VOLT_FORMAT_BUF_SIZE, "%u B", (unsigned)bytes);
		return buf;
	}
	v = (double)bytes / 1024.0;
	while (u + 1 < ELEMENTSOF(units) && rounds_to(v, 1000)) {
		/* 1000..1023 KiB would need four digits: show 0.98 MiB instead. */
		v /= 1024.0;
		u++;
	}
	print_3sig(buf, v, units[u]);
	return buf;
}

VOLT_API const char *volt_format_duration(char buf[VOLT_FORMAT_BUF_SIZE], uint64_t nsec)
{
	const uint64_t min = 60 * VOLT_NSEC_PER_SEC, hour = 60 * min, day = 24 * hour;

	if (nsec == 0)
		snprintf(buf, VOLT_FORMAT_BUF_SIZE, "0");
	else if (nsec < VOLT_NSEC_PER_USEC)
		snprintf(buf, VOLT_FORMAT_BUF_SIZE, "%uns", (unsigned)nsec);
	else if (!rounds_to((double)nsec / VOLT_NSEC_PER_USEC, 1000))
		print_3sig(buf, (double)nsec / VOLT_NSEC_PER_USEC, "us");
	else if (!rounds_to((double)nsec / VOLT_NSEC_PER_MSEC, 1000))
		print_3sig(buf, (double)nsec / VOLT_NSEC_PER_MSEC, "ms");
	else if (nsec < min && !rounds_to((double)nsec / VOLT_NSEC_PER_SEC, 60))
		print_3sig(buf, (double)nsec / VOLT_NSEC_PER_SEC, "s");
	else if (nsec < hour)
		snprintf(buf, VOLT_FORMAT_BUF_SIZE, "%umin %us", (unsigned)(nsec / min),
			 (unsigned)(nsec % min / VOLT_NSEC_PER_SEC));
	else if (nsec < day)
		snprintf(buf, VOLT_FORMAT_BUF_SIZE, "%uh %umin", (unsigned)(nsec / hour),
			 (unsigned)(nsec % hour / min));
	else
		snprintf(buf, VOLT_FORMAT_BUF_SIZE, "%llud %uh", (unsigned long long)(nsec / day),
			 (unsigned)(nsec % day / hour));
	return buf;
}

/*
 * Parse "123" or "1.5" at *p into @whole and a fraction as
 * @frac / 10^@frac_digits. Advances *p. Fraction digits beyond 18 are
 * ignored (they cannot matter for a 64-bit result).
 */
static int parse_decimal(const char **p, uint64_t *whole, uint64_t *frac, unsigned *frac_digits)
{
	const char *s = *p;
	int any = 0;

	*whole = *frac = 0;
	*frac_digits = 0;
	for (; *s >= '0' && *s <= '9'; s++, any = 1)
		if (__builtin_mul_overflow(*whole, 10, whole) ||
		    __builtin_add_overflow(*whole, (uint64_t)(*s - '0'), whole))
			return -ERANGE;
	if (*s == '.') {
		s++;
		for (; *s >= '0' && *s <= '9'; s++, any = 1)
			if (*frac_digits < 18) {
				*frac = *frac * 10 + (uint64_t)(*s - '0');
				(*frac_digits)++;
			}
	}
	if (!any)
		return -EINVAL;
	*p = s;
	return 0;
}

/* @whole.@frac × @mult, exactly, truncating below one. */
static int scale(uint64_t whole, uint64_t frac, unsigned frac_digits, uint64_t mult, uint64_t *out)
{
	uint64_t pow10 = 1, part;

	if (__builtin_mul_overflow(whole, mult, out))
		return -ERANGE;
	for (unsigned i = 0; i < frac_digits; i++)
		pow10 *= 10;
	/* frac < pow10 <= 10^18, so split mult to avoid overflow. */
	part = (uint64_t)((unsigned __int128)frac * mult / pow10);
	if (__builtin_add_overflow(*out, part, out))
		return -ERANGE;
	return 0;
}

VOLT_API int volt_parse_size(uint64_t *out, const char *s)
{
	static const char units[] = "BKMGTPE";
	uint64_t whole, frac, mult = 1, v;
	unsigned fd;
	const char *p = s, *u;
	int r;

	assert_return(out, EINVAL);
	if (!s)
		return volt_error_set(EINVAL, "size: no value given");

	while (*p == ' ')
		p++;
	r = parse_decimal(&p, &whole, &frac, &fd);
	if (r == -ERANGE)
		return volt_error_set(ERANGE, "size '%s' is too large", s);
	if (r < 0)
		return volt_error_set(EINVAL, "size '%s' does not start with a number", s);
	while (*p == ' ')
		p++;
	if (*p) {
		char c = *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;

		u = strchr(units, c);
		if (!u || c == '\0')
			goto bad_unit;
		for (long i = 0; i < u - units; i++)
			mult *= 1024;
		p++;
		if (c != 'B') {
			if (p[0] == 'i' && p[1] == 'B')
				p += 2;
			else if (p[0] == 'B')
				p++;
		}
		if (*p)
			goto bad_unit;
	}
	if (scale(whole, frac, fd, mult, &v) < 0)
		return volt_error_set(ERANGE, "size '%s' is too large", s);
	*out = v;
	return 0;

bad_unit:
	return volt_error_set(EINVAL, "size '%s' has an unknown unit (use B, K, M, G, T, P or E)", s);
}

static const struct {
	const char *name;
	uint64_t nsec;
} duration_units[] = {
	{ "ns", 1 },
	{ "us", VOLT_NSEC_PER_USEC },
	{ "ms", VOLT_NSEC_PER_MSEC },
	{ "s", VOLT_NSEC_PER_SEC },
	{ "min", 60 * VOLT_NSEC_PER_SEC },
	{ "h", 3600 * VOLT_NSEC_PER_SEC },
	{ "d", 86400 * VOLT_NSEC_PER_SEC },
};

VOLT_API int volt_parse_duration(uint64_t *out, const char *s)
{
	uint64_t total = 0;
	const char *p = s;
	int terms = 0;

	assert_return(out, EINVAL);
	if (!s)
		return volt_error_set(EINVAL, "duration: no value given");

	for (;;) {
		uint64_t whole, frac, v, mult = 0;
		const char *word;
		unsigned fd;
		size_t wlen;
		int r;

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		r = parse_decimal(&p, &whole, &frac, &fd);
		if (r == -ERANGE)
			return volt_error_set(ERANGE, "duration '%s' is too long", s);
		if (r < 0)
			return volt_error_set(EINVAL, "duration '%s': expected a number at '%s'", s, p);
		while (*p == ' ')
			p++;
		word = p;
		while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
			p++;
		wlen = (size_t)(p - word);
		if (wlen == 0) {
			/* A bare number means seconds, but only on its own. */
			if (terms > 0 || *p)
				return volt_error_set(EINVAL, "duration '%s': a unit is needed after each number", s);
			mult = VOLT_NSEC_PER_SEC;
		}
		for (size_t i = 0; i < ELEMENTSOF(duration_units) && !mult; i++)
			if (strlen(duration_units[i].name) == wlen &&
			    strncmp(duration_units[i].name, word, wlen) == 0)
				mult = duration_units[i].nsec;
		if (!mult)
			return volt_error_set(EINVAL,
					      "duration '%s': unknown unit '%.*s' (use ns, us, ms, s, min, h or d)",
					      s, (int)wlen, word);
		if (scale(whole, frac, fd, mult, &v) < 0 || __builtin_add_overflow(total, v, &total))
			return volt_error_set(ERANGE, "duration '%s' is too long", s);
		terms++;
	}
	if (terms == 0)
		return volt_error_set(EINVAL, "duration is empty");
	*out = total;
	return 0;
}
