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
 *   volt-launch [--strict] [--user=NAME|UID[:GID]] POLICY -- COMMAND [ARGS...]
 *
 * Exit status: the workload's; 126 when the sandbox could not be applied
 * or the command could not run; 127 when the command was not found.
 *
 * On the host, as the main process of a container's unit, it has one more
 * job: mount the container's overlay root in the unit's private mount
 * namespace, then execute systemd-nspawn (so the unit's main process is
 * nspawn, and the mount vanishes with the unit):
 *
 *   volt-launch --mount-overlay=OPTIONS --target=DIR -- NSPAWN [ARGS...]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <volt/core.h>
#include <volt/sec.h>

static void log_to_stderr(volt_log_level level, const char *msg, void *userdata)
{
	(void)userdata;
	fprintf(stderr, "volt-launch: %s: %s\n", volt_log_level_to_string(level), msg);
}

static int fail(int code, const char *what)
{
	fprintf(stderr, "volt-launch: error: %s: %s\n", what, volt_error_message());
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
static int resolve_user(const char *user, uid_t *uid, gid_t *gid)
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

/* Host side: mount the overlay root, then become systemd-nspawn. */
static int mount_and_exec(int argc, char **argv)
{
	const char *options = argv[1] + strlen("--mount-overlay=");

	if (argc < 5 || strncmp(argv[2], "--target=", 9) != 0 || strcmp(argv[3], "--") != 0) {
		fprintf(stderr, "usage: volt-launch --mount-overlay=OPTIONS --target=DIR -- NSPAWN [ARGS...]\n");
		return 126;
	}
	if (mount("overlay", argv[2] + 9, "overlay", 0, options) < 0) {
		fprintf(stderr, "volt-launch: error: mount the container's root on %s: %m\n", argv[2] + 9);
		return 126;
	}
	execv(argv[4], argv + 4);
	fprintf(stderr, "volt-launch: error: execute %s: %m\n", argv[4]);
	return 126;
}

int main(int argc, char **argv)
{
	volt_sec_apply_options opts = VOLT_SEC_APPLY_OPTIONS_INIT;
	volt_sec_policy *policy = NULL;
	const char *user = NULL, *policy_path;
	int i = 1, r;

	volt_log_set_handler(log_to_stderr, NULL);
	if (argc > 1 && strncmp(argv[1], "--mount-overlay=", 16) == 0)
		return mount_and_exec(argc, argv);
	for (; i < argc && strncmp(argv[i], "--", 2) == 0 && argv[i][2]; i++) {
		if (strcmp(argv[i], "--strict") == 0)
			opts.flags |= VOLT_SEC_APPLY_STRICT;
		else if (strncmp(argv[i], "--user=", 7) == 0)
			user = argv[i] + 7;
		else {
			fprintf(stderr, "volt-launch: unknown option '%s'\n", argv[i]);
			return 126;
		}
	}
	if (argc - i < 3 || strcmp(argv[i + 1], "--") != 0) {
		fprintf(stderr, "usage: volt-launch [--strict] [--user=USER] POLICY -- COMMAND [ARGS...]\n");
		return 126;
	}
	policy_path = argv[i];
	argv += i + 2;

	r = volt_sec_policy_load_file(&policy, policy_path);
	if (r < 0)
		return fail(126, "policy");
	if (user) {
		uid_t uid;
		gid_t gid;

		if (resolve_user(user, &uid, &gid) < 0 || switch_user(uid, gid) < 0)
			return fail(126, "user");
	}
	r = volt_sec_policy_apply(policy, &opts);
	volt_sec_policy_free(policy);
	if (r < 0)
		return fail(126, "sandbox");

	execvp(argv[0], argv);
	r = errno;
	volt_error_set_errno(r, "execute %s", argv[0]);
	return fail(r == ENOENT ? 127 : 126, "workload");
}
