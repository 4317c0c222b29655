/*
 * The index blob of a Stellarium pack artifact: which pack blob holds
 * each block of the root, where and how long. A pure parser of hostile
 * input (fuzzed): every count, offset and length is checked against the
 * blob's size and the packs' sizes before anything relies on it.
 * Format: docs/registry-packs.md.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <string.h>

#include "registry-internal.h"

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

void reg_packidx_clear(struct reg_packidx *x)
{
	free(x->packs);
	free(x->e);
	*x = (struct reg_packidx){};
}

int reg_packidx_build(void **out, size_t *out_len, const struct reg_packidx *x)
{
	size_t len = REG_PACKIDX_HEADER + (size_t)x->n_packs * REG_PACKIDX_PACK + x->n * REG_PACKIDX_ENTRY;
	uint8_t *b = calloc(1, len), *p;

	if (!b)
		return volt_error_set(ENOMEM, NULL);
	memcpy(b, REG_PACKIDX_MAGIC, 8);
	put_le32(b + 8, REG_PACKIDX_VERSION);
	put_le32(b + 12, x->n_packs);
	put_le64(b + 16, x->n);
	memcpy(b + 24, x->root.bytes, VOLT_CAS_HASH_SIZE);
	p = b + REG_PACKIDX_HEADER;
	for (uint32_t i = 0; i < x->n_packs; i++, p += REG_PACKIDX_PACK) {
		memcpy(p, x->packs[i].sum.bytes, VOLT_CAS_HASH_SIZE);
		put_le64(p + 32, x->packs[i].size);
	}
	for (uint64_t i = 0; i < x->n; i++, p += REG_PACKIDX_ENTRY) {
		memcpy(p, x->e[i].hash.bytes, VOLT_CAS_HASH_SIZE);
		put_le32(p + 32, x->e[i].pack);
		put_le32(p + 36, x->e[i].len);
		put_le64(p + 40, x->e[i].offset);
		put_le32(p + 48, x->e[i].raw_len);
	}
	*out = b;
	*out_len = len;
	return 0;
}

int reg_packidx_parse(struct reg_packidx *out, const void *data, size_t len)
{
	const uint8_t *b = data, *p;
	struct reg_packidx x = {};
	uint64_t n, room;
	uint32_t n_packs;
	int r;

	if (len < REG_PACKIDX_HEADER || memcmp(b, REG_PACKIDX_MAGIC, 8) != 0)
		return volt_error_set(EBADMSG, "pack index: not a Stellarium pack index (%zu bytes)", len);
	if (get_le32(b + 8) != REG_PACKIDX_VERSION)
		return volt_error_set(EPROTONOSUPPORT, "pack index version %u is not supported (only %u)",
				      get_le32(b + 8), REG_PACKIDX_VERSION);
	n_packs = get_le32(b + 12);
	n = get_le64(b + 16);
	/* Sizes from the blob itself, checked without overflow: the blob must
	 * hold exactly what the counts claim. */
	room = len - REG_PACKIDX_HEADER;
	if (n_packs > REG_PACKIDX_MAX_PACKS || (uint64_t)n_packs * REG_PACKIDX_PACK > room ||
	    n > (room - (uint64_t)n_packs * REG_PACKIDX_PACK) / REG_PACKIDX_ENTRY ||
	    (uint64_t)n_packs * REG_PACKIDX_PACK + n * REG_PACKIDX_ENTRY != room)
		return volt_error_set(EBADMSG, "pack index: %u packs and %llu blocks do not fill its %zu bytes", n_packs,
				      (unsigned long long)n, len);
	if (n && !n_packs)
		return volt_error_set(EBADMSG, "pack index: %llu blocks but no pack", (unsigned long long)n);
	memcpy(x.root.bytes, b + 24, VOLT_CAS_HASH_SIZE);
	x.packs = calloc(n_packs + 1, sizeof(*x.packs));
	x.e = calloc(n + 1, sizeof(*x.e));
	if (!x.packs || !x.e) {
		r = volt_error_set(ENOMEM, NULL);
		goto fail;
	}
	x.n_packs = n_packs;
	x.n = n;
	p = b + REG_PACKIDX_HEADER;
	for (uint32_t i = 0; i < n_packs; i++, p += REG_PACKIDX_PACK) {
		memcpy(x.packs[i].sum.bytes, p, VOLT_CAS_HASH_SIZE);
		x.packs[i].size = get_le64(p + 32);
		if (x.packs[i].size < REG_PACK_HEADER || x.packs[i].size > REG_PACK_MAX_SIZE) {
			r = volt_error_set(EBADMSG, "pack index: pack %u claims %llu bytes", i,
					   (unsigned long long)x.packs[i].size);
			goto fail;
		}
	}
	for (uint64_t i = 0; i < n; i++, p += REG_PACKIDX_ENTRY) {
		struct reg_packidx_entry *e = &x.e[i];

		memcpy(e->hash.bytes, p, VOLT_CAS_HASH_SIZE);
		e->pack = get_le32(p + 32);
		e->len = get_le32(p + 36);
		e->offset = get_le64(p + 40);
		e->raw_len = get_le32(p + 48);
		if (get_le32(p + 52) != 0) {
			r = volt_error_set(EBADMSG, "pack index: block %llu has a non-zero reserved field",
					   (unsigned long long)i);
			goto fail;
		}
		if (i && memcmp(x.e[i - 1].hash.bytes, e->hash.bytes, VOLT_CAS_HASH_SIZE) >= 0) {
			r = volt_error_set(EBADMSG, "pack index: blocks are not sorted by hash at %llu",
					   (unsigned long long)i);
			goto fail;
		}
		if (e->pack >= n_packs || e->len < CAS_BLOCK_HEADER || e->len > REG_BLOCK_ENC_MAX ||
		    e->raw_len > CAS_BLOCK_MAX || e->offset < REG_PACK_HEADER + REG_PACK_RECORD_HEADER ||
		    e->offset > x.packs[e->pack].size || e->len > x.packs[e->pack].size - e->offset) {
			r = volt_error_set(EBADMSG,
					   "pack index: block %llu (pack %u, offset %llu, %u bytes, %u raw) lies "
					   "outside its pack or claims an impossible size",
					   (unsigned long long)i, e->pack, (unsigned long long)e->offset, e->len,
					   e->raw_len);
			goto fail;
		}
	}
	*out = x;
	return 0;
fail:
	reg_packidx_clear(&x);
	return r;
}

int64_t reg_packidx_find(const struct reg_packidx *x, const volt_cas_hash *h)
{
	uint64_t lo = 0, hi = x->n;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		int c = memcmp(x->e[mid].hash.bytes, h->bytes, VOLT_CAS_HASH_SIZE);

		if (c == 0)
			return (int64_t)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}
