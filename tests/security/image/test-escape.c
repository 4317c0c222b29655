/*
 * shared/escape.h: what reaches a terminal from an image's names.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "volt-test.h"
#include "shared/escape.h"

static void expect_escaped(const char *in, const char *want)
{
	char *out = volt_escape(in);

	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, want);
	ck_assert_int_eq(volt_escape_needed(in), strcmp(in, want) != 0);
	free(out);
}

START_TEST(test_escape_keeps_printable_text)
{
	expect_escaped("", "");
	expect_escaped("plain name-1.0_x", "plain name-1.0_x");
	expect_escaped("back\\slash", "back\\slash");
	expect_escaped("\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa7", "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xa7");
	expect_escaped("\xc2\xa0nbsp", "\xc2\xa0nbsp");
}
END_TEST

START_TEST(test_escape_controls)
{
	expect_escaped("\033]0;pwned\007evil", "\\x1b]0;pwned\\x07evil");
	expect_escaped("\033[2J", "\\x1b[2J");
	expect_escaped("a\nb\tc\rd", "a\\x0ab\\x09c\\x0dd");
	expect_escaped("del\x7f", "del\\x7f");
	/* C1 controls in UTF-8: U+009B is CSI. */
	expect_escaped("\xc2\x9b" "31m", "\\xc2\\x9b31m");
	expect_escaped("\xc2\x80\xc2\x9f", "\\xc2\\x80\\xc2\\x9f");
}
END_TEST

START_TEST(test_escape_invalid_utf8)
{
	expect_escaped("\x9b", "\\x9b");                     /* a lone 8-bit CSI */
	expect_escaped("\xc3", "\\xc3");                     /* cut short */
	expect_escaped("\xc3(", "\\xc3(");                   /* bad continuation */
	expect_escaped("\xc0\xaf", "\\xc0\\xaf");            /* overlong '/' */
	expect_escaped("\xe0\x80\xaf", "\\xe0\\x80\\xaf");   /* overlong, three bytes */
	expect_escaped("\xed\xa0\x80", "\\xed\\xa0\\x80");   /* a surrogate */
	expect_escaped("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"); /* beyond U+10FFFF */
	expect_escaped("\xff\xfe", "\\xff\\xfe");
	expect_escaped("\xe2\x82", "\\xe2\\x82");             /* cut short at the end */
}
END_TEST

START_TEST(test_escape_fputs)
{
	char buf[64] = "";
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(volt_fputs_escaped("ok \033[2J", f), 0);
	fclose(f);
	ck_assert_str_eq(buf, "ok \\x1b[2J");
}
END_TEST

VOLT_TEST_MAIN("escape", test_escape_keeps_printable_text, test_escape_controls, test_escape_invalid_utf8,
	       test_escape_fputs)
