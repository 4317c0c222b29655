/* libFuzzer target: the tar header parser and archive path splitting.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tar.h"

struct mem {
	const uint8_t *p;
	size_t len, off;
};

static int mem_read(void *ctx, void *dst, size_t n)
{
	struct mem *m = ctx;

	if (m->len - m->off < n)
		return -74; /* -EBADMSG */
	if (dst)
		memcpy(dst, m->p + m->off, n);
	m->off += n;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mem m = { data, size, 0 };
	struct cas_tar_state st = { false };

	for (int i = 0; i < 64; i++) {
		struct tar_member t;
		char **comps = NULL;
		size_t n;
		int r;

		memset(&t, 0, sizeof(t));
		r = cas_tar_next(&st, mem_read, &m, &t);
		if (r <= 0) {
			cas_tar_member_clear(&t);
			break;
		}
		if (cas_tar_split_path(t.path, &comps, &n) == 0) {
			for (size_t k = 0; k < n; k++)
				if (strcmp(comps[k], "..") == 0 || strchr(comps[k], '/') || !*comps[k])
					abort();
			cas_tar_strv_freep(&comps);
		}
		r = cas_tar_skip_data(&t);
		cas_tar_member_clear(&t);
		if (r < 0)
			break;
	}
	return 0;
}
