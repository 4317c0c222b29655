/* libFuzzer target: checkout of hostile DAGs under limits.
 *
 * The input is a sequence of records (a little-endian u16 length, then a
 * tree object). Each record that parses is stored after its directory
 * entries are pointed at earlier stored trees (chosen by the entry's hash
 * bytes), so that inputs describe shared subtrees, bombs and deep chains.
 * The last tree is checked out SAFE with small limits, and the outcome
 * must be clean: success leaves a directory without device nodes or
 * set-ID files, failure leaves no destination and no temporary directory.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "object.h"

#define MAX_TREES 64

static char work[64];
static volt_cas *cas;

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP || type == FTW_D)
		chmod(path, 0700);
	return remove(path) < 0 && errno != ENOENT ? 0 : 0;
}

static void rm_rf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void cleanup(void)
{
	volt_cas_close(cas);
	rm_rf(work);
}

static int open_store(void)
{
	volt_cas_open_options oo = VOLT_CAS_OPEN_OPTIONS_INIT;
	char store[96];

	if (cas)
		return 0;
	snprintf(work, sizeof(work), "/tmp/fuzz-cas-checkout-XXXXXX");
	if (!mkdtemp(work))
		return -1;
	snprintf(store, sizeof(store), "%s/cas", work);
	oo.flags = VOLT_CAS_OPEN_CREATE;
	oo.workers = 1;
	if (volt_cas_open(&cas, store, &oo) < 0)
		return -1;
	atexit(cleanup);
	return 0;
}

static int check_out(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)path;
	(void)type;
	(void)ftw;
	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
		abort(); /* SAFE never creates device nodes */
	if (!S_ISDIR(st->st_mode) && (st->st_mode & (S_ISUID | S_ISGID)))
		abort(); /* nor set-ID files */
	return 0;
}

static void no_leftovers(void)
{
	DIR *d = opendir(work);
	struct dirent *de;

	if (!d)
		abort();
	while ((de = readdir(d)))
		if (strncmp(de->d_name, ".tmp", 4) == 0 || strcmp(de->d_name, "out") == 0)
			abort(); /* a failed checkout left something behind */
	closedir(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	volt_cas_checkout_options o = VOLT_CAS_CHECKOUT_OPTIONS_INIT;
	volt_cas_hash stored[MAX_TREES];
	char hex[VOLT_CAS_HASH_HEX_SIZE], out[96];
	size_t n = 0, off = 0;
	int r;

	if (open_store() < 0)
		abort();
	while (off + 2 <= size && n < MAX_TREES) {
		size_t len = (size_t)data[off] | (size_t)data[off + 1] << 8;
		struct cas_tree t;
		void *buf = NULL;
		size_t blen;

		off += 2;
		if (len > size - off)
			len = size - off;
		if (cas_tree_parse(&t, data + off, len) == 0) {
			/* Directories point at earlier trees (or at a missing one, when none). */
			for (size_t i = 0; i < t.n; i++)
				if (t.entries[i].type == VOLT_CAS_ENTRY_DIRECTORY && n > 0)
					t.entries[i].hash = stored[t.entries[i].hash.bytes[0] % n];
			if (cas_tree_serialize(t.entries, t.n, &buf, &blen) == 0 &&
			    cas_object_store(cas, buf, blen, &stored[n], &(struct cas_counters){ 0 }) == 0)
				n++;
			free(buf);
			cas_tree_clear(&t);
		}
		off += len;
	}
	if (n == 0)
		return 0;
	snprintf(out, sizeof(out), "%s/out", work);
	o.flags = VOLT_CAS_CHECKOUT_SAFE | VOLT_CAS_CHECKOUT_NO_OWNER;
	o.max_entries = 2000;
	o.max_bytes = 1 << 20;
	r = volt_cas_checkout(cas, volt_cas_hash_to_hex(hex, &stored[n - 1]), out, &o);
	if (getenv("FUZZ_CAS_VERBOSE"))
		fprintf(stderr, "%zu trees: %d %s\n", n, r, r < 0 ? volt_error_message() : "");
	if (r == 0) {
		if (nftw(out, check_out, 16, FTW_PHYS) != 0)
			abort();
		rm_rf(out);
	}
	no_leftovers();
	volt_error_clear();
	return 0;
}
