/*
 * OCI layers and their merge: plain, gzip and zstd layers import (by
 * media type and by sniffing), whiteouts and opaque directories apply
 * at merge only, order matters, hard links stay within their layer,
 * and hostile or broken layers fail with nothing recorded.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <volt/core.h>

#include "cas-test.h"
#include "img-test.h"
#include "volt-test.h"

#define MT_TAR "application/vnd.oci.image.layer.v1.tar"
#define MT_GZIP "application/vnd.oci.image.layer.v1.tar+gzip"
#define MT_ZSTD "application/vnd.oci.image.layer.v1.tar+zstd"
#define CONFIG "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/bin/sh\"]}}"

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

/* The base layer most tests start from. */
static void base_layer(struct t_tar *t)
{
	t_tar_add(t, "etc/", '5', NULL, NULL);
	t_tar_add(t, "etc/hello", '0', NULL, "hello from layer 1\n");
	t_tar_add(t, "etc/old", '0', NULL, "to be deleted\n");
	t_tar_add(t, "d/", '5', NULL, NULL);
	t_tar_add(t, "d/lower", '0', NULL, "hidden by opaque\n");
	t_tar_add(t, "keep/", '5', NULL, NULL);
	t_tar_add(t, "keep/file", '0', NULL, "untouched\n");
	t_tar_finish(t);
}

static void commit(const char *name, char digests[][72], size_t n, volt_cas_hash *root)
{
	const char *v[8];

	for (size_t i = 0; i < n; i++)
		v[i] = digests[i];
	ck_assert_msg(volt_img_image_commit(root, cas, name, v, n, CONFIG, strlen(CONFIG), NULL) == 0, "%s",
		      volt_error_message());
}

static char *rootcat(const volt_cas_hash *root, const char *path)
{
	char hex[VOLT_CAS_HASH_HEX_SIZE];

	return t_cat(cas, volt_cas_hash_to_hex(hex, root), path);
}

static void assert_file(const volt_cas_hash *root, const char *path, const char *want)
{
	char *got = rootcat(root, path);

	if (!want) {
		ck_assert_msg(got == NULL, "%s should be absent, holds '%s'", path, got);
		return;
	}
	ck_assert_msg(got != NULL, "%s is missing", path);
	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(test_whiteouts_and_opaque_dirs_apply_at_merge)
{
	struct t_tar l1 = {}, l2 = {};
	char d[2][72];
	volt_cas_hash t1, t2, root;

	base_layer(&l1);
	t_tar_add(&l2, "etc/", '5', NULL, NULL);
	t_tar_add(&l2, "etc/.wh.old", '0', NULL, NULL);
	t_tar_add(&l2, "etc/hello", '0', NULL, "hello from layer 2\n");
	t_tar_add(&l2, "d/", '5', NULL, NULL);
	t_tar_add(&l2, "d/.wh..wh..opq", '0', NULL, NULL);
	t_tar_add(&l2, "d/upper", '0', NULL, "new in layer 2\n");
	t_tar_add(&l2, "new/", '5', NULL, NULL);
	t_tar_add(&l2, "new/.wh.nothing", '0', NULL, NULL);
	t_tar_finish(&l2);
	ck_assert_msg(t_import_layer(cas, &l1, T_NONE, MT_TAR, d[0], &t1) == 0, "%s", volt_error_message());
	ck_assert_msg(t_import_layer(cas, &l2, T_GZIP, MT_GZIP, d[1], &t2) == 0, "%s", volt_error_message());

	/* The layer tree keeps its whiteouts as entries. */
	{
		char hex[VOLT_CAS_HASH_HEX_SIZE], *s;

		volt_cas_hash_to_hex(hex, &t2);
		s = t_cat(cas, hex, "etc/.wh.old");
		ck_assert_ptr_nonnull(s);
		free(s);
	}
	commit("demo:1.0", d, 2, &root);
	assert_file(&root, "etc/hello", "hello from layer 2\n");
	assert_file(&root, "etc/old", NULL);
	assert_file(&root, "etc/.wh.old", NULL);
	assert_file(&root, "d/lower", NULL);
	assert_file(&root, "d/upper", "new in layer 2\n");
	assert_file(&root, "d/.wh..wh..opq", NULL);
	assert_file(&root, "keep/file", "untouched\n");
	assert_file(&root, "new/.wh.nothing", NULL);
	t_tar_free(&l1);
	t_tar_free(&l2);
}
END_TEST

START_TEST(test_implied_parents_keep_the_lower_directory)
{
	struct t_tar a = {}, b = {};
	char d[2][72], hex[VOLT_CAS_HASH_HEX_SIZE], *spec = NULL;
	volt_cas_hash t, root;
	volt_cas_entry *e = NULL;

	/* Layer 1: "secret/" is 0700 with an mtime; layer 2 names only "secret/f". */
	t_tar_add(&a, "secret/", '5', NULL, NULL);
	t_tar_finish(&a);
	{
		unsigned char *h = a.buf;
		unsigned sum = 0;

		snprintf((char *)h + 100, 8, "%07o", 0700);
		memset(h + 148, ' ', 8);
		for (int i = 0; i < 512; i++)
			sum += h[i];
		snprintf((char *)h + 148, 8, "%06o", sum);
	}
	t_tar_add(&b, "secret/f", '0', NULL, "f\n");
	t_tar_finish(&b);
	ck_assert_int_eq(t_import_layer(cas, &a, T_NONE, NULL, d[0], &t), 0);
	ck_assert_int_eq(t_import_layer(cas, &b, T_NONE, NULL, d[1], &t), 0);
	commit("implied", d, 2, &root);
	ck_assert_int_ge(asprintf(&spec, "%s:secret", volt_cas_hash_to_hex(hex, &root)), 0);
	ck_assert_int_eq(volt_cas_stat(&e, cas, spec), 0);
	ck_assert_uint_eq(e->mode, 0700);
	ck_assert_int_eq(e->mtime_sec, 1700000000);
	volt_cas_entry_free(e);
	free(spec);
	assert_file(&root, "secret/f", "f\n");
	t_tar_free(&a);
	t_tar_free(&b);
}
END_TEST

START_TEST(test_layer_order_decides)
{
	struct t_tar a = {}, b = {};
	char d[2][72], rev[2][72];
	volt_cas_hash t, root;

	t_tar_add(&a, "f", '0', NULL, "A\n");
	t_tar_finish(&a);
	t_tar_add(&b, "f", '0', NULL, "B\n");
	t_tar_add(&b, "f2", '0', NULL, "only B\n");
	t_tar_finish(&b);
	ck_assert_int_eq(t_import_layer(cas, &a, T_ZSTD, MT_ZSTD, d[0], &t), 0);
	ck_assert_int_eq(t_import_layer(cas, &b, T_GZIP, NULL, d[1], &t), 0); /* sniffed */
	commit("order:ab", d, 2, &root);
	assert_file(&root, "f", "B\n");
	memcpy(rev[0], d[1], 72);
	memcpy(rev[1], d[0], 72);
	commit("order:ba", rev, 2, &root);
	assert_file(&root, "f", "A\n");
	assert_file(&root, "f2", "only B\n");
	t_tar_free(&a);
	t_tar_free(&b);
}
END_TEST

START_TEST(test_lookup_finds_imported_layers_only)
{
	struct t_tar a = {};
	char d[72];
	volt_cas_hash t, t2;

	ck_assert_fails_with(volt_img_layer_lookup(&t, cas, "sha256:0000000000000000000000000000000000000000000000000000000000000000"),
			     ENOENT, "not imported");
	ck_assert_fails_with(volt_img_layer_lookup(&t, cas, "md5:00"), EINVAL, "invalid digest");
	t_tar_add(&a, "x", '0', NULL, "x");
	t_tar_finish(&a);
	ck_assert_int_eq(t_import_layer(cas, &a, T_NONE, NULL, d, &t), 0);
	ck_assert_int_eq(volt_img_layer_lookup(&t2, cas, d), 0);
	ck_assert_mem_eq(&t, &t2, sizeof(t));
	t_tar_free(&a);
}
END_TEST

/* A layer refused: the error, and no record left. */
static void refused(struct t_tar *t, enum t_comp c, const char *mt, int err, const char *needle)
{
	char d[72];
	volt_cas_hash tree;

	ck_assert_fails_with(t_import_layer(cas, t, c, mt, d, &tree), err, needle);
	ck_assert_int_eq(volt_img_layer_lookup(&tree, cas, d), -ENOENT);
}

START_TEST(test_hostile_layers_are_refused_with_nothing_recorded)
{
	struct t_tar t = {};

	t_tar_add(&t, "../escape", '0', NULL, "x");
	t_tar_finish(&t);
	refused(&t, T_GZIP, MT_GZIP, EINVAL, "..");
	t_tar_free(&t);

	t_tar_add(&t, "/etc/passwd", '0', NULL, "x");
	t_tar_finish(&t);
	refused(&t, T_NONE, MT_TAR, EINVAL, "");
	t_tar_free(&t);

	/* A symlink, then a file written "through" it. */
	t_tar_add(&t, "link", '2', "/etc", NULL);
	t_tar_add(&t, "link/passwd", '0', NULL, "x");
	t_tar_finish(&t);
	refused(&t, T_GZIP, MT_GZIP, EINVAL, "not a directory");
	t_tar_free(&t);

	/* A hard link to a file outside the layer (a lower layer's, or the host's). */
	t_tar_add(&t, "hard", '1', "etc/hello", NULL);
	t_tar_finish(&t);
	refused(&t, T_NONE, MT_TAR, EINVAL, "hard link");
	t_tar_free(&t);
	t_tar_add(&t, "hard", '1', "../../etc/shadow", NULL);
	t_tar_finish(&t);
	refused(&t, T_NONE, MT_TAR, EINVAL, "");
	t_tar_free(&t);
}
END_TEST

START_TEST(test_broken_streams_are_refused_with_nothing_recorded)
{
	struct t_tar t = {};
	unsigned char *blob;
	size_t len;
	char d[72];
	volt_cas_hash tree;
	int fd;

	base_layer(&t);
	/* Truncated gzip: half the blob. */
	blob = t_compress(t.buf, t.len, T_GZIP, &len);
	fd = t_fd(blob, len / 2);
	t_digest(d, blob, len / 2);
	ck_assert_fails_with(volt_img_layer_import(&tree, cas, d, MT_GZIP, fd), EBADMSG, "truncated");
	ck_assert_int_eq(volt_img_layer_lookup(&tree, cas, d), -ENOENT);
	close(fd);
	/* Corrupt gzip: flipped bytes in the middle. */
	blob[len / 2] ^= 0xff;
	blob[len / 2 + 1] ^= 0xff;
	fd = t_fd(blob, len);
	t_digest(d, blob, len);
	ck_assert_int_eq(volt_img_layer_import(&tree, cas, d, MT_GZIP, fd), -EBADMSG);
	ck_assert_int_eq(volt_img_layer_lookup(&tree, cas, d), -ENOENT);
	close(fd);
	free(blob);
	/* Declared gzip, is a plain tar. */
	refused(&t, T_NONE, MT_GZIP, EBADMSG, "gzip");
	/* Declared zstd, is gzip. */
	refused(&t, T_GZIP, MT_ZSTD, EBADMSG, "zstd");
	/* Truncated zstd. */
	blob = t_compress(t.buf, t.len, T_ZSTD, &len);
	fd = t_fd(blob, len - 5);
	t_digest(d, blob, len - 5);
	ck_assert_fails_with(volt_img_layer_import(&tree, cas, d, MT_ZSTD, fd), EBADMSG, "");
	ck_assert_int_eq(volt_img_layer_lookup(&tree, cas, d), -ENOENT);
	close(fd);
	free(blob);
	/* A plain tar cut inside a file. */
	t.len = 700;
	refused(&t, T_NONE, MT_TAR, EBADMSG, "truncated");
	/* Unknown media type, empty blob. */
	refused(&t, T_NONE, "application/x-unknown", EOPNOTSUPP, "media type");
	t.len = 0;
	refused(&t, T_GZIP, MT_GZIP, EBADMSG, "");
	t_tar_free(&t);
}
END_TEST

START_TEST(test_commit_of_a_missing_layer_records_nothing)
{
	struct t_tar a = {};
	const char *v[2];
	char d[72];
	volt_cas_hash t, root;
	char *p = NULL;
	struct stat st;

	t_tar_add(&a, "x", '0', NULL, "x");
	t_tar_finish(&a);
	ck_assert_int_eq(t_import_layer(cas, &a, T_NONE, NULL, d, &t), 0);
	v[0] = d;
	v[1] = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
	ck_assert_fails_with(volt_img_image_commit(&root, cas, "demo", v, 2, CONFIG, strlen(CONFIG), NULL),
			     ENOENT, "not imported");
	ck_assert_fails_with(volt_img_image_commit(&root, cas, "demo", v, 1, "[1]", 3, NULL), EINVAL,
			     "not a JSON object");
	ck_assert_fails_with(volt_img_image_commit(&root, cas, "bad name", v, 1, CONFIG, strlen(CONFIG), NULL),
			     EINVAL, "invalid image name");
	ck_assert_fails_with(volt_img_image_commit(&root, cas, "demo", v, 1, CONFIG, strlen(CONFIG), "sha256:zz"),
			     EINVAL, "manifest");
	ck_assert_int_ge(asprintf(&p, "%s/store/oci/images", tmp), 0);
	ck_assert(stat(p, &st) < 0 || st.st_nlink == 2);
	free(p);
	t_tar_free(&a);
}
END_TEST

START_TEST(test_hard_links_of_two_layers_never_join)
{
	struct t_tar a = {}, b = {};
	char d[2][72], hex[VOLT_CAS_HASH_HEX_SIZE], *out = NULL, *p = NULL, *q = NULL;
	volt_cas_hash t, root;
	volt_cas_checkout_options o = VOLT_CAS_CHECKOUT_OPTIONS_INIT;
	struct stat sa, sb, sc, sd;

	t_tar_add(&a, "a", '0', NULL, "layer a\n");
	t_tar_add(&a, "b", '1', "a", NULL);
	t_tar_finish(&a);
	t_tar_add(&b, "c", '0', NULL, "layer b\n");
	t_tar_add(&b, "d", '1', "c", NULL);
	t_tar_finish(&b);
	ck_assert_int_eq(t_import_layer(cas, &a, T_NONE, NULL, d[0], &t), 0);
	ck_assert_int_eq(t_import_layer(cas, &b, T_NONE, NULL, d[1], &t), 0);
	commit("links", d, 2, &root);
	ck_assert_int_ge(asprintf(&out, "%s/out", tmp), 0);
	o.flags = VOLT_CAS_CHECKOUT_NO_OWNER;
	ck_assert_msg(volt_cas_checkout(cas, volt_cas_hash_to_hex(hex, &root), out, &o) == 0, "%s",
		      volt_error_message());
#define ST(name, s) do { free(p); ck_assert_int_ge(asprintf(&p, "%s/%s", out, name), 0); ck_assert_int_eq(stat(p, &s), 0); } while (0)
	ST("a", sa);
	ST("b", sb);
	ST("c", sc);
	ST("d", sd);
	ck_assert_int_eq(sa.st_ino, sb.st_ino);
	ck_assert_int_eq(sc.st_ino, sd.st_ino);
	ck_assert_int_ne(sa.st_ino, sc.st_ino);
	free(p);
	free(q);
	free(out);
	t_tar_free(&a);
	t_tar_free(&b);
}
END_TEST

START_TEST(test_gc_keeps_recorded_layers_and_images)
{
	struct t_tar a = {};
	char d[1][72], *s;
	volt_cas_hash t, root;
	volt_cas_gc_result res = VOLT_CAS_GC_RESULT_INIT;

	base_layer(&a);
	ck_assert_int_eq(t_import_layer(cas, &a, T_GZIP, MT_GZIP, d[0], &t), 0);
	commit("gc:1", d, 1, &root);
	ck_assert_msg(volt_cas_gc(&res, cas, 0) == 0, "%s", volt_error_message());
	ck_assert_uint_eq(res.blocks_removed, 0);
	assert_file(&root, "etc/hello", "hello from layer 1\n");
	s = rootcat(&t, "etc/old");
	ck_assert_ptr_nonnull(s);
	free(s);
	t_tar_free(&a);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("oci-layer");
	TCase *tc = tcase_create("oci-layer");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_whiteouts_and_opaque_dirs_apply_at_merge);
	tcase_add_test(tc, test_layer_order_decides);
	tcase_add_test(tc, test_implied_parents_keep_the_lower_directory);
	tcase_add_test(tc, test_lookup_finds_imported_layers_only);
	tcase_add_test(tc, test_hostile_layers_are_refused_with_nothing_recorded);
	tcase_add_test(tc, test_broken_streams_are_refused_with_nothing_recorded);
	tcase_add_test(tc, test_commit_of_a_missing_layer_records_nothing);
	tcase_add_test(tc, test_hard_links_of_two_layers_never_join);
	tcase_add_test(tc, test_gc_keeps_recorded_layers_and_images);
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
