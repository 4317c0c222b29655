/*
 * What a workload of a hostile image can do, asked of the kernel from
 * inside the container. Each argument is one attempt; every attempt is
 * expected to fail, and the answer is printed either way:
 *
 *   write:PATH    create PATH (then remove it)
 *   read:PATH     open PATH and read a byte
 *   dev:PATH      open PATH (a device node) read-write, else read-only
 *   setuid:PATH   PATH still carries a set-user-ID or set-group-ID bit
 *   fcap:PATH     PATH still carries a security.capability attribute
 *
 * Exit status: 0 when every attempt failed, 1 when any succeeded, 2 on
 * bad usage.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

static int allowed;

static void report(const char *what, const char *path, int ok, int err)
{
	if (ok) {
		allowed++;
		printf("PROBE %s %s: ALLOWED\n", what, path);
	} else {
		printf("PROBE %s %s: denied (%s)\n", what, path, strerror(err));
	}
}

static void try_write(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	report("write", path, fd >= 0, errno);
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
}

static void try_read(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char c;

	if (fd < 0) {
		report("read", path, 0, errno);
		return;
	}
	if (read(fd, &c, 1) < 0)
		report("read", path, 0, errno);
	else
		report("read", path, 1, 0);
	close(fd);
}

static void try_dev(const char *path)
{
	int fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0 && (errno == EACCES || errno == EPERM || errno == EROFS))
		fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	report("dev", path, fd >= 0, errno);
	if (fd >= 0)
		close(fd);
}

static void try_setuid(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0) {
		report("setuid", path, 0, errno);
		return;
	}
	report("setuid", path, (st.st_mode & (S_ISUID | S_ISGID)) != 0, ENOENT);
}

static void try_fcap(const char *path)
{
	char buf[64];
	ssize_t n = lgetxattr(path, "security.capability", buf, sizeof(buf));

	report("fcap", path, n >= 0, errno);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *prefix;
		void (*fn)(const char *);
	} kinds[] = {
		{ "write:", try_write }, { "read:", try_read }, { "dev:", try_dev },
		{ "setuid:", try_setuid }, { "fcap:", try_fcap },
	};

	if (argc < 2) {
		fprintf(stderr, "usage: probe-image write:PATH|read:PATH|dev:PATH|setuid:PATH|fcap:PATH...\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc; i++) {
		size_t k;

		for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
			if (strncmp(argv[i], kinds[k].prefix, strlen(kinds[k].prefix)) == 0)
				break;
		if (k == sizeof(kinds) / sizeof(kinds[0])) {
			fprintf(stderr, "probe-image: unknown attempt '%s'\n", argv[i]);
			return 2;
		}
		kinds[k].fn(argv[i] + strlen(kinds[k].prefix));
	}
	printf("PROBE %d allowed\n", allowed);
	return allowed ? 1 : 0;
}
