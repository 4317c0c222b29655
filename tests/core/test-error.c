/* The thread-local error slot. SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <pthread.h>
#include <volt/core.h>

#include "volt-test.h"

START_TEST(set_returns_negative_errno_and_keeps_message)
{
	volt_error_clear();
	ck_assert_str_eq(volt_error_message(), "no error");
	ck_assert_int_eq(volt_error_code(), 0);

	ck_assert_int_eq(volt_error_set(EINVAL, "bad name '%s'", "x y"), -EINVAL);
	ck_assert_str_eq(volt_error_message(), "bad name 'x y'");
	ck_assert_int_eq(volt_error_code(), -EINVAL);

	/* The sign of the code does not matter; 0 becomes EIO. */
	ck_assert_int_eq(volt_error_set(-ENOENT, "gone"), -ENOENT);
	ck_assert_int_eq(volt_error_set(0, "unknown"), -EIO);

	volt_error_clear();
	ck_assert_int_eq(volt_error_code(), 0);
	ck_assert_str_eq(volt_error_message(), "no error");
}
END_TEST

START_TEST(set_errno_appends_strerror)
{
	ck_assert_int_eq(volt_error_set_errno(ENOENT, "open %s", "/x"), -ENOENT);
	ck_assert_str_eq(volt_error_message(), "open /x: No such file or directory");
	ck_assert_int_eq(volt_error_set(EACCES, NULL), -EACCES);
	ck_assert_str_eq(volt_error_message(), "Permission denied");
}
END_TEST

START_TEST(prefix_adds_context_outermost_first)
{
	volt_error_set(EIO, "read block 12");
	ck_assert_int_eq(volt_error_prefix(-EIO, "import %s", "/srv/img"), -EIO);
	ck_assert_str_eq(volt_error_message(), "import /srv/img: read block 12");

	/* Prefixing with no message yet uses strerror. */
	volt_error_clear();
	volt_error_prefix(ENOSPC, "write");
	ck_assert_str_eq(volt_error_message(), "write: No space left on device");
	ck_assert_int_eq(volt_error_code(), -ENOSPC);
}
END_TEST

START_TEST(overlong_message_is_truncated_visibly)
{
	char big[3 * VOLT_ERROR_MESSAGE_MAX];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	volt_error_set(EINVAL, "%s", big);
	ck_assert_uint_eq(strlen(volt_error_message()), VOLT_ERROR_MESSAGE_MAX - 1);
	ck_assert_str_eq(volt_error_message() + VOLT_ERROR_MESSAGE_MAX - 4, "...");

	/* Prefixing a full message stays bounded too. */
	volt_error_prefix(EINVAL, "%s", big);
	ck_assert_uint_eq(strlen(volt_error_message()), VOLT_ERROR_MESSAGE_MAX - 1);
}
END_TEST

START_TEST(message_may_be_its_own_argument)
{
	volt_error_set(EINVAL, "inner");
	volt_error_set(EINVAL, "outer: %s", volt_error_message());
	ck_assert_str_eq(volt_error_message(), "outer: inner");
}
END_TEST

static void *other_thread(void *arg)
{
	(void)arg;
	/* A new thread starts with no error, and its errors stay its own. */
	if (volt_error_code() != 0)
		return (void *)1;
	volt_error_set(EPERM, "thread");
	return NULL;
}

START_TEST(slot_is_per_thread)
{
	pthread_t t;
	void *ret;

	volt_error_set(EBUSY, "main");
	ck_assert_int_eq(pthread_create(&t, NULL, other_thread, NULL), 0);
	ck_assert_int_eq(pthread_join(t, &ret), 0);
	ck_assert_ptr_null(ret);
	ck_assert_str_eq(volt_error_message(), "main");
	ck_assert_int_eq(volt_error_code(), -EBUSY);
}
END_TEST

VOLT_TEST_MAIN("error", set_returns_negative_errno_and_keeps_message, set_errno_appends_strerror,
	       prefix_adds_context_outermost_first, overlong_message_is_truncated_visibly,
	       message_may_be_its_own_argument, slot_is_per_thread)
