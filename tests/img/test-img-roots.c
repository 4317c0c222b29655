/*
 * Image and layer records as store refs ("img.image.*", "img.layer.*"):
 * set before a record is written, dropped after it is removed, given
 * back to records that lack them and dropped where a crash left them
 * without a record, by volt_img_roots_repair(); the store's gc keeps
 * exactly what they reach.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <volt/core.h>

#include "cas-internal.h"
#include "cas-test.h"
#include "img-test.h"
#include "volt-test.h"

#define CONFIG "{\"config\":{\"Cmd\":[\"/bin/true\"]}}"

static char *tmp;
static volt_cas *cas;
static char layer[72];
static volt_cas_hash layer_tree;

static void setup(void)
{
	struct t_tar t = {};

	tmp = t_mkdtemp();
	cas = t_store(tmp);
	t_tar_add(&t, "f", '0', NULL, "roots\n");
	t_tar_finish(&t);
	ck_assert_int_eq(t_import_layer(cas, &t, T_GZIP, NULL, layer, &layer_tree), 0);
	t_tar_free(&t);
}

static void teardown(void)
{
	volt_cas_close(cas);
	t_rmrf(tmp);
	free(tmp);
}

static void commit(const char *name)
{
	const char *v[] = { layer };

	ck_assert_msg(volt_img_image_commit(NULL, cas, name, v, 1, CONFIG, strlen(CONFIG), NULL) == 0, "%s",
		      volt_error_message());
}

/* "img.image.<sha256 of NAME>" and "img.layer.<hex of the layer digest>". */
static void image_ref(char out[80], const char *name)
{
	char hex[VOLT_CAS_HASH_HEX_SIZE];
	volt_cas_hash h;

	cas_sha256(&h, name, strlen(name));
	snprintf(out, 80, "img.image.%s", volt_cas_hash_to_hex(hex, &h));
}

static void layer_ref(char out[80])
{
	snprintf(out, 80, "img.layer.%s", layer + 7);
}

static bool has_ref(const char *name, volt_cas_hash *out)
{
	volt_cas_hash h;
	int r = volt_cas_ref_get(out ? out : &h, cas, name);

	if (r == -ENOENT)
		return false;
	ck_assert_msg(r == 0, "ref %s: %s", name, volt_error_message());
	return true;
}

/* Run @cmd in the store's directory. */
static void sh(const char *cmd_in_store)
{
	char *cmd = NULL;

	ck_assert_int_ge(asprintf(&cmd, "cd %s/store && %s", tmp, cmd_in_store), 0);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

START_TEST(test_records_hold_refs_to_what_they_keep)
{
	volt_img_image *img = NULL;
	char ref[80];
	volt_cas_hash h;

	/* A layer record alone holds its ref. */
	layer_ref(ref);
	ck_assert(has_ref(ref, &h));
	ck_assert_mem_eq(&h, &layer_tree, sizeof(h));
	commit("r:1");
	ck_assert_int_eq(volt_img_image_get(&img, cas, "r:1"), 0);
	image_ref(ref, "r:1");
	ck_assert(has_ref(ref, &h));
	ck_assert_mem_eq(&h, &img->record, sizeof(h));
	volt_img_image_free(img);
	/* A tag is a record of its own, with its own ref. */
	ck_assert_int_eq(volt_img_image_tag(cas, "r:1", "r:2"), 0);
	image_ref(ref, "r:2");
	ck_assert(has_ref(ref, NULL));
}
END_TEST

START_TEST(test_remove_drops_the_refs_and_gc_frees)
{
	volt_cas_gc_result res = VOLT_CAS_GC_RESULT_INIT;
	char ref[80];

	commit("r:1");
	ck_assert_int_eq(volt_img_roots_repair(cas, 0), 0);
	ck_assert_int_eq(volt_cas_gc(&res, cas, 0), 0);
	ck_assert_uint_eq(res.blocks_removed, 0);
	ck_assert_int_eq(volt_img_image_remove(NULL, cas, "r:1"), 0);
	image_ref(ref, "r:1");
	ck_assert(!has_ref(ref, NULL));
	layer_ref(ref);
	ck_assert(!has_ref(ref, NULL));
	ck_assert_int_eq(volt_cas_gc(&res, cas, 0), 0);
	ck_assert_uint_gt(res.blocks_removed, 0);
}
END_TEST

START_TEST(test_repair_gives_records_without_refs_theirs)
{
	volt_cas_gc_result res = VOLT_CAS_GC_RESULT_INIT;
	volt_img_image *img = NULL;
	char ref[80], hex[VOLT_CAS_HASH_HEX_SIZE], *s;

	commit("old:1");
	/* A store written before 0.4: records, no refs. */
	sh("rm refs/img.*");
	image_ref(ref, "old:1");
	ck_assert(!has_ref(ref, NULL));
	/* A dry run adds them too: its counts must be the real run's. */
	ck_assert_int_eq(volt_img_roots_repair(cas, VOLT_IMG_ROOTS_DRY_RUN), 0);
	ck_assert(has_ref(ref, NULL));
	sh("rm refs/img.*");
	ck_assert_int_eq(volt_img_roots_repair(cas, 0), 0);
	ck_assert(has_ref(ref, NULL));
	layer_ref(ref);
	ck_assert(has_ref(ref, NULL));
	ck_assert_int_eq(volt_cas_gc(&res, cas, 0), 0);
	ck_assert_uint_eq(res.blocks_removed, 0);
	ck_assert_int_eq(volt_img_image_get(&img, cas, "old:1"), 0);
	volt_cas_hash_to_hex(hex, &img->root);
	volt_img_image_free(img);
	s = t_cat(cas, hex, "f");
	ck_assert_str_eq(s, "roots\n");
	free(s);
}
END_TEST

START_TEST(test_repair_drops_refs_a_crash_left_without_a_record)
{
	volt_cas_gc_result res = VOLT_CAS_GC_RESULT_INIT;
	char **names = NULL, ref[80], lref[80];
	size_t n = 9;

	commit("crash:1");
	/* As a crash between a ref and its record leaves it: refs, no records. */
	sh("rm oci/images/*.json");
	sh("rm oci/layers/sha256-*");
	ck_assert_int_eq(volt_img_image_list(&names, &n, cas), 0);
	ck_assert_uint_eq(n, 0);
	volt_strv_free(names);
	image_ref(ref, "crash:1");
	layer_ref(lref);
	/* Until the repair, the data stays. */
	ck_assert_int_eq(volt_cas_gc(&res, cas, 0), 0);
	ck_assert_uint_eq(res.blocks_removed, 0);
	ck_assert_int_eq(volt_img_roots_repair(cas, VOLT_IMG_ROOTS_DRY_RUN), 0);
	ck_assert(has_ref(ref, NULL) && has_ref(lref, NULL));
	ck_assert_int_eq(volt_img_roots_repair(cas, 0), 0);
	ck_assert(!has_ref(ref, NULL) && !has_ref(lref, NULL));
	ck_assert_int_eq(volt_cas_gc(&res, cas, 0), 0);
	ck_assert_uint_gt(res.blocks_removed, 0);
}
END_TEST

START_TEST(test_repair_leaves_other_refs_alone)
{
	static const char *const keep[] = {
		"img.notes", "img.image.zz", "img.layer.0000", "image.0000000000000000000000000000000000000000000000000000000000000000",
		"img.image.000000000000000000000000000000000000000000000000000000000000000A",
	};

	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		ck_assert_int_eq(volt_cas_ref_set(cas, keep[i], &layer_tree), 0);
	ck_assert_int_eq(volt_img_roots_repair(cas, 0), 0);
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		ck_assert_msg(has_ref(keep[i], NULL), "%s dropped", keep[i]);
}
END_TEST

START_TEST(test_repair_waits_for_writers_or_says_busy)
{
	int lock = -1;

	ck_assert_int_eq(cas_lock(cas, false, true, &lock), 0);
	ck_assert_fails_with(volt_img_roots_repair(cas, VOLT_IMG_ROOTS_NO_WAIT), EBUSY, "busy");
	close(lock);
	ck_assert_int_eq(volt_img_roots_repair(cas, VOLT_IMG_ROOTS_NO_WAIT), 0);
	ck_assert_int_eq(volt_img_roots_repair(cas, 1u << 7), -EINVAL);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("img-roots");
	TCase *tc = tcase_create("img-roots");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_records_hold_refs_to_what_they_keep);
	tcase_add_test(tc, test_remove_drops_the_refs_and_gc_frees);
	tcase_add_test(tc, test_repair_gives_records_without_refs_theirs);
	tcase_add_test(tc, test_repair_drops_refs_a_crash_left_without_a_record);
	tcase_add_test(tc, test_repair_leaves_other_refs_alone);
	tcase_add_test(tc, test_repair_waits_for_writers_or_says_busy);
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
