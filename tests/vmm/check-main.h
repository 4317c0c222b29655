/*
 * The main() every vmm unit test shares: one suite, one test case,
 * the tests listed by the including file in TESTS.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_TEST_VMM_CHECK_MAIN_H
#define VOLT_TEST_VMM_CHECK_MAIN_H

#include <check.h>

#define CHECK_MAIN(name, ...)                                                  \
	int main(void)                                                         \
	{                                                                      \
		const TTest *tests[] = { __VA_ARGS__ };                        \
		Suite *s = suite_create(name);                                 \
		TCase *tc = tcase_create("core");                              \
		SRunner *sr;                                                   \
		int failed;                                                    \
		for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) \
			tcase_add_test(tc, tests[i]);                          \
		suite_add_tcase(s, tc);                                        \
		sr = srunner_create(s);                                        \
		srunner_run_all(sr, CK_NORMAL);                                \
		failed = srunner_ntests_failed(sr);                            \
		srunner_free(sr);                                              \
		return failed ? 1 : 0;                                         \
	}

#endif
