/*
 * The attacker inside a container, for the exec tests. One static
 * program, several roles (the first argument), each printing what the
 * kernel answered, one line per attempt:
 *
 *   probe-exec tty                 TIOCSTI on fds 0-2 and /dev/tty, and
 *                                  whether each is our controlling tty
 *   probe-exec open PATH...        open(O_RDWR) of device nodes
 *   probe-exec serve PORT          a TCP server: "hi\n" to every
 *                                  connection, kept open until the peer closes
 *   probe-exec status              Seccomp and CapEff of this process
 *
 * Run under any other name ending in "/launch" it is a planted launcher:
 * it says so (on stdout and in /tmp/planted-ran) and exits 0.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* What the tty test pushes; the outer test looks for it in its own input. */
#define MARK "zq7INJECTED\n"

static const char *err_name(int e)
{
	switch (e) {
	case 0: return "ok";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ENOTTY: return "ENOTTY";
	case ENXIO: return "ENXIO";
	case ENOENT: return "ENOENT";
	case EIO: return "EIO";
	case EBADF: return "EBADF";
	default: return strerror(e);
	}
}

static void try_tty(const char *what, int fd)
{
	struct stat st;
	pid_t sid;
	int e = 0, ctty;

	if (fstat(fd, &st) < 0) {
		printf("%s: %s\n", what, err_name(errno));
		return;
	}
	/* TIOCGSID answers only on our own controlling terminal. */
	ctty = ioctl(fd, TIOCGSID, &sid) == 0;
	for (const char *c = MARK; *c; c++)
		if (ioctl(fd, TIOCSTI, c) < 0) {
			e = errno;
			break;
		}
	printf("%s: rdev=%u:%u ctty=%s TIOCSTI=%s\n", what, major(st.st_rdev), minor(st.st_rdev), ctty ? "yes" : "no",
	       err_name(e));
}

static int tty(void)
{
	int fd;

	printf("sid=%d pid=%d\n", (int)getsid(0), (int)getpid());
	try_tty("fd0", 0);
	try_tty("fd1", 1);
	try_tty("fd2", 2);
	fd = open("/dev/tty", O_RDWR | O_NOCTTY);
	if (fd < 0)
		printf("/dev/tty: open %s\n", err_name(errno));
	else
		try_tty("/dev/tty", fd);
	fflush(stdout);
	return 0;
}

static int open_nodes(int argc, char **argv)
{
	for (int i = 2; i < argc; i++) {
		struct stat st;
		int fd = open(argv[i], O_RDWR | O_CLOEXEC), e = errno;

		if (fd >= 0) {
			fstat(fd, &st);
			printf("%s: open ok (rdev %u:%u)\n", argv[i], major(st.st_rdev), minor(st.st_rdev));
			close(fd);
		} else {
			printf("%s: open %s\n", argv[i], err_name(e));
		}
	}
	return 0;
}

static int serve(const char *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
	static struct pollfd p[4096];
	int one = 1, n = 1, l = socket(AF_INET, SOCK_STREAM, 0);
	struct rlimit rl;

	/* Never the limit of a test that floods the relay with connections. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (l < 0 || setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 1024) < 0) {
		perror("serve");
		return 1;
	}
	p[0] = (struct pollfd){ .fd = l, .events = POLLIN };
	for (;;) {
		if (poll(p, (nfds_t)n, -1) < 0)
			continue;
		if (p[0].revents & POLLIN && n < 4096) {
			int c = accept(l, NULL, NULL);

			if (c >= 0) {
				(void)!write(c, "hi\n", 3);
				p[n++] = (struct pollfd){ .fd = c, .events = POLLIN };
			}
		}
		for (int i = 1; i < n; i++) {
			char buf[256];

			if (!p[i].revents)
				continue;
			if (read(p[i].fd, buf, sizeof(buf)) > 0)
				continue;
			close(p[i].fd);
			p[i--] = p[--n];
		}
	}
}

static int status(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "Seccomp:", 8) || !strncmp(line, "CapEff:", 7) || !strncmp(line, "NoNewPrivs:", 11))
			fputs(line, stdout);
	return 0;
}

int main(int argc, char **argv)
{
	size_t n = strlen(argv[0]);

	if (n >= 7 && strcmp(argv[0] + n - 7, "/launch") == 0) {
		FILE *f = fopen("/tmp/planted-ran", "w");

		if (f)
			fclose(f);
		puts("PLANTED LAUNCHER RAN");
		status();
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "tty") == 0)
		return tty();
	if (argc >= 3 && strcmp(argv[1], "open") == 0)
		return open_nodes(argc, argv);
	if (argc == 3 && strcmp(argv[1], "serve") == 0)
		return serve(argv[2]);
	if (argc == 2 && strcmp(argv[1], "status") == 0)
		return status();
	fprintf(stderr, "usage: probe-exec tty | open PATH... | serve PORT | status\n");
	return 2;
}
