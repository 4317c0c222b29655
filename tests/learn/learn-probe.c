/*
 * A workload to learn, and the same program trying what its run did not.
 *
 *   learn-probe threads DIR PORT  4 threads read DIR/www/data, joined; then
 *                                 bind PORT, connect to it, accept
 *   learn-probe fork DIR PORT     3 children read DIR/www/data and write
 *                                 DIR/out/child-N, reaped; then the same
 *                                 socket work as "threads"
 *   learn-probe read PATH         open and read PATH
 *   learn-probe bind PORT         bind a TCP socket to 127.0.0.1:PORT
 *   learn-probe unshare           unshare(0): no namespace, only the syscall
 *
 * Prints what the kernel answered; exits 0 on success, 1 when refused
 * (EACCES or EPERM), 2 on any other failure.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *dir;

static int verdict(const char *what, int err)
{
	printf("%s: %s\n", what, err ? strerror(err) : "ok");
	fflush(stdout);
	if (!err)
		return 0;
	return err == EACCES || err == EPERM ? 1 : 2;
}

static int read_file(const char *path, long *sum)
{
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			*sum += (unsigned char)buf[i];
	close(fd);
	return n < 0 ? EIO : 0;
}

static void *thread_main(void *arg)
{
	char path[4096];
	long *sum = arg;

	snprintf(path, sizeof(path), "%s/www/data", dir);
	if (read_file(path, sum) != 0)
		*sum = -1;
	return NULL;
}

static int bind_port(int port, int *out)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int err = errno;

		close(fd);
		return err;
	}
	*out = fd;
	return 0;
}

/* Listen on PORT, connect to it, accept: one bind and one connect the policy must allow. */
static int socket_work(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int lfd, cfd, afd, err = bind_port(port, &lfd);

	if (err)
		return err;
	if (listen(lfd, 4) < 0 || (cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return errno;
	if (connect(cfd, (struct sockaddr *)&a, sizeof(a)) < 0 || (afd = accept(lfd, NULL, NULL)) < 0)
		return errno;
	close(afd);
	close(cfd);
	close(lfd);
	return 0;
}

static int do_threads(int port)
{
	pthread_t th[4];
	long sums[4] = { 0 };

	for (int i = 0; i < 4; i++)
		if (pthread_create(&th[i], NULL, thread_main, &sums[i]) != 0)
			return verdict("pthread_create", EAGAIN);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 4; i++)
		if (sums[i] <= 0 || sums[i] != sums[0])
			return verdict("threads read the data", EIO);
	printf("threads joined, sum %ld\n", sums[0]);
	return verdict("socket work", socket_work(port));
}

static int do_fork(int port)
{
	pid_t kids[3];

	for (int i = 0; i < 3; i++) {
		kids[i] = fork();
		if (kids[i] < 0)
			return verdict("fork", errno);
		if (kids[i] == 0) {
			char path[4096];
			long sum = 0;
			int fd;

			snprintf(path, sizeof(path), "%s/www/data", dir);
			if (read_file(path, &sum) != 0 || sum <= 0)
				_exit(3);
			snprintf(path, sizeof(path), "%s/out/child-%d", dir, i);
			fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			if (fd < 0 || dprintf(fd, "%ld\n", sum) < 0)
				_exit(4);
			close(fd);
			_exit(0);
		}
	}
	for (int i = 0; i < 3; i++) {
		int status;

		if (waitpid(kids[i], &status, 0) != kids[i] || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			return verdict("child", EIO);
	}
	printf("children reaped\n");
	return verdict("socket work", socket_work(port));
}

int main(int argc, char **argv)
{
	long sum = 0;
	int fd;

	if (argc == 4 && strcmp(argv[1], "threads") == 0) {
		dir = argv[2];
		return do_threads(atoi(argv[3]));
	}
	if (argc == 4 && strcmp(argv[1], "fork") == 0) {
		dir = argv[2];
		return do_fork(atoi(argv[3]));
	}
	if (argc == 3 && strcmp(argv[1], "read") == 0)
		return verdict(argv[2], read_file(argv[2], &sum));
	if (argc == 3 && strcmp(argv[1], "bind") == 0) {
		int err = bind_port(atoi(argv[2]), &fd);

		return verdict("bind", err);
	}
	if (argc == 2 && strcmp(argv[1], "unshare") == 0)
		return verdict("unshare(0)", unshare(0) < 0 ? errno : 0);
	fprintf(stderr, "usage: learn-probe threads|fork DIR PORT | read PATH | bind PORT | unshare\n");
	return 2;
}
