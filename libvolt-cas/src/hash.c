/*
 * SHA-256 through libcrypto (which uses the CPU's SHA extensions), and
 * the hex form of hashes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <pthread.h>
#include <string.h>

#include <openssl/evp.h>

#include "cas-internal.h"

/*
 * The digest fetched once, and a context per thread: EVP_sha256() in
 * EVP_Digest() looks the implementation up and allocates a context on
 * every call, which for a store's many small blocks is a measurable
 * part of hashing them.
 */
static pthread_once_t sha_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha_md;
static pthread_key_t sha_key;
static bool sha_key_ok;

static void sha_ctx_free(void *ctx)
{
	EVP_MD_CTX_free(ctx);
}

static void sha_init(void)
{
	sha_md = EVP_MD_fetch(NULL, "SHA256", NULL);
	sha_key_ok = pthread_key_create(&sha_key, sha_ctx_free) == 0;
}

static EVP_MD_CTX *sha_ctx(void)
{
	EVP_MD_CTX *ctx;

	if (!sha_key_ok)
		return NULL;
	ctx = pthread_getspecific(sha_key);
	if (!ctx) {
		ctx = EVP_MD_CTX_new();
		if (ctx && pthread_setspecific(sha_key, ctx) != 0) {
			EVP_MD_CTX_free(ctx);
			ctx = NULL;
		}
	}
	return ctx;
}

void cas_sha256(volt_cas_hash *out, const void *data, size_t len)
{
	unsigned int n = 0;
	EVP_MD_CTX *ctx;
	int ok;

	pthread_once(&sha_once, sha_init);
	ctx = sha_md ? sha_ctx() : NULL;
	/* These only fail on allocation failure inside OpenSSL; a zero hash
	 * never matches real data, so verification still fails safe. */
	if (ctx)
		ok = EVP_DigestInit_ex(ctx, sha_md, NULL) == 1 && EVP_DigestUpdate(ctx, data, len) == 1 &&
		     EVP_DigestFinal_ex(ctx, out->bytes, &n) == 1;
	else
		ok = EVP_Digest(data, len, out->bytes, &n, EVP_sha256(), NULL) == 1;
	if (!ok || n != VOLT_CAS_HASH_SIZE)
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
