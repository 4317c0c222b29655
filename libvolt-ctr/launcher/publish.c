/*
 * Published ports: a small TCP and UDP relay on the host side of a container.
 *
 * The listening sockets are bound before nspawn starts, so a port in use
 * fails the container's start with a clear message. The relay is one
 * child of the process that becomes nspawn, with PR_SET_PDEATHSIG, so it
 * lives exactly as long as the container and is in the container's
 * cgroup (the unit's; in the foreground, the caller's, as nspawn is). It
 * is a single event loop for every port and connection: a flood of
 * connections costs descriptors and buffers, at most
 * PUBLISH_MAX_CONNECTIONS of them, never processes. Once its sockets are
 * bound it needs no privilege: it runs as the container's nobody (host
 * uid VOLT_CTR_UID_BASE + 65534), not dumpable, with no_new_privs.
 *
 * A TCP connection that arrives before the workload listens is held:
 * the connect inside is retried for CONNECT_TRIES * CONNECT_RETRY_MS,
 * then the client's connection is closed, so it never hangs. UDP is
 * relayed per client address: each client gets a socket of its own
 * towards the container (so replies find their way back), forgotten
 * after UDP_IDLE_MS without traffic; at most UDP_MAX_FLOWS at once.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../include/volt/ctr/container.h"
#include "hostnet.h"
#include "publish.h"

#define MAX_PORTS 64
#define BUF_SIZE 16384
/* The container may still be starting: a refused connect is retried. */
#define CONNECT_TRIES 100
#define CONNECT_RETRY_MS 50

#define UDP_MAX_FLOWS 256
#define UDP_IDLE_MS 60000
#define UDP_DATAGRAM_MAX 65536

struct port {
	int listener;
	bool udp;
	struct sockaddr_in to;
};

/* One UDP client of a port: datagrams from @client go out on @inside. */
struct flow {
	int inside;
	size_t port;
	struct sockaddr_in client;
	long long last;
};

/* One way of a connection: bytes read from one side, not yet written to the other. */
struct half {
	char *buf;
	size_t len;
	bool eof;   /* the reading side has ended; shut the other side's writing once empty */
	bool shut;
};

struct conn {
	int client, inside;
	const struct sockaddr_in *to;
	bool connecting;
	int tries;
	long long retry_at;      /* ms on CLOCK_MONOTONIC; 0 when not waiting */
	struct half up, down;    /* client to inside, inside to client */
};

static struct port ports[MAX_PORTS];
static size_t n_ports;
static struct flow flows[UDP_MAX_FLOWS];
static size_t n_flows;
static char datagram[UDP_DATAGRAM_MAX];

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void conn_free(struct conn *c)
{
	if (c->client >= 0)
		close(c->client);
	if (c->inside >= 0)
		close(c->inside);
	free(c->up.buf);
	free(c->down.buf);
	free(c);
}

static bool conn_refused(struct conn *c, int err);

/* Keep @fd's traffic on the bridge (unprivileged since Linux 5.7). */
static bool bind_bridge(int fd)
{
	return setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, HOSTNET_BRIDGE, sizeof(HOSTNET_BRIDGE)) == 0;
}

/* Start (or retry) the connection inside; false when it cannot be made. */
static bool conn_connect(struct conn *c)
{
	if (c->inside >= 0)
		close(c->inside);
	c->inside = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->inside < 0)
		return false;
	c->tries++;
	c->retry_at = 0;
	/* Only over the bridge: before the container's veth is on it, the
	 * host's default route would carry the connection somewhere else. */
	if (!bind_bridge(c->inside))
		return conn_refused(c, EHOSTUNREACH);
	if (connect(c->inside, (const struct sockaddr *)c->to, sizeof(*c->to)) == 0) {
		c->connecting = false;
		return true;
	}
	if (errno == EINPROGRESS) {
		c->connecting = true;
		return true;
	}
	return false;
}

/* A connect that failed with @err: retry later, or give up. */
static bool conn_refused(struct conn *c, int err)
{
	if ((err != ECONNREFUSED && err != EHOSTUNREACH && err != ENETUNREACH) || c->tries >= CONNECT_TRIES)
		return false;
	close(c->inside);
	c->inside = -1;
	c->connecting = false;
	c->retry_at = now_ms() + CONNECT_RETRY_MS;
	return true;
}

/* Move bytes of one way; false when the connection is done with. */
static bool pump(struct half *h, int from, int to, short from_ev, short to_ev)
{
	if (!h->eof && h->len < BUF_SIZE && from_ev & (POLLIN | POLLHUP | POLLERR)) {
		ssize_t n = read(from, h->buf + h->len, BUF_SIZE - h->len);

		if (n > 0)
			h->len += (size_t)n;
		else if (n == 0)
			h->eof = true;
		else if (errno != EAGAIN && errno != EINTR)
			return false;
	}
	if (h->len && to_ev & (POLLOUT | POLLERR | POLLHUP)) {
		ssize_t n = send(to, h->buf, h->len, MSG_NOSIGNAL);

		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return false;
		if (n > 0) {
			memmove(h->buf, h->buf + n, h->len - (size_t)n);
			h->len -= (size_t)n;
		}
	}
	/* Pass the half-close on, then finish what the other way sends. */
	if (h->eof && !h->len && !h->shut) {
		shutdown(to, SHUT_WR);
		h->shut = true;
	}
	return true;
}

/* A datagram to port @i: send it on from its client's flow (made on first use). */
static void udp_forward(size_t i, long long now)
{
	struct sockaddr_in client;
	socklen_t len = sizeof(client);
	struct flow *f = NULL;
	ssize_t n;

	n = recvfrom(ports[i].listener, datagram, sizeof(datagram), 0, (struct sockaddr *)&client, &len);
	if (n < 0 || len != sizeof(client))
		return;
	for (size_t k = 0; k < n_flows && !f; k++)
		if (flows[k].port == i && flows[k].client.sin_port == client.sin_port &&
		    flows[k].client.sin_addr.s_addr == client.sin_addr.s_addr)
			f = &flows[k];
	if (!f) {
		int fd;

		/* Beyond the bound a new client's datagram is dropped, as a full network would. */
		if (n_flows >= UDP_MAX_FLOWS)
			return;
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			return;
		if (!bind_bridge(fd)) {
			close(fd);
			return;
		}
		if (connect(fd, (const struct sockaddr *)&ports[i].to, sizeof(ports[i].to)) < 0) {
			close(fd);
			return;
		}
		f = &flows[n_flows++];
		*f = (struct flow){ .inside = fd, .port = i, .client = client };
	}
	f->last = now;
	(void)send(f->inside, datagram, (size_t)n, 0);
}

static void serve(size_t max_conns)
{
	struct conn **conns = calloc(max_conns, sizeof(*conns));
	struct pollfd *p = calloc(MAX_PORTS + 2 * max_conns + UDP_MAX_FLOWS, sizeof(*p));
	size_t n_conns = 0;

	if (!conns || !p)
		_exit(1);
	for (;;) {
		long long now = now_ms(), wake = -1;
		size_t np = 0, flow_base;
		int timeout;

		for (size_t i = 0; i < n_ports; i++)
			p[np++] = (struct pollfd){ .fd = ports[i].listener, .events = POLLIN };
		for (size_t i = 0; i < n_conns; i++) {
			struct conn *c = conns[i];

			if (c->retry_at) {
				wake = wake < 0 || c->retry_at < wake ? c->retry_at : wake;
				p[np++] = (struct pollfd){ .fd = -1 };
				p[np++] = (struct pollfd){ .fd = -1 };
				continue;
			}
			p[np++] = (struct pollfd){
				.fd = c->client,
				.events = (short)((!c->connecting && !c->up.eof && c->up.len < BUF_SIZE ? POLLIN : 0) |
						  (c->down.len ? POLLOUT : 0)),
			};
			p[np++] = (struct pollfd){
				.fd = c->inside,
				.events = (short)(c->connecting ? POLLOUT
								: (!c->down.eof && c->down.len < BUF_SIZE ? POLLIN : 0) |
									  (c->up.len ? POLLOUT : 0)),
			};
		}
		flow_base = np;
		for (size_t i = 0; i < n_flows; i++) {
			long long expiry = flows[i].last + UDP_IDLE_MS;

			wake = wake < 0 || expiry < wake ? expiry : wake;
			p[np++] = (struct pollfd){ .fd = flows[i].inside, .events = POLLIN };
		}
		timeout = wake < 0 ? -1 : wake > now ? (int)(wake - now) : 0;
		if (poll(p, np, timeout) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		now = now_ms();

		for (size_t i = 0, k = n_ports; i < n_conns; k += 2) {
			struct conn *c = conns[i];
			bool keep = true;

			if (c->retry_at) {
				if (now >= c->retry_at && !conn_connect(c))
					keep = false;
			} else if (c->connecting) {
				if (p[k + 1].revents) {
					int err = 0;
					socklen_t len = sizeof(err);

					getsockopt(c->inside, SOL_SOCKET, SO_ERROR, &err, &len);
					if (err == 0)
						c->connecting = false;
					else if (!conn_refused(c, err))
						keep = false;
				}
				if (p[k].revents & (POLLHUP | POLLERR))
					keep = false;
			} else {
				keep = pump(&c->up, c->client, c->inside, p[k].revents, p[k + 1].revents) &&
				       pump(&c->down, c->inside, c->client, p[k + 1].revents, p[k].revents) &&
				       !(c->up.shut && c->down.shut);
			}
			if (keep) {
				i++;
				continue;
			}
			conn_free(c);
			/* The last connection takes the slot; its poll entries are
			 * elsewhere, so it waits for the next round. */
			conns[i] = conns[--n_conns];
			conns[n_conns] = NULL;
			i++;
		}

		/* Replies from the container go back to their client. Walk down, so
		 * an expired flow can take the last one's slot. */
		for (size_t i = n_flows; i-- > 0;) {
			struct flow *f = &flows[i];

			if (p[flow_base + i].revents & POLLIN) {
				ssize_t n = recv(f->inside, datagram, sizeof(datagram), 0);

				if (n >= 0) {
					(void)sendto(ports[f->port].listener, datagram, (size_t)n, 0,
						     (const struct sockaddr *)&f->client, sizeof(f->client));
					f->last = now;
				}
			}
			if (now - f->last >= UDP_IDLE_MS) {
				close(f->inside);
				*f = flows[--n_flows];
			}
		}

		for (size_t i = 0; i < n_ports; i++) {
			struct conn *c;
			int fd;

			if (!(p[i].revents & POLLIN))
				continue;
			if (ports[i].udp) {
				udp_forward(i, now);
				continue;
			}
			fd = accept4(ports[i].listener, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
			if (fd < 0)
				continue;
			/* Beyond the bound (or out of memory) a connection is closed at once. */
			if (n_conns >= max_conns || !(c = calloc(1, sizeof(*c)))) {
				close(fd);
				continue;
			}
			c->client = fd;
			c->inside = -1;
			c->to = &ports[i].to;
			c->up.buf = malloc(BUF_SIZE);
			c->down.buf = malloc(BUF_SIZE);
			if (!c->up.buf || !c->down.buf || !conn_connect(c)) {
				conn_free(c);
				continue;
			}
			conns[n_conns++] = c;
		}
	}
}

int publish_add(const char *spec)
{
	struct sockaddr_in from = { .sin_family = AF_INET }, to = { .sin_family = AF_INET };
	unsigned host_port, port;
	char bind_addr[INET_ADDRSTRLEN], addr[INET_ADDRSTRLEN], proto[4], end;
	bool udp;
	int fd, one = 1;

	if (n_ports >= MAX_PORTS) {
		fprintf(stderr, "volt-launch: error: more than %d published ports\n", MAX_PORTS);
		return -1;
	}
	if (sscanf(spec, "%15[0-9.]:%u:%15[0-9.]:%u/%3[a-z]%c", bind_addr, &host_port, addr, &port, proto, &end) != 5 ||
	    (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0) || inet_pton(AF_INET, bind_addr, &from.sin_addr) != 1)
		goto bad;
	if (host_port < 1 || host_port > 65535 || port < 1 || port > 65535 || inet_pton(AF_INET, addr, &to.sin_addr) != 1)
		goto bad;
	udp = strcmp(proto, "udp") == 0;
	from.sin_port = htons((uint16_t)host_port);
	to.sin_port = htons((uint16_t)port);
	fd = socket(AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&from, sizeof(from)) < 0 || (!udp && listen(fd, 128) < 0)) {
		fprintf(stderr, "volt-launch: error: publish host port %s:%u/%s: %m\n", bind_addr, host_port, proto);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	ports[n_ports++] = (struct port){ .listener = fd, .udp = udp, .to = to };
	return 0;
bad:
	fprintf(stderr, "volt-launch: error: bad --publish '%s'\n", spec);
	return -1;
}

int publish_start(void)
{
	size_t max_conns = PUBLISH_MAX_CONNECTIONS;
	pid_t parent = getpid(), pid;
	struct rlimit rl;

	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "volt-launch: error: fork: %m\n");
		return -1;
	}
	if (pid == 0) {
		const uid_t nobody = VOLT_CTR_UID_BASE + 65534;

		signal(SIGPIPE, SIG_IGN);
		/* Two descriptors a connection: make room for the bound if allowed. */
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 2 * PUBLISH_MAX_CONNECTIONS + 64) {
			rl.rlim_cur = rl.rlim_max < 2 * PUBLISH_MAX_CONNECTIONS + 64 ? rl.rlim_max
										 : 2 * PUBLISH_MAX_CONNECTIONS + 64;
			(void)setrlimit(RLIMIT_NOFILE, &rl);
		}
		/* Never more than the descriptors allow (accept would fail and spin). */
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 2 * max_conns + 64)
			max_conns = rl.rlim_cur > 64 + 2 ? (rl.rlim_cur - 64) / 2 : 1;
		if (setgroups(0, NULL) < 0 || setresgid(nobody, nobody, nobody) < 0 ||
		    setresuid(nobody, nobody, nobody) < 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 ||
		    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
			fprintf(stderr, "volt-launch: error: the port relay cannot drop its privileges: %m\n");
			_exit(1);
		}
		/* Die with the container: our parent is about to become nspawn.
		 * (Set after the uid change, which clears it.) */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(0);
		serve(max_conns);
	}
	for (size_t i = 0; i < n_ports; i++)
		close(ports[i].listener);
	return 0;
}
