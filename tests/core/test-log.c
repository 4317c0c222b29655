/* Logging through the program's handler. SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <volt/core.h>

#include "volt-test.h"

static struct {
	int calls;
	volt_log_level level;
	char msg[4096];
} seen;

static void record(volt_log_level level, const char *msg, void *userdata)
{
	ck_assert_ptr_eq(userdata, &seen);
	seen.calls++;
	seen.level = level;
	snprintf(seen.msg, sizeof(seen.msg), "%s", msg);
}

START_TEST(handler_gets_messages_up_to_the_level)
{
	memset(&seen, 0, sizeof(seen));
	volt_log_set_handler(record, &seen);
	ck_assert_int_eq(volt_log_get_level(), VOLT_LOG_WARNING);

	volt_log(VOLT_LOG_ERROR, "disk %d failed", 3);
	ck_assert_int_eq(seen.calls, 1);
	ck_assert_int_eq(seen.level, VOLT_LOG_ERROR);
	ck_assert_str_eq(seen.msg, "disk 3 failed");

	volt_log(VOLT_LOG_DEBUG, "hidden");
	ck_assert_int_eq(seen.calls, 1);

	volt_log_set_level(VOLT_LOG_DEBUG);
	volt_log(VOLT_LOG_DEBUG, "shown");
	ck_assert_int_eq(seen.calls, 2);
	ck_assert_str_eq(seen.msg, "shown");

	/* Out-of-range levels are clamped. */
	volt_log_set_level((volt_log_level)99);
	ck_assert_int_eq(volt_log_get_level(), VOLT_LOG_DEBUG);
	volt_log_set_level((volt_log_level)-5);
	ck_assert_int_eq(volt_log_get_level(), VOLT_LOG_ERROR);
}
END_TEST

START_TEST(no_handler_drops_messages)
{
	memset(&seen, 0, sizeof(seen));
	volt_log_set_handler(NULL, NULL);
	volt_log(VOLT_LOG_ERROR, "nobody listens");
	ck_assert_int_eq(seen.calls, 0);
}
END_TEST

START_TEST(logging_preserves_errno)
{
	volt_log_set_handler(record, &seen);
	errno = ENOSPC;
	volt_log(VOLT_LOG_ERROR, "x");
	ck_assert_int_eq(errno, ENOSPC);
}
END_TEST

START_TEST(long_messages_are_truncated_not_overflowed)
{
	char big[8192];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	volt_log_set_handler(record, &seen);
	volt_log(VOLT_LOG_ERROR, "%s", big);
	ck_assert_uint_gt(strlen(seen.msg), 1000);
	ck_assert_uint_lt(strlen(seen.msg), sizeof(big) - 1);
}
END_TEST

START_TEST(level_names_round_trip)
{
	volt_log_level l;

	for (int i = VOLT_LOG_ERROR; i <= VOLT_LOG_DEBUG; i++) {
		ck_assert_int_eq(volt_log_level_from_string(&l, volt_log_level_to_string((volt_log_level)i)), 0);
		ck_assert_int_eq(l, i);
	}
	ck_assert_int_eq(volt_log_level_from_string(&l, "4"), 0);
	ck_assert_int_eq(l, VOLT_LOG_DEBUG);
	ck_assert_fails_with(volt_log_level_from_string(&l, "loud"), EINVAL, "unknown log level 'loud'");
	ck_assert_fails_with(volt_log_level_from_string(&l, "5"), EINVAL, "unknown log level");
	ck_assert_fails_with(volt_log_level_from_string(&l, NULL), EINVAL, "no value");
	ck_assert_str_eq(volt_log_level_to_string((volt_log_level)42), "unknown");
}
END_TEST

VOLT_TEST_MAIN("log", handler_gets_messages_up_to_the_level, no_handler_drops_messages,
	       logging_preserves_errno, long_messages_are_truncated_not_overflowed, level_names_round_trip)
