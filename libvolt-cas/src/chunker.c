/*
 * FastCDC-style chunker (see chunker.h). The gear table is fixed (a
 * splitmix64 sequence from a constant seed) because chunk boundaries,
 * and so deduplication across stores, depend on it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdbool.h>

#include <volt/core.h>

#include "chunker.h"

static uint64_t gear[256];
static int gear_ready;

static void gear_init(void)
{
	uint64_t x = UINT64_C(0x5354454c4c415231); /* "STELLAR1" */

	if (__atomic_load_n(&gear_ready, __ATOMIC_ACQUIRE))
		return;
	for (int i = 0; i < 256; i++) {
		uint64_t z = (x += UINT64_C(0x9e3779b97f4a7c15));

		z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
		z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
		gear[i] = z ^ (z >> 31);
	}
	/* Racing threads compute the same table; the flag only saves work. */
	__atomic_store_n(&gear_ready, 1, __ATOMIC_RELEASE);
}

/* @bits one-bits at the top of a 64-bit word: the gear hash's high bits
 * depend on the most recent 64 bytes, so they make the cut decision. */
static uint64_t top_mask(unsigned bits)
{
	return bits == 0 ? 0 : ~UINT64_C(0) << (64 - bits);
}

int cas_chunker_init(struct cas_chunker *c, uint32_t min, uint32_t avg, uint32_t max)
{
	unsigned bits = 0;

	gear_init();
	c->min = min ? min : CAS_CHUNK_MIN_DEFAULT;
	c->avg = avg ? avg : CAS_CHUNK_AVG_DEFAULT;
	c->max = max ? max : CAS_CHUNK_MAX_DEFAULT;
	if (c->min < 64 || c->min > c->avg || c->avg > c->max || c->max > CAS_CHUNK_LIMIT ||
	    (c->avg & (c->avg - 1)))
		return volt_error_set(EINVAL,
				      "chunk sizes must satisfy 64 <= min <= avg <= max <= 16M with avg a "
				      "power of two (got %u/%u/%u)", c->min, c->avg, c->max);
	while ((UINT32_C(1) << bits) < c->avg)
		bits++;
	/* Normalisation level 2: 4x harder below avg, 4x easier above. */
	c->mask_hard = top_mask(bits + 2 > 63 ? 63 : bits + 2);
	c->mask_easy = top_mask(bits > 2 ? bits - 2 : 1);
	return 0;
}

/* Run the gear hash over data[*at, end) and stop after the first byte
 * where no bit of @mask is set (returns true) or at @end. Four bytes per
 * step: h after each of them is (h << k) + a sum of the next k gear
 * values, so the four hashes do not wait for each other and the loop is
 * not bound by the one-shift-one-add chain per byte. Same hashes, same
 * cut points as byte by byte. */
static bool gear_scan(const uint8_t *data, size_t *at, size_t end, uint64_t *hp, uint64_t mask)
{
	uint64_t h = *hp;
	size_t i = *at;

	for (; i + 4 <= end; i += 4) {
		uint64_t g0 = gear[data[i]], g1 = gear[data[i + 1]], g2 = gear[data[i + 2]], g3 = gear[data[i + 3]];
		uint64_t h1 = (h << 1) + g0;
		uint64_t h2 = (h << 2) + (g0 << 1) + g1;
		uint64_t h3 = (h << 3) + (g0 << 2) + (g1 << 1) + g2;
		uint64_t h4 = (h << 4) + (g0 << 3) + (g1 << 2) + (g2 << 1) + g3;

		if (!((h1 & mask) && (h2 & mask) && (h3 & mask) && (h4 & mask))) {
			/* One of these four: find the first, byte by byte. */
			break;
		}
		h = h4;
	}
	for (; i < end; i++) {
		h = (h << 1) + gear[data[i]];
		if (!(h & mask)) {
			*at = i + 1;
			*hp = h;
			return true;
		}
	}
	*at = i;
	*hp = h;
	return false;
}

size_t cas_chunker_next(const struct cas_chunker *c, const uint8_t *data, size_t len, int last)
{
	size_t n = len < c->max ? len : c->max;
	size_t mid = c->avg < n ? c->avg : n;
	uint64_t h = 0;
	size_t i;

	if (n <= c->min)
		return (last || len >= c->max) ? n : 0;
	/* Bytes before min cannot end a chunk; the hash forgets them within
	 * 64 bytes anyway, so start hashing shortly before min. */
	i = c->min > 64 ? c->min - 64 : 0;
	for (; i < c->min; i++)
		h = (h << 1) + gear[data[i]];
	if (gear_scan(data, &i, mid, &h, c->mask_hard) || gear_scan(data, &i, n, &h, c->mask_easy))
		return i;
	if (n == c->max || last)
		return n;
	return 0;
}
