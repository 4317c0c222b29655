/*
 * Whole policies applied to a child process, observed from inside it:
 * real Landlock, seccomp, capability, no_new_privs and user namespace
 * denials against the running kernel, and the allowed operations still
 * working.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <signal.h>
#include <stddef.h>

#include <volt/core.h>
#include <volt/sec.h>

#include "sec-test.h"

static char tmp[64];
static char helper_copy[128];

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void copy_file(const char *from, const char *to, mode_t mode)
{
	char *data = NULL;
	size_t len = 0;

	ck_assert_int_eq(volt_file_read(&data, &len, from, 64u << 20), 0);
	ck_assert_int_eq(volt_file_write_atomic(to, data, len, mode), 0);
	ck_assert_int_eq(chmod(to, mode), 0);
	free(data);
}

static void setup(void)
{
	char p[256];

	strcpy(tmp, "/tmp/volt-sec-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmp));
	ck_assert_int_eq(chmod(tmp, 0755), 0);
	const char *dirs[] = { "ro", "rw", "secret", "noexec", "shared" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", tmp, dirs[i]);
		ck_assert_int_eq(mkdir(p, 0755), 0);
	}
	snprintf(p, sizeof(p), "%s/shared", tmp);
	ck_assert_int_eq(chmod(p, 01777), 0);
	snprintf(p, sizeof(p), "%s/ro/data", tmp);
	write_file(p, "public\n", 0644);
	snprintf(p, sizeof(p), "%s/secret/data", tmp);
	write_file(p, "secret\n", 0644);
	snprintf(p, sizeof(p), "%s/noexec/true", tmp);
	copy_file("/usr/bin/true", p, 0755);
	snprintf(helper_copy, sizeof(helper_copy), "%s/ro/sec-helper", tmp);
	copy_file(SEC_HELPER, helper_copy, 0755);
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	ck_assert_int_eq(system(cmd), 0);
}

/* A TCP port nothing listens on at the moment. */
static int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static int tcp_socket_op(bool do_bind, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), r, saved;

	if (fd < 0)
		return -errno;
	r = do_bind ? bind(fd, (struct sockaddr *)&a, sizeof(a)) : connect(fd, (struct sockaddr *)&a, sizeof(a));
	saved = errno;
	close(fd);
	return r < 0 ? -saved : 0;
}

static volt_sec_policy *policy_from(const char *text)
{
	volt_sec_policy *p = NULL;

	ck_assert_msg(volt_sec_policy_parse(&p, text, strlen(text)) == 0, "%s: %s", text, volt_error_message());
	return p;
}

static void apply_or_die(const volt_sec_policy *p, unsigned flags)
{
	volt_sec_apply_options o = VOLT_SEC_APPLY_OPTIONS_INIT;

	o.flags = flags;
	if (volt_sec_policy_apply(p, &o) < 0) {
		fprintf(stderr, "apply: %s\n", volt_error_message());
		_exit(CHILD_SETUP);
	}
}

/* Run @path @arg in a grandchild; its exit status, or 1000 + errno when execve failed. */
static int run_program(const char *path, const char *arg, const char *arg2)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		char *argv[] = { (char *)path, (char *)arg, (char *)arg2, NULL };
		char *envp[] = { "ASAN_OPTIONS=detect_leaks=0", NULL };

		execve(path, argv, envp);
		_exit(errno == EACCES ? 201 : errno == EPERM ? 202 : 203);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

struct fs_net_case {
	volt_sec_policy *policy;
	int bind_ok, bind_no, connect_ok, connect_no;
};

static void child_fs_and_net(void *arg)
{
	const struct fs_net_case *c = arg;
	char p[256];
	int fd;

	apply_or_die(c->policy, VOLT_SEC_APPLY_STRICT);

	snprintf(p, sizeof(p), "%s/ro/data", tmp);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	child_check(1, fd >= 0, "read inside fs_read: %m");
	close(fd);
	child_check(2, open(p, O_WRONLY | O_CLOEXEC) < 0 && errno == EACCES, "write outside fs_write: %m");
	child_check(3, unlink(p) < 0 && errno == EACCES, "unlink outside fs_write: %m");
	snprintf(p, sizeof(p), "%s/secret/data", tmp);
	child_check(4, open(p, O_RDONLY | O_CLOEXEC) < 0 && errno == EACCES, "read outside fs_read: %m");
	snprintf(p, sizeof(p), "%s/ro/new", tmp);
	child_check(5, open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644) < 0 && errno == EACCES, "create outside fs_write: %m");
	snprintf(p, sizeof(p), "%s/rw/new", tmp);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	child_check(6, fd >= 0 && write(fd, "x", 1) == 1, "create and write inside fs_write: %m");
	close(fd);
	child_check(7, unlink(p) == 0, "unlink inside fs_write: %m");
	snprintf(p, sizeof(p), "%s/noexec/true", tmp);
	child_check(8, run_program(p, NULL, NULL) == 201, "execute outside fs_execute should be EACCES");
	child_check(9, run_program("/usr/bin/true", NULL, NULL) == 0, "execute inside fs_execute");

	child_check(10, tcp_socket_op(true, c->bind_no) == -EACCES, "bind outside net_bind");
	child_check(11, tcp_socket_op(true, c->bind_ok) == 0, "bind inside net_bind");
	child_check(12, tcp_socket_op(false, c->bind_ok) == -EACCES, "connect outside net_connect");
	child_check(13, tcp_socket_op(false, c->connect_ok) == 0, "connect inside net_connect");

	/* The other layers of the same policy. */
	child_check(14, mount("none", "/tmp", "tmpfs", 0, NULL) < 0 && errno == EPERM, "mount: %m");
	child_check(15, unshare(CLONE_NEWUSER) < 0 && errno == EPERM, "unshare(CLONE_NEWUSER): %m");
	child_check(16, prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1, "no_new_privs");
	child_check(17, run_program(helper_copy, "caps", "0") == 0, "a program run inside has no capabilities");
}

START_TEST(test_fs_and_net_denials)
{
	struct fs_net_case c;
	char text[2048];
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int listener;

	c.bind_ok = free_port();
	c.bind_no = free_port();
	c.connect_no = c.bind_ok;
	listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(bind(listener, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(listener, 8), 0);
	{
		socklen_t len = sizeof(a);

		ck_assert_int_eq(getsockname(listener, (struct sockaddr *)&a, &len), 0);
		c.connect_ok = ntohs(a.sin_port);
	}
	snprintf(text, sizeof(text),
		 "{\"fs_read\": [\"%s/ro\", \"%s/rw\", \"%s/noexec\", \"/usr\", \"/lib\", \"/lib64\", \"/etc\", \"/proc\", \"/dev/null\"],"
		 " \"fs_write\": [\"%s/rw\", \"/dev/null\"], \"fs_execute\": [\"/usr\", \"/lib\", \"/lib64\", \"%s/ro\"],"
		 " \"net_bind\": [%d], \"net_connect\": [%d]}",
		 tmp, tmp, tmp, tmp, tmp, c.bind_ok, c.connect_ok);
	c.policy = policy_from(text);
	assert_exited_ok(run_child(child_fs_and_net, &c));
	close(listener);
	volt_sec_policy_free(c.policy);
}
END_TEST

static int abstract_socket(const char *name, bool do_listen)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), r;

	memcpy(a.sun_path + 1, name, strlen(name));
	if (fd < 0)
		return -errno;
	if (do_listen)
		r = bind(fd, (struct sockaddr *)&a, len) == 0 && listen(fd, 4) == 0 ? fd : -errno;
	else {
		r = connect(fd, (struct sockaddr *)&a, len) == 0 ? 0 : -errno;
		close(fd);
	}
	return r;
}

static void child_scoped(void *arg)
{
	pid_t kid;
	int status, own;

	apply_or_die(arg, VOLT_SEC_APPLY_STRICT);
	child_check(1, kill(getppid(), 0) < 0 && errno == EPERM, "signal to a process outside the sandbox: %m");
	kid = fork();
	if (kid == 0) {
		pause();
		_exit(0);
	}
	child_check(2, kid > 0 && kill(kid, SIGKILL) == 0, "signal to its own child: %m");
	waitpid(kid, &status, 0);
	child_check(3, abstract_socket("volt-sec-test-outside", false) == -EPERM, "connect to an outside abstract socket");
	own = abstract_socket("volt-sec-test-inside", true);
	child_check(4, own >= 0, "listen on an abstract socket inside: %d", own);
	child_check(5, abstract_socket("volt-sec-test-inside", false) == 0, "connect to its own abstract socket");
}

START_TEST(test_scope_keeps_signals_and_abstract_sockets_inside)
{
	volt_sec_policy *p = policy_from("{\"scope\": [\"signal\", \"abstract_unix_socket\"]}");
	int outside = abstract_socket("volt-sec-test-outside", true);

	ck_assert_int_ge(outside, 0);
	/* The control: without the policy the same connection works. */
	ck_assert_int_eq(abstract_socket("volt-sec-test-outside", false), 0);
	assert_exited_ok(run_child(child_scoped, p));
	close(outside);
	volt_sec_policy_free(p);
}
END_TEST

static void become_nobody(void)
{
	if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
		_exit(CHILD_SETUP);
}

static void child_setuid_without_policy(void *arg)
{
	(void)arg;
	become_nobody();
	child_check(1, run_program(helper_copy, "euid", NULL) == 42, "control: the setuid helper should gain root");
}

static void child_setuid_under_policy(void *arg)
{
	become_nobody();
	apply_or_die(arg, 0);
	child_check(1, run_program(helper_copy, "euid", NULL) == 43, "a setuid binary must gain nothing");
}

START_TEST(test_setuid_binary_gains_nothing)
{
	volt_sec_policy *p = policy_from("{}");

	ck_assert_int_eq(chown(helper_copy, 0, 0), 0);
	ck_assert_int_eq(chmod(helper_copy, 04755), 0);
	/* The control proves the test can fail: without the policy it works. */
	assert_exited_ok(run_child(child_setuid_without_policy, NULL));
	assert_exited_ok(run_child(child_setuid_under_policy, p));
	volt_sec_policy_free(p);
}
END_TEST

static void child_keeps_one_capability(void *arg)
{
	apply_or_die(arg, VOLT_SEC_APPLY_STRICT);
	child_check(1, run_program(helper_copy, "caps", "400") == 0, "exactly CAP_NET_BIND_SERVICE after exec");
	child_check(2, tcp_socket_op(true, 1) == 0 || errno == EADDRINUSE, "bind port 1 with the capability: %m");
}

START_TEST(test_capability_kept_by_name)
{
	volt_sec_policy *p = policy_from("{\"capabilities\": [\"CAP_NET_BIND_SERVICE\"]}");

	assert_exited_ok(run_child(child_keeps_one_capability, p));
	volt_sec_policy_free(p);
}
END_TEST

static void child_user_namespace(void *arg)
{
	char p[256], buf[256] = "";
	int fd;
	ssize_t n;

	apply_or_die(arg, VOLT_SEC_APPLY_STRICT);
	child_check(1, getuid() == 0 && getgid() == 0 && geteuid() == 0, "root inside: uid %d", (int)getuid());
	fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	child_check(2, n > 0 && sscanf(buf, "%*u %*u %*u") == 0 && strstr(buf, "100000") && strstr(buf, "65536"),
		    "uid_map: %s", buf);
	close(fd);
	snprintf(p, sizeof(p), "%s/shared/made-inside", tmp);
	fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	child_check(3, fd >= 0, "create: %m");
	close(fd);
	child_check(4, run_program(helper_copy, "caps", "0") == 0, "no capabilities inside either");
}

START_TEST(test_user_namespace_maps_root_to_a_range)
{
	volt_sec_policy *p = policy_from("{\"user_namespace\": {\"uid_map\": [{\"inside\": 0, \"outside\": 100000, \"count\": 65536}]}}");
	char path[256];
	struct stat st;

	assert_exited_ok(run_child(child_user_namespace, p));
	snprintf(path, sizeof(path), "%s/shared/made-inside", tmp);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_uid, 100000);
	ck_assert_uint_eq(st.st_gid, 100000);
	volt_sec_policy_free(p);
}
END_TEST

/* Block Landlock the way systemd-nspawn 252 does, then apply. */
static void block_landlock(void)
{
	volt_sec_filter *f = NULL;

	if (volt_sec_filter_new_default(&f, VOLT_SEC_ACTION_ERRNO) < 0 ||
	    volt_sec_filter_deny(f, "landlock_create_ruleset") < 0 || volt_sec_filter_load(f, 0) < 0)
		_exit(CHILD_SETUP);
	volt_sec_filter_free(f);
}

static void child_strict_refuses(void *arg)
{
	volt_sec_apply_options o = VOLT_SEC_APPLY_OPTIONS_INIT;

	block_landlock();
	o.flags = VOLT_SEC_APPLY_STRICT;
	child_check(1, volt_sec_policy_apply(arg, &o) == -EOPNOTSUPP, "strict apply should refuse");
	child_check(2, strstr(volt_error_message(), "system-call-filter") != NULL, "%s", volt_error_message());
	/* Refused before any change: the test's own filter was loaded with CAP_SYS_ADMIN, not no_new_privs. */
	child_check(3, prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0, "no_new_privs set by a refused apply");
	o.flags = 0;
	child_check(4, volt_sec_policy_apply(arg, &o) == 0, "best effort applies: %s", volt_error_message());
	child_check(5, prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1, "no_new_privs after best effort");
}

START_TEST(test_strict_mode_refuses_unenforceable_policy)
{
	volt_sec_policy *p = policy_from("{\"fs_read\": [\"/\"]}");

	assert_exited_ok(run_child(child_strict_refuses, p));
	volt_sec_policy_free(p);
}
END_TEST

START_TEST(test_seccomp_cache_is_filled_and_used)
{
	char dir[256], cmd[300];
	volt_sec_policy *p = policy_from("{}");
	volt_sec_apply_options o = VOLT_SEC_APPLY_OPTIONS_INIT;
	int status;
	pid_t pid;

	snprintf(dir, sizeof(dir), "%s/cache", tmp);
	o.seccomp_cache_dir = dir;
	for (int round = 0; round < 2; round++) {
		pid = fork();
		if (pid == 0) {
			if (volt_sec_policy_apply(p, &o) < 0)
				_exit(CHILD_SETUP);
			_exit(mount("none", "/tmp", "tmpfs", 0, NULL) < 0 && errno == EPERM ? 0 : 1);
		}
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		assert_exited_ok(status);
		snprintf(cmd, sizeof(cmd), "test $(ls '%s' | grep -c '\\.bpf$') -eq 1", dir);
		ck_assert_int_eq(system(cmd), 0);
	}
	volt_sec_policy_free(p);
}
END_TEST

static void *idle_thread(void *arg)
{
	pause();
	return arg;
}

static void child_threads_refused(void *arg)
{
	pthread_t t;

	child_check(1, pthread_create(&t, NULL, idle_thread, NULL) == 0, "pthread_create");
	child_check(2, volt_sec_policy_apply(arg, NULL) == -EINVAL, "apply with two threads must be refused");
	child_check(3, strstr(volt_error_message(), "single thread") != NULL, "%s", volt_error_message());
	child_check(4, prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0, "nothing changed");
}

START_TEST(test_multithreaded_caller_is_refused)
{
	volt_sec_policy *p = policy_from("{}");

	assert_exited_ok(run_child(child_threads_refused, p));
	volt_sec_policy_free(p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sec-apply");
	TCase *tc = tcase_create("apply");
	const char *skip = NULL;
	struct statvfs tmpfs;
	SRunner *sr;
	int failed;

	if (geteuid() != 0) {
		printf("SKIP: the denial tests need root (setuid helper, user namespace maps)\n");
		return 77;
	}
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_fs_and_net_denials);
	/* The setuid control cannot gain root where /tmp is mounted nosuid. */
	if (statvfs("/tmp", &tmpfs) == 0 && (tmpfs.f_flag & ST_NOSUID))
		skip = "/tmp is mounted nosuid: the setuid-binary case cannot run its control";
	else
		tcase_add_test(tc, test_setuid_binary_gains_nothing);
	tcase_add_test(tc, test_scope_keeps_signals_and_abstract_sockets_inside);
	tcase_add_test(tc, test_capability_kept_by_name);
	tcase_add_test(tc, test_user_namespace_maps_root_to_a_range);
	tcase_add_test(tc, test_strict_mode_refuses_unenforceable_policy);
	tcase_add_test(tc, test_seccomp_cache_is_filled_and_used);
	tcase_add_test(tc, test_multithreaded_caller_is_refused);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (failed)
		return EXIT_FAILURE;
	if (skip) {
		printf("SKIP: %s\n", skip);
		return 77;
	}
	return EXIT_SUCCESS;
}
