/* Workload names. SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <volt/core.h>

#include "volt-test.h"

START_TEST(good_names_are_accepted)
{
	const char *good[] = { "a", "web", "web-1", "db.prod", "A1", "x.y-z.0",
			       "123456789012345678901234567890123456789012345678901234567890123" };

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_msg(volt_name_validate(good[i]) == 0, "%s: %s", good[i], volt_error_message());
		ck_assert(volt_name_is_valid(good[i]));
	}
}
END_TEST

START_TEST(bad_names_are_refused_with_reason)
{
	ck_assert_fails_with(volt_name_validate(""), EINVAL, "empty");
	ck_assert_fails_with(volt_name_validate(NULL), EINVAL, "empty");
	ck_assert_fails_with(volt_name_validate("-web"), EINVAL, "start and end");
	ck_assert_fails_with(volt_name_validate("web-"), EINVAL, "start and end");
	ck_assert_fails_with(volt_name_validate(".hidden"), EINVAL, "start and end");
	ck_assert_fails_with(volt_name_validate("a..b"), EINVAL, "'..'");
	ck_assert_fails_with(volt_name_validate("my_web"), EINVAL, "'_' at position 3");
	ck_assert_fails_with(volt_name_validate("a/b"), EINVAL, "'/'");
	ck_assert_fails_with(volt_name_validate("a b"), EINVAL, "' '");
	ck_assert_fails_with(volt_name_validate("a\nb"), EINVAL, "0x0a");
	ck_assert_fails_with(volt_name_validate("caf\xc3\xa9"), EINVAL, "0xc3");
	ck_assert_fails_with(volt_name_validate("1234567890123456789012345678901234567890123456789012345678901234"),
			     ENAMETOOLONG, "longer than 63");
}
END_TEST

START_TEST(is_valid_leaves_error_slot_alone)
{
	volt_error_set(EBUSY, "earlier");
	ck_assert(!volt_name_is_valid("bad name"));
	ck_assert_str_eq(volt_error_message(), "earlier");
}
END_TEST

VOLT_TEST_MAIN("name", good_names_are_accepted, bad_names_are_refused_with_reason,
	       is_valid_leaves_error_slot_alone)
