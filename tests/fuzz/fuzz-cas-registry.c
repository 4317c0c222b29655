/* libFuzzer target: what the registry client parses from a registry or a
 * user: manifests and indexes (with platform selection), WWW-Authenticate
 * challenges, image references and base64. The first byte picks the parser.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size < 1)
		return 0;
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = 0;
	switch (data[0] % 4) {
	case 0: {
		struct reg_manifest m;
		const struct reg_descriptor *d;
		static const char *const types[] = { NULL, MT_OCI_MANIFEST, MT_DOCKER_LIST, "application/json" };

		if (reg_manifest_parse(&m, s, size - 1, types[(data[0] >> 2) % 4]) == 0) {
			if (m.kind == REG_MANIFEST_INDEX) {
				(void)reg_index_select(&m, NULL, &d);
				(void)reg_index_select(&m, "linux/arm64/v8", &d);
			} else {
				for (size_t i = 0; i < m.n; i++)
					(void)reg_layer_type_supported(m.items[i].media_type);
			}
			reg_manifest_clear(&m);
		}
		break;
	}
	case 1: {
		struct reg_challenge c;

		if (reg_challenge_parse(&c, s) == 0)
			reg_challenge_clear(&c);
		break;
	}
	case 2: {
		struct reg_ref r;

		if (reg_ref_parse(&r, s) == 0) {
			/* What parses is safe to put in a URL path. */
			if (strpbrk(r.repository, "?#% \\") || (r.tag && strpbrk(r.tag, "/?#% ")))
				abort();
			(void)reg_host_is_loopback(r.registry);
			reg_ref_clear(&r);
		}
		break;
	}
	case 3: {
		char *out;
		size_t n;

		if (reg_base64_decode(&out, &n, s) == 0) {
			char *again = reg_base64_encode(out, n);

			free(again);
			free(out);
		}
		break;
	}
	}
	free(s);
	return 0;
}
