/*
 * LD_PRELOAD for start-path.sh: each program a dynamically linked process
 * executes through execv, execve or execvp is appended to
 * $VOLT_TEST_EXEC_LOG (its path, one a line) before the real call.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void note(const char *path)
{
	const char *log = getenv("VOLT_TEST_EXEC_LOG");
	char line[4096];
	int n, out;

	if (!log)
		return;
	n = snprintf(line, sizeof(line), "%s\n", path);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	out = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (out < 0)
		return;
	if (write(out, line, (size_t)n) < 0) {
		/* A lost line makes the test see fewer programs: never more. */
	}
	close(out);
}

__attribute__((visibility("default"))) int execve(const char *path, char *const argv[], char *const envp[])
{
	int (*real)(const char *, char *const[], char *const[]) =
		(int (*)(const char *, char *const[], char *const[]))dlsym(RTLD_NEXT, "execve");

	note(path);
	return real(path, argv, envp);
}

__attribute__((visibility("default"))) int execv(const char *path, char *const argv[])
{
	int (*real)(const char *, char *const[]) = (int (*)(const char *, char *const[]))dlsym(RTLD_NEXT, "execv");

	note(path);
	return real(path, argv);
}

__attribute__((visibility("default"))) int execvp(const char *file, char *const argv[])
{
	int (*real)(const char *, char *const[]) = (int (*)(const char *, char *const[]))dlsym(RTLD_NEXT, "execvp");

	note(file);
	return real(file, argv);
}
