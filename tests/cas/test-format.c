/*
 * The building blocks: chunker boundaries, block encoding, and the
 * object parsers against truncated and hostile input.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <volt/core.h>

#include "cas-test.h"
#include "chunker.h"
#include "object.h"

#define DATA_SIZE (4u << 20)

static size_t cut_all(const struct cas_chunker *c, const uint8_t *d, size_t len, size_t *cuts, size_t max_cuts)
{
	size_t n = 0, off = 0;

	while (off < len) {
		size_t k = cas_chunker_next(c, d + off, len - off, 1);

		ck_assert_uint_gt(k, 0);
		ck_assert_uint_lt(n, max_cuts);
		off += k;
		cuts[n++] = off;
	}
	return n;
}

START_TEST(test_chunks_respect_bounds_and_average)
{
	struct cas_chunker c;
	uint8_t *d = malloc(DATA_SIZE);
	size_t *cuts = malloc(100000 * sizeof(size_t)), n, prev = 0;

	t_random(d, DATA_SIZE, 5);
	ck_assert_int_eq(cas_chunker_init(&c, 0, 0, 0), 0);
	n = cut_all(&c, d, DATA_SIZE, cuts, 100000);
	for (size_t i = 0; i < n; i++) {
		size_t len = cuts[i] - prev;

		ck_assert_uint_le(len, c.max);
		if (i + 1 < n)
			ck_assert_uint_ge(len, c.min);
		prev = cuts[i];
	}
	/* Average within a factor of two of the target. */
	ck_assert_uint_gt(DATA_SIZE / n, c.avg / 2);
	ck_assert_uint_lt(DATA_SIZE / n, c.avg * 2);
	free(d);
	free(cuts);
}
END_TEST

START_TEST(test_insertion_shifts_few_chunks)
{
	struct cas_chunker c;
	uint8_t *a = malloc(DATA_SIZE), *b = malloc(DATA_SIZE + 100);
	size_t *ca = malloc(10000 * sizeof(size_t)), *cb = malloc(10000 * sizeof(size_t)), na, nb, same = 0;

	t_random(a, DATA_SIZE, 6);
	memcpy(b, a, 1000);
	memset(b + 1000, 'x', 100); /* insert 100 bytes near the start */
	memcpy(b + 1100, a + 1000, DATA_SIZE - 1000);
	ck_assert_int_eq(cas_chunker_init(&c, 4096, 16384, 65536), 0);
	na = cut_all(&c, a, DATA_SIZE, ca, 10000);
	nb = cut_all(&c, b, DATA_SIZE + 100, cb, 10000);
	for (size_t i = 0, j = 0; i < na && j < nb;) {
		if (ca[i] + 100 == cb[j]) {
			same++;
			i++;
			j++;
		} else if (ca[i] + 100 < cb[j]) {
			i++;
		} else {
			j++;
		}
	}
	/* All but the first couple of cut points survive the shift. */
	ck_assert_uint_ge(same + 3, na);
	free(a);
	free(b);
	free(ca);
	free(cb);
}
END_TEST

/* The chunker byte by byte, as its comments define it (gear table: the
 * splitmix64 sequence from "STELLAR1"): cut points are part of the store's
 * contract (two stores deduplicate against each other only if they cut
 * alike), so the fast scan must give exactly these. */
static uint64_t ref_gear[256];

static size_t ref_next(uint32_t min, uint32_t avg, uint32_t max, const uint8_t *d, size_t len, int last)
{
	unsigned bits = 0;
	uint64_t h = 0, hard, easy;
	size_t n = len < max ? len : max, mid = avg < n ? avg : n;

	while ((1u << bits) < avg)
		bits++;
	hard = ~UINT64_C(0) << (64 - (bits + 2));
	easy = ~UINT64_C(0) << (64 - (bits - 2));
	if (n <= min)
		return (last || len >= max) ? n : 0;
	for (size_t i = min > 64 ? min - 64 : 0; i < n; i++) {
		h = (h << 1) + ref_gear[d[i]];
		if (i >= min && !(h & (i < mid ? hard : easy)))
			return i + 1;
	}
	return (n == max || last) ? n : 0;
}

START_TEST(test_chunker_cuts_as_defined)
{
	static uint8_t data[3 << 20];
	uint64_t x = UINT64_C(0x5354454c4c415231);
	struct cas_chunker c;
	size_t cuts = 0;

	for (int i = 0; i < 256; i++) {
		uint64_t z = (x += UINT64_C(0x9e3779b97f4a7c15));

		z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
		z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
		ref_gear[i] = z ^ (z >> 31);
	}
	/* Random bytes, then text-like runs (few distinct bytes). */
	t_random(data, sizeof(data) / 2, 11);
	for (size_t i = sizeof(data) / 2; i < sizeof(data); i++)
		data[i] = (uint8_t)("abcab "[(i * 7 + i / 13) % 6]);
	for (unsigned k = 0; k < 3; k++) {
		static const uint32_t sizes[3][3] = { { 16384, 65536, 262144 }, { 64, 256, 1024 }, { 2048, 8192, 9000 } };
		const uint32_t *z = sizes[k];

		ck_assert_int_eq(cas_chunker_init(&c, z[0], z[1], z[2]), 0);
		for (size_t off = 0; off < sizeof(data);) {
			size_t len = sizeof(data) - off, got = cas_chunker_next(&c, data + off, len, 1);

			ck_assert_uint_eq(got, ref_next(z[0], z[1], z[2], data + off, len, 1));
			/* Short of the maximum and not the end: the same answer, or more wanted. */
			ck_assert_uint_eq(cas_chunker_next(&c, data + off, got - 1, 0),
					  ref_next(z[0], z[1], z[2], data + off, got - 1, 0));
			off += got;
			cuts++;
		}
	}
	ck_assert_uint_gt(cuts, 100);
}
END_TEST

START_TEST(test_chunker_streaming_asks_for_more)
{
	struct cas_chunker c;
	uint8_t d[100000];

	t_random(d, sizeof(d), 9);
	ck_assert_int_eq(cas_chunker_init(&c, 16384, 65536, 262144), 0);
	/* Less than max and not the end: either a cut or "need more" (0). */
	ck_assert_uint_eq(cas_chunker_next(&c, d, 1000, 0), 0);
	ck_assert_uint_eq(cas_chunker_next(&c, d, 1000, 1), 1000);
	ck_assert_int_eq(cas_chunker_init(&c, 100, 3000, 5000), -EINVAL);
	ck_assert_int_eq(cas_chunker_init(&c, 5000, 4096, 8192), -EINVAL);
	ck_assert_int_eq(cas_chunker_init(&c, 10, 64, 128), -EINVAL);
	ck_assert_int_eq(cas_chunker_init(&c, 64, 64, 64 << 20), -EINVAL);
}
END_TEST

/* Both codecs a store writes (zstd in format 3, LZ4 in formats 1 and 2). */
static const int codecs[] = { CAS_CODEC_ZSTD, CAS_CODEC_LZ4 };

START_TEST(test_block_codec_verifies)
{
	int codec = codecs[_i];
	uint8_t raw[70000], *bad;
	void *enc = NULL, *dec = NULL;
	size_t enc_len, dec_len;
	volt_cas_hash h;

	for (size_t i = 0; i < sizeof(raw); i++) /* compressible */
		raw[i] = (uint8_t)("stellarium"[i % 10] + (i / 777) % 3);
	cas_sha256(&h, raw, sizeof(raw));
	ck_assert_int_eq(cas_block_encode(&enc, &enc_len, raw, sizeof(raw), codec), 0);
	ck_assert_uint_lt(enc_len, sizeof(raw) / 10);
	ck_assert_uint_eq(((uint8_t *)enc)[1], codec);
	ck_assert_int_eq(cas_block_decode(&dec, &dec_len, enc, enc_len, &h), 0);
	ck_assert_uint_eq(dec_len, sizeof(raw));
	ck_assert(memcmp(dec, raw, sizeof(raw)) == 0);
	free(dec);
	/* A flipped byte gives an error or (when the codec happens to decode
	 * to the same bytes) the right data: never wrong data. */
	bad = malloc(enc_len);
	for (size_t i = 0; i < enc_len; i++) {
		memcpy(bad, enc, enc_len);
		bad[i] ^= 0x01;
		dec = NULL;
		if (cas_block_decode(&dec, &dec_len, bad, enc_len, &h) == 0) {
			ck_assert_uint_eq(dec_len, sizeof(raw));
			ck_assert(memcmp(dec, raw, sizeof(raw)) == 0);
			free(dec);
		} else {
			ck_assert_ptr_null(dec);
		}
	}
	for (size_t i = 0; i < CAS_BLOCK_HEADER; i++) {
		memcpy(bad, enc, enc_len);
		bad[i] ^= 0x01;
		ck_assert_int_lt(cas_block_decode(&dec, &dec_len, bad, enc_len, &h), 0);
	}
	ck_assert_int_eq(cas_block_decode(&dec, &dec_len, enc, enc_len - 1, &h), -EBADMSG);
	ck_assert_int_eq(cas_block_decode(&dec, &dec_len, enc, 3, &h), -EBADMSG);
	/* A header claiming one byte more or less than the payload holds. */
	memcpy(bad, enc, enc_len);
	bad[4] ^= 0x01;
	ck_assert_int_eq(cas_block_decode(&dec, &dec_len, bad, enc_len, NULL), -EBADMSG);
	free(bad);
	free(enc);
	/* Incompressible data is kept raw. */
	t_random(raw, sizeof(raw), 4);
	ck_assert_int_eq(cas_block_encode(&enc, &enc_len, raw, sizeof(raw), codec), 0);
	ck_assert_uint_eq(enc_len, sizeof(raw) + CAS_BLOCK_HEADER);
	ck_assert_uint_eq(((uint8_t *)enc)[1], CAS_CODEC_RAW);
	free(enc);
}
END_TEST

static void sample_entries(struct cas_entry e[3], struct cas_blockref *blocks, struct cas_xattr *x)
{
	memset(e, 0, 3 * sizeof(*e));
	memset(blocks, 0x11, 2 * sizeof(*blocks));
	blocks[0].len = 10;
	blocks[1].len = 20;
	x[0] = (struct cas_xattr){ "security.capability", (uint8_t *)"\1\2\3", 3 };
	x[1] = (struct cas_xattr){ "user.a", (uint8_t *)"v", 1 };
	e[0] = (struct cas_entry){ .name = "bin", .type = VOLT_CAS_ENTRY_DIRECTORY, .mode = 0755 };
	e[1] = (struct cas_entry){ .name = "file", .type = VOLT_CAS_ENTRY_REGULAR, .mode = 04755, .uid = 1, .gid = 2,
				   .mtime_sec = -5, .mtime_nsec = 7, .size = 30, .n_blocks = 2, .blocks = blocks,
				   .n_xattrs = 2, .xattrs = x, .link_group = 3 };
	e[2] = (struct cas_entry){ .name = "link", .type = VOLT_CAS_ENTRY_SYMLINK, .mode = 0777, .target = "/etc/x" };
}

START_TEST(test_tree_roundtrip_and_truncation)
{
	struct cas_entry e[3];
	struct cas_blockref blocks[2];
	struct cas_xattr x[2];
	struct cas_tree t;
	void *data = NULL, *again = NULL;
	size_t len, len2;

	sample_entries(e, blocks, x);
	ck_assert_int_eq(cas_tree_serialize(e, 3, &data, &len), 0);
	ck_assert_int_eq(cas_tree_parse(&t, data, len), 0);
	ck_assert_uint_eq(t.n, 3);
	ck_assert_str_eq(t.entries[1].name, "file");
	ck_assert_uint_eq(t.entries[1].mode, 04755);
	ck_assert_int_eq(t.entries[1].mtime_sec, -5);
	ck_assert_uint_eq(t.entries[1].n_xattrs, 2);
	ck_assert_uint_eq(t.entries[1].link_group, 3);
	ck_assert_str_eq(t.entries[2].target, "/etc/x");
	/* Serialising the parsed tree gives the same bytes: one encoding. */
	ck_assert_int_eq(cas_tree_serialize(t.entries, t.n, &again, &len2), 0);
	ck_assert_uint_eq(len, len2);
	ck_assert(memcmp(data, again, len) == 0);
	cas_tree_clear(&t);
	/* Every truncation and an extra byte are refused. */
	for (size_t i = 0; i < len; i++)
		ck_assert_int_eq(cas_tree_parse(&t, data, i), -EBADMSG);
	{
		uint8_t *longer = malloc(len + 1);

		memcpy(longer, data, len);
		longer[len] = 0;
		ck_assert_int_eq(cas_tree_parse(&t, longer, len + 1), -EBADMSG);
		free(longer);
	}
	free(data);
	free(again);
}
END_TEST

static int parse_one(struct cas_entry *e)
{
	struct cas_tree t;
	void *data = NULL;
	size_t len;
	int r;

	ck_assert_int_eq(cas_tree_serialize(e, 1, &data, &len), 0);
	r = cas_tree_parse(&t, data, len);
	if (r == 0)
		cas_tree_clear(&t);
	free(data);
	return r;
}

START_TEST(test_tree_hostile_entries_refused)
{
	struct cas_entry e[3];
	struct cas_blockref blocks[2];
	struct cas_xattr x[2];
	void *data = NULL;
	size_t len;
	struct cas_tree t;

	sample_entries(e, blocks, x);
	for (const char *const *n = (const char *const[]){ "..", ".", "a/b", "/", "", NULL }; *n; n++) {
		e[0].name = (char *)*n;
		ck_assert_msg(parse_one(&e[0]) == -EBADMSG, "name '%s' accepted", *n);
	}
	sample_entries(e, blocks, x);
	e[1].size = 31; /* blocks do not add up */
	ck_assert_int_eq(parse_one(&e[1]), -EBADMSG);
	sample_entries(e, blocks, x);
	e[1].mode = 0170000;
	ck_assert_int_eq(parse_one(&e[1]), -EBADMSG);
	sample_entries(e, blocks, x);
	e[1].mtime_nsec = 1000000000;
	ck_assert_int_eq(parse_one(&e[1]), -EBADMSG);
	sample_entries(e, blocks, x);
	e[1].type = 42;
	ck_assert_int_eq(parse_one(&e[1]), -EBADMSG);
	sample_entries(e, blocks, x);
	x[0].name = "z"; /* xattrs out of order */
	ck_assert_int_eq(parse_one(&e[1]), -EBADMSG);
	sample_entries(e, blocks, x);
	blocks[0].len = 0;
	blocks[1].len = 30;
	ck_assert_int_eq(parse_one(&e[1]), -EBADMSG);
	/* Out of order / duplicate names. */
	sample_entries(e, blocks, x);
	e[1].name = "bin";
	ck_assert_int_eq(cas_tree_serialize(e, 2, &data, &len), 0);
	ck_assert_int_eq(cas_tree_parse(&t, data, len), -EBADMSG);
	free(data);
	sample_entries(e, blocks, x);
	e[0].name = "zzz";
	ck_assert_int_eq(cas_tree_serialize(e, 2, &data, &len), 0);
	ck_assert_int_eq(cas_tree_parse(&t, data, len), -EBADMSG);
	/* A huge entry count in a small object. */
	((uint8_t *)data)[8] = 0xff;
	((uint8_t *)data)[9] = 0xff;
	ck_assert_int_eq(cas_tree_parse(&t, data, len), -EBADMSG);
	/* Wrong magic, version, kind. */
	((uint8_t *)data)[0] = 'X';
	ck_assert_int_eq(cas_tree_parse(&t, data, len), -EBADMSG);
	free(data);
}
END_TEST

START_TEST(test_image_object)
{
	volt_cas_hash blocks[3];
	struct cas_image img = { 2 * 65536 + 5, 65536, 3, blocks }, out;
	void *data = NULL;
	size_t len;

	memset(blocks, 0x22, sizeof(blocks));
	ck_assert_int_eq(cas_image_serialize(&img, &data, &len), 0);
	ck_assert_int_eq(cas_image_parse(&out, data, len), 0);
	ck_assert_uint_eq(out.size, img.size);
	ck_assert_uint_eq(out.n_blocks, 3);
	cas_image_clear(&out);
	for (size_t i = 0; i < len; i++)
		ck_assert_int_eq(cas_image_parse(&out, data, i), -EBADMSG);
	free(data);
	img.n_blocks = 2; /* does not cover the size */
	ck_assert_int_eq(cas_image_serialize(&img, &data, &len), 0);
	ck_assert_int_eq(cas_image_parse(&out, data, len), -EBADMSG);
	free(data);
	img.n_blocks = 3;
	img.block_size = 65535;
	ck_assert_int_eq(cas_image_serialize(&img, &data, &len), 0);
	ck_assert_int_eq(cas_image_parse(&out, data, len), -EBADMSG);
	free(data);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("cas-format");
	TCase *tc = tcase_create("format");

	tcase_add_test(tc, test_chunks_respect_bounds_and_average);
	tcase_add_test(tc, test_insertion_shifts_few_chunks);
	tcase_add_test(tc, test_chunker_streaming_asks_for_more);
	tcase_add_test(tc, test_chunker_cuts_as_defined);
	tcase_add_loop_test(tc, test_block_codec_verifies, 0, 2);
	tcase_add_test(tc, test_tree_roundtrip_and_truncation);
	tcase_add_test(tc, test_tree_hostile_entries_refused);
	tcase_add_test(tc, test_image_object);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
