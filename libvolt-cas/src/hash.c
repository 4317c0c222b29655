/*
 * SHA-256 through libcrypto (which uses the CPU's SHA extensions), and
 * the hex form of hashes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include <openssl/evp.h>

#include "cas-internal.h"

void cas_sha256(volt_cas_hash *out, const void *data, size_t len)
{
	unsigned int n = 0;

	/* EVP_Digest only fails on allocation failure inside OpenSSL; a zero
	 * hash never matches real data, so verification still fails safe. */
	if (EVP_Digest(data, len, out->bytes, &n, EVP_sha256(), NULL) != 1 || n != VOLT_CAS_HASH_SIZE)
		memset(out->bytes, 0, sizeof(out->bytes));
}

bool cas_hash_is_zero(const volt_cas_hash *h)
{
	for (size_t i = 0; i < VOLT_CAS_HASH_SIZE; i++)
		if (h->bytes[i])
			return false;
	return true;
}

static const char hexdigits[] = "0123456789abcdef";

VOLT_API char *volt_cas_hash_to_hex(char out[VOLT_CAS_HASH_HEX_SIZE], const volt_cas_hash *hash)
{
	for (size_t i = 0; i < VOLT_CAS_HASH_SIZE; i++) {
		out[2 * i] = hexdigits[hash->bytes[i] >> 4];
		out[2 * i + 1] = hexdigits[hash->bytes[i] & 15];
	}
	out[2 * VOLT_CAS_HASH_SIZE] = 0;
	return out;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

VOLT_API int volt_cas_hash_from_hex(volt_cas_hash *out, const char *hex)
{
	assert_return(out, EINVAL);
	assert_return(hex, EINVAL);

	if (strlen(hex) != 2 * VOLT_CAS_HASH_SIZE)
		return volt_error_set(EINVAL, "'%.80s' is not a hash (64 hex digits)", hex);
	for (size_t i = 0; i < VOLT_CAS_HASH_SIZE; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return volt_error_set(EINVAL, "'%.80s' is not a hash (64 hex digits)", hex);
		out->bytes[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

void cas_block_relpath(char out[CAS_BLOCK_RELPATH_SIZE], const volt_cas_hash *h)
{
	char hex[VOLT_CAS_HASH_HEX_SIZE];

	volt_cas_hash_to_hex(hex, h);
	out[0] = hex[0];
	out[1] = hex[1];
	out[2] = '/';
	memcpy(out + 3, hex + 2, 63); /* 62 digits and the NUL */
}
