/* JSON helpers. SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <unistd.h>
#include <volt/core.h>

#include "volt-test.h"

static json_t *parse(const char *text)
{
	json_t *v = NULL;

	ck_assert_msg(volt_json_parse(&v, text, strlen(text)) == 0, "%s", volt_error_message());
	return v;
}

START_TEST(parse_accepts_values_and_reports_position_of_errors)
{
	json_t *v = parse("{\"a\": [1, 2], \"b\": \"x\"}");

	ck_assert(json_is_object(v));
	json_decref(v);
	v = parse("42");
	ck_assert(json_is_integer(v));
	json_decref(v);
	v = NULL;

	ck_assert_fails_with(volt_json_parse(&v, "{\"a\": }", 7), EINVAL, "line 1, column 7");
	ck_assert_fails_with(volt_json_parse(&v, "{\n\"a\": 1,\n}", 11), EINVAL, "line 3");
	ck_assert_fails_with(volt_json_parse(&v, "{} {}", 5), EINVAL, "invalid JSON");
	ck_assert_fails_with(volt_json_parse(&v, "{\"a\":1,\"a\":2}", 13), EINVAL, "duplicate");
	ck_assert_fails_with(volt_json_parse(&v, "\"a\0b\"", 5), EINVAL, "NUL byte at offset 2");
	ck_assert_fails_with(volt_json_parse(&v, "", 0), EINVAL, "invalid JSON");
	ck_assert_fails_with(volt_json_parse(&v, "\"a\\u0000b\"", 10), EINVAL, "invalid JSON");
	ck_assert_fails_with(volt_json_parse(&v, "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", 42), EINVAL,
			     "invalid JSON");
	ck_assert_ptr_null(v);
}
END_TEST

START_TEST(deep_nesting_is_refused_not_overflowed)
{
	size_t n = 100000;
	char *deep = malloc(n);
	json_t *v = NULL;

	ck_assert_ptr_nonnull(deep);
	memset(deep, '[', n);
	ck_assert_int_eq(volt_json_parse(&v, deep, n), -EINVAL);
	free(deep);
}
END_TEST

START_TEST(check_keys_names_the_unknown_key)
{
	static const char *const allowed[] = { "fs_read", "fs_write", NULL };
	json_t *v = parse("{\"fs_read\": [], \"fs_raed\": []}");

	ck_assert_fails_with(volt_json_check_keys(v, allowed, "policy"), EINVAL,
			     "policy: unknown key 'fs_raed'");
	json_decref(v);
	v = parse("{\"fs_read\": []}");
	ck_assert_int_eq(volt_json_check_keys(v, allowed, "policy"), 0);
	json_decref(v);
	v = parse("[1]");
	ck_assert_fails_with(volt_json_check_keys(v, allowed, "policy"), EINVAL, "must be a JSON object");
	json_decref(v);
}
END_TEST

START_TEST(getters_check_type_presence_and_range)
{
	json_t *v = parse("{\"name\": \"web\", \"port\": 80, \"big\": 70000, \"on\": true}");
	const char *s = "default";
	long long i = -1;
	bool b = false;

	ck_assert_int_eq(volt_json_get_string(&s, v, "name", true, "cfg"), 0);
	ck_assert_str_eq(s, "web");
	ck_assert_int_eq(volt_json_get_int(&i, v, "port", true, "cfg", 1, 65535), 0);
	ck_assert_int_eq(i, 80);
	ck_assert_int_eq(volt_json_get_bool(&b, v, "on", true, "cfg"), 0);
	ck_assert(b);

	/* Absent and optional: 1, the default stays. */
	s = "default";
	ck_assert_int_eq(volt_json_get_string(&s, v, "missing", false, "cfg"), 1);
	ck_assert_str_eq(s, "default");

	ck_assert_fails_with(volt_json_get_string(&s, v, "missing", true, "cfg"), ENOENT,
			     "cfg: 'missing' is required");
	ck_assert_fails_with(volt_json_get_string(&s, v, "port", true, "cfg"), EINVAL,
			     "cfg: 'port' must be a string");
	/* The parser refuses \u0000; objects built in memory are checked by the getter. */
	ck_assert_int_eq(json_object_set_new(v, "nul", json_stringn("a\0b", 3)), 0);
	ck_assert_fails_with(volt_json_get_string(&s, v, "nul", true, "cfg"), EINVAL, "NUL");
	ck_assert_fails_with(volt_json_get_int(&i, v, "name", true, "cfg", 0, 10), EINVAL, "must be an integer");
	ck_assert_fails_with(volt_json_get_int(&i, v, "big", true, "cfg", 1, 65535), ERANGE,
			     "'big' is 70000, outside 1..65535");
	ck_assert_fails_with(volt_json_get_bool(&b, v, "port", true, "cfg"), EINVAL, "true or false");
	json_decref(v);
}
END_TEST

START_TEST(files_round_trip_and_bad_files_are_named)
{
	char dir[] = "/tmp/volt-test-json-XXXXXX";
	char path[256], *text = NULL;
	json_t *v, *back = NULL;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state.json", dir);

	v = parse("{\"b\": 1, \"a\": [true, null]}");
	ck_assert_int_eq(volt_json_write_file(path, v, VOLT_JSON_PRETTY | VOLT_JSON_SORTED, 0600), 0);
	ck_assert_int_eq(volt_file_read(&text, NULL, path, 1024), 0);
	ck_assert_str_eq(text, "{\n  \"a\": [\n    true,\n    null\n  ],\n  \"b\": 1\n}\n");
	free(text);
	ck_assert_int_eq(volt_json_load_file(&back, path), 0);
	ck_assert(json_equal(v, back));
	json_decref(back);
	json_decref(v);

	ck_assert_int_eq(volt_file_write_atomic(path, "{\"a\":", 5, 0600), 0);
	ck_assert_fails_with(volt_json_load_file(&back, path), EINVAL, "state.json: invalid JSON at line 1");
	unlink(path);
	ck_assert_fails_with(volt_json_load_file(&back, path), ENOENT, "No such file");
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(dump_is_compact_by_default)
{
	json_t *v = parse("{\"a\": [1, \"x\"]}");
	char *s = NULL;

	ck_assert_int_eq(volt_json_dump(&s, v, 0), 0);
	ck_assert_str_eq(s, "{\"a\":[1,\"x\"]}");
	free(s);
	json_decref(v);
	ck_assert_fails_with(volt_json_dump(&s, NULL, 0), EINVAL, "assertion");
}
END_TEST

VOLT_TEST_MAIN("json", parse_accepts_values_and_reports_position_of_errors, deep_nesting_is_refused_not_overflowed,
	       check_keys_names_the_unknown_key, getters_check_type_presence_and_range,
	       files_round_trip_and_bad_files_are_named, dump_is_compact_by_default)
