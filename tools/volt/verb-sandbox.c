/*
 * volt sandbox run: run any command under a policy on the host.
 *
 * The command never shares volt's session: it runs in a child that
 * calls setsid(), so it has no controlling terminal and ioctl(TIOCSTI)
 * cannot type into the caller's shell (bubblewrap's CVE-2017-5226).
 * When volt's stdin is a terminal, the child gets a pseudo-terminal of
 * its own instead, relayed to the caller's (which is put in raw mode
 * meanwhile), so that an interactive shell in the sandbox works as one
 * expects. volt stays as the parent: it forwards termination signals and
 * window size changes, and exits as the command did.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <volt/core.h>
#include <volt/sec.h>

#include "volt.h"

static const char help[] =
	"Usage: volt sandbox run [--policy FILE] [--strict] [--seccomp-cache] [--pty|--no-pty]\n"
	"                        -- COMMAND [ARGS...]\n"
	"\n"
	"Run COMMAND sandboxed by a policy (the default policy, see 'volt policy\n"
	"default', when --policy is left out), as one would with bubblewrap. The\n"
	"policy is applied in this order: user namespace, capabilities, no_new_privs,\n"
	"Landlock, seccomp; then COMMAND is executed (looked up in PATH). What this\n"
	"kernel cannot enforce is printed as a warning, or with --strict makes volt\n"
	"refuse to run COMMAND.\n"
	"\n"
	"COMMAND runs in a session of its own: it cannot type into the caller's\n"
	"terminal. When stdin is a terminal it gets a pseudo-terminal of its own,\n"
	"relayed to the caller's. Run as root, COMMAND is root in a user namespace\n"
	"and uid 65534 (nobody) outside, unless the policy says \"user_namespace\":\n"
	"false. The state root (--root, $VOLT_ROOT) is withheld from the policy's\n"
	"grants.\n"
	"\n"
	"Options:\n"
	"  -p, --policy FILE      the policy to apply\n"
	"  --strict               refuse to run unless every part of the policy is enforced\n"
	"  --seccomp-cache        cache compiled seccomp programs in ROOT/cache/seccomp\n"
	"  -t, --pty              give COMMAND a pseudo-terminal even if stdin is none\n"
	"  --no-pty               never a pseudo-terminal (a new session only)\n"
	"  -h, --help             show this help\n"
	"\n"
	"Exit status: COMMAND's own (128+N, or the same signal, when it was killed by\n"
	"signal N), or 1 when the sandbox could not be set up, 2 on a usage error,\n"
	"126 when COMMAND cannot be executed (for example because the policy does not\n"
	"allow it), 127 when it is not found.\n";

enum pty_mode { PTY_AUTO, PTY_ALWAYS, PTY_NEVER };

/* The policy to apply: FILE or the default, with the state root withheld. */
static int load_policy(const char *program, const char *path, const char *root, volt_sec_policy **out)
{
	volt_sec_policy *p = NULL;
	json_t *j = NULL, *deny, *w;
	char *text = NULL;
	size_t i;
	int r;

	r = path ? volt_sec_policy_load_file(&p, path) : volt_sec_policy_new_default(&p);
	if (r < 0)
		return r;
	r = volt_sec_policy_to_json(&j, p);
	if (r < 0)
		goto out;
	/* Nothing to withhold from a policy without filesystem rules. */
	if (json_is_null(json_object_get(j, "fs_read")) && json_is_null(json_object_get(j, "fs_write")) &&
	    json_is_null(json_object_get(j, "fs_execute"))) {
		*out = p;
		p = NULL;
		goto out;
	}
	/* Withholding costs an fs_write directory its create rights (docs/sec-policy.md). */
	json_array_foreach(json_object_get(j, "fs_write"), i, w) {
		const char *dir = json_string_value(w);
		size_t len = strcmp(dir, "/") == 0 ? 0 : strlen(dir);

		if (strncmp(root, dir, len) == 0 && root[len] == '/')
			fprintf(stderr, "%s: warning: the state root %s is inside fs_write's %s: the sandbox "
					"cannot create files directly in %s; keep the state root elsewhere\n",
				program, root, dir, dir);
	}
	deny = json_object_get(j, "fs_deny");
	if (!json_is_array(deny) || json_array_append_new(deny, json_string(root)) < 0) {
		r = volt_error_set(ENOMEM, NULL);
		goto out;
	}
	r = volt_json_dump(&text, j, 0);
	if (r < 0)
		goto out;
	volt_sec_policy_free(p);
	p = NULL;
	r = volt_sec_policy_parse(out, text, strlen(text));
out:
	free(text);
	json_decref(j);
	volt_sec_policy_free(p);
	return r;
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

/* In the child: become the sandboxed command. Messages go to @err_fd, volt's own stderr. */
static _Noreturn void child_main(const char *program, const volt_sec_policy *p, const volt_sec_apply_options *o,
				 int pty_slave, int err_fd, char **argv)
{
	sigset_t none;
	int r;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (setsid() < 0) {
		dprintf(err_fd, "%s: sandbox run: setsid: %s\n", program, strerror(errno));
		_exit(1);
	}
	if (pty_slave >= 0) {
		if (ioctl(pty_slave, TIOCSCTTY, 0) < 0 || dup2(pty_slave, 0) < 0 || dup2(pty_slave, 1) < 0 ||
		    dup2(pty_slave, 2) < 0) {
			dprintf(err_fd, "%s: sandbox run: set up the terminal: %s\n", program, strerror(errno));
			_exit(1);
		}
		if (pty_slave > 2)
			close(pty_slave);
	}
	r = volt_sec_policy_apply(p, o);
	if (r < 0) {
		dprintf(err_fd, "%s: error: sandbox: %s\n", program, volt_error_message());
		_exit(1);
	}
	execvp(argv[0], argv);
	r = errno;
	dprintf(err_fd, "%s: sandbox run: cannot execute '%s': %s\n", program, argv[0], strerror(r));
	_exit(r == ENOENT ? 127 : 126);
}

static int open_pty(int *out_master, int *out_slave)
{
	char name[64];
	int master, slave;

	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return volt_error_set_errno(errno, "sandbox run: open a pseudo-terminal");
	if (grantpt(master) < 0 || unlockpt(master) < 0 || ptsname_r(master, name, sizeof(name)) != 0 ||
	    (slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
		int r = volt_error_set_errno(errno, "sandbox run: set up a pseudo-terminal");

		close(master);
		return r;
	}
	*out_master = master;
	*out_slave = slave;
	return 0;
}

/* Copy the caller's window size to the sandbox's terminal. */
static void copy_winsize(int from, int to)
{
	struct winsize ws;

	if (ioctl(from, TIOCGWINSZ, &ws) == 0)
		(void)ioctl(to, TIOCSWINSZ, &ws);
}

/* Relay until the child is gone; returns its wait status. */
static int supervise(pid_t child, int sfd, int master)
{
	char buf[8192];
	bool in_open = master >= 0;
	int status = 0;

	for (;;) {
		struct pollfd fds[3] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = master, .events = POLLIN },
			{ .fd = in_open ? 0 : -1, .events = POLLIN },
		};

		if (poll(fds, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGWINCH && master >= 0)
					copy_winsize(0, master);
				else if (si.ssi_signo != SIGCHLD && kill(-child, (int)si.ssi_signo) < 0)
					/* The child leads its own process group (setsid): signal all of it. */
					kill(child, (int)si.ssi_signo);
			}
			if (waitpid(child, &status, WNOHANG) == child)
				break;
		}
		if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(master, buf, sizeof(buf));

			if (n > 0)
				write_all(1, buf, (size_t)n);
			else if (n < 0 && errno != EINTR && errno != EAGAIN)
				master = -1; /* EIO: every holder of the slave is gone */
		}
		if (fds[2].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(0, buf, sizeof(buf));

			if (n > 0)
				write_all(fds[1].fd, buf, (size_t)n);
			else if (n == 0 || errno != EINTR)
				in_open = false;
		}
	}
	/* What the command wrote just before it ended. */
	if (master >= 0) {
		ssize_t n;

		(void)fcntl(master, F_SETFL, O_NONBLOCK);
		while ((n = read(master, buf, sizeof(buf))) > 0)
			write_all(1, buf, (size_t)n);
	}
	return status;
}

static int run(const struct cli_global *g, const volt_sec_policy *p, const volt_sec_apply_options *o,
	       enum pty_mode mode, char **argv)
{
	static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCHLD };
	struct termios saved, raw;
	/* Not when volt runs in the background: taking the terminal's modes would stop it (SIGTTOU). */
	bool use_pty = mode == PTY_ALWAYS || (mode == PTY_AUTO && isatty(0) && tcgetpgrp(0) == getpgrp());
	bool restore = false;
	int master = -1, slave = -1, err_fd, sfd, status;
	sigset_t mask, old;
	pid_t child;

	if (use_pty && open_pty(&master, &slave) < 0)
		return cli_fail(g->program);
	if (master >= 0 && isatty(0)) {
		if (tcgetattr(0, &saved) == 0) {
			(void)tcsetattr(slave, TCSANOW, &saved);
			restore = true;
		}
		copy_winsize(0, master);
	}
	err_fd = fcntl(2, F_DUPFD_CLOEXEC, 3);
	sigemptyset(&mask);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(&mask, forwarded[i]);
	sigprocmask(SIG_BLOCK, &mask, &old);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0) {
		volt_error_set_errno(errno, "sandbox run: signalfd");
		return cli_fail(g->program);
	}
	fflush(NULL);
	child = fork();
	if (child < 0) {
		volt_error_set_errno(errno, "sandbox run: fork");
		sigprocmask(SIG_SETMASK, &old, NULL);
		return cli_fail(g->program);
	}
	if (child == 0)
		child_main(g->program, p, o, slave, err_fd >= 0 ? err_fd : 2, argv);
	if (slave >= 0)
		close(slave);
	if (restore) {
		raw = saved;
		cfmakeraw(&raw);
		(void)tcsetattr(0, TCSADRAIN, &raw);
	}
	status = supervise(child, sfd, master);
	if (restore)
		(void)tcsetattr(0, TCSADRAIN, &saved);
	close(sfd);
	if (master >= 0)
		close(master);
	if (err_fd >= 0)
		close(err_fd);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		struct rlimit no_core = { 0, 0 };

		/* Die the same way, so that the caller's shell sees it; never dump volt's core for it. */
		(void)setrlimit(RLIMIT_CORE, &no_core);
		signal(sig, SIG_DFL);
		sigdelset(&old, sig);
		sigprocmask(SIG_SETMASK, &old, NULL);
		raise(sig);
		return 128 + sig;
	}
	return CLI_EXIT_FAILURE;
}

/* The cache lives in the state root, which the sandbox's policy withholds. */
static int cache_dir(const char *root, char **out)
{
	if (asprintf(out, "%s/cache/seccomp", strcmp(root, "/") == 0 ? "" : root) < 0)
		return volt_error_set(ENOMEM, NULL);
	return 0;
}

int verb_sandbox(const struct cli_global *g, int argc, char **argv)
{
	enum { OPT_STRICT = 0x100, OPT_CACHE, OPT_NO_PTY };
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "policy", required_argument, NULL, 'p' },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "seccomp-cache", no_argument, NULL, OPT_CACHE },
		{ "pty", no_argument, NULL, 't' },
		{ "no-pty", no_argument, NULL, OPT_NO_PTY },
		{},
	};
	volt_sec_apply_options o = VOLT_SEC_APPLY_OPTIONS_INIT;
	enum pty_mode mode = PTY_AUTO;
	const char *policy_path = NULL;
	char *root = NULL, *cache = NULL;
	volt_sec_policy *p = NULL;
	bool use_cache = false;
	int c, r;

	if (argc < 2 || strcmp(argv[1], "run") != 0) {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
			fputs(help, stdout);
			return CLI_EXIT_OK;
		}
		return cli_usage_error(g->program, "sandbox: the only command is 'run'");
	}
	argc--;
	argv++;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:hp:t", options, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(help, stdout);
			return CLI_EXIT_OK;
		case 'p':
			policy_path = optarg;
			break;
		case 't':
			mode = PTY_ALWAYS;
			break;
		case OPT_NO_PTY:
			mode = PTY_NEVER;
			break;
		case OPT_STRICT:
			o.flags |= VOLT_SEC_APPLY_STRICT;
			break;
		case OPT_CACHE:
			use_cache = true;
			break;
		default:
			return cli_option_error(g->program, "sandbox run", argc, argv, c, options);
		}
	}
	if (optind >= argc)
		return cli_usage_error(g->program, "sandbox run: no COMMAND given (use: volt sandbox run -- COMMAND)");
	/* 0.2 took a directory: never run it as the command. */
	if (use_cache && strcmp(argv[optind - 1], "--") != 0) {
		struct stat st;

		if (stat(argv[optind], &st) == 0 && S_ISDIR(st.st_mode))
			return cli_usage_error(g->program, "sandbox run: --seccomp-cache takes no directory any more: "
							   "the cache is ROOT/cache/seccomp in the state root");
	}

	r = volt_root_resolve(&root, g->root);
	if (r < 0)
		return cli_fail(g->program);
	if (use_cache) {
		r = cache_dir(root, &cache);
		if (r < 0)
			goto fail;
		o.seccomp_cache_dir = cache;
	}
	o.flags |= VOLT_SEC_APPLY_ROOT_USERNS;
	r = load_policy(g->program, policy_path, root, &p);
	if (r < 0)
		goto fail;
	r = run(g, p, &o, mode, argv + optind);
	volt_sec_policy_free(p);
	free(root);
	free(cache);
	return r;
fail:
	free(root);
	free(cache);
	return cli_fail(g->program);
}
