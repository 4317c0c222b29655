/* libFuzzer target: the JSON documents of image archives (Docker's
 * manifest.json, OCI indexes and manifests, image configs). The first byte
 * picks the parser, the rest is the document.
 * SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oci-archive.h"

static void check_digest(const char *d)
{
	volt_cas_hash h;

	if (oci_digest_parse(d, &h) < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *json = (const char *)data + 1;
	size_t len = size - 1;

	if (size < 1)
		return 0;
	switch (data[0] % 5) {
	case 0: {
		struct oci_image_ref *v = NULL;
		size_t n = 0;

		if (oci_parse_docker_manifest(json, len, &v, &n) == 0) {
			if (n == 0)
				abort();
			for (size_t i = 0; i < n; i++) {
				if (!v[i].config_path)
					abort();
				for (size_t j = 0; j < v[i].n_layers; j++)
					if (!v[i].layers[j].path || v[i].layers[j].verify_blob)
						abort();
			}
			oci_image_refs_free(v, n);
		}
		break;
	}
	case 1: {
		struct oci_descriptor *v = NULL;
		size_t n = 0;

		if (oci_parse_index(json, len, "index", &v, &n) == 0) {
			for (size_t i = 0; i < n; i++) {
				check_digest(v[i].digest);
				if (v[i].size < 0 || !v[i].media_type)
					abort();
			}
			oci_descriptors_free(v, n);
		}
		break;
	}
	case 2: {
		struct oci_image_ref ir;

		memset(&ir, 0, sizeof(ir));
		if (oci_parse_manifest(json, len, "manifest", &ir) == 0) {
			check_digest(ir.config_digest);
			for (size_t i = 0; i < ir.n_layers; i++) {
				check_digest(ir.layers[i].digest);
				if (ir.layers[i].compression == OCI_COMPRESSION_DETECT)
					abort();
			}
		}
		oci_image_ref_clear(&ir);
		break;
	}
	case 3: {
		volt_cas_hash *v = NULL;
		size_t n = 0;

		if (oci_parse_diff_ids(json, len, &v, &n) == 0)
			free(v);
		break;
	}
	default:
		(void)oci_config_check(json, len);
		break;
	}
	return 0;
}
