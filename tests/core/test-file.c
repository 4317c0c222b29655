/* Atomic writes, bounded reads, mkdir -p, the state root. SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <volt/core.h>

#include "volt-test.h"

static char dir[64];

static void make_dir(void)
{
	snprintf(dir, sizeof(dir), "/tmp/volt-test-file-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void remove_dir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static int count_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

START_TEST(atomic_write_replaces_whole_file_with_mode)
{
	char path[128], *back = NULL;
	size_t len = 0;
	struct stat st;

	make_dir();
	snprintf(path, sizeof(path), "%s/f", dir);
	ck_assert_int_eq(volt_file_write_atomic(path, "old", 3, 0644), 0);
	ck_assert_int_eq(volt_file_write_atomic(path, "new contents", 12, 0600), 0);
	ck_assert_int_eq(volt_file_read(&back, &len, path, 100), 0);
	ck_assert_uint_eq(len, 12);
	ck_assert_str_eq(back, "new contents");
	free(back);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	/* No temporary file is left behind. */
	ck_assert_int_eq(count_entries(dir), 1);

	/* Empty files are files too. */
	ck_assert_int_eq(volt_file_write_atomic(path, NULL, 0, 0644), 0);
	ck_assert_int_eq(volt_file_read(&back, &len, path, 100), 0);
	ck_assert_uint_eq(len, 0);
	ck_assert_str_eq(back, "");
	free(back);
	remove_dir();
}
END_TEST

START_TEST(atomic_write_failure_leaves_old_file_and_no_debris)
{
	char path[128], *back = NULL;

	make_dir();
	snprintf(path, sizeof(path), "%s/missing/f", dir);
	ck_assert_fails_with(volt_file_write_atomic(path, "x", 1, 0644), ENOENT, "create temporary file");

	/* Renaming onto a directory fails after the temporary file exists: it must be removed. */
	snprintf(path, sizeof(path), "%s/d", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/d/x", dir);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/d", dir);
	ck_assert_int_lt(volt_file_write_atomic(path, "x", 1, 0644), 0);
	ck_assert_int_eq(count_entries(dir), 1);
	ck_assert_int_eq(volt_file_read(&back, NULL, path, 10), -EISDIR);
	remove_dir();
}
END_TEST

START_TEST(write_is_all_or_nothing_under_sigkill)
{
	/* A child rewrites a file in a loop and is killed at an arbitrary moment:
	 * the file must hold one complete version, never a mix or a prefix. */
	enum { SIZE = 256 * 1024 };
	char path[128], *buf, *back = NULL;
	size_t len;
	pid_t pid;

	make_dir();
	snprintf(path, sizeof(path), "%s/f", dir);
	buf = malloc(SIZE);
	ck_assert_ptr_nonnull(buf);
	memset(buf, 'A', SIZE);
	ck_assert_int_eq(volt_file_write_atomic(path, buf, SIZE, 0644), 0);

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		for (unsigned i = 0;; i++) {
			memset(buf, 'A' + (int)(i % 26), SIZE);
			volt_file_write_atomic(path, buf, SIZE, 0644);
		}
	}
	usleep(150 * 1000);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);

	ck_assert_int_eq(volt_file_read(&back, &len, path, SIZE), 0);
	ck_assert_uint_eq(len, SIZE);
	for (size_t i = 1; i < len; i++)
		ck_assert_int_eq(back[i], back[0]);
	free(back);
	free(buf);
	remove_dir();
}
END_TEST

START_TEST(read_refuses_oversized_files)
{
	char path[128], *back = NULL;
	size_t len;

	make_dir();
	snprintf(path, sizeof(path), "%s/f", dir);
	ck_assert_int_eq(volt_file_write_atomic(path, "0123456789", 10, 0644), 0);
	ck_assert_fails_with(volt_file_read(&back, &len, path, 9), EFBIG, "limit of 9");
	ck_assert_int_eq(volt_file_read(&back, &len, path, 10), 0);
	free(back);
	/* /proc files report size 0: the limit still holds while reading. */
	ck_assert_fails_with(volt_file_read(&back, &len, "/proc/self/maps", 16), EFBIG, "more than the limit");
	ck_assert_int_eq(volt_file_read(&back, &len, "/proc/self/status", 1 << 20), 0);
	ck_assert_ptr_nonnull(strstr(back, "Pid:"));
	free(back);
	ck_assert_fails_with(volt_file_read(&back, &len, "/nonexistent/x", 10), ENOENT, "open /nonexistent/x");
	remove_dir();
}
END_TEST

START_TEST(mkdir_p_creates_parents_and_refuses_files)
{
	char path[256];
	struct stat st;

	make_dir();
	snprintf(path, sizeof(path), "%s/a/b//c/", dir);
	ck_assert_int_eq(volt_mkdir_p(path, 0700), 0);
	ck_assert_int_eq(volt_mkdir_p(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/a/b/c", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));

	snprintf(path, sizeof(path), "%s/file", dir);
	ck_assert_int_eq(volt_file_write_atomic(path, "x", 1, 0644), 0);
	snprintf(path, sizeof(path), "%s/file/sub", dir);
	ck_assert_fails_with(volt_mkdir_p(path, 0700), ENOTDIR, "not a directory");
	remove_dir();
}
END_TEST

START_TEST(root_resolves_override_then_env_then_default)
{
	char *root = NULL;

	unsetenv(VOLT_ROOT_ENV);
	ck_assert_int_eq(volt_root_resolve(&root, NULL), 0);
	ck_assert_str_eq(root, volt_root_default());
	ck_assert_str_eq(root, "/var/lib/volt");
	free(root);

	setenv(VOLT_ROOT_ENV, "/tmp//volt-env/", 1);
	ck_assert_int_eq(volt_root_resolve(&root, NULL), 0);
	ck_assert_str_eq(root, "/tmp/volt-env");
	free(root);

	ck_assert_int_eq(volt_root_resolve(&root, "/srv/volt"), 0);
	ck_assert_str_eq(root, "/srv/volt");
	free(root);
	root = NULL;

	ck_assert_fails_with(volt_root_resolve(&root, "relative"), EINVAL, "from --root");
	setenv(VOLT_ROOT_ENV, "also-relative", 1);
	ck_assert_fails_with(volt_root_resolve(&root, NULL), EINVAL, "from VOLT_ROOT");
	/* An empty VOLT_ROOT means unset. */
	setenv(VOLT_ROOT_ENV, "", 1);
	ck_assert_int_eq(volt_root_resolve(&root, NULL), 0);
	ck_assert_str_eq(root, "/var/lib/volt");
	free(root);
}
END_TEST

START_TEST(root_subdir_creates_private_dirs_inside_root)
{
	char *sub = NULL;
	struct stat st;

	make_dir();
	ck_assert_int_eq(volt_root_subdir(&sub, dir, "cas/blocks", 1), 0);
	ck_assert_int_eq(stat(sub, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(st.st_mode & 0777, 0700);
	free(sub);
	sub = NULL;
	ck_assert_fails_with(volt_root_subdir(&sub, dir, "../escape", 1), EINVAL, "escapes");
	ck_assert_ptr_null(sub);
	remove_dir();
}
END_TEST

START_TEST(write_all_writes_everything_or_says_why)
{
	enum { SIZE = 1 << 20 }; /* more than a pipe holds: short writes happen */
	char *buf = malloc(SIZE), *back = malloc(SIZE);
	int p[2];
	pid_t pid;
	size_t got = 0;

	ck_assert_ptr_nonnull(buf);
	ck_assert_ptr_nonnull(back);
	memset(buf, 'v', SIZE);
	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(p[0]);
		_exit(volt_write_all(p[1], buf, SIZE) == 0 ? 0 : 1);
	}
	close(p[1]);
	for (ssize_t n; (n = read(p[0], back + got, SIZE - got)) > 0;)
		got += (size_t)n;
	close(p[0]);
	ck_assert_uint_eq(got, SIZE);
	ck_assert_int_eq(memcmp(buf, back, SIZE), 0);
	{
		int status;

		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}

	/* A pipe nobody reads from: EPIPE, with a message. */
	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(pipe(p), 0);
	close(p[0]);
	ck_assert_fails_with(volt_write_all(p[1], "x", 1), EPIPE, "write: Broken pipe");
	close(p[1]);
	ck_assert_fails_with(volt_write_all(-1, "x", 1), EBADF, "write");
	free(buf);
	free(back);
}
END_TEST

VOLT_TEST_MAIN("file", write_all_writes_everything_or_says_why, atomic_write_replaces_whole_file_with_mode, atomic_write_failure_leaves_old_file_and_no_debris,
	       write_is_all_or_nothing_under_sigkill, read_refuses_oversized_files,
	       mkdir_p_creates_parents_and_refuses_files, root_resolves_override_then_env_then_default,
	       root_subdir_creates_private_dirs_inside_root)
