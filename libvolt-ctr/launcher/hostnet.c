/*
 * The host side of private networks: the bridge every container's veth
 * joins, outbound NAT, and their teardown (hostnet.h).
 *
 * Everything here is host-wide (one bridge, one nft table, one sysctl),
 * whatever the state root, so it is serialised by a lock in /run. The
 * bridge and the table live exactly as long as some container's veth is
 * a port of the bridge: each container's watcher removes them when its
 * veth goes and no other port is left.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_bridge.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hostnet.h"

#define LOCK_DIR "/run/volt"
#define LOCK_PATH LOCK_DIR "/network.lock"
/* Present while Volt is the one that turned IPv4 forwarding on. */
#define FORWARD_MARK LOCK_DIR "/ip_forward.volt"
#define IP_FORWARD "/proc/sys/net/ipv4/ip_forward"

static void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void warn(const char *fmt, ...)
{
	va_list ap;

	fputs("volt-launch: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int lock_network(void)
{
	int fd;

	(void)mkdir(LOCK_DIR, 0755);
	fd = open(LOCK_PATH, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	return fd;
}

static int if_flags(int sock, const char *ifname, bool up)
{
	struct ifreq ifr = {};

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
		return -1;
	if (up)
		ifr.ifr_flags |= IFF_UP;
	else
		ifr.ifr_flags &= ~IFF_UP;
	return ioctl(sock, SIOCSIFFLAGS, &ifr);
}

static int bridge_address(int sock, const char *cidr)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct ifreq ifr = {};
	char addr[INET_ADDRSTRLEN];
	const char *slash = strchr(cidr, '/');
	long len;

	if (!slash || (size_t)(slash - cidr) >= sizeof(addr))
		return errno = EINVAL, -1;
	memcpy(addr, cidr, (size_t)(slash - cidr));
	addr[slash - cidr] = '\0';
	len = strtol(slash + 1, NULL, 10);
	if (len < 1 || len > 30 || inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
		return errno = EINVAL, -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", HOSTNET_BRIDGE);
	memcpy(&ifr.ifr_addr, &sin, sizeof(sin));
	if (ioctl(sock, SIOCSIFADDR, &ifr) < 0)
		return -1;
	sin.sin_addr.s_addr = htonl(0xffffffffu << (32 - len));
	memcpy(&ifr.ifr_netmask, &sin, sizeof(sin));
	return ioctl(sock, SIOCSIFNETMASK, &ifr);
}

/* Feed @ruleset to nft; its exit status, or -1 when it could not run. */
static int nft(const char *ruleset, bool quiet)
{
	int pipefd[2], status;
	size_t len = strlen(ruleset);
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	if (pid == 0) {
		static const char *const paths[] = { "/usr/sbin/nft", "/sbin/nft", "/usr/bin/nft" };

		dup2(pipefd[0], 0);
		if (quiet) {
			int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

			if (null >= 0)
				dup2(null, 2);
		}
		for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
			execl(paths[i], "nft", "-f", "-", (char *)NULL);
		_exit(127);
	}
	close(pipefd[0]);
	signal(SIGPIPE, SIG_IGN);
	(void)!write(pipefd[1], ruleset, len);
	close(pipefd[1]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * Volt's own table, replaced whole in one transaction (the empty
 * declaration makes the delete valid when it does not exist yet): other
 * tables are never read or touched. Containers may reach out (masquerade
 * to the host's address); from outside, only replies come in. Traffic
 * between two containers is bridged and does not pass here.
 */
static void nat_up(const char *subnet)
{
	char rules[1024];
	int r;

	snprintf(rules, sizeof(rules),
		 "table inet volt {}\n"
		 "delete table inet volt\n"
		 "table inet volt {\n"
		 "  chain postrouting {\n"
		 "    type nat hook postrouting priority srcnat; policy accept;\n"
		 "    ip saddr %s ip daddr != %s oifname != \"%s\" masquerade\n"
		 "  }\n"
		 "  chain forward {\n"
		 "    type filter hook forward priority filter; policy accept;\n"
		 "    iifname \"%s\" accept\n"
		 "    oifname \"%s\" ct state established,related accept\n"
		 "    oifname \"%s\" drop\n"
		 "  }\n"
		 "}\n",
		 subnet, subnet, HOSTNET_BRIDGE, HOSTNET_BRIDGE, HOSTNET_BRIDGE, HOSTNET_BRIDGE);
	r = nft(rules, false);
	if (r == 127)
		warn("nft (package nftables) is not installed: private containers get no outbound traffic");
	else if (r != 0)
		warn("nft could not load table inet volt (status %d): private containers get no outbound traffic", r);
}

/* IPv4 forwarding is one switch for the host; remember whether we threw it. */
static void forward_on(void)
{
	char c = '0';
	int fd = open(IP_FORWARD, O_RDWR | O_CLOEXEC);

	if (fd < 0 || pread(fd, &c, 1, 0) != 1) {
		warn("cannot read %s: %m", IP_FORWARD);
	} else if (c == '0') {
		if (pwrite(fd, "1\n", 2, 0) != 2) {
			warn("cannot turn IPv4 forwarding on: %m (private containers get no outbound traffic)");
		} else {
			int mark = open(FORWARD_MARK, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

			if (mark >= 0)
				close(mark);
		}
	}
	if (fd >= 0)
		close(fd);
}

static void forward_restore(void)
{
	int fd;

	if (unlink(FORWARD_MARK) < 0)
		return;
	fd = open(IP_FORWARD, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		(void)!write(fd, "0\n", 2);
		close(fd);
	}
}

/* With the lock held: make the bridge and the table, and add @port. */
static int join_bridge(int sock, const char *port, const char *cidr, const char *subnet)
{
	struct ifreq ifr = {};
	char path[64];

	snprintf(path, sizeof(path), "/sys/class/net/%s", HOSTNET_BRIDGE);
	if (access(path, F_OK) < 0) {
		if (ioctl(sock, SIOCBRADDBR, HOSTNET_BRIDGE) < 0 && errno != EEXIST)
			return warn("create bridge %s: %m", HOSTNET_BRIDGE), -1;
	}
	if (bridge_address(sock, cidr) < 0 || if_flags(sock, HOSTNET_BRIDGE, true) < 0)
		return warn("configure bridge %s (%s): %m", HOSTNET_BRIDGE, cidr), -1;
	nat_up(subnet);
	forward_on();
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", HOSTNET_BRIDGE);
	/* A port that is gone already was a container that is over: no warning. */
	ifr.ifr_ifindex = (int)if_nametoindex(port);
	if (!ifr.ifr_ifindex)
		return 0;
	if (ioctl(sock, SIOCBRADDIF, &ifr) < 0 && errno != EBUSY && errno != ENODEV)
		return warn("add %s to bridge %s: %m", port, HOSTNET_BRIDGE), -1;
	if (if_flags(sock, port, true) < 0 && errno != ENODEV)
		return warn("bring %s up: %m", port), -1;
	return 0;
}

static bool bridge_empty(void)
{
	DIR *d = opendir("/sys/class/net/" HOSTNET_BRIDGE "/brif");
	struct dirent *e;
	bool empty = true;

	if (!d)
		return false;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			empty = false;
	closedir(d);
	return empty;
}

/* With the lock held: remove the bridge and the table if no port is left. */
static void leave_bridge(int sock)
{
	if (!bridge_empty())
		return;
	/* The bridge goes last: once it is gone, so is everything else. */
	(void)nft("delete table inet volt\n", true);
	forward_restore();
	(void)if_flags(sock, HOSTNET_BRIDGE, false);
	(void)ioctl(sock, SIOCBRDELBR, HOSTNET_BRIDGE);
}

/* A netlink socket told of every link change, opened before we look. */
static int link_events(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Until @ifname exists with an index other than @stale: that index, or 0 after @secs. */
static unsigned wait_link(int events, const char *ifname, unsigned stale, int secs)
{
	struct timeval tv = { .tv_sec = secs };
	char buf[8192];

	(void)setsockopt(events, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (;;) {
		unsigned idx = if_nametoindex(ifname);

		if (idx && idx != stale)
			return idx;
		if (recv(events, buf, sizeof(buf), 0) < 0 && errno != EINTR && errno != ENOBUFS)
			return 0;
	}
}

/*
 * Until link @idx is deleted. Its name goes before the bridge lets go of
 * it, so wait for RTM_DELLINK itself, which the kernel sends after that
 * (and look again should a message have been lost).
 */
static void wait_link_gone(int events, unsigned idx)
{
	struct timeval tv = {};
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO))), name[IF_NAMESIZE];

	(void)setsockopt(events, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (;;) {
		ssize_t n = recv(events, buf, sizeof(buf), 0);

		if (n < 0) {
			if (errno == ENOBUFS && !if_indextoname(idx, name))
				return;
			if (errno != EINTR && errno != ENOBUFS)
				return;
			continue;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n))
			if (h->nlmsg_type == RTM_DELLINK && h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct ifinfomsg)) &&
			    ((struct ifinfomsg *)NLMSG_DATA(h))->ifi_index == (int)idx)
				return;
	}
}

/*
 * A foreground run with limits has cgroups of its own ("volt-ctr-NAME",
 * libvolt-ctr/src/cgroup.c), emptied with SIGKILL as soon as nspawn has
 * exited, which is before the kernel has deleted the veth. Step back to
 * the caller's cgroup in each hierarchy, so the teardown still happens.
 * (A unit's cgroup is left alone: the unit's stop waits for us.)
 */
static void leave_run_cgroup(void)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[1024];

	while (f && fgets(line, sizeof(line), f)) {
		char *ctrl = strchr(line, ':'), *path, *last, dir[1400];
		int fd;

		if (!ctrl || !(path = strchr(ctrl + 1, ':')))
			continue;
		*path++ = '\0';
		ctrl++;
		path[strcspn(path, "\n")] = '\0';
		last = strrchr(path, '/');
		if (!last || last == path || strncmp(last + 1, "volt-ctr-", 9) != 0)
			continue;
		*last = '\0';
		if (!*ctrl)
			snprintf(dir, sizeof(dir), "/sys/fs/cgroup/%s%s/cgroup.procs",
				 access("/sys/fs/cgroup/unified", F_OK) == 0 ? "unified" : "", path);
		else
			snprintf(dir, sizeof(dir), "/sys/fs/cgroup/%s%s/cgroup.procs",
				 strncmp(ctrl, "name=", 5) == 0 ? ctrl + 5 : ctrl, path);
		fd = open(dir, O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			(void)!write(fd, "0", 1);
			close(fd);
		}
	}
	if (f)
		fclose(f);
}

void hostnet_attach(const char *port, const char *cidr, const char *subnet)
{
	/* A link of that name before nspawn runs is another container's (of
	 * another state root): nspawn fails on it, and it must not be taken
	 * into our bridge. */
	unsigned stale = if_nametoindex(port), idx;
	int events, lock, sock, null;
	pid_t child;

	child = fork();
	if (child < 0)
		return;
	if (child > 0) {
		waitpid(child, NULL, 0);
		return;
	}
	/* A detached grandchild: nspawn makes the veth after we have become it. */
	if (fork() != 0)
		_exit(0);
	leave_run_cgroup();
	/* Named so that it is not taken for the -p relay, which shares our binary. */
	prctl(PR_SET_NAME, "volt-netwatch", 0, 0, 0);
	/* It holds none of the caller's descriptors (pipes a shell waits on, the filter). */
	syscall(SYS_close_range, 3U, ~0U, 0U);
	events = link_events();
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (events < 0 || sock < 0) {
		warn("the container's network: %m");
		_exit(1);
	}
	idx = wait_link(events, port, stale, 10);
	if (!idx)
		_exit(1);
	lock = lock_network();
	if (lock < 0 || join_bridge(sock, port, cidr, subnet) < 0)
		warn("%s: the container is cut off from the bridge", port);
	if (lock >= 0)
		close(lock);

	/* Stay until the veth goes with the container's namespace, through a
	 * unit's stop (SIGTERM to the whole cgroup), then tidy up. */
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}
	/* The socket listened before the veth was made: its end is queued
	 * even when the container was over before we got here. */
	wait_link_gone(events, idx);
	lock = lock_network();
	if (lock >= 0) {
		leave_bridge(sock);
		close(lock);
	}
	_exit(0);
}
