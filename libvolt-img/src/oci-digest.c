/*
 * Digests ("sha256:<hex>") and layer media types.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <string.h>

#include "oci-internal.h"

int oci_digest_parse(const char *digest, volt_cas_hash *out)
{
	if (!digest || strncmp(digest, "sha256:", 7) != 0 || strlen(digest) != 7 + 64)
		return volt_error_set(EINVAL, "invalid digest '%.80s': expected sha256: and 64 hex digits",
				      digest ? digest : "(null)");
	for (const char *p = digest + 7; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return volt_error_set(EINVAL, "invalid digest '%.80s': not lower-case hex", digest);
	return volt_cas_hash_from_hex(out, digest + 7);
}

void oci_digest_format(char out[OCI_DIGEST_SIZE], const volt_cas_hash *h)
{
	memcpy(out, "sha256:", 7);
	volt_cas_hash_to_hex(out + 7, h);
}

static const struct {
	const char *type;
	enum oci_compression c;
} media_types[] = {
	{ "application/vnd.oci.image.layer.v1.tar", OCI_COMPRESSION_NONE },
	{ "application/vnd.oci.image.layer.v1.tar+gzip", OCI_COMPRESSION_GZIP },
	{ "application/vnd.oci.image.layer.v1.tar+zstd", OCI_COMPRESSION_ZSTD },
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar", OCI_COMPRESSION_NONE },
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", OCI_COMPRESSION_GZIP },
	{ "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd", OCI_COMPRESSION_ZSTD },
	{ "application/vnd.docker.image.rootfs.diff.tar", OCI_COMPRESSION_NONE },
	{ "application/vnd.docker.image.rootfs.diff.tar.gzip", OCI_COMPRESSION_GZIP },
	{ "application/vnd.docker.image.rootfs.diff.tar.zstd", OCI_COMPRESSION_ZSTD },
	{ "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", OCI_COMPRESSION_GZIP },
};

int oci_media_type_compression(const char *media_type, enum oci_compression *out)
{
	if (!media_type) {
		*out = OCI_COMPRESSION_DETECT;
		return 0;
	}
	for (size_t i = 0; i < ELEMENTSOF(media_types); i++)
		if (strcmp(media_type, media_types[i].type) == 0) {
			*out = media_types[i].c;
			return 0;
		}
	return volt_error_set(EOPNOTSUPP, "unsupported layer media type '%.200s'", media_type);
}
