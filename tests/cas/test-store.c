/*
 * The store end to end through the public API: import a directory with
 * every kind of entry, check it out faithfully, read images and files at
 * random offsets, refs, gc, fsck, and corruption that must be detected.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <volt/core.h>

#include "cas-internal.h"
#include "cas-test.h"
#include "object.h"
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

static char *path_in(const char *rel)
{
	char *p = NULL;

	ck_assert_int_ge(asprintf(&p, "%s/%s", tmp, rel), 0);
	return p;
}

/* A tree with every entry type, xattrs, a hard link across directories,
 * a big file spanning many chunks, and a special-bit mode. */
static char *make_tree(void)
{
	char *src = path_in("src"), *p;
	static unsigned char big[3 << 20];
	struct timespec ts[2] = { { 1000000000, 123456789 }, { 1000000000, 123456789 } };

	ck_assert_int_eq(mkdir(src, 0755), 0);
	p = path_in("src/sub");
	ck_assert_int_eq(mkdir(p, 0750), 0);
	free(p);
	t_write(src, "hello", "hello\n", 6);
	t_write(src, "empty", "", 0);
	t_random(big, sizeof(big), 1);
	t_write(src, "sub/big", big, sizeof(big));
	p = path_in("src/sub/big");
	ck_assert_int_eq(chmod(p, 02755), 0);
	ck_assert_int_eq(lchown(p, 1234, 5678), 0);
	ck_assert_int_eq(chmod(p, 02755), 0);
	ck_assert_int_eq(utimensat(AT_FDCWD, p, ts, 0), 0);
	free(p);
	p = path_in("src/hello");
	ck_assert_int_eq(setxattr(p, "user.volt", "value", 5, 0), 0);
	ck_assert_int_eq(setxattr(p, "user.binary", "\0\1\2", 3, 0), 0);
	{
		char *q = path_in("src/sub/hello-link");

		ck_assert_int_eq(link(p, q), 0);
		free(q);
	}
	free(p);
	p = path_in("src/abs-link");
	ck_assert_int_eq(symlink("/etc/passwd", p), 0);
	free(p);
	p = path_in("src/sub/rel-link");
	ck_assert_int_eq(symlink("../hello", p), 0);
	free(p);
	p = path_in("src/fifo");
	ck_assert_int_eq(mkfifo(p, 0640), 0);
	free(p);
	p = path_in("src/null");
	if (mknod(p, S_IFCHR | 0666, makedev(1, 3)) < 0)
		ck_assert_int_eq(errno, EPERM); /* not root: skip devices */
	free(p);
	return src;
}

START_TEST(test_import_checkout_is_faithful)
{
	volt_cas_import_options o = VOLT_CAS_IMPORT_OPTIONS_INIT;
	volt_cas_progress st = VOLT_CAS_PROGRESS_INIT;
	volt_cas_hash h, h2;
	char *src = make_tree(), *out = path_in("out"), *out2 = path_in("out2");

	o.tag = "tree";
	ck_assert_msg(volt_cas_import_dir(&h, &st, cas, src, &o) == 0, "%s", volt_error_message());
	ck_assert_uint_eq(st.bytes, 6 + (3 << 20));
	ck_assert_uint_gt(st.blocks_new, 10);
	ck_assert_msg(volt_cas_checkout(cas, "tree", out, NULL) == 0, "%s", volt_error_message());
	t_compare_trees(src, out);

	/* A second import of the same tree: same root, nothing new. */
	o.tag = NULL;
	st = (volt_cas_progress)VOLT_CAS_PROGRESS_INIT;
	ck_assert_int_eq(volt_cas_import_dir(&h2, &st, cas, src, &o), 0);
	ck_assert_mem_eq(h.bytes, h2.bytes, 32);
	ck_assert_uint_eq(st.blocks_new, 0);

	/* A subtree by path. */
	ck_assert_msg(volt_cas_checkout(cas, "tree:sub", out2, NULL) == 0, "%s", volt_error_message());
	{
		char *a = path_in("src/sub/big"), *b = path_in("out2/big");
		struct stat sa, sb;

		ck_assert_int_eq(stat(a, &sa), 0);
		ck_assert_int_eq(stat(b, &sb), 0);
		ck_assert_int_eq(sa.st_size, sb.st_size);
		ck_assert_int_eq(sb.st_mode & 07777, 02755);
		free(a);
		free(b);
	}
	/* A non-empty destination is refused. */
	ck_assert_int_eq(volt_cas_checkout(cas, "tree", out, NULL), -EEXIST);
	free(src);
	free(out);
	free(out2);
}
END_TEST

static int count_entry(const volt_cas_entry *e, void *userdata)
{
	(*(int *)userdata)++;
	return 0;
}

START_TEST(test_stat_and_list)
{
	volt_cas_import_options o = VOLT_CAS_IMPORT_OPTIONS_INIT;
	volt_cas_entry *e = NULL;
	volt_cas_hash h;
	char *src = make_tree();
	int n = 0;

	o.tag = "t";
	ck_assert_int_eq(volt_cas_import_dir(&h, NULL, cas, src, &o), 0);
	ck_assert_int_eq(volt_cas_stat(&e, cas, "t:sub/big"), 0);
	ck_assert_int_eq(e->type, VOLT_CAS_ENTRY_REGULAR);
	ck_assert_uint_eq(e->size, 3 << 20);
	ck_assert_uint_eq(e->uid, 1234);
	ck_assert_uint_eq(e->gid, 5678);
	ck_assert_int_eq(e->mtime_sec, 1000000000);
	ck_assert_uint_eq(e->mtime_nsec, 123456789);
	ck_assert_uint_eq(e->mode, 02755);
	volt_cas_entry_free(e);
	ck_assert_int_eq(volt_cas_stat(&e, cas, "t:hello"), 0);
	ck_assert_uint_eq(e->n_xattrs, 2);
	ck_assert_str_eq(e->xattrs[0].name, "user.binary");
	ck_assert_uint_ne(e->link_group, 0);
	volt_cas_entry_free(e);
	ck_assert_int_eq(volt_cas_stat(&e, cas, "t:abs-link"), 0);
	ck_assert_str_eq(e->target, "/etc/passwd");
	volt_cas_entry_free(e);
	ck_assert_int_eq(volt_cas_stat(&e, cas, "t:nothing"), -ENOENT);
	ck_assert_int_eq(volt_cas_stat(&e, cas, "t:hello/x"), -ENOTDIR);
	ck_assert_int_eq(volt_cas_stat(&e, cas, "t:../x"), -EINVAL);
	ck_assert_int_eq(volt_cas_list(cas, "t:sub", count_entry, &n), 0);
	ck_assert_int_eq(n, 3);
	ck_assert_int_eq(volt_cas_list(cas, "t:hello", count_entry, &n), -ENOTDIR);
	free(src);
}
END_TEST

START_TEST(test_image_random_reads)
{
	volt_cas_import_options o = VOLT_CAS_IMPORT_OPTIONS_INIT;
	volt_cas_progress st = VOLT_CAS_PROGRESS_INIT;
	size_t size = (5u << 20) + 12345; /* not a multiple of the block size */
	unsigned char *data = calloc(1, size), *buf = malloc(size);
	char *img = path_in("disk.img"), *out = path_in("disk.out");
	volt_cas_image *r = NULL;
	volt_cas_hash h;

	/* Data, then a 2 MiB hole of zeros, then data. */
	t_random(data, 1 << 20, 7);
	t_random(data + (3 << 20), size - (3 << 20), 8);
	t_write(tmp, "disk.img", data, size);
	o.tag = "disk";
	o.block_size = 16384;
	ck_assert_msg(volt_cas_import_image(&h, &st, cas, img, &o) == 0, "%s", volt_error_message());
	/* The hole is not stored (the image object itself is about 10K). */
	ck_assert_uint_le(st.bytes_new, size - (2 << 20) + 65536);
	ck_assert_int_eq(volt_cas_image_open(&r, cas, "disk"), 0);
	ck_assert_uint_eq(volt_cas_image_size(r), size);
	ck_assert_uint_eq(volt_cas_image_block_size(r), 16384);
	for (unsigned i = 0; i < 300; i++) {
		uint64_t off = ((uint64_t)rand() * 7919u) % size;
		size_t len = (size_t)rand() % 70000;
		ssize_t n = volt_cas_image_read(r, buf, len, off);
		size_t want = off + len > size ? size - off : len;

		ck_assert_int_eq(n, (ssize_t)want);
		ck_assert_msg(memcmp(buf, data + off, want) == 0, "read at %llu", (unsigned long long)off);
	}
	ck_assert_int_eq(volt_cas_image_read(r, buf, 10, size), 0);
	ck_assert_int_eq(volt_cas_image_read(r, buf, size, 0), (ssize_t)size);
	ck_assert(memcmp(buf, data, size) == 0);
	volt_cas_image_close(r);

	/* Checkout writes the image back. */
	ck_assert_int_eq(volt_cas_checkout(cas, "disk", out, NULL), 0);
	{
		int fd = open(out, O_RDONLY);

		ck_assert_int_eq(read(fd, buf, size), (ssize_t)size);
		ck_assert(memcmp(buf, data, size) == 0);
		close(fd);
	}
	free(data);
	free(buf);
	free(img);
	free(out);
}
END_TEST

START_TEST(test_file_random_reads)
{
	volt_cas_import_options o = VOLT_CAS_IMPORT_OPTIONS_INIT;
	char *src = make_tree(), *p = path_in("src/sub/big");
	unsigned char *data = malloc(3 << 20), *buf = malloc(100000);
	volt_cas_image *r = NULL;
	volt_cas_hash h;
	FILE *f = fopen(p, "re");

	ck_assert_uint_eq(fread(data, 1, 3 << 20, f), 3 << 20);
	fclose(f);
	o.tag = "t";
	ck_assert_int_eq(volt_cas_import_dir(&h, NULL, cas, src, &o), 0);
	ck_assert_int_eq(volt_cas_image_open(&r, cas, "t:sub/big"), 0);
	ck_assert_uint_eq(volt_cas_image_block_size(r), 0);
	for (unsigned i = 0; i < 200; i++) {
		uint64_t off = ((uint64_t)rand() * 131u) % (3 << 20);
		size_t len = (size_t)rand() % 100000;
		size_t want = off + len > (3u << 20) ? (3u << 20) - off : len;

		ck_assert_int_eq(volt_cas_image_read(r, buf, len, off), (ssize_t)want);
		ck_assert(memcmp(buf, data + off, want) == 0);
	}
	volt_cas_image_close(r);
	ck_assert_int_eq(volt_cas_image_open(&r, cas, "t:sub"), -EISDIR);
	ck_assert_int_eq(volt_cas_image_open(&r, cas, "t"), -EISDIR);
	free(src);
	free(p);
	free(data);
	free(buf);
}
END_TEST

START_TEST(test_refs)
{
	volt_cas_import_options o = VOLT_CAS_IMPORT_OPTIONS_INIT;
	volt_cas_hash h, g, zero = {};
	char **names = NULL;
	char *src = make_tree();
	size_t n = 0;

	ck_assert_int_eq(volt_cas_import_dir(&h, NULL, cas, src, &o), 0);
	ck_assert_int_eq(volt_cas_ref_set(cas, "b-ref", &h), 0);
	ck_assert_int_eq(volt_cas_ref_set(cas, "a.ref_1", &h), 0);
	ck_assert_int_eq(volt_cas_ref_set(cas, "../x", &h), -EINVAL);
	ck_assert_int_eq(volt_cas_ref_set(cas, ".hidden", &h), -EINVAL);
	ck_assert_int_eq(volt_cas_ref_set(cas, "a/b", &h), -EINVAL);
	ck_assert_int_eq(volt_cas_ref_set(cas, "", &h), -EINVAL);
	ck_assert_int_eq(volt_cas_ref_set(cas, "nothing", &zero), -ENOENT);
	ck_assert_int_eq(volt_cas_ref_list(&names, &n, cas), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(names[0], "a.ref_1");
	ck_assert_str_eq(names[1], "b-ref");
	ck_assert_ptr_null(names[2]);
	volt_strv_free(names);
	ck_assert_int_eq(volt_cas_ref_get(&g, cas, "b-ref"), 0);
	ck_assert_mem_eq(g.bytes, h.bytes, 32);
	ck_assert_int_eq(volt_cas_ref_delete(cas, "b-ref"), 0);
	ck_assert_int_eq(volt_cas_ref_get(&g, cas, "b-ref"), -ENOENT);
	ck_assert_int_eq(volt_cas_ref_delete(cas, "b-ref"), -ENOENT);
	{
		char hex[65];

		ck_assert_int_eq(volt_cas_resolve(&g, cas, volt_cas_hash_to_hex(hex, &h)), 0);
		ck_assert_mem_eq(g.bytes, h.bytes, 32);
		ck_assert_int_eq(volt_cas_hash_from_hex(&g, "xyz"), -EINVAL);
	}
	free(src);
}
END_TEST

START_TEST(test_gc_keeps_referenced_removes_the_rest)
{
	volt_cas_import_options o = VOLT_CAS_IMPORT_OPTIONS_INIT;
	volt_cas_gc_result res = VOLT_CAS_GC_RESULT_INIT;
	volt_cas_fsck_result fr = VOLT_CAS_FSCK_RESULT_INIT;
	unsigned char data[200000];
	char *src = make_tree(), *other = path_in("other"), *out = path_in("out");
	volt_cas_hash h, h2;

	o.tag = "keep";
	ck_assert_int_eq(volt_cas_import_dir(&h, NULL, cas, src, &o), 0);
	ck_assert_int_eq(mkdir(other, 0755), 0);
	t_random(data, sizeof(data), 99);
	t_write(other, "x", data, sizeof(data));
	o.tag = NULL;
	ck_assert_int_eq(volt_cas_import_dir(&h2, NULL, cas, other, &o), 0);
	ck_assert_int_eq(volt_cas_gc(&res, cas, VOLT_CAS_GC_DRY_RUN), 0);
	ck_assert_uint_ge(res.blocks_removed, 2);
	res = (volt_cas_gc_result)VOLT_CAS_GC_RESULT_INIT;
	ck_assert_int_eq(volt_cas_gc(&res, cas, 0), 0);
	ck_assert_uint_ge(res.blocks_removed, 2);
	ck_assert_uint_eq(res.refs, 1);
	res = (volt_cas_gc_result)VOLT_CAS_GC_RESULT_INIT;
	ck_assert_int_eq(volt_cas_gc(&res, cas, 0), 0);
	ck_assert_uint_eq(res.blocks_removed, 0);
	ck_assert_int_eq(volt_cas_fsck(&fr, cas, 0, NULL, NULL), 0);
	ck_assert_int_eq(volt_cas_checkout(cas, "keep", out, NULL), 0);
	t_compare_trees(src, out);
	{
		char hex[65];

		ck_assert_int_eq(volt_cas_resolve(&h, cas, volt_cas_hash_to_hex(hex, &h2)), -ENOENT);
	}
	/* After deleting the ref, everything goes. */
	ck_assert_int_eq(volt_cas_ref_delete(cas, "keep"), 0);
	res = (volt_cas_gc_result)VOLT_CAS_GC_RESULT_INIT;
	ck_assert_int_eq(volt_cas_gc(&res, cas, 0), 0);
	ck_assert_uint_eq(res.blocks_kept, 0);
	free(src);
	free(other);
	free(out);
}
END_TEST

/* Where block @h is stored: its pack file and the offset and length of its encoding. */
static void locate_block(const volt_cas_hash *h, char **path, long *start, long *len)
{
	ck_assert_int_eq(cas_packs_lookup(cas, h, true), 1);
	for (size_t i = 0; i < cas->packs->n; i++) {
		struct cas_pack *pk = cas->packs->v[i];
		int64_t k = cas_pack_find(pk, h);
		struct cas_pack_entry e;

		if (k < 0 || pk->gone)
			continue;
		cas_pack_entry_at(pk, (uint32_t)k, &e);
		ck_assert_int_ge(asprintf(path, "%s/store/packs/%s.pack", tmp, pk->name), 0);
		*start = (long)e.offset;
		*len = (long)e.len;
		return;
	}
	ck_abort_msg("block not found in a pack");
}

/* Flip one byte of the stored block holding @h's data (@where < 0: from its end). */
static void corrupt_block(const volt_cas_hash *h, long where)
{
	char *p = NULL;
	unsigned char c;
	long start, len;
	int fd;

	locate_block(h, &p, &start, &len);
	fd = open(p, O_RDWR);
	ck_assert_msg(fd >= 0, "open %s: %m", p);
	where = where < 0 ? start + len + where : start + where;
	ck_assert_int_eq(pread(fd, &c, 1, where), 1);
	c ^= 0x40;
	ck_assert_int_eq(pwrite(fd, &c, 1, where), 1);
	close(fd);
	free(p);
}

static int problems;
static void count_problem(volt_cas_problem p, const volt_cas_hash *h, const char *detail, void *userdata)
{
	problems++;
}

START_TEST(test_corrupt_block_is_detected)
{
	volt_cas_import_options o = VOLT_CAS_IMPORT_OPTIONS_INIT;
	volt_cas_fsck_result fr = VOLT_CAS_FSCK_RESULT_INIT;
	size_t size = 1 << 20;
	unsigned char *data = malloc(size), *buf = malloc(size);
	char *img = path_in("d.img"), *out = path_in("out"), *q = NULL;
	volt_cas_image *r = NULL;
	struct cas_image ci;
	volt_cas_hash h;
	struct stat st;

	t_random(data, size, 3);
	t_write(tmp, "d.img", data, size);
	o.tag = "d";
	ck_assert_int_eq(volt_cas_import_image(&h, NULL, cas, img, &o), 0);
	ck_assert_int_eq(cas_image_load(cas, &h, &ci), 0);
	corrupt_block(&ci.blocks[3], -1);
	ck_assert_int_eq(volt_cas_image_open(&r, cas, "d"), 0);
	/* Reads of good blocks work; the bad one is an error, never data. */
	ck_assert_int_eq(volt_cas_image_read(r, buf, 65536, 0), 65536);
	ck_assert_int_eq(volt_cas_image_read(r, buf, 100, 3 * 65536 + 10), -EBADMSG);
	ck_assert_int_eq(volt_cas_image_read(r, buf, size, 0), -EBADMSG);
	volt_cas_image_close(r);
	ck_assert_int_eq(volt_cas_checkout(cas, "d", out, NULL), -EBADMSG);

	problems = 0;
	ck_assert_int_eq(volt_cas_fsck(&fr, cas, 0, count_problem, NULL), -EBADMSG);
	ck_assert_uint_eq(fr.corrupt, 1);
	ck_assert_int_ge(problems, 1);
	fr = (volt_cas_fsck_result)VOLT_CAS_FSCK_RESULT_INIT;
	ck_assert_int_eq(volt_cas_fsck(&fr, cas, VOLT_CAS_FSCK_QUARANTINE, NULL, NULL), -EBADMSG);
	ck_assert_uint_eq(fr.quarantined, 1);
	{
		struct dirent *de;
		int packs = 0;
		DIR *d;

		/* The bad pack and its index are in quarantine/; its good blocks were copied out. */
		ck_assert_int_ge(asprintf(&q, "%s/store/quarantine", tmp), 0);
		ck_assert_ptr_nonnull(d = opendir(q));
		while ((de = readdir(d)))
			packs += strstr(de->d_name, ".pack") != NULL;
		closedir(d);
		ck_assert_int_eq(packs, 1);
		ck_assert_int_eq(stat(q, &st), 0);
		ck_assert_int_eq(volt_cas_image_open(&r, cas, "d"), 0);
		ck_assert_int_eq(volt_cas_image_read(r, buf, 65536, 0), 65536);
		ck_assert_int_eq(volt_cas_image_read(r, buf, 100, 3 * 65536 + 10), -ENOENT);
		volt_cas_image_close(r);
	}
	/* Now it is missing; re-importing the same data repairs the store. */
	fr = (volt_cas_fsck_result)VOLT_CAS_FSCK_RESULT_INIT;
	ck_assert_int_eq(volt_cas_fsck(&fr, cas, 0, NULL, NULL), -EBADMSG);
	ck_assert_uint_eq(fr.missing, 1);
	ck_assert_int_eq(volt_cas_import_image(&h, NULL, cas, img, &o), 0);
	fr = (volt_cas_fsck_result)VOLT_CAS_FSCK_RESULT_INIT;
	ck_assert_int_eq(volt_cas_fsck(&fr, cas, 0, NULL, NULL), 0);
	cas_image_clear(&ci);
	free(q);
	free(data);
	free(buf);
	free(img);
	free(out);
}
END_TEST

/* Store a hand-made tree object (as a hostile store would hold) and try to check it out. */
static void hostile_checkout(const char *name, uint8_t type, const char *target)
{
	struct cas_entry e = { .name = (char *)name, .type = type, .mode = 0644, .target = (char *)target };
	_cleanup_free_ void *data = NULL;
	volt_cas_hash h;
	char hex[65], *out = path_in("hostile-out");
	size_t len;

	ck_assert_int_eq(cas_tree_serialize(&e, 1, &data, &len), 0);
	ck_assert_int_eq(cas_block_put(cas, data, len, &h, NULL), 0);
	ck_assert_int_eq(volt_cas_checkout(cas, volt_cas_hash_to_hex(hex, &h), out, NULL), -EBADMSG);
	t_rmrf(out);
	free(out);
}

START_TEST(test_hostile_tree_refused_at_checkout)
{
	hostile_checkout("..", VOLT_CAS_ENTRY_REGULAR, NULL);
	hostile_checkout(".", VOLT_CAS_ENTRY_DIRECTORY, NULL);
	hostile_checkout("a/b", VOLT_CAS_ENTRY_REGULAR, NULL);
	hostile_checkout("../../etc", VOLT_CAS_ENTRY_SYMLINK, "/");
}
END_TEST

START_TEST(test_bad_options_refused)
{
	volt_cas_import_options o = VOLT_CAS_IMPORT_OPTIONS_INIT;
	volt_cas_hash h;
	char *src = path_in("e");

	ck_assert_int_eq(mkdir(src, 0755), 0);
	o.chunk_avg = 3000;
	ck_assert_int_eq(volt_cas_import_dir(&h, NULL, cas, src, &o), -EINVAL);
	o.chunk_avg = 0;
	o.block_size = 1000;
	ck_assert_int_eq(volt_cas_import_dir(&h, NULL, cas, src, &o), -EINVAL);
	o.block_size = 0;
	o.tag = "bad/tag";
	ck_assert_int_eq(volt_cas_import_dir(&h, NULL, cas, src, &o), -EINVAL);
	o.version = 99;
	ck_assert_int_eq(volt_cas_import_dir(&h, NULL, cas, src, &o), -EINVAL);
	ck_assert_int_eq(volt_cas_import_dir(&h, NULL, NULL, src, NULL), -EINVAL);
	free(src);
	{
		volt_cas *c2 = NULL;
		char *p = path_in("nostore");

		ck_assert_int_eq(volt_cas_open(&c2, p, NULL), -ENOENT);
		free(p);
	}
}
END_TEST

/* The layout of a version 1 caller (0.2's header): no limit fields. */
struct checkout_options_v1 {
	unsigned int version;
	unsigned int flags;
	volt_cas_progress_fn progress;
	void *userdata;
};

START_TEST(test_checkout_safe_limits_and_destinations)
{
	volt_cas_checkout_options o = VOLT_CAS_CHECKOUT_OPTIONS_INIT;
	struct checkout_options_v1 v1 = { 1, 0, NULL, NULL };
	char *src = make_tree(), *out = path_in("safe"), *p;
	bool root = geteuid() == 0;
	volt_cas_hash h;
	struct stat st;

	p = path_in("src/setuid");
	t_write(src, "setuid", "#!/bin/sh\n", 10);
	ck_assert_int_eq(chmod(p, 04755), 0);
	if (root)
		ck_assert_int_eq(setxattr(p, "trusted.volt", "x", 1, 0), 0);
	free(p);
	ck_assert_msg(volt_cas_import_dir(&h, NULL, cas, src, NULL) == 0, "%s", volt_error_message());
	ck_assert_int_eq(volt_cas_ref_set(cas, "t", &h), 0);

	/* SAFE: no device node, no set-ID bit on files, no trusted.* xattr; the rest as it was. */
	o.flags = VOLT_CAS_CHECKOUT_SAFE;
	ck_assert_msg(volt_cas_checkout(cas, "t", out, &o) == 0, "%s", volt_error_message());
	p = path_in("safe/null");
	ck_assert_int_eq(lstat(p, &st), -1);
	ck_assert_int_eq(errno, ENOENT);
	free(p);
	p = path_in("safe/setuid");
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0755);
	ck_assert_int_lt(lgetxattr(p, "trusted.volt", NULL, 0), 0);
	free(p);
	p = path_in("safe/sub/big");
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0755);
	free(p);
	p = path_in("safe/hello");
	ck_assert_int_eq(lgetxattr(p, "user.volt", NULL, 0), 5);
	free(p);
	p = path_in("safe/fifo");
	ck_assert_int_eq(lstat(p, &st), 0);
	ck_assert(S_ISFIFO(st.st_mode));
	free(p);
	t_rmrf(out);

	/* A version 1 caller gets a full checkout with the default limits. */
	ck_assert_msg(volt_cas_checkout(cas, "t", out, (const volt_cas_checkout_options *)&v1) == 0, "%s",
		      volt_error_message());
	p = path_in("safe/setuid");
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 04755);
	free(p);
	t_rmrf(out);

	/* Limits: refused before anything is written. */
	o.flags = 0;
	o.max_entries = 3;
	ck_assert_int_eq(volt_cas_checkout(cas, "t", out, &o), -E2BIG);
	ck_assert_ptr_nonnull(strstr(volt_error_message(), "too many entries"));
	ck_assert_int_eq(access(out, F_OK), -1);
	o.max_entries = 0;
	o.max_bytes = 1000;
	ck_assert_int_eq(volt_cas_checkout(cas, "t", out, &o), -EFBIG);
	ck_assert_int_eq(access(out, F_OK), -1);
	o.max_bytes = VOLT_CAS_CHECKOUT_UNLIMITED;
	o.flags = 1u << 20;
	ck_assert_int_eq(volt_cas_checkout(cas, "t", out, &o), -EINVAL);
	o.flags = 0;

	/* Destinations: another user's, or writable by others, are refused. */
	ck_assert_int_eq(mkdir(out, 0777), 0);
	ck_assert_int_eq(chmod(out, 0777), 0);
	ck_assert_int_eq(volt_cas_checkout(cas, "t", out, &o), -EPERM);
	ck_assert_int_eq(chmod(out, 0750), 0);
	if (root) {
		ck_assert_int_eq(chown(out, 65534, 65534), 0);
		ck_assert_int_eq(volt_cas_checkout(cas, "t", out, &o), -EPERM);
		ck_assert_int_eq(chown(out, 0, 0), 0);
	}
	/* An empty one of ours is replaced, keeping its mode. */
	ck_assert_msg(volt_cas_checkout(cas, "t", out, &o) == 0, "%s", volt_error_message());
	ck_assert_int_eq(stat(out, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0750);
	{
		char *dot = path_in(".");

		ck_assert_int_eq(volt_cas_checkout(cas, "t", dot, &o), -EINVAL);
		free(dot);
	}
	free(src);
	free(out);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("cas-store");
	TCase *tc = tcase_create("store");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_import_checkout_is_faithful);
	tcase_add_test(tc, test_stat_and_list);
	tcase_add_test(tc, test_image_random_reads);
	tcase_add_test(tc, test_file_random_reads);
	tcase_add_test(tc, test_refs);
	tcase_add_test(tc, test_gc_keeps_referenced_removes_the_rest);
	tcase_add_test(tc, test_corrupt_block_is_detected);
	tcase_add_test(tc, test_hostile_tree_refused_at_checkout);
	tcase_add_test(tc, test_bad_options_refused);
	tcase_add_test(tc, test_checkout_safe_limits_and_destinations);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	if (geteuid() != 0) {
		/* Owners, device nodes and trusted xattrs need root. */
		printf("SKIP: needs root to import and check out owners and device nodes\n");
		return 77;
	}
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
