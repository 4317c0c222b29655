/* Private: a cache of compiled seccomp programs. SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef VOLT_SEC_SECCOMP_CACHE_H
#define VOLT_SEC_SECCOMP_CACHE_H

#include <stddef.h>

#include <volt/sec.h>

/*
 * Compile @filter, or read the program from @dir when an earlier call
 * stored it there (@dir NULL: always compile). A cache that cannot be
 * read or written is only logged: the program is then compiled.
 * *out_hit tells whether the cache answered.
 */
int seccomp_cache_compile(const volt_sec_filter *filter, const char *dir, void **out, size_t *out_len,
			  bool *out_hit);

#endif
