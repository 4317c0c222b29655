/* Sizes and durations. SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdint.h>
#include <volt/core.h>

#include "volt-test.h"

START_TEST(sizes_format_with_three_digits)
{
	char buf[VOLT_FORMAT_BUF_SIZE];

	ck_assert_str_eq(volt_format_size(buf, 0), "0 B");
	ck_assert_str_eq(volt_format_size(buf, 1023), "1023 B");
	ck_assert_str_eq(volt_format_size(buf, 1024), "1 KiB");
	ck_assert_str_eq(volt_format_size(buf, 1536), "1.5 KiB");
	ck_assert_str_eq(volt_format_size(buf, 10 * 1024 + 512), "10.5 KiB");
	ck_assert_str_eq(volt_format_size(buf, 999 * 1024), "999 KiB");
	/* 1023.9 KiB would need four digits: it moves up a unit. */
	ck_assert_str_eq(volt_format_size(buf, 1024 * 1024 - 100), "1 MiB");
	ck_assert_str_eq(volt_format_size(buf, 1000 * 1024), "0.98 MiB");
	ck_assert_str_eq(volt_format_size(buf, 256ULL << 20), "256 MiB");
	ck_assert_str_eq(volt_format_size(buf, 117ULL << 30), "117 GiB");
	ck_assert_str_eq(volt_format_size(buf, UINT64_MAX), "16 EiB");
}
END_TEST

START_TEST(durations_format_in_two_units_or_three_digits)
{
	char buf[VOLT_FORMAT_BUF_SIZE];

	ck_assert_str_eq(volt_format_duration(buf, 0), "0");
	ck_assert_str_eq(volt_format_duration(buf, 850), "850ns");
	ck_assert_str_eq(volt_format_duration(buf, 12000), "12us");
	ck_assert_str_eq(volt_format_duration(buf, 1250000), "1.25ms");
	ck_assert_str_eq(volt_format_duration(buf, 350 * VOLT_NSEC_PER_MSEC), "350ms");
	ck_assert_str_eq(volt_format_duration(buf, 999999), "1ms");
	ck_assert_str_eq(volt_format_duration(buf, 12300 * VOLT_NSEC_PER_MSEC), "12.3s");
	ck_assert_str_eq(volt_format_duration(buf, 125 * VOLT_NSEC_PER_SEC), "2min 5s");
	ck_assert_str_eq(volt_format_duration(buf, (3 * 3600 + 120) * VOLT_NSEC_PER_SEC), "3h 2min");
	ck_assert_str_eq(volt_format_duration(buf, (2 * 86400 + 3 * 3600) * VOLT_NSEC_PER_SEC), "2d 3h");
	ck_assert_uint_lt(strlen(volt_format_duration(buf, UINT64_MAX)), VOLT_FORMAT_BUF_SIZE);
}
END_TEST

static uint64_t size_of(const char *s)
{
	uint64_t v = 0;

	ck_assert_msg(volt_parse_size(&v, s) == 0, "%s: %s", s, volt_error_message());
	return v;
}

START_TEST(sizes_parse_with_binary_units)
{
	uint64_t v;

	ck_assert_uint_eq(size_of("0"), 0);
	ck_assert_uint_eq(size_of("4096"), 4096);
	ck_assert_uint_eq(size_of("512B"), 512);
	ck_assert_uint_eq(size_of("4K"), 4096);
	ck_assert_uint_eq(size_of("256M"), 256ULL << 20);
	ck_assert_uint_eq(size_of("256m"), 256ULL << 20);
	ck_assert_uint_eq(size_of("1.5GiB"), 3ULL << 29);
	ck_assert_uint_eq(size_of("2 KB"), 2048);
	ck_assert_uint_eq(size_of("1T"), 1ULL << 40);
	ck_assert_uint_eq(size_of("0.5K"), 512);
	ck_assert_uint_eq(size_of("15E"), 15ULL << 60);
	ck_assert_uint_eq(size_of("18446744073709551615"), UINT64_MAX);

	ck_assert_fails_with(volt_parse_size(&v, ""), EINVAL, "does not start with a number");
	ck_assert_fails_with(volt_parse_size(&v, "-1"), EINVAL, "does not start with a number");
	ck_assert_fails_with(volt_parse_size(&v, "M"), EINVAL, "does not start with a number");
	ck_assert_fails_with(volt_parse_size(&v, "12Q"), EINVAL, "unknown unit");
	ck_assert_fails_with(volt_parse_size(&v, "12MBs"), EINVAL, "unknown unit");
	ck_assert_fails_with(volt_parse_size(&v, "1 2"), EINVAL, "unknown unit");
	ck_assert_fails_with(volt_parse_size(&v, "16E"), ERANGE, "too large");
	ck_assert_fails_with(volt_parse_size(&v, "18446744073709551616"), ERANGE, "too large");
	ck_assert_fails_with(volt_parse_size(&v, NULL), EINVAL, "no value");
}
END_TEST

static uint64_t duration_of(const char *s)
{
	uint64_t v = 0;

	ck_assert_msg(volt_parse_duration(&v, s) == 0, "%s: %s", s, volt_error_message());
	return v;
}

START_TEST(durations_parse_with_units)
{
	uint64_t v;

	ck_assert_uint_eq(duration_of("10"), 10 * VOLT_NSEC_PER_SEC);
	ck_assert_uint_eq(duration_of("500ms"), 500 * VOLT_NSEC_PER_MSEC);
	ck_assert_uint_eq(duration_of("1.5s"), 1500 * VOLT_NSEC_PER_MSEC);
	ck_assert_uint_eq(duration_of("1min 30s"), 90 * VOLT_NSEC_PER_SEC);
	ck_assert_uint_eq(duration_of("1h30min"), 5400 * VOLT_NSEC_PER_SEC);
	ck_assert_uint_eq(duration_of("2d"), 172800 * VOLT_NSEC_PER_SEC);
	ck_assert_uint_eq(duration_of("7ns"), 7);
	ck_assert_uint_eq(duration_of("3 us"), 3000);

	ck_assert_fails_with(volt_parse_duration(&v, ""), EINVAL, "empty");
	ck_assert_fails_with(volt_parse_duration(&v, "ms"), EINVAL, "expected a number");
	ck_assert_fails_with(volt_parse_duration(&v, "10 20"), EINVAL, "a unit is needed");
	ck_assert_fails_with(volt_parse_duration(&v, "1min 30"), EINVAL, "a unit is needed");
	ck_assert_fails_with(volt_parse_duration(&v, "5 weeks"), EINVAL, "unknown unit 'weeks'");
	ck_assert_fails_with(volt_parse_duration(&v, "999999999999d"), ERANGE, "too long");
}
END_TEST

VOLT_TEST_MAIN("format", sizes_format_with_three_digits, durations_format_in_two_units_or_three_digits,
	       sizes_parse_with_binary_units, durations_parse_with_units)
