/*
 * Compiled seccomp programs, cached on disk. libseccomp's compile can
 * dominate a container's start; the program only depends on the filter's
 * contents and the libseccomp version, both in the key. A cache file
 * holds the full key, a NUL, then the program; the file name is a hash
 * of the key, and the key is compared in full, so a collision only costs
 * a compile.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <volt/core.h>

#include "filter-internal.h"
#include "shared/macro.h"
#include "seccomp-cache.h"

#define CACHE_FILE_MAX (1024u * 1024)

static uint64_t fnv1a64(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static bool cache_read(const char *path, const char *key, void **out, size_t *out_len)
{
	_cleanup_free_ char *data = NULL;
	size_t len, klen = strlen(key) + 1;
	void *bpf;

	if (volt_file_read(&data, &len, path, CACHE_FILE_MAX) < 0) {
		volt_error_clear();
		return false;
	}
	if (len <= klen || memcmp(data, key, klen) != 0 || (len - klen) % 8 != 0)
		return false;
	bpf = malloc(len - klen);
	if (!bpf)
		return false;
	memcpy(bpf, data + klen, len - klen);
	*out = bpf;
	*out_len = len - klen;
	return true;
}

static void cache_write(const char *dir, const char *path, const char *key, const void *bpf, size_t len)
{
	size_t klen = strlen(key) + 1;
	_cleanup_free_ char *data = malloc(klen + len);

	if (!data)
		return;
	memcpy(data, key, klen);
	memcpy(data + klen, bpf, len);
	if (volt_mkdir_p(dir, 0700) < 0 || volt_file_write_atomic(path, data, klen + len, 0600) < 0) {
		volt_log(VOLT_LOG_DEBUG, "seccomp cache: %s", volt_error_message());
		volt_error_clear();
	}
}

int seccomp_cache_compile(const volt_sec_filter *filter, const char *dir, void **out, size_t *out_len,
			  bool *out_hit)
{
	_cleanup_free_ char *key = NULL, *path = NULL;
	int r;

	*out_hit = false;
	if (dir) {
		key = filter_describe(filter);
		if (key && asprintf(&path, "%s/%016llx.bpf", dir, (unsigned long long)fnv1a64(key)) < 0)
			path = NULL;
		if (path && cache_read(path, key, out, out_len)) {
			*out_hit = true;
			return 0;
		}
	}
	r = volt_sec_filter_compile(filter, out, out_len);
	if (r < 0)
		return r;
	if (path)
		cache_write(dir, path, key, *out, *out_len);
	return 0;
}
