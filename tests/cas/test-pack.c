/*
 * Packs (store format 2) from the inside: pending blocks read back before
 * they are published, publication by cas_sync, indexes refused when
 * hostile (a checksum only proves the writer meant it), packs of other
 * handles found on a miss, a pack removed elsewhere forgotten when the
 * lock is taken, a format-1 store migrated by volt_cas_migrate(), and
 * threads of one handle appending and reading back across many write
 * buffers (O_DIRECT carries unaligned tails from buffer to buffer).
 * (Unit tests of internals.)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <volt/core.h>

#include "cas-internal.h"
#include "cas-test.h"
#include "pack.h"

static char *tmp;
static volt_cas *cas;

static void setup(void)
{
	tmp = t_mkdtemp();
	cas = t_store(tmp);
}

static void teardown(void)
{
	volt_cas_close(cas);
	t_rmrf(tmp);
	free(tmp);
}

static int count_files(const char *dir, const char *suffix)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name), sl = strlen(suffix);

		n += l > sl && strcmp(de->d_name + l - sl, suffix) == 0;
	}
	closedir(d);
	return n;
}

START_TEST(test_pending_then_published)
{
	uint8_t data[5000];
	volt_cas_hash h;
	void *out = NULL;
	size_t len;
	char *packs = NULL;

	ck_assert_int_ge(asprintf(&packs, "%s/store/packs", tmp), 0);
	t_random(data, sizeof(data), 1);
	ck_assert_int_eq(cas_block_put(cas, data, sizeof(data), &h, NULL), 0);
	/* Pending: readable by this handle, invisible on disk. */
	ck_assert_int_eq(count_files(packs, ".idx"), 0);
	ck_assert_int_eq(cas_block_exists(cas, &h), 1);
	ck_assert_int_eq(cas_block_get(cas, &h, &out, &len), 0);
	ck_assert_uint_eq(len, sizeof(data));
	ck_assert_mem_eq(out, data, len);
	free(out);
	ck_assert_int_eq(cas_sync(cas), 0);
	ck_assert_int_eq(count_files(packs, ".idx"), 1);
	ck_assert_int_eq(count_files(packs, ".pack"), 1);
	/* Another handle finds it. */
	{
		volt_cas *other = t_store(tmp);

		ck_assert_int_eq(cas_block_get(other, &h, &out, &len), 0);
		ck_assert_mem_eq(out, data, len);
		free(out);
		volt_cas_close(other);
	}
	free(packs);
}
END_TEST

/* Each thread adds incompressible blocks of odd sizes (so records straddle
 * buffers and pages) and reads back, after each, one of its earlier ones
 * while the others write. Blocks are slices of one random pool, so that
 * making them costs nothing and buffers fill while others are written. */
#define W_THREADS 4
#define W_BLOCKS 600
#define W_POOL (32u << 20)

static uint8_t *pool;

struct writer_arg {
	unsigned seed;
	volt_cas_hash h[W_BLOCKS];
	size_t len[W_BLOCKS];
	int failed;
};

static size_t block_len(unsigned seed, unsigned i)
{
	return 1000 + (seed * 7919u + i * 104729u) % 150001u;
}

static const uint8_t *block_data(unsigned seed, unsigned i)
{
	return pool + ((seed * 2654435761u + i * 40503u) * 977u) % (W_POOL - 160000);
}

static void *writer(void *p)
{
	struct writer_arg *a = p;

	for (unsigned i = 0; i < W_BLOCKS && !a->failed; i++) {
		unsigned j = (i * 31u) % (i + 1);
		void *out = NULL;
		size_t len;

		a->len[i] = block_len(a->seed, i);
		if (cas_block_put(cas, block_data(a->seed, i), a->len[i], &a->h[i], NULL) < 0)
			a->failed = 1;
		if (cas_block_get(cas, &a->h[j], &out, &len) < 0 || len != a->len[j] ||
		    memcmp(out, block_data(a->seed, j), len) != 0)
			a->failed = 2;
		free(out);
	}
	return NULL;
}

START_TEST(test_threads_write_and_read_back)
{
	struct writer_arg a[W_THREADS] = {};
	pthread_t t[W_THREADS];
	volt_cas_fsck_result res = VOLT_CAS_FSCK_RESULT_INIT;
	volt_cas *other;

	pool = malloc(W_POOL);
	t_random(pool, W_POOL, 7);
	for (unsigned k = 0; k < W_THREADS; k++) {
		a[k].seed = k + 1;
		ck_assert_int_eq(pthread_create(&t[k], NULL, writer, &a[k]), 0);
	}
	for (unsigned k = 0; k < W_THREADS; k++) {
		ck_assert_int_eq(pthread_join(t[k], NULL), 0);
		ck_assert_msg(a[k].failed == 0, "thread %u: %s", k, a[k].failed == 1 ? "put failed" : "read back wrong");
	}
	ck_assert_int_eq(cas_sync(cas), 0);
	/* Published: every byte where the index says, the pack's checksum right. */
	other = t_store(tmp);
	for (unsigned k = 0; k < W_THREADS; k++)
		for (unsigned i = 0; i < W_BLOCKS; i++) {
			void *out = NULL;
			size_t len;

			ck_assert_int_eq(cas_block_get(other, &a[k].h[i], &out, &len), 0);
			ck_assert_uint_eq(len, a[k].len[i]);
			ck_assert_mem_eq(out, block_data(a[k].seed, i), len);
			free(out);
		}
	ck_assert_int_eq(volt_cas_fsck(&res, other, 0, NULL, NULL), 0);
	ck_assert_uint_eq(res.corrupt, 0);
	volt_cas_close(other);
	free(pool);
}
END_TEST

/* The index of the one pack in the store, as bytes. */
static uint8_t *read_index(size_t *len, char **path, uint64_t *pack_size)
{
	char *dir = NULL, *p = NULL;
	struct dirent *de;
	struct stat st;
	DIR *d;
	char *buf = NULL;

	ck_assert_int_ge(asprintf(&dir, "%s/store/packs", tmp), 0);
	ck_assert_ptr_nonnull(d = opendir(dir));
	while ((de = readdir(d)))
		if (strstr(de->d_name, ".idx")) {
			ck_assert_int_ge(asprintf(&p, "%s/%s", dir, de->d_name), 0);
			break;
		}
	closedir(d);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(volt_file_read(&buf, len, p, 1 << 24), 0);
	{
		char *pack = NULL;

		ck_assert_int_ge(asprintf(&pack, "%.*s.pack", (int)(strlen(p) - 4), p), 0);
		ck_assert_int_eq(stat(pack, &st), 0);
		free(pack);
	}
	*pack_size = (uint64_t)st.st_size;
	free(dir);
	*path = p;
	return (uint8_t *)buf;
}

static void reseal(uint8_t *idx, size_t len)
{
	volt_cas_hash sum;

	cas_sha256(&sum, idx, len - VOLT_CAS_HASH_SIZE);
	memcpy(idx + len - VOLT_CAS_HASH_SIZE, sum.bytes, VOLT_CAS_HASH_SIZE);
}

static int parse_copy(const uint8_t *idx, size_t len, uint64_t pack_size)
{
	struct cas_pack p = { .fd = -1 };
	uint8_t *copy = malloc(len);
	int r;

	memcpy(copy, idx, len);
	r = cas_pack_parse_index(&p, copy, len, pack_size);
	free(copy);
	volt_error_clear();
	return r;
}

START_TEST(test_hostile_index_refused)
{
	uint8_t data[3][3000], *idx, *bad;
	uint64_t pack_size;
	volt_cas_hash h;
	size_t len;
	char *path;
	const size_t entries = CAS_IDX_HEADER + CAS_IDX_FANOUT;

	for (int i = 0; i < 3; i++) {
		t_random(data[i], sizeof(data[i]), 10 + (unsigned)i);
		ck_assert_int_eq(cas_block_put(cas, data[i], sizeof(data[i]), &h, NULL), 0);
	}
	ck_assert_int_eq(cas_sync(cas), 0);
	idx = read_index(&len, &path, &pack_size);
	ck_assert_uint_eq(len, entries + 3 * CAS_IDX_ENTRY + VOLT_CAS_HASH_SIZE);
	ck_assert_int_eq(parse_copy(idx, len, pack_size), 0);
	bad = malloc(len);

	/* A flipped byte anywhere: the checksum. */
	for (size_t off = 0; off < len; off += 97) {
		memcpy(bad, idx, len);
		bad[off] ^= 1;
		ck_assert_int_eq(parse_copy(bad, len, pack_size), -EBADMSG);
	}
	/* Truncated, or a different pack size. */
	ck_assert_int_eq(parse_copy(idx, len - 1, pack_size), -EBADMSG);
	ck_assert_int_eq(parse_copy(idx, 10, pack_size), -EBADMSG);
	ck_assert_int_eq(parse_copy(idx, len, pack_size + 1), -EBADMSG);
	/* Resealed lies: a count the size cannot hold, an offset past the end,
	 * a length past the end, entries out of order, a fan-out that skips. */
	memcpy(bad, idx, len);
	bad[12] = 4;
	reseal(bad, len);
	ck_assert_int_eq(parse_copy(bad, len, pack_size), -EBADMSG);
	memcpy(bad, idx, len);
	memset(bad + entries + 32, 0xff, 8);
	reseal(bad, len);
	ck_assert_int_eq(parse_copy(bad, len, pack_size), -EBADMSG);
	memcpy(bad, idx, len);
	memset(bad + entries + 40, 0xff, 4);
	reseal(bad, len);
	ck_assert_int_eq(parse_copy(bad, len, pack_size), -EBADMSG);
	memcpy(bad, idx, len);
	memcpy(bad + entries, idx + entries + CAS_IDX_ENTRY, CAS_IDX_ENTRY);
	memcpy(bad + entries + CAS_IDX_ENTRY, idx + entries, CAS_IDX_ENTRY);
	reseal(bad, len);
	ck_assert_int_eq(parse_copy(bad, len, pack_size), -EBADMSG);
	memcpy(bad, idx, len);
	memset(bad + CAS_IDX_HEADER, 0, 4 * 128);
	memset(bad + CAS_IDX_HEADER + 4 * 128, 0xff, 4);
	reseal(bad, len);
	ck_assert_int_eq(parse_copy(bad, len, pack_size), -EBADMSG);
	/* A store holding such an index reads its blocks as missing, never as data. */
	{
		volt_cas *other;
		void *out = NULL;
		size_t n;
		int fd;

		memcpy(bad, idx, len);
		memset(bad + entries + 32, 0xff, 8);
		reseal(bad, len);
		fd = open(path, O_WRONLY | O_TRUNC);
		ck_assert_int_ge(fd, 0);
		ck_assert_int_eq(write(fd, bad, len), (ssize_t)len);
		close(fd);
		other = t_store(tmp);
		ck_assert_int_eq(cas_block_get(other, &h, &out, &n), -ENOENT);
		volt_cas_close(other);
	}
	free(bad);
	free(idx);
	free(path);
}
END_TEST

START_TEST(test_removed_pack_forgotten_under_the_lock)
{
	uint8_t data[4000];
	volt_cas_hash h;
	volt_cas *other;
	int lock = -1;

	t_random(data, sizeof(data), 20);
	ck_assert_int_eq(cas_block_put(cas, data, sizeof(data), &h, NULL), 0);
	ck_assert_int_eq(cas_sync(cas), 0);
	other = t_store(tmp);
	ck_assert_int_eq(cas_block_exists(other, &h), 1);
	/* A gc elsewhere drops the pack (no ref reaches the block). */
	ck_assert_int_eq(volt_cas_gc(NULL, cas, 0), 0);
	/* An importer taking the lock no longer trusts the pack it had loaded,
	 * so it stores the block again rather than name a block that is gone. */
	ck_assert_int_eq(cas_lock(other, false, true, &lock), 0);
	ck_assert_int_eq(cas_block_exists(other, &h), 0);
	close(lock);
	volt_cas_close(other);
}
END_TEST

START_TEST(test_migrate_format1)
{
	volt_cas_import_options o = VOLT_CAS_IMPORT_OPTIONS_INIT;
	volt_cas_migrate_result res = VOLT_CAS_MIGRATE_RESULT_INIT;
	volt_cas_fsck_result fr = VOLT_CAS_FSCK_RESULT_INIT;
	char *store = NULL, *src = NULL, *out = NULL, *blocks = NULL, *fmt = NULL, *line = NULL;
	uint8_t data[200000];
	volt_cas *old, *stale;
	volt_cas_hash root;

	ck_assert_int_ge(asprintf(&store, "%s/old", tmp), 0);
	ck_assert_int_ge(asprintf(&src, "%s/src", tmp), 0);
	ck_assert_int_ge(asprintf(&out, "%s/out", tmp), 0);
	ck_assert_int_ge(asprintf(&blocks, "%s/old/blocks", tmp), 0);
	ck_assert_int_ge(asprintf(&fmt, "%s/old/format", tmp), 0);
	ck_assert_int_eq(mkdir(src, 0755), 0);
	t_random(data, sizeof(data), 30);
	t_write(src, "a", data, sizeof(data));
	t_write(src, "b", "hello\n", 6);
	ck_assert_int_eq(cas_store_init(store, CAS_FORMAT_LOOSE), 0);
	ck_assert_int_eq(volt_cas_open(&old, store, NULL), 0);
	o.tag = "t";
	ck_assert_int_eq(volt_cas_import_dir(&root, NULL, old, src, &o), 0);
	/* Format 1 writes loose files and no pack. */
	{
		char *packs = NULL;
		struct stat st;

		ck_assert_int_ge(asprintf(&packs, "%s/old/packs", tmp), 0);
		ck_assert_int_ne(stat(packs, &st), 0);
		free(packs);
	}
	ck_assert_int_eq(volt_cas_open(&stale, store, NULL), 0);
	ck_assert_int_eq(volt_cas_migrate(&res, old, 0), 0);
	ck_assert_uint_eq(res.format_before, 1);
	/* A handle opened before the migration writes packs after it. */
	t_write(src, "c", "new after the migration\n", 24);
	o.tag = "u";
	ck_assert_int_eq(volt_cas_import_dir(&root, NULL, stale, src, &o), 0);
	volt_cas_close(stale);
	o.tag = "t";
	ck_assert_uint_ge(res.blocks_packed, 4);
	ck_assert_int_eq(volt_file_read(&line, NULL, fmt, 64), 0);
	ck_assert_str_eq(line, "stellarium 3\n");
	{
		struct stat st;

		ck_assert_int_ne(stat(blocks, &st), 0);
	}
	/* The same handle and a new one read everything from packs. */
	ck_assert_int_eq(volt_cas_checkout(old, "u", out, NULL), 0);
	t_compare_trees(src, out);
	volt_cas_close(old);
	ck_assert_int_eq(volt_cas_open(&old, store, NULL), 0);
	ck_assert_int_eq(volt_cas_fsck(&fr, old, 0, NULL, NULL), 0);
	res = (volt_cas_migrate_result)VOLT_CAS_MIGRATE_RESULT_INIT;
	ck_assert_int_eq(volt_cas_migrate(&res, old, 0), 0);
	ck_assert_uint_eq(res.format_before, 3);
	ck_assert_uint_eq(res.blocks_packed, 0);
	volt_cas_close(old);
	free(store);
	free(src);
	free(out);
	free(blocks);
	free(fmt);
	free(line);
}
END_TEST

START_TEST(test_gc_merges_small_packs)
{
	volt_cas_import_options o = VOLT_CAS_IMPORT_OPTIONS_INIT;
	char *packs = NULL, *src = NULL, *out = NULL, tag[16];
	uint8_t data[30000];
	volt_cas_hash root;

	ck_assert_int_ge(asprintf(&packs, "%s/store/packs", tmp), 0);
	ck_assert_int_ge(asprintf(&src, "%s/src", tmp), 0);
	ck_assert_int_ge(asprintf(&out, "%s/out", tmp), 0);
	ck_assert_int_eq(mkdir(src, 0755), 0);
	/* As many packs as the set's first allocation holds, so that publishing
	 * the merged pack moves the set's array under gc. */
	for (int i = 0; i < 16; i++) {
		char name[16];

		snprintf(name, sizeof(name), "f%d", i);
		t_random(data, sizeof(data), 40 + (unsigned)i);
		t_write(src, name, data, sizeof(data));
		snprintf(tag, sizeof(tag), "t%d", i);
		o.tag = tag;
		ck_assert_int_eq(volt_cas_import_dir(&root, NULL, cas, src, &o), 0);
	}
	ck_assert_int_eq(count_files(packs, ".idx"), 16);
	ck_assert_int_eq(volt_cas_gc(NULL, cas, 0), 0);
	ck_assert_int_eq(count_files(packs, ".idx"), 1);
	ck_assert_int_eq(count_files(packs, ".pack"), 1);
	ck_assert_int_eq(volt_cas_checkout(cas, "t15", out, NULL), 0);
	t_compare_trees(src, out);
	ck_assert_int_eq(volt_cas_fsck(NULL, cas, 0, NULL, NULL), 0);
	free(packs);
	free(src);
	free(out);
}
END_TEST

/* The corrupt block is the last entry of its index (fsck once stopped there). */
START_TEST(test_quarantine_of_the_last_entry)
{
	volt_cas_fsck_result fr = VOLT_CAS_FSCK_RESULT_INIT;
	uint8_t data[4][3000];
	volt_cas_hash h[4];
	struct cas_pack_entry e;
	struct cas_pack *pk;
	char *path = NULL;
	void *out = NULL;
	size_t len;
	int fd;
	uint8_t c;

	for (int i = 0; i < 4; i++) {
		t_random(data[i], sizeof(data[i]), 50 + (unsigned)i);
		ck_assert_int_eq(cas_block_put(cas, data[i], sizeof(data[i]), &h[i], NULL), 0);
	}
	ck_assert_int_eq(cas_sync(cas), 0);
	ck_assert_uint_eq(cas->packs->n, 1);
	pk = cas->packs->v[0];
	ck_assert_int_eq(cas_pack_entry_at(pk, pk->count - 1, &e), 0);
	ck_assert_int_ge(asprintf(&path, "%s/store/packs/%s.pack", tmp, pk->name), 0);
	fd = open(path, O_RDWR);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, &c, 1, (off_t)e.offset + 100), 1);
	c ^= 0x10;
	ck_assert_int_eq(pwrite(fd, &c, 1, (off_t)e.offset + 100), 1);
	close(fd);
	ck_assert_int_eq(cas_block_get(cas, &e.hash, &out, &len), -EBADMSG);
	ck_assert_int_eq(volt_cas_fsck(&fr, cas, VOLT_CAS_FSCK_QUARANTINE, NULL, NULL), -EBADMSG);
	ck_assert_uint_eq(fr.corrupt, 1);
	ck_assert_uint_eq(fr.quarantined, 1);
	/* The three good blocks were copied out; the bad one is gone. */
	for (int i = 0; i < 4; i++) {
		int r = cas_block_get(cas, &h[i], &out, &len);

		if (memcmp(h[i].bytes, e.hash.bytes, VOLT_CAS_HASH_SIZE) == 0) {
			ck_assert_int_eq(r, -ENOENT);
		} else {
			ck_assert_int_eq(r, 0);
			ck_assert_mem_eq(out, data[i], len);
			free(out);
		}
	}
	free(path);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("cas-pack");
	TCase *tc = tcase_create("pack");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_pending_then_published);
	tcase_add_test(tc, test_threads_write_and_read_back);
	tcase_add_test(tc, test_hostile_index_refused);
	tcase_add_test(tc, test_removed_pack_forgotten_under_the_lock);
	tcase_add_test(tc, test_migrate_format1);
	tcase_add_test(tc, test_gc_merges_small_packs);
	tcase_add_test(tc, test_quarantine_of_the_last_entry);
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
	return failed ? 1 : 0;
}
