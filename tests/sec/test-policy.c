/*
 * Policy parsing: defaults, normalisation, round trips, and refusals
 * whose messages name what is wrong.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <volt/core.h>
#include <volt/sec.h>

#include "policy-internal.h"

static volt_sec_policy *parse_ok(const char *text)
{
	volt_sec_policy *p = NULL;
	int r = volt_sec_policy_parse(&p, text, strlen(text));

	ck_assert_msg(r == 0, "parse '%s': %s", text, volt_error_message());
	return p;
}

static void assert_refused(const char *text, int err, const char *needle)
{
	volt_sec_policy *p = NULL;
	int r = volt_sec_policy_parse(&p, text, strlen(text));

	ck_assert_msg(r == -err, "'%s': expected %d, got %d (%s)", text, -err, r, volt_error_message());
	ck_assert_ptr_null(p);
	ck_assert_msg(strstr(volt_error_message(), needle), "'%s': message '%s' lacks '%s'", text,
		      volt_error_message(), needle);
}

START_TEST(test_issue_example_parses)
{
	volt_sec_policy *p = parse_ok("{\"fs_read\": [\"/usr\", \"/etc/ssl\", \"/var/data\"], \"fs_write\": [\"/var/data\", \"/tmp\"],"
				      " \"fs_execute\": [\"/usr/bin\", \"/usr/sbin\"], \"net_bind\": [80, 443], \"net_connect\": [5432, 6379]}");

	ck_assert(p->fs_restricted && p->bind_restricted && p->connect_restricted);
	ck_assert_uint_eq(p->fs_read.n, 3);
	ck_assert_str_eq(p->fs_read.items[0], "/etc/ssl");
	ck_assert_uint_eq(p->net_bind.n, 2);
	ck_assert_uint_eq(p->net_connect.items[1], 6379);
	ck_assert_int_eq(p->profile, SECCOMP_PROFILE_DEFAULT);
	ck_assert(p->no_new_privs);
	ck_assert_uint_eq(p->caps_mask, 0);
	ck_assert(!p->userns);
	volt_sec_policy_free(p);
}
END_TEST

START_TEST(test_empty_object_restricts_only_by_default_profile)
{
	volt_sec_policy *p = parse_ok("{}");

	ck_assert(!p->fs_restricted && !p->bind_restricted && !p->connect_restricted);
	ck_assert_int_eq(p->profile, SECCOMP_PROFILE_DEFAULT);
	ck_assert_int_eq(p->action, VOLT_SEC_ACTION_ERRNO);
	ck_assert(p->no_new_privs);
	volt_sec_policy_free(p);
}
END_TEST

START_TEST(test_one_fs_list_makes_the_others_empty)
{
	volt_sec_policy *p = parse_ok("{\"fs_read\": [\"/usr//lib/./x/..\"], \"net_bind\": []}");

	ck_assert(p->fs_restricted);
	ck_assert_str_eq(p->fs_read.items[0], "/usr/lib");
	ck_assert_uint_eq(p->fs_write.n, 0);
	ck_assert(p->bind_restricted && p->net_bind.n == 0);
	ck_assert(!p->connect_restricted);
	volt_sec_policy_free(p);
}
END_TEST

START_TEST(test_full_policy_round_trips)
{
	const char *text =
		"{\"fs_read\": [\"/b\", \"/a\", \"/a\"], \"fs_write\": [], \"fs_execute\": [\"/usr\"],"
		" \"net_bind\": [0, 8080], \"net_connect\": null, \"scope\": [\"signal\", \"abstract_unix_socket\", \"signal\"],"
		" \"seccomp\": {\"profile\": \"custom\", \"action\": \"kill\", \"allow\": [\"read\", \"write\", \"exit_group\"], \"deny\": [\"ptrace\"]},"
		" \"capabilities\": [\"net_bind_service\", \"CAP_CHOWN\", \"cap_net_bind_service\"],"
		" \"user_namespace\": {\"uid_map\": [{\"inside\": 0, \"outside\": 100000, \"count\": 65536}]},"
		" \"no_new_privs\": true}";
	volt_sec_policy *p = parse_ok(text), *q = NULL;
	json_t *j = NULL, *k = NULL;
	char *s = NULL;

	ck_assert_int_eq(volt_sec_policy_to_json(&j, p), 0);
	ck_assert_int_eq(volt_json_dump(&s, j, VOLT_JSON_SORTED), 0);
	ck_assert_msg(strstr(s, "\"fs_read\":[\"/a\",\"/b\"]") != NULL, "%s", s);
	ck_assert_msg(strstr(s, "\"capabilities\":[\"CAP_CHOWN\",\"CAP_NET_BIND_SERVICE\"]") != NULL, "%s", s);
	ck_assert_msg(strstr(s, "\"net_connect\":null") != NULL, "%s", s);
	ck_assert_msg(strstr(s, "\"scope\":[\"abstract_unix_socket\",\"signal\"]") != NULL, "%s", s);
	/* gid_map defaults to the uid_map. */
	ck_assert_msg(strstr(s, "\"gid_map\":[{\"count\":65536,\"inside\":0,\"outside\":100000}]") != NULL, "%s", s);
	q = parse_ok(s);
	ck_assert_int_eq(volt_sec_policy_to_json(&k, q), 0);
	ck_assert(json_equal(j, k));
	ck_assert_uint_eq(q->caps_mask, (1ULL << 0) | (1ULL << 10));
	free(s);
	json_decref(j);
	json_decref(k);
	volt_sec_policy_free(p);
	volt_sec_policy_free(q);
}
END_TEST

START_TEST(test_default_policy_round_trips)
{
	volt_sec_policy *p = NULL, *q = NULL;
	json_t *j = NULL, *k = NULL;
	char *s = NULL;

	ck_assert_int_eq(volt_sec_policy_new_default(&p), 0);
	ck_assert(p->fs_restricted);
	ck_assert(strv_contains(&p->fs_execute, "/usr"));
	ck_assert(strv_contains(&p->fs_write, "/tmp"));
	ck_assert(!strv_contains(&p->fs_write, "/dev"));
	ck_assert_int_eq(volt_sec_policy_to_json(&j, p), 0);
	ck_assert_int_eq(volt_json_dump(&s, j, 0), 0);
	q = parse_ok(s);
	ck_assert_int_eq(volt_sec_policy_to_json(&k, q), 0);
	ck_assert(json_equal(j, k));
	free(s);
	json_decref(j);
	json_decref(k);
	volt_sec_policy_free(p);
	volt_sec_policy_free(q);
}
END_TEST

START_TEST(test_bad_policies_are_refused_by_name)
{
	assert_refused("", EINVAL, "policy");
	assert_refused("[]", EINVAL, "must be a JSON object");
	assert_refused("{\"fs_raed\": []}", EINVAL, "fs_raed");
	assert_refused("{\"fs_read\": \"/usr\"}", EINVAL, "'fs_read' must be an array");
	assert_refused("{\"fs_read\": [\"/usr\", 3]}", EINVAL, "fs_read[1] must be a string");
	assert_refused("{\"fs_write\": [\"tmp\"]}", EINVAL, "fs_write[0]: path 'tmp' must be absolute");
	assert_refused("{\"fs_write\": [\"\"]}", EINVAL, "fs_write[0]");
	assert_refused("{\"net_bind\": [80, 65536]}", ERANGE, "net_bind[1]: port 65536 out of range");
	assert_refused("{\"net_connect\": [0]}", ERANGE, "net_connect[0]: port 0 out of range");
	assert_refused("{\"net_bind\": [-1]}", ERANGE, "net_bind[0]");
	assert_refused("{\"net_bind\": [\"80\"]}", EINVAL, "net_bind[0] must be an integer");
	assert_refused("{\"net_bind\": [80.5]}", EINVAL, "net_bind[0] must be an integer");
	assert_refused("{\"seccomp\": []}", EINVAL, "'seccomp' must be an object");
	assert_refused("{\"seccomp\": {\"profil\": \"default\"}}", EINVAL, "profil");
	assert_refused("{\"seccomp\": {\"profile\": \"strict\"}}", EINVAL, "profile 'strict'");
	assert_refused("{\"seccomp\": {\"action\": \"trap\"}}", EINVAL, "action 'trap'");
	assert_refused("{\"seccomp\": {\"allow\": [\"readd\"]}}", EINVAL, "allow[0]: 'readd' is not a syscall");
	assert_refused("{\"seccomp\": {\"allow\": [\"read\"], \"deny\": [\"read\"]}}", EINVAL, "both allowed and denied");
	assert_refused("{\"seccomp\": {\"profile\": \"none\", \"deny\": [\"read\"]}}", EINVAL, "profile 'none'");
	assert_refused("{\"scope\": [\"signals\"]}", EINVAL, "scope[0]: 'signals' is not one of");
	assert_refused("{\"scope\": [1]}", EINVAL, "scope[0] must be a string");
	assert_refused("{\"capabilities\": [\"CAP_FLY\"]}", EINVAL, "capabilities[0]: unknown capability 'CAP_FLY'");
	assert_refused("{\"capabilities\": [\"CAP_\"]}", EINVAL, "unknown capability");
	assert_refused("{\"no_new_privs\": 1}", EINVAL, "no_new_privs");
	assert_refused("{\"no_new_privs\": false}", EINVAL, "CAP_SYS_ADMIN");
	assert_refused("{\"user_namespace\": {}}", EINVAL, "'uid_map' is required");
	assert_refused("{\"user_namespace\": {\"uid_map\": []}}", EINVAL, "must not be empty");
	assert_refused("{\"user_namespace\": {\"uid_map\": [{\"inside\": 0, \"outside\": 1000}]}}", EINVAL,
		       "uid_map[0]");
	assert_refused("{\"user_namespace\": {\"uid_map\": [{\"inside\": 0, \"outside\": 1000, \"count\": 0}]}}", ERANGE,
		       "count");
	assert_refused("{\"user_namespace\": {\"uid_map\": [{\"inside\": 0, \"outside\": 1000, \"count\": 10, \"x\": 1}]}}",
		       EINVAL, "'x'");
	assert_refused("{\"user_namespace\": {\"uid_map\": [{\"inside\": 0, \"outside\": 1000, \"count\": 10},"
		       " {\"inside\": 5, \"outside\": 5000, \"count\": 10}]}}",
		       EINVAL, "uid_map[1]: inside range overlaps uid_map[0]");
	assert_refused("{\"user_namespace\": {\"uid_map\": [{\"inside\": 4294967000, \"outside\": 0, \"count\": 1000}]}}",
		       ERANGE, "range ends beyond");
}
END_TEST

START_TEST(test_no_new_privs_off_with_sys_admin_kept)
{
	volt_sec_policy *p = parse_ok("{\"no_new_privs\": false, \"capabilities\": [\"CAP_SYS_ADMIN\"]}");

	ck_assert(!p->no_new_privs);
	volt_sec_policy_free(p);
	p = parse_ok("{\"no_new_privs\": false, \"seccomp\": {\"profile\": \"none\"}}");
	volt_sec_policy_free(p);
}
END_TEST

START_TEST(test_load_file_names_the_path)
{
	char path[] = "/tmp/volt-policy-XXXXXX";
	int fd = mkstemp(path);
	volt_sec_policy *p = NULL;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "{\"fs_read\": [\"rel\"]}", 20), 20);
	close(fd);
	ck_assert_int_eq(volt_sec_policy_load_file(&p, path), -EINVAL);
	ck_assert_msg(strstr(volt_error_message(), path) && strstr(volt_error_message(), "fs_read[0]"), "%s",
		      volt_error_message());
	unlink(path);
	ck_assert_int_eq(volt_sec_policy_load_file(&p, path), -ENOENT);
	ck_assert_ptr_null(p);
}
END_TEST

START_TEST(test_gaps_on_older_kernels)
{
	volt_sec_policy *p = parse_ok("{\"fs_read\": [\"/\"], \"net_bind\": [80]}");
	volt_sec_support s = VOLT_SEC_SUPPORT_INIT;
	json_t *gaps = NULL;
	char *dump = NULL;

	s.landlock_abi = 5;
	s.seccomp = true;
	s.user_namespaces = true;
	ck_assert_int_eq(volt_sec_policy_gaps(&gaps, p, &s), 0);
	ck_assert_uint_eq(json_array_size(gaps), 0);
	json_decref(gaps);
	volt_sec_policy_free(p);
	p = parse_ok("{\"fs_read\": [\"/\"], \"net_bind\": [80], \"scope\": [\"signal\"], \"user_namespace\": "
		     "{\"uid_map\": [{\"inside\": 0, \"outside\": 100000, \"count\": 1}]}}");
	ck_assert_int_eq(volt_sec_policy_gaps(&gaps, p, &s), 0);
	ck_assert_int_eq(volt_json_dump(&dump, gaps, 0), 0);
	ck_assert_msg(strstr(dump, "needs Landlock ABI 6"), "%s", dump);
	free(dump);
	json_decref(gaps);

	s.landlock_abi = 3;
	s.user_namespaces = false;
	ck_assert_int_eq(volt_sec_policy_gaps(&gaps, p, &s), 0);
	ck_assert_int_eq(volt_json_dump(&dump, gaps, 0), 0);
	ck_assert_msg(strstr(dump, "need Landlock ABI 4") && strstr(dump, "ioctl") && strstr(dump, "user_namespace"),
		      "%s", dump);
	ck_assert_msg(!strstr(dump, "truncat"), "%s", dump);
	free(dump);
	json_decref(gaps);

	s.landlock_abi = 0;
	s.landlock_errno = EPERM;
	ck_assert_int_eq(volt_sec_policy_gaps(&gaps, p, &s), 0);
	ck_assert_int_eq(volt_json_dump(&dump, gaps, 0), 0);
	ck_assert_msg(strstr(dump, "system-call-filter"), "%s", dump);
	free(dump);
	json_decref(gaps);

	s.landlock_abi = 7;
	s.user_namespaces = true;
	ck_assert_int_eq(volt_sec_policy_gaps(&gaps, p, &s), 0);
	ck_assert_uint_eq(json_array_size(gaps), 0);
	json_decref(gaps);
	volt_sec_policy_free(p);
}
END_TEST

START_TEST(test_fs_deny_and_userns_false)
{
	volt_sec_policy *p = parse_ok("{\"fs_read\": [\"/etc\"], \"fs_deny\": [\"/etc/ssh/ssh_host_*_key\", "
				      "\"/etc//shadow\"], \"user_namespace\": false}");
	json_t *j = NULL;
	char *dump = NULL;

	ck_assert_uint_eq(p->fs_deny.n, 2);
	ck_assert_str_eq(p->fs_deny.items[0], "/etc/shadow");
	ck_assert(p->userns_off && !p->userns);
	ck_assert_int_eq(volt_sec_policy_to_json(&j, p), 0);
	ck_assert_int_eq(volt_json_dump(&dump, j, 0), 0);
	ck_assert_msg(strstr(dump, "\"user_namespace\":false") && strstr(dump, "ssh_host_*_key"), "%s", dump);
	volt_sec_policy_free(p);
	p = parse_ok(dump);
	ck_assert(p->userns_off);
	ck_assert_uint_eq(p->fs_deny.n, 2);
	free(dump);
	json_decref(j);
	volt_sec_policy_free(p);

	assert_refused("{\"fs_read\": [\"/etc\"], \"fs_deny\": [\"/etc/*/key\"]}", EINVAL,
		       "only allowed in the last component");
	assert_refused("{\"fs_deny\": [\"/etc/shadow\"]}", EINVAL, "grant nothing here");
	assert_refused("{\"user_namespace\": true}", EINVAL, "must be an object, false or null");
	/* Grant lists take brackets literally. */
	volt_sec_policy_free(parse_ok("{\"fs_read\": [\"/srv/a[1]\"]}"));
}
END_TEST

START_TEST(test_default_policy_exposes_no_secrets)
{
	volt_sec_policy *p = NULL;

	ck_assert_int_eq(volt_sec_policy_new_default(&p), 0);
	ck_assert(strv_contains(&p->fs_deny, "/etc/shadow"));
	ck_assert(strv_contains(&p->fs_read, "/etc"));
	ck_assert(!strv_contains(&p->fs_read, "/var") && !strv_contains(&p->fs_read, "/run"));
	ck_assert(!strv_contains(&p->fs_read, "/dev/pts") && !strv_contains(&p->fs_write, "/dev/pts"));
	ck_assert(!strv_contains(&p->fs_write, "/run"));
	volt_sec_policy_free(p);
}
END_TEST

START_TEST(test_warnings_say_why)
{
	volt_sec_policy *p = parse_ok("{\"seccomp\": {\"allow\": [\"io_uring_setup\", \"ptrace\"]}}");
	json_t *w = NULL;
	char *dump = NULL;

	ck_assert_int_eq(volt_sec_policy_warnings(&w, p), 0);
	ck_assert_uint_eq(json_array_size(w), 2);
	ck_assert_int_eq(volt_json_dump(&dump, w, 0), 0);
	ck_assert_msg(strstr(dump, "never seen by seccomp") && strstr(dump, "take over"), "%s", dump);
	free(dump);
	json_decref(w);
	volt_sec_policy_free(p);
	ck_assert_int_eq(volt_sec_policy_new_default(&p), 0);
	ck_assert_int_eq(volt_sec_policy_warnings(&w, p), 0);
	ck_assert_uint_eq(json_array_size(w), 0);
	json_decref(w);
	volt_sec_policy_free(p);
}
END_TEST

START_TEST(test_load_file_refuses_a_fifo)
{
	char dir[] = "/tmp/volt-policy-XXXXXX", path[64];
	volt_sec_policy *p = NULL;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fifo", dir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	/* Would block forever in open() if the FIFO were opened blocking. */
	ck_assert_int_eq(volt_sec_policy_load_file(&p, path), -EINVAL);
	ck_assert_msg(strstr(volt_error_message(), "not a regular file"), "%s", volt_error_message());
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(test_probe_sees_this_kernel)
{
	volt_sec_support s = VOLT_SEC_SUPPORT_INIT, bad = { 0 };

	ck_assert_int_eq(volt_sec_probe(&s), 0);
	ck_assert_int_eq(volt_sec_probe(&bad), -EINVAL);
	/* Any version from 1 to ours is accepted; a newer one is refused. */
	bad.version = 1;
	ck_assert_int_eq(volt_sec_probe(&bad), 0);
	bad.version = VOLT_SEC_SUPPORT_VERSION + 1;
	ck_assert_int_eq(volt_sec_probe(&bad), -EINVAL);
	/* Informative: the denial tests skip or fail on what is missing. */
	fprintf(stderr, "landlock ABI %d (errno %d), seccomp %d, user namespaces %d\n", s.landlock_abi,
		s.landlock_errno, s.seccomp, s.user_namespaces);
	ck_assert_int_ge(s.landlock_abi, 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sec-policy");
	TCase *tc = tcase_create("policy");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_issue_example_parses);
	tcase_add_test(tc, test_empty_object_restricts_only_by_default_profile);
	tcase_add_test(tc, test_one_fs_list_makes_the_others_empty);
	tcase_add_test(tc, test_full_policy_round_trips);
	tcase_add_test(tc, test_default_policy_round_trips);
	tcase_add_test(tc, test_bad_policies_are_refused_by_name);
	tcase_add_test(tc, test_no_new_privs_off_with_sys_admin_kept);
	tcase_add_test(tc, test_load_file_names_the_path);
	tcase_add_test(tc, test_gaps_on_older_kernels);
	tcase_add_test(tc, test_probe_sees_this_kernel);
	tcase_add_test(tc, test_fs_deny_and_userns_false);
	tcase_add_test(tc, test_default_policy_exposes_no_secrets);
	tcase_add_test(tc, test_warnings_say_why);
	tcase_add_test(tc, test_load_file_refuses_a_fifo);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
