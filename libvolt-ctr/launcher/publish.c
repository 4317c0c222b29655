/*
 * Published ports: a small TCP relay on the host side of a container.
 *
 * The listening socket is bound before nspawn starts, so a port in use
 * fails the container's start with a clear message. The relay is a child
 * of the process that becomes nspawn, with PR_SET_PDEATHSIG, so it lives
 * exactly as long as the container (in a unit, it is also in the unit's
 * cgroup). Each connection gets a process of its own that copies both
 * ways until either side closes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "publish.h"

/* Copy both ways between @a and @b until one side is done. */
static void relay(int a, int b)
{
	struct pollfd p[2] = { { .fd = a, .events = POLLIN }, { .fd = b, .events = POLLIN } };
	char buf[65536];

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		for (int i = 0; i < 2; i++) {
			ssize_t n, w;

			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(p[i].fd, buf, sizeof(buf));
			if (n <= 0) {
				/* Pass the half-close on, then finish what the other way sends. */
				shutdown(p[!i].fd, SHUT_WR);
				p[i].fd = -1;
				if (p[!i].fd < 0)
					return;
				continue;
			}
			for (char *q = buf; n > 0; q += w, n -= w) {
				w = write(p[!i].fd, q, (size_t)n);
				if (w < 0)
					return;
			}
		}
		if (p[0].fd < 0 && p[1].fd < 0)
			return;
	}
}

static int connect_inside(const struct sockaddr_in *to)
{
	/* The container may still be starting: try for a few seconds. */
	for (int i = 0; i < 100; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			return -1;
		if (connect(fd, (const struct sockaddr *)to, sizeof(*to)) == 0)
			return fd;
		close(fd);
		if (errno != ECONNREFUSED && errno != EHOSTUNREACH && errno != ENETUNREACH)
			return -1;
		usleep(50000);
	}
	return -1;
}

static void serve(int listener, const struct sockaddr_in *to)
{
	signal(SIGCHLD, SIG_IGN); /* connection processes reap themselves */
	for (;;) {
		int c = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
		pid_t pid;

		if (c < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			_exit(1);
		}
		pid = fork();
		if (pid == 0) {
			int inside;

			prctl(PR_SET_PDEATHSIG, SIGKILL);
			close(listener);
			inside = connect_inside(to);
			if (inside >= 0)
				relay(c, inside);
			_exit(0);
		}
		close(c);
	}
}

int publish_port(const char *spec)
{
	struct sockaddr_in from = { .sin_family = AF_INET }, to = { .sin_family = AF_INET };
	unsigned host_port, port;
	char addr[INET_ADDRSTRLEN];
	int fd, one = 1;
	pid_t pid;

	if (sscanf(spec, "%u:%15[0-9.]:%u", &host_port, addr, &port) != 3 || host_port < 1 || host_port > 65535 ||
	    port < 1 || port > 65535 || inet_pton(AF_INET, addr, &to.sin_addr) != 1) {
		fprintf(stderr, "volt-launch: error: bad --publish '%s'\n", spec);
		return -1;
	}
	from.sin_port = htons((uint16_t)host_port);
	to.sin_port = htons((uint16_t)port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&from, sizeof(from)) < 0 || listen(fd, 128) < 0) {
		fprintf(stderr, "volt-launch: error: publish host port %u: %m\n", host_port);
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "volt-launch: error: fork: %m\n");
		return -1;
	}
	if (pid == 0) {
		/* Die with the container: our parent is about to become nspawn. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		serve(fd, &to);
	}
	close(fd);
	return 0;
}
