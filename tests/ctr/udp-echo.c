/*
 * udp-echo PORT: answer every UDP datagram to PORT with "echo:" and the
 * datagram, as a workload inside a container for the -p .../udp test.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY) };
	char buf[2048];
	int fd;

	if (argc != 2)
		return 2;
	a.sin_port = htons((uint16_t)atoi(argv[1]));
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("udp-echo: bind");
		return 1;
	}
	printf("udp-echo: listening on %s\n", argv[1]);
	fflush(stdout);
	for (;;) {
		struct sockaddr_in peer;
		socklen_t len = sizeof(peer);
		ssize_t n = recvfrom(fd, buf + 5, sizeof(buf) - 5, 0, (struct sockaddr *)&peer, &len);

		if (n < 0)
			continue;
		memcpy(buf, "echo:", 5);
		sendto(fd, buf, (size_t)n + 5, 0, (struct sockaddr *)&peer, len);
	}
}
