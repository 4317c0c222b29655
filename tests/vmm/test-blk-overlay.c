/*
 * The Stellarium disk backend: reads on demand from an image in a real
 * store, writes into a per-VM overlay that survives a reopen, two
 * overlays of one image kept apart, the image never changed, an overlay
 * of another image refused, and the map written only at a flush (after
 * the data it names).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <volt/cas.h>
#include <volt/core/error.h>

#include "blk-backend.h"
#include "check-main.h"

#define ck_assert_fails_with(call, err, needle)                                        \
	do {                                                                           \
		int _r = (call);                                                       \
		ck_assert_int_eq(_r, -(err));                                          \
		ck_assert_msg(strstr(volt_error_message(), (needle)) != NULL,          \
			      "message '%s' lacks '%s'", volt_error_message(), (needle)); \
	} while (0)

#define BS 4096u
#define IMAGE_SIZE (5 * BS + 1024)  /* a partial last block */

static char dir[64], store[96], image[96], other[96], ov_a[96], ov_b[96];

static uint8_t pattern(uint64_t off)
{
	/* block 2 is all zeros: stored as a hole */
	return off / BS == 2 ? 0 : (uint8_t)(off * 13 + 1);
}

static void write_image(const char *path, uint8_t salt)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	for (uint64_t i = 0; i < IMAGE_SIZE; i++)
		fputc(pattern(i) ^ salt, f);
	fclose(f);
}

static void import(const char *path, const char *tag)
{
	volt_cas_open_options oo = VOLT_CAS_OPEN_OPTIONS_INIT;
	volt_cas_import_options io = VOLT_CAS_IMPORT_OPTIONS_INIT;
	volt_cas_hash root;
	volt_cas *cas = NULL;

	oo.flags = VOLT_CAS_OPEN_CREATE;
	io.block_size = BS;
	io.tag = tag;
	ck_assert_msg(volt_cas_open(&cas, store, &oo) == 0, "%s", volt_error_message());
	ck_assert_msg(volt_cas_import_image(&root, NULL, cas, path, &io) == 0, "%s",
		      volt_error_message());
	volt_cas_close(cas);
}

static void setup(void)
{
	strcpy(dir, "/tmp/volt-overlay-test.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(store, sizeof(store), "%s/cas", dir);
	snprintf(image, sizeof(image), "%s/image.raw", dir);
	snprintf(other, sizeof(other), "%s/other.raw", dir);
	snprintf(ov_a, sizeof(ov_a), "%s/a.overlay", dir);
	snprintf(ov_b, sizeof(ov_b), "%s/b.overlay", dir);
	write_image(image, 0);
	write_image(other, 0x5a);
	import(image, "base");
	import(other, "other");
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static int rd(struct blk_backend *b, void *buf, size_t len, uint64_t off)
{
	struct iovec iov = { buf, len };
	return b->ops->read(b, &iov, 1, off);
}

static int wr(struct blk_backend *b, const void *buf, size_t len, uint64_t off)
{
	struct iovec iov = { (void *)buf, len };
	return b->ops->write(b, &iov, 1, off);
}

static void expect_base(struct blk_backend *b, uint64_t off, size_t len)
{
	uint8_t buf[IMAGE_SIZE];

	ck_assert_int_eq(rd(b, buf, len, off), 0);
	for (size_t i = 0; i < len; i++)
		ck_assert_msg(buf[i] == pattern(off + i), "byte %llu", (unsigned long long)(off + i));
}

START_TEST(reads_the_image_on_demand)
{
	struct blk_backend *b = NULL;

	setup();
	ck_assert_msg(blk_overlay_open(&b, store, "base", NULL, false) == 0, "%s", volt_error_message());
	ck_assert_uint_eq(b->size, IMAGE_SIZE);
	ck_assert(b->read_only);  /* no overlay: read-only */
	expect_base(b, 0, IMAGE_SIZE);
	expect_base(b, BS - 7, 100);  /* across a block boundary */
	ck_assert_int_eq(wr(b, "x", 1, 0), -EROFS);
	blk_backend_close(b);
	teardown();
}
END_TEST

START_TEST(writes_go_to_the_overlay_and_survive_a_reopen)
{
	struct blk_backend *b = NULL;
	uint8_t buf[IMAGE_SIZE];

	setup();
	ck_assert_msg(blk_overlay_open(&b, store, "base", ov_a, false) == 0, "%s", volt_error_message());
	ck_assert(!b->read_only);
	/* a partial write of a block not yet in the overlay: the rest comes from the image */
	ck_assert_int_eq(wr(b, "hello", 5, BS + 10), 0);
	/* into the hole, and into the partial last block */
	ck_assert_int_eq(wr(b, "hole", 4, 2 * BS + 1), 0);
	ck_assert_int_eq(wr(b, "tail", 4, IMAGE_SIZE - 4), 0);
	ck_assert_int_eq(rd(b, buf, IMAGE_SIZE, 0), 0);
	ck_assert(memcmp(buf + BS + 10, "hello", 5) == 0);
	ck_assert_uint_eq(buf[BS + 9], pattern(BS + 9));
	ck_assert_uint_eq(buf[BS + 15], pattern(BS + 15));
	ck_assert_uint_eq(buf[2 * BS], 0);
	ck_assert(memcmp(buf + 2 * BS + 1, "hole", 4) == 0);
	ck_assert(memcmp(buf + IMAGE_SIZE - 4, "tail", 4) == 0);
	ck_assert_int_eq(rd(b, buf, 100, 4 * BS), 0);
	ck_assert_uint_eq(buf[0], pattern(4 * BS));
	blk_backend_close(b);

	/* reopened: the writes are there */
	ck_assert_int_eq(blk_overlay_open(&b, store, "base", ov_a, false), 0);
	ck_assert_int_eq(rd(b, buf, IMAGE_SIZE, 0), 0);
	ck_assert(memcmp(buf + BS + 10, "hello", 5) == 0);
	ck_assert(memcmp(buf + IMAGE_SIZE - 4, "tail", 4) == 0);
	ck_assert_uint_eq(buf[BS + 9], pattern(BS + 9));
	blk_backend_close(b);

	/* read-only through an existing overlay sees it and cannot write */
	ck_assert_int_eq(blk_overlay_open(&b, store, "base", ov_a, true), 0);
	ck_assert_int_eq(rd(b, buf, 5, BS + 10), 0);
	ck_assert(memcmp(buf, "hello", 5) == 0);
	ck_assert_int_eq(wr(b, "x", 1, 0), -EROFS);
	blk_backend_close(b);

	/* another VM's overlay sees only the image */
	ck_assert_int_eq(blk_overlay_open(&b, store, "base", ov_b, false), 0);
	expect_base(b, 0, IMAGE_SIZE);
	blk_backend_close(b);

	/* and the image itself is unchanged */
	ck_assert_int_eq(blk_overlay_open(&b, store, "base", NULL, false), 0);
	expect_base(b, 0, IMAGE_SIZE);
	blk_backend_close(b);
	teardown();
}
END_TEST

START_TEST(map_reaches_the_file_only_at_a_flush)
{
	struct blk_backend *b = NULL;
	uint8_t map = 0xff;
	int fd;

	setup();
	ck_assert_int_eq(blk_overlay_open(&b, store, "base", ov_a, false), 0);
	ck_assert_int_eq(wr(b, "data", 4, 3 * BS), 0);
	fd = open(ov_a, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, &map, 1, 4096), 1);
	ck_assert_uint_eq(map, 0);  /* written data, but no map bit yet */
	ck_assert_int_eq(b->ops->flush(b), 0);
	ck_assert_int_eq(pread(fd, &map, 1, 4096), 1);
	ck_assert_uint_eq(map, 1u << 3);
	close(fd);
	blk_backend_close(b);
	teardown();
}
END_TEST

START_TEST(overlay_of_another_image_is_refused)
{
	struct blk_backend *b = NULL;

	setup();
	ck_assert_int_eq(blk_overlay_open(&b, store, "base", ov_a, false), 0);
	blk_backend_close(b);
	b = NULL;
	ck_assert_fails_with(blk_overlay_open(&b, store, "other", ov_a, false), EINVAL, "belongs to image");
	ck_assert_ptr_null(b);
	ck_assert_fails_with(blk_overlay_open(&b, store, "missing", ov_a, false), ENOENT, "missing");
	ck_assert_fails_with(blk_overlay_open(&b, store, "base", image, false), EINVAL,
			     "not a Volt disk overlay");
	teardown();
}
END_TEST

CHECK_MAIN("blk-overlay",
	   reads_the_image_on_demand,
	   writes_go_to_the_overlay_and_survive_a_reopen,
	   map_reaches_the_file_only_at_a_flush,
	   overlay_of_another_image_is_refused)
