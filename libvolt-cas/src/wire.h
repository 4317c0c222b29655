/*
 * Little-endian encoding helpers for the object formats: a growable
 * output buffer that remembers allocation failure, and a bounds-checked
 * reader that never reads past its input.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#ifndef VOLT_CAS_WIRE_H
#define VOLT_CAS_WIRE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct wbuf {
	uint8_t *p;
	size_t len, cap;
	bool failed;
};

static inline void wbuf_bytes(struct wbuf *b, const void *data, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		uint8_t *p;

		while (cap < b->len + n)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->failed = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
}

static inline void wbuf_le(struct wbuf *b, uint64_t v, unsigned width)
{
	uint8_t tmp[8];

	for (unsigned i = 0; i < width; i++)
		tmp[i] = (uint8_t)(v >> (8 * i));
	wbuf_bytes(b, tmp, width);
}

#define wbuf_u8(b, v)  wbuf_le((b), (v), 1)
#define wbuf_u16(b, v) wbuf_le((b), (v), 2)
#define wbuf_u32(b, v) wbuf_le((b), (v), 4)
#define wbuf_u64(b, v) wbuf_le((b), (uint64_t)(v), 8)

struct rbuf {
	const uint8_t *p;
	size_t len, off;
};

static inline bool rbuf_le(struct rbuf *r, unsigned width, uint64_t *out)
{
	uint64_t v = 0;

	if (r->len - r->off < width)
		return false;
	for (unsigned i = 0; i < width; i++)
		v |= (uint64_t)r->p[r->off + i] << (8 * i);
	r->off += width;
	*out = v;
	return true;
}

/* Point @out at the next @n bytes of the input (no copy). */
static inline bool rbuf_bytes(struct rbuf *r, size_t n, const uint8_t **out)
{
	if (r->len - r->off < n)
		return false;
	*out = r->p + r->off;
	r->off += n;
	return true;
}

#endif
