/*
 * Shared scaffolding for Volt's Check tests.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_TEST_H
#define VOLT_TEST_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Exit code meson reports as a skipped test. */
#define VOLT_TEST_SKIP 77

/* Say why and report the whole test program as skipped. */
#define volt_test_skip(...)                                 \
	do {                                                \
		printf("SKIP: ");                           \
		printf(__VA_ARGS__);                        \
		printf("\n");                               \
		exit(VOLT_TEST_SKIP);                       \
	} while (0)

/* Assert a call fails with @err and left a message containing @needle. */
#define ck_assert_fails_with(call, err, needle)                                             \
	do {                                                                                \
		int _r = (call);                                                            \
		ck_assert_int_eq(_r, -(err));                                               \
		ck_assert_int_eq(volt_error_code(), -(err));                                \
		ck_assert_msg(strstr(volt_error_message(), (needle)) != NULL,                 \
			      "message '%s' lacks '%s'", volt_error_message(), (needle));  \
	} while (0)

/* Run the given tests (START_TEST names) as one suite; exit 0 if all pass. */
#define VOLT_TEST_MAIN(suite_name, ...)                                            \
	int main(void)                                                             \
	{                                                                          \
		const TTest *tests[] = { __VA_ARGS__ };                            \
		Suite *s = suite_create(suite_name);                               \
		TCase *tc = tcase_create(suite_name);                              \
		SRunner *sr;                                                       \
		int failed;                                                        \
		for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)      \
			_tcase_add_test(tc, tests[i], 0, 0, 0, 1);                 \
		suite_add_tcase(s, tc);                                            \
		sr = srunner_create(s);                                            \
		srunner_run_all(sr, CK_NORMAL);                                    \
		failed = srunner_ntests_failed(sr);                                \
		srunner_free(sr);                                                  \
		return failed ? EXIT_FAILURE : EXIT_SUCCESS;                       \
	}

#endif
