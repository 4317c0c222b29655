/* libFuzzer target: the tree object parser, and re-serialisation of what it accepts.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "object.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cas_tree t;
	void *out = NULL;
	size_t len;

	if (cas_tree_parse(&t, data, size) < 0)
		return 0;
	/* Whatever parses has exactly one encoding: itself. */
	if (cas_tree_serialize(t.entries, t.n, &out, &len) == 0) {
		if (len != size || memcmp(out, data, size) != 0)
			abort();
		free(out);
	}
	cas_tree_clear(&t);
	return 0;
}
