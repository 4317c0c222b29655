/*
 * volt-launch: the first program of every Volt container.
 *
 * systemd-nspawn starts it inside the container (bind-mounted read-only
 * at /run/volt/launch), as PID 1 of the container's PID namespace; it
 * switches to the container's user, applies the sandbox policy with
 * libvolt-sec (Landlock paths are paths inside the container, which is
 * why this runs inside) and executes the workload. `volt exec` starts it
 * the same way in the namespaces of a running container.
 *
 * It is linked statically: an image need not contain a C library.
 *
 *   volt-launch [--strict] [--user=NAME|UID[:GID] [--user-env=VARS]] [--net=IF,ADDR/LEN,GW] [--workdir=DIR]
 *               [--learn-fd=N] POLICY -- COMMAND [ARGS...]
 *   volt-launch [--strict] [--user=... [--user-env=VARS]] --policy-fd=N -- COMMAND [ARGS...]
 *
 * --workdir=DIR is the workload's working directory: made (with its
 * parents) when it is missing, as Docker does, owned by the workload's
 * user, before the sandbox applies (nspawn's --chdir fails on a missing
 * directory).
 *
 * --user-env=HOME,USER,LOGNAME sets those of the named variables from the
 * user's /etc/passwd entry once it has switched to that user.
 *
 * `volt run --learn` adds --learn-fd=N (a memfd the host passed as 3):
 * the workload then runs observed instead of sandboxed (volt_sec_learn_run,
 * inside the container, so every path is the container's), and the
 * policy learned from it is written to N for the host, which validates it
 * before it keeps anything (docs/sec-learn.md).
 *
 * `volt exec` uses the second form: it reads the policy on the host and
 * passes it as descriptor N (a sealed memfd), since a container may have
 * replaced the file at /run/volt/policy.json (and it executes this
 * launcher from a descriptor it opened on the host, for the same reason).
 *
 * Exit status: the workload's; 126 when the sandbox could not be applied
 * or the command could not run; 127 when the command was not found.
 *
 * On the host, as the main process of a container's unit, it has one more
 * job: mount the container's overlay root in the unit's private mount
 * namespace, then execute systemd-nspawn (so the unit's main process is
 * nspawn, and the mount vanishes with the unit):
 *
 *   volt-launch --mount-overlay=OPTIONS --target=DIR [--host-veth=IF,BRIDGEADDR/LEN,SUBNET]
 *               [--publish=BINDIP:HOSTPORT:ADDR:PORT/PROTO...] -- NSPAWN [ARGS...]
 *
 * The overlay is mounted nodev: a device node in an image or in the
 * writable layer never opens (nspawn mounts the container's /dev itself).
 * With --host-veth it also adds the host end of the container's veth
 * pair to Volt's bridge once nspawn has made it (hostnet.c). Inside, --net=IF,ADDR/LEN,GW
 * configures the container's end and its default route. The --publish
 * ports are relayed to the container by one process (publish.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/magic.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <volt/core.h>
#include <volt/sec.h>

#include "host-mount.h"
#include "hostnet.h"
#include "publish.h"
#include "supervise.h"
#include "shared/escape.h"

static void log_to_stderr(volt_log_level level, const char *msg, void *userdata)
{
	(void)userdata;
	/* Messages quote the image's user names and paths: escape them. */
	fprintf(stderr, "volt-launch: %s: ", volt_log_level_to_string(level));
	volt_fputs_escaped(msg, stderr);
	fputc('\n', stderr);
}

static int fail(int code, const char *what)
{
	fprintf(stderr, "volt-launch: error: %s: ", what);
	volt_fputs_escaped(volt_error_message(), stderr);
	fputc('\n', stderr);
	return code;
}

/* Parse a decimal id; -1 on anything else. */
static long parse_id(const char *s)
{
	char *end;
	long v;

	if (!*s)
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0 || v > 65535)
		return -1;
	return v;
}

/*
 * Resolve @user from the container's /etc/passwd ("name" or "uid[:gid]").
 * A static binary has no NSS, so the file is read directly.
 */
struct user_entry {
	char name[256];
	char home[PATH_MAX];
};

static int resolve_user(const char *user, uid_t *uid, gid_t *gid, struct user_entry *ent)
{
	char line[1024];
	const char *colon = strchr(user, ':');
	long u = parse_id(user), g;
	FILE *f;

	if (colon) {
		char ubuf[32];

		if ((size_t)(colon - user) >= sizeof(ubuf))
			return volt_error_set(EINVAL, "user '%s' is not UID:GID", user);
		memcpy(ubuf, user, (size_t)(colon - user));
		ubuf[colon - user] = '\0';
		u = parse_id(ubuf);
		g = parse_id(colon + 1);
		if (u < 0 || g < 0)
			return volt_error_set(EINVAL, "user '%s' is not UID:GID within 0..65535", user);
		*uid = (uid_t)u;
		*gid = (gid_t)g;
		return 0;
	}

	ent->name[0] = ent->home[0] = '\0';
	f = fopen("/etc/passwd", "re");
	while (f && fgets(line, sizeof(line), f)) {
		char *fields[7], *p = line;
		int n = 0;

		for (; n < 7 && p; n++) {
			fields[n] = p;
			p = strchr(p, ':');
			if (p)
				*p++ = '\0';
		}
		if (n < 4)
			continue;
		if (strcmp(fields[0], user) == 0 || (u >= 0 && parse_id(fields[2]) == u)) {
			long fu = parse_id(fields[2]), fg = parse_id(fields[3]);

			fclose(f);
			if (fu < 0 || fg < 0)
				return volt_error_set(EINVAL, "/etc/passwd: bad entry for '%s'", user);
			*uid = (uid_t)fu;
			*gid = (gid_t)fg;
			snprintf(ent->name, sizeof(ent->name), "%s", fields[0]);
			if (n >= 6)
				snprintf(ent->home, sizeof(ent->home), "%s", fields[5]);
			return 0;
		}
	}
	if (f)
		fclose(f);
	if (u >= 0) {
		*uid = (uid_t)u;
		*gid = (gid_t)u;
		return 0;
	}
	return volt_error_set(ENOENT, "no user '%s' in the container's /etc/passwd", user);
}

/*
 * Become @uid/@gid but keep the capability sets, so that the policy can
 * still drop them all (dropping the bounding set needs CAP_SETPCAP).
 */
static int switch_user(uid_t uid, gid_t gid)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return volt_error_set_errno(errno, "keep capabilities");
	if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
		return volt_error_set_errno(errno, "switch to uid %u gid %u", (unsigned)uid, (unsigned)gid);
	if (syscall(SYS_capget, &h, d) < 0)
		return volt_error_set_errno(errno, "capget");
	d[0].effective = d[0].permitted;
	d[1].effective = d[1].permitted;
	if (syscall(SYS_capset, &h, d) < 0)
		return volt_error_set_errno(errno, "capset");
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
	return 0;
}

/* "10.0.0.2/30" into an address and a netmask. */
static int parse_cidr(const char *cidr, struct in_addr *addr, struct in_addr *mask)
{
	char buf[32];
	char *slash;
	long len;

	if (strlen(cidr) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, cidr);
	slash = strchr(buf, '/');
	if (!slash)
		return -EINVAL;
	*slash = '\0';
	len = strtol(slash + 1, NULL, 10);
	if (len < 1 || len > 32 || inet_pton(AF_INET, buf, addr) != 1)
		return -EINVAL;
	mask->s_addr = htonl(0xffffffffu << (32 - len));
	return 0;
}

static void sockaddr_of(struct sockaddr *sa, struct in_addr a)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr = a };

	memcpy(sa, &sin, sizeof(sin));
}

/* Address @ifname, bring it up, and optionally route everything via @gateway. */
static int if_configure(const char *ifname, const char *cidr, const char *gateway)
{
	struct in_addr addr, mask, gw;
	struct ifreq ifr = {};
	int fd, r = 0;

	if (parse_cidr(cidr, &addr, &mask) < 0 || (gateway && inet_pton(AF_INET, gateway, &gw) != 1))
		return volt_error_set(EINVAL, "bad network address '%s'", cidr);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return volt_error_set_errno(errno, "socket");
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	sockaddr_of(&ifr.ifr_addr, addr);
	if (ioctl(fd, SIOCSIFADDR, &ifr) < 0)
		r = volt_error_set_errno(errno, "set the address of %s", ifname);
	sockaddr_of(&ifr.ifr_netmask, mask);
	if (!r && ioctl(fd, SIOCSIFNETMASK, &ifr) < 0)
		r = volt_error_set_errno(errno, "set the netmask of %s", ifname);
	if (!r && ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		r = volt_error_set_errno(errno, "read the flags of %s", ifname);
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (!r && ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
		r = volt_error_set_errno(errno, "bring %s up", ifname);
	if (!r && gateway) {
		struct rtentry rt = { .rt_flags = RTF_UP | RTF_GATEWAY, .rt_dev = ifr.ifr_name };

		sockaddr_of(&rt.rt_dst, (struct in_addr){ 0 });
		sockaddr_of(&rt.rt_genmask, (struct in_addr){ 0 });
		sockaddr_of(&rt.rt_gateway, gw);
		if (ioctl(fd, SIOCADDRT, &rt) < 0 && errno != EEXIST)
			r = volt_error_set_errno(errno, "add the default route via %s", gateway);
	}
	close(fd);
	return r;
}

/* --host-veth=IF,BRIDGEADDR/LEN,SUBNET: IF joins the bridge (hostnet.c). */
static int host_veth(const char *spec)
{
	char ifname[IF_NAMESIZE], cidr[32], subnet[32];

	if (sscanf(spec, "%15[^,],%31[0-9./],%31[0-9./]", ifname, cidr, subnet) != 3) {
		fprintf(stderr, "volt-launch: error: bad --host-veth '%s'\n", spec);
		return -1;
	}
	hostnet_attach(ifname, cidr, subnet);
	return 0;
}

/* The policy from descriptor @fd (then closed), as volt exec passes it. */
static int policy_from_fd(volt_sec_policy **out, int fd)
{
	char *text = NULL;
	size_t len = 0, cap = 0;
	int r;

	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *t;

			if (cap >= VOLT_SEC_POLICY_FILE_MAX) {
				free(text);
				close(fd);
				return volt_error_set(EFBIG, "the policy on descriptor %d is too large", fd);
			}
			cap = cap ? cap * 2 : 16384;
			t = realloc(text, cap);
			if (!t) {
				free(text);
				close(fd);
				return volt_error_set(ENOMEM, NULL);
			}
			text = t;
		}
		n = read(fd, text + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = errno;
			free(text);
			close(fd);
			return volt_error_set_errno(r, "read the policy from descriptor %d", fd);
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	r = volt_sec_policy_parse(out, text, len);
	free(text);
	return r;
}

/*
 * Host side: the container's seccomp program, compiled by volt on the
 * host (VOLT_CTR_SECCOMP_BPF names the file in the container's record),
 * goes to nspawn as descriptor 3 the way systemd passes sockets: nspawn
 * hands such descriptors to the container's first process (LISTEN_FDS).
 * volt run passes it already open (a sealed memfd on 3, LISTEN_FDS set).
 * Without it the launcher inside compiles the policy itself.
 */
static void pass_bpf(void)
{
	const char *path = getenv("VOLT_CTR_SECCOMP_BPF");
	char pid[32];
	int fd;

	if (!path || !*path)
		return;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || (fd == 3 ? fcntl(3, F_SETFD, 0) : dup2(fd, 3)) < 0) {
		fprintf(stderr, "volt-launch: warning: %s: %m (the container compiles its filter)\n", path);
		if (fd >= 0)
			close(fd);
		unsetenv("VOLT_CTR_SECCOMP_BPF");
		return;
	}
	if (fd != 3)
		close(fd);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	/* We become nspawn in place: its pid is ours. */
	setenv("LISTEN_FDS", "1", 1);
	setenv("LISTEN_PID", pid, 1);
	unsetenv("LISTEN_FDNAMES");
	unsetenv("VOLT_CTR_SECCOMP_BPF");
}

/*
 * Inside: the program the host passed on descriptor 3, if any (else
 * NULL: compile here). It must start with VOLT_CTR_BPF_MAGIC; anything
 * else on 3 is left alone. The descriptor and nspawn's LISTEN_* variables
 * do not reach the workload.
 */
#define VOLT_CTR_BPF_MAGIC "VOLT-CTR-BPF-1\n"
static void *bpf_from_host(size_t *out_len)
{
	const char *n = getenv("LISTEN_FDS");
	size_t mlen = strlen(VOLT_CTR_BPF_MAGIC), len = 0;
	char *buf;
	struct stat st;

	*out_len = 0;
	if (!n || strcmp(n, "1") != 0 || fstat(3, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < (off_t)mlen + 8 ||
	    st.st_size > (off_t)(mlen + 4096 * 8))
		return NULL;
	buf = malloc((size_t)st.st_size);
	if (!buf)
		return NULL;
	while (len < (size_t)st.st_size) {
		ssize_t r = pread(3, buf + len, (size_t)st.st_size - len, (off_t)len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	if (len != (size_t)st.st_size || memcmp(buf, VOLT_CTR_BPF_MAGIC, mlen) != 0 || (len - mlen) % 8 != 0) {
		free(buf);
		return NULL;
	}
	close(3);
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDNAMES");
	memmove(buf, buf + mlen, len - mlen);
	*out_len = len - mlen;
	return buf;
}

/* Host side: mount the overlay root, then become systemd-nspawn. */
static int mount_and_exec(int argc, char **argv)
{
	const char *options = argv[1] + strlen("--mount-overlay=");
	const char *target, *veth = NULL;
	int i = 2, publish;

	if (argc < 5 || strncmp(argv[2], "--target=", 9) != 0)
		goto usage;
	target = argv[i++] + 9;
	if (strncmp(argv[i], "--host-veth=", 12) == 0)
		veth = argv[i++] + 12;
	publish = i;
	while (i < argc && strncmp(argv[i], "--publish=", 10) == 0)
		i++;
	if (i + 1 >= argc || strcmp(argv[i], "--") != 0)
		goto usage;
	i++;

	/* In the unit's private mount namespace (systemd.c). */
	if (ctr_host_mount(target, options) < 0) {
		fprintf(stderr, "volt-launch: error: mount the container's root on %s: %m\n", target);
		return 126;
	}
	if (veth && host_veth(veth) < 0)
		return 126;
	for (int p = publish; p < i - 1; p++)
		if (publish_add(argv[p] + 10) < 0)
			return 126;
	if (i - 1 > publish && publish_start() < 0)
		return 126;
	pass_bpf();
	execv(argv[i], argv + i);
	fprintf(stderr, "volt-launch: error: execute %s: %m\n", argv[i]);
	return 126;
usage:
	fprintf(stderr, "usage: volt-launch --mount-overlay=OPTIONS --target=DIR [--host-veth=IF,BRIDGEADDR/LEN,SUBNET] "
			"[--publish=BINDIP:HOSTPORT:ADDR:PORT/PROTO...] -- NSPAWN [ARGS...]\n");
	return 126;
}

/*
 * Learn mode: run the workload traced, write what it needed to @fd as a
 * policy, exit with its status (128+N for signal N). The descriptor and
 * nspawn's LISTEN_* variables do not reach the workload. Ctrl-C: the
 * first SIGINT/SIGTERM/SIGHUP is forwarded to it, a second kills it; the
 * policy is written either way.
 */
static int learn_and_exit(char **argv, int fd)
{
	volt_sec_learn_options lo = VOLT_SEC_LEARN_OPTIONS_INIT;
	volt_sec_policy *policy = NULL;
	json_t *j = NULL;
	char *text = NULL;
	int status = 0, r;

	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDNAMES");
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
		volt_error_set_errno(errno, "learn: descriptor %d", fd);
		return fail(126, "learn");
	}
	/* The launcher applies it as the container's user: no uid 65534 to allow for;
	 * capabilities are the user namespace's, what an entrypoint run as root uses. */
	lo.flags = VOLT_SEC_LEARN_FORWARD_SIGNALS | VOLT_SEC_LEARN_SAME_IDS | VOLT_SEC_LEARN_CAPABILITIES;
	r = volt_sec_learn_run(&policy, &status, argv, &lo);
	if (r < 0)
		return fail(r == -ENOENT ? 127 : 126, "learn");
	r = volt_sec_policy_to_json(&j, policy);
	volt_sec_policy_free(policy);
	if (r == 0)
		r = volt_json_dump(&text, j, 0);
	json_decref(j);
	if (r < 0)
		return fail(126, "learn");
	if (ftruncate(fd, 0) < 0 || pwrite(fd, text, strlen(text), 0) != (ssize_t)strlen(text)) {
		volt_error_set_errno(errno ? errno : EIO, "learn: write the policy");
		free(text);
		return fail(126, "learn");
	}
	free(text);
	close(fd);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/*
 * Make @dir (absolute, in the container) and its missing parents, the
 * ones made owned by @uid/@gid, as Docker makes a missing -w directory.
 * Done as the container's root, before the user switch: the workload's
 * user could not create /app itself, but owns what was made for it.
 */
static int make_workdir(const char *dir, uid_t uid, gid_t gid)
{
	char path[PATH_MAX];
	size_t len = strlen(dir);

	if (dir[0] != '/' || len >= sizeof(path))
		return volt_error_set(EINVAL, "working directory '%s' is not an absolute path", dir);
	memcpy(path, dir, len + 1);
	for (char *p = path + 1;; p++) {
		if (*p != '/' && *p)
			continue;
		char saved = *p;

		*p = '\0';
		if (mkdir(path, 0755) == 0) {
			if (chown(path, uid, gid) < 0)
				return volt_error_set_errno(errno, "working directory: chown %s", path);
		} else if (errno != EEXIST) {
			return volt_error_set_errno(errno, "working directory: mkdir %s", path);
		}
		*p = saved;
		if (!saved)
			break;
	}
	return 0;
}

/*
 * The environment of the user switched to, as login(1) and Docker give
 * it: HOME from /etc/passwd ("/" for a uid it does not list), USER and
 * LOGNAME its name (unset for such a uid). @vars names those the host left to us (the
 * container's own environment, from the image or -e, wins).
 */
static void set_user_env(const char *vars, const struct user_entry *ent)
{
	if (!vars)
		return;
	if (strstr(vars, "HOME"))
		setenv("HOME", ent->home[0] ? ent->home : "/", 1);
	/* A uid /etc/passwd does not list has no name: not root's either. */
	for (size_t i = 0; i < 2; i++) {
		const char *var = i ? "LOGNAME" : "USER";

		if (!strstr(vars, var))
			continue;
		if (ent->name[0])
			setenv(var, ent->name, 1);
		else
			unsetenv(var);
	}
}

int main(int argc, char **argv)
{
	volt_sec_apply_options opts = VOLT_SEC_APPLY_OPTIONS_INIT;
	volt_sec_policy *policy = NULL;
	const char *user = NULL, *user_env = NULL, *net = NULL, *policy_path = NULL, *workdir = NULL;
	int i = 1, r, policy_fd = -1, learn_fd = -1;
	void *bpf = NULL;
	size_t bpf_len = 0;

	volt_log_set_handler(log_to_stderr, NULL);
	if (argc > 1 && strncmp(argv[1], "--mount-overlay=", 16) == 0)
		return mount_and_exec(argc, argv);
	for (; i < argc && strncmp(argv[i], "--", 2) == 0 && argv[i][2]; i++) {
		if (strcmp(argv[i], "--strict") == 0)
			opts.flags |= VOLT_SEC_APPLY_STRICT;
		else if (strncmp(argv[i], "--user=", 7) == 0)
			user = argv[i] + 7;
		else if (strncmp(argv[i], "--user-env=", 11) == 0)
			user_env = argv[i] + 11;
		else if (strncmp(argv[i], "--net=", 6) == 0)
			net = argv[i] + 6;
		else if (strncmp(argv[i], "--workdir=", 10) == 0)
			workdir = argv[i] + 10;
		else if (strncmp(argv[i], "--learn-fd=", 11) == 0) {
			long fd = parse_id(argv[i] + 11);

			if (fd < 3) {
				fprintf(stderr, "volt-launch: bad --learn-fd '%s'\n", argv[i] + 11);
				return 126;
			}
			learn_fd = (int)fd;
		}
		else if (strncmp(argv[i], "--policy-fd=", 12) == 0) {
			long fd = parse_id(argv[i] + 12);

			if (fd < 3) {
				fprintf(stderr, "volt-launch: bad --policy-fd '%s'\n", argv[i] + 12);
				return 126;
			}
			policy_fd = (int)fd;
		} else {
			fprintf(stderr, "volt-launch: unknown option '%s'\n", argv[i]);
			return 126;
		}
	}
	if (policy_fd < 0) {
		if (argc - i < 3 || strcmp(argv[i + 1], "--") != 0)
			goto usage;
		policy_path = argv[i++];
	}
	if (argc - i < 2 || strcmp(argv[i], "--") != 0)
		goto usage;
	argv += i + 1;

	r = policy_fd >= 0 ? policy_from_fd(&policy, policy_fd) : volt_sec_policy_load_file(&policy, policy_path);
	if (r < 0)
		return fail(126, "policy");
	/* The network first, while the container's root still has CAP_NET_ADMIN. */
	if (net) {
		char ifname[IF_NAMESIZE] = "", cidr[32] = "", gw[INET_ADDRSTRLEN] = "";

		if (sscanf(net, "%15[^,],%31[^,],%15s", ifname, cidr, gw) != 3) {
			volt_error_set(EINVAL, "bad --net '%s'", net);
			return fail(126, "network");
		}
		if (if_configure("lo", "127.0.0.1/8", NULL) < 0 || if_configure(ifname, cidr, gw) < 0)
			return fail(126, "network");
	}
	{
		struct user_entry ent = {};
		uid_t uid = 0;
		gid_t gid = 0;

		if (user && resolve_user(user, &uid, &gid, &ent) < 0)
			return fail(126, "user");
		if (workdir && make_workdir(workdir, uid, gid) < 0)
			return fail(126, "working directory");
		if (user) {
			if (switch_user(uid, gid) < 0)
				return fail(126, "user");
			set_user_env(user_env, &ent);
		}
		/* As the workload's user: a directory it cannot enter fails here, named. */
		if (workdir && chdir(workdir) < 0) {
			volt_error_set_errno(errno, "chdir %s", workdir);
			return fail(126, "working directory");
		}
	}
	if (learn_fd >= 0) {
		volt_sec_policy_free(policy);
		return learn_and_exit(argv, learn_fd);
	}
	/* volt exec (--policy-fd) compiles here; a start has the host's program. */
	if (policy_fd < 0)
		bpf = bpf_from_host(&bpf_len);
	r = volt_sec_policy_apply_bpf(policy, &opts, bpf, bpf_len);
	free(bpf);
	volt_sec_policy_free(policy);
	if (r < 0)
		return fail(126, "sandbox");

	/* A start (not volt exec) keeps a parent that reports signals as 128+N. */
	if (policy_fd < 0)
		launch_supervise();
	execvp(argv[0], argv);
	r = errno;
	volt_error_set_errno(r, "execute %s", argv[0]);
	return fail(r == ENOENT ? 127 : 126, "workload");
usage:
	fprintf(stderr, "usage: volt-launch [--strict] [--user=USER [--user-env=VARS]] [--net=IF,ADDR/LEN,GW] [--workdir=DIR] [--learn-fd=N] "
			"(POLICY | --policy-fd=N) "
			"-- COMMAND [ARGS...]\n");
	return 126;
}
