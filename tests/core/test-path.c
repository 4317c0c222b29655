/* Lexical path handling. SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <volt/core.h>

#include "volt-test.h"

static void expect_norm(const char *in, const char *want)
{
	char *out = NULL;

	ck_assert_msg(volt_path_normalize(&out, in) == 0, "%s: %s", in, volt_error_message());
	ck_assert_str_eq(out, want);
	free(out);
}

START_TEST(normalize_collapses_and_resolves)
{
	expect_norm("/", "/");
	expect_norm("//", "/");
	expect_norm("/usr//lib/", "/usr/lib");
	expect_norm("/usr/./lib/.", "/usr/lib");
	expect_norm("/usr/lib/../bin", "/usr/bin");
	expect_norm("/..", "/");
	expect_norm("/../../etc", "/etc");
	expect_norm("a/b/../c", "a/c");
	expect_norm("a/..", ".");
	expect_norm(".", ".");
	expect_norm("./a/./b/", "a/b");
	expect_norm("...", "...");
	expect_norm("a/..b", "a/..b");
}
END_TEST

START_TEST(normalize_refuses_escapes_and_garbage)
{
	char *out = NULL;

	ck_assert_fails_with(volt_path_normalize(&out, ".."), EINVAL, "climbs above");
	ck_assert_fails_with(volt_path_normalize(&out, "a/../../b"), EINVAL, "climbs above");
	ck_assert_fails_with(volt_path_normalize(&out, ""), EINVAL, "empty path");
	ck_assert_ptr_null(out);
}
END_TEST

START_TEST(check_finds_nul_and_length_limits)
{
	char longpath[VOLT_PATH_MAX + 10];
	char longname[VOLT_NAME_MAX + 3];

	ck_assert_int_eq(volt_path_check("/a/b", 4), 0);
	ck_assert_fails_with(volt_path_check("/a\0b", 4), EINVAL, "NUL");
	ck_assert_fails_with(volt_path_check("", 0), EINVAL, "empty");

	memset(longpath, 'a', sizeof(longpath));
	for (size_t i = 100; i < sizeof(longpath); i += 100)
		longpath[i] = '/';
	ck_assert_fails_with(volt_path_check(longpath, VOLT_PATH_MAX), ENAMETOOLONG, "limit is 4095");
	ck_assert_int_eq(volt_path_check(longpath, VOLT_PATH_MAX - 1), 0);

	memset(longname, 'n', sizeof(longname));
	longname[0] = '/';
	ck_assert_int_eq(volt_path_check(longname, VOLT_NAME_MAX + 1), 0);
	ck_assert_fails_with(volt_path_check(longname, VOLT_NAME_MAX + 2), ENAMETOOLONG, "component");
}
END_TEST

START_TEST(component_check_refuses_dots_slashes_nul)
{
	char longname[VOLT_NAME_MAX + 1];

	ck_assert_int_eq(volt_path_check_component("file.txt", 8), 0);
	ck_assert_int_eq(volt_path_check_component("...", 3), 0);
	ck_assert_fails_with(volt_path_check_component(".", 1), EINVAL, "not allowed");
	ck_assert_fails_with(volt_path_check_component("..", 2), EINVAL, "not allowed");
	ck_assert_fails_with(volt_path_check_component("a/b", 3), EINVAL, "'/'");
	ck_assert_fails_with(volt_path_check_component("a\0b", 3), EINVAL, "NUL");
	ck_assert_fails_with(volt_path_check_component("", 0), EINVAL, "empty");
	memset(longname, 'n', sizeof(longname));
	ck_assert_int_eq(volt_path_check_component(longname, VOLT_NAME_MAX), 0);
	ck_assert_fails_with(volt_path_check_component(longname, VOLT_NAME_MAX + 1), ENAMETOOLONG, "limit");
}
END_TEST

START_TEST(join_places_untrusted_names_inside_base)
{
	char *out = NULL;

	ck_assert_int_eq(volt_path_join(&out, "/var/lib/volt", "cas/blocks"), 0);
	ck_assert_str_eq(out, "/var/lib/volt/cas/blocks");
	free(out);
	ck_assert_int_eq(volt_path_join(&out, "/srv/", "./a//b/../c/"), 0);
	ck_assert_str_eq(out, "/srv/a/c");
	free(out);
	ck_assert_int_eq(volt_path_join(&out, "/srv", "."), 0);
	ck_assert_str_eq(out, "/srv");
	free(out);
	out = NULL;

	ck_assert_fails_with(volt_path_join(&out, "/srv", "../etc/passwd"), EINVAL, "escapes");
	ck_assert_fails_with(volt_path_join(&out, "/srv", "a/../../etc"), EINVAL, "escapes");
	ck_assert_fails_with(volt_path_join(&out, "/srv", "/etc/passwd"), EINVAL, "absolute");
	ck_assert_fails_with(volt_path_join(&out, "", "a"), EINVAL, "empty base");
	ck_assert_fails_with(volt_path_join(&out, "/srv", ""), EINVAL, "empty path");
	ck_assert_fails_with(volt_path_join(&out, NULL, "a"), EINVAL, "assertion");
	ck_assert_ptr_null(out);
}
END_TEST

START_TEST(is_contained_matches_join)
{
	ck_assert(volt_path_is_contained("a/b"));
	ck_assert(volt_path_is_contained("a/../b"));
	ck_assert(volt_path_is_contained("."));
	ck_assert(!volt_path_is_contained("../a"));
	ck_assert(!volt_path_is_contained("a/../../b"));
	ck_assert(!volt_path_is_contained("/etc"));
	ck_assert(!volt_path_is_contained(""));
	ck_assert(!volt_path_is_contained(NULL));
}
END_TEST

VOLT_TEST_MAIN("path", normalize_collapses_and_resolves, normalize_refuses_escapes_and_garbage,
	       check_finds_nul_and_length_limits, component_check_refuses_dots_slashes_nul,
	       join_places_untrusted_names_inside_base, is_contained_matches_join)
