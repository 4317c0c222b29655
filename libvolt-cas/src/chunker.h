/*
 * Content-defined chunking in the style of FastCDC: a gear rolling hash,
 * no cut point before min, a harder cut condition before avg and an
 * easier one after it ("normalised chunking"), a forced cut at max.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_CAS_CHUNKER_H
#define VOLT_CAS_CHUNKER_H

#include <stddef.h>
#include <stdint.h>

#define CAS_CHUNK_MIN_DEFAULT (16u * 1024)
#define CAS_CHUNK_AVG_DEFAULT (64u * 1024)
#define CAS_CHUNK_MAX_DEFAULT (256u * 1024)
#define CAS_CHUNK_LIMIT (16u * 1024 * 1024)

struct cas_chunker {
	uint32_t min, avg, max;
	uint64_t mask_hard, mask_easy;
};

/* 0 for any size takes its default; -EINVAL for an invalid combination. */
int cas_chunker_init(struct cas_chunker *c, uint32_t min, uint32_t avg, uint32_t max);

/*
 * The length of the next chunk at the start of @data (@len bytes
 * available). When @len < max and @last is false, the data may end
 * before a cut point: the function then returns 0, meaning "give me more".
 */
size_t cas_chunker_next(const struct cas_chunker *c, const uint8_t *data, size_t len, int last);

#endif
