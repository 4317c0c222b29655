/*
 * LD_PRELOAD for cgroup-warm.sh: each write a dynamically linked process
 * makes to a file named cgroup.procs is appended to $VOLT_TEST_CGROUP_LOG,
 * one line before the real call and one after it:
 *
 *   begin PID COMM PATH DATA
 *   end PID COMM RESULT same|moved
 *
 * "same" when the process's /proc/self/cgroup reads the same after the
 * write as before it (the write moved it nowhere).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The log's own writes go straight to the kernel: they must not come back here. */
static void log_line(const char *line)
{
	const char *log = getenv("VOLT_TEST_CGROUP_LOG");
	int out;

	if (!log)
		return;
	out = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (out < 0)
		return;
	if (syscall(SYS_write, out, line, strlen(line)) < 0) {
		/* A lost line makes the test see fewer writes: never more. */
	}
	close(out);
}

static void read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, size - 1);

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
}

static void comm(char *buf, size_t size)
{
	read_small("/proc/self/comm", buf, size);
	buf[strcspn(buf, "\n")] = '\0';
}

__attribute__((visibility("default"))) ssize_t write(int fd, const void *data, size_t len)
{
	ssize_t (*real)(int, const void *, size_t) = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	static const char leaf[] = "/cgroup.procs";
	char proc[64], path[4096], before[4096], after[4096], name[64], line[8192], text[64];
	ssize_t n, r;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, path, sizeof(path) - 1);
	if (n < (ssize_t)sizeof(leaf) || memcmp(path + n - (sizeof(leaf) - 1), leaf, sizeof(leaf) - 1) != 0)
		return real(fd, data, len);
	path[n] = '\0';
	snprintf(text, sizeof(text), "%.*s", (int)(len < 32 ? len : 32), (const char *)data);
	text[strcspn(text, "\n")] = '\0';
	comm(name, sizeof(name));
	read_small("/proc/self/cgroup", before, sizeof(before));
	snprintf(line, sizeof(line), "begin %d %s %s %s\n", (int)getpid(), name, path, text);
	log_line(line);
	r = real(fd, data, len);
	read_small("/proc/self/cgroup", after, sizeof(after));
	snprintf(line, sizeof(line), "end %d %s %zd %s\n", (int)getpid(), name, r,
		 strcmp(before, after) == 0 ? "same" : "moved");
	log_line(line);
	return r;
}
