/*
 * The guest init's command-line parser (images/guest-init/guest-config.c),
 * compiled here unchanged.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "guest-config.h"
#include "volt-test.h"

/* base64 of "/bin/echo\0hello world\0" and of "A=1\0B=x y\0" */
#define CMD_B64 "L2Jpbi9lY2hvAGhlbGxvIHdvcmxkAA=="
#define ENV_B64 "QT0xAEI9eCB5AA=="

static void parse_ok(struct guest_config *c, const char *line)
{
	int r = guest_config_parse(c, line);

	ck_assert_msg(r == 0, "'%s': %s", line, c->error);
}

static void parse_fails(const char *line, const char *needle)
{
	struct guest_config c;

	ck_assert_int_eq(guest_config_parse(&c, line), -1);
	ck_assert_msg(strstr(c.error, needle), "'%s': error '%s' lacks '%s'", line, c.error, needle);
	guest_config_free(&c);
}

START_TEST(full_command_line_is_parsed)
{
	struct guest_config c;

	parse_ok(&c, "console=ttyS0 reboot=k volt.root=/dev/vda volt.rootfstype=erofs volt.ro=1 volt.cmd=" CMD_B64
		     " volt.env=" ENV_B64 " volt.workdir=\"/srv/a b\" volt.user=1000:100 volt.hostname=vm1 quiet\n");
	ck_assert_str_eq(c.root, "/dev/vda");
	ck_assert_str_eq(c.fstype, "erofs");
	ck_assert(c.read_only);
	ck_assert_str_eq(c.argv[0], "/bin/echo");
	ck_assert_str_eq(c.argv[1], "hello world");
	ck_assert_ptr_null(c.argv[2]);
	ck_assert_str_eq(c.env[0], "A=1");
	ck_assert_str_eq(c.env[1], "B=x y");
	ck_assert_ptr_null(c.env[2]);
	ck_assert_str_eq(c.workdir, "/srv/a b");
	ck_assert_str_eq(c.user, "1000:100");
	ck_assert_str_eq(c.hostname, "vm1");
	guest_config_free(&c);
}
END_TEST

START_TEST(defaults_apply)
{
	struct guest_config c;

	parse_ok(&c, "volt.root=/dev/vdb");
	ck_assert_str_eq(c.fstype, "ext4");
	ck_assert(!c.read_only);
	ck_assert_ptr_null(c.argv);
	ck_assert_ptr_null(c.env);
	ck_assert_ptr_null(c.workdir);
	guest_config_free(&c);
}
END_TEST

START_TEST(bad_command_lines_are_refused)
{
	parse_fails("console=ttyS0", "no root disk");
	parse_fails("", "no root disk");
	parse_fails("volt.root=vda", "not a /dev path");
	parse_fails("volt.root=/dev/vda volt.rootfstype=btrfs", "not ext4 or erofs");
	parse_fails("volt.root=/dev/vda volt.bogus=1", "unknown option 'volt.bogus'");
	parse_fails("volt.root=/dev/vda volt.cmd", "has no value");
	parse_fails("volt.root=/dev/vda volt.cmd=!!!!", "not valid base64");
	parse_fails("volt.root=/dev/vda volt.cmd=", "NUL-terminated");
	/* "abc" with no NUL at the end */
	parse_fails("volt.root=/dev/vda volt.cmd=YWJj", "NUL-terminated");
	/* "\0": an empty program name */
	parse_fails("volt.root=/dev/vda volt.cmd=AA==", "command is empty");
	/* "novalue\0" */
	parse_fails("volt.root=/dev/vda volt.env=bm92YWx1ZQA=", "not NAME=VALUE");
	parse_fails("volt.root=/dev/vda volt.workdir=relative", "not absolute");
	parse_fails("volt.root=/dev/vda volt.ro=yes", "not 0 or 1");
	parse_fails("volt.root=/dev/vda volt.hostname=", "empty value");
	parse_fails("volt.root=/dev/vda volt.hostname=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		    "longer than 64");
}
END_TEST

START_TEST(later_values_replace_earlier_ones)
{
	struct guest_config c;

	parse_ok(&c, "volt.root=/dev/vda volt.root=/dev/vdb volt.cmd=YQA= volt.cmd=" CMD_B64);
	ck_assert_str_eq(c.root, "/dev/vdb");
	ck_assert_str_eq(c.argv[0], "/bin/echo");
	guest_config_free(&c);
}
END_TEST

START_TEST(base64_decodes_and_rejects)
{
	unsigned char *out;
	size_t len;

	ck_assert_int_eq(guest_base64_decode("aGk=", &out, &len), 0);
	ck_assert_uint_eq(len, 2);
	ck_assert_str_eq((char *)out, "hi");
	free(out);
	ck_assert_int_eq(guest_base64_decode("aGk", &out, &len), 0);
	ck_assert_str_eq((char *)out, "hi");
	free(out);
	ck_assert_int_eq(guest_base64_decode("", &out, &len), 0);
	ck_assert_uint_eq(len, 0);
	free(out);
	ck_assert_int_eq(guest_base64_decode("a", &out, &len), -1);
	ck_assert_int_eq(guest_base64_decode("aGl", &out, &len), -1); /* non-zero leftover bits */
	ck_assert_int_eq(guest_base64_decode("a b=", &out, &len), -1);
}
END_TEST

START_TEST(users_resolve_against_passwd)
{
	const char *passwd = "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1001:u:/tmp:/bin/sh\nbroken\n";
	char err[256];
	uid_t uid;
	gid_t gid;

	ck_assert_int_eq(guest_user_resolve("user", passwd, &uid, &gid, err), 0);
	ck_assert_uint_eq(uid, 1000);
	ck_assert_uint_eq(gid, 1001);
	ck_assert_int_eq(guest_user_resolve("1000", passwd, &uid, &gid, err), 0);
	ck_assert_uint_eq(gid, 1001);
	ck_assert_int_eq(guest_user_resolve("42", passwd, &uid, &gid, err), 0);
	ck_assert_uint_eq(uid, 42);
	ck_assert_uint_eq(gid, 42);
	ck_assert_int_eq(guest_user_resolve("5:6", NULL, &uid, &gid, err), 0);
	ck_assert_uint_eq(uid, 5);
	ck_assert_uint_eq(gid, 6);
	ck_assert_int_eq(guest_user_resolve("nobody", passwd, &uid, &gid, err), -1);
	ck_assert(strstr(err, "no user 'nobody'"));
	ck_assert_int_eq(guest_user_resolve("use", passwd, &uid, &gid, err), -1);
	ck_assert_int_eq(guest_user_resolve("user", NULL, &uid, &gid, err), -1);
	ck_assert_int_eq(guest_user_resolve("5:x", NULL, &uid, &gid, err), -1);
	ck_assert_int_eq(guest_user_resolve("a:5", NULL, &uid, &gid, err), -1);
	ck_assert_int_eq(guest_user_resolve("99999999999", NULL, &uid, &gid, err), -1);
}
END_TEST

VOLT_TEST_MAIN("guest-config", full_command_line_is_parsed, defaults_apply, bad_command_lines_are_refused,
	       later_values_replace_earlier_ones, base64_decodes_and_rejects, users_resolve_against_passwd)
