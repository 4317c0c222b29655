/* String arrays. SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>
#include <volt/core.h>

#include "volt-test.h"

START_TEST(free_accepts_null_and_returns_null)
{
	ck_assert_ptr_null(volt_strv_free(NULL));
	ck_assert_uint_eq(volt_strv_length(NULL), 0);
}
END_TEST

START_TEST(free_releases_every_string)
{
	/* ASan's leak check is what fails here if a string is left behind. */
	char **v = calloc(4, sizeof(*v));

	ck_assert_ptr_nonnull(v);
	v[0] = strdup("a");
	v[1] = strdup("bb");
	v[2] = strdup("");
	ck_assert_uint_eq(volt_strv_length(v), 3);
	ck_assert_ptr_null(volt_strv_free(v));
}
END_TEST

START_TEST(length_stops_at_the_first_null)
{
	char *v[] = { (char *)"x", NULL, (char *)"y", NULL };

	ck_assert_uint_eq(volt_strv_length(v), 1);
	ck_assert_uint_eq(volt_strv_length(v + 1), 0);
}
END_TEST

VOLT_TEST_MAIN("strv", free_accepts_null_and_returns_null, free_releases_every_string,
	       length_stops_at_the_first_null)
