/*
 * Writes the hostile seeds of the tree and checkout fuzz corpora: DAG
 * bombs, a deep chain, device nodes with set-ID bits and capabilities,
 * and a file whose block is missing (see fuzz-cas-checkout.c for the
 * record format).  usage: fuzz-cas-make-corpus TESTS_FUZZ_DIR
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "object.h"

static FILE *open_seed(const char *dir, const char *corpus, const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", dir, corpus, name);
	f = fopen(path, "wbe");
	if (!f) {
		perror(path);
		exit(1);
	}
	return f;
}

/* One record: u16 length, then the serialised tree. */
static void record(FILE *f, const struct cas_entry *e, size_t n)
{
	void *buf;
	size_t len;

	if (cas_tree_serialize(e, n, &buf, &len) < 0 || len > 0xffff) {
		fprintf(stderr, "serialise: %s\n", volt_error_message());
		exit(1);
	}
	fputc((int)(len & 0xff), f);
	fputc((int)(len >> 8), f);
	fwrite(buf, 1, len, f);
	free(buf);
}

static void raw(FILE *f, const struct cas_entry *e, size_t n)
{
	void *buf;
	size_t len;

	if (cas_tree_serialize(e, n, &buf, &len) < 0)
		exit(1);
	fwrite(buf, 1, len, f);
	free(buf);
	fclose(f);
}

static struct cas_entry leaf_file(char *name)
{
	return (struct cas_entry){ .name = name, .type = VOLT_CAS_ENTRY_REGULAR, .mode = 0644 };
}

/* Level i points at level i-1: a directory whose hash byte 0 is the index. */
static void bomb(FILE *f, int depth, int width)
{
	struct cas_entry leaf = leaf_file("f");
	struct cas_entry es[16];
	char names[16][8];

	record(f, &leaf, 1);
	for (int level = 1; level <= depth; level++) {
		for (int i = 0; i < width; i++) {
			snprintf(names[i], sizeof(names[i]), "d%02d", i);
			es[i] = (struct cas_entry){ .name = names[i], .type = VOLT_CAS_ENTRY_DIRECTORY, .mode = 0755 };
			es[i].hash.bytes[0] = (unsigned char)(level - 1);
		}
		record(f, es, (size_t)width);
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	static uint8_t cap[20] = { 0x01, 0x00, 0x00, 0x02, 0x00, 0x20 }; /* v2, effective, cap_net_raw */
	struct cas_xattr xa[2] = {
		{ .name = "security.capability", .value = cap, .size = sizeof(cap) },
		{ .name = "trusted.overlay.redirect", .value = (uint8_t *)"/etc", .size = 4 },
	};
	struct cas_blockref missing = { .len = 5 };
	struct cas_entry dev[] = {
		{ .name = "capped", .type = VOLT_CAS_ENTRY_REGULAR, .mode = 0755, .n_xattrs = 2, .xattrs = xa },
		{ .name = "kvm", .type = VOLT_CAS_ENTRY_CHAR_DEVICE, .mode = 0666, .rdev = (10u << 8) | 232 },
		{ .name = "loop0", .type = VOLT_CAS_ENTRY_CHAR_DEVICE, .mode = 06666, .rdev = 7u << 8 },
		{ .name = "sda", .type = VOLT_CAS_ENTRY_BLOCK_DEVICE, .mode = 0660, .rdev = 8u << 8 },
		{ .name = "suid", .type = VOLT_CAS_ENTRY_REGULAR, .mode = 06755 },
	};
	struct cas_entry blk[] = {
		{ .name = "a", .type = VOLT_CAS_ENTRY_REGULAR, .mode = 0644 },
		{ .name = "b-missing", .type = VOLT_CAS_ENTRY_REGULAR, .mode = 0644, .size = 5, .n_blocks = 1,
		  .blocks = &missing },
		{ .name = "c", .type = VOLT_CAS_ENTRY_REGULAR, .mode = 0644 },
	};
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: fuzz-cas-make-corpus TESTS_FUZZ_DIR\n");
		return 2;
	}
	memset(missing.hash.bytes, 0xab, sizeof(missing.hash.bytes));
	bomb(open_seed(argv[1], "fuzz-cas-checkout.corpus", "bomb-2x30"), 30, 2);
	bomb(open_seed(argv[1], "fuzz-cas-checkout.corpus", "bomb-8x10"), 10, 8);
	bomb(open_seed(argv[1], "fuzz-cas-checkout.corpus", "small-4x3"), 3, 4);
	/* A chain deeper than checkout allows (each level one directory). */
	bomb(open_seed(argv[1], "fuzz-cas-checkout.corpus", "chain-40"), 40, 1);
	f = open_seed(argv[1], "fuzz-cas-checkout.corpus", "devices");
	record(f, dev, sizeof(dev) / sizeof(dev[0]));
	fclose(f);
	f = open_seed(argv[1], "fuzz-cas-checkout.corpus", "missing-block");
	record(f, blk, sizeof(blk) / sizeof(blk[0]));
	fclose(f);
	raw(open_seed(argv[1], "fuzz-cas-tree.corpus", "devices"), dev, sizeof(dev) / sizeof(dev[0]));
	{
		struct cas_entry es[8];
		char names[8][8];

		for (int i = 0; i < 8; i++) {
			snprintf(names[i], sizeof(names[i]), "d%02d", i);
			es[i] = (struct cas_entry){ .name = names[i], .type = VOLT_CAS_ENTRY_DIRECTORY, .mode = 0755 };
			memset(es[i].hash.bytes, 0x5a, sizeof(es[i].hash.bytes)); /* all the same subtree */
		}
		raw(open_seed(argv[1], "fuzz-cas-tree.corpus", "bomb-level"), es, 8);
	}
	return 0;
}
