/*
 * LD_PRELOAD for start-work.sh: each fsync and fdatasync a dynamically
 * linked program makes is appended to $VOLT_TEST_FSYNC_LOG as the path
 * of the file, one a line, before the real call.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void note(int fd)
{
	const char *log = getenv("VOLT_TEST_FSYNC_LOG");
	char proc[64], path[4096];
	ssize_t n;
	int out;

	if (!log)
		return;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, path, sizeof(path) - 2);
	if (n < 0)
		n = snprintf(path, sizeof(path) - 1, "fd %d", fd);
	path[n++] = '\n';
	out = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (out < 0)
		return;
	if (write(out, path, (size_t)n) < 0) {
		/* A lost line makes the test see fewer fsyncs: never more. */
	}
	close(out);
}

__attribute__((visibility("default"))) int fsync(int fd)
{
	int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fsync");

	note(fd);
	return real(fd);
}

__attribute__((visibility("default"))) int fdatasync(int fd)
{
	int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");

	note(fd);
	return real(fd);
}
