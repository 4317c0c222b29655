/*
 * containerd-shim-volt-v2: containerd's runtime v2 shim for Volt.
 *
 * containerd runs "containerd-shim-volt-v2 -namespace N -address A
 * -publish-binary P -id ID start" in the task's bundle: the shim forks
 * its long-lived self, which serves the task service over a unix socket,
 * and prints the socket's address. After the task (or after a shim that
 * died) containerd runs "... -id ID -bundle B delete", which removes what
 * is left and prints a DeleteResponse.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <volt/cas.h>
#include <volt/core.h>
#include <volt/vm.h>
#include <volt/ctr.h>

#include "shared/macro.h"
#include "shim-proto.h"
#include "shim.h"

/* The shims' sockets, one per (containerd, namespace, id). */
#define SOCKET_DIR "/run/volt-shim"

static const char usage[] =
	"Usage: containerd-shim-volt-v2 [-namespace NS] [-address SOCKET] [-publish-binary PATH]\n"
	"                               [-id ID] [-bundle DIR] [-debug] start|delete\n"
	"       containerd-shim-volt-v2 --help | --version\n"
	"\n"
	"containerd's runtime v2 shim for Volt (runtime_type \"io.containerd.volt.v2\"):\n"
	"containerd runs it; see containerd-shim-volt-v2(8) and docs/containerd.md.\n"
	"  start    fork the shim serving task ID and print its socket's address\n"
	"  delete   remove what is left of task ID and print a DeleteResponse\n";

static int socket_path(char *out, size_t size, const shim_args *a)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	const char *parts[] = { a->address ? a->address : "", a->namespace, a->id };

	for (size_t i = 0; i < 3; i++)
		for (const char *p = parts[i];; p++) {
			h = (h ^ (uint8_t)*p) * 0x100000001b3ULL;
			if (!*p)
				break;
		}
	return snprintf(out, size, SOCKET_DIR "/%016llx.sock", (unsigned long long)h) >= (int)size ? -ENAMETOOLONG
												      : 0;
}

static int socket_connectable(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), r;

	if (fd < 0)
		return 0;
	r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0;
	close(fd);
	return r;
}

/*
 * The address, also in the bundle's file "address": a containerd that
 * restarts reconnects to its shims from there.
 */
static void print_address(const char *path)
{
	FILE *f = fopen("address.tmp", "we");

	if (f) {
		fprintf(f, "unix://%s", path);
		if (fclose(f) != 0 || rename("address.tmp", "address") < 0)
			unlink("address.tmp");
	}
	printf("unix://%s\n", path);
}

static int cmd_start(shim *s)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, null, log;
	pid_t pid;

	if (socket_path(sa.sun_path, sizeof(sa.sun_path), &s->args) < 0)
		return -ENAMETOOLONG;
	/* A shim for this task serves already (containerd restarted): reuse it. */
	if (socket_connectable(&sa)) {
		print_address(sa.sun_path);
		return 0;
	}
	if (mkdir(SOCKET_DIR, 0711) < 0 && errno != EEXIST) {
		fprintf(stderr, "containerd-shim-volt-v2: create %s: %m\n", SOCKET_DIR);
		return -errno;
	}
	unlink(sa.sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(sa.sun_path, 0600) < 0 ||
	    listen(fd, 16) < 0) {
		fprintf(stderr, "containerd-shim-volt-v2: listen on %s: %m\n", sa.sun_path);
		return -errno;
	}
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int r;

		setsid();
		null = open("/dev/null", O_RDWR | O_CLOEXEC);
		/* containerd reads the shim's log from the FIFO "log" in the bundle. */
		log = open("log", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		dup2(null, 0);
		dup2(null, 1);
		dup2(log >= 0 ? log : null, 2);
		if (log > 2)
			close(log);
		if (null > 2)
			close(null);
		r = shim_serve(s, fd);
		unlink(sa.sun_path);
		if (r < 0)
			shim_log("serve: %s", strerror(-r));
		free(s->root);
		/* exit(), not _exit(): a sanitizer build checks for leaks here. */
		exit(r < 0 ? 1 : 0);
	}
	close(fd);
	print_address(sa.sun_path);
	return 0;
}

static int cmd_delete(shim *s)
{
	Containerd__Task__V2__DeleteResponse resp = CONTAINERD__TASK__V2__DELETE_RESPONSE__INIT;
	Google__Protobuf__Timestamp at = GOOGLE__PROTOBUF__TIMESTAMP__INIT;
	_cleanup_free_ char *rootfs = NULL;
	char name[VOLT_WORKLOAD_NAME_MAX + 1], sock[sizeof(((struct sockaddr_un *)0)->sun_path)];
	volt_ctr *ctr = NULL;
	uint8_t buf[64];
	uint64_t now = shim_now_ns();
	size_t n;
	int r;

	shim_container_name(name, s->args.namespace, s->args.id);
	r = volt_ctr_open(&ctr, s->root);
	if (r >= 0) {
		r = volt_ctr_remove(ctr, name, true);
		if (r < 0 && r != -ENOENT)
			fprintf(stderr, "remove Volt container %s: %s\n", name, volt_error_message());
		volt_ctr_close(ctr);
		if (volt_cas_bases_gc(NULL, s->root, 0) < 0)
			fprintf(stderr, "collect unused bases of %s: %s\n", s->root, volt_error_message());
	}
	{
		/* Or a VM of that name (io.volt.runtime=vm), its voltvm gone with the shim. */
		volt_vm *vm = NULL;

		if (volt_vm_open(&vm, s->root) >= 0) {
			r = volt_vm_remove(vm, name, true);
			if (r < 0 && r != -ENOENT)
				fprintf(stderr, "remove Volt VM %s: %s\n", name, volt_error_message());
			volt_vm_close(vm);
		}
	}
	if (s->args.bundle && asprintf(&rootfs, "%s/rootfs", s->args.bundle) >= 0)
		(void)shim_rootfs_unmount(rootfs);
	if (socket_path(sock, sizeof(sock), &s->args) == 0)
		unlink(sock);
	/* The process was killed (SIGKILL), as containerd's own shims report it. */
	resp.exit_status = 137;
	at.seconds = (int64_t)(now / 1000000000ULL);
	at.nanos = (int32_t)(now % 1000000000ULL);
	resp.exited_at = &at;
	n = containerd__task__v2__delete_response__pack(&resp, buf);
	return fwrite(buf, 1, n, stdout) == n ? 0 : -EIO;
}

/* Go's flag syntax, as containerd writes it: -name value, -name=value, --name value. */
static int parse_args(shim_args *a, const char **cmd, int argc, char **argv)
{
	static const char *const names[] = { "namespace", "address", "publish-binary", "id", "bundle", "socket" };
	const char **slots[] = { &a->namespace, &a->address, &a->publish_binary, &a->id, &a->bundle, NULL };

	*cmd = NULL;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *eq;
		size_t k, len;

		if (arg[0] != '-') {
			if (*cmd) {
				fprintf(stderr, "containerd-shim-volt-v2: unexpected argument '%s'\n", arg);
				return -EINVAL;
			}
			*cmd = arg;
			continue;
		}
		arg += arg[1] == '-' ? 2 : 1;
		if (strcmp(arg, "debug") == 0 || strcmp(arg, "debug=true") == 0) {
			a->debug = true;
			continue;
		}
		if (strcmp(arg, "help") == 0 || strcmp(arg, "h") == 0 || strcmp(arg, "version") == 0 ||
		    strcmp(arg, "v") == 0) {
			*cmd = arg;
			return 0;
		}
		eq = strchr(arg, '=');
		len = eq ? (size_t)(eq - arg) : strlen(arg);
		for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			if (strlen(names[k]) == len && strncmp(arg, names[k], len) == 0)
				break;
		if (k == sizeof(names) / sizeof(names[0])) {
			fprintf(stderr, "containerd-shim-volt-v2: unknown option '%s'\n%s", argv[i], usage);
			return -EINVAL;
		}
		if (!eq && i + 1 >= argc) {
			fprintf(stderr, "containerd-shim-volt-v2: option '%s' needs a value\n", argv[i]);
			return -EINVAL;
		}
		if (slots[k])
			*slots[k] = eq ? eq + 1 : argv[++i];
		else if (!eq)
			i++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	_cleanup_free_ char *cwd = NULL;
	shim s = {};
	const char *cmd;
	int r;

	if (parse_args(&s.args, &cmd, argc, argv) < 0)
		return 2;
	if (cmd && (strcmp(cmd, "help") == 0 || strcmp(cmd, "h") == 0)) {
		fputs(usage, stdout);
		return 0;
	}
	if (cmd && (strcmp(cmd, "version") == 0 || strcmp(cmd, "v") == 0)) {
		printf("containerd-shim-volt-v2 %s\n", VOLT_VERSION_STRING);
		return 0;
	}
	if (!cmd || (strcmp(cmd, "start") != 0 && strcmp(cmd, "delete") != 0)) {
		fprintf(stderr, "containerd-shim-volt-v2: %s\n%s",
			cmd ? "unknown command (start or delete)" : "no command given", usage);
		return 2;
	}
	if (!s.args.namespace || !*s.args.namespace || !s.args.id || !*s.args.id || strlen(s.args.id) > 255 ||
	    strlen(s.args.namespace) > 255) {
		fprintf(stderr, "containerd-shim-volt-v2: %s needs -namespace and -id\n", cmd);
		return 2;
	}
	if (!s.args.bundle) {
		cwd = getcwd(NULL, 0);
		s.args.bundle = cwd;
	}
	r = volt_root_resolve(&s.root, NULL);
	if (r < 0) {
		fprintf(stderr, "containerd-shim-volt-v2: %s\n", volt_error_message());
		return 1;
	}
	r = strcmp(cmd, "start") == 0 ? cmd_start(&s) : cmd_delete(&s);
	free(s.root);
	if (r < 0) {
		fprintf(stderr, "containerd-shim-volt-v2: %s: %s\n", cmd, strerror(-r));
		return 1;
	}
	return 0;
}
