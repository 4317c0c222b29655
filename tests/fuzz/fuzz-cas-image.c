/* libFuzzer target: the image object parser.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "object.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cas_image img;
	void *out = NULL;
	size_t len;

	if (cas_image_parse(&img, data, size) < 0)
		return 0;
	if (cas_image_serialize(&img, &out, &len) == 0) {
		if (len != size || memcmp(out, data, size) != 0)
			abort();
		free(out);
	}
	cas_image_clear(&img);
	return 0;
}
