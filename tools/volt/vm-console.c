/*
 * volt vm console: a terminal on a running VM's serial console.
 *
 * A VM's unit runs "volt vm console-relay DIR -- voltvm ... --console
 * stdio": the relay is voltvm's parent, copies the console's output to
 * its own standard output (the unit's journal, so 'volt vm logs' keeps
 * it all) and to at most one attached client, and passes the client's
 * keystrokes to voltvm's standard input. Clients connect to DIR/console.sock
 * (a Unix socket, mode 0600, in the VM's root-only state directory).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <jansson.h>
#include <volt/core.h>

#include "vm-verbs.h"

#define CONSOLE_SOCKET "console.sock"
#define DETACH_KEY 0x1d /* Ctrl-] */

static int write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

/* ---- the relay, the unit's main process ---- */

static volatile pid_t relay_child;

static void relay_forward(int sig)
{
	if (relay_child > 0)
		kill(relay_child, sig);
}

/* The listening socket in @dirfd, or -1 (the VM then runs without one). */
static int relay_listen(int dirfd)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int fd, r;

	if (fstatat(dirfd, CONSOLE_SOCKET, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISSOCK(st.st_mode))
		unlinkat(dirfd, CONSOLE_SOCKET, 0); /* a stale one from an earlier run */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	/* Bound relative to the directory: no sun_path length limit, no walk through links. */
	strcpy(addr.sun_path, CONSOLE_SOCKET);
	if (fchdir(dirfd) < 0) {
		close(fd);
		return -1;
	}
	old = umask(0177);
	r = bind(fd, (struct sockaddr *)&addr, sizeof(addr));
	umask(old);
	if (chdir("/") < 0 || r < 0 || listen(fd, 2) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Only the VM's owner (root) may attach. */
static bool peer_allowed(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.uid == geteuid();
}

int vm_console_relay(const struct cli_global *g, int argc, char **argv)
{
	static const char busy[] = "volt: this VM's console is attached elsewhere\r\n";
	int dirfd, lsock, client = -1, in[2], out[2], status;
	struct sigaction sa = { .sa_handler = relay_forward };
	char buf[4096];
	pid_t pid;

	if (argc < 4 || strcmp(argv[2], "--") != 0)
		return cli_usage_error(g->program, "vm console-relay: usage: volt vm console-relay DIR -- VOLTVM ARGS...");
	dirfd = open(argv[1], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	lsock = dirfd >= 0 ? relay_listen(dirfd) : -1;
	if (lsock < 0)
		fprintf(stderr, "volt: VM console socket %s/%s: %s; 'volt vm console' cannot attach\n", argv[1],
			CONSOLE_SOCKET, strerror(errno));
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
		perror("volt: pipe");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	pid = fork();
	if (pid < 0) {
		perror("volt: fork");
		return 1;
	}
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		if (dup2(in[0], STDIN_FILENO) < 0 || dup2(out[1], STDOUT_FILENO) < 0)
			_exit(127);
		execv(argv[3], argv + 3);
		fprintf(stderr, "volt: could not run %s: %s\n", argv[3], strerror(errno));
		_exit(127);
	}
	relay_child = pid;
	close(in[0]);
	close(out[1]);

	for (;;) {
		struct pollfd p[3] = { { out[0], POLLIN, 0 }, { lsock, POLLIN, 0 }, { client, POLLIN, 0 } };
		ssize_t n;

		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents) {
			n = read(out[0], buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break; /* voltvm is gone */
			/* A journal gone away must not stop the guest. */
			(void)write_all(STDOUT_FILENO, buf, (size_t)n);
			/* Never wait for a slow client: the journal is the log. */
			if (client >= 0 && send(client, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 &&
			    errno != EAGAIN) {
				close(client);
				client = -1;
			}
		}
		if (p[1].revents & POLLIN) {
			int c = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);

			if (c >= 0 && (!peer_allowed(c) || client >= 0)) {
				if (client >= 0)
					(void)!send(c, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
				close(c);
			} else if (c >= 0) {
				client = c;
			}
		}
		if (client >= 0 && p[2].revents) {
			n = read(client, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0 || write_all(in[1], buf, (size_t)n) < 0) {
				close(client);
				client = -1;
			}
		}
	}
	if (client >= 0)
		close(client);
	if (lsock >= 0) {
		close(lsock);
		unlinkat(dirfd, CONSOLE_SOCKET, 0);
	}
	close(in[1]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 1;
	if (WIFSIGNALED(status)) {
		/* The unit sees what voltvm saw. */
		signal(WTERMSIG(status), SIG_DFL);
		raise(WTERMSIG(status));
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

/* ---- the client: volt vm console NAME ---- */

static struct termios saved_tty;
static bool tty_raw;

static void tty_restore(void)
{
	if (tty_raw)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tty);
	tty_raw = false;
}

static void tty_restore_and_die(int sig)
{
	tty_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Connect to @dir/console.sock without following a link there, if root owns it alone. */
static int console_connect(const char *dir, const char *name)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char path[4096];
	struct stat st;
	int pfd, fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/" CONSOLE_SOCKET, dir) >= sizeof(path))
		return volt_error_set(ENAMETOOLONG, "VM directory %s", dir);
	pfd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (pfd < 0) {
		if (errno == ENOENT)
			return volt_error_set(ENOENT,
					      "VM '%s' has no console socket %s (a VM run with 'volt vm run' has its console on that terminal)",
					      name, path);
		return volt_error_set_errno(errno, "console socket %s", path);
	}
	if (fstat(pfd, &st) < 0 || !S_ISSOCK(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 0077)) {
		close(pfd);
		return volt_error_set(EPERM, "console socket %s: not a socket of this user's alone (mode 0600)", path);
	}
	snprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d", pfd);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		close(pfd);
		return volt_error_set_errno(e, "connect to the console of VM '%s' (%s)", name, path);
	}
	close(pfd);
	return fd;
}

int vm_console(const struct cli_global *g, int argc, char **argv)
{
	static const char help[] =
		"Usage: volt vm console NAME\n"
		"\n"
		"Attach this terminal to the serial console of VM NAME, running as a\n"
		"unit ('volt vm start'): the guest's output appears here and keystrokes\n"
		"go to the guest. Detach with Ctrl-] (the VM keeps running). The journal\n"
		"keeps the whole console log ('volt vm logs'). One terminal at a time.\n";
	json_t *info = NULL;
	volt_vm *vm = NULL;
	const char *state, *dir;
	char buf[4096];
	int r, fd, rc = CLI_EXIT_OK;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(help, stdout);
		return CLI_EXIT_OK;
	}
	if (argc != 2 || argv[1][0] == '-')
		return cli_usage_error(g->program, "console: give exactly one VM NAME");
	r = vm_open(g, &vm);
	if (r >= 0)
		return r;
	r = volt_vm_inspect(&info, vm, argv[1]);
	volt_vm_close(vm);
	if (r < 0)
		return cli_fail(g->program);
	state = json_string_value(json_object_get(info, "state"));
	dir = json_string_value(json_object_get(info, "dir"));
	if (!state || !dir || strcmp(state, "running") != 0) {
		json_decref(info);
		fprintf(stderr, "%s: VM '%s' is not running ('volt vm start %s' first)\n", g->program, argv[1],
			argv[1]);
		return CLI_EXIT_FAILURE;
	}
	fd = console_connect(dir, argv[1]);
	json_decref(info);
	if (fd < 0)
		return cli_fail(g->program);

	fprintf(stderr, "Connected to the console of VM '%s'. Detach with Ctrl-].\r\n", argv[1]);
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_tty) == 0) {
		struct termios raw = saved_tty;
		struct sigaction sa = { .sa_handler = tty_restore_and_die };

		/* Restored on every way out: return, exit() and the signals that end us. */
		atexit(tty_restore);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGQUIT, &sa, NULL);
		cfmakeraw(&raw);
		if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) == 0)
			tty_raw = true;
	}
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		struct pollfd p[2] = { { STDIN_FILENO, POLLIN, 0 }, { fd, POLLIN, 0 } };
		ssize_t n;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			rc = CLI_EXIT_FAILURE;
			break;
		}
		if (p[1].revents) {
			n = read(fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				tty_restore();
				fprintf(stderr, "\r\nThe console of VM '%s' closed (the VM ended).\n", argv[1]);
				break;
			}
			if (write_all(STDOUT_FILENO, buf, (size_t)n) < 0) {
				rc = CLI_EXIT_FAILURE;
				break;
			}
		}
		if (p[0].revents) {
			char *key;

			n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break; /* end of input: detach */
			key = memchr(buf, DETACH_KEY, (size_t)n);
			if (write_all(fd, buf, key ? (size_t)(key - buf) : (size_t)n) < 0 || key) {
				tty_restore();
				if (key)
					fprintf(stderr, "\r\nDetached from VM '%s' (it keeps running).\n", argv[1]);
				break;
			}
		}
	}
	tty_restore();
	close(fd);
	return rc;
}
