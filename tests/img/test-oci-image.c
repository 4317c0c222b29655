/*
 * Image records: lookup by full name, short name and id, ambiguity,
 * config fields (null and empty arrays kept apart), configs refused at
 * commit, tag, remove (layer records pruned only when unused), and
 * corrupt records reported rather than trusted.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <volt/core.h>

#include "cas-test.h"
#include "img-test.h"
#include "volt-test.h"

#define CONFIG "{\"os\":\"linux\",\"architecture\":\"amd64\",\"config\":{\"Entrypoint\":[],\"Cmd\":null," \
	       "\"Env\":[\"A=1\",\"B=2\"],\"WorkingDir\":\"/w\",\"User\":\"u:g\",\"ExposedPorts\":{\"9/udp\":{},\"80/tcp\":{}}}}"
#define CONFIG2 "{\"config\":{\"Cmd\":[\"/bin/true\"]}}"

static char *tmp;
static volt_cas *cas;
static char layer[72];

static void setup(void)
{
	struct t_tar t = {};
	volt_cas_hash tree;

	tmp = t_mkdtemp();
	cas = t_store(tmp);
	t_tar_add(&t, "f", '0', NULL, "f\n");
	t_tar_finish(&t);
	ck_assert_int_eq(t_import_layer(cas, &t, T_GZIP, NULL, layer, &tree), 0);
	t_tar_free(&t);
}

static void teardown(void)
{
	volt_cas_close(cas);
	t_rmrf(tmp);
	free(tmp);
}

static void commit(const char *name, const char *config)
{
	const char *v[] = { layer };

	ck_assert_msg(volt_img_image_commit(NULL, cas, name, v, 1, config,
						strlen(config),
						"sha256:2222222222222222222222222222222222222222222222222222222222222222") == 0, "%s", volt_error_message());
}

START_TEST(test_names_short_forms_and_ids_find_images)
{
	volt_img_image *img = NULL;
	char id[20];

	commit("127.0.0.1:5000/library/demo:1.0", CONFIG);
	commit("demo", CONFIG2);
	ck_assert_int_eq(volt_img_image_get(&img, cas, "127.0.0.1:5000/library/demo:1.0"), 0);
	ck_assert_str_eq(img->name, "127.0.0.1:5000/library/demo:1.0");
	ck_assert_str_eq(img->manifest_digest, "sha256:2222222222222222222222222222222222222222222222222222222222222222");
	snprintf(id, sizeof(id), "%.12s", img->id + 7);
	img = volt_img_image_free(img);
	ck_assert_int_eq(volt_img_image_get(&img, cas, "demo:1.0"), 0);
	ck_assert_str_eq(img->name, "127.0.0.1:5000/library/demo:1.0");
	img = volt_img_image_free(img);
	ck_assert_int_eq(volt_img_image_get(&img, cas, "library/demo:1.0"), 0);
	img = volt_img_image_free(img);
	/* "demo" is demo:latest, an exact name. */
	ck_assert_int_eq(volt_img_image_get(&img, cas, "demo"), 0);
	ck_assert_str_eq(img->name, "demo:latest");
	img = volt_img_image_free(img);
	ck_assert_int_eq(volt_img_image_get(&img, cas, id), 0);
	ck_assert_str_eq(img->name, "127.0.0.1:5000/library/demo:1.0");
	img = volt_img_image_free(img);
	ck_assert_fails_with(volt_img_image_get(&img, cas, "emo:1.0"), ENOENT, "no image named");
	ck_assert_fails_with(volt_img_image_get(&img, cas, "demo:2.0"), ENOENT, "no image named");
	ck_assert_ptr_null(img);
	/* Two registries, one short name: ambiguous, and the message names both. */
	commit("registry.example/demo:1.0", CONFIG2);
	ck_assert_fails_with(volt_img_image_get(&img, cas, "demo:1.0"), ENOTUNIQ, "registry.example/demo:1.0");
	ck_assert_int_eq(volt_img_image_get(&img, cas, "registry.example/demo:1.0"), 0);
	volt_img_image_free(img);
}
END_TEST

START_TEST(test_config_fields_come_through)
{
	volt_img_image *img = NULL;

	commit("c:1", CONFIG);
	ck_assert_int_eq(volt_img_image_get(&img, cas, "c:1"), 0);
	ck_assert_ptr_nonnull(img->entrypoint);   /* [] stays an empty list */
	ck_assert_ptr_null(img->entrypoint[0]);
	ck_assert_ptr_null(img->cmd);             /* null stays absent */
	ck_assert_str_eq(img->env[0], "A=1");
	ck_assert_str_eq(img->env[1], "B=2");
	ck_assert_ptr_null(img->env[2]);
	ck_assert_str_eq(img->working_dir, "/w");
	ck_assert_str_eq(img->user, "u:g");
	ck_assert_str_eq(img->exposed_ports[0], "80/tcp");
	ck_assert_str_eq(img->exposed_ports[1], "9/udp");
	ck_assert_str_eq(img->os, "linux");
	ck_assert_str_eq(img->architecture, "amd64");
	ck_assert_uint_eq(img->n_layers, 1);
	ck_assert_str_eq(img->layers[0], layer);
	ck_assert_uint_eq(img->config_len, strlen(CONFIG));
	ck_assert_str_eq(img->config_json, CONFIG);
	volt_img_image_free(img);
}
END_TEST

START_TEST(test_bad_configs_are_refused_at_commit)
{
	const char *v[] = { layer };
	static const char *const bad[] = {
		"{\"config\":{\"Cmd\":\"sh\"}}",
		"{\"config\":{\"Env\":[1]}}",
		"{\"config\":{\"User\":7}}",
		"{\"config\":[]}",
		"{\"config\":{\"ExposedPorts\":[\"80\"]}}",
		"{\"os\":1}",
	};
	char **names = NULL;
	size_t n = 9;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_fails_with(volt_img_image_commit(NULL, cas, "bad", v, 1, bad[i], strlen(bad[i]), NULL),
				     EINVAL, "");
	ck_assert_int_eq(volt_img_image_list(&names, &n, cas), 0);
	ck_assert_uint_eq(n, 0);
	volt_strv_free(names);
}
END_TEST

START_TEST(test_tag_and_remove_prune_unused_layers_only)
{
	volt_img_image *img = NULL;
	volt_cas_hash tree;
	char **names = NULL, *full = NULL;
	size_t n;

	commit("a:1", CONFIG);
	ck_assert_int_eq(volt_img_image_tag(cas, "a:1", "b"), 0);
	ck_assert_fails_with(volt_img_image_tag(cas, "nosuch", "c"), ENOENT, "nosuch");
	ck_assert_fails_with(volt_img_image_tag(cas, "a:1", "bad name"), EINVAL, "invalid image name");
	ck_assert_int_eq(volt_img_image_list(&names, &n, cas), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(names[0], "a:1");
	ck_assert_str_eq(names[1], "b:latest");
	names = volt_strv_free(names);
	ck_assert_int_eq(volt_img_image_get(&img, cas, "b"), 0);
	volt_img_image_free(img);
	/* Two names of one id: removal by id is refused. */
	ck_assert_int_eq(volt_img_image_get(&img, cas, "a:1"), 0);
	ck_assert_fails_with(volt_img_image_remove(NULL, cas, img->id), ENOTUNIQ, "remove them by name");
	volt_img_image_free(img);
	ck_assert_int_eq(volt_img_image_remove(&full, cas, "a:1"), 0);
	ck_assert_str_eq(full, "a:1");
	free(full);
	ck_assert_int_eq(volt_img_layer_lookup(&tree, cas, layer), 0); /* b still uses it */
	ck_assert_int_eq(volt_img_image_remove(NULL, cas, "b:latest"), 0);
	ck_assert_int_eq(volt_img_layer_lookup(&tree, cas, layer), -ENOENT);
	ck_assert_fails_with(volt_img_image_remove(NULL, cas, "b"), ENOENT, "no image named");
}
END_TEST

START_TEST(test_gc_frees_a_removed_image)
{
	volt_cas_gc_result res = VOLT_CAS_GC_RESULT_INIT;
	volt_img_image *img = NULL;
	char hex[VOLT_CAS_HASH_HEX_SIZE], *s;

	commit("g:1", CONFIG);
	ck_assert_int_eq(volt_img_image_get(&img, cas, "g:1"), 0);
	volt_cas_hash_to_hex(hex, &img->root);
	volt_img_image_free(img);
	ck_assert_int_eq(volt_cas_gc(&res, cas, 0), 0);
	ck_assert_uint_eq(res.blocks_removed, 0);
	s = t_cat(cas, hex, "f");
	ck_assert_str_eq(s, "f\n");
	free(s);
	ck_assert_int_eq(volt_img_image_remove(NULL, cas, "g:1"), 0);
	ck_assert_int_eq(volt_cas_gc(&res, cas, 0), 0);
	ck_assert_uint_gt(res.blocks_removed, 0);
	ck_assert_ptr_null(t_cat(cas, hex, "f"));
}
END_TEST

START_TEST(test_corrupt_records_are_errors)
{
	volt_cas_gc_result res = VOLT_CAS_GC_RESULT_INIT;
	volt_img_image *img = NULL;
	char **names = NULL;
	char *p = NULL;
	FILE *f;

	commit("x:1", CONFIG);
	/* Overwrite every record with garbage. */
	ck_assert_int_ge(asprintf(&p, "cd %s/store/oci/images && for f in *.json; do echo '{\"name\":1}' > $f; done", tmp), 0);
	ck_assert_int_eq(system(p), 0);
	free(p);
	ck_assert_int_eq(volt_img_image_get(&img, cas, "x:1"), -EBADMSG);
	ck_assert_int_eq(volt_img_image_list(&names, NULL, cas), -EBADMSG);
	/* The record's ref still keeps its data: gc (which reads no record)
	 * frees nothing, and the repair before it keeps that ref. */
	ck_assert_int_eq(volt_img_roots_repair(cas, 0), 0);
	ck_assert_int_eq(volt_cas_gc(&res, cas, 0), 0);
	ck_assert_uint_eq(res.blocks_removed, 0);
	/* Without its ref (a store of 0.3), what it keeps is unknown: the
	 * repair refuses, and so the gc of volt and stellarium does not run. */
	ck_assert_int_ge(asprintf(&p, "rm %s/store/refs/img.image.*", tmp), 0);
	ck_assert_int_eq(system(p), 0);
	free(p);
	ck_assert_fails_with(volt_img_roots_repair(cas, 0), EBADMSG, "cannot be read");
	/* A corrupt layer record is refused too. */
	ck_assert_int_ge(asprintf(&p, "%s/store/oci/layers/sha256-%s", tmp, layer + 7), 0);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs("nonsense\n", f);
	fclose(f);
	free(p);
	{
		volt_cas_hash t;

		ck_assert_fails_with(volt_img_layer_lookup(&t, cas, layer), EINVAL, "corrupt");
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("oci-image");
	TCase *tc = tcase_create("oci-image");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_names_short_forms_and_ids_find_images);
	tcase_add_test(tc, test_config_fields_come_through);
	tcase_add_test(tc, test_bad_configs_are_refused_at_commit);
	tcase_add_test(tc, test_tag_and_remove_prune_unused_layers_only);
	tcase_add_test(tc, test_gc_frees_a_removed_image);
	tcase_add_test(tc, test_corrupt_records_are_errors);
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
