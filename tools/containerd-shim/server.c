/*
 * The ttrpc server: one thread, poll() over the listening socket, the
 * connections and a signalfd (SIGCHLD for runners and publishers,
 * SIGTERM/SIGINT to stop). Requests on one connection are independent
 * streams: a Wait is answered when its process ends, while the others go
 * on being served.
 *
 * Whatever arrives on the socket is hostile until decoded: a frame
 * longer than ttrpc's limit, a frame that is not a request, or a request
 * that does not decode closes that connection (or answers an error), and
 * each connection's buffers are bounded by that limit.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shim.h"
#include "ttrpc.h"

#define CONN_MAX 16
/* Unsent responses a connection may pile up (a client that never reads) before it is dropped. */
#define WBUF_MAX (8u << 20)

typedef struct conn {
	int fd;                 /* -1: free slot */
	uint64_t gen;           /* tells a waiter's connection from a later one in the slot */
	uint8_t *rbuf;
	size_t rlen, rcap;
	uint8_t *wbuf;
	size_t wlen, woff;
} conn;

static conn conns[CONN_MAX];
static uint64_t next_gen = 1;
static int listen_fd_ = -1, signal_fd_ = -1;

static void conn_close(conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->rbuf);
	free(c->wbuf);
	*c = (conn){ .fd = -1 };
}

void shim_server_close_fds(void)
{
	for (int i = 0; i < CONN_MAX; i++)
		if (conns[i].fd >= 0) {
			close(conns[i].fd);
			conns[i].fd = -1;
		}
	if (listen_fd_ >= 0)
		close(listen_fd_);
	if (signal_fd_ >= 0)
		close(signal_fd_);
	listen_fd_ = signal_fd_ = -1;
}

static void conn_flush(conn *c)
{
	while (c->woff < c->wlen) {
		ssize_t n = send(c->fd, c->wbuf + c->woff, c->wlen - c->woff, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			conn_close(c);
			return;
		}
		c->woff += (size_t)n;
	}
	c->woff = c->wlen = 0;
}

static void conn_queue(conn *c, const uint8_t *data, size_t len)
{
	uint8_t *b;

	if (c->wlen - c->woff + len > WBUF_MAX) {
		shim_log("dropping a connection that does not read its responses");
		conn_close(c);
		return;
	}
	if (c->woff) {
		memmove(c->wbuf, c->wbuf + c->woff, c->wlen - c->woff);
		c->wlen -= c->woff;
		c->woff = 0;
	}
	b = realloc(c->wbuf, c->wlen + len);
	if (!b) {
		conn_close(c);
		return;
	}
	c->wbuf = b;
	memcpy(c->wbuf + c->wlen, data, len);
	c->wlen += len;
	conn_flush(c);
}

void shim_server_send(int slot, uint64_t gen, uint32_t stream_id, int code, const char *message,
		      const uint8_t *payload, size_t len)
{
	uint8_t *frame;
	size_t n;

	if (slot < 0 || slot >= CONN_MAX || conns[slot].fd < 0 || conns[slot].gen != gen)
		return;
	if (ttrpc_response_encode(&frame, &n, stream_id, code, message, payload, len) < 0 &&
	    ttrpc_response_encode(&frame, &n, stream_id, TTRPC_RESOURCE_EXHAUSTED, "response too big", NULL, 0) < 0)
		return;
	conn_queue(&conns[slot], frame, n);
	free(frame);
}

static void handle_frame(shim *s, int slot, const ttrpc_frame *f)
{
	uint64_t gen = conns[slot].gen;
	ttrpc_request req;
	shim_reply reply;

	if (f->type != TTRPC_TYPE_REQUEST) {
		/* A client sends requests only; anything else means its framing went wrong. */
		conn_close(&conns[slot]);
		return;
	}
	if (ttrpc_request_decode(&req, f->data, f->length) < 0) {
		shim_server_send(slot, gen, f->stream_id, TTRPC_INVALID_ARGUMENT, "the request does not decode", NULL,
				 0);
		return;
	}
	if (s->args.debug)
		shim_log("request %s/%s (%zu bytes)", req.service, req.method, req.payload_len);
	shim_dispatch(s, req.service, req.method, req.payload, req.payload_len, slot, gen, f->stream_id, &reply);
	if (!reply.deferred) {
		if (reply.code != TTRPC_OK)
			shim_log("%s: %s", req.method, reply.message ? reply.message : "error");
		shim_server_send(slot, gen, f->stream_id, reply.code, reply.message, reply.payload,
				 reply.payload_len);
	}
	shim_reply_clear(&reply);
	ttrpc_request_clear(&req);
}

static void conn_read(shim *s, int slot)
{
	conn *c = &conns[slot];
	ssize_t n;
	size_t off = 0;

	if (c->rcap - c->rlen < 65536) {
		size_t cap = c->rcap ? c->rcap * 2 : 65536;
		uint8_t *b;

		if (cap > TTRPC_HEADER_SIZE + TTRPC_MESSAGE_MAX + 65536)
			cap = TTRPC_HEADER_SIZE + TTRPC_MESSAGE_MAX + 65536;
		if (cap <= c->rlen) {
			conn_close(c);
			return;
		}
		b = realloc(c->rbuf, cap);
		if (!b) {
			conn_close(c);
			return;
		}
		c->rbuf = b;
		c->rcap = cap;
	}
	n = recv(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen, MSG_DONTWAIT);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		conn_close(c);
		return;
	}
	c->rlen += (size_t)n;
	for (;;) {
		ttrpc_frame f;
		int r = ttrpc_frame_parse(&f, c->rbuf + off, c->rlen - off);

		if (r < 0) {
			shim_log("closing a connection: a frame past %u bytes", TTRPC_MESSAGE_MAX);
			conn_close(c);
			return;
		}
		if (r == 0)
			break;
		handle_frame(s, slot, &f);
		if (c->fd < 0)
			return;
		off += (size_t)r;
	}
	memmove(c->rbuf, c->rbuf + off, c->rlen - off);
	c->rlen -= off;
}

static void accept_conn(void)
{
	int fd = accept4(listen_fd_, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	struct ucred cred = { .uid = (uid_t)-1 };
	socklen_t len = sizeof(cred);

	if (fd < 0)
		return;
	/* Only containerd's user (root) drives the shim, whatever the socket's mode says. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != geteuid()) {
		shim_log("refusing a connection from uid %d", (int)cred.uid);
		close(fd);
		return;
	}
	for (int i = 0; i < CONN_MAX; i++)
		if (conns[i].fd < 0) {
			conns[i] = (conn){ .fd = fd, .gen = next_gen++ };
			return;
		}
	shim_log("refusing a connection: %d open already", CONN_MAX);
	close(fd);
}

static void reap(shim *s)
{
	int wstatus;
	pid_t pid;

	while ((pid = waitpid(-1, &wstatus, WNOHANG)) > 0)
		if (!shim_publish_reaped(s, pid))
			shim_task_reaped(s, pid, wstatus);
}

static bool flushed(void)
{
	for (int i = 0; i < CONN_MAX; i++)
		if (conns[i].fd >= 0 && conns[i].wlen > conns[i].woff)
			return false;
	return shim_publish_idle();
}

int shim_serve(shim *s, int listen_fd)
{
	sigset_t mask;

	for (int i = 0; i < CONN_MAX; i++)
		conns[i] = (conn){ .fd = -1 };
	listen_fd_ = listen_fd;
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal_fd_ = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (signal_fd_ < 0)
		return -errno;
	while (!(s->exiting && flushed())) {
		struct pollfd fds[CONN_MAX + 2];
		int n = 0;

		fds[n++] = (struct pollfd){ .fd = listen_fd_, .events = POLLIN };
		fds[n++] = (struct pollfd){ .fd = signal_fd_, .events = POLLIN };
		for (int i = 0; i < CONN_MAX; i++)
			fds[n++] = (struct pollfd){ .fd = conns[i].fd,
						    .events = POLLIN | (conns[i].wlen > conns[i].woff ? POLLOUT : 0) };
		/* While exiting, publishers are waited for without a wait forever. */
		if (poll(fds, (nfds_t)n, s->exiting ? 100 : -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (fds[1].revents) {
			struct signalfd_siginfo si;

			while (read(signal_fd_, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
					s->exiting = true;
			}
			reap(s);
		}
		for (int i = 0; i < CONN_MAX; i++) {
			if (conns[i].fd < 0 || !fds[i + 2].revents)
				continue;
			if (fds[i + 2].revents & POLLOUT)
				conn_flush(&conns[i]);
			if (conns[i].fd >= 0 && (fds[i + 2].revents & (POLLIN | POLLHUP | POLLERR)))
				conn_read(s, i);
		}
		if (fds[0].revents & POLLIN)
			accept_conn();
	}
	for (int i = 0; i < CONN_MAX; i++)
		conn_close(&conns[i]);
	return 0;
}
