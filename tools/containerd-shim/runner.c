/*
 * Runners: the child of the shim that runs one process of the task
 * through libvolt-ctr and exits with its exit status (128+N for signal
 * N), so that the shim learns of the end by SIGCHLD alone.
 *
 * Without a terminal the process's stdout and stderr FIFOs become the
 * runner's (libvolt-ctr passes them on to the workload). Its stdin is a
 * pipe that a third child, the relay, fills from the stdin FIFO: opening
 * a FIFO waits for its writer, which may never come (ctr closes the
 * stdin it never used without opening it), and the relay's end (killed
 * at CloseIO) is what gives the workload its end of input. With one, the
 * shim made a pseudo-terminal before the fork (it keeps the master for
 * ResizePty): a second child gets the terminal as its controlling one
 * and runs the workload, and the runner relays between the master and
 * the FIFOs.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <volt/core.h>

#include "shim.h"

/*
 * Open @path (a FIFO containerd made; "" means none) as standard stream
 * @target. Output FIFOs are opened read-write, which never waits: a
 * reader may be gone already (ctr run -d exits once the task started),
 * and a write-only open would wait for the next one. Output then waits
 * only when the FIFO is full, as under containerd's own shims.
 */
static int open_stream(const char *path, int flags, int target)
{
	int fd = open(path && *path ? path : "/dev/null", flags | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (dup2(fd, target) < 0)
		return -errno;
	if (fd != target)
		close(fd);
	return 0;
}

/* Run the workload here; returns its exit status, or 255 after printing why it could not. */
static int run_workload(shim *s, shim_proc *p, volt_ctr_console console)
{
	int status = 255, r;

	if (p->exec_id) {
		/*
		 * containerd may exec as soon as Start has answered, before
		 * nspawn is up: wait for it while the task's runner lives
		 * (10 s at most).
		 */
		pid_t init = s->task->procs->pid;
		volt_ctr_exec_options opts = VOLT_CTR_EXEC_OPTIONS_INIT;

		/* The exec's process spec is all of it, as containerd made it from the container's. */
		opts.env = (const char *const *)p->exec.env;
		opts.flags = p->exec.has_env ? VOLT_CTR_EXEC_ENV_ONLY : 0;
		opts.workdir = p->exec.cwd;
		opts.user = p->exec.user;
		for (int i = 0;; i++) {
			r = volt_ctr_exec_with_options(&status, s->task->ctr, s->task->name, p->exec.argv, &opts);
			if (r != -ESRCH || i >= 500 || init <= 0 || kill(init, 0) < 0) {
				if (r < 0 && s->args.debug)
					shim_log("exec %s: %d tries, init %d: %s", p->exec_id, i + 1, (int)init,
						 volt_error_message());
				break;
			}
			volt_error_clear();
			usleep(20000);
		}
	} else if (s->task->vm)
		r = shim_vm_run(&status, s->task);
	else
		r = volt_ctr_run_console(&status, s->task->ctr, s->task->name, console);
	if (r < 0) {
		dprintf(2, "containerd-shim-volt-v2: %s: %s\n", s->task->name,
			volt_error_message() ? volt_error_message() : strerror(-r));
		return 255;
	}
	return status & 0xff;
}

/* Copy what is readable on @from to @to; false at its end (or @to's). */
static bool relay(int from, int to)
{
	char buf[16384];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n <= 0)
		return n < 0 && (errno == EINTR || errno == EAGAIN);
	for (ssize_t off = 0; off < n;) {
		ssize_t w = write(to, buf + off, (size_t)(n - off));

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return true; /* nobody reads: keep draining the terminal */
		off += w;
	}
	return true;
}

static int run_with_terminal(shim *s, shim_proc *p)
{
	int in, out, slave, wstatus;
	const char *name = ptsname(p->pty_master);
	pid_t child;
	bool in_open;

	if (!name || (slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
		return 255;
	child = fork();
	if (child < 0)
		return 255;
	if (child == 0) {
		close(p->pty_master);
		if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0 || dup2(slave, 0) < 0 || dup2(slave, 1) < 0 ||
		    dup2(slave, 2) < 0)
			_exit(255);
		_exit(run_workload(s, p, VOLT_CTR_CONSOLE_INTERACTIVE));
	}
	close(slave);
	/* containerd gives a terminal's output as stdout only. */
	out = open(p->stdout_path && *p->stdout_path ? p->stdout_path : "/dev/null", O_RDWR | O_CLOEXEC);
	in = p->stdin_pipe;
	in_open = in >= 0;
	for (;;) {
		struct pollfd fds[2] = { { .fd = p->pty_master, .events = POLLIN },
					 { .fd = in_open ? in : -1, .events = POLLIN } };

		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[0].revents && !relay(p->pty_master, out >= 0 ? out : 2))
			break; /* EIO: the terminal's last user has gone */
		if (fds[1].revents && !relay(in, p->pty_master))
			in_open = false;
	}
	while (waitpid(child, &wstatus, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
}

static void __attribute__((noreturn)) runner_main(shim *s, shim_proc *p)
{
	sigset_t none;
	int r;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	shim_server_close_fds();
	/* Into the task's cgroup: the task's own process with nspawn and the container, an exec's host side. */
	if (shim_cgroup_enter(s->task) < 0)
		shim_log("%s: cannot enter the task's cgroup %s: %m", s->task->name, s->task->cgroup);
	if (p->terminal)
		_exit(run_with_terminal(s, p));
	if (p->stdin_pipe >= 0)
		r = dup2(p->stdin_pipe, 0) < 0 ? -errno : 0;
	else
		r = open_stream(NULL, O_RDONLY, 0);
	if (r >= 0)
		r = open_stream(p->stdout_path, O_RDWR, 1);
	if (r >= 0)
		r = open_stream(p->stderr_path, O_RDWR, 2);
	if (r < 0) {
		shim_log("%s: cannot open the process's stdio: %s", s->task->name, strerror(-r));
		_exit(255);
	}
	_exit(run_workload(s, p, VOLT_CTR_CONSOLE_PIPE));
}

static void __attribute__((noreturn)) relay_main(shim_proc *p, int out)
{
	sigset_t none;
	int in;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	shim_server_close_fds();
	in = open(p->stdin_path, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		_exit(1);
	while (relay(in, out))
		;
	_exit(0);
}

/* The stdin relay and its pipe, when the process has a stdin FIFO. */
static int relay_start(shim_proc *p)
{
	int fds[2];
	pid_t pid;

	p->stdin_pipe = -1;
	if (!p->stdin_path || !*p->stdin_path)
		return 0;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -errno;
	}
	if (pid == 0) {
		close(fds[0]);
		relay_main(p, fds[1]);
	}
	close(fds[1]);
	p->stdin_relay = pid;
	p->stdin_pipe = fds[0];
	return 0;
}

void shim_runner_close_stdin(shim_proc *p)
{
	if (p->stdin_relay > 0)
		kill(p->stdin_relay, SIGKILL);
	p->stdin_relay = 0;
}

pid_t shim_runner_start(shim *s, shim_proc *p)
{
	pid_t pid;
	int r;

	if (p->terminal && p->pty_master < 0) {
		p->pty_master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (p->pty_master < 0 || grantpt(p->pty_master) < 0 || unlockpt(p->pty_master) < 0) {
			int e = errno;

			if (p->pty_master >= 0)
				close(p->pty_master);
			p->pty_master = -1;
			return -e;
		}
	}
	r = relay_start(p);
	if (r < 0)
		return r;
	pid = fork();
	if (pid < 0) {
		r = -errno;
		shim_runner_close_stdin(p);
	}
	if (pid == 0)
		runner_main(s, p);
	if (p->stdin_pipe >= 0)
		close(p->stdin_pipe);
	p->stdin_pipe = -1;
	return pid < 0 ? r : pid;
}
