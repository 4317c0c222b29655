/*
 * The one function that applies an OCI image's config for containers and
 * VMs (common/image-run.c): Entrypoint/Cmd/argv, Env by name, WorkingDir,
 * User, as Docker does.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "image-run.h"

#define V(...) ((const char *const[]){ __VA_ARGS__, NULL })
static const char *const empty[] = { NULL };

/* argv joined by '|', "(null)" for no argv. */
static char *joined(const char **argv)
{
	static char buf[512];

	if (!argv)
		return strcpy(buf, "(null)");
	buf[0] = 0;
	for (size_t i = 0; argv[i]; i++) {
		if (i)
			strcat(buf, "|");
		strcat(buf, argv[i]);
	}
	return buf;
}

struct argv_case {
	const char *const *entrypoint, *const *cmd, *const *request;
	const char *want;
	bool replaced;
};

static const struct argv_case argv_cases[] = {
	{ NULL, NULL, NULL, "(null)", false },
	{ NULL, V("sh"), NULL, "sh", false },
	{ V("/ep", "-x"), NULL, NULL, "/ep|-x", false },
	{ V("/ep", "-x"), V("a", "b"), NULL, "/ep|-x|a|b", false },
	{ V("/ep"), V("a", "b"), V("c"), "/ep|c", true },
	{ NULL, V("a", "b"), V("c", "d e"), "c|d e", true },
	{ V("/ep"), V("a"), empty, "/ep|a", false },       /* an empty request is no request */
	{ empty, V("a"), NULL, "a", false },               /* an empty Entrypoint adds nothing */
	{ V("/ep"), empty, NULL, "/ep", false },
	{ empty, empty, NULL, "(null)", false },
	{ NULL, NULL, V("/bin/true"), "/bin/true", true },
};

START_TEST(argv_matrix)
{
	const struct argv_case *c = &argv_cases[_i];
	volt_img_image img = { .entrypoint = c->entrypoint, .cmd = c->cmd };
	common_image_run run;

	ck_assert_int_eq(common_image_run_apply(&run, &img, c->request, NULL, NULL, NULL), 0);
	ck_assert_str_eq(joined(run.argv), c->want);
	ck_assert(run.cmd_replaced == c->replaced);
	ck_assert_ptr_null(run.workdir);
	ck_assert_ptr_null(run.user);
	ck_assert_ptr_null(run.env[0]);
	common_image_run_clear(&run);
}
END_TEST

START_TEST(env_workdir_user)
{
	volt_img_image img = { .env = V("PATH=/img/bin", "A=1", "B=2"), .working_dir = "/srv", .user = "app:staff" };
	common_image_run run;

	/* The request's entries win by name, and come after the image's. */
	ck_assert_int_eq(common_image_run_apply(&run, &img, NULL, V("A=override", "C=3", "AB=4"), NULL, NULL), 0);
	ck_assert_str_eq(joined(run.env), "PATH=/img/bin|B=2|A=override|C=3|AB=4");
	ck_assert_str_eq(run.workdir, "/srv");
	ck_assert_str_eq(run.user, "app");   /* the group part is not applied */
	common_image_run_clear(&run);

	ck_assert_int_eq(common_image_run_apply(&run, &img, NULL, NULL, "/tmp", "1000"), 0);
	ck_assert_str_eq(joined(run.env), "PATH=/img/bin|A=1|B=2");
	ck_assert_str_eq(run.workdir, "/tmp");
	ck_assert_str_eq(run.user, "1000");
	ck_assert_ptr_null(run.user_buf);
	common_image_run_clear(&run);

	/* Empty WorkingDir and User are no setting. */
	img = (volt_img_image){ .working_dir = "", .user = "" };
	ck_assert_int_eq(common_image_run_apply(&run, &img, NULL, NULL, NULL, NULL), 0);
	ck_assert_ptr_null(run.workdir);
	ck_assert_ptr_null(run.user);
	common_image_run_clear(&run);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("common-image-run");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_loop_test(tc, argv_matrix, 0, sizeof(argv_cases) / sizeof(argv_cases[0]));
	tcase_add_test(tc, env_workdir_user);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
