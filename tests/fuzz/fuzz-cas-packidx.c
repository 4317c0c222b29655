/* libFuzzer target: the index blob of a Stellarium pack artifact, as a
 * hostile registry may serve it. A parse that succeeds must yield entries
 * that lie inside their packs; a rebuild must give the same bytes back.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reg_packidx x;
	void *again;
	size_t len;

	if (reg_packidx_parse(&x, data, size) < 0)
		return 0;
	for (uint64_t i = 0; i < x.n; i++) {
		const struct reg_packidx_entry *e = &x.e[i];

		if (e->pack >= x.n_packs || e->offset + e->len > x.packs[e->pack].size ||
		    reg_packidx_find(&x, &e->hash) != (int64_t)i)
			abort();
	}
	if (reg_packidx_build(&again, &len, &x) == 0) {
		if (len != size || memcmp(again, data, size) != 0)
			abort();
		free(again);
	}
	reg_packidx_clear(&x);
	return 0;
}
