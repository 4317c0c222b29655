/* Private: SHA-256 and HMAC-SHA256 (FIPS 180-4, RFC 2104). SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef VOLT_SEC_SHA256_H
#define VOLT_SEC_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

/*
 * Kept here rather than taken from libcrypto: the static launcher that
 * runs inside containers compiles libvolt-sec's sources, and the cache's
 * MAC is all it would need of OpenSSL.
 */
void hmac_sha256(const void *key, size_t key_len, const void *data, size_t len, uint8_t out[SHA256_LEN]);

/* Compare without an early exit, so that timing says nothing about where a MAC differs. */
bool mem_equal_ct(const void *a, const void *b, size_t len);

#endif
