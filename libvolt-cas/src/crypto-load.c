/*
 * libcrypto (SHA-256), loaded the first time the store hashes anything.
 *
 * Like libcurl (curl-load.c): a `volt run` of a container whose base is
 * ready hashes nothing, but linking libcrypto made every start load it
 * and bind its four thousand symbols, half of what volt's own start
 * cost after libcurl was gone. The functions below stand in for
 * libcrypto's, with its own prototypes (openssl/evp.h), and forward to
 * the real ones, found with dlopen and dlsym on first use.
 *
 * Without libcrypto a program linked against it did not start at all
 * (the dynamic loader refused it). A store cannot work without SHA-256
 * either, and must never go on with made-up hashes, so the first hash
 * without libcrypto ends the process in the same way: a message on
 * standard error, then abort().
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

/* libcrypto's soname for OpenSSL 3. */
#define CRYPTO_SONAME "libcrypto.so.3"

#define CRYPTO_FUNCTIONS(X)  \
	X(EVP_sha256)        \
	X(EVP_MD_fetch)      \
	X(EVP_Digest)        \
	X(EVP_MD_CTX_new)    \
	X(EVP_MD_CTX_free)   \
	X(EVP_DigestInit_ex) \
	X(EVP_DigestUpdate)  \
	X(EVP_DigestFinal_ex)

#define CRYPTO_POINTER(name) __typeof__(name) *name;
static struct {
	CRYPTO_FUNCTIONS(CRYPTO_POINTER)
} real;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;

static void load(void)
{
	void *h = dlopen(CRYPTO_SONAME, RTLD_NOW | RTLD_LOCAL);
	void *p;

	if (!h) {
		fprintf(stderr, "libvolt-cas: cannot load %s, which the store needs for SHA-256: %s\n", CRYPTO_SONAME,
			dlerror());
		abort();
	}
#define CRYPTO_RESOLVE(name)                                                                               \
	p = dlsym(h, #name);                                                                               \
	if (!p) {                                                                                          \
		fprintf(stderr, "libvolt-cas: %s has no %s: %s\n", CRYPTO_SONAME, #name, dlerror());      \
		abort();                                                                                   \
	}                                                                                                  \
	memcpy(&real.name, &p, sizeof(p));
	CRYPTO_FUNCTIONS(CRYPTO_RESOLVE)
#undef CRYPTO_RESOLVE
	/* Never closed: OpenSSL keeps global state until the process ends. */
}

static void need(void)
{
	pthread_once(&load_once, load);
}

const EVP_MD *EVP_sha256(void)
{
	need();
	return real.EVP_sha256();
}

EVP_MD *EVP_MD_fetch(OSSL_LIB_CTX *ctx, const char *algorithm, const char *properties)
{
	need();
	return real.EVP_MD_fetch(ctx, algorithm, properties);
}

int EVP_Digest(const void *data, size_t count, unsigned char *md, unsigned int *size, const EVP_MD *type,
	       ENGINE *impl)
{
	need();
	return real.EVP_Digest(data, count, md, size, type, impl);
}

EVP_MD_CTX *EVP_MD_CTX_new(void)
{
	need();
	return real.EVP_MD_CTX_new();
}

void EVP_MD_CTX_free(EVP_MD_CTX *ctx)
{
	/* Nothing to free before anything was hashed. */
	if (!ctx)
		return;
	need();
	real.EVP_MD_CTX_free(ctx);
}

int EVP_DigestInit_ex(EVP_MD_CTX *ctx, const EVP_MD *type, ENGINE *impl)
{
	need();
	return real.EVP_DigestInit_ex(ctx, type, impl);
}

int EVP_DigestUpdate(EVP_MD_CTX *ctx, const void *d, size_t cnt)
{
	need();
	return real.EVP_DigestUpdate(ctx, d, cnt);
}

int EVP_DigestFinal_ex(EVP_MD_CTX *ctx, unsigned char *md, unsigned int *s)
{
	need();
	return real.EVP_DigestFinal_ex(ctx, md, s);
}
