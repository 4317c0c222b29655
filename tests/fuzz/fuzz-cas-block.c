/* libFuzzer target: block file decoding (header, LZ4, hash check).
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cas-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *out = NULL;
	size_t len;
	volt_cas_hash h;

	/* Without a hash to check: the codec alone must be safe. */
	if (cas_block_decode(&out, &len, data, size, NULL) == 0) {
		/* With the right hash it decodes again to the same bytes. */
		void *again = NULL;
		size_t len2;

		cas_sha256(&h, out, len);
		if (cas_block_decode(&again, &len2, data, size, &h) != 0 || len2 != len ||
		    memcmp(again, out, len) != 0)
			abort();
		free(again);
		free(out);
	}
	return 0;
}
