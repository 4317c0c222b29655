/*
 * voltvm(1): one Neutron Stardust micro-VM per process.
 *
 * Argument parsing, the console's file descriptor and the report of
 * --timing; everything else is libvolt-vmm.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <volt/core.h>
#include <volt/vmm.h>

#include "cli.h"
#include "device-spec.h"

/* The guest crashed (triple fault) or made an exit the VMM does not handle. */
#define VOLTVM_EXIT_GUEST_FAILED 3

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: voltvm --kernel FILE [OPTIONS]\n"
		"\n"
		"voltvm runs one KVM micro-VM (Neutron Stardust, libvolt-vmm %s) in the\n"
		"foreground: it boots a Linux kernel with an optional initrd, shows the\n"
		"guest's serial console (a 16550A on port 0x3f8, IRQ 4), and exits when\n"
		"the guest resets or powers off. Boot the guest with \"reboot=k\" so that\n"
		"`reboot -f` in the guest ends the VM through the i8042 reset line.\n"
		"\n"
		"Options:\n"
		"  -k, --kernel FILE      kernel: a bzImage (64-bit Linux boot protocol) or an\n"
		"                         ELF vmlinux with a PVH entry note (CONFIG_PVH=y)\n"
		"  -i, --initrd FILE      initial ramdisk\n"
		"  -c, --cmdline STRING   kernel command line (default \"console=ttyS0\")\n"
		"  -m, --memory SIZE      guest memory, such as 256M or 1G; a multiple of 2 MiB\n"
		"                         from 16M to 3G (default 256M)\n"
		"  -n, --cpus N           vCPUs, 1 to %d (default 1)\n"
		"      --boot PROTOCOL    auto (default: ELF means PVH), bzimage or pvh\n"
		"      --console TARGET   the guest's console: stdio (default: output to stdout,\n"
		"                         input from stdin, a terminal in raw mode but Ctrl-C\n"
		"                         still stops voltvm), file:PATH (output only, created\n"
		"                         or truncated), socket:PATH (both ways, connecting to\n"
		"                         a listening Unix stream socket), or none\n"
		"      --disk SPEC        add a virtio-blk disk (repeatable, up to %d; the guest\n"
		"                         sees /dev/vda, /dev/vdb, ... in order). SPEC is\n"
		"                         comma-separated:\n"
		"                           path=FILE           a raw image file (or block\n"
		"                                               device), read-write\n"
		"                           image=REF,store=DIR a Stellarium disk image: REF a\n"
		"                                               ref or hash in the store DIR\n"
		"                                               (the cas directory of a Volt\n"
		"                                               root), read block by block\n"
		"                           overlay=FILE        with image=: the VM's copy-on-\n"
		"                                               write overlay, created if\n"
		"                                               missing, reused if present (so\n"
		"                                               writes survive a restart);\n"
		"                                               without it the disk is read-only\n"
		"                           ro                  read-only: the guest sees\n"
		"                                               VIRTIO_BLK_F_RO, writes fail\n"
		"      --net SPEC         add a virtio-net NIC (repeatable, up to %d; guest eth0,\n"
		"                         eth1, ...): tap=IFNAME[,mac=52:54:00:12:34:56] attaches\n"
		"                         to TAP device IFNAME (an existing persistent TAP owned\n"
		"                         by the user needs no privilege; creating one needs\n"
		"                         CAP_NET_ADMIN). Without mac=, a stable locally\n"
		"                         administered MAC derived from IFNAME.\n"
		"                         Devices are virtio-mmio; voltvm appends their\n"
		"                         virtio_mmio.device=... announcements to the command\n"
		"                         line (the kernel needs VIRTIO_MMIO_CMDLINE_DEVICES)\n"
		"      --cpu-features LIST hide CPUID features from the guest, for a host that\n"
		"                         reports features it cannot run: comma-separated\n"
		"                         -NAME (a /proc/cpuinfo name; what needs it goes too:\n"
		"                         -xsave hides AVX), +NAME (keep one hidden before),\n"
		"                         x86-64-v1..x86-64-v4 (hide extensions above that\n"
		"                         level), host; e.g. -xsave or x86-64-v2,+aes\n"
		"      --hugepages        back guest memory with 2 MiB huge pages\n"
		"      --no-sandbox       do not sandbox voltvm before the guest starts (by\n"
		"                         default it drops all capabilities, sets no_new_privs,\n"
		"                         closes the filesystem with Landlock and allows only\n"
		"                         the syscalls and ioctls the run loop needs with\n"
		"                         seccomp; VOLT_LOG_LEVEL=info shows what the kernel\n"
		"                         enforces)\n"
		"      --timing           on exit, print to stderr the time from process start\n"
		"                         to the first KVM_RUN and the VMM's resident memory\n"
		"                         beyond guest memory (also when SIGTERM, SIGINT or\n"
		"                         SIGHUP ends voltvm)\n"
		"      --dry-run          load the kernel into guest memory, build the boot\n"
		"                         tables and open the devices without /dev/kvm, print\n"
		"                         the devices and the guest's command line, then exit\n"
		"                         (checks a kernel and disks, measures the set-up work)\n"
		"  -h, --help             show this help\n"
		"  -V, --version          show the version\n"
		"\n"
		"Exit status: 0 when the guest reset or powered off (or --dry-run succeeded),\n"
		"1 when the VMM failed (bad kernel, no /dev/kvm, ...), 2 on a usage error,\n"
		"3 when the guest crashed (triple fault) or made an exit the VMM does not handle.\n",
		volt_vmm_version(), VOLT_VMM_MAX_CPUS, VOLT_VMM_MAX_DISKS, VOLT_VMM_MAX_NETS);
}

static uint64_t now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Process start in CLOCK_BOOTTIME nanoseconds, from /proc/self/stat (clock-tick resolution). */
static uint64_t process_start_boottime_ns(void)
{
	char buf[1024], *p;
	unsigned long long start = 0;
	FILE *f = fopen("/proc/self/stat", "re");
	size_t n;

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* Field 22; skip past the command name, which may hold spaces. */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	p++;
	for (int field = 3; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p, " %llu", &start) != 1)
		return 0;
	return start * (1000000000ULL / (unsigned long long)sysconf(_SC_CLK_TCK));
}

/* The parsed --disk and --net options, freed at exit (every return path of main). */
static struct disk_spec disks[VOLT_VMM_MAX_DISKS];
static struct net_spec nets[VOLT_VMM_MAX_NETS];
static unsigned int n_disks, n_nets;

static void free_specs(void)
{
	for (unsigned int i = 0; i < n_disks; i++)
		free(disks[i].text);
	for (unsigned int i = 0; i < n_nets; i++)
		free(nets[i].text);
}

static struct termios saved_termios;
static bool termios_saved;

static void restore_terminal(void)
{
	if (termios_saved)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
}

/*
 * Keystrokes go to the guest as typed, and the guest echoes them; Ctrl-C
 * and friends still signal voltvm, so a person can always get out.
 */
static void terminal_to_guest(void)
{
	struct termios raw;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_termios) < 0)
		return;
	raw = saved_termios;
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ECHONL | IEXTEN);
	raw.c_iflag &= ~(tcflag_t)(ICRNL | IXON);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0) {
		termios_saved = true;
		atexit(restore_terminal);
	}
}

/*
 * The console log is opened the way a careful root process opens a path
 * someone else may have prepared: a symbolic link in its place is not
 * followed (a planted link once truncated a root file), a FIFO does not
 * block the open, and only a regular file of ours is truncated. Devices
 * and FIFOs with a reader are written as they are.
 */
static int open_console_file(const char *path, int *out_fd)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0600);
	struct stat st;
	int fl;

	if (fd < 0 && errno == ELOOP)
		return volt_error_set(ELOOP, "console file %s is a symbolic link: not followed", path);
	if (fd < 0 && errno == ENXIO)
		return volt_error_set(ENXIO, "console file %s is a FIFO that nobody reads", path);
	if (fd < 0)
		return volt_error_set_errno(errno, "console file %s", path);
	if (fstat(fd, &st) < 0) {
		int e = errno;

		close(fd);
		return volt_error_set_errno(e, "console file %s", path);
	}
	if (S_ISREG(st.st_mode) && st.st_uid != geteuid()) {
		close(fd);
		return volt_error_set(EPERM, "console file %s belongs to uid %u, not to us: not overwritten", path,
				      (unsigned)st.st_uid);
	}
	fl = fcntl(fd, F_GETFL);
	if ((S_ISREG(st.st_mode) && ftruncate(fd, 0) < 0) || fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		int e = errno;

		close(fd);
		return volt_error_set_errno(e, "console file %s", path);
	}
	*out_fd = fd;
	return 0;
}

static int open_console(const char *spec, int *out_fd, int *out_in_fd)
{
	*out_in_fd = -1;
	if (strcmp(spec, "stdio") == 0) {
		*out_fd = STDOUT_FILENO;
		*out_in_fd = STDIN_FILENO;
		return 0;
	}
	if (strcmp(spec, "none") == 0) {
		*out_fd = -1;
		return 0;
	}
	if (strncmp(spec, "file:", 5) == 0 && spec[5])
		return open_console_file(spec + 5, out_fd);
	if (strncmp(spec, "socket:", 7) == 0 && spec[7]) {
		struct sockaddr_un addr = { .sun_family = AF_UNIX };
		int fd;

		if (strlen(spec + 7) >= sizeof(addr.sun_path))
			return volt_error_set(EINVAL, "console socket path %s is too long", spec + 7);
		strcpy(addr.sun_path, spec + 7);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return volt_error_set_errno(errno, "console socket");
		if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
			int e = errno;
			close(fd);
			return volt_error_set_errno(e, "connect to console socket %s", spec + 7);
		}
		*out_fd = fd;
		*out_in_fd = fd;
		return 0;
	}
	return volt_error_set(EINVAL, "unknown console '%s' (expected stdio, file:PATH, socket:PATH or none)",
			      spec);
}

/*
 * SIGTERM (volt vm stop, systemd), SIGINT (Ctrl-C) and SIGHUP end the VM
 * through volt_vmm_stop(), so that --timing still reports and the disks
 * are flushed; then voltvm dies of the same signal, as it did before.
 */
static volt_vmm *volatile running_vm;
static volatile sig_atomic_t stop_signal;

static void stop_handler(int sig)
{
	stop_signal = sig;
	if (running_vm)
		volt_vmm_stop(running_vm);
}

static void catch_stop_signals(volt_vmm *vm)
{
	struct sigaction sa = { .sa_handler = stop_handler };

	running_vm = vm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static void die_of_stop_signal(void)
{
	int sig = stop_signal;

	signal(sig, SIG_DFL);
	raise(sig);
}

static void print_timing(volt_vmm *vm, uint64_t main_ns, uint64_t start, bool ran)
{
	volt_vmm_stats st = VOLT_VMM_STATS_INIT;
	char a[VOLT_FORMAT_BUF_SIZE], b[VOLT_FORMAT_BUF_SIZE], c[VOLT_FORMAT_BUF_SIZE];

	if (volt_vmm_get_stats(&st, vm) < 0) {
		fprintf(stderr, "voltvm: timing: %s\n", volt_error_message());
		return;
	}
	if (ran && st.first_run_boottime_ns) {
		if (start && st.first_run_boottime_ns > start)
			fprintf(stderr, "voltvm: timing: process start to first KVM_RUN: %.1f ms (clock-tick resolution)\n",
				(double)(st.first_run_boottime_ns - start) / 1e6);
		fprintf(stderr, "voltvm: timing: main() to first KVM_RUN: %.1f us\n",
			(double)(st.first_run_boottime_ns - main_ns) / 1e3);
		fprintf(stderr, "voltvm: timing: volt_vmm_new() to first KVM_RUN: %.1f us\n",
			(double)st.new_to_first_run_ns / 1e3);
	} else {
		fprintf(stderr, "voltvm: timing: main() to guest loaded: %.1f us\n",
			(double)(now_ns(CLOCK_BOOTTIME) - main_ns) / 1e3);
	}
	if (ran && volt_vmm_exit_reason(vm) == VOLT_VMM_EXIT_RESET)
		fprintf(stderr, "voltvm: end: the guest reset itself\n");
	else if (ran && volt_vmm_exit_reason(vm) == VOLT_VMM_EXIT_POWEROFF)
		fprintf(stderr, "voltvm: end: the guest powered off\n");
	else if (ran && volt_vmm_exit_reason(vm) == VOLT_VMM_EXIT_STOPPED && stop_signal)
		fprintf(stderr, "voltvm: end: stopped by signal %d (%s)\n", (int)stop_signal,
			sigabbrev_np(stop_signal));
	fprintf(stderr, "voltvm: memory: process RSS %s, guest RAM resident %s of %s, VMM overhead %s\n",
		volt_format_size(a, st.process_rss_bytes), volt_format_size(b, st.guest_resident_bytes),
		volt_format_size(c, st.guest_memory_bytes),
		volt_format_size((char[VOLT_FORMAT_BUF_SIZE]){ 0 }, st.vmm_overhead_bytes));
}

int main(int argc, char **argv)
{
	enum { OPT_BOOT = 0x100, OPT_CONSOLE, OPT_HUGEPAGES, OPT_TIMING, OPT_DRY_RUN, OPT_NO_SANDBOX,
	       OPT_DISK, OPT_NET, OPT_CPU_FEATURES };
	static const struct option options[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ "memory", required_argument, NULL, 'm' },
		{ "cpus", required_argument, NULL, 'n' },
		{ "boot", required_argument, NULL, OPT_BOOT },
		{ "console", required_argument, NULL, OPT_CONSOLE },
		{ "hugepages", no_argument, NULL, OPT_HUGEPAGES },
		{ "timing", no_argument, NULL, OPT_TIMING },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "no-sandbox", no_argument, NULL, OPT_NO_SANDBOX },
		{ "disk", required_argument, NULL, OPT_DISK },
		{ "net", required_argument, NULL, OPT_NET },
		{ "cpu-features", required_argument, NULL, OPT_CPU_FEATURES },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{},
	};
	uint64_t main_ns = now_ns(CLOCK_BOOTTIME), start_ns;
	volt_vmm_config config = VOLT_VMM_CONFIG_INIT;
	const char *console = "stdio";
	bool timing = false, dry_run = false;
	volt_vmm *vm = NULL;
	int c, r, exit_code;

	cli_log_init("voltvm");
	atexit(free_specs);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":k:i:c:m:n:hV", options, NULL)) != -1) {
		switch (c) {
		case 'k':
			config.kernel_path = optarg;
			break;
		case 'i':
			config.initrd_path = optarg;
			break;
		case 'c':
			config.cmdline = optarg;
			break;
		case 'm':
			if (volt_parse_size(&config.memory_bytes, optarg) < 0 || !config.memory_bytes)
				return cli_usage_error("voltvm", "invalid memory size '%s'", optarg);
			break;
		case 'n': {
			char *end;
			unsigned long n;

			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno || *end || n < 1 || n > VOLT_VMM_MAX_CPUS || optarg[0] == '-')
				return cli_usage_error("voltvm", "--cpus wants a number from 1 to %d, not '%s'",
						       VOLT_VMM_MAX_CPUS, optarg);
			config.cpus = (unsigned int)n;
			break;
		}
		case OPT_BOOT:
			if (strcmp(optarg, "auto") == 0)
				config.boot = VOLT_VMM_BOOT_AUTO;
			else if (strcmp(optarg, "bzimage") == 0)
				config.boot = VOLT_VMM_BOOT_BZIMAGE;
			else if (strcmp(optarg, "pvh") == 0)
				config.boot = VOLT_VMM_BOOT_PVH;
			else
				return cli_usage_error("voltvm", "--boot wants auto, bzimage or pvh, not '%s'",
						       optarg);
			break;
		case OPT_CONSOLE:
			console = optarg;
			break;
		case OPT_HUGEPAGES:
			config.flags |= VOLT_VMM_FLAG_HUGEPAGES;
			break;
		case OPT_CPU_FEATURES:
			config.cpu_features = optarg;
			break;
		case OPT_TIMING:
			timing = true;
			break;
		case OPT_NO_SANDBOX:
			config.flags |= VOLT_VMM_FLAG_NO_SANDBOX;
			break;
		case OPT_DISK:
			if (n_disks == VOLT_VMM_MAX_DISKS)
				return cli_usage_error("voltvm", "too many disks: at most %d", VOLT_VMM_MAX_DISKS);
			if (disk_spec_parse(&disks[n_disks++], optarg) < 0)
				return cli_usage_error("voltvm", "%s", volt_error_message());
			break;
		case OPT_NET:
			if (n_nets == VOLT_VMM_MAX_NETS)
				return cli_usage_error("voltvm", "too many NICs: at most %d", VOLT_VMM_MAX_NETS);
			if (net_spec_parse(&nets[n_nets++], optarg) < 0)
				return cli_usage_error("voltvm", "%s", volt_error_message());
			break;
		case OPT_DRY_RUN:
			dry_run = true;
			config.flags |= VOLT_VMM_FLAG_NO_KVM;
			break;
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		case 'V':
			printf("voltvm %s\n", volt_vmm_version());
			return CLI_EXIT_OK;
		default:
			return cli_option_error("voltvm", NULL, argc, argv, c, options);
		}
	}
	if (optind < argc)
		return cli_usage_error("voltvm", "unexpected argument '%s'", argv[optind]);
	if (!config.kernel_path)
		return cli_usage_error("voltvm", "no kernel: --kernel FILE is required");

	r = open_console(console, &config.console_fd, &config.console_in_fd);
	if (r < 0)
		return cli_fail("voltvm");

	r = volt_vmm_new(&vm, &config);
	if (r < 0)
		return cli_fail("voltvm");
	/* Every device is opened now: a missing image or a bad TAP stops us before the guest starts. */
	for (unsigned int i = 0; i < n_disks; i++) {
		r = volt_vmm_add_disk(vm, &disks[i].opts);
		if (r < 0) {
			volt_error_prefix(r, "--disk %s", disks[i].spec);
			exit_code = cli_fail("voltvm");
			if (timing)
				print_timing(vm, main_ns, process_start_boottime_ns(), false);
			volt_vmm_free(vm);
			return exit_code;
		}
	}
	for (unsigned int i = 0; i < n_nets; i++) {
		r = volt_vmm_add_net(vm, &nets[i].opts);
		if (r < 0) {
			volt_error_prefix(r, "--net %s", nets[i].spec);
			exit_code = cli_fail("voltvm");
			if (timing)
				print_timing(vm, main_ns, process_start_boottime_ns(), false);
			volt_vmm_free(vm);
			return exit_code;
		}
	}
	if (dry_run) {
		for (unsigned int i = 0; i < n_disks; i++)
			disk_spec_describe(&disks[i], i, stdout);
		for (unsigned int i = 0; i < n_nets; i++)
			net_spec_describe(&nets[i], i, stdout);
		printf("command line: %s\n", volt_vmm_cmdline(vm));
		if (timing)
			print_timing(vm, main_ns, process_start_boottime_ns(), false);
		volt_vmm_free(vm);
		return CLI_EXIT_OK;
	}

	/* Read now: the sandbox closes /proc/self/stat to the VMM. */
	start_ns = timing ? process_start_boottime_ns() : 0;
	if (config.console_in_fd == STDIN_FILENO)
		terminal_to_guest();
	catch_stop_signals(vm);
	r = volt_vmm_run(vm);
	restore_terminal();
	if (r < 0) {
		volt_vmm_exit why = volt_vmm_exit_reason(vm);
		exit_code = cli_fail("voltvm");
		if (why == VOLT_VMM_EXIT_TRIPLE_FAULT || why == VOLT_VMM_EXIT_UNHANDLED)
			exit_code = VOLTVM_EXIT_GUEST_FAILED;
	} else {
		exit_code = CLI_EXIT_OK;
	}
	if (timing)
		print_timing(vm, main_ns, start_ns, true);
	running_vm = NULL;
	volt_vmm_free(vm);
	if (config.console_fd > STDERR_FILENO)
		close(config.console_fd);
	if (stop_signal)
		die_of_stop_signal();
	return exit_code;
}
