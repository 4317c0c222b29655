/*
 * Build an expansion bomb in a store: a tree whose directory entries all
 * point to the same child tree, DEPTH levels deep, WIDTH entries each,
 * so that its few hundred bytes expand to WIDTH^DEPTH files. The same
 * objects a hostile registry serves; written with the store's own
 * object code, as an importer would.
 *
 *   mkbomb STORE REF DEPTH WIDTH
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "object.h"

int main(int argc, char **argv)
{
	volt_cas_open_options oo = VOLT_CAS_OPEN_OPTIONS_INIT;
	struct cas_counters c = { 0 };
	volt_cas *cas = NULL;
	volt_cas_hash h;
	int depth, width, lock = -1, r;
	char hex[VOLT_CAS_HASH_HEX_SIZE];
	static const char content[] = "leaf\n";

	if (argc != 5 || (depth = atoi(argv[3])) < 1 || (width = atoi(argv[4])) < 1 || width > 1000) {
		fprintf(stderr, "usage: mkbomb STORE REF DEPTH WIDTH\n");
		return 2;
	}
	oo.flags = VOLT_CAS_OPEN_CREATE;
	r = volt_cas_open(&cas, argv[1], &oo);
	if (r >= 0)
		r = cas_lock(cas, false, true, &lock);
	if (r < 0)
		goto fail;

	/* The leaf: one small file. */
	{
		struct cas_blockref b;
		struct cas_entry e = { .name = (char *)"f", .type = VOLT_CAS_ENTRY_REGULAR, .mode = 0644,
				       .mtime_sec = time(NULL), .size = sizeof(content) - 1, .n_blocks = 1, .blocks = &b };
		void *data;
		size_t len;

		b.len = sizeof(content) - 1;
		r = cas_block_put(cas, content, b.len, &b.hash, &c);
		if (r >= 0)
			r = cas_tree_serialize(&e, 1, &data, &len);
		if (r >= 0) {
			r = cas_object_store(cas, data, len, &h, &c);
			free(data);
		}
		if (r < 0)
			goto fail;
	}
	for (int level = 0; level < depth; level++) {
		struct cas_entry *es = calloc((size_t)width, sizeof(*es));
		char (*names)[16] = calloc((size_t)width, sizeof(*names));
		void *data;
		size_t len;

		if (!es || !names)
			return 2;
		for (int i = 0; i < width; i++) {
			snprintf(names[i], sizeof(names[i]), "d%03d", i);
			es[i] = (struct cas_entry){ .name = names[i], .type = VOLT_CAS_ENTRY_DIRECTORY, .mode = 0755,
						    .mtime_sec = time(NULL), .hash = h };
		}
		r = cas_tree_serialize(es, (size_t)width, &data, &len);
		if (r >= 0) {
			r = cas_object_store(cas, data, len, &h, &c);
			free(data);
		}
		free(es);
		free(names);
		if (r < 0)
			goto fail;
	}
	if (lock >= 0)
		close(lock);
	lock = -1;
	r = volt_cas_ref_set(cas, argv[2], &h);
	if (r < 0)
		goto fail;
	printf("%s\n", volt_cas_hash_to_hex(hex, &h));
	fprintf(stderr, "mkbomb: %d levels of %d: %llu bytes stored, expands to %d^%d files\n", depth, width,
		(unsigned long long)c.bytes_stored, width, depth);
	volt_cas_close(cas);
	return 0;
fail:
	fprintf(stderr, "mkbomb: %s\n", volt_error_message());
	return 1;
}
