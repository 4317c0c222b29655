/*
 * Learn mode through the library: what a program did ends up in the
 * policy, and the learned policy, applied, lets the same run succeed
 * while a different one is denied.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <volt/core.h>
#include <volt/sec.h>

#include "policy-internal.h"
#include "sec-test.h"

static int listener(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(fd, 16), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static int free_port(void)
{
	int port, fd = listener(&port);

	close(fd);
	return port;
}

struct run {
	volt_sec_policy *policy;
	char *argv[5];
};

static void child_run_under(void *arg)
{
	struct run *r = arg;
	volt_sec_apply_options o = VOLT_SEC_APPLY_OPTIONS_INIT;
	char *envp[] = { "ASAN_OPTIONS=detect_leaks=0", NULL };

	o.flags = VOLT_SEC_APPLY_STRICT;
	if (volt_sec_policy_apply(r->policy, &o) < 0) {
		fprintf(stderr, "apply: %s\n", volt_error_message());
		_exit(CHILD_SETUP);
	}
	execve(r->argv[0], r->argv, envp);
	_exit(CHILD_SETUP + 1);
}

START_TEST(test_learned_policy_lets_the_same_run_succeed)
{
	char bind_port[16], conn_port[16], other_port[16];
	int conn, lfd = listener(&conn), other_fd, other, status = -1;
	struct run r;
	volt_sec_policy *p = NULL;

	snprintf(bind_port, sizeof(bind_port), "%d", free_port());
	snprintf(conn_port, sizeof(conn_port), "%d", conn);
	r = (struct run){ .argv = { SEC_HELPER, "net", bind_port, conn_port, NULL } };
	/*
	 * Under ASan the helper's LeakSanitizer would ptrace it at exit, which a
	 * traced process cannot allow. (This process read its options at start.)
	 */
	setenv("ASAN_OPTIONS", "detect_leaks=0", 1);

	ck_assert_msg(volt_sec_learn_run(&p, &status, r.argv, NULL) == 0, "%s", volt_error_message());
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "observed run failed: %#x", status);
	ck_assert(p->bind_restricted && p->connect_restricted && p->fs_restricted);
	ck_assert_uint_eq(p->net_bind.n, 1);
	ck_assert_uint_eq(p->net_bind.items[0], (unsigned)atoi(bind_port));
	ck_assert_uint_eq(p->net_connect.n, 1);
	ck_assert_uint_eq(p->net_connect.items[0], (unsigned)conn);
	/* The default profile (its guards kept) minus what the run did not make. */
	ck_assert_int_eq(p->profile, SECCOMP_PROFILE_DEFAULT);
	ck_assert(!strv_contains(&p->sc_deny, "socket") && !strv_contains(&p->sc_deny, "bind") &&
		  !strv_contains(&p->sc_deny, "connect") && !strv_contains(&p->sc_deny, "execve") &&
		  !strv_contains(&p->sc_deny, "exit") && !strv_contains(&p->sc_deny, "exit_group"));
	ck_assert(strv_contains(&p->sc_deny, "unshare") && strv_contains(&p->sc_deny, "mkdir"));
	ck_assert(!strv_contains(&p->sc_allow, "mount") && !strv_contains(&p->sc_allow, "clone3") &&
		  !strv_contains(&p->sc_deny, "clone3"));
	/* The default policy's secrets stay withheld. */
	ck_assert(strv_contains(&p->fs_deny, "/etc/shadow"));
	ck_assert_uint_ge(p->fs_execute.n, 1);

	/* Applied to the same run: it succeeds. */
	r.policy = p;
	assert_exited_ok(run_child(child_run_under, &r));

	/* Another connection than the one learned is denied by Landlock. */
	other_fd = listener(&other);
	snprintf(other_port, sizeof(other_port), "%d", other);
	r.argv[3] = other_port;
	status = run_child(child_run_under, &r);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 100 + EACCES, "status %#x", status);
	close(other_fd);
	close(lfd);
	volt_sec_policy_free(p);
}
END_TEST

START_TEST(test_clone_untraced_cannot_escape)
{
	char marker[] = "/tmp/volt-untraced-XXXXXX", *argv[] = { SEC_HELPER, "untraced", marker, NULL };
	char *argv3[] = { SEC_HELPER, "clone3", NULL };
	volt_sec_policy *p = NULL;
	int fd = mkstemp(marker), status = -1;

	ck_assert_int_ge(fd, 0);
	close(fd);
	unlink(marker);
	setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
	/* The control: unobserved, the untraced child runs. */
	ck_assert_int_eq(system(SEC_HELPER " untraced /dev/null"), 0);

	ck_assert_msg(volt_sec_learn_run(&p, &status, argv, NULL) == 0, "%s", volt_error_message());
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 20 + EPERM, "clone(CLONE_UNTRACED): status %#x", status);
	ck_assert_int_eq(access(marker, F_OK), -1);
	volt_sec_policy_free(p);

	ck_assert_msg(volt_sec_learn_run(&p, &status, argv3, NULL) == 0, "%s", volt_error_message());
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 20 + ENOSYS, "clone3: status %#x", status);
	volt_sec_policy_free(p);
}
END_TEST

START_TEST(test_learn_reports_a_missing_program)
{
	char *argv[] = { "/nonexistent/volt-test-program", NULL };
	volt_sec_policy *p = NULL;

	ck_assert_int_eq(volt_sec_learn_run(&p, NULL, argv, NULL), -ENOENT);
	ck_assert_ptr_null(p);
	ck_assert_msg(strstr(volt_error_message(), "volt-test-program"), "%s", volt_error_message());
}
END_TEST

START_TEST(test_explain_and_file_grants)
{
	char dir[] = "/tmp/volt-learn-XXXXXX", file[64], missing[64], script[256];
	char *argv[] = { "/bin/sh", "-c", script, NULL };
	volt_sec_policy *p = NULL;
	json_t *why = NULL, *rule;
	bool explained = false, probe = false;
	size_t i;
	int status = -1;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/data", dir);
	snprintf(missing, sizeof(missing), "%s/missing", dir);
	f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fputs("x\n", f);
	fclose(f);
	snprintf(script, sizeof(script), "cat %s; cat %s 2>/dev/null; exit 0", file, missing);
	setenv("ASAN_OPTIONS", "detect_leaks=0", 1);

	ck_assert_msg(volt_sec_learn_run_explain(&p, &why, &status, argv, NULL, NULL) == 0, "%s", volt_error_message());
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
	/* The file itself, not its directory; the failed probe grants nothing. */
	ck_assert(strv_contains(&p->fs_read, file));
	ck_assert(!strv_contains(&p->fs_read, dir) && !strv_contains(&p->fs_read, missing));
	json_array_foreach(json_object_get(why, "rules"), i, rule)
		if (strcmp(json_string_value(json_object_get(rule, "path")), file) == 0)
			explained = json_array_size(json_object_get(rule, "accesses")) > 0;
	json_array_foreach(json_object_get(why, "not_granted"), i, rule)
		if (strcmp(json_string_value(json_object_get(rule, "path")), missing) == 0)
			probe = true;
	ck_assert_msg(explained, "no explanation for %s", file);
	ck_assert_msg(probe, "the probe of %s is not reported", missing);
	ck_assert(json_is_array(json_object_get(json_object_get(why, "seccomp"), "used")));
	json_decref(why);
	volt_sec_policy_free(p);
	unlink(file);
	rmdir(dir);
}
END_TEST

/* Inside a root, paths are written as the program names them there. */
START_TEST(test_paths_relative_to_a_root)
{
	char root[] = "/tmp/volt-learn-root-XXXXXX", file[64], script[256];
	char *argv[] = { "/bin/sh", "-c", script, NULL };
	volt_sec_policy *p = NULL;
	int status = -1;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(file, sizeof(file), "%s/conf", root);
	f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	/* A relative open from a working directory inside the root. */
	snprintf(script, sizeof(script), "cd %s && cat conf", root);
	setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
	ck_assert_msg(volt_sec_learn_run_explain(&p, NULL, &status, argv, root, NULL) == 0, "%s", volt_error_message());
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
	ck_assert(strv_contains(&p->fs_read, "/conf"));
	ck_assert(!strv_contains(&p->fs_read, file));
	/* /bin/sh is outside the root: not recorded. */
	for (size_t i = 0; i < p->fs_execute.n; i++)
		ck_assert_msg(strncmp(p->fs_execute.items[i], "/bin", 4) != 0 && strncmp(p->fs_execute.items[i], "/usr", 4) != 0,
			      "%s", p->fs_execute.items[i]);
	volt_sec_policy_free(p);
	unlink(file);
	rmdir(root);
}
END_TEST

START_TEST(test_bad_options_are_refused)
{
	volt_sec_learn_options o = VOLT_SEC_LEARN_OPTIONS_INIT;
	char *argv[] = { "/bin/true", NULL };
	volt_sec_policy *p = NULL;

	o.flags = 1u << 7;
	ck_assert_int_eq(volt_sec_learn_run(&p, NULL, argv, &o), -EINVAL);
	o.flags = 0;
	ck_assert_int_eq(volt_sec_learn_run_explain(&p, NULL, NULL, argv, "relative", &o), -EINVAL);
	ck_assert_ptr_null(p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sec-learn");
	TCase *tc = tcase_create("learn");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_learned_policy_lets_the_same_run_succeed);
	tcase_add_test(tc, test_clone_untraced_cannot_escape);
	tcase_add_test(tc, test_learn_reports_a_missing_program);
	tcase_add_test(tc, test_explain_and_file_grants);
	tcase_add_test(tc, test_bad_options_are_refused);
	tcase_add_test(tc, test_paths_relative_to_a_root);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
