/*
 * volt-guest-init: PID 1 of every Volt VM, from the initramfs.
 *
 * It mounts /proc, /sys and /dev, loads the kernel modules the initramfs
 * carries for this kernel (a distribution kernel's virtio and ext4;
 * guest-modules.h), reads its instructions from the kernel command line
 * (guest-config.h, docs/vmm-machines.md), brings up the network from
 * "ip=" when the kernel did not (guest-net.h), mounts the root disk,
 * moves it over / (MS_MOVE, chroot), and runs the workload as its
 * child: as the given user, in the given directory, with the given
 * environment. It reaps every orphan, and when the workload ends it
 * prints
 *
 *   VOLT-GUEST-EXIT <status>
 *
 * on the console (128+N for signal N), syncs and resets the machine
 * (with "reboot=k" the VMM takes that as a clean end). Any failure
 * prints "VOLT-GUEST-ERROR: <why>" and ends the same way with status
 * 125, so a bad command line or a missing disk never hangs a VM.
 *
 * Static: it runs before any root file system exists.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "guest-config.h"
#include "guest-modules.h"
#include "guest-net.h"

#define NEW_ROOT "/newroot"
#define EXIT_INIT_FAILED 125
#define ROOT_WAIT_MS 5000
#define NET_WAIT_MS 5000

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* One write per line, so it is not interleaved with the workload's output. */
	if (write(STDOUT_FILENO, line, (size_t)n) < 0)
		(void)0;
}

static __attribute__((noreturn)) void end_vm(int status)
{
	say("VOLT-GUEST-EXIT %d", status);
	sync();
	reboot(RB_AUTOBOOT);
	/* Without "reboot=k" a VMM may not see the reset: stop here for good. */
	for (;;)
		pause();
}

static __attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	say("VOLT-GUEST-ERROR: %s", msg);
	end_vm(EXIT_INIT_FAILED);
}

static void mount_or_die(const char *src, const char *target, const char *type, unsigned long flags)
{
	mkdir(target, 0755);
	if (mount(src, target, type, flags, NULL) < 0 && errno != EBUSY)
		die("mount %s on %s: %s", type, target, strerror(errno));
}

/* The kernel opened /dev/console for us only if the initramfs had the node. */
static void console_fds(void)
{
	int fd;

	if (fcntl(STDOUT_FILENO, F_GETFD) >= 0)
		return;
	fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd < 0)
		return;
	for (int i = 0; i < 3; i++)
		if (fd != i)
			dup2(fd, i);
	if (fd > 2)
		close(fd);
}

static char *read_text(const char *path, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf;
	ssize_t n;
	size_t len = 0;

	if (fd < 0)
		return NULL;
	buf = malloc(max + 1);
	if (!buf) {
		close(fd);
		return NULL;
	}
	while (len < max && (n = read(fd, buf + len, max - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	return buf;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Drivers probe before init starts, but give a slow device a moment. */
static void wait_for_device(const char *dev)
{
	for (int waited = 0; access(dev, F_OK) < 0; waited += 10) {
		if (waited >= ROOT_WAIT_MS)
			die("no root disk: %s does not exist (is a --disk given to the VM?)", dev);
		sleep_ms(10);
	}
}

/*
 * A kernel with IP_PNP configured the NIC from "ip=" before init (and has
 * /proc/net/pnp); one whose virtio_net is a module saw no NIC then, so
 * the init does the same now.
 */
static void setup_network(const char *cmdline)
{
	struct guest_ip ip;
	char err[256], dev[64];

	if (access("/proc/net/pnp", F_OK) == 0)
		return;
	if (guest_ip_parse(&ip, cmdline) < 0)
		die("%s", ip.error);
	if (!ip.present)
		return;
	snprintf(dev, sizeof(dev), "/sys/class/net/%s", ip.device);
	for (int waited = 0; access(dev, F_OK) < 0; waited += 10) {
		if (waited >= NET_WAIT_MS)
			die("no network device %s (is a --net given to the VM?)", ip.device);
		sleep_ms(10);
	}
	if (guest_ip_configure(&ip, err, sizeof(err)) < 0)
		die("network: %s", err);
}

static void mount_root(const struct guest_config *c)
{
	unsigned long flags = c->read_only || strcmp(c->fstype, "erofs") == 0 ? MS_RDONLY : 0;

	wait_for_device(c->root);
	mkdir(NEW_ROOT, 0755);
	if (mount(c->root, NEW_ROOT, c->fstype, flags, NULL) < 0)
		die("mount %s (%s) as the root: %s", c->root, c->fstype, strerror(errno));
}

/* Move the API file systems into the new root, then make it "/". */
static void switch_root(void)
{
	static const char *const api[] = { "/dev", "/proc", "/sys" };

	for (size_t i = 0; i < sizeof(api) / sizeof(api[0]); i++) {
		char target[64];

		snprintf(target, sizeof(target), NEW_ROOT "%s", api[i]);
		/* A read-only image without the directory does without it. */
		if (mkdir(target, 0755) < 0 && errno != EEXIST)
			continue;
		if (mount(api[i], target, NULL, MS_MOVE, NULL) < 0)
			die("move %s into the root: %s", api[i], strerror(errno));
	}
	if (chdir(NEW_ROOT) < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 || chdir("/") < 0)
		die("switch to the root disk: %s", strerror(errno));
}

static void become_user(const struct guest_config *c)
{
	char err[256];
	char *passwd;
	uid_t uid;
	gid_t gid;
	int r;

	if (!c->user)
		return;
	passwd = read_text("/etc/passwd", 1 << 20);
	r = guest_user_resolve(c->user, passwd, &uid, &gid, err);
	free(passwd);
	if (r < 0) {
		say("VOLT-GUEST-ERROR: %s", err);
		_exit(EXIT_INIT_FAILED);
	}
	if (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0) {
		say("VOLT-GUEST-ERROR: switch to user %s: %s", c->user, strerror(errno));
		_exit(EXIT_INIT_FAILED);
	}
}

static char *const default_argv[] = { "/bin/sh", NULL };

static pid_t start_workload(const struct guest_config *c)
{
	char *const *argv = c->argv ? c->argv : default_argv;
	pid_t pid = fork();

	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid > 0)
		return pid;

	/* The child: a session of its own with the console as its terminal. */
	setsid();
	/* Ctrl-C on the console then reaches it; a console may refuse, which is fine. */
	(void)ioctl(STDIN_FILENO, TIOCSCTTY, 0);
	clearenv();
	setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
	setenv("HOME", "/root", 1);
	setenv("TERM", "linux", 1);
	for (size_t i = 0; c->env && c->env[i]; i++)
		putenv(c->env[i]);
	become_user(c);
	if (chdir(c->workdir ? c->workdir : "/") < 0) {
		say("VOLT-GUEST-ERROR: working directory %s: %s", c->workdir, strerror(errno));
		_exit(EXIT_INIT_FAILED);
	}
	execvp(argv[0], argv);
	say("VOLT-GUEST-ERROR: run %s: %s", argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/* Reap everything; return the workload's status once it has ended. */
static int wait_workload(pid_t main_pid)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, 0);

		if (pid < 0) {
			if (errno == EINTR)
				continue;
			die("wait for the workload: %s", strerror(errno));
		}
		if (pid != main_pid)
			continue;
		if (WIFEXITED(status))
			return WEXITSTATUS(status);
		return 128 + WTERMSIG(status);
	}
}

/* What the workload left behind gets SIGTERM, then SIGKILL. */
static void end_leftovers(void)
{
	kill(-1, SIGTERM);
	for (int i = 0; i < 100; i++) {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (kill(-1, 0) < 0 && errno == ESRCH)
			return;
		sleep_ms(10);
	}
	kill(-1, SIGKILL);
	while (waitpid(-1, NULL, 0) > 0)
		;
}

int main(void)
{
	struct guest_config c;
	char *cmdline;
	pid_t pid;
	int status, modules;

	if (getpid() != 1) {
		fprintf(stderr, "volt-guest-init: this is the init of Volt VMs, not a command\n");
		return EXIT_INIT_FAILED;
	}
	mount_or_die("devtmpfs", "/dev", "devtmpfs", MS_NOSUID);
	console_fds();
	mount_or_die("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC);
	mount_or_die("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC);

	modules = guest_modules_load("/lib/modules", say);
	if (modules >= 0)
		say("volt-guest-init: %d kernel modules loaded", modules);

	cmdline = read_text("/proc/cmdline", 65536);
	if (!cmdline)
		die("read /proc/cmdline: %s", strerror(errno));
	if (guest_config_parse(&c, cmdline) < 0)
		die("bad command line: %s", c.error);
	setup_network(cmdline);
	free(cmdline);

	mount_root(&c);
	switch_root();
	if (c.hostname && sethostname(c.hostname, strlen(c.hostname)) < 0)
		say("volt-guest-init: set hostname %s: %s", c.hostname, strerror(errno));

	pid = start_workload(&c);
	status = wait_workload(pid);
	end_leftovers();
	end_vm(status);
}
