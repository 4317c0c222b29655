/* Private: a cache of compiled seccomp programs. SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef VOLT_SEC_SECCOMP_CACHE_H
#define VOLT_SEC_SECCOMP_CACHE_H

#include <stddef.h>

#include <volt/sec.h>

/*
 * Compile @filter, or read the program from @dir when an earlier call
 * stored it there (@dir NULL: always compile). A directory that others
 * could write, or whose key is not private, is refused (-EPERM, with a
 * message); an entry that cannot be read, or does not verify, is compiled
 * again and rewritten. *out_hit tells whether the cache answered.
 */
int seccomp_cache_compile(const volt_sec_filter *filter, const char *dir, void **out, size_t *out_len,
			  bool *out_hit);

#endif
