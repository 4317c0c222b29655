/*
 * Policies attached to images (libvolt-ctr/src/image-policy.c) and the
 * host side of container learning (learn.c): what is kept is validated,
 * a file Volt did not write is refused, bad input fails with a message.
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
#include <volt/ctr.h>
#include <volt/sec.h>

#include "ctr-internal.h"
#include "volt-test.h"

static char root[] = "/tmp/volt-test-image-policy-XXXXXX";

static volt_ctr *open_ctr(void)
{
	volt_ctr *ctr = NULL;

	ck_assert_int_eq(volt_ctr_open(&ctr, root), 0);
	return ctr;
}

static json_t *default_policy(void)
{
	volt_sec_policy *p = NULL;
	json_t *j = NULL;

	ck_assert_int_eq(volt_sec_policy_new_default(&p), 0);
	ck_assert_int_eq(volt_sec_policy_to_json(&j, p), 0);
	volt_sec_policy_free(p);
	return j;
}

/* The one file under ROOT/image-policies. */
static char *stored_file(void)
{
	char *cmd = NULL, line[4096] = "";
	FILE *f;

	ck_assert_int_ge(asprintf(&cmd, "ls -d %s/image-policies/*.json", root), 0);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
	pclose(f);
	free(cmd);
	line[strcspn(line, "\n")] = 0;
	return strdup(line);
}

START_TEST(attach_get_detach)
{
	volt_ctr *ctr = open_ctr();
	json_t *j = default_policy(), *got = NULL;

	ck_assert_int_eq(volt_ctr_image_policy_attach(ctr, "busybox", j), 0);
	ck_assert_int_eq(volt_ctr_image_policy_get(&got, ctr, "busybox"), 0);
	ck_assert(json_is_array(json_object_get(got, "fs_read")));
	json_decref(got);
	ck_assert_int_eq(volt_ctr_image_policy_detach(ctr, "busybox"), 0);
	ck_assert_fails_with(volt_ctr_image_policy_detach(ctr, "busybox"), ENOENT, "no attached policy");
	ck_assert_fails_with(volt_ctr_image_policy_get(&got, ctr, "busybox"), ENOENT, "no attached policy");
	json_decref(j);
	volt_ctr_close(ctr);
}
END_TEST

START_TEST(attach_refuses_bad_input)
{
	volt_ctr *ctr = open_ctr();
	json_t *bad = json_pack("{s:[s]}", "fs_read", "relative/path"), *j = default_policy();

	ck_assert_fails_with(volt_ctr_image_policy_attach(ctr, "busybox", bad), EINVAL, "attach a policy");
	ck_assert_fails_with(volt_ctr_image_policy_attach(ctr, "no-such-image", j), ENOENT, "no-such-image");
	ck_assert_int_eq(volt_ctr_image_policy_attach(NULL, "busybox", j), -EINVAL);
	ck_assert_int_eq(volt_ctr_image_policy_attach(ctr, "busybox", NULL), -EINVAL);
	json_decref(bad);
	json_decref(j);
	volt_ctr_close(ctr);
}
END_TEST

/* A stored file that is a link, or writable by others, is not one Volt wrote. */
START_TEST(stored_file_must_be_volts)
{
	volt_ctr *ctr = open_ctr();
	json_t *j = default_policy(), *got = NULL;
	char *path, target[4200];

	ck_assert_int_eq(volt_ctr_image_policy_attach(ctr, "busybox", j), 0);
	path = stored_file();
	ck_assert_int_eq(chmod(path, 0666), 0);
	ck_assert_fails_with(volt_ctr_image_policy_get(&got, ctr, "busybox"), EPERM, "not a file Volt wrote");
	ck_assert_int_eq(chmod(path, 0600), 0);
	snprintf(target, sizeof(target), "%s.real", path);
	ck_assert_int_eq(rename(path, target), 0);
	ck_assert_int_eq(symlink(target, path), 0);
	ck_assert_fails_with(volt_ctr_image_policy_get(&got, ctr, "busybox"), EPERM, "not a file Volt wrote");
	unlink(path);
	unlink(target);
	/* Garbage Volt did write is refused by validation. */
	ck_assert_int_eq(volt_file_write_atomic(path, "{\"fs_read\": 1}", 14, 0600), 0);
	ck_assert_fails_with(volt_ctr_image_policy_get(&got, ctr, "busybox"), EINVAL, "fs_read");
	unlink(path);
	free(path);
	json_decref(j);
	volt_ctr_close(ctr);
}
END_TEST

START_TEST(learn_argv_goes_to_the_payload)
{
	char **v = calloc(6, sizeof(char *));

	v[0] = strdup("nspawn");
	v[1] = strdup("--bind-ro=/x:" CTR_LAUNCH_PATH);
	v[2] = strdup("--");
	v[3] = strdup(CTR_LAUNCH_PATH);
	v[4] = strdup("/run/volt/policy.json");
	ck_assert_int_eq(ctr_learn_argv(&v), 0);
	ck_assert_str_eq(v[3], CTR_LAUNCH_PATH);
	ck_assert_str_eq(v[4], "--learn-fd=3");
	ck_assert_str_eq(v[5], "/run/volt/policy.json");
	ck_assert_ptr_null(v[6]);
	volt_strv_free(v);

	v = calloc(2, sizeof(char *));
	v[0] = strdup("nspawn");
	ck_assert_fails_with(ctr_learn_argv(&v), EINVAL, "no launcher");
	volt_strv_free(v);
}
END_TEST

START_TEST(learn_checks_arguments)
{
	volt_ctr *ctr = open_ctr();
	json_t *j = NULL;
	int status;

	ck_assert_int_eq(volt_ctr_learn(&j, &status, NULL, "x", VOLT_CTR_CONSOLE_PIPE), -EINVAL);
	ck_assert_int_eq(volt_ctr_learn(&j, NULL, ctr, "x", VOLT_CTR_CONSOLE_PIPE), -EINVAL);
	ck_assert_int_eq(volt_ctr_learn(NULL, &status, ctr, "x", VOLT_CTR_CONSOLE_PIPE), -EINVAL);
	ck_assert_int_eq(volt_ctr_learn(&j, &status, ctr, "no-such-container", VOLT_CTR_CONSOLE_PIPE), -ENOENT);
	volt_ctr_close(ctr);
}
END_TEST

static void __attribute__((constructor)) make_root(void)
{
	if (!mkdtemp(root))
		abort();
}

static void __attribute__((destructor)) remove_root(void)
{
	char *cmd = NULL;

	if (asprintf(&cmd, "rm -rf %s", root) >= 0 && system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", root);
	free(cmd);
}

VOLT_TEST_MAIN("image-policy", attach_get_detach, attach_refuses_bad_input, stored_file_must_be_volts,
	       learn_argv_goes_to_the_payload, learn_checks_arguments)
