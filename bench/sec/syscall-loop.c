/*
 * The cost of a seccomp filter on a syscall-heavy loop.
 *
 * Each iteration makes getppid() and open/read/close of a small file
 * (5 syscalls). Three peers run side by side in one run, each in a fresh
 * child process (a filter cannot be removed), interleaved over several
 * rounds. Per peer the fastest round (least disturbed by other load on
 * the machine) and the median are reported, with ratios to "no filter"
 * taken on the fastest rounds:
 *   none          no seccomp filter
 *   allow-all     a one-instruction filter that allows everything: the
 *                 fixed cost of having any filter (the kernel's slower
 *                 syscall entry path), whatever the filter says
 *   volt-default  Volt's default profile, binary-tree optimised (level 2)
 *   docker-size   a filter of Docker's default size and shape on x86_64:
 *                 ~300 allowed syscalls, x86_64 + x86 + x32 ABIs, built
 *                 without the tree optimisation (libseccomp level 1)
 * It also reports how long compiling each filter takes, and loading
 * Volt's default from a compiled program (what the cache saves).
 *
 * Usage: bench-sec-syscall-loop [ITERATIONS [ROUNDS]]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <volt/core.h>
#include <volt/sec.h>

#include "filter-internal.h"
#include "seccomp-cache.h"

enum peer { PEER_NONE, PEER_MINIMAL, PEER_VOLT, PEER_DOCKER, PEERS };
static const char *const peer_names[PEERS] = { "none", "allow-all", "volt-default", "docker-size" };

/* Calls Docker's x86_64 profile allows that Volt's default does not. */
static const char *const docker_extra[] = {
	"clock_adjtime", "epoll_ctl_old", "epoll_wait_old", "io_uring_enter", "io_uring_register",
	"io_uring_setup", "memfd_secret", "ptrace", "process_vm_readv", "process_vm_writev",
	"personality", "modify_ldt", NULL,
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static volt_sec_filter *make_filter(enum peer peer)
{
	volt_sec_filter *f = NULL;

	if (peer == PEER_NONE || peer == PEER_MINIMAL)
		return NULL;
	if (volt_sec_filter_new_default(&f, VOLT_SEC_ACTION_ERRNO) < 0) {
		fprintf(stderr, "filter: %s\n", volt_error_message());
		exit(1);
	}
	if (peer == PEER_DOCKER) {
		for (const char *const *n = docker_extra; *n; n++)
			if (volt_sec_filter_allow(f, *n) < 0)
				fprintf(stderr, "note: %s\n", volt_error_message());
		filter_set_optimize(f, 1);
		filter_set_compat_arches(f, true);
	}
	return f;
}

/*
 * In a child: install the peer's filter, run the loop, report ns per
 * iteration. With @file NULL the loop is getppid() alone, where the
 * filter's own cost is least hidden.
 */
static double run_peer(enum peer peer, const char *file, long iterations)
{
	int pipefd[2], status;
	double result = -1;
	pid_t pid;

	if (pipe(pipefd) < 0)
		exit(1);
	pid = fork();
	if (pid == 0) {
		volt_sec_filter *f = make_filter(peer);
		double t0, ns;
		char buf[64];

		if (f && (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || volt_sec_filter_load(f, 0) < 0))
			_exit(1);
		if (peer == PEER_MINIMAL) {
			struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);

			if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || volt_sec_bpf_load(&allow, sizeof(allow), 0) < 0)
				_exit(1);
		}
		t0 = now_ns();
		for (long i = 0; i < iterations; i++) {
			int fd;

			syscall(SYS_getppid);
			if (!file)
				continue;
			fd = open(file, O_RDONLY | O_CLOEXEC);
			if (fd < 0 || read(fd, buf, sizeof(buf)) < 0)
				_exit(2);
			close(fd);
		}
		ns = (now_ns() - t0) / (double)iterations;
		if (write(pipefd[1], &ns, sizeof(ns)) != sizeof(ns))
			_exit(3);
		_exit(0);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &result, sizeof(result)) != sizeof(result))
		result = -1;
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	if (result < 0) {
		fprintf(stderr, "peer %s failed (status %#x)\n", peer_names[peer], status);
		exit(1);
	}
	return result;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void compile_cost(enum peer peer)
{
	volt_sec_filter *f = make_filter(peer);
	double t0, best = 1e18;
	void *bpf = NULL;
	size_t len = 0;

	for (int i = 0; i < 20; i++) {
		t0 = now_ns();
		free(bpf);
		if (volt_sec_filter_compile(&bpf, &len, f) < 0)
			exit(1);
		if (now_ns() - t0 < best)
			best = now_ns() - t0;
	}
	printf("compile %-13s %5zu BPF instructions, %7.0f us\n", peer_names[peer], len / 8, best / 1e3);
	free(bpf);
	volt_sec_filter_free(f);
}

static void report(const char *file, long iterations, int rounds, const char *what);

/* What the on-disk cache costs instead of a compile (the first call fills it). */
static void cache_cost(void)
{
	char dir[] = "/tmp/volt-bench-cache-XXXXXX", cmd[64];
	volt_sec_filter *f = make_filter(PEER_VOLT);
	double t0, best = 1e18;
	void *bpf = NULL;
	size_t len;
	bool hit = false;

	if (!mkdtemp(dir))
		exit(1);
	for (int i = 0; i < 20; i++) {
		t0 = now_ns();
		if (seccomp_cache_compile(f, dir, &bpf, &len, &hit) < 0)
			exit(1);
		if (hit && now_ns() - t0 < best)
			best = now_ns() - t0;
		free(bpf);
	}
	printf("cached  %-13s %5zu BPF instructions, %7.0f us (read back from the cache)\n", peer_names[PEER_VOLT],
	       len / 8, best / 1e3);
	volt_sec_filter_free(f);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

int main(int argc, char **argv)
{
	long iterations = argc > 1 ? atol(argv[1]) : 200000;
	int rounds = argc > 2 ? atoi(argv[2]) : 15;
	char file[] = "/tmp/volt-bench-XXXXXX";
	int fd;

	if (iterations <= 0 || rounds <= 0 || rounds > 64) {
		fprintf(stderr, "usage: %s [ITERATIONS [ROUNDS<=64]]\n", argv[0]);
		return 2;
	}
	fd = mkstemp(file);
	if (fd < 0 || write(fd, "a small file\n", 13) != 13)
		return 1;
	close(fd);

	report(file, iterations, rounds, "getppid + open/read/close of a small file");
	report(NULL, iterations * 5, rounds, "getppid alone");
	unlink(file);
	compile_cost(PEER_VOLT);
	compile_cost(PEER_DOCKER);
	cache_cost();
	return 0;
}

static void report(const char *file, long iterations, int rounds, const char *what)
{
	double samples[PEERS][64], median[PEERS], best[PEERS];

	for (int r = 0; r < rounds; r++)
		for (int p = 0; p < PEERS; p++)
			samples[p][r] = run_peer((enum peer)p, file, iterations);

	printf("loop: %s, %ld iterations x %d rounds\n", what, iterations, rounds);
	for (int p = 0; p < PEERS; p++) {
		qsort(samples[p], (size_t)rounds, sizeof(double), cmp_double);
		median[p] = samples[p][rounds / 2];
		best[p] = samples[p][0];
	}
	for (int p = 0; p < PEERS; p++)
		printf("  %-13s best %8.1f ns/iteration (median %8.1f)  ratio to none %.3f (median %.3f)\n",
		       peer_names[p], best[p], median[p], best[p] / best[PEER_NONE], median[p] / median[PEER_NONE]);
	printf("  volt-default overhead over none: %+.1f %% (target: at most +5 %%)\n",
	       (best[PEER_VOLT] / best[PEER_NONE] - 1) * 100);
	printf("  docker-size / volt-default: %.3f\n", best[PEER_DOCKER] / best[PEER_VOLT]);
}
